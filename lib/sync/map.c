/*
 * map: the format-neutral half of the Postfix table code: entry checks,
 * key folding, the writer/reader life cycle and the "did anything change"
 * decision.  Backends (map_lmdb.c, map_db.c, map_text.c) only store and
 * fetch bytes.  Invariant: the published file is replaced whole or not at
 * all, and left alone when its entries would not change.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "map.h"
#include "map_int.h"

static const struct map_backend *
map_backend(enum map_format fmt)
{
	switch (fmt) {
	case MAP_FORMAT_LMDB:
		return &map_backend_lmdb;
	case MAP_FORMAT_HASH:
		return &map_backend_hash;
	case MAP_FORMAT_TEXT:
		return &map_backend_text;
	}
	return NULL;
}

/* The names are conf.c's table (format_names), the one list of them. */
const char *
map_format_name(enum map_format fmt)
{
	const char *name = conf_format_name(fmt);

	return name != NULL ? name : "?";
}

const char *
map_format_suffix(enum map_format fmt)
{
	switch (fmt) {
	case MAP_FORMAT_LMDB:
		return ".lmdb";
	case MAP_FORMAT_HASH:
		return ".db";
	case MAP_FORMAT_TEXT:
		return "";
	}
	return "";
}

int
map_format_parse(const char *name, enum map_format *fmt_r)
{
	int fmt;

	if ((fmt = conf_format_by_name(name)) == -1)
		return -1;
	*fmt_r = (enum map_format)fmt;
	return 0;
}

void
map_fold(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}


static int
map_isspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

int
map_check(const char *key, const char *value, struct errbuf *eb)
{
	char q[300];
	size_t klen, vlen, i;
	unsigned char c;
	const char *why = NULL;

	klen = strlen(key);
	vlen = strlen(value);
	if (klen == 0)
		why = "empty key";
	else if (klen > MAP_KEY_MAX)
		why = "key too long";
	else if (key[0] == '#')
		why = "key starts with '#' (a comment to postmap)";
	for (i = 0; why == NULL && i < klen; i++) {
		c = (unsigned char)key[i];
		if (c == '\r' || c == '\n')
			why = "CR or LF in key";
		else if (map_isspace(c))
			why = "whitespace in key";
		else if (c < 0x20 || c == 0x7f)
			why = "control character in key";
		else if (c >= 0x80)
			why = "non-ASCII key (Postfix folds case differently)";
	}
	if (why == NULL) {
		if (vlen == 0)
			why = "empty value";
		else if (vlen > MAP_VALUE_MAX)
			why = "value too long";
		else if (strpbrk(value, "\r\n") != NULL)
			why = "CR or LF in value";
		else if (map_isspace((unsigned char)value[0]) ||
		    map_isspace((unsigned char)value[vlen - 1]))
			why = "value starts or ends with whitespace";
	}
	if (why == NULL)
		return 0;
	(void)buf_vis(q, sizeof(q), key);
	errbuf_set(eb, "key \"%s\": %s", q, why);
	eb->errnum = EINVAL;
	return -1;
}

struct map_writer *
map_open(enum map_format fmt, const char *file, mode_t mode, gid_t gid,
    struct errbuf *eb)
{
	struct map_writer *m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		errbuf_syserr(eb, "%s", file);
		return NULL;
	}
	if ((m->be = map_backend(fmt)) == NULL) {
		errbuf_set(eb, "%s: unknown map format %d", file, (int)fmt);
		free(m);
		return NULL;
	}
	if ((m->af = atomicfile_open(file, mode, gid, eb)) == NULL) {
		free(m);
		return NULL;
	}
	m->file = atomicfile_path(m->af);
	return m;
}

static int
map_start(struct map_writer *m, struct errbuf *eb)
{
	if (m->be->wopen(m, eb) == -1) {
		errbuf_prefix(eb, "%s", m->file);
		return -1;
	}
	return 0;
}

int
map_put(struct map_writer *m, const char *key, const char *value,
    struct errbuf *eb)
{
	char kbuf[MAP_KEY_MAX + 1];
	size_t klen;
	int r;

	if (map_check(key, value, eb) == -1) {
		errbuf_prefix(eb, "%s", m->file);
		return -1;
	}
	if (m->impl == NULL && map_start(m, eb) == -1)
		return -1;
	klen = strlen(key);
	memcpy(kbuf, key, klen + 1);
	map_fold(kbuf, klen);
	r = m->be->put(m, kbuf, klen + 1, value, strlen(value) + 1, eb);
	if (r == -1)
		errbuf_prefix(eb, "%s", m->file);
	else if (r == 0)
		m->count++;
	return r;
}

