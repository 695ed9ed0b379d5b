#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "array.h"
#include "monotime.h"

static void
test_array_grow_doubles(void **state)
{
	int *v = NULL;
	size_t cap = 0, n;

	(void)state;
	for (n = 0; n < 1000; n++) {
		assert_int_equal(array_grow(&v, &cap, n, sizeof(*v)), 0);
		assert_true(cap > n);
		v[n] = (int)n;
	}
	assert_int_equal(cap, 1024);
	assert_int_equal(v[999], 999);
	free(v);
}

static void
test_array_grow_room_left(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(array_grow(&v, &cap, 0, sizeof(*v)), 0);
	assert_int_equal(cap, ARRAY_INITIAL);
	assert_int_equal(array_grow(&v, &cap, 3, sizeof(*v)), 0);
	assert_int_equal(cap, ARRAY_INITIAL);
	free(v);
}

/* A capacity that cannot double fails and leaves the array alone. */
static void
test_array_grow_overflow(void **state)
{
	char *v = NULL;
	size_t cap = SIZE_MAX / 2 + 1;

	(void)state;
	assert_int_equal(array_grow(&v, &cap, cap, 1), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_null(v);
	assert_true(cap == SIZE_MAX / 2 + 1);
}

static void
test_monotime_now_does_not_go_back(void **state)
{
	double a, b;

	(void)state;
	a = monotime_now();
	b = monotime_now();
	assert_true(a > 0);
	assert_true(b >= a);
}

/* Past ARRAY_HUGE_MIN the array moves by malloc, hint and copy instead
   of realloc: every element must survive each move. */
static void
test_array_grow_huge_keeps_contents(void **state)
{
	uint64_t *v = NULL;
	size_t cap = 0, n, total = 3 * ARRAY_HUGE_MIN / sizeof(*v);
	int bad = 0;

	(void)state;
	for (n = 0; n < total; n++) {
		assert_int_equal(array_grow(&v, &cap, n, sizeof(*v)), 0);
		v[n] = n * 2654435761u;
	}
	assert_true(cap * sizeof(*v) >= 3 * ARRAY_HUGE_MIN);
	for (n = 0; n < total; n++)
		bad |= v[n] != n * 2654435761u;
	assert_false(bad);
	free(v);
	/* The hint takes any range, aligned or not, big or small. */
	array_hint_huge(NULL, 0);
	array_hint_huge((void *)(uintptr_t)4096, 100);
	array_hint_huge((void *)(uintptr_t)-4096, ARRAY_HUGE_MIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_grow_doubles),
		cmocka_unit_test(test_array_grow_huge_keeps_contents),
		cmocka_unit_test(test_array_grow_room_left),
		cmocka_unit_test(test_array_grow_overflow),
		cmocka_unit_test(test_monotime_now_does_not_go_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
