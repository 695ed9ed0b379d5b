/*
 * table: dispatch between Postfix maps and the Dovecot passwd-file, and
 * resolve the configured group name.  Keeps callers free of per-format
 * branches.
 */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "pwfile.h"
#include "table.h"

struct table {
	enum output_kind kind;
	struct map_reader *map;
	struct pwfile_reader *pw;
};

static int
resolve_gid(const struct conf_output *o, gid_t *gid_r, struct errbuf *eb)
{
	struct group gr, *res = NULL;
	char buf[4096];
	int r;

	*gid_r = ATOMICFILE_KEEP_GID;
	if (o->group == NULL)
		return 0;
	r = getgrnam_r(o->group, &gr, buf, sizeof(buf), &res);
	if (res == NULL) {
		errno = r;
		if (r == 0)
			errbuf_set(eb, "group '%s' does not exist", o->group);
		else
			errbuf_syserr(eb, "group '%s'", o->group);
		return -1;
	}
	*gid_r = gr.gr_gid;
	return 0;
}

struct table *
table_open(const struct conf_output *o, enum output_kind kind,
    struct errbuf *eb)
{
	struct table *t;
	char *file;

	if ((file = conf_output_file(o, kind)) == NULL) {
		errbuf_syserr(eb, "%s", conf_output_name(kind));
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		errbuf_syserr(eb, "%s", file);
		free(file);
		return NULL;
	}
	t->kind = kind;
	if (kind == OUTPUT_PASSWD)
		t->pw = pwfile_reader_open(file, eb);
	else
		t->map = map_reader_open(o->format, file, eb);
	free(file);
	if (t->pw == NULL && t->map == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

int
table_lookup(struct table *t, const char *key, char **value_r,
    struct errbuf *eb)
{
	if (t->pw != NULL)
		return pwfile_lookup(t->pw, key, value_r, eb);
	return map_lookup(t->map, key, value_r, eb);
}

int
table_iterate(struct table *t, map_visit_fn *fn, void *arg,
    struct errbuf *eb)
{
	if (t->pw != NULL)
		return pwfile_iterate(t->pw, fn, arg);
	return map_iterate(t->map, fn, arg, eb);
}

void
table_close(struct table **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	pwfile_reader_close(&(*tp)->pw);
	map_reader_close(&(*tp)->map);
	free(*tp);
	*tp = NULL;
}

struct cmpctx {
	const struct kvlist *l;
	long long seen;
	size_t next; /* where the next key is expected in sorted order */
	int differ;
};

static int
kv_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kv *)elem)->key);
}

static int
compare_visit(const char *key, const char *value, void *arg)
{
	struct cmpctx *c = arg;
	const struct kv *e;

	c->seen++;
	/* lmdb and passwd-file iterate in key order: try the next slot
	   before searching (Berkeley DB hash order is random). */
	if (c->next < c->l->n && strcmp(key, c->l->v[c->next].key) == 0)
		e = &c->l->v[c->next];
	else
		e = bsearch(key, c->l->v, c->l->n, sizeof(*c->l->v),
		    kv_key_cmp);
	if (e != NULL)
		c->next = (size_t)(e - c->l->v) + 1;
	if (e == NULL || strcmp(e->value, value) != 0)
		c->differ = 1;
	return 0;
}

int
table_compare(const struct conf_output *o, enum output_kind kind,
    const struct kvlist *l, long long *old_count_r, int *same_r,
    struct errbuf *eb)
{
	struct cmpctx c = { l, 0, 0, 0 };
	struct table *t;
	struct stat st;
	char *file;
	gid_t gid;
	int perm_ok, r;

	*old_count_r = 0;
	*same_r = 0;
	if ((file = conf_output_file(o, kind)) == NULL) {
		errbuf_syserr(eb, "%s", conf_output_name(kind));
		return -1;
	}
	r = stat(file, &st);
	free(file);
	if (r == -1)
		return errno == ENOENT ? 0 : (errbuf_syserr(eb, "%s",
		    conf_output_name(kind)), -1);
	if (resolve_gid(o, &gid, eb) == -1)
		return -1;
	perm_ok = (st.st_mode & 07777) == o->mode &&
	    (gid == ATOMICFILE_KEEP_GID || st.st_gid == gid);
	if ((t = table_open(o, kind, eb)) == NULL)
		return -1;
	r = table_iterate(t, compare_visit, &c, eb);
	table_close(&t);
	if (r == -1)
		return -1;
	/* Keys are unique on both sides: equal counts and every old entry
	   found with its value means the same set. */
	*old_count_r = c.seen;
	*same_r = perm_ok && !c.differ && c.seen == (long long)l->n;
	return 0;
}

struct table_writer {
	struct map_writer *mw;
	struct pwfile_writer *pw;
};

int
table_prepare(const struct conf_output *o, enum output_kind kind,
    const struct kvlist *l, int changed, struct table_writer **tw_r,
    struct errbuf *eb)
{
	struct table_writer *tw;
	char *file;
	gid_t gid;
	size_t i;
	int r;

	*tw_r = NULL;
	if (resolve_gid(o, &gid, eb) == -1)
		return -1;
	if ((tw = calloc(1, sizeof(*tw))) == NULL ||
	    (file = conf_output_file(o, kind)) == NULL) {
		errbuf_syserr(eb, "%s", conf_output_name(kind));
		free(tw);
		return -1;
	}
	if (kind == OUTPUT_PASSWD)
		tw->pw = pwfile_open(file, o->mode, gid, eb);
	else
		tw->mw = map_open(o->format, file, o->mode, gid, eb);
	free(file);
	if (tw->pw == NULL && tw->mw == NULL) {
		free(tw);
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		if (tw->pw != NULL)
			r = pwfile_put(tw->pw, l->v[i].key, l->v[i].value, eb);
		else
			r = map_put(tw->mw, l->v[i].key, l->v[i].value, eb);
		/* The model only renders valid entries, so any failure
		   here is I/O or a bug: publish nothing. */
		if (r == -1)
			goto fail;
	}
	if (tw->mw != NULL && map_finish(tw->mw, eb) == -1)
		goto fail;
	if (changed && tw->mw != NULL)
		map_assume_changed(tw->mw);
	else if (changed)
		pwfile_assume_changed(tw->pw);
	*tw_r = tw;
	return 0;
fail:
	table_discard(&tw);
	return -1;
}

int
table_publish(struct table_writer **twp, int *changed_r, struct errbuf *eb)
{
	struct table_writer *tw = *twp;
	int r;

	*twp = NULL;
	if (tw->pw != NULL)
		r = pwfile_commit(&tw->pw, changed_r, eb);
	else
		r = map_commit(&tw->mw, changed_r, eb);
	free(tw);
	return r;
}

void
table_discard(struct table_writer **twp)
{
	if (twp == NULL || *twp == NULL)
		return;
	pwfile_abort(&(*twp)->pw);
	map_abort(&(*twp)->mw);
	free(*twp);
	*twp = NULL;
}
