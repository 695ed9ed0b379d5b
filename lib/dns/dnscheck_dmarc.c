/*
 * dnscheck_dmarc: DMARC policy record (RFC 7489, RFC 9989) at
 * _dmarc.<domain>, the DNS tree walk for an inherited policy and
 * external report destinations (RFC 7489 §7.1, RFC 9990 §4); the drift
 * against the expected tags is in dnscheck_dmarc_drift.c.  Policy strength: none 0 < quarantine 1 < reject 2.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnscheck_int.h"

#define R7489_63 "RFC 7489 §6.3"
#define R9989_47 "RFC 9989 §4.7"

static const char *const pol_names[] = { "none", "quarantine", "reject" };

int
dc_dmarc_policy_value(const char *v)
{
	int i;

	for (i = 0; i < 3; i++)
		if (v != NULL && strcasecmp(v, pol_names[i]) == 0)
			return i;
	return -1;
}

static const char *
policy_name(int p)
{
	return p >= 0 && p <= 2 ? pol_names[p] : "invalid";
}

const char *
dc_dmarc_policy_name(int p)
{
	return policy_name(p);
}

void
dc_dmarc_free(struct dc_dmarc *d)
{
	size_t i;

	for (i = 0; i < d->nrua; i++)
		free(d->rua[i]);
	for (i = 0; i < d->nruf; i++)
		free(d->ruf[i]);
	free(d->rua);
	free(d->ruf);
	d->rua = d->ruf = NULL;
	d->nrua = d->nruf = 0;
}

/* Split a rua/ruf list; each URI trimmed.  Adds findings for URIs that
   cannot work.  Returns the number of usable mailto: URIs. */
static size_t
dmarc_uris(struct dnscheck_run *run, const char *tag, const char *v,
    const struct dns_answer *ev, char ***out_r, size_t *n_r)
{
	char *copy, *tok, *save = NULL, **nv, *u, *bang;
	size_t good = 0;
	char id[64];

	*out_r = NULL;
	*n_r = 0;
	if ((copy = strdup(v)) == NULL) {
		run->res->nomem = 1;
		return 0;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		u = tok + strlen(tok);
		while (u > tok && (u[-1] == ' ' || u[-1] == '\t'))
			*--u = '\0';
		if (*tok == '\0')
			continue;
		if ((bang = strchr(tok, '!')) != NULL) {
			(void)snprintf(id, sizeof(id), "dmarc.%s.size", tag);
			dc_add(run, DNSCHECK_WARNING, "dmarc", id,
			    "RFC 9989 §4.7", tok, ev, NULL, tok,
			    "%s URI %s: the \"!size\" suffix is obsolete in "
			    "RFC 9989; receivers may ignore the URI", tag, tok);
			*bang = '\0';
		}
		if (strncasecmp(tok, "mailto:", 7) != 0 ||
		    strchr(tok + 7, '@') == NULL ||
		    strchr(tok + 7, '@')[1] == '\0') {
			(void)snprintf(id, sizeof(id), "dmarc.%s.invalid", tag);
			dc_add(run, DNSCHECK_WARNING, "dmarc", id,
			    "RFC 7489 §6.4", tok, ev, "mailto:local@domain",
			    tok, "%s URI %s is not a usable mailto: address: "
			    "no reports will be sent there", tag, tok);
			continue;
		}
		if ((nv = reallocarray(*out_r, *n_r + 1, sizeof(*nv))) ==
		    NULL || (nv[*n_r] = strdup(tok)) == NULL) {
			if (nv != NULL)
				*out_r = nv;
			run->res->nomem = 1;
			break;
		}
		*out_r = nv;
		(*n_r)++;
		good++;
	}
	free(copy);
	return good;
}

static int
check_policy_tag(struct dnscheck_run *run, const struct dc_tags *tags,
    const char *tag, const struct dns_answer *ev)
{
	const char *v = dc_tags_get(tags, tag);
	char id[64];
	int p;

	if (v == NULL)
		return -1;
	if ((p = dc_dmarc_policy_value(v)) < 0) {
		(void)snprintf(id, sizeof(id), "dmarc.%s.invalid", tag);
		dc_add(run, DNSCHECK_CRITICAL, "dmarc", id, R7489_63, tag, ev,
		    "none, quarantine or reject", v,
		    "%s=%s is not a valid policy", tag, v);
	}
	return p;
}

