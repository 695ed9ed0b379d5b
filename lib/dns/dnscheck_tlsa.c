/*
 * dnscheck_tlsa: DANE for SMTP (RFC 6698, 7671, 7672).  For each MX host
 * (and each host named under tls:) look up _25._tcp.<host> TLSA, judge
 * the DNSSEC state of the answer, keep only usable records (DANE-TA(2)
 * and DANE-EE(3), selector 0/1, matching 0/1/2 with the right length)
 * and match them against digests computed from the certificate or key
 * files: the current one must match, the next one should during rollover.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dnscheck_int.h"

void
dc_tlsa_src_free(struct tlsa_src *s)
{
	size_t i;

	for (i = 0; i < TLSA_MAX_CHAIN; i++) {
		OPENSSL_free(s->cert[i]);
		OPENSSL_free(s->spki[i]);
	}
	memset(s, 0, sizeof(*s));
}

/* One certificate's DER and SPKI DER into slot I of S. */
static void
src_add(struct tlsa_src *s, X509 *x)
{
	int len;

	len = i2d_X509(x, &s->cert[s->ncert]);
	if (len > 0)
		s->certlen[s->ncert] = (size_t)len;
	len = i2d_PUBKEY(X509_get0_pubkey(x), &s->spki[s->ncert]);
	if (len > 0)
		s->spkilen[s->ncert] = (size_t)len;
	s->ncert++;
}

void
dc_tlsa_src_chain(STACK_OF(X509) *chain, struct tlsa_src *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; chain != NULL && i < sk_X509_num(chain) &&
	    s->ncert < TLSA_MAX_CHAIN; i++)
		src_add(s, sk_X509_value(chain, i));
	s->have_spki = s->ncert > 0 && s->spkilen[0] > 0;
}

int
dc_tlsa_src_load(const char *certfile, const char *keyfile,
    struct tlsa_src *s, struct errbuf *eb)
{
	EVP_PKEY *pk;
	X509 *x;
	FILE *fp;
	int len;

