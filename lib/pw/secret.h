/*
 * secret: one buffer for one plaintext password.  The bytes live in
 * sodium_malloc'd memory (guard pages, mlock'ed where the system allows)
 * and are wiped when the secret is freed.  Reading never echoes.
 */
#ifndef UDMAIL_SECRET_H
#define UDMAIL_SECRET_H

#include <stddef.h>

#include "errbuf.h"

struct secret {
	char *data; /* NUL-terminated at len; capacity max + 1 */
	size_t len;
	size_t max; /* longest accepted secret, bytes */
};

#define SECRET_MAX_DEFAULT 4096

/* A new empty secret holding at most MAX bytes.  Returns NULL and fills
   EB (libsodium or memory failure). */
struct secret *secret_new(size_t max, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Wipe and free; accepts NULL. */
void secret_free(struct secret **sp);
void secret_clear(struct secret *s);

/* Each reader below fails with EB->errnum ENODATA when the input held no
   secret at all (nothing, or an empty line), so a program can tell "no
   password given" from bad input without reading the message. */

/* Read FD to its end into S.  One trailing "\n" is not part of the
   secret; any other newline is an error (one secret per input), as is
   more than s->max bytes or no input at all.  Returns 0 or -1 (EB). */
int secret_read_fd(struct secret *s, int fd, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Read one line from FD (byte by byte, so the rest stays unread for the
   next reader); the "\n" is not part of the secret.  Returns 0 or -1. */
int secret_read_line(struct secret *s, int fd, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Write PROMPT to the controlling terminal and read one line with echo
   off (restored even if a signal arrives, which is then re-raised).
   Returns 0 or -1 (EB; errnum ENXIO when there is no terminal). */
int secret_read_tty(struct secret *s, const char *prompt, struct errbuf *eb)
    __attribute__((warn_unused_result));

/* 1 if A and B hold the same bytes (constant time for equal lengths). */
int secret_equal(const struct secret *a, const struct secret *b);

#endif