static void
check_enum_tag(struct dnscheck_run *run, const struct dc_tags *tags,
    const char *tag, const char *allowed, const struct dns_answer *ev,
    char *out)
{
	const char *v = dc_tags_get(tags, tag);
	char id[64];

	if (v == NULL)
		return;
	if (strlen(v) != 1 || strchr(allowed, v[0] | 0x20) == NULL) {
		(void)snprintf(id, sizeof(id), "dmarc.%s.invalid", tag);
		dc_add(run, DNSCHECK_WARNING, "dmarc", id, R7489_63, tag, ev,
		    allowed, v, "%s=%s is not valid (one of \"%s\"); the "
		    "default applies", tag, v, allowed);
		return;
	}
	if (out != NULL)
		*out = (char)(v[0] | 0x20);
}

static const char *const known_tags[] = {
	"v", "p", "sp", "np", "adkim", "aspf", "rua", "ruf", "fo", "pct",
	"ri", "rf", "t", "psd", NULL
};

/* A tag that is not in known_tags[]: receivers ignore it, so it is
   likely a typo. */
static void
check_unknown_tags(struct dnscheck_run *run, const struct dc_tags *tags,
    const struct dns_answer *ev)
{
	size_t i, k;

	for (i = 0; i < tags->n; i++) {
		for (k = 0; known_tags[k] != NULL; k++)
			if (strcmp(known_tags[k], tags->t[i].name) == 0)
				break;
		if (known_tags[k] == NULL)
			dc_add(run, DNSCHECK_WARNING, "dmarc",
			    "dmarc.tag.unknown", R9989_47, tags->t[i].name,
			    ev, NULL, tags->t[i].name,
			    "unknown tag \"%s\" is ignored by receivers "
			    "(a typo?)", tags->t[i].name);
	}
}

/* pct= (into D->pct), ri= and rf=: tags RFC 9989 removed. */
static void
check_obsolete_tags(struct dnscheck_run *run, const struct dc_tags *tags,
    const struct dns_answer *ev, struct dc_dmarc *d)
{
	const char *v;
	char *end;
	size_t i;
	long n;

	if ((v = dc_tags_get(tags, "pct")) != NULL) {
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0 || n > 100)
			dc_add(run, DNSCHECK_WARNING, "dmarc",
			    "dmarc.pct.invalid", "RFC 7489 §6.3", "pct", ev,
			    "0-100", v, "pct=%s is not a percentage", v);
		else
			d->pct = (int)n;
		dc_add(run, DNSCHECK_WARNING, "dmarc", "dmarc.tag.obsolete",
		    "RFC 9989 §A.5", "pct", ev, NULL, v,
		    "pct is removed in RFC 9989 (use t=y for testing)");
	}
	for (i = 0; i < 2; i++) {
		const char *tg = i ? "rf" : "ri";

		if ((v = dc_tags_get(tags, tg)) != NULL)
			dc_add(run, DNSCHECK_WARNING, "dmarc",
			    "dmarc.tag.obsolete", "RFC 9989 §A.5", tg, ev,
			    NULL, v, "%s is removed in RFC 9989", tg);
	}
}

/* fo=: a colon list of 0, 1, d and s, with at most one of 0 and 1. */
static void
check_fo(struct dnscheck_run *run, const struct dc_tags *tags,
    const struct dns_answer *ev)
{
	const char *v, *c;
	int bad = 0, has01 = 0;

	if ((v = dc_tags_get(tags, "fo")) == NULL)
		return;
	for (c = v; *c != '\0'; c++) {
		if (*c == '0' || *c == '1')
			has01 += 1;
		else if (*c != 'd' && *c != 's' && *c != ':' && *c != ' ')
			bad = 1;
	}
	if (bad || has01 > 1)
		dc_add(run, DNSCHECK_WARNING, "dmarc", "dmarc.fo.invalid",
		    "RFC 7489 §6.3", "fo", ev, "0, 1, d, s (colon list)", v,
		    "fo=%s is not valid", v);
}

/* The policy receivers apply when p= is missing or invalid: RFC 7489 had
   the record ignored unless it has a valid rua= (GOOD addresses). */
