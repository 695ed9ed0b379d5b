/*
 * sync: the pipeline every program runs: fetch (Hiera files, LDAP) ->
 * model -> generate each enabled output -> guard -> publish what changed.
 * mailmap build runs it once; mailsyncd runs it whenever a source moves.
 * Nothing is published unless every source was read completely.
 */
#ifndef UDMAIL_SYNC_H
#define UDMAIL_SYNC_H

#include <time.h>

#include "conf.h"
#include "errbuf.h"
#include "model.h"
#include "report.h"

struct ldapset;
struct sync_cache;
struct incr;

enum sync_status {
	SYNC_OK = 0,
	SYNC_ERR_CONFIG,  /* configuration makes no sense (no domain...) */
	SYNC_ERR_INPUT,   /* a Hiera file is unreadable or broken */
	SYNC_ERR_LDAP,    /* LDAP connect, bind or search failed */
	SYNC_ERR_GUARD,   /* shrink guard or empty LDAP answer: refused */
	SYNC_ERR_PUBLISH, /* writing an output failed; old file kept */
	SYNC_ERR_NOMEM
};

struct sync_opts {
	int dry_run;    /* build and check, publish nothing */
	int force;      /* override the shrink guard and empty-LDAP check */
	int hiera_only; /* do not contact LDAP (mailmap check --hiera-only) */
	int load_only;  /* sync_load alone (check, diff): no table scans, no
			   passwd-file written while fetching */
	int keep_passwords; /* keep hashes for model_emit (mailmap diff) */
	time_t now;     /* 0: time(NULL) */
	/* LDAP's accounts as held by mailsyncd (lib/ldapset, kept current by
	   lib/ldapwatch): used instead of a fetch, with the same checks
	   (an empty set, attributes nobody may read).  NULL: fetch. */
	const struct ldapset *ldap_set;
	/* What the last run published, for a daemon's next run: a table
	   still the very file it wrote (same inode, size, times) is not read
	   again to be compared.  NULL: every table is read. */
	struct sync_cache *cache;
	/* When set, a good run from LDAP_SET leaves here (replacing what
	   was there) what lib/incr needs to apply later changes in place;
	   NULL there when it could not. */
	struct incr **incr_r;
	/* Where bad records, guard refusals and progress go (the result
	   counts its warnings); NULL: the program's log. */
	struct report *report;
};

struct sync_output_result {
	int enabled;
	long long old_count; /* entries in the published file, -1 unknown */
	size_t new_count;
	int refused;         /* shrink guard */
	int changed;         /* file replaced */
};

struct sync_result {
	struct model_stats stats;
	size_t warnings;     /* logged by sync_run (bad records and others) */
	size_t ldap_entries;
	/* LDAP entries refused, and entries carrying each attribute the
	   outputs need (for the checks of an empty or unreadable answer) */
	size_t ldap_rejected, have_forward, have_password, have_user_password;
	struct sync_output_result out[OUTPUT_COUNT];
	double fetch_seconds, total_seconds;
};

/* An empty cache (NULL on ENOMEM), and its end.  Forget it when the
   configuration changes. */
struct sync_cache *sync_cache_new(void);
void sync_cache_free(struct sync_cache **cp);
/* Output K's file was changed by someone else (lib/incr): read it again. */
void sync_cache_forget(struct sync_cache *sc, enum output_kind k);

/* Loaded sources and the resolved model. */
struct sync_state;

/* Fetch and build.  Returns SYNC_OK with *SS_R set, or a failure status
   with EB set. */
enum sync_status sync_load(const struct conf *c, const struct sync_opts *o,
    struct sync_state **ss_r, struct sync_result *res, struct errbuf *eb)
    __attribute__((warn_unused_result));
struct model *sync_model(struct sync_state *ss);
/* Generate, compare, guard and (unless dry_run) publish every enabled
   output.  Call once per sync_load. */
enum sync_status sync_publish(const struct conf *c, struct sync_state *ss,
    const struct sync_opts *o, struct sync_result *res, struct errbuf *eb)
    __attribute__((warn_unused_result));
void sync_state_free(struct sync_state **ssp);
/* The primary domain sync_load works with: the configuration's, else the
   Hiera exports' (read for it).  SYNC_OK with *DOMAIN_R malloc'd, or
   SYNC_ERR_INPUT (an export is broken), SYNC_ERR_CONFIG (none names one,
   or they disagree), SYNC_ERR_NOMEM, with EB set. */
enum sync_status sync_domain(const struct conf *c, char **domain_r,
    struct report *rep, struct errbuf *eb) __attribute__((warn_unused_result));

/* sync_load + sync_publish. */
enum sync_status sync_run(const struct conf *c, const struct sync_opts *o,
    struct sync_result *res, struct errbuf *eb)
    __attribute__((warn_unused_result));

/* For a daemon whose tables are those of the entries it holds
   (O->ldap_set, unchanged since they were published): build the model
   from them, publish nothing, and leave in *INCR_R what lib/incr needs to
   apply later changes in place (the table counts read from the files).
   SYNC_OK, or a failure status with EB set and *INCR_R NULL. */
enum sync_status sync_prepare(const struct conf *c, const struct sync_opts *o,
    struct incr **incr_r, struct errbuf *eb)
    __attribute__((warn_unused_result));

/* Publishing is serialised by an exclusive lock on STATE_DIR/publish.lock
   (STATE_DIR is created when missing), held by every mailmap build and
   mailsyncd run from before its first temp file until its metrics and
   state files are written, so that whoever holds it may take any temp
   file of ours for a killed run's leftover.  Waits (saying so) while
   another run holds it.  Returns the descriptor, or -1 with EB set
   (STATE_DIR refused by safedir, for one). */
int sync_lock(const struct conf *c, struct report *rep, struct errbuf *eb)
    __attribute__((warn_unused_result));
void sync_unlock(int *fdp);
/* With the lock held: remove the temp files killed runs left beside
   every enabled output, the metrics file and the files in EXTRA
   (NULL-terminated, may be NULL), each logged.  Returns how many, or -1
   with EB set when an output's directory cannot be cleaned (it is
   missing, or not one udmail may write into: the publish would fail
   the same way). */
long sync_cleanup(const struct conf *c, const char *const *extra,
    struct report *rep, struct errbuf *eb) __attribute__((warn_unused_result));
/* sync_run for the programs: unless O->dry_run, under the lock (kept in
   *LOCK_R for the caller's metrics and state files; release it with
   sync_unlock) and after sync_cleanup; their failures are
   SYNC_ERR_PUBLISH with EB set. */
enum sync_status sync_run_locked(const struct conf *c,
    const struct sync_opts *o, const char *const *extra,
    struct sync_result *res, int *lock_r, struct errbuf *eb)
    __attribute__((warn_unused_result));

/* Prometheus textfile metrics, written atomically to c->metrics_file
   (no-op when unset).  LAST_SUCCESS is the time of the last good run, 0
   for "not in this process": then the previous file's value is kept, and
   after a failed run so are its entry, rejected and warning counts (a
   failed run did not see everything). */
int sync_write_metrics(const struct conf *c, const struct sync_result *res,
    enum sync_status st, time_t last_success, struct errbuf *eb)
    __attribute__((warn_unused_result));
const char *sync_status_name(enum sync_status st);
/* The sysexits(3) code a program exits with for ST. */
int sync_status_exit(enum sync_status st);

#endif
