/*
 * mailsyncd: run the sync pipeline when a source changes.  LDAP changes
 * arrive through a content synchronization search (lib/ldapwatch) that
 * keeps the daemon's copy of the accounts (lib/ldapset) current entry by
 * entry, so a change costs a build from that copy, never a fetch; Hiera
 * exports are watched with inotify and read again.  A change on a quiet
 * system is built at once; while builds follow each other, the next
 * waits as long as the last one took, so a burst is coalesced and the
 * work stays bounded.  Without syncprov it fetches everything, on a
 * timer.  Failures are retried with backoff while the
 * last good tables keep serving.  --once runs the pipeline a single time
 * for timers.  One instance per state directory (lock file).  A standing
 * problem (a dangling alias, a rejected record) is logged when it appears
 * and when it goes away, not on every run: the warnings last reported are
 * kept in the state directory (lib/warnset).  The watch of the sources
 * is in mailsyncd_watch.c, what the state directory keeps across
 * restarts in mailsyncd_state.c.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include <sodium.h>

#include "ldapset.h"
#include "ldapwatch.h"
#include "log.h"
#include "map.h"
#include "monotime.h"
#include "priv.h"
#include "report.h"
#include "sync.h"
#include "warnset.h"
#include "xmalloc.h"

#include "mailsyncd_int.h"

#define SYNC_GAP_MAX_MS 1000 /* longest pause between two syncs */
#define WARNINGS_FILE "mailsyncd.warnings"

static volatile sig_atomic_t got_term, got_hup;

/* While a sync runs: its warnings are held back in CUR, everything else
   is passed on. */
struct collect {
	struct warnset *cur; /* NULL: nothing held back */
	int pass;            /* show each warning at once as well */
	int lost;            /* a warning could not be held: CUR is partial */
};

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void __attribute__((noreturn))
usage(int ex)
{
	(void)fprintf(ex ? stderr : stdout,
	    "usage: mailsyncd [-v] [-c config] [--once] [--dry-run] [--force]\n"
	    "                 [--interval seconds]\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -1, --once          one sync, then exit (for timers)\n"
	    "  -n, --dry-run       build and check, publish nothing\n"
	    "  -f, --force         override the shrink guard and the "
	    "empty-LDAP check\n"
	    "  -i, --interval S    a run every S seconds without events, for\n"
	    "                      what no watch follows (default 300)\n"
	    "  -v, --verbose       every warning on every run, not only new\n"
	    "                      and resolved ones; more detail (daemon:\n"
	    "                      debug; with --once: informational, twice:\n"
	    "                      debug)\n"
	    "  -h, --help          this summary; -V, --version: the version\n"
	    "Started as root, it reads the configuration, then runs as its\n"
	    "user (default udmail).  See mailsyncd(8)\n", CONF_PATH_DEFAULT);
	exit(ex);
}

long long
now_ms(void)
{
	return (long long)(monotime_now() * 1000.0);
}

/* systemd Type=notify without libsystemd: one datagram to NOTIFY_SOCKET. */
static void
sd_notify_msg(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	(void)close(fd);
}

/* Hold an exclusive lock on STATE_DIR/mailsyncd.lock for our lifetime. */
static void
take_lock(const char *state_dir)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/mailsyncd.lock", state_dir) >=
	    (int)sizeof(path))
		fatalx(EX_CONFIG, "state_dir too long");
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0644)) == -1)
		fatal(EX_CANTCREAT, "%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			fatalx(EX_TEMPFAIL, "%s: another mailsyncd runs for "
			    "this state directory", path);
		fatal(EX_OSERR, "lock %s", path);
	}
	/* fd stays open: the lock lives as long as the process. */
}

/* The report sync_run gets: warnings held in the set (and shown at once
   only with PASS), the rest logged. */
static void
collect_report(void *arg, enum log_level level, const char *msg)
{
	struct collect *col = arg;
	int held = 0;

	if (level == LOG_LEVEL_WARN && col->cur != NULL) {
		if (warnset_add(col->cur, msg) == 0)
			held = 1;
		else
			col->lost = 1;
	}
	if (!held || col->pass)
		report_log(NULL, level, msg);
}

