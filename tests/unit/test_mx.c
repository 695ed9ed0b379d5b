#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dnscheck_int.h"
#include "dnsfake.h"

#define GOOD \
	"d.test MX 10 mx1.d.test\nd.test MX 20 mx2.d.test\n" \
	"mx1.d.test A 192.0.2.25\nmx2.d.test A 192.0.2.26\n" \
	"25.2.0.192.in-addr.arpa PTR mx1.d.test\n" \
	"26.2.0.192.in-addr.arpa PTR mx2.d.test\n"
#define EXP_MX "domains:\n  d.test:\n    mx: [{host: mx1.d.test, pref: 10}, " \
	"{host: mx2.d.test, pref: 20}]\n"

static void
test_mx_good(void **state)
{
	struct dnscheck_result *r = dnsfake_check(GOOD, EXP_MX, "d.test", 0);

	assert_true(dnsfake_has(r, "mx.usable", NULL, DNSCHECK_OK));
	assert_true(dnsfake_has(r, "ptr.fcrdns", "192.0.2.25", DNSCHECK_OK));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	assert_null(dnscheck_find(r, "mx.host.missing", NULL));
	assert_null(dnscheck_find(r, "mx.pref.changed", NULL));
	assert_float_equal(dnscheck_metric_find(r, "mx_usable_hosts",
	    NULL)->value, 2, 0);
	dnscheck_result_free(&r);
}

