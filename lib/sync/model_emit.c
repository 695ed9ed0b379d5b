/*
 * model_emit: the outputs, generated entry by entry from the resolved
 * model straight into the caller (a table writer, a digest): no list of
 * a million entries and no joined strings are ever held.  Keys come out
 * in bytewise order because the nodes were sorted once by address
 * (model_sort) and every other source of keys (alias domains, Hiera
 * sender logins) is a short sorted list merged in on the way.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "addr.h"
#include "buf.h"
#include "model_int.h"
#include "pwfile.h"

struct emit {
	const struct model *m;
	model_emit_fn *fn;
	void *arg;
	struct errbuf *eb;
	int eb_set;             /* EB says why already */
	struct buf v;           /* joined values */
	/* built keys: '@' + domain, or an account's local part in an alias
	   domain (both parts checked, so it fits; the whole may exceed
	   ADDR_MAX, as Postfix's own lookup key would) */
	char key[ADDR_LOCAL_MAX + 1 + ADDR_DOMAIN_MAX + 1];
};

/* Append ", S" (or S first) to E's value. */
static int
join(struct emit *e, const char *s, size_t n)
{
	if (e->v.len > 0 && buf_append(&e->v, ", ", 2) == -1)
		return -1;
	return buf_append(&e->v, s, n);
}

/* The value of alias N's virtual entry: the terminal nodes it expands
   to (an alias is never terminal itself, so never its own target). */
static const char *
virtual_value(struct emit *e, const struct mnode *n)
{
	const struct model *m = e->m;
	const char *a;
	uint32_t k;

	buf_reset(&e->v);
	for (k = 0; k < n->nexpand; k++) {
		a = m->nodes[mnode_expand(m, n, k)].addr;
		if (join(e, a, strlen(a)) == -1)
			return NULL;
	}
	return buf_cstr(&e->v);
}

/* ADDR's local part with DOMAIN, into E's key buffer. */
static const char *
variant_key(struct emit *e, const char *addr, const char *domain)
{
	size_t llen = model_local_len(addr), dlen = strlen(domain);

	if (llen + dlen + 2 > sizeof(e->key))
		return NULL; /* cannot be: both parts were checked */
	memcpy(e->key, addr, llen + 1); /* with the '@' */
	memcpy(e->key + llen + 1, domain, dlen + 1);
	return e->key;
}

/* One virtual entry of a local part's group, before sorting: the key is
   local@DOM; a variant maps it to N's (primary) address, else it is N's
   own address mapped to N's terminals. */
struct ventry {
	const char *dom;
	const struct mnode *n;
	int variant;
};

static int
ventry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ventry *)a)->dom,
	    ((const struct ventry *)b)->dom);
}

/* Do nodes ORDER[I..J) hold an address in DOM with a destination? */
static int
group_defines(const struct model *m, size_t i, size_t j, size_t llen,
    const char *dom)
{
	for (; i < j; i++) {
		const struct mnode *n = &m->nodes[m->order[i]];

		if (n->nexpand > 0 && strcmp(n->addr + llen + 1, dom) == 0)
			return 1;
	}
	return 0;
}

/* The entries of the nodes ORDER[I..J), which share one local part of
   length LLEN, in key order: with every key "local@", the order of the
   domains. */
static int
emit_virtual_group(struct emit *e, size_t i, size_t j, size_t llen,
    struct ventry **g, size_t *cap)
{
	const struct model *m = e->m;
	const char *k, *v, *dom;
	size_t x, d, ng = 0, need;
	struct ventry *ve;
	int r;

	need = (j - i) * (m->nadomains + 1);
	if (need > *cap) {
		if ((ve = reallocarray(*g, need, sizeof(**g))) == NULL)
			return -1;
		*g = ve;
		*cap = need;
	}
	for (x = i; x < j; x++) {
		const struct mnode *n = &m->nodes[m->order[x]];

		if (n->nexpand == 0)
			continue;
		dom = n->addr + llen + 1;
		/* The address itself, unless it leaves as it is. */
		if (!(n->flags & MN_EXT))
			(*g)[ng++] = (struct ventry){ dom, n, 0 };
		/* Alias-domain variants of a primary address, unless the
		   alias-domain address is defined itself. */
		if (strcmp(dom, m->domain) != 0)
			continue;
		for (d = 0; d < m->nadomains + 1; d++)
			if (m->doms[d] != m->domain &&
			    !group_defines(m, i, j, llen, m->doms[d]))
				(*g)[ng++] = (struct ventry){ m->doms[d], n,
				    1 };
	}
	if (ng > 1)
		qsort(*g, ng, sizeof(**g), ventry_cmp);
	for (x = 0; x < ng; x++) {
		ve = &(*g)[x];
		if (ve->variant) {
			k = variant_key(e, ve->n->addr, ve->dom);
			v = ve->n->addr;
		} else {
			k = ve->n->addr;
			v = virtual_value(e, ve->n);
		}
		if (k == NULL || v == NULL)
			return -1;
		if ((r = e->fn(e->arg, k, v)) != 0)
			return r;
	}
	return 0;
}

