/*
 * pwhash_parse: read stored password strings the way Dovecot 2.3.19's
 * passwd-file does (password_get_scheme, password_decode and each
 * scheme's verify in src/auth/password-scheme*.c), without hashing, and
 * name the scheme each is published under.  Invariant: a string accepted
 * here is one Dovecot verifies under its published form, and no error
 * message quotes any part of it except a known scheme name.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <crypt.h>
#include <sodium.h>

#include "pwhash.h"
#include "pwhash_int.h"

/* What a stored prefix allows after it. */
enum body_rule {
	BODY_ARGON2,   /* $argon2id$ or $argon2i$: libsodium verifies
			  either under both names */
	BODY_CRYPT,    /* any crypt(3) hash: Dovecot's CRYPT, DES-CRYPT,
			  SHA256-CRYPT and SHA512-CRYPT all call crypt() */
	BODY_MD5CRYPT, /* $1$ only (Dovecot's own md5crypt) */
	BODY_BCRYPT,   /* $2a$ $2b$ $2x$ $2y$ (Dovecot's crypt_blowfish) */
	BODY_MD5,      /* {MD5}: $1$ is MD5-CRYPT, else a PLAIN-MD5 digest */
	BODY_DIGEST,   /* a digest of known length, hex or base64 */
	BODY_SALTED,   /* digest then salt, base64 */
	BODY_PBKDF2,
	BODY_SCRAM,
	BODY_PLAIN,
	BODY_TRUNC,
};

/* The names a stored prefix may carry.  The first row of a scheme is
   its canonical (published) name; aliases follow. */
static const struct decl {
	const char *name;
	enum pwhash_scheme scheme; /* UNKNOWN: the body decides */
	enum body_rule rule;
	size_t dlen;               /* digest bytes */
} decls[] = {
	{ "ARGON2ID", PWHASH_ARGON2ID, BODY_ARGON2, 0 },
	{ "ARGON2I", PWHASH_ARGON2I, BODY_ARGON2, 0 },
	{ "SHA512-CRYPT", PWHASH_SHA512_CRYPT, BODY_CRYPT, 0 },
	{ "SHA256-CRYPT", PWHASH_SHA256_CRYPT, BODY_CRYPT, 0 },
	{ "MD5-CRYPT", PWHASH_MD5_CRYPT, BODY_MD5CRYPT, 0 },
	{ "BLF-CRYPT", PWHASH_BLF_CRYPT, BODY_BCRYPT, 0 },
	{ "CRYPT", PWHASH_CRYPT, BODY_CRYPT, 0 },
	{ "DES-CRYPT", PWHASH_DES_CRYPT, BODY_CRYPT, 0 },
	{ "SSHA", PWHASH_SSHA, BODY_SALTED, 20 },
	{ "SSHA256", PWHASH_SSHA256, BODY_SALTED, 32 },
	{ "SSHA512", PWHASH_SSHA512, BODY_SALTED, 64 },
	{ "SMD5", PWHASH_SMD5, BODY_SALTED, 16 },
	{ "SHA", PWHASH_SHA, BODY_DIGEST, 20 },
	{ "SHA256", PWHASH_SHA256, BODY_DIGEST, 32 },
	{ "SHA512", PWHASH_SHA512, BODY_DIGEST, 64 },
	{ "PLAIN-MD5", PWHASH_PLAIN_MD5, BODY_DIGEST, 16 },
	{ "LDAP-MD5", PWHASH_LDAP_MD5, BODY_DIGEST, 16 },
	{ "PBKDF2", PWHASH_PBKDF2, BODY_PBKDF2, 20 },
	{ "SCRAM-SHA-1", PWHASH_SCRAM_SHA1, BODY_SCRAM, 20 },
	{ "SCRAM-SHA-256", PWHASH_SCRAM_SHA256, BODY_SCRAM, 32 },
	{ "PLAIN", PWHASH_PLAIN, BODY_PLAIN, 0 },
	{ "PLAIN-TRUNC", PWHASH_PLAIN_TRUNC, BODY_TRUNC, 0 },
	/* aliases after the canonical names */
	{ "SHA1", PWHASH_SHA, BODY_DIGEST, 20 },
	{ "CLEAR", PWHASH_PLAIN, BODY_PLAIN, 0 },
	{ "CLEARTEXT", PWHASH_PLAIN, BODY_PLAIN, 0 },
	{ "MD5", PWHASH_UNKNOWN, BODY_MD5, 16 },
};
#define NDECLS (sizeof(decls) / sizeof(decls[0]))

