/*
 * spf: lint, normalization and drift over parsed records.  Lint judges a record against RFC 7208 and practice;
 * drift compares the normalized top-level term multiset with what the
 * expected state lists.  Both only append findings; the caller reports.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "spf_int.h"

const char *
spf_kind_name(enum spf_kind k)
{
	static const char *const names[] = { "all", "include", "a", "mx",
		"ptr", "ip4", "ip6", "exists", "redirect", "exp", "modifier" };

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] :
	    "unknown";
}

const char *
spf_severity_name(enum spf_severity s)
{
	switch (s) {
	case SPF_SEV_OK:
		return "OK";
	case SPF_SEV_INFO:
		return "INFO";
	case SPF_SEV_WARNING:
		return "WARNING";
	case SPF_SEV_CRITICAL:
		return "CRITICAL";
	case SPF_SEV_UNKNOWN:
		return "UNKNOWN";
	}
	return "UNKNOWN";
}

int
spf_findings_add(struct spf_findings *f, const char *id,
    enum spf_severity sev, const char *rfc, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n == -1)
		return -1;
	if (array_grow(&f->v, &f->cap, f->n, sizeof(*f->v)) == -1) {
		free(msg);
		return -1;
	}
	f->v[f->n].id = id;
	f->v[f->n].sev = sev;
	f->v[f->n].rfc = rfc != NULL ? rfc : "";
	f->v[f->n].msg = msg;
	f->n++;
	return 0;
}

void
spf_findings_free(struct spf_findings *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free(f->v[i].msg);
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

int
spf_lint_record(const char *text, size_t len,
    const struct spf_lint_opts *opts, struct spf_findings *out,
    struct errbuf *eb)
{
	struct spf_record *rec = NULL;
	struct errbuf perr;
	size_t warn = opts != NULL && opts->warn_octets ? opts->warn_octets :
	    SPF_RECORD_WARN, i, pos;
	int all = 0, nonascii = 0;

	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] > 0x7e)
			nonascii = 1;
	if (nonascii && spf_findings_add(out, "spf-non-ascii",
	    SPF_SEV_CRITICAL, "RFC 7208 §3.1",
	    "record holds non-ASCII bytes: receivers return permerror") == -1)
		goto nomem;
	if (len > warn)
		if (spf_findings_add(out, "spf-size", SPF_SEV_WARNING,
		    "RFC 7208 §3.4",
		    "record is %zu octets (over %zu): the answer may not fit "
		    "one UDP message", len, warn) == -1)
			goto nomem;
	if (spf_parse(text, len, &rec, &pos, &perr) == -1) {
		if (perr.errnum == ENOMEM)
			goto nomem;
		if (!nonascii)
			if (spf_findings_add(out, "spf-syntax",
			    SPF_SEV_CRITICAL, "RFC 7208 §4.6",
			    "syntax error, receivers return permerror: %s",
			    perr.msg) == -1)
				goto nomem;
		return 0;
	}
	for (i = 0; i < rec->nterms; i++) {
		const struct spf_term *t = &rec->terms[i];

		if (t->kind == SPF_PTR)
			if (spf_findings_add(out, "spf-ptr", SPF_SEV_WARNING,
			    "RFC 7208 §5.5",
			    "'%.*s': the ptr mechanism SHOULD NOT be used",
			    (int)t->len, rec->text + t->pos) == -1)
				goto nomem;
		if (t->kind != SPF_ALL || all)
			continue;
		all = 1;
		if (t->qual == '+') {
			if (spf_findings_add(out, "spf-plus-all",
			    SPF_SEV_CRITICAL, "RFC 7208 §5.1",
			    "'%.*s' lets every host on the Internet pass",
			    (int)t->len, rec->text + t->pos) == -1)
				goto nomem;
		} else if (t->qual == '?') {
			if (spf_findings_add(out, "spf-neutral-all",
			    SPF_SEV_WARNING, "RFC 7208 §5.1",
			    "'?all' asserts nothing about other hosts") == -1)
				goto nomem;
		}
	}
	if (!all && rec->redirect < 0)
		if (spf_findings_add(out, "spf-no-all", SPF_SEV_WARNING,
		    "RFC 7208 §4.7",
		    "no 'all' and no redirect: other hosts get neutral") == -1)
			goto nomem;
	spf_record_free(&rec);
	return 0;
nomem:
	spf_record_free(&rec);
	errbuf_set(eb, "out of memory");
	return -1;
}

/* Each error class of the walk, as a finding. */
static const struct lint_err {
	enum spf_err err;
	const char *id;
	enum spf_severity sev;
	const char *rfc;
	const char *effect;
} lint_errs[] = {
	{ SPF_ERR_DNS, "spf-dns", SPF_SEV_UNKNOWN, "RFC 7208 §4.4",
	    ": receivers return temperror" },
	{ SPF_ERR_BOGUS, "spf.dnssec.bogus", SPF_SEV_CRITICAL, "RFC 4035 §4.3",
	    " (DNSSEC bogus): validating receivers return temperror" },
	{ SPF_ERR_SYNTAX, "spf-include", SPF_SEV_CRITICAL, "RFC 7208 §5.2",
	    ": a record reached through include or redirect does not parse, "
	    "receivers return permerror" },
	{ SPF_ERR_MULTIPLE, "spf-include", SPF_SEV_CRITICAL, "RFC 7208 §4.5",
	    ": receivers return permerror" },
	{ SPF_ERR_INCLUDE_NONE, "spf-include-none", SPF_SEV_CRITICAL,
	    "RFC 7208 §5.2", ": receivers return permerror" },
	{ SPF_ERR_REDIRECT_NONE, "spf-redirect-none", SPF_SEV_CRITICAL,
	    "RFC 7208 §6.1", ": receivers return permerror" },
	{ SPF_ERR_TARGET, "spf-target-invalid", SPF_SEV_CRITICAL,
	    "RFC 7208 §4.8", ": receivers return permerror" },
	{ SPF_ERR_MACRO, "spf-macro", SPF_SEV_CRITICAL, "RFC 7208 §7",
	    ": receivers return permerror" },
	{ SPF_ERR_MX_LIMIT, "spf-mx-limit", SPF_SEV_CRITICAL,
	    "RFC 7208 §4.6.4", ": receivers return permerror" },
	{ SPF_ERR_PTR_LIMIT, "spf-ptr-limit", SPF_SEV_WARNING,
	    "RFC 7208 §4.6.4", "" },
	{ SPF_ERR_LOOP, "spf-loop", SPF_SEV_CRITICAL, "RFC 7208 §4.6.4",
	    ": evaluation runs into the lookup limit, receivers return "
	    "permerror" },
	{ SPF_ERR_NONE, NULL, SPF_SEV_OK, NULL, NULL },
};

