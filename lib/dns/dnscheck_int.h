/*
 * dnscheck_int: what the per-area check modules share (dnscheck_*.c).
 * Not for programs; tests and fuzz targets include it.
 */
#ifndef UDMAIL_DNSCHECK_INT_H
#define UDMAIL_DNSCHECK_INT_H

#include "dnscheck.h"

struct dnscheck_addr {
	int af; /* AF_INET or AF_INET6 */
	unsigned char a[16];
};

struct dnscheck_mxhost {
	char *host;
	uint16_t pref;
	struct dnscheck_addr *addr;
	size_t naddr;
	int usable;
	enum dns_sec addr_sec; /* secure when every A/AAAA RRset was */
};

/* An answer for a name inside the checked domain (after CNAMEs), for the
   expected DNSSEC state. */
struct dc_seen {
	char *name;
	uint16_t type;
	enum dns_status status;
	enum dns_sec sec;
};

/* A submission host from SRV (RFC 6186, RFC 8314) or the expected
   state, for TLSA and live checks. */
struct dnscheck_subhost {
	struct dnscheck_mxhost h; /* host, addresses, their DNSSEC state */
	uint16_t port;
	int implicit_tls;         /* 465: TLS from the start; else STARTTLS */
	int from_srv;
	enum dns_sec srv_sec;     /* of the SRV RRset, when from_srv */
};

struct dnscheck_run {
	struct dns_resolver *r;    /* counts, records, enforces the deadline */
	struct dns_resolver *real; /* the shared resolver behind it */
	double deadline;           /* monotime_now() time; 0: none */
	unsigned cut;              /* steps not done for the deadline */
	unsigned cut_dns;          /* of which queries not sent */
	char cut_at[300];          /* the first of them, "NAME/TYPE" */
	struct dc_seen *seen;
	size_t nseen;
	const struct dnscheck_opts *o;
	struct dnscheck_result *res;
	const char *domain;
	const struct dnsexpect_domain *exp;
	/* filled by the MX check for TLSA and PTR */
	struct dnscheck_mxhost *mx;
	size_t nmx;
	int mx_known;
	enum dns_sec mx_sec;
	/* query type of recent answers, for evidence */
#define DC_QTYPES 32
	struct {
		const struct dns_answer *a;
		uint16_t type;
	} qt[DC_QTYPES];
	size_t qtpos;
	/* filled by the TLSA check, for the live one */
	struct dc_tlsa *tlsa;
	size_t ntlsa;
	/* filled by the MTA-STS check: the policy mode senders apply */
	int sts_mode;  /* enum mtasts_mode, -1: no policy known */
	/* filled by the SRV check */
	struct dnscheck_subhost *sub;
	size_t nsub;
	int mute; /* >0: dc_add records nothing */
	int dkim_min_bits; /* smallest RSA key seen */
};

/* Ask the resolver and count the query.  Returns 0 with *ANS_R, or -1
   after recording an UNKNOWN "dns.local_error" finding. */
int dc_query(struct dnscheck_run *run, const char *area, const char *name,
    uint16_t type, struct dns_answer **ans_r);
/* Add a finding; EV (may be NULL) supplies the evidence. */
void dc_add(struct dnscheck_run *run, enum dnscheck_status st,
    const char *area, const char *id, const char *rfc, const char *subject,
    const struct dns_answer *ev, const char *expected, const char *actual,
    const char *fmt, ...) __attribute__((format(printf, 10, 11)));
void dc_metric(struct dnscheck_run *run, const char *name, const char *k1,
    const char *v1, const char *k2, const char *v2, double value);
/* For TIMEOUT/SERVFAIL add UNKNOWN "<area>.lookup", for BOGUS CRITICAL
   "<area>.dnssec.bogus"; returns 1 when it did (no answer to use). */
int dc_failed(struct dnscheck_run *run, const char *area, const char *subject,
    const struct dns_answer *a);
/* A and AAAA of M->host (area AREA for findings) into M, with their
   DNSSEC state.  CNAME (may be NULL) gets the alias target when the host
   is an alias, else "".  Returns 1 with addresses, 0 without, -1 when it
   could not be decided. */
int dc_host_addrs(struct dnscheck_run *run, const char *area,
    struct dnscheck_mxhost *m, char *cname, size_t cnamesize);
/* Live checks: the port to connect to for protocol port PORT (tests map
   them), the deadline of one connection, and whether the domain's
   deadline has passed (then WHAT is noted as not done; returns 1). */
uint16_t dc_port(const struct dnscheck_run *run, uint16_t port);
double dc_live_deadline(const struct dnscheck_run *run);
int dc_live_cut(struct dnscheck_run *run, const char *what);
/* "a.b." -> "a.b", lower case; copies into DST (size 256). */
void dc_name(char *dst, const char *src);
/* Join "%s.%s"; returns 0 or -1 when over 253 octets. */
int dc_join(char *dst, size_t size, const char *a, const char *b);

/* Tag lists (RFC 6376 §3.2), shared by DKIM and DMARC. */
struct dc_tag {
	char *name;
	char *value;
};
struct dc_tags {
	struct dc_tag *t;
	size_t n;
};
/* Returns 0, or -1 and fills EB: a syntax error, or errnum ENOMEM when
   out of memory. */
int dc_tags_parse(const char *s, size_t len, struct dc_tags *out,
    struct errbuf *eb);
