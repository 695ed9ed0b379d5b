/*
 * pwhash: parse stored "{SCHEME}hash" strings the way Dovecot 2.3 and
 * libsodium would, without hashing, so the sync core can tell a usable
 * mailPassword from junk cheaply.  Invariant: no error message quotes any
 * part of the stored string except a known scheme name.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <argon2.h>
#include <crypt.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "pwhash.h"

static const struct {
	const char *name;
	enum pwhash_scheme scheme;
} pwhash_names[] = {
	{ "ARGON2ID", PWHASH_ARGON2ID },
	{ "ARGON2I", PWHASH_ARGON2I },
	{ "SHA512-CRYPT", PWHASH_SHA512_CRYPT },
	{ "SHA256-CRYPT", PWHASH_SHA256_CRYPT },
	{ "MD5-CRYPT", PWHASH_MD5_CRYPT },
	{ "BLF-CRYPT", PWHASH_BLF_CRYPT },
	{ "CRYPT", PWHASH_CRYPT },
	{ "SSHA", PWHASH_SSHA },
	{ "SSHA256", PWHASH_SSHA256 },
	{ "SSHA512", PWHASH_SSHA512 },
	{ "SHA", PWHASH_SHA },
	{ "SHA256", PWHASH_SHA256 },
	{ "SHA512", PWHASH_SHA512 },
	{ "PLAIN", PWHASH_PLAIN },
	/* aliases after the canonical names */
	{ "SHA1", PWHASH_SHA },
	{ "CLEAR", PWHASH_PLAIN },
	{ "CLEARTEXT", PWHASH_PLAIN },
};

/* Schemes Dovecot 2.3 knows (doveadm pw -l) that we do not handle: they
   may be named in an error since they are not secrets. */
static const char *const pwhash_foreign[] = {
	"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN-MD4", "PLAIN-MD5", "PLAIN-TRUNC",
	"HMAC-MD5", "CRAM-MD5", "DIGEST-MD5", "LDAP-MD5", "OTP", "DES-CRYPT",
	"MD5", "SMD5", "PBKDF2", "RPA", "SKEY", "LANMAN", "NTLM",
};

#define PWHASH_NAME_MAX 32

const char *
pwhash_scheme_name(enum pwhash_scheme scheme)
{
	size_t i;

	for (i = 0; i < sizeof(pwhash_names) / sizeof(pwhash_names[0]); i++)
		if (pwhash_names[i].scheme == scheme)
			return pwhash_names[i].name;
	return "UNKNOWN";
}

enum pwhash_scheme
pwhash_scheme_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(pwhash_names) / sizeof(pwhash_names[0]); i++)
		if (strcasecmp(pwhash_names[i].name, name) == 0)
			return pwhash_names[i].scheme;
	return PWHASH_UNKNOWN;
}

