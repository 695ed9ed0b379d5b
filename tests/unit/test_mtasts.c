/*
 * test_mtasts: RFC 8461 TXT and policy parsing, mx pattern matching,
 * RFC 8460 TLS-RPT TXT parsing, with hostile inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mtasts.h"

static void
test_mtasts_txt(void **state)
{
	static const struct {
		const char *t;
		int ok;
		const char *id;
	} c[] = {
		{ "v=STSv1; id=20260101T000000;", 1, "20260101T000000" },
		{ "v=STSv1;id=abc", 1, "abc" },
		{ "v=STSv1 ; id=abc ; ext=1", 1, "abc" },
		{ "v=STSv1; id=abc; x.y-z_1=v!", 1, "abc" },
		{ "v=STSv1", 0, NULL },
		{ "v=STSv1;", 0, NULL },
		{ "v=STSv1; id=", 0, NULL },
		{ "v=STSv1; id=a-b", 0, NULL },
		{ "v=STSv1; id=123456789012345678901234567890123", 0, NULL },
		{ "v=STSv1; id=a; id=b", 0, NULL },
		{ "v=stsv1; id=a", 0, NULL },
		{ "v=STSv10; id=a", 0, NULL },
		{ "id=a; v=STSv1", 0, NULL },
		{ "v=STSv1; ;id=a", 0, NULL },
		{ "v=STSv1; id=a; =x", 0, NULL },
		{ "v=STSv1; id=a; e=", 0, NULL },
		{ "v=STSv1; id=a; e=x y", 0, NULL },
		{ "", 0, NULL },
	};
	char id[33], why[200];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int r = mtasts_parse_txt(c[i].t, strlen(c[i].t), id, why,
		    sizeof(why));

		if ((r == 0) != c[i].ok)
			fail_msg("case %zu '%s': %d %s", i, c[i].t, r, why);
		if (c[i].ok)
			assert_string_equal(id, c[i].id);
		else
			assert_true(strlen(why) > 0);
	}
	/* NUL inside */
	assert_int_equal(mtasts_parse_txt("v=STSv1; id=a\0b", 15, id, why,
	    sizeof(why)), -1);
	assert_true(mtasts_is_txt("v=STSv1", 7));
	assert_false(mtasts_is_txt("v=STSv1x", 8));
}

static void
test_mtasts_policy(void **state)
{
	const char *good = "version: STSv1\r\nmode: enforce\r\n"
	    "mx: mx1.example.org\r\nmx: *.Example.NET.\r\nmax_age: 604800\r\n"
	    "future: thing\r\n";
	static const char *const bad[] = {
		"mode: enforce\nmx: a.test\nmax_age: 1\n",
		"version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n",
		"version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a.test\n",
		"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n",
		"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 12345678901\n",
		"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n",
		"version: STSv1\nmode: enforce\nmode: none\nmx: a.test\n"
		    "max_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a..test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: *.*.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a test\nmax_age: 1\n",
		"version STSv1\n",
		"",
	};
	struct mtasts_policy p;
	char why[200], *big;
	size_t i, o;

	assert_int_equal(mtasts_parse_policy(good, strlen(good), &p, why,
	    sizeof(why)), 0);
	assert_int_equal(p.mode, MTASTS_MODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 2);
	assert_string_equal(p.mx[1], "*.example.net");
	assert_int_equal(p.unknown_keys, 1);
	mtasts_policy_free(&p);
	/* mode none needs no mx */
	{
		const char *none = "version: STSv1\nmode: none\nmax_age: 86400";

		assert_int_equal(mtasts_parse_policy(none, strlen(none), &p,
		    why, sizeof(why)), 0);
	}
	mtasts_policy_free(&p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mtasts_parse_policy(bad[i], strlen(bad[i]), &p, why,
		    sizeof(why)) != -1)
			fail_msg("bad case %zu accepted", i);
		assert_true(strlen(why) > 0);
	}
	/* hostile: NUL, oversize, too many mx lines */
	assert_int_equal(mtasts_parse_policy("version: STSv1\0", 15, &p, why,
	    sizeof(why)), -1);
	big = malloc(MTASTS_POLICY_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', MTASTS_POLICY_MAX + 1);
	assert_int_equal(mtasts_parse_policy(big, MTASTS_POLICY_MAX + 1, &p,
	    why, sizeof(why)), -1);
	o = (size_t)snprintf(big, MTASTS_POLICY_MAX + 2, "version: STSv1\n"
	    "mode: testing\nmax_age: 1\n");
	for (i = 0; i <= MTASTS_MX_MAX; i++)
		o += (size_t)snprintf(big + o, MTASTS_POLICY_MAX + 2 - o,
		    "mx: m%zu.test\n", i);
	assert_true(o < MTASTS_POLICY_MAX + 2);
	assert_int_equal(mtasts_parse_policy(big, o, &p, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than"));
	free(big);
}

static void
test_mtasts_mx_match(void **state)
{
	assert_true(mtasts_mx_match("mx1.example.org", "MX1.example.org"));
	assert_true(mtasts_mx_match("*.example.org", "mx2.example.org"));
	assert_false(mtasts_mx_match("*.example.org", "a.mx2.example.org"));
	assert_false(mtasts_mx_match("*.example.org", "example.org"));
	assert_false(mtasts_mx_match("*.example.org", ".example.org"));
	assert_false(mtasts_mx_match("mx1.example.org", "mx1.example.org.x"));
}

static void
test_tlsrpt_txt(void **state)
{
	char **rua = NULL, why[200];
	int n;

	n = tlsrpt_parse_txt("v=TLSRPTv1; rua=mailto:tls@example.org, "
	    "https://r.example.net/x", 63, &rua, why, sizeof(why));
	assert_int_equal(n, 2);
	assert_string_equal(rua[0], "mailto:tls@example.org");
	assert_string_equal(rua[1], "https://r.example.net/x");
	tlsrpt_rua_free(rua, (size_t)n);
	assert_int_equal(tlsrpt_parse_txt("v=TLSRPTv1;rua=mailto:a@b;", 26,
	    &rua, why, sizeof(why)), 1);
	tlsrpt_rua_free(rua, 1);
	assert_int_equal(tlsrpt_parse_txt("v=TLSRPTv1; rua=http://x", 24, &rua,
	    why, sizeof(why)), -1);
	assert_null(rua);
	assert_int_equal(tlsrpt_parse_txt("v=TLSRPTv1; x=y", 15, &rua, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "no rua"));
	assert_int_equal(tlsrpt_parse_txt("v=TLSRPTv1; rua=mailto:a@b,", 27,
	    &rua, why, sizeof(why)), -1);
	assert_int_equal(tlsrpt_parse_txt("v=TLSRPTv1; rua=mailto:@b", 25, &rua,
	    why, sizeof(why)), -1);
	assert_int_equal(tlsrpt_parse_txt("v=TLSRPTv1; rua=mailto:a@b; "
	    "rua=mailto:c@d", 42, &rua, why, sizeof(why)), -1);
	assert_int_equal(tlsrpt_parse_txt("v=tlsrptv1; rua=mailto:a@b", 26,
	    &rua, why, sizeof(why)), -1);
	assert_int_equal(tlsrpt_parse_txt("v=TLSRPTv1; rua=mailto:a\0@b", 27,
	    &rua, why, sizeof(why)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtasts_txt),
		cmocka_unit_test(test_mtasts_policy),
		cmocka_unit_test(test_mtasts_mx_match),
		cmocka_unit_test(test_tlsrpt_txt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
