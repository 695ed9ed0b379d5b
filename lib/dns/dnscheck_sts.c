/*
 * dnscheck_sts: MTA-STS (RFC 8461) and TLS-RPT (RFC 8460).  The
 * _mta-sts and _smtp._tls TXT records are always checked; the policy
 * file is fetched over HTTPS (certificate verified for mta-sts.<domain>,
 * no redirects) with --live, or when the expected state names a mode.
 * The policy's mx patterns must cover the real MX hosts: in enforce
 * mode senders refuse an MX no pattern covers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dnscheck_int.h"
#include "mtasts.h"
#include "tlsprobe.h"

#define R8461 "RFC 8461 §3.3"
#define STS_PATH "/.well-known/mta-sts.txt"

static int
mode_value(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "enforce") == 0)
		return MTASTS_MODE_ENFORCE;
	if (strcmp(s, "testing") == 0)
		return MTASTS_MODE_TESTING;
	return MTASTS_MODE_NONE;
}

uint16_t
dc_port(const struct dnscheck_run *run, uint16_t port)
{
	size_t i;

	for (i = 0; i < run->o->nport_map; i++)
		if (run->o->port_from[i] == port)
			return run->o->port_to[i];
	return port;
}

double
dc_live_deadline(const struct dnscheck_run *run)
{
	double d = monotime_now() + (run->o->live_timeout > 0 ?
	    run->o->live_timeout : 5.0);

	return run->deadline > 0 && run->deadline < d ? run->deadline : d;
}

/* Fetch the policy from ADDR.  Returns 1 when parsed into P, 0 when a
   finding said why not, -1 when it could not be reached. */
static int
sts_fetch_one(struct dnscheck_run *run, const char *host,
    const struct dnscheck_addr *ad, enum dnscheck_status bad,
    struct mtasts_policy *p)
{
	struct httpsget g;
	char why[300], ip[64];
	int rv = 0;

	memset(&g, 0, sizeof(g));
	g.af = ad->af;
	memcpy(g.addr, ad->a, sizeof(g.addr));
	g.port = dc_port(run, 443);
	g.host = host;
	g.path = STS_PATH;
	g.ca_file = run->o->ca_file;
	g.ctx = run->o->tls;
	g.deadline = dc_live_deadline(run);
	g.max = MTASTS_POLICY_MAX;
	(void)inet_ntop(ad->af, ad->a, ip, sizeof(ip));
	if (tlsprobe_https_get(&g) == -1 || !g.connected || !g.handshake) {
		dc_add(run, g.connected ? bad : DNSCHECK_UNKNOWN, "mtasts",
		    g.connected ? "mtasts.policy.tls" : "mtasts.policy.fetch",
		    R8461, ip, NULL, NULL, g.eb.msg, "https://%s%s (%s): %s",
		    host, STS_PATH, ip, g.eb.msg);
		tlsprobe_https_free(&g);
		return g.connected ? 0 : -1;
	}
	if (g.verify != X509_V_OK)
		dc_add(run, bad, "mtasts", "mtasts.policy.tls", R8461, ip,
		    NULL, "a certificate valid for the name",
		    X509_verify_cert_error_string(g.verify),
		    "https://%s%s (%s): certificate not trusted for %s (%s): "
		    "senders do not use the policy", host, STS_PATH, ip, host,
		    X509_verify_cert_error_string(g.verify));
	else if (g.status != 200)
		dc_add(run, bad, "mtasts", "mtasts.policy.http", R8461, ip,
		    NULL, "200", g.eb.msg[0] ? g.eb.msg : "",
		    "https://%s%s: HTTP status %d%s%s%s", host, STS_PATH, g.status,
		    g.location[0] ? " to " : "", g.location,
		    g.status >= 300 && g.status < 400 ? " (senders do not "
		    "follow redirects)" : "");
	else if (g.too_large)
		dc_add(run, bad, "mtasts", "mtasts.policy.size", R8461, ip,
		    NULL, NULL, NULL, "https://%s%s: policy larger than %d "
		    "bytes", host, STS_PATH, MTASTS_POLICY_MAX);
	else if (mtasts_parse_policy(g.body, g.len, p, why, sizeof(why)) ==
	    -1)
		dc_add(run, bad, "mtasts", "mtasts.policy.invalid",
		    "RFC 8461 §3.2", ip, NULL, NULL, why, "https://%s%s: %s: "
		    "senders do not use the policy", host, STS_PATH, why);
	else {
		rv = 1;
		if (strncasecmp(g.content_type, "text/plain", 10) != 0)
			dc_add(run, DNSCHECK_WARNING, "mtasts",
			    "mtasts.policy.type", R8461, ip, NULL,
			    "text/plain", g.content_type, "https://%s%s is "
			    "served as '%s', not text/plain", host, STS_PATH,
			    g.content_type);
	}
	tlsprobe_https_free(&g);
	return rv;
}