static void
report_one(void *arg, enum warnset_change what, const char *msg)
{
	const struct collect *col = arg;

	if (what == WARNSET_RESOLVED)
		log_warnx("resolved: %s", msg);
	else if (!col->pass)
		log_put(LOG_LEVEL_WARN, msg);
}

/* Say what changed among the standing warnings since they were last
   reported, then remember what was said: in memory, and in state_dir so
   that neither the next --once from cron nor a restarted daemon says it
   again.  A failed run saw only part of the sources: its new warnings
   are said, but nothing it lacks is "resolved". */
static void
report_warnings(struct daemon *d, enum sync_status st,
    const struct sync_result *res, struct collect *col)
{
	const struct model_stats *ms = &res->stats;
	int complete = st == SYNC_OK && !col->lost;
	struct warnset_diff diff;
	struct errbuf eb;
	struct warnset *t;
	size_t count = warnset_count(col->cur);

	warnset_diff(d->reported, col->cur, complete, report_one, col, &diff);
	if (diff.unlisted > 0 && !col->pass)
		log_warnx("%zu more warnings not listed one by one (more than "
		    "%d); mailmap check lists them all", diff.unlisted,
		    WARNSET_MAX_ENTRIES);
	if (st == SYNC_OK && (diff.changed || (d->show_all && (count > 0 ||
	    ms->rejected || ms->conflicts || ms->loops || ms->dangling))))
		log_warnx("%zu rejected, %zu conflicts, %zu loops, %zu "
		    "dangling; warnings: %zu standing, %zu new, %zu resolved",
		    ms->rejected, ms->conflicts, ms->loops, ms->dangling, count,
		    diff.added, diff.resolved);
	else if (st == SYNC_OK && d->runs == 1 && count > 0 && !d->show_all)
		log_info("standing warnings: %zu, unchanged since they were "
		    "reported; mailmap check lists them", count);
	if (complete) {
		t = d->reported;
		d->reported = col->cur;
		col->cur = t;
	} else if (diff.added > 0 && warnset_merge(d->reported, col->cur) ==
	    -1)
		log_warn("%s", d->warnings_path);
	if (diff.changed || diff.moved)
		d->reported_dirty = 1;
	if (!d->reported_dirty)
		return;
	if (warnset_save(d->reported, d->warnings_path, &eb) == 0) {
		d->reported_dirty = 0;
		d->save_failed = 0;
	} else if (!d->save_failed) {
		d->save_failed = 1;
		log_warnx("%s; the warnings above may be reported again",
		    eb.msg);
	}
}

/* The changes to the held entries since the last build, applied where
   the tables lie (lib/incr) when nothing else moved: 1 done (*ST_R
   set), 0 a whole build is needed (counted, and why said at debug). */
static int
run_in_place(struct daemon *d, const struct sync_opts *o,
    enum sync_status *st_r)
{
	struct sync_result res;
	struct report rep;
	struct errbuf eb;
	const char *why = NULL;
	long long t0 = now_ms(), took;
	int k, r, lock, changed = 0;
	size_t n;

