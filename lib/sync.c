/*
 * sync: fetch -> model -> render -> guard -> publish.  The one rule that
 * matters: a fault in any source (broken YAML, LDAP down mid-search, an
 * empty LDAP answer, a table about to shrink by more than the guard
 * allows) publishes nothing, so the last good tables keep serving mail.
 */
#include <errno.h>
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
#include "log.h"
#include "src_hiera.h"
#include "src_ldap.h"
#include "sync.h"
#include "table.h"

struct sync_state {
	struct hiera_data hd;
	struct account_list accounts; /* one page at a time */
	size_t ldap_entries;
	struct model *model;
};

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

const char *
sync_status_name(enum sync_status st)
{
	switch (st) {
	case SYNC_OK:
		return "ok";
	case SYNC_ERR_CONFIG:
		return "config";
	case SYNC_ERR_INPUT:
		return "input";
	case SYNC_ERR_LDAP:
		return "ldap";
	case SYNC_ERR_GUARD:
		return "guard";
	case SYNC_ERR_PUBLISH:
		return "publish";
	case SYNC_ERR_NOMEM:
		return "nomem";
	}
	return "unknown";
}

int
sync_status_exit(enum sync_status st)
{
	switch (st) {
	case SYNC_OK:
		return EX_OK;
	case SYNC_ERR_CONFIG:
		return EX_CONFIG;
	case SYNC_ERR_INPUT:
	case SYNC_ERR_GUARD:
		return EX_DATAERR;
	case SYNC_ERR_LDAP:
		return EX_UNAVAILABLE;
	case SYNC_ERR_PUBLISH:
		return EX_CANTCREAT;
	case SYNC_ERR_NOMEM:
		return EX_OSERR;
	}
	return EX_SOFTWARE;
}

/* The primary domain: the configuration's, or the Hiera export's; when
   both are set they must agree. */
static const char *
pick_domain(const struct conf *c, const struct hiera_data *hd,
    struct errbuf *eb)
{
	if (c->domain != NULL && hd->domain != NULL &&
	    strcasecmp(c->domain, hd->domain) != 0) {
		errbuf_set(eb, "%s:%u: domain '%s' differs from '%s' in %s",
		    hd->domain_origin.file, hd->domain_origin.line, hd->domain,
		    c->domain, c->path != NULL ? c->path : "the configuration");
		return NULL;
	}
	if (c->domain != NULL)
		return c->domain;
	if (hd->domain != NULL)
		return hd->domain;
	errbuf_set(eb, "no primary domain: set 'domain' in %s or in a Hiera "
	    "export", c->path != NULL ? c->path : "the configuration");
	return NULL;
}

/* One page of accounts into the model, then freed (wiping the hashes):
   the strings live once, in the model's arena. */
static int
add_page(struct account_list *l, void *arg, struct errbuf *eb)
{
	struct sync_state *ss = arg;
	int r;

	ss->ldap_entries += l->n;
	r = model_add_accounts(ss->model, l, eb);
	account_list_free(l);
	return r;
}

static enum sync_status
fetch_ldap(const struct conf *c, const struct sync_opts *o,
    struct sync_state *ss, struct sync_result *res, struct errbuf *eb)
{
	struct ldap *ld;
	int r;

	if ((ld = src_ldap_connect(&c->ldap, eb)) == NULL)
		return SYNC_ERR_LDAP;
	r = src_ldap_fetch_pages(ld, &c->ldap, o->now, c->retired_grace_days,
	    &ss->accounts, add_page, ss, eb);
	src_ldap_close(&ld);
	if (r == -1)
		return eb->errnum == ENOMEM ? SYNC_ERR_NOMEM : SYNC_ERR_LDAP;
	res->ldap_entries = ss->ldap_entries;
	if (ss->ldap_entries == 0 && !o->force) {
		/* An empty answer is a fault (wrong base, ACL change), not a
		   fact: publishing it would disable every account. */
		errbuf_set(eb, "ldap search %s returned no accounts; refusing "
		    "to publish (use --force if that is really intended)",
		    c->ldap.base);
		return SYNC_ERR_GUARD;
	}
	return SYNC_OK;
}

enum sync_status
sync_load(const struct conf *c, const struct sync_opts *o,
    struct sync_state **ss_r, struct sync_result *res, struct errbuf *eb)
{
	struct model_opts mo;
	struct sync_state *ss;
	struct timespec t0;
	enum sync_status st;
	size_t i;

