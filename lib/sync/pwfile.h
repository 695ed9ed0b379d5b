/*
 * pwfile: the Dovecot passwd-file, written
 * "user:{SCHEME}hash\n" through atomicfile and read back the way Dovecot
 * 2.3 parses it.  Errors name the user, never the password or hash.
 */
#ifndef UDMAIL_PWFILE_H
#define UDMAIL_PWFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "errbuf.h"

struct pwfile_writer;
struct pwfile_reader;

#define PWFILE_MODE_DEFAULT 0640
#define PWFILE_USER_MAX     255  /* bytes */
#define PWFILE_PASSWORD_MAX 1024 /* bytes, "{SCHEME}" included */

/* Start a passwd-file that replaces FILE on pwfile_commit, created with
   MODE (PWFILE_MODE_DEFAULT) and group GID (ATOMICFILE_KEEP_GID: the
   caller's) before anything is written.  Returns NULL and fills EB. */
struct pwfile_writer *pwfile_open(const char *file, mode_t mode, gid_t gid,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Would pwfile_put accept USER and PASSWORD?  USER: 1..PWFILE_USER_MAX
   bytes of Dovecot's default auth_username_chars in lower case
   (a-z 0-9 . - _ @), not starting with '#'.  PASSWORD: "{SCHEME}" then
   at least one byte, no ':', CR, LF or other control character.  Returns
   0, or -1 with EB naming the user (escaped) but never the password. */
int pwfile_check(const char *user, const char *password, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* 1 if C is one of Dovecot's default auth_username_chars in lower case
   (a-z 0-9 . - _ @), else 0: the one list of them. */
int pwfile_user_char(char c);
/* Add a line.  Returns 0 added, 1 duplicate user (first kept, as Dovecot
   does), -1 error (pwfile_check's reasons or I/O; then only
   pwfile_abort is left). */
int pwfile_put(struct pwfile_writer *w, const char *user,
    const char *password, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Publish.  Identical bytes (and mode, group): the old file stays (same
   inode and mtime) and *CHANGED_R (may be NULL) is 0.  Otherwise the
   new file's mtime second is made to differ from the old one's, because
   Dovecot re-reads only on an mtime-second or size change.  Frees W in
   all cases; -1 with EB set leaves the old file untouched. */
int pwfile_commit(struct pwfile_writer **wp, int *changed_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Drop the temp file; accepts NULL and *WP == NULL. */
void pwfile_abort(struct pwfile_writer **wp);
/* The caller guarantees each user once (the model does): no duplicate
   tracking, which costs memory at a million users.  Call before the
   first pwfile_put. */
void pwfile_unique_users(struct pwfile_writer *w);
/* The caller compared the entries with the published file and knows
   they differ: pwfile_commit skips its own byte comparison. */
void pwfile_assume_changed(struct pwfile_writer *w);

/* One change to the passwd-file: USER's line becomes "USER:PASSWORD",
   or goes (PASSWORD NULL). */
struct pwfile_edit {
	const char *user;
	const char *password;
};
/* Replace FILE (as pwfile_open: MODE, GID) with its lines and EDITS
   applied (distinct users in byte order, as the published lines are):
   the lines in between are copied by the kernel, each edit's place
   found by a binary search, so a million-line file costs a copy, not a
   rebuild.  Published through atomicfile with a new mtime second, unless
   no line changes (then *CHANGED_R is 0 and FILE untouched).  *DELTA_R:
   lines added less lines removed.  -1 with EB set (FILE untouched). */
int pwfile_splice(const char *file, mode_t mode, gid_t gid,
    const struct pwfile_edit *edits, size_t n, long long *delta_r,
    int *changed_r, struct errbuf *eb) __attribute__((warn_unused_result));
/* Read side, for mailmap query/dump/diff and the shrink guard.  Parses as
   Dovecot does: lines split on LF, a trailing CR dropped, a NUL ends the
   line, empty lines and lines starting with '#' or ':' skipped, first
   line of a duplicate user wins.  A missing FILE sets EB->errnum ENOENT.
   Returns NULL with EB set. */
struct pwfile_reader *pwfile_reader_open(const char *file, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Exact (case-sensitive) USER.  Returns 1 found (*PASSWORD_R malloc'd;
   the caller wipes and frees it), 0 not found, -1 error. */
int pwfile_lookup(struct pwfile_reader *r, const char *user,
    char **password_r, struct errbuf *eb) __attribute__((warn_unused_result));
/* Visit each user in file order; FN returning non-zero stops and is
   returned.  Returns 0 or FN's value. */
typedef int pwfile_visit_fn(const char *user, const char *password,
    void *arg);
int pwfile_iterate(struct pwfile_reader *r, pwfile_visit_fn *fn, void *arg);
/* Visit the entries of FILE in file order without loading it: constant
   memory, parsed as pwfile_reader_open does except that a repeated user
   is visited again.  *ST_R gets the file's fstat.  FN returning non-zero
   stops and is returned.  Returns 0, FN's value, or -1 with EB set (a
   missing FILE sets EB->errnum ENOENT; a line over 64 KiB is an error). */
int pwfile_scan(const char *file, pwfile_visit_fn *fn, void *arg,
    struct stat *st_r, struct errbuf *eb) __attribute__((warn_unused_result));
/* Number of distinct users. */
long long pwfile_count(const struct pwfile_reader *r);
/* Wipes the file contents held in memory; accepts NULL. */
void pwfile_reader_close(struct pwfile_reader **rp);

#endif