/* The same error reached twice (a record included from two places). */
static int
seen_before(const struct spf_eval *ev, size_t i)
{
	const struct spf_trace *t = &ev->trace[i], *u;
	size_t k;

	for (k = 0; k < i; k++) {
		u = &ev->trace[k];
		if (u->kind == t->kind && u->err == t->err &&
		    strcmp(u->domain, t->domain) == 0 &&
		    strcmp(u->detail, t->detail) == 0 &&
		    (u->term == NULL) == (t->term == NULL) &&
		    (u->term == NULL || strcmp(u->term, t->term) == 0))
			return 1;
	}
	return 0;
}

static int
lint_walk(struct dns_resolver *res, const char *domain,
    const struct spf_lint_opts *opts, struct spf_findings *out,
    unsigned *lookups_r, unsigned *voids_r, struct errbuf *eb)
{
	struct spf_request req;
	struct spf_eval *ev = NULL;
	unsigned warn = opts != NULL && opts->warn_lookups ?
	    opts->warn_lookups : SPF_MAX_LOOKUPS - 1;
	unsigned max = opts != NULL && opts->max_lookups ? opts->max_lookups :
	    SPF_MAX_LOOKUPS;
	size_t i;

	memset(&req, 0, sizeof(req));
	req.domain = domain;
	req.ip = "0.0.0.0";
	if (spf_run(res, &req, 1, &ev, eb) == -1)
		return -1;
	if (lookups_r != NULL)
		*lookups_r = ev->lookups;
	if (voids_r != NULL)
		*voids_r = ev->voids;
	if (ev->lookups > max) {
		if (spf_findings_add(out, "spf-lookups", SPF_SEV_CRITICAL,
		    "RFC 7208 §4.6.4",
		    "%u DNS-querying terms (limit %u): receivers return "
		    "permerror", ev->lookups, max) == -1)
			goto nomem;
	} else if (ev->lookups >= warn) {
		if (spf_findings_add(out, "spf-lookups", SPF_SEV_WARNING,
		    "RFC 7208 §4.6.4",
		    "%u DNS-querying terms, close to the limit of %u",
		    ev->lookups, max) == -1)
			goto nomem;
	}
	for (i = 0; i < ev->nvoid; i++)
		if (spf_findings_add(out, "spf-void-term", SPF_SEV_INFO,
		    "RFC 7208 §4.6.4", "void lookup: '%s' in %s (%s %s)",
		    ev->void_list[i].term, ev->void_list[i].domain,
		    ev->void_list[i].qname,
		    dns_status_name(ev->void_list[i].status)) == -1)
			goto nomem;
	if (ev->voids > SPF_MAX_VOID) {
		if (spf_findings_add(out, "spf-void", SPF_SEV_CRITICAL,
		    "RFC 7208 §4.6.4",
		    "%u void lookups (limit %d): receivers return permerror",
		    ev->voids, SPF_MAX_VOID) == -1)
			goto nomem;
	} else if (ev->voids == SPF_MAX_VOID) {
		if (spf_findings_add(out, "spf-void", SPF_SEV_WARNING,
		    "RFC 7208 §4.6.4", "%u void lookups, at the limit of %d",
		    ev->voids, SPF_MAX_VOID) == -1)
			goto nomem;
	}
	for (i = 0; i < ev->ntrace; i++) {
		const struct spf_trace *t = &ev->trace[i];
		const struct lint_err *le;

		if (t->kind != SPF_TR_ERROR && t->kind != SPF_TR_LIMIT)
			continue;
		for (le = lint_errs; le->id != NULL; le++)
			if (le->err == t->err)
				break;
		/* The top record's own syntax and selection are judged by
		   spf_lint before the walk. */
		if (le->id == NULL || (t->depth == 0 &&
		    (t->err == SPF_ERR_SYNTAX || t->err == SPF_ERR_MULTIPLE)))
			continue;
		if (seen_before(ev, i))
			continue;
		if (spf_findings_add(out, le->id, le->sev, le->rfc,
		    "%s%s%s: %s%s", t->domain, t->term ? " " : "",
		    t->term ? t->term : "", t->detail, le->effect) == -1)
			goto nomem;
	}
	spf_eval_free(&ev);
	return 0;
nomem:
	spf_eval_free(&ev);
	errbuf_set(eb, "out of memory");
	return -1;
}

