/*
 * map_lmdb: Postfix lmdb: tables.  One file (MDB_NOSUBDIR), no lock file
 * (MDB_NOLOCK), unnamed main DB, key and value with one trailing NUL, as
 * postmap writes them (Postfix's dict_lmdb).  Written in one write
 * transaction; sorted keys go in with MDB_APPEND (full pages, no
 * searching).  Never MDB_NOMEMINIT: unused page bytes must not leak heap
 * contents into a world-readable file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <lmdb.h>

#include "map_int.h"
#include "monotime.h"

/* Address space reserved up front; the file only grows to what is used.
   Enough for about 1.3 million typical entries in one transaction. */
#ifndef LMDB_MAPSIZE_INITIAL
#define LMDB_MAPSIZE_INITIAL ((size_t)256 << 20)
#endif

struct lmdb_writer {
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_dbi dbi;
	size_t mapsize;
	size_t estimate; /* worst-case bytes the entries need */
	char maxkey[MAP_KEY_MAX + 2];
	size_t maxklen;  /* 0: no key yet */
	size_t txn_puts; /* entries in the open write transaction */
};

/* A write transaction keeps every dirty page in malloc'd memory until it
   commits; the temp file is private, so commit every so many entries to
   keep a million-entry build within a few MiB. */
#define LMDB_TXN_PUTS 50000

struct lmdb_reader {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
};

static int
lmdb_err(struct errbuf *eb, const char *what, int rc)
{
	if (rc > 0) {
		errno = rc;
		errbuf_syserr(eb, "lmdb %s", what);
	} else
		errbuf_set(eb, "lmdb %s: %s", what, mdb_strerror(rc));
	return -1;
}

static int
lmdb_begin(struct lmdb_writer *w, struct errbuf *eb)
{
	int rc;

	if ((rc = mdb_txn_begin(w->env, NULL, 0, &w->txn)) != 0)
		return lmdb_err(eb, "begin", rc);
	if ((rc = mdb_dbi_open(w->txn, NULL, 0, &w->dbi)) != 0)
		return lmdb_err(eb, "open main db", rc);
	if ((rc = mdb_cursor_open(w->txn, w->dbi, &w->cur)) != 0)
		return lmdb_err(eb, "cursor", rc);
	return 0;
}

static int
lmdb_end(struct lmdb_writer *w, struct errbuf *eb)
{
	int rc;

	mdb_cursor_close(w->cur);
	w->cur = NULL;
	rc = mdb_txn_commit(w->txn);
	w->txn = NULL;
	if (rc != 0)
		return lmdb_err(eb, "commit", rc);
	return 0;
}

static void
lmdb_wabort(struct map_writer *m)
{
	struct lmdb_writer *w = m->impl;

	if (w == NULL)
		return;
	if (w->cur != NULL)
		mdb_cursor_close(w->cur);
	if (w->txn != NULL)
		mdb_txn_abort(w->txn);
	if (w->env != NULL)
		mdb_env_close(w->env);
	free(w);
	m->impl = NULL;
}

static int
lmdb_wopen(struct map_writer *m, struct errbuf *eb)
{
	struct lmdb_writer *w;
	mdb_filehandle_t fd;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		errbuf_syserr(eb, "lmdb");
		return -1;
	}
	m->impl = w;
	w->mapsize = LMDB_MAPSIZE_INITIAL;
	if ((rc = mdb_env_create(&w->env)) != 0) {
		w->env = NULL;
		lmdb_err(eb, "create", rc);
		goto fail;
	}
	if ((rc = mdb_env_set_mapsize(w->env, w->mapsize)) != 0) {
		lmdb_err(eb, "set map size", rc);
		goto fail;
	}
	/* The temp file exists (empty, final mode); lmdb opens it by name
	   and formats it.  The name atomicfile gives reaches that file and
	   no other; still, check what lmdb opened before writing a byte.
	   NOSYNC: atomicfile fsyncs the same inode before the rename. */
	rc = mdb_env_open(w->env, atomicfile_openpath(m->af),
	    MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC, 0600);
	if (rc != 0) {
		lmdb_err(eb, "open", rc);
		goto fail;
	}
	if ((rc = mdb_env_get_fd(w->env, &fd)) != 0) {
		lmdb_err(eb, "get fd", rc);
		goto fail;
	}
	if (atomicfile_check_fd(m->af, fd, eb) == -1)
		goto fail;
	if (lmdb_begin(w, eb) == -1)
		goto fail;
	return 0;