/* Schemes Dovecot (2.3, or 2.2 for the last four) has and udmail does
   not verify: they may be named in an error since they are not
   secrets.  CRAM-MD5/HMAC-MD5 store an HMAC state, DIGEST-MD5 depends on
   the user name, OTP is a counter; nobody keeps them in a directory. */
static const char *const foreign[] = {
	"CRAM-MD5", "HMAC-MD5", "DIGEST-MD5", "PLAIN-MD4", "OTP", "RPA",
	"SKEY", "LANMAN", "NTLM",
};

const char *
pwhash_scheme_name(enum pwhash_scheme scheme)
{
	size_t i;

	for (i = 0; i < NDECLS; i++)
		if (decls[i].scheme == scheme && scheme != PWHASH_UNKNOWN)
			return decls[i].name;
	return "UNKNOWN";
}

enum pwhash_scheme
pwhash_scheme_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < NDECLS; i++)
		if (strcasecmp(decls[i].name, name) == 0)
			return decls[i].scheme;
	return PWHASH_UNKNOWN;
}

int
pwhash_scheme_is_legacy(enum pwhash_scheme scheme)
{
	switch (scheme) {
	case PWHASH_ARGON2ID:
	case PWHASH_ARGON2I:
	case PWHASH_SHA512_CRYPT:
	case PWHASH_SHA256_CRYPT:
	case PWHASH_BLF_CRYPT:
	case PWHASH_CRYPT:
	case PWHASH_UNKNOWN:
		return 0;
	default:
		return 1;
	}
}

int
pwhash_info_is_legacy(const struct pwhash_info *info)
{
	return pwhash_scheme_is_legacy(info->scheme) ||
	    (info->scheme == PWHASH_BLF_CRYPT && info->crypt_id != NULL &&
	    strcmp(info->crypt_id, "2x") == 0);
}

int
pwhash_prefix(const char *s, const char **name_r, size_t *name_len_r,
    const char **body_r)
{
	size_t i;
	int c;

	if (s == NULL || s[0] != '{')
		return 0;
	for (i = 1; i <= PWHASH_NAME_MAX && s[i] != '}'; i++) {
		c = (unsigned char)s[i];
		if (!isascii(c) || !(isalnum(c) || c == '-' || c == '_' ||
		    c == '.'))
			return -1;
	}
	if (s[i] != '}' || i == 1)
		return -1;
	if (name_r != NULL)
		*name_r = s + 1;
	if (name_len_r != NULL)
		*name_len_r = i - 1;
	if (body_r != NULL)
		*body_r = s + i + 1;
	return 1;
}

/* The crypt(3) alphabet ("hash64"): ./0-9A-Za-z. */
static int
is_h64(int c)
{
	return c == '.' || c == '/' || (c >= '0' && c <= '9') ||
	    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Count hash64 characters from S; stops at the first other byte. */
static size_t
h64_span(const char *s)
{
	size_t n = 0;

	while (is_h64((unsigned char)s[n]))
		n++;
	return n;
}

int
pwhash_parse_dec(const char **sp, unsigned long max, unsigned long *v)
{
	const char *s = *sp;
	unsigned long acc = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n >= 10)
			return -1;
		acc = acc * 10 + (unsigned long)(s[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0') || acc > max)
		return -1;
	*v = acc;
	*sp = s + n;
	return 0;
}

static int
expect(const char **sp, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*sp, lit, n) != 0)
		return -1;
	*sp += n;
	return 0;
}