	if (o->dry_run || d->need_whole || d->incr == NULL || !use_set(d))
		return 0;
	report_init_log(&rep);
	if ((lock = sync_lock(d->conf, &rep, &eb)) == -1) {
		log_warnx("%s", eb.msg);
		return 0;
	}
	n = ldapset_journal_count(d->set);
	r = incr_apply(d->incr, d->conf, d->set, &res, &why, &eb);
	if (r != 1) {
		if (r == -1) {
			log_warnx("update in place: %s; building whole",
			    eb.msg);
			incr_free(&d->incr);
		} else
			log_debug("building whole: %s (%lu in place, %lu whole "
			    "so far)", why, d->in_place, d->whole + 1);
		sync_unlock(&lock);
		return 0;
	}
	d->in_place++;
	d->runs++;
	ldapset_journal_start(d->set);
	res.total_seconds = (double)(now_ms() - t0) / 1000.0;
	for (k = 0; k < OUTPUT_COUNT; k++) {
		changed += res.out[k].changed;
		if (res.out[k].changed)
			sync_cache_forget(d->cache, (enum output_kind)k);
	}
	free(d->cookie);
	d->cookie = d->resume != NULL ? xstrdup(d->resume) : NULL;
	if (d->watching)
		save_cookie(d);
	d->last_success = time(NULL);
	log_info("sync done in %.3f s (in place: %zu entr%s changed), %zu "
	    "addresses, %d outputs updated", res.total_seconds, n,
	    n == 1 ? "y" : "ies", res.stats.addresses, changed);
	if (sync_write_metrics(d->conf, &res, SYNC_OK, d->last_success,
	    &eb) == -1)
		log_warnx("metrics: %s", eb.msg);
	sync_unlock(&lock);
	took = now_ms() - t0;
	d->next_ok = now_ms() + (took < SYNC_GAP_MAX_MS ? took :
	    SYNC_GAP_MAX_MS);
	*st_r = SYNC_OK;
	return 1;
}

/* Started with the tables of the entries held and nothing changed
   since: the model, built once when idle (publishing nothing), so that
   the first change is applied in place too. */
static void
prepare(struct daemon *d, const struct sync_opts *o)
{
	struct sync_opts so = *o;
	struct report rep;
	struct errbuf eb;
	long long t0 = now_ms();

	d->prep_due = 0;
	if (o->dry_run || d->need_whole)
		return;
	report_init_log(&rep);
	rep.fn = NULL; /* the standing warnings were reported already */
	so.report = &rep;
	so.ldap_set = d->set;
	if (sync_prepare(d->conf, &so, &d->incr, &eb) != SYNC_OK) {
		log_debug("not ready for changes in place: %s", eb.msg);
		return;
	}
	ldapset_journal_start(d->set);
	log_info("ready for changes in place: model of %zu LDAP entries "
	    "built in %.3f s", ldapset_count(d->set),
	    (double)(now_ms() - t0) / 1000.0);
}

/* A run published: its cookie (*COOKIEP, taken) is now the tables',
   saved for the next start, and the log says what it did. */
static void
run_succeeded(struct daemon *d, const struct sync_opts *o,
    const struct sync_result *res, char **cookiep, int from_set)
{
	int k, changed = 0;

	free(d->cookie);
	d->cookie = *cookiep;
	*cookiep = NULL;
	if (d->watching && !o->dry_run)
		save_cookie(d);
	d->last_success = time(NULL);
	for (k = 0; k < OUTPUT_COUNT; k++)
		changed += res->out[k].changed;
	log_info("sync done in %.3f s (%s %.3f s), %zu addresses, "
	    "%d outputs replaced", res->total_seconds,
	    from_set ? "held LDAP entries" : "fetch",
	    res->fetch_seconds, res->stats.addresses, changed);
	if (d->reported == NULL && (res->stats.rejected ||
	    res->stats.conflicts || res->stats.loops || res->stats.dangling))
		log_warnx("%zu rejected, %zu conflicts, %zu loops, %zu "
		    "dangling", res->stats.rejected, res->stats.conflicts,
		    res->stats.loops, res->stats.dangling);
}

