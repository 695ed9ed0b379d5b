#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/time.h>

#include <cmocka.h>

#include "buf.h"
#include "maptest.h"
#include "warnset.h"

struct fx {
	char *dir;
	char *path;
};

/* What a diff said, one "+TEXT" or "-TEXT" line per call. */
struct said {
	struct buf b;
	size_t calls;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->dir = tmpdir_make("warnset");
	fx->path = mt_path(fx->dir, "mailsyncd.warnings");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	tmpdir_remove(fx->dir);
	free(fx->path);
	free(fx);
	return 0;
}

static void
record(void *arg, enum warnset_change what, const char *msg)
{
	struct said *s = arg;

	s->calls++;
	assert_int_equal(buf_printf(&s->b, "%c%s\n",
	    what == WARNSET_NEW ? '+' : '-', msg), 0);
}

static struct warnset *
set_of(const char *const *msgs)
{
	struct warnset *ws = warnset_new();

	assert_non_null(ws);
	for (; *msgs != NULL; msgs++)
		assert_int_equal(warnset_add(ws, *msgs), 0);
	return ws;
}

/* Diff PREV and CUR (lists), return what was said (static buffer). */
static const char *
diff_lists(const char *const *prev, const char *const *cur, int complete,
    struct warnset_diff *d)
{
	static char out[8192];
	struct warnset *p = set_of(prev), *c = set_of(cur);
	struct said s = { BUF_INIT, 0 };

	warnset_diff(p, c, complete, record, &s, d);
	(void)snprintf(out, sizeof(out), "%s", buf_cstr(&s.b));
	buf_free(&s.b);
	warnset_free(&p);
	warnset_free(&c);
	return out;
}

static void
test_warnset_new_then_resolved(void **state)
{
	const char *none[] = { NULL };
	const char *one[] = { "f.yaml:14: webmaster -> carol: dangling",
		"uid=x,ou=users: entry rejected: no uid", NULL };
	const char *two[] = { "uid=x,ou=users: entry rejected: no uid",
		"f.yaml:3: abuse -> dave: dangling", NULL };
	struct warnset_diff d;

	(void)state;
	assert_string_equal(diff_lists(none, one, 1, &d),
	    "+f.yaml:14: webmaster -> carol: dangling\n"
	    "+uid=x,ou=users: entry rejected: no uid\n");
	assert_true(d.changed);
	assert_int_equal(d.added, 2);
	assert_int_equal(d.resolved, 0);
	/* New ones in the order of the run, then the resolved ones. */
	assert_string_equal(diff_lists(one, two, 1, &d),
	    "+f.yaml:3: abuse -> dave: dangling\n"
	    "-f.yaml:14: webmaster -> carol: dangling\n");
	assert_true(d.changed);
	assert_int_equal(d.added, 1);
	assert_int_equal(d.resolved, 1);
	assert_string_equal(diff_lists(two, none, 1, &d),
	    "-uid=x,ou=users: entry rejected: no uid\n"
	    "-f.yaml:3: abuse -> dave: dangling\n");
	assert_int_equal(d.resolved, 2);
	assert_int_equal(d.unlisted, 0);
}

static void
test_warnset_same_set_is_quiet(void **state)
{
	const char *a[] = { "b", "a", "c", NULL };
	const char *b[] = { "a", "b", "c", NULL };
	const char *none[] = { NULL };
	struct warnset_diff d;

	(void)state;
	assert_string_equal(diff_lists(a, b, 1, &d), "");
	assert_false(d.changed);
	assert_false(d.moved);
	assert_string_equal(diff_lists(none, none, 1, &d), "");
	assert_false(d.changed);
}

/* Editing another part of a Hiera file moves the line numbers of its
   standing problems: still the same problems. */
