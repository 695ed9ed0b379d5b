#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "errbuf.h"
#include "utf8.h"

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
	char big[100];

	memset(big, 'x', sizeof(big));

	b.max = 8;
	assert_int_equal(buf_puts(&b, "1234567"), 0);
	assert_int_equal(buf_putc(&b, 'x'), -1);
	assert_int_equal(errno, E2BIG);
	assert_string_equal(buf_cstr(&b), "1234567");
	buf_free(&b);
	/* exactly max bytes leave no room for the NUL (they were taken
	   beyond max, or the growth looped for ever) */
	b.max = 8;
	assert_int_equal(buf_append(&b, "12345678", 8), -1);
	assert_int_equal(errno, E2BIG);
	assert_string_equal(buf_cstr(&b), "");
	b.max = 100;
	assert_int_equal(buf_append(&b, big, 60), 0);
	buf_reset(&b);
	assert_int_equal(buf_append(&b, big, 100), -1);
	assert_int_equal(errno, E2BIG);
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

/* LDAP DNs: RFC 4514 hex pairs, a DN's own escapes kept, NUL escaped,
   cut to fit. */
static void
test_buf_vis_dn(void **state)
{
	char out[16], big[64];

	assert_string_equal(buf_vis_dn(big, sizeof(big),
	    "uid=j\xc3\xbcrgen\n", 12), "uid=j\\C3\\BCrgen\\0A");
	assert_string_equal(buf_vis_dn(big, sizeof(big),
	    "uid=a\\2Cb,\"x\"", 13), "uid=a\\2Cb,\"x\"");
	assert_string_equal(buf_vis_dn(big, sizeof(big), "a\0b", 3),
	    "a\\00b");
	assert_string_equal(buf_vis_dn(big, sizeof(big), "", 0), "");
	/* at most OUTSZ - 4 bytes of text, never half an escape */
	assert_string_equal(buf_vis_dn(out, sizeof(out), "0123456789abcdef",
	    16), "0123456789ab");
	assert_string_equal(buf_vis_dn(out, sizeof(out), "012345678\x01\x02",
	    11), "012345678\\01");
}

static void
test_buf_vis_escapes(void **state)
{
	char out[128], big[200];
	struct buf b = BUF_INIT;

	assert_string_equal(buf_vis(out, sizeof(out), "a\x1b[0m\"\\\xc3\n"),
	    "a\\x1b[0m\\x22\\x5c\\xc3\\x0a");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strlen(buf_vis(out, sizeof(out), big)), 67);
	/* the same rule, whole */
	assert_int_equal(buf_puts(&b, "<"), 0);
	assert_int_equal(buf_put_vis(&b, "a\x1b[0m\"\\\xc3\n"), 0);
	assert_int_equal(buf_put_vis(&b, ""), 0);
	assert_string_equal(buf_cstr(&b), "<a\\x1b[0m\\x22\\x5c\\xc3\\x0a");
	buf_reset(&b);
	assert_int_equal(buf_put_vis(&b, big), 0);
	assert_int_equal(b.len, sizeof(big) - 1);
	b.max = 4;
	buf_reset(&b);
	assert_int_equal(buf_put_vis(&b, "\x01"), -1);
	buf_free(&b);
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

/* JSON strings: quotes, backslashes, controls and DEL escaped, valid UTF-8
   kept, each byte of an invalid sequence as U+FFFD, NULL as null. */
static void
test_buf_put_json_escapes(void **state)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_put_json(&b, "a\"b\\c\n\x7f"), 0);
	assert_string_equal(buf_cstr(&b), "\"a\\\"b\\\\c\\u000a\\u007f\"");
	buf_reset(&b);
	assert_int_equal(buf_put_json(&b, "caf\xc3\xa9"), 0);
	assert_string_equal(buf_cstr(&b), "\"caf\xc3\xa9\"");
	buf_reset(&b);
	/* an overlong '/' and a lone continuation byte */
	assert_int_equal(buf_put_json(&b, "\xc0\xaf\x80"), 0);
	assert_string_equal(buf_cstr(&b), "\"\\ufffd\\ufffd\\ufffd\"");
	buf_reset(&b);
	assert_int_equal(buf_put_json(&b, NULL), 0);
	assert_string_equal(buf_cstr(&b), "null");
	buf_free(&b);
}

/* buf_put_visn: LEN bytes (a NUL among them), at most MAX, then "...". */
static void
test_buf_put_visn_bounded(void **state)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_put_visn(&b, "a\0b\"c\xff", 6, 64), 0);
	assert_string_equal(buf_cstr(&b), "a\\x00b\\x22c\\xff");
	buf_reset(&b);
	assert_int_equal(buf_put_visn(&b, "abcdef", 6, 3), 0);
	assert_string_equal(buf_cstr(&b), "abc...");
	buf_reset(&b);
	assert_int_equal(buf_put_visn(&b, "abc", 3, 3), 0);
	assert_string_equal(buf_cstr(&b), "abc");
	buf_free(&b);
}

/* The UTF-8 decoder the policy and the JSON writer share. */
static void
test_utf8_next(void **state)
{
	unsigned long cp;

	assert_int_equal(utf8_next((const unsigned char *)"A", 1, &cp), 1);
	assert_int_equal(cp, 0x41);
	assert_int_equal(utf8_next((const unsigned char *)"\xe2\x82\xac", 3,
	    &cp), 3);
	assert_int_equal(cp, 0x20ac);
	/* cut short, surrogate, above U+10FFFF, overlong */
	assert_int_equal(utf8_next((const unsigned char *)"\xe2\x82", 2, &cp),
	    0);
	assert_int_equal(utf8_next((const unsigned char *)"\xed\xa0\x80", 3,
	    &cp), 0);
	assert_int_equal(utf8_next((const unsigned char *)"\xf4\x90\x80\x80",
	    4, &cp), 0);
	assert_int_equal(utf8_next((const unsigned char *)"\xc1\xbf", 2, &cp),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_append_grows),
		cmocka_unit_test(test_buf_max_enforced),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_vis_escapes),
		cmocka_unit_test(test_buf_vis_dn),
		cmocka_unit_test(test_errbuf_prefix),
		cmocka_unit_test(test_buf_put_json_escapes),
		cmocka_unit_test(test_utf8_next),
		cmocka_unit_test(test_buf_put_visn_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
