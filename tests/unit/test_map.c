#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <db.h>
#include <lmdb.h>

#include "atomicfile.h"
#include "map.h"
#include "maptest.h"

static const enum map_format formats[] = { MAP_FORMAT_LMDB, MAP_FORMAT_HASH,
	MAP_FORMAT_TEXT };

struct fx {
	char *dir;
	char *file[3];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->dir = tmpdir_make("unit");
	fx->file[0] = mt_path(fx->dir, "t.lmdb");
	fx->file[1] = mt_path(fx->dir, "t.db");
	fx->file[2] = mt_path(fx->dir, "t");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	int i;

	tmpdir_remove(fx->dir);
	for (i = 0; i < 3; i++)
		free(fx->file[i]);
	free(fx);
	return 0;
}

struct kv {
	const char *k, *v;
};

static const struct kv sample[] = {
	{ "Postmaster@Example.ORG", "alice@example.org, bob@example.org" },
	{ "@alias.example", "@example.org" },
	{ "carol@example.org", "Carol Ünïcødé <c@example.net>" },
	{ "dave@example.org", "x\ty  z" },
};

static int
build(enum map_format fmt, const char *file, const struct kv *kv, size_t n,
    int *changed_r)
{
	struct map_writer *m;
	struct errbuf eb;
	size_t i;

	m = map_open(fmt, file, 0644, ATOMICFILE_KEEP_GID, &eb);
	assert_non_null(m);
	for (i = 0; i < n; i++)
		assert_int_equal(map_put(m, kv[i].k, kv[i].v, &eb), 0);
	return map_commit(&m, changed_r, &eb);
}

static void
expect(struct map_reader *r, const char *k, const char *v)
{
	struct errbuf eb;
	char *got;

	assert_int_equal(map_lookup(r, k, &got, &eb), 1);
	assert_string_equal(got, v);
	free(got);
}

static void
test_map_roundtrip_all_formats(void **state)
{
	struct fx *fx = *state;
	struct map_reader *r;
	struct errbuf eb;
	char *got;
	int i, changed;

	for (i = 0; i < 3; i++) {
		assert_int_equal(build(formats[i], fx->file[i], sample, 4,
		    &changed), 0);
		assert_int_equal(changed, 1);
		r = map_reader_open(formats[i], fx->file[i], &eb);
		assert_non_null(r);
		assert_int_equal(map_count(r, &eb), 4);
		expect(r, "postmaster@example.org",
		    "alice@example.org, bob@example.org");
		expect(r, "POSTMASTER@EXAMPLE.ORG",
		    "alice@example.org, bob@example.org");
		expect(r, "@ALIAS.example", "@example.org");
		expect(r, "carol@example.org", "Carol Ünïcødé <c@example.net>");
		expect(r, "dave@example.org", "x\ty  z");
		assert_int_equal(map_lookup(r, "nobody@example.org", &got,
		    &eb), 0);
		assert_null(got);
		assert_int_equal(map_lookup(r, "", &got, &eb), 0);
		map_reader_close(&r);
		assert_null(r);
		map_reader_close(&r);
	}
	/* One file per table, no lock files, no temp files. */
	assert_int_equal(mt_count_files(fx->dir), 3);
}

static void
test_map_text_layout(void **state)
{
	struct fx *fx = *state;
	char *s;

	assert_int_equal(build(MAP_FORMAT_TEXT, fx->file[2], sample, 2, NULL),
	    0);
	s = mt_read_file(fx->file[2], NULL);
	assert_string_equal(s,
	    "postmaster@example.org\talice@example.org, bob@example.org\n"
	    "@alias.example\t@example.org\n");
	free(s);
}