static void
test_warnset_line_numbers_do_not_count(void **state)
{
	const char *before[] = {
		"/h/mail.yaml:14: webmaster@x -> carol@x: dangling",
		"a@x defined twice: as alias at /h/mail.yaml:3 and as "
		"forward at /h/b.yaml:7; the first is kept",
		"/h/mail.yaml:9:5: aliases: 'x': bad",
		NULL };
	const char *after[] = {
		"/h/mail.yaml:20: webmaster@x -> carol@x: dangling",
		"a@x defined twice: as alias at /h/mail.yaml:4 and as "
		"forward at /h/b.yaml:7; the first is kept",
		"/h/mail.yaml:12:7: aliases: 'x': bad",
		NULL };
	/* Not a position: the number is not at the end of a token. */
	const char *v1[] = { "forward 'a:1b' rejected", "x has 2 values",
		NULL };
	const char *v2[] = { "forward 'a:2b' rejected", "x has 3 values",
		NULL };
	struct warnset_diff d;

	(void)state;
	assert_string_equal(diff_lists(before, after, 1, &d), "");
	assert_false(d.changed);
	assert_true(d.moved);
	assert_string_equal(diff_lists(v1, v2, 1, &d),
	    "+forward 'a:2b' rejected\n+x has 3 values\n"
	    "-forward 'a:1b' rejected\n-x has 2 values\n");
	assert_true(d.changed);
}

/* The same text twice is two problems (two records, one message). */
static void
test_warnset_duplicates_count(void **state)
{
	const char *one[] = { "a", NULL };
	const char *two[] = { "a", "b", "a", NULL };
	struct warnset_diff d;

	(void)state;
	assert_string_equal(diff_lists(one, two, 1, &d), "+b\n+a\n");
	assert_int_equal(d.added, 2);
	assert_string_equal(diff_lists(two, one, 1, &d), "-b\n-a\n");
	assert_int_equal(d.resolved, 2);
	assert_string_equal(diff_lists(two, two, 1, &d), "");
	assert_false(d.changed);
}

/* A run that stopped early (LDAP down) lacks warnings that still stand:
   it says what is new but never "resolved", and merging keeps both. */
static void
test_warnset_incomplete_run(void **state)
{
	const char *prev[] = { "hiera: a", "ldap: b", NULL };
	const char *cur[] = { "hiera: a", "hiera: c", NULL };
	const char *same[] = { "hiera: a", NULL };
	const char *after[] = { "hiera: a", "ldap: b", "hiera: c", NULL };
	struct warnset *p, *c, *want;
	struct said s = { BUF_INIT, 0 };
	struct warnset_diff d;

	(void)state;
	assert_string_equal(diff_lists(prev, cur, 0, &d), "+hiera: c\n");
	assert_true(d.changed);
	assert_int_equal(d.resolved, 0);
	assert_string_equal(diff_lists(prev, same, 0, &d), "");
	assert_false(d.changed);

	p = set_of(prev);
	c = set_of(cur);
	assert_int_equal(warnset_merge(p, c), 0);
	assert_int_equal(warnset_count(p), 3);
	want = set_of(after);
	warnset_diff(want, p, 1, record, &s, &d);
	assert_int_equal(s.calls, 0);
	assert_false(d.changed);
	buf_free(&s.b);
	warnset_free(&p);
	warnset_free(&c);
	warnset_free(&want);
}

