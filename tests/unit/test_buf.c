#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "errbuf.h"

static void
test_buf_append_grows(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(b.len, 3000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 2997, "abc", 3);
	buf_free(&b);
	assert_null(b.data);
}

static void
test_buf_max_enforced(void **state)
{
	struct buf b = BUF_INIT;

	b.max = 8;
	assert_int_equal(buf_puts(&b, "1234567"), 0);
	assert_int_equal(buf_putc(&b, 'x'), -1);
	assert_int_equal(errno, E2BIG);
	assert_string_equal(buf_cstr(&b), "1234567");
	buf_free(&b);
}

static void
test_buf_printf(void **state)
{
	struct buf b = BUF_INIT;

	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_printf(&b, "%s=%d", "n", 42), 0);
	assert_int_equal(buf_printf(&b, ",%05d", 7), 0);
	assert_string_equal(buf_cstr(&b), "n=42,00007");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	buf_wipe_free(&b);
}

static void
test_errbuf_prefix(void **state)
{
	struct errbuf eb;

	errbuf_set(&eb, "line %d: bad", 3);
	errbuf_prefix(&eb, "%s", "mail.yaml");
	assert_string_equal(eb.msg, "mail.yaml: line 3: bad");
	errno = ENOENT;
	errbuf_syserr(&eb, "open %s", "x");
	assert_string_equal(eb.msg, "open x: No such file or directory");
	assert_int_equal(eb.errnum, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_append_grows),
		cmocka_unit_test(test_buf_max_enforced),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_errbuf_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