fail:
	lmdb_wabort(m);
	return -1;
}

/* LMDB cannot grow the map inside a transaction and MDB_MAP_FULL kills
   the transaction, so grow before that can happen: commit what we have
   to the (still private) temp file and continue in a new transaction.
   Only tables far beyond the reservation ever take this path. */
static int
lmdb_reserve(struct lmdb_writer *w, size_t need, struct errbuf *eb)
{
	int rc;

	w->estimate += need;
	if (w->estimate < w->mapsize / 4 * 3)
		return 0;
	if (lmdb_end(w, eb) == -1)
		return -1;
	while (w->estimate >= w->mapsize / 4 * 3)
		w->mapsize *= 2;
	if ((rc = mdb_env_set_mapsize(w->env, w->mapsize)) != 0)
		return lmdb_err(eb, "grow map", rc);
	return lmdb_begin(w, eb);
}

static int
lmdb_keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
lmdb_put(struct map_writer *m, const char *k, size_t klen, const char *v,
    size_t vlen, struct errbuf *eb)
{
	struct lmdb_writer *w = m->impl;
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
	int rc, append;

	/* Pages half full after splits in the worst case; big values live
	   in overflow pages. */
	if (lmdb_reserve(w, 2 * (klen + vlen + 16) +
	    (vlen > 1024 ? vlen + 4096 : 0), eb) == -1)
		return -1;
	append = w->maxklen == 0 ||
	    lmdb_keycmp(k, klen, w->maxkey, w->maxklen) > 0;
	rc = mdb_cursor_put(w->cur, &key, &val,
	    append ? MDB_APPEND : MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return 1;
	if (rc != 0)
		return lmdb_err(eb, "put", rc);
	if (append) {
		memcpy(w->maxkey, k, klen);
		w->maxklen = klen;
	}
	if (++w->txn_puts >= LMDB_TXN_PUTS) {
		w->txn_puts = 0;
		if (lmdb_end(w, eb) == -1 || lmdb_begin(w, eb) == -1)
			return -1;
	}
	return 0;
}

static int
lmdb_wfinish(struct map_writer *m, struct errbuf *eb)
{
	struct lmdb_writer *w = m->impl;
	int ret;

	ret = lmdb_end(w, eb);
	lmdb_wabort(m);
	return ret;
}

static void
lmdb_rclose(struct map_reader *r)
{
	struct lmdb_reader *lr = r->impl;

	if (lr == NULL)
		return;
	if (lr->txn != NULL)
		mdb_txn_abort(lr->txn);
	if (lr->env != NULL)
		mdb_env_close(lr->env);
	free(lr);
	r->impl = NULL;
}

static int lmdb_lock(int, short, const char *, struct errbuf *);

static int
lmdb_ropen(struct map_reader *r, struct errbuf *eb)
{
	struct lmdb_reader *lr;
	mdb_filehandle_t fd;
	int rc;

	if ((lr = calloc(1, sizeof(*lr))) == NULL) {
		errbuf_syserr(eb, "lmdb");
		return -1;
	}
	r->impl = lr;
	if ((rc = mdb_env_create(&lr->env)) != 0) {
		lr->env = NULL;
		lmdb_err(eb, "create", rc);
		goto fail;
	}
	/* No mapsize: lmdb takes the one recorded in the file. */
	rc = mdb_env_open(lr->env, r->file,
	    MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0);
	if (rc != 0) {
		lmdb_err(eb, "open", rc);
		goto fail;
	}
	/* A shared lock for as long as the reader is open, as Postfix's
	   readers take one around each lookup: mailsyncd may change the
	   table in place (lmdb_patch), and with MDB_NOLOCK nothing else
	   keeps its writer off the pages this read transaction uses. */
	if ((rc = mdb_env_get_fd(lr->env, &fd)) != 0) {
		lmdb_err(eb, "get fd", rc);
		goto fail;
	}
	if (lmdb_lock(fd, F_RDLCK, r->file, eb) == -1)
		goto fail;
	if ((rc = mdb_txn_begin(lr->env, NULL, MDB_RDONLY, &lr->txn)) != 0) {
		lr->txn = NULL;
		lmdb_err(eb, "begin", rc);
		goto fail;
	}
	if ((rc = mdb_dbi_open(lr->txn, NULL, 0, &lr->dbi)) != 0) {
		lmdb_err(eb, "open main db", rc);
		goto fail;
	}
	return 0;
fail:
	lmdb_rclose(r);
	return -1;
}

static int
lmdb_get(struct map_reader *r, const char *k, size_t klen, const char **v_r,
    size_t *vlen_r, struct errbuf *eb)
{
	struct lmdb_reader *lr = r->impl;
	MDB_val key, val;
	int rc, pass;

	/* Postfix tries the key with its NUL first, then without. */
	for (pass = 0; pass < 2; pass++) {
		key.mv_data = (void *)k;
		key.mv_size = klen + (pass == 0);
		rc = mdb_get(lr->txn, lr->dbi, &key, &val);
		if (rc == 0) {
			*v_r = val.mv_data;
			*vlen_r = map_strip_nul(val.mv_data, val.mv_size);
			return 1;
		}
		if (rc != MDB_NOTFOUND)
			return lmdb_err(eb, "get", rc);
	}
	return 0;
}

/* A full scan would otherwise leave the whole file mapped in our
   resident set (a million-entry table is 50-120 MB): every so many
   entries, drop the pages already read.  They stay in the page cache, and
   a page the cursor still points into is simply read in again. */
#define LMDB_SCAN_RELEASE 16384

static void
lmdb_release(struct lmdb_reader *lr)
{
	MDB_envinfo info;
	MDB_stat st;
	long pg = sysconf(_SC_PAGESIZE);
	size_t len;

	if (mdb_env_info(lr->env, &info) != 0 ||
	    mdb_env_stat(lr->env, &st) != 0 || pg <= 0)
		return;
	len = ((size_t)info.me_last_pgno + 1) * st.ms_psize;
	len = (len + (size_t)pg - 1) & ~((size_t)pg - 1);
	if (len > info.me_mapsize)
		len = info.me_mapsize;
	(void)madvise(info.me_mapaddr, len, MADV_DONTNEED);
}

static int
lmdb_iterate(struct map_reader *r,
    int (*fn)(struct map_reader *, const char *, size_t, const char *,
	size_t, void *),
    void *arg, struct errbuf *eb)
{
	struct lmdb_reader *lr = r->impl;
	MDB_cursor *cur;
	MDB_val key, val;
	size_t n = 0;
	int rc, ret = 0;

	if ((rc = mdb_cursor_open(lr->txn, lr->dbi, &cur)) != 0)
		return lmdb_err(eb, "cursor", rc);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (++n % LMDB_SCAN_RELEASE == 0)
			lmdb_release(lr);
		if (fn(r, key.mv_data, map_strip_nul(key.mv_data, key.mv_size),
		    val.mv_data, map_strip_nul(val.mv_data, val.mv_size),
		    arg) != 0) {
			ret = 1;
			break;
		}
	}
	if (ret == 0 && rc != MDB_NOTFOUND)
		ret = lmdb_err(eb, "cursor get", rc);
	mdb_cursor_close(cur);
	return ret;
}

