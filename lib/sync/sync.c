/*
 * sync: fetch -> model -> generate and compare -> guard -> publish.  The
 * one rule that matters: a fault in any source (broken YAML, LDAP down
 * mid-search, an empty LDAP answer, a table about to shrink by more than
 * the guard allows) publishes nothing, so the last good tables keep
 * serving mail.
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

struct sync_cache {
	int valid[OUTPUT_COUNT];
	struct table_state ts[OUTPUT_COUNT];
	struct timespec ctime[OUTPUT_COUNT]; /* a chmod or chown moves it */
};

struct sync_cache *
sync_cache_new(void)
{
	return calloc(1, sizeof(struct sync_cache));
}

void
sync_cache_free(struct sync_cache **cp)
{
	if (cp == NULL)
		return;
	free(*cp);
	*cp = NULL;
}

/* Output K's published file, if it is still what the cache describes:
   then its state is taken from there instead of being read again. */
static int
cache_use(const struct conf *c, const struct sync_cache *sc, int k,
    struct table_state *ts)
{
	struct stat st;
	char *file;
	int r;

	if (sc == NULL || !sc->valid[k] || !sc->ts[k].exists ||
	    !table_scan_current(&c->out[k], (enum output_kind)k, &sc->ts[k]) ||
	    (file = conf_output_file(&c->out[k], (enum output_kind)k)) == NULL)
		return 0;
	r = lstat(file, &st);
	free(file);
	if (r == -1 || st.st_ctim.tv_sec != sc->ctime[k].tv_sec ||
	    st.st_ctim.tv_nsec != sc->ctime[k].tv_nsec)
		return 0;
	*ts = sc->ts[k];
	return 1;
}

/* After a good run: remember output K's file as TS says it is now (the
   publish lock is still held: nobody else has replaced it). */
static void
cache_put(const struct conf *c, struct sync_cache *sc, int k,
    const struct table_state *ts)
{
	struct stat st;
	char *file;
	int r;

	sc->valid[k] = 0;
	if ((file = conf_output_file(&c->out[k], (enum output_kind)k)) == NULL)
		return;
	r = lstat(file, &st);
	free(file);
	if (r == -1 || !S_ISREG(st.st_mode))
		return;
	sc->ts[k] = *ts;
	sc->ts[k].exists = 1;
	sc->ts[k].dev = st.st_dev;
	sc->ts[k].ino = st.st_ino;
	sc->ts[k].size = st.st_size;
	sc->ts[k].mtime = st.st_mtim;
	sc->ctime[k] = st.st_ctim;
	sc->valid[k] = 1;
}

/* What this run leaves published, for the next. */
static void
cache_update(const struct conf *c, struct sync_state *ss,
    const struct sync_result *res, enum sync_status st)
{
	struct table_state ts;
	struct sync_task *t;
	int k;

	for (k = 0; k < OUTPUT_COUNT; k++) {
		t = &ss->t[k];
		ss->cache->valid[k] = 0;
		if (st != SYNC_OK || !t->active)
			continue;
		if (t->same) {
			/* Unchanged: still the file read (or cached). */
			if (table_scan_current(&c->out[k], (enum output_kind)k,
			    &t->old))
				cache_put(c, ss->cache, k, &t->old);
		} else if (res->out[k].changed && t->digested) {
			memset(&ts, 0, sizeof(ts));
			ts.perm_ok = 1;
			ts.digest = t->new;
			cache_put(c, ss->cache, k, &ts);
		}
	}
}

