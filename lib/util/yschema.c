/*
 * yschema: strict schema reading over the pulled yamlutil stream.  No
 * tree is built: the memory is the keys of the mappings open at the
 * moment (for duplicate detection), each mapping's in an arena given
 * back when it ends.  A duplicate key is refused, not overwritten,
 * because a reader that silently keeps the last value hides the first
 * one from its author.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "yschema.h"

/* The keys of one mapping, held for duplicate detection while it is
   read: small blocks, as most mappings are a handful of keys. */
#define KEYS_FIRST 1024
#define KEYS_MAX (64 * 1024)

struct yschema {
	const char *name;
	struct ystream *st;
	struct errbuf *eb;     /* the reader's: the first problem */
	struct errbuf steb;    /* the stream's, copied to eb on failure */
	size_t depth;          /* lists and mappings open */
	int rank;              /* of the error in eb, -1: none */
	int stream_failed;
	int nomem;
};

int
yschema_vfault(struct yschema *ys, int rank, const char *sect,
    const struct yevent *at, const char *key, const char *fmt, va_list ap)
{
	char what[ERRBUF_MAX];

	assert(rank >= 0);
	if (sect == NULL)
		sect = "";
	if (ys->rank == -1 || rank < ys->rank) {
		(void)vsnprintf(what, sizeof(what), fmt, ap);
		errbuf_set(ys->eb, "%s:%u:%u: %s%s%s%s%s", ys->name,
		    at != NULL ? at->line : 1, at != NULL ? at->col : 1, sect,
		    *sect != '\0' && key != NULL ? "." : "",
		    key != NULL ? key : "",
		    *sect != '\0' || key != NULL ? ": " : "", what);
		ys->rank = rank;
	}
	return rank == 0 ? -1 : YSCHEMA_STOP;
}

int
yschema_fault(struct yschema *ys, int rank, const char *sect,
    const struct yevent *at, const char *key, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = yschema_vfault(ys, rank, sect, at, key, fmt, ap);
	va_end(ap);
	return r;
}

int
yschema_vfail(struct yschema *ys, const char *sect, const struct yevent *at,
    const char *key, const char *fmt, va_list ap)
{
	return yschema_vfault(ys, 0, sect, at, key, fmt, ap);
}

int
yschema_fail(struct yschema *ys, const char *sect, const struct yevent *at,
    const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)yschema_vfault(ys, 0, sect, at, key, fmt, ap);
	va_end(ap);
	return -1;
}

int
yschema_rank(const struct yschema *ys)
{
	return ys->rank;
}

int
yschema_nomem(struct yschema *ys)
{
	errbuf_set(ys->eb, "%s: out of memory", ys->name);
	ys->eb->errnum = ENOMEM;
	ys->rank = 0;
	ys->nomem = 1;
	return -1;
}

const char *
yschema_shown(const struct yevent *v, char *tmp, size_t size)
{
	struct buf b = BUF_INIT;

	if (v->type != YEV_SCALAR ||
	    buf_put_visn(&b, v->str, v->len, 64) == -1)
		(void)snprintf(tmp, size, "?");
	else
		(void)snprintf(tmp, size, "%s", buf_cstr(&b));
	buf_free(&b);
	return tmp;
}

/* The next event, the depth kept.  A stream error is the file's
   message, whatever a handler said before. */
static int
next(struct yschema *ys, struct yevent *ev)
{
	int r;

	if ((r = ystream_next(ys->st, ev)) == -1) {
		ys->stream_failed = 1;
		ys->rank = 0;
		*ys->eb = ys->steb;
		return -1;
	}
	/* libyaml balances every collection before the stream ends, and
	   the engine reads no further than the root's end */
	if (r == 0) {
		errbuf_set(ys->eb, "%s: unexpected end of the YAML stream",
		    ys->name);
		ys->stream_failed = 1;
		ys->rank = 0;
		return -1;
	}
	if (ev->type == YEV_SEQ || ev->type == YEV_MAP)
		ys->depth++;
	else if (ev->type == YEV_END)
		ys->depth--;
	return 0;
}

/* Read on until the collections opened below DEPTH have closed: what a
   handler left unread. */
