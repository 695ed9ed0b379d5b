#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret.h"

/* Feed INPUT (LEN bytes) through a pipe into secret_read_fd. */
static int
feed(struct secret *s, const char *input, size_t len, struct errbuf *eb)
{
	int fds[2], rc;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], input, len), (ssize_t)len);
	close(fds[1]);
	errbuf_clear(eb);
	rc = secret_read_fd(s, fds[0], eb);
	close(fds[0]);
	return rc;
}
#define FEED(s, str, eb) feed(s, str, sizeof(str) - 1, eb)

static void
test_secret_read_strips_one_newline(void **state)
{
	struct secret *s;
	struct errbuf eb;

	assert_non_null(s = secret_new(64, &eb));
	assert_int_equal(FEED(s, "hunter2 x\n", &eb), 0);
	assert_int_equal(s->len, 9);
	assert_string_equal(s->data, "hunter2 x");
	assert_int_equal(FEED(s, "no newline", &eb), 0);
	assert_string_equal(s->data, "no newline");
	assert_int_equal(FEED(s, "cr kept\r\n", &eb), 0);
	assert_int_equal(s->len, 8);
	secret_free(&s);
	assert_null(s);
	secret_free(&s);
}

static void
test_secret_read_rejects(void **state)
{
	struct secret *s;
	struct errbuf eb;

	assert_non_null(s = secret_new(8, &eb));
	assert_int_equal(FEED(s, "", &eb), -1);
	assert_string_equal(eb.msg, "no password given");
	assert_int_equal(eb.errnum, ENODATA);
	assert_int_equal(FEED(s, "\n", &eb), -1);
	assert_int_equal(FEED(s, "tw\nli\n", &eb), -1);
	assert_string_equal(eb.msg, "more than one line of input");
	assert_int_equal(eb.errnum, 0);
	assert_int_equal(s->len, 0);
	assert_int_equal(FEED(s, "a\n\n", &eb), -1);
	/* exactly max, with and without the newline */
	assert_int_equal(FEED(s, "12345678", &eb), 0);
	assert_int_equal(FEED(s, "12345678\n", &eb), 0);
	assert_int_equal(s->len, 8);
	assert_int_equal(FEED(s, "123456789", &eb), -1);
	assert_string_equal(eb.msg, "password longer than 8 bytes");
	assert_int_equal(FEED(s, "12345678\n\n", &eb), -1);
	assert_int_equal(s->len, 0);
	assert_int_equal(s->data[0], '\0');
	secret_free(&s);
}

static void
test_secret_read_keeps_nul(void **state)
{
	struct secret *s;
	struct errbuf eb;

	/* NUL is kept so policy can reject it, not silently truncate. */
	assert_non_null(s = secret_new(64, &eb));
	assert_int_equal(FEED(s, "ab\0cd\n", &eb), 0);
	assert_int_equal(s->len, 5);
	secret_free(&s);
}

static void
test_secret_equal(void **state)
{
	struct secret *a, *b;
	struct errbuf eb;

	assert_non_null(a = secret_new(64, &eb));
	assert_non_null(b = secret_new(64, &eb));
	assert_int_equal(FEED(a, "same\n", &eb), 0);
	assert_int_equal(FEED(b, "same", &eb), 0);
	assert_true(secret_equal(a, b));
	assert_int_equal(FEED(b, "samE", &eb), 0);
	assert_false(secret_equal(a, b));
	assert_int_equal(FEED(b, "same2", &eb), 0);
	assert_false(secret_equal(a, b));
	secret_free(&a);
	secret_free(&b);
}

static void
test_secret_read_line(void **state)
{
	struct secret *a, *b;
	struct errbuf eb;
	int fds[2];

	assert_non_null(a = secret_new(16, &eb));
	assert_non_null(b = secret_new(16, &eb));
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "first\nsecond\n", 13), 13);
	close(fds[1]);
	assert_int_equal(secret_read_line(a, fds[0], &eb), 0);
	assert_string_equal(a->data, "first");
	assert_int_equal(secret_read_fd(b, fds[0], &eb), 0);
	assert_string_equal(b->data, "second");
	assert_int_equal(secret_read_line(a, fds[0], &eb), -1);
	close(fds[0]);
	secret_free(&a);
	secret_free(&b);
}

static void
test_secret_tty_absent(void **state)
{
	struct secret *s;
	struct errbuf eb;

	/* Under make check there is usually no controlling terminal. */
	if (access("/dev/tty", R_OK | W_OK) == 0 && isatty(0))
		skip();
	assert_non_null(s = secret_new(64, &eb));
	if (secret_read_tty(s, "Password: ", &eb) == 0)
		fail_msg("read from a terminal that should not exist");
	assert_int_equal(eb.errnum, ENXIO);
	secret_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_read_strips_one_newline),
		cmocka_unit_test(test_secret_read_rejects),
		cmocka_unit_test(test_secret_read_keeps_nul),
		cmocka_unit_test(test_secret_equal),
		cmocka_unit_test(test_secret_read_line),
		cmocka_unit_test(test_secret_tty_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
