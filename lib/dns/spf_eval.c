/*
 * spf_eval: spf_ev_check_host() (RFC 7208 §4-§6).  One state per evaluation
 * carries the §4.6.4 counters across includes and redirects: a term that
 * causes DNS queries counts once when it is evaluated (mx counts 1, not
 * 1+N), and a term whose query comes back NXDOMAIN or empty counts once
 * as void.  A walk mode (for lint) evaluates every term without matching
 * and without stopping at the limits, to count the worst case.  The
 * mechanisms are in spf_mech.c; spf_eval_int.h is what the two share.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf_eval_int.h"

int
spf_ev_push(void **vp, size_t *np, size_t size)
{
	void *v;

	if ((v = realloc(*vp, (*np + 1) * size)) == NULL)
		return -1;
	*vp = v;
	memset((char *)v + *np * size, 0, size);
	(*np)++;
	return 0;
}

char *
spf_ev_term_text(const struct spf_record *rec, const struct spf_term *t)
{
	return strndup(rec->text + t->pos, t->len);
}

static void
vtrace(struct spf_state *st, enum spf_trace_kind kind, enum spf_err err,
    unsigned depth, const char *domain, const struct spf_record *rec,
    const struct spf_term *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 8, 0)));

static void
vtrace(struct spf_state *st, enum spf_trace_kind kind, enum spf_err err,
    unsigned depth, const char *domain, const struct spf_record *rec,
    const struct spf_term *t, const char *fmt, va_list ap)
{
	struct spf_eval *ev = st->ev;
	struct spf_trace *tr;
	char *d = NULL;

	if (vasprintf(&d, fmt, ap) == -1)
		d = NULL;
	if (d == NULL || spf_ev_push((void **)&ev->trace, &ev->ntrace,
	    sizeof(*tr)) == -1) {
		free(d);
		st->nomem = 1;
		return;
	}
	tr = &ev->trace[ev->ntrace - 1];
	tr->kind = kind;
	tr->err = err;
	tr->depth = depth;
	tr->detail = d;
	tr->lookups = ev->lookups;
	tr->voids = ev->voids;
	if ((tr->domain = strdup(domain)) == NULL ||
	    (t != NULL && rec != NULL &&
	    (tr->term = spf_ev_term_text(rec, t)) == NULL))
		st->nomem = 1;
}

void
spf_ev_trace(struct spf_state *st, enum spf_trace_kind kind, unsigned depth,
    const char *domain, const struct spf_record *rec,
    const struct spf_term *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtrace(st, kind, SPF_ERR_NONE, depth, domain, rec, t, fmt, ap);
	va_end(ap);
}

/* An error of class ERR (a limit when ERR is SPF_ERR_PTR_LIMIT). */
void
spf_ev_trace_err(struct spf_state *st, enum spf_err err, unsigned depth,
    const char *domain, const struct spf_record *rec,
    const struct spf_term *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtrace(st, err == SPF_ERR_PTR_LIMIT ? SPF_TR_LIMIT : SPF_TR_ERROR, err,
	    depth, domain, rec, t, fmt, ap);
	va_end(ap);
}

void
spf_ev_set_error(struct spf_state *st, const char *fmt, ...)
{
	va_list ap;
	char *d;

	if (st->ev->error != NULL && !st->walk)
		return; /* keep the first (innermost) reason */
	va_start(ap, fmt);
	if (vasprintf(&d, fmt, ap) == -1) {
		st->nomem = 1;
		d = NULL;
	}
	va_end(ap);
	if (d != NULL) {
		free(st->ev->error);
		st->ev->error = d;
	}
}

/* Strip the final dot, cut labels from the left to fit 253 octets (§4.8),
   and refuse empty or over-long labels.  Returns 0 or -1 (invalid). */