static long long
lmdb_count(struct map_reader *r, struct errbuf *eb)
{
	struct lmdb_reader *lr = r->impl;
	MDB_stat st;
	int rc;

	if ((rc = mdb_stat(lr->txn, lr->dbi, &st)) != 0)
		return lmdb_err(eb, "stat", rc);
	return (long long)st.ms_entries;
}

/* The whole file under an fcntl() lock (Postfix's lock style for lmdb:
   its readers hold a shared one around each lookup, which runs in a
   read transaction of its own).  With MDB_NOLOCK, LMDB itself would not
   keep a writer from reusing pages a reader still looks at. */
static int
lmdb_lock(int fd, short type, const char *file, struct errbuf *eb)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLKW, &fl) == -1) {
		if (errno != EINTR) {
			errbuf_syserr(eb, "%s: lock", file);
			return -1;
		}
	}
	return 0;
}

/* The writer's lock, waited for MAP_PATCH_LOCK_WAIT_MS at most: a
   Postfix lookup holds its shared lock for microseconds, but a reader
   that keeps the table open (a `mailmap dump` paused in a pager, a hung
   process) must not stop every later update.  The caller then rebuilds
   the table whole and replaces it by rename, which needs no lock. */
static int
lmdb_lock_write(int fd, const char *file, struct errbuf *eb)
{
	struct flock fl;
	double deadline = monotime_now() + MAP_PATCH_LOCK_WAIT_MS / 1000.0;
	const struct timespec pause = { 0, 10 * 1000 * 1000 };

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno != EINTR && errno != EAGAIN && errno != EACCES) {
			errbuf_syserr(eb, "%s: lock", file);
			return -1;
		}
		if (monotime_now() >= deadline) {
			errbuf_set(eb, "%s: a reader held its lock for more "
			    "than %d ms", file, MAP_PATCH_LOCK_WAIT_MS);
			eb->errnum = EWOULDBLOCK;
			return -1;
		}
		(void)nanosleep(&pause, NULL);
	}
	return 0;
}

