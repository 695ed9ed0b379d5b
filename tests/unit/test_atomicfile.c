#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "atomicfile.h"
#include "maptest.h"

struct fx {
	char *dir;
	char *target;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->dir = tmpdir_make("unit");
	fx->target = mt_path(fx->dir, "table");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	tmpdir_remove(fx->dir);
	free(fx->target);
	free(fx);
	return 0;
}

static int
publish(const char *path, const char *s, mode_t mode, gid_t gid, int flags,
    int *changed_r, struct errbuf *eb)
{
	struct atomicfile *af;

	if ((af = atomicfile_open(path, mode, gid, eb)) == NULL)
		return -1;
	if (atomicfile_write(af, s, strlen(s), eb) == -1) {
		atomicfile_abort(&af);
		return -1;
	}
	return atomicfile_commit(&af, flags, changed_r, eb);
}

static void
set_mtime(const char *path, time_t sec)
{
	struct timespec ts[2] = { { sec, 0 }, { sec, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
test_atomicfile_creates_with_mode_and_group(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat st;
	gid_t gid = geteuid() == 0 ? 4242 : getegid();
	int changed = -1;
	char *s;

	assert_int_equal(publish(fx->target, "hello\n", 0640, gid, 0,
	    &changed, &eb), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(stat(fx->target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_gid, gid);
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "hello\n");
	free(s);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

static void
test_atomicfile_mode_set_before_write(void **state)
{
	struct fx *fx = *state;
	struct atomicfile *af;
	struct errbuf eb;
	struct stat st;
	gid_t gid = geteuid() == 0 ? 4243 : getegid();
	const char *tmp;

	af = atomicfile_open(fx->target, 0640, gid, &eb);
	assert_non_null(af);
	tmp = atomicfile_tmppath(af);
	assert_non_null(strstr(tmp, "/.table."));
	assert_int_equal(strncmp(tmp, fx->dir, strlen(fx->dir)), 0);
	assert_int_equal(fstat(atomicfile_fd(af), &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_gid, gid);
	atomicfile_abort(&af);
	assert_null(af);
	assert_int_equal(mt_count_files(fx->dir), 0);
}

static void
test_atomicfile_unchanged_keeps_inode_and_mtime(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat a, b;
	int changed = -1;

	assert_int_equal(publish(fx->target, "same\n", 0644,
	    ATOMICFILE_KEEP_GID, 0, NULL, &eb), 0);
	set_mtime(fx->target, 1000000000);
	assert_int_equal(stat(fx->target, &a), 0);
	assert_int_equal(publish(fx->target, "same\n", 0644,
	    ATOMICFILE_KEEP_GID, ATOMICFILE_IF_CHANGED | ATOMICFILE_NEW_MTIME,
	    &changed, &eb), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(stat(fx->target, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(b.st_mtim.tv_sec, 1000000000);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

static void
test_atomicfile_changed_bytes_replace(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat a, b;
	int changed = -1;
	char *s;

	assert_int_equal(publish(fx->target, "aaaa\n", 0644,
	    ATOMICFILE_KEEP_GID, 0, NULL, &eb), 0);
	assert_int_equal(stat(fx->target, &a), 0);
	assert_int_equal(publish(fx->target, "aaab\n", 0644,
	    ATOMICFILE_KEEP_GID, ATOMICFILE_IF_CHANGED, &changed, &eb), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(stat(fx->target, &b), 0);
	assert_int_not_equal(a.st_ino, b.st_ino);
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "aaab\n");
	free(s);
}

static void
test_atomicfile_mode_change_is_a_change(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat st;
	int changed = -1;

	assert_int_equal(publish(fx->target, "x\n", 0644, ATOMICFILE_KEEP_GID,
	    0, NULL, &eb), 0);
	assert_int_equal(publish(fx->target, "x\n", 0600, ATOMICFILE_KEEP_GID,
	    ATOMICFILE_IF_CHANGED, &changed, &eb), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(stat(fx->target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

/* Dovecot misses a same-size rewrite within the same second. */
static void
test_atomicfile_new_mtime_same_second(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat a, b;

	assert_int_equal(publish(fx->target, "hash-one\n", 0640,
	    ATOMICFILE_KEEP_GID, ATOMICFILE_NEW_MTIME, NULL, &eb), 0);
	assert_int_equal(stat(fx->target, &a), 0);
	assert_int_equal(publish(fx->target, "hash-two\n", 0640,
	    ATOMICFILE_KEEP_GID, ATOMICFILE_NEW_MTIME, NULL, &eb), 0);
	assert_int_equal(stat(fx->target, &b), 0);
	assert_int_equal(a.st_size, b.st_size);
	assert_true(b.st_mtim.tv_sec > a.st_mtim.tv_sec);
}

static void
test_atomicfile_new_mtime_past_future_old(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat st;
	time_t future = time(NULL) + 100;

	assert_int_equal(publish(fx->target, "one\n", 0640,
	    ATOMICFILE_KEEP_GID, 0, NULL, &eb), 0);
	set_mtime(fx->target, future);
	assert_int_equal(publish(fx->target, "two\n", 0640,
	    ATOMICFILE_KEEP_GID, ATOMICFILE_NEW_MTIME, NULL, &eb), 0);
	assert_int_equal(stat(fx->target, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, future + 1);
	/* Without the flag the clock decides. */
	set_mtime(fx->target, future);
	assert_int_equal(publish(fx->target, "six\n", 0640,
	    ATOMICFILE_KEEP_GID, 0, NULL, &eb), 0);
	assert_int_equal(stat(fx->target, &st), 0);
	assert_true(st.st_mtim.tv_sec < future);
}

static void
test_atomicfile_abort_leaves_old(void **state)
{
	struct fx *fx = *state;
	struct atomicfile *af;
	struct errbuf eb;
	char *s;

	mt_write_file(fx->target, "old\n");
	af = atomicfile_open(fx->target, 0644, ATOMICFILE_KEEP_GID, &eb);
	assert_non_null(af);
	assert_int_equal(atomicfile_write(af, "new\n", 4, &eb), 0);
	atomicfile_abort(&af);
	atomicfile_abort(&af);
	atomicfile_abort(NULL);
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "old\n");
	free(s);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

static void
test_atomicfile_refuses_symlink_and_dir(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	char *real = mt_path(fx->dir, "real");

	mt_write_file(real, "real\n");
	assert_int_equal(symlink(real, fx->target), 0);
	assert_null(atomicfile_open(fx->target, 0644, ATOMICFILE_KEEP_GID,
	    &eb));
	assert_non_null(strstr(eb.msg, fx->target));
	assert_non_null(strstr(eb.msg, "symbolic link"));
	assert_int_equal(unlink(fx->target), 0);
	assert_int_equal(mkdir(fx->target, 0755), 0);
	assert_null(atomicfile_open(fx->target, 0644, ATOMICFILE_KEEP_GID,
	    &eb));
	assert_non_null(strstr(eb.msg, "is a directory"));
	assert_int_equal(mt_count_files(fx->dir), 2);
	free(real);
}

static void
test_atomicfile_missing_dir(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	char *p = mt_path(fx->dir, "nodir/table");

	assert_null(atomicfile_open(p, 0644, ATOMICFILE_KEEP_GID, &eb));
	assert_int_equal(eb.errnum, ENOENT);
	assert_non_null(strstr(eb.msg, "nodir"));
	free(p);
}

struct child_arg {
	struct fx *fx;
	const char *content;
	char msg[ERRBUF_MAX];
};

static int
child_publish(void *arg)
{
	struct child_arg *ca = arg;
	struct errbuf eb;
	char want[600];

	if (publish(ca->fx->target, ca->content, 0644, ATOMICFILE_KEEP_GID,
	    0, NULL, &eb) != -1)
		return 1;
	(void)snprintf(want, sizeof(want), "%s: Permission denied",
	    ca->fx->dir);
	if (strcmp(eb.msg, want) != 0) {
		fprintf(stderr, "# got \"%s\"\n", eb.msg);
		return 2;
	}
	return 0;
}

static void
test_atomicfile_unwritable_dir(void **state)
{
	struct fx *fx = *state;
	struct child_arg ca = { fx, "new content\n", "" };
	char *s;

	mt_write_file(fx->target, "old content\n");
	assert_int_equal(chmod(fx->dir, 0755), 0);
	mt_make_readonly(fx->dir);
	assert_int_equal(mt_in_child(child_publish, &ca, 1, 0), 0);
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "old content\n");
	free(s);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

static int
child_write_too_big(void *arg)
{
	struct child_arg *ca = arg;
	struct atomicfile *af;
	struct errbuf eb;
	char big[8192];

	memset(big, 'x', sizeof(big));
	af = atomicfile_open(ca->fx->target, 0644, ATOMICFILE_KEEP_GID, &eb);
	if (af == NULL)
		return 1;
	if (atomicfile_write(af, big, sizeof(big), &eb) != -1)
		return 2;
	if (strstr(eb.msg, "write") == NULL)
		return 3;
	atomicfile_abort(&af);
	return 0;
}

static void
test_atomicfile_write_failure_leaves_old(void **state)
{
	struct fx *fx = *state;
	struct child_arg ca = { fx, NULL, "" };
	char *s;

	mt_write_file(fx->target, "old content\n");
	assert_int_equal(mt_in_child(child_write_too_big, &ca, 0, 4096), 0);
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "old content\n");
	free(s);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_atomicfile_creates_with_mode_and_group),
		T(test_atomicfile_mode_set_before_write),
		T(test_atomicfile_unchanged_keeps_inode_and_mtime),
		T(test_atomicfile_changed_bytes_replace),
		T(test_atomicfile_mode_change_is_a_change),
		T(test_atomicfile_new_mtime_same_second),
		T(test_atomicfile_new_mtime_past_future_old),
		T(test_atomicfile_abort_leaves_old),
		T(test_atomicfile_refuses_symlink_and_dir),
		T(test_atomicfile_missing_dir),
		T(test_atomicfile_unwritable_dir),
		T(test_atomicfile_write_failure_leaves_old),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
