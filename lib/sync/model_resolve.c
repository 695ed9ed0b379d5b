/*
 * model_resolve: resolving the model once every source is in: targets
 * linked to nodes, aliases expanded (loops and dangling targets found),
 * logins ordered and checked, password hashes matched to their accounts.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "addr.h"
#include "array.h"
#include "buf.h"
#include "hash.h"
#include "report.h"
#include "model_int.h"
#include "pwfile.h"
#include "pwhash.h"

#define ARENA_FIRST   4096      /* a small model stays small */
#define ARENA_BLOCK   (1024 * 1024)
#define MODEL_DEPTH_MAX 100     /* alias chain; Postfix stops at 1000 */
#define ITEM_MAX      4096      /* one item of a target list, as read */

int
gone_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Is ADDR a retired account's?  After resolve has sorted the list. */
int
gone_find(const struct model *m, const char *addr)
{
	return m->ngone > 0 && bsearch(&addr, m->gone, m->ngone,
	    sizeof(*m->gone), gone_cmp) != NULL;
}

static int
is_local_domain(const struct model *m, const char *domain)
{
	size_t i;

	if (strcmp(domain, m->domain) == 0)
		return 1;
	for (i = 0; i < m->nadomains; i++)
		if (strcmp(domain, m->adomains[i]) == 0)
			return 1;
	return 0;
}

/* Link each target to its node: exact address first, then (for alias
   domains) the same local part in the primary domain, as Postfix's
   "@alias-domain -> @primary" entry would. */
static void
link_targets(struct model *m)
{
	char alt[ADDR_MAX + 1], lower[ADDR_MAX + 1], ob[512];
	const char *at;
	size_t i, j;
	long idx;
	int gone;

	for (i = 0; i < m->nnodes; i++) {
		struct mnode *n = &m->nodes[i];

		for (j = n->tfirst; j < n->tfirst + n->tcount; j++) {
			struct mtarget *t = &m->targets[j];

			at = strchr(t->addr, '@');
			if (!is_local_domain(m, at + 1)) {
				t->node = -1;
				n->flags |= MN_EXT;
				continue;
			}
			(void)snprintf(lower, sizeof(lower), "%s", t->addr);
			addr_lower(lower);
			idx = node_find(m, lower);
			if (idx == -1 && strcmp(at + 1, m->domain) != 0) {
				(void)snprintf(alt, sizeof(alt), "%.*s@%s",
				    (int)(at - t->addr), lower, m->domain);
				idx = node_find(m, alt);
			}
			if (idx == -1 && m->opts.presume_accounts) {
				t->node = -3;
				n->flags |= MN_PRESUMED;
				continue;
			}
			if (idx == -1) {
				gone = gone_find(m, strcmp(at + 1,
				    m->domain) == 0 ? lower : alt);
				report_warnx(m->opts.report,
				    "%s: %s -> %s: %s (dangling target "
				    "dropped)",
				    node_origin(m, n, ob, sizeof(ob)), n->addr,
				    lower,
				    gone ? "a retired account" :
					   "no such address");
				m->st.dangling++;
				t->node = gone ? -4 : -2;
				continue;
			}
			t->node = (int32_t)idx;
		}
	}
}

/* Depth-first expansion of node I into the terminal nodes it reaches,
   appended to the pool.  All targets are expanded before any is
   gathered, so while gathering no other node uses MARK (which holds
   I + 1 for the nodes already in I's set).  A target that closes a cycle
   is reported and dropped. */
