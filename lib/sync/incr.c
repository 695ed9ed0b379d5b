/*
 * incr: a change to a few LDAP entries applied in place.  Each changed
 * entry is built alone, before and after, into a model of its own with
 * the same options and alias domains as the full build (so the entries
 * come from the same emitters), and the difference goes to the tables:
 * lmdb maps in one write transaction, the passwd-file spliced.  That is
 * exact only for an account whose entries depend on nothing but itself;
 * the invariant: every case where another definition could see the
 * account, or the account another, goes to a full build.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "array.h"
#include "buf.h"
#include "guard.h"
#include "incr.h"
#include "src_hiera.h"
#include "strset.h"
#include "table.h"

/* More changed entries than this in one go: a full build (each costs a
   pass over the held entries to check its uid). */
#define INCR_MAX_ENTRIES 64

struct incr_file {
	int valid;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct incr {
	char *domain;
	char **adoms;
	size_t nadoms;
	struct strset *pinned;     /* local parts others involve */
	struct sync_result last;   /* what the tables hold now */
	struct incr_file file[OUTPUT_COUNT];
	int broken;
};

/* One output's edits; OLDER ones (an entry as it was) lose to newer. */
struct iedit {
	struct map_edit e;
	int newer;
};

struct ibatch {
	struct iedit *ed[OUTPUT_COUNT];
	size_t ned[OUTPUT_COUNT], caped[OUTPUT_COUNT];
	struct kvlist *kv;         /* the rows the edits point into */
	size_t nkv, capkv;
	char *uids[INCR_MAX_ENTRIES]; /* lower case */
	int cur_has[INCR_MAX_ENTRIES];
	size_t nuids;
	struct model_stats plus, minus;
	size_t ldap[2][5];         /* old, cur: entries, rejected, have_* */
};

static void
file_note(const struct conf *c, struct incr *ic, int k)
{
	struct stat st;
	char *file;
	struct incr_file *f = &ic->file[k];

	f->valid = 0;
	if (!c->out[k].enabled ||
	    (file = conf_output_file(&c->out[k], (enum output_kind)k)) == NULL)
		return;
	if (lstat(file, &st) == 0 && S_ISREG(st.st_mode)) {
		f->valid = 1;
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		f->size = st.st_size;
		f->mtime = st.st_mtim;
	}
	free(file);
}

/* Is output K's file still the one we left? */
static int
file_same(const struct conf *c, const struct incr *ic, int k)
{
	const struct incr_file *f = &ic->file[k];
	struct stat st;
	char *file;
	int r;

	if (!f->valid ||
	    (file = conf_output_file(&c->out[k], (enum output_kind)k)) == NULL)
		return 0;
	r = lstat(file, &st);
	free(file);
	return r == 0 && S_ISREG(st.st_mode) && st.st_dev == f->dev &&
	    st.st_ino == f->ino && st.st_size == f->size &&
	    st.st_mtim.tv_sec == f->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == f->mtime.tv_nsec;
}

static int
pin_add(void *arg, const char *key, const char *value)
{
	(void)value;
	return strset_add(arg, key, strlen(key), 0, NULL) == -1 ? 1 : 0;
}

struct incr *
incr_new(const struct conf *c, const struct model *m,
    const struct sync_result *res, struct errbuf *eb)
{
	const char *const *ad;
	struct incr *ic;
	size_t i, n;
	int k;

	if ((ic = calloc(1, sizeof(*ic))) == NULL ||
	    (ic->domain = strdup(model_domain(m))) == NULL ||
	    (ic->pinned = strset_new()) == NULL)
		goto nomem;
	ad = model_alias_domains(m, &n);
	if ((ic->adoms = calloc(n + 1, sizeof(*ic->adoms))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if ((ic->adoms[ic->nadoms++] = strdup(ad[i])) == NULL)
			goto nomem;
	if (model_pinned(m, pin_add, ic->pinned) != 0)
		goto nomem;
	ic->last = *res;
	for (k = 0; k < OUTPUT_COUNT; k++)
		file_note(c, ic, k);
	return ic;
nomem:
	errbuf_syserr(eb, "incremental state");
	incr_free(&ic);
	return NULL;
}

void
incr_free(struct incr **icp)
{
	struct incr *ic;
	size_t i;

	if (icp == NULL || (ic = *icp) == NULL)
		return;
	for (i = 0; i < ic->nadoms; i++)
		free(ic->adoms[i]);
	free(ic->adoms);
	free(ic->domain);
	strset_free(&ic->pinned, 0);
	free(ic);
	*icp = NULL;
}

/* The warnings an entry gives, one after the other. */
struct iwarn {
	struct buf b;
	int lost;
};

static void
warn_collect(void *arg, enum log_level level, const char *msg)
{
	struct iwarn *w = arg;

	if (level != LOG_LEVEL_WARN)
		return;
	if (buf_append(&w->b, msg, strlen(msg)) == -1 ||
	    buf_append(&w->b, "\n", 1) == -1)
		w->lost = 1;
}

/* The model of the one entry L (or none) with the full build's options:
   resolved, or NULL with EB set. */
static struct model *
mini_model(const struct incr *ic, const struct conf *c,
    const struct account_list *l, struct report *rep, struct errbuf *eb)
{
	struct origin *orig = NULL;
	struct hiera_data hd;
	struct model_opts mo;
	struct model *m;

	memset(&mo, 0, sizeof(mo));
	mo.domain = ic->domain;
	mo.nexthop = c->transport_nexthop;
	mo.sender_login_alias_domains = c->sender_login_alias_domains;
	mo.have_ldap = 1;
	mo.ldap_base = c->ldap.base;
	mo.max_cost = &c->policy.max_cost;
	mo.report = rep;
	mo.drop_passwords = !c->out[OUTPUT_PASSWD].enabled;
	if ((m = model_new(&mo, eb)) == NULL)
		return NULL;
	memset(&hd, 0, sizeof(hd));
	if ((orig = calloc(ic->nadoms + 1, sizeof(*orig))) == NULL) {
		errbuf_syserr(eb, "model");
		goto fail;
	}
	hd.alias_domains = ic->adoms;
	hd.alias_domain_origins = orig;
	hd.nalias_domains = ic->nadoms;
	if (model_add_accounts(m, l, eb) == -1 ||
	    model_add_hiera(m, &hd, eb) == -1 || model_resolve(m, eb) == -1)
		goto fail;
	free(orig);
	return m;
fail:
	free(orig);
	model_free(&m);
	return NULL;
}

static void
stats_add(struct model_stats *to, const struct model_stats *s)
{
	to->accounts += s->accounts;
	to->retired += s->retired;
	to->addresses += s->addresses;
	to->rejected += s->rejected;
	to->conflicts += s->conflicts;
	to->loops += s->loops;
	to->dangling += s->dangling;
}

static int
edit_push(struct ibatch *b, int k, const char *key, const char *value,
    int newer)
{
	struct iedit *e;

	if (array_grow((void **)&b->ed[k], &b->caped[k], b->ned[k],
	    sizeof(*b->ed[k])) == -1)
		return -1;
	e = &b->ed[k][b->ned[k]++];
	e->e.key = key;
	e->e.value = value;
	e->newer = newer;
	return 0;
}

/* The rows of every output but the alias domains' (never an account's
   doing) as edits: removals for the entry as it was, puts as it is. */
static int
mini_rows(struct ibatch *b, const struct conf *c, const struct model *m,
    int newer, struct errbuf *eb)
{
	struct kvlist *kv;
	size_t i;
	int k;

	for (k = 0; k < OUTPUT_COUNT; k++) {
		if (!c->out[k].enabled || k == OUTPUT_ALIAS_DOMAINS)
			continue;
		if (array_grow((void **)&b->kv, &b->capkv, b->nkv,
		    sizeof(*b->kv)) == -1) {
			errbuf_syserr(eb, "incremental build");
			return -1;
		}
		kv = &b->kv[b->nkv];
		if (model_render(m, (enum output_kind)k, kv, eb) == -1)
			return -1;
		b->nkv++;
		for (i = 0; i < kv->n; i++)
			if (edit_push(b, k, kv->v[i].key, kv->v[i].value,
			    newer) == -1) {
				errbuf_syserr(eb, "incremental build");
				return -1;
			}
	}
	return 0;
}

static void
ldap_count(size_t *v, const struct account_list *l)
{
	v[0] += l->n;
	v[1] += l->rejected;
	v[2] += l->have_forward;
	v[3] += l->have_password;
	v[4] += l->have_user_password;
}

/* The uid an entry claims (lower case, in OUT), or "" for none. */
static void
entry_uid(const struct account_list *l, char *out, size_t outsz)
{
	out[0] = '\0';
	if (l->n == 1 && l->v[0].uid != NULL) {
		(void)snprintf(out, outsz, "%s", l->v[0].uid);
		addr_lower(out);
	}
}

/* The uid of a changed entry, as it was (UID[0]) and is (UID[1]; "" for
   none): one that keeps its name, is named nowhere else and is not
   changed twice in the batch is noted in B.  1 noted, 0 needs a full
   build (*WHY_R), -1 out of memory. */
static int
claim_uid(struct incr *ic, struct ibatch *b, char uid[2][ADDR_LOCAL_MAX + 2],
    const char **why_r, struct errbuf *eb)
{
	size_t j;
	int s;

	if (uid[0][0] != '\0' && uid[1][0] != '\0' &&
	    strcmp(uid[0], uid[1]) != 0) {
		*why_r = "an account was renamed";
		return 0;
	}
	s = uid[1][0] != '\0';
	if (uid[s][0] == '\0')
		return 1;
	if (strset_find(ic->pinned, uid[s], strlen(uid[s]), NULL)) {
		*why_r = "a changed account's address is named elsewhere "
		    "(Hiera, a forward, a second entry)";
		return 0;
	}
	for (j = 0; j < b->nuids; j++)
		if (strcmp(b->uids[j], uid[s]) == 0) {
			*why_r = "two changed entries give one uid";
			return 0;
		}
	if ((b->uids[b->nuids] = strdup(uid[s])) == NULL) {
		errbuf_syserr(eb, "incremental build");
		return -1;
	}
	b->cur_has[b->nuids++] = uid[1][0] != '\0';
	return 1;
}

/* Entry I of the journal into B: 1 folded in, 0 needs a full build. */
static int
fold_entry(struct incr *ic, const struct conf *c, const struct ldapset *set,
    size_t i, struct ibatch *b, const char **why_r, struct errbuf *eb)
{
	struct account_list l[2];
	struct iwarn w[2];
	struct report rep[2];
	struct model *m[2] = { NULL, NULL };
	char uid[2][ADDR_LOCAL_MAX + 2];
	const struct model_stats *st;
	int s, ret = -1;

	memset(l, 0, sizeof(l));
	memset(rep, 0, sizeof(rep));
	memset(w, 0, sizeof(w));
	for (s = 0; s < 2; s++) {
		rep[s].fn = warn_collect;
		rep[s].arg = &w[s];
	}
	if (ldapset_journal_entry(set, i, &l[0], &l[1], &rep[0], &rep[1],
	    eb) == -1)
		goto out;
	ret = 0;
	for (s = 0; s < 2; s++)
		entry_uid(&l[s], uid[s], sizeof(uid[s]));
	if (l[0].n > 1 || l[1].n > 1) {
		*why_r = "an entry gave more than one account";
		goto out;
	}
	if ((ret = claim_uid(ic, b, uid, why_r, eb)) != 1)
		goto out;
	ret = 0;
	for (s = 0; s < 2; s++) {
		if ((m[s] = mini_model(ic, c, &l[s], &rep[s], eb)) == NULL) {
			ret = -1;
			goto out;
		}
		st = model_stats(m[s]);
		if (st->conflicts || st->loops || st->dangling) {
			*why_r = "a changed account forwards to a local address";
			goto out;
		}
	}
	if (w[0].lost || w[1].lost || w[0].b.len != w[1].b.len ||
	    (w[0].b.len > 0 && memcmp(w[0].b.data, w[1].b.data,
	    w[0].b.len) != 0)) {
		*why_r = "the warnings of a changed entry changed";
		goto out;
	}
	for (s = 0; s < 2; s++) {
		if (mini_rows(b, c, m[s], s, eb) == -1) {
			ret = -1;
			goto out;
		}
		stats_add(s ? &b->plus : &b->minus, model_stats(m[s]));
		ldap_count(b->ldap[s], &l[s]);
	}
	ret = 1;
out:
	for (s = 0; s < 2; s++) {
		model_free(&m[s]);
		account_list_free(&l[s]);
		buf_free(&w[s].b);
	}
	return ret;
}

static int
iedit_cmp(const void *a, const void *b)
{
	const struct iedit *x = a, *y = b;
	int r;

	if ((r = strcmp(x->e.key, y->e.key)) != 0)
		return r;
	return x->newer - y->newer;
}

/* Sort output K's edits by key, each key's older row first, and keep
   one edit for each key whose row changed: the row as it is, or a
   removal; *EXPECT_R: entries that should be added less those removed,
   for the shrink guard. */
static void
edits_settle(struct ibatch *b, int k, long long *expect_r)
{
	struct iedit *e = b->ed[k];
	size_t i, j, o = 0, n = b->ned[k];
	const char *was, *is;

	*expect_r = 0;
	if (n > 1)
		qsort(e, n, sizeof(*e), iedit_cmp);
	for (i = 0; i < n; i = j) {
		was = is = NULL;
		for (j = i; j < n && strcmp(e[j].e.key, e[i].e.key) == 0; j++) {
			if (e[j].newer)
				is = e[j].e.value;
			else
				was = e[j].e.value;
		}
		if (was != NULL && is != NULL && strcmp(was, is) == 0)
			continue;
		*expect_r += (is != NULL) - (was != NULL);
		e[o] = e[i];
		e[o++].e.value = is;
	}
	b->ned[k] = o;
}

static void
batch_free(struct ibatch *b)
{
	size_t i;
	int k;

	for (k = 0; k < OUTPUT_COUNT; k++)
		free(b->ed[k]);
	for (i = 0; i < b->nkv; i++)
		kvlist_free(&b->kv[i]);
	free(b->kv);
	for (i = 0; i < b->nuids; i++)
		free(b->uids[i]);
}

/* Can the batch go in where the tables lie?  0 with *WHY_R when not. */
static int
batch_check(struct incr *ic, const struct conf *c, const struct ldapset *set,
    struct ibatch *b, long long *expect, const char **why_r)
{
	size_t counts[INCR_MAX_ENTRIES], i, v[5] = { 0 };
	long long count;
	int k;

	ldapset_uid_count(set, (const char *const *)b->uids, b->nuids, counts);
	for (i = 0; i < b->nuids; i++)
		if (counts[i] > (size_t)b->cur_has[i]) {
			*why_r = "a changed account's uid is another entry's too";
			return 0;
		}
	v[0] = ic->last.ldap_entries + b->ldap[1][0] - b->ldap[0][0];
	v[2] = ic->last.have_forward + b->ldap[1][2] - b->ldap[0][2];
	v[3] = ic->last.have_password + b->ldap[1][3] - b->ldap[0][3];
	v[4] = ic->last.have_user_password + b->ldap[1][4] - b->ldap[0][4];
	/* The checks of a full build (sync.c fetch_ldap, check_readable)
	   would look again at an empty answer or an attribute nobody
	   carries any more. */
	if (v[0] == 0 || v[2] == 0 || v[3] == 0 || v[4] == 0) {
		*why_r = "an attribute is now carried by no entry";
		return 0;
	}
	for (k = 0; k < OUTPUT_COUNT; k++) {
		edits_settle(b, k, &expect[k]);
		if (b->ned[k] == 0)
			continue;
		if (k != OUTPUT_PASSWD &&
		    c->out[k].format != MAP_FORMAT_LMDB) {
			*why_r = "a table to change is not lmdb (rewritten "
			    "whole)";
			return 0;
		}
		if (!file_same(c, ic, k)) {
			*why_r = "a table is not the file the last build left";
			return 0;
		}
		count = ic->last.out[k].new_count;
		if (expect[k] < 0 && guard_trips(count, (size_t)(count +
		    expect[k]), 0, c->shrink_max, NULL)) {
			*why_r = "the shrink guard needs a full build";
			return 0;
		}
	}
	return 1;
}

/* Every edit to its table; RES as sync_run fills it. */
static int
batch_publish(struct incr *ic, const struct conf *c, struct ibatch *b,
    struct sync_result *res, struct errbuf *eb)
{
	struct sync_output_result *r;
	struct map_edit *me;
	long long delta;
	size_t i;
	int k, changed, rc;

	for (k = 0; k < OUTPUT_COUNT; k++) {
		r = &res->out[k];
		r->old_count = (long long)r->new_count;
		r->changed = 0;
		r->refused = 0;
		if (b->ned[k] == 0)
			continue;
		if ((me = reallocarray(NULL, b->ned[k], sizeof(*me))) == NULL) {
			errbuf_syserr(eb, "incremental build");
			return -1;
		}
		for (i = 0; i < b->ned[k]; i++)
			me[i] = b->ed[k][i].e;
		rc = table_patch(&c->out[k], (enum output_kind)k, me,
		    b->ned[k], &delta, &changed, eb);
		free(me);
		if (rc == -1) {
			errbuf_prefix(eb, "%s",
			    conf_output_name((enum output_kind)k));
			return -1;
		}
		r->new_count = (size_t)((long long)r->new_count + delta);
		r->changed = changed;
		file_note(c, ic, k);
	}
	return 0;
}

int
incr_apply(struct incr *ic, const struct conf *c, const struct ldapset *set,
    struct sync_result *res, const char **why_r, struct errbuf *eb)
{
	struct ibatch b;
	long long expect[OUTPUT_COUNT];
	size_t i, n;
	int r = 0;

	*why_r = NULL;
	if (ic->broken) {
		*why_r = "the last update in place failed";
		return 0;
	}
	if (!ldapset_journal_whole(set)) {
		*why_r = "the changes were not all recorded (a refresh, or "
		    "too many)";
		return 0;
	}
	if ((n = ldapset_journal_count(set)) > INCR_MAX_ENTRIES) {
		*why_r = "too many entries changed at once";
		return 0;
	}
	memset(&b, 0, sizeof(b));
	for (i = 0; i < n; i++)
		if ((r = fold_entry(ic, c, set, i, &b, why_r, eb)) != 1)
			goto out;
	if ((r = batch_check(ic, c, set, &b, expect, why_r)) != 1)
		goto out;
	*res = ic->last;
	res->fetch_seconds = res->total_seconds = 0;
	if (batch_publish(ic, c, &b, res, eb) == -1) {
		ic->broken = 1;
		r = -1;
		goto out;
	}
	res->ldap_entries += b.ldap[1][0] - b.ldap[0][0];
	res->ldap_rejected += b.ldap[1][1] - b.ldap[0][1];
	res->have_forward += b.ldap[1][2] - b.ldap[0][2];
	res->have_password += b.ldap[1][3] - b.ldap[0][3];
	res->have_user_password += b.ldap[1][4] - b.ldap[0][4];
	stats_add(&res->stats, &b.plus);
	res->stats.accounts -= b.minus.accounts;
	res->stats.retired -= b.minus.retired;
	res->stats.addresses -= b.minus.addresses;
	res->stats.rejected -= b.minus.rejected;
	ic->last = *res;
	r = 1;
out:
	batch_free(&b);
	return r;
}