static void
policy_fallback(struct dnscheck_run *run, const struct dc_tags *tags,
    const struct dns_answer *ev, struct dc_dmarc *d, size_t good)
{
	if (dc_tags_get(tags, "p") == NULL) {
		dc_add(run, DNSCHECK_WARNING, "dmarc", "dmarc.p.missing",
		    "RFC 7489 §6.3", "p", ev, "p=none|quarantine|reject",
		    NULL, "no p= tag: RFC 9989 receivers apply p=none, RFC "
		    "7489 receivers %s", good ? "apply p=none (rua present)"
		    : "ignore the record");
		d->p = 0;
	} else if (d->p < 0 && good > 0)
		d->p = 0; /* RFC 7489 §6.6.3: invalid p with rua -> none */
}

void
dnscheck_dmarc_record(struct dnscheck_run *run, const char *domain,
    const char *txt, size_t len, const struct dns_answer *ev,
    struct dc_dmarc *d)
{
	struct dc_tags tags;
	const char *v;
	struct errbuf eb;
	size_t good;

	memset(d, 0, sizeof(*d));
	d->p = d->sp = d->np = d->pct = -1;
	d->adkim = d->aspf = 'r';
	d->psd = 'u';
	if (len > 0 && (txt[0] == ' ' || txt[0] == '\t'))
		dc_add(run, DNSCHECK_WARNING, "dmarc", "dmarc.whitespace",
		    R7489_63, NULL, ev, NULL, NULL,
		    "record starts with whitespace; some receivers ignore it");
	if (dc_tags_parse(txt, len, &tags, &eb) == -1) {
		if (eb.errnum == ENOMEM)
			run->res->nomem = 1;
		dc_add(run, DNSCHECK_CRITICAL, "dmarc", "dmarc.syntax",
		    "RFC 6376 §3.2", NULL, ev, NULL, eb.msg,
		    "record is not a valid tag list (%s): receivers "
		    "ignore it", eb.msg);
		return;
	}
	if (tags.n == 0 || strcmp(tags.t[0].name, "v") != 0 ||
	    strcmp(tags.t[0].value, "DMARC1") != 0) {
		dc_add(run, DNSCHECK_CRITICAL, "dmarc", "dmarc.version",
		    R7489_63, NULL, ev, "v=DMARC1 first", NULL,
		    "the first tag must be v=DMARC1");
		goto out;
	}
	check_unknown_tags(run, &tags, ev);
	d->p = check_policy_tag(run, &tags, "p", ev);
	d->sp = check_policy_tag(run, &tags, "sp", ev);
	d->np = check_policy_tag(run, &tags, "np", ev);
	check_enum_tag(run, &tags, "adkim", "rs", ev, &d->adkim);
	check_enum_tag(run, &tags, "aspf", "rs", ev, &d->aspf);
	check_enum_tag(run, &tags, "psd", "ynu", ev, &d->psd);
	if ((v = dc_tags_get(&tags, "t")) != NULL) {
		char t = 'n';

		check_enum_tag(run, &tags, "t", "yn", ev, &t);
		d->testing = t == 'y';
	}
	check_obsolete_tags(run, &tags, ev, d);
	check_fo(run, &tags, ev);
	good = 0;
	if ((v = dc_tags_get(&tags, "rua")) != NULL)
		good = dmarc_uris(run, "rua", v, ev, &d->rua, &d->nrua);
	if ((v = dc_tags_get(&tags, "ruf")) != NULL)
		(void)dmarc_uris(run, "ruf", v, ev, &d->ruf, &d->nruf);
	policy_fallback(run, &tags, ev, d, good);
	d->valid = d->p >= 0;
	if (d->valid && d->p > 0 && d->pct >= 0 && d->pct < 100)
		dc_add(run, DNSCHECK_WARNING, "dmarc", "dmarc.pct.partial",
		    "RFC 7489 §6.3", "pct", ev, "100", NULL,
		    "pct=%d: policy %s applies to only part of the failing "
		    "mail", d->pct, policy_name(d->p));
	if (d->testing)
		dc_add(run, DNSCHECK_WARNING, "dmarc", "dmarc.testing",
		    "RFC 9989 §4.7", "t", ev, "t=n", "t=y",
		    "t=y: receivers apply the policy one step lower");
	(void)domain;
out:
	dc_tags_free(&tags);
}

int
dc_dmarc_effective(const struct dc_dmarc *d, int scope)
{
	int p = d->p;

	if (scope >= 1 && d->sp >= 0)
		p = d->sp;
	if (scope == 2 && d->np >= 0)
		p = d->np;
	if (p > 0 && d->testing)
		p--;
	return p;
}

