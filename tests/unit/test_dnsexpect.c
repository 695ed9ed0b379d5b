#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
		{ "domains:\n  a.test:\n    mxx: []\n", "x.yaml:3:5: domains.a.test: unknown key 'mxx', expected one of: mx, " },
		{ "domains:\n  a.test:\n    dmarc: {p: rejekt}\n", "x.yaml:3:16: domains.a.test.dmarc.p: 'rejekt': expected none, quarantine or reject" },
		{ "domains:\n  a.test:\n    spf: {must_pass: [1.2.3.999]}\n", "x.yaml:3:22: domains.a.test.spf.must_pass: '1.2.3.999' is not an IP" },
		{ "domains:\n  a.test:\n    dmarc: {pct: 101}\n", "x.yaml:3:18: domains.a.test.dmarc.pct: '101': expected an integer 0..100" },
		{ "domains:\n  a.test: {}\n  A.test: {}\n", "x.yaml:3:3: domains: domain a.test listed twice (first at line 2)" },
		{ "domains:\n  a.test: {}\n  a.test.: {}\n", "x.yaml:3:3: domains: domain a.test listed twice" },
		{ "domains: [a, b\n", "x.yaml:" },
		{ "domains:\n  a.test:\n    dkim: {\"bad sel\": revoked}\n", "x.yaml:3:12: domains.a.test.dkim: 'bad sel' is not a valid selector" },
		{ "domains:\n  a.test:\n    ptr: [mx.a.test]\n", "x.yaml:3:11: domains.a.test.ptr: 'mx.a.test' is not an IP address" },
		{ "domains:\n  a.test:\n    tls: {mx.a.test: {dane: maybe}}\n", "x.yaml:3:29: domains.a.test.tls.mx.a.test.dane: 'maybe': expected required" },
		{ "other: 1\n", "x.yaml:1:1: unknown key 'other', expected one of: version, domains" },
		{ "domains:\n  a.test:\n    mx: [{pref: 10}]\n", "x.yaml:3:10: domains.a.test.mx: host is required" },
		/* duplicate keys, at every level */
		{ "domains: {}\ndomains: {}\n", "x.yaml:2:1: duplicate key 'domains' (first at line 1)" },
		{ "domains:\n  a.test:\n    dmarc: {p: none}\n    dmarc: {p: reject}\n", "x.yaml:4:5: domains.a.test: duplicate key 'dmarc' (first at line 3)" },
		{ "domains:\n  a.test:\n    dmarc: {p: reject, p: none}\n", "x.yaml:3:24: domains.a.test.dmarc: duplicate key 'p'" },
		{ "domains:\n  a.test:\n    dkim: {s1: revoked, s1: revoked}\n", "x.yaml:3:25: domains.a.test.dkim: duplicate key 's1'" },
		{ "domains:\n  a.test:\n    tls: {m.a.test: {}, m.a.test: {}}\n", "x.yaml:3:25: domains.a.test.tls: duplicate key 'm.a.test'" },
		{ "domains:\n  a.test:\n    ptr: {192.0.2.1: ~, 192.0.2.1: ~}\n", "x.yaml:3:25: domains.a.test.ptr: duplicate key '192.0.2.1'" },
		/* what udmail.yaml refuses too */
		{ "domains:\n  a.test: &x {}\n", "x.yaml:2:11: anchors" },
		{ "domains:\n  a.test: !!binary x\n", "x.yaml:2:11: tags" },
		{ "domains:\n  \"a\\ttest\": {}\n", "x.yaml:2:3: domains: " },
		{ "domains:\n  a.test:\n    mx: [\"mx\\n.a.test\"]\n", "x.yaml:3:10: domains.a.test.mx: " },
		/* new keys */
		{ "domains:\n  a.test:\n    dnssec: maybe\n", "x.yaml:3:13: domains.a.test.dnssec: 'maybe': expected secure, insecure or any" },
		{ "domains:\n  a.test:\n    deadline: 0\n", "x.yaml:3:15: domains.a.test.deadline: '0': expected seconds" },
		{ "domains:\n  a.test:\n    deadline: 1e9\n", "x.yaml:3:15: domains.a.test.deadline: '1e9': expected seconds" },
		{ "domains:\n  a.test:\n    dmarc: {effective: strict}\n", "x.yaml:3:24: domains.a.test.dmarc.effective: 'strict'" },
		{ "domains:\n  a.test:\n    ack: [{id: dmarc.pct.partial, until: 2027-01-01}]\n", "x.yaml:3:11: domains.a.test.ack: id, reason and until are required" },
		{ "domains:\n  a.test:\n    ack: [{id: dmarc.pct.partial, reason: x, until: 2027-02-29}]\n", "x.yaml:3:53: domains.a.test.ack.until: '2027-02-29': expected a date YYYY-MM-DD" },
		{ "domains:\n  a.test:\n    ack: [{id: Dmarc, reason: x, until: 2027-02-28}]\n", "x.yaml:3:16: domains.a.test.ack.id: expected a finding id" },
		{ "domains:\n  a.test:\n    ack: {id: x}\n", "x.yaml:3:10: domains.a.test.ack: expected a list" },
		{ "domains:\n  a.test:\n    tls: {m.a.test: {dnssec: yes}}\n", "x.yaml:3:30: domains.a.test.tls.m.a.test.dnssec: 'yes'" },
		{ "version: 2\n", "x.yaml:1:10: version: '2': expected an integer 1..1" },
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
test_dnsexpect_new_keys(void **state)
{
	const char *y =
	    "domains:\n"
	    "  sub.example.org:\n"
	    "    dnssec: secure\n"
	    "    deadline: 2.5\n"
	    "    dmarc: {effective: reject}\n"
	    "    tls:\n"
	    "      mx.example.org: {dnssec: secure}\n"
	    "    ack:\n"
	    "      - id: dmarc.tag.obsolete\n"
	    "        subject: pct\n"
	    "        reason: the TPA documents ask for pct=100\n"
	    "        until: 2027-06-30\n"
	    "      - {id: spf.ptr, reason: legacy, until: 1970-01-01}\n";
	struct dnsexpect *e = NULL;
	const struct dnsexpect_domain *d;
	struct errbuf eb;

	if (parse(y, &e, &eb) == -1)
		fail_msg("%s", eb.msg);
	d = dnsexpect_find(e, "sub.example.org");
	assert_int_equal(d->dnssec, DNSEXPECT_DNSSEC_SECURE);
	assert_true(d->deadline > 2.4 && d->deadline < 2.6);
	assert_string_equal(d->dmarc.effective, "reject");
	assert_int_equal(d->tls[0].dnssec, DNSEXPECT_DNSSEC_SECURE);
	assert_int_equal(d->nack, 2);
	assert_string_equal(d->ack[0].id, "dmarc.tag.obsolete");
	assert_string_equal(d->ack[0].subject, "pct");
	assert_string_equal(d->ack[0].until, "2027-06-30");
	/* 2027-07-01T00:00:00Z */
	assert_true(d->ack[0].until_end == 1814400000LL);
	assert_null(d->ack[1].subject);
	assert_true(d->ack[1].until_end == 86400);
	dnsexpect_free(&e);
}