/* Put or delete each edit in one write transaction, touching only the
   entries that differ; commit (LMDB syncs the data, then the meta page:
   a crash leaves the old state or the new). */
static int
lmdb_patch_txn(MDB_env *env, const char *file, const struct map_edit *e,
    size_t n, long long *delta_r, int *changed_r, struct errbuf *eb)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val key, val, nv;
	size_t i, changes = 0;
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		return lmdb_err(eb, "begin", rc);
	if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		key.mv_data = (void *)e[i].key;
		key.mv_size = strlen(e[i].key) + 1;
		rc = mdb_get(txn, dbi, &key, &val);
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto fail;
		if (e[i].value == NULL) {
			if (rc == MDB_NOTFOUND)
				continue;
			if ((rc = mdb_del(txn, dbi, &key, NULL)) != 0)
				goto fail;
			(*delta_r)--;
			changes++;
			continue;
		}
		nv.mv_data = (void *)e[i].value;
		nv.mv_size = strlen(e[i].value) + 1;
		if (rc == 0 && val.mv_size == nv.mv_size &&
		    memcmp(val.mv_data, nv.mv_data, nv.mv_size) == 0)
			continue;
		*delta_r += rc == MDB_NOTFOUND;
		if ((rc = mdb_put(txn, dbi, &key, &nv, 0)) != 0)
			goto fail;
		changes++;
	}
	if (changes == 0) {
		mdb_txn_abort(txn);
		*delta_r = 0;
		return 0;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		*delta_r = 0;
		errbuf_set(eb, "%s: ", file);
		return lmdb_err(eb, "commit", rc);
	}
	*changed_r = 1;
	return 0;
fail:
	mdb_txn_abort(txn);
	*delta_r = 0;
	lmdb_err(eb, "update", rc);
	errbuf_prefix(eb, "%s", file);
	return -1;
}

static int
lmdb_patch(const char *file, const struct map_edit *e, size_t n,
    long long *delta_r, int *changed_r, struct errbuf *eb)
{
	MDB_env *env;
	struct stat st;
	mdb_filehandle_t fd;
	size_t mapsize, need = 0, i;
	int rc, r = -1;

	if (stat(file, &st) == -1) {
		errbuf_syserr(eb, "%s", file);
		return -1;
	}
	for (i = 0; i < n; i++)
		need += 2 * (strlen(e[i].key) + (e[i].value != NULL ?
		    strlen(e[i].value) : 0) + 4096);
	/* Address space only: the file grows by what the edits need. */
	mapsize = (size_t)st.st_size + need + LMDB_MAPSIZE_INITIAL;
	if ((rc = mdb_env_create(&env)) != 0)
		return lmdb_err(eb, "create", rc);
	if ((rc = mdb_env_set_mapsize(env, mapsize)) != 0 ||
	    (rc = mdb_env_open(env, file, MDB_NOSUBDIR | MDB_NOLOCK, 0)) !=
	    0 || (rc = mdb_env_get_fd(env, &fd)) != 0) {
		lmdb_err(eb, "open", rc);
		errbuf_prefix(eb, "%s", file);
		goto out;
	}
	if (lmdb_lock_write(fd, file, eb) == -1)
		goto out;
	r = lmdb_patch_txn(env, file, e, n, delta_r, changed_r, eb);
	/* Closing the environment closes FD, which drops the lock. */
out:
	mdb_env_close(env);
	return r;
}

const struct map_backend map_backend_lmdb = {
	.wopen = lmdb_wopen,
	.put = lmdb_put,
	.wfinish = lmdb_wfinish,
	.wabort = lmdb_wabort,
	.bytes_compare = 0,
	.ropen = lmdb_ropen,
	.get = lmdb_get,
	.iterate = lmdb_iterate,
	.count = lmdb_count,
	.rclose = lmdb_rclose,
	.patch = lmdb_patch,
};
