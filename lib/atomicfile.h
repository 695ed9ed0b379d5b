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
/* Skip the rename when the target already holds the same bytes with the
   same mode and group (a mode or group change alone is published). */
#define ATOMICFILE_IF_CHANGED 0x01
#define ATOMICFILE_NEW_MTIME  0x02 /* Dovecot: mtime second must advance */

/* Create "<dir>/.<base>.XXXXXX" next to PATH with MODE and GID (GID may
   be ATOMICFILE_KEEP_GID).  PATH must be absent or a regular file: a
   symlink, directory or device is refused with a message naming it; an
   unwritable directory gives "DIR: Permission denied".  Returns NULL and
   fills EB. */
struct atomicfile *atomicfile_open(const char *path, mode_t mode, gid_t gid,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* The temp file: a writer library (lmdb, Berkeley DB) may reopen it by
   name; it must not unlink it. */
int atomicfile_fd(const struct atomicfile *af);
const char *atomicfile_tmppath(const struct atomicfile *af);
const char *atomicfile_path(const struct atomicfile *af);
/* 1 when the target exists as a regular file with the mode and group the
   new file would get, else 0.  For callers that compare content
   themselves and then atomicfile_abort() instead of committing. */
int atomicfile_target_same_perm(const struct atomicfile *af);
int atomicfile_write(struct atomicfile *af, const void *p, size_t n,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* fsync, close and rename over the target, then fsync the directory.
   *CHANGED_R (may be NULL) is 1 when the target was replaced, 0 when
   IF_CHANGED found it equal (temp file removed, target untouched: same
   inode, same mtime).  With NEW_MTIME the new file's mtime second is made
   greater than the old target's.  On -1 the temp file is gone and the
   target untouched, except when only the final directory fsync failed
   (then *CHANGED_R is 1).  Frees AF in all cases. */
int atomicfile_commit(struct atomicfile **afp, int flags, int *changed_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Unlink the temp file and free AF; accepts NULL. */
void atomicfile_abort(struct atomicfile **afp);

#endif
