/*
 * model: one node per local address (LDAP account, Hiera alias or
 * forward).  Targets are local nodes or external addresses; resolving
 * flattens alias chains into the set of "terminal" nodes, those with
 * external destinations of their own, which the MX hands to the SRS hosts.
 * Invariant: every string lives in the model's arena, which is wiped
 * before it is freed (it holds password hashes).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "addr.h"
#include "buf.h"
#include "log.h"
#include "model.h"
#include "pwhash.h"

#define ARENA_BLOCK   (1024 * 1024)
#define MODEL_DEPTH_MAX 100     /* alias chain; Postfix stops at 1000 */
#define FORWARD_MAX   4096      /* one emailForward value */

enum mkind { MK_ACCOUNT, MK_ALIAS, MK_FORWARD };

struct morigin {
	const char *where; /* DN or file */
	unsigned line;     /* 0 for LDAP */
};

struct mtarget {
	const char *addr;  /* normalized */
	int32_t node;      /* local node, -1 external, -2 dropped,
			      -3 presumed LDAP account (presume_accounts) */
};

struct mnode {
	const char *addr;
	const char *uid;      /* accounts: login name */
	const char *password; /* active accounts with a usable hash */
	struct morigin origin;
	uint32_t tfirst, tcount;
	uint32_t *expand;     /* terminal nodes reachable, after resolve */
	uint32_t nexpand;
	uint8_t kind;
	uint8_t state;
	uint8_t color;        /* DFS: 0 new, 1 on stack, 2 done */
	uint8_t has_ext;      /* has external targets: a terminal node */
	uint8_t presumed;     /* reaches a presumed LDAP account */
};

struct mlogin {
	const char *key;   /* address */
	const char *login;
	struct morigin origin;
};

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

struct model {
	struct model_opts opts;
	const char *domain;
	struct arena_block *arena;
	struct mnode *nodes;
	size_t nnodes, capnodes;
	struct mtarget *targets;
	size_t ntargets, captargets;
	uint32_t *slots; /* hash table of node index + 1 */
	size_t nslots;
	const char **adomains;
	size_t nadomains, capadomains;
	struct mlogin *logins;
	size_t nlogins, caplogins;
	int resolved;
	uint32_t *order;  /* node indices sorted by address, after resolve */
	const char **doms;/* primary + alias domains, sorted */
	struct model_stats st;
};