/* postmap's layout: key and value each end in one NUL, lower-case key. */
static void
test_map_lmdb_stores_nul(void **state)
{
	struct fx *fx = *state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 23, "postmaster@example.org" }, v;

	assert_int_equal(build(MAP_FORMAT_LMDB, fx->file[0], sample, 1, NULL),
	    0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, fx->file[0],
	    MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_int_equal(v.mv_size, 35);
	assert_memory_equal(v.mv_data, "alice@example.org, bob@example.org",
	    35);
	k.mv_size = 22;
	assert_int_equal(mdb_get(txn, dbi, &k, &v), MDB_NOTFOUND);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static void
test_map_hash_stores_nul(void **state)
{
	struct fx *fx = *state;
	DB *db;
	DBT k, v;

	assert_int_equal(build(MAP_FORMAT_HASH, fx->file[1], sample, 1, NULL),
	    0);
	assert_int_equal(db_create(&db, NULL, 0), 0);
	assert_int_equal(db->open(db, NULL, fx->file[1], NULL, DB_HASH,
	    DB_RDONLY, 0), 0);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = "postmaster@example.org";
	k.size = 23;
	assert_int_equal(db->get(db, NULL, &k, &v, 0), 0);
	assert_int_equal(v.size, 35);
	assert_memory_equal(v.data, "alice@example.org, bob@example.org", 35);
	db->close(db, 0);
}

/* Tables written by others without the NUL are read too (TRY0NULL). */
static void
test_map_lmdb_reads_without_nul(void **state)
{
	struct fx *fx = *state;
	struct map_reader *r;
	struct errbuf eb;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 5, "a@b.c" }, v = { 3, "xyz" };

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, fx->file[0],
	    MDB_NOSUBDIR | MDB_NOLOCK, 0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	r = map_reader_open(MAP_FORMAT_LMDB, fx->file[0], &eb);
	assert_non_null(r);
	expect(r, "A@B.C", "xyz");
	map_reader_close(&r);
}

static void
test_map_duplicate_first_wins(void **state)
{
	struct fx *fx = *state;
	struct map_writer *m;
	struct map_reader *r;
	struct errbuf eb;
	int i;

	for (i = 0; i < 3; i++) {
		m = map_open(formats[i], fx->file[i], 0644,
		    ATOMICFILE_KEEP_GID, &eb);
		assert_non_null(m);
		assert_int_equal(map_put(m, "b@x", "first", &eb), 0);
		assert_int_equal(map_put(m, "a@x", "one", &eb), 0);
		assert_int_equal(map_put(m, "B@X", "second", &eb), 1);
		assert_int_equal(map_put(m, "a@x", "two", &eb), 1);
		assert_int_equal(map_commit(&m, NULL, &eb), 0);
		r = map_reader_open(formats[i], fx->file[i], &eb);
		assert_non_null(r);
		assert_int_equal(map_count(r, &eb), 2);
		expect(r, "b@x", "first");
		expect(r, "a@x", "one");
		map_reader_close(&r);
	}
}

static void
test_map_check_rejects(void **state)
{
	static const struct {
		const char *k, *v, *why;
	} bad[] = {
		{ "", "v", "empty key" },
		{ "a b", "v", "whitespace in key" },
		{ "a\tb", "v", "whitespace in key" },
		{ "a\rb", "v", "CR or LF in key" },
		{ "a\nb", "v", "CR or LF in key" },
		{ "#a", "v", "'#'" },
		{ "a\x01", "v", "control character" },
		{ "j\xc3\xb6rg@x", "v", "non-ASCII" },
		{ "k", "", "empty value" },
		{ "k", "a\nb", "CR or LF in value" },
		{ "k", "a\rb", "CR or LF in value" },
		{ "k", " a", "whitespace" },
		{ "k", "a\t", "whitespace" },
	};
	struct errbuf eb;
	char longkey[MAP_KEY_MAX + 2];
	char *longval;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(map_check(bad[i].k, bad[i].v, &eb), -1);
		assert_int_equal(eb.errnum, EINVAL);
		if (strstr(eb.msg, bad[i].why) == NULL)
			fail_msg("%zu: \"%s\" lacks \"%s\"", i, eb.msg,
			    bad[i].why);
		assert_int_equal(strncmp(eb.msg, "key \"", 5), 0);
		assert_null(strpbrk(eb.msg, "\r\n\t"));
	}
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(map_check(longkey, "v", &eb), -1);
	assert_non_null(strstr(eb.msg, "key too long"));
	longkey[MAP_KEY_MAX] = '\0';
	assert_int_equal(map_check(longkey, "v", &eb), 0);
	longval = malloc(MAP_VALUE_MAX + 2);
	memset(longval, 'v', MAP_VALUE_MAX + 1);
	longval[MAP_VALUE_MAX + 1] = '\0';
	assert_int_equal(map_check("k", longval, &eb), -1);
	assert_non_null(strstr(eb.msg, "value too long"));
	free(longval);
	assert_int_equal(map_check("Alice@Example.org", "a@b, c@d", &eb), 0);
}