int
spf_lint(struct dns_resolver *res, const char *domain,
    const struct spf_lint_opts *opts, struct spf_findings *out,
    unsigned *lookups_r, unsigned *voids_r, struct errbuf *eb)
{
	struct dns_answer *a = NULL;
	size_t i, n = 0, which = 0;
	int rv = -1;

	if (lookups_r != NULL)
		*lookups_r = 0;
	if (voids_r != NULL)
		*voids_r = 0;
	if (dns_query(res, domain, DNS_T_TXT, &a, eb) == -1)
		return -1;
	if (a->status == DNS_BOGUS) {
		if (spf_findings_add(out, "spf.dnssec.bogus", SPF_SEV_CRITICAL,
		    "RFC 4035 §4.3",
		    "TXT %s: DNSSEC validation failed (%s): validating "
		    "receivers return temperror", domain,
		    a->why_bogus != NULL ? a->why_bogus : "bogus") == -1)
			goto nomem;
		rv = 0;
		goto out;
	}
	if (a->status != DNS_ANSWER && a->status != DNS_NXDOMAIN &&
	    a->status != DNS_NODATA) {
		if (spf_findings_add(out, "spf-dns", SPF_SEV_UNKNOWN,
		    "RFC 7208 §4.4", "TXT %s: %s", domain,
		    dns_status_name(a->status)) == -1)
			goto nomem;
		rv = 0;
		goto out;
	}
	for (i = 0; i < a->nrr; i++)
		if (a->rr[i].type == DNS_T_TXT && a->rr[i].txt != NULL &&
		    spf_is_record(a->rr[i].txt, a->rr[i].txtlen)) {
			n++;
			which = i;
		}
	if (n == 0) {
		if (spf_findings_add(out, "spf-none", SPF_SEV_WARNING,
		    "RFC 7208 §4.5", "%s publishes no SPF record (%s)", domain,
		    a->status == DNS_ANSWER ? "no v=spf1 TXT"
		    : dns_status_name(a->status)) == -1)
			goto nomem;
		rv = 0;
		goto out;
	}
	if (n > 1) {
		if (spf_findings_add(out, "spf-multiple", SPF_SEV_CRITICAL,
		    "RFC 7208 §4.5",
		    "%s publishes %zu SPF records: receivers return permerror",
		    domain, n) == -1)
			goto nomem;
		rv = 0;
		goto out;
	}
	if (spf_lint_record(a->rr[which].txt, a->rr[which].txtlen, opts, out,
	    eb) == -1)
		goto out;
	rv = lint_walk(res, domain, opts, out, lookups_r, voids_r, eb);
	goto out;
nomem:
	errbuf_set(eb, "out of memory");
out:
	dns_answer_free(&a);
	return rv;
}

