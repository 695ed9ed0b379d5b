/*
 * errbuf: the reason a lib/ call failed, carried back to the caller, who
 * decides whether and how to log it.  Fixed size; never holds secrets.
 */
#ifndef UDMAIL_ERRBUF_H
#define UDMAIL_ERRBUF_H

#define ERRBUF_MAX 512

struct errbuf {
	char msg[ERRBUF_MAX];
	int errnum; /* errno at the time of failure, or 0 */
};

/* Set the message; errnum is cleared. */
void errbuf_set(struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set the message and append ": strerror(errno)"; errnum = errno. */
void errbuf_syserr(struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefix the current message with "PREFIX: ". */
void errbuf_prefix(struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void errbuf_clear(struct errbuf *eb);

#endif
