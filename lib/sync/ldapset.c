/*
 * ldapset: LDAP entries by entryUUID, for mailsyncd's incremental sync.
 * Records live in one array (a delete moves the last record into the
 * hole); an open-addressing index of array positions finds them by UUID.
 * An account's strings are one allocation; its DN is left out when it
 * is the usual RDN_ATTR=UID,BASE.  Invariant: a hash is only ever in the
 * scratch file (spill) or in a buffer wiped after use.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "array.h"
#include "buf.h"
#include "ldapset.h"
#include "ldapset_int.h"
#include "report.h"
#include "spill.h"

static size_t
uuid_hash(const unsigned char *u)
{
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < LDAPSET_UUID_LEN; i++) {
		h ^= u[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29));
}

/* The slot holding UUID, or the empty slot where it would go. */
static size_t
slot_find(const struct ldapset *set, const unsigned char *uuid)
{
	size_t mask = set->nslot - 1, i = uuid_hash(uuid) & mask;

	while (set->slot[i] != 0 &&
	    memcmp(set->v[set->slot[i] - 1].uuid, uuid, LDAPSET_UUID_LEN) != 0)
		i = (i + 1) & mask;
	return i;
}

static int
index_grow(struct ldapset *set)
{
	size_t ns = set->nslot ? set->nslot * 2 : 1024, i, mask, k;
	uint32_t *s;

	if (ns > UINT32_MAX || (s = calloc(ns, sizeof(*s))) == NULL)
		return -1;
	free(set->slot);
	set->slot = s;
	set->nslot = ns;
	mask = ns - 1;
	for (i = 0; i < set->n; i++) {
		k = uuid_hash(set->v[i].uuid) & mask;
		while (s[k] != 0)
			k = (k + 1) & mask;
		s[k] = (uint32_t)(i + 1);
	}
	return 0;
}

/* Empty slot I, moving later entries of its run back (linear probing
   without tombstones). */
static void
slot_remove(struct ldapset *set, size_t i)
{
	size_t mask = set->nslot - 1, j = i, k;

	set->slot[i] = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (set->slot[j] == 0)
			return;
		k = uuid_hash(set->v[set->slot[j] - 1].uuid) & mask;
		/* Move J into the hole I unless its home K lies in (I, J]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		set->slot[i] = set->slot[j];
		set->slot[j] = 0;
		i = j;
	}
}

/* The end of the string at P, within END (NULL: trusted, no bound), or
   NULL when it has no NUL there. */
static const char *
str_end(const char *p, const char *end)
{
	if (end == NULL)
		return p + strlen(p);
	return memchr(p, '\0', (size_t)(end - p));
}

/* The length of a record's strings at S (the account's parts, then the
   warnings), with LEN bytes there (0: our own, trusted).  *WARN_R:
   where the warnings start, or NULL.  -1 when they do not fit LEN. */
long
rec_strings(const char *s, size_t len, uint8_t flags, const char **warn_r)
{
	const char *p = s, *end = len > 0 ? s + len : NULL, *nul;
	int parts = 0;

	if (flags & LS_ACCOUNT)
		parts = 1 + !!(flags & LS_FORWARD) + !!(flags & LS_DN);
	for (; parts > 0; parts--) {
		if ((nul = str_end(p, end)) == NULL)
			return -1;
		p = nul + 1;
	}
	if (warn_r != NULL)
		*warn_r = (flags & LS_WARN) ? p : NULL;
	while (flags & LS_WARN) {
		if ((nul = str_end(p, end)) == NULL)
			return -1;
		if (nul == p) {		/* the empty string ends them */
			p++;
			break;
		}
		p = nul + 1;
	}
	return (long)(p - s);
}

size_t
rec_len(const struct lsrec *r)
{
	return r->str == NULL ? 0 : (size_t)rec_strings(r->str, 0, r->flags,
	    NULL);
}

void
rec_clear(struct ldapset *set, struct lsrec *r)
{
	set->str_bytes -= rec_len(r);
	free(r->str);
	r->str = NULL;
}

static void
journal_free(struct ldapset *set)
{
	size_t i;

	for (i = 0; i < set->jn; i++)
		free(set->jv[i].old.str);
	free(set->jv);
	set->jv = NULL;
	set->jn = set->jcap = 0;
}

/* Entry UUID is about to change: the journal keeps what it was (R, or
   nothing when R is NULL), the first time only.  Takes R's strings (the
   caller must not free them).  Returns 1 if it took them. */
static int
journal_note(struct ldapset *set, const unsigned char *uuid,
    struct lsrec *r)
{
	struct ljrec *j;
	size_t i;

	if (set->journal != 1)
		return 0;
	for (i = 0; i < set->jn; i++)
		if (memcmp(set->jv[i].old.uuid, uuid, LDAPSET_UUID_LEN) == 0)
			return 0;
	if (set->jn >= JOURNAL_MAX || (set->jn == set->jcap &&
	    array_grow((void **)&set->jv, &set->jcap, set->jn,
	    sizeof(*set->jv)) == -1)) {
		journal_free(set);
		set->journal = -1;
		return 0;
	}
	j = &set->jv[set->jn++];
	memset(j, 0, sizeof(*j));
	if (r == NULL) {
		memcpy(j->old.uuid, uuid, LDAPSET_UUID_LEN);
		j->none = 1;
		return 0;
	}
	j->old = *r;
	set->str_bytes -= rec_len(r);
	r->str = NULL;
	return 1;
}

struct ldapset *
ldapset_new(const char *rdn_attr, const char *base, const char *spill_dir,
    struct errbuf *eb)
{
	struct ldapset *set;

	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (set->rdn_attr = strdup(rdn_attr)) == NULL ||
	    (base != NULL && (set->base = strdup(base)) == NULL) ||
	    (spill_dir != NULL && (set->spill_dir = strdup(spill_dir)) ==
	    NULL) || index_grow(set) == -1) {
		errbuf_syserr(eb, "ldap entries");
		ldapset_free(&set);
		return NULL;
	}
	if (spill_dir != NULL &&
	    (set->spill = spill_open(spill_dir, eb)) == NULL) {
		ldapset_free(&set);
		return NULL;
	}
	return set;
}