	memset(s, 0, sizeof(*s));
	if (certfile != NULL) {
		if ((fp = fopen(certfile, "r")) == NULL) {
			errbuf_set(eb, "%s: cannot open: %m", certfile);
			return -1;
		}
		while (s->ncert < TLSA_MAX_CHAIN &&
		    (x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
			src_add(s, x);
			X509_free(x);
		}
		fclose(fp);
		if (s->ncert == 0) {
			errbuf_set(eb, "%s: no PEM certificate", certfile);
			return -1;
		}
		s->have_spki = s->spkilen[0] > 0;
		return 0;
	}
	if ((pk = dc_pem_key(keyfile, eb)) == NULL)
		return -1;
	len = i2d_PUBKEY(pk, &s->spki[0]);
	EVP_PKEY_free(pk);
	if (len <= 0) {
		errbuf_set(eb, "%s: cannot encode key", keyfile);
		return -1;
	}
	s->spkilen[0] = (size_t)len;
	s->have_spki = 1;
	return 0;
}

static int
digest_eq(int mtype, const unsigned char *blob, size_t blen,
    const unsigned char *want, size_t wlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (blob == NULL || blen == 0)
		return 0;
	if (mtype == 0)
		return blen == wlen && memcmp(blob, want, wlen) == 0;
	if (EVP_Digest(blob, blen, md, &mdlen,
	    mtype == 1 ? EVP_sha256() : EVP_sha512(), NULL) != 1)
		return 0;
	return mdlen == wlen && memcmp(md, want, wlen) == 0;
}

int
dc_tlsa_src_match(const struct tlsa_src *s, const unsigned char *rd,
    size_t len)
{
	int u = rd[0], sel = rd[1], mt = rd[2];
	const unsigned char *d = rd + 3;
	size_t dl = len - 3, i;

	if (u == 3) {
		if (sel == 0)
			return s->ncert > 0 &&
			    digest_eq(mt, s->cert[0], s->certlen[0], d, dl);
		return s->have_spki &&
		    digest_eq(mt, s->spki[0], s->spkilen[0], d, dl);
	}
	for (i = 1; i < s->ncert; i++) {
		if (sel == 0 && digest_eq(mt, s->cert[i], s->certlen[i], d, dl))
			return 1;
		if (sel == 1 && digest_eq(mt, s->spki[i], s->spkilen[i], d, dl))
			return 1;
	}
	return 0;
}

static void
hexstr(char *dst, size_t size, const unsigned char *rd, size_t len)
{
	size_t i, o;

	o = (size_t)snprintf(dst, size, "%u %u %u ", rd[0], rd[1], rd[2]);
	for (i = 3; i < len && o + 3 < size; i++, o += 2)
		(void)snprintf(dst + o, size - o, "%02x", rd[i]);
}

/* 1 when the record is usable for SMTP; otherwise records a finding. */
static int
tlsa_usable(struct dnscheck_run *run, const char *host,
    const struct dns_rr *rr, const struct dns_answer *a)
{
	char txt[300];
	size_t dl;

	if (rr->rdlen < 3) {
		dc_add(run, DNSCHECK_WARNING, "tlsa", "tlsa.record.invalid",
		    "RFC 6698 §2.1", host, a, NULL, NULL,
		    "TLSA record shorter than 3 octets");
		return 0;
	}
	hexstr(txt, sizeof(txt), rr->rdata, rr->rdlen);
	dl = rr->rdlen - 3;
	if (rr->rdata[0] == 0 || rr->rdata[0] == 1) {
		dc_add(run, DNSCHECK_WARNING, "tlsa", "tlsa.usage.pkix",
		    "RFC 7672 §3.1.3", host, a, "usage 2 or 3", txt,
		    "PKIX-TA/PKIX-EE records are not used for SMTP");
		return 0;
	}
	if (rr->rdata[0] > 3 || rr->rdata[1] > 1 || rr->rdata[2] > 2 ||
	    (rr->rdata[2] == 1 && dl != 32) || (rr->rdata[2] == 2 && dl != 64) ||
	    dl == 0) {
		dc_add(run, DNSCHECK_WARNING, "tlsa", "tlsa.record.invalid",
		    "RFC 6698 §2.1", host, a, NULL, txt,
		    "unusable TLSA record (bad usage, selector, matching "
		    "type or digest length)");
		return 0;
	}
	return 1;
}

static const struct dnsexpect_tls *
tls_for(const struct dnsexpect_domain *e, const char *host)
{
	size_t i;

	for (i = 0; e != NULL && i < e->ntls; i++)
		if (strcasecmp(e->tls[i].host, host) == 0)
			return &e->tls[i];
	return NULL;
}

/* How a client came to the host: through the MX RRset (SMTP, RFC 7672
   §2.2.1) or an SRV RRset (submission, RFC 7673 §3), which must be
   secure for DANE to apply, as must the host's addresses. */
struct tlsa_origin {
	const char *rrset;  /* "MX", "SRV" */
	const char *id;     /* the finding when that RRset is insecure */
	const char *rfc;
	int known;          /* the RRset was looked up */
	enum dns_sec sec;
	const struct dnscheck_mxhost *h;
};

/* The host's TLSA RRset A, judged against DNSSEC; *USE_R is filled in
   for the usable-record count to complete. */
static void
tlsa_dnssec(struct dnscheck_run *run, const char *host,
    const struct tlsa_origin *o, const struct dns_answer *a, int req,
    enum dane_use *use_r)
{
	*use_r = DANE_ENFORCED;
	if (!run->o->validating) {
		dc_add(run, DNSCHECK_UNKNOWN, "tlsa", "tlsa.dnssec.unvalidated",
		    "RFC 7672 §2.2", host, a, "secure", "not validated",
		    "resolver does not validate DNSSEC (no trust anchor): "
		    "cannot tell whether senders use these records");
		*use_r = DANE_UNVALIDATED;
		return;
	}
	if (a->sec != DNS_SEC_SECURE) {
		dc_add(run, req ? DNSCHECK_CRITICAL : DNSCHECK_WARNING, "tlsa",
		    "tlsa.dnssec.insecure", "RFC 7672 §2.2", host, a, "secure",
		    dns_sec_name(a->sec),
		    "TLSA published but not DNSSEC-secure: ignored by "
		    "senders");
		*use_r = DANE_IGNORED;
		return;
	}
	dc_add(run, DNSCHECK_OK, "tlsa", "tlsa.dnssec.secure", "RFC 7672 §2.2",
	    host, a, "secure", "secure", "TLSA RRset is DNSSEC-secure");
	if (o == NULL)
		return;
	if (o->known && o->sec != DNS_SEC_SECURE) {
		dc_add(run, req ? DNSCHECK_CRITICAL : DNSCHECK_WARNING, "tlsa",
		    o->id, o->rfc, host, a, "secure", dns_sec_name(o->sec),
		    "%s RRset of %s is not DNSSEC-secure: clients do not look "
		    "for TLSA", o->rrset, run->domain);
		*use_r = DANE_IGNORED;
	} else if (o->h->naddr > 0 && o->h->addr_sec != DNS_SEC_SECURE) {
		dc_add(run, req ? DNSCHECK_CRITICAL : DNSCHECK_WARNING, "tlsa",
		    "tlsa.addr.insecure", "RFC 7672 §2.2.2", host, a, "secure",
		    dns_sec_name(o->h->addr_sec),
		    "address records of %s are not DNSSEC-secure: clients do "
		    "not look for TLSA", o->h->host);
		*use_r = DANE_IGNORED;
	}
}

/* Remember HOST:PORT's usable records for the live check.  Returns the
   entry, or NULL when out of memory. */
static struct dc_tlsa *
keep_new(struct dnscheck_run *run, const char *host, uint16_t port)
{
	struct dc_tlsa *v;

	if ((v = reallocarray(run->tlsa, run->ntlsa + 1, sizeof(*v))) == NULL) {
		run->res->nomem = 1;
		return NULL;
	}
	run->tlsa = v;
	v = &run->tlsa[run->ntlsa];
	memset(v, 0, sizeof(*v));
	if ((v->host = strdup(host)) == NULL) {
		run->res->nomem = 1;
		return NULL;
	}
	v->port = port;
	v->use = DANE_IGNORED;
	run->ntlsa++;
	return v;
}

static void
keep_rr(struct dnscheck_run *run, struct dc_tlsa *k, const struct dns_rr *rr)
{
	unsigned char **rd, *d;
	size_t *len;

	if (k == NULL)
		return;
	if ((d = malloc(rr->rdlen)) == NULL ||
	    (rd = reallocarray(k->rd, k->n + 1, sizeof(*rd))) == NULL) {
		free(d);
		run->res->nomem = 1;
		return;
	}
	k->rd = rd;
	if ((len = reallocarray(k->rdlen, k->n + 1, sizeof(*len))) == NULL) {
		free(d);
		run->res->nomem = 1;
		return;
	}
	k->rdlen = len;
	memcpy(d, rr->rdata, rr->rdlen);
	k->rd[k->n] = d;
	k->rdlen[k->n++] = rr->rdlen;
}

void
dc_tlsa_free(struct dnscheck_run *run)
{
	size_t i, k;

	for (i = 0; i < run->ntlsa; i++) {
		for (k = 0; k < run->tlsa[i].n; k++)
			free(run->tlsa[i].rd[k]);
		free(run->tlsa[i].rd);
		free(run->tlsa[i].rdlen);
		free(run->tlsa[i].host);
	}
	free(run->tlsa);
	run->tlsa = NULL;
	run->ntlsa = 0;
}

/* No TLSA at the name, which is expected to be DNSSEC-secure: the denial
   must validate, or an attacker could have removed the records. */
static void
tlsa_denial(struct dnscheck_run *run, const char *host, const char *q,
    const struct dns_answer *a)
{
	if (!run->o->validating)
		dc_add(run, DNSCHECK_UNKNOWN, "tlsa", "tlsa.dnssec.unvalidated",
		    "RFC 7672 §2.2", host, a, "secure", "not validated",
		    "resolver does not validate DNSSEC (no trust anchor): "
		    "cannot tell whether the answer for %s is secure", q);
	else if (a->sec != DNS_SEC_SECURE)
		dc_add(run, DNSCHECK_CRITICAL, "tlsa", "tlsa.dnssec.insecure",
		    "RFC 7672 §2.2", host, a, "secure", dns_sec_name(a->sec),
		    "the %s answer for %s is not DNSSEC-secure, expected "
		    "secure", dns_status_name(a->status), q);
	else
		dc_add(run, DNSCHECK_OK, "tlsa", "tlsa.dnssec.secure",
		    "RFC 7672 §2.2", host, a, "secure", "secure",
		    "no TLSA at %s, and the denial is DNSSEC-secure", q);
}

/* The current certificate or key matches no usable record.  Whether mail
   stops depends on what senders do with the RRset. */
static void
tlsa_mismatch(struct dnscheck_run *run, const char *host,
    const struct dns_answer *a, enum dane_use use)
{
	static const char *const effect[] = {
		[DANE_UNVALIDATED] = "if the RRset is DNSSEC-secure (not "
		    "validated here), DANE senders stop delivering",
		[DANE_IGNORED] = "senders ignore the RRset today, and stop "
		    "delivering once it is DNSSEC-secure",
		[DANE_ENFORCED] = "DANE senders stop delivering",
	};

	dc_add(run, use == DANE_IGNORED ? DNSCHECK_WARNING : DNSCHECK_CRITICAL,
	    "tlsa", "tlsa.current.mismatch", "RFC 7672 §3.1", host, a, "match",
	    "no match", "current certificate/key matches no usable TLSA "
	    "record: %s", effect[use]);
}

/* TLSA of HOST:PORT reached through O (NULL for a host named only under
   tls:).  Findings name the host, with ":PORT" when not 25. */
/* The certificates or keys the expected state names for a host. */
struct tlsa_keys {
	struct tlsa_src cur, nxt;
	int have_cur, have_nxt;
};

static void
tlsa_keys_load(struct dnscheck_run *run, const char *host,
    const struct dnsexpect_tls *t, struct tlsa_keys *k)
{
	struct errbuf eb;

	memset(k, 0, sizeof(*k));
	if (t != NULL && (t->cert != NULL || t->key != NULL)) {
		if (dc_tlsa_src_load(t->cert, t->key, &k->cur, &eb) == -1)
			dc_add(run, DNSCHECK_UNKNOWN, "tlsa",
			    "tlsa.current.unreadable", NULL, host, NULL,
			    NULL, NULL, "%s", eb.msg);
		else
			k->have_cur = 1;
	}
	if (t != NULL && (t->next_cert != NULL || t->next_key != NULL)) {
		if (dc_tlsa_src_load(t->next_cert, t->next_key, &k->nxt,
		    &eb) == -1)
			dc_add(run, DNSCHECK_UNKNOWN, "tlsa",
			    "tlsa.next.unreadable", NULL, host, NULL, NULL,
			    NULL, "%s", eb.msg);
		else
			k->have_nxt = 1;
	}
}

/* No TLSA RRset at Q: missing when DANE is required or keys are named,
   else fine.  Lowers *MIN_USABLE to 0. */
static void
tlsa_absent(struct dnscheck_run *run, const char *host, const char *q,
    const struct dns_answer *a, const struct dnsexpect_tls *t,
    enum dnsexpect_dane dane, int *min_usable)
{
	int req = dane == DNSEXPECT_DANE_REQUIRED;

