#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "maptest.h"
#include "safedir.h"

struct fx {
	char *dir;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->dir = tmpdir_make("safedir");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* safedir_open(PATH) succeeds, on the directory WANT names. */
static void
assert_opens(const char *path, const char *want)
{
	struct errbuf eb;
	struct stat a, b;
	int fd;

	fd = safedir_open(path, &eb);
	if (fd == -1)
		fail_msg("%s: %s", path, eb.msg);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(want, &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	(void)close(fd);
}

/* safedir_open(PATH) fails with a message holding WANT1 and WANT2. */
static void
assert_refused(const char *path, int errnum, const char *want1,
    const char *want2)
{
	struct errbuf eb;
	int fd;

	eb.msg[0] = '\0';
	fd = safedir_open(path, &eb);
	if (fd != -1) {
		(void)close(fd);
		fail_msg("%s: opened, want refused", path);
	}
	if (strstr(eb.msg, want1) == NULL ||
	    (want2 != NULL && strstr(eb.msg, want2) == NULL))
		fail_msg("%s: message \"%s\" lacks \"%s\" / \"%s\"", path,
		    eb.msg, want1, want2 != NULL ? want2 : "");
	assert_int_equal(eb.errnum, errnum);
}

static void
test_safedir_trusted_rule(void **state)
{
	struct stat st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR | 0755;
	st.st_uid = 0;
	assert_true(safedir_trusted(&st, 1000));
	st.st_uid = 1000;
	assert_true(safedir_trusted(&st, 1000));
	assert_false(safedir_trusted(&st, 1001));
	assert_false(safedir_trusted(&st, 0));
	st.st_uid = 0;
	st.st_mode = S_IFDIR | 0775;
	assert_false(safedir_trusted(&st, 0));
	st.st_mode = S_IFDIR | 0757;
	assert_false(safedir_trusted(&st, 0));
	st.st_mode = S_IFDIR | 01777;
	assert_true(safedir_trusted(&st, 1000));
	st.st_uid = 1001;
	assert_false(safedir_trusted(&st, 1000));
}

static void
test_safedir_opens_plain_and_relative(void **state)
{
	struct fx *fx = *state;
	char *sub = mt_path(fx->dir, "a"), *b = mt_path(fx->dir, "a/b");
	char *odd = mt_path(fx->dir, "./a//b/../b/.");
	char cwd[4096];

	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mkdir(b, 0700), 0);
	assert_opens(fx->dir, fx->dir);
	assert_opens(b, b);
	assert_opens(odd, b);
	assert_opens("/", "/");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(sub), 0);
	assert_opens("b", b);
	assert_opens(".", sub);
	assert_int_equal(chdir(cwd), 0);
	free(sub);
	free(b);
	free(odd);
}

static void
test_safedir_missing_and_not_a_dir(void **state)
{
	struct fx *fx = *state;
	char *f = mt_path(fx->dir, "file"), *missing = mt_path(fx->dir,
	    "nodir/x"), *under = mt_path(fx->dir, "file/x");

	mt_write_file(f, "x\n");
	assert_refused(missing, ENOENT, "nodir", NULL);
	assert_refused(f, ENOTDIR, "file", NULL);
	assert_refused(under, ENOTDIR, "file", NULL);
	free(f);
	free(missing);
	free(under);
}

static void
test_safedir_refuses_group_and_world_writable(void **state)
{
	struct fx *fx = *state;
	char *sub = mt_path(fx->dir, "shared"), *deep = mt_path(fx->dir,
	    "shared/maps");

	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mkdir(deep, 0755), 0);
	assert_int_equal(chmod(sub, 0775), 0);
	assert_refused(sub, EPERM, "writable by group", "chmod g-w");
	/* An untrusted directory on the way is as bad as the last one:
	   a name in it could be swapped for a link to anywhere. */
	assert_refused(deep, EPERM, sub, "writable by group");
	assert_int_equal(chmod(sub, 0777), 0);
	assert_refused(deep, EPERM, "writable by everyone", "chmod o-w");
	/* Sticky: nobody else can rename or remove our entries. */
	assert_int_equal(chmod(sub, 01777), 0);
	assert_opens(deep, deep);
	assert_opens(sub, sub);
	free(sub);
	free(deep);
}