void
ldapset_free(struct ldapset **setp)
{
	struct ldapset *set;
	size_t i;

	if (setp == NULL || (set = *setp) == NULL)
		return;
	for (i = 0; i < set->n; i++)
		rec_clear(set, &set->v[i]);
	journal_free(set);
	free(set->v);
	free(set->slot);
	free(set->rdn_attr);
	free(set->base);
	free(set->spill_dir);
	spill_close(&set->spill);
	free(set);
	*setp = NULL;
}

int
ldapset_clear(struct ldapset *set, struct errbuf *eb)
{
	struct spill *sp = NULL;
	size_t i;

	/* A fresh scratch file: the old one holds every hash ever put. */
	if (set->spill_dir != NULL &&
	    (sp = spill_open(set->spill_dir, eb)) == NULL)
		return -1;
	for (i = 0; i < set->n; i++)
		rec_clear(set, &set->v[i]);
	set->n = 0;
	if (set->journal == 1) {
		journal_free(set);
		set->journal = -1;
	}
	memset(set->slot, 0, set->nslot * sizeof(*set->slot));
	if (sp != NULL) {
		spill_close(&set->spill);
		set->spill = sp;
	}
	return 0;
}

/* Is DN "RDN_ATTR=UID,BASE"? */
static int
dn_derivable(const struct ldapset *set, const char *dn, const char *uid)
{
	size_t al = strlen(set->rdn_attr), ul = strlen(uid);

	return set->base != NULL && strncmp(dn, set->rdn_attr, al) == 0 &&
	    dn[al] == '=' && strncmp(dn + al + 1, uid, ul) == 0 &&
	    dn[al + 1 + ul] == ',' && strcmp(dn + al + 2 + ul, set->base) == 0;
}

