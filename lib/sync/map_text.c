/*
 * map_text: postmap source files, "key<TAB>value\n", for review and diff.
 * The writer emits entries in the order given (map_check already refused
 * anything postmap would read back differently); the reader parses the
 * way postmap does: '#' comment lines and
 * blank lines skipped, lines starting with whitespace continue the
 * previous one, key up to the first whitespace, value trimmed at its
 * end, keys folded to lower case, first of duplicate keys wins.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map_int.h"
#include "strset.h"

#define TEXT_WBUF     65536
#define TEXT_FILE_MAX ((size_t)1 << 31)

struct text_writer {
	struct strset *keys; /* duplicate detection */
	size_t used;
	char buf[TEXT_WBUF];
};

struct text_entry {
	size_t key, klen, val, vlen; /* offsets into text_reader.arena */
};

struct text_reader {
	struct buf arena;       /* key\0value\0 ... */
	struct text_entry *ent; /* file order, duplicates dropped */
	size_t n, cap;
	struct strset *index;   /* key -> entry number */
};

static void
text_wabort(struct map_writer *m)
{
	struct text_writer *w = m->impl;

	if (w == NULL)
		return;
	strset_free(&w->keys, 0);
	free(w);
	m->impl = NULL;
}

static int
text_wopen(struct map_writer *m, struct errbuf *eb)
{
	struct text_writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->keys = strset_new()) == NULL) {
		free(w);
		errbuf_syserr(eb, "text");
		return -1;
	}
	m->impl = w;
	return 0;
}

static int
text_flush(struct map_writer *m, struct errbuf *eb)
{
	struct text_writer *w = m->impl;

	if (w->used == 0)
		return 0;
	if (atomicfile_write(m->af, w->buf, w->used, eb) == -1)
		return -1;
	w->used = 0;
	return 0;
}

static int
text_emit(struct map_writer *m, const char *p, size_t n, struct errbuf *eb)
{
	struct text_writer *w = m->impl;

	if (n > TEXT_WBUF - w->used) {
		if (text_flush(m, eb) == -1)
			return -1;
		if (n > TEXT_WBUF)
			return atomicfile_write(m->af, p, n, eb);
	}
	memcpy(w->buf + w->used, p, n);
	w->used += n;
	return 0;
}

static int
text_put(struct map_writer *m, const char *k, size_t klen, const char *v,
    size_t vlen, struct errbuf *eb)
{
	struct text_writer *w = m->impl;
	int r;

	/* KLEN and VLEN count the NUL, which the text form does not hold.
	   Unique keys (map_unique_keys) need no set of them. */
	if (m->unique)
		r = 1;
	else if ((r = strset_add(w->keys, k, klen - 1, 0, NULL)) == -1) {
		errbuf_syserr(eb, "text");
		return -1;
	}
	if (r == 0)
		return 1;
	if (text_emit(m, k, klen - 1, eb) == -1 ||
	    text_emit(m, "\t", 1, eb) == -1 ||
	    text_emit(m, v, vlen - 1, eb) == -1 ||
	    text_emit(m, "\n", 1, eb) == -1)
		return -1;
	return 0;
}

static int
text_wfinish(struct map_writer *m, struct errbuf *eb)
{
	int r = text_flush(m, eb);

	text_wabort(m);
	return r;
}

static int
text_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void
text_rclose(struct map_reader *r)
{
	struct text_reader *t = r->impl;

	if (t == NULL)
		return;
	buf_free(&t->arena);
	free(t->ent);
	strset_free(&t->index, 0);
	free(t);
	r->impl = NULL;
}

static int
text_read_file(const char *file, struct buf *b, struct errbuf *eb)
{
	char chunk[65536];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		errbuf_syserr(eb, "open");
		return -1;
	}
	b->max = TEXT_FILE_MAX;
	if (fstat(fd, &st) == 0 && (unsigned long long)st.st_size >=
	    TEXT_FILE_MAX) {
		errbuf_set(eb, "larger than %zu bytes", TEXT_FILE_MAX - 1);
		eb->errnum = EFBIG;
		(void)close(fd);
		return -1;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errbuf_syserr(eb, "read");
			break;
		}
		if (n == 0) {
			(void)close(fd);
			return 0;
		}
		if (buf_append(b, chunk, (size_t)n) == -1) {
			/* E2BIG would read "Argument list too long" */
			if (errno == E2BIG) {
				errbuf_set(eb, "larger than %zu bytes",
				    TEXT_FILE_MAX - 1);
				eb->errnum = EFBIG;
			} else
				errbuf_syserr(eb, "read");
			break;
		}
	}
	(void)close(fd);
	return -1;
}

