/*
 * ywalk: the table-driven walk over a yamlutil tree that every strict
 * udmail YAML reader shares (udmail.yaml, maildnscheck's expected state).
 * Keys are scalars and appear once per mapping; with a table, each key
 * names one of its rows.  Every message has one shape:
 * "FILE:LINE:COL: SECTION.KEY: what".
 */
#ifndef UDMAIL_YWALK_H
#define UDMAIL_YWALK_H

#include <stdarg.h>
#include <stddef.h>

#include "errbuf.h"
#include "yamlutil.h"

struct ywalk {
	const char *name;    /* the file, first in every message */
	struct errbuf *eb;
	const char *section; /* "ldap", "domains.example.org.dmarc" or "" */
};

/* Fill W->eb with "NAME:LINE:COL: SECTION.KEY: what" (KEY may be NULL,
   SECTION may be "").  Returns -1. */
int ywalk_fail(const struct ywalk *w, const struct ynode *at, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int ywalk_vfail(const struct ywalk *w, const struct ynode *at,
    const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* "NAME: out of memory" with ENOMEM.  Returns -1. */
int ywalk_nomem(const struct ywalk *w);

/* Called for each pair of a walked mapping with the table row the key
   names (NULL when walking without a table).  Returns 0 or -1 (W->eb
   set), which stops the walk. */
typedef int ywalk_fn(void *arg, const void *row, const struct ynode *key,
    const struct ynode *value);

/* Walk MAP, a mapping of WHAT: every key a scalar, none twice.  TABLE
   (may be NULL: any key) is an array of ROWSIZE-byte rows that each start
   with a "const char *name", ended by a row whose name is NULL; a key not
   in it is an error listing the names.  Returns 0, or -1 with W->eb set
   (from ywalk or FN). */
int ywalk_map(const struct ywalk *w, const char *what, const struct ynode *map,
    const void *table, size_t rowsize, ywalk_fn *fn, void *arg)
    __attribute__((warn_unused_result));

/* The scalar's text quoted for a message (at most 64 bytes shown) in TMP. */
const char *ywalk_shown(const struct ynode *n, char *tmp, size_t size);

#endif
