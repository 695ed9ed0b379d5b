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
#include "digest.h"
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

/* Digest every entry of a table, as map_iterate and pwfile_scan hand
   them over. */
static int
scan_visit(const char *key, const char *value, void *arg)
{
	digest_add(arg, key, value);
	return 0;
}

int
table_scan(const struct conf_output *o, enum output_kind kind,
    struct table_state *ts, struct errbuf *eb)
{
	struct map_reader *r;
	struct stat st;
	char *file;
	gid_t gid;
	int ret = -1;

	memset(ts, 0, sizeof(*ts));
	if ((file = conf_output_file(o, kind)) == NULL) {
		errbuf_syserr(eb, "%s", conf_output_name(kind));
		return -1;
	}
	if (resolve_gid(o, &gid, eb) == -1)
		goto out;
	/* Only a regular file is a published table: a symbolic link at the
	   name (planted, or left by hand) is never read, never counted by
	   the shrink guard, and is replaced by the next publish. */
	if (lstat(file, &st) == -1) {
		errbuf_syserr(eb, "%s", file);
	} else if (!S_ISREG(st.st_mode)) {
		errbuf_set(eb, "%s: %s, not a table udmail published; it will "
		    "be replaced", file, S_ISLNK(st.st_mode) ?
		    "a symbolic link" : "not a regular file");
	} else if (kind == OUTPUT_PASSWD) {
		ret = pwfile_scan(file, scan_visit, &ts->digest, &st, eb);
	} else if ((r = map_reader_open(o->format, file, eb)) != NULL) {
		ret = map_iterate(r, scan_visit, &ts->digest, eb);
		map_reader_close(&r);
	}
	if (ret == -1) {
		if (eb->errnum == ENOENT)
			ret = 0; /* nothing published yet */
		goto out;
	}
	ts->exists = 1;
	ts->perm_ok = (st.st_mode & 07777) == o->mode &&
	    (gid == ATOMICFILE_KEEP_GID || st.st_gid == gid);
	ts->dev = st.st_dev;
	ts->ino = st.st_ino;
	ts->size = st.st_size;
	ts->mtime = st.st_mtim;
out:
	free(file);
	return ret;
}

int
table_scan_current(const struct conf_output *o, enum output_kind kind,
    const struct table_state *ts)
{
	struct stat st;
	char *file;
	int r;

	if ((file = conf_output_file(o, kind)) == NULL)
		return 0;
	r = lstat(file, &st);
	free(file);
	if (r == -1)
		return errno == ENOENT && !ts->exists;
	return ts->exists && S_ISREG(st.st_mode) && st.st_dev == ts->dev && st.st_ino == ts->ino &&
	    st.st_size == ts->size && st.st_mtim.tv_sec == ts->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == ts->mtime.tv_nsec;
}

struct table_writer {
	struct map_writer *mw;
	struct pwfile_writer *pw;
};

int
table_writer_open(const struct conf_output *o, enum output_kind kind,
    struct table_writer **tw_r, struct errbuf *eb)
{
	struct table_writer *tw;
	char *file;
	gid_t gid;

	*tw_r = NULL;
	if (resolve_gid(o, &gid, eb) == -1)
		return -1;
	if ((tw = calloc(1, sizeof(*tw))) == NULL ||
	    (file = conf_output_file(o, kind)) == NULL) {
		errbuf_syserr(eb, "%s", conf_output_name(kind));
		free(tw);
		return -1;
	}
	if (kind == OUTPUT_PASSWD) {
		if ((tw->pw = pwfile_open(file, o->mode, gid, eb)) != NULL)
			pwfile_unique_users(tw->pw);
	} else if ((tw->mw = map_open(o->format, file, o->mode, gid,
	    eb)) != NULL)
		map_unique_keys(tw->mw);
	free(file);
	if (tw->pw == NULL && tw->mw == NULL) {
		free(tw);
		return -1;
	}
	*tw_r = tw;
	return 0;
}

int
table_writer_put(struct table_writer *tw, const char *key, const char *value,
    struct errbuf *eb)
{
	if (tw->pw != NULL)
		return pwfile_put(tw->pw, key, value, eb) == -1 ? -1 : 0;
	return map_put(tw->mw, key, value, eb) == -1 ? -1 : 0;
}

int
table_writer_finish(struct table_writer *tw, struct errbuf *eb)
{
	if (tw->mw != NULL) {
		if (map_finish(tw->mw, eb) == -1)
			return -1;
		map_assume_changed(tw->mw);
	} else
		pwfile_assume_changed(tw->pw);
	return 0;
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

int
table_patch(const struct conf_output *o, enum output_kind kind,
    const struct map_edit *edits, size_t n, long long *delta_r,
    int *changed_r, struct errbuf *eb)
{
	struct pwfile_edit *pe;
	char *file;
	gid_t gid;
	size_t i;
	int r = -1;

	*delta_r = 0;
	*changed_r = 0;
	if (resolve_gid(o, &gid, eb) == -1)
		return -1;
	if ((file = conf_output_file(o, kind)) == NULL) {
		errbuf_syserr(eb, "%s", conf_output_name(kind));
		return -1;
	}
	if (kind != OUTPUT_PASSWD) {
		r = map_patch(o->format, file, edits, n, delta_r, changed_r,
		    eb);
	} else if ((pe = reallocarray(NULL, n + 1, sizeof(*pe))) == NULL) {
		errbuf_syserr(eb, "%s", file);
	} else {
		for (i = 0; i < n; i++) {
			pe[i].user = edits[i].key;
			pe[i].password = edits[i].value;
		}
		r = pwfile_splice(file, o->mode, gid, pe, n, delta_r,
		    changed_r, eb);
		free(pe);
	}
	free(file);
	return r;
}

static int
count_one(const char *user, const char *password, void *arg)
{
	(void)user;
	(void)password;
	(*(long long *)arg)++;
	return 0;
}

int
table_count(const struct conf_output *o, enum output_kind kind,
    long long *count_r, struct errbuf *eb)
{
	struct map_reader *r;
	struct stat st;
	char *file;
	int ret = -1;

	*count_r = 0;
	if ((file = conf_output_file(o, kind)) == NULL) {
		errbuf_syserr(eb, "%s", conf_output_name(kind));
		return -1;
	}
	if (kind == OUTPUT_PASSWD) {
		ret = pwfile_scan(file, count_one, count_r, &st, eb);
	} else if ((r = map_reader_open(o->format, file, eb)) != NULL) {
		if ((*count_r = map_count(r, eb)) >= 0)
			ret = 0;
		map_reader_close(&r);
	}
	free(file);
	return ret;
}
