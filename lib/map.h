/*
 * map: Postfix lookup tables written and read without Postfix.  Byte
 * layout is postmap's (research/formats.md §3): keys lower-cased, key and
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

/* Start a table that replaces FILE (the full file name, e.g. from
   conf_output_file) on map_commit.  Returns NULL and fills EB. */
struct map_writer *map_open(enum map_format fmt, const char *file,
    mode_t mode, gid_t gid, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Add KEY -> VALUE.  KEY is lower-cased on the way in.  Returns 0 added,
   1 duplicate key (first one kept, like postmap), -1 error.  Writers are
   fastest when keys arrive sorted. */
int map_put(struct map_writer *m, const char *key, const char *value,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Publish; when the new table holds the same entries as the old one the
   old file is left in place (Postfix restarts daemons on a replace) and
   *CHANGED_R is 0.  Frees M in all cases. */
int map_commit(struct map_writer **mp, int *changed_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
void map_abort(struct map_writer **mp);

/* Read side, for mailmap query/dump/diff and the shrink guard.
   map_reader_open returns NULL with EB set; a missing FILE sets
   EB->errnum = ENOENT. */
struct map_reader *map_reader_open(enum map_format fmt, const char *file,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* KEY is lower-cased like postmap -q.  Returns 1 found (*VALUE_R malloc'd),
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

#endif