static void
map_writer_free(struct map_writer *m)
{
	if (m->impl != NULL)
		m->be->wabort(m);
	atomicfile_abort(&m->af);
	free(m);
}

void
map_abort(struct map_writer **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	map_writer_free(*mp);
	*mp = NULL;
}

struct map_cmp {
	struct map_reader *newr;
	size_t seen;
	int differ;
};

static int
map_cmp_visit(struct map_reader *oldr, const char *k, size_t klen,
    const char *v, size_t vlen, void *arg)
{
	struct map_cmp *c = arg;
	char kbuf[MAP_KEY_MAX + 1];
	const char *nv;
	size_t nvlen;
	int r;

	/* Backends want KEY[KLEN] == NUL; ours never hold longer keys. */
	if (klen > MAP_KEY_MAX) {
		c->differ = 1;
		return 1;
	}
	memcpy(kbuf, k, klen);
	kbuf[klen] = '\0';
	r = c->newr->be->get(c->newr, kbuf, klen, &nv, &nvlen, NULL);
	c->seen++;
	if (r != 1 || nvlen != vlen || memcmp(nv, v, vlen) != 0) {
		c->differ = 1;
		return 1;
	}
	return 0;
}

/* 1 when the target holds exactly the entries of the finished temp file.
   Equal counts plus every old entry found with the same value in the new
   table means equal sets (keys are unique on both sides).  Any trouble
   reading the old table counts as "changed": publishing is then safe. */
static int
map_same_entries(struct map_writer *m)
{
	struct map_reader *oldr = NULL, *newr = NULL;
	struct map_cmp c;
	struct errbuf eb;
	long long n;
	int same = 0;

	if (!atomicfile_target_same_perm(m->af))
		return 0;
	if ((oldr = map_reader_open_be(m->be, m->file, &eb)) == NULL)
		return 0;
	if ((n = map_count(oldr, &eb)) < 0 || (size_t)n != m->count)
		goto out;
	newr = map_reader_open_be(m->be, atomicfile_openpath(m->af), &eb);
	if (newr == NULL)
		goto out;
	memset(&c, 0, sizeof(c));
	c.newr = newr;
	if (oldr->be->iterate(oldr, map_cmp_visit, &c, &eb) != 0 || c.differ)
		goto out;
	same = c.seen == m->count;
out:
	map_reader_close(&newr);
	map_reader_close(&oldr);
	return same;
}

int
map_finish(struct map_writer *m, struct errbuf *eb)
{
	if (m->finished)
		return 0;
	if (m->impl == NULL && map_start(m, eb) == -1)
		return -1;
	if (m->be->wfinish(m, eb) == -1) {
		errbuf_prefix(eb, "%s", m->file);
		return -1;
	}
	m->impl = NULL;
	m->finished = 1;
	return 0;
}

void
map_unique_keys(struct map_writer *m)
{
	m->unique = 1;
}

void
map_assume_changed(struct map_writer *m)
{
	m->known_changed = 1;
}

int
map_commit(struct map_writer **mp, int *changed_r, struct errbuf *eb)
{
	struct map_writer *m = *mp;
	int flags = 0;

	*mp = NULL;
	if (changed_r != NULL)
		*changed_r = 0;
	if (map_finish(m, eb) == -1)
		goto fail;
	if (m->be->bytes_compare)
		flags |= ATOMICFILE_IF_CHANGED;
	else if (!m->known_changed && map_same_entries(m)) {
		map_writer_free(m);
		return 0;
	}
	if (atomicfile_commit(&m->af, flags, changed_r, eb) == -1)
		goto fail;
	map_writer_free(m);
	return 0;
fail:
	map_writer_free(m);
	return -1;
}

struct map_reader *
map_reader_open_be(const struct map_backend *be, const char *file,
    struct errbuf *eb)
{
	struct map_reader *r;
	struct stat st;

	if (stat(file, &st) == -1) {
		errbuf_syserr(eb, "%s", file);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf_set(eb, "%s: not a regular file", file);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->file = strdup(file)) == NULL) {
		errbuf_syserr(eb, "%s", file);
		free(r);
		return NULL;
	}
	r->be = be;
	if (be->ropen(r, eb) == -1) {
		errbuf_prefix(eb, "%s", file);
		free(r->file);
		free(r);
		return NULL;
	}
	return r;
}