/* Virtual (MX): the primary domain is a relay domain there, so an
   address that leaves as it is (a terminal: it has external targets and
   goes to the SRS hosts) needs no entry; an alias gets its flattened
   terminals.  Every deliverable address also gets one explicit entry per
   alias domain, local@alias-domain -> local@primary, so that an unknown
   local part in an alias domain is refused at RCPT ("User unknown in
   virtual alias table") rather than accepted by a catch-all and bounced.
   Nodes are in address order, so those of one local part (in any
   domain: a Hiera key may name one) are together; each such group is
   emitted in the order of its keys' domains, which together is key
   order.  An address defined in an alias domain itself wins over the
   variant of the primary one (found by fuzz_model: both were emitted,
   and a foreign domain's key broke the order). */
static int
emit_virtual(struct emit *e)
{
	const struct model *m = e->m;
	struct ventry *g = NULL;
	size_t i, j, llen, cap = 0;
	const char *a;
	int r = 0;

	for (i = 0; i < m->nnodes && r == 0; i = j) {
		a = m->nodes[m->order[i]].addr;
		llen = model_local_len(a);
		for (j = i + 1; j < m->nnodes; j++) {
			const char *b = m->nodes[m->order[j]].addr;

			if (strncmp(a, b, llen + 1) != 0)
				break;
		}
		r = emit_virtual_group(e, i, j, llen, &g, &cap);
	}
	free(g);
	return r;
}

/* Relay recipients (MX relay_recipient_maps): every deliverable address
   of the primary domain.  The value is not used by Postfix. */
static int
emit_relay_recipients(struct emit *e)
{
	const struct model *m = e->m;
	size_t i;
	int r;

	for (i = 0; i < m->nnodes; i++) {
		const struct mnode *n = &m->nodes[m->order[i]];

		if (n->nexpand > 0 && (r = e->fn(e->arg, n->addr, "OK")) != 0)
			return r;
	}
	return 0;
}

/* Forward (SRS) and transport (MX: the SRS next hop) of every terminal
   node.  A forward lists the node's external targets, then the other
   terminal nodes its local targets reach (an alias such as
   "security: alice, team@partner.example"): the SRS host resolves those
   through this same table, so the MX hands over the address unchanged
   and a host playing both roles reads the forward table first. */
static int
emit_terminals(struct emit *e, enum output_kind kind)
{
	const struct model *m = e->m;
	const char *v, *a;
	size_t i, j;
	uint32_t k, x;
	int r;

	for (i = 0; i < m->nnodes; i++) {
		const struct mnode *n = &m->nodes[m->order[i]];

		if (!(n->flags & MN_EXT))
			continue;
		if (kind == OUTPUT_TRANSPORT)
			v = m->opts.nexthop;
		else {
			buf_reset(&e->v);
			for (j = n->tfirst; j < n->tfirst + n->tcount; j++)
				if (m->targets[j].node == -1 &&
				    join(e, m->targets[j].addr,
				    strlen(m->targets[j].addr)) == -1)
					return -1;
			for (k = 0; k < n->nexpand; k++) {
				x = mnode_expand(m, n, k);
				if (&m->nodes[x] == n)
					continue;
				a = m->nodes[x].addr;
				if (join(e, a, strlen(a)) == -1)
					return -1;
			}
			v = buf_cstr(&e->v);
		}
		if ((r = e->fn(e->arg, n->addr, v)) != 0)
			return r;
	}
	return 0;
}

/* One sender_login entry: KEY with the account's own LOGIN (length LLEN,
   or NULL) and the Hiera logins L[0..NL), which are sorted and distinct;
   joined in sorted order without repeats. */
