/*
 * sync_state: the state directory of a run: the publish lock, the
 * cleanup of temp files an interrupted run left, and sync_run_locked.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "atomicfile.h"
#include "buf.h"
#include "digest.h"
#include "guard.h"
#include "ldapset.h"
#include "monotime.h"
#include "report.h"
#include "outputs.h"
#include "safedir.h"
#include "src_hiera.h"
#include "spill.h"
#include "src_ldap.h"
#include "sync.h"
#include "table.h"

#define SYNC_LOCK_FILE "publish.lock"

/* STATE_DIR, created (0755, as mailsyncd does) when missing, opened
   through safedir. */
static int
state_dir_open(const struct conf *c, struct errbuf *eb)
{
	char *parent, *slash;
	int dfd, pfd, r;

	if ((dfd = safedir_open(c->state_dir, eb)) != -1 ||
	    eb->errnum != ENOENT)
		return dfd;
	if ((parent = strdup(c->state_dir)) == NULL) {
		errbuf_syserr(eb, "%s", c->state_dir);
		return -1;
	}
	/* conf requires an absolute state_dir */
	if ((slash = strrchr(parent, '/')) != NULL)
		slash[slash == parent] = '\0';
	r = -1;
	if ((pfd = safedir_open(parent, eb)) != -1) {
		r = mkdirat(pfd, strrchr(c->state_dir, '/') + 1, 0755);
		if (r == -1 && errno != EEXIST)
			errbuf_syserr(eb, "%s", c->state_dir);
		else
			r = 0;
		(void)close(pfd);
	}
	free(parent);
	return r == -1 ? -1 : safedir_open(c->state_dir, eb);
}

int
sync_lock(const struct conf *c, struct report *rep, struct errbuf *eb)
{
	struct stat st;
	int dfd, fd, r;

	if ((dfd = state_dir_open(c, eb)) == -1)
		return -1;
	/* Read-only is enough for flock; NONBLOCK: no hanging on a FIFO. */
	fd = openat(dfd, SYNC_LOCK_FILE, O_RDONLY | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0644);
	(void)close(dfd);
	if (fd == -1) {
		errbuf_syserr(eb, "%s/" SYNC_LOCK_FILE, c->state_dir);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		errbuf_set(eb, "%s/" SYNC_LOCK_FILE ": not a regular file",
		    c->state_dir);
		(void)close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (errno == EWOULDBLOCK) {
		report_info(rep,
		    "%s/" SYNC_LOCK_FILE ": another run is publishing; "
		    "waiting for it",
		    c->state_dir);
		do
			r = flock(fd, LOCK_EX);
		while (r == -1 && errno == EINTR);
		if (r == 0)
			return fd;
	}
	errbuf_syserr(eb, "lock %s/" SYNC_LOCK_FILE, c->state_dir);
	(void)close(fd);
	return -1;
}

void
sync_unlock(int *fdp)
{
	if (fdp == NULL || *fdp == -1)
		return;
	(void)close(*fdp);
	*fdp = -1;
}

/* Leftovers beside FILE; NAME for messages. */
static long
cleanup_one(const char *name, const char *file, struct report *rep,
    struct errbuf *eb)
{
	long n;

	if ((n = atomicfile_cleanup(file, 0, eb)) == -1)
		errbuf_prefix(eb, "%s", name);
	else if (n > 0)
		report_info(rep,
		    "%s: removed %ld temp file%s an interrupted run left "
		    "beside %s",
		    name, n, n == 1 ? "" : "s", file);
	return n;
}

long
sync_cleanup(const struct conf *c, const char *const *extra, struct report *rep,
    struct errbuf *eb)
{
	struct errbuf meb;
	long n, total = 0;
	char *file;
	int k;

	for (k = 0; k < OUTPUT_COUNT; k++) {
		if (!c->out[k].enabled)
			continue;
		if ((file = conf_output_file(&c->out[k],
		    (enum output_kind)k)) == NULL) {
			errbuf_syserr(eb, "%s",
			    conf_output_name((enum output_kind)k));
			return -1;
		}
		n = cleanup_one(conf_output_name((enum output_kind)k), file,
		    rep, eb);
		free(file);
		if (n == -1)
			return -1;
		total += n;
	}
	for (; extra != NULL && *extra != NULL; extra++) {
		if ((n = cleanup_one("state", *extra, rep, eb)) == -1)
			return -1;
		total += n;
	}
	/* Metrics are not worth failing a sync for (sync_write_metrics
	   would say the same again). */
	if (c->metrics_file != NULL) {
		if ((n = cleanup_one("metrics", c->metrics_file, rep, &meb)) ==
		    -1)
			report_warnx(rep, "%s", meb.msg);
		else
			total += n;
	}
	return total;
}

enum sync_status
sync_run_locked(const struct conf *c, const struct sync_opts *o,
    const char *const *extra, struct sync_result *res, int *lock_r,
    struct errbuf *eb)
{
	*lock_r = -1;
	if (!o->dry_run) {
		if ((*lock_r = sync_lock(c, o->report, eb)) == -1 ||
		    sync_cleanup(c, extra, o->report, eb) == -1) {
			sync_unlock(lock_r);
			memset(res, 0, sizeof(*res));
			return SYNC_ERR_PUBLISH;
		}
	}
	return sync_run(c, o, res, eb);
}
