/*
 * digest: an order-independent fingerprint of a table's entries, so that
 * a new table can be compared with the published one without holding
 * either in memory, whatever order each is stored in (Berkeley DB hash
 * order is random, the passwd-file follows LDAP).  Each entry is hashed
 * with SipHash-2-4 (128-bit output) under a key drawn once per process,
 * and the hashes are added modulo 2^128: equal multisets give equal
 * sums; different ones collide with probability about 2^-128, and
 * without the key nobody can aim for a collision.
 */
#ifndef UDMAIL_DIGEST_H
#define UDMAIL_DIGEST_H

#include <stdint.h>

struct digest {
	uint64_t lo, hi;
	long long count;
};

#define DIGEST_INIT { 0, 0, 0 }

/* Add KEY -> VALUE (NUL-terminated; KEY has no NUL inside, so the pair
   is unambiguous). */
void digest_add(struct digest *d, const char *key, const char *value);
int digest_equal(const struct digest *a, const struct digest *b);

#endif