struct map_reader *
map_reader_open(enum map_format fmt, const char *file, struct errbuf *eb)
{
	const struct map_backend *be = map_backend(fmt);

	if (be == NULL) {
		errbuf_set(eb, "%s: unknown map format %d", file, (int)fmt);
		return NULL;
	}
	return map_reader_open_be(be, file, eb);
}

int
map_lookup(struct map_reader *r, const char *key, char **value_r,
    struct errbuf *eb)
{
	char kbuf[MAP_KEY_MAX + 1];
	const char *v;
	size_t klen, vlen;
	int ret;

	*value_r = NULL;
	klen = strlen(key);
	if (klen > MAP_KEY_MAX || klen == 0)
		return 0;
	memcpy(kbuf, key, klen + 1);
	map_fold(kbuf, klen);
	ret = r->be->get(r, kbuf, klen, &v, &vlen, eb);
	if (ret != 1) {
		if (ret == -1)
			errbuf_prefix(eb, "%s", r->file);
		return ret;
	}
	if ((*value_r = strndup(v, vlen)) == NULL) {
		errbuf_syserr(eb, "%s", r->file);
		return -1;
	}
	return 1;
}

struct map_visit {
	map_visit_fn *fn;
	void *arg;
	int ret;     /* FN's value when it stopped the walk */
	int stopped; /* 1: FN returned non-zero, 2: out of memory */
};

static int
map_iterate_visit(struct map_reader *r, const char *k, size_t klen,
    const char *v, size_t vlen, void *arg)
{
	struct map_visit *mv = arg;

	buf_reset(&r->kbuf);
	buf_reset(&r->vbuf);
	if (buf_append(&r->kbuf, k, klen) == -1 ||
	    buf_append(&r->vbuf, v, vlen) == -1) {
		mv->stopped = 2;
		return 1;
	}
	if ((mv->ret = mv->fn(buf_cstr(&r->kbuf), buf_cstr(&r->vbuf),
	    mv->arg)) != 0)
		mv->stopped = 1;
	return mv->ret != 0;
}

int
map_iterate(struct map_reader *r, map_visit_fn *fn, void *arg,
    struct errbuf *eb)
{
	struct map_visit mv = { fn, arg, 0, 0 };
	int ret;

	ret = r->be->iterate(r, map_iterate_visit, &mv, eb);
	if (mv.stopped == 1)
		return mv.ret;
	if (mv.stopped == 2) {
		errno = ENOMEM;
		errbuf_syserr(eb, "%s", r->file);
		return -1;
	}
	if (ret != 0) {
		errbuf_prefix(eb, "%s", r->file);
		return -1;
	}
	return 0;
}

long long
map_count(struct map_reader *r, struct errbuf *eb)
{
	long long n = r->be->count(r, eb);

	if (n < 0)
		errbuf_prefix(eb, "%s", r->file);
	return n;
}

void
map_reader_close(struct map_reader **rp)
{
	struct map_reader *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	*rp = NULL;
	if (r->impl != NULL)
		r->be->rclose(r);
	buf_free(&r->kbuf);
	buf_free(&r->vbuf);
	free(r->file);
	free(r);
}

int
map_patch(enum map_format fmt, const char *file, const struct map_edit *edits,
    size_t n, long long *delta_r, int *changed_r, struct errbuf *eb)
{
	const struct map_backend *be = map_backend(fmt);
	struct map_edit *fe = NULL;
	char *keys = NULL;
	size_t i, klen, off = 0, total = 0;
	int r = -1;

	*delta_r = 0;
	*changed_r = 0;
	if (be == NULL || be->patch == NULL) {
		errbuf_set(eb, "%s: %s tables are not updated in place", file,
		    be != NULL ? map_format_name(fmt) : "unknown");
		eb->errnum = ENOTSUP;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (map_check(edits[i].key, edits[i].value != NULL ?
		    edits[i].value : "x", eb) == -1) {
			errbuf_prefix(eb, "%s", file);
			return -1;
		}
		total += strlen(edits[i].key) + 1;
	}
	/* The keys folded as map_put folds them. */
	if ((fe = reallocarray(NULL, n + 1, sizeof(*fe))) == NULL ||
	    (keys = malloc(total + 1)) == NULL) {
		errbuf_syserr(eb, "%s", file);
		goto out;
	}
	for (i = 0; i < n; i++) {
		klen = strlen(edits[i].key);
		memcpy(keys + off, edits[i].key, klen + 1);
		map_fold(keys + off, klen);
		fe[i].key = keys + off;
		fe[i].value = edits[i].value;
		off += klen + 1;
	}
	r = be->patch(file, fe, n, delta_r, changed_r, eb);
out:
	free(fe);
	free(keys);
	return r;
}