static void
test_mx_drift(void **state)
{
	struct dnscheck_result *r = dnsfake_check(
	    "d.test MX 30 mx1.d.test\nd.test MX 20 mx3.d.test\n"
	    "mx1.d.test A 192.0.2.25\nmx3.d.test A 192.0.2.27\n", EXP_MX,
	    "d.test", 0);

	assert_true(dnsfake_has(r, "mx.host.missing", "mx2.d.test",
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "mx.host.extra", "mx3.d.test",
	    DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "mx.pref.changed", "mx1.d.test",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
}

static void
test_mx_null(void **state)
{
	struct dnscheck_result *r = dnsfake_check("d.test MX 0 .\n",
	    "domains:\n  d.test:\n    mx: null\n", "d.test", 0);

	assert_true(dnsfake_has(r, "mx.null", NULL, DNSCHECK_OK));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	assert_null(dnscheck_find(r, "mx.null.missing", NULL));
	dnscheck_result_free(&r);
	r = dnsfake_check("d.test MX 0 .\nd.test MX 10 mx1.d.test\n"
	    "mx1.d.test A 192.0.2.25\n", NULL, "d.test", 0);
	assert_true(dnsfake_has(r, "mx.null.mixed", NULL, DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = dnsfake_check(GOOD, "domains:\n  d.test:\n    mx: null\n",
	    "d.test", 0);
	assert_true(dnsfake_has(r, "mx.null.missing", NULL, DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = dnsfake_check("d.test MX 0 .\n", EXP_MX, "d.test", 0);
	assert_true(dnsfake_has(r, "mx.null.unexpected", NULL,
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

static void
test_mx_targets(void **state)
{
	struct dnscheck_result *r = dnsfake_check(
	    "d.test MX 10 mail.d.test\nd.test MX 20 192.0.2.99\n"
	    "d.test MX 30 gone.d.test\n"
	    "mail.d.test CNAME mx1.d.test\nmx1.d.test A 192.0.2.25\n",
	    NULL, "d.test", 0);

	assert_true(dnsfake_has(r, "mx.target.cname", "mail.d.test",
	    DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "mx.target.ip_literal", "192.0.2.99",
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "mx.target.noaddr", "gone.d.test",
	    DNSCHECK_WARNING));
	assert_null(dnscheck_find(r, "mx.unusable", NULL));
	dnscheck_result_free(&r);
	r = dnsfake_check("d.test MX 10 gone.d.test\n", NULL, "d.test", 0);
	assert_true(dnsfake_has(r, "mx.unusable", NULL, DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	/* a target whose lookup times out is undecided, not unusable */
	r = dnsfake_check("d.test MX 10 slow.d.test\nslow.d.test A !timeout\n"
	    "slow.d.test AAAA !timeout\n", NULL, "d.test", 0);
	assert_true(dnsfake_has(r, "mx.target.lookup", "slow.d.test",
	    DNSCHECK_UNKNOWN));
	assert_null(dnscheck_find(r, "mx.unusable", NULL));
	assert_null(dnscheck_find(r, "mx.target.noaddr", NULL));
	dnscheck_result_free(&r);
}

static void
test_mx_absent(void **state)
{
	struct dnscheck_result *r = dnsfake_check("x.test A 192.0.2.1\n", NULL,
	    "d.test", 0);

	assert_true(dnsfake_has(r, "mx.domain.nxdomain", NULL,
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = dnsfake_check("d.test A 192.0.2.1\n", NULL, "d.test", 0);
	assert_true(dnsfake_has(r, "mx.implicit", NULL, DNSCHECK_WARNING));
	dnscheck_result_free(&r);
	r = dnsfake_check("d.test MX !servfail\n", EXP_MX, "d.test", 0);
	assert_true(dnsfake_has(r, "mx.lookup", NULL, DNSCHECK_UNKNOWN));
	assert_null(dnscheck_find(r, "mx.missing", NULL));
	assert_null(dnscheck_find(r, "mx.host.missing", NULL));
	dnscheck_result_free(&r);
}

static void
test_ptr_sending_ips(void **state)
{
	const char *yaml = "domains:\n  d.test:\n    mx: null\n"
	    "    ptr: {192.0.2.30: out.d.test, 192.0.2.31: ~, "
	    "2001:db8::32: ~, 192.0.2.33: ~}\n";
	struct dnscheck_result *r = dnsfake_check("d.test MX 0 .\n"
	    "30.2.0.192.in-addr.arpa PTR out.d.test\n"
	    "out.d.test A 192.0.2.30\n"
	    "31.2.0.192.in-addr.arpa PTR liar.d.test\n"
	    "liar.d.test A 192.0.2.99\n"
	    "2.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR v6.d.test\n"
	    "v6.d.test AAAA 2001:db8::32\n", yaml, "d.test", 0);

	assert_true(dnsfake_has(r, "ptr.fcrdns", "192.0.2.30", DNSCHECK_OK));
	assert_true(dnsfake_has(r, "ptr.fcrdns.fail", "192.0.2.31",
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "ptr.fcrdns", "2001:db8::32", DNSCHECK_OK));
	assert_true(dnsfake_has(r, "ptr.missing", "192.0.2.33",
	    DNSCHECK_CRITICAL));
	assert_null(dnscheck_find(r, "ptr.name.drift", NULL));
	assert_float_equal(dnscheck_metric_find(r, "fcrdns_fail",
	    NULL)->value, 2, 0);
	dnscheck_result_free(&r);
}

static void
test_srv_submission(void **state)
{
	const char *yaml = "domains:\n  d.test:\n    mx: null\n"
	    "    submission: [{host: smtp.d.test, port: 587}]\n"
	    "    submissions: [{host: smtp.d.test, port: 465}]\n";
	struct dnscheck_result *r = dnsfake_check("d.test MX 0 .\n"
	    "_submission._tcp.d.test SRV 0 1 587 smtp.d.test\n"
	    "_submissions._tcp.d.test SRV 0 1 25 smtp.d.test\n", yaml,
	    "d.test", 0);

	assert_true(dnsfake_has(r, "srv.match", "submission", DNSCHECK_OK));
	assert_true(dnsfake_has(r, "srv.drift", "submissions",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
	r = dnsfake_check("d.test MX 0 .\n", yaml, "d.test", 0);
	assert_true(dnsfake_has(r, "srv.missing", "submission",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
}

/* RFC 6186/8314 targets: an address, no alias (RFC 2782); found even
   without expectations, and their TLSA looked up on their own port. */
static void
test_srv_targets(void **state)
{
	struct dnscheck_result *r;

	r = dnsfake_check("d.test MX 0 .\n"
	    "_submissions._tcp.d.test SRV 0 1 465 alias.d.test\n"
	    "alias.d.test CNAME smtp.d.test\n"
	    "smtp.d.test A 192.0.2.30\n"
	    "_submission._tcp.d.test SRV 0 1 587 gone.d.test\n", NULL,
	    "d.test", 0);
	assert_true(dnsfake_has(r, "srv.target.cname",
	    "submissions alias.d.test", DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "srv.target.noaddr",
	    "submission gone.d.test", DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "tlsa.absent", "alias.d.test:465",
	    DNSCHECK_OK));
	dnscheck_result_free(&r);
	/* "." alone: not offered, nothing to complain about */
	r = dnsfake_check("d.test MX 0 .\n"
	    "_submissions._tcp.d.test SRV 0 0 0 .\n", NULL, "d.test", 0);
	assert_int_equal(dnscheck_count(r, DNSCHECK_WARNING) +
	    dnscheck_count(r, DNSCHECK_CRITICAL), 2); /* spf, dmarc missing */
	assert_null(dnscheck_find(r, "srv.target.noaddr", NULL));
	dnscheck_result_free(&r);
	/* DANE required: the submission host needs TLSA on 465 */
	r = dnsfake_check("d.test MX 0 .\n"
	    "_submissions._tcp.d.test SRV 0 1 465 smtp.d.test\n"
	    "smtp.d.test A 192.0.2.30\n"
	    "_25._tcp.smtp.d.test TLSA 3 1 1 "
	    "0e1c6d1d55394a6067f2dea07f8938cc97380c1bb51f9a044b73a2fe243201da\n",
	    "domains:\n  d.test:\n    dane: required\n", "d.test", 1);
	assert_true(dnsfake_has(r, "tlsa.missing", "smtp.d.test:465",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	/* TLSA present but the SRV RRset insecure: RFC 7673, ignored */
	r = dnsfake_check("d.test MX 0 .\n"
	    "_submissions._tcp.d.test SRV 0 1 465 smtp.d.test\n"
	    "smtp.d.test A 192.0.2.30\nsmtp.d.test A @secure\n"
	    "_465._tcp.smtp.d.test TLSA 3 1 1 "
	    "0e1c6d1d55394a6067f2dea07f8938cc97380c1bb51f9a044b73a2fe243201da\n"
	    "_465._tcp.smtp.d.test TLSA @secure\n", NULL, "d.test", 1);
	assert_true(dnsfake_has(r, "tlsa.srv.insecure", "smtp.d.test:465",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_good),
		cmocka_unit_test(test_mx_drift),
		cmocka_unit_test(test_mx_null),
		cmocka_unit_test(test_mx_targets),
		cmocka_unit_test(test_mx_absent),
		cmocka_unit_test(test_ptr_sending_ips),
		cmocka_unit_test(test_srv_submission),
		cmocka_unit_test(test_srv_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
