/*
 * dnscheck_live: what a sender or a mail client meets on the wire, for
 * every address of every MX host (port 25, STARTTLS) and submission host
 * (587 STARTTLS, 465 implicit TLS): is TLS offered, does the handshake
 * work, does the chain match the published TLSA records (DANE-EE, or
 * DANE-TA with the host name), is the certificate valid for the name and
 * trusted (submission clients and MTA-STS senders check both), when does
 * it expire, and is it the one the expected state names.  Each
 * connection has its own deadline (--live-timeout) inside the domain's.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dnscheck_int.h"
#include "mtasts.h"
#include "tlsprobe.h"

#define EXPIRY_WARN_DAYS 21
#define EXPIRY_CRIT_DAYS 7

/* What the host is to its clients. */
struct live_host {
	const char *host;
	uint16_t port;
	int submission;   /* mail clients: names and trust checked */
	enum tlsprobe_mode mode;
	const struct dnscheck_mxhost *h;
	const struct dnsexpect_tls *t;
	const struct dc_tlsa *tlsa; /* NULL: none published */
};

static const struct dnsexpect_tls *
tls_for(const struct dnsexpect_domain *e, const char *host)
{
	size_t i;

	for (i = 0; e != NULL && i < e->ntls; i++)
		if (strcasecmp(e->tls[i].host, host) == 0)
			return &e->tls[i];
	return NULL;
}

static const struct dc_tlsa *
tlsa_for(const struct dnscheck_run *run, const char *host, uint16_t port)
{
	size_t i;

	for (i = 0; i < run->ntlsa; i++)
		if (run->tlsa[i].port == port &&
		    strcasecmp(run->tlsa[i].host, host) == 0)
			return &run->tlsa[i];
	return NULL;
}

/* The served chain against the usable TLSA records (RFC 7672 §3.1):
   DANE-EE matches the leaf alone; DANE-TA a certificate above it, and
   then the leaf must carry the host name (§3.2.2). */
static void
live_dane(struct dnscheck_run *run, const struct live_host *lh,
    const char *subj, STACK_OF(X509) *chain)
{
	const struct dc_tlsa *k = lh->tlsa;
	struct tlsa_src src;
	X509 *leaf = sk_X509_value(chain, 0);
	size_t i;
	int ee = 0, ta = 0, named;

	if (k == NULL || k->n == 0)
		return;
	dc_tlsa_src_chain(chain, &src);
	for (i = 0; i < k->n; i++) {
		if (!dc_tlsa_src_match(&src, k->rd[i], k->rdlen[i]))
			continue;
		if (k->rd[i][0] == 3)
			ee = 1;
		else
			ta = 1;
	}
	dc_tlsa_src_free(&src);
	named = X509_check_host(leaf, lh->host, 0, 0, NULL) == 1;
	if (ee || (ta && named))
		dc_add(run, DNSCHECK_OK, "tls", "tls.dane.match", "RFC 7672 §3",
		    subj, NULL, "match", ee ? "DANE-EE" : "DANE-TA",
		    "the served chain matches a %s record", ee ? "DANE-EE" :
		    "DANE-TA");
	else
		dc_add(run, k->use == DANE_IGNORED ? DNSCHECK_WARNING :
		    DNSCHECK_CRITICAL, "tls", "tls.dane.mismatch", "RFC 7672 §3",
		    subj, NULL, "match", ta ? "DANE-TA without the name" :
		    "no match", "the served chain matches no usable TLSA "
		    "record%s: %s", ta ? " (DANE-TA matches, but the "
		    "certificate does not name the host)" : "",
		    k->use == DANE_IGNORED ? "senders ignore the records "
		    "today (not DNSSEC-secure)" : "DANE senders do not "
		    "deliver");
}

