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
	"mx.d.test A 192.0.2.25\n"

#define EXPECT_REJECT \
	"domains:\n  d.test:\n    dmarc: {p: reject, sp: reject}\n"

static struct dnscheck_result *
run(const char *dmarc_lines, const char *yaml)
{
	char zone[2048];

	snprintf(zone, sizeof(zone), "%s%s", BASE, dmarc_lines);
	return dnsfake_check(zone, yaml, "d.test", 0);
}

/* Findings of AREA that are not OK. */
static size_t
area_problems(const struct dnscheck_result *r, const char *area)
{
	size_t i, n = 0;

	for (i = 0; i < r->nf; i++)
		if (strcmp(r->f[i].area, area) == 0 &&
		    r->f[i].status != DNSCHECK_OK)
			n++;
	return n;
}

static void
test_dmarc_tags_parse(void **state)
{
	struct dc_tags t;
	struct errbuf eb;

	assert_int_equal(dc_tags_parse("v=DMARC1; p = reject ;", 22, &t, &eb),
	    0);
	assert_int_equal(t.n, 2);
	assert_string_equal(dc_tags_get(&t, "p"), "reject");
	dc_tags_free(&t);
	assert_int_equal(dc_tags_parse("v=DMARC1; p=none; p=reject", 26, &t,
	    &eb), -1);
	assert_non_null(strstr(eb.msg, "duplicate"));
	assert_int_equal(dc_tags_parse("v=DMARC1;;", 10, &t, &eb), -1);
	assert_int_equal(dc_tags_parse("v=DMARC1; p=re\0ject", 19, &t, &eb),
	    -1);
	assert_int_equal(dc_tags_parse("=x", 2, &t, &eb), -1);
	assert_int_equal(dc_tags_parse("", 0, &t, &eb), -1);
}

static void
test_dmarc_good_no_findings(void **state)
{
	struct dnscheck_result *r = run("_dmarc.d.test TXT v=DMARC1; p=reject; "
	    "sp=reject; rua=mailto:agg@d.test\n", EXPECT_REJECT);

	assert_true(dnsfake_has(r, "dmarc.record", NULL, DNSCHECK_OK));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	assert_null(dnscheck_find(r, "dmarc.policy.weaker", NULL));
	assert_float_equal(dnscheck_metric_find(r, "dmarc_policy", "p")->value,
	    2, 0);
	dnscheck_result_free(&r);
}

static void
test_dmarc_policy_weaker(void **state)
{
	struct dnscheck_result *r = run("_dmarc.d.test TXT v=DMARC1; p=none\n",
	    EXPECT_REJECT);

	assert_true(dnsfake_has(r, "dmarc.policy.weaker", "p",
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "dmarc.policy.weaker", "sp",
	    DNSCHECK_CRITICAL));
	assert_int_equal(r->status, DNSCHECK_CRITICAL);
	dnscheck_result_free(&r);
}

static void
test_dmarc_policy_stronger(void **state)
{
	struct dnscheck_result *r = run("_dmarc.d.test TXT v=DMARC1; p=reject\n",
	    "domains:\n  d.test:\n    dmarc: {p: quarantine}\n");

	assert_true(dnsfake_has(r, "dmarc.policy.stronger", "p",
	    DNSCHECK_WARNING));
	assert_null(dnscheck_find(r, "dmarc.policy.weaker", NULL));
	dnscheck_result_free(&r);
}