int
spf_ev_finish_name(struct buf *b)
{
	size_t i, lab = 0;
	char *p = b->data;

	if (b->len > 0 && p[b->len - 1] == '.')
		p[--b->len] = '\0';
	while (b->len > 253) {
		char *dot = memchr(p, '.', b->len);

		if (dot == NULL)
			return -1;
		b->len -= (size_t)(dot + 1 - p);
		memmove(p, dot + 1, b->len + 1);
	}
	if (b->len == 0)
		return -1;
	for (i = 0; i < b->len; i++) {
		if (p[i] == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
		} else if (++lab > 63)
			return -1;
	}
	return 0;
}

static enum spf_result
qual_result(char q)
{
	switch (q) {
	case '-':
		return SPF_FAIL;
	case '~':
		return SPF_SOFTFAIL;
	case '?':
		return SPF_NEUTRAL;
	default:
		return SPF_PASS;
	}
}

/* Fetch and select DOMAIN's record (§4.4, §4.5).  Returns SPF_PASS with
   *REC_R set, or the result to return (none, temperror, permerror). */
static enum spf_result
fetch(struct spf_state *st, const char *domain, unsigned depth,
    struct spf_record **rec_r)
{
	struct dns_answer *a = NULL;
	struct errbuf eb;
	size_t i, n = 0, which = 0, pos = 0;
	enum spf_result r = SPF_NONE;

	*rec_r = NULL;
	if (dns_query(st->ctx.res, domain, DNS_T_TXT, &a, &eb) == -1)
		return SPF_NONE;
	switch (a->status) {
	case DNS_ANSWER:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		goto out;
	default:
		spf_ev_trace_err(st, a->status == DNS_BOGUS ? SPF_ERR_BOGUS :
		    SPF_ERR_DNS, depth, domain, NULL, NULL, "TXT %s: %s",
		    domain, dns_status_name(a->status));
		spf_ev_set_error(st, "%s: DNS %s for TXT", domain,
		    dns_status_name(a->status));
		r = SPF_TEMPERROR;
		goto out;
	}
	for (i = 0; i < a->nrr; i++)
		if (a->rr[i].type == DNS_T_TXT && a->rr[i].txt != NULL &&
		    spf_is_record(a->rr[i].txt, a->rr[i].txtlen)) {
			n++;
			which = i;
		}
	if (n == 0)
		goto out;
	if (n > 1) {
		spf_ev_set_error(st, "%s: %zu SPF records", domain, n);
		spf_ev_trace_err(st, SPF_ERR_MULTIPLE, depth, domain, NULL,
		    NULL, "%zu SPF records", n);
		r = SPF_PERMERROR;
		goto out;
	}
	spf_ev_trace(st, SPF_TR_RECORD, depth, domain, NULL, NULL, "%.*s",
	    (int)a->rr[which].txtlen, a->rr[which].txt);
	if (spf_parse(a->rr[which].txt, a->rr[which].txtlen, rec_r, &pos,
	    &eb) == -1) {
		spf_ev_set_error(st, "%s: %s", domain, eb.msg);
		spf_ev_trace_err(st, SPF_ERR_SYNTAX, depth, domain, NULL, NULL,
		    "%s", eb.msg);
		r = SPF_PERMERROR;
		goto out;
	}
	r = SPF_PASS;
out:
	dns_answer_free(&a);
	return r;
}

static int
chain_add(struct spf_state *st, const char *domain)
{
	struct spf_eval *ev = st->ev;

	if (spf_ev_push((void **)&ev->chain, &ev->nchain,
	    sizeof(char *)) == -1 ||
	    (ev->chain[ev->nchain - 1] = strdup(domain)) == NULL) {
		st->nomem = 1;
		return -1;
	}
	return 0;
}

/* Keep the term T that decided result R, and the explanation of a fail
   (§6.2). */