/* The record for L (rejected or one account) in R, UUID not set. */
static int
rec_make(struct ldapset *set, struct account_list *l, const char *warnings,
    size_t wlen, struct lsrec *r, struct errbuf *eb)
{
	const struct account *a = l->n == 1 ? &l->v[0] : NULL;
	size_t ul = 0, fl = 0, dl = 0, wl = 0, len;
	const char *w;
	char *p;

	memset(r, 0, sizeof(*r));
	r->flags = (uint8_t)((l->have_forward ? LS_HAVE_FWD : 0) |
	    (l->have_password ? LS_HAVE_PW : 0) |
	    (l->have_user_password ? LS_HAVE_UPW : 0));
	r->bad = (uint16_t)(l->bad_values > UINT16_MAX ? UINT16_MAX :
	    l->bad_values);
	r->gen = set->gen;
	if (a != NULL) {
		r->flags |= LS_ACCOUNT;
		r->state = (uint8_t)a->state;
		ul = strlen(a->uid) + 1;
		if (a->forward != NULL) {
			r->flags |= LS_FORWARD;
			fl = strlen(a->forward) + 1;
		}
		if (!dn_derivable(set, a->dn, a->uid)) {
			r->flags |= LS_DN;
			dl = strlen(a->dn) + 1;
		}
	}
	/* Each warning with its NUL (empty ones left out), then "". */
	for (w = warnings; w != NULL && w < warnings + wlen;
	    w += strlen(w) + 1)
		wl += *w != '\0' ? strlen(w) + 1 : 0;
	if (wl > 0) {
		r->flags |= LS_WARN;
		wl++;
	}
	if ((len = ul + fl + dl + wl) == 0)
		return 0;
	if ((r->str = p = malloc(len)) == NULL) {
		errbuf_syserr(eb, "ldap entries");
		return -1;
	}
	if (a != NULL) {
		memcpy(p, a->uid, ul);
		if (fl > 0)
			memcpy(p + ul, a->forward, fl);
		if (dl > 0)
			memcpy(p + ul + fl, a->dn, dl);
		p += ul + fl + dl;
	}
	for (w = warnings; wl > 0 && w < warnings + wlen; w += strlen(w) + 1)
		if (*w != '\0')
			p = stpcpy(p, w) + 1;
	if (wl > 0)
		*p = '\0';
	set->str_bytes += len;
	if (a != NULL && a->password != NULL && set->spill != NULL) {
		if (spill_put(set->spill, a->password, &r->pwref, eb) == -1) {
			rec_clear(set, r);
			return -1;
		}
		r->flags |= LS_PASSWORD;
	}
	return 0;
}

/* Record R in the set, replacing the one with its UUID; on failure R
   is cleared.  0, or -1 with EB set. */
int
ldapset_insert(struct ldapset *set, struct lsrec *r, struct errbuf *eb)
{
	size_t i = slot_find(set, r->uuid);

	if (set->slot[i] != 0) {
		(void)journal_note(set, r->uuid, &set->v[set->slot[i] - 1]);
		rec_clear(set, &set->v[set->slot[i] - 1]);
		set->v[set->slot[i] - 1] = *r;
		return 0;
	}
	(void)journal_note(set, r->uuid, NULL);
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 1024;
		struct lsrec *nv;

		if ((nv = reallocarray(set->v, nc, sizeof(*nv))) == NULL)
			goto nomem;
		set->v = nv;
		set->cap = nc;
	}
	set->v[set->n++] = *r;
	if (set->n * 2 > set->nslot) {
		if (index_grow(set) == -1) {
			set->n--;
			goto nomem;
		}
	} else
		set->slot[i] = (uint32_t)set->n;
	return 0;
nomem:
	rec_clear(set, r);
	errbuf_syserr(eb, "ldap entries");
	return -1;
}

int
ldapset_put(struct ldapset *set, const unsigned char *uuid,
    struct account_list *l, const char *warnings, size_t wlen,
    struct errbuf *eb)
{
	struct lsrec r;
	int ret = -1;

	if (rec_make(set, l, warnings, wlen, &r, eb) == -1)
		goto out;
	memcpy(r.uuid, uuid, LDAPSET_UUID_LEN);
	ret = ldapset_insert(set, &r, eb);
out:
	account_list_free(l);
	return ret;
}

int
ldapset_delete(struct ldapset *set, const unsigned char *uuid)
{
	size_t i = slot_find(set, uuid), pos, last;

	if (set->slot[i] == 0)
		return 0;
	pos = set->slot[i] - 1;
	(void)journal_note(set, uuid, &set->v[pos]);
	rec_clear(set, &set->v[pos]);
	slot_remove(set, i);
	last = set->n - 1;
	if (pos != last) {
		set->v[pos] = set->v[last];
		set->slot[slot_find(set, set->v[pos].uuid)] =
		    (uint32_t)(pos + 1);
	}
	set->n--;
	return 1;
}

void
ldapset_begin(struct ldapset *set)
{
	set->gen++;
}

int
ldapset_mark(struct ldapset *set, const unsigned char *uuid)
{
	size_t i = slot_find(set, uuid);

	if (set->slot[i] == 0)
		return 0;
	set->v[set->slot[i] - 1].gen = set->gen;
	return 1;
}

size_t
ldapset_sweep(struct ldapset *set)
{
	size_t i = 0, n = 0;

	while (i < set->n) {
		if (set->v[i].gen != set->gen) {
			/* The last record moves to I: look at I again. */
			(void)ldapset_delete(set, set->v[i].uuid);
			n++;
		} else
			i++;
	}
	return n;
}