static int
emit_login_group(struct emit *e, const char *key, const char *login,
    size_t llen, const struct mlogin *l, size_t nl)
{
	size_t i;
	int c;

	buf_reset(&e->v);
	for (i = 0; i < nl; i++) {
		if (login != NULL) {
			c = strncmp(login, l[i].login, llen);
			if (c == 0 && l[i].login[llen] == '\0') {
				login = NULL; /* the same login */
			} else if (c < 0 || (c == 0 && l[i].login[llen] >
			    '\0')) {
				if (join(e, login, llen) == -1)
					return -1;
				login = NULL;
			}
		}
		if (join(e, l[i].login, strlen(l[i].login)) == -1)
			return -1;
	}
	if (login != NULL && join(e, login, llen) == -1)
		return -1;
	return e->fn(e->arg, key, buf_cstr(&e->v));
}

/* Emit the Hiera logins *LI.. whose keys sort before KEY (all of them
   for NULL); stop at KEY's own group.  Returns 0, or non-zero to stop. */
static int
emit_logins_before(struct emit *e, size_t *li, const char *key)
{
	const struct model *m = e->m;
	size_t j;
	int r;

	while (*li < m->nlogins && (key == NULL ||
	    strcmp(m->logins[*li].key, key) < 0)) {
		for (j = *li; j < m->nlogins &&
		    strcmp(m->logins[j].key, m->logins[*li].key) == 0; j++)
			;
		if ((r = emit_login_group(e, m->logins[*li].key, NULL, 0,
		    &m->logins[*li], j - *li)) != 0)
			return r;
		*li = j;
	}
	return 0;
}

/* An account's own entry KEY -> its login, merged with the Hiera logins
   for the same key. */
static int
emit_account_login(struct emit *e, size_t *li, const char *key,
    const char *login, size_t llen)
{
	const struct model *m = e->m;
	size_t j;
	int r;

	if ((r = emit_logins_before(e, li, key)) != 0)
		return r;
	for (j = *li; j < m->nlogins && strcmp(m->logins[j].key, key) == 0;
	    j++)
		;
	/* No Hiera logins at all: m->logins is NULL, no pointer into it. */
	r = emit_login_group(e, key, login, llen, j > *li ?
	    &m->logins[*li] : NULL, j - *li);
	*li = j;
	return r;
}

/* Sender login: each active account may send as its address (and, with
   the option, the same local part in every alias domain), plus the Hiera
   logins.  Accounts are in address order and their variants in sorted
   domain order, which together is key order: two accounts' variants
   first differ within the local parts, which are distinct. */
static int
emit_sender_login(struct emit *e)
{
	const struct model *m = e->m;
	size_t i, d, li = 0, llen, ndom;
	int variants = m->opts.sender_login_alias_domains;
	const char *dom;
	int r;

	ndom = variants ? m->nadomains + 1 : 1;
	for (i = 0; i < m->nnodes; i++) {
		const struct mnode *n = &m->nodes[m->order[i]];

		if (n->kind != MK_ACCOUNT || n->state != ACCOUNT_ACTIVE ||
		    (n->flags & MN_REFUSED))
			continue;
		llen = model_local_len(n->addr);
		for (d = 0; d < ndom; d++) {
			dom = variants ? m->doms[d] : m->domain;
			if (dom == m->domain) {
				r = emit_account_login(e, &li, n->addr,
				    n->addr, llen);
			} else {
				if (variant_key(e, n->addr, dom) == NULL)
					return -1;
				r = emit_account_login(e, &li, e->key,
				    n->addr, llen);
			}
			if (r != 0)
				return r;
		}
	}
	return emit_logins_before(e, &li, NULL);
}

static int
emit_alias_domains(struct emit *e)
{
	const struct model *m = e->m;
	size_t d;
	int r;

	for (d = 0; d < m->nadomains + 1; d++)
		if (m->doms[d] != m->domain &&
		    (r = e->fn(e->arg, m->doms[d], m->doms[d])) != 0)
			return r;
	return 0;
}

/* The passwd entries, in login order (model_resolve sorted them), each
   hash fetched from the store into a buffer wiped afterwards. */
