/*
 * dnscheck_mx: MX (RFC 5321 §5.1, null MX RFC 7505, CNAME targets RFC
 * 2181 §10.3), forward-confirmed reverse DNS (RFC 8601 §3 iprev) for MX
 * addresses and sending IPs.
 * The MX check runs first and leaves the hosts and addresses in the run
 * for the TLSA and PTR checks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dnscheck_int.h"

#define R5321 "RFC 5321 §5.1"

/* Reserved ranges (RFC 6890) mail cannot reach from the Internet. */
static int
addr_reserved(const struct dnscheck_addr *ad)
{
	const unsigned char *a = ad->a;

	if (ad->af == AF_INET)
		return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 192 && a[1] == 0 && a[2] == 2) ||
		    (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
		    (a[0] == 203 && a[1] == 0 && a[2] == 113) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
	return (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d &&
	    a[3] == 0xb8) || (a[0] & 0xfe) == 0xfc || a[0] == 0xff ||
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	    memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15) == 0;
}

/* Last label all digits: "192.0.2.25." written as an exchange. */
static int
ip_literal(const char *host)
{
	const char *l = strrchr(host, '.');
	unsigned char buf[16];

	l = l ? l + 1 : host;
	if (inet_pton(AF_INET6, host, buf) == 1)
		return 1;
	if (*l == '\0')
		return 0;
	for (; *l != '\0'; l++)
		if (*l < '0' || *l > '9')
			return 0;
	return 1;
}

static void
addr_text(const struct dnscheck_addr *ad, char *dst, size_t size)
{
	if (inet_ntop(ad->af, ad->a, dst, (socklen_t)size) == NULL)
		(void)snprintf(dst, size, "?");
}

int
dc_host_addrs(struct dnscheck_run *run, const char *area,
    struct dnscheck_mxhost *m, char *cname, size_t cnamesize)
{
	static const uint16_t types[2] = { DNS_T_A, DNS_T_AAAA };
	struct dns_answer *a;
	struct dnscheck_addr *na;
	int failed = 0, t;
	size_t i;

	if (cname != NULL && cnamesize > 0)
		cname[0] = '\0';
	m->addr_sec = DNS_SEC_SECURE;
	for (t = 0; t < 2; t++) {
		if (dc_query(run, area, m->host, types[t], &a) == -1) {
			failed++;
			continue;
		}
		/* RFC 7672 §2.2.2: DANE needs secure address records. */
		if (a->status == DNS_ANSWER && a->sec != DNS_SEC_SECURE)
			m->addr_sec = DNS_SEC_INSECURE;
		if (a->status == DNS_TIMEOUT || a->status == DNS_SERVFAIL ||
		    a->status == DNS_BOGUS) {
			if (a->status == DNS_BOGUS)
				(void)dc_failed(run, area, m->host, a);
			failed++;
		}
		if (a->ncnames > 0 && cname != NULL && cname[0] == '\0')
			(void)snprintf(cname, cnamesize, "%s",
			    a->cnames[a->ncnames - 1]);
		for (i = 0; a->status == DNS_ANSWER && i < a->nrr; i++) {
			if (a->rr[i].type != types[t])
				continue;
			na = reallocarray(m->addr, m->naddr + 1, sizeof(*na));
			if (na == NULL) {
				run->res->nomem = 1;
				break;
			}
			m->addr = na;
			na = &m->addr[m->naddr++];
			na->af = t == 0 ? AF_INET : AF_INET6;
			memset(na->a, 0, sizeof(na->a));
			memcpy(na->a, a->rr[i].rdata, t == 0 ? 4 : 16);
		}
		dns_answer_free(&a);
	}
	if (m->naddr > 0)
		return 1;
	return failed > 0 ? -1 : 0;
}

/* A and AAAA of an MX host into M.  Returns 1 if usable, 0 if not, -1
   if it could not be decided. */
static int
mx_addrs(struct dnscheck_run *run, struct dnscheck_mxhost *m)
{
	char cname[256];
	int u;

	u = dc_host_addrs(run, "mx", m, cname, sizeof(cname));
	if (cname[0] != '\0')
		dc_add(run, DNSCHECK_WARNING, "mx", "mx.target.cname",
		    "RFC 2181 §10.3", m->host, NULL, "A/AAAA", cname,
		    "MX target %s is an alias (CNAME): not allowed, though "
		    "most senders still deliver", m->host);
	return u;
}

