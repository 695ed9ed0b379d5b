#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "atomicfile.h"
#include "maptest.h"
#include "pwfile.h"

#define H1 "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"
#define H2 "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2x"
#define H3 "{SHA512-CRYPT}$6$salt$abcdef"

/* Dovecot's passwd-file rules, for the reader and the scan: comments,
   empty lines, no user, CRLF, extra fields, a repeated user, no password,
   upper case, no final LF. */
#define DOVECOT_RULES \
	"# comment\n" \
	"\n" \
	":nouser\n" \
	"alice:" H1 "\r\n" \
	"bob:{PLAIN}pw-b::::::nologin reason=x\n" \
	"alice:{PLAIN}second\n" \
	"carol\n" \
	"Dave:{PLAIN}d"

struct fx {
	char *dir;
	char *file;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->dir = tmpdir_make("unit");
	fx->file = mt_path(fx->dir, "passwd");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	tmpdir_remove(fx->dir);
	free(fx->file);
	free(fx);
	return 0;
}

static int
publish(const char *file, const char *const *pairs, int *changed_r)
{
	struct pwfile_writer *w;
	struct errbuf eb;

	w = pwfile_open(file, PWFILE_MODE_DEFAULT, ATOMICFILE_KEEP_GID, &eb);
	assert_non_null(w);
	for (; *pairs != NULL; pairs += 2)
		assert_int_equal(pwfile_put(w, pairs[0], pairs[1], &eb), 0);
	return pwfile_commit(&w, changed_r, &eb);
}