/* Same organizational domain?  XXX: no Public Suffix List; a subdomain
   relation or equal last two labels counts as "same". */
static int
same_org(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	const char *pa, *pb;
	int dots;

	if (strcasecmp(a, b) == 0)
		return 1;
	if (la > lb && a[la - lb - 1] == '.' && strcasecmp(a + la - lb, b) == 0)
		return 1;
	if (lb > la && b[lb - la - 1] == '.' && strcasecmp(b + lb - la, a) == 0)
		return 1;
	for (pa = a + la, dots = 0; pa > a; pa--)
		if (pa[-1] == '.' && ++dots == 2)
			break;
	for (pb = b + lb, dots = 0; pb > b; pb--)
		if (pb[-1] == '.' && ++dots == 2)
			break;
	return strcasecmp(pa, pb) == 0 && strchr(pa, '.') != NULL;
}

/* RFC 7489 §6.3 ABNF: dmarc-version = "v" *WSP "=" *WSP "DMARC1", then
   the end, WSP or ';'.  Leading whitespace is tolerated (and warned about
   by the record lint). */
static int
version_first(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (s == e || *s++ != 'v')
		return 0;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (s == e || *s++ != '=')
		return 0;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if ((size_t)(e - s) < 6 || memcmp(s, "DMARC1", 6) != 0)
		return 0;
	s += 6;
	return s == e || *s == ';' || *s == ' ' || *s == '\t';
}

/* Why a TXT record at _dmarc is not a DMARC record, for the message. */
static const char *
discard_reason(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n >= 6 && strncasecmp(s, "v=spf1", 6) == 0)
		return "it is an SPF record (v=spf1)";
	if (n >= 8 && strncasecmp(s, "v=DMARC1", 8) == 0)
		return "the version is case-sensitive: write v=DMARC1";
	if (n >= 7 && strncasecmp(s, "v=DMARC", 7) == 0)
		return "unknown DMARC version (only v=DMARC1 exists)";
	if (memmem(s, n, "v=DMARC1", 8) != NULL)
		return "v=DMARC1 must be the first tag";
	return "it does not start with v=DMARC1";
}

int
dc_dmarc_is_record(const char *txt, size_t len, const char **why_r)
{
	if (version_first(txt, txt + len)) {
		if (why_r != NULL)
			*why_r = NULL;
		return 1;
	}
	if (why_r != NULL)
		*why_r = discard_reason(txt, len);
	return 0;
}

static int
is_dmarc_txt(const struct dns_rr *rr)
{
	return rr->txt != NULL && dc_dmarc_is_record(rr->txt, rr->txtlen,
	    NULL);
}

static void
dmarc_external(struct dnscheck_run *run, const char *policy, const char *tag,
    char **uris, size_t n)
{
	struct dns_answer *a = NULL;
	char host[256], q[512];
	const char *at;
	size_t i, k;
	int ok;

	for (i = 0; i < n; i++) {
		at = strrchr(uris[i], '@');
		dc_name(host, at + 1);
		if (same_org(host, policy))
			continue;
		if (snprintf(q, sizeof(q), "%s._report._dmarc.%s", policy,
		    host) >= (int)sizeof(q) || strlen(q) > 253) {
			dc_add(run, DNSCHECK_WARNING, "dmarc",
			    "dmarc.external.unauthorized", "RFC 9990 §4",
			    uris[i], NULL, "authorized", "name too long",
			    "%s %s: authorization name exceeds 253 octets",
			    tag, uris[i]);
			continue;
		}
		if (dc_query(run, "dmarc", q, DNS_T_TXT, &a) == -1)
			continue;
		if (dc_failed(run, "dmarc", uris[i], a)) {
			dns_answer_free(&a);
			continue;
		}
		ok = 0;
		for (k = 0; k < a->nrr; k++)
			if (is_dmarc_txt(&a->rr[k]))
				ok = 1;
		if (ok)
			dc_add(run, DNSCHECK_OK, "dmarc",
			    "dmarc.external.authorized", "RFC 9990 §4",
			    uris[i], a, "authorized", "authorized",
			    "%s %s: %s authorizes reports for %s", tag,
			    uris[i], host, policy);
		else
			dc_add(run, DNSCHECK_WARNING, "dmarc",
			    "dmarc.external.unauthorized", "RFC 9990 §4",
			    uris[i], a, "v=DMARC1 at the name queried",
			    dns_status_name(a->status),
			    "%s %s: %s does not authorize reports for %s "
			    "(no v=DMARC1 at %s): reports go nowhere", tag,
			    uris[i], host, policy, q);
		dns_answer_free(&a);
	}
}