static void
mx_drift(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	char w[16], g[16];
	size_t i, k;

	for (i = 0; i < e->nmx; i++) {
		for (k = 0; k < run->nmx; k++)
			if (strcasecmp(run->mx[k].host, e->mx[i].host) == 0)
				break;
		if (k == run->nmx) {
			dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.host.missing",
			    R5321, e->mx[i].host, NULL, e->mx[i].host, NULL,
			    "expected MX host %s is not published",
			    e->mx[i].host);
			continue;
		}
		if (e->mx[i].pref < 0 || run->o->mx_order_only)
			continue;
		if (run->mx[k].pref != e->mx[i].pref) {
			(void)snprintf(w, sizeof(w), "%d", e->mx[i].pref);
			(void)snprintf(g, sizeof(g), "%u", run->mx[k].pref);
			dc_add(run, DNSCHECK_WARNING, "mx", "mx.pref.changed",
			    R5321, e->mx[i].host, NULL, w, g,
			    "MX %s has preference %s, expected %s",
			    e->mx[i].host, g, w);
		}
	}
	for (k = 0; k < run->nmx; k++) {
		for (i = 0; i < e->nmx; i++)
			if (strcasecmp(run->mx[k].host, e->mx[i].host) == 0)
				break;
		if (i == e->nmx)
			dc_add(run, DNSCHECK_WARNING, "mx", "mx.host.extra",
			    R5321, run->mx[k].host, NULL, NULL, run->mx[k].host,
			    "MX host %s is published but not expected",
			    run->mx[k].host);
	}
	if (run->o->mx_order_only) {
		/* rank order: for each pair, the order must agree */
		for (i = 0; i < e->nmx; i++)
			for (k = 0; k < e->nmx; k++) {
				size_t a, b;

				for (a = 0; a < run->nmx; a++)
					if (strcasecmp(run->mx[a].host,
					    e->mx[i].host) == 0)
						break;
				for (b = 0; b < run->nmx; b++)
					if (strcasecmp(run->mx[b].host,
					    e->mx[k].host) == 0)
						break;
				if (a == run->nmx || b == run->nmx ||
				    e->mx[i].pref < 0 || e->mx[k].pref < 0)
					continue;
				if (e->mx[i].pref < e->mx[k].pref &&
				    run->mx[a].pref >= run->mx[b].pref)
					dc_add(run, DNSCHECK_WARNING, "mx",
					    "mx.pref.changed", R5321,
					    e->mx[i].host, NULL, NULL, NULL,
					    "MX %s no longer ranks before %s",
					    e->mx[i].host, e->mx[k].host);
			}
	}
}

static void
mx_nomx(struct dnscheck_run *run, struct dns_answer *a)
{
	const struct dnsexpect_domain *e = run->exp;
	struct dnscheck_mxhost m;
	int u;

	if (e != NULL && e->mx_set && e->null_mx) {
		dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.null.missing",
		    "RFC 7505 §3", NULL, a, "MX 0 .", dns_status_name(a->status),
		    "expected null MX, found no MX RRset");
		return;
	}
	memset(&m, 0, sizeof(m));
	m.host = (char *)run->domain;
	u = mx_addrs(run, &m);
	free(m.addr);
	if (u == 1)
		dc_add(run, e != NULL && e->mx_set ? DNSCHECK_CRITICAL :
		    DNSCHECK_WARNING, "mx", "mx.implicit", R5321, NULL, a,
		    "MX records", "implicit MX (A/AAAA)",
		    "no MX: mail goes to the domain's own address "
		    "(implicit MX)");
	else
		dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.missing", R5321, NULL,
		    a, "MX records", dns_status_name(a->status),
		    "no MX and no address: the domain cannot receive mail");
}

/* Copy the exchanges of A into run->mx ("" for a null MX) and count the
   null ones in *NNULL_R.  Returns -1 when out of memory at the start. */
static int
mx_hosts(struct dnscheck_run *run, const struct dns_answer *a,
    size_t *nnull_r)
{
	size_t i;

	*nnull_r = 0;
	if ((run->mx = calloc(a->nrr, sizeof(*run->mx))) == NULL) {
		run->res->nomem = 1;
		return -1;
	}
	for (i = 0; i < a->nrr; i++) {
		if (a->rr[i].name == NULL)
			continue;
		if (a->rr[i].name[0] == '\0')
			(*nnull_r)++;
		if ((run->mx[run->nmx].host = strdup(a->rr[i].name)) == NULL) {
			run->res->nomem = 1;
			break;
		}
		run->mx[run->nmx++].pref = a->rr[i].pref;
	}
	return 0;
}

/* RFC 7505: a null MX must stand alone, and is checked against the
   expected state.  Returns 1 when it is the only MX (nothing else to
   check). */