static void
test_map_put_rejects_and_names_key(void **state)
{
	struct fx *fx = *state;
	struct map_writer *m;
	struct errbuf eb;
	int i;

	for (i = 0; i < 3; i++) {
		m = map_open(formats[i], fx->file[i], 0644,
		    ATOMICFILE_KEEP_GID, &eb);
		assert_non_null(m);
		assert_int_equal(map_put(m, "bad key", "v", &eb), -1);
		assert_non_null(strstr(eb.msg, fx->file[i]));
		assert_non_null(strstr(eb.msg, "\"bad key\""));
		assert_int_equal(map_put(m, "good", "v", &eb), 0);
		map_abort(&m);
		assert_null(m);
		map_abort(&m);
	}
	assert_int_equal(mt_count_files(fx->dir), 0);
}

static void
shuffle_build(enum map_format fmt, const char *file, size_t n, int reverse,
    const char *lastval, int *changed_r)
{
	struct map_writer *m;
	struct errbuf eb;
	char k[64], v[64];
	size_t i, j;

	m = map_open(fmt, file, 0644, ATOMICFILE_KEEP_GID, &eb);
	assert_non_null(m);
	for (i = 0; i < n; i++) {
		j = reverse ? n - 1 - i : i;
		snprintf(k, sizeof(k), "User%06zu@example.org", j);
		snprintf(v, sizeof(v), "fwd%zu@example.net",
		    j == n - 1 ? (size_t)0 : j);
		assert_int_equal(map_put(m, k, j == n - 1 ? lastval : v, &eb),
		    0);
	}
	assert_int_equal(map_commit(&m, changed_r, &eb), 0);
}

/* Same entries in another order: the old file stays (Postfix restarts
   its daemons on a replace); a changed value publishes. */