static void
test_dmarc_testing_lowers(void **state)
{
	struct dnscheck_result *r = run("_dmarc.d.test TXT v=DMARC1; p=reject; "
	    "t=y\n", EXPECT_REJECT);

	assert_true(dnsfake_has(r, "dmarc.testing", "t", DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "dmarc.policy.weaker", "p",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

static void
test_dmarc_pct(void **state)
{
	struct dnscheck_result *r = run("_dmarc.d.test TXT v=DMARC1; p=reject; "
	    "sp=reject; pct=50\n", EXPECT_REJECT);

	assert_true(dnsfake_has(r, "dmarc.pct.partial", "pct",
	    DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "dmarc.pct.lower", "pct",
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "dmarc.tag.obsolete", "pct",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
}

static void
test_dmarc_missing_vs_timeout(void **state)
{
	struct dnscheck_result *r = run("", EXPECT_REJECT);

	assert_true(dnsfake_has(r, "dmarc.missing", NULL, DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT !timeout\n", EXPECT_REJECT);
	assert_true(dnsfake_has(r, "dmarc.lookup", NULL, DNSCHECK_UNKNOWN));
	assert_null(dnscheck_find(r, "dmarc.missing", NULL));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT !servfail\n", NULL);
	assert_true(dnsfake_has(r, "dmarc.lookup", NULL, DNSCHECK_UNKNOWN));
	assert_null(dnscheck_find(r, "dmarc.missing", NULL));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT !bogus\n", NULL);
	assert_true(dnsfake_has(r, "dmarc.dnssec.bogus", NULL,
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	/* without expectations: lint WARNING only */
	r = run("", NULL);
	assert_true(dnsfake_has(r, "dmarc.missing", NULL, DNSCHECK_WARNING));
	dnscheck_result_free(&r);
}

static void
test_dmarc_multiple_and_misplaced(void **state)
{
	struct dnscheck_result *r = run(
	    "_dmarc.d.test TXT v=DMARC1; p=reject\n"
	    "_dmarc.d.test TXT v=DMARC1; p=none\n", NULL);

	assert_true(dnsfake_has(r, "dmarc.multiple", NULL, DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = run("d.test TXT v=DMARC1; p=reject\n", NULL);
	assert_true(dnsfake_has(r, "dmarc.misplaced", NULL, DNSCHECK_WARNING));
	dnscheck_result_free(&r);
	/* an unrelated TXT at _dmarc is not a DMARC record */
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject\n"
	    "_dmarc.d.test TXT hello\n", NULL);
	assert_null(dnscheck_find(r, "dmarc.multiple", NULL));
	dnscheck_result_free(&r);
}

static void
test_dmarc_syntax(void **state)
{
	struct dnscheck_result *r = run("_dmarc.d.test TXT v=DMARC1; p=reject; "
	    "sp=bogus; adkim=x; rua=dmarc@d.test\n", NULL);

	assert_true(dnsfake_has(r, "dmarc.sp.invalid", "sp",
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "dmarc.adkim.invalid", "adkim",
	    DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "dmarc.rua.invalid", NULL,
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject; pct:100\n", NULL);
	assert_true(dnsfake_has(r, "dmarc.syntax", NULL, DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject; foo=bar\n", NULL);
	assert_true(dnsfake_has(r, "dmarc.tag.unknown", "foo",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject; p=none\n", NULL);
	assert_true(dnsfake_has(r, "dmarc.syntax", NULL, DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

static void
test_dmarc_external(void **state)
{
	struct dnscheck_result *r = run("_dmarc.d.test TXT v=DMARC1; p=reject; "
	    "rua=mailto:a@rep.test,mailto:b@other.test\n"
	    "d.test._report._dmarc.rep.test TXT v=DMARC1\n", NULL);

	assert_true(dnsfake_has(r, "dmarc.external.authorized",
	    "mailto:a@rep.test", DNSCHECK_OK));
	assert_true(dnsfake_has(r, "dmarc.external.unauthorized",
	    "mailto:b@other.test", DNSCHECK_WARNING));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject; rua=mailto:a@rep.test\n"
	    "d.test._report._dmarc.rep.test TXT !timeout\n", NULL);
	assert_true(dnsfake_has(r, "dmarc.lookup", NULL, DNSCHECK_UNKNOWN));
	assert_null(dnscheck_find(r, "dmarc.external.unauthorized", NULL));
	dnscheck_result_free(&r);
}

static void
test_dmarc_tree_walk(void **state)
{
	struct dnscheck_result *r = dnsfake_check(
	    "sub.d.test A 192.0.2.1\n"
	    "_dmarc.d.test TXT v=DMARC1; p=reject; sp=quarantine\n",
	    "domains:\n  sub.d.test:\n    dmarc: {p: quarantine}\n",
	    "sub.d.test", 0);

	assert_true(dnsfake_has(r, "dmarc.inherited", "d.test", DNSCHECK_OK));
	assert_null(dnscheck_find(r, "dmarc.missing", NULL));
	assert_null(dnscheck_find(r, "dmarc.policy.weaker", NULL));
	assert_null(dnscheck_find(r, "dmarc.policy.stronger", NULL));
	dnscheck_result_free(&r);
}

/* Issue 13 (1): a subdomain without a record of its own is under the
   organizational domain's sp (RFC 7489 §6.3, RFC 9989 §4.10.1), in drift
   and in the metric behind the Nagios perfdata. */
static void
test_dmarc_inherited_sp(void **state)
{
	struct dnscheck_result *r = dnsfake_check(
	    "sub.d.test A 192.0.2.1\n"
	    "_dmarc.d.test TXT v=DMARC1; p=quarantine; sp=reject\n",
	    "domains:\n  sub.d.test:\n    dmarc: {p: reject}\n",
	    "sub.d.test", 0);

	assert_true(dnsfake_has(r, "dmarc.inherited", "d.test", DNSCHECK_OK));
	assert_null(dnscheck_find(r, "dmarc.policy.weaker", NULL));
	assert_null(dnscheck_find(r, "dmarc.policy.stronger", NULL));
	assert_float_equal(dnscheck_metric_find(r, "dmarc_policy", "p")->value,
	    2, 0);
	assert_int_equal(area_problems(r, "dmarc"), 0);
	dnscheck_result_free(&r);

	/* without sp, p applies; np only to names that do not exist */
	r = dnsfake_check(
	    "sub.d.test A 192.0.2.1\n"
	    "_dmarc.d.test TXT v=DMARC1; p=quarantine; np=reject\n",
	    "domains:\n  sub.d.test:\n    dmarc: {p: reject}\n",
	    "sub.d.test", 0);
	assert_true(dnsfake_has(r, "dmarc.policy.weaker", "p",
	    DNSCHECK_CRITICAL));
	assert_float_equal(dnscheck_metric_find(r, "dmarc_policy", "p")->value,
	    1, 0);
	assert_float_equal(dnscheck_metric_find(r, "dmarc_policy", "np")->value,
	    2, 0);
	dnscheck_result_free(&r);

	/* the parent's p=reject does not hide a weaker sp */
	r = dnsfake_check(
	    "sub.d.test A 192.0.2.1\n"
	    "_dmarc.d.test TXT v=DMARC1; p=reject; sp=none\n",
	    "domains:\n  sub.d.test:\n    dmarc: {p: reject}\n",
	    "sub.d.test", 0);
	assert_true(dnsfake_has(r, "dmarc.policy.weaker", "p",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

/* Issue 13 (1): the report destinations of an inherited policy are
   checked, for the domain whose record names them. */
static void
test_dmarc_inherited_rua_authorization(void **state)
{
	struct dnscheck_result *r = dnsfake_check(
	    "sub.d.test A 192.0.2.1\n"
	    "_dmarc.d.test TXT v=DMARC1; p=reject; "
	    "rua=mailto:a@rep.test,mailto:b@other.test\n"
	    "d.test._report._dmarc.rep.test TXT v=DMARC1\n",
	    NULL, "sub.d.test", 0);

	assert_true(dnsfake_has(r, "dmarc.external.authorized",
	    "mailto:a@rep.test", DNSCHECK_OK));
	assert_true(dnsfake_has(r, "dmarc.external.unauthorized",
	    "mailto:b@other.test", DNSCHECK_WARNING));
	dnscheck_result_free(&r);
}

/* Issue 13 (2): a TXT at _dmarc that does not start with v=DMARC1 is
   reported as what it is, not as a missing record. */
static void
test_dmarc_discarded_record(void **state)
{
	static const char *const bad[] = {
		"_dmarc.d.test TXT p=reject; v=DMARC1\n",
		"_dmarc.d.test TXT v=dmarc1; p=reject\n",
		"_dmarc.d.test TXT v=spf1 -all\n",
		"_dmarc.d.test TXT v=DMARC2; p=reject\n",
		"_dmarc.d.test TXT DMARC1; p=reject\n",
	};
	struct dnscheck_result *r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = run(bad[i], EXPECT_REJECT);
		if (!dnsfake_has(r, "dmarc.record.discarded", NULL,
		    DNSCHECK_CRITICAL) || dnscheck_find(r, "dmarc.missing",
		    NULL) != NULL)
			fail_msg("case %zu: %s", i, bad[i]);
		dnscheck_result_free(&r);
	}
	/* lint only: the same weight as a missing record */
	r = run(bad[0], NULL);
	assert_true(dnsfake_has(r, "dmarc.record.discarded", NULL,
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
	/* next to a valid record it is junk, not an outage */
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject; sp=reject\n"
	    "_dmarc.d.test TXT p=none\n", EXPECT_REJECT);
	assert_true(dnsfake_has(r, "dmarc.record.discarded", NULL,
	    DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "dmarc.record", NULL, DNSCHECK_OK));
	dnscheck_result_free(&r);
	/* hostile and corner-case texts for the classifier */
	{
		static const struct {
			const char *t;
			size_t n;
			int want;
		} c[] = {
			{ "", 0, 0 }, { "v", 1, 0 }, { "v=", 2, 0 },
			{ "v=DMARC", 7, 0 }, { "v=DMARC1", 8, 1 },
			{ "v=DMARC1;", 9, 1 }, { "\tv\t=\tDMARC1 ;", 15, 1 },
			{ "v=DMARC10", 9, 0 }, { "v=DMARC1\0; p=reject", 19, 0 },
			{ "v\0=DMARC1", 9, 0 }, { "V=DMARC1", 8, 0 },
			{ "        ", 8, 0 }, { "p=reject;v=DMARC1", 17, 0 },
		};
		const char *why;
		size_t k;

		for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
			if (dc_dmarc_is_record(c[k].t, c[k].n, &why) !=
			    c[k].want)
				fail_msg("classify case %zu", k);
			if (!c[k].want)
				assert_non_null(why);
		}
	}
	/* RFC 7489 ABNF: "v" *WSP "=" *WSP "DMARC1" is a DMARC record */
	r = run("_dmarc.d.test TXT v = DMARC1; p=reject; sp=reject\n",
	    EXPECT_REJECT);
	assert_true(dnsfake_has(r, "dmarc.record", NULL, DNSCHECK_OK));
	assert_null(dnscheck_find(r, "dmarc.record.discarded", NULL));
	assert_int_equal(dnscheck_count(r, DNSCHECK_CRITICAL), 0);
	dnscheck_result_free(&r);
}

/* The effective policy of a domain's own mail, stated directly: after
   inheritance, t=y and pct. */
static void
test_dmarc_effective_expected(void **state)
{
	struct dnscheck_result *r = dnsfake_check(
	    "sub.d.test A 192.0.2.1\n"
	    "_dmarc.d.test TXT v=DMARC1; p=reject; sp=quarantine\n",
	    "domains:\n  sub.d.test:\n    dmarc: {effective: reject}\n",
	    "sub.d.test", 0);

	assert_true(dnsfake_has(r, "dmarc.policy.weaker", "effective",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = dnsfake_check(
	    "sub.d.test A 192.0.2.1\n"
	    "_dmarc.d.test TXT v=DMARC1; p=none; sp=reject\n",
	    "domains:\n  sub.d.test:\n    dmarc: {effective: reject}\n",
	    "sub.d.test", 0);
	assert_int_equal(area_problems(r, "dmarc"), 0);
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject; pct=50\n",
	    "domains:\n  d.test:\n    dmarc: {effective: reject}\n");
	assert_true(dnsfake_has(r, "dmarc.policy.weaker", "effective",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject; t=y\n",
	    "domains:\n  d.test:\n    dmarc: {effective: quarantine}\n");
	assert_null(dnscheck_find(r, "dmarc.policy.weaker", "effective"));
	assert_null(dnscheck_find(r, "dmarc.policy.stronger", "effective"));
	dnscheck_result_free(&r);
	r = run("_dmarc.d.test TXT v=DMARC1; p=reject\n",
	    "domains:\n  d.test:\n    dmarc: {effective: none}\n");
	assert_true(dnsfake_has(r, "dmarc.policy.stronger", "effective",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmarc_tags_parse),
		cmocka_unit_test(test_dmarc_good_no_findings),
		cmocka_unit_test(test_dmarc_policy_weaker),
		cmocka_unit_test(test_dmarc_policy_stronger),
		cmocka_unit_test(test_dmarc_testing_lowers),
		cmocka_unit_test(test_dmarc_pct),
		cmocka_unit_test(test_dmarc_missing_vs_timeout),
		cmocka_unit_test(test_dmarc_multiple_and_misplaced),
		cmocka_unit_test(test_dmarc_syntax),
		cmocka_unit_test(test_dmarc_external),
		cmocka_unit_test(test_dmarc_tree_walk),
		cmocka_unit_test(test_dmarc_inherited_sp),
		cmocka_unit_test(test_dmarc_inherited_rua_authorization),
		cmocka_unit_test(test_dmarc_discarded_record),
		cmocka_unit_test(test_dmarc_effective_expected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