static void
test_warnset_save_load_round_trip(void **state)
{
	struct fx *fx = *state;
	const char *msgs[] = { "plain", "tab\there", "new\nline",
		"back\\slash \\x41", "utf-8 \xc3\xa9t\xc3\xa9", "del \x7f",
		"plain", NULL };
	const char *want = "udmail-warnings 1\n"
	    "w plain\nw tab\\x09here\nw new\\x0aline\n"
	    "w back\\x5cslash \\x5cx41\nw utf-8 \xc3\xa9t\xc3\xa9\n"
	    "w del \\x7f\nw plain\n"
	    "total 7 ";
	struct warnset *a = set_of(msgs), *b = warnset_new();
	struct said s = { BUF_INIT, 0 };
	struct warnset_diff d;
	struct errbuf eb;
	struct stat st;
	char *text;

	assert_int_equal(warnset_save(a, fx->path, &eb), 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* One line per warning between the magic and the total. */
	text = mt_read_file(fx->path, NULL);
	assert_memory_equal(text, want, strlen(want));
	assert_int_equal(strlen(text), strlen(want) + 33);
	free(text);

	assert_int_equal(warnset_load(b, fx->path, &eb), 1);
	assert_int_equal(warnset_count(b), 7);
	warnset_diff(a, b, 1, record, &s, &d);
	assert_int_equal(s.calls, 0);
	assert_false(d.changed);
	assert_false(d.moved);
	buf_free(&s.b);

	/* The empty set round-trips too, and a missing file is empty. */
	warnset_free(&a);
	a = warnset_new();
	assert_int_equal(warnset_save(a, fx->path, &eb), 0);
	assert_int_equal(warnset_load(b, fx->path, &eb), 1);
	assert_int_equal(warnset_count(b), 0);
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(warnset_add(b, "left over"), 0);
	assert_int_equal(warnset_load(b, fx->path, &eb), 0);
	assert_int_equal(warnset_count(b), 0);
	warnset_free(&a);
	warnset_free(&b);
}

/* Load must fail on CONTENT (LEN bytes) and leave an empty set. */
static void
assert_refused(const char *path, const char *content, size_t len,
    const char *why)
{
	struct warnset *ws = warnset_new();
	struct errbuf eb;
	int fd;

	assert_non_null(ws);
	assert_int_equal(warnset_add(ws, "stale"), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	if (warnset_load(ws, path, &eb) != -1)
		fail_msg("accepted %s", why);
	assert_int_equal(warnset_count(ws), 0);
	assert_non_null(strstr(eb.msg, path));
	warnset_free(&ws);
}

static void
test_warnset_load_refuses_damage(void **state)
{
	struct fx *fx = *state;
	const char *msgs[] = { "one", "two \\ x", NULL };
	struct warnset *ws = set_of(msgs);
	const char *bad[] = {
		"",
		"udmail-warnings 1\n",
		"udmail-warnings 2\ntotal 0 00000000000000000000000000000000\n",
		"udmail-warnings 1\r\ntotal 0 00000000000000000000000000000000\n",
		"garbage\n",
		"udmail-warnings 1\nw\ntotal 0 00000000000000000000000000000000\n",
		"udmail-warnings 1\nw \ntotal 1 00000000000000000000000000000000\n",
		"udmail-warnings 1\nx y\ntotal 0 00000000000000000000000000000000\n",
		"udmail-warnings 1\nw a\\x4\ntotal 1 00000000000000000000000000000000\n",
		"udmail-warnings 1\nw a\\x41\ntotal 1 00000000000000000000000000000000\n",
		"udmail-warnings 1\nw a\\x00b\ntotal 1 00000000000000000000000000000000\n",
		"udmail-warnings 1\nw a\\q\ntotal 1 00000000000000000000000000000000\n",
		"udmail-warnings 1\nw a\tb\ntotal 1 00000000000000000000000000000000\n",
		"udmail-warnings 1\nw a\ntotal 1 00000000000000000000000000000000\n",
		"udmail-warnings 1\ntotal 00 00000000000000000000000000000000\n",
		"udmail-warnings 1\ntotal 0 0000000000000000000000000000000\n",
		"udmail-warnings 1\ntotal 0 00000000000000000000000000000000 \n",
		"udmail-warnings 1\ntotal 0 0000000000000000000000000000000G\n",
		"udmail-warnings 1\ntotal 0 0000000000000000000000000000000A\n",
		"udmail-warnings 1\ntotal -1 00000000000000000000000000000000\n",
		"udmail-warnings 1\ntotal 99999999999999999999999 "
		"00000000000000000000000000000000\n",
		/* claims warnings past the limits while listing none */
		"udmail-warnings 1\ntotal 5 00000000000000000000000000000000\n",
		"udmail-warnings 1\ntotal 0 00000000000000000000000000000000\n"
		"w late\n",
		"udmail-warnings 1\ntotal 0 00000000000000000000000000000000\n"
		"total 0 00000000000000000000000000000000\n",
		"udmail-warnings 1\ntotal 0 00000000000000000000000000000000",
		NULL };
	static const char nul[] = "udmail-warnings 1\nw a\0b\ntotal 1 "
	    "00000000000000000000000000000000\n";
	char *good, *mut;
	struct errbuf eb;
	size_t i, len = 0;

	for (i = 0; bad[i] != NULL; i++)
		assert_refused(fx->path, bad[i], strlen(bad[i]), bad[i]);
	/* A NUL anywhere. */
	assert_refused(fx->path, nul, sizeof(nul) - 1, "a NUL");

	/* Every strict prefix of a good file (a write cut short) is
	   refused; the whole file loads. */
	assert_int_equal(warnset_save(ws, fx->path, &eb), 0);
	good = mt_read_file(fx->path, &len);
	for (i = 0; i < len; i++)
		assert_refused(fx->path, good, i, "a prefix");
	/* A changed letter breaks the fingerprint. */
	mut = strdup(good);
	*strstr(mut, "one") = 'x';
	assert_refused(fx->path, mut, len, "a changed letter");
	memcpy(mut, good, len);
	mut[len - 2] = mut[len - 2] == '0' ? '1' : '0';
	assert_refused(fx->path, mut, len, "a changed fingerprint");
	mt_write_file(fx->path, good);
	assert_int_equal(warnset_load(ws, fx->path, &eb), 1);
	assert_int_equal(warnset_count(ws), 2);
	free(mut);
	free(good);
	warnset_free(&ws);
}

/* Escapes other than those save writes are refused even when the rest
   of the file, fingerprint included, is right. */
static void
test_warnset_load_refuses_other_escapes(void **state)
{
	struct fx *fx = *state;
	const char *msgs[] = { "aAb", NULL };
	const char *other[] = { "a\\x41b", "a\\x4Fb", "a\\x4", NULL };
	struct warnset *ws = set_of(msgs);
	struct errbuf eb;
	char *good, *mut, *at;
	size_t i, len = 0;

	assert_int_equal(warnset_save(ws, fx->path, &eb), 0);
	good = mt_read_file(fx->path, &len);
	assert_int_equal(warnset_load(ws, fx->path, &eb), 1);
	at = strstr(good, "w aAb\n");
	assert_non_null(at);
	for (i = 0; other[i] != NULL; i++) {
		assert_true(asprintf(&mut, "%.*sw %s\n%s", (int)(at - good),
		    good, other[i], at + 6) != -1);
		assert_refused(fx->path, mut, strlen(mut), other[i]);
		free(mut);
	}
	free(good);
	warnset_free(&ws);
}

static void
test_warnset_load_refuses_odd_files(void **state)
{
	struct fx *fx = *state;
	struct warnset *ws = warnset_new();
	struct timeval t0, t1;
	struct errbuf eb;
	char *other;
	int fd;

	/* Huge (sparse): refused from its size, without reading it all. */
	fd = open(fx->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "udmail-warnings 1\n", 18), 18);
	assert_int_equal(ftruncate(fd, (off_t)8 << 30), 0);
	assert_int_equal(close(fd), 0);
	(void)gettimeofday(&t0, NULL);
	assert_int_equal(warnset_load(ws, fx->path, &eb), -1);
	(void)gettimeofday(&t1, NULL);
	assert_non_null(strstr(eb.msg, "larger than"));
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	/* Just over the limit, written out. */
	assert_int_equal(truncate(fx->path, (off_t)WARNSET_FILE_MAX + 1), 0);
	assert_int_equal(warnset_load(ws, fx->path, &eb), -1);
	assert_int_equal(unlink(fx->path), 0);

	/* A symlink (to a good file), a directory, a FIFO (must not hang). */
	other = mt_path(fx->dir, "other");
	mt_write_file(other, "udmail-warnings 1\n"
	    "total 0 00000000000000000000000000000000\n");
	assert_int_equal(warnset_load(ws, other, &eb), 1);
	assert_int_equal(symlink(other, fx->path), 0);
	assert_int_equal(warnset_load(ws, fx->path, &eb), -1);
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(mkdir(fx->path, 0700), 0);
	assert_int_equal(warnset_load(ws, fx->path, &eb), -1);
	assert_non_null(strstr(eb.msg, "not a regular file"));
	assert_int_equal(rmdir(fx->path), 0);
	assert_int_equal(mkfifo(fx->path, 0600), 0);
	assert_int_equal(warnset_load(ws, fx->path, &eb), -1);
	assert_int_equal(unlink(fx->path), 0);
	/* And save replaces none of them blindly: a directory stays. */
	assert_int_equal(mkdir(fx->path, 0700), 0);
	assert_int_equal(warnset_save(ws, fx->path, &eb), -1);
	assert_int_equal(rmdir(fx->path), 0);
	free(other);
	warnset_free(&ws);
}

/* Past the limits warnings are only counted: the file stays bounded, an
   unchanged set is still recognised, a change is still noticed. */
static void
test_warnset_limits(void **state)
{
	struct fx *fx = *state;
	struct warnset *a = warnset_new(), *b = warnset_new();
	struct said s = { BUF_INIT, 0 };
	struct warnset_diff d;
	struct errbuf eb;
	struct stat st;
	char msg[64];
	size_t i, n = WARNSET_MAX_ENTRIES + 5;

	for (i = 0; i < n; i++) {
		(void)snprintf(msg, sizeof(msg), "uid=u%zu: dangling", i);
		assert_int_equal(warnset_add(a, msg), 0);
	}
	assert_int_equal(warnset_count(a), n);
	assert_int_equal(warnset_save(a, fx->path, &eb), 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true((size_t)st.st_size < WARNSET_FILE_MAX);
	assert_int_equal(warnset_load(b, fx->path, &eb), 1);
	assert_int_equal(warnset_count(b), n);
	warnset_diff(a, b, 1, record, &s, &d);
	assert_int_equal(s.calls, 0);
	assert_false(d.changed);

	/* One more past the limit: changed, nothing listed is new, and
	   nothing is called resolved on the strength of a partial list. */
	assert_int_equal(warnset_add(b, "one more"), 0);
	warnset_diff(a, b, 1, record, &s, &d);
	assert_int_equal(s.calls, 0);
	assert_true(d.changed);
	assert_int_equal(d.unlisted, 6);
	warnset_free(&b);

	/* Back under the limits: the listed ones that went are resolved. */
	b = warnset_new();
	assert_int_equal(warnset_add(b, "uid=u0: dangling"), 0);
	warnset_diff(a, b, 1, record, &s, &d);
	assert_true(d.changed);
	assert_int_equal(d.resolved, WARNSET_MAX_ENTRIES - 1);
	assert_int_equal(d.added, 0);
	buf_free(&s.b);
	warnset_free(&a);
	warnset_free(&b);
}

/* The listed warnings are the first ones: once one is only counted, a
   shorter one after it is not listed either. */
static void
test_warnset_lists_a_prefix(void **state)
{
	struct warnset *none = warnset_new(), *a = warnset_new();
	struct said s = { BUF_INIT, 0 };
	struct warnset_diff d;
	/* 4000 bytes each: the first that is not listed leaves room for a
	   short one. */
	char *big = malloc(4001);
	size_t i, fit = WARNSET_MAX_TEXT / 4000;

	(void)state;
	memset(big, 'x', 4000);
	big[4000] = '\0';
	for (i = 0; i < fit + 1; i++) {
		big[0] = (char)('a' + i % 26);
		assert_int_equal(warnset_add(a, big), 0);
	}
	assert_int_equal(warnset_add(a, "short"), 0);
	warnset_diff(none, a, 1, record, &s, &d);
	assert_int_equal(s.calls, fit);
	assert_null(strstr(buf_cstr(&s.b), "short"));
	assert_int_equal(d.unlisted, 2);
	buf_free(&s.b);
	free(big);
	warnset_free(&none);
	warnset_free(&a);
}

static void
test_warnset_long_message_is_cut(void **state)
{
	struct fx *fx = *state;
	struct warnset *a = warnset_new(), *b = warnset_new();
	struct said s = { BUF_INIT, 0 };
	struct warnset_diff d;
	struct errbuf eb;
	char *big = malloc(3 * WARNSET_MSG_MAX);

	memset(big, 'x', 3 * WARNSET_MSG_MAX - 1);
	big[3 * WARNSET_MSG_MAX - 1] = '\0';
	assert_int_equal(warnset_add(a, big), 0);
	assert_int_equal(warnset_save(a, fx->path, &eb), 0);
	assert_int_equal(warnset_load(b, fx->path, &eb), 1);
	warnset_diff(b, a, 1, record, &s, &d);
	assert_int_equal(s.calls, 0);
	big[WARNSET_MSG_MAX] = '\0';
	warnset_diff(a, b, 1, record, &s, &d);
	assert_false(d.changed);
	assert_int_equal(warnset_add(b, big), 0);
	assert_int_equal(warnset_count(b), 2);
	buf_free(&s.b);
	free(big);
	warnset_free(&a);
	warnset_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warnset_new_then_resolved),
		cmocka_unit_test(test_warnset_same_set_is_quiet),
		cmocka_unit_test(test_warnset_line_numbers_do_not_count),
		cmocka_unit_test(test_warnset_duplicates_count),
		cmocka_unit_test(test_warnset_incomplete_run),
		cmocka_unit_test_setup_teardown(
		    test_warnset_save_load_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_warnset_load_refuses_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_warnset_load_refuses_other_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_warnset_load_refuses_odd_files, setup, teardown),
		cmocka_unit_test(test_warnset_lists_a_prefix),
		cmocka_unit_test_setup_teardown(test_warnset_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_warnset_long_message_is_cut, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