/* Fetch the DMARC records at NAME.  Returns the number of v=DMARC1
   records (the first in *IDX_R), or -1 when the lookup failed. */
static int
dmarc_fetch(struct dnscheck_run *run, const char *name,
    struct dns_answer **a_r, size_t *idx_r)
{
	size_t i;
	int n = 0;

	*a_r = NULL;
	if (dc_query(run, "dmarc", name, DNS_T_TXT, a_r) == -1)
		return -1;
	if (dc_failed(run, "dmarc", name, *a_r)) {
		dns_answer_free(a_r);
		return -1;
	}
	for (i = 0; i < (*a_r)->nrr; i++)
		if (is_dmarc_txt(&(*a_r)->rr[i]) && n++ == 0)
			*idx_r = i;
	return n;
}

/* The policy an organizational domain's record D sets for one of its
   existing subdomains (RFC 7489 §6.3, RFC 9989 §4.10.1): sp when given,
   else p.  Names that do not exist keep np (which falls back to that). */
static void
dmarc_as_subdomain(struct dc_dmarc *d)
{
	int sub = d->sp >= 0 ? d->sp : d->p;

	d->p = sub;
	d->sp = sub;
}

static void
inherited_ok(struct dnscheck_run *run, const struct dc_dmarc *d, int own,
    int had_sp, const char *org, const struct dns_answer *a, size_t idx)
{
	dc_add(run, DNSCHECK_OK, "dmarc", "dmarc.inherited",
	    "RFC 9989 §4.10.1", org, a, NULL, a->rr[idx].txt,
	    "no record at _dmarc.%s; %s's record applies: %s for %s (%s, "
	    "p=%s)", run->domain, org, policy_name(dc_dmarc_effective(d, 0)),
	    run->domain, had_sp ? "its sp" : "no sp, so p",
	    policy_name(own));
}

/* RFC 9989 §4.10 tree walk above DOMAIN; stops below the TLD.  On
   success D holds the policy as it applies to DOMAIN and ORG the name
   whose record gave it. */
static void
dmarc_walk(struct dnscheck_run *run, struct dc_dmarc *d, int *found,
    char *org, size_t orgsize)
{
	struct dns_answer *a = NULL;
	const char *p = run->domain;
	char q[300];
	size_t idx = 0;
	int n, tries = 0, own, had_sp;

	*found = 0;
	while ((p = strchr(p, '.')) != NULL && strchr(++p, '.') != NULL &&
	    tries++ < 7) {
		if (dc_join(q, sizeof(q), "_dmarc", p) == -1)
			continue;
		if ((n = dmarc_fetch(run, q, &a, &idx)) < 0)
			return;
		if (n == 1) {
			/* the parent's lint belongs to the parent */
			run->mute++;
			dnscheck_dmarc_record(run, p, a->rr[idx].txt,
			    a->rr[idx].txtlen, a, d);
			run->mute--;
			if (d->valid) {
				*found = 1;
				(void)snprintf(org, orgsize, "%s", p);
				own = d->p;
				had_sp = d->sp >= 0;
				dmarc_as_subdomain(d);
				inherited_ok(run, d, own, had_sp, p, a, idx);
				dns_answer_free(&a);
				return;
			}
			dc_dmarc_free(d);
		}
		dns_answer_free(&a);
	}
}

/* TXT records at _dmarc.<domain> that receivers discard. */
static void
dmarc_discarded(struct dnscheck_run *run, const struct dns_answer *a,
    const char *q, enum dnscheck_status st, const char *then)
{
	const char *why;
	size_t i;

	for (i = 0; i < a->nrr; i++) {
		if (a->rr[i].txt == NULL || dc_dmarc_is_record(a->rr[i].txt,
		    a->rr[i].txtlen, &why))
			continue;
		dc_add(run, st, "dmarc", "dmarc.record.discarded",
		    "RFC 7489 §6.6.3", NULL, a, "v=DMARC1 first",
		    a->rr[i].txt, "TXT record at %s is not a DMARC record "
		    "(%s): receivers discard it%s", q, why, then);
	}
}

