/*
 * dnscheck_dmarc_drift: the DMARC record found against the expected
 * state: the effective policy of each scope, the alignment and PSD
 * letters, the report addresses.  Policy strength: none 0 < quarantine
 * 1 < reject 2.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnscheck_int.h"

/* The same set of URIs, in any order, ignoring case (rua=, ruf=, and
   TLS-RPT's rua=, which dnscheck_sts.c compares too). */
int
dnscheck_list_equal(char **a, size_t na, char **b, size_t nb)
{
	size_t i, k;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		for (k = 0; k < nb; k++)
			if (strcasecmp(a[i], b[k]) == 0)
				break;
		if (k == nb)
			return 0;
	}
	return 1;
}

static char *
join_list(char **v, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		if (buf_printf(&b, "%s%s", i ? "," : "", v[i]) == -1) {
			buf_free(&b);
			return NULL;
		}
	if (b.data == NULL && buf_puts(&b, "") == -1)
		return NULL;
	return b.data;
}

/* The policy the domain's own failing mail gets: p (sp of the
   organizational domain when inherited), one step lower under t=y, or
   under pct < 100 for the mail outside the sample (RFC 7489 §6.3). */
static int
own_mail_policy(const struct dc_dmarc *d)
{
	int p = dc_dmarc_effective(d, 0);

	if (p > 0 && !d->testing && d->pct >= 0 && d->pct < 100)
		p--;
	return p;
}

static void
drift_effective(struct dnscheck_run *run, const struct dc_dmarc *d, int wp,
    const struct dns_answer *ev)
{
	int ap = own_mail_policy(d);

	if (ap < wp)
		dc_add(run, DNSCHECK_CRITICAL, "dmarc", "dmarc.policy.weaker",
		    "RFC 9989 §4.10.1", "effective", ev, dc_dmarc_policy_name(wp),
		    dc_dmarc_policy_name(ap), "mail from %s gets %s (after inheritance, "
		    "t and pct), expected %s", run->domain, dc_dmarc_policy_name(ap),
		    dc_dmarc_policy_name(wp));
	else if (ap > wp)
		dc_add(run, DNSCHECK_WARNING, "dmarc", "dmarc.policy.stronger",
		    "RFC 9989 §4.10.1", "effective", ev, dc_dmarc_policy_name(wp),
		    dc_dmarc_policy_name(ap), "mail from %s gets %s, stronger than the "
		    "expected %s", run->domain, dc_dmarc_policy_name(ap),
		    dc_dmarc_policy_name(wp));
}

/* The effective policy of each scope (p, sp, np) against the one the
   expected tags give. */
static void
drift_scopes(struct dnscheck_run *run, const struct dc_dmarc *d,
    const struct dns_answer *ev)
{
	const struct dnsexpect_dmarc *e = &run->exp->dmarc;
	static const char *const scope_tag[] = { "p", "sp", "np" };
	const char *want[3] = { e->p, e->sp, e->np };
	struct dc_dmarc ed;
	int s, wp, ap;

	/* the expected effective policies, from the expected tags */
	memset(&ed, 0, sizeof(ed));
	ed.p = dc_dmarc_policy_value(e->p);
	ed.sp = dc_dmarc_policy_value(e->sp);
	ed.np = dc_dmarc_policy_value(e->np);
	ed.testing = e->t != NULL && strcasecmp(e->t, "y") == 0;
	for (s = 0; s < 3; s++) {
		if (want[s] == NULL && (s > 0 || e->p == NULL))
			continue;
		wp = dc_dmarc_effective(&ed, s);
		ap = dc_dmarc_effective(d, s);
		if (ap < wp)
			dc_add(run, DNSCHECK_CRITICAL, "dmarc",
			    "dmarc.policy.weaker", "RFC 7489 §6.3",
			    scope_tag[s], ev, dc_dmarc_policy_name(wp), dc_dmarc_policy_name(ap),
			    "effective %s policy is %s, expected %s",
			    scope_tag[s], dc_dmarc_policy_name(ap), dc_dmarc_policy_name(wp));
		else if (ap > wp)
			dc_add(run, DNSCHECK_WARNING, "dmarc",
			    "dmarc.policy.stronger", "RFC 7489 §6.3",
			    scope_tag[s], ev, dc_dmarc_policy_name(wp), dc_dmarc_policy_name(ap),
			    "effective %s policy is %s, stronger than the "
			    "expected %s", scope_tag[s], dc_dmarc_policy_name(ap),
			    dc_dmarc_policy_name(wp));
	}
}