static int
skip_to(struct yschema *ys, size_t depth)
{
	struct yevent ev;

	while (ys->depth > depth)
		if (next(ys, &ev) == -1)
			return -1;
	return 0;
}

int
yschema_scalar(struct yschema *ys, const char *sect, const struct yevent *v,
    const char *key, const char *what)
{
	if (v->type != YEV_SCALAR || yevent_is_null(v))
		return yschema_fail(ys, sect, v, key, "expected %s, got %s",
		    what, yevent_kind(v));
	return 0;
}

static const void *
row_of(const void *table, size_t rowsize, const struct yevent *k)
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
unknown_key(struct yschema *ys, const struct yschema_map *m,
    const struct yevent *k)
{
	struct buf names = BUF_INIT;
	const char *row = m->table, *name;
	char tmp[300];
	int r;

	for (;; row += m->rowsize) {
		memcpy(&name, row, sizeof(name));
		if (name == NULL || buf_printf(&names, "%s%s",
		    row == (const char *)m->table ? "" : ", ", name) == -1)
			break;
	}
	r = yschema_fault(ys, m->rank, m->sect, k, NULL, "unknown key '%s', "
	    "expected one of: %s", yschema_shown(k, tmp, sizeof(tmp)),
	    buf_cstr(&names));
	buf_free(&names);
	return r;
}

/* The value of a pair is skipped or read, or the mapping stops: after
   -1, or YSCHEMA_STOP from a handler or an error of M->rank. */
static int
pair_end(struct yschema *ys, int r, size_t depth)
{
	if (r == -1)
		return -1;
	if (r == YSCHEMA_STOP)
		return skip_to(ys, depth - 1) == -1 ? -1 : YSCHEMA_STOP;
	return skip_to(ys, depth);
}

/* Copy the text of key K, checked to be a scalar, into *KC, where it
   lives until the mapping ends (KEYS), or as long as M->keep keeps it. */
static int
copy_key(struct yschema *ys, const struct yschema_map *m, struct arena *keys,
    const struct yevent *k, struct yevent *kc)
{
	if (k->type != YEV_SCALAR)
		return yschema_fault(ys, m->rank, m->sect, k, NULL, "expected "
		    "%s, got %s", m->keyword != NULL ? m->keyword :
		    "a key name", yevent_kind(k));
	*kc = *k;
	kc->str = m->keep != NULL ? m->keep(m->arg, k->str, k->len) :
	    arena_strndup(keys, k->str, k->len);
	if (kc->str == NULL)
		return yschema_nomem(ys);
	return 0;
}

/* A key and its value's first event: the key is new and named in the
   table, and the handler reads the value; or why not.  HASH is
   yseen_prefetch's, taken while the value was parsed (at a million
   keys, the lookups waited for memory a tenth of the reading). */
static int
read_pair(struct yschema *ys, const struct yschema_map *m, struct yseen *seen,
    uint64_t hash, const struct yevent *kc, const struct yevent *v)
{
	const void *row = NULL;
	unsigned first;
	char tmp[300];
	int dup;

	if ((dup = yseen_add_hashed(seen, hash, kc->str, kc->len, kc->line,
	    &first)) == -1)
		return yschema_nomem(ys);
	if (dup && m->dup != NULL)
		return m->dup(ys, m->arg, kc, first);
	if (dup)
		return yschema_fault(ys, m->rank, m->sect, kc, NULL,
		    "duplicate key '%s' (first at line %u)",
		    yschema_shown(kc, tmp, sizeof(tmp)), first);
	if (m->table != NULL &&
	    (row = row_of(m->table, m->rowsize, kc)) == NULL)
		return unknown_key(ys, m, kc);
	return m->fn(ys, m->arg, row, kc, v);
}

int
yschema_read_map(struct yschema *ys, const struct yschema_map *m,
    const struct yevent *map)
{
	struct yevent k, kc, v;
	struct yseen *seen;
	struct arena keys;
	size_t depth = ys->depth;
	uint64_t hash;
	int r;

	if (map->type != YEV_MAP)
		return yschema_fault(ys, m->rank, m->sect, map, NULL,
		    "expected a mapping of %s, got %s", m->what,
		    yevent_kind(map));
	if ((seen = yseen_new(0)) == NULL)
		return yschema_nomem(ys);
	arena_init(&keys, KEYS_FIRST, KEYS_MAX, 0);
	for (;;) {
		if ((r = next(ys, &k)) == -1 || k.type == YEV_END)
			break;
		if ((r = copy_key(ys, m, &keys, &k, &kc)) == 0) {
			hash = yseen_prefetch(seen, kc.str, kc.len);
			if ((r = next(ys, &v)) == 0)
				r = read_pair(ys, m, seen, hash, &kc, &v);
		}
		if ((r = pair_end(ys, r, depth)) != 0)
			break;
	}
	yseen_free(&seen);
	arena_free(&keys);
	return r;
}

