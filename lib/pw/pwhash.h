/*
 * pwhash: the password strings stored in mailPassword, "{SCHEME}hash" or
 * a bare crypt(3) hash.  Identify and check them (cheap, no hashing), turn
 * them into the explicit form the passwd-file publishes, make new ones
 * (argon2id by default) and verify a password against any scheme a
 * deployment may hold.  Nothing here logs; no message ever quotes a hash
 * or a password.
 */
#ifndef UDMAIL_PWHASH_H
#define UDMAIL_PWHASH_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* Schemes we publish, named as Dovecot 2.3 names them.  A stored value
   is published under the scheme that names what it holds, whatever
   prefix (or none) it was stored with: "$1$..." becomes
   "{MD5-CRYPT}$1$...", "{CRYPT}$6$..." "{SHA512-CRYPT}$6$...". */
enum pwhash_scheme {
	PWHASH_UNKNOWN,
	PWHASH_ARGON2ID,     /* {ARGON2ID}$argon2id$v=19$m=,t=,p=$salt$tag */
	PWHASH_ARGON2I,      /* {ARGON2I}$argon2i$v=19$... */
	PWHASH_SHA512_CRYPT, /* {SHA512-CRYPT}$6$[rounds=N$]salt$hash */
	PWHASH_SHA256_CRYPT, /* {SHA256-CRYPT}$5$[rounds=N$]salt$hash */
	PWHASH_MD5_CRYPT,    /* {MD5-CRYPT}$1$salt$hash (legacy) */
	PWHASH_BLF_CRYPT,    /* {BLF-CRYPT}$2y$NN$... ($2a$, $2b$; $2x$ legacy) */
	PWHASH_CRYPT,        /* {CRYPT}: yescrypt $y$ and gost-yescrypt $gy$;
				the other crypt(3) methods have their names */
	PWHASH_DES_CRYPT,    /* {DES-CRYPT} 13-character DES crypt(3) (legacy) */
	PWHASH_SSHA,         /* {SSHA} base64(SHA1(pw salt) salt) (legacy) */
	PWHASH_SSHA256,      /* {SSHA256} (legacy) */
	PWHASH_SSHA512,      /* {SSHA512} (legacy) */
	PWHASH_SMD5,         /* {SMD5} base64(MD5(pw salt) salt) (legacy) */
	PWHASH_SHA,          /* {SHA} / {SHA1} SHA1(pw), base64 or hex */
	PWHASH_SHA256,       /* {SHA256} unsalted (legacy) */
	PWHASH_SHA512,       /* {SHA512} unsalted (legacy) */
	PWHASH_PLAIN_MD5,    /* {PLAIN-MD5} MD5(pw), hex or base64 (legacy) */
	PWHASH_LDAP_MD5,     /* {LDAP-MD5} the same digest (legacy) */
	PWHASH_PBKDF2,       /* {PBKDF2}$1$salt$rounds$hex: PBKDF2-HMAC-SHA1
				(legacy) */
	PWHASH_SCRAM_SHA1,   /* {SCRAM-SHA-1}iter,salt,storedkey,serverkey
				(legacy) */
	PWHASH_SCRAM_SHA256, /* {SCRAM-SHA-256} likewise (legacy) */
	PWHASH_PLAIN,        /* {PLAIN}/{CLEAR}/{CLEARTEXT}: plaintext (legacy) */
	PWHASH_PLAIN_TRUNC,  /* {PLAIN-TRUNC}N-plaintext (legacy) */
	PWHASH_SCHEME_COUNT
};

/* Longest stored string we accept or make, including the prefix; the
   published form ("{SCHEME}" added to a bare value) must fit too. */
#define PWHASH_MAX 512
/* Longest name inside "{...}", an encoding suffix included. */
#define PWHASH_NAME_MAX 32
/* Hostile-cost limits: a stored hash above these is refused, since
   Dovecot would spend that much on every login attempt. */
#define PWHASH_ARGON2_M_MAX (4U * 1024 * 1024) /* KiB = 4 GiB */
#define PWHASH_ARGON2_T_MAX 1024U
#define PWHASH_ARGON2_P_MAX 255U
#define PWHASH_PBKDF2_ROUNDS_MAX 1000000UL
#define PWHASH_SCRAM_ITER_MIN 4096UL /* Dovecot refuses fewer */
#define PWHASH_SCRAM_ITER_MAX 1000000UL
#define PWHASH_SHACRYPT_ROUNDS_DEFAULT 5000UL /* glibc, doveadm */
#define PWHASH_BLF_COST_DEFAULT 10UL

/* The most one login may cost Dovecot to verify a stored hash.  A value
   beyond any of these (a mistake, or someone with write access to LDAP)
   would tie up Dovecot's auth workers for seconds to minutes per attempt
   (for example "$6$rounds=999999999$", argon2 m=4 GiB t=1024), so it is
   not published.  udmail.yaml: password_policy.max_cost. */
struct pwhash_ceiling {
	unsigned argon2_m_kib;  /* memory; default 1 GiB */
	unsigned argon2_t;      /* passes; default 16 */
	unsigned crypt_rounds;  /* SHA-crypt rounds; default 500000 */
	unsigned bcrypt_cost;   /* BLF-CRYPT log2 cost; default 14 */
	unsigned pbkdf2_rounds; /* PBKDF2 rounds, SCRAM iterations;
				   default 500000 */
};
#define PWHASH_CEILING_DEFAULT { 1048576U, 16U, 500000U, 14U, 500000U }

