/*
 * table: one face for every output, whatever its file format: Postfix
 * maps (lib/map) and the Dovecot passwd-file (lib/pwfile).  Used by the
 * sync pipeline to publish and by mailmap to query, dump and diff.
 */
#ifndef UDMAIL_TABLE_H
#define UDMAIL_TABLE_H

#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "digest.h"
#include "errbuf.h"
#include "map.h"
#include "model.h"

struct table;

/* Open the published file of output KIND for reading.  A missing file
   returns NULL with EB->errnum == ENOENT. */
struct table *table_open(const struct conf_output *o, enum output_kind kind,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* 1 found (*VALUE_R malloc'd; secret for passwd), 0 not found, -1 error. */
int table_lookup(struct table *t, const char *key, char **value_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
int table_iterate(struct table *t, map_visit_fn *fn, void *arg,
    struct errbuf *eb) __attribute__((warn_unused_result));
void table_close(struct table **tp);

/* What table_scan found of a published table. */
struct table_state {
	int exists;
	int perm_ok;          /* mode and group as configured */
	struct digest digest; /* its entries; digest.count of them */
	dev_t dev;            /* which file was read (table_scan_current) */
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Read the published file of output KIND into TS in constant memory: a
   digest of its entries (compared with the new entries' to decide
   whether to publish) and their count (for the shrink guard).  A missing
   file is no error: TS->exists is 0.  Returns 0, or -1 with EB set when
   the file exists but cannot be read. */
int table_scan(const struct conf_output *o, enum output_kind kind,
    struct table_state *ts, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* 1 if the published file is still the one TS describes. */
int table_scan_current(const struct conf_output *o, enum output_kind kind,
    const struct table_state *ts);

/* Build a table in steps, so several can be built before any is
   published: open a temp table beside the target, put the entries
   (unique keys, as the model emits them; sorted is fastest), finish it,
   then table_publish renames it over the target, or table_discard removes
   it. */
struct table_writer;
int table_writer_open(const struct conf_output *o, enum output_kind kind,
    struct table_writer **tw_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
int table_writer_put(struct table_writer *tw, const char *key,
    const char *value, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Complete the temp table (commit, sync: the slow part); the caller
   compared the entries with the published file's and knows they differ
   (or there is none).  -1 with EB set: then only table_discard. */
int table_writer_finish(struct table_writer *tw, struct errbuf *eb)
    __attribute__((warn_unused_result));
int table_publish(struct table_writer **twp, int *changed_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
void table_discard(struct table_writer **twp);

/* The entries in the published table of output KIND, in *COUNT_R (as
   map_count, or the passwd-file's lines).  0, or -1 with EB set (a
   missing file: errnum ENOENT). */
int table_count(const struct conf_output *o, enum output_kind kind,
    long long *count_r, struct errbuf *eb) __attribute__((warn_unused_result));
/* Apply EDITS (distinct keys; VALUE NULL removes one) to the published
   table of output KIND where it lies: map_patch for maps (lmdb only;
   errnum ENOTSUP for the others), pwfile_splice for passwd (EDITS in
   byte order of the keys).  *DELTA_R, *CHANGED_R and failures as
   those. */
int table_patch(const struct conf_output *o, enum output_kind kind,
    const struct map_edit *edits, size_t n, long long *delta_r,
    int *changed_r, struct errbuf *eb) __attribute__((warn_unused_result));

#endif
