/*
 * map_db: Postfix hash: tables, Berkeley DB DB_HASH as postmap writes
 * them (Postfix's dict_db): one value per key, key and value with
 * one trailing NUL.  Berkeley DB opens the (empty) temp file by the name
 * atomicfile gives (one that reaches that file only) and formats it; a
 * large cache keeps the whole table in memory while it is built, so
 * pages are written once, at close.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <db.h>

#include "map_int.h"

/* Cache while writing: a million entries make a ~200 MB file; with less
   cache Berkeley DB writes pages out and reads them back repeatedly. */
#define HASH_WRITE_CACHE ((u_int32_t)128 << 20)
/* postmap's h_nelem.  Measured with 1M entries: sizing it to the entry
   count makes the build twice as slow (the whole bucket array is laid
   out up front and spills from the cache); Berkeley DB's own doubling is
   cheaper, so no count hint is used. */
#define HASH_NELEM 4096

/* Bucket order (map_unique_keys).  Berkeley DB puts a key in the bucket
   named by the low bits of its hash, FNV-1 from zero over the stored key
   bytes, NUL included (its default, __ham_func5).  Inserting the entries
   sorted by the bit-reversed hash fills each bucket's page in turn, at
   every table size while the table grows, so the cache only needs the
   pages being filled: measured at a million entries, an 8 MiB cache is
   as fast as 128 MiB in key order (which takes 16 s with 8 MiB); the
   file comes out some 15% larger (pages split while the table grows are
   left less full; sizing the table up front changes nothing).  Should a
   Berkeley DB hash differently, the table would be the same, only built
   more slowly.  Entries are held in memory
   up to HASH_HOLD bytes; beyond that they go to HASH_PARTS nameless
   scratch files beside the table (atomicfile_scratch), split by the top
   bits of the sort key, and at map_finish each is read back, sorted and
   inserted in turn. */
#define HASH_SORT_CACHE ((u_int32_t)8 << 20)
#ifndef HASH_HOLD /* test_map spills after a few entries */
#define HASH_HOLD       ((size_t)16 << 20)
#endif
#define HASH_PART_BITS  6
#define HASH_PARTS      (1 << HASH_PART_BITS)
#define HASH_PART_FLUSH ((size_t)64 << 10)

struct hash_rec {        /* followed by the key and the value bytes */
	uint32_t rh;     /* bit-reversed hash: the sort key */
	uint32_t klen, vlen;
};

struct hash_sort {
	struct buf mem;              /* records until spilled */
	int spilled;
	int fd[HASH_PARTS];
	struct buf part[HASH_PARTS]; /* write buffers */
	const struct atomicfile *af; /* the temp table */
	const char *where;           /* its target, for messages */
};

struct hash_handle {
	DB *db;
	DBC *cur;
	struct hash_sort *sort;  /* bucket order: the DB is opened at finish */
	char dberr[256]; /* last message from Berkeley DB */
};

/* Berkeley DB reports details through a callback; keep the last one for
   the errbuf instead of letting it print to stderr. */
static void
hash_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct hash_handle *h = env->app_private;

	if (h != NULL)
		(void)snprintf(h->dberr, sizeof(h->dberr), "%s", msg);
}

/* Berkeley DB's own words, without its "BDBnnnn function: file: "
   prefix (the file may be a /proc/self/fd name). */
static const char *
hash_detail(const struct hash_handle *h)
{
	const char *p = strrchr(h->dberr, ':');

	return p != NULL ? p + 1 + (p[1] == ' ') : h->dberr;
}

static int
hash_err(struct hash_handle *h, struct errbuf *eb, const char *what, int rc)
{
	if (rc == EINVAL && strcmp(what, "open") == 0)
		/* What it says for a file it did not write. */
		errbuf_set(eb, "berkeley db open: not a Berkeley DB hash "
		    "file%s%s", h->dberr[0] != '\0' ? ": " : "",
		    hash_detail(h));
	else if (h->dberr[0] != '\0' &&
	    strcmp(hash_detail(h), db_strerror(rc)) != 0)
		errbuf_set(eb, "berkeley db %s: %s (%s)", what,
		    db_strerror(rc), hash_detail(h));
	else
		errbuf_set(eb, "berkeley db %s: %s", what, db_strerror(rc));
	if (rc > 0)
		eb->errnum = rc;
	return -1;
}

