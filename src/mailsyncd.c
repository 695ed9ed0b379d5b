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
 * kept in the state directory (lib/warnset).
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

#define SYNC_GAP_MAX_MS 1000 /* longest pause between two syncs */
#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 60
#define WARNINGS_FILE "mailsyncd.warnings"
#define COOKIE_FILE   "mailsyncd.cookie"
#define COOKIE_FILE_MAX (64 * 1024)
#define ENTRIES_FILE  "mailsyncd.entries"
#define HASHES_FILE   ".mailsyncd-hashes" /* beside the passwd-file */
#define ENTRIES_MAGIC "udmail entries 1\n"

static volatile sig_atomic_t got_term, got_hup;

struct daemon {
	const char *conf_path;
	struct conf *conf;
	char *user;         /* conf->user at startup: a reload cannot change it */
	int poll_interval;  /* seconds between full syncs without events */
	int inotify_fd;
	struct ldapwatch *watch;
	time_t watch_retry; /* next time to reopen the watch */
	int watch_backoff;
	int watch_unsupported; /* no syncprov: poll only, until SIGHUP */
	time_t last_success;
	int fail_backoff;
	int watching;       /* long-running: read a cookie before each sync */
	char *cookie;       /* LDAP's state the published tables show */
	struct ldapset *set;/* LDAP's accounts, kept current by WATCH */
	char *resume;       /* the state SET holds (changes after it may be
			   in it too: applying them again is harmless);
			   NULL: the next watch starts from nothing */
	int set_whole;      /* SET is LDAP's state at RESUME: a refresh
			   finished and none has started since */
	long long set_day;  /* the UTC day SET's account states are for */
	int pending;        /* a build waits for the refresh to finish */
	struct ldapwatch_stats seen; /* WATCH's counts when last logged */
	long long watch_opened; /* ms */
	struct sync_cache *cache; /* the tables the last run left */
	int notified;       /* READY=1 sent */
	long long next_ok;  /* earliest start of the next sync (ms) */
	/* The warnings the log has shown, saved in warnings_path (fixed
	   until restart, like the lock beside it).  NULL: --dry-run, which
	   shows every warning and records nothing. */
	struct warnset *reported;
	char warnings_path[PATH_MAX]; /* state_dir/WARNINGS_FILE */
	int reported_dirty; /* the file lags behind REPORTED */
	int save_failed;    /* said so; quiet until a save works */
	int show_all;       /* -v: every warning on every run */
	int runs;
};

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
	    "  -i, --interval S    full sync every S seconds without events "
	    "(default 300)\n"
	    "  -v, --verbose       every warning on every run, not only new\n"
	    "                      and resolved ones; more detail (daemon:\n"
	    "                      debug; with --once: informational, twice:\n"
	    "                      debug)\n"
	    "  -h, --help          this summary; -V, --version: the version\n"
	    "Started as root, it reads the configuration, then runs as its\n"
	    "user (default udmail).  See mailsyncd(8)\n", CONF_PATH_DEFAULT);
	exit(ex);
}

static long long
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

/* One line per file the published tables depend on besides LDAP (the
   configuration, the Hiera exports) and per published file: its stat,
   or "-" when missing.  Any edit, replacement or removal changes it. */
