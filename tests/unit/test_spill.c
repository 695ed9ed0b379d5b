/*
 * test_spill: strings parked in a nameless scratch file come back
 * intact, from the write buffer or from the file; the directory never
 * shows a name for it; bad handles and over-long strings are refused.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "maptest.h"
#include "spill.h"

static int
setup(void **state)
{
	*state = tmpdir_make("spill");
	return 0;
}

static int
teardown(void **state)
{
	tmpdir_remove(*state);
	return 0;
}

static size_t
dir_entries(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	(void)closedir(d);
	return n;
}

/* Far more than 64 KiB, in strings of varying length, read back in a
   scrambled order, before and after further writes: with a small cap
   most come back from the file, with the default cap all from memory. */
static void
roundtrip(char *dir, size_t mem_max)
{
	enum { N = 5000 };
	char s[300], got[400];
	uint64_t *ref = calloc(N, sizeof(*ref));
	struct spill *sp;
	struct errbuf eb;
	size_t i, j;

	assert_non_null(ref);
	assert_non_null(sp = spill_open(dir, &eb));
	if (mem_max > 0)
		spill_memory_max(sp, mem_max);
	assert_int_equal(dir_entries(dir), 0);
	for (i = 0; i < N; i++) {
		(void)snprintf(s, sizeof(s), "{X}%zu-%.*s", i, (int)(i % 250),
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
		assert_int_equal(spill_put(sp, s, &ref[i], &eb), 0);
		/* the one just written comes from the buffer */
		assert_int_equal(spill_get(sp, ref[i], got, sizeof(got), &eb),
		    0);
		assert_string_equal(got, s);
	}
	if (mem_max > 0)
		assert_true(spill_file_bytes(sp) > 500 * 1024);
	else
		assert_int_equal(spill_file_bytes(sp), 0);
	assert_int_equal(dir_entries(dir), 0);
	for (j = 0; j < N; j++) {
		i = (j * 7919) % N;
		(void)snprintf(s, sizeof(s), "{X}%zu-", i);
		assert_int_equal(spill_get(sp, ref[i], got, sizeof(got), &eb),
		    0);
		assert_int_equal(strncmp(got, s, strlen(s)), 0);
		assert_int_equal(strlen(got), strlen(s) + i % 250);
	}
	/* a buffer too small, a handle past the end */
	assert_int_equal(spill_get(sp, ref[N - 1], got, 4, &eb), -1);
	assert_int_equal(spill_get(sp, (uint64_t)1 << 60, got, sizeof(got),
	    &eb), -1);
	assert_non_null(strstr(eb.msg, "bad handle"));
	spill_close(&sp);
	assert_null(sp);
	spill_close(&sp);
	assert_int_equal(dir_entries(dir), 0);
	free(ref);
}

static void
test_spill_roundtrip(void **state)
{
	roundtrip(*state, 64 * 1024);  /* the smallest cap */
	roundtrip(*state, 256 * 1024); /* full once, then 64 KiB at a time */
	roundtrip(*state, 0);
}

static void
test_spill_limits(void **state)
{
	char *dir = *state, *big, *got, *sub;
	struct spill *sp;
	struct errbuf eb;
	uint64_t ref;

	assert_non_null(big = malloc(SPILL_STR_MAX + 2));
	assert_non_null(got = malloc(SPILL_STR_MAX + 2));
	memset(big, 'h', SPILL_STR_MAX + 1);
	big[SPILL_STR_MAX + 1] = '\0';
	assert_non_null(sp = spill_open(dir, &eb));
	assert_int_equal(spill_put(sp, "x", &ref, &eb), 0);
	assert_int_equal(spill_put(sp, big, &ref, &eb), -1);
	assert_null(strstr(eb.msg, "hhh")); /* never quotes the string */
	big[SPILL_STR_MAX] = '\0';
	assert_int_equal(spill_put(sp, big, &ref, &eb), 0);
	assert_int_equal(spill_get(sp, ref, got, SPILL_STR_MAX + 1, &eb), 0);
	assert_string_equal(got, big);
	spill_close(&sp);

	/* a directory it cannot write: the error names it */
	sub = mt_path(dir, "ro");
	assert_int_equal(mkdir(sub, 0500), 0);
	if (geteuid() != 0) {
		assert_null(spill_open(sub, &eb));
		assert_non_null(strstr(eb.msg, sub));
	}
	assert_null(spill_open("/nonexistent/udmail", &eb));
	free(sub);
	free(big);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spill_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spill_limits, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