static int
inspect_argon2(const char *s, struct pwhash_info *info, struct errbuf *eb)
{
	unsigned char bin[PWHASH_MAX];
	unsigned long v, m, t, p;
	const char *dollar;
	long n;

	if (strncmp(s, "$argon2d$", 9) == 0) {
		errbuf_set(eb, "argon2d hashes are not verified by Dovecot");
		return -1;
	}
	if (expect(&s, "$argon2id$") == 0)
		info->scheme = PWHASH_ARGON2ID;
	else if (expect(&s, "$argon2i$") == 0)
		info->scheme = PWHASH_ARGON2I;
	else {
		errbuf_set(eb, "argon2 value does not start with $argon2id$ "
		    "or $argon2i$");
		return -1;
	}
	if (expect(&s, "v=") == -1) {
		errbuf_set(eb, "argon2 hash without v=19 (version 1.0 is not "
		    "verified by Dovecot)");
		return -1;
	}
	if (pwhash_parse_dec(&s, UINT32_MAX, &v) == -1 || v != 19) {
		errbuf_set(eb, "argon2 version is not 19");
		return -1;
	}
	if (expect(&s, "$m=") == -1 ||
	    pwhash_parse_dec(&s, UINT32_MAX, &m) == -1 || expect(&s, ",t=") == -1 ||
	    pwhash_parse_dec(&s, UINT32_MAX, &t) == -1 || expect(&s, ",p=") == -1 ||
	    pwhash_parse_dec(&s, UINT32_MAX, &p) == -1 || expect(&s, "$") == -1) {
		errbuf_set(eb, "argon2 parameters are not m=N,t=N,p=N");
		return -1;
	}
	if (p < 1 || p > PWHASH_ARGON2_P_MAX) {
		errbuf_set(eb, "argon2 parallelism p=%lu out of range 1..%u",
		    p, PWHASH_ARGON2_P_MAX);
		return -1;
	}
	if (t < 1 || t > PWHASH_ARGON2_T_MAX) {
		errbuf_set(eb, "argon2 passes t=%lu out of range 1..%u", t,
		    PWHASH_ARGON2_T_MAX);
		return -1;
	}
	/* libsodium: at least 8 KiB per lane. */
	if (m < 8 * p || m > PWHASH_ARGON2_M_MAX) {
		errbuf_set(eb, "argon2 memory m=%lu out of range %lu..%u", m,
		    8 * p, PWHASH_ARGON2_M_MAX);
		return -1;
	}
	dollar = strchr(s, '$');
	if (dollar == NULL) {
		errbuf_set(eb, "argon2 hash has no tag");
		return -1;
	}
	/* PHC strings: unpadded base64, unused low bits zero (libsodium).
	   BIN only measures the decoded salt and tag; wiped at once. */
	n = pwhash_b64_decode(s, (size_t)(dollar - s), 0, bin, sizeof(bin));
	sodium_memzero(bin, sizeof(bin));
	if (n < 8 || n > 64) {
		errbuf_set(eb, "argon2 salt is not 8..64 bytes of base64");
		return -1;
	}
	info->salt_len = (size_t)n;
	s = dollar + 1;
	n = pwhash_b64_decode(s, strlen(s), 0, bin, sizeof(bin));
	sodium_memzero(bin, sizeof(bin));
	if (n < 16 || n > 64) {
		errbuf_set(eb, "argon2 tag is not 16..64 bytes of base64");
		return -1;
	}
	info->digest_len = (size_t)n;
	info->m_kib = (uint32_t)m;
	info->t_cost = (uint32_t)t;
	info->lanes = (uint32_t)p;
	return 0;
}

