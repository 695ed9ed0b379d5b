#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dnscheck_int.h"
#include "dnsfake.h"

static char *dir;
static char cur_311[65], next_311[65], cur_301[65];

static void
hex(const unsigned char *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
sha256_hex(const unsigned char *d, size_t n, char *out)
{
	unsigned char md[32];
	unsigned int len = 0;

	EVP_Digest(d, n, md, &len, EVP_sha256(), NULL);
	hex(md, 32, out);
}

/* Self-signed cert (and key) for CN; digests 3 1 1 and 3 0 1. */
static void
make_cert(const char *cert, const char *key, char *d311, char *d301)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	unsigned char *der = NULL;
	char path[128];
	FILE *fp;
	int len;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pk);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"mx.d.test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	if (cert != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, cert);
		fp = fopen(path, "w");
		PEM_write_X509(fp, x);
		fclose(fp);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	fp = fopen(path, "w");
	PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	len = i2d_PUBKEY(pk, &der);
	sha256_hex(der, (size_t)len, d311);
	OPENSSL_free(der);
	der = NULL;
	len = i2d_X509(x, &der);
	if (d301 != NULL)
		sha256_hex(der, (size_t)len, d301);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static int
setup(void **state)
{
	dir = tmpdir_make("tlsa");
	make_cert("cur.pem", "cur.key", cur_311, cur_301);
	make_cert(NULL, "next.key", next_311, NULL);
	return 0;
}

static int
teardown(void **state)
{
	tmpdir_remove(dir);
	dir = NULL;
	return 0;
}

/* MX host mx.d.test with the TLSA lines given; expectations in TLS. */
static struct dnscheck_result *
run(const char *tlsa, const char *tls, int validating)
{
	char zone[2048], yaml[1024];

	snprintf(zone, sizeof(zone), "d.test MX 10 mx.d.test\n"
	    "d.test MX @secure\nmx.d.test A 192.0.2.25\nmx.d.test A @secure\n"
	    "%s", tlsa);
	snprintf(yaml, sizeof(yaml), "domains:\n  d.test:\n    tls:\n"
	    "      mx.d.test: %s\n", tls);
	return dnsfake_check(zone, yaml, "d.test", validating);
}

static void
test_tlsa_current_and_next(void **state)
{
	char tlsa[512], tls[512];
	struct dnscheck_result *r;

	snprintf(tlsa, sizeof(tlsa), "_25._tcp.mx.d.test TLSA 3 1 1 %s\n"
	    "_25._tcp.mx.d.test TLSA 3 1 1 %s\n"
	    "_25._tcp.mx.d.test TLSA @secure\n", cur_311, next_311);
	snprintf(tls, sizeof(tls), "{cert: %s/cur.pem, next_key: %s/next.key, "
	    "dane: required}", dir, dir);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.current.match", "mx.d.test",
	    DNSCHECK_OK));
	assert_true(dnsfake_has(r, "tlsa.next.match", "mx.d.test",
	    DNSCHECK_OK));
	assert_true(dnsfake_has(r, "tlsa.dnssec.secure", "mx.d.test",
	    DNSCHECK_OK));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	assert_null(dnscheck_find(r, "tlsa.record.stale", NULL));
	dnscheck_result_free(&r);
}

static void
test_tlsa_current_mismatch(void **state)
{
	char tlsa[512], tls[512];
	struct dnscheck_result *r;

	snprintf(tlsa, sizeof(tlsa), "_25._tcp.mx.d.test TLSA 3 1 1 %s\n"
	    "_25._tcp.mx.d.test TLSA @secure\n", next_311);
	snprintf(tls, sizeof(tls), "{key: %s/cur.key, dane: required}", dir);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.current.mismatch", "mx.d.test",
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "tlsa.record.stale", "mx.d.test",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
}

static void
test_tlsa_next_missing(void **state)
{
	char tlsa[512], tls[512];
	struct dnscheck_result *r;

	snprintf(tlsa, sizeof(tlsa), "_25._tcp.mx.d.test TLSA 3 0 1 %s\n"
	    "_25._tcp.mx.d.test TLSA @secure\n", cur_301);
	snprintf(tls, sizeof(tls), "{cert: %s/cur.pem, next_key: %s/next.key}",
	    dir, dir);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.current.match", "mx.d.test",
	    DNSCHECK_OK));
	assert_true(dnsfake_has(r, "tlsa.next.missing", "mx.d.test",
	    DNSCHECK_WARNING));
	assert_null(dnscheck_find(r, "tlsa.current.mismatch", NULL));
	dnscheck_result_free(&r);
}

