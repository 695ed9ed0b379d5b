/*
 * dnscheck_dkim: selector records (RFC 6376 §3.6.1), key size and hash
 * rules (RFC 8301), Ed25519 (RFC 8463), and the published key compared as
 * bytes with the public key derived from the signer's private key file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dnscheck_int.h"

#define R6376_361 "RFC 6376 §3.6.1"

/* Does colon list V contain WORD (case-insensitive, WSP trimmed)? */
static int
list_has(const char *v, const char *word)
{
	size_t wl = strlen(word), n;
	const char *p = v, *e;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ':')
			p++;
		e = p;
		while (*e != '\0' && *e != ':')
			e++;
		n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == wl && strncasecmp(p, word, wl) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* Public key bytes as DKIM publishes them: SPKI DER for RSA, the raw 32
   bytes for Ed25519.  Reads a private key, or a public key PEM. */
static int
key_file_pub(const char *path, int *is_ed, unsigned char **der_r,
    size_t *len_r, struct errbuf *eb)
{
	EVP_PKEY *pk = NULL;
	unsigned char *p = NULL;
	size_t n = 0;
	int len;

	*der_r = NULL;
	if ((pk = dc_pem_key(path, eb)) == NULL)
		return -1;
	*is_ed = EVP_PKEY_get_id(pk) == EVP_PKEY_ED25519;
	if (*is_ed) {
		if ((p = malloc(32)) == NULL)
			goto fail;
		n = 32;
		if (EVP_PKEY_get_raw_public_key(pk, p, &n) != 1)
			goto fail;
	} else if (EVP_PKEY_get_id(pk) == EVP_PKEY_RSA) {
		if ((len = i2d_PUBKEY(pk, &p)) <= 0)
			goto fail;
		n = (size_t)len;
	} else {
		errbuf_set(eb, "%s: neither RSA nor Ed25519", path);
		EVP_PKEY_free(pk);
		return -1;
	}
	EVP_PKEY_free(pk);
	*der_r = p;
	*len_r = n;
	return 0;
fail:
	errbuf_set(eb, "%s: cannot derive the public key", path);
	OPENSSL_free(p);
	EVP_PKEY_free(pk);
	return -1;
}

/* Decode an RSA p=: SPKI, or a bare RSAPublicKey (RFC 6376 erratum
   3017).  Returns bits and sets *SPKI_R to SPKI DER, or -1. */
static int
rsa_decode(const unsigned char *p, size_t n, unsigned char **spki_r,
    size_t *spki_len)
{
	const unsigned char *q = p;
	EVP_PKEY *pk;
	int bits, len;

	*spki_r = NULL;
	pk = d2i_PUBKEY(NULL, &q, (long)n);
	if (pk == NULL || q != p + n) {
		EVP_PKEY_free(pk);
		q = p;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n);
		if (pk == NULL || q != p + n) {
			EVP_PKEY_free(pk);
			return -1;
		}
	}
	if (EVP_PKEY_get_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		return -1;
	}
	bits = EVP_PKEY_get_bits(pk);
	if ((len = i2d_PUBKEY(pk, spki_r)) <= 0) {
		EVP_PKEY_free(pk);
		return -1;
	}
	*spki_len = (size_t)len;
	EVP_PKEY_free(pk);
	return bits;
}

static void
key_match(struct dnscheck_run *run, const char *sel,
    const struct dnsexpect_dkim *es, int is_ed, const unsigned char *pub,
    size_t publen, const struct dns_answer *ev)
{
	unsigned char *mine = NULL;
	size_t mlen = 0;
	struct errbuf eb;
	int fed = 0, match;

	if (key_file_pub(es->key, &fed, &mine, &mlen, &eb) == -1) {
		dc_add(run, DNSCHECK_UNKNOWN, "dkim", "dkim.key.unreadable",
		    NULL, sel, ev, es->key, NULL, "%s", eb.msg);
		return;
	}
	if (fed != is_ed) {
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.key.type", R6376_361,
		    sel, ev, fed ? "ed25519" : "rsa", is_ed ? "ed25519" : "rsa",
		    "key file %s is %s but DNS publishes k=%s", es->key,
		    fed ? "ed25519" : "rsa", is_ed ? "ed25519" : "rsa");
		match = 0;
	} else {
		match = mlen == publen && memcmp(mine, pub, mlen) == 0;
		if (match)
			dc_add(run, DNSCHECK_OK, "dkim", "dkim.key.match",
			    "RFC 6376 §3.6.1", sel, ev, es->key, "match",
			    "published key equals the key of %s", es->key);
		else
			dc_add(run, DNSCHECK_CRITICAL, "dkim",
			    "dkim.key.mismatch", "RFC 6376 §6.1.3", sel, ev,
			    es->key, "different key",
			    "published key differs from the key of %s: "
			    "signatures fail", es->key);
	}
	dc_metric(run, "dkim_key_match", "selector", sel, NULL, NULL, match);
	OPENSSL_free(mine);
}