/* Issue 12 (10): a file 100k levels deep is refused at once, as
   udmail.yaml refuses it, and so is one too large or with too many
   values. */
static void
test_dnsexpect_hostile_shapes(void **state)
{
	struct dnsexpect *e = NULL;
	struct errbuf eb;
	struct timespec t0, t1;
	size_t n = 100000, i, o = 0;
	size_t cap = 2 * n + 64;
	char *y = malloc(cap);
	double dt;

	assert_non_null(y);
	o += (size_t)snprintf(y, cap, "domains:\n  a.test:\n    spf: ");
	for (i = 0; i < n; i++)
		y[o++] = '[';
	for (i = 0; i < n; i++)
		y[o++] = ']';
	y[o] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(parse(y, &e, &eb), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_non_null(strstr(eb.msg, "nested deeper than"));
	assert_true(dt < 0.5);
	/* block style, 300 levels of mappings */
	o = 0;
	for (i = 0; i < 300; i++)
		o += (size_t)snprintf(y + o, cap - o, "%*sk%zu:\n", (int)i,
		    "", i);
	assert_true(o < cap);
	assert_int_equal(parse(y, &e, &eb), -1);
	assert_non_null(strstr(eb.msg, "nested deeper than"));
	free(y);
	/* too large */
	y = malloc(DNSEXPECT_MAX_BYTES + 2);
	assert_non_null(y);
	memset(y, '#', DNSEXPECT_MAX_BYTES + 1);
	y[DNSEXPECT_MAX_BYTES + 1] = '\0';
	assert_int_equal(parse(y, &e, &eb), -1);
	assert_non_null(strstr(eb.msg, "larger than"));
	free(y);
	/* too many values */
	n = DNSEXPECT_MAX_NODES;
	cap = 3 * n + 64;
	y = malloc(cap);
	assert_non_null(y);
	o = (size_t)snprintf(y, cap, "domains:\n  a.test:\n    spf: {terms: [");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(y + o, cap - o, "a,");
	assert_true(o + 5 < cap);
	(void)snprintf(y + o, cap - o, "a]}\n");
	assert_int_equal(parse(y, &e, &eb), -1);
	assert_non_null(strstr(eb.msg, "values in one file"));
	free(y);
	/* aliases (billion laughs) */
	assert_int_equal(parse("a: &a [1]\nb: *a\n", &e, &eb), -1);
	assert_null(e);
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

static void
test_dnsexpect_contrib_example(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct dnsexpect *e = NULL;
	struct errbuf eb;

	if (top == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/contrib/maildnscheck.yaml", top);
	if (dnsexpect_load(path, &e, &eb) == -1)
		fail_msg("%s", eb.msg);
	assert_int_equal(e->nd, 3);
	assert_true(dnsexpect_find(e, "parked.example.org")->null_mx);
	dnsexpect_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnsexpect_full),
		cmocka_unit_test(test_dnsexpect_errors),
		cmocka_unit_test(test_dnsexpect_new_keys),
		cmocka_unit_test(test_dnsexpect_hostile_shapes),
		cmocka_unit_test(test_dnsexpect_empty_and_nul),
		cmocka_unit_test(test_dnsexpect_contrib_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