static int
has_discarded(const struct dns_answer *a)
{
	size_t i;

	for (i = 0; i < a->nrr; i++)
		if (a->rr[i].txt != NULL && !is_dmarc_txt(&a->rr[i]))
			return 1;
	return 0;
}

void
dnscheck_dmarc(struct dnscheck_run *run)
{
	const struct dnsexpect_dmarc *e = run->exp ? &run->exp->dmarc : NULL;
	struct dns_answer *a = NULL, *apex = NULL;
	struct dc_dmarc d;
	enum dnscheck_status gone;
	char q[300], org[256];
	size_t idx = 0, i;
	int n, found, scope;
	static const char *const scopes[] = { "p", "sp", "np" };

	memset(&d, 0, sizeof(d));
	if (dc_join(q, sizeof(q), "_dmarc", run->domain) == -1)
		return;
	if ((n = dmarc_fetch(run, q, &a, &idx)) < 0)
		return;
	/* no DMARC policy at all: CRITICAL when one is expected */
	gone = e != NULL && e->set ? DNSCHECK_CRITICAL : DNSCHECK_WARNING;
	if (n > 1) {
		dc_add(run, DNSCHECK_CRITICAL, "dmarc", "dmarc.multiple",
		    "RFC 7489 §6.6.3", NULL, a, "1", NULL,
		    "%d v=DMARC1 records at %s: receivers apply no policy", n,
		    q);
		goto out;
	}
	if (n == 0) {
		if (dc_query(run, "dmarc", run->domain, DNS_T_TXT, &apex) ==
		    0 && apex->status == DNS_ANSWER)
			for (i = 0; i < apex->nrr; i++)
				if (is_dmarc_txt(&apex->rr[i]))
					dc_add(run, DNSCHECK_WARNING, "dmarc",
					    "dmarc.misplaced", "RFC 7489 §6.1",
					    NULL, apex, q, run->domain,
					    "v=DMARC1 published at %s "
					    "instead of %s", run->domain, q);
		dns_answer_free(&apex);
		dmarc_walk(run, &d, &found, org, sizeof(org));
		if (found) {
			char then[300];

			(void)snprintf(then, sizeof(then), " and apply the "
			    "policy of %s instead", org);
			dmarc_discarded(run, a, q, DNSCHECK_WARNING, then);
		} else if (has_discarded(a)) {
			dmarc_discarded(run, a, q, gone,
			    ": the domain has no DMARC policy");
			goto out;
		} else {
			dc_add(run, gone, "dmarc", "dmarc.missing",
			    "RFC 7489 §6.1", NULL, a, "v=DMARC1 record",
			    dns_status_name(a->status),
			    "no DMARC record at %s", q);
			goto out;
		}
		dmarc_external(run, org, "rua", d.rua, d.nrua);
		dmarc_external(run, org, "ruf", d.ruf, d.nruf);
	} else {
		dnscheck_dmarc_record(run, run->domain, a->rr[idx].txt,
		    a->rr[idx].txtlen, a, &d);
		dmarc_discarded(run, a, q, DNSCHECK_WARNING,
		    " (the v=DMARC1 record next to it applies)");
		if (!d.valid) {
			dc_add(run, DNSCHECK_CRITICAL, "dmarc", "dmarc.invalid",
			    "RFC 7489 §6.6.3", NULL, a, NULL, a->rr[idx].txt,
			    "the record at %s gives no usable policy", q);
			goto out;
		}
		dc_add(run, DNSCHECK_OK, "dmarc", "dmarc.record",
		    "RFC 7489 §6.1", NULL, a, NULL, a->rr[idx].txt,
		    "DMARC record found: p=%s", policy_name(d.p));
		dmarc_external(run, run->domain, "rua", d.rua, d.nrua);
		dmarc_external(run, run->domain, "ruf", d.ruf, d.nruf);
	}
	for (scope = 0; scope < 3; scope++)
		dc_metric(run, "dmarc_policy", "scope", scopes[scope], NULL,
		    NULL, dc_dmarc_effective(&d, scope));
	if (e != NULL && e->set)
		dc_dmarc_drift(run, &d, a);
out:
	dc_dmarc_free(&d);
	dns_answer_free(&a);
}