static int
mx_null(struct dnscheck_run *run, const struct dns_answer *a, size_t nnull)
{
	const struct dnsexpect_domain *e = run->exp;

	if (nnull == 0) {
		if (e != NULL && e->mx_set && e->null_mx)
			dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.null.missing",
			    "RFC 7505 §3", NULL, a, "MX 0 .", "MX hosts",
			    "expected null MX, but MX hosts are published");
		return 0;
	}
	if (run->nmx > 1)
		dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.null.mixed",
		    "RFC 7505 §3", NULL, a, "MX 0 . alone", NULL,
		    "null MX published together with other MX records");
	else if (e != NULL && e->mx_set && !e->null_mx)
		dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.null.unexpected",
		    "RFC 7505 §3", NULL, a, "MX hosts", "MX 0 .",
		    "null MX published: the domain accepts no mail");
	else
		dc_add(run, DNSCHECK_OK, "mx", "mx.null", "RFC 7505 §3", NULL,
		    a, NULL, "MX 0 .", "null MX: the domain accepts no mail");
	return run->nmx == 1;
}

/* The addresses of exchange M, which are also its usability.  Returns 1
   usable, 0 not, -1 undecided (the lookup failed). */
static int
mx_host(struct dnscheck_run *run, struct dnscheck_mxhost *m,
    const struct dns_answer *a)
{
	size_t k;
	char t[64];
	int u;

	if (ip_literal(m->host)) {
		dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.target.ip_literal",
		    R5321, m->host, a, "host name", m->host,
		    "MX exchange %s is an IP address written as a name",
		    m->host);
		return 0;
	}
	if ((u = mx_addrs(run, m)) < 0) {
		dc_add(run, DNSCHECK_UNKNOWN, "mx", "mx.target.lookup", NULL,
		    m->host, NULL, NULL, NULL,
		    "addresses of %s could not be looked up", m->host);
		return -1;
	}
	if (u == 0) {
		dc_add(run, DNSCHECK_WARNING, "mx", "mx.target.noaddr", R5321,
		    m->host, NULL, "A or AAAA", "none",
		    "MX host %s has no address", m->host);
		return 0;
	}
	m->usable = 1;
	if (run->o->allow_reserved)
		return 1;
	for (k = 0; k < m->naddr; k++)
		if (addr_reserved(&m->addr[k])) {
			addr_text(&m->addr[k], t, sizeof(t));
			dc_add(run, DNSCHECK_WARNING, "mx",
			    "mx.target.reserved", "RFC 6890", m->host, NULL,
			    NULL, t, "MX host %s has reserved address %s",
			    m->host, t);
		}
	return 1;
}

void
dnscheck_mx(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	struct dns_answer *a = NULL;
	size_t i, nnull, usable = 0, undecided = 0;
	int u;

	if (dc_query(run, "mx", run->domain, DNS_T_MX, &a) == -1)
		return;
	if (dc_failed(run, "mx", NULL, a))
		goto out;
	if (a->status == DNS_NXDOMAIN) {
		dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.domain.nxdomain",
		    R5321, NULL, a, "domain exists", "nxdomain",
		    "%s does not exist", run->domain);
		goto out;
	}
	run->mx_known = 1;
	run->mx_sec = a->sec;
	if (a->status != DNS_ANSWER) {
		mx_nomx(run, a);
		goto out;
	}
	if (mx_hosts(run, a, &nnull) == -1 || mx_null(run, a, nnull))
		goto out;
	for (i = 0; i < run->nmx; i++) {
		if (run->mx[i].host[0] == '\0')
			continue;
		if ((u = mx_host(run, &run->mx[i], a)) < 0)
			undecided++;
		else if (u > 0)
			usable++;
	}
	if (usable == 0 && undecided == 0 && run->nmx > nnull)
		dc_add(run, DNSCHECK_CRITICAL, "mx", "mx.unusable", R5321, NULL,
		    a, ">= 1 usable MX host", "0",
		    "no MX host has an address: mail cannot be delivered");
	else if (usable > 0)
		dc_add(run, DNSCHECK_OK, "mx", "mx.usable", R5321, NULL, a,
		    NULL, NULL, "%zu of %zu MX hosts usable", usable,
		    run->nmx);
	dc_metric(run, "mx_usable_hosts", NULL, NULL, NULL, NULL,
	    (double)usable);
	if (e != NULL && e->mx_set && !e->null_mx)
		mx_drift(run);
out:
	dns_answer_free(&a);
}

static int
reverse_name(const struct dnscheck_addr *ad, char *dst, size_t size)
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (ad->af == AF_INET)
		return snprintf(dst, size, "%u.%u.%u.%u.in-addr.arpa",
		    ad->a[3], ad->a[2], ad->a[1], ad->a[0]) >= (int)size ? -1
		    : 0;
	if (size < 74)
		return -1;
	for (i = 15; i >= 0; i--) {
		dst[o++] = hx[ad->a[i] & 0xf];
		dst[o++] = '.';
		dst[o++] = hx[ad->a[i] >> 4];
		dst[o++] = '.';
	}
	memcpy(dst + o, "ip6.arpa", 9);
	return 0;
}

