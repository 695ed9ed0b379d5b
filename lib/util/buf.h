/*
 * buf: a growable byte string with a hard maximum, always NUL-terminated
 * so data can be used as a C string when it holds text.
 */
#ifndef UDMAIL_BUF_H
#define UDMAIL_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* 0 = BUF_MAX_DEFAULT */
};

#define BUF_MAX_DEFAULT ((size_t)1 << 30)
#define BUF_INIT { NULL, 0, 0, 0 }

/* Each returns 0, or -1 (errno ENOMEM or E2BIG) leaving buf unchanged. */
int buf_append(struct buf *b, const void *p, size_t n)
    __attribute__((warn_unused_result));
int buf_puts(struct buf *b, const char *s) __attribute__((warn_unused_result));
int buf_putc(struct buf *b, char c) __attribute__((warn_unused_result));
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));
/* The contents as a C string ("" when empty). */
const char *buf_cstr(const struct buf *b);
void buf_reset(struct buf *b);
/* Drop everything after the first LEN bytes (no-op if shorter). */
void buf_truncate(struct buf *b, size_t len);
/* Free the storage (buf_wipe_free zeroes it first, for secrets). */
void buf_free(struct buf *b);
/* Untrusted text for a message: at most 64 bytes of S, control, non-ASCII,
   '"' and '\\' bytes as \xNN, "..." when cut, so a hostile value cannot
   forge log lines.  Writes into OUT (OUTSZ >= 8) and returns it. */
const char *buf_vis(char *out, size_t outsz, const char *s);
/* An LDAP DN or value for a message: the LEN bytes at S (a NUL escaped
   like any control byte), control and non-ASCII bytes as the hex pairs of
   RFC 4514 (\C3\BC), so an escaped DN still reads as the same DN; '\\'
   is kept, a DN's own escapes start with it.  Cut silently to fit OUT
   (OUTSZ >= 8), which it returns. */
const char *buf_vis_dn(char *out, size_t outsz, const char *s, size_t len);
/* Append S escaped as buf_vis does, but whole (a report, not a log line).
   Returns 0, or -1 as buf_append. */
int buf_put_vis(struct buf *b, const char *s)
    __attribute__((warn_unused_result));
/* The same for the LEN bytes at S (a NUL is escaped like any control
   byte), at most MAX of them, then "...". */
int buf_put_visn(struct buf *b, const char *s, size_t len, size_t max)
    __attribute__((warn_unused_result));
/* Append S as a JSON string with its quotes ("null" when S is NULL):
   '"', '\\', control characters and DEL escaped, valid UTF-8 kept, each
   byte of an invalid sequence as \ufffd, so the output is always valid
   JSON.  Returns 0, or -1 as buf_append. */
int buf_put_json(struct buf *b, const char *s)
    __attribute__((warn_unused_result));
void buf_wipe_free(struct buf *b);

#endif