/* Berkeley DB writes whole pages from malloc'd buffers whose unused
   bytes it never clears, so stale heap contents (in mailsyncd possibly
   pieces of password hashes) would land in a world-readable table.
   Hand it zeroed memory instead (the same reason lmdb never gets
   MDB_NOMEMINIT). */
static void *
hash_zalloc(size_t n)
{
	return calloc(1, n != 0 ? n : 1);
}

static pthread_once_t hash_malloc_once = PTHREAD_ONCE_INIT;
static int hash_malloc_rc;

/* Process-wide: set once, before any handle exists (tables may be written
   from several threads). */
static void
hash_set_malloc(void)
{
	hash_malloc_rc = db_env_set_func_malloc(hash_zalloc);
}

static int
hash_create(struct hash_handle *h, struct errbuf *eb)
{
	int rc;

	(void)pthread_once(&hash_malloc_once, hash_set_malloc);
	if ((rc = hash_malloc_rc) != 0)
		return hash_err(h, eb, "set malloc", rc);

	if ((rc = db_create(&h->db, NULL, 0)) != 0) {
		h->db = NULL;
		return hash_err(h, eb, "create", rc);
	}
	h->db->get_env(h->db)->app_private = h;
	h->db->set_errcall(h->db, hash_errcall);
	return 0;
}

static void
sort_free(struct hash_sort *s)
{
	int i;

	if (s == NULL)
		return;
	buf_free(&s->mem);
	for (i = 0; i < HASH_PARTS; i++) {
		if (s->fd[i] != -1)
			(void)close(s->fd[i]);
		buf_free(&s->part[i]);
	}
	free(s);
}

static void
hash_close(struct hash_handle *h)
{
	if (h == NULL)
		return;
	if (h->cur != NULL)
		(void)h->cur->close(h->cur);
	if (h->db != NULL)
		(void)h->db->close(h->db, DB_NOSYNC);
	sort_free(h->sort);
	free(h);
}

static void
hash_wabort(struct map_writer *m)
{
	hash_close(m->impl);
	m->impl = NULL;
}

/* Create and open the temp table with CACHE bytes of cache.  The temp
   file exists, empty, with its final mode; Berkeley DB treats an empty
   file as new and formats it in place.  Check that what it opened is
   that file before it writes a page. */
static int
hash_dbopen(struct hash_handle *h, const struct atomicfile *af,
    u_int32_t cache, struct errbuf *eb)
{
	int rc, fd;

	if (hash_create(h, eb) == -1)
		return -1;
	if ((rc = h->db->set_cachesize(h->db, 0, cache, 1)) != 0 ||
	    (rc = h->db->set_pagesize(h->db, 4096)) != 0 ||
	    (rc = h->db->set_h_nelem(h->db, HASH_NELEM)) != 0)
		return hash_err(h, eb, "configure", rc);
	rc = h->db->open(h->db, NULL, atomicfile_openpath(af), NULL, DB_HASH,
	    DB_CREATE, 0600);
	if (rc != 0)
		return hash_err(h, eb, "open", rc);
	h->dberr[0] = '\0'; /* it remarks on the empty file */
	if ((rc = h->db->fd(h->db, &fd)) != 0)
		return hash_err(h, eb, "fd", rc);
	return atomicfile_check_fd(af, fd, eb);
}

static int
hash_wopen(struct map_writer *m, struct errbuf *eb)
{
	struct hash_handle *h;
	int i;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		errbuf_syserr(eb, "berkeley db");
		return -1;
	}
	m->impl = h;
	if (!m->unique) {
		if (hash_dbopen(h, m->af, HASH_WRITE_CACHE, eb) == -1)
			goto fail;
		return 0;
	}
	if ((h->sort = calloc(1, sizeof(*h->sort))) == NULL) {
		errbuf_syserr(eb, "berkeley db");
		goto fail;
	}
	for (i = 0; i < HASH_PARTS; i++)
		h->sort->fd[i] = -1;
	h->sort->af = m->af;
	h->sort->where = atomicfile_path(m->af);
	return 0;
