/*
 * errbuf: fixed-size failure reasons.  Truncation is harmless here: the
 * message is for people, and it is always NUL-terminated.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errbuf.h"

void
errbuf_clear(struct errbuf *eb)
{
	if (eb == NULL)
		return;
	eb->msg[0] = '\0';
	eb->errnum = 0;
}

void
errbuf_set(struct errbuf *eb, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	eb->errnum = 0;
}

void
errbuf_syserr(struct errbuf *eb, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	if (eb == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	len = strlen(eb->msg);
	(void)snprintf(eb->msg + len, sizeof(eb->msg) - len, ": %s",
	    strerror(saved));
	eb->errnum = saved;
	errno = saved;
}

void
errbuf_prefix(struct errbuf *eb, const char *fmt, ...)
{
	char old[ERRBUF_MAX], pre[ERRBUF_MAX];
	size_t len;
	va_list ap;

	if (eb == NULL)
		return;
	memcpy(old, eb->msg, sizeof(old));
	va_start(ap, fmt);
	(void)vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	/* Truncation is acceptable: the message is for people. */
	len = strlen(pre);
	if (len > sizeof(eb->msg) - 3)
		len = sizeof(eb->msg) - 3;
	memcpy(eb->msg, pre, len);
	memcpy(eb->msg + len, ": ", 2);
	len += 2;
	(void)snprintf(eb->msg + len, sizeof(eb->msg) - len, "%.*s",
	    (int)(sizeof(eb->msg) - len - 1), old);
}