size_t
ldapset_count(const struct ldapset *set)
{
	return set->n;
}

size_t
ldapset_memory(const struct ldapset *set)
{
	return set->cap * sizeof(*set->v) + set->nslot * sizeof(*set->slot) +
	    set->str_bytes;
}

/* Add record R to page L. */
static int
walk_add(const struct ldapset *set, const struct lsrec *r,
    struct account_list *l, struct errbuf *eb)
{
	char pw[SPILL_STR_MAX + 1], *dnbuf = NULL;
	const char *uid = r->str, *fwd = NULL, *dn, *p;
	int rc;

	p = uid + strlen(uid) + 1;
	if (r->flags & LS_FORWARD) {
		fwd = p;
		p += strlen(p) + 1;
	}
	if (r->flags & LS_DN)
		dn = p;
	else if (asprintf(&dnbuf, "%s=%s,%s", set->rdn_attr, uid,
	    set->base) == -1) {
		errbuf_syserr(eb, "ldap entries");
		return -1;
	} else
		dn = dnbuf;
	if ((r->flags & LS_PASSWORD) &&
	    spill_get(set->spill, r->pwref, pw, sizeof(pw), eb) == -1) {
		free(dnbuf);
		return -1;
	}
	rc = account_list_add(l, dn, uid, fwd,
	    (r->flags & LS_PASSWORD) ? pw : NULL,
	    (enum account_state)r->state);
	/* What spill_get wrote, not the whole buffer: a million times. */
	if (r->flags & LS_PASSWORD)
		sodium_memzero(pw, strlen(pw));
	free(dnbuf);
	if (rc == -1)
		errbuf_syserr(eb, "ldap entries");
	return rc;
}

/* Record R into L with the counters a fetch keeps (ldapset_walk
   counts them), its warnings reported to REP. */
static int
rec_page(const struct ldapset *set, const struct lsrec *r,
    struct account_list *l, struct report *rep, struct errbuf *eb)
{
	const char *w;

	if ((r->flags & LS_WARN) && rec_strings(r->str, 0, r->flags, &w) > 0)
		for (; *w != '\0'; w += strlen(w) + 1)
			report_warnx(rep, "%s", w);
	l->have_forward += (r->flags & LS_HAVE_FWD) != 0;
	l->have_password += (r->flags & LS_HAVE_PW) != 0;
	l->have_user_password += (r->flags & LS_HAVE_UPW) != 0;
	l->bad_values += r->bad;
	if (!(r->flags & LS_ACCOUNT)) {
		l->rejected++;
		return 0;
	}
	return walk_add(set, r, l, eb);
}

int
ldapset_walk(const struct ldapset *set, struct account_list *l,
    src_ldap_page_fn *fn, void *arg, struct report *rep, struct errbuf *eb)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (rec_page(set, &set->v[i], l, rep, eb) == -1)
			goto fail;
		if (l->n >= WALK_PAGE && fn(l, arg, eb) == -1)
			goto fail;
	}
	if (fn(l, arg, eb) == -1)
		goto fail;
	account_list_free(l);
	return 0;
fail:
	account_list_free(l);
	return -1;
}

void
ldapset_journal_start(struct ldapset *set)
{
	journal_free(set);
	set->journal = 1;
}

int
ldapset_journal_whole(const struct ldapset *set)
{
	return set->journal == 1;
}

size_t
ldapset_journal_count(const struct ldapset *set)
{
	return set->journal == 1 ? set->jn : 0;
}

int
ldapset_journal_entry(const struct ldapset *set, size_t i,
    struct account_list *old, struct account_list *cur,
    struct report *old_rep, struct report *cur_rep, struct errbuf *eb)
{
	const struct ljrec *j = &set->jv[i];
	size_t k;

	if (!j->none && rec_page(set, &j->old, old, old_rep, eb) == -1)
		return -1;
	k = slot_find(set, j->old.uuid);
	if (set->slot[k] != 0 && rec_page(set, &set->v[set->slot[k] - 1],
	    cur, cur_rep, eb) == -1)
		return -1;
	return 0;
}

void
ldapset_uid_count(const struct ldapset *set, const char *const *uids,
    size_t n, size_t *counts)
{
	const struct lsrec *r;
	size_t i, k;

	memset(counts, 0, n * sizeof(*counts));
	for (i = 0; i < set->n; i++) {
		r = &set->v[i];
		if (!(r->flags & LS_ACCOUNT))
			continue;
		for (k = 0; k < n; k++)
			if (strcasecmp(r->str, uids[k]) == 0)
				counts[k]++;
	}
}