/* The policy against the MX hosts and the expected state. */
static void
sts_judge(struct dnscheck_run *run, const struct mtasts_policy *p)
{
	const struct dnsexpect_domain *e = run->exp;
	size_t i, k;
	int covered, want;

	dc_add(run, DNSCHECK_OK, "mtasts", "mtasts.policy", "RFC 8461 §3.2",
	    NULL, NULL, NULL, mtasts_mode_name(p->mode), "policy: mode %s, "
	    "max_age %ld, %zu mx pattern(s)", mtasts_mode_name(p->mode),
	    p->max_age, p->nmx);
	run->sts_mode = (int)p->mode;
	if (p->max_age < 86400 && p->mode != MTASTS_MODE_NONE)
		dc_add(run, DNSCHECK_WARNING, "mtasts", "mtasts.max_age.short",
		    "RFC 8461 §3.2", NULL, NULL, ">= 86400", NULL,
		    "max_age %ld: the policy protects only that long after a "
		    "sender's last fetch (weeks are recommended)", p->max_age);
	for (i = 0; i < run->nmx && p->mode != MTASTS_MODE_NONE; i++) {
		if (run->mx[i].host[0] == '\0')
			continue;
		for (covered = 0, k = 0; k < p->nmx && !covered; k++)
			covered = mtasts_mx_match(p->mx[k], run->mx[i].host);
		if (!covered)
			dc_add(run, p->mode == MTASTS_MODE_ENFORCE ?
			    DNSCHECK_CRITICAL : DNSCHECK_WARNING, "mtasts",
			    "mtasts.mx.uncovered", "RFC 8461 §4.1",
			    run->mx[i].host, NULL, "an mx pattern", NULL,
			    "MX %s matches no mx line of the policy: %s",
			    run->mx[i].host, p->mode == MTASTS_MODE_ENFORCE ?
			    "senders refuse to deliver to it" :
			    "senders report it as a failure");
	}
	for (k = 0; k < p->nmx; k++) {
		for (covered = 0, i = 0; i < run->nmx && !covered; i++)
			covered = mtasts_mx_match(p->mx[k], run->mx[i].host);
		if (!covered && run->mx_known)
			dc_add(run, DNSCHECK_WARNING, "mtasts",
			    "mtasts.mx.unused", "RFC 8461 §4.1", p->mx[k], NULL,
			    NULL, NULL, "mx pattern %s matches no MX host",
			    p->mx[k]);
	}
	if (e == NULL || !e->mta_sts.set)
		return;
	want = mode_value(e->mta_sts.mode);
	if (want >= 0 && (int)p->mode < want)
		dc_add(run, DNSCHECK_CRITICAL, "mtasts", "mtasts.mode.weaker",
		    "RFC 8461 §5", NULL, NULL, e->mta_sts.mode,
		    mtasts_mode_name(p->mode), "policy mode %s, expected %s",
		    mtasts_mode_name(p->mode), e->mta_sts.mode);
	else if (want >= 0 && (int)p->mode > want)
		dc_add(run, DNSCHECK_WARNING, "mtasts",
		    "mtasts.mode.stronger", "RFC 8461 §5", NULL, NULL,
		    e->mta_sts.mode, mtasts_mode_name(p->mode),
		    "policy mode %s, stronger than the expected %s",
		    mtasts_mode_name(p->mode), e->mta_sts.mode);
	for (i = 0; i < e->mta_sts.nmx; i++) {
		for (k = 0; k < p->nmx; k++)
			if (strcasecmp(e->mta_sts.mx[i], p->mx[k]) == 0)
				break;
		if (k == p->nmx)
			dc_add(run, DNSCHECK_WARNING, "mtasts",
			    "mtasts.mx.drift", "RFC 8461 §3.2",
			    e->mta_sts.mx[i], NULL, e->mta_sts.mx[i], NULL,
			    "expected mx pattern %s is not in the policy",
			    e->mta_sts.mx[i]);
	}
}

