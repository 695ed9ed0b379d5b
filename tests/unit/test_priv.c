#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "priv.h"

/* -Wl,--wrap=setrlimit: stand in for a seccomp filter that refuses it. */
int __real_setrlimit(int, const struct rlimit *);
int __wrap_setrlimit(int, const struct rlimit *);
static int refuse_setrlimit;

int
__wrap_setrlimit(int res, const struct rlimit *rl)
{
	if (refuse_setrlimit) {
		errno = EPERM;
		return -1;
	}
	return __real_setrlimit(res, rl);
}

/* Run FN in a child (ids changed there stay there); its exit status. */
static int
in_child(int (*fn)(void))
{
	pid_t pid;
	int st;

	assert_true((pid = fork()) != -1);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_priv_nocore_sets_flag_and_limit(void **state)
{
	struct rlimit rl;
	struct errbuf eb;

	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	assert_int_equal(priv_nocore(&eb), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_true(rl.rlim_cur == 0);
	assert_true(rl.rlim_max == 0);
}

static int
nocore_refused(void)
{
	struct rlimit rl;
	struct errbuf eb;

	/* A soft limit above 0 that cannot be lowered: an error. */
	if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_max == 0)
		return 77;
	rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
	if (__real_setrlimit(RLIMIT_CORE, &rl) == -1)
		return 10;
	refuse_setrlimit = 1;
	if (priv_nocore(&eb) != -1 || eb.errnum != EPERM ||
	    strcmp(eb.msg, "setrlimit(RLIMIT_CORE, 0): Operation not "
	    "permitted") != 0)
		return 11;
	/* Already 0 (LimitCORE=0 in the unit): fine. */
	rl.rlim_cur = 0;
	refuse_setrlimit = 0;
	if (__real_setrlimit(RLIMIT_CORE, &rl) == -1)
		return 12;
	refuse_setrlimit = 1;
	if (priv_nocore(&eb) != 0)
		return 13;
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 14;
}

static void
test_priv_nocore_setrlimit_refused(void **state)
{
	int rc = in_child(nocore_refused);

	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
}

static int
drop_not_root(void)
{
	enum priv_drop_result r = PRIV_DROPPED;
	struct errbuf eb;

	if (geteuid() == 0 && setresuid(65534, 65534, 65534) == -1)
		return 10;
	/* Not root: no lookup, so an unknown user is no error either. */
	if (priv_drop("udmail-test-no-such-user", &r, &eb) != 0)
		return 11;
	return r == PRIV_NOT_ROOT ? 0 : 12;
}

static void
test_priv_drop_not_root_does_nothing(void **state)
{
	assert_int_equal(in_child(drop_not_root), 0);
}

static int
drop_nobody(void)
{
	enum priv_drop_result r = PRIV_NOT_ROOT;
	struct passwd *pw;
	struct errbuf eb;
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[64];
	int i, n;

	if ((pw = getpwnam("nobody")) == NULL)
		return 77;
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1)
		return 9;
	if (priv_drop("nobody", &r, &eb) != 0 || r != PRIV_DROPPED)
		return 10;
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return 11;
	if (ru != pw->pw_uid || eu != pw->pw_uid || su != pw->pw_uid ||
	    rg != pw->pw_gid || eg != pw->pw_gid || sg != pw->pw_gid)
		return 12;
	/* root's groups are gone */
	if ((n = getgroups(64, groups)) == -1)
		return 13;
	for (i = 0; i < n; i++)
		if (groups[i] == 0)
			return 14;
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1)
		return 15;
	/* The uid change reset the flag; priv_drop cleared it again. */
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 16;
}

static void
test_priv_drop_to_nobody(void **state)
{
	int rc;

	if (geteuid() != 0)
		skip();
	if ((rc = in_child(drop_nobody)) == 77)
		skip();
	assert_int_equal(rc, 0);
}

static void
test_priv_drop_unknown_user(void **state)
{
	enum priv_drop_result r;
	struct errbuf eb;

	if (geteuid() != 0)
		skip();
	assert_int_equal(priv_drop("udmail-test-no-such-user", &r, &eb), -1);
	assert_int_equal(eb.errnum, ENOENT);
	assert_string_equal(eb.msg, "user udmail-test-no-such-user: no such "
	    "user");
	assert_int_equal(geteuid(), 0);
}

static void
test_priv_drop_root_stays(void **state)
{
	enum priv_drop_result r = PRIV_DROPPED;
	struct errbuf eb;

	if (geteuid() != 0)
		skip();
	assert_int_equal(priv_drop("root", &r, &eb), 0);
	assert_int_equal(r, PRIV_STAY_ROOT);
	assert_int_equal(geteuid(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priv_nocore_setrlimit_refused),
		cmocka_unit_test(test_priv_nocore_sets_flag_and_limit),
		cmocka_unit_test(test_priv_drop_not_root_does_nothing),
		cmocka_unit_test(test_priv_drop_to_nobody),
		cmocka_unit_test(test_priv_drop_unknown_user),
		cmocka_unit_test(test_priv_drop_root_stays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
