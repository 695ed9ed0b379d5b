/*
 * warnset: see warnset.h.  The invariant: whatever the saved file holds
 * (truncated, garbage, huge, a symlink), loading it either yields exactly
 * the set that was saved or fails, and failing only makes the caller
 * report every warning again; it never stops a run.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "atomicfile.h"
#include "buf.h"
#include "warnset.h"

#define WARNSET_MAGIC "udmail-warnings 1"

struct went {
	char *text; /* as logged; the key follows its NUL in the same block */
	char *key;  /* text without line and column numbers */
};

struct warnset {
	struct went *v; /* in the order added */
	size_t n, cap;
	size_t text_bytes;
	size_t total;     /* added, listed or not */
	uint64_t lo, hi;  /* sum of the keys' hashes modulo 2^128 */
};

/* One side of a comparison: entries sorted by key, then by the order
   they were added; OCC numbers the copies of one key (0, 1, ...). */
struct wref {
	const char *key;
	size_t idx, occ;
};

struct warnset *
warnset_new(void)
{
	if (sodium_init() < 0) {
		/* BLAKE2b works without it: sodium_init only picks a faster
		   implementation of it. */
	}
	return calloc(1, sizeof(struct warnset));
}

static void
warnset_clear(struct warnset *ws)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		free(ws->v[i].text);
	free(ws->v);
	memset(ws, 0, sizeof(*ws));
}

void
warnset_free(struct warnset **wsp)
{
	if (wsp == NULL || *wsp == NULL)
		return;
	warnset_clear(*wsp);
	free(*wsp);
	*wsp = NULL;
}

size_t
warnset_count(const struct warnset *ws)
{
	return ws->total;
}

/* A ":NUMBER" that ends a token ("mail.yaml:14: ...", "at f.yaml:3 and")
   is a position in a file, not part of the problem. */
