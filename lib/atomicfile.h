/*
 * atomicfile: replace a file whole or not at all.  The temp file lives
 * beside the target (same filesystem), gets its final mode and group
 * before any byte is written, is fsynced, renamed over the target, and
 * the directory is fsynced.  Any failure leaves the old target untouched.
 */
#ifndef UDMAIL_ATOMICFILE_H
#define UDMAIL_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "errbuf.h"

struct atomicfile;

#define ATOMICFILE_KEEP_GID ((gid_t)-1)

/* commit flags */
#define ATOMICFILE_IF_CHANGED 0x01 /* skip the rename when bytes are equal */
#define ATOMICFILE_NEW_MTIME  0x02 /* Dovecot: mtime second must advance */

/* Create "<dir>/.<base>.XXXXXX" next to PATH with MODE and GID.  Returns
   NULL and fills EB. */
struct atomicfile *atomicfile_open(const char *path, mode_t mode, gid_t gid,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* The temp file: a writer library (lmdb, Berkeley DB) may reopen it by
   name; it must not unlink it. */
int atomicfile_fd(const struct atomicfile *af);
const char *atomicfile_tmppath(const struct atomicfile *af);
int atomicfile_write(struct atomicfile *af, const void *p, size_t n,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Publish.  *CHANGED_R (may be NULL) is set to 0 when IF_CHANGED found
   equal bytes and nothing was renamed.  Frees AF in all cases. */
int atomicfile_commit(struct atomicfile **afp, int flags, int *changed_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Unlink the temp file and free AF; accepts NULL. */
void atomicfile_abort(struct atomicfile **afp);

#endif