static void
test_tlsa_dnssec_states(void **state)
{
	char tlsa[512], tls[512];
	struct dnscheck_result *r;

	snprintf(tlsa, sizeof(tlsa), "_25._tcp.mx.d.test TLSA 3 1 1 %s\n",
	    cur_311);
	snprintf(tls, sizeof(tls), "{cert: %s/cur.pem, dane: required}", dir);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.dnssec.insecure", "mx.d.test",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	snprintf(tls, sizeof(tls), "{cert: %s/cur.pem, dane: optional}", dir);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.dnssec.insecure", "mx.d.test",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
	r = run(tlsa, tls, 0);
	assert_true(dnsfake_has(r, "tlsa.dnssec.unvalidated", "mx.d.test",
	    DNSCHECK_UNKNOWN));
	dnscheck_result_free(&r);
	r = run("_25._tcp.mx.d.test TLSA !bogus\n", tls, 1);
	assert_true(dnsfake_has(r, "tlsa.dnssec.bogus", "mx.d.test",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = run("_25._tcp.mx.d.test TLSA !timeout\n", tls, 1);
	assert_true(dnsfake_has(r, "tlsa.lookup", "mx.d.test",
	    DNSCHECK_UNKNOWN));
	assert_null(dnscheck_find(r, "tlsa.missing", NULL));
	dnscheck_result_free(&r);
	snprintf(tls, sizeof(tls), "{cert: %s/cur.pem, dane: required}", dir);
	r = run("", tls, 1);
	assert_true(dnsfake_has(r, "tlsa.missing", "mx.d.test",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

static void
test_tlsa_unusable_records(void **state)
{
	char tlsa[512], tls[512];
	struct dnscheck_result *r;

	snprintf(tlsa, sizeof(tlsa), "_25._tcp.mx.d.test TLSA 1 1 1 %s\n"
	    "_25._tcp.mx.d.test TLSA 3 1 1 abcd\n"
	    "_25._tcp.mx.d.test TLSA @secure\n", cur_311);
	snprintf(tls, sizeof(tls), "{cert: %s/cur.pem, dane: required}", dir);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.usage.pkix", "mx.d.test",
	    DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "tlsa.record.invalid", "mx.d.test",
	    DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "tlsa.unusable", "mx.d.test",
	    DNSCHECK_CRITICAL));
	/* no usable record: nothing to match, senders do not stop */
	assert_null(dnscheck_find(r, "tlsa.current.mismatch", NULL));
	dnscheck_result_free(&r);
}

/* Issue 13 (3): with no usable TLSA record senders fall back to
   unauthenticated TLS (RFC 7672 §2.2): delivery does not stop, so
   nothing says it does; severity follows what senders do. */
static void
test_tlsa_severity_follows_senders(void **state)
{
	char tlsa[512], tls[512];
	struct dnscheck_result *r;

	/* only a PKIX-EE record matching the current cert */
	snprintf(tlsa, sizeof(tlsa), "_25._tcp.mx.d.test TLSA 1 1 1 %s\n"
	    "_25._tcp.mx.d.test TLSA @secure\n", cur_311);
	snprintf(tls, sizeof(tls), "{cert: %s/cur.pem, dane: optional}", dir);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.unusable", "mx.d.test",
	    DNSCHECK_WARNING));
	assert_null(dnscheck_find(r, "tlsa.current.mismatch", NULL));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	dnscheck_result_free(&r);

	/* a wrong digest of unknown matching type 9 and a short SHA-256 */
	snprintf(tlsa, sizeof(tlsa), "_25._tcp.mx.d.test TLSA 3 1 9 %s\n"
	    "_25._tcp.mx.d.test TLSA 2 0 1 abcdef\n"
	    "_25._tcp.mx.d.test TLSA @secure\n", next_311);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.unusable", "mx.d.test",
	    DNSCHECK_WARNING));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	dnscheck_result_free(&r);

	/* secure TLSA, usable, but the MX host's address is insecure: RFC
	   7672 §2.2.2, senders do not look for TLSA */
	{
		char zone[1024], yaml[1024];

		snprintf(zone, sizeof(zone), "d.test MX 10 mx.d.test\n"
		    "d.test MX @secure\nmx.d.test A 192.0.2.25\n"
		    "_25._tcp.mx.d.test TLSA 3 1 1 %s\n"
		    "_25._tcp.mx.d.test TLSA @secure\n", next_311);
		snprintf(yaml, sizeof(yaml), "domains:\n  d.test:\n    tls:\n"
		    "      mx.d.test: %s\n", tls);
		r = dnsfake_check(zone, yaml, "d.test", 1);
		assert_true(dnsfake_has(r, "tlsa.addr.insecure", "mx.d.test",
		    DNSCHECK_WARNING));
		assert_true(dnsfake_has(r, "tlsa.current.mismatch",
		    "mx.d.test", DNSCHECK_WARNING));
		assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
		dnscheck_result_free(&r);
	}

	/* usable but insecure: senders ignore the records */
	snprintf(tlsa, sizeof(tlsa), "_25._tcp.mx.d.test TLSA 3 1 1 %s\n",
	    next_311);
	r = run(tlsa, tls, 1);
	assert_true(dnsfake_has(r, "tlsa.current.mismatch", "mx.d.test",
	    DNSCHECK_WARNING));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	dnscheck_result_free(&r);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlsa_current_and_next),
		cmocka_unit_test(test_tlsa_current_mismatch),
		cmocka_unit_test(test_tlsa_next_missing),
		cmocka_unit_test(test_tlsa_dnssec_states),
		cmocka_unit_test(test_tlsa_unusable_records),
		cmocka_unit_test(test_tlsa_severity_follows_senders),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
