/*
 * buf: growable string.  Invariant: when data != NULL, data[len] == '\0'
 * and len < cap <= max.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "utf8.h"

static int
buf_reserve(struct buf *b, size_t extra)
{
	size_t max = b->max ? b->max : BUF_MAX_DEFAULT;
	size_t need, ncap;
	char *p;

	/* extra == max would underflow below and then never fit */
	if (extra >= max || b->len > max - extra - 1) {
		errno = E2BIG;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	if ((p = realloc(b->data, ncap)) == NULL)
		return -1;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

void
buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
}

/* The bytes buf_vis and buf_put_vis show as \xNN. */
static int
vis_escaped(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
}

const char *
buf_vis(char *out, size_t outsz, const char *s)
{
	size_t o = 0, i;
	unsigned char c;

	for (i = 0; s[i] != '\0' && o + 5 < outsz; i++) {
		if (i == 64) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		c = (unsigned char)s[i];
		if (vis_escaped(c))
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

const char *
buf_vis_dn(char *out, size_t outsz, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < outsz; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	out[o] = '\0';
	return out;
}

int
buf_put_vis(struct buf *b, const char *s)
{
	return buf_put_visn(b, s, strlen(s), (size_t)-1);
}

int
buf_put_visn(struct buf *b, const char *s, size_t len, size_t max)
{
	size_t i, run;

	for (i = 0; i < len; i += run) {
		if (i >= max)
			return buf_puts(b, "...");
		for (run = 0; i + run < len && i + run < max &&
		    !vis_escaped((unsigned char)s[i + run]); run++)
			;
		if (run > 0) {
			if (buf_append(b, s + i, run) == -1)
				return -1;
		} else {
			if (buf_printf(b, "\\x%02x", (unsigned char)s[i]) == -1)
				return -1;
			run = 1;
		}
	}
	return 0;
}

int
buf_put_json(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n, k;

	if (s == NULL)
		return buf_puts(b, "null");
	if (buf_putc(b, '"') == -1)
		return -1;
	for (n = strlen(s); n > 0; p += k, n -= k) {
		if (*p == '"' || *p == '\\') {
			k = 1;
			if (buf_putc(b, '\\') == -1 ||
			    buf_putc(b, (char)*p) == -1)
				return -1;
		} else if (*p < 0x20 || *p == 0x7f) {
			k = 1;
			if (buf_printf(b, "\\u%04x", *p) == -1)
				return -1;
		} else if ((k = utf8_next(p, n, &cp)) == 0) {
			k = 1;
			if (buf_puts(b, "\\ufffd") == -1)
				return -1;
		} else if (buf_append(b, p, k) == -1)
			return -1;
	}
	return buf_putc(b, '"');
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_wipe_free(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}
