/*
 * mailsyncd_int.h: the daemon's state, shared by mailsyncd.c (arguments,
 * the sync run, the event loop, main), mailsyncd_watch.c (watching the
 * sources) and mailsyncd_state.c (what the state directory keeps across
 * restarts).  Program-only.
 */
#ifndef UDMAIL_MAILSYNCD_INT_H
#define UDMAIL_MAILSYNCD_INT_H

#include <time.h>

#include "conf.h"
#include "errbuf.h"
#include "ldapset.h"
#include "ldapwatch.h"
#include "sync.h"
#include "warnset.h"

#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 60
#define HIERA_RETRY_MS 1000 /* a lost Hiera directory: look again */

struct daemon {
	const char *conf_path;
	struct conf *conf;
	char *user;         /* conf->user at startup: a reload cannot change it */
	int poll_interval;  /* seconds between full syncs without events */
	int inotify_fd;
	size_t hiera_unwatched; /* exports whose directory inotify lost */
	long long hiera_retry;  /* next try to watch them again (ms) */
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

/* mailsyncd.c */
long long now_ms(void);

/* mailsyncd_state.c: the LDAP sync cookie, whether the held set can
   serve a build, the snapshot of the held set across a restart */
void save_cookie(const struct daemon *d);
int load_cookie(struct daemon *d);
int use_set(const struct daemon *d);
void snap_save(const struct daemon *d);
void snap_load(struct daemon *d);

/* mailsyncd_watch.c */
void watch_hiera(struct daemon *d);
int hiera_rewatch(struct daemon *d);
int hiera_changed(struct daemon *d);
void set_drop(struct daemon *d);
void reload(struct daemon *d);
void open_watch(struct daemon *d, time_t now);
void schedule(const struct daemon *d, long long *due);
void watch_input(struct daemon *d, long long *due);
struct ldapset *set_new(const struct daemon *d, struct errbuf *eb);

#endif
