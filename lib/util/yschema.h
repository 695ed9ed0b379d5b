/*
 * yschema: the one YAML schema engine of udmail's strict readers
 * (udmail.yaml, maildnscheck's expected state).  It reads the checked
 * yamlutil event stream as it comes, never a document tree: a mapping is
 * read against a table of rows (each starts with its key name), a list
 * item by item, and the reader's handler sees each value's first event.
 * The engine owns every structural rule: mapping and scalar kinds, key
 * names (scalars, none twice, each in the table), the stream's limits,
 * and one message shape, "FILE:LINE:COL: SECTION.KEY: what".
 */
#ifndef UDMAIL_YSCHEMA_H
#define UDMAIL_YSCHEMA_H

#include <stdarg.h>
#include <stddef.h>

#include "errbuf.h"
#include "yamlutil.h"

struct yschema;

/* A handler's "read no further in this list or mapping": the engine
   skips the rest of it, and yschema_map or yschema_list returns it. */
#define YSCHEMA_STOP 1

/* The handlers.  Each returns 0 to go on, YSCHEMA_STOP (after an error
   of a rank above 0, see yschema_fault), or -1 with the message set
   (yschema_fail, yschema_nomem, or an engine call that failed).  VALUE,
   ITEM and ROOT are the first event of the value: its text lives until
   the handler reads further; a list or mapping the handler leaves
   unread is skipped.  KEY's text lives until its mapping ends. */
typedef int yschema_root_fn(struct yschema *ys, void *arg,
    const struct yevent *root);
typedef int yschema_pair_fn(struct yschema *ys, void *arg, const void *row,
    const struct yevent *key, const struct yevent *value);
typedef int yschema_item_fn(struct yschema *ys, void *arg,
    const struct yevent *item);

/* Read DATA (one document, NAME in messages) within LIM and hand its
   root to FN: an empty file gives a null scalar at 1:1.  A YAML error
   anywhere in the file (syntax, limits, anchors) wins over a schema
   error found before it, as it would in a reader of the whole document.
   Returns 0, or -1 with EB set. */
int yschema_parse(const char *name, const char *data, size_t len,
    const struct yaml_limits *lim, yschema_root_fn *fn, void *arg,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* A mapping as yschema_map reads it, with the choices a big file needs.
   RANK: the rank of the engine's errors in it (see yschema_fault).
   KEEP (may be NULL): copies a key's text where the reader keeps it
   (beyond the mapping) and returns the copy, or NULL when out of
   memory; without it the engine holds the keys while the mapping is
   read.  DUP (may be NULL): a duplicate key is handed to it, and its
   value skipped, rather than being an error.  KEYWORD: "expected
   KEYWORD, got KIND" for a key that is not a scalar (NULL: "a key
   name"). */
struct yschema_map {
	const char *sect;
	const char *what;
	const char *keyword;
	const void *table;
	size_t rowsize;
	int rank;
	const char *(*keep)(void *arg, const char *str, size_t len);
	int (*dup)(struct yschema *ys, void *arg, const struct yevent *key,
	    unsigned first);
	yschema_pair_fn *fn;
	void *arg;
};

/* Read the mapping MAP starts as M says.  Returns 0, -1, or
   YSCHEMA_STOP (an error of M->rank, or from a handler). */
int yschema_read_map(struct yschema *ys, const struct yschema_map *m,
    const struct yevent *map) __attribute__((warn_unused_result));

/* Read the mapping MAP starts, of WHAT ("LDAP settings"): every key a
   scalar, none twice, and with TABLE (NULL: any key; else ROWSIZE-byte
   rows each starting with a "const char *name", ended by a NULL name)
   one of its names, else an error listing them.  FN gets each pair and
   the key's row (NULL without a table).  SECT names the mapping in
   messages ("" at the root).  Returns 0 or -1 (or YSCHEMA_STOP from
   FN). */
int yschema_map(struct yschema *ys, const char *sect, const char *what,
    const struct yevent *map, const void *table, size_t rowsize,
    yschema_pair_fn *fn, void *arg) __attribute__((warn_unused_result));

/* Read the list SEQ starts (its type must be YEV_SEQ), each item to FN.
   Returns 0, -1 or YSCHEMA_STOP (from FN). */
int yschema_list(struct yschema *ys, const struct yevent *seq,
    yschema_item_fn *fn, void *arg) __attribute__((warn_unused_result));

/* The value kind "a scalar or a list of scalars", V its first event.  A
   mapping is "expected WHAT, got a mapping", a list item that is not a
   scalar "expected ITEM, got KIND" (errors of RANK, at SECT.KEY).  Each
   scalar, V itself or each item (IN_LIST set), goes to FN; a null one
   too.  Returns 0, -1 or YSCHEMA_STOP. */
typedef int yschema_scalar_fn(struct yschema *ys, void *arg,
    const struct yevent *v, int in_list);
int yschema_scalars(struct yschema *ys, int rank, const char *sect,
    const char *key, const struct yevent *v, const char *what,
    const char *item, yschema_scalar_fn *fn, void *arg)
    __attribute__((warn_unused_result));

/* 0 if V is a scalar and not null; else -1 with "expected WHAT, got
   KIND" (SECT.KEY, at V). */
int yschema_scalar(struct yschema *ys, const char *sect,
    const struct yevent *v, const char *key, const char *what)
    __attribute__((warn_unused_result));

/* The message "NAME:LINE:COL: SECT.KEY: what" at AT (NULL: 1:1; KEY may
   be NULL, SECT ""), the first problem of the file.  Returns -1. */
int yschema_fail(struct yschema *ys, const char *sect, const struct yevent *at,
    const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int yschema_vfail(struct yschema *ys, const char *sect,
    const struct yevent *at, const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/* The same as an error of RANK.  Rank 0 (yschema_fail's) is the end of
   the reading: returns -1.  Above 0 the reading goes on, and the
   handler returns what this returns, YSCHEMA_STOP, so that the rest of
   the list or mapping holding AT is skipped.  The file's message is
   then its error of the lowest rank, the first of that rank; a Hiera
   export's rank says which error a reader of the whole document would
   have named (its shape, then its version, then its content). */
int yschema_fault(struct yschema *ys, int rank, const char *sect,
    const struct yevent *at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
int yschema_vfault(struct yschema *ys, int rank, const char *sect,
    const struct yevent *at, const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
/* The rank of the error held, or -1 when there is none yet. */
int yschema_rank(const struct yschema *ys);

/* "NAME: out of memory" with ENOMEM.  Returns -1. */
int yschema_nomem(struct yschema *ys);

/* The scalar's text quoted for a message (at most 64 bytes shown) in
   TMP; "?" for anything else. */
const char *yschema_shown(const struct yevent *v, char *tmp, size_t size);

#endif
