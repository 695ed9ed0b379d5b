/*
 * sync_int.h: the state of a sync run, shared by the parts of lib/sync's
 * sync module: sync.c (load, resolve, guard, publish), sync_workers.c
 * (the threads that scan and build the tables), sync_state.c (the state
 * directory, lock and cleanup) and sync_metrics.c.  Not for other modules.
 */
#ifndef UDMAIL_SYNC_INT_H
#define UDMAIL_SYNC_INT_H

#include <pthread.h>
#include <stddef.h>

#include "account.h"
#include "digest.h"
#include "errbuf.h"
#include "model.h"
#include "outputs.h"
#include "report.h"
#include "spill.h"
#include "src_hiera.h"
#include "sync.h"
#include "table.h"

/* Each enabled output is one task.  While LDAP is fetched, worker
   threads scan the published tables (a digest and count of their
   entries, in constant memory).  Password hashes are parked, as LDAP
   pages arrive, in a nameless scratch file beside the passwd-file (lib/
   spill), so they are never all held in memory.  Once the model is
   resolved each output is generated straight into the comparison and,
   if it differs, into a temp table beside the target; only when every
   table is ready and the shrink guard has passed are they renamed into
   place, so a failure publishes nothing.  No output depends on the
   order LDAP returns entries in (the passwd-file is in login order). */
#define SYNC_THREADS_MAX 4

enum { SCAN_QUEUED, SCAN_RUNNING, SCAN_DONE };

struct sync_task {
	int active;
	int scan;                  /* SCAN_*: the published table */
	int scan_rc;
	struct table_state old;
	struct errbuf scan_eb;
	int queued, claimed;       /* building, after resolve */
	struct digest new;         /* what was generated */
	int same;
	int digested;              /* NEW holds every entry, not a count */
	int rc;
	struct table_writer *tw;
	struct errbuf eb;
};

struct sync_state {
	const struct conf *c;
	int dry_run;
	struct hiera_data hd;
	struct account_list accounts; /* one page at a time */
	size_t ldap_entries;
	size_t ldap_rejected;         /* entries src_ldap refused */
	size_t have_forward, have_password, have_user_password;
	struct spill *spill;          /* password hashes, by handle */
	struct model_pwstore pwstore;
	struct model *model;
	int store_failed;             /* the scratch file, not LDAP */
	pthread_t th[SYNC_THREADS_MAX];
	int nth;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int closing;                  /* workers leave when idle */
	struct sync_task t[OUTPUT_COUNT];
	struct sync_cache *cache;
	struct report *report; /* the caller's (sync_opts) */
};

/* Start the worker threads (sync_workers.c), which scan the published
   tables at once and build the outputs once tasks are queued. */
void workers_start(struct sync_state *ss);
/* Let the workers finish what is queued, then join them. */
void workers_finish(struct sync_state *ss);

#endif
