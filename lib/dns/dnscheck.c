/*
 * dnscheck: the finding model and the per-domain run.  Checks never stop
 * at the first problem: each area records what it saw and moves on, and
 * an area whose answer could not be obtained says UNKNOWN for itself only.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/pem.h>

#include "dnscheck_int.h"

const char *
dnscheck_status_name(enum dnscheck_status st)
{
	switch (st) {
	case DNSCHECK_OK:
		return "OK";
	case DNSCHECK_WARNING:
		return "WARNING";
	case DNSCHECK_CRITICAL:
		return "CRITICAL";
	case DNSCHECK_UNKNOWN:
		return "UNKNOWN";
	}
	return "UNKNOWN";
}

int
dnscheck_status_rank(enum dnscheck_status st)
{
	switch (st) {
	case DNSCHECK_OK:
		return 0;
	case DNSCHECK_WARNING:
		return 1;
	case DNSCHECK_UNKNOWN:
		return 2;
	case DNSCHECK_CRITICAL:
		return 3;
	}
	return 2;
}

enum dnscheck_status
dnscheck_worst(enum dnscheck_status a, enum dnscheck_status b)
{
	return dnscheck_status_rank(a) >= dnscheck_status_rank(b) ? a : b;
}

static char *
dup_or_null(const char *s, int *nomem)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*nomem = 1;
	return d;
}

void
dc_name(char *dst, const char *src)
{
	size_t i, n = strlen(src);

	if (n > 0 && src[n - 1] == '.')
		n--;
	if (n > 255)
		n = 255;
	for (i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[n] = '\0';
}

struct evp_pkey_st *
dc_pem_key(const char *path, struct errbuf *eb)
{
	EVP_PKEY *pk;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		errbuf_set(eb, "%s: cannot open: %m", path);
		return NULL;
	}
	if ((pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL) {
		rewind(fp);
		pk = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
	}
	fclose(fp);
	if (pk == NULL)
		errbuf_set(eb, "%s: no PEM key found", path);
	return pk;
}

int
dc_join(char *dst, size_t size, const char *a, const char *b)
{
	int n;

	if (*b == '\0')
		n = snprintf(dst, size, "%s", a);
	else
		n = snprintf(dst, size, "%s.%s", a, b);
	return (n < 0 || (size_t)n >= size || n > 253) ? -1 : 0;
}

static void
evidence_set(struct dnscheck_evidence *e, const struct dns_answer *a,
    uint16_t qtype, int *nomem)
{
	struct buf b = BUF_INIT;
	size_t i;

	e->set = 1;
	e->qname = dup_or_null(a->qname, nomem);
	e->qtype = qtype;
	e->dstatus = a->status;
	e->sec = a->sec;
	e->rcode = a->rcode;
	e->ttl = a->nrr > 0 ? a->rr[0].ttl : 0;
	e->server = dup_or_null(a->server, nomem);
	e->why_bogus = dup_or_null(a->why_bogus, nomem);
	if (a->ncnames > 0) {
		if (buf_puts(&b, a->qname) == -1)
			*nomem = 1;
		for (i = 0; i < a->ncnames; i++)
			if (buf_printf(&b, " -> %s", a->cnames[i]) == -1)
				*nomem = 1;
		e->cname_chain = b.data;
	}
}

/* struct dns_answer does not carry the query type: dc_query remembers
   it for the last few answers, keyed by pointer, newest first. */
static uint16_t
answer_qtype(const struct dnscheck_run *run, const struct dns_answer *a)
{
	size_t i, k;

	for (i = 0; i < DC_QTYPES; i++) {
		k = (run->qtpos + DC_QTYPES - 1 - i) % DC_QTYPES;
		if (run->qt[k].a == a)
			return run->qt[k].type;
	}
	return a->nrr > 0 ? a->rr[0].type : 0;
}

