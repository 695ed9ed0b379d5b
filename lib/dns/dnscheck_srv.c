/*
 * dnscheck_srv: mail submission discovery (RFC 6186, RFC 8314 §5.1):
 * _submissions._tcp (implicit TLS, 465) and _submission._tcp (STARTTLS,
 * 587).  Each target must be a host name with an address, not an alias
 * (RFC 2782); target "." alone says the service is not offered.  The
 * hosts found, and those the expected state names, are left in the run
 * for the TLSA and live TLS checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnscheck_int.h"

#define R6186 "RFC 6186 §3.1"

static struct dnscheck_subhost *
sub_add(struct dnscheck_run *run, const char *host, uint16_t port,
    int implicit)
{
	struct dnscheck_subhost *v;
	size_t i;

	for (i = 0; i < run->nsub; i++)
		if (run->sub[i].port == port &&
		    strcasecmp(run->sub[i].h.host, host) == 0)
			return NULL;
	if ((v = reallocarray(run->sub, run->nsub + 1, sizeof(*v))) == NULL) {
		run->res->nomem = 1;
		return NULL;
	}
	run->sub = v;
	v = &run->sub[run->nsub];
	memset(v, 0, sizeof(*v));
	if ((v->h.host = strdup(host)) == NULL) {
		run->res->nomem = 1;
		return NULL;
	}
	v->port = port;
	v->implicit_tls = implicit;
	run->nsub++;
	return v;
}

/* The target of one SRV record: an address, and no alias. */
static void
srv_target(struct dnscheck_run *run, const char *service,
    struct dnscheck_subhost *s)
{
	char cname[256], subj[300];
	int u;

	(void)snprintf(subj, sizeof(subj), "%s %s", service, s->h.host);
	u = dc_host_addrs(run, "srv", &s->h, cname, sizeof(cname));
	if (cname[0] != '\0')
		dc_add(run, DNSCHECK_CRITICAL, "srv", "srv.target.cname",
		    "RFC 2782", subj, NULL, "A/AAAA", cname,
		    "SRV target %s is an alias (CNAME to %s): RFC 2782 does "
		    "not allow it and clients may not follow it", s->h.host,
		    cname);
	if (u == 0)
		dc_add(run, DNSCHECK_WARNING, "srv", "srv.target.noaddr",
		    R6186, subj, NULL, "A or AAAA", "none",
		    "SRV target %s has no address: clients cannot connect",
		    s->h.host);
	else if (u < 0)
		dc_add(run, DNSCHECK_UNKNOWN, "srv", "srv.target.lookup", NULL,
		    subj, NULL, NULL, NULL,
		    "addresses of %s could not be looked up", s->h.host);
}

static void
srv_drift(struct dnscheck_run *run, const char *service, const char *q,
    const struct dns_answer *a)
{
	const struct dnsexpect_domain *e = run->exp;
	char w[300], g[300];
	size_t i, k;

	for (i = 0; i < e->nsrv; i++) {
		const struct dnsexpect_srv *s = &e->srv[i];

		if (strcmp(s->service, service) != 0)
			continue;
		for (k = 0; k < a->nrr; k++)
			if (a->rr[k].name != NULL &&
			    strcasecmp(a->rr[k].name, s->host) == 0)
				break;
		(void)snprintf(w, sizeof(w), "%d %d %d %s", s->priority,
		    s->weight, s->port, s->host[0] ? s->host : ".");
		if (k == a->nrr) {
			dc_add(run, DNSCHECK_WARNING, "srv", "srv.target.missing",
			    R6186, service, a, w, NULL,
			    "%s: expected target %s not published", q,
			    s->host[0] ? s->host : ".");
			continue;
		}
		(void)snprintf(g, sizeof(g), "%u %u %u %s", a->rr[k].pref,
		    a->rr[k].weight, a->rr[k].port,
		    a->rr[k].name[0] ? a->rr[k].name : ".");
		if ((s->port >= 0 && s->port != a->rr[k].port) ||
		    (s->priority >= 0 && s->priority != a->rr[k].pref) ||
		    (s->weight >= 0 && s->weight != a->rr[k].weight))
			dc_add(run, DNSCHECK_WARNING, "srv", "srv.drift", R6186,
			    service, a, w, g, "%s: SRV is %s, expected %s", q, g,
			    w);
		else
			dc_add(run, DNSCHECK_OK, "srv", "srv.match", R6186,
			    service, a, w, g, "%s: SRV %s as expected", q, g);
	}
}

static void
srv_service(struct dnscheck_run *run, const char *service, int implicit)
{
	const struct dnsexpect_domain *e = run->exp;
	struct dnscheck_subhost *s;
	struct dns_answer *a = NULL;
	char q[300];
	size_t i;
	int n = 0;

	for (i = 0; e != NULL && i < e->nsrv; i++)
		if (strcmp(e->srv[i].service, service) == 0)
			n++;
	if (snprintf(q, sizeof(q), "_%s._tcp.%s", service, run->domain) >=
	    (int)sizeof(q))
		return;
	if (dc_query(run, "srv", q, DNS_T_SRV, &a) == -1)
		return;
	if (dc_failed(run, "srv", service, a))
		goto out;
	if (a->status != DNS_ANSWER) {
		/* the records are optional: missing only when expected */
		if (n > 0)
			dc_add(run, DNSCHECK_WARNING, "srv", "srv.missing",
			    R6186, service, a, "SRV records",
			    dns_status_name(a->status),
			    "no SRV record at %s: mail clients cannot discover "
			    "the service", q);
		goto out;
	}
	for (i = 0; i < a->nrr; i++) {
		const struct dns_rr *rr = &a->rr[i];

		if (rr->name == NULL || rr->name[0] == '\0')
			continue; /* "." : not offered (RFC 6186 §4) */
		if ((s = sub_add(run, rr->name, rr->port, implicit)) == NULL)
			continue;
		s->from_srv = 1;
		s->srv_sec = a->sec;
		srv_target(run, service, s);
	}
	if (n > 0)
		srv_drift(run, service, q, a);
out:
	dns_answer_free(&a);
}

void
dnscheck_srv(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	struct dnscheck_subhost *s;
	size_t i;

	srv_service(run, "submissions", 1);
	srv_service(run, "submission", 0);
	/* expected hosts not (or not yet) published in SRV */
	for (i = 0; e != NULL && i < e->nsrv; i++) {
		const struct dnsexpect_srv *x = &e->srv[i];
		int implicit = strcmp(x->service, "submissions") == 0;

		if (x->host[0] == '\0')
			continue;
		s = sub_add(run, x->host, (uint16_t)(x->port >= 0 ? x->port :
		    implicit ? 465 : 587), implicit);
		if (s != NULL)
			(void)dc_host_addrs(run, "srv", &s->h, NULL, 0);
	}
}

void
dc_sub_free(struct dnscheck_run *run)
{
	size_t i;

	for (i = 0; i < run->nsub; i++) {
		free(run->sub[i].h.host);
		free(run->sub[i].h.addr);
	}
	free(run->sub);
	run->sub = NULL;
	run->nsub = 0;
}