static void
mask(unsigned char *a, size_t size, int bits)
{
	size_t i;

	for (i = 0; i < size; i++) {
		int keep = bits - (int)i * 8;

		if (keep >= 8)
			continue;
		a[i] &= keep <= 0 ? 0 : (unsigned char)(0xff00 >> keep);
	}
}

/* A target lower-cased (unless it holds macros) without its final dot. */
static char *
norm_target(const char *d, int has_macro)
{
	size_t n = strlen(d);
	char *r;

	if (n > 1 && d[n - 1] == '.')
		n--;
	if (has_macro)
		return strndup(d, n);
	r = spf_strndup_lower(d, n);
	return r;
}

char *
spf_normalize_term(const struct spf_term *t, const char *domain,
    struct errbuf *eb)
{
	unsigned char a[16];
	char ab[INET6_ADDRSTRLEN], *tg = NULL, *r = NULL, c4[16] = "", c6[16] = "";
	int n = -1, bits;

	switch (t->kind) {
	case SPF_ALL:
		n = asprintf(&r, "%call", t->qual);
		break;
	case SPF_IP4:
	case SPF_IP6:
		memcpy(a, t->addr, sizeof(a));
		bits = t->kind == SPF_IP4 ? (t->cidr4 >= 0 ? t->cidr4 : 32) :
		    (t->cidr6 >= 0 ? t->cidr6 : 128);
		mask(a, t->kind == SPF_IP4 ? 4 : 16, bits);
		if (inet_ntop(t->kind == SPF_IP4 ? AF_INET : AF_INET6, a, ab,
		    sizeof(ab)) == NULL)
			break;
		n = asprintf(&r, "%c%s:%s/%d", t->qual, spf_kind_name(t->kind),
		    ab, bits);
		break;
	case SPF_UNKNOWN_MOD:
		if ((tg = spf_strndup_lower(t->name, strlen(t->name))) == NULL)
			break;
		n = asprintf(&r, "%s=%s", tg, t->domain);
		break;
	default:
		if ((tg = norm_target(t->domain != NULL ? t->domain : domain,
		    t->domain != NULL && t->has_macro)) == NULL)
			break;
		if (t->cidr4 >= 0 && t->cidr4 != 32)
			(void)snprintf(c4, sizeof(c4), "/%d", t->cidr4);
		if (t->cidr6 >= 0 && t->cidr6 != 128)
			(void)snprintf(c6, sizeof(c6), "//%d", t->cidr6);
		if (t->kind == SPF_REDIRECT || t->kind == SPF_EXP)
			n = asprintf(&r, "%s=%s", spf_kind_name(t->kind), tg);
		else
			n = asprintf(&r, "%c%s:%s%s%s", t->qual,
			    spf_kind_name(t->kind), tg, c4, c6);
		break;
	}
	free(tg);
	if (n == -1) {
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	return r;
}

void
spf_strings_free(char ***vp, size_t n)
{
	size_t i;

	if (vp == NULL || *vp == NULL)
		return;
	for (i = 0; i < n; i++)
		free((*vp)[i]);
	free(*vp);
	*vp = NULL;
}

int
spf_normalize(const struct spf_record *rec, const char *domain,
    char ***terms_r, size_t *n_r, struct errbuf *eb)
{
	char **v;
	size_t i;

	*terms_r = NULL;
	*n_r = 0;
	if ((v = calloc(rec->nterms + 1, sizeof(*v))) == NULL) {
		errbuf_set(eb, "out of memory");
		return -1;
	}
	for (i = 0; i < rec->nterms; i++)
		if ((v[i] = spf_normalize_term(&rec->terms[i], domain, eb)) ==
		    NULL) {
			spf_strings_free(&v, i);
			return -1;
		}
	*terms_r = v;
	*n_r = rec->nterms;
	return 0;
}

char *
spf_normalize_text(const char *term, const char *domain, struct errbuf *eb)
{
	struct spf_record *rec = NULL;
	char *text, *r = NULL;

	if (asprintf(&text, "v=spf1 %s", term) == -1) {
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	if (spf_parse(text, strlen(text), &rec, NULL, eb) == -1)
		errbuf_prefix(eb, "'%s'", term);
	else if (rec->nterms != 1)
		errbuf_set(eb, "'%s': not exactly one SPF term", term);
	else
		r = spf_normalize_term(&rec->terms[0], domain, eb);
	spf_record_free(&rec);
	free(text);
	return r;
}

static int
qual_strength(char q)
{
	switch (q) {
	case '-':
		return 3;
	case '~':
		return 2;
	case '?':
		return 1;
	default:
		return 0;
	}
}

static int
is_mech(const char *s)
{
	return strchr("+-~?", s[0]) != NULL;
}

/* The finding for mechanism WANT published as GOT, the same term with
   another qualifier; for "all", whether that is weaker or stronger.
   Returns -1 when out of memory. */
static int
requalified(struct spf_findings *out, const char *want, const char *got)
{
	if (strcmp(want + 1, "all") != 0)
		return spf_findings_add(out, "spf-qualifier-changed",
		    SPF_SEV_WARNING, "RFC 7208 §4.6.2",
		    "'%s' expected, '%s' published", want, got);
	if (qual_strength(got[0]) < qual_strength(want[0]))
		return spf_findings_add(out, "spf-all-weakened",
		    SPF_SEV_CRITICAL, "RFC 7208 §5.1",
		    "'%s' expected, weaker '%s' published", want, got);
	return spf_findings_add(out, "spf-all-strengthened", SPF_SEV_WARNING,
	    "RFC 7208 §5.1", "'%s' expected, stronger '%s' published", want,
	    got);
}

int
spf_drift(const struct spf_record *rec, const char *domain,
    const char *const *expected, size_t nexpected, struct spf_findings *out,
    struct errbuf *eb)
{
	char **live = NULL, **exp = NULL;
	char *lused = NULL, *eused = NULL;
	size_t nlive = 0, i, j;
	int diffs = 0, rv = -1;

	if (spf_normalize(rec, domain, &live, &nlive, eb) == -1)
		return -1;
	if ((exp = calloc(nexpected + 1, sizeof(*exp))) == NULL ||
	    (lused = calloc(nlive + 1, 1)) == NULL ||
	    (eused = calloc(nexpected + 1, 1)) == NULL)
		goto nomem;
	for (i = 0; i < nexpected; i++)
		if ((exp[i] = spf_normalize_text(expected[i], domain, eb)) ==
		    NULL)
			goto out;
	for (i = 0; i < nexpected; i++)
		for (j = 0; j < nlive; j++)
			if (!lused[j] && strcmp(exp[i], live[j]) == 0) {
				lused[j] = eused[i] = 1;
				break;
			}
	/* Same term, other qualifier. */
	for (i = 0; i < nexpected; i++) {
		if (eused[i] || !is_mech(exp[i]))
			continue;
		for (j = 0; j < nlive; j++) {
			if (lused[j] || !is_mech(live[j]) ||
			    strcmp(exp[i] + 1, live[j] + 1) != 0)
				continue;
			lused[j] = eused[i] = 1;
			diffs++;
			if (requalified(out, exp[i], live[j]) == -1)
				goto nomem;
			break;
		}
	}
	for (i = 0; i < nexpected; i++)
		if (!eused[i]) {
			diffs++;
			if (spf_findings_add(out, "spf-term-missing",
			    SPF_SEV_CRITICAL, "RFC 7208 §4.6",
			    "expected term '%s' is not " "published",
			    exp[i]) == -1)
				goto nomem;
		}
	for (j = 0; j < nlive; j++)
		if (!lused[j]) {
			diffs++;
			if (spf_findings_add(out, "spf-term-extra",
			    SPF_SEV_WARNING, "RFC 7208 §4.6",
			    "published term '%s' is not expected",
			    live[j]) == -1)
				goto nomem;
		}
	rv = diffs;
	goto out;
nomem:
	errbuf_set(eb, "out of memory");
out:
	spf_strings_free(&live, nlive);
	spf_strings_free(&exp, nexpected);
	free(lused);
	free(eused);
	return rv;
}
