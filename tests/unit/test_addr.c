#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

static void
test_addr_normalize_folds_domain(void **state)
{
	char out[ADDR_MAX + 1];
	struct errbuf eb;

	assert_int_equal(addr_normalize("Alice.X@Example.ORG", 0, out,
	    sizeof(out), &eb), 0);
	assert_string_equal(out, "Alice.X@example.org");
	assert_int_equal(addr_normalize("Alice.X@Example.ORG", 1, out,
	    sizeof(out), &eb), 0);
	assert_string_equal(out, "alice.x@example.org");
}

static void
test_addr_rejects_hostile(void **state)
{
	static const char *bad[] = {
		"", "alice", "@example.org", "alice@", "a@b@example.org",
		"al ice@example.org", "alice:x@example.org", "a\nb@example.org",
		"alice@exa mple.org", "alice@localhost", ".a@example.org",
		"a.@example.org", "a..b@example.org", "\"a\"@example.org",
		"alice@-example.org", "alice@example-.org", "alice@ex..org",
		"j\xc3\xbc" "rgen@example.org", "alice@b\xc3\xbc" "cher.example",
		"alice@example.org.", "a\r@example.org", "<a@example.org>",
	};
	char out[ADDR_MAX + 1];
	struct errbuf eb;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		eb.msg[0] = '\0';
		if (addr_normalize(bad[i], 1, out, sizeof(out), &eb) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(eb.msg[0] != '\0');
	}
}

static void
test_addr_length_limits(void **state)
{
	char local[80], addr[400], out[ADDR_MAX + 1];
	struct errbuf eb;

	memset(local, 'a', 64);
	local[64] = '\0';
	(void)snprintf(addr, sizeof(addr), "%s@example.org", local);
	assert_int_equal(addr_normalize(addr, 1, out, sizeof(out), &eb), 0);
	local[64] = 'a';
	local[65] = '\0';
	(void)snprintf(addr, sizeof(addr), "%s@example.org", local);
	assert_int_equal(addr_normalize(addr, 1, out, sizeof(out), &eb), -1);
	assert_non_null(strstr(eb.msg, "64"));
	memset(addr, 'b', sizeof(addr));
	memcpy(addr, "x@", 2);
	addr[300] = '\0';
	assert_int_equal(addr_normalize(addr, 1, out, sizeof(out), &eb), -1);
}

static void
test_addr_atext_allowed(void **state)
{
	char out[ADDR_MAX + 1];
	struct errbuf eb;

	assert_int_equal(addr_normalize("a+b_c-d!#$%&'*/=?^`{|}~@ex-1.org",
	    0, out, sizeof(out), &eb), 0);
	assert_int_equal(addr_check_domain("localhost", 9, 0, &eb), 0);
	assert_int_equal(addr_check_domain("localhost", 9, 1, &eb), -1);
}

/* Items of LIST by G, joined with '|'. */
static void
list_items(const char *list, enum addr_list_grammar g, char *out, size_t outsz)
{
	const char *p = list, *item;
	size_t len, o = 0;

	out[0] = '\0';
	while (addr_list_next(&p, list + strlen(list), g, &item, &len)) {
		assert_true(o + len + 2 < outsz);
		if (o > 0)
			out[o++] = '|';
		memcpy(out + o, item, len);
		o += len;
		out[o] = '\0';
	}
}

static void
test_addr_list_grammars(void **state)
{
	char out[128];

	(void)state;
	list_items(" a@x, b@y\tc@z,,", ADDR_LIST_RUNS, out, sizeof(out));
	assert_string_equal(out, "a@x|b@y|c@z");
	list_items("a@x\nb@y", ADDR_LIST_RUNS, out, sizeof(out));
	assert_string_equal(out, "a@x\nb@y");
	list_items("a@x\nb@y,\r c@z", ADDR_LIST_POSTFIX, out, sizeof(out));
	assert_string_equal(out, "a@x|b@y|c@z");
	list_items(" a.org ,b .org,,", ADDR_LIST_COMMA, out, sizeof(out));
	assert_string_equal(out, "a.org|b .org||");
	list_items("", ADDR_LIST_COMMA, out, sizeof(out));
	assert_string_equal(out, "");
	list_items("", ADDR_LIST_RUNS, out, sizeof(out));
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_normalize_folds_domain),
		cmocka_unit_test(test_addr_rejects_hostile),
		cmocka_unit_test(test_addr_length_limits),
		cmocka_unit_test(test_addr_atext_allowed),
		cmocka_unit_test(test_addr_list_grammars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