static enum sync_status
run_sync(struct daemon *d, const struct sync_opts *oo)
{
	struct collect col = { NULL, 1, 0 };
	struct report rep;
	const char *const state[] = { d->warnings_path, NULL };
	struct sync_opts so = *oo, *o = &so;
	struct sync_result res;
	enum sync_status st;
	struct errbuf eb;
	char *cookie = NULL;
	long long t0 = now_ms(), took;
	int lock, from_set = use_set(d);

	d->prep_due = 0;
	if (from_set && run_in_place(d, oo, &st))
		return st;
	d->runs++;
	so.cache = d->cache;
	if (from_set) {
		d->whole++;
		so.incr_r = d->watching && !o->dry_run ? &d->incr : NULL;
		so.ldap_set = d->set;
		log_debug("building from the %zu LDAP entries held (%.0f MiB), "
		    "no fetch", ldapset_count(d->set),
		    (double)ldapset_memory(d->set) / 1048576.0);
		if (d->resume != NULL)
			cookie = xstrdup(d->resume);
	} else if (d->watching && d->conf->ldap.enabled && !o->dry_run &&
	    ldapwatch_cookie(&d->conf->ldap, &cookie, NULL, &eb) == -1)
		/* Read before the fetch: whatever changes after it, the
		   watch started from it reports. */
		log_debug("%s; the watch will start from a full refresh",
		    eb.msg);
	if (d->reported != NULL) {
		if ((col.cur = warnset_new()) == NULL)
			fatal(EX_OSERR, "warnings");
		col.pass = d->show_all;
	}
	report_init_log(&rep);
	rep.fn = collect_report;
	rep.arg = &col;
	so.report = &rep;
	/* Under the publish lock, after removing what killed runs left. */
	st = sync_run_locked(d->conf, o, d->reported != NULL ? state : NULL,
	    &res, &lock, &eb);
	if (d->reported != NULL)
		report_warnings(d, st, &res, &col);
	/* What the tables show now is the set as it is: later changes go
	   to the journal.  A run whose warnings were not all reported
	   builds whole again next time. */
	if (from_set && st == SYNC_OK && !col.lost) {
		ldapset_journal_start(d->set);
		d->need_whole = 0;
	} else
		incr_free(&d->incr);
	warnset_free(&col.cur);
	took = now_ms() - t0;
	d->next_ok = now_ms() + (took < SYNC_GAP_MAX_MS ? took :
	    SYNC_GAP_MAX_MS);
	if (st == SYNC_OK)
		run_succeeded(d, o, &res, &cookie, from_set);
	else
		log_warnx("sync failed (%s): %s; previous tables kept",
		    sync_status_name(st), eb.msg);
	if (!o->dry_run &&
	    sync_write_metrics(d->conf, &res, st, d->last_success, &eb) == -1)
		log_warnx("metrics: %s", eb.msg);
	sync_unlock(&lock);
	free(cookie);
	return st;
}

/* The warnings reported by the last run, mailsyncd's or a previous
   process's.  A missing or damaged file means everything is new. */
static void
load_reported(struct daemon *d)
{
	struct errbuf eb;
	int r;

	if (snprintf(d->warnings_path, sizeof(d->warnings_path), "%s/%s",
	    d->conf->state_dir, WARNINGS_FILE) >= (int)sizeof(d->warnings_path))
		fatalx(EX_CONFIG, "state_dir too long");
	if ((d->reported = warnset_new()) == NULL)
		fatal(EX_OSERR, "warnings");
	if ((r = warnset_load(d->reported, d->warnings_path, &eb)) == -1)
		log_warnx("%s; reporting every standing warning again",
		    eb.msg);
	d->reported_dirty = r != 1;
}

/* Started as root: become the configured user before LDAP is contacted
   or a Hiera export is read; only udmail.yaml is read as root. */
static void
become_user(struct daemon *d)
{
	enum priv_drop_result r;
	struct errbuf eb;

	if (priv_drop(d->conf->user, &r, &eb) == -1) {
		if (eb.errnum == ENOENT)
			fatalx(EX_NOUSER, "%s: %s: create it (see sysusers.d/"
			    "udmail.conf) or set user: root to stay root",
			    d->conf->path, eb.msg);
		fatalx(EX_OSERR, "%s", eb.msg);
	}
	if (r == PRIV_STAY_ROOT)
		log_warnx("%s: user: %s: running as root, with every "
		    "privilege", d->conf->path, d->conf->user);
	else if (r == PRIV_DROPPED)
		log_debug("running as user %s", d->conf->user);
	d->user = xstrdup(d->conf->user);
}