/* Names and trust: mail clients check both, MTA-STS senders too. */
static void
live_pkix(struct dnscheck_run *run, const struct live_host *lh,
    const char *subj, X509 *leaf, long verify)
{
	enum dnscheck_status st;
	const char *who;

	if (lh->submission) {
		st = DNSCHECK_CRITICAL;
		who = "mail clients refuse it";
	} else if (run->sts_mode == MTASTS_MODE_ENFORCE) {
		st = DNSCHECK_CRITICAL;
		who = "MTA-STS senders do not deliver (mode enforce)";
	} else if (run->sts_mode == MTASTS_MODE_TESTING) {
		st = DNSCHECK_WARNING;
		who = "MTA-STS senders report it (mode testing)";
	} else
		return; /* opportunistic senders check neither */
	if (X509_check_host(leaf, lh->host, 0, 0, NULL) != 1)
		dc_add(run, st, "tls", "tls.cert.name", "RFC 6125", subj, NULL,
		    lh->host, NULL, "the certificate is not valid for %s: %s",
		    lh->host, who);
	else if (verify != X509_V_OK)
		dc_add(run, st, "tls", "tls.cert.untrusted", "RFC 5280", subj,
		    NULL, "a trusted chain", X509_verify_cert_error_string(
		    verify), "the chain is not trusted (%s): %s",
		    X509_verify_cert_error_string(verify), who);
}

static void
live_expiry(struct dnscheck_run *run, const char *subj, X509 *leaf)
{
	int days = 0, secs = 0;
	char left[32];

	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(leaf)) != 1)
		return;
	(void)snprintf(left, sizeof(left), "%d", days);
	dc_metric(run, "tls_cert_days", "host", subj, NULL, NULL, days);
	if (days < 0 || (days == 0 && secs <= 0))
		dc_add(run, DNSCHECK_CRITICAL, "tls", "tls.cert.expired",
		    "RFC 5280 §4.1.2.5", subj, NULL, "valid", "expired",
		    "the certificate has expired");
	else if (days < EXPIRY_WARN_DAYS)
		dc_add(run, days < EXPIRY_CRIT_DAYS ? DNSCHECK_CRITICAL :
		    DNSCHECK_WARNING, "tls", "tls.cert.expiring",
		    "RFC 5280 §4.1.2.5", subj, NULL, ">= 21 days", left,
		    "the certificate expires in %d days", days);
}

/* The served key against the expected state's current and next. */
static void
live_expected(struct dnscheck_run *run, const struct live_host *lh,
    const char *subj, STACK_OF(X509) *chain)
{
	const struct dnsexpect_tls *t = lh->t;
	struct tlsa_src got, want;
	struct errbuf eb;
	int which = 0;

	if (t == NULL || (t->cert == NULL && t->key == NULL))
		return;
	dc_tlsa_src_chain(chain, &got);
	if (dc_tlsa_src_load(t->cert, t->key, &want, &eb) == 0) {
		if (got.have_spki && got.spkilen[0] == want.spkilen[0] &&
		    memcmp(got.spki[0], want.spki[0], want.spkilen[0]) == 0)
			which = 1;
		dc_tlsa_src_free(&want);
	}
	if (which == 0 && (t->next_cert != NULL || t->next_key != NULL) &&
	    dc_tlsa_src_load(t->next_cert, t->next_key, &want, &eb) == 0) {
		if (got.have_spki && got.spkilen[0] == want.spkilen[0] &&
		    memcmp(got.spki[0], want.spki[0], want.spkilen[0]) == 0)
			which = 2;
		dc_tlsa_src_free(&want);
	}
	dc_tlsa_src_free(&got);
	if (which == 1)
		dc_add(run, DNSCHECK_OK, "tls", "tls.cert.current", NULL, subj,
		    NULL, "current", "current", "the server uses the expected "
		    "current key");
	else if (which == 2)
		dc_add(run, DNSCHECK_WARNING, "tls", "tls.cert.next", NULL,
		    subj, NULL, "current", "next", "the server already uses "
		    "the next key: make it the current one in the expected "
		    "state");
	else
		dc_add(run, DNSCHECK_WARNING, "tls", "tls.cert.unexpected",
		    NULL, subj, NULL, "current or next", "another key",
		    "the server uses neither the expected current nor the "
		    "next key");
}

/* Severity when TLS is not there at all. */
static enum dnscheck_status
no_tls_status(const struct dnscheck_run *run, const struct live_host *lh)
{
	if (lh->submission || run->sts_mode == MTASTS_MODE_ENFORCE ||
	    (lh->tlsa != NULL && lh->tlsa->n > 0 &&
	    lh->tlsa->use != DANE_IGNORED))
		return DNSCHECK_CRITICAL;
	return DNSCHECK_WARNING;
}

