/*
 * golden: shared by the golden-file unit tests.  cmocka asserts: a
 * failure here fails the calling test.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "golden.h"

char *
golden_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0;
}

int
golden_cases(const char *dir, struct dirent ***names)
{
	return scandir(dir, names, is_case, by_name);
}

int
golden_check(const char *case_name, const char *got)
{
	char exp_path[1024];
	char *exp;
	FILE *f;
	int differ;

	(void)snprintf(exp_path, sizeof(exp_path), "%.*s.exp",
	    (int)strlen(case_name) - 5, case_name);
	if (getenv("UDMAIL_REGEN") != NULL) {
		/* Never a pass: a stray UDMAIL_REGEN must not turn the test
		   green by comparing the output with itself.  Counted as a
		   failure (not fail_msg) so that every case is rewritten. */
		assert_non_null(f = fopen(exp_path, "w"));
		assert_true(fputs(got, f) >= 0);
		assert_int_equal(fclose(f), 0);
		print_error("%s: regenerated because UDMAIL_REGEN is set; "
		    "review it with git diff and run the tests without "
		    "UDMAIL_REGEN\n", exp_path);
		return 1;
	}
	exp = golden_slurp(exp_path);
	differ = exp == NULL || strcmp(exp, got) != 0;
	if (differ)
		print_error("%s: expected:\n%s--- got:\n%s", exp_path,
		    exp != NULL ? exp : "(no .exp file)\n", got);
	free(exp);
	return differ;
}