static void
sts_policy(struct dnscheck_run *run, enum dnscheck_status bad)
{
	struct dnscheck_mxhost h;
	struct mtasts_policy p;
	char host[300];
	size_t i;
	int u, rv = -1;

	if (dc_join(host, sizeof(host), "mta-sts", run->domain) == -1)
		return;
	memset(&h, 0, sizeof(h));
	h.host = host;
	u = dc_host_addrs(run, "mtasts", &h, NULL, 0);
	if (u == 0)
		dc_add(run, bad, "mtasts", "mtasts.policy.noaddr", R8461, host,
		    NULL, "A or AAAA", "none", "%s has no address: the policy "
		    "cannot be fetched", host);
	for (i = 0; i < h.naddr && rv == -1; i++) {
		if (dc_live_cut(run, host))
			break;
		memset(&p, 0, sizeof(p));
		if ((rv = sts_fetch_one(run, host, &h.addr[i], bad, &p)) == 1) {
			sts_judge(run, &p);
			mtasts_policy_free(&p);
		}
	}
	free(h.addr);
}

void
dnscheck_mtasts(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	struct dns_answer *a = NULL;
	enum dnscheck_status bad;
	char q[300], id[33], why[200];
	size_t i, idx = 0;
	int n = 0, want;

	run->sts_mode = -1;
	want = e != NULL && e->mta_sts.set ? mode_value(e->mta_sts.mode) : -1;
	/* a policy failure breaks a promise only when one is expected */
	bad = want > MTASTS_MODE_NONE ? DNSCHECK_CRITICAL : DNSCHECK_WARNING;
	if (dc_join(q, sizeof(q), "_mta-sts", run->domain) == -1)
		return;
	if (dc_query(run, "mtasts", q, DNS_T_TXT, &a) == -1)
		return;
	if (dc_failed(run, "mtasts", NULL, a))
		goto out;
	for (i = 0; a->status == DNS_ANSWER && i < a->nrr; i++)
		if (a->rr[i].txt != NULL && mtasts_is_txt(a->rr[i].txt,
		    a->rr[i].txtlen) && n++ == 0)
			idx = i;
	if (n == 0) {
		if (want > MTASTS_MODE_NONE)
			dc_add(run, DNSCHECK_CRITICAL, "mtasts",
			    "mtasts.missing", "RFC 8461 §3.1", NULL, a,
			    "v=STSv1", dns_status_name(a->status),
			    "no MTA-STS record at %s, expected mode %s", q,
			    e->mta_sts.mode);
		goto out;
	}
	if (n > 1) {
		dc_add(run, bad, "mtasts", "mtasts.txt.invalid",
		    "RFC 8461 §3.1", NULL, a, "one v=STSv1 record", NULL,
		    "%d v=STSv1 records at %s: senders apply no policy", n, q);
		goto out;
	}
	if (mtasts_parse_txt(a->rr[idx].txt, a->rr[idx].txtlen, id, why,
	    sizeof(why)) == -1) {
		dc_add(run, bad, "mtasts", "mtasts.txt.invalid",
		    "RFC 8461 §3.1", NULL, a, NULL, a->rr[idx].txt,
		    "%s: %s: senders apply no policy", q, why);
		goto out;
	}
	dc_add(run, DNSCHECK_OK, "mtasts", "mtasts.txt", "RFC 8461 §3.1", NULL,
	    a, NULL, a->rr[idx].txt, "MTA-STS record, id %s", id);
	if (run->o->live || want >= 0)
		sts_policy(run, bad);
out:
	dns_answer_free(&a);
}

