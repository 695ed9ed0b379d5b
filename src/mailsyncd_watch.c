/*
 * mailsyncd_watch: watching the sources: the Hiera exports through
 * inotify, LDAP through the content synchronization search (lib/ldapwatch)
 * into the held set, the reload on SIGHUP, and when the next sync is due.
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

/* Watch the directories holding the Hiera exports: Puppet replaces files
   by rename, which a watch on the file itself would lose.  Not IN_CREATE:
   a file written in place is complete only at IN_CLOSE_WRITE, and the
   sync starts at once.  A directory removed or moved away takes its
   watch with it (IN_DELETE_SELF, IN_MOVE_SELF, then IN_IGNORED), so
   those count too: the watches are made again by path.  QUIET: failures
   are counted, not logged (the retries of hiera_rewatch). */
static void
add_watches(struct daemon *d, int quiet)
{
	char dir[PATH_MAX];
	size_t i;

	if (d->inotify_fd != -1)
		(void)close(d->inotify_fd);
	if ((d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		fatal(EX_OSERR, "inotify_init1");
	d->hiera_unwatched = 0;
	for (i = 0; i < d->conf->hiera_count; i++) {
		(void)snprintf(dir, sizeof(dir), "%s", d->conf->hiera_files[i]);
		if (inotify_add_watch(d->inotify_fd, dirname(dir),
		    IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF |
		    IN_MOVE_SELF) == -1) {
			if (!quiet)
				log_warn("inotify %s", dir);
			d->hiera_unwatched++;
		}
	}
	d->hiera_retry = now_ms() + HIERA_RETRY_MS;
}

void
watch_hiera(struct daemon *d)
{
	add_watches(d, 0);
}

/* Try again to watch what was lost; 1 when every directory is watched
   again (the caller builds: files may have arrived meanwhile). */
int
hiera_rewatch(struct daemon *d)
{
	add_watches(d, 1);
	if (d->hiera_unwatched > 0)
		return 0;
	log_info("hiera: every export's directory is watched again");
	return 1;
}

/* Drain inotify; 1 if one of our files was touched or a watched
   directory went away (the build then says which file is missing and
   keeps the tables; the watches are made again by path). */
int
hiera_changed(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	const char *base;
	ssize_t n;
	size_t i;
	char *p;
	int hit = 0, lost = 0;

	while ((n = read(d->inotify_fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
			    IN_IGNORED | IN_UNMOUNT | IN_Q_OVERFLOW))
				lost = 1;
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
	if (lost) {
		add_watches(d, 1);
		if (d->hiera_unwatched > 0)
			log_warnx("hiera: %zu export director%s removed or "
			    "moved; watching again as soon as %s back",
			    d->hiera_unwatched,
			    d->hiera_unwatched == 1 ? "y" : "ies",
			    d->hiera_unwatched == 1 ? "it is" : "they are");
		hit = 1;
	}
	return hit;
}

/* Forget the held accounts: the next watch starts from nothing. */
void
set_drop(struct daemon *d)
{
	ldapwatch_close(&d->watch);
	ldapset_free(&d->set);
	d->set_whole = 0;
	free(d->resume);
	d->resume = NULL;
}

void
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
struct ldapset *
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

void
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
void
schedule(const struct daemon *d, long long *due)
{
	long long t = now_ms();

	if (t < d->next_ok)
		t = d->next_ok;
	if (*due == -1 || t < *due)
		*due = t;
}

/* Input on the watch: apply it; schedule a build when the set moved. */
void
watch_input(struct daemon *d, long long *due)
{
	const struct ldapwatch_stats *ws;
	struct errbuf eb;
	const char *ck;
	int r, was_ready = ldapwatch_ready(d->watch);

	r = ldapwatch_process(d->watch, &eb);
	ws = ldapwatch_stats(d->watch);
	/* After a failure the watch's cookie may already name a change that
	   was not applied (it comes before the entry in the message): resume
	   from the last cookie of a batch applied whole.  An older cookie
	   only makes the server send some changes again, and applying one
	   again changes nothing. */
	if (r != -1 && (ck = ldapwatch_cookie_now(d->watch)) != NULL &&
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