static void
stamp_file(FILE *f, const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		(void)fprintf(f, "file %s -\n", path);
	else
		(void)fprintf(f, "file %s %llu %llu %lld %lld.%09ld %o %u %u\n",
		    path, (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino, (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		    (unsigned)st.st_mode, (unsigned)st.st_uid,
		    (unsigned)st.st_gid);
}

/* The configuration file's stamp (malloc'd, or NULL): the held
   entries were read with its LDAP settings. */
static char *
conf_stamp(const struct daemon *d)
{
	size_t len;
	char *p = NULL;
	FILE *f;

	if ((f = open_memstream(&p, &len)) == NULL)
		return NULL;
	(void)fprintf(f, "mailsyncd %s\n", PACKAGE_VERSION);
	stamp_file(f, d->conf_path);
	if (fclose(f) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* What the tables were built from apart from LDAP, malloc'd, or NULL.
   The UTC day is part of it: an account expires at midnight. */
static char *
fingerprint(const struct daemon *d)
{
	const struct conf *c = d->conf;
	char path[PATH_MAX];
	size_t len, i;
	char *p = NULL;
	FILE *f;
	int k;

	if ((f = open_memstream(&p, &len)) == NULL)
		return NULL;
	(void)fprintf(f, "mailsyncd %s\nday %lld\n", PACKAGE_VERSION,
	    (long long)(time(NULL) / 86400));
	stamp_file(f, d->conf_path);
	for (i = 0; i < c->hiera_count; i++)
		stamp_file(f, c->hiera_files[i]);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		if (!c->out[k].enabled)
			continue;
		if (k == OUTPUT_PASSWD)
			(void)snprintf(path, sizeof(path), "%s", c->out[k].path);
		else
			(void)snprintf(path, sizeof(path), "%s%s",
			    c->out[k].path,
			    map_format_suffix(c->out[k].format));
		stamp_file(f, path);
	}
	if (fclose(f) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* After a good sync: the cookie it was read at, with the fingerprint of
   everything else, in state_dir, so that a restart with nothing changed
   needs no full sync.  Without a cookie, the stale file goes. */
static void
save_cookie(const struct daemon *d)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	char *fp;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", d->conf->state_dir,
	    COOKIE_FILE) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return;
	if (d->cookie == NULL || (fp = fingerprint(d)) == NULL) {
		(void)unlink(path);
		return;
	}
	if ((f = fopen(tmp, "we")) == NULL) {
		log_warn("%s", tmp);
		free(fp);
		(void)unlink(path);
		return;
	}
	(void)fprintf(f, "%scookie %s\n", fp, d->cookie);
	free(fp);
	if (fflush(f) != 0 || fsync(fileno(f)) == -1 || fclose(f) != 0) {
		log_warn("%s", tmp);
		(void)unlink(tmp);
		(void)unlink(path);
		return;
	}
	if (rename(tmp, path) == -1) {
		log_warn("%s", path);
		(void)unlink(tmp);
		(void)unlink(path);
	}
}

/* At startup: the saved cookie, if everything but LDAP is as it was
   when it was saved.  1 with d->cookie set, else 0. */
static int
load_cookie(struct daemon *d)
{
	char path[PATH_MAX], buf[COOKIE_FILE_MAX];
	char *fp, *line;
	size_t n, flen;
	FILE *f;
	int ok = 0;

	if (snprintf(path, sizeof(path), "%s/%s", d->conf->state_dir,
	    COOKIE_FILE) >= (int)sizeof(path) ||
	    (f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	if ((fp = fingerprint(d)) == NULL)
		return 0;
	flen = strlen(fp);
	line = buf + flen;
	if (n < sizeof(buf) - 1 && n > flen && memcmp(buf, fp, flen) == 0 &&
	    strncmp(line, "cookie ", 7) == 0 && buf[n - 1] == '\n') {
		line += 7;
		buf[n - 1] = '\0';
		if (strchr(line, '\n') == NULL && *line != '\0') {
			d->cookie = xstrdup(line);
			ok = 1;
		}
	}
	free(fp);
	return ok;
}

/* Build from the held accounts: they are whole, and the day their
   states were computed for is today. */
static int
use_set(const struct daemon *d)
{
	return d->set != NULL && d->set_whole && !d->watch_unsupported &&
	    d->conf->ldap.enabled && d->set_day == time(NULL) / 86400;
}

static struct ldapset *set_new(const struct daemon *, struct errbuf *);

/* The held entries across a restart, so that the watch asks only for
   what changed since: written at a clean exit, the entries (no secret)
   to state_dir, the hashes beside the passwd-file (where the scratch
   file holding them lives anyway), read and removed at the next start.
   A crash leaves none: the next start reads every entry. */
static int
snap_paths(const struct daemon *d, char *ep, char *hp, size_t sz)
{
	const char *pw = d->conf->out[OUTPUT_PASSWD].path, *slash;

	hp[0] = '\0';
	if (snprintf(ep, sz, "%s/%s", d->conf->state_dir, ENTRIES_FILE) >=
	    (int)sz)
		return -1;
	if (d->conf->out[OUTPUT_PASSWD].enabled && pw != NULL &&
	    (slash = strrchr(pw, '/')) != NULL &&
	    snprintf(hp, sz, "%.*s/%s", (int)(slash - pw), pw, HASHES_FILE) >=
	    (int)sz)
		return -1;
	return 0;
}

/* Write to PATH.new, then rename over PATH. */
static int
snap_open(const char *path, char *tmp, size_t sz)
{
	if (snprintf(tmp, sz, "%s.new", path) >= (int)sz)
		return -1;
	return open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
}

static int
snap_commit(int fd, const char *tmp, const char *path)
{
	if (fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

static void
snap_save(const struct daemon *d)
{
	char ep[PATH_MAX], hp[PATH_MAX], et[PATH_MAX], ht[PATH_MAX];
	unsigned char tok[16];
	char hex[33], *fp = NULL, *head = NULL;
	struct errbuf eb;
	int fd = -1, hfd = -1;

	if (d->set == NULL || !d->set_whole || d->resume == NULL ||
	    snap_paths(d, ep, hp, sizeof(ep)) == -1)
		return;
	randombytes_buf(tok, sizeof(tok));
	(void)sodium_bin2hex(hex, sizeof(hex), tok, sizeof(tok));
	if ((fp = conf_stamp(d)) == NULL ||
	    asprintf(&head, ENTRIES_MAGIC "%sday %lld\nhashes %s\n"
	    "cookie %s\n", fp, d->set_day, hex, d->resume) == -1) {
		head = NULL;
		goto fail;
	}
	if (hp[0] != '\0') {
		if ((hfd = snap_open(hp, ht, sizeof(ht))) == -1 ||
		    write(hfd, hex, 32) != 32)
			goto fail;
	}
	if ((fd = snap_open(ep, et, sizeof(et))) == -1 ||
	    write(fd, head, strlen(head)) != (ssize_t)strlen(head))
		goto fail;
	if (ldapset_save(d->set, fd, hfd, &eb) == -1) {
		log_warnx("%s", eb.msg);
		goto fail;
	}
	if ((hfd != -1 && snap_commit(hfd, ht, hp) == -1) ||
	    snap_commit(fd, et, ep) == -1) {
		hfd = fd = -1;
		goto fail;
	}
	log_info("%s: %zu LDAP entries kept for the next start (%s)",
	    ep, ldapset_count(d->set), d->resume);
	free(fp);
	free(head);
	return;
fail:
	log_warn("%s: LDAP entries not kept; the next start reads them all",
	    ep);
	if (hfd != -1) {
		(void)close(hfd);
		(void)unlink(ht);
	}
	if (fd != -1) {
		(void)close(fd);
		(void)unlink(et);
	}
	free(fp);
	free(head);
}

static void
snap_remove(const char *path)
{
	char tmp[PATH_MAX];

	(void)unlink(path);
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) < (int)sizeof(tmp))
		(void)unlink(tmp);
}

/* Read a line of at most SZ - 1 bytes into BUF, newline cut. */
static int
snap_line(FILE *f, char *buf, size_t sz)
{
	size_t n;

	if (fgets(buf, (int)sz, f) == NULL || (n = strlen(buf)) == 0 ||
	    buf[n - 1] != '\n')
		return -1;
	buf[n - 1] = '\0';
	return 0;
}

/* At startup: the entries a clean exit kept, if the configuration is
   the same and the day too (the account states are the day's).  Both
   files are removed either way. */
static void
snap_load(struct daemon *d)
{
	char ep[PATH_MAX], hp[PATH_MAX], line[COOKIE_FILE_MAX], hex[41];
	char tok[32], *fp = NULL;
	struct errbuf eb;
	FILE *f = NULL, *hf = NULL;
	size_t flen;
	long long day;

	if (snap_paths(d, ep, hp, sizeof(ep)) == -1 ||
	    (f = fopen(ep, "re")) == NULL)
		goto out;
	if ((fp = conf_stamp(d)) == NULL)
		goto out;
	flen = strlen(ENTRIES_MAGIC) + strlen(fp);
	if (flen >= sizeof(line) || fread(line, 1, flen, f) != flen ||
	    memcmp(line, ENTRIES_MAGIC, strlen(ENTRIES_MAGIC)) != 0 ||
	    memcmp(line + strlen(ENTRIES_MAGIC), fp, strlen(fp)) != 0 ||
	    snap_line(f, line, sizeof(line)) == -1 ||
	    sscanf(line, "day %lld", &day) != 1 || day != time(NULL) / 86400 ||
	    snap_line(f, hex, sizeof(hex)) == -1 ||
	    strncmp(hex, "hashes ", 7) != 0 ||
	    snap_line(f, line, sizeof(line)) == -1 ||
	    strncmp(line, "cookie ", 7) != 0 || line[7] == '\0') {
		log_info("%s: left by another configuration, day or version; "
		    "reading every LDAP entry", ep);
		goto out;
	}
	if (hp[0] != '\0') {
		if ((hf = fopen(hp, "re")) == NULL ||
		    fread(tok, 1, 32, hf) != 32 || strlen(hex) != 39 ||
		    memcmp(tok, hex + 7, 32) != 0) {
			log_info("%s: does not match %s; reading every LDAP "
			    "entry", hp, ep);
			goto out;
		}
	}
	if ((d->set = set_new(d, &eb)) == NULL ||
	    ldapset_load(d->set, f, hf, &eb) == -1) {
		log_warnx("%s; reading every LDAP entry", eb.msg);
		ldapset_free(&d->set);
		goto out;
	}
	d->resume = xstrdup(line + 7);
	d->set_whole = 1;
	d->set_day = day;
	log_info("%s: %zu LDAP entries as the last run left them", ep,
	    ldapset_count(d->set));
out:
	if (f != NULL)
		(void)fclose(f);
	if (hf != NULL)
		(void)fclose(hf);
	free(fp);
	/* Consumed, and whatever a save cut short left (.new). */
	snap_remove(ep);
	if (hp[0] != '\0')
		snap_remove(hp);
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
	int k, changed = 0, lock, from_set = use_set(d);

	d->runs++;
	so.cache = d->cache;
	if (from_set) {
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
	warnset_free(&col.cur);
	took = now_ms() - t0;
	d->next_ok = now_ms() + (took < SYNC_GAP_MAX_MS ? took :
	    SYNC_GAP_MAX_MS);
	if (st == SYNC_OK) {
		free(d->cookie);
		d->cookie = cookie;
		cookie = NULL;
		if (d->watching && !o->dry_run)
			save_cookie(d);
		d->last_success = time(NULL);
		for (k = 0; k < OUTPUT_COUNT; k++)
			changed += res.out[k].changed;
		log_info("sync done in %.3f s (%s %.3f s), %zu addresses, "
		    "%d outputs replaced", res.total_seconds,
		    from_set ? "held LDAP entries" : "fetch",
		    res.fetch_seconds, res.stats.addresses, changed);
		if (d->reported == NULL && (res.stats.rejected ||
		    res.stats.conflicts || res.stats.loops ||
		    res.stats.dangling))
			log_warnx("%zu rejected, %zu conflicts, %zu loops, %zu "
			    "dangling", res.stats.rejected, res.stats.conflicts,
			    res.stats.loops, res.stats.dangling);
	} else {
		log_warnx("sync failed (%s): %s; previous tables kept",
		    sync_status_name(st), eb.msg);
	}
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

/* Watch the directories holding the Hiera exports: Puppet replaces files
   by rename, which a watch on the file itself would lose.  Not IN_CREATE:
   a file written in place is complete only at IN_CLOSE_WRITE, and the
   sync starts at once. */
static void
watch_hiera(struct daemon *d)
{
	char dir[PATH_MAX];
	size_t i;

	if (d->inotify_fd != -1)
		(void)close(d->inotify_fd);
	if ((d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		fatal(EX_OSERR, "inotify_init1");
	for (i = 0; i < d->conf->hiera_count; i++) {
		(void)snprintf(dir, sizeof(dir), "%s", d->conf->hiera_files[i]);
		if (inotify_add_watch(d->inotify_fd, dirname(dir),
		    IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE) == -1)
			log_warn("inotify %s", dir);
	}
}

/* Drain inotify; 1 if one of our files was touched. */
static int
hiera_changed(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	const char *base;
	ssize_t n;
	size_t i;
	char *p;
	int hit = 0;

	while ((n = read(d->inotify_fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->len == 0)
				continue;
			for (i = 0; i < d->conf->hiera_count; i++) {
				base = strrchr(d->conf->hiera_files[i], '/');
				base = base ? base + 1 : d->conf->hiera_files[i];
				if (strcmp(base, ev->name) == 0)
					hit = 1;
			}
		}
	}
	return hit;
}

/* Forget the held accounts: the next watch starts from nothing. */
static void
set_drop(struct daemon *d)
{
	ldapwatch_close(&d->watch);
	ldapset_free(&d->set);
	d->set_whole = 0;
	free(d->resume);
	d->resume = NULL;
}

static void
reload(struct daemon *d)
{
	struct errbuf eb;
	struct conf *c;

	if ((c = conf_load(d->conf_path, &eb)) == NULL) {
		log_warnx("reload: %s; keeping the running configuration",
		    eb.msg);
		return;
	}
	if (strcmp(c->user, d->user) != 0)
		log_warnx("%s: user: %s takes effect at the next start; "
		    "running as before (user %s)", d->conf_path, c->user,
		    d->user);
	/* The watch and the set were made for the old LDAP settings, the
	   cache for the old outputs. */
	set_drop(d);
	sync_cache_free(&d->cache);
	if ((d->cache = sync_cache_new()) == NULL)
		fatal(EX_OSERR, "cache");
	conf_free(&d->conf);
	d->conf = c;
	free(d->cookie);
	d->cookie = NULL;
	d->watch_retry = 0;
	d->watch_backoff = 0;
	d->watch_unsupported = 0;
	watch_hiera(d);
	log_info("configuration reloaded from %s", d->conf_path);
}

static void watch_failed(struct daemon *, time_t, const struct errbuf *);

/* The scratch file for the held hashes goes beside the passwd-file, as
   the sync's own. */
static struct ldapset *
set_new(const struct daemon *d, struct errbuf *eb)
{
	const struct conf *c = d->conf;
	char dir[PATH_MAX], *slash;

	dir[0] = '\0';
	if (c->out[OUTPUT_PASSWD].enabled && c->out[OUTPUT_PASSWD].path !=
	    NULL) {
		(void)snprintf(dir, sizeof(dir), "%s",
		    c->out[OUTPUT_PASSWD].path);
		if ((slash = strrchr(dir, '/')) != NULL)
			slash[slash == dir] = '\0';
	}
	return ldapset_new(c->ldap.attr_uid != NULL ? c->ldap.attr_uid : "uid",
	    c->ldap.base, dir[0] != '\0' ? dir : NULL, eb);
}

static void
open_watch(struct daemon *d, time_t now)
{
	struct errbuf eb;
	const char *from;

	if (!d->conf->ldap.enabled || d->watch != NULL ||
	    d->watch_unsupported || now < d->watch_retry)
		return;
	if (d->set == NULL && (d->set = set_new(d, &eb)) == NULL) {
		watch_failed(d, now, &eb);
		return;
	}
	/* Account states hold for the day they were read on. */
	if (d->resume != NULL && d->set_day != now / 86400) {
		log_info("ldap: a new day: reading every entry again for the "
		    "account states (expiry, retirement)");
		free(d->resume);
		d->resume = NULL;
	}
	from = d->resume;
	d->watch = ldapwatch_open(&d->conf->ldap, d->conf->retired_grace_days,
	    from, d->set, NULL, &eb);
	if (d->watch == NULL) {
		/* Emptied for a refresh from nothing that did not start. */
		if (from == NULL)
			d->set_whole = 0;
		watch_failed(d, now, &eb);
		return;
	}
	/* Until its refresh is over the set is not a state LDAP had. */
	d->set_whole = 0;
	d->watch_opened = now_ms();
	memset(&d->seen, 0, sizeof(d->seen));
	if (from == NULL)
		d->set_day = now / 86400;
	log_info("ldap: watching %s for changes%s", d->conf->ldap.base,
	    from != NULL ? " since the state held" : ", reading every entry");
}

/* Back off 1, 2, 4 ... 60 s between attempts; a server without the
   content synchronization control is not asked again until a reload. */
static void
watch_failed(struct daemon *d, time_t now, const struct errbuf *eb)
{
	if (eb->errnum == EOPNOTSUPP) {
		d->watch_unsupported = 1;
		log_warnx("%s; the server lacks RFC 4533 (syncprov): falling "
		    "back to a full sync every %d s", eb->msg,
		    d->poll_interval);
		return;
	}
	if (eb->errnum == ESTALE && d->resume != NULL) {
		/* The server cannot say what changed since our state:
		   read everything again, at once. */
		log_warnx("%s; reading every entry again", eb->msg);
		d->set_whole = 0;
		free(d->resume);
		d->resume = NULL;
		d->watch_retry = 0;
		return;
	}
	d->watch_backoff = d->watch_backoff ? d->watch_backoff * 2 :
	    BACKOFF_MIN_S;
	if (d->watch_backoff > BACKOFF_MAX_S)
		d->watch_backoff = BACKOFF_MAX_S;
	d->watch_retry = now + d->watch_backoff;
	log_warnx("%s; retrying in %d s%s", eb->msg, d->watch_backoff,
	    d->set_whole ? " (building from the entries held meanwhile)" :
	    "");
}

/* Sync at once, or as soon as the last sync's own duration has passed
   since it ended: a burst of changes then costs at most every other
   moment of the CPU, however many changes it brings. */
static void
schedule(const struct daemon *d, long long *due)
{
	long long t = now_ms();

	if (t < d->next_ok)
		t = d->next_ok;
	if (*due == -1 || t < *due)
		*due = t;
}

/* Input on the watch: apply it; schedule a build when the set moved. */
static void
watch_input(struct daemon *d, long long *due)
{
	const struct ldapwatch_stats *ws;
	struct errbuf eb;
	const char *ck;
	int r, was_ready = ldapwatch_ready(d->watch);

	r = ldapwatch_process(d->watch, &eb);
	ws = ldapwatch_stats(d->watch);
	if ((ck = ldapwatch_cookie_now(d->watch)) != NULL &&
	    (d->resume == NULL || strcmp(ck, d->resume) != 0)) {
		free(d->resume);
		d->resume = xstrdup(ck);
	}
	if (r == -1) {
		ldapwatch_close(&d->watch);
		watch_failed(d, time(NULL), &eb);
		/* Hiera changes that waited for the refresh: build from the
		   set if it is whole, else fetch. */
		if (d->pending) {
			d->pending = 0;
			schedule(d, due);
		}
		return;
	}
	if (!was_ready && ldapwatch_ready(d->watch)) {
		d->set_whole = 1;
		d->watch_backoff = 0;
		log_debug("ldap refresh done: %zu entries held, %zu read, %zu "
		    "dropped in %.3f s, %s", ldapset_count(d->set),
		    ws->entries, ws->deleted,
		    (double)(now_ms() - d->watch_opened) / 1000.0,
		    r == 1 || d->pending ? "building" :
		    "nothing changed since the state held");
	} else if (r == 1)
		log_debug("ldap change applied: %zu entr%s read, %zu dropped",
		    ws->entries - d->seen.entries, ws->entries -
		    d->seen.entries == 1 ? "y" : "ies",
		    ws->deleted - d->seen.deleted);
	d->seen = *ws;
	if (r == 1 || (d->pending && d->set_whole)) {
		d->pending = 0;
		schedule(d, due);
	}
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

static int
loop(struct daemon *d, const struct sync_opts *o)
{
	long long due, next_poll, t;
	struct pollfd pfd[2];
	int n, timeout;

	d->watching = 1;
	/* The first build runs before READY=1, so units ordered after us
	   find the tables published (or the last good ones, if LDAP is
	   down): it comes at the end of the watch's first refresh, or from
	   a fetch when there is no watch.  Not needed when the tables are
	   those of the saved cookie and nothing else they depend on moved:
	   the refresh then builds only if LDAP changed meanwhile. */
	due = now_ms();
	if (!o->dry_run && d->conf->ldap.enabled)
		snap_load(d);
	if (!o->dry_run && !o->force && d->conf->ldap.enabled &&
	    load_cookie(d)) {
		log_info("tables as the last sync left them; no sync until "
		    "LDAP says what changed since");
		notify_ready(d);
		d->pending = 0;
		due = -1;
	}
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
		/* The timer fetches only what no watch follows. */
		if (t >= next_poll && due == -1) {
			if (!use_set(d) && d->watch == NULL)
				due = t;
			else
				next_poll = t + (long long)d->poll_interval *
				    1000;
		}
		timeout = (int)((due != -1 ? due : next_poll) - t);
		if (d->watch == NULL && d->conf->ldap.enabled &&
		    d->watch_retry > 0) {
			long long w = (d->watch_retry - time(NULL)) * 1000LL;
			if (w < timeout)
				timeout = w > 0 ? (int)w : 0;
		}
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

int
main(int argc, char **argv)
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
	struct daemon d = { .conf_path = CONF_PATH_DEFAULT,
		.poll_interval = 300, .inotify_fd = -1 };
	struct sync_opts so = { 0 };
	struct sigaction sa;
	struct errbuf eb;
	int ch, once = 0, verbose = 0, rc;
	char *end;

	log_init(argv[0], 1);
	/* Before anything holds a hash: no core file, no ptrace. */
	if (priv_nocore(&eb) == -1)
		fatalx(EX_OSERR, "%s", eb.msg);
	/* libldap writes with write(2): a server gone mid-request must be an
	   error return, not a fatal signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "c:1nfi:vhV", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			d.conf_path = optarg;
			break;
		case '1':
			once = 1;
			break;
		case 'n':
			so.dry_run = 1;
			break;
		case 'f':
			so.force = 1;
			break;
		case 'i':
			d.poll_interval = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || d.poll_interval < 1 ||
			    d.poll_interval > 86400)
				fatalx(EX_USAGE, "--interval: 1..86400 seconds");
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(EX_OK);
		case 'V':
			printf("mailsyncd (udmail) %s\n", PACKAGE_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
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
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
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