static int
emit_passwd(struct emit *e)
{
	const struct model *m = e->m;
	const struct model_pwstore *ps = m->opts.pwstore;
	char login[ADDR_LOCAL_MAX + 1], hash[PWFILE_PASSWORD_MAX + 1];
	const char *h;
	size_t i, llen;
	int r = 0;

	if (m->opts.drop_passwords) {
		errbuf_set(e->eb, "passwd: the hashes were checked and "
		    "dropped, not kept");
		e->eb_set = 1;
		return -1;
	}
	for (i = 0; i < m->npw && r == 0; i++) {
		const struct mnode *n = &m->nodes[m->pw[i].node];

		if (n->flags & MN_REFUSED)
			continue;
		llen = model_local_len(n->addr);
		if (llen >= sizeof(login))
			continue; /* the model never adds one */
		memcpy(login, n->addr, llen);
		login[llen] = '\0';
		h = m->pw[i].h.hash;
		if (ps != NULL) {
			if (ps->get(ps->arg, m->pw[i].h.ref, hash, sizeof(hash),
			    e->eb) == -1) {
				e->eb_set = 1;
				r = -1;
				break;
			}
			h = hash;
		}
		r = e->fn(e->arg, login, h);
	}
	sodium_memzero(hash, sizeof(hash));
	return r;
}

/* KEY, and with VARIANTS the same local part in every alias domain. */
static int
explain_key(struct emit *e, const char *key, int variants)
{
	const struct model *m = e->m;
	const char *k;
	size_t d;
	int r;

	if ((r = e->fn(e->arg, key, "")) != 0 || !variants)
		return r;
	for (d = 0; d < m->nadomains + 1; d++) {
		if (m->doms[d] == m->domain ||
		    strcmp(strchr(key, '@') + 1, m->domain) != 0)
			continue;
		if ((k = variant_key(e, key, m->doms[d])) == NULL)
			return -1;
		if ((r = e->fn(e->arg, k, "")) != 0)
			return r;
	}
	return 0;
}

/* An account's login (its address's local part) as a passwd key. */
static int
explain_login(struct emit *e, const char *addr)
{
	char login[ADDR_LOCAL_MAX + 1];
	size_t llen = model_local_len(addr);

	if (llen >= sizeof(login))
		return 0;
	memcpy(login, addr, llen);
	login[llen] = '\0';
	return e->fn(e->arg, login, "");
}

/* See model.h.  What an inactive account would add if it were active:
   a locked or expired one (a node) only its passwd and sender_login
   entries, as ud-ldap keeps its forwarding; a retired one (no node) its
   entries everywhere, and the aliases that led only to retired accounts
   (MN_GONE) theirs. */
static int
emit_explained(struct emit *e, enum output_kind kind)
{
	const struct model *m = e->m;
	int login = kind == OUTPUT_PASSWD || kind == OUTPUT_SENDER_LOGIN;
	int variants = kind == OUTPUT_VIRTUAL || kind == OUTPUT_SENDER_LOGIN;
	size_t i;
	int r = 0;

	if (kind == OUTPUT_ALIAS_DOMAINS)
		return 0;
	for (i = 0; i < m->nnodes && r == 0; i++) {
		const struct mnode *n = &m->nodes[i];

		if (login && n->kind == MK_ACCOUNT &&
		    n->state != ACCOUNT_ACTIVE && !(n->flags & MN_REFUSED))
			r = kind == OUTPUT_PASSWD ? explain_login(e, n->addr) :
			    explain_key(e, n->addr, variants);
		else if (!login && (n->flags & MN_GONE))
			r = explain_key(e, n->addr, variants);
	}
	for (i = 0; i < m->ngone && r == 0; i++)
		r = kind == OUTPUT_PASSWD ? explain_login(e, m->gone[i]) :
		    explain_key(e, m->gone[i], variants);
	for (i = 0; i < m->nlgone && r == 0 && kind == OUTPUT_SENDER_LOGIN;
	    i++)
		r = explain_key(e, m->lgone[i], variants);
	return r;
}

/* E for one pass over the resolved model M. */
static int
emit_init(struct emit *e, const struct model *m, model_emit_fn *fn,
    void *arg, struct errbuf *eb)
{
	if (!m->resolved) {
		errbuf_set(eb, "model not resolved");
		return -1;
	}
	memset(e, 0, sizeof(*e));
	e->m = m;
	e->fn = fn;
	e->arg = arg;
	e->eb = eb;
	return 0;
}

int
model_emit_explained(const struct model *m, enum output_kind kind,
    model_emit_fn *fn, void *arg, struct errbuf *eb)
{
	struct emit e;
	int r;

	if (emit_init(&e, m, fn, arg, eb) == -1)
		return -1;
	r = emit_explained(&e, kind);
	if (r == -1)
		errbuf_syserr(eb, "%s", conf_output_name(kind));
	return r;
}