static void
test_map_unchanged_keeps_file(void **state)
{
	struct fx *fx = *state;
	struct stat a, b;
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	int i, changed;

	for (i = 0; i < 3; i++) {
		shuffle_build(formats[i], fx->file[i], 3000, 0, "last@x",
		    &changed);
		assert_int_equal(changed, 1);
		assert_int_equal(utimensat(AT_FDCWD, fx->file[i], ts, 0), 0);
		assert_int_equal(stat(fx->file[i], &a), 0);
		/* text is compared byte for byte: same order there */
		shuffle_build(formats[i], fx->file[i], 3000,
		    formats[i] != MAP_FORMAT_TEXT, "last@x", &changed);
		assert_int_equal(changed, 0);
		assert_int_equal(stat(fx->file[i], &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
		assert_int_equal(b.st_mtim.tv_sec, 1000000000);
		shuffle_build(formats[i], fx->file[i], 3000, 0, "last@y",
		    &changed);
		assert_int_equal(changed, 1);
		assert_int_equal(stat(fx->file[i], &b), 0);
		assert_int_not_equal(a.st_ino, b.st_ino);
		/* one entry fewer is a change too */
		shuffle_build(formats[i], fx->file[i], 2999, 0, "last@y",
		    &changed);
		assert_int_equal(changed, 1);
	}
	assert_int_equal(mt_count_files(fx->dir), 3);
}

/* Unsorted keys (no MDB_APPEND) and a table far beyond the 1 MiB
   reservation this test build starts with. */
static void
test_map_lmdb_unsorted_and_grows(void **state)
{
	struct fx *fx = *state;
	struct map_writer *m;
	struct map_reader *r;
	struct errbuf eb;
	char k[64], v[128];
	size_t i, j, n = 30000;
	char *got;

	m = map_open(MAP_FORMAT_LMDB, fx->file[0], 0644, ATOMICFILE_KEEP_GID,
	    &eb);
	assert_non_null(m);
	for (i = 0; i < n; i++) {
		j = (i * 7919) % n; /* a permutation: 7919 is prime */
		snprintf(k, sizeof(k), "u%zu@example.org", j);
		snprintf(v, sizeof(v), "forward-%zu@mail.example.net, "
		    "second-%zu@example.com", j, j);
		assert_int_equal(map_put(m, k, v, &eb), 0);
	}
	assert_int_equal(map_put(m, "u17@example.org", "dup", &eb), 1);
	assert_int_equal(map_commit(&m, NULL, &eb), 0);
	r = map_reader_open(MAP_FORMAT_LMDB, fx->file[0], &eb);
	assert_non_null(r);
	assert_int_equal(map_count(r, &eb), (long long)n);
	for (i = 0; i < n; i += 97) {
		snprintf(k, sizeof(k), "U%zu@EXAMPLE.org", i);
		snprintf(v, sizeof(v), "forward-%zu@mail.example.net, "
		    "second-%zu@example.com", i, i);
		assert_int_equal(map_lookup(r, k, &got, &eb), 1);
		assert_string_equal(got, v);
		free(got);
	}
	map_reader_close(&r);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

/* map_unique_keys: the hash writer sorts into bucket order and (this
   copy of the code holds only 4 KiB) spills to unlinked files; every
   format still gives the table that was put, and leaves no file behind.
   A repeated key, against the promise, still keeps the first value in
   hash. */
static void
test_map_unique_keys_every_format(void **state)
{
	struct fx *fx = *state;
	struct map_writer *m;
	struct map_reader *r;
	struct errbuf eb;
	char k[64], v[128];
	size_t i, j, n = 5000;
	int f;
	char *got;

	for (f = 0; f < 3; f++) {
		m = map_open(formats[f], fx->file[f], 0644,
		    ATOMICFILE_KEEP_GID, &eb);
		assert_non_null(m);
		map_unique_keys(m);
		for (i = 0; i < n; i++) {
			j = (i * 7919) % n;
			snprintf(k, sizeof(k), "u%zu@example.org", j);
			snprintf(v, sizeof(v), "fwd-%zu@mail.example.net", j);
			assert_int_equal(map_put(m, k, v, &eb), 0);
		}
		if (formats[f] == MAP_FORMAT_HASH)
			assert_int_equal(map_put(m, "u0@example.org", "dup",
			    &eb), 0);
		assert_int_equal(map_commit(&m, NULL, &eb), 0);
		assert_int_equal(mt_count_files(fx->dir), f + 1);
		r = map_reader_open(formats[f], fx->file[f], &eb);
		assert_non_null(r);
		assert_int_equal(map_count(r, &eb), (long long)n);
		for (i = 0; i < n; i += 61) {
			snprintf(k, sizeof(k), "u%zu@example.org", i);
			snprintf(v, sizeof(v), "fwd-%zu@mail.example.net", i);
			assert_int_equal(map_lookup(r, k, &got, &eb), 1);
			assert_string_equal(got, v);
			free(got);
		}
		map_reader_close(&r);
	}
	/* nothing put at all: an empty table */
	m = map_open(MAP_FORMAT_HASH, fx->file[1], 0644, ATOMICFILE_KEEP_GID,
	    &eb);
	assert_non_null(m);
	map_unique_keys(m);
	assert_int_equal(map_commit(&m, NULL, &eb), 0);
	r = map_reader_open(MAP_FORMAT_HASH, fx->file[1], &eb);
	assert_non_null(r);
	assert_int_equal(map_count(r, &eb), 0);
	map_reader_close(&r);
}

struct it {
	int n;
	char keys[8][64];
};

static int
collect(const char *k, const char *v, void *arg)
{
	struct it *it = arg;

	snprintf(it->keys[it->n++], 64, "%s=%s", k, v);
	return it->n == 3 ? 42 : 0;
}

static void
test_map_iterate_stops(void **state)
{
	struct fx *fx = *state;
	struct map_reader *r;
	struct errbuf eb;
	struct it it;
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(build(formats[i], fx->file[i], sample, 4,
		    NULL), 0);
		r = map_reader_open(formats[i], fx->file[i], &eb);
		assert_non_null(r);
		memset(&it, 0, sizeof(it));
		assert_int_equal(map_iterate(r, collect, &it, &eb), 42);
		assert_int_equal(it.n, 3);
		map_reader_close(&r);
	}
	/* lmdb iterates in key order */
	r = map_reader_open(MAP_FORMAT_LMDB, fx->file[0], &eb);
	memset(&it, 0, sizeof(it));
	assert_int_equal(map_iterate(r, collect, &it, &eb), 42);
	assert_string_equal(it.keys[0], "@alias.example=@example.org");
	map_reader_close(&r);
}

/* postmap's text rules ('#' comments, blank lines, continuation lines,
   key up to the first whitespace), hostile bits too. */
static void
test_map_text_reader_postmap_rules(void **state)
{
	struct fx *fx = *state;
	struct map_reader *r;
	struct errbuf eb;
	char *got;
	static const char src[] =
	    "# comment\n"
	    "  # indented comment\n"
	    "\n"
	    "   continuation without start\n"
	    "Alice@X   a@y,\n"
	    "  b@y\n"
	    "# comment inside does not end it\n"
	    "\tc@y   \r\n"
	    "bob@x v3 # not a comment\n"
	    "novalue\n"
	    "novalue2   \n"
	    "alice@x dup\n"
	    "crlf@x val\r\n"
	    "last@x\tno newline";

	mt_write_file(fx->file[2], src);
	r = map_reader_open(MAP_FORMAT_TEXT, fx->file[2], &eb);
	assert_non_null(r);
	assert_int_equal(map_count(r, &eb), 4);
	expect(r, "alice@x", "a@y,  b@y\tc@y");
	expect(r, "bob@x", "v3 # not a comment");
	expect(r, "crlf@x", "val");
	expect(r, "last@x", "no newline");
	assert_int_equal(map_lookup(r, "novalue", &got, &eb), 0);
	map_reader_close(&r);
}

static void
test_map_text_reader_hostile(void **state)
{
	struct fx *fx = *state;
	struct map_reader *r;
	struct errbuf eb;
	FILE *f;
	int i;

	f = fopen(fx->file[2], "w");
	assert_non_null(f);
	fwrite("k1 v\0hidden\nk2\0x v2\n\n\n \t \n", 1, 26, f);
	for (i = 0; i < 1000; i++)
		fputs("  \t", f);
	fputs("\n#", f);
	fclose(f);
	r = map_reader_open(MAP_FORMAT_TEXT, fx->file[2], &eb);
	assert_non_null(r);
	assert_int_equal(map_count(r, &eb), 1);
	expect(r, "k1", "v");
	map_reader_close(&r);
	mt_write_file(fx->file[2], "");
	r = map_reader_open(MAP_FORMAT_TEXT, fx->file[2], &eb);
	assert_non_null(r);
	assert_int_equal(map_count(r, &eb), 0);
	map_reader_close(&r);
}

static void
test_map_reader_errors(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	int i;

	for (i = 0; i < 3; i++) {
		assert_null(map_reader_open(formats[i], fx->file[i], &eb));
		assert_int_equal(eb.errnum, ENOENT);
		assert_non_null(strstr(eb.msg, fx->file[i]));
	}
	mt_write_file(fx->file[0], "this is not an lmdb file at all");
	assert_null(map_reader_open(MAP_FORMAT_LMDB, fx->file[0], &eb));
	assert_non_null(strstr(eb.msg, fx->file[0]));
	mt_write_file(fx->file[1], "this is not a berkeley db file");
	assert_null(map_reader_open(MAP_FORMAT_HASH, fx->file[1], &eb));
	assert_non_null(strstr(eb.msg, fx->file[1]));
	/* Not Berkeley DB's bare "Invalid argument": the cause. */
	assert_non_null(strstr(eb.msg, "not a Berkeley DB hash file"));
	assert_null(map_reader_open(MAP_FORMAT_TEXT, fx->dir, &eb));
}

static void
test_map_format_names(void **state)
{
	enum map_format f;

	assert_int_equal(map_format_parse("lmdb", &f), 0);
	assert_int_equal(f, MAP_FORMAT_LMDB);
	assert_int_equal(map_format_parse("hash", &f), 0);
	assert_int_equal(f, MAP_FORMAT_HASH);
	assert_int_equal(map_format_parse("text", &f), 0);
	assert_int_equal(f, MAP_FORMAT_TEXT);
	assert_int_equal(map_format_parse("cdb", &f), -1);
	assert_string_equal(map_format_name(MAP_FORMAT_HASH), "hash");
	assert_string_equal(map_format_suffix(MAP_FORMAT_HASH), ".db");
	assert_string_equal(map_format_suffix(MAP_FORMAT_LMDB), ".lmdb");
}

struct child_arg {
	struct fx *fx;
	int fmt;
};

static int
child_unwritable(void *arg)
{
	struct child_arg *ca = arg;
	struct errbuf eb;
	char want[600];

	if (map_open(formats[ca->fmt], ca->fx->file[ca->fmt], 0644,
	    ATOMICFILE_KEEP_GID, &eb) != NULL)
		return 1;
	(void)snprintf(want, sizeof(want), "%s: Permission denied",
	    ca->fx->dir);
	return strcmp(eb.msg, want) == 0 ? 0 : 2;
}

/* The table can't be finished (file size limit): old table untouched,
   temp file gone. */
static int
child_too_big(void *arg)
{
	struct child_arg *ca = arg;
	struct map_writer *m;
	struct errbuf eb;
	char k[64];
	int i, r = 0;

	m = map_open(formats[ca->fmt], ca->fx->file[ca->fmt], 0644,
	    ATOMICFILE_KEEP_GID, &eb);
	if (m == NULL)
		return 1;
	for (i = 0; i < 5000 && r != -1; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		r = map_put(m, k, "some value that takes room", &eb);
	}
	if (r == -1) {
		map_abort(&m);
		return 0;
	}
	return map_commit(&m, NULL, &eb) == -1 ? 0 : 3;
}

static void
test_map_failures_leave_old(void **state)
{
	struct fx *fx = *state;
	struct child_arg ca = { fx, 0 };
	char *before[3], *after;
	size_t blen[3], alen;
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(build(formats[i], fx->file[i], sample, 4,
		    NULL), 0);
		before[i] = mt_read_file(fx->file[i], &blen[i]);
	}
	for (i = 0; i < 3; i++) {
		ca.fmt = i;
		assert_int_equal(mt_in_child(child_too_big, &ca, 0, 65536), 0);
		after = mt_read_file(fx->file[i], &alen);
		assert_int_equal(alen, blen[i]);
		assert_memory_equal(after, before[i], alen);
		free(after);
		assert_int_equal(mt_count_files(fx->dir), 3);
	}
	assert_int_equal(chmod(fx->dir, 0755), 0);
	mt_make_readonly(fx->dir);
	for (i = 0; i < 3; i++) {
		ca.fmt = i;
		assert_int_equal(mt_in_child(child_unwritable, &ca, 1, 0), 0);
		after = mt_read_file(fx->file[i], &alen);
		assert_int_equal(alen, blen[i]);
		assert_memory_equal(after, before[i], alen);
		free(after);
		free(before[i]);
	}
	assert_int_equal(mt_count_files(fx->dir), 3);
}

static void
test_map_empty_table(void **state)
{
	struct fx *fx = *state;
	struct map_reader *r;
	struct errbuf eb;
	int i, changed;

	for (i = 0; i < 3; i++) {
		assert_int_equal(build(formats[i], fx->file[i], NULL, 0,
		    &changed), 0);
		assert_int_equal(changed, 1);
		r = map_reader_open(formats[i], fx->file[i], &eb);
		assert_non_null(r);
		assert_int_equal(map_count(r, &eb), 0);
		map_reader_close(&r);
		assert_int_equal(build(formats[i], fx->file[i], NULL, 0,
		    &changed), 0);
		assert_int_equal(changed, 0);
	}
}

/* map_patch: lmdb in place (same inode), only what differs written,
   keys folded; the other formats refuse with ENOTSUP. */
static void
test_map_patch_lmdb_in_place(void **state)
{
	struct fx *fx = *state;
	const struct map_edit e[] = {
		{ "Postmaster@Example.ORG", "carol@example.org" },
		{ "@alias.example", NULL },
		{ "new@example.org", "n@example.net" },
		{ "gone@example.org", NULL },
		{ "dave@example.org", "x\ty  z" },
	};
	struct map_reader *r;
	struct stat st0, st1;
	struct errbuf eb;
	long long delta;
	char *got;
	int changed, i;

	for (i = 0; i < 3; i++)
		assert_int_equal(build(formats[i], fx->file[i], sample, 4, NULL),
		    0);
	assert_int_equal(stat(fx->file[0], &st0), 0);
	assert_int_equal(map_patch(MAP_FORMAT_LMDB, fx->file[0], e, 5, &delta,
	    &changed, &eb), 0);
	assert_int_equal(delta, 0); /* one added, one removed */
	assert_int_equal(changed, 1);
	assert_int_equal(stat(fx->file[0], &st1), 0);
	assert_int_equal(st0.st_ino, st1.st_ino);
	r = map_reader_open(MAP_FORMAT_LMDB, fx->file[0], &eb);
	assert_non_null(r);
	expect(r, "postmaster@example.org", "carol@example.org");
	expect(r, "new@example.org", "n@example.net");
	expect(r, "carol@example.org", "Carol Ünïcødé <c@example.net>");
	assert_int_equal(map_lookup(r, "@alias.example", &got, &eb), 0);
	assert_int_equal(map_count(r, &eb), 4);
	map_reader_close(&r);
	/* Nothing to change: the file is not written. */
	assert_int_equal(map_patch(MAP_FORMAT_LMDB, fx->file[0], e + 4, 1,
	    &delta, &changed, &eb), 0);
	assert_int_equal(changed, 0);
	for (i = 1; i < 3; i++) {
		assert_int_equal(map_patch(formats[i], fx->file[i], e, 1,
		    &delta, &changed, &eb), -1);
		assert_int_equal(eb.errnum, ENOTSUP);
	}
}

/* A reader holding the shared fcntl() lock (as Postfix's lmdb client
   does around each lookup) keeps map_patch waiting until it lets go. */
static void
test_map_patch_waits_for_readers(void **state)
{
	struct fx *fx = *state;
	const struct map_edit e = { "dave@example.org", "later" };
	struct flock fl;
	struct errbuf eb;
	struct timespec t0, t1;
	long long delta;
	int p[2], fd, changed;
	char c;
	pid_t pid;

	assert_int_equal(build(MAP_FORMAT_LMDB, fx->file[0], sample, 4, NULL),
	    0);
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		fd = open(fx->file[0], O_RDONLY);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		if (fd == -1 || fcntl(fd, F_SETLKW, &fl) == -1)
			_exit(1);
		(void)write(p[1], "x", 1);
		usleep(300000);
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(map_patch(MAP_FORMAT_LMDB, fx->file[0], &e, 1, &delta,
	    &changed, &eb), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 200);
	assert_int_equal(changed, 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	(void)close(p[0]);
	(void)close(p[1]);
}

/* A reader that keeps its lock past MAP_PATCH_LOCK_WAIT_MS (a paused
   pager, a hung process) makes map_patch give up with EWOULDBLOCK and
   leave the table as it was: the daemon then rebuilds it whole. */
static void
test_map_patch_gives_up_on_a_stuck_reader(void **state)
{
	struct fx *fx = *state;
	const struct map_edit e = { "dave@example.org", "later" };
	struct flock fl;
	struct errbuf eb;
	struct stat before, after;
	long long delta;
	int p[2], q[2], fd, changed;
	char c;
	pid_t pid;

	assert_int_equal(build(MAP_FORMAT_LMDB, fx->file[0], sample, 4, NULL),
	    0);
	assert_int_equal(stat(fx->file[0], &before), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	if ((pid = fork()) == 0) {
		fd = open(fx->file[0], O_RDONLY);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		if (fd == -1 || fcntl(fd, F_SETLKW, &fl) == -1)
			_exit(1);
		(void)write(p[1], "x", 1);
		(void)read(q[0], &c, 1); /* until the parent says so */
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(map_patch(MAP_FORMAT_LMDB, fx->file[0], &e, 1, &delta,
	    &changed, &eb), -1);
	assert_int_equal(eb.errnum, EWOULDBLOCK);
	assert_non_null(strstr(eb.msg, "reader held its lock"));
	assert_int_equal(write(q[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(stat(fx->file[0], &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	(void)close(p[0]);
	(void)close(p[1]);
	(void)close(q[0]);
	(void)close(q[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_map_roundtrip_all_formats),
		T(test_map_patch_gives_up_on_a_stuck_reader),
		T(test_map_text_layout),
		T(test_map_lmdb_stores_nul),
		T(test_map_hash_stores_nul),
		T(test_map_lmdb_reads_without_nul),
		T(test_map_duplicate_first_wins),
		T(test_map_check_rejects),
		T(test_map_put_rejects_and_names_key),
		T(test_map_unchanged_keeps_file),
		T(test_map_lmdb_unsorted_and_grows),
		T(test_map_unique_keys_every_format),
		T(test_map_iterate_stops),
		T(test_map_text_reader_postmap_rules),
		T(test_map_text_reader_hostile),
		T(test_map_reader_errors),
		T(test_map_format_names),
		T(test_map_failures_leave_old),
		T(test_map_empty_table),
		T(test_map_patch_lmdb_in_place),
		T(test_map_patch_waits_for_readers),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