/* $5$ / $6$ [rounds=N$] salt $ hash (Drepper's SHA-crypt). */
static int
inspect_shacrypt(const char *s, int id, struct pwhash_info *info,
    struct errbuf *eb)
{
	size_t hashlen = id == 6 ? 86 : 43, n;
	unsigned long rounds = PWHASH_SHACRYPT_ROUNDS_DEFAULT;

	info->scheme = id == 6 ? PWHASH_SHA512_CRYPT : PWHASH_SHA256_CRYPT;
	info->crypt_id = id == 6 ? "6" : "5";
	s += 3;
	if (expect(&s, "rounds=") == 0 &&
	    (pwhash_parse_dec(&s, 999999999, &rounds) == -1 || rounds < 1000 ||
	    expect(&s, "$") == -1)) {
		errbuf_set(eb, "SHA-crypt rounds= not in 1000..999999999");
		return -1;
	}
	n = h64_span(s);
	if (n > 16 || s[n] != '$') {
		errbuf_set(eb, "SHA-crypt salt is not 0..16 crypt characters");
		return -1;
	}
	info->salt_len = n;
	s += n + 1;
	if (h64_span(s) != hashlen || s[hashlen] != '\0') {
		errbuf_set(eb, "SHA-crypt hash is not %zu crypt characters",
		    hashlen);
		return -1;
	}
	info->rounds = rounds;
	info->digest_len = id == 6 ? 64 : 32;
	return 0;
}

/* $1$ salt $ hash, LEN bytes at S (the rest of a bare value is not
   part of it). */
static int
inspect_md5crypt(const char *s, size_t len, struct pwhash_info *info,
    struct errbuf *eb)
{
	size_t n;

	info->scheme = PWHASH_MD5_CRYPT;
	info->crypt_id = "1";
	s += 3;
	n = h64_span(s);
	if (n > 8 || s[n] != '$') {
		errbuf_set(eb, "MD5-crypt salt is not 0..8 crypt characters");
		return -1;
	}
	info->salt_len = n;
	if (len != 3 + n + 1 + 22 || h64_span(s + n + 1) < 22) {
		errbuf_set(eb, "MD5-crypt hash is not 22 crypt characters");
		return -1;
	}
	info->digest_len = 16;
	return 0;
}

/* $2a$ / $2b$ / $2x$ / $2y$ NN $ 53 characters (bcrypt).  $2x$ marks
   hashes made by the pre-2011 code with its 8-bit bug; Dovecot and
   libcrypt still verify them, the audit flags them. */
static int
inspect_bcrypt(const char *s, struct pwhash_info *info, struct errbuf *eb)
{
	unsigned long cost;

	info->scheme = PWHASH_BLF_CRYPT;
	if (strncmp(s, "$2", 2) != 0 || s[2] == '\0' ||
	    strchr("abxy", s[2]) == NULL || s[3] != '$') {
		errbuf_set(eb, "bcrypt hash does not start with $2a$, $2b$, "
		    "$2x$ or $2y$");
		return -1;
	}
	info->crypt_id = s[2] == 'a' ? "2a" : s[2] == 'b' ? "2b" :
	    s[2] == 'x' ? "2x" : "2y";
	s += 4;
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != '$') {
		errbuf_set(eb, "bcrypt cost is not two digits");
		return -1;
	}
	cost = (unsigned long)(s[0] - '0') * 10 + (unsigned long)(s[1] - '0');
	if (cost < 4 || cost > 31) {
		errbuf_set(eb, "bcrypt cost %lu out of range 04..31", cost);
		return -1;
	}
	s += 3;
	if (h64_span(s) != 53 || s[53] != '\0') {
		errbuf_set(eb, "bcrypt salt and hash are not 53 characters");
		return -1;
	}
	info->rounds = cost;
	info->salt_len = 16;
	info->digest_len = 23;
	return 0;
}