int
pwhash_scheme_is_legacy(enum pwhash_scheme scheme)
{
	switch (scheme) {
	case PWHASH_MD5_CRYPT:
	case PWHASH_SSHA:
	case PWHASH_SSHA256:
	case PWHASH_SSHA512:
	case PWHASH_SHA:
	case PWHASH_SHA256:
	case PWHASH_SHA512:
	case PWHASH_PLAIN:
		return 1;
	default:
		return 0;
	}
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

/* A decimal without sign or leading zeros that fits in MAX.  Advances
   *SP past it.  Returns 0 or -1. */
static int
parse_dec(const char **sp, unsigned long max, unsigned long *v)
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

/* Decode LEN chars of unpadded standard base64 (as in PHC strings; the
   unused low bits must be zero, as libsodium insists).  Returns the
   decoded length or -1. */
static long
b64_len_nopad(const char *s, size_t len, unsigned char *out, size_t outsz)
{
	size_t bin_len;

	if (len == 0 || sodium_base642bin(out, outsz, s, len, NULL, &bin_len,
	    NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		return -1;
	return (long)bin_len;
}

static int
inspect_argon2(const char *s, struct pwhash_info *info, struct errbuf *eb)
{
	const char *want = info->scheme == PWHASH_ARGON2ID ? "$argon2id$" :
	    "$argon2i$";
	unsigned char bin[PWHASH_MAX];
	unsigned long v, m, t, p;
	const char *dollar;
	long n;

	if (strncmp(s, "$argon2d$", 9) == 0) {
		errbuf_set(eb, "argon2d hashes are not verified by Dovecot");
		return -1;
	}
	if (expect(&s, want) == -1) {
		errbuf_set(eb, "{%s} value does not start with %s",
		    pwhash_scheme_name(info->scheme), want);
		return -1;
	}
	if (expect(&s, "v=") == -1) {
		errbuf_set(eb, "argon2 hash without v=19 (version 1.0 is not "
		    "verified by Dovecot)");
		return -1;
	}
	if (parse_dec(&s, UINT32_MAX, &v) == -1 || v != 19) {
		errbuf_set(eb, "argon2 version is not 19");
		return -1;
	}
	if (expect(&s, "$m=") == -1 ||
	    parse_dec(&s, UINT32_MAX, &m) == -1 || expect(&s, ",t=") == -1 ||
	    parse_dec(&s, UINT32_MAX, &t) == -1 || expect(&s, ",p=") == -1 ||
	    parse_dec(&s, UINT32_MAX, &p) == -1 || expect(&s, "$") == -1) {
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
	/* BIN only measures the decoded salt and tag; wiped at once. */
	n = b64_len_nopad(s, (size_t)(dollar - s), bin, sizeof(bin));
	sodium_memzero(bin, sizeof(bin));
	if (n < 8 || n > 64) {
		errbuf_set(eb, "argon2 salt is not 8..64 bytes of base64");
		return -1;
	}
	info->salt_len = (size_t)n;
	s = dollar + 1;
	n = b64_len_nopad(s, strlen(s), bin, sizeof(bin));
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

	s += 3;
	if (expect(&s, "rounds=") == 0 &&
	    (parse_dec(&s, 999999999, &rounds) == -1 || rounds < 1000 ||
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

static int
inspect_md5crypt(const char *s, struct pwhash_info *info, struct errbuf *eb)
{
	size_t n;

	s += 3;
	n = h64_span(s);
	if (n > 8 || s[n] != '$') {
		errbuf_set(eb, "MD5-crypt salt is not 0..8 crypt characters");
		return -1;
	}
	info->salt_len = n;
	s += n + 1;
	if (h64_span(s) != 22 || s[22] != '\0') {
		errbuf_set(eb, "MD5-crypt hash is not 22 crypt characters");
		return -1;
	}
	info->digest_len = 16;
	return 0;
}

/* $2a$ / $2b$ / $2y$ NN $ 53 characters (bcrypt).  $2x$ marks hashes
   made by the broken pre-2011 code and is refused. */
static int
inspect_bcrypt(const char *s, struct pwhash_info *info, struct errbuf *eb)
{
	unsigned long cost;

	if (strncmp(s, "$2", 2) != 0 || strchr("aby", s[2]) == NULL ||
	    s[2] == '\0' || s[3] != '$') {
		errbuf_set(eb, "bcrypt hash does not start with $2a$, $2b$ or "
		    "$2y$");
		return -1;
	}
	info->crypt_id = s[2] == 'a' ? "2a" : s[2] == 'b' ? "2b" : "2y";
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

/* {CRYPT}: anything libc crypt(3) verifies; Dovecot hands it over
   as is.  We accept the methods we can check the shape of. */
static int
inspect_crypt(const char *s, struct pwhash_info *info, struct errbuf *eb)
{
	const char *setting = s;
	int rc;
	size_t n;

	if (strncmp(s, "$argon2", 7) == 0) {
		errbuf_set(eb, "argon2 hashes must be stored as {ARGON2ID} or "
		    "{ARGON2I}, not {CRYPT}");
		return -1;
	}
	if (strncmp(s, "$1$", 3) == 0) {
		info->crypt_id = "1";
		rc = inspect_md5crypt(s, info, eb);
	} else if (strncmp(s, "$5$", 3) == 0) {
		info->crypt_id = "5";
		rc = inspect_shacrypt(s, 5, info, eb);
	} else if (strncmp(s, "$6$", 3) == 0) {
		info->crypt_id = "6";
		rc = inspect_shacrypt(s, 6, info, eb);
	} else if (strncmp(s, "$2", 2) == 0) {
		rc = inspect_bcrypt(s, info, eb);
	} else if (strncmp(s, "$y$", 3) == 0 || strncmp(s, "$gy$", 4) == 0) {
		/* yescrypt: $y$ params $ salt $ 43-char hash */
		info->crypt_id = s[1] == 'y' ? "y" : "gy";
		s = strchr(s + 1, '$') + 1;
		n = h64_span(s);
		rc = -1;
		if (n > 0 && s[n] == '$') {
			s += n + 1;
			n = h64_span(s);
			if (n > 0 && s[n] == '$' && h64_span(s + n + 1) == 43 &&
			    s[n + 1 + 43] == '\0')
				rc = 0;
		}
		if (rc == -1)
			errbuf_set(eb, "yescrypt hash is malformed");
	} else if (strlen(s) == 13 && h64_span(s) == 13) {
		info->crypt_id = "des";
		rc = 0;
	} else {
		errbuf_set(eb, "{CRYPT} value is not a crypt(3) method we "
		    "know ($1$, $5$, $6$, $2b$, $y$ or DES)");
		return -1;
	}
	if (rc == 0) {
		/* Dovecot's {CRYPT} is the same libc crypt(3) as ours. */
		rc = crypt_checksalt(setting);
		if (rc == CRYPT_SALT_INVALID || rc == CRYPT_SALT_METHOD_DISABLED) {
			errbuf_set(eb, "crypt(3) method is disabled in libcrypt");
			return -1;
		}
		rc = 0;
	}
	return rc;
}

/* Base64 with padding, as LDAP tools write {SSHA}; the digest length
   is DLEN, salted variants need at least one salt byte. */
static int
inspect_sha(const char *s, size_t dlen, int salted, struct pwhash_info *info,
    struct errbuf *eb)
{
	unsigned char bin[PWHASH_MAX];
	size_t bin_len;
	int bad;

	bad = *s == '\0' || sodium_base642bin(bin, sizeof(bin), s, strlen(s),
	    NULL, &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0;
	sodium_memzero(bin, sizeof(bin)); /* only its length is wanted */
	if (bad) {
		errbuf_set(eb, "{%s} value is not base64",
		    pwhash_scheme_name(info->scheme));
		return -1;
	}
	if (salted ? bin_len <= dlen : bin_len != dlen) {
		errbuf_set(eb, "{%s} value has %zu bytes, want %s%zu",
		    pwhash_scheme_name(info->scheme), bin_len,
		    salted ? "more than " : "", dlen);
		return -1;
	}
	info->digest_len = dlen;
	info->salt_len = bin_len - dlen;
	return 0;
}

static int
pwhash_split(const char *stored, enum pwhash_scheme *scheme_r,
    const char **body_r, struct errbuf *eb)
{
	char name[PWHASH_NAME_MAX + 1];
	const char *end;
	size_t i, n;

	*scheme_r = PWHASH_UNKNOWN;
	if (stored == NULL || stored[0] == '\0') {
		errbuf_set(eb, "password hash is empty");
		return -1;
	}
	if (stored[0] != '{') {
		errbuf_set(eb, "password hash has no {SCHEME} prefix");
		return -1;
	}
	end = strchr(stored, '}');
	if (end == NULL || (n = (size_t)(end - stored - 1)) == 0 ||
	    n > PWHASH_NAME_MAX) {
		errbuf_set(eb, "password hash has a malformed {SCHEME} prefix");
		return -1;
	}
	memcpy(name, stored + 1, n);
	name[n] = '\0';
	*scheme_r = pwhash_scheme_by_name(name);
	if (*scheme_r == PWHASH_UNKNOWN) {
		for (i = 0; i < sizeof(pwhash_foreign) / sizeof(*pwhash_foreign);
		    i++) {
			if (strcasecmp(name, pwhash_foreign[i]) == 0) {
				errbuf_set(eb, "password scheme {%s} is not "
				    "supported", pwhash_foreign[i]);
				return -1;
			}
		}
		errbuf_set(eb, "unknown password scheme");
		return -1;
	}
	*body_r = end + 1;
	return 0;
}

int
pwhash_inspect(const char *stored, struct pwhash_info *info,
    struct errbuf *eb)
{
	const char *s, *p;

	memset(info, 0, sizeof(*info));
	if (pwhash_split(stored, &info->scheme, &s, eb) == -1)
		return -1;
	if (strlen(stored) >= PWHASH_MAX) {
		errbuf_set(eb, "password hash longer than %d bytes",
		    PWHASH_MAX - 1);
		return -1;
	}
	/* Dovecot's passwd-file and LDAP values are lines: no controls. */
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			errbuf_set(eb, "password hash contains a control "
			    "character");
			return -1;
		}
	}
	switch (info->scheme) {
	case PWHASH_ARGON2ID:
	case PWHASH_ARGON2I:
		return inspect_argon2(s, info, eb);
	case PWHASH_SHA512_CRYPT:
		if (strncmp(s, "$6$", 3) != 0)
			break;
		return inspect_shacrypt(s, 6, info, eb);
	case PWHASH_SHA256_CRYPT:
		if (strncmp(s, "$5$", 3) != 0)
			break;
		return inspect_shacrypt(s, 5, info, eb);
	case PWHASH_MD5_CRYPT:
		if (strncmp(s, "$1$", 3) != 0)
			break;
		return inspect_md5crypt(s, info, eb);
	case PWHASH_BLF_CRYPT:
		return inspect_bcrypt(s, info, eb);
	case PWHASH_CRYPT:
		return inspect_crypt(s, info, eb);
	case PWHASH_SSHA:
		return inspect_sha(s, 20, 1, info, eb);
	case PWHASH_SSHA256:
		return inspect_sha(s, 32, 1, info, eb);
	case PWHASH_SSHA512:
		return inspect_sha(s, 64, 1, info, eb);
	case PWHASH_SHA:
		return inspect_sha(s, 20, 0, info, eb);
	case PWHASH_SHA256:
		return inspect_sha(s, 32, 0, info, eb);
	case PWHASH_SHA512:
		return inspect_sha(s, 64, 0, info, eb);
	case PWHASH_PLAIN:
		if (*s == '\0') {
			errbuf_set(eb, "{PLAIN} password is empty");
			return -1;
		}
		return 0;
	default:
		break;
	}
	errbuf_set(eb, "{%s} value does not have the scheme's $id$ prefix",
	    pwhash_scheme_name(info->scheme));
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

static int
verify_crypt(const char *setting, const char *pw, struct errbuf *eb)
{
	struct crypt_data *cd;
	const char *h;
	size_t n = strlen(setting);
	int rc = -1;

	if ((cd = calloc(1, sizeof(*cd))) == NULL) {
		errbuf_syserr(eb, "crypt");
		return -1;
	}
	h = crypt_r(pw, setting, cd);
	if (h == NULL || h[0] == '*') {
		errbuf_syserr(eb, "crypt(3) refused the stored hash");
		goto fail;
	}
	rc = strlen(h) == n && sodium_memcmp(h, setting, n) == 0;
fail:
	sodium_memzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

/* {SHA}, {SSHA}... : digest(pw || salt) == stored digest. */
static int
verify_sha(const struct pwhash_info *info, const char *b64, const char *pw,
    size_t len, struct errbuf *eb)
{
	unsigned char bin[PWHASH_MAX], md[EVP_MAX_MD_SIZE];
	const EVP_MD *type;
	EVP_MD_CTX *ctx;
	size_t bin_len;
	unsigned mdlen = 0;
	int rc = -1;

	type = info->digest_len == 20 ? EVP_sha1() :
	    info->digest_len == 32 ? EVP_sha256() : EVP_sha512();
	if (sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL,
	    &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		sodium_memzero(bin, sizeof(bin));
		errbuf_set(eb, "stored hash is not base64");
		return -1;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		sodium_memzero(bin, sizeof(bin));
		errbuf_set(eb, "out of memory");
		return -1;
	}
	if (EVP_DigestInit_ex(ctx, type, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, pw, len) != 1 ||
	    EVP_DigestUpdate(ctx, bin + info->digest_len, info->salt_len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 ||
	    mdlen != info->digest_len) {
		errbuf_set(eb, "digest computation failed");
		goto fail;
	}
	rc = sodium_memcmp(md, bin, mdlen) == 0;
fail:
	EVP_MD_CTX_free(ctx);
	sodium_memzero(md, sizeof(md));
	sodium_memzero(bin, sizeof(bin));
	return rc;
}

int
pwhash_verify(const char *stored, const char *pw, size_t len,
    struct errbuf *eb)
{
	struct pwhash_info info;
	const char *body;

	assert(pw != NULL && pw[len] == '\0');
	if (pwhash_inspect(stored, &info, eb) == -1)
		return -1;
	if (sodium_init() < 0) {
		errbuf_set(eb, "libsodium initialisation failed");
		return -1;
	}
	body = strchr(stored, '}') + 1;
	switch (info.scheme) {
	case PWHASH_ARGON2ID:
	case PWHASH_ARGON2I:
		/* What Dovecot 2.3 calls; it verifies any lane count.  It
		   sets EINVAL on a mismatch and leaves ENOMEM and friends. */
		errno = 0;
		if (crypto_pwhash_str_verify(body, pw, len) == 0)
			return 1;
		if (errno != EINVAL && errno != 0) {
			errbuf_syserr(eb, "argon2 verification failed");
			return -1;
		}
		return 0;
	case PWHASH_SSHA:
	case PWHASH_SSHA256:
	case PWHASH_SSHA512:
	case PWHASH_SHA:
	case PWHASH_SHA256:
	case PWHASH_SHA512:
		return verify_sha(&info, body, pw, len, eb);
	case PWHASH_PLAIN:
		return strlen(body) == len && sodium_memcmp(body, pw, len) == 0;
	default:
		/* A NUL can never reach Dovecot in a password. */
		if (memchr(pw, '\0', len) != NULL)
			return 0;
		return verify_crypt(body, pw, eb);
	}
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
		return 0;
	case PWHASH_CRYPT:
		if (strcmp(info.crypt_id, "des") == 0 ||
		    strcmp(info.crypt_id, "1") == 0) {
			errbuf_set(eb, "legacy scheme CRYPT (%s)",
			    info.crypt_id[0] == 'd' ? "DES" : "MD5 $1$");
			return 1;
		}
		/* FALLTHROUGH */
	default:
		break;
	}
	if (info.crypt_id != NULL && info.crypt_id[0] == '2')
		info.scheme = PWHASH_BLF_CRYPT;
	if (info.scheme == PWHASH_BLF_CRYPT && info.rounds < floor->blf_cost) {
		errbuf_set(eb, "bcrypt cost %lu below %lu", info.rounds,
		    floor->blf_cost);
		return 1;
	}
	if ((info.scheme == PWHASH_SHA512_CRYPT ||
	    info.scheme == PWHASH_SHA256_CRYPT || (info.crypt_id != NULL &&
	    (info.crypt_id[0] == '5' || info.crypt_id[0] == '6'))) &&
	    info.rounds < floor->shacrypt_rounds) {
		errbuf_set(eb, "SHA-crypt rounds %lu below %lu", info.rounds,
		    floor->shacrypt_rounds);
		return 1;
	}
	errbuf_clear(eb);
	return 0;
}