static int
is_position(const char *s, const char *start)
{
	const char *p = s + 1;

	if (s == start || isspace((unsigned char)s[-1]) ||
	    !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0' || *p == ':' || *p == ' ' || *p == ',' ||
	    *p == ')' || *p == ';';
}

/* KEY gets TEXT without its positions; KEY has room for TEXT. */
static void
key_of(const char *text, char *key)
{
	const char *s = text;

	while (*s != '\0') {
		if (*s == ':' && is_position(s, text)) {
			for (s++; isdigit((unsigned char)*s); s++)
				;
			continue;
		}
		*key++ = *s++;
	}
	*key = '\0';
}

/* The fingerprint of a set: the sum of its keys' BLAKE2b-128 hashes,
   unkeyed so that it means the same in the next process.  It only
   decides whether to log, never what is published. */
static void
sum_add(uint64_t *lo_r, uint64_t *hi_r, const char *key)
{
	unsigned char h[16];
	uint64_t lo, hi;

	(void)crypto_generichash(h, sizeof(h), (const unsigned char *)key,
	    strlen(key), NULL, 0);
	memcpy(&lo, h, sizeof(lo));
	memcpy(&hi, h + sizeof(lo), sizeof(hi));
	*lo_r += lo;
	*hi_r += hi + (*lo_r < lo); /* carry */
}

/* Add TEXT (LEN bytes, no NUL inside) to WS: counted and fingerprinted
   always, listed while every earlier one was and the limits allow, so
   the listed warnings are the first ones added. */
static int
add_text(struct warnset *ws, const char *text, size_t len)
{
	struct went *v;
	char *block;
	size_t cap;

	if (len > WARNSET_MSG_MAX)
		len = WARNSET_MSG_MAX;
	if ((block = malloc(2 * (len + 1))) == NULL)
		return -1;
	memcpy(block, text, len);
	block[len] = '\0';
	key_of(block, block + len + 1);
	if (ws->n == ws->total && ws->n < WARNSET_MAX_ENTRIES &&
	    ws->text_bytes + len <= WARNSET_MAX_TEXT) {
		if (ws->n == ws->cap) {
			cap = ws->cap ? ws->cap * 2 : 16;
			if ((v = reallocarray(ws->v, cap, sizeof(*v))) ==
			    NULL) {
				free(block);
				return -1;
			}
			ws->v = v;
			ws->cap = cap;
		}
		sum_add(&ws->lo, &ws->hi, block + len + 1);
		ws->v[ws->n].text = block;
		ws->v[ws->n].key = block + len + 1;
		ws->n++;
		ws->text_bytes += len;
	} else {
		sum_add(&ws->lo, &ws->hi, block + len + 1);
		free(block);
	}
	ws->total++;
	return 0;
}

int
warnset_add(struct warnset *ws, const char *msg)
{
	return add_text(ws, msg, strnlen(msg, WARNSET_MSG_MAX));
}

static int
wref_cmp(const void *a, const void *b)
{
	const struct wref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* WS's listed entries in key order, each with its copy number. */
static struct wref *
sorted_refs(const struct warnset *ws)
{
	struct wref *r;
	size_t i;

	if ((r = calloc(ws->n + 1, sizeof(*r))) == NULL)
		return NULL;
	for (i = 0; i < ws->n; i++) {
		r[i].key = ws->v[i].key;
		r[i].idx = i;
	}
	qsort(r, ws->n, sizeof(*r), wref_cmp);
	for (i = 1; i < ws->n; i++)
		if (strcmp(r[i].key, r[i - 1].key) == 0)
			r[i].occ = r[i - 1].occ + 1;
	return r;
}

/* MATCH_A[i] / MATCH_B[j] get 1 + the index of the entry of the other
   set that is the same warning (same key, same copy number), or 0. */
static int
match(const struct warnset *a, const struct warnset *b, size_t *match_a,
    size_t *match_b)
{
	struct wref *ra, *rb;
	size_t i = 0, j = 0;
	int c;

	ra = sorted_refs(a);
	rb = sorted_refs(b);
	if (ra == NULL || rb == NULL) {
		free(ra);
		free(rb);
		return -1;
	}
	while (i < a->n && j < b->n) {
		if ((c = strcmp(ra[i].key, rb[j].key)) == 0)
			c = ra[i].occ < rb[j].occ ? -1 : ra[i].occ > rb[j].occ;
		if (c < 0)
			i++;
		else if (c > 0)
			j++;
		else {
			match_a[ra[i].idx] = rb[j].idx + 1;
			match_b[rb[j].idx] = ra[i].idx + 1;
			i++;
			j++;
		}
	}
	free(ra);
	free(rb);
	return 0;
}

static int
listed_all(const struct warnset *ws)
{
	return ws->n == ws->total;
}

static int
same_fingerprint(const struct warnset *a, const struct warnset *b)
{
	return a->total == b->total && a->lo == b->lo && a->hi == b->hi;
}

void
warnset_diff(const struct warnset *prev, const struct warnset *cur,
    int complete, warnset_report_fn *fn, void *arg, struct warnset_diff *d)
{
	size_t *mp, *mc, i;
	int matched;

	memset(d, 0, sizeof(*d));
	if (complete && (!listed_all(prev) || !listed_all(cur)) &&
	    same_fingerprint(prev, cur))
		return;
	mp = calloc(prev->n + 1, sizeof(*mp));
	mc = calloc(cur->n + 1, sizeof(*mc));
	/* Without the memory to compare, every warning is new: better said
	   twice than lost. */
	matched = mp != NULL && mc != NULL && match(prev, cur, mp, mc) == 0;
	for (i = 0; i < cur->n; i++) {
		if (!matched || mc[i] == 0) {
			d->added++;
			fn(arg, WARNSET_NEW, cur->v[i].text);
		} else if (strcmp(cur->v[i].text,
		    prev->v[mc[i] - 1].text) != 0)
			d->moved = 1;
	}
	/* A warning of PREV missing from a run that stopped early, or from
	   the part of CUR that is only counted, may still stand. */
	for (i = 0; matched && complete && listed_all(cur) && i < prev->n;
	    i++) {
		if (mp[i] == 0) {
			d->resolved++;
			fn(arg, WARNSET_RESOLVED, prev->v[i].text);
		}
	}
	d->changed = complete ? !same_fingerprint(prev, cur) : d->added > 0;
	if (d->changed)
		d->unlisted = cur->total - cur->n;
	free(mp);
	free(mc);
}

int
warnset_merge(struct warnset *prev, const struct warnset *cur)
{
	size_t *mp, *mc, i;
	int rc = -1;

	mp = calloc(prev->n + 1, sizeof(*mp));
	mc = calloc(cur->n + 1, sizeof(*mc));
	if (mp == NULL || mc == NULL || match(prev, cur, mp, mc) == -1)
		goto out;
	for (i = 0; i < cur->n; i++)
		if (mc[i] == 0 && add_text(prev, cur->v[i].text,
		    strlen(cur->v[i].text)) == -1)
			goto out;
	rc = 0;
out:
	free(mp);
	free(mc);
	if (rc == -1)
		errno = ENOMEM;
	return rc;
}

/* One line of the file: control bytes, DEL and '\\' as \xNN, so a
   warning is one line whatever it holds. */
static int
put_escaped(struct buf *b, const char *s)
{
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c < 0x20 || c == 0x7f || c == '\\') {
			if (buf_printf(b, "\\x%02x", c) == -1)
				return -1;
		} else if (buf_putc(b, (char)c) == -1)
			return -1;
	}
	return buf_putc(b, '\n');
}

