#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"

/* Blocks double from FIRST to MAX: 1000 strings of 100 bytes in an arena
   of 1 KiB .. 16 KiB take 1+2+4+8 KiB and then 16 KiB blocks. */
static void
test_arena_blocks_double_then_cap(void **state)
{
	struct arena a;
	char s[100], *p[1000];
	size_t i, payload = 0;

	(void)state;
	arena_init(&a, 1024, 16384, 0);
	assert_int_equal(a.bytes, 0);
	for (i = 0; i < 1000; i++) {
		memset(s, 'a' + (int)(i % 26), sizeof(s) - 1);
		s[sizeof(s) - 1] = '\0';
		p[i] = arena_strdup(&a, s);
		assert_non_null(p[i]);
		payload += sizeof(s);
	}
	for (i = 0; i < 1000; i++)
		assert_int_equal(p[i][0], 'a' + (int)(i % 26));
	/* Nothing was overwritten, and the overhead is bounded: at most
	   one partly used 16 KiB block and the headers. */
	assert_true(a.bytes >= payload);
	assert_true(a.bytes < payload + 16384 + 64 * 16);
	arena_free(&a);
	assert_int_equal(a.bytes, 0);
	assert_null(a.head);
}

static void
test_arena_strndup_terminates(void **state)
{
	struct arena a;
	char *p;

	(void)state;
	arena_init(&a, 16, 64, ARENA_WIPE);
	p = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(p, "abc");
	p = arena_strndup(&a, "", 0);
	assert_string_equal(p, "");
	arena_free(&a);
}

/* Unaligned requests pack tightly; aligned ones are aligned. */
static void
test_arena_alignment(void **state)
{
	struct arena a;
	char *c1, *c2;
	void *v;

	(void)state;
	arena_init(&a, 4096, 4096, 0);
	c1 = arena_alloc(&a, 3);
	c2 = arena_alloc(&a, 3);
	assert_ptr_equal(c2, c1 + 3);
	v = arena_alloc_aligned(&a, sizeof(double));
	assert_int_equal((uintptr_t)v % _Alignof(max_align_t), 0);
	assert_true((char *)v > c2);
	/* Pointer alignment costs at most 7 bytes after a string, not 15;
	   a bad alignment means that of any object. */
	c1 = arena_alloc(&a, 1);
	v = arena_alloc_align(&a, sizeof(void *), _Alignof(void *));
	assert_int_equal((uintptr_t)v % _Alignof(void *), 0);
	assert_true((char *)v - c1 <= (ptrdiff_t)_Alignof(void *));
	v = arena_alloc_align(&a, 1, 3);
	assert_int_equal((uintptr_t)v % _Alignof(max_align_t), 0);
	arena_free(&a);
}

/* A request larger than a quarter of MAX gets its own block, and the
   current block goes on filling. */
static void
test_arena_big_request_own_block(void **state)
{
	struct arena a;
	char *c1, *big, *c2;

	(void)state;
	arena_init(&a, 1024, 1024, 0);
	c1 = arena_alloc(&a, 10);
	big = arena_alloc(&a, 5000);
	assert_non_null(big);
	memset(big, 'x', 5000);
	c2 = arena_alloc(&a, 10);
	assert_ptr_equal(c2, c1 + 10);
	/* A request bigger than MAX into an empty arena still works. */
	arena_free(&a);
	big = arena_alloc(&a, 100000);
	assert_non_null(big);
	memset(big, 'y', 100000);
	arena_free(&a);
}

static void
test_arena_join(void **state)
{
	struct arena a, b;
	char *pa, *pb, *pa2;
	size_t bytes;

	(void)state;
	arena_init(&a, 256, 256, 0);
	arena_init(&b, 256, 256, 0);
	pa = arena_strdup(&a, "kept");
	pb = arena_strdup(&b, "moved");
	assert_non_null(arena_strdup(&b, "x"));
	bytes = a.bytes + b.bytes;
	arena_join(&a, &b);
	assert_null(b.head);
	assert_int_equal(b.bytes, 0);
	assert_int_equal(a.bytes, bytes);
	/* A's current block stays current. */
	pa2 = arena_alloc(&a, 1);
	assert_ptr_equal(pa2, pa + 5);
	assert_string_equal(pb, "moved");
	arena_join(&a, &b); /* empty FROM: nothing happens */
	assert_int_equal(a.bytes, bytes);
	arena_join(&b, &a); /* into an empty arena */
	assert_null(a.head);
	assert_string_equal(pb, "moved");
	arena_free(&b);
	arena_free(&a);
}

static void
test_arena_overflow_refused(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a, 64, 64, 0);
	errno = 0;
	assert_null(arena_alloc(&a, SIZE_MAX - 8));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(arena_strndup(&a, "", SIZE_MAX));
	assert_int_equal(errno, ENOMEM);
	arena_free(&a);
}

/* A zeroed struct arena works, with the default block sizes. */
static void
test_arena_zeroed_is_valid(void **state)
{
	struct arena a;
	char *p;

	(void)state;
	memset(&a, 0, sizeof(a));
	p = arena_strdup(&a, "x");
	assert_string_equal(p, "x");
	assert_int_equal(a.first, ARENA_DEFAULT_FIRST);
	assert_int_equal(a.max, ARENA_DEFAULT_MAX);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_blocks_double_then_cap),
		cmocka_unit_test(test_arena_strndup_terminates),
		cmocka_unit_test(test_arena_alignment),
		cmocka_unit_test(test_arena_big_request_own_block),
		cmocka_unit_test(test_arena_join),
		cmocka_unit_test(test_arena_zeroed_is_valid),
		cmocka_unit_test(test_arena_overflow_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
