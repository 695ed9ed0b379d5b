#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pwpolicy.h"

static int
check(const struct conf_policy *pol, const char *uid, const char *pw,
    size_t len, struct errbuf *eb)
{
	errbuf_clear(eb);
	return pwpolicy_check(pol, uid, pw, len, eb);
}
#define CHECK(pol, uid, s, eb) check(pol, uid, s, strlen(s), eb)

static void
test_pwpolicy_defaults(void **state)
{
	struct conf_policy pol;

	pwpolicy_default(&pol);
	assert_int_equal(pol.min_length, 12);
	assert_int_equal(pol.max_length, 1024);
	assert_int_equal(pol.allow_username, 0);
	assert_int_equal(pol.argon2_m_kib, 65536);
	assert_int_equal(pol.argon2_t, 3);
	assert_int_equal(pol.argon2_p, 1);
}

static void
test_pwpolicy_length(void **state)
{
	struct conf_policy pol;
	struct errbuf eb;
	char big[1100];

	pwpolicy_default(&pol);
	assert_int_equal(CHECK(&pol, "alice", "short", &eb), -1);
	assert_string_equal(eb.msg, "password shorter than 12 characters");
	assert_int_equal(CHECK(&pol, "alice", "twelve chars", &eb), 0);
	/* 12 code points, 24 bytes: counted as characters */
	assert_int_equal(CHECK(&pol, "alice",
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &eb), 0);
	assert_int_equal(CHECK(&pol, "alice",
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &eb), -1);
	memset(big, 'x', sizeof(big));
	assert_int_equal(check(&pol, "alice", big, 1024, &eb), 0);
	assert_int_equal(check(&pol, "alice", big, 1025, &eb), -1);
	assert_string_equal(eb.msg, "password longer than 1024 bytes");
	assert_int_equal(check(&pol, "alice", "", 0, &eb), -1);
	assert_string_equal(eb.msg, "password is empty");
}

static void
test_pwpolicy_username(void **state)
{
	struct conf_policy pol;
	struct errbuf eb;

	pwpolicy_default(&pol);
	assert_int_equal(CHECK(&pol, "alice", "my-ALICE-password", &eb), -1);
	assert_string_equal(eb.msg, "password contains the user name");
	assert_null(strstr(eb.msg, "ALICE"));
	pol.min_length = 2;
	assert_int_equal(CHECK(&pol, "alice", "Alice", &eb), -1);
	assert_int_equal(CHECK(&pol, "al", "AL", &eb), -1);
	assert_int_equal(CHECK(&pol, "al", "also a password", &eb), 0);
	assert_int_equal(CHECK(&pol, NULL, "also a password", &eb), 0);
	pol.allow_username = 1;
	assert_int_equal(CHECK(&pol, "alice", "my-ALICE-password", &eb), 0);
}

static void
test_pwpolicy_bad_bytes(void **state)
{
	static const char nul[] = "twelve\0chars and more";
	static const char *const bad[] = {
		"valid start \xff",
		"overlong \xc0\xaf slash!",
		"surrogate \xed\xa0\x80 half",
		"truncated seq \xe2\x82",
		"above max \xf4\x90\x80\x80 cp",
		"tab\tinside password",
		"carriage return\r",
		"c1 control \xc2\x85 here",
		"delete \x7f character",
	};
	struct conf_policy pol;
	struct errbuf eb;
	size_t i;

	pwpolicy_default(&pol);
	assert_int_equal(check(&pol, "bob", nul, sizeof(nul) - 1, &eb), -1);
	assert_string_equal(eb.msg, "password contains a NUL byte");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (CHECK(&pol, "bob", bad[i], &eb) != -1)
			fail_msg("bad %zu accepted", i);
		assert_int_equal(pwpolicy_check_input(&pol, bad[i],
		    strlen(bad[i]), &eb), -1);
	}
	assert_int_equal(CHECK(&pol, "bob", "\xf0\x9f\x94\x91 key emoji ok",
	    &eb), 0);
}

static void
test_pwpolicy_input_only(void **state)
{
	struct conf_policy pol;
	struct errbuf eb;

	pwpolicy_default(&pol);
	/* the hash interface does not impose min length or user name */
	assert_int_equal(pwpolicy_check_input(&pol, "abc", 3, &eb), 0);
	assert_int_equal(pwpolicy_check_input(&pol, "", 0, &eb), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pwpolicy_defaults),
		cmocka_unit_test(test_pwpolicy_length),
		cmocka_unit_test(test_pwpolicy_username),
		cmocka_unit_test(test_pwpolicy_bad_bytes),
		cmocka_unit_test(test_pwpolicy_input_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