static int
emit_transport(struct emit *e)
{
	if (e->m->opts.nexthop == NULL) {
		errbuf_set(e->eb, "transport output needs "
		    "'transport_nexthop' in the configuration");
		e->eb_set = 1;
		return -1;
	}
	return emit_terminals(e, OUTPUT_TRANSPORT);
}

static int
emit_forward(struct emit *e)
{
	return emit_terminals(e, OUTPUT_FORWARD);
}

/* The emitter of each output, by kind: a new output's row in outputs[]
   (outputs.c) has its emitter here. */
static int (*const emitters[])(struct emit *) = {
	[OUTPUT_VIRTUAL] = emit_virtual,
	[OUTPUT_ALIAS_DOMAINS] = emit_alias_domains,
	[OUTPUT_TRANSPORT] = emit_transport,
	[OUTPUT_FORWARD] = emit_forward,
	[OUTPUT_SENDER_LOGIN] = emit_sender_login,
	[OUTPUT_PASSWD] = emit_passwd,
	[OUTPUT_RELAY_RECIPIENTS] = emit_relay_recipients,
};

_Static_assert(sizeof(emitters) / sizeof(emitters[0]) == OUTPUT_COUNT,
    "one emitter per enum output_kind");

int
model_emit(const struct model *m, enum output_kind kind, model_emit_fn *fn,
    void *arg, struct errbuf *eb)
{
	struct emit e;
	int r;

	if (emit_init(&e, m, fn, arg, eb) == -1)
		return -1;
	if ((unsigned)kind >= OUTPUT_COUNT || emitters[kind] == NULL) {
		errbuf_set(eb, "unknown output %d", (int)kind);
		return -1;
	}
	r = emitters[kind](&e);
	buf_free(&e.v);
	if (r == -1 && !e.eb_set)
		errbuf_syserr(eb, "%s", conf_output_name(kind));
	return r;
}

/* model_render: one pass to size the list and its strings, one to fill
   them, so nothing (passwd hashes included) is ever left behind in a
   buffer that realloc moved away from. */
struct collect {
	struct kv *v;
	size_t n, cap;   /* entries: filled, allocated */
	char *s;
	size_t len, max; /* string bytes: used, allocated */
};

static int
collect_size(void *arg, const char *key, const char *value)
{
	struct collect *c = arg;

	c->cap++;
	c->max += strlen(key) + strlen(value) + 2;
	return 0;
}

static int
collect(void *arg, const char *key, const char *value)
{
	struct collect *c = arg;
	size_t kl = strlen(key) + 1, vl = strlen(value) + 1;

	if (c->n == c->cap || c->max - c->len < kl + vl)
		return 1; /* the model changed between the passes: a bug */
	memcpy(c->s + c->len, key, kl);
	memcpy(c->s + c->len + kl, value, vl);
	c->v[c->n].key = c->s + c->len;
	c->v[c->n].value = c->s + c->len + kl;
	c->len += kl + vl;
	c->n++;
	return 0;
}

int
model_render(const struct model *m, enum output_kind kind, struct kvlist *out,
    struct errbuf *eb)
{
	struct collect c;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if (model_emit(m, kind, collect_size, &c, eb) != 0)
		return -1;
	if ((c.v = reallocarray(NULL, c.cap + 1, sizeof(*c.v))) == NULL ||
	    (c.s = malloc(c.max + 1)) == NULL) {
		errbuf_syserr(eb, "render %s", conf_output_name(kind));
		free(c.v);
		return -1;
	}
	if ((r = model_emit(m, kind, collect, &c, eb)) != 0 || c.n != c.cap) {
		if (r >= 0)
			errbuf_set(eb, "render %s: entries changed between "
			    "passes", conf_output_name(kind));
		sodium_memzero(c.s, c.len);
		free(c.s);
		free(c.v);
		return -1;
	}
	out->v = c.v;
	out->n = c.n;
	out->strings = c.s;
	out->strings_len = c.len;
	return 0;
}

void
kvlist_free(struct kvlist *l)
{
	/* The strings may be password hashes: wipe them. */
	if (l->strings != NULL)
		sodium_memzero(l->strings, l->strings_len);
	free(l->strings);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->strings = NULL;
	l->strings_len = 0;
}