int
warnset_save(const struct warnset *ws, const char *path, struct errbuf *eb)
{
	struct buf b = BUF_INIT;
	size_t i;
	int rc = -1;

	if (buf_puts(&b, WARNSET_MAGIC "\n") == -1)
		goto nomem;
	for (i = 0; i < ws->n; i++)
		if (buf_puts(&b, "w ") == -1 ||
		    put_escaped(&b, ws->v[i].text) == -1)
			goto nomem;
	if (buf_printf(&b, "total %zu %016llx%016llx\n", ws->total,
	    (unsigned long long)ws->hi, (unsigned long long)ws->lo) == -1)
		goto nomem;
	rc = atomicfile_put(path, 0600, ATOMICFILE_KEEP_GID, b.data, b.len, eb);
	goto out;
nomem:
	errbuf_syserr(eb, "%s", path);
out:
	buf_free(&b);
	return rc;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode LINE[0..LEN) (after "w ") into OUT (room for LEN bytes); the
   length, or -1 for a byte or an escape save would not have written. */
static long
unescape(const char *line, size_t len, char *out)
{
	unsigned char c;
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < len; i++) {
		c = (unsigned char)line[i];
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c == '\\') {
			if (i + 3 >= len || line[i + 1] != 'x' ||
			    (h = hexval(line[i + 2])) == -1 ||
			    (l = hexval(line[i + 3])) == -1 ||
			    (c = (unsigned char)(h << 4 | l)) == 0 ||
			    (c >= 0x20 && c != 0x7f && c != '\\'))
				return -1;
			i += 3;
		}
		out[o++] = (char)c;
	}
	return (long)o;
}

/* The whole file, at most WARNSET_FILE_MAX bytes, NUL-terminated.
   1 read, 0 absent, -1 with EB set. */
