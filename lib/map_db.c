/*
 * map_db: Postfix hash: tables, Berkeley DB DB_HASH as postmap writes
 * them (research/formats.md §3.2): one value per key, key and value with
 * one trailing NUL.  Berkeley DB opens the (empty) temp file by name and
 * formats it; a large cache keeps the whole table in memory while it is
 * built, so pages are written once, at close.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct hash_handle {
	DB *db;
	DBC *cur;
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

static int
hash_err(struct hash_handle *h, struct errbuf *eb, const char *what, int rc)
{
	if (h->dberr[0] != '\0')
		errbuf_set(eb, "berkeley db %s: %s (%s)", what,
		    db_strerror(rc), h->dberr);
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
hash_close(struct hash_handle *h)
{
	if (h == NULL)
		return;
	if (h->cur != NULL)
		(void)h->cur->close(h->cur);
	if (h->db != NULL)
		(void)h->db->close(h->db, DB_NOSYNC);
	free(h);
}

static void
hash_wabort(struct map_writer *m)
{
	hash_close(m->impl);
	m->impl = NULL;
}

static int
hash_wopen(struct map_writer *m, struct errbuf *eb)
{
	struct hash_handle *h;
	int rc;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		errbuf_syserr(eb, "berkeley db");
		return -1;
	}
	m->impl = h;
	if (hash_create(h, eb) == -1)
		goto fail;
	if ((rc = h->db->set_cachesize(h->db, 0, HASH_WRITE_CACHE, 1)) != 0 ||
	    (rc = h->db->set_pagesize(h->db, 4096)) != 0 ||
	    (rc = h->db->set_h_nelem(h->db, HASH_NELEM)) != 0) {
		hash_err(h, eb, "configure", rc);
		goto fail;
	}
	/* The temp file exists, empty, with its final mode; Berkeley DB
	   treats an empty file as new and formats it in place. */
	rc = h->db->open(h->db, NULL, atomicfile_tmppath(m->af), NULL, DB_HASH,
	    DB_CREATE, 0600);
	h->dberr[0] = '\0'; /* it remarks on the empty file */
	if (rc != 0) {
		hash_err(h, eb, "open", rc);
		goto fail;
	}
	return 0;
fail:
	hash_wabort(m);
	return -1;
}

static int
hash_put(struct map_writer *m, const char *k, size_t klen, const char *v,
    size_t vlen, struct errbuf *eb)
{
	struct hash_handle *h = m->impl;
	DBT key, val;
	int rc;

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
	.name = "hash",
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
