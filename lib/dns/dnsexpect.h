/*
 * dnsexpect: the expected state of each domain's mail DNS, read from YAML
 * (format in maildnscheck(1)) through lib/yschema, with
 * the limits and the strictness of udmail.yaml: unknown or duplicate keys,
 * excessive depth, size or value counts are refused.  Errors name
 * FILE:LINE:COL.  Relative file names (keys, certificates) are taken
 * relative to the YAML file.
 */
#ifndef UDMAIL_DNSEXPECT_H
#define UDMAIL_DNSEXPECT_H

#include <stddef.h>

#include "errbuf.h"

enum dnsexpect_dane {
	DNSEXPECT_DANE_UNSET = 0,
	DNSEXPECT_DANE_NONE,     /* no TLSA wanted */
	DNSEXPECT_DANE_OPTIONAL, /* check TLSA if present */
	DNSEXPECT_DANE_REQUIRED  /* secure, usable, matching TLSA required */
};

enum dnsexpect_dnssec {
	DNSEXPECT_DNSSEC_UNSET = 0,
	DNSEXPECT_DNSSEC_ANY,      /* not checked */
	DNSEXPECT_DNSSEC_SECURE,   /* every RRset in the domain validates */
	DNSEXPECT_DNSSEC_INSECURE  /* the zone is not signed */
};

/* Largest expected-state file, values in it, nesting. */
#define DNSEXPECT_MAX_BYTES (4 * 1024 * 1024)
#define DNSEXPECT_MAX_NODES 200000
#define DNSEXPECT_MAX_DEPTH 8

struct dnsexpect_mx {
	char *host;
	int pref; /* -1: any */
};

struct dnsexpect_spf {
	int set;
	char **terms;
	size_t nterms;
	int terms_set;
	char **must_pass;
	size_t npass;
	char **must_fail;
	size_t nfail;
	char *sender; /* for macros; default postmaster@<domain> */
	char *helo;
};

struct dnsexpect_dmarc {
	int set;
	char *p, *sp, *np, *adkim, *aspf, *t, *psd;
	int pct; /* -1: unset */
	char **rua;
	size_t nrua;
	int rua_set;
	char **ruf;
	size_t nruf;
	int ruf_set;
	char *effective; /* policy applied to the domain's own mail, after
			    inheritance (sp of the organizational domain),
			    t=y and pct < 100 */
};

struct dnsexpect_dkim {
	char *selector;
	char *key;   /* private (or public) key file; NULL when revoked */
	int revoked;
	int testing; /* t=y is expected, no warning */
};

struct dnsexpect_tls {
	char *host;
	char *cert;      /* PEM: end-entity first, then the chain */
	char *key;       /* PEM private or public key (no cert yet) */
	char *next_cert;
	char *next_key;
	enum dnsexpect_dane dane;
	enum dnsexpect_dnssec dnssec; /* of the TLSA RRset */
};

struct dnsexpect_mtasts {
	int set;
	char *mode;  /* enforce, testing, none; NULL: any */
	char **mx;   /* patterns expected in the policy */
	size_t nmx;
	int mx_set;
};

struct dnsexpect_tlsrpt {
	int set;
	char **rua;
	size_t nrua;
	int rua_set;
};

struct dnsexpect_ptr {
	char *ip;
	char *name; /* expected PTR name or NULL */
};

struct dnsexpect_srv {
	char *service; /* "submission" (RFC 6186) or "submissions" (RFC 8314) */
	char *host;    /* "" = service not offered (target ".") */
	int port;      /* -1: any */
	int priority;  /* -1: any */
	int weight;    /* -1: any */
};

/* A finding the site knows about: while UNTIL has not passed, a finding
   with ID (and SUBJECT, when given) reports OK, saying why; afterwards it
   fires again. */
struct dnsexpect_ack {
	char *id;
	char *subject;   /* NULL: any */
	char *reason;
	char until[11];  /* YYYY-MM-DD, as written */
	long long until_end; /* first second (UTC) after that day */
	int line;
};

struct dnsexpect_domain {
	char *name;
	int line;
	enum dnsexpect_dnssec dnssec;
	double deadline; /* seconds for the whole check; 0: the default */
	struct dnsexpect_ack *ack;
	size_t nack;
	int mx_set;
	int null_mx;
	struct dnsexpect_mx *mx;
	size_t nmx;
	struct dnsexpect_spf spf;
	struct dnsexpect_dmarc dmarc;
	struct dnsexpect_dkim *dkim;
	size_t ndkim;
	enum dnsexpect_dane dane; /* default for tls hosts and MX hosts */
	struct dnsexpect_tls *tls;
	size_t ntls;
	struct dnsexpect_ptr *ptr;
	size_t nptr;
	struct dnsexpect_srv *srv;
	size_t nsrv;
	int srv_set;
	struct dnsexpect_mtasts mta_sts;
	struct dnsexpect_tlsrpt tlsrpt;
};

struct dnsexpect {
	char *path;
	struct dnsexpect_domain *d;
	size_t nd;
};

/* Read PATH.  Returns 0, or -1 with EB = "PATH:LINE:COL: reason". */
int dnsexpect_load(const char *path, struct dnsexpect **exp_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Parse LEN bytes of YAML; NAME is used in messages and BASEDIR (may be
   NULL) for relative file names. */
int dnsexpect_parse(const char *text, size_t len, const char *name,
    const char *basedir, struct dnsexpect **exp_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* "secure", "insecure", "any" (or "unset"). */
const char *dnsexpect_dnssec_name(enum dnsexpect_dnssec d);
const struct dnsexpect_domain *dnsexpect_find(const struct dnsexpect *exp,
    const char *domain);
void dnsexpect_free(struct dnsexpect **expp);

#endif
