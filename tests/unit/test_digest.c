#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "digest.h"

static void
add_all(struct digest *d, const char *const *kv)
{
	for (; *kv != NULL; kv += 2)
		digest_add(d, kv[0], kv[1]);
}

static int
same(const char *const *a, const char *const *b)
{
	struct digest x = DIGEST_INIT, y = DIGEST_INIT;

	add_all(&x, a);
	add_all(&y, b);
	return digest_equal(&x, &y);
}

static void
test_digest_order_independent(void **state)
{
	const char *a[] = { "a@x", "1", "b@x", "2", "c@x", "3", NULL };
	const char *b[] = { "c@x", "3", "a@x", "1", "b@x", "2", NULL };

	assert_true(same(a, b));
	assert_true(same((const char *[]){ NULL }, (const char *[]){ NULL }));
}

static void
test_digest_differences(void **state)
{
	const char *base[] = { "a@x", "1", "b@x", "2", NULL };
	const char *value[] = { "a@x", "1", "b@x", "3", NULL };
	const char *swapped[] = { "a@x", "2", "b@x", "1", NULL };
	const char *missing[] = { "a@x", "1", NULL };
	const char *twice[] = { "a@x", "1", "a@x", "1", "b@x", "2", NULL };
	const char *split1[] = { "ab", "c", NULL };
	const char *split2[] = { "a", "bc", NULL };
	const char *dup1[] = { "a", "1", "a", "1", "b", "2", NULL };
	const char *dup2[] = { "a", "1", "b", "2", "b", "2", NULL };
	struct digest d = DIGEST_INIT;

	assert_false(same(base, value));
	assert_false(same(base, swapped));
	assert_false(same(base, missing));
	assert_false(same(base, twice));
	assert_false(same(split1, split2));
	/* same count, different multiset */
	assert_false(same(dup1, dup2));
	add_all(&d, twice);
	assert_int_equal(d.count, 3);
}

/* Entries too long for one SipHash call take the two-level path: still
   equal when equal, different when one byte differs. */
static void
test_digest_long_values(void **state)
{
	struct digest x = DIGEST_INIT, y = DIGEST_INIT, z = DIGEST_INIT;
	char *v = malloc(100000);

	memset(v, 'v', 99999);
	v[99999] = '\0';
	digest_add(&x, "list@x", v);
	digest_add(&y, "list@x", v);
	v[50000] = 'w';
	digest_add(&z, "list@x", v);
	assert_true(digest_equal(&x, &y));
	assert_false(digest_equal(&x, &z));
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_order_independent),
		cmocka_unit_test(test_digest_differences),
		cmocka_unit_test(test_digest_long_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