static void
keep_match(struct spf_state *st, const char *domain,
    const struct spf_record *rec, const struct spf_term *t,
    enum spf_result r, char **exp_r)
{
	free(st->ev->matched_term);
	free(st->ev->matched_domain);
	if ((st->ev->matched_term = spf_ev_term_text(rec, t)) == NULL ||
	    (st->ev->matched_domain = strdup(domain)) == NULL)
		st->nomem = 1;
	if (r == SPF_FAIL && rec->exp >= 0 && exp_r != NULL)
		*exp_r = spf_ev_explain(st, domain, &rec->terms[rec->exp]);
}

/* The walk stops at an include or redirect (WHAT) back to a domain on
   its stack, and at its nesting bound.  Returns 1 when it stops there. */
int
spf_ev_walk_stops(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t,
    const char *what, const char *target)
{
	size_t i;

	for (i = 0; i <= depth && i < SPF_WALK_DEPTH; i++)
		if (strcasecmp(st->stack[i], target) == 0) {
			spf_ev_trace_err(st, SPF_ERR_LOOP, depth, domain, rec,
			    t, "%s loop via %s", what, target);
			spf_ev_set_error(st, "%s loop via %s", what, target);
			return 1;
		}
	return depth + 1 >= SPF_WALK_DEPTH;
}

/* §6.1: follow DOMAIN's redirect= (record REC matched nothing and has no
   "all").  The redirect target's result stands, its exp= too. */
static enum spf_result
follow_redirect(struct spf_state *st, const char *domain, unsigned depth,
    const struct spf_record *rec, int decisive, char **exp_r)
{
	const struct spf_term *t = &rec->terms[rec->redirect];
	struct buf tgt = BUF_INIT;
	enum spf_result r;
	int rv;

	st->ev->lookups++;
	if (!st->walk && st->ev->lookups > st->max_lookups) {
		spf_ev_trace_err(st, SPF_ERR_LOOKUP_LIMIT, depth, domain, rec,
		    t, "DNS lookup limit (%u) exceeded", st->max_lookups);
		spf_ev_set_error(st,
		    "DNS lookup limit (%u) exceeded at redirect in %s",
		    st->max_lookups, domain);
		return SPF_PERMERROR;
	}
	if (st->walk && (t->has_macro ||
	    st->ev->lookups > SPF_WALK_MAX_LOOKUPS)) {
		spf_ev_trace(st, SPF_TR_TERM, depth, domain, rec, t, "%s",
		    t->has_macro ? "macros not expanded" :
		    "not followed: the walk's lookup cap");
		return SPF_NEUTRAL;
	}
	if ((rv = spf_ev_target(st, depth, domain, rec, t, &tgt)) != 0) {
		if (rv == 1) {
			spf_ev_trace_err(st, SPF_ERR_TARGET, depth, domain,
			    rec, t,
			    "redirect target is not a valid domain name");
			spf_ev_set_error(st,
			    "%s: redirect target is not a domain name",
			    domain);
		}
		r = SPF_PERMERROR;
		goto out;
	}
	spf_ev_trace(st, SPF_TR_TERM, depth, domain, rec, t, "redirect to %s",
	    tgt.data);
	if (st->walk && spf_ev_walk_stops(st, depth, domain, rec, t,
	    "redirect", tgt.data)) {
		r = SPF_NEUTRAL;
		goto out;
	}
	r = spf_ev_check_host(st, tgt.data, depth + 1, decisive, exp_r);
	if (r == SPF_NONE) {
		spf_ev_trace_err(st, SPF_ERR_REDIRECT_NONE, depth, domain,
		    rec, t, "%s has no SPF record", tgt.data);
		spf_ev_set_error(st, "%s: redirect=%s has no SPF record",
		    domain, tgt.data);
		r = SPF_PERMERROR;
	}
out:
	buf_free(&tgt);
	return r;
}