static int
expand(struct model *m, uint32_t *mark, uint32_t i, unsigned depth)
{
	struct mnode *n = &m->nodes[i], *c;
	struct mtarget *t;
	uint32_t j, k, e;
	size_t base;
	char ob[512];
	int lost_retired = 0;

	n->color = 1;
	for (j = n->tfirst; j < n->tfirst + n->tcount; j++) {
		t = &m->targets[j];
		if (t->node < 0)
			continue;
		c = &m->nodes[t->node];
		if (c->color == 1 || depth >= MODEL_DEPTH_MAX) {
			report_warnx(m->opts.report,
			    "%s: %s -> %s: %s (target dropped)",
			    node_origin(m, n, ob, sizeof(ob)), n->addr, c->addr,
			    c->color == 1 ? "alias loop" :
					    "alias chain too deep");
			m->st.loops++;
			t->node = -2;
			continue;
		}
		if (c->color == 0 && expand(m, mark, (uint32_t)t->node,
		    depth + 1) == -1)
			return -1;
	}
	base = m->npool;
	if (n->flags & MN_EXT) {
		if (array_grow((void **)&m->pool, &m->cappool, m->npool,
		    sizeof(*m->pool)) == -1)
			return -1;
		m->pool[m->npool++] = i;
		mark[i] = i + 1;
	}
	for (j = n->tfirst; j < n->tfirst + n->tcount; j++) {
		t = &m->targets[j];
		lost_retired |= t->node == -4;
		if (t->node < 0)
			continue;
		c = &m->nodes[t->node];
		n->flags |= c->flags & MN_PRESUMED;
		if (c->nexpand == 0 && !(c->flags & MN_PRESUMED)) {
			report_warnx(m->opts.report,
			    "%s: %s -> %s: target has no mail destination "
			    "(dangling target dropped)",
			    node_origin(m, n, ob, sizeof(ob)), n->addr,
			    c->addr);
			m->st.dangling++;
			lost_retired |= (c->flags & MN_GONE) != 0;
			t->node = -2;
			continue;
		}
		for (k = 0; k < c->nexpand; k++) {
			e = mnode_expand(m, c, k);
			if (mark[e] == i + 1)
				continue;
			if (array_grow((void **)&m->pool, &m->cappool, m->npool,
			    sizeof(*m->pool)) == -1)
				return -1;
			m->pool[m->npool++] = e;
			mark[e] = i + 1;
		}
	}
	n->nexpand = (uint32_t)(m->npool - base);
	if (n->nexpand == 0 && lost_retired)
		n->flags |= MN_GONE;
	if (n->nexpand == 1 && m->pool[base] == i) {
		/* The usual account: itself, nothing to store. */
		n->flags |= MN_SELF;
		m->npool = base;
	} else
		n->efirst = (uint32_t)base;
	n->color = 2;
	return 0;
}

