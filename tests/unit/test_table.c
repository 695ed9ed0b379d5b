#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "maptest.h"
#include "table.h"

#define H1 "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"

static const char *const entries[] = {
	"alice@example.org", "alice@example.org",
	"bob@example.org", "bob@example.org, carol@example.org",
	"carol@example.org", "carol@example.org", NULL
};

static int
setup(void **state)
{
	*state = tmpdir_make("table");
	return 0;
}

static int
teardown(void **state)
{
	tmpdir_remove(*state);
	return 0;
}

/* Publish KV (pairs, NULL-terminated) as output KIND through the table
   writer, the way the sync does. */
static void
publish(const struct conf_output *o, enum output_kind kind,
    const char *const *kv)
{
	struct table_writer *tw;
	struct errbuf eb;
	int changed;

	assert_int_equal(table_writer_open(o, kind, &tw, &eb), 0);
	for (; *kv != NULL; kv += 2)
		assert_int_equal(table_writer_put(tw, kv[0], kv[1], &eb), 0);
	assert_int_equal(table_writer_finish(tw, &eb), 0);
	assert_int_equal(table_publish(&tw, &changed, &eb), 0);
	assert_int_equal(changed, 1);
}

static void
expect_scan(const struct conf_output *o, enum output_kind kind,
    const char *const *kv)
{
	struct digest want = DIGEST_INIT;
	struct table_state ts;
	struct errbuf eb;

	for (; *kv != NULL; kv += 2)
		digest_add(&want, kv[0], kv[1]);
	assert_int_equal(table_scan(o, kind, &ts, &eb), 0);
	assert_true(ts.exists);
	assert_true(ts.perm_ok);
	assert_true(digest_equal(&ts.digest, &want));
	assert_true(table_scan_current(o, kind, &ts));
}

/* A table scanned in any format gives the digest of the entries that
   were put, whatever order the format stores them in. */
static void
test_table_scan_every_format(void **state)
{
	enum map_format fmts[] = { MAP_FORMAT_LMDB, MAP_FORMAT_HASH,
		MAP_FORMAT_TEXT };
	const char *const pw[] = { "zed", H1, "amy", H1, NULL };
	struct conf_output o = { 1, NULL, MAP_FORMAT_LMDB, 0644, NULL };
	struct table_state ts;
	struct errbuf eb;
	size_t i;

	o.path = mt_path(*state, "virtual");
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		o.format = fmts[i];
		assert_int_equal(table_scan(&o, OUTPUT_VIRTUAL, &ts, &eb), 0);
		assert_false(ts.exists);
		assert_int_equal(ts.digest.count, 0);
		publish(&o, OUTPUT_VIRTUAL, entries);
		expect_scan(&o, OUTPUT_VIRTUAL, entries);
	}
	free(o.path);
	o.path = mt_path(*state, "passwd");
	o.mode = 0640;
	publish(&o, OUTPUT_PASSWD, pw);
	expect_scan(&o, OUTPUT_PASSWD, pw);
	free(o.path);
}

/* A different mode is reported; a file replaced after the scan is no
   longer "current"; an unreadable table is an error, not "missing". */
static void
test_table_scan_mode_replaced_broken(void **state)
{
	const char *const fewer[] = { "alice@example.org", "x@example.net",
		NULL };
	struct conf_output o = { 1, NULL, MAP_FORMAT_LMDB, 0644, NULL };
	struct table_state ts;
	struct errbuf eb;
	char *file;

	o.path = mt_path(*state, "forward");
	publish(&o, OUTPUT_FORWARD, entries);
	o.mode = 0600;
	assert_int_equal(table_scan(&o, OUTPUT_FORWARD, &ts, &eb), 0);
	assert_false(ts.perm_ok);
	o.mode = 0644;
	assert_int_equal(table_scan(&o, OUTPUT_FORWARD, &ts, &eb), 0);
	publish(&o, OUTPUT_FORWARD, fewer);
	assert_false(table_scan_current(&o, OUTPUT_FORWARD, &ts));
	file = conf_output_file(&o, OUTPUT_FORWARD);
	mt_write_file(file, "not an lmdb file at all, not at all");
	assert_int_equal(table_scan(&o, OUTPUT_FORWARD, &ts, &eb), -1);
	assert_non_null(strstr(eb.msg, "forward"));
	free(file);
	free(o.path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_scan_every_format,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_table_scan_mode_replaced_broken, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