static void
live_addr(struct dnscheck_run *run, const struct live_host *lh,
    const struct dnscheck_addr *ad)
{
	struct tlsprobe p;
	char ip[64], subj[400];
	X509 *leaf;

	(void)inet_ntop(ad->af, ad->a, ip, sizeof(ip));
	(void)snprintf(subj, sizeof(subj), "%s[%s]:%u", lh->host, ip,
	    lh->port);
	if (dc_live_cut(run, subj))
		return;
	memset(&p, 0, sizeof(p));
	p.af = ad->af;
	memcpy(p.addr, ad->a, sizeof(p.addr));
	p.port = dc_port(run, lh->port);
	p.mode = lh->mode;
	p.sni = lh->host;
	p.helo = run->o->helo != NULL ? run->o->helo : "maildnscheck.invalid";
	p.ca_file = run->o->ca_file;
	p.ctx = run->o->tls;
	p.deadline = dc_live_deadline(run);
	if (tlsprobe_run(&p) == -1) {
		dc_add(run, DNSCHECK_UNKNOWN, "tls", "tls.local_error", NULL,
		    subj, NULL, NULL, NULL, "%s", p.eb.msg);
		return;
	}
	if (!p.connected) {
		dc_add(run, DNSCHECK_UNKNOWN, "tls", "tls.connect", NULL, subj,
		    NULL, NULL, p.eb.msg, "cannot talk to %s: %s", subj,
		    p.eb.msg);
		goto out;
	}
	if (lh->mode == TLSPROBE_STARTTLS && !p.starttls &&
	    p.eb.msg[0] == '\0') {
		dc_add(run, no_tls_status(run, lh), "tls",
		    "tls.starttls.missing", "RFC 3207", subj, NULL, "STARTTLS",
		    NULL, "%s does not offer STARTTLS%s", subj,
		    lh->submission ? "" : ": senders send in clear text, or "
		    "not at all when DANE or MTA-STS says TLS");
		goto out;
	}
	if (!p.handshake) {
		dc_add(run, no_tls_status(run, lh), "tls", "tls.handshake",
		    "RFC 8446", subj, NULL, "TLS", p.eb.msg,
		    "no TLS with %s: %s", subj, p.eb.msg);
		goto out;
	}
	if (p.chain == NULL || sk_X509_num(p.chain) == 0 ||
	    (leaf = sk_X509_value(p.chain, 0)) == NULL) {
		dc_add(run, DNSCHECK_CRITICAL, "tls", "tls.handshake",
		    "RFC 8446", subj, NULL, "a certificate", "none",
		    "%s sent no certificate", subj);
		goto out;
	}
	dc_add(run, DNSCHECK_OK, "tls", "tls.ok", NULL, subj, NULL, NULL,
	    p.version, "%s %s with %s", subj, p.version, p.cipher);
	live_expiry(run, subj, leaf);
	live_dane(run, lh, subj, p.chain);
	live_pkix(run, lh, subj, leaf, p.verify);
	live_expected(run, lh, subj, p.chain);
out:
	tlsprobe_free(&p);
}

static void
live_host(struct dnscheck_run *run, const struct live_host *lh)
{
	size_t i;

	for (i = 0; i < lh->h->naddr; i++)
		live_addr(run, lh, &lh->h->addr[i]);
}

void
dnscheck_live(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	struct live_host lh;
	size_t i;

	for (i = 0; i < run->nmx; i++) {
		if (run->mx[i].host[0] == '\0' || !run->mx[i].usable)
			continue;
		memset(&lh, 0, sizeof(lh));
		lh.host = run->mx[i].host;
		lh.port = 25;
		lh.mode = TLSPROBE_STARTTLS;
		lh.h = &run->mx[i];
		lh.t = tls_for(e, lh.host);
		lh.tlsa = tlsa_for(run, lh.host, 25);
		live_host(run, &lh);
	}
	for (i = 0; i < run->nsub; i++) {
		memset(&lh, 0, sizeof(lh));
		lh.host = run->sub[i].h.host;
		lh.port = run->sub[i].port;
		lh.submission = 1;
		lh.mode = run->sub[i].implicit_tls ? TLSPROBE_IMPLICIT :
		    TLSPROBE_STARTTLS;
		lh.h = &run->sub[i].h;
		lh.t = tls_for(e, lh.host);
		lh.tlsa = tlsa_for(run, lh.host, lh.port);
		live_host(run, &lh);
	}
}