static void
test_safedir_refuses_other_owner(void **state)
{
	struct fx *fx = *state;
	char *sub = mt_path(fx->dir, "udmail"), *deep = mt_path(fx->dir,
	    "udmail/maps");

	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mkdir(deep, 0755), 0);
	assert_int_equal(chown(sub, 65534, 65534), 0);
	assert_refused(sub, EPERM, "owned by", "uid 65534");
	assert_refused(sub, EPERM, "run as that user", "udmail(7)");
	assert_refused(deep, EPERM, sub, "owned by");
	free(sub);
	free(deep);
}

static int
child_opens_own(void *arg)
{
	struct errbuf eb;
	int fd;

	/* The owner itself may write there. */
	if ((fd = safedir_open(arg, &eb)) == -1) {
		fprintf(stderr, "# %s\n", eb.msg);
		return 1;
	}
	(void)close(fd);
	return 0;
}

static void
test_safedir_owner_may_use_its_dir(void **state)
{
	struct fx *fx = *state;
	char *sub = mt_path(fx->dir, "nobody");

	if (geteuid() != 0)
		skip();
	assert_int_equal(chmod(fx->dir, 0711), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chown(sub, 65534, 65534), 0);
	assert_int_equal(mt_in_child(child_opens_own, sub, 1, 0), 0);
	free(sub);
}

static void
test_safedir_follows_trusted_links(void **state)
{
	struct fx *fx = *state;
	char *real = mt_path(fx->dir, "real"), *rel = mt_path(fx->dir, "rel"),
	     *abs = mt_path(fx->dir, "abs"), *via = mt_path(fx->dir, "rel/.");

	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink("real", rel), 0);
	assert_int_equal(symlink(real, abs), 0);
	assert_opens(rel, real);
	assert_opens(abs, real);
	assert_opens(via, real);
	free(real);
	free(rel);
	free(abs);
	free(via);
}

static void
test_safedir_link_loop(void **state)
{
	struct fx *fx = *state;
	char *a = mt_path(fx->dir, "a"), *b = mt_path(fx->dir, "b");

	assert_int_equal(symlink("b", a), 0);
	assert_int_equal(symlink("a", b), 0);
	assert_refused(a, ELOOP, "Too many levels", NULL);
	free(a);
	free(b);
}

/* A link into a root-only directory, planted by another user in a
   sticky directory (as in /tmp): never followed. */
static void
test_safedir_refuses_planted_link(void **state)
{
	struct fx *fx = *state;
	char *shared = mt_path(fx->dir, "tmp"), *secret = mt_path(fx->dir,
	    "secret"), *link = mt_path(fx->dir, "tmp/maps");

	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(shared, 01777), 0);
	assert_int_equal(chmod(shared, 01777), 0);
	assert_int_equal(mkdir(secret, 0700), 0);
	assert_int_equal(symlink(secret, link), 0);
	assert_int_equal(lchown(link, 65534, 65534), 0);
	assert_refused(link, EPERM, "symbolic link owned by uid 65534",
	    "not followed");
	/* The same link made by root itself is fine. */
	assert_int_equal(lchown(link, 0, 0), 0);
	assert_opens(link, secret);
	free(shared);
	free(secret);
	free(link);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_safedir_trusted_rule),
		T(test_safedir_opens_plain_and_relative),
		T(test_safedir_missing_and_not_a_dir),
		T(test_safedir_refuses_group_and_world_writable),
		T(test_safedir_refuses_other_owner),
		T(test_safedir_owner_may_use_its_dir),
		T(test_safedir_follows_trusted_links),
		T(test_safedir_link_loop),
		T(test_safedir_refuses_planted_link),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