/* Mark the start as done for systemd, once. */
static void
notify_ready(struct daemon *d)
{
	if (d->notified)
		return;
	d->notified = 1;
	sd_notify_msg("READY=1");
}

/* Build now: from the held accounts when they are whole; not while the
   watch refreshes them (the end of the refresh builds); else fetch. */
static void
build_due(struct daemon *d, const struct sync_opts *o, long long *due,
    long long *next_poll)
{
	if (d->watch != NULL && !d->set_whole &&
	    !ldapwatch_ready(d->watch)) {
		d->pending = 1;
		*due = -1;
		return;
	}
	if (run_sync(d, o) == SYNC_OK) {
		d->fail_backoff = 0;
		*due = -1;
	} else {
		d->fail_backoff = d->fail_backoff ? d->fail_backoff * 2 :
		    BACKOFF_MIN_S;
		if (d->fail_backoff > BACKOFF_MAX_S)
			d->fail_backoff = BACKOFF_MAX_S;
		*due = now_ms() + d->fail_backoff * 1000LL;
	}
	notify_ready(d);
	*next_poll = now_ms() + (long long)d->poll_interval * 1000;
}

/* When the first build is due (-1: none).  The first build runs before
   READY=1, so units ordered after us find the tables published (or the
   last good ones, if LDAP is down): it comes at the end of the watch's
   first refresh, or from a fetch when there is no watch.  Not needed
   when the tables are those of the saved cookie and nothing else they
   depend on moved: the refresh then builds only if LDAP changed
   meanwhile. */
static long long
first_due(struct daemon *d, const struct sync_opts *o)
{
	long long due = now_ms();

	if (!o->dry_run && d->conf->ldap.enabled)
		snap_load(d);
	if (!o->dry_run && !o->force && d->conf->ldap.enabled &&
	    load_cookie(d)) {
		log_info("tables as the last sync left them; no sync until "
		    "LDAP says what changed since");
		notify_ready(d);
		d->pending = 0;
		d->prep_due = 1;
		return -1;
	}
	return due;
}

/* Milliseconds poll may wait at T: until the next build or timer, the
   next look for a lost Hiera directory, or the next attempt to open the
   LDAP watch. */
static int
poll_timeout(const struct daemon *d, long long t, long long due,
    long long next_poll)
{
	int timeout = (int)((due != -1 ? due : next_poll) - t);

	if (d->hiera_unwatched > 0 && d->hiera_retry - t < timeout)
		timeout = (int)(d->hiera_retry - t);
	if (d->watch == NULL && d->conf->ldap.enabled &&
	    d->watch_retry > 0) {
		long long w = (d->watch_retry - time(NULL)) * 1000LL;
		if (w < timeout)
			timeout = w > 0 ? (int)w : 0;
	}
	return timeout;
}

static int
loop(struct daemon *d, const struct sync_opts *o)
{
	long long due, next_poll, t;
	struct pollfd pfd[2];
	int n, timeout;

	d->watching = 1;
	due = first_due(d, o);
	next_poll = now_ms() + (long long)d->poll_interval * 1000;
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload(d);
			due = now_ms();
		}
		/* A new day: the account states are read again. */
		if (d->watch != NULL && ldapwatch_ready(d->watch) &&
		    d->set_day != time(NULL) / 86400) {
			ldapwatch_close(&d->watch);
			d->watch_retry = 0;
		}
		open_watch(d, time(NULL));
		t = now_ms();
		if (due != -1 && t >= due) {
			build_due(d, o, &due, &next_poll);
			continue;
		}
		if (due == -1 && d->prep_due && d->watch != NULL &&
		    ldapwatch_ready(d->watch) && use_set(d)) {
			prepare(d, o);
			continue;
		}
		/* A Hiera directory inotify lost (removed, moved, not
		   there yet): look again every HIERA_RETRY_MS. */
		if (d->hiera_unwatched > 0 && t >= d->hiera_retry &&
		    hiera_rewatch(d)) {
			d->need_whole = 1;
			schedule(d, &due);
		}
		/* The timer runs only for what no watch follows: LDAP
		   without a search (a fetch), a Hiera export whose directory
		   could not be watched (a build from the entries held). */
		if (t >= next_poll && due == -1) {
			if ((!use_set(d) && d->watch == NULL) ||
			    d->hiera_unwatched > 0) {
				d->need_whole = 1;
				due = t;
			}
			else
				next_poll = t + (long long)d->poll_interval *
				    1000;
		}
		timeout = poll_timeout(d, t, due, next_poll);
		n = 0;
		pfd[n].fd = d->inotify_fd;
		pfd[n++].events = POLLIN;
		if (d->watch != NULL) {
			pfd[n].fd = ldapwatch_fd(d->watch);
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, timeout < 0 ? 0 : timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal(EX_OSERR, "poll");
		}
		if ((pfd[0].revents & POLLIN) && hiera_changed(d)) {
			d->need_whole = 1;
			log_debug("hiera export changed");
			schedule(d, &due);
		}
		if (n > 1 && pfd[1].revents != 0)
			watch_input(d, &due);
	}
	sd_notify_msg("STOPPING=1");
	log_info("terminating");
	return EX_OK;
}

