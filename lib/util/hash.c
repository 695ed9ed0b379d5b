/*
 * hash: the one FNV-1a of the tree; every hash table calls it, so the
 * offset basis is written once.
 */
#include "hash.h"

uint64_t
hash_fnv1a(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = HASH_FNV1A_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= HASH_FNV1A_PRIME;
	}
	return h;
}
