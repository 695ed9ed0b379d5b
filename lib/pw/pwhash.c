/*
 * pwhash: make new mail password hashes (argon2id by default, as Dovecot
 * 2.3 verifies them) and judge stored ones against a cost floor.  Parsing
 * lives in pwhash_parse.c, verification in pwhash_verify.c.  Invariant:
 * no error message quotes any part of a hash or a password.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <crypt.h>
#include <sodium.h>

#include "pwhash.h"

void
pwhash_params_default(struct pwhash_params *p)
{
	memset(p, 0, sizeof(*p));
	p->scheme = PWHASH_ARGON2ID;
	p->m_kib = 65536;
	p->t_cost = 3;
	p->lanes = 1;
}

void
pwhash_floor_default(struct pwhash_floor *f)
{
	memset(f, 0, sizeof(*f));
	f->m_kib = 65536;
	f->t_cost = 3;
	f->shacrypt_rounds = PWHASH_SHACRYPT_ROUNDS_DEFAULT;
	f->blf_cost = PWHASH_BLF_COST_DEFAULT;
}

static int
make_argon2(const struct pwhash_params *p, const char *pw, size_t len,
    char *enc, size_t encsz, struct errbuf *eb)
{
	argon2_type type = p->scheme == PWHASH_ARGON2ID ? Argon2_id : Argon2_i;
	unsigned char salt[16];
	int rc;

	/* libsodium's argon2 is the optimised one Dovecot uses; Debian's
	   libargon2 is the portable reference code, about 3x slower.  But
	   libsodium makes only p=1 strings (and argon2i with t>=3). */
	if (p->lanes == 1 && (type == Argon2_id || p->t_cost >= 3) &&
	    (size_t)p->m_kib * 1024 >= crypto_pwhash_MEMLIMIT_MIN &&
	    encsz >= crypto_pwhash_STRBYTES) {
		if (crypto_pwhash_str_alg(enc, pw, len, p->t_cost,
		    (size_t)p->m_kib * 1024, type == Argon2_id ?
		    crypto_pwhash_ALG_ARGON2ID13 :
		    crypto_pwhash_ALG_ARGON2I13) != 0) {
			errbuf_syserr(eb, "argon2 hashing failed");
			return -1;
		}
		return 0;
	}
	randombytes_buf(salt, sizeof(salt));
	rc = argon2_hash(p->t_cost, p->m_kib, p->lanes, pw, len, salt,
	    sizeof(salt), NULL, 32, enc, encsz, type, ARGON2_VERSION_13);
	sodium_memzero(salt, sizeof(salt));
	if (rc != ARGON2_OK) {
		errbuf_set(eb, "argon2 hashing failed: %s",
		    argon2_error_message(rc));
		return -1;
	}
	return 0;
}