/* DANE or MTA-STS in use: failures are worth reports. */
static int
tls_policy_used(const struct dnscheck_run *run)
{
	size_t i;

	if (run->sts_mode > MTASTS_MODE_NONE)
		return 1;
	for (i = 0; i < run->ntlsa; i++)
		if (run->tlsa[i].port == 25 && run->tlsa[i].n > 0)
			return 1;
	return 0;
}

void
dnscheck_tlsrpt(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	struct dns_answer *a = NULL;
	char q[300], why[200], **rua = NULL;
	size_t i, idx = 0;
	int n = 0, nrua = 0, expected = e != NULL && e->tlsrpt.set;

	if (dc_join(q, sizeof(q), "_smtp._tls", run->domain) == -1)
		return;
	if (dc_query(run, "tlsrpt", q, DNS_T_TXT, &a) == -1)
		return;
	if (dc_failed(run, "tlsrpt", NULL, a))
		goto out;
	for (i = 0; a->status == DNS_ANSWER && i < a->nrr; i++)
		if (a->rr[i].txt != NULL && tlsrpt_is_txt(a->rr[i].txt,
		    a->rr[i].txtlen) && n++ == 0)
			idx = i;
	if (n == 0) {
		if (expected || tls_policy_used(run))
			dc_add(run, DNSCHECK_WARNING, "tlsrpt", "tlsrpt.missing",
			    "RFC 8460 §3", NULL, a, "v=TLSRPTv1", NULL,
			    "no TLS-RPT record at %s: nobody hears of TLS "
			    "failures senders meet", q);
		goto out;
	}
	if (n > 1) {
		dc_add(run, DNSCHECK_WARNING, "tlsrpt", "tlsrpt.invalid",
		    "RFC 8460 §3", NULL, a, "one v=TLSRPTv1 record", NULL,
		    "%d v=TLSRPTv1 records at %s: senders send no reports", n,
		    q);
		goto out;
	}
	if ((nrua = tlsrpt_parse_txt(a->rr[idx].txt, a->rr[idx].txtlen, &rua,
	    why, sizeof(why))) < 0) {
		dc_add(run, DNSCHECK_WARNING, "tlsrpt", "tlsrpt.invalid",
		    "RFC 8460 §3", NULL, a, NULL, a->rr[idx].txt, "%s: %s: "
		    "senders send no reports", q, why);
		goto out;
	}
	dc_add(run, DNSCHECK_OK, "tlsrpt", "tlsrpt.record", "RFC 8460 §3", NULL,
	    a, NULL, a->rr[idx].txt, "TLS-RPT record with %d destination(s)",
	    nrua);
	if (expected && e->tlsrpt.rua_set && !dnscheck_list_equal(e->tlsrpt.rua,
	    e->tlsrpt.nrua, rua, (size_t)nrua))
		dc_add(run, DNSCHECK_WARNING, "tlsrpt", "tlsrpt.rua.drift",
		    "RFC 8460 §3", NULL, a, NULL, a->rr[idx].txt,
		    "TLS report destinations differ from the expected ones");
	tlsrpt_rua_free(rua, (size_t)nrua);
out:
	dns_answer_free(&a);
}