	*ss_r = NULL;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((ss = calloc(1, sizeof(*ss))) == NULL) {
		errbuf_syserr(eb, "sync");
		return SYNC_ERR_NOMEM;
	}
	for (i = 0; i < c->hiera_count; i++) {
		if (src_hiera_load(&ss->hd, c->hiera_files[i], eb) == -1) {
			st = SYNC_ERR_INPUT;
			goto fail;
		}
	}
	memset(&mo, 0, sizeof(mo));
	if ((mo.domain = pick_domain(c, &ss->hd, eb)) == NULL) {
		st = SYNC_ERR_CONFIG;
		goto fail;
	}
	mo.nexthop = c->transport_nexthop;
	mo.sender_login_alias_domains = c->sender_login_alias_domains;
	mo.have_ldap = c->ldap.enabled && !o->hiera_only;
	mo.presume_accounts = o->hiera_only;
	if ((ss->model = model_new(&mo, eb)) == NULL) {
		st = SYNC_ERR_CONFIG;
		goto fail;
	}
	/* LDAP first: on a conflict the account wins over Hiera. */
	if (c->ldap.enabled && !o->hiera_only &&
	    (st = fetch_ldap(c, o, ss, res, eb)) != SYNC_OK)
		goto fail;
	res->fetch_seconds = elapsed(&t0);
	log_debug("fetched in %.3f s", res->fetch_seconds);
	if (model_add_hiera(ss->model, &ss->hd, eb) == -1 ||
	    model_resolve(ss->model, eb) == -1) {
		st = SYNC_ERR_NOMEM;
		goto fail;
	}
	log_debug("model built at %.3f s", elapsed(&t0));
	res->stats = *model_stats(ss->model);
	*ss_r = ss;
	return SYNC_OK;
fail:
	sync_state_free(&ss);
	return st;
}

struct model *
sync_model(struct sync_state *ss)
{
	return ss->model;
}

/* Would publishing NEW entries drop more than the allowed share? */
static int
guard_trips(long long old, size_t new, double share)
{
	if (old <= 0 || (long long)new >= old)
		return 0;
	return (double)(old - (long long)new) > share * (double)old + 1e-9;
}

/* Each output is compared with its published table and, if it differs,
   built as a temp table beside it, by worker threads as soon as the main
   thread has rendered it (the LDAP server is idle by now, and rendering
   stays on one thread: the model's arena is not thread-safe).  Only when
   every table is ready and the shrink guard has passed are they renamed
   into place, so a failure publishes nothing. */
#define SYNC_THREADS_MAX 4

struct sync_task {
	int active, ready, claimed;
	int cmp_rc;
	long long old_count;
	int same;
	int rc; /* prepare */
	struct table_writer *tw;
	struct errbuf cmp_eb, eb;
};

struct sync_jobs {
	const struct conf *c;
	struct kvlist *lists; /* each freed once its table is prepared */
	int dry_run;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int rendered_all;
	struct sync_task t[OUTPUT_COUNT];
};

static void
sync_do_task(struct sync_jobs *j, int k)
{
	struct sync_task *t = &j->t[k];
	const struct conf_output *o = &j->c->out[k];

	t->cmp_rc = table_compare(o, (enum output_kind)k, &j->lists[k],
	    &t->old_count, &t->same, &t->cmp_eb);
	if (!j->dry_run && !(t->cmp_rc == 0 && t->same))
		t->rc = table_prepare(o, (enum output_kind)k, &j->lists[k],
		    t->cmp_rc == 0 && t->old_count > 0, &t->tw, &t->eb);
	/* Peak memory: a million-entry list need not wait for the others. */
	kvlist_free(&j->lists[k]);
}

static void *
sync_worker(void *arg)
{
	struct sync_jobs *j = arg;
	int k;

	(void)pthread_mutex_lock(&j->mu);
	for (;;) {
		for (k = 0; k < OUTPUT_COUNT; k++)
			if (j->t[k].active && j->t[k].ready && !j->t[k].claimed)
				break;
		if (k < OUTPUT_COUNT) {
			j->t[k].claimed = 1;
			(void)pthread_mutex_unlock(&j->mu);
			sync_do_task(j, k);
			(void)pthread_mutex_lock(&j->mu);
			continue;
		}
		if (j->rendered_all)
			break;
		(void)pthread_cond_wait(&j->cv, &j->mu);
	}
	(void)pthread_mutex_unlock(&j->mu);
	return NULL;
}

static void
sync_ready(struct sync_jobs *j, int k, int all)
{
	(void)pthread_mutex_lock(&j->mu);
	if (k >= 0)
		j->t[k].ready = 1;
	j->rendered_all |= all;
	(void)pthread_cond_broadcast(&j->cv);
	(void)pthread_mutex_unlock(&j->mu);
}

/* Largest tables first, so the longest writes start earliest. */
static const enum output_kind render_order[OUTPUT_COUNT] = {
	OUTPUT_SENDER_LOGIN, OUTPUT_VIRTUAL, OUTPUT_FORWARD, OUTPUT_PASSWD,
	OUTPUT_TRANSPORT, OUTPUT_ALIAS_DOMAINS
};