void
dc_add(struct dnscheck_run *run, enum dnscheck_status st, const char *area,
    const char *id, const char *rfc, const char *subject,
    const struct dns_answer *ev, const char *expected, const char *actual,
    const char *fmt, ...)
{
	struct dnscheck_result *res = run->res;
	struct dnscheck_finding *f, *nf;
	char msg[1024];
	va_list ap;
	int nomem = 0;

	if (run->mute > 0)
		return;
	if ((nf = reallocarray(res->f, res->nf + 1, sizeof(*nf))) == NULL) {
		res->nomem = 1;
		return;
	}
	res->f = nf;
	f = &res->f[res->nf];
	memset(f, 0, sizeof(*f));
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->id = dup_or_null(id, &nomem);
	f->area = area;
	f->status = st;
	f->rfc = rfc;
	f->subject = dup_or_null(subject, &nomem);
	f->message = dup_or_null(msg, &nomem);
	f->expected = dup_or_null(expected, &nomem);
	f->actual = dup_or_null(actual, &nomem);
	if (ev != NULL)
		evidence_set(&f->ev, ev, answer_qtype(run, ev), &nomem);
	res->nf++;
	if (nomem)
		res->nomem = 1;
	res->status = dnscheck_worst(res->status, st);
}

void
dc_metric(struct dnscheck_run *run, const char *name, const char *k1,
    const char *v1, const char *k2, const char *v2, double value)
{
	struct dnscheck_result *res = run->res;
	struct dnscheck_metric *m;
	int nomem = 0;

	if ((m = reallocarray(res->m, res->nm + 1, sizeof(*m))) == NULL) {
		res->nomem = 1;
		return;
	}
	res->m = m;
	m = &res->m[res->nm++];
	m->name = name;
	m->k1 = dup_or_null(k1, &nomem);
	m->v1 = dup_or_null(v1, &nomem);
	m->k2 = dup_or_null(k2, &nomem);
	m->v2 = dup_or_null(v2, &nomem);
	m->value = value;
	if (nomem)
		res->nomem = 1;
}

int
dc_query(struct dnscheck_run *run, const char *area, const char *name,
    uint16_t type, struct dns_answer **ans_r)
{
	struct errbuf eb;

	errbuf_clear(&eb);
	if (dns_query(run->r, name, type, ans_r, &eb) == -1) {
		*ans_r = NULL;
		dc_add(run, DNSCHECK_UNKNOWN, area, "dns.local_error", NULL,
		    name, NULL, NULL, NULL, "%s", eb.msg);
		return -1;
	}
	run->qt[run->qtpos].a = *ans_r;
	run->qt[run->qtpos].type = type;
	run->qtpos = (run->qtpos + 1) % DC_QTYPES;
	return 0;
}

int
dc_failed(struct dnscheck_run *run, const char *area, const char *subject,
    const struct dns_answer *a)
{
	char id[64];

	switch (a->status) {
	case DNS_TIMEOUT:
	case DNS_SERVFAIL:
		(void)snprintf(id, sizeof(id), "%s.lookup", area);
		dc_add(run, DNSCHECK_UNKNOWN, area, id, NULL, subject, a, NULL,
		    dns_status_name(a->status),
		    "%s: lookup failed (%s): cannot tell whether the record "
		    "exists", a->qname, dns_status_name(a->status));
		return 1;
	case DNS_BOGUS:
		(void)snprintf(id, sizeof(id), "%s.dnssec.bogus", area);
		dc_add(run, DNSCHECK_CRITICAL, area, id, "RFC 4035 §4.3",
		    subject, a, "secure or insecure", "bogus",
		    "%s: DNSSEC validation failed (%s): validating resolvers "
		    "answer SERVFAIL", a->qname,
		    a->why_bogus ? a->why_bogus : "bogus");
		return 1;
	default:
		return 0;
	}
}

static void
finding_free(struct dnscheck_finding *f)
{
	free(f->ack_reason);
	free(f->id);
	free(f->subject);
	free(f->message);
	free(f->expected);
	free(f->actual);
	free(f->ev.qname);
	free(f->ev.server);
	free(f->ev.cname_chain);
	free(f->ev.why_bogus);
}