/* A one-letter tag TAG (adkim, aspf, psd) that is GOT where WANT was
   expected: finding ID of status ST. */
static void
drift_letter(struct dnscheck_run *run, enum dnscheck_status st,
    const char *id, const char *rfc, const char *tag, const char *want,
    char got, const struct dns_answer *ev)
{
	char g[2] = { got, 0 };

	if (want == NULL || (want[0] | 0x20) == got)
		return;
	dc_add(run, st, "dmarc", id, rfc, tag, ev, want, g,
	    "%s=%s, expected %s", tag, g, want);
}

/* A report address list TAG (rua, ruf) that is not the expected one. */
static void
drift_uris(struct dnscheck_run *run, const char *tag, const char *id,
    const char *what, char **want, size_t nwant, char **got, size_t ngot,
    const struct dns_answer *ev)
{
	char *x, *y;

	if (dnscheck_list_equal(want, nwant, got, ngot))
		return;
	x = join_list(want, nwant);
	y = join_list(got, ngot);
	dc_add(run, DNSCHECK_WARNING, "dmarc", id, "RFC 7489 §6.3", tag, ev,
	    x, y, "%s", what);
	free(x);
	free(y);
}

void
dc_dmarc_drift(struct dnscheck_run *run, const struct dc_dmarc *d,
    const struct dns_answer *ev)
{
	const struct dnsexpect_dmarc *e = &run->exp->dmarc;
	int wp, ap;

	drift_scopes(run, d, ev);
	if (e->effective != NULL)
		drift_effective(run, d, dc_dmarc_policy_value(e->effective), ev);
	wp = e->pct >= 0 ? e->pct : 100;
	ap = d->pct >= 0 ? d->pct : 100;
	if (ap < wp) {
		char w[16], g[16];

		(void)snprintf(w, sizeof(w), "%d", wp);
		(void)snprintf(g, sizeof(g), "%d", ap);
		dc_add(run, DNSCHECK_CRITICAL, "dmarc", "dmarc.pct.lower",
		    "RFC 7489 §6.3", "pct", ev, w, g,
		    "pct=%d is lower than expected %d", ap, wp);
	}
	drift_letter(run, d->adkim == 'r' ? DNSCHECK_CRITICAL :
	    DNSCHECK_WARNING, "dmarc.alignment.drift", "RFC 7489 §6.3",
	    "adkim", e->adkim, d->adkim, ev);
	drift_letter(run, d->aspf == 'r' ? DNSCHECK_CRITICAL :
	    DNSCHECK_WARNING, "dmarc.alignment.drift", "RFC 7489 §6.3",
	    "aspf", e->aspf, d->aspf, ev);
	drift_letter(run, DNSCHECK_WARNING, "dmarc.psd.drift",
	    "RFC 9989 §4.7", "psd", e->psd, d->psd, ev);
	if (e->rua_set)
		drift_uris(run, "rua", "dmarc.rua.drift",
		    "aggregate report destinations changed", e->rua, e->nrua,
		    d->rua, d->nrua, ev);
	if (e->ruf_set)
		drift_uris(run, "ruf", "dmarc.ruf.drift",
		    "failure report destinations changed", e->ruf, e->nruf,
		    d->ruf, d->nruf, ev);
}

