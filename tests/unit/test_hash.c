#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hash.h"

/* Test vectors of draft-eastlake-fnv (FNV-1a, 64 bits). */
static void
test_hash_fnv1a_vectors(void **state)
{
	(void)state;
	assert_true(hash_fnv1a("", 0) == 0xcbf29ce484222325ULL);
	assert_true(hash_fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(hash_fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
}

/* Bytes after LEN do not count; a NUL inside does. */
static void
test_hash_fnv1a_length(void **state)
{
	(void)state;
	assert_true(hash_fnv1a("ab", 1) == hash_fnv1a("a", 1));
	assert_true(hash_fnv1a("a\0b", 3) != hash_fnv1a("a", 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_fnv1a_vectors),
		cmocka_unit_test(test_hash_fnv1a_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
