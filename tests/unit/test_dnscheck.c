/*
 * test_dnscheck: behaviour across areas of dnscheck_domain (SPF area
 * findings, DNSSEC bogus everywhere, acknowledgements, the per-domain
 * deadline, expected DNSSEC state), over the dnsfake resolver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnscheck_int.h"
#include "dnsfake.h"

#define BASE \
	"d.test MX 10 mx.d.test\n" \
	"mx.d.test A 192.0.2.25\n" \
	"_dmarc.d.test TXT v=DMARC1; p=reject\n"

static struct dnscheck_result *
run(const char *more, const char *yaml)
{
	char zone[8192];

	snprintf(zone, sizeof(zone), "%s%s", BASE, more);
	return dnsfake_check(zone, yaml, "d.test", 0);
}

/* Issue 13 (4): lint alone, without must_pass, reports top-level
   permerrors. */
static void
test_dnscheck_spf_top_level_permerrors(void **state)
{
	struct dnscheck_result *r;
	char zone[4096];
	size_t o = 0, i;

	o += (size_t)snprintf(zone + o, sizeof(zone) - o,
	    "d.test TXT v=spf1 mx:big.d.test -all\n");
	for (i = 1; i <= 11; i++)
		o += (size_t)snprintf(zone + o, sizeof(zone) - o,
		    "big.d.test MX %zu m%zu.d.test\n", i, i);
	r = run(zone, NULL);
	assert_true(dnsfake_has(r, "spf.mx_limit", NULL, DNSCHECK_CRITICAL));
	assert_int_equal(r->status, DNSCHECK_CRITICAL);
	dnscheck_result_free(&r);

	r = run("d.test TXT v=spf1 redirect=other.test\n"
	    "other.test A 192.0.2.1\n", NULL);
	assert_true(dnsfake_has(r, "spf.redirect_none", NULL,
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);

	r = run("d.test TXT v=spf1 include:other.test -all\n"
	    "other.test A 192.0.2.1\n", NULL);
	assert_true(dnsfake_has(r, "spf.include_none", NULL,
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

/* Issue 13 (5): bogus in SPF is bogus/CRITICAL, in lint and in
   check_host() for an expected IP. */
static void
test_dnscheck_spf_bogus(void **state)
{
	struct dnscheck_result *r;

	r = run("d.test TXT !bogus\n", NULL);
	assert_true(dnsfake_has(r, "spf.dnssec.bogus", NULL,
	    DNSCHECK_CRITICAL));
	assert_null(dnscheck_find(r, "spf.dns", NULL));
	dnscheck_result_free(&r);

	r = run("d.test TXT v=spf1 a:h.d.test ip4:192.0.2.0/24 -all\n"
	    "h.d.test A !bogus\n",
	    "domains:\n  d.test:\n    spf: {must_pass: [192.0.2.7]}\n");
	assert_true(dnsfake_has(r, "spf.dnssec.bogus", NULL,
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "spf.ip.must_pass", "192.0.2.7",
	    DNSCHECK_CRITICAL));
	assert_null(dnscheck_find(r, "spf.dns", NULL));
	dnscheck_result_free(&r);
}

/* Bogus is bogus in every area: the forward lookup of a PTR name too. */
static void
test_dnscheck_ptr_forward_bogus(void **state)
{
	struct dnscheck_result *r;

	r = run("25.2.0.192.in-addr.arpa PTR mx.d.test\n"
	    "d.test TXT v=spf1 -all\n"
	    "mx.d.test AAAA !bogus\n"
	    "7.2.0.192.in-addr.arpa PTR h.d.test\n"
	    "h.d.test A !bogus\n",
	    "domains:\n  d.test:\n    ptr: [192.0.2.7]\n");
	assert_true(dnsfake_has(r, "ptr.dnssec.bogus", "192.0.2.7",
	    DNSCHECK_CRITICAL));
	assert_null(dnscheck_find(r, "ptr.lookup", "192.0.2.7"));
	dnscheck_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnscheck_spf_top_level_permerrors),
		cmocka_unit_test(test_dnscheck_spf_bogus),
		cmocka_unit_test(test_dnscheck_ptr_forward_bogus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