/* Resident set size in MiB, for the -vv stage lines (Linux; 0 elsewhere). */
static double
rss_mib(void)
{
	unsigned long size, resident = 0;
	FILE *f;

	if ((f = fopen("/proc/self/statm", "re")) == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	(void)fclose(f);
	return (double)resident * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static double
elapsed(double t0)
{
	return monotime_now() - t0;
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

enum sync_status
sync_domain(const struct conf *c, char **domain_r, struct report *rep,
    struct errbuf *eb)
{
	struct hiera_data hd;
	enum sync_status st = SYNC_ERR_CONFIG;
	const char *d;
	size_t i;

	*domain_r = NULL;
	memset(&hd, 0, sizeof(hd));
	for (i = 0; c->domain == NULL && i < c->hiera_count; i++) {
		if (src_hiera_load(&hd, c->hiera_files[i], rep, eb) == -1) {
			st = SYNC_ERR_INPUT;
			goto done;
		}
	}
	if ((d = pick_domain(c, &hd, eb)) == NULL)
		goto done;
	if ((*domain_r = strdup(d)) == NULL) {
		errbuf_syserr(eb, "domain");
		st = SYNC_ERR_NOMEM;
		goto done;
	}
	st = SYNC_OK;
done:
	src_hiera_free(&hd);
	return st;
}

/* The model's password store: the scratch file. */
static int
pw_put(void *arg, const char *hash, uint64_t *ref_r, struct errbuf *eb)
{
	struct sync_state *ss = arg;

	if (spill_put(ss->spill, hash, ref_r, eb) == -1) {
		ss->store_failed = 1;
		return -1;
	}
	return 0;
}

static int
pw_get(void *arg, uint64_t ref, char *buf, size_t bufsz, struct errbuf *eb)
{
	const struct sync_state *ss = arg;

	return spill_get(ss->spill, ref, buf, bufsz, eb);
}

/* One page of accounts into the model, then freed (wiping the hashes):
   the strings live once, in the model's arena or the scratch file. */
static int
add_page(struct account_list *l, void *arg, struct errbuf *eb)
{
	struct sync_state *ss = arg;
	int r;

	ss->ldap_entries += l->n;
	ss->ldap_rejected += l->rejected;
	ss->have_forward += l->have_forward;
	ss->have_password += l->have_password;
	ss->have_user_password += l->have_user_password;
	r = model_add_accounts(ss->model, l, eb);
	account_list_free(l);
	return r;
}

/* An attribute the enabled outputs need from LDAP, and who needs it. */
struct needed_attr {
	const char *name;
	size_t have;
	const enum output_kind *by;
	size_t nby;
};

/* Refuse an answer in which not one entry carries an attribute some
   enabled output needs: slapd answers a bind its ACLs keep from reading
   an attribute with every entry, but without it (an anonymous bind, a
   reader whose access was cut), and publishing that would empty passwd
   or sender_login (every account locked without userPassword) or the
   routing tables.  That is an LDAP fault, not a fact; --force does not
   override it. */
static enum sync_status
check_readable(const struct conf *c, const struct sync_state *ss,
    struct errbuf *eb)
{
	static const enum output_kind fwd[] = { OUTPUT_VIRTUAL,
		OUTPUT_TRANSPORT, OUTPUT_FORWARD, OUTPUT_RELAY_RECIPIENTS };
	static const enum output_kind pw[] = { OUTPUT_PASSWD };
	static const enum output_kind upw[] = { OUTPUT_SENDER_LOGIN,
		OUTPUT_PASSWD };
	const struct conf_ldap *cl = &c->ldap;
	const struct needed_attr na[] = {
		{ cl->attr_forward != NULL ? cl->attr_forward :
		    "emailForward", ss->have_forward, fwd, 4 },
		{ cl->attr_password != NULL ? cl->attr_password :
		    "mailPassword", ss->have_password, pw, 1 },
		{ cl->attr_user_password != NULL ? cl->attr_user_password :
		    "userPassword", ss->have_user_password, upw, 2 },
	};
	const size_t nna = sizeof(na) / sizeof(na[0]);
	int missing[sizeof(na) / sizeof(na[0])] = { 0 };
	int used[OUTPUT_COUNT] = { 0 };
	char attrs[256] = "", outs[256] = "", who[512];
	size_t i, j, nmiss = 0, k = 0, len;

	for (i = 0; i < nna; i++) {
		if (na[i].have > 0)
			continue;
		for (j = 0; j < na[i].nby; j++) {
			if (!c->out[na[i].by[j]].enabled)
				continue;
			used[na[i].by[j]] = 1;
			missing[i] = 1;
		}
		nmiss += missing[i];
	}
	if (nmiss == 0)
		return SYNC_OK;
	for (i = 0; i < nna; i++) {
		if (!missing[i])
			continue;
		len = strlen(attrs);
		(void)snprintf(attrs + len, sizeof(attrs) - len, "%s%s",
		    k == 0 ? "" : k + 1 == nmiss ? " or " : ", ", na[i].name);
		k++;
	}
	for (j = k = 0; j < OUTPUT_COUNT; j++) {
		if (!used[j])
			continue;
		len = strlen(outs);
		(void)snprintf(outs + len, sizeof(outs) - len, "%s%s",
		    k++ == 0 ? "" : ", ",
		    conf_output_name((enum output_kind)j));
	}
	if (cl->auth == CONF_LDAP_AUTH_SIMPLE && cl->bind_dn != NULL)
		(void)snprintf(who, sizeof(who), "the bind as %s", cl->bind_dn);
	else
		(void)snprintf(who, sizeof(who), "%s",
		    cl->auth == CONF_LDAP_AUTH_SASL_EXTERNAL ?
		    "the SASL EXTERNAL bind" : "an anonymous bind");
	errbuf_set(eb, "ldap search %s: none of the %zu accounts carries %s "
	    "(needed by %s): %s probably may not read %s (check the "
	    "server's access rules, ACL); refusing to publish", cl->base,
	    ss->ldap_entries + ss->ldap_rejected, attrs, outs, who,
	    nmiss > 1 ? "them" : "it");
	return SYNC_ERR_LDAP;
}

static enum sync_status
fetch_ldap(const struct conf *c, const struct sync_opts *o,
    struct sync_state *ss, struct sync_result *res, struct errbuf *eb)
{
	struct ldap *ld;
	int r;

	if (o->ldap_set != NULL) {
		/* What the content synchronization keeps current: no fetch. */
		r = ldapset_walk(o->ldap_set, &ss->accounts, add_page, ss,
		    ss->report, eb);
	} else {
		if ((ld = src_ldap_connect(&c->ldap, ss->report, eb)) == NULL)
			return SYNC_ERR_LDAP;
		r = src_ldap_fetch_pages(ld, &c->ldap, o->now,
		    c->retired_grace_days, &ss->accounts, add_page, ss,
		    ss->report, eb);
		src_ldap_close(&ld);
	}
	if (r == -1) {
		if (ss->store_failed) {
			errbuf_prefix(eb, "passwd");
			return SYNC_ERR_PUBLISH;
		}
		return eb->errnum == ENOMEM ? SYNC_ERR_NOMEM : SYNC_ERR_LDAP;
	}
	res->ldap_entries = ss->ldap_entries;
	if (ss->ldap_entries == 0 && !o->force) {
		/* An empty answer is a fault (wrong base, ACL change), not a
		   fact: publishing it would disable every account. */
		errbuf_set(eb, "ldap search %s returned no accounts; refusing "
		    "to publish (use --force if that is really intended)",
		    c->ldap.base);
		return SYNC_ERR_GUARD;
	}
	if (ss->ldap_entries + ss->ldap_rejected > 0)
		return check_readable(c, ss, eb);
	return SYNC_OK;
}

/* The scratch file for the password hashes, in the passwd-file's own
   directory: a hash is never written anywhere its published copy would
   not be. */
static enum sync_status
open_store(const struct conf *c, struct sync_state *ss, struct errbuf *eb)
{
	const char *path = c->out[OUTPUT_PASSWD].path, *slash;
	char *dir;

	if (path == NULL || (slash = strrchr(path, '/')) == NULL) {
		errbuf_set(eb, "passwd: no absolute path configured");
		return SYNC_ERR_CONFIG;
	}
	if ((dir = strndup(path, slash == path ? 1 :
	    (size_t)(slash - path))) == NULL) {
		errbuf_syserr(eb, "passwd");
		return SYNC_ERR_NOMEM;
	}
	ss->spill = spill_open(dir, eb);
	free(dir);
	if (ss->spill == NULL) {
		errbuf_prefix(eb, "passwd");
		return SYNC_ERR_PUBLISH;
	}
	ss->pwstore.put = pw_put;
	ss->pwstore.get = pw_get;
	ss->pwstore.arg = ss;
	return SYNC_OK;
}

/* A run's state, each output's scan queued or, when the cache still
   holds the table, done.  Returns NULL when out of memory. */
static struct sync_state *
state_new(const struct conf *c, const struct sync_opts *o)
{
	struct sync_state *ss;
	int k, publishing = !o->load_only;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return NULL;
	ss->c = c;
	ss->report = o->report;
	ss->dry_run = o->dry_run;
	(void)pthread_mutex_init(&ss->mu, NULL);
	(void)pthread_cond_init(&ss->cv, NULL);
	ss->cache = o->dry_run ? NULL : o->cache;
	for (k = 0; k < OUTPUT_COUNT; k++) {
		ss->t[k].active = publishing && c->out[k].enabled;
		ss->t[k].scan = SCAN_QUEUED;
		if (ss->t[k].active && cache_use(c, ss->cache, k,
		    &ss->t[k].old)) {
			ss->t[k].scan = SCAN_DONE;
			ss->t[k].scan_rc = 0;
		}
	}
	return ss;
}

/* The model's options from the configuration and the run's (all but
   the domain and the password store). */
static void
set_model_opts(struct model_opts *mo, const struct conf *c,
    const struct sync_opts *o, const struct sync_state *ss)
{
	memset(mo, 0, sizeof(*mo));
	mo->nexthop = c->transport_nexthop;
	mo->sender_login_alias_domains = c->sender_login_alias_domains;
	mo->have_ldap = c->ldap.enabled && !o->hiera_only;
	mo->presume_accounts = o->hiera_only;
	mo->ldap_base = c->ldap.base;
	mo->max_cost = &c->policy.max_cost;
	mo->report = ss->report;
}

enum sync_status
sync_load(const struct conf *c, const struct sync_opts *o,
    struct sync_state **ss_r, struct sync_result *res, struct errbuf *eb)
{
	struct model_opts mo;
	struct sync_state *ss;
	double t0;
	enum sync_status st;
	size_t i;

	*ss_r = NULL;
	t0 = monotime_now();
	if ((ss = state_new(c, o)) == NULL) {
		errbuf_syserr(eb, "sync");
		return SYNC_ERR_NOMEM;
	}
	if (!o->load_only)
		workers_start(ss);
	for (i = 0; i < c->hiera_count; i++) {
		if (src_hiera_load(&ss->hd, c->hiera_files[i], ss->report,
			eb) == -1) {
			st = SYNC_ERR_INPUT;
			goto fail;
		}
	}
	set_model_opts(&mo, c, o, ss);
	if ((mo.domain = pick_domain(c, &ss->hd, eb)) == NULL) {
		st = SYNC_ERR_CONFIG;
		goto fail;
	}
	/* mailmap diff keeps the hashes in memory; a build parks them
	   beside the passwd-file; nobody else needs them. */
	if (!o->keep_passwords && ss->t[OUTPUT_PASSWD].active) {
		if ((st = open_store(c, ss, eb)) != SYNC_OK)
			goto fail;
		mo.pwstore = &ss->pwstore;
	} else if (!o->keep_passwords)
		mo.drop_passwords = 1;
	if ((ss->model = model_new(&mo, eb)) == NULL) {
		st = SYNC_ERR_CONFIG;
		goto fail;
	}
	/* LDAP first: on a conflict the account wins over Hiera. */
	if (c->ldap.enabled && !o->hiera_only &&
	    (st = fetch_ldap(c, o, ss, res, eb)) != SYNC_OK)
		goto fail;
	res->fetch_seconds = elapsed(t0);
	report_debug(ss->report, "fetched in %.3f s, %.0f MiB resident",
	    res->fetch_seconds, rss_mib());
	if (model_add_hiera(ss->model, &ss->hd, eb) == -1 ||
	    model_resolve(ss->model, eb) == -1) {
		st = SYNC_ERR_NOMEM;
		goto fail;
	}
	report_debug(ss->report, "model built at %.3f s, %.0f MiB resident",
	    elapsed(t0), rss_mib());
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

/* Output K would drop more than the allowed share of its published
   entries.  Set aside the removals LDAP explains (accounts it reports
   locked, expired or retired: those must go at once, whatever their
   number) and decide again.  Returns 1 when the build is refused. */
static int
guard_check(const struct conf *c, struct sync_state *ss, int k,
    const struct sync_opts *o, struct sync_output_result *r)
{
	const char *name = conf_output_name((enum output_kind)k);
	struct errbuf geb;
	size_t explained = 0;
	long long lost;

	if (guard_explained(ss->model, &c->out[k], (enum output_kind)k,
	    &explained, &geb) == -1) {
		report_warnx(ss->report,
		    "%s: %s; every removal counts as unexplained", name,
		    geb.msg);
		explained = 0;
	}
	if (!guard_trips(r->old_count, r->new_count, explained,
	    c->shrink_max, &lost)) {
		report_info(ss->report,
		    "%s: %zu removal%s explained by LDAP (locked, expired "
		    "or retired), %lld to %zu entries: not held back by the "
		    "shrink guard",
		    name, explained, explained == 1 ? "" : "s", r->old_count,
		    r->new_count);
		return 0;
	}
	r->refused = !o->force;
	if (explained > 0)
		report_warnx(ss->report,
		    "%s: would shrink from %lld to %zu entries: %zu "
		    "explained by LDAP (locked, expired or retired), %lld not "
		    "(more than %.0f%%)%s",
		    name, r->old_count, r->new_count, explained, lost,
		    c->shrink_max * 100, o->force ? "; forced" : "");
	else
		report_warnx(ss->report,
		    "%s: would shrink from %lld to %zu entries: %lld not "
		    "explained by LDAP (more than %.0f%%)%s",
		    name, r->old_count, r->new_count, lost, c->shrink_max * 100,
		    o->force ? "; forced" : "");
	return r->refused;
}

enum sync_status
sync_publish(const struct conf *c, struct sync_state *ss,
    const struct sync_opts *o, struct sync_result *res, struct errbuf *eb)
{
	struct sync_output_result *r;
	enum sync_status st = SYNC_OK;
	struct sync_task *t;
	double t0;
	const char *name;
	int k, refused = 0;

	t0 = monotime_now();
	(void)pthread_mutex_lock(&ss->mu);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		memset(&res->out[k], 0, sizeof(res->out[k]));
		res->out[k].enabled = c->out[k].enabled;
		ss->t[k].queued = 1;
	}
	(void)pthread_cond_broadcast(&ss->cv);
	(void)pthread_mutex_unlock(&ss->mu);
	workers_finish(ss);
	report_debug(ss->report,
	    "compared and prepared at %.3f s, %.0f MiB resident", elapsed(t0),
	    rss_mib());
	for (k = 0; k < OUTPUT_COUNT; k++) {
		r = &res->out[k];
		t = &ss->t[k];
		name = conf_output_name((enum output_kind)k);
		if (!t->active)
			continue;
		r->new_count = (size_t)t->new.count;
		if (t->scan_rc == -1) {
			r->old_count = -1;
			/* An unreadable old table is replaced, not guarded:
			   say so, it may be a corrupt file. */
			report_warnx(ss->report, "%s: %s", name,
			    t->scan_eb.msg);
		} else {
			r->old_count = t->old.exists ? t->old.digest.count : 0;
			if (guard_trips(r->old_count, r->new_count, 0,
			    c->shrink_max, NULL))
				refused |= guard_check(c, ss, k, o, r);
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
		t = &ss->t[k];
		name = conf_output_name((enum output_kind)k);
		if (t->tw != NULL && table_publish(&t->tw,
		    &res->out[k].changed, &t->eb) == -1) {
			report_warnx(ss->report, "%s: %s; previous file kept",
			    name, t->eb.msg);
			if (st == SYNC_OK) {
				*eb = t->eb;
				errbuf_prefix(eb, "%s", name);
				st = SYNC_ERR_PUBLISH;
			}
			continue;
		}
		if (t->active)
			report_info(ss->report, "%s: %zu entries, %s", name,
			    res->out[k].new_count,
			    res->out[k].changed ? "published" : "unchanged");
	}
	report_debug(ss->report, "published at %.3f s", elapsed(t0));
out:
	if (ss->cache != NULL)
		cache_update(c, ss, res, st);
	for (k = 0; k < OUTPUT_COUNT; k++)
		table_discard(&ss->t[k].tw);
	return st;
}

void
sync_state_free(struct sync_state **ssp)
{
	struct sync_state *ss;
	int k;

	if (ssp == NULL || (ss = *ssp) == NULL)
		return;
	/* Leaving early: drop whatever has not started. */
	(void)pthread_mutex_lock(&ss->mu);
	for (k = 0; k < OUTPUT_COUNT; k++)
		if (ss->t[k].scan == SCAN_QUEUED)
			ss->t[k].scan = SCAN_DONE;
	(void)pthread_mutex_unlock(&ss->mu);
	workers_finish(ss);
	for (k = 0; k < OUTPUT_COUNT; k++)
		table_discard(&ss->t[k].tw);
	model_free(&ss->model);
	spill_close(&ss->spill);
	account_list_free(&ss->accounts);
	src_hiera_free(&ss->hd);
	(void)pthread_cond_destroy(&ss->cv);
	(void)pthread_mutex_destroy(&ss->mu);
	free(ss);
	*ssp = NULL;
}

enum sync_status
sync_run(const struct conf *c, const struct sync_opts *o,
    struct sync_result *res, struct errbuf *eb)
{
	unsigned long w0 = report_nwarnings(o->report);
	struct sync_state *ss;
	struct sync_opts oo = *o;
	double t0;
	enum sync_status st;

	t0 = monotime_now();
	if (oo.now == 0)
		oo.now = time(NULL);
	memset(res, 0, sizeof(*res));
	if ((st = sync_load(c, &oo, &ss, res, eb)) == SYNC_OK)
		st = sync_publish(c, ss, &oo, res, eb);
	sync_state_free(&ss);
	res->warnings = (size_t)(report_nwarnings(o->report) - w0);
	res->total_seconds = elapsed(t0);
	return st;
}
