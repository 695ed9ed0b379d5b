/*
 * strset: open-addressing hash set of byte strings (FNV-1a, lib/util/hash),
 * strings kept in an arena whose blocks double from 4 KiB to 1 MiB, so a set of a
 * few keys costs a few KiB and a million keys a few dozen allocations.
 * The table stays at most half full.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "hash.h"
#include "strset.h"

#define STRSET_FIRST ((size_t)4096)
#define STRSET_CHUNK ((size_t)1 << 20)

struct strset_slot {
	const char *s; /* NULL: empty */
	size_t len;
	size_t val;
	uint64_t hash;
};

struct strset {
	struct strset_slot *slots;
	size_t nslots; /* power of two */
	size_t count;
	struct arena strings;
};

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
	arena_init(&set->strings, STRSET_FIRST, STRSET_CHUNK, 0);
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

int
strset_add(struct strset *set, const char *s, size_t len, size_t val,
    size_t *old_r)
{
	struct strset_slot *slot;
	uint64_t h = hash_fnv1a(s, len);
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
	if ((copy = arena_strndup(&set->strings, s, len)) == NULL) {
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
	    hash_fnv1a(s, len));
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

	if (setp == NULL || (set = *setp) == NULL)
		return;
	*setp = NULL;
	set->strings.wipe = wipe != 0; /* the owner knows what it stored */
	arena_free(&set->strings);
	free(set->slots);
	free(set);
}