static int
read_all(const char *path, struct buf *b, struct errbuf *eb)
{
	char chunk[65536];
	struct stat st;
	ssize_t r;
	int fd;

	/* O_NONBLOCK: a FIFO planted there must not hang the run. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 0;
		errbuf_syserr(eb, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		errbuf_syserr(eb, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf_set(eb, "%s: not a regular file", path);
		goto fail;
	}
	b->max = WARNSET_FILE_MAX;
	for (;;) {
		if ((r = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			errbuf_syserr(eb, "%s", path);
			goto fail;
		}
		if (r == 0)
			break;
		if (buf_append(b, chunk, (size_t)r) == -1) {
			if (errno == E2BIG)
				errbuf_set(eb, "%s: larger than %zu bytes",
				    path, (size_t)WARNSET_FILE_MAX);
			else
				errbuf_syserr(eb, "%s", path);
			goto fail;
		}
	}
	(void)close(fd);
	return 1;
fail:
	(void)close(fd);
	return -1;
}

/* HEX: exactly 16 lower-case hex digits. */
static int
parse_hex64(const char *s, uint64_t *v_r)
{
	uint64_t v = 0;
	int i, h;

	for (i = 0; i < 16; i++) {
		if ((h = hexval(s[i])) == -1)
			return -1;
		v = v << 4 | (uint64_t)h;
	}
	*v_r = v;
	return 0;
}

/* "total N HEX32", the last line: the count of warnings and their
   fingerprint. */
static int
parse_total(struct warnset *ws, const char *s)
{
	uint64_t hi, lo;
	size_t total = 0;
	const char *p;

	if (strncmp(s, "total ", 6) != 0)
		return -1;
	for (p = s + 6; isdigit((unsigned char)*p); p++) {
		if (total > (SIZE_MAX - 9) / 10 || (p == s + 7 && s[6] == '0'))
			return -1;
		total = total * 10 + (size_t)(*p - '0');
	}
	if (p == s + 6 || *p++ != ' ' || strlen(p) != 32 ||
	    parse_hex64(p, &hi) == -1 || parse_hex64(p + 16, &lo) == -1 ||
	    total < ws->n)
		return -1;
	if (total == ws->n)
		/* Everything listed: the fingerprint must be theirs. */
		return ws->hi == hi && ws->lo == lo ? 0 : -1;
	/* The rest was only fingerprinted, which happens only once the
	   listed part is full. */
	if (ws->n < WARNSET_MAX_ENTRIES &&
	    ws->text_bytes + WARNSET_MSG_MAX <= WARNSET_MAX_TEXT)
		return -1;
	ws->total = total;
	ws->hi = hi;
	ws->lo = lo;
	return 0;
}

static int
parse(struct warnset *ws, char *data, size_t len, const char *path,
    struct errbuf *eb)
{
	char *line, *nl, *end;
	unsigned lineno = 1;
	long n;

	/* An empty file has no buffer at all (DATA is NULL). */
	if (len == 0 || data[len - 1] != '\n' || memchr(data, '\0', len)) {
		errbuf_set(eb, "%s: %s", path, len == 0 ? "empty" :
		    "truncated or not text");
		return -1;
	}
	end = data + len;
	nl = memchr(data, '\n', len);
	*nl = '\0';
	if (strcmp(data, WARNSET_MAGIC) != 0) {
		errbuf_set(eb, "%s: not a warnings file of this version",
		    path);
		return -1;
	}
	for (line = nl + 1; line < end; line = nl + 1) {
		lineno++;
		nl = memchr(line, '\n', (size_t)(end - line));
		*nl = '\0';
		if (strncmp(line, "w ", 2) == 0) {
			if ((n = unescape(line + 2, (size_t)(nl - line - 2),
			    line)) == -1 || n > WARNSET_MSG_MAX ||
			    ws->n >= WARNSET_MAX_ENTRIES ||
			    ws->text_bytes + (size_t)n > WARNSET_MAX_TEXT)
				goto bad;
			if (add_text(ws, line, (size_t)n) == -1) {
				errbuf_syserr(eb, "%s", path);
				return -1;
			}
			continue;
		}
		if (nl + 1 != end || parse_total(ws, line) == -1)
			goto bad;
		return 0;
	}
bad:
	errbuf_set(eb, "%s:%u: damaged", path, lineno);
	return -1;
}

int
warnset_load(struct warnset *ws, const char *path, struct errbuf *eb)
{
	struct buf b = BUF_INIT;
	int r;

	warnset_clear(ws);
	if ((r = read_all(path, &b, eb)) == 1 &&
	    parse(ws, b.data, b.len, path, eb) == -1)
		r = -1;
	if (r == -1)
		warnset_clear(ws);
	buf_free(&b);
	return r;
}