static int
make_crypt(const struct pwhash_params *p, const char *pw, size_t len,
    char *enc, size_t encsz, struct errbuf *eb)
{
	/* Dovecot's own bcrypt and doveadm write $2y$. */
	const char *prefix = p->scheme == PWHASH_SHA512_CRYPT ? "$6$" :
	    p->scheme == PWHASH_SHA256_CRYPT ? "$5$" : "$2y$";
	unsigned long rounds = p->rounds != 0 ? p->rounds :
	    p->scheme == PWHASH_BLF_CRYPT ? PWHASH_BLF_COST_DEFAULT :
	    PWHASH_SHACRYPT_ROUNDS_DEFAULT;
	struct crypt_data *cd;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;
	int rc = -1;

	if (crypt_gensalt_rn(prefix, rounds, NULL, 0, setting,
	    sizeof(setting)) == NULL) {
		errbuf_syserr(eb, "crypt_gensalt %s", prefix);
		return -1;
	}
	if ((cd = calloc(1, sizeof(*cd))) == NULL) {
		errbuf_syserr(eb, "crypt");
		return -1;
	}
	h = crypt_r(pw, setting, cd);
	if (h == NULL || h[0] == '*') {
		errbuf_syserr(eb, "crypt %s failed", prefix);
		goto fail;
	}
	if (strlen(h) >= encsz) {
		errbuf_set(eb, "crypt result too long");
		goto fail;
	}
	memcpy(enc, h, strlen(h) + 1);
	rc = 0;
fail:
	sodium_memzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
pwhash_params_check(const struct pwhash_params *p, struct errbuf *eb)
{
	unsigned long r = p->rounds;

	switch (p->scheme) {
	case PWHASH_ARGON2ID:
	case PWHASH_ARGON2I:
		if (p->lanes < 1 || p->lanes > PWHASH_ARGON2_P_MAX ||
		    p->t_cost < 1 || p->t_cost > PWHASH_ARGON2_T_MAX ||
		    p->m_kib < 8 * p->lanes ||
		    p->m_kib > PWHASH_ARGON2_M_MAX) {
			errbuf_set(eb, "argon2 cost m=%u,t=%u,p=%u out of "
			    "range (m 8*p..%u KiB, t 1..%u, p 1..%u)",
			    p->m_kib, p->t_cost, p->lanes, PWHASH_ARGON2_M_MAX,
			    PWHASH_ARGON2_T_MAX, PWHASH_ARGON2_P_MAX);
			return -1;
		}
		return 0;
	case PWHASH_SHA512_CRYPT:
	case PWHASH_SHA256_CRYPT:
		if (r != 0 && (r < 1000 || r > 999999999)) {
			errbuf_set(eb, "SHA-crypt rounds %lu out of range "
			    "1000..999999999", r);
			return -1;
		}
		return 0;
	case PWHASH_BLF_CRYPT:
		if (r != 0 && (r < 4 || r > 31)) {
			errbuf_set(eb, "bcrypt cost %lu out of range 4..31", r);
			return -1;
		}
		return 0;
	default:
		errbuf_set(eb, "cannot make {%s} hashes",
		    pwhash_scheme_name(p->scheme));
		return -1;
	}
}

int
pwhash_make(const struct pwhash_params *p, const char *pw, size_t len,
    char out[PWHASH_MAX], struct errbuf *eb)
{
	const char *name = pwhash_scheme_name(p->scheme);
	char enc[PWHASH_MAX];
	size_t nlen = strlen(name);
	int rc;

	assert(pw != NULL && pw[len] == '\0');
	out[0] = '\0';
	if (sodium_init() < 0) {
		errbuf_set(eb, "libsodium initialisation failed");
		return -1;
	}
	if (pwhash_params_check(p, eb) == -1)
		return -1;
	if (memchr(pw, '\0', len) != NULL) {
		errbuf_set(eb, "password contains a NUL byte");
		eb->errnum = EINVAL;
		return -1;
	}
	if (p->scheme == PWHASH_BLF_CRYPT && len > 72) {
		errbuf_set(eb, "BLF-CRYPT uses only the first 72 bytes of a "
		    "password; this one has %zu", len);
		eb->errnum = EINVAL;
		return -1;
	}
	if (p->scheme == PWHASH_ARGON2ID || p->scheme == PWHASH_ARGON2I)
		rc = make_argon2(p, pw, len, enc, sizeof(enc) - nlen - 2, eb);
	else
		rc = make_crypt(p, pw, len, enc, sizeof(enc) - nlen - 2, eb);
	if (rc == -1)
		return -1;
	out[0] = '{';
	memcpy(out + 1, name, nlen);
	out[nlen + 1] = '}';
	memcpy(out + nlen + 2, enc, strlen(enc) + 1);
	sodium_memzero(enc, sizeof(enc));
	return 0;
}

int
pwhash_needs_rehash(const char *stored, const struct pwhash_floor *floor,
    struct errbuf *eb)
{
	struct pwhash_info info;
	const char *name;

	if (pwhash_inspect(stored, &info, eb) == -1)
		return -1;
	name = pwhash_scheme_name(info.scheme);
	if (pwhash_scheme_is_legacy(info.scheme)) {
		errbuf_set(eb, "legacy scheme %s", name);
		return 1;
	}
	switch (info.scheme) {
	case PWHASH_ARGON2ID:
	case PWHASH_ARGON2I:
		if (info.m_kib < floor->m_kib || info.t_cost < floor->t_cost) {
			errbuf_set(eb, "%s cost m=%u,t=%u below m=%u,t=%u", name,
			    info.m_kib, info.t_cost, floor->m_kib,
			    floor->t_cost);
			return 1;
		}
		if (info.scheme == PWHASH_ARGON2I) {
			errbuf_set(eb, "ARGON2I, not ARGON2ID");
			return 1;
		}
		break;
	case PWHASH_BLF_CRYPT:
		/* $2x$: made by the pre-2011 code with its 8-bit bug. */
		if (strcmp(info.crypt_id, "2x") == 0) {
			errbuf_set(eb, "legacy bcrypt variant $2x$");
			return 1;
		}
		if (info.rounds < floor->blf_cost) {
			errbuf_set(eb, "bcrypt cost %lu below %lu", info.rounds,
			    floor->blf_cost);
			return 1;
		}
		break;
	case PWHASH_SHA512_CRYPT:
	case PWHASH_SHA256_CRYPT:
		if (info.rounds < floor->shacrypt_rounds) {
			errbuf_set(eb, "SHA-crypt rounds %lu below %lu",
			    info.rounds, floor->shacrypt_rounds);
			return 1;
		}
		break;
	default:
		break;
	}
	errbuf_clear(eb);
	return 0;
}
