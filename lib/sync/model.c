/*
 * model: one node per local address (LDAP account, Hiera alias or
 * forward).  Targets are local nodes or external addresses; resolving
 * flattens alias chains into the set of "terminal" nodes, those with
 * external destinations of their own, which the MX hands to the SRS hosts.
 * This file builds it from the sources; model_resolve.c resolves it and
 * model_emit.c generates the outputs from it.
 * Invariant: every string lives in the model's arena, which is wiped
 * before it is freed (it may hold password hashes).
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

#define ARENA_FIRST   4096      /* a small model stays small, */
#define ARENA_BLOCK   (4 * 1024 * 1024) /* a million entries: a dozen
					     blocks, in huge pages */
#define MODEL_DEPTH_MAX 100     /* alias chain; Postfix stops at 1000 */
#define ITEM_MAX      4096      /* one item of a target list, as read */

static int
table_grow(struct model *m)
{
	size_t i, j, nslots = m->nslots ? m->nslots * 2 : 64;
	uint32_t *slots;

	if ((slots = calloc(nslots, sizeof(*slots))) == NULL)
		return -1;
	array_hint_huge(slots, nslots * sizeof(*slots)); /* probed at random */
	for (i = 0; i < m->nnodes; i++) {
		j = hash_fnv1a(m->nodes[i].addr, strlen(m->nodes[i].addr)) &
		    (nslots - 1);
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
long
node_find(const struct model *m, const char *addr)
{
	size_t j;

	if (m->nslots == 0)
		return -1;
	j = hash_fnv1a(addr, strlen(addr)) & (m->nslots - 1);
	while (m->slots[j] != 0) {
		if (strcmp(m->nodes[m->slots[j] - 1].addr, addr) == 0)
			return (long)m->slots[j] - 1;
		j = (j + 1) & (m->nslots - 1);
	}
	return -1;
}

size_t
model_local_len(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? (size_t)(at - addr) : strlen(addr);
}

/* Where node N was defined, for messages: "ldap DN" or "FILE:LINE". */
const char *
node_origin(const struct model *m, const struct mnode *n, char *out,
    size_t outsz)
{
	if (n->line != 0)
		(void)snprintf(out, outsz, "%s:%u", n->where, n->line);
	else if (n->where != NULL)
		(void)snprintf(out, outsz, "ldap %s", n->where);
	else
		(void)snprintf(out, outsz, "ldap uid=%.*s,%s",
		    (int)model_local_len(n->addr), n->addr,
		    m->opts.ldap_base);
	return out;
}

const char *
src_origin(const char *where, unsigned line, char *out, size_t outsz)
{
	if (line == 0)
		(void)snprintf(out, outsz, "ldap %s", where);
	else
		(void)snprintf(out, outsz, "%s:%u", where, line);
	return out;
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

/* Add a node for ADDR (normalized), defined at WHERE:LINE (LINE 0: the
   LDAP DN WHERE).  Returns 1 with its index in *IDX_R, 0 on a conflict
   (reported), or -1 with EB's errnum (and errno) ENOMEM. */
static int
node_add(struct model *m, const char *addr, uint8_t kind, const char *where,
    unsigned line, long *idx_r, struct errbuf *eb)
{
	char o1[512], o2[512];
	struct mnode *n;
	uint64_t h;
	size_t j;

	/* One hash and one probe: the slot where the search ends is where
	   a new node goes (the table grows first, so it stays valid). */
	if (m->nnodes + 1 > m->nslots / 2 && table_grow(m) == -1)
		goto nomem;
	h = hash_fnv1a(addr, strlen(addr));
	for (j = h & (m->nslots - 1); m->slots[j] != 0;
	    j = (j + 1) & (m->nslots - 1))
		if (strcmp(m->nodes[m->slots[j] - 1].addr, addr) == 0)
			break;
	if (m->slots[j] != 0) {
		n = &m->nodes[m->slots[j] - 1];
		report_warnx(m->opts.report,
		    "%s defined twice: as %s at %s and as %s at %s; "
		    "keeping the first",
		    addr, kind_name(n->kind), node_origin(m, n, o1, sizeof(o1)),
		    kind_name(kind), src_origin(where, line, o2, sizeof(o2)));
		m->st.conflicts++;
		return 0;
	}
	if (m->nnodes >= UINT32_MAX - 1) {
		errno = ENOMEM;
		goto nomem;
	}
	if (array_grow((void **)&m->nodes, &m->capnodes, m->nnodes,
	    sizeof(*m->nodes)) == -1)
		goto nomem;
	n = &m->nodes[m->nnodes];
	memset(n, 0, sizeof(*n));
	if ((n->addr = arena_strdup(&m->arena, addr)) == NULL)
		goto nomem;
	n->kind = kind;
	n->where = where;
	n->line = line;
	n->tfirst = (uint32_t)m->ntargets;
	m->slots[j] = (uint32_t)m->nnodes + 1;
	m->st.addresses++;
	*idx_r = (long)m->nnodes++;
	return 1;
nomem:
	errbuf_syserr(eb, "model");
	return -1;
}

static int
target_add(struct model *m, struct mnode *n, const char *addr)
{
	struct mtarget *t;

	if (array_grow((void **)&m->targets, &m->captargets, m->ntargets,
	    sizeof(*m->targets)) == -1)
		return -1;
	t = &m->targets[m->ntargets++];
	if ((t->addr = arena_strdup(&m->arena, addr)) == NULL)
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
	arena_init(&m->arena, ARENA_FIRST, ARENA_BLOCK, ARENA_WIPE);
	m->opts = *opts;
	(void)snprintf(dom, sizeof(dom), "%s", opts->domain);
	if ((m->domain = arena_strdup(&m->arena, addr_lower(dom))) == NULL ||
	    table_grow(m) == -1)
		goto nomem;
	m->opts.domain = m->domain;
	if (opts->nexthop != NULL &&
	    (m->opts.nexthop = arena_strdup(&m->arena, opts->nexthop)) == NULL)
		goto nomem;
	if (opts->ldap_base != NULL) {
		if ((m->opts.ldap_base = arena_strdup(&m->arena, opts->ldap_base)) ==
		    NULL)
			goto nomem;
		m->base_len = strlen(m->opts.ldap_base);
	}
	return m;
nomem:
	errbuf_syserr(eb, "model");
	model_free(&m);
	return NULL;
}

/* Split a comma (and/or space) separated list into normalized targets of
   node N, defined at ORIGIN.  Returns 0, 1 when a value was rejected
   (warned), -1 ENOMEM. */
static int
add_target_list(struct model *m, struct mnode *n, const char *list,
    const char *origin, const char *what, int need_at)
{
	char item[ITEM_MAX], norm[ADDR_MAX + 1], vb[128];
	struct errbuf eb;
	const char *p = list, *end = list + strlen(list), *s;
	size_t len;
	int bad = 0, any = 0;

	while (addr_list_next(&p, end, ADDR_LIST_RUNS, &s, &len)) {
		if (len >= sizeof(item))
			len = sizeof(item) - 1;
		memcpy(item, s, len);
		item[len] = '\0';
		if (need_at && strchr(item, '@') == NULL)
			errbuf_set(&eb, "not an address (no '@')");
		if ((need_at && strchr(item, '@') == NULL) ||
		    normalize(m, item, 0, norm, sizeof(norm), &eb) == -1) {
			report_warnx(m->opts.report, "%s: %s of %s: '%s': %s",
			    origin, what, n->addr,
			    buf_vis(vb, sizeof(vb), item), eb.msg);
			bad = 1;
			continue;
		}
		if (target_add(m, n, norm) == -1)
			return -1;
		any = 1;
	}
	if (!any && !bad) {
		report_warnx(m->opts.report, "%s: %s of %s: empty", origin,
		    what, n->addr);
		bad = 1;
	}
	return bad;
}

static int
usable_uid(const char *uid)
{
	for (; *uid != '\0'; uid++)
		if (!pwfile_user_char(*uid))
			return 0;
	return 1;
}

/* Is DN "uid=UID,<ldap_base>", so that it need not be kept? */
static int
dn_is_derivable(const struct model *m, const char *dn, const char *uid,
    size_t len)
{
	return m->base_len > 0 && strncmp(dn, "uid=", 4) == 0 &&
	    strncmp(dn + 4, uid, len) == 0 && dn[4 + len] == ',' &&
	    strcmp(dn + 5 + len, m->opts.ldap_base) == 0;
}

/* The account's mail password: parked in the store, or kept. */
static int
add_password(struct model *m, uint32_t idx, const char *hash,
    struct errbuf *eb)
{
	struct mpass *p;

	if (m->opts.drop_passwords)
		return 0;
	if (array_grow((void **)&m->pw, &m->cappw, m->npw,
	    sizeof(*m->pw)) == -1)
		goto nomem;
	p = &m->pw[m->npw];
	p->node = idx;
	if (m->opts.pwstore != NULL) {
		if (m->opts.pwstore->put(m->opts.pwstore->arg, hash, &p->h.ref,
		    eb) == -1)
			return -1;
	} else if ((p->h.hash = arena_strdup(&m->arena, hash)) == NULL)
		goto nomem;
	m->npw++;
	return 0;
nomem:
	errbuf_syserr(eb, "model");
	return -1;
}

/* A retired account: no node, but its address is remembered, for the
   removals it explains (model_emit_explained) and its dangling targets. */
static int
gone_add(struct model *m, const char *addr)
{
	if (array_grow((void **)&m->gone, &m->capgone, m->ngone,
	    sizeof(*m->gone)) == -1 ||
	    (m->gone[m->ngone] = arena_strdup(&m->arena, addr)) == NULL)
		return -1;
	m->ngone++;
	return 0;
}

/* Account N's emailForward FORWARD (OB names the entry in messages).
   A forward too long or partly broken is dropped whole, warned and
   counted: mailing only some of the destinations would hide the fault.
   0, or -1 out of memory. */
static int
account_forward(struct model *m, struct mnode *n, const char *forward,
    const char *ob, const char *uid)
{
	size_t first = m->ntargets;
	int r;

	if (strlen(forward) > ACCOUNT_FORWARD_MAX) {
		report_warnx(m->opts.report, "%s: emailForward of %s longer "
		    "than %d characters, ignored", ob, uid,
		    ACCOUNT_FORWARD_MAX);
		m->st.rejected++;
		return 0;
	}
	if ((r = add_target_list(m, n, forward, ob, "emailForward", 1)) == -1)
		return -1;
	if (r == 1) {
		m->ntargets = first;
		n->tcount = 0;
		m->st.rejected++;
	}
	return 0;
}

/* The mailPassword HASH of the active account at node IDX, checked the
   way the passwd-file needs it (a login Dovecot accepts, a scheme it
   knows, no ':' or newline, a cost under the ceiling) and parked; an
   unusable one is warned and counted, never quoted.  0, or -1 (EBR). */
static int
account_password(struct model *m, uint32_t idx, const char *hash,
    const char *ob, const char *uid, struct errbuf *ebr)
{
	static const struct pwhash_ceiling dflt_cost = PWHASH_CEILING_DEFAULT;
	char pub[PWHASH_MAX]; /* the hash as published: "{SCHEME}..." */
	struct pwhash_info info;
	struct errbuf eb;
	int r = 0;

	if (!usable_uid(uid)) {
		report_warnx(m->opts.report, "%s: uid '%s' has characters "
		    "Dovecot does not accept in a login; no passwd-file "
		    "entry", ob, uid);
		m->st.rejected++;
	} else if (pwhash_canonical(hash, pub, &info, &eb) == -1 ||
	    pwfile_check(uid, pub, &eb) == -1 ||
	    pwhash_cost_check(&info, m->opts.max_cost != NULL ?
	    m->opts.max_cost : &dflt_cost, &eb) == -1) {
		report_warnx(m->opts.report,
		    "%s: mailPassword of %s unusable: %s", ob, uid, eb.msg);
		m->st.rejected++;
	} else
		r = add_password(m, idx, pub, ebr);
	sodium_memzero(pub, sizeof(pub));
	return r;
}

/* A second LDAP entry gives the address of node IDX.  Which of two
   entries LDAP returns first is no ground to give one of them the
   account (and its mail, and its logins): both are refused. */
static void
refuse_claim(struct model *m, long idx, const char *addr, const char *dn)
{
	struct mnode *n = &m->nodes[idx];
	char o1[512], o2[512];
	int swap;

	/* The two DNs in byte order: the message, too, must not depend on
	   which entry came first (mailsyncd compares warnings by text). */
	(void)node_origin(m, n, o1, sizeof(o1));
	(void)snprintf(o2, sizeof(o2), "ldap %s", dn);
	swap = strcmp(o1, o2) > 0;
	report_warnx(m->opts.report,
	    "%s claimed by two LDAP entries (%s and %s): both refused", addr,
	    swap ? o2 : o1, swap ? o1 : o2);
	m->st.conflicts++;
	if (n->flags & MN_REFUSED)
		return;
	n->flags |= MN_REFUSED;
	n->tcount = 0;
	m->st.accounts--;
}

static int
add_account(struct model *m, const struct account *a, struct errbuf *ebr)
{
	char uid[ADDR_LOCAL_MAX + 1], addr[ADDR_MAX + 1], ob[512], vb[128];
	const char *dn = a->dn != NULL ? a->dn : "(no dn)";
	struct errbuf eb;
	struct mnode *n;
	size_t len = 0;
	long idx;
	int r;

	(void)snprintf(ob, sizeof(ob), "ldap %s", dn);
	if (a->uid == NULL || (len = strlen(a->uid)) >= sizeof(uid) ||
	    key_hash_check(a->uid, &eb) == -1 ||
	    addr_check_local(a->uid, len, &eb) == -1) {
		if (a->uid == NULL || len >= sizeof(uid))
			errbuf_set(&eb, "missing or too long");
		report_warnx(m->opts.report, "%s: uid '%s': %s", ob,
		    a->uid != NULL ? buf_vis(vb, sizeof(vb), a->uid) : "",
		    eb.msg);
		m->st.rejected++;
		return 0;
	}
	memcpy(uid, a->uid, len + 1);
	addr_lower(uid);
	(void)snprintf(addr, sizeof(addr), "%s@%s", uid, m->domain);
	if (a->state == ACCOUNT_RETIRED) {
		report_debug(m->opts.report, "%s: retired, left out", a->uid);
		m->st.retired++;
		if (gone_add(m, addr) == -1)
			goto nomem;
		return 0;
	}
	if ((idx = node_find(m, addr)) != -1 &&
	    m->nodes[idx].kind == MK_ACCOUNT && m->nodes[idx].line == 0) {
		refuse_claim(m, idx, addr, dn);
		return 0;
	}
	if ((r = node_add(m, addr, MK_ACCOUNT, dn, 0, &idx, ebr)) == -1)
		goto nomem;
	if (r == 0)
		return 0;
	n = &m->nodes[idx];
	n->state = (uint8_t)a->state;
	/* The account list is freed page by page while the model lives on:
	   messages about this node later (a Hiera definition of the same
	   address) need the DN, derived or copied. */
	if (dn_is_derivable(m, dn, uid, len))
		n->where = NULL;
	else if ((n->where = arena_strdup(&m->arena, dn)) == NULL)
		goto nomem;
	m->st.accounts++;
	if (a->forward != NULL && account_forward(m, n, a->forward, ob,
	    uid) == -1)
		goto nomem;
	if (a->password != NULL && a->state == ACCOUNT_ACTIVE)
		return account_password(m, (uint32_t)idx, a->password, ob, uid,
		    ebr);
	return 0;
nomem:
	errbuf_syserr(ebr, "model");
	return -1;
}

int
model_add_accounts(struct model *m, const struct account_list *l,
    struct errbuf *eb)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (add_account(m, &l->v[i], eb) == -1)
			return -1;
	m->st.rejected += l->rejected + l->bad_values;
	return 0;
}

/* Start fetching the index slot where node_find(M, ADDR) will look. */
static void
node_prefetch(const struct model *m, const char *addr)
{
	if (m->nslots != 0)
		__builtin_prefetch(&m->slots[hash_fnv1a(addr, strlen(addr)) &
		    (m->nslots - 1)]);
}

/* LINE in decimal at OUT (room for 11 bytes), NUL-terminated. */
static char *
snprintf_line(char *out, unsigned line)
{
	char tmp[12], *p = tmp + sizeof(tmp);

	*--p = '\0';
	do
		*--p = (char)('0' + line % 10);
	while ((line /= 10) != 0);
	return memcpy(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* Room in the address index for N more nodes before they come: growing
   on the way would rehash them again and again, and a quarter-full
   table spares most lookups a look at another node's text. */
static int
table_reserve(struct model *m, size_t n)
{
	if (n <= m->nnodes)
		return 0; /* a few more: growing as they come is fine */
	while (m->nslots < 4 * (m->nnodes + n))
		if (table_grow(m) == -1)
			return -1;
	return 0;
}

static int
add_hiera_lists(struct model *m, const struct hiera_list *v, size_t nv,
    uint8_t kind, const char *what)
{
	char norm[2][ADDR_MAX + 1], ob[512], vb[128];
	const char *file = NULL;
	struct errbuf eb[2];
	size_t i, j, first, flen = 0;
	int bad, added, nr[2] = { 0, 0 }, c = 0;
	long idx;

	if (nv > 0)
		nr[0] = normalize(m, v[0].key, 1, norm[0], sizeof(norm[0]),
		    &eb[0]);
	for (i = 0; i < nv; i++, c ^= 1) {
		/* The next key's index slot is fetched while this entry is
		   added: at a million entries the lookups were a quarter of
		   the build, nearly all of it waiting for memory. */
		if (i + 1 < nv && (nr[!c] = normalize(m, v[i + 1].key, 1,
		    norm[!c], sizeof(norm[!c]), &eb[!c])) == 0)
			node_prefetch(m, norm[!c]);
		/* "FILE:LINE" for each entry: the file part only when it
		   changes (snprintf per entry showed in profiles). */
		if (v[i].origin.file != file) {
			file = v[i].origin.file;
			(void)snprintf(ob, sizeof(ob) - 12, "%s:", file);
			flen = strlen(ob);
		}
		(void)snprintf_line(ob + flen, v[i].origin.line);
		if (nr[c] == -1) {
			report_warnx(m->opts.report, "%s: %s: '%s': %s", ob,
			    what, buf_vis(vb, sizeof(vb), v[i].key), eb[c].msg);
			m->st.rejected++;
			continue;
		}
		if ((added = node_add(m, norm[c], kind, v[i].origin.file,
		    v[i].origin.line, &idx, &eb[c])) == -1)
			return -1;
		if (added == 0)
			continue;
		first = m->ntargets;
		bad = 0;
		for (j = 0; j < v[i].ntargets; j++) {
			int r = add_target_list(m, &m->nodes[idx],
			    v[i].targets[j], ob, what, 0);

			if (r == -1)
				return -1;
			bad |= r;
		}
		if (bad)
			m->st.rejected++;
		if (m->ntargets == first)
			report_warnx(m->opts.report,
			    "%s: %s: %s has no usable target", ob, what,
			    m->nodes[idx].addr);
	}
	return 0;
}

static int
add_alias_domains(struct model *m, const struct hiera_data *hd)
{
	char dom[ADDR_DOMAIN_MAX + 1], ob[512], vb[128];
	struct errbuf eb;
	size_t i, k;

	for (i = 0; i < hd->nalias_domains; i++) {
		const char *d = hd->alias_domains[i];

		(void)src_origin(hd->alias_domain_origins[i].file,
		    hd->alias_domain_origins[i].line, ob, sizeof(ob));
		if (addr_check_domain(d, strlen(d), 1, &eb) == -1) {
			report_warnx(m->opts.report,
			    "%s: alias_domains: '%s': %s", ob,
			    buf_vis(vb, sizeof(vb), d), eb.msg);
			m->st.rejected++;
			continue;
		}
		(void)snprintf(dom, sizeof(dom), "%s", d);
		addr_lower(dom);
		if (strcmp(dom, m->domain) == 0) {
			report_warnx(m->opts.report,
			    "%s: alias_domains: %s is the primary domain", ob,
			    dom);
			m->st.rejected++;
			continue;
		}
		for (k = 0; k < m->nadomains; k++)
			if (strcmp(m->adomains[k], dom) == 0)
				break;
		if (k < m->nadomains) {
			report_warnx(m->opts.report,
			    "%s: alias_domains: %s listed twice", ob, dom);
			m->st.conflicts++;
			continue;
		}
		if (array_grow((void **)&m->adomains, &m->capadomains,
		    m->nadomains, sizeof(*m->adomains)) == -1 ||
		    (m->adomains[m->nadomains] = arena_strdup(&m->arena, dom)) == NULL)
			return -1;
		m->nadomains++;
	}
	return 0;
}

static int
add_sender_logins(struct model *m, const struct hiera_data *hd)
{
	char norm[ADDR_MAX + 1], login[ADDR_MAX + 1], ob[512], vb[128];
	struct mlogin_src *l;
	struct errbuf eb;
	size_t i, j;

	for (i = 0; i < hd->nsender_logins; i++) {
		const struct hiera_list *s = &hd->sender_logins[i];

		(void)src_origin(s->origin.file, s->origin.line, ob,
		    sizeof(ob));
		if (normalize(m, s->key, 1, norm, sizeof(norm), &eb) == -1) {
			report_warnx(m->opts.report,
			    "%s: sender_logins: '%s': %s", ob,
			    buf_vis(vb, sizeof(vb), s->key), eb.msg);
			m->st.rejected++;
			continue;
		}
		for (j = 0; j < s->ntargets; j++) {
			(void)snprintf(login, sizeof(login), "%s",
			    s->targets[j]);
			addr_lower(login);
			if (!usable_uid(login) || *login == '\0') {
				report_warnx(m->opts.report,
				    "%s: sender_logins of %s: '%s' is "
				    "not a valid login",
				    ob, norm,
				    buf_vis(vb, sizeof(vb), s->targets[j]));
				m->st.rejected++;
				continue;
			}
			if (array_grow((void **)&m->lsrc, &m->caplsrc, m->nlsrc,
			    sizeof(*m->lsrc)) == -1)
				return -1;
			l = &m->lsrc[m->nlsrc];
			l->file = s->origin.file;
			l->line = s->origin.line;
			if ((l->key = arena_strdup(&m->arena, norm)) == NULL ||
			    (l->login = arena_strdup(&m->arena, login)) == NULL)
				return -1;
			m->nlsrc++;
		}
	}
	return 0;
}

int
model_add_hiera(struct model *m, const struct hiera_data *hd,
    struct errbuf *eb)
{
	if (add_alias_domains(m, hd) == -1 ||
	    table_reserve(m, hd->naliases + hd->nforwards) == -1 ||
	    add_hiera_lists(m, hd->aliases, hd->naliases, MK_ALIAS,
	    "aliases") == -1 ||
	    add_hiera_lists(m, hd->forwards, hd->nforwards, MK_FORWARD,
	    "forwards") == -1 ||
	    add_sender_logins(m, hd) == -1) {
		errbuf_syserr(eb, "model");
		return -1;
	}
	m->st.rejected += hd->rejected;
	return 0;
}

const struct model_stats *
model_stats(const struct model *m)
{
	return &m->st;
}

void
model_free(struct model **mp)
{
	struct model *m;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	arena_free(&m->arena); /* wiped: it may hold hashes */
	free(m->nodes);
	free(m->targets);
	free(m->pool);
	free(m->slots);
	free(m->adomains);
	free(m->lsrc);
	free(m->logins);
	free(m->pw);
	free(m->gone);
	free(m->lgone);
	free(m->order);
	free(m->doms);
	free(m);
	*mp = NULL;
}