static void
test_pwfile_writes_dovecot_lines(void **state)
{
	struct fx *fx = *state;
	const char *pairs[] = { "alice", H1, "bob@example.org", H3, NULL };
	struct stat st;
	int changed = -1;
	char *s;

	assert_int_equal(publish(fx->file, pairs, &changed), 0);
	assert_int_equal(changed, 1);
	s = mt_read_file(fx->file, NULL);
	assert_string_equal(s, "alice:" H1 "\nbob@example.org:" H3 "\n");
	free(s);
	assert_int_equal(stat(fx->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

static void
test_pwfile_group_set(void **state)
{
	struct fx *fx = *state;
	struct pwfile_writer *w;
	struct errbuf eb;
	struct stat st;
	gid_t gid = geteuid() == 0 ? 4244 : getegid();

	w = pwfile_open(fx->file, 0640, gid, &eb);
	assert_non_null(w);
	assert_int_equal(pwfile_put(w, "alice", H1, &eb), 0);
	assert_int_equal(pwfile_commit(&w, NULL, &eb), 0);
	assert_null(w);
	assert_int_equal(stat(fx->file, &st), 0);
	assert_int_equal(st.st_gid, gid);
}

/* The one list of Dovecot's default auth_username_chars (lower case). */
static void
test_pwfile_user_char(void **state)
{
	const char *ok = "abcxyz0189.-_@", *bad = "ABZ:# /+\x80";

	(void)state;
	for (; *ok != '\0'; ok++)
		assert_int_equal(pwfile_user_char(*ok), 1);
	for (; *bad != '\0'; bad++)
		assert_int_equal(pwfile_user_char(*bad), 0);
}

static void
test_pwfile_check_rejects_without_leaking(void **state)
{
	static const struct {
		const char *user, *pw, *why;
	} bad[] = {
		{ "", H1, "empty user" },
		{ "Alice", H1, "upper case" },
		{ "al ice", H1, "auth_username_chars" },
		{ "al:ice", H1, "auth_username_chars" },
		{ "al\nice", H1, "auth_username_chars" },
		{ "#alice", H1, "'#'" },
		{ "j\xc3\xb6rg", H1, "auth_username_chars" },
		{ "alice", "$6$salt$secret-hash", "{SCHEME}" },
		{ "alice", "{}secret-hash", "malformed" },
		{ "alice", "{SHA512-CRYPT", "malformed" },
		{ "alice", "{SHA 512}secret-hash", "malformed" },
		{ "alice", "{PLAIN}", "empty after" },
		{ "alice", "{PLAIN}secret:hash", "':'" },
		{ "alice", "{PLAIN}secret\nhash", "CR or LF" },
		{ "alice", "{PLAIN}secret\rhash", "CR or LF" },
		{ "alice", "{PLAIN}secret\thash", "control" },
	};
	struct errbuf eb;
	size_t i;
	char *longpw;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pwfile_check(bad[i].user, bad[i].pw, &eb), -1);
		if (strstr(eb.msg, bad[i].why) == NULL)
			fail_msg("%zu: \"%s\" lacks \"%s\"", i, eb.msg,
			    bad[i].why);
		assert_int_equal(strncmp(eb.msg, "user \"", 6), 0);
		assert_null(strstr(eb.msg, "secret"));
		assert_null(strstr(eb.msg, "$argon2id"));
		assert_null(strpbrk(eb.msg, "\r\n"));
	}
	longpw = malloc(PWFILE_PASSWORD_MAX + 2);
	memcpy(longpw, "{PLAIN}", 7);
	memset(longpw + 7, 'x', PWFILE_PASSWORD_MAX - 6);
	longpw[PWFILE_PASSWORD_MAX + 1] = '\0';
	assert_int_equal(pwfile_check("alice", longpw, &eb), -1);
	free(longpw);
	assert_int_equal(pwfile_check("a-b_c.d@e0", H1, &eb), 0);
	assert_int_equal(pwfile_check("alice", "{argon2id}x", &eb), 0);
}

static void
test_pwfile_put_rejects_names_user(void **state)
{
	struct fx *fx = *state;
	struct pwfile_writer *w;
	struct errbuf eb;

	w = pwfile_open(fx->file, 0640, ATOMICFILE_KEEP_GID, &eb);
	assert_non_null(w);
	assert_int_equal(pwfile_put(w, "alice", "{PLAIN}sec:ret", &eb), -1);
	assert_non_null(strstr(eb.msg, fx->file));
	assert_non_null(strstr(eb.msg, "\"alice\""));
	assert_null(strstr(eb.msg, "sec"));
	assert_int_equal(pwfile_put(w, "alice", H1, &eb), 0);
	assert_int_equal(pwfile_put(w, "alice", H2, &eb), 1);
	pwfile_abort(&w);
	assert_null(w);
	pwfile_abort(&w);
	pwfile_abort(NULL);
	assert_int_equal(mt_count_files(fx->dir), 0);
}

static void
test_pwfile_unchanged_keeps_inode_and_mtime(void **state)
{
	struct fx *fx = *state;
	const char *pairs[] = { "alice", H1, "bob", H3, NULL };
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct stat a, b;
	int changed = -1;

	assert_int_equal(publish(fx->file, pairs, NULL), 0);
	assert_int_equal(utimensat(AT_FDCWD, fx->file, ts, 0), 0);
	assert_int_equal(stat(fx->file, &a), 0);
	assert_int_equal(publish(fx->file, pairs, &changed), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(stat(fx->file, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(b.st_mtim.tv_sec, 1000000000);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

/* Dovecot re-reads a passwd-file only when its mtime second or size
   changed: a same-size change in the same second must still move the
   mtime second, or Dovecot keeps the old password. */
static void
test_pwfile_same_size_change_moves_mtime(void **state)
{
	struct fx *fx = *state;
	const char *one[] = { "alice", H1, NULL };
	const char *two[] = { "alice", H2, NULL };
	const char *three[] = { "alice", H1, NULL };
	struct stat a, b, c;
	int changed = -1;

	assert_int_equal(publish(fx->file, one, NULL), 0);
	assert_int_equal(stat(fx->file, &a), 0);
	assert_int_equal(publish(fx->file, two, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(stat(fx->file, &b), 0);
	assert_int_equal(publish(fx->file, three, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(stat(fx->file, &c), 0);
	assert_int_equal(a.st_size, b.st_size);
	assert_int_equal(b.st_size, c.st_size);
	assert_true(b.st_mtim.tv_sec > a.st_mtim.tv_sec);
	assert_true(c.st_mtim.tv_sec > b.st_mtim.tv_sec);
}

static void
test_pwfile_reader_dovecot_rules(void **state)
{
	struct fx *fx = *state;
	struct pwfile_reader *r;
	struct errbuf eb;
	char *pw;

	mt_write_file(fx->file, DOVECOT_RULES);
	r = pwfile_reader_open(fx->file, &eb);
	assert_non_null(r);
	assert_int_equal(pwfile_count(r), 4);
	assert_int_equal(pwfile_lookup(r, "alice", &pw, &eb), 1);
	assert_string_equal(pw, H1);
	free(pw);
	assert_int_equal(pwfile_lookup(r, "bob", &pw, &eb), 1);
	assert_string_equal(pw, "{PLAIN}pw-b");
	free(pw);
	assert_int_equal(pwfile_lookup(r, "carol", &pw, &eb), 1);
	assert_string_equal(pw, "");
	free(pw);
	assert_int_equal(pwfile_lookup(r, "dave", &pw, &eb), 0);
	assert_null(pw);
	assert_int_equal(pwfile_lookup(r, "Dave", &pw, &eb), 1);
	free(pw);
	pwfile_reader_close(&r);
	assert_null(r);
	pwfile_reader_close(&r);
}

static int
count_users(const char *user, const char *pw, void *arg)
{
	int *n = arg;

	(*n)++;
	return strcmp(user, "bob") == 0 ? 7 : 0;
}

static int
scan_count(const char *user, const char *pw, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_pwfile_iterate_and_errors(void **state)
{
	struct fx *fx = *state;
	const char *pairs[] = { "alice", H1, "bob", H3, "carol", H2, NULL };
	struct pwfile_reader *r;
	struct errbuf eb;
	int n = 0;

	assert_null(pwfile_reader_open(fx->file, &eb));
	assert_int_equal(eb.errnum, ENOENT);
	assert_int_equal(publish(fx->file, pairs, NULL), 0);
	r = pwfile_reader_open(fx->file, &eb);
	assert_non_null(r);
	assert_int_equal(pwfile_iterate(r, count_users, &n), 7);
	assert_int_equal(n, 2);
	pwfile_reader_close(&r);
	mt_write_file(fx->file, "");
	r = pwfile_reader_open(fx->file, &eb);
	assert_non_null(r);
	assert_int_equal(pwfile_count(r), 0);
	pwfile_reader_close(&r);
}

/* pwfile_scan hands over "user=password;" per entry in ARG (a buf). */
static int
scan_collect(const char *user, const char *pw, void *arg)
{
	char *s = arg;
	size_t n = strlen(s);

	(void)snprintf(s + n, 4096 - n, "%s=%s;", user, pw);
	return 0;
}

static void
test_pwfile_scan_reads_like_dovecot(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat st;
	char got[4096] = "";

	assert_int_equal(pwfile_scan(fx->file, scan_collect, got, &st, &eb),
	    -1);
	assert_int_equal(eb.errnum, ENOENT);
	mt_write_file(fx->file, DOVECOT_RULES);
	assert_int_equal(pwfile_scan(fx->file, scan_collect, got, &st, &eb),
	    0);
	/* a repeated user is visited again (the reader keeps the first) */
	assert_string_equal(got, "alice=" H1 ";bob={PLAIN}pw-b;"
	    "alice={PLAIN}second;carol=;Dave={PLAIN}d;");
	{
		struct stat st2;

		assert_int_equal(stat(fx->file, &st2), 0);
		assert_true(st.st_ino == st2.st_ino &&
		    st.st_size == st2.st_size);
	}
	/* FN's non-zero value stops the scan and is returned */
	assert_int_equal(pwfile_scan(fx->file, count_users, &(int){ 0 }, &st,
	    &eb), 7);
}

/* Lines across the 64 KiB read buffer, a NUL inside a line, and a line
   too long for any buffer. */
static void
test_pwfile_scan_boundaries(void **state)
{
	struct fx *fx = *state;
	struct pwfile_writer *w;
	struct errbuf eb;
	struct stat st;
	char user[32], *big;
	int i, n = 0;
	FILE *f;

	w = pwfile_open(fx->file, PWFILE_MODE_DEFAULT, ATOMICFILE_KEEP_GID,
	    &eb);
	assert_non_null(w);
	pwfile_unique_users(w);
	for (i = 0; i < 5000; i++) {
		(void)snprintf(user, sizeof(user), "user%d", i);
		assert_int_equal(pwfile_put(w, user, H1, &eb), 0);
	}
	/* unique-users mode trusts the caller: no duplicate tracking */
	assert_int_equal(pwfile_put(w, "user0", H2, &eb), 0);
	assert_int_equal(pwfile_commit(&w, NULL, &eb), 0);
	assert_int_equal(pwfile_scan(fx->file, scan_count, &n, &st, &eb), 0);
	assert_int_equal(n, 5001);

	assert_non_null(f = fopen(fx->file, "w"));
	(void)fputs("a:{PLAIN}x\n", f);
	(void)fputc('b', f);
	(void)fputc('\0', f);
	(void)fputs("junk\nc:{PLAIN}y\n", f);
	(void)fclose(f);
	n = 0;
	assert_int_equal(pwfile_scan(fx->file, scan_count, &n, &st, &eb), 0);
	assert_int_equal(n, 3); /* "b" ends at the NUL: user b, no password */

	big = malloc(70000);
	memset(big, 'x', 69999);
	big[69999] = '\0';
	mt_write_file(fx->file, big);
	free(big);
	assert_int_equal(pwfile_scan(fx->file, scan_count, &n, &st, &eb), -1);
	assert_non_null(strstr(eb.msg, "line longer than"));
}

static int
child_unwritable(void *arg)
{
	struct fx *fx = arg;
	struct errbuf eb;

	return pwfile_open(fx->file, 0640, ATOMICFILE_KEEP_GID, &eb) == NULL &&
	    strstr(eb.msg, "Permission denied") != NULL ? 0 : 1;
}

static void
test_pwfile_unwritable_dir_leaves_old(void **state)
{
	struct fx *fx = *state;
	char *s;

	mt_write_file(fx->file, "alice:" H1 "\n");
	assert_int_equal(chmod(fx->dir, 0755), 0);
	mt_make_readonly(fx->dir);
	assert_int_equal(mt_in_child(child_unwritable, fx, 1, 0), 0);
	s = mt_read_file(fx->file, NULL);
	assert_string_equal(s, "alice:" H1 "\n");
	free(s);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

/* pwfile_splice against every place an edit can land (first line, last,
   between, a removal, a line that stays): the result is what a writer
   given the whole new list writes, byte for byte, with a later mtime
   second; nothing to change leaves the file alone. */
static void
test_pwfile_splice_equals_rewrite(void **state)
{
	struct fx *fx = *state;
	const char *before[] = { "b", H1, "d", H2, "d.x", H1, "f", H3, "h",
		H1, NULL };
	const char *after[] = { "a", H2, "b", H1, "d", H3, "d.x", H1,
		"e", H1, "h", H1, "z", H2, NULL };
	const struct pwfile_edit e[] = { { "a", H2 }, { "c", NULL },
		{ "d", H3 }, { "e", H1 }, { "f", NULL }, { "h", H1 },
		{ "z", H2 } };
	char *ref, *ref_file = mt_path(fx->dir, "ref"), *got;
	struct stat a, b;
	struct errbuf eb;
	long long delta;
	int changed;

	assert_int_equal(publish(ref_file, after, NULL), 0);
	ref = mt_read_file(ref_file, NULL);
	assert_int_equal(publish(fx->file, before, NULL), 0);
	assert_int_equal(stat(fx->file, &a), 0);
	assert_int_equal(pwfile_splice(fx->file, PWFILE_MODE_DEFAULT,
	    ATOMICFILE_KEEP_GID, e, 7, &delta, &changed, &eb), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(delta, 2);
	got = mt_read_file(fx->file, NULL);
	assert_string_equal(got, ref);
	assert_int_equal(stat(fx->file, &b), 0);
	assert_true(b.st_mtim.tv_sec > a.st_mtim.tv_sec);
	assert_int_equal(b.st_mode & 07777, 0640);
	assert_int_equal(pwfile_splice(fx->file, PWFILE_MODE_DEFAULT,
	    ATOMICFILE_KEEP_GID, e + 5, 2, &delta, &changed, &eb), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(delta, 0);
	assert_int_equal(stat(fx->file, &a), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	free(got);
	free(ref);
	free(ref_file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_pwfile_writes_dovecot_lines),
		T(test_pwfile_group_set),
		T(test_pwfile_check_rejects_without_leaking),
		T(test_pwfile_user_char),
		T(test_pwfile_put_rejects_names_user),
		T(test_pwfile_unchanged_keeps_inode_and_mtime),
		T(test_pwfile_same_size_change_moves_mtime),
		T(test_pwfile_splice_equals_rewrite),
		T(test_pwfile_reader_dovecot_rules),
		T(test_pwfile_iterate_and_errors),
		T(test_pwfile_unwritable_dir_leaves_old),
		T(test_pwfile_scan_reads_like_dovecot),
		T(test_pwfile_scan_boundaries),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