/* The command line into D, SO, *ONCE_R and *VERBOSE_R; exits on a
   usage error, --help and --version. */
static void
parse_args(int argc, char **argv, struct daemon *d, struct sync_opts *so,
    int *once_r, int *verbose_r)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:1nfi:vhV", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			d->conf_path = optarg;
			break;
		case '1':
			*once_r = 1;
			break;
		case 'n':
			so->dry_run = 1;
			break;
		case 'f':
			so->force = 1;
			break;
		case 'i':
			d->poll_interval = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || d->poll_interval < 1 ||
			    d->poll_interval > 86400)
				fatalx(EX_USAGE, "--interval: 1..86400 seconds");
			break;
		case 'v':
			(*verbose_r)++;
			break;
		case 'h':
			usage(EX_OK);
		case 'V':
			printf("mailsyncd (udmail) %s\n", PACKAGE_VERSION);
			exit(EX_OK);
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
}

/* SIGTERM and SIGINT end the loop, SIGHUP reloads (on_signal). */
static void
trap_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct daemon d = { .conf_path = CONF_PATH_DEFAULT,
		.poll_interval = 300, .inotify_fd = -1 };
	struct sync_opts so = { 0 };
	struct errbuf eb;
	int once = 0, verbose = 0, rc;

	log_init(argv[0], 1);
	/* Before anything holds a hash: no core file, no ptrace. */
	if (priv_nocore(&eb) == -1)
		fatalx(EX_OSERR, "%s", eb.msg);
	/* libldap writes with write(2): a server gone mid-request must be an
	   error return, not a fatal signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &d, &so, &once, &verbose);
	log_set_verbose(verbose + (once ? 0 : 1));
	d.show_all = verbose > 0;
	if ((d.conf = conf_load(d.conf_path, &eb)) == NULL)
		fatalx(eb.errnum == ENOENT ? EX_NOINPUT : EX_CONFIG, "%s",
		    eb.msg);
	become_user(&d);
	if (mkdir(d.conf->state_dir, 0755) == -1 && errno != EEXIST)
		fatal(EX_CANTCREAT, "%s", d.conf->state_dir);
	take_lock(d.conf->state_dir);
	if (!so.dry_run)
		load_reported(&d);
	if (once) {
		rc = sync_status_exit(run_sync(&d, &so));
		warnset_free(&d.reported);
		conf_free(&d.conf);
		free(d.user);
		return rc;
	}
	trap_signals();
	watch_hiera(&d);
	if ((d.cache = sync_cache_new()) == NULL)
		fatal(EX_OSERR, "cache");
	rc = loop(&d, &so);
	if (!so.dry_run)
		snap_save(&d);
	set_drop(&d);
	sync_cache_free(&d.cache);
	free(d.cookie);
	warnset_free(&d.reported);
	conf_free(&d.conf);
	free(d.user);
	return rc;
}
