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

/* Entries in the published file: 0 when it does not exist, -1 error. */
long long table_count_file(const struct conf_output *o, enum output_kind kind,
    struct errbuf *eb);

/* Replace the published file with L (sorted).  *CHANGED_R is 0 when the
   content was already the same and the file was left alone. */
int table_write(const struct conf_output *o, enum output_kind kind,
    const struct kvlist *l, int *changed_r, struct errbuf *eb)
    __attribute__((warn_unused_result));

#endif