void
dnscheck_result_free(struct dnscheck_result **resp)
{
	struct dnscheck_result *res;
	size_t i;

	if (resp == NULL || (res = *resp) == NULL)
		return;
	for (i = 0; i < res->nf; i++)
		finding_free(&res->f[i]);
	free(res->f);
	for (i = 0; i < res->nm; i++) {
		free(res->m[i].k1);
		free(res->m[i].v1);
		free(res->m[i].k2);
		free(res->m[i].v2);
	}
	free(res->m);
	free(res->domain);
	free(res);
	*resp = NULL;
}

void
dnscheck_result_sort(struct dnscheck_result *res)
{
	struct dnscheck_finding t;
	size_t i, j;

	/* insertion sort: stable, and result lists are short */
	for (i = 1; i < res->nf; i++) {
		t = res->f[i];
		j = i;
		while (j > 0 && dnscheck_status_rank(res->f[j - 1].status) <
		    dnscheck_status_rank(t.status)) {
			res->f[j] = res->f[j - 1];
			j--;
		}
		res->f[j] = t;
	}
}

size_t
dnscheck_count(const struct dnscheck_result *res, enum dnscheck_status st)
{
	size_t i, n = 0;

	for (i = 0; i < res->nf; i++)
		if (res->f[i].status == st)
			n++;
	return n;
}

const struct dnscheck_finding *
dnscheck_find(const struct dnscheck_result *res, const char *id,
    const char *subject)
{
	size_t i;

	for (i = 0; i < res->nf; i++) {
		if (strcmp(res->f[i].id, id) != 0)
			continue;
		if (subject == NULL || (res->f[i].subject != NULL &&
		    strcmp(res->f[i].subject, subject) == 0))
			return &res->f[i];
	}
	return NULL;
}

const struct dnscheck_metric *
dnscheck_metric_find(const struct dnscheck_result *res, const char *name,
    const char *v1)
{
	size_t i;

	for (i = 0; i < res->nm; i++) {
		if (strcmp(res->m[i].name, name) != 0)
			continue;
		if (v1 == NULL || (res->m[i].v1 != NULL &&
		    strcmp(res->m[i].v1, v1) == 0))
			return &res->m[i];
	}
	return NULL;
}

enum dnscheck_status
dnscheck_overall(struct dnscheck_result *const *res, size_t n)
{
	enum dnscheck_status st = DNSCHECK_OK;
	size_t i;

	for (i = 0; i < n; i++)
		st = dnscheck_worst(st, res[i]->status);
	return st;
}

/* NAME is DOMAIN or a name under it. */
static int
in_domain(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	return n == d ? strcasecmp(name, domain) == 0 : n > d &&
	    name[n - d - 1] == '.' && strcasecmp(name + n - d, domain) == 0;
}

static void
seen_add(struct dnscheck_run *run, uint16_t type, const struct dns_answer *a)
{
	const char *name = a->canon != NULL ? a->canon : a->qname;
	struct dc_seen *v;
	size_t i;

	if (a->qname == NULL || !in_domain(a->qname, run->domain) ||
	    !in_domain(name, run->domain))
		return;
	for (i = 0; i < run->nseen; i++)
		if (run->seen[i].type == type &&
		    strcmp(run->seen[i].name, name) == 0)
			return;
	if ((v = reallocarray(run->seen, run->nseen + 1, sizeof(*v))) ==
	    NULL) {
		run->res->nomem = 1;
		return;
	}
	run->seen = v;
	v = &run->seen[run->nseen];
	if ((v->name = strdup(name)) == NULL) {
		run->res->nomem = 1;
		return;
	}
	v->type = type;
	v->status = a->status;
	v->sec = a->sec;
	run->nseen++;
}

/* Something WHAT was not done for the deadline. */
static void
cut_note(struct dnscheck_run *run, const char *what)
{
	if (run->cut++ == 0) {
		(void)snprintf(run->cut_at, sizeof(run->cut_at), "%s", what);
		/* what the remaining checks would say is "lookup failed" */
		run->mute++;
	}
}