/* iprev for one address.  SENDING: expected sending IP (CRITICAL). */
static void
fcrdns(struct dnscheck_run *run, const struct dnscheck_addr *ad,
    const char *want_name, int sending, int *fails)
{
	struct dns_answer *p = NULL, *f = NULL;
	enum dnscheck_status bad = sending ? DNSCHECK_CRITICAL :
	    DNSCHECK_WARNING;
	char ip[64], rev[80];
	size_t i, k;
	int ok = 0, undecided = 0, named = 0, bogus = 0;
	const char *id_missing = sending ? "ptr.missing" : "ptr.mx.missing";

	addr_text(ad, ip, sizeof(ip));
	if (reverse_name(ad, rev, sizeof(rev)) == -1)
		return;
	if (dc_query(run, "ptr", rev, DNS_T_PTR, &p) == -1)
		return;
	if (dc_failed(run, "ptr", ip, p))
		goto out;
	if (p->status != DNS_ANSWER) {
		dc_add(run, bad, "ptr", id_missing, "RFC 8601 §3", ip, p,
		    want_name ? want_name : "PTR", dns_status_name(p->status),
		    "%s has no PTR record", ip);
		(*fails)++;
		goto metric;
	}
	for (i = 0; i < p->nrr && i < 10 && !ok; i++) {
		const char *n = p->rr[i].name;

		if (n == NULL)
			continue;
		if (want_name != NULL && strcasecmp(n, want_name) == 0)
			named = 1;
		if (dc_query(run, "ptr", n, ad->af == AF_INET ? DNS_T_A :
		    DNS_T_AAAA, &f) == -1)
			continue;
		if (f->status == DNS_BOGUS) {
			(void)dc_failed(run, "ptr", ip, f);
			bogus = 1;
		} else if (f->status == DNS_TIMEOUT ||
		    f->status == DNS_SERVFAIL)
			undecided = 1;
		for (k = 0; f->status == DNS_ANSWER && k < f->nrr; k++)
			if (f->rr[k].rdlen == (ad->af == AF_INET ? 4u : 16u) &&
			    memcmp(f->rr[k].rdata, ad->a, f->rr[k].rdlen) == 0)
				ok = 1;
		dns_answer_free(&f);
	}
	if (ok)
		dc_add(run, DNSCHECK_OK, "ptr", "ptr.fcrdns", "RFC 8601 §3", ip,
		    p, NULL, p->rr[0].name, "%s: forward-confirmed reverse DNS "
		    "(%s)", ip, p->rr[0].name);
	else if (undecided && !bogus) /* bogus: ptr.dnssec.bogus said it */
		dc_add(run, DNSCHECK_UNKNOWN, "ptr", "ptr.lookup", NULL, ip, p,
		    NULL, NULL, "%s: forward lookup of the PTR name failed",
		    ip);
	else if (!bogus) {
		dc_add(run, bad, "ptr", "ptr.fcrdns.fail", "RFC 8601 §3", ip, p,
		    ip, p->rr[0].name, "%s: PTR name %s does not resolve back "
		    "to %s", ip, p->rr[0].name ? p->rr[0].name : "?", ip);
		(*fails)++;
	}
	if (want_name != NULL && !named)
		dc_add(run, DNSCHECK_WARNING, "ptr", "ptr.name.drift",
		    "RFC 8601 §3", ip, p, want_name, p->rr[0].name,
		    "%s: PTR is %s, expected %s", ip,
		    p->rr[0].name ? p->rr[0].name : "?", want_name);
metric:
	dc_metric(run, "fcrdns_ok", "ip", ip, NULL, NULL, ok);
out:
	dns_answer_free(&p);
}

void
dnscheck_ptr(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	struct dnscheck_addr ad;
	size_t i, k;
	int fails = 0, any = 0;

	for (i = 0; e != NULL && i < e->nptr; i++) {
		memset(&ad, 0, sizeof(ad));
		if (inet_pton(AF_INET, e->ptr[i].ip, ad.a) == 1)
			ad.af = AF_INET;
		else if (inet_pton(AF_INET6, e->ptr[i].ip, ad.a) == 1)
			ad.af = AF_INET6;
		else
			continue; /* dnsexpect validated it */
		fcrdns(run, &ad, e->ptr[i].name, 1, &fails);
		any = 1;
	}
	for (i = 0; i < run->nmx; i++)
		for (k = 0; k < run->mx[i].naddr; k++) {
			fcrdns(run, &run->mx[i].addr[k], NULL, 0, &fails);
			any = 1;
		}
	if (any)
		dc_metric(run, "fcrdns_fail", NULL, NULL, NULL, NULL, fails);
}
