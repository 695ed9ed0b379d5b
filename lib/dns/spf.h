/*
 * spf: Sender Policy Framework (RFC 7208).  A record parser that keeps
 * term positions, macro expansion (§7), check_host() (§4-§6) over the
 * dns_ops resolver interface with the lookup and void-lookup limits of
 * §4.6.4 counted as the OpenSPF suite expects, a trace of the evaluation,
 * and the lint / normalize / drift helpers maildnscheck reports from.
 * Nothing here prints or exits.
 */
#ifndef UDMAIL_SPF_H
#define UDMAIL_SPF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dns.h"
#include "errbuf.h"

#define SPF_MAX_LOOKUPS  10   /* §4.6.4: terms that cause DNS queries */
#define SPF_MAX_VOID     2    /* §4.6.4: void lookups */
#define SPF_MAX_MX       10   /* §4.6.4: MX names per mx term */
#define SPF_MAX_PTR      10   /* §4.6.4: PTR names used per ptr term */
#define SPF_MACRO_MAX    4096 /* expansion cap, hostile records */
#define SPF_RECORD_WARN  450  /* §3.4: octets before lint warns */

enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR
};

enum spf_kind {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT, /* modifiers from here on */
	SPF_EXP,
	SPF_UNKNOWN_MOD
};

/* One term of a parsed record.  DOMAIN is the domain-spec as written
   (macros unexpanded) or NULL when absent (a, mx, ptr default to the
   current domain).  CIDR lengths are -1 when not written. */
struct spf_term {
	enum spf_kind kind;
	char qual;          /* '+', '-', '~', '?' for mechanisms, 0 for modifiers */
	char *name;         /* unknown modifier: its name as written */
	char *domain;       /* domain-spec / modifier value, or NULL */
	unsigned char addr[16]; /* ip4 (first 4 bytes) / ip6 network */
	int cidr4, cidr6;
	int has_macro;      /* DOMAIN holds a macro-expand */
	size_t pos, len;    /* the term's bytes in the record text */
};

struct spf_record {
	char *text;         /* copy of the record, NUL-terminated */
	size_t len;
	struct spf_term *terms; /* version excluded */
	size_t nterms;
	int redirect;       /* index into terms, or -1 */
	int exp;            /* index into terms, or -1 */
	int has_all;
};

/* Parse TEXT (LEN bytes; may hold NULs, which are errors).  The record must
   start with "v=spf1" (§4.5).  Returns 0 with *REC_R set, or -1 with EB
   naming the offset and the fault; *ERRPOS_R (may be NULL) gets the offset.
   A -1 here is what check_host() turns into permerror, except when
   EB->errnum is ENOMEM (out of memory, not a fault of the record). */
int spf_parse(const char *text, size_t len, struct spf_record **rec_r,
    size_t *errpos_r, struct errbuf *eb) __attribute__((warn_unused_result));
void spf_record_free(struct spf_record **recp);
/* 1 when TEXT begins with "v=spf1" then a space or the end (§4.5). */
int spf_is_record(const char *text, size_t len);

/* The inputs of check_host().  IP is an address in text (IPv4, IPv6, or
   IPv4-mapped IPv6, which counts as IPv4).  SENDER is MAIL FROM; NULL or ""
   means postmaster@HELO (§2.4).  DOMAIN defaults to the sender's domain. */
struct spf_request {
	const char *ip;
	const char *sender;
	const char *helo;
	const char *domain;
	const char *receiver;    /* %{r}; NULL = "unknown" */
	const char *default_exp; /* explanation when fail has none; may be NULL */
	time_t now;              /* %{t}; 0 = time(NULL) */
	unsigned max_lookups;    /* 0 = SPF_MAX_LOOKUPS */
	unsigned max_void;       /* 0 = SPF_MAX_VOID */
};

enum spf_trace_kind {
	SPF_TR_RECORD,   /* a record was fetched: DETAIL = its text */
	SPF_TR_TERM,     /* a term was evaluated: DETAIL = outcome */
	SPF_TR_VOID,     /* a void lookup: DETAIL = "name/TYPE status" */
	SPF_TR_ERROR,    /* a temperror / permerror arose: DETAIL = why */
	SPF_TR_RESULT,   /* a check_host() level finished: DETAIL = result */
	SPF_TR_LIMIT     /* a limit cut an answer short without an error */
};

/* What kind of error (SPF_TR_ERROR) or limit (SPF_TR_LIMIT) a trace entry
   records; lint turns each into its own finding. */
enum spf_err {
	SPF_ERR_NONE,
	SPF_ERR_DNS,           /* timeout / SERVFAIL: temperror (§4.4) */
	SPF_ERR_BOGUS,         /* DNSSEC validation failed: temperror */
	SPF_ERR_SYNTAX,        /* a record that does not parse (§4.6) */
	SPF_ERR_MULTIPLE,      /* more than one SPF record (§4.5) */
	SPF_ERR_INCLUDE_NONE,  /* include target without SPF (§5.2) */
	SPF_ERR_REDIRECT_NONE, /* redirect target without SPF (§6.1) */
	SPF_ERR_TARGET,        /* include/redirect target not a name (§4.8) */
	SPF_ERR_MACRO,         /* a macro that cannot be expanded (§7) */
	SPF_ERR_MX_LIMIT,      /* an mx term with over 10 names (§4.6.4) */
	SPF_ERR_PTR_LIMIT,     /* over 10 PTR names, the rest unused (§4.6.4) */
	SPF_ERR_LOOP,          /* include/redirect back to a record in use */
	SPF_ERR_LOOKUP_LIMIT,  /* over 10 DNS-querying terms (§4.6.4) */
	SPF_ERR_VOID_LIMIT     /* over 2 void lookups (§4.6.4) */
};

