/*
 * sync_workers: the worker threads of a run: each scans its published
 * table (digest and count, in constant memory) while LDAP is fetched,
 * then generates its output into the comparison and, when it differs,
 * into a temp table beside the target.
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

#include "sync_int.h"

static void
scan_task(struct sync_state *ss, int k)
{
	struct sync_task *t = &ss->t[k];

	t->scan_rc = table_scan(&ss->c->out[k], (enum output_kind)k, &t->old,
	    &t->scan_eb);
}

/* Make sure task K's published table has been scanned (by this thread
   if nobody has started).  Called with the lock held. */
static void
scan_wait(struct sync_state *ss, int k)
{
	struct sync_task *t = &ss->t[k];

	if (t->scan == SCAN_QUEUED) {
		t->scan = SCAN_RUNNING;
		(void)pthread_mutex_unlock(&ss->mu);
		scan_task(ss, k);
		(void)pthread_mutex_lock(&ss->mu);
		t->scan = SCAN_DONE;
		(void)pthread_cond_broadcast(&ss->cv);
	}
	while (t->scan != SCAN_DONE)
		(void)pthread_cond_wait(&ss->cv, &ss->mu);
}

struct emit_ctx {
	long long n;
	struct table_writer *tw;
	struct errbuf *eb;
};

static int
emit_digest(void *arg, const char *key, const char *value)
{
	digest_add(arg, key, value);
	return 0;
}

static int
emit_put(void *arg, const char *key, const char *value)
{
	struct emit_ctx *e = arg;

	e->n++;
	return table_writer_put(e->tw, key, value, e->eb) == -1 ? 1 : 0;
}

/* Generate output K into a temp table: the digest pass decided it
   differs from the published one, or there is none. */
static int
build_map(struct sync_state *ss, int k)
{
	struct sync_task *t = &ss->t[k];
	struct emit_ctx e = { 0, NULL, &t->eb };

	if (table_writer_open(&ss->c->out[k], (enum output_kind)k, &t->tw,
	    &t->eb) == -1)
		return -1;
	e.tw = t->tw;
	if (model_emit(ss->model, (enum output_kind)k, emit_put, &e,
	    &t->eb) != 0 || table_writer_finish(t->tw, &t->eb) == -1) {
		table_discard(&t->tw);
		return -1;
	}
	t->new.count = e.n;
	return 0;
}

/* After the model is resolved: compare output K with its published
   table and, unless identical or a dry run, build the replacement. */
static void
build_task(struct sync_state *ss, int k)
{
	struct sync_task *t = &ss->t[k];
	const struct conf_output *o = &ss->c->out[k];
	int known = t->scan_rc == 0 && t->old.exists;

	if (known && !table_scan_current(o, (enum output_kind)k, &t->old)) {
		/* Replaced since the scan (another mailmap build?): again. */
		scan_task(ss, k);
		known = t->scan_rc == 0 && t->old.exists;
	}
	if (known || ss->dry_run) {
		memset(&t->new, 0, sizeof(t->new));
		if (model_emit(ss->model, (enum output_kind)k, emit_digest,
		    &t->new, &t->eb) != 0) {
			t->rc = -1;
			return;
		}
		t->digested = 1;
	}
	t->same = known && t->old.perm_ok &&
	    digest_equal(&t->old.digest, &t->new);
	if (!t->same && !ss->dry_run)
		t->rc = build_map(ss, k);
}

/* Scans first (they are queued from the start), then builds; leave when
   nothing is left and the state is closing. */
static void *
sync_worker(void *arg)
{
	struct sync_state *ss = arg;
	struct sync_task *t;
	int i, k;

	(void)pthread_mutex_lock(&ss->mu);
	for (;;) {
		for (k = 0; k < OUTPUT_COUNT; k++)
			if (ss->t[k].active && ss->t[k].scan == SCAN_QUEUED)
				break;
		if (k < OUTPUT_COUNT) {
			ss->t[k].scan = SCAN_RUNNING;
			(void)pthread_mutex_unlock(&ss->mu);
			scan_task(ss, k);
			(void)pthread_mutex_lock(&ss->mu);
			ss->t[k].scan = SCAN_DONE;
			(void)pthread_cond_broadcast(&ss->cv);
			continue;
		}
		for (i = 0; i < OUTPUT_COUNT; i++) {
			t = &ss->t[output_by_rank(i)];
			if (t->active && t->queued && !t->claimed)
				break;
		}
		if (i < OUTPUT_COUNT) {
			k = output_by_rank(i);
			ss->t[k].claimed = 1;
			scan_wait(ss, k);
			(void)pthread_mutex_unlock(&ss->mu);
			build_task(ss, k);
			(void)pthread_mutex_lock(&ss->mu);
			continue;
		}
		if (ss->closing)
			break;
		(void)pthread_cond_wait(&ss->cv, &ss->mu);
	}
	(void)pthread_mutex_unlock(&ss->mu);
	return NULL;
}

/* Start the worker threads; a thread that cannot be started is no
   failure (the main thread works through what is left). */
void
workers_start(struct sync_state *ss)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	for (i = 1; i < (ncpu < 1 ? 1 : ncpu) && i <= SYNC_THREADS_MAX; i++)
		if (pthread_create(&ss->th[ss->nth], NULL, sync_worker,
		    ss) == 0)
			ss->nth++;
}

/* Work along until every queued task is done, then join the threads. */
void
workers_finish(struct sync_state *ss)
{
	int i;

	(void)pthread_mutex_lock(&ss->mu);
	ss->closing = 1;
	(void)pthread_cond_broadcast(&ss->cv);
	(void)pthread_mutex_unlock(&ss->mu);
	(void)sync_worker(ss);
	for (i = 0; i < ss->nth; i++)
		(void)pthread_join(ss->th[i], NULL);
	ss->nth = 0;
}
