/*
 * safedir: open a directory udmail is about to write into, but only if
 * no other user can change what its names point to: the directory and
 * every directory looked up on the way to it must be owned by the
 * effective user or root and not writable by group or others unless
 * sticky (the rule of OpenSSH's StrictModes, with /tmp-style sticky
 * directories allowed).  Callers then work through the descriptor
 * (openat, renameat, unlinkat), never through the name again.
 */
#ifndef UDMAIL_SAFEDIR_H
#define UDMAIL_SAFEDIR_H

#include <sys/stat.h>
#include <sys/types.h>

#include "errbuf.h"

/* 1 when a directory with status ST can be changed only by EUID or root:
   owned by one of them, and not writable by group or others unless the
   sticky bit is set (then nobody else can rename or remove our entries). */
int safedir_trusted(const struct stat *st, uid_t euid);

/* Open directory PATH (relative paths start at the working directory)
   with O_RDONLY|O_DIRECTORY|O_CLOEXEC, walking it one component at a
   time from "/": every directory a name is looked up in, and the result,
   must pass safedir_trusted; a symbolic link is followed only when its
   directory passes and, in a directory others may write (sticky), only
   when it belongs to us or root.  Returns the descriptor, or -1 with EB
   naming the directory at fault, why, and the fix (EB->errnum is ENOENT,
   ENOTDIR, EACCES, ELOOP, or EPERM for an untrusted directory). */
int safedir_open(const char *path, struct errbuf *eb)
    __attribute__((warn_unused_result));

#endif