enum sync_status
sync_publish(const struct conf *c, struct sync_state *ss,
    const struct sync_opts *o, struct sync_result *res, struct errbuf *eb)
{
	struct kvlist lists[OUTPUT_COUNT];
	pthread_t th[SYNC_THREADS_MAX];
	struct sync_output_result *r;
	enum sync_status st = SYNC_OK;
	struct sync_jobs j;
	struct sync_task *t;
	struct timespec t0;
	const char *name;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int k, i, nth = 0, refused = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(lists, 0, sizeof(lists));
	memset(&j, 0, sizeof(j));
	j.c = c;
	j.lists = lists;
	j.dry_run = o->dry_run;
	(void)pthread_mutex_init(&j.mu, NULL);
	(void)pthread_cond_init(&j.cv, NULL);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		memset(&res->out[k], 0, sizeof(res->out[k]));
		res->out[k].enabled = j.t[k].active = c->out[k].enabled;
	}
	/* A thread that cannot be started is no failure: the main thread
	   works through whatever is left after rendering. */
	for (i = 1; i < (ncpu < 1 ? 1 : ncpu) && i <= SYNC_THREADS_MAX; i++)
		if (pthread_create(&th[nth], NULL, sync_worker, &j) == 0)
			nth++;
	for (i = 0; i < OUTPUT_COUNT; i++) {
		k = render_order[i];
		if (!j.t[k].active)
			continue;
		if (model_render(ss->model, (enum output_kind)k, &lists[k],
		    eb) == -1) {
			st = SYNC_ERR_CONFIG;
			break;
		}
		res->out[k].new_count = lists[k].n;
		sync_ready(&j, k, 0);
	}
	log_debug("rendered at %.3f s", elapsed(&t0));
	sync_ready(&j, -1, 1);
	(void)sync_worker(&j);
	for (i = 0; i < nth; i++)
		(void)pthread_join(th[i], NULL);
	log_debug("compared and prepared at %.3f s", elapsed(&t0));
	if (st != SYNC_OK)
		goto out;
	for (k = 0; k < OUTPUT_COUNT; k++) {
		r = &res->out[k];
		t = &j.t[k];
		name = conf_output_name((enum output_kind)k);
		if (!t->active)
			continue;
		if (t->cmp_rc == -1) {
			r->old_count = -1;
			/* An unreadable old table is replaced, not guarded:
			   say so, it may be a corrupt file. */
			log_warnx("%s: %s", name, t->cmp_eb.msg);
		} else {
			r->old_count = t->old_count;
			if (guard_trips(r->old_count, r->new_count,
			    c->shrink_max)) {
				r->refused = !o->force;
				log_warnx("%s: would shrink from %lld to %zu "
				    "entries (more than %.0f%%)%s", name,
				    r->old_count, r->new_count,
				    c->shrink_max * 100,
				    o->force ? "; forced" : "");
				refused |= r->refused;
			}
		}
		if (t->rc == -1 && st == SYNC_OK) {
			*eb = t->eb;
			errbuf_prefix(eb, "%s", name);
			st = SYNC_ERR_PUBLISH;
		}
	}
	if (st == SYNC_OK && refused) {
		errbuf_set(eb, "shrink guard: refusing to publish; the "
		    "previous tables stay in place (use --force to override)");
		st = SYNC_ERR_GUARD;
	}
	if (st != SYNC_OK || o->dry_run)
		goto out;
	for (k = 0; k < OUTPUT_COUNT; k++) {
		t = &j.t[k];
		name = conf_output_name((enum output_kind)k);
		if (t->tw != NULL && table_publish(&t->tw,
		    &res->out[k].changed, &t->eb) == -1) {
			log_warnx("%s: %s; previous file kept", name,
			    t->eb.msg);
			if (st == SYNC_OK) {
				*eb = t->eb;
				errbuf_prefix(eb, "%s", name);
				st = SYNC_ERR_PUBLISH;
			}
			continue;
		}
		if (t->active)
			log_info("%s: %zu entries, %s", name,
			    res->out[k].new_count, res->out[k].changed ?
			    "published" : "unchanged");
	}
	log_debug("published at %.3f s", elapsed(&t0));
out:
	for (k = 0; k < OUTPUT_COUNT; k++) {
		table_discard(&j.t[k].tw);
		kvlist_free(&lists[k]);
	}
	(void)pthread_cond_destroy(&j.cv);
	(void)pthread_mutex_destroy(&j.mu);
	return st;
}

