/*
 * spill: strings parked in a scratch file that has no name, in a
 * directory the caller picks (the passwd-file's own, so that a hash
 * never lands anywhere its published copy would not), and read back by
 * handle.  The sync parks the mail password hashes there while LDAP
 * pages arrive, and reads them back in login order.
 */
#ifndef UDMAIL_SPILL_H
#define UDMAIL_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

struct spill;

/* Longest string spill_put takes. */
#define SPILL_STR_MAX 65535

/* A new, empty scratch file in DIR: O_TMPFILE where the file system has
   it, else mkstemp and unlink at once; mode 0600 either way.  Returns
   NULL with EB set. */
struct spill *spill_open(const char *dir, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Append STR (without its NUL); *REF_R is its handle.  0, or -1 with EB
   set (the message never quotes STR). */
int spill_put(struct spill *s, const char *str, uint64_t *ref_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* The buffer grows up to BYTES (default 16 MiB, at least 64 KiB) before
   strings go to the file.  Call before the first spill_put. */
void spill_memory_max(struct spill *s, size_t bytes);
/* Bytes written to the file so far (0: everything is in memory). */
uint64_t spill_file_bytes(const struct spill *s);
/* Copy the string REF names into BUF (BUFSZ bytes, NUL-terminated).
   Never changes S: calls from several threads at once are safe as long
   as nobody calls spill_put meanwhile.  0, or -1 with EB set. */
int spill_get(const struct spill *s, uint64_t ref, char *buf, size_t bufsz,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Close the file (its blocks go with it) and wipe the buffer.  Accepts
   NULL. */
void spill_close(struct spill **sp);

#endif