struct spf_trace {
	enum spf_trace_kind kind;
	enum spf_err err;  /* SPF_TR_ERROR, SPF_TR_LIMIT; else SPF_ERR_NONE */
	unsigned depth;  /* 0 top level; +1 per include or redirect */
	char *domain;    /* whose record */
	char *term;      /* term text as written, or NULL */
	char *detail;
	unsigned lookups; /* DNS-mechanism count after this step */
	unsigned voids;
};

struct spf_void {
	char *domain;    /* whose record held the term */
	char *term;      /* the term as written */
	char *qname;
	uint16_t qtype;
	enum dns_status status; /* DNS_NXDOMAIN or DNS_NODATA */
};

/* What check_host() found.  All strings are owned by the struct. */
struct spf_eval {
	enum spf_result result;
	char *explanation;      /* fail only: exp= text, else default_exp */
	char *error;            /* why permerror / temperror, else NULL */
	char *matched_term;     /* the term that decided, or NULL */
	char *matched_domain;   /* the record it is in */
	char **chain;           /* domains entered: top, includes, redirects */
	size_t nchain;
	unsigned lookups;       /* §4.6.4 terms used */
	unsigned voids;
	struct spf_void *void_list;
	size_t nvoid;
	struct spf_trace *trace;
	size_t ntrace;
};

/* check_host(): evaluate REQ against DNS through RES.  Returns 0 with
   *EV_R set (every SPF result, including temperror, is a 0 return), or -1
   with EB set on bad arguments or no memory. */
int spf_check_host(struct dns_resolver *res, const struct spf_request *req,
    struct spf_eval **ev_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
void spf_eval_free(struct spf_eval **evp);

const char *spf_result_name(enum spf_result r);
const char *spf_kind_name(enum spf_kind k);

/* Macro expansion (§7) of a macro-string, for tests and tools.  EXP set
   allows c, r, t and spaces (explain-string).  Returns 0 with a malloc'd
   *OUT_R, or -1 with EB set (syntax error, or longer than SPF_MACRO_MAX). */
int spf_macro_expand(struct dns_resolver *res, const struct spf_request *req,
    const char *domain, const char *s, int exp, char **out_r,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* Findings of lint and drift. */
enum spf_severity { SPF_SEV_OK, SPF_SEV_INFO, SPF_SEV_WARNING,
	SPF_SEV_CRITICAL, SPF_SEV_UNKNOWN };

struct spf_finding {
	const char *id;     /* stable id, e.g. "spf-plus-all" */
	enum spf_severity sev;
	char *msg;
	const char *rfc;    /* e.g. "RFC 7208 §5.1", or "" */
};

struct spf_findings {
	struct spf_finding *v;
	size_t n, cap;
};

struct spf_lint_opts {
	unsigned warn_lookups;  /* 0 = 9: lookups >= this warn */
	unsigned max_lookups;   /* 0 = 10: above this is critical */
	size_t warn_octets;     /* 0 = SPF_RECORD_WARN */
};

/* Fetch and check DOMAIN's SPF (selection, syntax, +all, ?all, no all,
   ptr, size, non-ASCII, and the worst-case lookup / void counts from a
   walk through every include and redirect).  Every error the walk meets,
   at any depth, is a finding of its own kind (spf-mx-limit,
   spf-include-none, spf-redirect-none, spf-loop, ...).  Appends to OUT; a
   DNS failure becomes an UNKNOWN finding, a DNSSEC-bogus answer a
   CRITICAL "spf.dnssec.bogus".  Returns 0, or -1 with EB set (no memory).
   *LOOKUPS_R and *VOIDS_R (may be NULL) get the walk's counts. */
int spf_lint(struct dns_resolver *res, const char *domain,
    const struct spf_lint_opts *opts, struct spf_findings *out,
    unsigned *lookups_r, unsigned *voids_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Record-only checks of spf_lint (no DNS). */
int spf_lint_record(const char *text, size_t len,
    const struct spf_lint_opts *opts, struct spf_findings *out,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* Normalized form of one term (dnscheck.md §2 "Drift"): lower case,
   explicit qualifier, a/mx/ptr with the domain written out (DOMAIN is the
   record's own), ip4/ip6 masked with the length written out, targets
   without the trailing dot.  Returns a malloc'd string or NULL with EB. */
char *spf_normalize_term(const struct spf_term *t, const char *domain,
    struct errbuf *eb);
/* All top-level terms of REC, normalized, in record order. */
int spf_normalize(const struct spf_record *rec, const char *domain,
    char ***terms_r, size_t *n_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Parse and normalize one term written by a person ("ip4:192.0.2.1",
   "include:_spf.example.net.", "-all"). */
char *spf_normalize_text(const char *term, const char *domain,
    struct errbuf *eb);
void spf_strings_free(char ***vp, size_t n);

/* Compare REC's top-level multiset with EXPECTED (terms as a person writes
   them).  Appends findings: spf-term-missing (CRITICAL), spf-term-extra
   (WARNING), spf-qualifier-changed (WARNING), spf-all-weakened (CRITICAL),
   spf-all-strengthened (WARNING).  Returns the number of differences, or
   -1 with EB set (an expected term that does not parse, or no memory). */
int spf_drift(const struct spf_record *rec, const char *domain,
    const char *const *expected, size_t nexpected, struct spf_findings *out,
    struct errbuf *eb) __attribute__((warn_unused_result));

int spf_findings_add(struct spf_findings *f, const char *id,
    enum spf_severity sev, const char *rfc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6), warn_unused_result));
void spf_findings_free(struct spf_findings *f);
const char *spf_severity_name(enum spf_severity s);

#endif