int
dc_live_cut(struct dnscheck_run *run, const char *what)
{
	if (run->deadline <= 0 || monotime_now() < run->deadline)
		return 0;
	cut_note(run, what);
	return 1;
}

/* Past the deadline: an answer that says so, without asking. */
static int
cut_query(struct dnscheck_run *run, const char *name, uint16_t type,
    struct dns_answer **ans_r, struct errbuf *eb)
{
	struct dns_answer *a;
	char what[300];

	(void)snprintf(what, sizeof(what), "%s/%u", name, type);
	cut_note(run, what);
	run->cut_dns++;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->qname = dns_name_canon(name)) == NULL) {
		free(a);
		errbuf_set(eb, "%s: out of memory", name);
		return -1;
	}
	a->status = DNS_TIMEOUT;
	*ans_r = a;
	return 0;
}

/* Per-run view of the resolver: counts this domain's queries (the
   shared resolver's counter mixes all threads), enforces the domain's
   deadline and notes the DNSSEC state of answers inside the domain. */
static int
count_query(struct dns_resolver *r, const char *name, uint16_t type,
    double deadline, struct dns_answer **ans_r, struct errbuf *eb)
{
	struct dnscheck_run *run = r->ctx;
	double d = run->deadline;
	int rv;

	if (deadline > 0 && (d == 0 || deadline < d))
		d = deadline;
	if (d > 0 && monotime_now() >= d)
		return cut_query(run, name, type, ans_r, eb);
	rv = run->real->ops->query(run->real, name, type, d, ans_r, eb);
	if (rv == 0)
		seen_add(run, type, *ans_r);
	return rv;
}

static const struct dns_ops count_ops = {
	.name = "count",
	.query = count_query,
	.free = NULL,
};

static void
result_status(struct dnscheck_result *res)
{
	size_t i;

	res->status = DNSCHECK_OK;
	for (i = 0; i < res->nf; i++)
		res->status = dnscheck_worst(res->status, res->f[i].status);
}

static int
ack_matches(const struct dnsexpect_ack *a, const struct dnscheck_finding *f)
{
	return strcmp(a->id, f->id) == 0 && (a->subject == NULL ||
	    (f->subject != NULL && strcmp(a->subject, f->subject) == 0));
}

/* The expected state's acknowledgements: a matching finding reports OK
   until the date passes, then fires again, saying it was acknowledged. */
static void
apply_acks(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	struct dnscheck_result *res = run->res;
	time_t now = run->o->now != 0 ? run->o->now : time(NULL);
	struct dnscheck_finding *f;
	char *m;
	size_t i, k;
	int used, active;

	for (i = 0; e != NULL && i < e->nack; i++) {
		const struct dnsexpect_ack *a = &e->ack[i];

		active = (long long)now < a->until_end;
		used = 0;
		for (k = 0; k < res->nf; k++) {
			f = &res->f[k];
			if (!ack_matches(a, f) || (f->status == DNSCHECK_OK &&
			    !f->acked))
				continue;
			used = 1;
			if (f->acked)
				continue;
			if (asprintf(&m, "%s (acknowledged%s %s: %s)",
			    f->message, active ? " until" : ", expired",
			    a->until, a->reason) == -1) {
				res->nomem = 1;
				continue;
			}
			free(f->message);
			f->message = m;
			if (!active)
				continue;
			if ((f->ack_reason = strdup(a->reason)) == NULL)
				res->nomem = 1;
			memcpy(f->ack_until, a->until, sizeof(f->ack_until));
			f->acked = 1;
			f->acked_status = f->status;
			f->status = DNSCHECK_OK;
		}
		if (!used)
			dc_add(run, DNSCHECK_OK, "dns", "ack.unused", NULL, a->id,
			    NULL, NULL, NULL, "the acknowledgement of %s%s%s "
			    "(line %d) matches no finding: remove it", a->id,
			    a->subject ? " " : "", a->subject ? a->subject : "",
			    a->line);
	}
	result_status(res);
}

