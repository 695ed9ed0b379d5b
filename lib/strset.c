/*
 * strset: open-addressing hash set of byte strings (FNV-1a), strings kept
 * in chunks that double from 4 KiB to 1 MiB, so a set of a few keys costs
 * a few KiB and a million keys a few dozen allocations.  The table stays
 * at most half full.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strset.h"

#define STRSET_FIRST ((size_t)4096)
#define STRSET_CHUNK ((size_t)1 << 20)

struct strset_slot {
	const char *s; /* NULL: empty */
	size_t len;
	size_t val;
	uint64_t hash;
};

struct strset_chunk {
	struct strset_chunk *next;
	size_t used, cap;
	char data[];
};

struct strset {
	struct strset_slot *slots;
	size_t nslots; /* power of two */
	size_t count;
	struct strset_chunk *chunks;
};

static uint64_t
strset_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct strset *
strset_new(void)
{
	struct strset *set;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		return NULL;
	set->nslots = 16;
	if ((set->slots = calloc(set->nslots, sizeof(*set->slots))) == NULL) {
		free(set);
		return NULL;
	}
	return set;
}

static struct strset_slot *
strset_slot(struct strset_slot *slots, size_t nslots, const char *s,
    size_t len, uint64_t h)
{
	size_t i = (size_t)h & (nslots - 1);

	while (slots[i].s != NULL) {
		if (slots[i].hash == h && slots[i].len == len &&
		    memcmp(slots[i].s, s, len) == 0)
			break;
		i = (i + 1) & (nslots - 1);
	}
	return &slots[i];
}

static int
strset_grow(struct strset *set)
{
	struct strset_slot *ns, *d;
	size_t n = set->nslots * 2, i;

	if ((ns = calloc(n, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < set->nslots; i++) {
		if (set->slots[i].s == NULL)
			continue;
		d = strset_slot(ns, n, set->slots[i].s, set->slots[i].len,
		    set->slots[i].hash);
		*d = set->slots[i];
	}
	free(set->slots);
	set->slots = ns;
	set->nslots = n;
	return 0;
}

static char *
strset_copy(struct strset *set, const char *s, size_t len)
{
	struct strset_chunk *c = set->chunks;
	size_t cap;
	char *p;

	if (c == NULL || c->cap - c->used < len + 1) {
		cap = c == NULL ? STRSET_FIRST :
		    c->cap >= STRSET_CHUNK / 2 ? STRSET_CHUNK : c->cap * 2;
		if (len + 1 > cap)
			cap = len + 1;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = set->chunks;
		set->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

int
strset_add(struct strset *set, const char *s, size_t len, size_t val,
    size_t *old_r)
{
	struct strset_slot *slot;
	uint64_t h = strset_hash(s, len);
	char *copy;

	if ((set->count + 1) * 2 > set->nslots && strset_grow(set) == -1) {
		errno = ENOMEM;
		return -1;
	}
	slot = strset_slot(set->slots, set->nslots, s, len, h);
	if (slot->s != NULL) {
		if (old_r != NULL)
			*old_r = slot->val;
		return 0;
	}
	if ((copy = strset_copy(set, s, len)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	slot->s = copy;
	slot->len = len;
	slot->val = val;
	slot->hash = h;
	set->count++;
	return 1;
}

int
strset_find(const struct strset *set, const char *s, size_t len,
    size_t *val_r)
{
	const struct strset_slot *slot;

	slot = strset_slot(set->slots, set->nslots, s, len,
	    strset_hash(s, len));
	if (slot->s == NULL)
		return 0;
	if (val_r != NULL)
		*val_r = slot->val;
	return 1;
}

size_t
strset_count(const struct strset *set)
{
	return set->count;
}

void
strset_free(struct strset **setp, int wipe)
{
	struct strset *set;
	struct strset_chunk *c, *next;

	if (setp == NULL || (set = *setp) == NULL)
		return;
	*setp = NULL;
	for (c = set->chunks; c != NULL; c = next) {
		next = c->next;
		if (wipe)
			explicit_bzero(c->data, c->cap);
		free(c);
	}
	free(set->slots);
	free(set);
}
