/*
 * hash: FNV-1a, 64 bits, for the in-memory hash tables (strset, the
 * model's address index, the YAML duplicate-key check).  Not for anything
 * an attacker must not steer: digest uses keyed SipHash for that.
 */
#ifndef UDMAIL_HASH_H
#define UDMAIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a offset basis and prime (draft-eastlake-fnv, 64-bit). */
#define HASH_FNV1A_OFFSET 14695981039346656037ULL
#define HASH_FNV1A_PRIME  1099511628211ULL

/* FNV-1a of P[0..LEN). */
uint64_t hash_fnv1a(const void *p, size_t len);

#endif
