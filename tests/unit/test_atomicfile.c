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

/* atomicfile_put replaces the target whole, with the mode asked for;
   a directory it cannot write in leaves nothing behind. */
static void
test_atomicfile_put_whole_file(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat st;
	char *s, *missing;

	mt_write_file(fx->target, "old\n");
	assert_int_equal(atomicfile_put(fx->target, 0600, ATOMICFILE_KEEP_GID,
	    "new\n", 4, &eb), 0);
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "new\n");
	free(s);
	assert_int_equal(stat(fx->target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(mt_count_files(fx->dir), 1);
	missing = mt_path(fx->dir, "no/such/dir");
	assert_int_equal(atomicfile_put(missing, 0600, ATOMICFILE_KEEP_GID,
	    "x", 1, &eb), -1);
	free(missing);
	assert_int_equal(mt_count_files(fx->dir), 1);
}

/* A symbolic link at the target name (planted by whoever could write
   the directory) is replaced, not followed, and cannot block publishing. */
static void
test_atomicfile_replaces_symlink_not_target(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	struct stat st;
	char *real = mt_path(fx->dir, "real"), *s;
	int changed = -1;

	mt_write_file(real, "real\n");
	assert_int_equal(symlink(real, fx->target), 0);
	assert_int_equal(publish(fx->target, "new\n", 0644,
	    ATOMICFILE_KEEP_GID, ATOMICFILE_IF_CHANGED | ATOMICFILE_NEW_MTIME,
	    &changed, &eb), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(lstat(fx->target, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "new\n");
	free(s);
	s = mt_read_file(real, NULL);
	assert_string_equal(s, "real\n");
	free(s);
	/* A dangling link: its target is not created. */
	assert_int_equal(unlink(fx->target), 0);
	assert_int_equal(unlink(real), 0);
	assert_int_equal(symlink(real, fx->target), 0);
	assert_int_equal(publish(fx->target, "new\n", 0644,
	    ATOMICFILE_KEEP_GID, 0, NULL, &eb), 0);
	assert_int_equal(access(real, F_OK), -1);
	assert_int_equal(mt_count_files(fx->dir), 1);
	free(real);
}

static void
test_atomicfile_refuses_dir_and_fifo(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;

	assert_int_equal(mkdir(fx->target, 0755), 0);
	assert_null(atomicfile_open(fx->target, 0644, ATOMICFILE_KEEP_GID,
	    &eb));
	assert_non_null(strstr(eb.msg, "is a directory"));
	assert_int_equal(rmdir(fx->target), 0);
	/* A device or FIFO is not replaced by a file (--prom-file
	   /dev/full once replaced the device node). */
	assert_int_equal(mkfifo(fx->target, 0600), 0);
	assert_null(atomicfile_open(fx->target, 0644, ATOMICFILE_KEEP_GID,
	    &eb));
	assert_non_null(strstr(eb.msg, fx->target));
	assert_non_null(strstr(eb.msg, "not a regular file"));
	assert_int_equal(mt_count_files(fx->dir), 1);
}

/* The temp file is ".<base>.udmail-tmp.XXXXXX", created exclusively,
   and the name libraries get reaches exactly that file. */
static void
test_atomicfile_temp_name_and_openpath(void **state)
{
	struct fx *fx = *state;
	struct atomicfile *af;
	struct errbuf eb;
	struct stat a, b;
	const char *tmp, *base;
	int fd;

	assert_non_null(af = atomicfile_open(fx->target, 0644,
	    ATOMICFILE_KEEP_GID, &eb));
	tmp = atomicfile_tmppath(af);
	base = strrchr(tmp, '/') + 1;
	assert_int_equal(strncmp(base, ".table.udmail-tmp.", 18), 0);
	assert_int_equal(strlen(base), 18 + 6);
	assert_int_equal(fstat(atomicfile_fd(af), &a), 0);
	assert_int_equal(lstat(tmp, &b), 0);
	assert_true(a.st_ino == b.st_ino && S_ISREG(b.st_mode));
	fd = open(atomicfile_openpath(af), O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(atomicfile_check_fd(af, fd, &eb), 0);
	(void)close(fd);
	fd = open(fx->dir, O_RDONLY);
	assert_int_equal(atomicfile_check_fd(af, fd, &eb), -1);
	assert_non_null(strstr(eb.msg, "another file"));
	(void)close(fd);
	atomicfile_abort(&af);
	assert_int_equal(mt_count_files(fx->dir), 0);
}

/* Someone swaps the temp name for a symbolic link (or another file)
   before the commit: nothing is renamed, the target and the link's
   target are untouched. */
static void
test_atomicfile_temp_swapped_is_not_published(void **state)
{
	struct fx *fx = *state;
	struct atomicfile *af;
	struct errbuf eb;
	struct stat st;
	char *outside = mt_path(fx->dir, "outside"), *tmp, *moved, *s;
	int changed = -1;

	mt_write_file(fx->target, "old\n");
	mt_write_file(outside, "outside\n");
	assert_non_null(af = atomicfile_open(fx->target, 0644,
	    ATOMICFILE_KEEP_GID, &eb));
	tmp = strdup(atomicfile_tmppath(af));
	moved = mt_path(fx->dir, "moved");
	assert_int_equal(atomicfile_write(af, "new\n", 4, &eb), 0);
	assert_int_equal(rename(tmp, moved), 0);
	assert_int_equal(symlink(outside, tmp), 0);
	assert_int_equal(atomicfile_commit(&af, 0, &changed, &eb), -1);
	assert_int_equal(changed, 0);
	assert_non_null(strstr(eb.msg, "no longer the temp file"));
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "old\n");
	free(s);
	s = mt_read_file(outside, NULL);
	assert_string_equal(s, "outside\n");
	free(s);
	/* Not ours: the swapped-in name is left alone. */
	assert_int_equal(lstat(tmp, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	free(tmp);
	free(moved);
	free(outside);
}

static void
test_atomicfile_temp_hardlinked_is_not_published(void **state)
{
	struct fx *fx = *state;
	struct atomicfile *af;
	struct errbuf eb;
	char *other = mt_path(fx->dir, "other"), *s;

	mt_write_file(fx->target, "old\n");
	assert_non_null(af = atomicfile_open(fx->target, 0644,
	    ATOMICFILE_KEEP_GID, &eb));
	assert_int_equal(link(atomicfile_tmppath(af), other), 0);
	assert_int_equal(atomicfile_write(af, "new\n", 4, &eb), 0);
	assert_int_equal(atomicfile_commit(&af, 0, NULL, &eb), -1);
	assert_non_null(strstr(eb.msg, "2 links"));
	s = mt_read_file(fx->target, NULL);
	assert_string_equal(s, "old\n");
	free(s);
	/* target + the extra link; the temp name itself is gone */
	assert_int_equal(mt_count_files(fx->dir), 2);
	free(other);
}

static void
test_atomicfile_scratch_has_no_name(void **state)
{
	struct fx *fx = *state;
	struct atomicfile *af;
	struct errbuf eb;
	char buf[4];
	int fd;

	assert_non_null(af = atomicfile_open(fx->target, 0644,
	    ATOMICFILE_KEEP_GID, &eb));
	assert_int_equal(mt_count_files(fx->dir), 1);
	fd = atomicfile_scratch(af, &eb);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(pread(fd, buf, 3, 0), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(mt_count_files(fx->dir), 1);
	(void)close(fd);
	atomicfile_abort(&af);
	assert_int_equal(mt_count_files(fx->dir), 0);
}

static void
touch_at(const char *dir, const char *name)
{
	char *p = mt_path(dir, name);

	mt_write_file(p, "leftover\n");
	free(p);
}

static int
exists_at(const char *dir, const char *name)
{
	struct stat st;
	char *p = mt_path(dir, name);
	int r = lstat(p, &st) == 0;

	free(p);
	return r;
}

/* A killed run's temp files are removed, and nothing else: not another
   table's, not a link (nor what it points to), not a directory, not a
   file that only looks like one. */
static void
test_atomicfile_cleanup_removes_only_leftovers(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	char *p, *keep = mt_path(fx->dir, "keep");
	static const char *const gone[] = { ".table.udmail-tmp.AbC123",
		".table.udmail-tmp.abcdef", ".table.Xy12Ab", ".udmail-spill.Q1w2E3" };
	static const char *const kept[] = { "table", ".table.backup",
		".other.udmail-tmp.AbC123", ".table.udmail-tmp.AbC12",
		".table.udmail-tmp.AbC1234", ".table.udmail-tmp.AbC12-",
		".tablex.udmail-tmp.AbC123", ".table.lmdb.Xy12Ab" };
	size_t i;

	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		touch_at(fx->dir, gone[i]);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		touch_at(fx->dir, kept[i]);
	mt_write_file(keep, "keep\n");
	p = mt_path(fx->dir, ".table.udmail-tmp.LiNk00");
	assert_int_equal(symlink(keep, p), 0);
	free(p);
	p = mt_path(fx->dir, ".table.udmail-tmp.DiR000");
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	assert_int_equal(atomicfile_cleanup(fx->target, 0, &eb), 4);
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		assert_false(exists_at(fx->dir, gone[i]));
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_true(exists_at(fx->dir, kept[i]));
	assert_true(exists_at(fx->dir, ".table.udmail-tmp.LiNk00"));
	assert_true(exists_at(fx->dir, ".table.udmail-tmp.DiR000"));
	assert_true(exists_at(fx->dir, "keep"));
	assert_int_equal(atomicfile_cleanup(fx->target, 0, &eb), 0);
	free(keep);
}

static void
test_atomicfile_cleanup_owner_and_age(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;
	char *p = mt_path(fx->dir, ".table.udmail-tmp.AbC123");

	touch_at(fx->dir, ".table.udmail-tmp.AbC123");
	/* Too young: a writer without the lock may still be at work. */
	assert_int_equal(atomicfile_cleanup(fx->target, 3600, &eb), 0);
	set_mtime(p, time(NULL) - 7200);
	if (geteuid() == 0) {
		/* Another user's file is never ours to remove. */
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(atomicfile_cleanup(fx->target, 0, &eb), 0);
		assert_int_equal(chown(p, 0, 0), 0);
	}
	assert_int_equal(atomicfile_cleanup(fx->target, 3600, &eb), 1);
	free(p);
}

static void
test_atomicfile_cleanup_refuses_untrusted_dir(void **state)
{
	struct fx *fx = *state;
	struct errbuf eb;

	touch_at(fx->dir, ".table.udmail-tmp.AbC123");
	assert_int_equal(chmod(fx->dir, 0777), 0);
	assert_int_equal(atomicfile_cleanup(fx->target, 0, &eb), -1);
	assert_non_null(strstr(eb.msg, "writable by everyone"));
	assert_true(exists_at(fx->dir, ".table.udmail-tmp.AbC123"));
	assert_null(atomicfile_open(fx->target, 0644, ATOMICFILE_KEEP_GID,
	    &eb));
	assert_non_null(strstr(eb.msg, fx->dir));
	assert_non_null(strstr(eb.msg, "chmod o-w or chmod +t"));
	assert_int_equal(chmod(fx->dir, 0700), 0);
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
		T(test_atomicfile_put_whole_file),
		T(test_atomicfile_replaces_symlink_not_target),
		T(test_atomicfile_refuses_dir_and_fifo),
		T(test_atomicfile_temp_name_and_openpath),
		T(test_atomicfile_temp_swapped_is_not_published),
		T(test_atomicfile_temp_hardlinked_is_not_published),
		T(test_atomicfile_scratch_has_no_name),
		T(test_atomicfile_cleanup_removes_only_leftovers),
		T(test_atomicfile_cleanup_owner_and_age),
		T(test_atomicfile_cleanup_refuses_untrusted_dir),
		T(test_atomicfile_missing_dir),
		T(test_atomicfile_unwritable_dir),
		T(test_atomicfile_write_failure_leaves_old),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