int
yschema_map(struct yschema *ys, const char *sect, const char *what,
    const struct yevent *map, const void *table, size_t rowsize,
    yschema_pair_fn *fn, void *arg)
{
	const struct yschema_map m = { .sect = sect, .what = what,
		.table = table, .rowsize = rowsize, .fn = fn, .arg = arg };

	return yschema_read_map(ys, &m, map);
}

int
yschema_list(struct yschema *ys, const struct yevent *seq,
    yschema_item_fn *fn, void *arg)
{
	struct yevent it;
	size_t depth = ys->depth;
	int r;

	assert(seq->type == YEV_SEQ);
	for (;;) {
		if (next(ys, &it) == -1)
			return -1;
		if (it.type == YEV_END)
			return 0;
		if ((r = pair_end(ys, fn(ys, arg, &it), depth)) != 0)
			return r;
	}
}

struct scalars {
	int rank;
	const char *sect, *key, *item;
	yschema_scalar_fn *fn;
	void *arg;
};

static int
scalar_item(struct yschema *ys, void *arg, const struct yevent *it)
{
	const struct scalars *sc = arg;

	if (it->type != YEV_SCALAR)
		return yschema_fault(ys, sc->rank, sc->sect, it, sc->key,
		    "expected %s, got %s", sc->item, yevent_kind(it));
	return sc->fn(ys, sc->arg, it, 1);
}

int
yschema_scalars(struct yschema *ys, int rank, const char *sect,
    const char *key, const struct yevent *v, const char *what,
    const char *item, yschema_scalar_fn *fn, void *arg)
{
	struct scalars sc = { rank, sect, key, item, fn, arg };

	if (v->type == YEV_SCALAR)
		return fn(ys, arg, v, 0);
	if (v->type != YEV_SEQ)
		return yschema_fault(ys, rank, sect, v, key, "expected %s, got "
		    "%s", what, yevent_kind(v));
	return yschema_list(ys, v, scalar_item, &sc);
}

/* After a handler's error: read the rest, for a YAML error there. */
static void
drain(struct yschema *ys)
{
	struct yevent ev;
	int r;

	if (ys->stream_failed || ys->nomem)
		return;
	while ((r = ystream_next(ys->st, &ev)) == 1)
		;
	if (r == -1)
		*ys->eb = ys->steb;
}

int
yschema_parse(const char *name, const char *data, size_t len,
    const struct yaml_limits *lim, yschema_root_fn *fn, void *arg,
    struct errbuf *eb)
{
	static const struct yevent empty = { .type = YEV_SCALAR, .str = "",
	    .line = 1, .col = 1, .plain = 1 };
	struct yschema ys;
	struct yevent root, end;
	int r;

	memset(&ys, 0, sizeof(ys));
	ys.rank = -1;
	ys.name = name;
	ys.eb = eb;
	if ((ys.st = ystream_open(name, data, len, lim, &ys.steb)) == NULL) {
		*eb = ys.steb;
		return -1;
	}
	if ((r = ystream_next(ys.st, &root)) == -1) {
		*eb = ys.steb;
		goto out;
	}
	if (r == 0)
		root = empty;
	else if (root.type == YEV_SEQ || root.type == YEV_MAP)
		ys.depth = 1;
	r = fn(&ys, arg, &root) == -1 || skip_to(&ys, 0) == -1 ? -1 : 0;
	if (r == -1)
		drain(&ys);
	else if (ystream_next(ys.st, &end) == -1) {
		*eb = ys.steb;
		r = -1;
	} else if (ys.rank != -1)
		r = -1; /* an error of a rank above 0, held to the end */
out:
	ystream_close(&ys.st);
	return r;
}