enum spf_result
spf_ev_check_host(struct spf_state *st, const char *domain, unsigned depth,
    int decisive, char **exp_r)
{
	struct spf_record *rec = NULL;
	enum spf_result r;
	enum mres m;
	size_t i;

	if (depth <= SPF_WALK_DEPTH)
		st->stack[depth < SPF_WALK_DEPTH ? depth : SPF_WALK_DEPTH] =
		    domain;
	if ((r = fetch(st, domain, depth, &rec)) != SPF_PASS)
		goto done;
	(void)chain_add(st, domain);
	for (i = 0; i < rec->nterms; i++) {
		const struct spf_term *t = &rec->terms[i];

		if (t->kind >= SPF_REDIRECT)
			continue;
		m = spf_ev_eval_term(st, depth, domain, rec, t);
		if (st->nomem)
			m = M_TEMPERROR;
		spf_ev_trace(st, SPF_TR_TERM, depth, domain, rec, t, "%s",
		    m == M_MATCH ? "match" : m == M_NOMATCH ? "no match" :
		    m == M_TEMPERROR ? "temperror" : "permerror");
		if (m == M_NOMATCH)
			continue;
		if (m == M_TEMPERROR || m == M_PERMERROR) {
			/* The walk looks for every error, not the first. */
			if (st->walk && !st->nomem)
				continue;
			r = m == M_TEMPERROR ? SPF_TEMPERROR : SPF_PERMERROR;
			goto done;
		}
		r = qual_result(t->qual);
		if (decisive)
			keep_match(st, domain, rec, t, r, exp_r);
		goto done;
	}
	/* §6.1: redirect only when nothing matched and there is no "all". */
	if (rec->redirect >= 0 && !rec->has_all)
		r = follow_redirect(st, domain, depth, rec, decisive, exp_r);
	else
		r = SPF_NEUTRAL;
done:
	spf_ev_trace(st, SPF_TR_RESULT, depth, domain, NULL, NULL, "%s",
	    spf_result_name(r));
	spf_record_free(&rec);
	return r;
}

/* §4.3: a domain that is not a multi-label name gives "none". */
static int
domain_ok(const char *d)
{
	size_t n = strlen(d), i, lab = 0, labels = 1, top;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)d[i] <= ' ' || (unsigned char)d[i] > 0x7e)
			return 0;
		if (d[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			labels++;
		} else if (++lab > 63)
			return 0;
	}
	if (lab == 0 || labels < 2)
		return 0;
	for (top = n; top > 0 && d[top - 1] != '.'; top--)
		;
	return spf_toplabel_ok(d + top, n - top);
}

void
spf_eval_free(struct spf_eval **evp)
{
	struct spf_eval *ev;
	size_t i;

	if (evp == NULL || (ev = *evp) == NULL)
		return;
	free(ev->explanation);
	free(ev->error);
	free(ev->matched_term);
	free(ev->matched_domain);
	for (i = 0; i < ev->nchain; i++)
		free(ev->chain[i]);
	free(ev->chain);
	for (i = 0; i < ev->nvoid; i++) {
		free(ev->void_list[i].domain);
		free(ev->void_list[i].term);
		free(ev->void_list[i].qname);
	}
	free(ev->void_list);
	for (i = 0; i < ev->ntrace; i++) {
		free(ev->trace[i].domain);
		free(ev->trace[i].term);
		free(ev->trace[i].detail);
	}
	free(ev->trace);
	free(ev);
	*evp = NULL;
}

/* §2.4, §4.3: the sender, its local-part and its domain into CTX.  An
   empty MAIL FROM is postmaster@HELO; an empty local-part is
   "postmaster".  *LOCAL_R and *SBUF_R get what CTX points into (the
   caller frees them).  Returns -1 when out of memory. */