	if (t != NULL && t->dnssec == DNSEXPECT_DNSSEC_SECURE)
		tlsa_denial(run, host, q, a);
	if (req || (t != NULL && dane != DNSEXPECT_DANE_NONE &&
	    (t->cert != NULL || t->key != NULL)))
		dc_add(run, req ? DNSCHECK_CRITICAL : DNSCHECK_WARNING,
		    "tlsa", "tlsa.missing", "RFC 7672 §2.2", host, a,
		    "TLSA records", dns_status_name(a->status),
		    "no TLSA at %s", q);
	else
		dc_add(run, DNSCHECK_OK, "tlsa", "tlsa.absent",
		    "RFC 7672 §2.2", host, a, NULL,
		    dns_status_name(a->status),
		    "no TLSA at %s (DANE not expected)", q);
	if (*min_usable < 0 || *min_usable > 0)
		*min_usable = 0;
}

/* Whether the current and the next key matched a usable record
   (MC, MN). */
static void
tlsa_key_verdict(struct dnscheck_run *run, const char *host,
    const struct dns_answer *a, const struct tlsa_keys *k, size_t usable,
    int mc, int mn, enum dane_use use)
{
	if (k->have_cur && usable > 0) {
		if (mc)
			dc_add(run, DNSCHECK_OK, "tlsa", "tlsa.current.match",
			    "RFC 7672 §3.1", host, a, "match", "match",
			    "current certificate/key matches a TLSA record");
		else
			tlsa_mismatch(run, host, a, use);
		dc_metric(run, "tlsa_match", "host", host, "which", "current",
		    mc);
	}
	if (k->have_nxt) {
		if (mn)
			dc_add(run, DNSCHECK_OK, "tlsa", "tlsa.next.match",
			    "RFC 7671 §8.1", host, a, "match", "match",
			    "next certificate/key is pre-published");
		else
			dc_add(run, DNSCHECK_WARNING, "tlsa", "tlsa.next.missing",
			    "RFC 7671 §8.1", host, a, "match", "no match",
			    "next certificate/key has no TLSA record yet: "
			    "publish it two TTLs before the switch");
		dc_metric(run, "tlsa_match", "host", host, "which", "next", mn);
	}
}

/* Count A's usable records (duplicates once), keep them for the live
   check, and match them against K; sets *MC and *MN when the current or
   the next key matched one. */
static size_t
tlsa_scan(struct dnscheck_run *run, const char *host,
    const struct dns_answer *a, struct dc_tlsa *keep,
    const struct tlsa_keys *k, int *mc, int *mn)
{
	size_t i, j, usable = 0;
	int dup;

	for (i = 0; i < a->nrr; i++) {
		const struct dns_rr *rr = &a->rr[i];
		int m1, m2;

		if (!tlsa_usable(run, host, rr, a))
			continue;
		for (dup = 0, j = 0; j < i; j++)
			if (a->rr[j].rdlen == rr->rdlen &&
			    memcmp(a->rr[j].rdata, rr->rdata, rr->rdlen) == 0)
				dup = 1;
		if (dup)
			continue;
		usable++;
		keep_rr(run, keep, rr);
		m1 = k->have_cur && dc_tlsa_src_match(&k->cur, rr->rdata,
		    rr->rdlen);
		m2 = k->have_nxt && dc_tlsa_src_match(&k->nxt, rr->rdata,
		    rr->rdlen);
		*mc |= m1;
		*mn |= m2;
		if (k->have_cur && !m1 && !m2) {
			char txt[300];

			hexstr(txt, sizeof(txt), rr->rdata, rr->rdlen);
			dc_add(run, DNSCHECK_WARNING, "tlsa",
			    "tlsa.record.stale", "RFC 7671 §8.1", host, a,
			    "current or next", txt,
			    "TLSA record matches neither the current nor the "
			    "next certificate/key");
		}
	}
	return usable;
}

static void
tlsa_host(struct dnscheck_run *run, const char *hostname, uint16_t port,
    const struct tlsa_origin *o, const struct dnsexpect_tls *t,
    int *min_usable)
{
	char host[300], svc[16];
	struct dc_tlsa *keep;
	enum dnsexpect_dane dane = DNSEXPECT_DANE_UNSET;
	enum dane_use use;
	struct tlsa_keys k;
	struct dns_answer *a = NULL;
	char q[300];
	size_t usable;
	int mc = 0, mn = 0, req, want_secure;

	memset(&k, 0, sizeof(k));
	if (run->exp != NULL)
		dane = run->exp->dane;
	if (t != NULL && t->dane != DNSEXPECT_DANE_UNSET)
		dane = t->dane;
	req = dane == DNSEXPECT_DANE_REQUIRED;
	want_secure = t != NULL && t->dnssec == DNSEXPECT_DNSSEC_SECURE;
	if (port == 25)
		(void)snprintf(host, sizeof(host), "%s", hostname);
	else
		(void)snprintf(host, sizeof(host), "%s:%u", hostname, port);
	(void)snprintf(svc, sizeof(svc), "_%u._tcp", port);
	if (dc_join(q, sizeof(q), svc, hostname) == -1)
		return;
	if (dc_query(run, "tlsa", q, DNS_T_TLSA, &a) == -1)
		return;
	if (dc_failed(run, "tlsa", host, a))
		goto out;
	if (a->status != DNS_ANSWER || a->nrr == 0) {
		tlsa_absent(run, host, q, a, t, dane, min_usable);
		goto out;
	}
	if (dane == DNSEXPECT_DANE_NONE)
		dc_add(run, DNSCHECK_WARNING, "tlsa", "tlsa.unexpected",
		    "RFC 7672 §2.2", host, a, "no TLSA", "TLSA",
		    "TLSA published at %s but DANE is not expected", q);
	dc_metric(run, "dnssec_secure", "name", q, NULL, NULL,
	    a->sec == DNS_SEC_SECURE);
	tlsa_dnssec(run, host, o, a, req || want_secure, &use);
	keep = keep_new(run, hostname, port);
	tlsa_keys_load(run, host, t, &k);
	usable = tlsa_scan(run, host, a, keep, &k, &mc, &mn);
	if (usable == 0) {
		/* RFC 7672 §2.2: senders still use TLS, unauthenticated. */
		dc_add(run, req ? DNSCHECK_CRITICAL : DNSCHECK_WARNING, "tlsa",
		    "tlsa.unusable", "RFC 7672 §2.2", host, a, ">= 1", "0",
		    "no usable DANE-TA/DANE-EE record at %s: senders fall back "
		    "to unauthenticated TLS", q);
		if (use == DANE_ENFORCED)
			use = DANE_OPPORTUNISTIC;
	}
	if (keep != NULL)
		keep->use = use;
	tlsa_key_verdict(run, host, a, &k, usable, mc, mn, use);
	if (*min_usable < 0 || (int)usable < *min_usable)
		*min_usable = (int)usable;
out:
	dc_tlsa_src_free(&k.cur);
	dc_tlsa_src_free(&k.nxt);
	dns_answer_free(&a);
}

void
dnscheck_tlsa(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	struct tlsa_origin o;
	int min_usable = -1, sub_usable = -1;
	size_t i;

	for (i = 0; i < run->nmx; i++) {
		if (run->mx[i].host[0] == '\0' || !run->mx[i].usable)
			continue;
		o.rrset = "MX";
		o.id = "tlsa.mx.insecure";
		o.rfc = "RFC 7672 §2.2.1";
		o.known = run->mx_known;
		o.sec = run->mx_sec;
		o.h = &run->mx[i];
		tlsa_host(run, run->mx[i].host, 25, &o,
		    tls_for(e, run->mx[i].host), &min_usable);
	}
	/* RFC 7673: submission hosts found through SRV; the TPA documents
	   ask for TLSA on every mail server */
	for (i = 0; i < run->nsub; i++) {
		const struct dnscheck_subhost *sh = &run->sub[i];

		if (sh->h.naddr == 0)
			continue;
		o.rrset = "SRV";
		o.id = "tlsa.srv.insecure";
		o.rfc = "RFC 7673 §3";
		o.known = sh->from_srv;
		o.sec = sh->srv_sec;
		o.h = &sh->h;
		tlsa_host(run, sh->h.host, sh->port, &o, tls_for(e,
		    sh->h.host), &sub_usable);
	}
	for (i = 0; e != NULL && i < e->ntls; i++) {
		size_t k;

		for (k = 0; k < run->nmx; k++)
			if (strcasecmp(run->mx[k].host, e->tls[i].host) == 0)
				break;
		if (k < run->nmx)
			continue;
		for (k = 0; k < run->nsub; k++)
			if (strcasecmp(run->sub[k].h.host, e->tls[i].host) == 0)
				break;
		if (k == run->nsub)
			tlsa_host(run, e->tls[i].host, 25, NULL, &e->tls[i],
			    &min_usable);
	}
	if (min_usable >= 0)
		dc_metric(run, "tlsa_usable", NULL, NULL, NULL, NULL,
		    min_usable);
}