/* $y$ params $ salt $ 43-character hash (yescrypt, gost-yescrypt $gy$). */
static int
inspect_yescrypt(const char *s, struct pwhash_info *info, struct errbuf *eb)
{
	size_t n;

	info->scheme = PWHASH_CRYPT;
	info->crypt_id = s[1] == 'y' ? "y" : "gy";
	s = strchr(s + 1, '$') + 1;
	n = h64_span(s);
	if (n > 0 && s[n] == '$') {
		s += n + 1;
		n = h64_span(s);
		if (n > 0 && s[n] == '$' && h64_span(s + n + 1) == 43 &&
		    s[n + 1 + 43] == '\0')
			return 0;
	}
	errbuf_set(eb, "yescrypt hash is malformed");
	return -1;
}

/* A crypt(3) hash, as Dovecot's CRYPT (and DES-CRYPT, SHA256-CRYPT,
   SHA512-CRYPT, and a bare value) hands it to crypt().  LEN: the part
   Dovecot checks.  Published under the name of the method it holds. */
static int
inspect_crypt(const char *s, size_t len, struct pwhash_info *info,
    struct errbuf *eb)
{
	int rc;

	if (strncmp(s, "$argon2", 7) == 0) {
		errbuf_set(eb, "argon2 hashes must be stored as {ARGON2ID} or "
		    "{ARGON2I}, not {CRYPT} or bare");
		return -1;
	}
	if (strncmp(s, "$1$", 3) == 0)
		rc = inspect_md5crypt(s, len, info, eb);
	else if (strncmp(s, "$5$", 3) == 0)
		rc = inspect_shacrypt(s, 5, info, eb);
	else if (strncmp(s, "$6$", 3) == 0)
		rc = inspect_shacrypt(s, 6, info, eb);
	else if (strncmp(s, "$2", 2) == 0)
		rc = inspect_bcrypt(s, info, eb);
	else if (strncmp(s, "$y$", 3) == 0 || strncmp(s, "$gy$", 4) == 0)
		rc = inspect_yescrypt(s, info, eb);
	else if (strlen(s) == 13 && h64_span(s) == 13) {
		info->scheme = PWHASH_DES_CRYPT;
		info->crypt_id = "des";
		info->salt_len = 2;
		rc = 0;
	} else {
		errbuf_set(eb, "not a crypt(3) hash udmail knows ($1$, $5$, "
		    "$6$, $2a$, $2b$, $2x$, $2y$, $y$, $gy$ or DES)");
		if ((s[0] == '$' || s[0] == '_') && (rc = crypt_checksalt(s)) !=
		    CRYPT_SALT_INVALID && rc != CRYPT_SALT_METHOD_DISABLED)
			eb->errnum = ENOTSUP;
		return -1;
	}
	if (rc == -1)
		return -1;
	/* Our verification calls the same libcrypt as Dovecot's crypt(). */
	rc = crypt_checksalt(s);
	if (rc == CRYPT_SALT_INVALID || rc == CRYPT_SALT_METHOD_DISABLED) {
		errbuf_set(eb, "crypt(3) method is disabled in libcrypt");
		return -1;
	}
	return 0;
}

static const struct decl *
decl_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NDECLS; i++)
		if (strlen(decls[i].name) == len &&
		    strncasecmp(decls[i].name, name, len) == 0)
			return &decls[i];
	return NULL;
}

/* NAME..LEN is the prefix's name, an encoding suffix included. */
static const struct decl *
decl_lookup(const char *name, size_t len, struct pwhash_info *info,
    struct errbuf *eb)
{
	const struct decl *d;
	const char *dot, *enc;
	size_t i, n;

