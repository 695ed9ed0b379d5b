/*
 * ywalk: strict mapping walks over a yamlutil tree.  A duplicate key is
 * refused, not overwritten, because a reader that silently keeps the
 * last value hides the first one from its author.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "ywalk.h"

int
ywalk_vfail(const struct ywalk *w, const struct ynode *at, const char *key,
    const char *fmt, va_list ap)
{
	char what[ERRBUF_MAX];
	const char *sect = w->section != NULL ? w->section : "";

	(void)vsnprintf(what, sizeof(what), fmt, ap);
	errbuf_set(w->eb, "%s:%u:%u: %s%s%s%s%s", w->name,
	    at != NULL ? at->line : 1, at != NULL ? at->col : 1, sect,
	    *sect != '\0' && key != NULL ? "." : "", key != NULL ? key : "",
	    *sect != '\0' || key != NULL ? ": " : "", what);
	return -1;
}

int
ywalk_fail(const struct ywalk *w, const struct ynode *at, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)ywalk_vfail(w, at, key, fmt, ap);
	va_end(ap);
	return -1;
}

int
ywalk_nomem(const struct ywalk *w)
{
	errbuf_set(w->eb, "%s: out of memory", w->name);
	w->eb->errnum = ENOMEM;
	return -1;
}

const char *
ywalk_shown(const struct ynode *n, char *tmp, size_t size)
{
	struct buf b = BUF_INIT;

	if (n->type != YNODE_SCALAR || yaml_quote(&b, n->str, n->len, 64) == -1)
		(void)snprintf(tmp, size, "?");
	else
		(void)snprintf(tmp, size, "%s", buf_cstr(&b));
	buf_free(&b);
	return tmp;
}

static const void *
row_of(const void *table, size_t rowsize, const struct ynode *k)
{
	const char *row = table, *name;

	for (;; row += rowsize) {
		memcpy(&name, row, sizeof(name));
		if (name == NULL)
			return NULL;
		if (strlen(name) == k->len && memcmp(name, k->str, k->len) == 0)
			return row;
	}
}

static int
unknown_key(const struct ywalk *w, const struct ynode *k, const void *table,
    size_t rowsize)
{
	struct buf names = BUF_INIT;
	const char *row = table, *name;
	char tmp[300];

	for (;; row += rowsize) {
		memcpy(&name, row, sizeof(name));
		if (name == NULL || buf_printf(&names, "%s%s",
		    row == (const char *)table ? "" : ", ", name) == -1)
			break;
	}
	(void)ywalk_fail(w, k, NULL, "unknown key '%s', expected one of: %s",
	    ywalk_shown(k, tmp, sizeof(tmp)), buf_cstr(&names));
	buf_free(&names);
	return -1;
}

int
ywalk_map(const struct ywalk *w, const char *what, const struct ynode *map,
    const void *table, size_t rowsize, ywalk_fn *fn, void *arg)
{
	const struct ynode *k, *v;
	const void *row = NULL;
	unsigned first;
	int dup;
	struct yseen *seen;
	char tmp[300];
	int r = -1;

	if (map == NULL || map->type != YNODE_MAP)
		return ywalk_fail(w, map, NULL, "expected a mapping of %s, got "
		    "%s", what, ynode_kind(map));
	if ((seen = yseen_new(map->nkids)) == NULL)
		return ywalk_nomem(w);
	for (k = map->first; k != NULL; k = v->next) {
		v = k->next;
		if (k->type != YNODE_SCALAR) {
			(void)ywalk_fail(w, k, NULL, "expected a key name, got "
			    "%s", ynode_kind(k));
			goto out;
		}
		if ((dup = yseen_add(seen, k->str, k->len, k->line, &first)) ==
		    -1) {
			(void)ywalk_nomem(w);
			goto out;
		}
		if (dup) {
			(void)ywalk_fail(w, k, NULL, "duplicate key '%s' (first "
			    "at line %u)", ywalk_shown(k, tmp, sizeof(tmp)),
			    first);
			goto out;
		}
		if (table != NULL &&
		    (row = row_of(table, rowsize, k)) == NULL) {
			(void)unknown_key(w, k, table, rowsize);
			goto out;
		}
		if (fn(arg, row, k, v) == -1)
			goto out;
	}
	r = 0;
out:
	yseen_free(&seen);
	return r;
}
