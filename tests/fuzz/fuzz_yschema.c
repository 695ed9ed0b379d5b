/*
 * fuzz_yschema: the schema engine on arbitrary bytes, through a schema
 * that takes every path the engine has: a root table, mappings of any
 * keys (engine-held, and reader-kept with a duplicate hook), lists, and
 * errors of every rank from the values.  An input either reads whole or
 * fails with "fuzz.yaml:...", and the engine's keys are all released.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "yschema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct yaml_limits lim = {
	.max_bytes = 1 << 16,
	.max_depth = 12,
	.max_nodes = 2000,
	.max_scalar = 256,
};

struct fz {
	char **kept;
	size_t nkept, cap;
	unsigned depth;
};

static int value(struct yschema *, struct fz *, const struct yevent *);

static const char *
keep(void *arg, const char *s, size_t len)
{
	struct fz *f = arg;
	char **v;

	if (f->nkept == f->cap) {
		f->cap = f->cap == 0 ? 16 : f->cap * 2;
		if ((v = realloc(f->kept, f->cap * sizeof(*v))) == NULL)
			return NULL;
		f->kept = v;
	}
	return f->kept[f->nkept++] = strndup(s, len);
}

static int
dup_key(struct yschema *ys, void *arg, const struct yevent *k,
    unsigned first)
{
	(void)arg;
	assert(first <= k->line);
	return k->len == 1 ? yschema_fault(ys, 2, "kept", k, NULL, "dup") : 0;
}

static int
pair(struct yschema *ys, void *arg, const void *row, const struct yevent *k,
    const struct yevent *v)
{
	(void)row;
	assert(k->type == YEV_SCALAR && strlen(k->str) == k->len);
	return value(ys, arg, v);
}

static int
item(struct yschema *ys, void *arg, const struct yevent *it)
{
	return value(ys, arg, it);
}

static const struct {
	const char *name;
} rows[] = { { "a" }, { "b" }, { "list" }, { "map" }, { "kept" },
	{ NULL } };

static int
collection(struct yschema *ys, struct fz *f, const struct yevent *v)
{
	const struct yschema_map m = { .sect = "kept", .what = "kept keys",
		.keyword = "a kept key", .rank = 1 + f->depth % 2,
		.keep = keep, .dup = dup_key, .fn = pair, .arg = f };
	int r;

	f->depth++;
	if (v->type == YEV_SEQ)
		r = yschema_list(ys, v, item, f);
	else if (f->depth % 3 == 0)
		r = yschema_read_map(ys, &m, v);
	else
		r = yschema_map(ys, "any", "anything", v, NULL, 0, pair, f);
	f->depth--;
	/* a stop ends the collection it came from only, every other level */
	return r == YSCHEMA_STOP && f->depth % 2 == 0 ? 0 : r;
}

static int
value(struct yschema *ys, struct fz *f, const struct yevent *v)
{
	if (v->type != YEV_SCALAR)
		return collection(ys, f, v);
	assert(strlen(v->str) == v->len);
	if (strcmp(v->str, "fail") == 0)
		return yschema_fail(ys, "", v, "k", "fail");
	if (strncmp(v->str, "rank", 4) == 0 && v->len == 5)
		return yschema_fault(ys, v->str[4] & 3, "r", v, NULL, "%s",
		    v->str);
	if (strcmp(v->str, "str") == 0)
		return yschema_scalar(ys, "", v, "s", "a string");
	return 0;
}

static int
root(struct yschema *ys, void *arg, const struct yevent *r)
{
	if (r->type != YEV_MAP)
		return value(ys, arg, r);
	return yschema_map(ys, "", "settings", r, rows, sizeof(*rows), pair,
	    arg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf eb;
	struct fz f;
	size_t i;

	memset(&f, 0, sizeof(f));
	errbuf_clear(&eb);
	if (yschema_parse("fuzz.yaml", (const char *)data, size, &lim, root,
	    &f, &eb) == -1)
		assert(strncmp(eb.msg, "fuzz.yaml:", 10) == 0);
	assert(f.depth == 0);
	for (i = 0; i < f.nkept; i++)
		free(f.kept[i]);
	free(f.kept);
	return 0;
}
