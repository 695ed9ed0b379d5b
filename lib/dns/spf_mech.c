/*
 * spf_mech: the mechanisms of check_host() (RFC 7208 §5): a, mx, ip4,
 * ip6, exists, ptr and include, each matched against the client, with
 * the §4.6.4 lookup and void-lookup counting; and the explanation (§6.2).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf_eval_int.h"

static int
note_void(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t,
    const char *qname, uint16_t qtype, enum dns_status s)
{
	struct spf_eval *ev = st->ev;
	struct spf_void *v;

	ev->voids++;
	if (spf_ev_push((void **)&ev->void_list, &ev->nvoid,
	    sizeof(*v)) == -1) {
		st->nomem = 1;
		return -1;
	}
	v = &ev->void_list[ev->nvoid - 1];
	v->qtype = qtype;
	v->status = s;
	if ((v->domain = strdup(domain)) == NULL ||
	    (v->term = spf_ev_term_text(rec, t)) == NULL ||
	    (v->qname = strdup(qname)) == NULL)
		st->nomem = 1;
	spf_ev_trace(st, SPF_TR_VOID, depth, domain, rec, t, "%s/%u %s", qname,
	    qtype, dns_status_name(s));
	if (!st->walk && ev->voids > st->max_void) {
		spf_ev_trace_err(st, SPF_ERR_VOID_LIMIT, depth, domain, rec, t,
		    "void lookup limit (%u) exceeded", st->max_void);
		spf_ev_set_error(st,
		    "void lookup limit (%u) exceeded at '%.*s' in %s",
		    st->max_void, (int)t->len, rec->text + t->pos, domain);
		return -1;
	}
	return 0;
}

static int
addr_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rem = bits % 8;

	if (full > 0 && memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rem == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff00 >> rem) & 0xff) == 0;
}

/* Does any address in A match the client under the term's lengths? */
static int
answer_match(const struct spf_state *st, const struct dns_answer *a,
    const struct spf_term *t)
{
	size_t i;

	for (i = 0; i < a->nrr; i++) {
		const struct dns_rr *rr = &a->rr[i];

		if (st->ctx.v4 && rr->type == DNS_T_A && rr->rdlen == 4 &&
		    addr_match(rr->rdata, st->ctx.ip + 12,
		    t->cidr4 >= 0 ? t->cidr4 : 32))
			return 1;
		if (!st->ctx.v4 && rr->type == DNS_T_AAAA && rr->rdlen == 16 &&
		    addr_match(rr->rdata, st->ctx.ip,
		    t->cidr6 >= 0 ? t->cidr6 : 128))
			return 1;
	}
	return 0;
}

/* Expand the term's spf_ev_target (or DOMAIN) into B.  Returns 0, 1 when the
   name cannot be a DNS name (no match), -1 on a permanent error. */
int
spf_ev_target(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t, struct buf *b)
{
	struct errbuf eb;

	if (t->domain == NULL) {
		buf_reset(b);
		return buf_puts(b, domain) == -1 ? -1 : 0;
	}
	if (spf_expand(&st->ctx, domain, t->domain, strlen(t->domain), 0, b,
	    &eb) == -1) {
		spf_ev_trace_err(st, SPF_ERR_MACRO, depth, domain, rec, t, "%s",
		    eb.msg);
		spf_ev_set_error(st, "%s: %s", domain, eb.msg);
		return -1;
	}
	return spf_ev_finish_name(b) == -1 ? 1 : 0;
}

static enum mres
dns_error(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t,
    const char *qname, const struct dns_answer *a)
{
	spf_ev_trace_err(st,
	    a->status == DNS_BOGUS ? SPF_ERR_BOGUS : SPF_ERR_DNS, depth, domain,
	    rec, t, "%s: %s", qname, dns_status_name(a->status));
	spf_ev_set_error(st, "%s: DNS %s for %s", domain,
	    dns_status_name(a->status), qname);
	return M_TEMPERROR;
}