static void *
arena_alloc(struct model *m, size_t n)
{
	struct arena_block *b = m->arena;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (b == NULL || b->size - b->used < n) {
		size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->next = m->arena;
		b->used = 0;
		b->size = size;
		m->arena = b;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

static char *
arena_strdup(struct model *m, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if ((p = arena_alloc(m, n)) != NULL)
		memcpy(p, s, n);
	return p;
}

/* Grow an array of elements of SIZE bytes to hold one more. */
static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if ((p = reallocarray(*v, ncap, size)) == NULL)
		return -1;
	*v = p;
	*cap = ncap;
	return 0;
}

static const char *
origin_str(const struct morigin *o, char *out, size_t outsz)
{
	if (o->line == 0)
		(void)snprintf(out, outsz, "ldap %s", o->where);
	else
		(void)snprintf(out, outsz, "%s:%u", o->where, o->line);
	return out;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int
table_grow(struct model *m)
{
	size_t i, j, nslots = m->nslots ? m->nslots * 2 : 1024;
	uint32_t *slots;

	if ((slots = calloc(nslots, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < m->nnodes; i++) {
		j = hash_str(m->nodes[i].addr) & (nslots - 1);
		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	return 0;
}

/* Index of the node for ADDR, or -1. */
static long
node_find(const struct model *m, const char *addr)
{
	size_t j;

	if (m->nslots == 0)
		return -1;
	j = hash_str(addr) & (m->nslots - 1);
	while (m->slots[j] != 0) {
		if (strcmp(m->nodes[m->slots[j] - 1].addr, addr) == 0)
			return (long)m->slots[j] - 1;
		j = (j + 1) & (m->nslots - 1);
	}
	return -1;
}

static const char *
kind_name(uint8_t kind)
{
	switch (kind) {
	case MK_ACCOUNT:
		return "account";
	case MK_ALIAS:
		return "alias";
	default:
		return "forward";
	}
}

/* Add a node for ADDR (normalized).  Returns its index, -1 on a conflict
   (reported), -2 on ENOMEM. */
static long
node_add(struct model *m, const char *addr, uint8_t kind,
    const struct morigin *o)
{
	char o1[512], o2[512];
	struct mnode *n;
	long idx;
	size_t j;

	if ((idx = node_find(m, addr)) != -1) {
		n = &m->nodes[idx];
		log_warnx("%s defined twice: as %s at %s and as %s at %s; "
		    "keeping the first", addr, kind_name(n->kind),
		    origin_str(&n->origin, o1, sizeof(o1)), kind_name(kind),
		    origin_str(o, o2, sizeof(o2)));
		m->st.conflicts++;
		return -1;
	}
	if (m->nnodes + 1 > m->nslots / 2 && table_grow(m) == -1)
		return -2;
	if (grow((void **)&m->nodes, &m->capnodes, m->nnodes,
	    sizeof(*m->nodes)) == -1)
		return -2;
	n = &m->nodes[m->nnodes];
	memset(n, 0, sizeof(*n));
	if ((n->addr = arena_strdup(m, addr)) == NULL)
		return -2;
	n->kind = kind;
	n->origin = *o;
	n->tfirst = (uint32_t)m->ntargets;
	j = hash_str(addr) & (m->nslots - 1);
	while (m->slots[j] != 0)
		j = (j + 1) & (m->nslots - 1);
	m->slots[j] = (uint32_t)m->nnodes + 1;
	m->st.addresses++;
	return (long)m->nnodes++;
}

static int
target_add(struct model *m, struct mnode *n, const char *addr)
{
	struct mtarget *t;

	if (grow((void **)&m->targets, &m->captargets, m->ntargets,
	    sizeof(*m->targets)) == -1)
		return -1;
	t = &m->targets[m->ntargets++];
	if ((t->addr = arena_strdup(m, addr)) == NULL)
		return -1;
	t->node = -1;
	n->tcount++;
	return 0;
}

/* '#' is atext, but postmap reads a line starting with it as a comment:
   a key (or a uid, which becomes one) starting with it could never be
   published (map_check refuses it; found by fuzz_model). */
static int
key_hash_check(const char *s, struct errbuf *eb)
{
	if (*s != '#')
		return 0;
	errbuf_set(eb, "starts with '#' (a comment to postmap)");
	return -1;
}

/* Normalize a key or target written as "local" or "local@domain".  Bare
   local parts get the primary domain.  Keys are folded whole. */
static int
normalize(struct model *m, const char *s, int is_key, char *out, size_t outsz,
    struct errbuf *eb)
{
	char tmp[ADDR_MAX + 2];

	if (strchr(s, '@') == NULL) {
		if (addr_check_local(s, strlen(s), eb) == -1)
			return -1;
		if (snprintf(tmp, sizeof(tmp), "%s@%s", s, m->domain) >=
		    (int)sizeof(tmp)) {
			errbuf_set(eb, "address too long");
			return -1;
		}
		s = tmp;
	}
	if (is_key && key_hash_check(s, eb) == -1)
		return -1;
	return addr_normalize(s, is_key, out, outsz, eb);
}

struct model *
model_new(const struct model_opts *opts, struct errbuf *eb)
{
	struct model *m;
	char dom[ADDR_DOMAIN_MAX + 1];

	if (opts->domain == NULL || *opts->domain == '\0') {
		errbuf_set(eb, "no primary domain configured (set 'domain' in "
		    "the configuration or the Hiera export)");
		return NULL;
	}
	if (addr_check_domain(opts->domain, strlen(opts->domain), 1, eb) ==
	    -1) {
		errbuf_prefix(eb, "primary domain '%s'", opts->domain);
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		errbuf_syserr(eb, "model");
		return NULL;
	}
	m->opts = *opts;
	(void)snprintf(dom, sizeof(dom), "%s", opts->domain);
	if ((m->domain = arena_strdup(m, addr_lower(dom))) == NULL ||
	    table_grow(m) == -1) {
		errbuf_syserr(eb, "model");
		model_free(&m);
		return NULL;
	}
	m->opts.domain = m->domain;
	if (opts->nexthop != NULL &&
	    (m->opts.nexthop = arena_strdup(m, opts->nexthop)) == NULL) {
		errbuf_syserr(eb, "model");
		model_free(&m);
		return NULL;
	}
	return m;
}

/* Split a comma (and/or space) separated list into normalized targets of
   node N.  Returns 0, 1 when a value was rejected (warned), -1 ENOMEM. */
static int
add_target_list(struct model *m, struct mnode *n, const char *list,
    const struct morigin *o, const char *what, int need_at)
{
	char item[FORWARD_MAX], norm[ADDR_MAX + 1], ob[512], vb[128];
	struct errbuf eb;
	const char *p = list, *q;
	size_t len;
	int bad = 0, any = 0;

	while (*p != '\0') {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q != '\0' && *q != ',' && *q != ' ' && *q != '\t')
			q++;
		len = (size_t)(q - p);
		if (len >= sizeof(item))
			len = sizeof(item) - 1;
		memcpy(item, p, len);
		item[len] = '\0';
		p = q;
		if (need_at && strchr(item, '@') == NULL)
			errbuf_set(&eb, "not an address (no '@')");
		if ((need_at && strchr(item, '@') == NULL) ||
		    normalize(m, item, 0, norm, sizeof(norm), &eb) == -1) {
			log_warnx("%s: %s of %s: '%s': %s", origin_str(o, ob,
			    sizeof(ob)), what, n->addr, buf_vis(vb, sizeof(vb), item), eb.msg);
			bad = 1;
			continue;
		}
		if (target_add(m, n, norm) == -1)
			return -1;
		any = 1;
	}
	if (!any && !bad) {
		log_warnx("%s: %s of %s: empty", origin_str(o, ob, sizeof(ob)),
		    what, n->addr);
		bad = 1;
	}
	return bad;
}

static int
usable_uid(const char *uid)
{
	/* Dovecot's default auth_username_chars */
	for (; *uid != '\0'; uid++)
		if (!((*uid >= 'a' && *uid <= 'z') ||
		    (*uid >= '0' && *uid <= '9') || strchr(".-_@", *uid)))
			return 0;
	return 1;
}

static int
add_account(struct model *m, const struct account *a)
{
	char uid[ADDR_LOCAL_MAX + 1], addr[ADDR_MAX + 1], ob[512], vb[128];
	struct morigin o = { a->dn != NULL ? a->dn : "(no dn)", 0 };
	enum pwhash_scheme scheme;
	struct errbuf eb;
	struct mnode *n;
	size_t first, len;
	long idx;
	int r;

	if (a->uid == NULL || (len = strlen(a->uid)) >= sizeof(uid) ||
	    key_hash_check(a->uid, &eb) == -1 ||
	    addr_check_local(a->uid, len, &eb) == -1) {
		if (a->uid == NULL || len >= sizeof(uid))
			errbuf_set(&eb, "missing or too long");
		log_warnx("%s: uid '%s': %s", origin_str(&o, ob, sizeof(ob)),
		    a->uid != NULL ? buf_vis(vb, sizeof(vb), a->uid) : "",
		    eb.msg);
		m->st.rejected++;
		return 0;
	}
	if (a->state == ACCOUNT_RETIRED) {
		log_debug("%s: retired, left out", a->uid);
		m->st.retired++;
		return 0;
	}
	memcpy(uid, a->uid, len + 1);
	addr_lower(uid);
	(void)snprintf(addr, sizeof(addr), "%s@%s", uid, m->domain);
	if ((idx = node_add(m, addr, MK_ACCOUNT, &o)) == -2)
		return -1;
	if (idx == -1)
		return 0;
	n = &m->nodes[idx];
	n->state = (uint8_t)a->state;
	/* The account list is freed page by page while the model lives on:
	   messages about this node later (a Hiera definition of the same
	   address) need their own copy of the DN. */
	if ((n->origin.where = arena_strdup(m, o.where)) == NULL)
		return -1;
	if ((n->uid = arena_strdup(m, uid)) == NULL)
		return -1;
	m->st.accounts++;
	if (a->forward != NULL) {
		first = m->ntargets;
		if (strlen(a->forward) >= FORWARD_MAX) {
			log_warnx("%s: emailForward of %s longer than %d "
			    "characters, ignored", origin_str(&o, ob,
			    sizeof(ob)), uid, FORWARD_MAX);
			m->st.rejected++;
		} else if ((r = add_target_list(m, n, a->forward, &o,
		    "emailForward", 1)) == -1) {
			return -1;
		} else if (r == 1) {
			/* A partly broken forward is dropped whole: mailing
			   only some of the destinations would hide the fault. */
			m->ntargets = first;
			n->tcount = 0;
			m->st.rejected++;
		}
	}
	if (a->password != NULL && a->state == ACCOUNT_ACTIVE) {
		if (!usable_uid(uid)) {
			log_warnx("%s: uid '%s' has characters Dovecot does "
			    "not accept in a login; no passwd-file entry",
			    origin_str(&o, ob, sizeof(ob)), uid);
			m->st.rejected++;
		} else if (pwhash_identify(a->password, &scheme, &eb) == -1) {
			/* EB never quotes the hash. */
			log_warnx("%s: mailPassword of %s unusable: %s",
			    origin_str(&o, ob, sizeof(ob)), uid, eb.msg);
			m->st.rejected++;
		} else if ((n->password = arena_strdup(m, a->password)) ==
		    NULL)
			return -1;
	}
	return 0;
}

int
model_add_accounts(struct model *m, const struct account_list *l,
    struct errbuf *eb)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (add_account(m, &l->v[i]) == -1) {
			errbuf_syserr(eb, "model");
			return -1;
		}
	}
	m->st.rejected += l->rejected;
	return 0;
}

static int
add_hiera_lists(struct model *m, const struct hiera_list *v, size_t nv,
    uint8_t kind, const char *what)
{
	char norm[ADDR_MAX + 1], ob[512], vb[128];
	struct errbuf eb;
	struct morigin o;
	size_t i, j, first;
	long idx;
	int bad;

	for (i = 0; i < nv; i++) {
		o.where = v[i].origin.file;
		o.line = v[i].origin.line;
		if (normalize(m, v[i].key, 1, norm, sizeof(norm), &eb) == -1) {
			log_warnx("%s: %s: '%s': %s", origin_str(&o, ob,
			    sizeof(ob)), what, buf_vis(vb, sizeof(vb), v[i].key),
			    eb.msg);
			m->st.rejected++;
			continue;
		}
		if ((idx = node_add(m, norm, kind, &o)) == -2)
			return -1;
		if (idx == -1)
			continue;
		first = m->ntargets;
		bad = 0;
		for (j = 0; j < v[i].ntargets; j++) {
			int r = add_target_list(m, &m->nodes[idx],
			    v[i].targets[j], &o, what, 0);

			if (r == -1)
				return -1;
			bad |= r;
		}
		if (bad)
			m->st.rejected++;
		if (m->ntargets == first)
			log_warnx("%s: %s: %s has no usable target",
			    origin_str(&o, ob, sizeof(ob)), what,
			    m->nodes[idx].addr);
	}
	return 0;
}

int
model_add_hiera(struct model *m, const struct hiera_data *hd,
    struct errbuf *eb)
{
	char dom[ADDR_DOMAIN_MAX + 1], norm[ADDR_MAX + 1], ob[512], vb[128];
	struct errbuf e2;
	struct morigin o;
	size_t i, j, k;

	for (i = 0; i < hd->nalias_domains; i++) {
		const char *d = hd->alias_domains[i];

		o.where = hd->alias_domain_origins[i].file;
		o.line = hd->alias_domain_origins[i].line;
		if (addr_check_domain(d, strlen(d), 1, &e2) == -1) {
			log_warnx("%s: alias_domains: '%s': %s",
			    origin_str(&o, ob, sizeof(ob)), buf_vis(vb, sizeof(vb), d), e2.msg);
			m->st.rejected++;
			continue;
		}
		(void)snprintf(dom, sizeof(dom), "%s", d);
		addr_lower(dom);
		if (strcmp(dom, m->domain) == 0) {
			log_warnx("%s: alias_domains: %s is the primary domain",
			    origin_str(&o, ob, sizeof(ob)), dom);
			m->st.rejected++;
			continue;
		}
		for (k = 0; k < m->nadomains; k++)
			if (strcmp(m->adomains[k], dom) == 0)
				break;
		if (k < m->nadomains) {
			log_warnx("%s: alias_domains: %s listed twice",
			    origin_str(&o, ob, sizeof(ob)), dom);
			m->st.conflicts++;
			continue;
		}
		if (grow((void **)&m->adomains, &m->capadomains,
		    m->nadomains, sizeof(*m->adomains)) == -1 ||
		    (m->adomains[m->nadomains] = arena_strdup(m, dom)) == NULL)
			goto nomem;
		m->nadomains++;
	}
	if (add_hiera_lists(m, hd->aliases, hd->naliases, MK_ALIAS,
	    "aliases") == -1 ||
	    add_hiera_lists(m, hd->forwards, hd->nforwards, MK_FORWARD,
	    "forwards") == -1)
		goto nomem;
	for (i = 0; i < hd->nsender_logins; i++) {
		const struct hiera_list *s = &hd->sender_logins[i];

		o.where = s->origin.file;
		o.line = s->origin.line;
		if (normalize(m, s->key, 1, norm, sizeof(norm), &e2) == -1) {
			log_warnx("%s: sender_logins: '%s': %s",
			    origin_str(&o, ob, sizeof(ob)), buf_vis(vb, sizeof(vb), s->key), e2.msg);
			m->st.rejected++;
			continue;
		}
		for (j = 0; j < s->ntargets; j++) {
			char login[ADDR_MAX + 1];

			(void)snprintf(login, sizeof(login), "%s",
			    s->targets[j]);
			addr_lower(login);
			if (!usable_uid(login) || *login == '\0') {
				log_warnx("%s: sender_logins of %s: '%s' is "
				    "not a valid login", origin_str(&o, ob,
				    sizeof(ob)), norm, buf_vis(vb, sizeof(vb), s->targets[j]));
				m->st.rejected++;
				continue;
			}
			if (grow((void **)&m->logins, &m->caplogins,
			    m->nlogins, sizeof(*m->logins)) == -1)
				goto nomem;
			m->logins[m->nlogins].origin = o;
			if ((m->logins[m->nlogins].key = arena_strdup(m,
			    norm)) == NULL ||
			    (m->logins[m->nlogins].login = arena_strdup(m,
			    login)) == NULL)
				goto nomem;
			m->nlogins++;
		}
	}
	m->st.rejected += hd->rejected;
	return 0;
nomem:
	errbuf_syserr(eb, "model");
	return -1;
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

	for (i = 0; i < m->nnodes; i++) {
		struct mnode *n = &m->nodes[i];

		for (j = n->tfirst; j < n->tfirst + n->tcount; j++) {
			struct mtarget *t = &m->targets[j];

			at = strchr(t->addr, '@');
			if (!is_local_domain(m, at + 1)) {
				t->node = -1;
				n->has_ext = 1;
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
				n->presumed = 1;
				continue;
			}
			if (idx == -1) {
				log_warnx("%s: %s -> %s: no such address "
				    "(dangling target dropped)",
				    origin_str(&n->origin, ob, sizeof(ob)),
				    n->addr, lower);
				m->st.dangling++;
				t->node = -2;
				continue;
			}
			t->node = (int32_t)idx;
		}
	}
}

static int
expand_add(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t x)
{
	uint32_t i, *p;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return 0;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		if ((p = reallocarray(*v, *cap, sizeof(**v))) == NULL)
			return -1;
		*v = p;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Depth-first expansion of node I into the terminal nodes it reaches.
   A target that closes a cycle is reported and dropped. */
static int
expand(struct model *m, uint32_t i, unsigned depth)
{
	struct mnode *n = &m->nodes[i];
	uint32_t cap = 0, j, k;
	char ob[512];

	n->color = 1;
	if (n->has_ext && expand_add(&n->expand, &n->nexpand, &cap, i) == -1)
		return -1;
	for (j = n->tfirst; j < n->tfirst + n->tcount; j++) {
		struct mtarget *t = &m->targets[j];
		struct mnode *c;

		if (t->node < 0)
			continue;
		c = &m->nodes[t->node];
		if (c->color == 1 || depth >= MODEL_DEPTH_MAX) {
			log_warnx("%s: %s -> %s: %s (target dropped)",
			    origin_str(&n->origin, ob, sizeof(ob)), n->addr,
			    c->addr, c->color == 1 ? "alias loop" :
			    "alias chain too deep");
			m->st.loops++;
			t->node = -2;
			continue;
		}
		if (c->color == 0 && expand(m, (uint32_t)t->node,
		    depth + 1) == -1)
			return -1;
		n->presumed |= c->presumed;
		if (c->nexpand == 0 && !c->presumed) {
			log_warnx("%s: %s -> %s: target has no mail destination "
			    "(dangling target dropped)", origin_str(&n->origin,
			    ob, sizeof(ob)), n->addr, c->addr);
			m->st.dangling++;
			t->node = -2;
			continue;
		}
		for (k = 0; k < c->nexpand; k++)
			if (expand_add(&n->expand, &n->nexpand, &cap,
			    c->expand[k]) == -1)
				return -1;
	}
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

/* One sort of the nodes by address, so that every output renders in key
   order and needs no sorting of its own (100,000s of entries, six times). */
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

int
model_resolve(struct model *m, struct errbuf *eb)
{
	size_t i;

	link_targets(m);
	for (i = 0; i < m->nnodes; i++) {
		if (m->nodes[i].color == 0 && expand(m, (uint32_t)i, 0) == -1) {
			errbuf_syserr(eb, "model");
			return -1;
		}
	}
	if (model_sort(m) == -1) {
		errbuf_syserr(eb, "model");
		return -1;
	}
	m->resolved = 1;
	return 0;
}

const struct model_stats *
model_stats(const struct model *m)
{
	return &m->st;
}

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Sort L whose first P entries are probably in order already (node order)
   followed by a short unsorted tail: sort the tail and merge, or sort all
   when the prefix is not in order after all. */
static int
kv_finish(struct kvlist *l, size_t p, int (*cmp)(const void *, const void *))
{
	struct kv *tmp;
	size_t i, a, b, o;

	for (i = 1; i < p; i++)
		if (cmp(&l->v[i - 1], &l->v[i]) > 0)
			break;
	if (i < p) {
		if (l->n > 1)
			qsort(l->v, l->n, sizeof(*l->v), cmp);
		return 0;
	}
	if (l->n - p > 1)
		qsort(l->v + p, l->n - p, sizeof(*l->v), cmp);
	if (p == 0 || p == l->n || cmp(&l->v[p - 1], &l->v[p]) <= 0)
		return 0;
	if ((tmp = reallocarray(NULL, l->n, sizeof(*tmp))) == NULL)
		return -1;
	for (a = 0, b = p, o = 0; a < p || b < l->n; o++)
		tmp[o] = b == l->n || (a < p && cmp(&l->v[a], &l->v[b]) <= 0) ?
		    l->v[a++] : l->v[b++];
	memcpy(l->v, tmp, l->n * sizeof(*tmp));
	free(tmp);
	return 0;
}

struct kvb {
	struct kvlist *l;
	size_t cap;
};

static int
kv_push(struct kvb *b, const char *key, const char *value)
{
	if (grow((void **)&b->l->v, &b->cap, b->l->n, sizeof(*b->l->v)) == -1)
		return -1;
	b->l->v[b->l->n].key = key;
	b->l->v[b->l->n].value = value;
	b->l->n++;
	return 0;
}

/* Append ", ITEM" (or ITEM first) at S + O; the caller sized S. */
static size_t
join_one(char *s, size_t o, const char *item)
{
	size_t n = strlen(item);

	if (o > 0) {
		memcpy(s + o, ", ", 2);
		o += 2;
	}
	memcpy(s + o, item, n);
	return o + n;
}

/* The targets of N joined with ", " into the arena: its external
   addresses, or the terminal nodes it expands to. */
static const char *
join_targets(struct model *m, const struct mnode *n, int external)
{
	size_t j, len = 0, o = 0;
	char *s;

	if (external) {
		for (j = n->tfirst; j < n->tfirst + n->tcount; j++)
			if (m->targets[j].node == -1)
				len += strlen(m->targets[j].addr) + 2;
	} else {
		for (j = 0; j < n->nexpand; j++)
			len += strlen(m->nodes[n->expand[j]].addr) + 2;
	}
	if ((s = arena_alloc(m, len + 1)) == NULL)
		return NULL;
	if (external) {
		for (j = n->tfirst; j < n->tfirst + n->tcount; j++)
			if (m->targets[j].node == -1)
				o = join_one(s, o, m->targets[j].addr);
	} else {
		for (j = 0; j < n->nexpand; j++)
			o = join_one(s, o, m->nodes[n->expand[j]].addr);
	}
	s[o] = '\0';
	return s;
}

static int
render_virtual(struct model *m, struct kvb *b)
{
	const char *v;
	char *k;
	size_t i, len;

	for (i = 0; i < m->nnodes; i++) {
		struct mnode *n = &m->nodes[m->order[i]];

		if (n->nexpand == 0)
			continue;
		/* A terminal node maps to itself: Postfix keeps the
		   address and stops recursion (identity entry). */
		if (n->nexpand == 1 && &m->nodes[n->expand[0]] == n)
			v = n->addr;
		else if ((v = join_targets(m, n, 0)) == NULL)
			return -1;
		if (kv_push(b, n->addr, v) == -1)
			return -1;
	}
	for (i = 0; i < m->nadomains; i++) {
		len = strlen(m->adomains[i]) + 2;
		if ((k = arena_alloc(m, len)) == NULL ||
		    (v = arena_alloc(m, strlen(m->domain) + 2)) == NULL)
			return -1;
		(void)snprintf(k, len, "@%s", m->adomains[i]);
		(void)snprintf((char *)v, strlen(m->domain) + 2, "@%s",
		    m->domain);
		if (kv_push(b, k, v) == -1)
			return -1;
	}
	return 0;
}

static int
render_terminals(struct model *m, struct kvb *b, enum output_kind kind)
{
	const char *v;
	size_t i;

	for (i = 0; i < m->nnodes; i++) {
		struct mnode *n = &m->nodes[m->order[i]];

		if (!n->has_ext)
			continue;
		if (kind == OUTPUT_TRANSPORT)
			v = m->opts.nexthop;
		else if ((v = join_targets(m, n, 1)) == NULL)
			return -1;
		if (kv_push(b, n->addr, v) == -1)
			return -1;
	}
	return 0;
}

static int
login_pair_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int r;

	if ((r = strcmp(x->key, y->key)) != 0)
		return r;
	return strcmp(x->value, y->value);
}

/* (address, login) pairs, sorted and then merged into one entry per
   address with the logins joined by ", ". */
/* KEY -> LOGIN, and when KEY is in the primary domain and the option is
   on, the same local part in every alias domain, in sorted domain order. */
static int
sender_variants(struct model *m, struct kvb *pb, const char *key,
    const char *login)
{
	const char *at = strchr(key, '@');
	size_t k, llen, len;
	char *s;

	if (!m->opts.sender_login_alias_domains ||
	    strcmp(at + 1, m->domain) != 0)
		return kv_push(pb, key, login);
	llen = (size_t)(at - key);
	for (k = 0; k < m->nadomains + 1; k++) {
		if (m->doms[k] == m->domain) {
			if (kv_push(pb, key, login) == -1)
				return -1;
			continue;
		}
		len = strlen(m->doms[k]);
		if ((s = arena_alloc(m, llen + len + 2)) == NULL)
			return -1;
		memcpy(s, key, llen + 1); /* local part and '@' */
		memcpy(s + llen + 1, m->doms[k], len + 1);
		if (kv_push(pb, s, login) == -1)
			return -1;
	}
	return 0;
}

/* (address, login) pairs, then one entry per address with the logins
   joined by ", ".  Accounts come in address order, each with its variants
   in the sorted domains, so that part is sorted already; the Hiera logins
   form a short tail that is sorted and merged in. */
static int
render_sender_login(struct model *m, struct kvb *b)
{
	struct kvlist pairs = { NULL, 0 };
	struct kvb pb = { &pairs, 0 };
	char addr[ADDR_MAX + 1], ob[512];
	size_t i, j, k, len, nacc;
	const char *key;
	char *s;
	long idx;
	int rc = -1;

	for (i = 0; i < m->nnodes; i++) {
		struct mnode *n = &m->nodes[m->order[i]];

		if (n->kind != MK_ACCOUNT || n->state != ACCOUNT_ACTIVE)
			continue;
		if (sender_variants(m, &pb, n->addr, n->uid) == -1)
			goto out;
	}
	nacc = pairs.n;
	for (i = 0; i < m->nlogins; i++) {
		struct mlogin *l = &m->logins[i];

		if (m->opts.have_ldap) {
			(void)snprintf(addr, sizeof(addr), "%s@%s", l->login,
			    m->domain);
			idx = node_find(m, addr);
			if (idx == -1 || m->nodes[idx].kind != MK_ACCOUNT ||
			    m->nodes[idx].state != ACCOUNT_ACTIVE) {
				log_warnx("%s: sender_logins of %s: %s is not "
				    "an active account (dropped)",
				    origin_str(&l->origin, ob, sizeof(ob)),
				    l->key, l->login);
				m->st.dangling++;
				continue;
			}
		}
		if (sender_variants(m, &pb, l->key, l->login) == -1)
			goto out;
	}
	if (kv_finish(&pairs, nacc, login_pair_cmp) == -1)
		goto out;
	for (i = 0; i < pairs.n; i = j) {
		key = pairs.v[i].key;
		len = 0;
		for (j = i; j < pairs.n && strcmp(pairs.v[j].key, key) == 0;
		    j++)
			len += strlen(pairs.v[j].value) + 2;
		if (j == i + 1) {
			s = (char *)pairs.v[i].value;
		} else {
			size_t o = 0;

			if ((s = arena_alloc(m, len + 1)) == NULL)
				goto out;
			for (k = i; k < j; k++)
				if (k == i || strcmp(pairs.v[k].value,
				    pairs.v[k - 1].value) != 0)
					o = join_one(s, o, pairs.v[k].value);
			s[o] = '\0';
		}
		if (kv_push(b, key, s) == -1)
			goto out;
	}
	rc = 0;
out:
	free(pairs.v);
	return rc;
}

int
model_render(struct model *m, enum output_kind kind, struct kvlist *out,
    struct errbuf *eb)
{
	struct kvb b = { out, 0 };
	size_t i;
	int r = 0;

	out->v = NULL;
	out->n = 0;
	switch (kind) {
	case OUTPUT_VIRTUAL:
		r = render_virtual(m, &b);
		break;
	case OUTPUT_ALIAS_DOMAINS:
		for (i = 0; i < m->nadomains && r == 0; i++)
			r = kv_push(&b, m->adomains[i], m->adomains[i]);
		break;
	case OUTPUT_TRANSPORT:
		if (m->opts.nexthop == NULL) {
			errbuf_set(eb, "transport output needs "
			    "'transport_nexthop' in the configuration");
			return -1;
		}
		r = render_terminals(m, &b, kind);
		break;
	case OUTPUT_FORWARD:
		r = render_terminals(m, &b, kind);
		break;
	case OUTPUT_SENDER_LOGIN:
		r = render_sender_login(m, &b);
		break;
	case OUTPUT_PASSWD:
		for (i = 0; i < m->nnodes && r == 0; i++) {
			const struct mnode *n = &m->nodes[m->order[i]];

			if (n->password != NULL)
				r = kv_push(&b, n->uid, n->password);
		}
		break;
	default:
		errbuf_set(eb, "unknown output %d", (int)kind);
		return -1;
	}
	if (r == -1) {
		errbuf_syserr(eb, "render %s", conf_output_name(kind));
		kvlist_free(out);
		return -1;
	}
	/* Outputs come out in address order; the virtual map's
	   "@alias-domain" keys are a short tail. */
	if (kv_finish(out, kind == OUTPUT_VIRTUAL ? out->n - m->nadomains :
	    out->n, kv_cmp) == -1) {
		errbuf_syserr(eb, "render %s", conf_output_name(kind));
		kvlist_free(out);
		return -1;
	}
	return 0;
}

void
kvlist_free(struct kvlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
model_free(struct model **mp)
{
	struct arena_block *b, *next;
	struct model *m;
	size_t i;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	for (b = m->arena; b != NULL; b = next) {
		next = b->next;
		sodium_memzero(b->data, b->used);
		free(b);
	}
	for (i = 0; i < m->nnodes; i++)
		free(m->nodes[i].expand);
	free(m->nodes);
	free(m->targets);
	free(m->slots);
	free(m->adomains);
	free(m->logins);
	free(m->order);
	free(m->doms);
	free(m);
	*mp = NULL;
}
