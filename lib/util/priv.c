/*
 * priv: no core dumps, and a one-way switch from root to the service
 * user.  Invariant: priv_drop returns PRIV_DROPPED only once it has
 * checked that neither uid 0 nor the old gids can be had back.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

#define PRIV_PWBUF 16384 /* getpwnam_r: glibc's own default is 1 KiB */

int
priv_nocore(struct errbuf *eb)
{
	struct rlimit rl = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		errbuf_syserr(eb, "prctl(PR_SET_DUMPABLE, 0)");
		return -1;
	}
	if (setrlimit(RLIMIT_CORE, &rl) == 0)
		return 0;
	/* A seccomp filter may refuse it (systemd's @resources lists the
	   setrlimit system call); a limit that is 0 already, as the units'
	   LimitCORE=0 makes it, is what we want. */
	if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0)
		return 0;
	errbuf_syserr(eb, "setrlimit(RLIMIT_CORE, 0)");
	return -1;
}

/* The ids are what was asked for, and root cannot be had back. */
static int
verify(const struct passwd *pw, struct errbuf *eb)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1) {
		errbuf_syserr(eb, "user %s: getresuid", pw->pw_name);
		return -1;
	}
	if (ru != pw->pw_uid || eu != pw->pw_uid || su != pw->pw_uid ||
	    rg != pw->pw_gid || eg != pw->pw_gid || sg != pw->pw_gid) {
		errbuf_set(eb, "user %s: ids are uid %u/%u/%u gid %u/%u/%u "
		    "after the switch, expected %u and %u", pw->pw_name,
		    (unsigned)ru, (unsigned)eu, (unsigned)su, (unsigned)rg,
		    (unsigned)eg, (unsigned)sg, (unsigned)pw->pw_uid,
		    (unsigned)pw->pw_gid);
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1) {
		errbuf_set(eb, "user %s: root could be regained after the "
		    "switch", pw->pw_name);
		return -1;
	}
	return 0;
}

int
priv_drop(const char *user, enum priv_drop_result *result_r,
    struct errbuf *eb)
{
	char buf[PRIV_PWBUF];
	struct passwd pwd, *pw = NULL;
	uid_t ru, eu, su;
	int rc;

	*result_r = PRIV_NOT_ROOT;
	if (getresuid(&ru, &eu, &su) == -1) {
		errbuf_syserr(eb, "getresuid");
		return -1;
	}
	if (ru != 0 && eu != 0 && su != 0)
		return 0;
	rc = getpwnam_r(user, &pwd, buf, sizeof(buf), &pw);
	if (pw == NULL) {
		/* 0, ENOENT, ESRCH...: getpwnam_r(3) lists them all as "not
		   found"; a real failure is anything else. */
		if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
		    rc == EPERM) {
			errbuf_set(eb, "user %s: no such user", user);
			eb->errnum = ENOENT;
		} else {
			errno = rc;
			errbuf_syserr(eb, "user %s: lookup failed", user);
		}
		return -1;
	}
	if (pw->pw_uid == 0) {
		*result_r = PRIV_STAY_ROOT;
		return 0;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1) {
		errbuf_syserr(eb, "user %s: initgroups", pw->pw_name);
		return -1;
	}
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1) {
		errbuf_syserr(eb, "user %s: setresgid %u", pw->pw_name,
		    (unsigned)pw->pw_gid);
		return -1;
	}
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		errbuf_syserr(eb, "user %s: setresuid %u", pw->pw_name,
		    (unsigned)pw->pw_uid);
		return -1;
	}
	if (verify(pw, eb) == -1)
		return -1;
	/* A uid change sets the flag to fs.suid_dumpable, which may be 2. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		errbuf_syserr(eb, "prctl(PR_SET_DUMPABLE, 0)");
		return -1;
	}
	*result_r = PRIV_DROPPED;
	return 0;
}