/* An empty p= revokes the key: fine when the expected state says so. */
static void
dkim_revoked(struct dnscheck_run *run, const char *sel,
    const struct dns_answer *ev, const struct dnsexpect_dkim *es)
{
	if (es != NULL && es->revoked)
		dc_add(run, DNSCHECK_OK, "dkim", "dkim.revoked", R6376_361, sel,
		    ev, "revoked", "revoked",
		    "key is revoked (empty p=), as expected");
	else
		dc_add(run, es != NULL ? DNSCHECK_CRITICAL : DNSCHECK_WARNING,
		    "dkim", "dkim.revoked.unexpected", R6376_361, sel, ev,
		    es ? "active key" : NULL, "revoked",
		    "key is revoked (empty p=): signatures with this selector "
		    "fail");
}

/* The decoded Ed25519 key PUB of N octets.  Returns -1 when it is
   unusable (the finding is added). */
static int
dkim_key_ed25519(struct dnscheck_run *run, const char *sel,
    const struct dns_answer *ev, const struct dnsexpect_dkim *es,
    const unsigned char *pub, long n)
{
	char n_s[24];

	if (n != 32) {
		(void)snprintf(n_s, sizeof(n_s), "%ld", n);
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.ed25519.length",
		    "RFC 8463 §4.2", sel, ev, "32", n_s,
		    "Ed25519 key is %ld octets, must be 32", n);
		return -1;
	}
	dc_metric(run, "dkim_key_bits", "selector", sel, NULL, NULL, 256);
	if (es != NULL && es->key != NULL)
		key_match(run, sel, es, 1, pub, 32, ev);
	return 0;
}

/* The decoded RSA key PUB of N octets: its size (RFC 8301 §3.2).
   Returns -1 when it is not an RSA key (the finding is added). */
static int
dkim_key_rsa(struct dnscheck_run *run, const char *sel,
    const struct dns_answer *ev, const struct dnsexpect_dkim *es,
    const unsigned char *pub, long n)
{
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	char bits_s[24];
	int bits;

	if ((bits = rsa_decode(pub, (size_t)n, &spki, &spki_len)) < 0) {
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.p.invalid",
		    R6376_361, sel, ev, "RSA public key", NULL,
		    "p= does not hold an RSA public key");
		OPENSSL_free(spki);
		return -1;
	}
	(void)snprintf(bits_s, sizeof(bits_s), "%d", bits);
	if (bits < 1024)
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.rsa.weak",
		    "RFC 8301 §3.2", sel, ev, ">= 2048", bits_s,
		    "RSA key has %d bits: verifiers must not accept keys "
		    "under 1024", bits);
	else if (bits < 2048)
		dc_add(run, DNSCHECK_WARNING, "dkim", "dkim.rsa.short",
		    "RFC 8301 §3.2", sel, ev, ">= 2048", bits_s,
		    "RSA key has %d bits: signers should use 2048 or more",
		    bits);
	dc_metric(run, "dkim_key_bits", "selector", sel, NULL, NULL, bits);
	if (run->dkim_min_bits == 0 || bits < run->dkim_min_bits)
		run->dkim_min_bits = bits;
	if (es != NULL && es->key != NULL)
		key_match(run, sel, es, 0, spki, spki_len, ev);
	OPENSSL_free(spki);
	return 0;
}

/* The tags that restrict a usable key: h= (hashes), s= (services) and
   t= (flags). */
static void
dkim_restrictions(struct dnscheck_run *run, const char *sel,
    const struct dns_answer *ev, const struct dnsexpect_dkim *es,
    const struct dc_tags *tags)
{
	const char *v;

	if ((v = dc_tags_get(tags, "h")) != NULL && !list_has(v, "sha256"))
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.hash.sha1",
		    "RFC 8301 §3.1", sel, ev, "sha256", v,
		    "h=%s allows no usable hash (rsa-sha1 must not be used)",
		    v);
	if ((v = dc_tags_get(tags, "s")) != NULL && !list_has(v, "*") &&
	    !list_has(v, "email"))
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.service",
		    R6376_361, sel, ev, "* or email", v,
		    "s=%s excludes email: the key cannot verify mail", v);
	if ((v = dc_tags_get(tags, "t")) != NULL && list_has(v, "y") &&
	    (es == NULL || !es->testing))
		dc_add(run, DNSCHECK_WARNING, "dkim", "dkim.testing", R6376_361,
		    sel, ev, NULL, "t=y",
		    "t=y: verifiers may treat signatures as unsigned");
}

