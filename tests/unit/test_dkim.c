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
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dnscheck_int.h"
#include "dnsfake.h"

/* RFC 8463 Appendix A test vector */
static const char ed_seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
static const char ed_pub[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

static char *dir;

/* Write an RSA key of BITS to DIR/NAME; return its SPKI base64 in B64. */
static void
rsa_key(const char *name, unsigned bits, char *b64, size_t size)
{
	EVP_PKEY *pk = EVP_RSA_gen(bits);
	unsigned char *der = NULL;
	char path[128];
	FILE *fp;
	int len;

	assert_non_null(pk);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(fp);
	len = i2d_PUBKEY(pk, &der);
	assert_true(len > 0 && (size_t)(len * 4 / 3 + 4) < size);
	EVP_EncodeBlock((unsigned char *)b64, der, len);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
}

static void
ed_key(const char *name)
{
	unsigned char seed[48];
	EVP_PKEY *pk;
	char path[128];
	FILE *fp;
	int n;

	n = EVP_DecodeBlock(seed, (const unsigned char *)ed_seed_b64,
	    (int)strlen(ed_seed_b64));
	assert_true(n >= 32);
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	assert_non_null(pk);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	EVP_PKEY_free(pk);
}

static struct dnscheck_result *
run(const char *sel_txt, const char *sel_yaml)
{
	char zone[4096], yaml[1024];

	snprintf(zone, sizeof(zone), "d.test MX 0 .\n"
	    "s1._domainkey.d.test TXT %s\n", sel_txt);
	snprintf(yaml, sizeof(yaml), "domains:\n  d.test:\n    dkim:\n"
	    "      s1: %s\n", sel_yaml);
	return dnsfake_check(zone, yaml, "d.test", 0);
}

static char rsa2048[1024], other2048[1024];

static int
setup(void **state)
{
	dir = tmpdir_make("dkim");
	rsa_key("rsa.pem", 2048, rsa2048, sizeof(rsa2048));
	rsa_key("other.pem", 2048, other2048, sizeof(other2048));
	ed_key("ed.pem");
	return 0;
}

static int
teardown(void **state)
{
	tmpdir_remove(dir);
	dir = NULL;
	return 0;
}

static void
test_dkim_rsa_match(void **state)
{
	char txt[1200], yaml[200];
	struct dnscheck_result *r;

	snprintf(txt, sizeof(txt), "v=DKIM1; k=rsa; p=%s", rsa2048);
	snprintf(yaml, sizeof(yaml), "{key: %s/rsa.pem}", dir);
	r = run(txt, yaml);
	assert_true(dnsfake_has(r, "dkim.key.match", "s1", DNSCHECK_OK));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	assert_float_equal(dnscheck_metric_find(r, "dkim_key_bits",
	    "s1")->value, 2048, 0);
	dnscheck_result_free(&r);
	/* the same key split with whitespace still matches (bytes, not text) */
	snprintf(txt, sizeof(txt), "v=DKIM1; p=%.100s %s", rsa2048,
	    rsa2048 + 100);
	r = run(txt, yaml);
	assert_true(dnsfake_has(r, "dkim.key.match", "s1", DNSCHECK_OK));
	dnscheck_result_free(&r);
}

static void
test_dkim_rsa_mismatch(void **state)
{
	char txt[1200], yaml[200];
	struct dnscheck_result *r;

	snprintf(txt, sizeof(txt), "v=DKIM1; k=rsa; p=%s", other2048);
	snprintf(yaml, sizeof(yaml), "{key: %s/rsa.pem}", dir);
	r = run(txt, yaml);
	assert_true(dnsfake_has(r, "dkim.key.mismatch", "s1",
	    DNSCHECK_CRITICAL));
	assert_null(dnscheck_find(r, "dkim.key.match", NULL));
	dnscheck_result_free(&r);
}

static void
test_dkim_rsa_sizes(void **state)
{
	char b64[600], txt[700];
	struct dnscheck_result *r;

	rsa_key("k1024.pem", 1024, b64, sizeof(b64));
	snprintf(txt, sizeof(txt), "p=%s", b64);
	r = run(txt, "{}");
	assert_true(dnsfake_has(r, "dkim.rsa.short", "s1", DNSCHECK_WARNING));
	assert_null(dnscheck_find(r, "dkim.rsa.weak", NULL));
	dnscheck_result_free(&r);
	rsa_key("k512.pem", 512, b64, sizeof(b64));
	snprintf(txt, sizeof(txt), "p=%s", b64);
	r = run(txt, "{}");
	assert_true(dnsfake_has(r, "dkim.rsa.weak", "s1", DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

static void
test_dkim_ed25519(void **state)
{
	char txt[200], yaml[200];
	struct dnscheck_result *r;

	snprintf(txt, sizeof(txt), "v=DKIM1; k=ed25519; p=%s", ed_pub);
	snprintf(yaml, sizeof(yaml), "{key: %s/ed.pem}", dir);
	r = run(txt, yaml);
	assert_true(dnsfake_has(r, "dkim.key.match", "s1", DNSCHECK_OK));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	dnscheck_result_free(&r);
	r = run("v=DKIM1; k=ed25519; p=AAAA", yaml);
	assert_true(dnsfake_has(r, "dkim.ed25519.length", "s1",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	/* an RSA key file against an ed25519 record */
	snprintf(yaml, sizeof(yaml), "{key: %s/rsa.pem}", dir);
	r = run(txt, yaml);
	assert_true(dnsfake_has(r, "dkim.key.type", "s1", DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

static void
test_dkim_revoked(void **state)
{
	struct dnscheck_result *r = run("v=DKIM1; p=", "revoked");

	assert_true(dnsfake_has(r, "dkim.revoked", "s1", DNSCHECK_OK));
	dnscheck_result_free(&r);
	r = run("v=DKIM1; p=", "{key: /nonexistent}");
	assert_true(dnsfake_has(r, "dkim.revoked.unexpected", "s1",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = run("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	    "revoked");
	assert_true(dnsfake_has(r, "dkim.not_revoked", "s1",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

static void
test_dkim_flags(void **state)
{
	char txt[1200];
	struct dnscheck_result *r;

	snprintf(txt, sizeof(txt), "v=DKIM1; h=sha1; t=y; s=tlsrpt; p=%s",
	    rsa2048);
	r = run(txt, "{}");
	assert_true(dnsfake_has(r, "dkim.hash.sha1", "s1", DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "dkim.testing", "s1", DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "dkim.service", "s1", DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	snprintf(txt, sizeof(txt), "v=DKIM1; h=sha1:sha256; s=email; p=%s",
	    rsa2048);
	r = run(txt, "{}");
	assert_null(dnscheck_find(r, "dkim.hash.sha1", NULL));
	assert_null(dnscheck_find(r, "dkim.service", NULL));
	dnscheck_result_free(&r);
	snprintf(txt, sizeof(txt), "k=rsa; v=DKIM1; p=%s", rsa2048);
	r = run(txt, "{}");
	assert_true(dnsfake_has(r, "dkim.version", "s1", DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = run("v=DKIM1; k=dsa; p=AAAA", "{}");
	assert_true(dnsfake_has(r, "dkim.k.unsupported", "s1",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = run("v=DKIM1; p=!!!notbase64", "{}");
	assert_true(dnsfake_has(r, "dkim.p.invalid", "s1", DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

static void
test_dkim_missing_vs_timeout(void **state)
{
	struct dnscheck_result *r = dnsfake_check("d.test MX 0 .\n",
	    "domains:\n  d.test:\n    dkim: {s1: {}}\n", "d.test", 0);

	assert_true(dnsfake_has(r, "dkim.missing", "s1", DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = dnsfake_check("d.test MX 0 .\ns1._domainkey.d.test TXT !timeout\n",
	    "domains:\n  d.test:\n    dkim: {s1: {}}\n", "d.test", 0);
	assert_true(dnsfake_has(r, "dkim.lookup", "s1", DNSCHECK_UNKNOWN));
	assert_null(dnscheck_find(r, "dkim.missing", NULL));
	dnscheck_result_free(&r);
	/* CNAME to an ESP-hosted key is followed */
	r = dnsfake_check("d.test MX 0 .\n"
	    "s1._domainkey.d.test CNAME s1.esp.test\n"
	    "s1.esp.test TXT v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
	    "domains:\n  d.test:\n    dkim: {s1: {}}\n", "d.test", 0);
	assert_null(dnscheck_find(r, "dkim.missing", NULL));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	dnscheck_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dkim_rsa_match),
		cmocka_unit_test(test_dkim_rsa_mismatch),
		cmocka_unit_test(test_dkim_rsa_sizes),
		cmocka_unit_test(test_dkim_ed25519),
		cmocka_unit_test(test_dkim_revoked),
		cmocka_unit_test(test_dkim_flags),
		cmocka_unit_test(test_dkim_missing_vs_timeout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
