/*
 * map: Postfix lookup tables written and read without Postfix.  Byte
 * layout is postmap's: keys lower-cased, key and
 * value each stored with one trailing NUL; lmdb is a single file
 * (MDB_NOSUBDIR, unnamed main DB), hash is Berkeley DB DB_HASH.  Text is
 * postmap source ("key<TAB>value\n").  Every write goes through
 * atomicfile: the table is replaced whole or not at all.
 */
#ifndef UDMAIL_MAP_H
#define UDMAIL_MAP_H

#include <stddef.h>
#include <sys/types.h>

#include "conf.h"
#include "errbuf.h"

struct map_writer;
struct map_reader;

/* Longest key and value, in bytes without the stored NUL.  LMDB's key
   limit is 511 bytes; mail addresses stop at 254. */
#define MAP_KEY_MAX   500
#define MAP_VALUE_MAX ((size_t)1 << 20)

/* "lmdb", "hash", "text"; the suffix postmap adds (".lmdb", ".db", "").
   map_format_parse returns 0, or -1 for an unknown name. */
const char *map_format_name(enum map_format fmt);
const char *map_format_suffix(enum map_format fmt);
int map_format_parse(const char *name, enum map_format *fmt_r)
    __attribute__((warn_unused_result));

/* Would map_put accept KEY -> VALUE?  Rejects: empty key or value; NUL,
   CR or LF anywhere; whitespace, control or non-ASCII bytes in the key; a
   key starting with '#'; a value with leading or trailing whitespace
   (postmap would drop it, so a text table would differ); over-long key
   or value.  Returns 0 or -1 with EB naming the key (quoted, escaped). */
int map_check(const char *key, const char *value, struct errbuf *eb)
    __attribute__((warn_unused_result));

/* Start a table that replaces FILE (the full file name, e.g. from
   conf_output_file) on map_commit.  Returns NULL and fills EB. */
struct map_writer *map_open(enum map_format fmt, const char *file,
    mode_t mode, gid_t gid, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Add KEY -> VALUE.  KEY is lower-cased on the way in.  Returns 0 added,
   1 duplicate key (first one kept, like postmap), -1 error (map_check's
   reasons, or an I/O error; the writer is then only fit for map_abort).
   Writers are fastest when keys arrive sorted. */
int map_put(struct map_writer *m, const char *key, const char *value,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Complete the temp table (transaction commit, sync: the slow part) so
   that map_commit only has to publish it.  Optional; map_commit does it
   otherwise.  Returns 0 or -1 with EB set (then call map_abort). */
int map_finish(struct map_writer *m, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* The caller guarantees every key once (the model does); call before
   the first map_put, which then never reports a duplicate.  Writers use
   it to save memory: the hash writer collects the entries and inserts
   them in Berkeley DB's bucket order at map_finish, so a small cache
   does instead of one that holds the whole table (at a million entries,
   8 MiB instead of 128, as fast); text keeps no set of keys. */
void map_unique_keys(struct map_writer *m);
/* The caller knows the entries differ from the published table's (it
   compared them itself): map_commit skips its own comparison. */
void map_assume_changed(struct map_writer *m);
/* Publish; when the new table holds the same entries as the old one the
   old file is left in place (Postfix restarts daemons on a replace) and
   *CHANGED_R is 0.  "Same" is decided on content, not bytes: lmdb and
   hash files differ between identical builds (Berkeley DB stamps a
   unique file id; page layout depends on insertion order), so the old
   table is read and compared entry by entry; text is compared byte for
   byte.  A mode or group change counts as a change.  Frees M in all
   cases. */
int map_commit(struct map_writer **mp, int *changed_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
void map_abort(struct map_writer **mp);

/* Read side, for mailmap query/dump/diff and the shrink guard.
   map_reader_open returns NULL with EB set; a missing FILE sets
   EB->errnum = ENOENT. */
struct map_reader *map_reader_open(enum map_format fmt, const char *file,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* KEY is lower-cased like postmap -q; as Postfix does, the key is tried
   with a trailing NUL first, then without.  Returns 1 found (*VALUE_R malloc'd),
   0 not found, -1 error. */
int map_lookup(struct map_reader *r, const char *key, char **value_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Visit every entry (storage order); FN returning non-zero stops and is
   returned.  Returns 0, FN's value, or -1 with EB set. */
typedef int map_visit_fn(const char *key, const char *value, void *arg);
int map_iterate(struct map_reader *r, map_visit_fn *fn, void *arg,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Number of entries; -1 on error. */
long long map_count(struct map_reader *r, struct errbuf *eb);
void map_reader_close(struct map_reader **rp);

/* One change to a published table: KEY maps to VALUE, or is removed
   (VALUE NULL). */
struct map_edit {
	const char *key;
	const char *value;
};
/* Apply EDITS (distinct keys) to the published table FILE in place, in
   one step its readers see whole: lmdb only (one write transaction, the
   whole file locked with fcntl() as Postfix's writers do; its readers
   take a shared lock around each lookup).  Entries already as wanted are
   left alone.  *DELTA_R: entries added less entries removed; *CHANGED_R:
   whether the file was written.  -1 with EB set: errnum ENOTSUP for a
   format that cannot, EWOULDBLOCK when a reader held its lock for more
   than MAP_PATCH_LOCK_WAIT_MS (the caller rebuilds the table whole in
   either case); the table is as it was. */
#define MAP_PATCH_LOCK_WAIT_MS 2000
int map_patch(enum map_format fmt, const char *file,
    const struct map_edit *edits, size_t n, long long *delta_r,
    int *changed_r, struct errbuf *eb) __attribute__((warn_unused_result));

#endif