/* The areas a domain's check runs, in this order: later areas use what
   earlier ones found (run->mx, the submission hosts of srv, the TLSA
   RRsets).  The DNSSEC summary runs after them unless the deadline cut
   the check short.  A new area is one row here, its function (declared in
   dnscheck_int.h), its finding ids (dnscheck_ids.c), its expected-state
   key (dnsexpect.c's domain_keys) and its tests. */
static const struct dnscheck_area {
	const char *name;
	void (*check)(struct dnscheck_run *);
	int live;	/* connects to the hosts: only with opts->live */
} dnscheck_areas[] = {
	{ "mx", dnscheck_mx, 0 },
	{ "spf", dnscheck_spf, 0 },
	{ "dmarc", dnscheck_dmarc, 0 },
	{ "dkim", dnscheck_dkim, 0 },
	{ "srv", dnscheck_srv, 0 },
	{ "tlsa", dnscheck_tlsa, 0 },
	{ "mta_sts", dnscheck_mtasts, 0 },
	{ "tlsrpt", dnscheck_tlsrpt, 0 },
	{ "live", dnscheck_live, 1 },
	{ "ptr", dnscheck_ptr, 0 },
};

struct dnscheck_result *
dnscheck_domain(struct dns_resolver *r, const struct dnscheck_opts *opts,
    const char *domain, const struct dnsexpect_domain *exp)
{
	struct dnscheck_result *res;
	struct dnscheck_run run;
	struct dns_resolver counter;
	char name[256];
	double t0 = monotime_now(), limit;
	size_t i;

	if ((res = calloc(1, sizeof(*res))) == NULL)
		return NULL;
	dc_name(name, domain);
	if ((res->domain = strdup(name)) == NULL) {
		free(res);
		return NULL;
	}
	res->started = time(NULL);
	res->validating = opts->validating;
	memset(&run, 0, sizeof(run));
	memset(&counter, 0, sizeof(counter));
	counter.ops = &count_ops;
	counter.ctx = &run;
	run.r = &counter;
	run.real = r;
	run.o = opts;
	run.res = res;
	run.domain = res->domain;
	run.exp = exp;
	limit = exp != NULL && exp->deadline > 0 ? exp->deadline :
	    opts->deadline > 0 ? opts->deadline : DNSCHECK_DEADLINE_DEFAULT;
	run.deadline = t0 + limit;
	for (i = 0; i < sizeof(dnscheck_areas) / sizeof(dnscheck_areas[0]);
	    i++)
		if (opts->live || !dnscheck_areas[i].live)
			dnscheck_areas[i].check(&run);
	if (run.cut > 0) {
		run.mute = 0;
		dc_add(&run, DNSCHECK_UNKNOWN, "dns", "dns.deadline", NULL,
		    NULL, NULL, NULL, NULL, "the check of %s ran out of its %g "
		    "s: %u steps from %s on were not done, the rest of the "
		    "check is unknown", run.domain, limit, run.cut, run.cut_at);
	} else
		dnscheck_dnssec(&run);
	for (i = 0; i < run.nmx; i++) {
		free(run.mx[i].host);
		free(run.mx[i].addr);
	}
	free(run.mx);
	dc_sub_free(&run);
	dc_tlsa_free(&run);
	for (i = 0; i < run.nseen; i++)
		free(run.seen[i].name);
	free(run.seen);
	apply_acks(&run);
	if (res->nomem)
		dc_add(&run, DNSCHECK_UNKNOWN, "dns", "internal.nomem", NULL,
		    NULL, NULL, NULL, NULL, "out of memory: findings lost");
	res->queries = counter.queries - run.cut_dns;
	res->duration = monotime_now() - t0;
	dc_metric(&run, "dns_queries", NULL, NULL, NULL, NULL, res->queries);
	dnscheck_result_sort(res);
	return res;
}
