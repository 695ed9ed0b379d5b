/*
 * digest: see digest.h.  The per-process key means two processes never
 * agree on a digest: digests are compared within one run, never stored.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "digest.h"

/* Entries up to this size are hashed in one call; longer ones (a value
   can reach 1 MiB) as the hash of their key's and value's hashes. */
#define DIGEST_INLINE 1024

static unsigned char digest_key[crypto_shorthash_siphashx24_KEYBYTES];
static pthread_once_t digest_once = PTHREAD_ONCE_INIT;

static void
digest_keygen(void)
{
	if (sodium_init() < 0) {
		/* randombytes_buf works without it (the default source). */
	}
	randombytes_buf(digest_key, sizeof(digest_key));
}

void
digest_add(struct digest *d, const char *key, const char *value)
{
	unsigned char h[crypto_shorthash_siphashx24_BYTES];
	unsigned char two[2 * crypto_shorthash_siphashx24_BYTES];
	unsigned char in[DIGEST_INLINE];
	size_t kl = strlen(key), vl = strlen(value);
	uint64_t lo, hi;

	(void)pthread_once(&digest_once, digest_keygen);
	if (kl + 1 + vl <= sizeof(in)) {
		memcpy(in, key, kl + 1);
		memcpy(in + kl + 1, value, vl);
		(void)crypto_shorthash_siphashx24(h, in, kl + 1 + vl,
		    digest_key);
		sodium_memzero(in, kl + 1 + vl); /* may be a hash */
	} else {
		(void)crypto_shorthash_siphashx24(two, (const void *)key, kl,
		    digest_key);
		(void)crypto_shorthash_siphashx24(two + sizeof(h),
		    (const void *)value, vl, digest_key);
		(void)crypto_shorthash_siphashx24(h, two, sizeof(two),
		    digest_key);
	}
	memcpy(&lo, h, sizeof(lo));
	memcpy(&hi, h + sizeof(lo), sizeof(hi));
	d->lo += lo;
	d->hi += hi + (d->lo < lo); /* carry */
	d->count++;
}

int
digest_equal(const struct digest *a, const struct digest *b)
{
	return a->lo == b->lo && a->hi == b->hi && a->count == b->count;
}