static int
order_cmp(const void *a, const void *b, void *arg)
{
	const struct model *m = arg;

	return strcmp(m->nodes[*(const uint32_t *)a].addr,
	    m->nodes[*(const uint32_t *)b].addr);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One sort of the nodes by address, so that every output is generated in
   key order and needs no sorting of its own. */
static int
model_sort(struct model *m)
{
	size_t i;

	if ((m->order = reallocarray(NULL, m->nnodes + 1,
	    sizeof(*m->order))) == NULL ||
	    (m->doms = reallocarray(NULL, m->nadomains + 1,
	    sizeof(*m->doms))) == NULL)
		return -1;
	for (i = 0; i < m->nnodes; i++)
		m->order[i] = (uint32_t)i;
	qsort_r(m->order, m->nnodes, sizeof(*m->order), order_cmp, m);
	m->doms[0] = m->domain;
	for (i = 0; i < m->nadomains; i++)
		m->doms[i + 1] = m->adomains[i];
	qsort(m->doms, m->nadomains + 1, sizeof(*m->doms), str_cmp);
	return 0;
}

static int
login_cmp(const void *a, const void *b)
{
	const struct mlogin *x = a, *y = b;
	int r;

	if ((r = strcmp(x->key, y->key)) != 0)
		return r;
	return strcmp(x->login, y->login);
}

static int
login_push(struct model *m, size_t *cap, const char *key, const char *login)
{
	if (array_grow((void **)&m->logins, cap, m->nlogins,
	    sizeof(*m->logins)) == -1)
		return -1;
	m->logins[m->nlogins].key = key;
	m->logins[m->nlogins].login = login;
	m->nlogins++;
	return 0;
}

static int
lgone_add(struct model *m, const char *key)
{
	if (array_grow((void **)&m->lgone, &m->caplgone, m->nlgone,
	    sizeof(*m->lgone)) == -1)
		return -1;
	m->lgone[m->nlgone++] = key; /* in the arena already */
	return 0;
}

/* The Hiera sender logins, checked (with LDAP data at hand, the login
   must be an active account), with their alias-domain variants when the
   option is on, sorted and without repeats: model_emit merges them with
   the accounts' own entries. */
static int
resolve_logins(struct model *m)
{
	char addr[ADDR_MAX + 1], ob[512];
	size_t i, k, llen, dlen, cap = 0, o;
	const char *at;
	long idx;
	char *s;

	for (i = 0; i < m->nlsrc; i++) {
		const struct mlogin_src *l = &m->lsrc[i];

		if (m->opts.have_ldap) {
			(void)snprintf(addr, sizeof(addr), "%s@%s", l->login,
			    m->domain);
			idx = node_find(m, addr);
			if (idx == -1 || m->nodes[idx].kind != MK_ACCOUNT ||
			    m->nodes[idx].state != ACCOUNT_ACTIVE ||
			    (m->nodes[idx].flags & MN_REFUSED)) {
				report_warnx(m->opts.report,
				    "%s: sender_logins of %s: %s is not "
				    "an active account (dropped)",
				    src_origin(l->file, l->line, ob,
					sizeof(ob)),
				    l->key, l->login);
				m->st.dangling++;
				/* Locked, expired or retired: LDAP explains
				   the entry's going (model_emit_explained). */
				if (((idx != -1 && m->nodes[idx].kind ==
				    MK_ACCOUNT && !(m->nodes[idx].flags &
				    MN_REFUSED)) || gone_find(m, addr)) &&
				    lgone_add(m, l->key) == -1)
					return -1;
				continue;
			}
		}
		at = strchr(l->key, '@');
		if (!m->opts.sender_login_alias_domains ||
		    strcmp(at + 1, m->domain) != 0) {
			if (login_push(m, &cap, l->key, l->login) == -1)
				return -1;
			continue;
		}
		llen = (size_t)(at - l->key);
		for (k = 0; k < m->nadomains + 1; k++) {
			if (m->doms[k] == m->domain) {
				if (login_push(m, &cap, l->key, l->login) == -1)
					return -1;
				continue;
			}
			dlen = strlen(m->doms[k]);
			if ((s = arena_alloc(&m->arena, llen + dlen + 2)) == NULL)
				return -1;
			memcpy(s, l->key, llen + 1); /* local part and '@' */
			memcpy(s + llen + 1, m->doms[k], dlen + 1);
			if (login_push(m, &cap, s, l->login) == -1)
				return -1;
		}
	}
	if (m->nlogins > 1)
		qsort(m->logins, m->nlogins, sizeof(*m->logins), login_cmp);
	for (i = o = 0; i < m->nlogins; i++)
		if (o == 0 || login_cmp(&m->logins[o - 1], &m->logins[i]) != 0)
			m->logins[o++] = m->logins[i];
	m->nlogins = o;
	free(m->lsrc);
	m->lsrc = NULL;
	m->nlsrc = m->caplsrc = 0;
	return 0;
}

/* Passwd entries in login order: an account's login is the local part
   of its address, every one in the primary domain. */
static int
pw_cmp(const void *a, const void *b, void *arg)
{
	const struct model *m = arg;
	const char *x = m->nodes[((const struct mpass *)a)->node].addr;
	const char *y = m->nodes[((const struct mpass *)b)->node].addr;

	for (; *x == *y && *x != '@'; x++, y++)
		;
	return (*x == '@' ? 0 : (unsigned char)*x) -
	    (*y == '@' ? 0 : (unsigned char)*y);
}

/* Nothing in here may depend on the order the accounts came in (LDAP's
   answer order): nodes are expanded in address order, so which edge of
   an alias loop is dropped is always the same one, and the passwd
   entries are sorted by login. */
int
model_resolve(struct model *m, struct errbuf *eb)
{
	uint32_t *mark;
	size_t i, j;

	/* A retired entry whose address something else holds (an active
	   entry of the same name, a Hiera alias) explains nothing. */
	for (i = j = 0; i < m->ngone; i++)
		if (node_find(m, m->gone[i]) == -1)
			m->gone[j++] = m->gone[i];
	m->ngone = j;
	if (m->ngone > 1)
		qsort(m->gone, m->ngone, sizeof(*m->gone), gone_cmp);
	link_targets(m);
	if (model_sort(m) == -1 ||
	    (mark = calloc(m->nnodes + 1, sizeof(*mark))) == NULL)
		goto nomem;
	for (i = 0; i < m->nnodes; i++) {
		if (m->nodes[m->order[i]].color == 0 &&
		    expand(m, mark, m->order[i], 0) == -1) {
			free(mark);
			goto nomem;
		}
	}
	free(mark);
	if (resolve_logins(m) == -1)
		goto nomem;
	if (m->npw > 1)
		qsort_r(m->pw, m->npw, sizeof(*m->pw), pw_cmp, m);
	m->resolved = 1;
	return 0;
nomem:
	errbuf_syserr(eb, "model");
	return -1;
}