fail:
	hash_wabort(m);
	return -1;
}

static uint32_t
hash_fnv1(const char *k, size_t len)
{
	uint32_t h = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		h *= 16777619;
		h ^= (unsigned char)k[i];
	}
	return h;
}

static uint32_t
bitrev32(uint32_t x)
{
	x = ((x >> 1) & 0x55555555) | ((x & 0x55555555) << 1);
	x = ((x >> 2) & 0x33333333) | ((x & 0x33333333) << 2);
	x = ((x >> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
	x = ((x >> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
	return (x >> 16) | (x << 16);
}

static int
part_flush(struct hash_sort *s, int q, struct errbuf *eb)
{
	size_t off = 0;
	ssize_t n;

	while (off < s->part[q].len) {
		n = write(s->fd[q], s->part[q].data + off,
		    s->part[q].len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errbuf_syserr(eb, "%s: spill file", s->where);
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(&s->part[q]);
	return 0;
}

/* Append one record to B (and flush B, partition Q, when it is full). */
static int
rec_add(struct hash_sort *s, int q, const struct hash_rec *r, const char *k,
    const char *v, struct errbuf *eb)
{
	struct buf *b = q < 0 ? &s->mem : &s->part[q];

	if (buf_append(b, r, sizeof(*r)) == -1 ||
	    buf_append(b, k, r->klen) == -1 ||
	    buf_append(b, v, r->vlen) == -1) {
		errbuf_syserr(eb, "berkeley db");
		return -1;
	}
	if (q >= 0 && b->len >= HASH_PART_FLUSH)
		return part_flush(s, q, eb);
	return 0;
}

/* Too much for memory: open the partition files (nameless, so nothing
   is left behind) and move the records held so far there. */
static int
spill_start(struct hash_sort *s, struct errbuf *eb)
{
	struct hash_rec r;
	size_t off;
	int i, q;

	for (i = 0; i < HASH_PARTS; i++) {
		if ((s->fd[i] = atomicfile_scratch(s->af, eb)) == -1) {
			errbuf_prefix(eb, "berkeley db spill file");
			return -1;
		}
	}
	s->spilled = 1;
	for (off = 0; off < s->mem.len; off += sizeof(r) + r.klen + r.vlen) {
		memcpy(&r, s->mem.data + off, sizeof(r));
		q = (int)(r.rh >> (32 - HASH_PART_BITS));
		if (rec_add(s, q, &r, s->mem.data + off + sizeof(r),
		    s->mem.data + off + sizeof(r) + r.klen, eb) == -1)
			return -1;
	}
	buf_free(&s->mem);
	return 0;
}

static int
sort_put(struct hash_sort *s, const char *k, size_t klen, const char *v,
    size_t vlen, struct errbuf *eb)
{
	struct hash_rec r;

	r.rh = bitrev32(hash_fnv1(k, klen));
	r.klen = (uint32_t)klen;
	r.vlen = (uint32_t)vlen;
	if (!s->spilled && s->mem.len + sizeof(r) + klen + vlen > HASH_HOLD &&
	    spill_start(s, eb) == -1)
		return -1;
	return rec_add(s, s->spilled ? (int)(r.rh >> (32 - HASH_PART_BITS)) :
	    -1, &r, k, v, eb);
}

struct hash_idx {
	uint32_t rh;
	size_t off;
};

/* Sort IDX[0..N) by rh, stably (equal keys keep their order, so the
   first of them is the one kept): LSD radix sort, 8 bits a pass, with
   TMP as scratch.  At a million entries qsort's comparisons were a
   tenth of the table build. */
static void
idx_sort(struct hash_idx *idx, struct hash_idx *tmp, size_t n)
{
	struct hash_idx *from = idx, *to = tmp, *t;
	size_t count[256], i, sum, c;
	int shift;

	for (shift = 0; shift < 32; shift += 8) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(from[i].rh >> shift) & 0xff]++;
		if (count[(from[0].rh >> shift) & 0xff] == n)
			continue; /* one value in this byte: nothing moves */
		for (i = 0, sum = 0; i < 256; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[(from[i].rh >> shift) & 0xff]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != idx)
		memcpy(idx, from, n * sizeof(*idx));
}

/* Insert the records DATA[0..LEN) in bucket order. */
static int
sort_insert(struct hash_handle *h, const char *data, size_t len,
    struct errbuf *eb)
{
	struct hash_idx *idx = NULL, *tmp = NULL;
	struct hash_rec r;
	size_t n = 0, cap = 0, off, i;
	DBT key, val;
	int rc, ret = -1;

	for (off = 0; off < len; off += sizeof(r) + r.klen + r.vlen) {
		memcpy(&r, data + off, sizeof(r));
		if (n == cap) {
			struct hash_idx *ni;

			cap = cap ? cap * 2 : 1024;
			if ((ni = reallocarray(idx, cap, sizeof(*ni))) == NULL) {
				errbuf_syserr(eb, "berkeley db");
				goto out;
			}
			idx = ni;
		}
		idx[n].rh = r.rh;
		idx[n++].off = off;
	}
	if (n > 1) {
		if ((tmp = reallocarray(NULL, n, sizeof(*tmp))) == NULL) {
			errbuf_syserr(eb, "berkeley db");
			goto out;
		}
		idx_sort(idx, tmp, n);
		free(tmp);
	}
	for (i = 0; i < n; i++) {
		memcpy(&r, data + idx[i].off, sizeof(r));
		memset(&key, 0, sizeof(key));
		memset(&val, 0, sizeof(val));
		key.data = (void *)(data + idx[i].off + sizeof(r));
		key.size = r.klen;
		val.data = (void *)(data + idx[i].off + sizeof(r) + r.klen);
		val.size = r.vlen;
		rc = h->db->put(h->db, NULL, &key, &val, DB_NOOVERWRITE);
		if (rc != 0 && rc != DB_KEYEXIST) {
			hash_err(h, eb, "put", rc);
			goto out;
		}
	}
	ret = 0;
out:
	free(idx);
	return ret;
}

/* Read partition Q back whole and insert it. */
static int
part_insert(struct hash_handle *h, int q, struct errbuf *eb)
{
	struct hash_sort *s = h->sort;
	struct stat st;
	size_t off = 0;
	ssize_t n;
	char *data;
	int r;

	if (part_flush(s, q, eb) == -1)
		return -1;
	buf_free(&s->part[q]);
	if (fstat(s->fd[q], &st) == -1) {
		errbuf_syserr(eb, "%s: spill file", s->where);
		return -1;
	}
	if (st.st_size == 0)
		return 0;
	if ((data = malloc((size_t)st.st_size)) == NULL) {
		errbuf_syserr(eb, "berkeley db");
		return -1;
	}
	while (off < (size_t)st.st_size) {
		n = pread(s->fd[q], data + off, (size_t)st.st_size - off,
		    (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			errbuf_syserr(eb, "%s: spill file", s->where);
			free(data);
			return -1;
		}
		off += (size_t)n;
	}
	r = sort_insert(h, data, off, eb);
	free(data);
	(void)close(s->fd[q]);
	s->fd[q] = -1;
	return r;
}

/* Bucket order's map_finish: open the table and insert everything. */
static int
sort_finish(struct map_writer *m, struct hash_handle *h, struct errbuf *eb)
{
	int q;

	if (hash_dbopen(h, m->af, HASH_SORT_CACHE, eb) == -1)
		return -1;
	if (!h->sort->spilled)
		return sort_insert(h, h->sort->mem.data, h->sort->mem.len, eb);
	for (q = 0; q < HASH_PARTS; q++)
		if (part_insert(h, q, eb) == -1)
			return -1;
	return 0;
}

static int
hash_put(struct map_writer *m, const char *k, size_t klen, const char *v,
    size_t vlen, struct errbuf *eb)
{
	struct hash_handle *h = m->impl;
	DBT key, val;
	int rc;

	if (h->sort != NULL)
		return sort_put(h->sort, k, klen, v, vlen, eb);
	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	val.data = (void *)v;
	val.size = (u_int32_t)vlen;
	rc = h->db->put(h->db, NULL, &key, &val, DB_NOOVERWRITE);
	if (rc == DB_KEYEXIST)
		return 1;
	if (rc != 0)
		return hash_err(h, eb, "put", rc);
	return 0;
}

static int
hash_wfinish(struct map_writer *m, struct errbuf *eb)
{
	struct hash_handle *h = m->impl;
	int rc;

	if (h->sort != NULL && sort_finish(m, h, eb) == -1) {
		hash_wabort(m);
		return -1;
	}
	/* close() writes the cache out; it frees the handle even on error. */
	rc = h->db->close(h->db, 0);
	h->db = NULL;
	if (rc != 0)
		hash_err(h, eb, "close", rc);
	hash_wabort(m);
	return rc == 0 ? 0 : -1;
}

static void
hash_rclose(struct map_reader *r)
{
	hash_close(r->impl);
	r->impl = NULL;
}

static int
hash_ropen(struct map_reader *r, struct errbuf *eb)
{
	struct hash_handle *h;
	int rc;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		errbuf_syserr(eb, "berkeley db");
		return -1;
	}
	r->impl = h;
	if (hash_create(h, eb) == -1)
		goto fail;
	rc = h->db->open(h->db, NULL, r->file, NULL, DB_HASH, DB_RDONLY, 0);
	if (rc != 0) {
		hash_err(h, eb, "open", rc);
		goto fail;
	}
	return 0;
fail:
	hash_rclose(r);
	return -1;
}

static int
hash_get(struct map_reader *r, const char *k, size_t klen, const char **v_r,
    size_t *vlen_r, struct errbuf *eb)
{
	struct hash_handle *h = r->impl;
	DBT key, val;
	int rc, pass;

	/* Postfix tries the key with its NUL first, then without. */
	for (pass = 0; pass < 2; pass++) {
		memset(&key, 0, sizeof(key));
		memset(&val, 0, sizeof(val));
		key.data = (void *)k;
		key.size = (u_int32_t)(klen + (pass == 0));
		rc = h->db->get(h->db, NULL, &key, &val, 0);
		if (rc == 0) {
			*v_r = val.data;
			*vlen_r = map_strip_nul(val.data, val.size);
			return 1;
		}
		if (rc != DB_NOTFOUND)
			return hash_err(h, eb, "get", rc);
	}
	return 0;
}

static int
hash_iterate(struct map_reader *r,
    int (*fn)(struct map_reader *, const char *, size_t, const char *,
	size_t, void *),
    void *arg, struct errbuf *eb)
{
	struct hash_handle *h = r->impl;
	DBT key, val;
	int rc, ret = 0;

	if ((rc = h->db->cursor(h->db, NULL, &h->cur, 0)) != 0) {
		h->cur = NULL;
		return hash_err(h, eb, "cursor", rc);
	}
	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	while ((rc = h->cur->get(h->cur, &key, &val, DB_NEXT)) == 0) {
		if (fn(r, key.data, map_strip_nul(key.data, key.size),
		    val.data, map_strip_nul(val.data, val.size), arg) != 0) {
			ret = 1;
			break;
		}
	}
	if (ret == 0 && rc != DB_NOTFOUND)
		ret = hash_err(h, eb, "cursor get", rc);
	(void)h->cur->close(h->cur);
	h->cur = NULL;
	return ret;
}

static int
hash_count_visit(struct map_reader *r, const char *k, size_t klen,
    const char *v, size_t vlen, void *arg)
{
	(*(long long *)arg)++;
	return 0;
}

/* DB->stat's key count is not kept up to date for hash files: walk. */
static long long
hash_count(struct map_reader *r, struct errbuf *eb)
{
	long long n = 0;

	if (hash_iterate(r, hash_count_visit, &n, eb) == -1)
		return -1;
	return n;
}

const struct map_backend map_backend_hash = {
	.wopen = hash_wopen,
	.put = hash_put,
	.wfinish = hash_wfinish,
	.wabort = hash_wabort,
	.bytes_compare = 0,
	.ropen = hash_ropen,
	.get = hash_get,
	.iterate = hash_iterate,
	.count = hash_count,
	.rclose = hash_rclose,
};
