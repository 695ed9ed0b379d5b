/*
 * table: one face for every output, whatever its file format: Postfix
 * maps (lib/map) and the Dovecot passwd-file (lib/pwfile).  Used by the
 * sync pipeline to publish and by mailmap to query, dump and diff.
 */
#ifndef UDMAIL_TABLE_H
#define UDMAIL_TABLE_H

#include "conf.h"
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

/* Compare the published file with L (sorted by key) in one pass: sets
   *OLD_COUNT_R (0 when the file does not exist) and *SAME_R (1 when it
   holds exactly L's entries with the configured mode and group, so
   publishing can be skipped).  Returns 0, or -1 with EB set when the
   file exists but cannot be read. */
int table_compare(const struct conf_output *o, enum output_kind kind,
    const struct kvlist *l, long long *old_count_r, int *same_r,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* Two steps, so several tables can be built before any is published:
   table_prepare writes and completes a temp table beside the target
   (CHANGED: the caller compared and knows the content differs);
   table_publish renames it over the target, table_discard removes it. */
struct table_writer;
int table_prepare(const struct conf_output *o, enum output_kind kind,
    const struct kvlist *l, int changed, struct table_writer **tw_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
int table_publish(struct table_writer **twp, int *changed_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
void table_discard(struct table_writer **twp);

#endif