void
sync_state_free(struct sync_state **ssp)
{
	struct sync_state *ss;

	if (ssp == NULL || (ss = *ssp) == NULL)
		return;
	model_free(&ss->model);
	account_list_free(&ss->accounts);
	src_hiera_free(&ss->hd);
	free(ss);
	*ssp = NULL;
}

enum sync_status
sync_run(const struct conf *c, const struct sync_opts *o,
    struct sync_result *res, struct errbuf *eb)
{
	struct sync_state *ss;
	struct sync_opts oo = *o;
	struct timespec t0;
	enum sync_status st;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (oo.now == 0)
		oo.now = time(NULL);
	memset(res, 0, sizeof(*res));
	if ((st = sync_load(c, &oo, &ss, res, eb)) == SYNC_OK)
		st = sync_publish(c, ss, &oo, res, eb);
	sync_state_free(&ss);
	res->total_seconds = elapsed(&t0);
	return st;
}

/* From the previous metrics file: the last success time, and (for a
   failed run, which rendered nothing) the entry counts still published. */
static void
metrics_previous(const char *path, time_t *last_success, struct buf *entries)
{
	static const char ts[] = "udmail_sync_last_success_timestamp_seconds ";
	static const char oe[] = "udmail_output_entries{";
	char line[512];
	long long v;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ts, sizeof(ts) - 1) == 0 &&
		    *last_success == 0 &&
		    sscanf(line + sizeof(ts) - 1, "%lld", &v) == 1)
			*last_success = (time_t)v;
		else if (entries != NULL &&
		    strncmp(line, oe, sizeof(oe) - 1) == 0 &&
		    strchr(line, '\n') != NULL && buf_puts(entries, line) == -1)
			break;
	}
	(void)fclose(f);
}

int
sync_write_metrics(const struct conf *c, const struct sync_result *res,
    enum sync_status st, time_t last_success, struct errbuf *eb)
{
	struct buf b = BUF_INIT, prev = BUF_INIT;
	struct atomicfile *af;
	int k, rc = -1;

	if (c->metrics_file == NULL)
		return 0;
	metrics_previous(c->metrics_file, &last_success,
	    st == SYNC_OK ? NULL : &prev);
	if (buf_printf(&b, "# HELP udmail_sync_success 1 if the last sync "
	    "published (or found nothing to change)\n"
	    "# TYPE udmail_sync_success gauge\n"
	    "udmail_sync_success %d\n"
	    "# HELP udmail_sync_last_success_timestamp_seconds Time of the "
	    "last good sync\n"
	    "# TYPE udmail_sync_last_success_timestamp_seconds gauge\n"
	    "udmail_sync_last_success_timestamp_seconds %lld\n"
	    "# HELP udmail_sync_duration_seconds Duration of the last sync\n"
	    "# TYPE udmail_sync_duration_seconds gauge\n"
	    "udmail_sync_duration_seconds %.6f\n"
	    "# TYPE udmail_sync_failure_info gauge\n"
	    "udmail_sync_failure_info{reason=\"%s\"} %d\n"
	    "# HELP udmail_records_rejected Records dropped in the last sync\n"
	    "# TYPE udmail_records_rejected gauge\n"
	    "udmail_records_rejected{reason=\"syntax\"} %zu\n"
	    "udmail_records_rejected{reason=\"conflict\"} %zu\n"
	    "udmail_records_rejected{reason=\"loop\"} %zu\n"
	    "udmail_records_rejected{reason=\"dangling\"} %zu\n"
	    "# HELP udmail_output_entries Entries in each output\n"
	    "# TYPE udmail_output_entries gauge\n",
	    st == SYNC_OK, (long long)last_success, res->total_seconds,
	    sync_status_name(st), st != SYNC_OK, res->stats.rejected,
	    res->stats.conflicts, res->stats.loops,
	    res->stats.dangling) == -1)
		goto nomem;
	if (st != SYNC_OK && buf_puts(&b, buf_cstr(&prev)) == -1)
		goto nomem;
	for (k = 0; k < OUTPUT_COUNT && st == SYNC_OK; k++) {
		if (!res->out[k].enabled)
			continue;
		if (buf_printf(&b, "udmail_output_entries{output=\"%s\"} %zu\n",
		    conf_output_name((enum output_kind)k),
		    res->out[k].new_count) == -1)
			goto nomem;
	}
	if ((af = atomicfile_open(c->metrics_file, 0644, ATOMICFILE_KEEP_GID,
	    eb)) == NULL)
		goto out;
	if (atomicfile_write(af, b.data, b.len, eb) == -1) {
		atomicfile_abort(&af);
		goto out;
	}
	rc = atomicfile_commit(&af, 0, NULL, eb);
	goto out;
nomem:
	errbuf_syserr(eb, "metrics");
out:
	buf_free(&b);
	buf_free(&prev);
	return rc;
}