/* One logical line L[0..N) (continuations already joined): split, fold,
   store.  Lines without a value are skipped, as postmap does. */
static int
text_add(struct text_reader *t, const char *l, size_t n, struct errbuf *eb)
{
	struct text_entry *e;
	size_t k = 0, v;
	int r;

	while (n > 0 && (text_space(l[n - 1]) || l[n - 1] == '\n'))
		n--;
	while (k < n && !text_space(l[k]) && l[k] != '\n')
		k++;
	v = k;
	while (v < n && (text_space(l[v]) || l[v] == '\n'))
		v++;
	if (k == 0 || v >= n)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct text_entry *ne = reallocarray(t->ent, cap, sizeof(*ne));

		if (ne == NULL)
			goto nomem;
		t->ent = ne;
		t->cap = cap;
	}
	e = &t->ent[t->n];
	e->key = t->arena.len;
	e->klen = k;
	if (buf_append(&t->arena, l, k) == -1 || buf_putc(&t->arena, '\0'))
		goto nomem;
	map_fold(t->arena.data + e->key, k);
	e->val = t->arena.len;
	e->vlen = n - v;
	if (buf_append(&t->arena, l + v, n - v) == -1 ||
	    buf_putc(&t->arena, '\0'))
		goto nomem;
	r = strset_add(t->index, t->arena.data + e->key, k, t->n, NULL);
	if (r == -1)
		goto nomem;
	if (r == 1)
		t->n++;
	return 0;
nomem:
	errbuf_syserr(eb, "parse");
	return -1;
}

static int
text_parse(struct text_reader *t, const char *p, size_t len,
    struct errbuf *eb)
{
	struct buf logical = BUF_INIT;
	const char *line, *nl, *end = p + len;
	size_t ll, i;
	int have = 0;

	for (line = p; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		ll = strnlen(line, (size_t)(nl - line));
		for (i = 0; i < ll && text_space(line[i]); i++)
			;
		/* Blank and comment lines never end a logical line. */
		if (i == ll || line[i] == '#')
			continue;
		if (i > 0) {
			/* Continuation; one without a start is dropped. */
			if (have && buf_append(&logical, line, ll) == -1)
				goto nomem;
			continue;
		}
		if (have && text_add(t, logical.data, logical.len, eb) == -1)
			goto fail;
		buf_reset(&logical);
		if (buf_append(&logical, line, ll) == -1)
			goto nomem;
		have = 1;
	}
	if (have && text_add(t, logical.data, logical.len, eb) == -1)
		goto fail;
	buf_free(&logical);
	return 0;
nomem:
	errbuf_syserr(eb, "parse");
fail:
	buf_free(&logical);
	return -1;
}

static int
text_ropen(struct map_reader *r, struct errbuf *eb)
{
	struct text_reader *t;
	struct buf file = BUF_INIT;
	int ret;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->index = strset_new()) == NULL) {
		free(t);
		errbuf_syserr(eb, "text");
		return -1;
	}
	r->impl = t;
	if (text_read_file(r->file, &file, eb) == -1) {
		buf_free(&file);
		text_rclose(r);
		return -1;
	}
	/* A NUL byte cuts its line short (text_parse): values are C
	   strings for every caller. */
	ret = text_parse(t, file.data != NULL ? file.data : "", file.len, eb);
	buf_free(&file);
	if (ret == -1)
		text_rclose(r);
	return ret;
}

static int
text_get(struct map_reader *r, const char *k, size_t klen, const char **v_r,
    size_t *vlen_r, struct errbuf *eb)
{
	struct text_reader *t = r->impl;
	size_t i;

	if (!strset_find(t->index, k, klen, &i))
		return 0;
	*v_r = t->arena.data + t->ent[i].val;
	*vlen_r = t->ent[i].vlen;
	return 1;
}

static int
text_iterate(struct map_reader *r,
    int (*fn)(struct map_reader *, const char *, size_t, const char *,
	size_t, void *),
    void *arg, struct errbuf *eb)
{
	struct text_reader *t = r->impl;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (fn(r, t->arena.data + t->ent[i].key, t->ent[i].klen,
		    t->arena.data + t->ent[i].val, t->ent[i].vlen, arg) != 0)
			return 1;
	return 0;
}

static long long
text_count(struct map_reader *r, struct errbuf *eb)
{
	struct text_reader *t = r->impl;

	return (long long)t->n;
}

const struct map_backend map_backend_text = {
	.wopen = text_wopen,
	.put = text_put,
	.wfinish = text_wfinish,
	.wabort = text_wabort,
	.bytes_compare = 1,
	.ropen = text_ropen,
	.get = text_get,
	.iterate = text_iterate,
	.count = text_count,
	.rclose = text_rclose,
};
