/*
 * priv: process hardening for the programs that hold password hashes or
 * passwords (mailsyncd, mailmap, mailpw): no core dumps, and root given
 * up for the configured service user before any untrusted input is read.
 */
#ifndef UDMAIL_PRIV_H
#define UDMAIL_PRIV_H

#include "errbuf.h"

/* Make the process non-dumpable (no core file; other processes of the
   same user cannot ptrace it or read /proc/PID/mem) and set RLIMIT_CORE
   to 0.  A limit that cannot be lowered (a seccomp filter) but is already
   0 is fine.  Call first in main().  Returns 0, or -1 and fills EB. */
int priv_nocore(struct errbuf *eb) __attribute__((warn_unused_result));

enum priv_drop_result {
	PRIV_NOT_ROOT,  /* no uid was 0: nothing to give up, nothing done */
	PRIV_STAY_ROOT, /* USER is uid 0 (user: root): still root */
	PRIV_DROPPED    /* now USER, real, effective and saved ids */
};

/* When the real, effective or saved uid is 0, become USER: its groups
   (initgroups), then its gid and uid as real, effective and saved ids
   (setresgid, setresuid); then check with getresuid/getresgid that no id
   is left over and that setuid(0) fails, and clear the dumpable flag
   again (an id change resets it).  Returns 0 and sets *RESULT_R, or -1
   and fills EB (errnum ENOENT: no such user). */
int priv_drop(const char *user, enum priv_drop_result *result_r,
    struct errbuf *eb) __attribute__((warn_unused_result));

#endif
