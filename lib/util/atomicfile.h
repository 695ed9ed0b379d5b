/*
 * atomicfile: replace a file whole or not at all, safely in a directory
 * that only we (or root) can change.  The directory is opened once
 * through lib/safedir and everything after goes through that descriptor:
 * the temp file ".<base>.udmail-tmp.XXXXXX" is created beside the target
 * with O_EXCL|O_NOFOLLOW, gets its final mode and group before any byte
 * is written, is fsynced, checked to be still ours, renamed over the
 * target, and the directory is fsynced.  Any failure leaves the old
 * target untouched.
 */
#ifndef UDMAIL_ATOMICFILE_H
#define UDMAIL_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "errbuf.h"

struct atomicfile;

#define ATOMICFILE_KEEP_GID ((gid_t)-1)

/* What temp file names carry between ".<base>" and the random suffix. */
#define ATOMICFILE_TMP_TAG ".udmail-tmp."

/* commit flags */
/* Skip the rename when the target already holds the same bytes with the
   same mode and group (a mode or group change alone is published). */
#define ATOMICFILE_IF_CHANGED 0x01
#define ATOMICFILE_NEW_MTIME  0x02 /* Dovecot: mtime second must advance */

/* Open PATH's directory with safedir_open (so a directory another user
   could change is refused, with the reason and the fix) and create the
   temp file there with MODE and GID (GID may be ATOMICFILE_KEEP_GID).
   PATH must be absent, a regular file, or a symbolic link (the link
   itself is replaced, its target never touched); a directory or device
   is refused with a message naming it; an unwritable directory gives
   "DIR: Permission denied".  Returns NULL and fills EB. */
struct atomicfile *atomicfile_open(const char *path, mode_t mode, gid_t gid,
    struct errbuf *eb) __attribute__((warn_unused_result));
int atomicfile_fd(const struct atomicfile *af);
/* The temp file's name, "<dir>/.<base>.udmail-tmp.XXXXXX", for messages. */
const char *atomicfile_tmppath(const struct atomicfile *af);
/* A name by which a library that insists on opening files itself (lmdb,
   Berkeley DB) reaches exactly the temp file: "/proc/self/fd/N" where
   /proc is mounted, else atomicfile_tmppath (safe too: the directory is
   one safedir trusts).  The library must not unlink or rename it; check
   its descriptor with atomicfile_check_fd. */
const char *atomicfile_openpath(const struct atomicfile *af);
/* 0 when FD is open on the temp file, else -1 with EB set. */
int atomicfile_check_fd(const struct atomicfile *af, int fd,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* A scratch file without a name in the target's directory (same file
   system, same protection; O_TMPFILE, or a temp name removed at once), so
   a killed run leaves nothing behind.  Returns a read-write descriptor
   (the caller closes it), or -1 with EB set. */
int atomicfile_scratch(const struct atomicfile *af, struct errbuf *eb)
    __attribute__((warn_unused_result));
const char *atomicfile_path(const struct atomicfile *af);
/* 1 when the target exists as a regular file with the mode and group the
   new file would get, else 0 (a symbolic link is never "the same").  For
   callers that compare content themselves and then atomicfile_abort()
   instead of committing. */
int atomicfile_target_same_perm(const struct atomicfile *af);
int atomicfile_write(struct atomicfile *af, const void *p, size_t n,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* fsync; check that the temp name still is the file we created (a
   regular file of ours with one link); rename it over the target (a
   symbolic link there is replaced, not followed); fsync the directory.
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
/* Replace PATH with the N bytes at P in one go: atomicfile_open with MODE
   and GID, atomicfile_write, atomicfile_commit (no flags).  For small
   files built whole in memory (metrics, the warning record).  Returns 0,
   or -1 with EB set and PATH untouched. */
int atomicfile_put(const char *path, mode_t mode, gid_t gid, const void *p,
    size_t n, struct errbuf *eb) __attribute__((warn_unused_result));

/* Remove the temp files killed writers left beside PATH: regular files
   of the effective user named ".<base>.udmail-tmp.XXXXXX", or as older
   versions named them (".<base>.XXXXXX", ".udmail-spill.XXXXXX"), at
   least MIN_AGE seconds old; symbolic links are never followed or
   removed.  Safe only while no other writer of PATH runs (callers hold a
   lock; MIN_AGE protects writers that take none).  Returns the number
   removed, or -1 with EB set (PATH's directory missing, or refused by
   safedir). */
long atomicfile_cleanup(const char *path, time_t min_age, struct errbuf *eb)
    __attribute__((warn_unused_result));

#endif