const char *dc_tags_get(const struct dc_tags *tags, const char *name);
void dc_tags_free(struct dc_tags *tags);

/* Base64 with whitespace ignored (DKIM p=).  Returns length or -1. */
/* A private or public key from the PEM file PATH (OpenSSL EVP_PKEY), or
   NULL with EB naming the file. */
struct evp_pkey_st *dc_pem_key(const char *path, struct errbuf *eb);
long dc_base64_decode(const char *s, size_t len, unsigned char **out_r);

/* DANE (dnscheck_tlsa.c).  What clients do with a host's TLSA RRset
   (RFC 7672 §2.2). */
enum dane_use {
	DANE_UNVALIDATED,   /* cannot tell: the resolver does not validate */
	DANE_IGNORED,       /* not secure (TLSA, MX/SRV or address): no DANE */
	DANE_OPPORTUNISTIC, /* secure, no usable record: unauthenticated TLS */
	DANE_ENFORCED       /* a usable record must match, or no delivery */
};

/* The usable TLSA records of HOST:PORT and what clients do with them,
   for the live check. */
struct dc_tlsa {
	char *host;
	uint16_t port;
	enum dane_use use;
	unsigned char **rd;
	size_t *rdlen;
	size_t n;
};

#define TLSA_MAX_CHAIN 8
struct stack_st_X509; /* OpenSSL's STACK_OF(X509) */

/* DER blobs of a certificate chain, or of a key alone. */
struct tlsa_src {
	unsigned char *cert[TLSA_MAX_CHAIN]; /* [0] end entity */
	size_t certlen[TLSA_MAX_CHAIN];
	unsigned char *spki[TLSA_MAX_CHAIN];
	size_t spkilen[TLSA_MAX_CHAIN];
	size_t ncert;  /* 0 when only a key was given */
	int have_spki; /* spki[0] valid */
};
/* From a PEM certificate file (chain) or, without one, a key file.
   Returns 0, or -1 and fills EB. */
int dc_tlsa_src_load(const char *certfile, const char *keyfile,
    struct tlsa_src *s, struct errbuf *eb);
/* From a chain as a server sent it, leaf first. */
void dc_tlsa_src_chain(struct stack_st_X509 *chain, struct tlsa_src *s);
/* 1 when usable TLSA RDATA RD (LEN octets) matches S: DANE-EE the end
   entity, DANE-TA a certificate above it. */
int dc_tlsa_src_match(const struct tlsa_src *s, const unsigned char *rd,
    size_t len);
void dc_tlsa_src_free(struct tlsa_src *s);

/* Area checks. */
void dnscheck_mx(struct dnscheck_run *run);
void dnscheck_dmarc(struct dnscheck_run *run);
void dnscheck_dkim(struct dnscheck_run *run);
void dnscheck_tlsa(struct dnscheck_run *run);
void dnscheck_ptr(struct dnscheck_run *run);
void dnscheck_srv(struct dnscheck_run *run);
void dc_sub_free(struct dnscheck_run *run);
void dnscheck_dnssec(struct dnscheck_run *run);
void dnscheck_mtasts(struct dnscheck_run *run);
void dnscheck_tlsrpt(struct dnscheck_run *run);
void dnscheck_live(struct dnscheck_run *run);
void dc_tlsa_free(struct dnscheck_run *run);
void dnscheck_spf(struct dnscheck_run *run);

/* DMARC record lint without DNS: returns policy strength of p (0 none,
   1 quarantine, 2 reject) or -1 when the record gives no policy. */
struct dc_dmarc {
	int valid;
	int p, sp, np;   /* -1 unset/invalid */
	int pct;         /* -1 unset */
	int testing;     /* t=y */
	char adkim, aspf;
	char psd;
	char **rua, **ruf;
	size_t nrua, nruf;
};
void dnscheck_dmarc_record(struct dnscheck_run *run, const char *domain,
    const char *txt, size_t len, const struct dns_answer *ev,
    struct dc_dmarc *d);
void dc_dmarc_free(struct dc_dmarc *d);
/* 1 when TXT (LEN bytes, may hold NULs) is a DMARC record: first tag
   v=DMARC1, WSP allowed around '=' (RFC 7489 §6.3).  Otherwise 0 and
   *WHY_R (may be NULL) says why receivers discard it. */
int dc_dmarc_is_record(const char *txt, size_t len, const char **why_r);
/* "none", "quarantine", "reject" for 0, 1, 2; "invalid" otherwise. */
const char *dc_dmarc_policy_name(int p);
/* The strength of policy V (0, 1, 2), or -1. */
int dc_dmarc_policy_value(const char *v);
/* The policy strength record D sets for SCOPE (0 p, 1 sp, 2 np), after
   t=y. */
int dc_dmarc_effective(const struct dc_dmarc *d, int scope);
/* Findings for record D (found in EV) against the expected DMARC tags. */
void dc_dmarc_drift(struct dnscheck_run *run, const struct dc_dmarc *d,
    const struct dns_answer *ev);
/* One DKIM selector record (no DNS): lint and, with ES, key match. */
void dnscheck_dkim_record(struct dnscheck_run *run, const char *selector,
    const char *txt, size_t len, const struct dns_answer *ev,
    const struct dnsexpect_dkim *es);

/* A and B hold the same strings, in any order, ignoring case. */
int dnscheck_list_equal(char **a, size_t na, char **b, size_t nb);

#endif