	dot = memchr(name, '.', len);
	n = dot != NULL ? (size_t)(dot - name) : len;
	if ((d = decl_find(name, n)) == NULL) {
		for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
			if (strlen(foreign[i]) == n &&
			    strncasecmp(name, foreign[i], n) == 0) {
				errbuf_set(eb, "password scheme {%s} is not "
				    "supported", foreign[i]);
				eb->errnum = ENOTSUP;
				return NULL;
			}
		}
		errbuf_set(eb, "unknown password scheme");
		return NULL;
	}
	if (dot == NULL)
		return d;
	enc = dot + 1;
	n = len - n - 1;
	if ((n == 3 && strncasecmp(enc, "hex", 3) == 0))
		info->encoding = ".HEX";
	else if ((n == 3 && strncasecmp(enc, "b64", 3) == 0) ||
	    (n == 6 && strncasecmp(enc, "base64", 6) == 0))
		info->encoding = ".B64";
	else {
		errbuf_set(eb, "unknown encoding in {%s.} prefix", d->name);
		return NULL;
	}
	if (d->rule != BODY_DIGEST && d->rule != BODY_SALTED) {
		errbuf_set(eb, "an encoding suffix on {%s} is not supported",
		    d->name);
		eb->errnum = ENOTSUP;
		return NULL;
	}
	return d;
}

static int
inspect_body(const struct decl *d, const char *s, struct pwhash_info *info,
    struct errbuf *eb)
{
	if (d->scheme != PWHASH_UNKNOWN)
		info->scheme = d->scheme;
	switch (d->rule) {
	case BODY_ARGON2:
		return inspect_argon2(s, info, eb);
	case BODY_CRYPT:
		return inspect_crypt(s, strlen(s), info, eb);
	case BODY_MD5CRYPT:
		if (strncmp(s, "$1$", 3) != 0)
			break;
		return inspect_md5crypt(s, strlen(s), info, eb);
	case BODY_BCRYPT:
		return inspect_bcrypt(s, info, eb);
	case BODY_MD5:
		/* Dovecot's md5_verify: MD5-CRYPT or PLAIN-MD5. */
		if (strncmp(s, "$1$", 3) == 0)
			return inspect_md5crypt(s, strlen(s), info, eb);
		info->scheme = PWHASH_PLAIN_MD5;
		return pwhash_inspect_digest(info, d->rule == BODY_SALTED,
		    d->dlen, eb);
	case BODY_DIGEST:
	case BODY_SALTED:
		return pwhash_inspect_digest(info, d->rule == BODY_SALTED,
		    d->dlen, eb);
	case BODY_PBKDF2:
		return pwhash_inspect_pbkdf2(s, info, eb);
	case BODY_SCRAM:
		return pwhash_inspect_scram(d->name, d->dlen, s, info, eb);
	case BODY_PLAIN:
		if (*s != '\0')
			return 0;
		errbuf_set(eb, "{PLAIN} password is empty");
		return -1;
	case BODY_TRUNC:
		return pwhash_inspect_trunc(s, eb);
	}
	errbuf_set(eb, "{%s} value does not have the scheme's $id$ prefix",
	    d->name);
	return -1;
}

int
pwhash_inspect(const char *stored, struct pwhash_info *info,
    struct errbuf *eb)
{
	const struct decl *d;
	const char *name, *body, *p;
	size_t nlen;
	int r;

