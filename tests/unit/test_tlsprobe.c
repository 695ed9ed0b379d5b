/*
 * test_tlsprobe: the parsers of what servers send (SMTP replies, the EHLO
 * STARTTLS keyword, HTTP response heads), with hostile inputs.  The
 * conversations themselves run in t401 against local servers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlsprobe.h"

static int
reply(const char *s, int *code)
{
	return tlsprobe_smtp_reply(s, strlen(s), code);
}

static void
test_tlsprobe_smtp_reply(void **state)
{
	int code = 0;

	assert_int_equal(reply("220 mx ESMTP\r\n", &code), 1);
	assert_int_equal(code, 220);
	assert_int_equal(reply("250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
	    &code), 1);
	assert_int_equal(code, 250);
	assert_int_equal(reply("250\n", &code), 1);
	assert_int_equal(reply("250-mx\r\n250-STA", &code), 0);
	assert_int_equal(reply("", &code), 0);
	assert_int_equal(reply("HTTP/1.0 400\r\n", &code), -1);
	assert_int_equal(reply("25\r\n", &code), -1);
	assert_int_equal(reply("2x0 hi\r\n", &code), -1);
	assert_int_equal(reply("650 hi\r\n", &code), -1);
	assert_int_equal(reply("250xhi\r\n", &code), -1);
	assert_int_equal(reply("250-a\r\n220 b\r\n", &code), -1);
	assert_int_equal(tlsprobe_smtp_reply("220\0 x\r\n", 8, &code), -1);
}

static void
test_tlsprobe_starttls(void **state)
{
	const char *r = "250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n";

	assert_true(tlsprobe_has_starttls(r, strlen(r)));
	r = "250-mx\r\n250 starttls\r\n";
	assert_true(tlsprobe_has_starttls(r, strlen(r)));
	r = "250-mx\r\n250-STARTTLSX\r\n250 X-STARTTLS\r\n";
	assert_false(tlsprobe_has_starttls(r, strlen(r)));
	r = "250 mx STARTTLS\r\n";
	assert_false(tlsprobe_has_starttls(r, strlen(r)));
	assert_false(tlsprobe_has_starttls("250-S", 5));
}

static void
test_tlsprobe_http_head(void **state)
{
	char ct[100], loc[200];
	const char *r;
	size_t body;
	int st;

	r = "HTTP/1.1 200 OK\r\nContent-Type:  text/plain; charset=utf-8\r\n"
	    "X: y\r\n\r\nversion: STSv1";
	assert_int_equal(tlsprobe_http_head(r, strlen(r), &st, ct, sizeof(ct),
	    loc, sizeof(loc), &body), 0);
	assert_int_equal(st, 200);
	assert_string_equal(ct, "text/plain; charset=utf-8");
	assert_string_equal(r + body, "version: STSv1");
	r = "HTTP/1.0 301 Moved\r\nlocation: https://x.test/\r\n\r\n";
	assert_int_equal(tlsprobe_http_head(r, strlen(r), &st, ct, sizeof(ct),
	    loc, sizeof(loc), &body), 0);
	assert_int_equal(st, 301);
	assert_string_equal(loc, "https://x.test/");
	r = "HTTP/1.0 200 OK\r\n\r\n";
	assert_int_equal(tlsprobe_http_head(r, strlen(r), &st, ct, sizeof(ct),
	    loc, sizeof(loc), &body), 0);
	assert_int_equal(body, strlen(r));
	/* hostile */
	r = "HTTP/1.1 2x0 OK\r\n\r\n";
	assert_int_equal(tlsprobe_http_head(r, strlen(r), &st, ct, sizeof(ct),
	    loc, sizeof(loc), &body), -1);
	r = "HTTP/1.1 200 OK\r\nno end";
	assert_int_equal(tlsprobe_http_head(r, strlen(r), &st, ct, sizeof(ct),
	    loc, sizeof(loc), &body), -1);
	r = "SMTP/1.1 200\r\n\r\n";
	assert_int_equal(tlsprobe_http_head(r, strlen(r), &st, ct, sizeof(ct),
	    loc, sizeof(loc), &body), -1);
	assert_int_equal(tlsprobe_http_head("HTTP/1.1 200 OK\r\nContent-Type: "
	    "a\0b\r\n\r\n", 38, &st, ct, sizeof(ct), loc, sizeof(loc), &body),
	    -1);
	assert_int_equal(tlsprobe_http_head("HTTP/1.1", 8, &st, ct, sizeof(ct),
	    loc, sizeof(loc), &body), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlsprobe_smtp_reply),
		cmocka_unit_test(test_tlsprobe_starttls),
		cmocka_unit_test(test_tlsprobe_http_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
