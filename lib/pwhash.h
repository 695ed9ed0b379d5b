/*
 * pwhash: the Dovecot "{SCHEME}hash" strings stored in mailPassword.
 * Identify and check them (cheap, no hashing), make new ones (argon2id by
 * default) and verify a password against any scheme a deployment may hold.
 * Nothing here logs; no message ever quotes a hash or a password.
 */
#ifndef UDMAIL_PWHASH_H
#define UDMAIL_PWHASH_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* Schemes we recognise, named as Dovecot 2.3 names them. */
enum pwhash_scheme {
	PWHASH_UNKNOWN,
	PWHASH_ARGON2ID,     /* {ARGON2ID}$argon2id$v=19$m=,t=,p=$salt$tag */
	PWHASH_ARGON2I,      /* {ARGON2I}$argon2i$v=19$... */
	PWHASH_SHA512_CRYPT, /* {SHA512-CRYPT}$6$[rounds=N$]salt$hash */
	PWHASH_SHA256_CRYPT, /* {SHA256-CRYPT}$5$[rounds=N$]salt$hash */
	PWHASH_MD5_CRYPT,    /* {MD5-CRYPT}$1$salt$hash (legacy) */
	PWHASH_BLF_CRYPT,    /* {BLF-CRYPT}$2y$NN$... (also $2a$, $2b$) */
	PWHASH_CRYPT,        /* {CRYPT}: whatever libc crypt(3) takes */
	PWHASH_SSHA,         /* {SSHA} base64(SHA1(pw salt) salt) (legacy) */
	PWHASH_SSHA256,      /* {SSHA256} (legacy) */
	PWHASH_SSHA512,      /* {SSHA512} (legacy) */
	PWHASH_SHA,          /* {SHA} / {SHA1} base64(SHA1(pw)), unsalted */
	PWHASH_SHA256,       /* {SHA256} unsalted (legacy) */
	PWHASH_SHA512,       /* {SHA512} unsalted (legacy) */
	PWHASH_PLAIN,        /* {PLAIN}/{CLEAR}/{CLEARTEXT}: plaintext (legacy) */
	PWHASH_SCHEME_COUNT
};

/* Longest stored string we accept or make, including the prefix. */
#define PWHASH_MAX 512
/* Hostile-cost limits: a stored hash above these is refused, since
   Dovecot would spend that much on every login attempt. */
#define PWHASH_ARGON2_M_MAX (4U * 1024 * 1024) /* KiB = 4 GiB */
#define PWHASH_ARGON2_T_MAX 1024U
#define PWHASH_ARGON2_P_MAX 255U
#define PWHASH_SHACRYPT_ROUNDS_DEFAULT 5000UL /* glibc, doveadm */
#define PWHASH_BLF_COST_DEFAULT 10UL

/* What pwhash_inspect learns from a stored string without hashing. */
struct pwhash_info {
	enum pwhash_scheme scheme;
	uint32_t m_kib, t_cost, lanes; /* argon2 */
	unsigned long rounds;  /* SHA-crypt rounds, BLF-CRYPT log2 cost */
	size_t salt_len;       /* bytes, where the scheme has one */
	size_t digest_len;     /* bytes (argon2 tag, SSHA digest) */
	const char *crypt_id;  /* {CRYPT} method: "des", "1", "5", "6", "2b",
				  "y", ... (static string) */
};

/* Parameters for pwhash_make. */
struct pwhash_params {
	enum pwhash_scheme scheme; /* ARGON2ID, ARGON2I, SHA512_CRYPT,
				      SHA256_CRYPT or BLF_CRYPT */
	uint32_t m_kib;            /* argon2 memory, KiB (default 65536) */
	uint32_t t_cost;           /* argon2 passes (default 3) */
	uint32_t lanes;            /* argon2 parallelism (default 1) */
	unsigned long rounds;      /* SHA-crypt rounds / BLF-CRYPT cost;
				      0 = the default above */
};

/* What counts as "good enough" for pwhash_needs_rehash. */
struct pwhash_floor {
	uint32_t m_kib, t_cost;          /* argon2: below either = weak */
	unsigned long shacrypt_rounds;   /* default 5000 */
	unsigned long blf_cost;          /* default 10 */
};

/* Check that STORED is a "{SCHEME}..." string Dovecot 2.3 can verify and
   that we can verify too (syntax, lengths, cost limits; no hashing).
   Returns 0 and sets *SCHEME_R, or -1 with EB saying why (never quoting
   the hash). */
int pwhash_identify(const char *stored, enum pwhash_scheme *scheme_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Same, filling INFO with the parameters found. */
int pwhash_inspect(const char *stored, struct pwhash_info *info,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* "ARGON2ID", "SHA512-CRYPT", ...; "UNKNOWN" for PWHASH_UNKNOWN. */
const char *pwhash_scheme_name(enum pwhash_scheme scheme);
/* Case-insensitive; aliases SHA1, CLEAR, CLEARTEXT accepted.  Returns
   PWHASH_UNKNOWN when not one of ours. */
enum pwhash_scheme pwhash_scheme_by_name(const char *name);
/* 1 if the scheme should be migrated whatever its cost: MD5-CRYPT, the
   SHA/SSHA family, PLAIN, and CRYPT holding DES or $1$. */
int pwhash_scheme_is_legacy(enum pwhash_scheme scheme);

/* Defaults: argon2id, m=65536 KiB, t=3, p=1 (doveadm pw -s ARGON2ID). */
void pwhash_params_default(struct pwhash_params *p);
void pwhash_floor_default(struct pwhash_floor *f);

/* Could P make hashes: a scheme pwhash_make writes, costs in range
   (rounds 0: the scheme's default)?  0, or -1 with EB saying which. */
int pwhash_params_check(const struct pwhash_params *p, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Hash the LEN bytes at PW (NUL-terminated at LEN) into OUT, as a complete
   "{SCHEME}..." string.  Returns 0, or -1 with EB set; EB->errnum is
   EINVAL when the password itself cannot be hashed (a NUL byte, over 72
   bytes for BLF-CRYPT). */
int pwhash_make(const struct pwhash_params *p, const char *pw, size_t len,
    char out[PWHASH_MAX], struct errbuf *eb)
    __attribute__((warn_unused_result));

/* Verify PW (LEN bytes, NUL-terminated) against STORED; digests are
   compared in constant time.  Returns 1 match, 0 mismatch, -1 unusable
   STORED or internal failure (EB set). */
int pwhash_verify(const char *stored, const char *pw, size_t len,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* 1 if STORED should be replaced (legacy scheme, argon2i, or a cost below
   FLOOR) with EB holding the reason ("legacy scheme MD5-CRYPT"); 0 if
   fine; -1 if STORED is unusable (EB says why). */
int pwhash_needs_rehash(const char *stored, const struct pwhash_floor *floor,
    struct errbuf *eb) __attribute__((warn_unused_result));

#endif
