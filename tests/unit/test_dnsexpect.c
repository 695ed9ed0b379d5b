#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dnsexpect.h"

static int
parse(const char *y, struct dnsexpect **e, struct errbuf *eb)
{
	return dnsexpect_parse(y, strlen(y), "x.yaml", "/etc/k", e, eb);
}

static void
test_dnsexpect_full(void **state)
{
	const char *y =
	    "version: 1\n"
	    "domains:\n"
	    "  Example.org.:\n"
	    "    mx:\n"
	    "      - {host: mx1.example.org, pref: 10}\n"
	    "      - mx2.example.org\n"
	    "    spf:\n"
	    "      terms: [mx, \"ip4:192.0.2.0/28\", -all]\n"
	    "      must_pass: [192.0.2.1, \"2001:db8::1\"]\n"
	    "      must_fail: 203.0.113.7\n"
	    "    dmarc: {p: reject, pct: 100, rua: \"mailto:a@x.test, mailto:b@y.test\"}\n"
	    "    dkim:\n"
	    "      sel1: {key: sel1.private}\n"
	    "      old: revoked\n"
	    "    dane: required\n"
	    "    tls:\n"
	    "      mx1.example.org: {cert: /etc/ssl/mx1.pem, next_key: next.key}\n"
	    "    ptr: [192.0.2.25]\n"
	    "    submission: [{host: smtp.example.org, port: 587}]\n"
	    "  null.example:\n"
	    "    mx: null\n";
	struct dnsexpect *e = NULL;
	const struct dnsexpect_domain *d;
	struct errbuf eb;

	assert_int_equal(parse(y, &e, &eb), 0);
	assert_int_equal(e->nd, 2);
	d = dnsexpect_find(e, "example.org");
	assert_non_null(d);
	assert_int_equal(d->nmx, 2);
	assert_int_equal(d->mx[0].pref, 10);
	assert_int_equal(d->mx[1].pref, -1);
	assert_int_equal(d->spf.nterms, 3);
	assert_int_equal(d->spf.npass, 2);
	assert_int_equal(d->spf.nfail, 1);
	assert_string_equal(d->dmarc.p, "reject");
	assert_int_equal(d->dmarc.nrua, 2);
	assert_int_equal(d->ndkim, 2);
	assert_string_equal(d->dkim[0].key, "/etc/k/sel1.private");
	assert_true(d->dkim[1].revoked);
	assert_int_equal(d->dane, DNSEXPECT_DANE_REQUIRED);
	assert_string_equal(d->tls[0].cert, "/etc/ssl/mx1.pem");
	assert_string_equal(d->tls[0].next_key, "/etc/k/next.key");
	assert_int_equal(d->nptr, 1);
	assert_int_equal(d->srv[0].port, 587);
	d = dnsexpect_find(e, "NULL.example.");
	assert_non_null(d);
	assert_true(d->mx_set && d->null_mx);
	assert_int_equal(d->dmarc.pct, -1);
	dnsexpect_free(&e);
	assert_null(e);
}

static void
test_dnsexpect_errors(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		{ "domains:\n  a.test:\n    mxx: []\n", "x.yaml:3:5: a.test: unknown key \"mxx\"" },
		{ "domains:\n  a.test:\n    dmarc: {p: rejekt}\n", "x.yaml:3:16: dmarc p" },
		{ "domains:\n  a.test:\n    spf: {must_pass: [1.2.3.999]}\n", "x.yaml:3:22: must_pass" },
		{ "domains:\n  a.test:\n    dmarc: {pct: 101}\n", "x.yaml:3:18: pct" },
		{ "domains:\n  a.test: {}\n  A.test: {}\n", "x.yaml:3:3: domain A.test listed twice" },
		{ "domains: [a, b\n", "x.yaml:" },
		{ "domains:\n  a.test:\n    dkim: {\"bad sel\": revoked}\n", "x.yaml:3:12: dkim" },
		{ "domains:\n  a.test:\n    ptr: [mx.a.test]\n", "x.yaml:3:11: ptr" },
		{ "domains:\n  a.test:\n    tls: {mx: {dane: maybe}}\n", "x.yaml:3:22: dane" },
		{ "other: 1\n", "x.yaml:1:1: unknown top-level key" },
		{ "domains:\n  a.test:\n    mx: [{pref: 10}]\n", "x.yaml:3:10: mx entry: host" },
	};
	struct dnsexpect *e;
	struct errbuf eb;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = NULL;
		assert_int_equal(parse(cases[i].yaml, &e, &eb), -1);
		assert_null(e);
		if (strncmp(eb.msg, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i,
			    eb.msg, cases[i].want);
	}
}

static void
test_dnsexpect_empty_and_nul(void **state)
{
	struct dnsexpect *e = NULL;
	struct errbuf eb;

	assert_int_equal(parse("", &e, &eb), 0);
	assert_int_equal(e->nd, 0);
	dnsexpect_free(&e);
	assert_int_equal(dnsexpect_parse("domains:\n  a\0b: {}\n", 18, "x.yaml",
	    NULL, &e, &eb), -1);
	assert_int_equal(dnsexpect_load("/nonexistent/x.yaml", &e, &eb), -1);
	assert_non_null(strstr(eb.msg, "/nonexistent/x.yaml"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnsexpect_full),
		cmocka_unit_test(test_dnsexpect_errors),
		cmocka_unit_test(test_dnsexpect_empty_and_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