static int
set_sender(struct spf_ctx *ctx, const struct spf_request *req,
    char **local_r, char **sbuf_r)
{
	const char *sender, *at;
	char *local;

	if (req->sender != NULL && *req->sender != '\0') {
		sender = req->sender;
	} else {
		/* RFC 7208 §4.3: an empty MAIL FROM is postmaster@HELO. */
		if (asprintf(sbuf_r, "postmaster@%s",
		    req->helo != NULL ? req->helo : "") == -1) {
			*sbuf_r = NULL;
			return -1;
		}
		sender = *sbuf_r;
	}
	if ((at = strrchr(sender, '@')) != NULL) {
		if ((local = strndup(sender, (size_t)(at - sender))) == NULL)
			return -1;
		ctx->odomain = at + 1;
	} else {
		if ((local = strdup("postmaster")) == NULL)
			return -1;
		ctx->odomain = sender;
	}
	*local_r = local;
	ctx->local = *local != '\0' ? local : "postmaster";
	ctx->sender = sender;
	return 0;
}

int
spf_run(struct dns_resolver *res, const struct spf_request *req, int walk,
    struct spf_eval **ev_r, struct errbuf *eb)
{
	struct spf_state st;
	struct spf_eval *ev;
	const char *domain;
	char *local = NULL, *sbuf = NULL, *exp = NULL;
	int rv = -1;

	*ev_r = NULL;
	memset(&st, 0, sizeof(st));
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		goto nomem;
	st.ev = ev;
	st.walk = walk;
	st.max_lookups = req->max_lookups ? req->max_lookups : SPF_MAX_LOOKUPS;
	/* Each include or redirect costs a lookup: this bounds recursion. */
	if (st.max_lookups > SPF_MAX_LOOKUPS_CAP)
		st.max_lookups = SPF_MAX_LOOKUPS_CAP;
	st.max_void = req->max_void ? req->max_void : SPF_MAX_VOID;
	st.ctx.res = res;
	st.ctx.req = req;
	if (spf_parse_ip(req->ip != NULL ? req->ip : "", st.ctx.ip,
	    &st.ctx.v4) == -1) {
		if (!walk) {
			errbuf_set(eb, "'%s': not an IP address",
			    req->ip != NULL ? req->ip : "");
			goto fail;
		}
		st.ctx.v4 = 1;
	}
	if (set_sender(&st.ctx, req, &local, &sbuf) == -1)
		goto nomem;
	domain = req->domain != NULL ? req->domain : st.ctx.odomain;
	if (!domain_ok(domain)) {
		ev->result = SPF_NONE;
		spf_ev_trace(&st, SPF_TR_RESULT, 0, domain, NULL, NULL,
		    "none: '%s' is not a valid domain (RFC 7208 §4.3)", domain);
	} else
		ev->result = spf_ev_check_host(&st, domain, 0, 1, &exp);
	if (st.nomem)
		goto nomem;
	if (ev->result == SPF_FAIL) {
		if (exp == NULL && req->default_exp != NULL &&
		    (exp = strdup(req->default_exp)) == NULL)
			goto nomem;
		ev->explanation = exp;
		exp = NULL;
	}
	if (ev->result != SPF_PERMERROR && ev->result != SPF_TEMPERROR &&
	    !walk) {
		free(ev->error);
		ev->error = NULL;
	}
	*ev_r = ev;
	ev = NULL;
	rv = 0;
	goto fail;
nomem:
	errbuf_set(eb, "out of memory");
fail:
	free(exp);
	free(local);
	free(sbuf);
	free(st.ctx.pname);
	spf_eval_free(&ev);
	return rv;
}

int
spf_check_host(struct dns_resolver *res, const struct spf_request *req,
    struct spf_eval **ev_r, struct errbuf *eb)
{
	return spf_run(res, req, 0, ev_r, eb);
}

const char *
spf_result_name(enum spf_result r)
{
	switch (r) {
	case SPF_NONE:
		return "none";
	case SPF_NEUTRAL:
		return "neutral";
	case SPF_PASS:
		return "pass";
	case SPF_FAIL:
		return "fail";
	case SPF_SOFTFAIL:
		return "softfail";
	case SPF_TEMPERROR:
		return "temperror";
	case SPF_PERMERROR:
		return "permerror";
	}
	return "unknown";
}