static enum mres
mech_mx(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t, const char *name)
{
	struct dns_answer *mx = NULL, *a = NULL;
	struct errbuf eb;
	enum mres m = M_NOMATCH;
	size_t i;

	if (dns_query(st->ctx.res, name, DNS_T_MX, &mx, &eb) == -1)
		return M_NOMATCH; /* cannot be asked: no such name */
	switch (mx->status) {
	case DNS_ANSWER:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		m = note_void(st, depth, domain, rec, t, name, DNS_T_MX,
		    mx->status) == -1 ? M_PERMERROR : M_NOMATCH;
		goto out;
	default:
		m = dns_error(st, depth, domain, rec, t, name, mx);
		goto out;
	}
	if (mx->nrr > SPF_MAX_MX) {
		/* §4.6.4: more than 10 MX names is a permerror (mx-limit). */
		spf_ev_trace_err(st, SPF_ERR_MX_LIMIT, depth, domain, rec, t,
		    "%s has %zu MX records (limit %d)", name, mx->nrr,
		    SPF_MAX_MX);
		spf_ev_set_error(st, "%s: %s has more than %d MX records",
		    domain, name, SPF_MAX_MX);
		if (!st->walk) {
			m = M_PERMERROR;
			goto out;
		}
	}
	for (i = 0; i < mx->nrr && i < SPF_MAX_MX; i++) {
		const char *h = mx->rr[i].name;

		if (mx->rr[i].type != DNS_T_MX || h == NULL || *h == '\0')
			continue; /* null MX (RFC 7505) */
		if (dns_query(st->ctx.res, h, st->ctx.v4 ? DNS_T_A : DNS_T_AAAA,
		    &a, &eb) == -1)
			continue;
		if (a->status != DNS_ANSWER && a->status != DNS_NXDOMAIN &&
		    a->status != DNS_NODATA) {
			m = dns_error(st, depth, domain, rec, t, h, a);
			goto out;
		}
		if (!st->walk && answer_match(st, a, t)) {
			m = M_MATCH;
			goto out;
		}
		dns_answer_free(&a);
	}
out:
	dns_answer_free(&a);
	dns_answer_free(&mx);
	return m;
}

/* a and exists: one address query. */
static enum mres
mech_addr(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t, const char *name)
{
	struct dns_answer *a = NULL;
	struct errbuf eb;
	uint16_t type = t->kind == SPF_EXISTS || st->ctx.v4 ? DNS_T_A :
	    DNS_T_AAAA;
	enum mres m = M_NOMATCH;

	if (dns_query(st->ctx.res, name, type, &a, &eb) == -1)
		return M_NOMATCH;
	switch (a->status) {
	case DNS_ANSWER:
		if (st->walk)
			break;
		if (t->kind == SPF_EXISTS)
			m = a->nrr > 0 ? M_MATCH : M_NOMATCH;
		else
			m = answer_match(st, a, t) ? M_MATCH : M_NOMATCH;
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		m = note_void(st, depth, domain, rec, t, name, type,
		    a->status) == -1 ? M_PERMERROR : M_NOMATCH;
		break;
	default:
		m = dns_error(st, depth, domain, rec, t, name, a);
		break;
	}
	dns_answer_free(&a);
	return m;
}

static enum mres
mech_include(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t, const char *name)
{
	enum spf_result r;

	if (st->walk && spf_ev_walk_stops(st, depth, domain, rec, t,
	    "include", name))
		return M_NOMATCH;
	r = spf_ev_check_host(st, name, depth + 1, 0, NULL);
	switch (r) {
	case SPF_PASS:
		return M_MATCH;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return M_NOMATCH;
	case SPF_TEMPERROR:
		return M_TEMPERROR;
	case SPF_NONE:
		/* §5.2: an include target without a record is a permerror. */
		spf_ev_set_error(st, "%s: include:%s has no SPF record", domain,
		    name);
		spf_ev_trace_err(st, SPF_ERR_INCLUDE_NONE, depth, domain, rec,
		    t, "%s has no SPF record", name);
		return M_PERMERROR;
	default:
		return M_PERMERROR;
	}
}

/* ptr (§5.5): a validated name of the client ending in NAME. */
static enum mres
mech_ptr(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t, const char *name)
{
	enum dns_status ps;
	enum mres m;
	size_t nptr = 0;
	char *p;
	int vd;

	p = spf_validated_name(&st->ctx, domain, name, &vd, &ps, &nptr);
	if (nptr > SPF_MAX_PTR)
		spf_ev_trace_err(st, SPF_ERR_PTR_LIMIT, depth, domain, rec, t,
		    "%zu PTR names for the client, only the first %d are "
		    "used", nptr, SPF_MAX_PTR);
	if (p == NULL) {
		st->nomem = 1;
		m = M_TEMPERROR;
	} else if (vd && note_void(st, depth, domain, rec, t, "PTR",
	    DNS_T_PTR, ps) == -1)
		m = M_PERMERROR;
	else
		m = *p != '\0' && !st->walk ? M_MATCH : M_NOMATCH;
	free(p);
	return m;
}