	memset(info, 0, sizeof(*info));
	info->encoding = "";
	if (stored == NULL || stored[0] == '\0') {
		errbuf_set(eb, "password hash is empty");
		return -1;
	}
	if (strlen(stored) >= PWHASH_MAX) {
		errbuf_set(eb, "password hash longer than %d bytes",
		    PWHASH_MAX - 1);
		return -1;
	}
	/* Dovecot's passwd-file and LDAP values are lines: no controls. */
	for (p = stored; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			errbuf_set(eb, "password hash contains a control "
			    "character");
			return -1;
		}
	}
	if ((r = pwhash_prefix(stored, &name, &nlen, &body)) == -1) {
		errbuf_set(eb, "password hash has a malformed {SCHEME} prefix");
		return -1;
	}
	if (r == 1) {
		if ((d = decl_lookup(name, nlen, info, eb)) == NULL)
			return -1;
		info->body = body;
		info->body_len = strlen(body);
		return inspect_body(d, body, info, eb);
	}
	/* Bare: Dovecot's password_get_scheme takes "$1$salt$hash" for
	   MD5-CRYPT and ignores a '$' and anything after the hash; every
	   other bare value goes to the passdb's default scheme, CRYPT. */
	info->bare = 1;
	info->body = stored;
	info->body_len = strlen(stored);
	if (strncmp(stored, "$1$", 3) == 0 &&
	    (p = strchr(stored + 3, '$')) != NULL) {
		if ((p = strchr(p + 1, '$')) != NULL)
			info->body_len = (size_t)(p - stored);
		r = inspect_md5crypt(stored, info->body_len, info, eb);
	} else
		r = inspect_crypt(stored, info->body_len, info, eb);
	if (r == -1)
		errbuf_prefix(eb, "no {SCHEME} prefix");
	return r;
}

int
pwhash_cost_check(const struct pwhash_info *info,
    const struct pwhash_ceiling *c, struct errbuf *eb)
{
	const char *what = NULL;
	unsigned long v = 0, max = 0;

	switch (info->scheme) {
	case PWHASH_ARGON2ID:
	case PWHASH_ARGON2I:
		if (info->m_kib > c->argon2_m_kib)
			what = "argon2 memory m (KiB)", v = info->m_kib,
			    max = c->argon2_m_kib;
		else if (info->t_cost > c->argon2_t)
			what = "argon2 passes t", v = info->t_cost,
			    max = c->argon2_t;
		break;
	case PWHASH_SHA512_CRYPT:
	case PWHASH_SHA256_CRYPT:
		if (info->rounds > c->crypt_rounds)
			what = "SHA-crypt rounds", v = info->rounds,
			    max = c->crypt_rounds;
		break;
	case PWHASH_BLF_CRYPT:
		if (info->rounds > c->bcrypt_cost)
			what = "bcrypt cost", v = info->rounds,
			    max = c->bcrypt_cost;
		break;
	case PWHASH_PBKDF2:
	case PWHASH_SCRAM_SHA1:
	case PWHASH_SCRAM_SHA256:
		if (info->rounds > c->pbkdf2_rounds)
			what = info->scheme == PWHASH_PBKDF2 ?
			    "PBKDF2 rounds" : "SCRAM iterations",
			    v = info->rounds, max = c->pbkdf2_rounds;
		break;
	default:
		break;
	}
	if (what == NULL)
		return 0;
	errbuf_set(eb, "%s %lu above the ceiling %lu (password_policy."
	    "max_cost): too costly to verify at every login", what, v, max);
	return -1;
}

int
pwhash_identify(const char *stored, enum pwhash_scheme *scheme_r,
    struct errbuf *eb)
{
	struct pwhash_info info;

	if (pwhash_inspect(stored, &info, eb) == -1) {
		*scheme_r = PWHASH_UNKNOWN;
		return -1;
	}
	*scheme_r = info.scheme;
	return 0;
}

int
pwhash_canonical(const char *stored, char out[PWHASH_MAX],
    struct pwhash_info *info, struct errbuf *eb)
{
	struct pwhash_info local;
	int n;

	if (info == NULL)
		info = &local;
	out[0] = '\0';
	if (pwhash_inspect(stored, info, eb) == -1)
		return -1;
	n = snprintf(out, PWHASH_MAX, "{%s%s}%.*s",
	    pwhash_scheme_name(info->scheme), info->encoding,
	    (int)info->body_len, info->body);
	if (n < 0 || n >= PWHASH_MAX) {
		sodium_memzero(out, PWHASH_MAX);
		errbuf_set(eb, "password hash with its {SCHEME} longer than %d "
		    "bytes", PWHASH_MAX - 1);
		return -1;
	}
	return 0;
}
