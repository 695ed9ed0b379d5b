/*
 * dnscheck: one domain's mail DNS against its expected state.  Every
 * check adds findings {id, area, status, rfc, expected, actual, evidence}
 * to a result; ids are stable (they are the API of the JSON output).
 * Status order for "worst": CRITICAL > UNKNOWN > WARNING > OK.  A timeout
 * or SERVFAIL is UNKNOWN, never "record missing".
 */
#ifndef UDMAIL_DNSCHECK_H
#define UDMAIL_DNSCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "dns.h"
#include "dnsexpect.h"
#include "errbuf.h"

/* Values are the Nagios plugin exit codes. */
enum dnscheck_status {
	DNSCHECK_OK = 0,
	DNSCHECK_WARNING = 1,
	DNSCHECK_CRITICAL = 2,
	DNSCHECK_UNKNOWN = 3
};

struct dnscheck_evidence {
	int set;
	char *qname;
	uint16_t qtype;
	enum dns_status dstatus;
	enum dns_sec sec;
	int rcode;
	uint32_t ttl;
	char *server;
	char *cname_chain; /* "a -> b -> c" or NULL */
	char *why_bogus;
};

struct dnscheck_finding {
	char *id;          /* e.g. "dmarc.policy.weaker" */
	const char *area;  /* mx, spf, dmarc, dkim, tlsa, ptr, srv, dns */
	enum dnscheck_status status;
	const char *rfc;   /* "RFC 7489 §6.3" or NULL */
	char *subject;     /* selector, host, IP, tag; or NULL */
	char *message;
	char *expected;    /* NULL when not applicable */
	char *actual;
	struct dnscheck_evidence ev;
	/* acknowledged in the expected state: STATUS is OK and
	   ACKED_STATUS what it would be */
	int acked;
	enum dnscheck_status acked_status;
	char *ack_reason;
	char ack_until[11];
};

struct dnscheck_metric {
	const char *name; /* without the maildnscheck_ prefix */
	char *k1, *v1, *k2, *v2; /* optional labels besides domain */
	double value;
};

struct dnscheck_result {
	char *domain;
	struct dnscheck_finding *f;
	size_t nf;
	struct dnscheck_metric *m;
	size_t nm;
	enum dnscheck_status status;
	unsigned queries;
	double duration;  /* seconds */
	time_t started;
	int validating;
	int nomem;        /* some finding could not be recorded */
};

/* The per-domain deadline when neither option nor expected state says. */
#define DNSCHECK_DEADLINE_DEFAULT 8.0

struct tlsprobe_ctx;

struct dnscheck_opts {
	int validating;      /* resolver validates DNSSEC (trust anchor ok) */
	double deadline;     /* seconds for one domain; 0: the default */
	time_t now;          /* for acknowledgements; 0: time(NULL) */
	int allow_reserved;  /* documentation/private addresses are fine */
	int mx_order_only;   /* compare MX rank order, not values */
	unsigned spf_warn_lookups; /* default 9 */
	/* live checks: TLS on MX and submission hosts, MTA-STS policy */
	int live;
	double live_timeout; /* seconds per host and address; 0: 5 */
	const char *ca_file; /* PKIX trust; NULL: the system's */
	struct tlsprobe_ctx *tls; /* shared TLS settings (tlsprobe_ctx_new,
				     with CA_FILE), or NULL: one per probe */
	const char *helo;    /* EHLO name; NULL: "maildnscheck.invalid" */
	/* tests only: connect to port to[i] where the protocol says from[i] */
	const uint16_t *port_from, *port_to;
	size_t nport_map;
};

/* Check DOMAIN with expectations EXP (NULL: lint only), within the
   deadline (EXP's, else OPTS's, else DNSCHECK_DEADLINE_DEFAULT seconds):
   past it no query is sent and one UNKNOWN "dns.deadline" finding says
   what was cut.  Acknowledgements in EXP turn matching findings OK until
   they expire.  Returns a result (free with dnscheck_result_free), or NULL
   when out of memory. */
struct dnscheck_result *dnscheck_domain(struct dns_resolver *r,
    const struct dnscheck_opts *opts, const char *domain,
    const struct dnsexpect_domain *exp);
void dnscheck_result_free(struct dnscheck_result **resp);

/* The finding ids (dnscheck_ids.c), the interface of every output. */
struct dnscheck_idinfo {
	const char *id;
	const char *severity; /* OK, WARNING, CRITICAL, UNKNOWN, W/C, OK/C */
	const char *meaning;
};
/* All ids, *N_R of them. */
const struct dnscheck_idinfo *dnscheck_ids(size_t *n_r);
/* ID's entry, or NULL when it is not a documented id. */
const struct dnscheck_idinfo *dnscheck_id_lookup(const char *id);

const char *dnscheck_status_name(enum dnscheck_status st);
/* Rank for "worst": OK 0 < WARNING 1 < UNKNOWN 2 < CRITICAL 3. */
int dnscheck_status_rank(enum dnscheck_status st);
enum dnscheck_status dnscheck_worst(enum dnscheck_status a,
    enum dnscheck_status b);
/* Sort findings worst first (stable within a status). */
void dnscheck_result_sort(struct dnscheck_result *res);
size_t dnscheck_count(const struct dnscheck_result *res,
    enum dnscheck_status st);
/* Find the first finding with ID (and SUBJECT when not NULL). */
const struct dnscheck_finding *dnscheck_find(const struct dnscheck_result *res,
    const char *id, const char *subject);
const struct dnscheck_metric *dnscheck_metric_find(
    const struct dnscheck_result *res, const char *name, const char *v1);

/* Output (dnscheck_report.c).  Each appends to OUT; returns 0 or -1. */
struct dnscheck_report_info {
	const char *tool;
	const char *version;
	const char *const *servers;
	size_t nservers;
	const char *trust; /* trust anchor zone or NULL */
	int verbose;       /* text: also list OK findings */
};
int dnscheck_report_text(struct buf *out,
    struct dnscheck_result *const *res, size_t n,
    const struct dnscheck_report_info *info)
    __attribute__((warn_unused_result));
int dnscheck_report_json(struct buf *out,
    struct dnscheck_result *const *res, size_t n,
    const struct dnscheck_report_info *info)
    __attribute__((warn_unused_result));
int dnscheck_report_nagios(struct buf *out,
    struct dnscheck_result *const *res, size_t n,
    const struct dnscheck_report_info *info)
    __attribute__((warn_unused_result));
int dnscheck_report_prom(struct buf *out,
    struct dnscheck_result *const *res, size_t n,
    const struct dnscheck_report_info *info, time_t now)
    __attribute__((warn_unused_result));
/* Overall status of N results (worst). */
enum dnscheck_status dnscheck_overall(struct dnscheck_result *const *res,
    size_t n);

#endif