/* What pwhash_inspect learns from a stored string without hashing. */
struct pwhash_info {
	enum pwhash_scheme scheme; /* the scheme it is published under */
	int bare;              /* stored without a {SCHEME} prefix */
	const char *body;      /* into the stored string: what follows the
				  published "{SCHEME}" */
	size_t body_len;       /* may end before the stored string does
				  (Dovecot ignores a bare $1$ hash's tail) */
	const char *encoding;  /* "", or ".HEX" / ".B64" when the stored
				  prefix named one (digest schemes only) */
	uint32_t m_kib, t_cost, lanes; /* argon2 */
	unsigned long rounds;  /* SHA-crypt rounds, BLF-CRYPT log2 cost,
				  PBKDF2 rounds, SCRAM iterations */
	size_t salt_len;       /* bytes, where the scheme has one */
	size_t digest_len;     /* bytes (argon2 tag, SSHA digest) */
	const char *crypt_id;  /* crypt(3) method: "des", "1", "5", "6",
				  "2a", "2b", "2x", "2y", "y", "gy" (static
				  string); NULL outside the crypt family */
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

/* The "{NAME}" prefix grammar, the one place it is parsed: '{', 1 to
   PWHASH_NAME_MAX characters of A-Z a-z 0-9 - _ ., '}'.  Returns 1 and
   sets *NAME_R, *NAME_LEN_R (the name inside the braces) and *BODY_R
   (what follows) when S starts with one; 0 when S does not start with
   '{' (Dovecot's bare form); -1 when it starts with '{' but the prefix
   is malformed.  Output pointers may be NULL. */
int pwhash_prefix(const char *s, const char **name_r, size_t *name_len_r,
    const char **body_r);

/* Check that STORED is a value Dovecot 2.3's passwd-file verifies and
   that we can verify too (syntax, lengths, cost limits; no hashing):
   "{SCHEME}..." for the schemes above and their aliases (SHA1, CLEAR,
   CLEARTEXT, MD5, names in any case, .HEX/.B64 on digests), or a bare
   crypt(3) string ($1$, $5$, $6$, $2a/b/x/y$, $y$, $gy$, DES), which
   Dovecot reads with its default scheme CRYPT.  Returns 0 and fills
   INFO, or -1 with EB saying why, never quoting the hash; EB->errnum is
   ENOTSUP for a scheme Dovecot has and udmail does not (CRAM-MD5,
   DIGEST-MD5, PLAIN-MD4, OTP, ...). */
int pwhash_inspect(const char *stored, struct pwhash_info *info,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Same, setting only *SCHEME_R (PWHASH_UNKNOWN on failure). */
/* 0 if verifying the hash INFO describes (as pwhash_inspect filled it)
   stays within CEILING, else -1 with EB naming the parameter, its value
   and the ceiling (never the hash). */
int pwhash_cost_check(const struct pwhash_info *info,
    const struct pwhash_ceiling *ceiling, struct errbuf *eb)
    __attribute__((warn_unused_result));
int pwhash_identify(const char *stored, enum pwhash_scheme *scheme_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Write STORED as the passwd-file publishes it, "{SCHEME}" + the part
   Dovecot checks, into OUT (a NUL-terminated string; the caller wipes
   it).  INFO (may be NULL) as pwhash_inspect fills it.  Returns 0, or -1
   with EB set as pwhash_inspect does (also when the result would not
   fit in PWHASH_MAX). */
int pwhash_canonical(const char *stored, char out[PWHASH_MAX],
    struct pwhash_info *info, struct errbuf *eb)
    __attribute__((warn_unused_result));

/* "ARGON2ID", "SHA512-CRYPT", ...; "UNKNOWN" for PWHASH_UNKNOWN. */
const char *pwhash_scheme_name(enum pwhash_scheme scheme);
/* Case-insensitive; aliases SHA1, CLEAR, CLEARTEXT accepted.  Returns
   PWHASH_UNKNOWN when not one of ours. */
enum pwhash_scheme pwhash_scheme_by_name(const char *name);
/* 1 if the scheme should be migrated whatever its cost: everything but
   ARGON2ID, ARGON2I, SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT and CRYPT
   (yescrypt). */
int pwhash_scheme_is_legacy(enum pwhash_scheme scheme);
/* 1 if the inspected hash INFO is legacy: a legacy scheme, or bcrypt's
   $2x$ (made by the pre-2011 code with its 8-bit bug). */
int pwhash_info_is_legacy(const struct pwhash_info *info);

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

/* Verify PW (LEN bytes, NUL-terminated) against STORED (anything
   pwhash_inspect accepts), as Dovecot would; digests are compared in
   constant time, and a PW holding a NUL byte never matches (Dovecot
   passwords are C strings).  Returns 1 match, 0 mismatch, -1 unusable
   STORED or internal failure (EB set). */
int pwhash_verify(const char *stored, const char *pw, size_t len,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* 1 if STORED should be replaced (legacy scheme, bcrypt $2x$, argon2i,
   or a cost below FLOOR) with EB holding the reason ("legacy scheme
   MD5-CRYPT"); 0 if fine; -1 if STORED is unusable (EB says why). */
int pwhash_needs_rehash(const char *stored, const struct pwhash_floor *floor,
    struct errbuf *eb) __attribute__((warn_unused_result));

#endif