/* The target of T is not a valid domain name: an include's is a
   permerror, any other mechanism does not match. */
static enum mres
bad_target(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t)
{
	if (t->kind == SPF_INCLUDE) {
		spf_ev_trace_err(st, SPF_ERR_TARGET, depth, domain, rec, t,
		    "include target is not a valid domain name");
		spf_ev_set_error(st, "%s: include target is not a domain name",
		    domain);
		return M_PERMERROR;
	}
	spf_ev_trace(st, SPF_TR_TERM, depth, domain, rec, t,
	    "target is not a valid domain name: no match");
	return M_NOMATCH;
}

enum mres
spf_ev_eval_term(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t)
{
	struct buf name = BUF_INIT;
	enum mres m = M_NOMATCH;
	int rv;

	switch (t->kind) {
	case SPF_ALL:
		return st->walk ? M_NOMATCH : M_MATCH;
	case SPF_IP4:
		return !st->walk && st->ctx.v4 && addr_match(t->addr,
		    st->ctx.ip + 12, t->cidr4 >= 0 ? t->cidr4 : 32) ?
		    M_MATCH : M_NOMATCH;
	case SPF_IP6:
		return !st->walk && !st->ctx.v4 && addr_match(t->addr,
		    st->ctx.ip, t->cidr6 >= 0 ? t->cidr6 : 128) ?
		    M_MATCH : M_NOMATCH;
	default:
		break;
	}
	/* §4.6.4: every other mechanism causes DNS queries. */
	st->ev->lookups++;
	if (!st->walk && st->ev->lookups > st->max_lookups) {
		spf_ev_trace_err(st, SPF_ERR_LOOKUP_LIMIT, depth, domain, rec,
		    t, "DNS lookup limit (%u) exceeded", st->max_lookups);
		spf_ev_set_error(st,
		    "DNS lookup limit (%u) exceeded at '%.*s' in %s",
		    st->max_lookups, (int)t->len, rec->text + t->pos, domain);
		return M_PERMERROR;
	}
	if (st->walk && t->has_macro) {
		spf_ev_trace(st, SPF_TR_TERM, depth, domain, rec, t,
		    "macros not expanded");
		return M_NOMATCH;
	}
	/* A hostile tree of includes could make the walk ask thousands of
	   names: past the cap it counts terms without asking. */
	if (st->walk && st->ev->lookups > SPF_WALK_MAX_LOOKUPS)
		return M_NOMATCH;
	if ((rv = spf_ev_target(st, depth, domain, rec, t, &name)) != 0) {
		buf_free(&name);
		return rv == -1 ? M_PERMERROR :
		    bad_target(st, depth, domain, rec, t);
	}
	switch (t->kind) {
	case SPF_A:
	case SPF_EXISTS:
		m = mech_addr(st, depth, domain, rec, t, name.data);
		break;
	case SPF_MX:
		m = mech_mx(st, depth, domain, rec, t, name.data);
		break;
	case SPF_PTR:
		/* The PTR query depends on the client: the walk asks none. */
		if (!st->walk)
			m = mech_ptr(st, depth, domain, rec, t, name.data);
		break;
	case SPF_INCLUDE:
		m = mech_include(st, depth, domain, rec, t, name.data);
		break;
	default:
		break;
	}
	buf_free(&name);
	return m;
}

/* exp= (§6.2): any failure means "no explanation". */
char *
spf_ev_explain(struct spf_state *st, const char *domain,
    const struct spf_term *t)
{
	struct buf name = BUF_INIT, out = BUF_INIT;
	struct dns_answer *a = NULL;
	struct errbuf eb;
	char *r = NULL;

	if (spf_expand(&st->ctx, domain, t->domain, strlen(t->domain), 0,
	    &name, &eb) == -1 || spf_ev_finish_name(&name) == -1 ||
	    dns_query(st->ctx.res, name.data, DNS_T_TXT, &a, &eb) == -1)
		goto out;
	/* Exactly one TXT record; its strings joined (§6.2). */
	if (a->status != DNS_ANSWER || a->nrr != 1 ||
	    a->rr[0].type != DNS_T_TXT || a->rr[0].txt == NULL ||
	    memchr(a->rr[0].txt, '\0', a->rr[0].txtlen) != NULL)
		goto out;
	if (spf_expand(&st->ctx, domain, a->rr[0].txt, a->rr[0].txtlen, 1,
	    &out, &eb) == -1)
		goto out;
	r = out.data;
	out.data = NULL;
out:
	dns_answer_free(&a);
	buf_free(&name);
	buf_free(&out);
	return r;
}