void
dnscheck_dkim_record(struct dnscheck_run *run, const char *sel,
    const char *txt, size_t len, const struct dns_answer *ev,
    const struct dnsexpect_dkim *es)
{
	struct dc_tags tags;
	const char *v, *k, *p;
	unsigned char *pub = NULL;
	struct errbuf eb;
	long n;
	int is_ed, rv;

	if (dc_tags_parse(txt, len, &tags, &eb) == -1) {
		if (eb.errnum == ENOMEM)
			run->res->nomem = 1;
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.syntax",
		    "RFC 6376 §3.2", sel, ev, NULL, eb.msg,
		    "selector record is not a valid tag list (%s): verifiers "
		    "fail with PERMFAIL", eb.msg);
		return;
	}
	if ((v = dc_tags_get(&tags, "v")) != NULL &&
	    (strcmp(tags.t[0].name, "v") != 0 || strcmp(v, "DKIM1") != 0)) {
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.version", R6376_361,
		    sel, ev, "v=DKIM1 first (or absent)", v,
		    "v= must be first and exactly DKIM1");
		goto out;
	}
	k = dc_tags_get(&tags, "k");
	if (k == NULL)
		k = "rsa";
	if (strcasecmp(k, "rsa") != 0 && strcasecmp(k, "ed25519") != 0) {
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.k.unsupported",
		    R6376_361, sel, ev, "rsa or ed25519", k,
		    "key type k=%s is not usable", k);
		goto out;
	}
	is_ed = strcasecmp(k, "ed25519") == 0;
	if ((p = dc_tags_get(&tags, "p")) == NULL) {
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.p.missing",
		    R6376_361, sel, ev, "p=<key>", NULL,
		    "no p= tag (required)");
		goto out;
	}
	if (*p == '\0') {
		dkim_revoked(run, sel, ev, es);
		goto out;
	}
	if (es != NULL && es->revoked)
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.not_revoked",
		    R6376_361, sel, ev, "revoked", "key published",
		    "selector should be revoked but still publishes a key");
	if ((n = dc_base64_decode(p, strlen(p), &pub)) < 0) {
		dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.p.invalid",
		    R6376_361, sel, ev, "base64", NULL,
		    "p= is not valid base64");
		goto out;
	}
	if (is_ed)
		rv = dkim_key_ed25519(run, sel, ev, es, pub, n);
	else
		rv = dkim_key_rsa(run, sel, ev, es, pub, n);
	if (rv == -1)
		goto out;
	dkim_restrictions(run, sel, ev, es, &tags);
out:
	free(pub);
	dc_tags_free(&tags);
}

static void
dkim_selector(struct dnscheck_run *run, const struct dnsexpect_dkim *es)
{
	struct dns_answer *a = NULL;
	char q[300];

	if (snprintf(q, sizeof(q), "%s._domainkey.%s", es->selector,
	    run->domain) >= (int)sizeof(q) || strlen(q) > 253) {
		dc_add(run, DNSCHECK_UNKNOWN, "dkim", "dkim.name", NULL,
		    es->selector, NULL, NULL, NULL, "selector name too long");
		return;
	}
	if (dc_query(run, "dkim", q, DNS_T_TXT, &a) == -1)
		return;
	if (dc_failed(run, "dkim", es->selector, a))
		goto out;
	if (a->status != DNS_ANSWER) {
		if (es->revoked)
			dc_add(run, DNSCHECK_OK, "dkim", "dkim.revoked",
			    R6376_361, es->selector, a, "revoked",
			    dns_status_name(a->status),
			    "no record at %s: revoked, as expected", q);
		else
			dc_add(run, DNSCHECK_CRITICAL, "dkim", "dkim.missing",
			    "RFC 6376 §6.1.2", es->selector, a, "key record",
			    dns_status_name(a->status),
			    "no key at %s: verifiers fail with \"no key\"", q);
		goto out;
	}
	if (a->nrr > 1)
		dc_add(run, DNSCHECK_WARNING, "dkim", "dkim.multiple",
		    "RFC 6376 §6.1.2", es->selector, a, "1", NULL,
		    "%zu TXT records at %s: verifiers may pick any", a->nrr, q);
	dnscheck_dkim_record(run, es->selector, a->rr[0].txt, a->rr[0].txtlen,
	    a, es);
out:
	dns_answer_free(&a);
}

void
dnscheck_dkim(struct dnscheck_run *run)
{
	size_t i;

	if (run->exp == NULL)
		return;
	for (i = 0; i < run->exp->ndkim; i++)
		dkim_selector(run, &run->exp->dkim[i]);
	if (run->dkim_min_bits > 0)
		dc_metric(run, "dkim_min_bits", NULL, NULL, NULL, NULL,
		    run->dkim_min_bits);
}
