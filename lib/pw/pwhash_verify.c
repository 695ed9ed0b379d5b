/*
 * pwhash_verify: check a password against a stored string the way
 * Dovecot 2.3.19 does for each scheme (src/auth/password-scheme*.c):
 * libsodium for argon2, libcrypt for the crypt(3) family, OpenSSL for
 * digests, PBKDF2 and SCRAM.  Every secret intermediate is wiped;
 * digests are compared in constant time.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "pwhash.h"
#include "pwhash_int.h"

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

static const EVP_MD *
digest_md(enum pwhash_scheme scheme)
{
	switch (scheme) {
	case PWHASH_SMD5:
	case PWHASH_PLAIN_MD5:
	case PWHASH_LDAP_MD5:
		return EVP_md5();
	case PWHASH_SSHA:
	case PWHASH_SHA:
	case PWHASH_PBKDF2:
	case PWHASH_SCRAM_SHA1:
		return EVP_sha1();
	case PWHASH_SSHA256:
	case PWHASH_SHA256:
	case PWHASH_SCRAM_SHA256:
		return EVP_sha256();
	default:
		return EVP_sha512();
	}
}

/* {SHA}, {SSHA}, {SMD5}, {PLAIN-MD5}...: digest(pw || salt) equals the
   stored digest (the salt, if any, follows it). */
static int
verify_digest(const struct pwhash_info *info, const char *pw, size_t len,
    struct errbuf *eb)
{
	unsigned char bin[PWHASH_MAX], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx;
	unsigned mdlen = 0;
	long n;
	int rc = -1;

	if ((n = pwhash_digest_decode(info, bin, sizeof(bin))) < 0 ||
	    (size_t)n != info->digest_len + info->salt_len) {
		sodium_memzero(bin, sizeof(bin));
		errbuf_set(eb, "stored digest does not decode");
		return -1;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		sodium_memzero(bin, sizeof(bin));
		errbuf_set(eb, "out of memory");
		return -1;
	}
	if (EVP_DigestInit_ex(ctx, digest_md(info->scheme), NULL) != 1 ||
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

/* {PBKDF2}$1$salt$rounds$hex: PBKDF2-HMAC-SHA1 over the salt text, as
   Dovecot's pbkdf2_verify. */
static int
verify_pbkdf2(const struct pwhash_info *info, const char *body,
    const char *pw, size_t len, struct errbuf *eb)
{
	unsigned char want[20], got[20];
	const char *salt = body + 3, *hex = strrchr(body, '$') + 1;
	size_t i;
	int rc = -1;

	for (i = 0; i < sizeof(want); i++) {
		char b[3] = { hex[2 * i], hex[2 * i + 1], '\0' };

		want[i] = (unsigned char)strtoul(b, NULL, 16);
	}
	if (PKCS5_PBKDF2_HMAC_SHA1(pw, (int)len, (const unsigned char *)salt,
	    (int)info->salt_len, (int)info->rounds, (int)sizeof(got),
	    got) != 1) {
		errbuf_set(eb, "PBKDF2 computation failed");
		goto fail;
	}
	rc = sodium_memcmp(want, got, sizeof(got)) == 0;
fail:
	sodium_memzero(want, sizeof(want));
	sodium_memzero(got, sizeof(got));
	return rc;
}

/* {SCRAM-SHA-*}iter,salt,StoredKey,ServerKey (RFC 5802): StoredKey =
   H(HMAC(Hi(pw, salt, iter), "Client Key")), Hi being PBKDF2 with one
   block; as Dovecot's scram_verify. */
static int
verify_scram(const struct pwhash_info *info, const char *body,
    const char *pw, size_t len, struct errbuf *eb)
{
	unsigned char salt[PWHASH_MAX], stored[EVP_MAX_MD_SIZE];
	unsigned char salted[EVP_MAX_MD_SIZE], ckey[EVP_MAX_MD_SIZE];
	unsigned char skey[EVP_MAX_MD_SIZE];
	const EVP_MD *md = digest_md(info->scheme);
	const char *f1 = strchr(body, ',') + 1, *f2 = strchr(f1, ',') + 1;
	const char *f3 = strchr(f2, ',') + 1;
	size_t dlen = info->digest_len;
	unsigned int klen = 0, slen = 0;
	int rc = -1;

	if (pwhash_b64_decode(f1, (size_t)(f2 - 1 - f1), 1, salt,
	    sizeof(salt)) != (long)info->salt_len ||
	    pwhash_b64_decode(f2, (size_t)(f3 - 1 - f2), 1, stored,
	    sizeof(stored)) != (long)dlen) {
		errbuf_set(eb, "stored SCRAM value does not decode");
		goto fail;
	}
	if (PKCS5_PBKDF2_HMAC(pw, (int)len, salt, (int)info->salt_len,
	    (int)info->rounds, md, (int)dlen, salted) != 1 ||
	    HMAC(md, salted, (int)dlen, (const unsigned char *)"Client Key",
	    10, ckey, &klen) == NULL || klen != dlen ||
	    EVP_Digest(ckey, dlen, skey, &slen, md, NULL) != 1 ||
	    slen != dlen) {
		errbuf_set(eb, "SCRAM computation failed");
		goto fail;
	}
	rc = sodium_memcmp(skey, stored, dlen) == 0;
fail:
	sodium_memzero(salt, sizeof(salt));
	sodium_memzero(stored, sizeof(stored));
	sodium_memzero(salted, sizeof(salted));
	sodium_memzero(ckey, sizeof(ckey));
	sodium_memzero(skey, sizeof(skey));
	return rc;
}

/* {PLAIN-TRUNC}N-text: Dovecot's plain_trunc_verify; a password at
   least N long matches when its first N bytes equal a text of N bytes
   (the text was truncated), otherwise the whole text must match. */
static int
verify_trunc(const char *body, const char *pw, size_t len)
{
	size_t n = strtoul(body, NULL, 10);
	const char *text = strchr(body, '-') + 1;
	size_t tlen = strlen(text);

	if (tlen == n && len >= n)
		return sodium_memcmp(text, pw, n) == 0;
	return len == tlen && sodium_memcmp(text, pw, len) == 0;
}

int
pwhash_verify(const char *stored, const char *pw, size_t len,
    struct errbuf *eb)
{
	struct pwhash_info info;
	char body[PWHASH_MAX];
	int rc;

	assert(pw != NULL && pw[len] == '\0');
	if (pwhash_inspect(stored, &info, eb) == -1)
		return -1;
	if (sodium_init() < 0) {
		errbuf_set(eb, "libsodium initialisation failed");
		return -1;
	}
	/* A NUL can never reach Dovecot in a password. */
	if (memchr(pw, '\0', len) != NULL)
		return 0;
	/* The part Dovecot checks (a bare $1$ value may have a tail). */
	memcpy(body, info.body, info.body_len);
	body[info.body_len] = '\0';
	info.body = body;
	switch (info.scheme) {
	case PWHASH_ARGON2ID:
	case PWHASH_ARGON2I:
		/* What Dovecot 2.3 calls; it verifies any lane count.  It
		   sets EINVAL on a mismatch and leaves ENOMEM and friends. */
		errno = 0;
		if (crypto_pwhash_str_verify(body, pw, len) == 0)
			rc = 1;
		else if (errno != EINVAL && errno != 0) {
			errbuf_syserr(eb, "argon2 verification failed");
			rc = -1;
		} else
			rc = 0;
		break;
	case PWHASH_SSHA:
	case PWHASH_SSHA256:
	case PWHASH_SSHA512:
	case PWHASH_SMD5:
	case PWHASH_SHA:
	case PWHASH_SHA256:
	case PWHASH_SHA512:
	case PWHASH_PLAIN_MD5:
	case PWHASH_LDAP_MD5:
		rc = verify_digest(&info, pw, len, eb);
		break;
	case PWHASH_PBKDF2:
		rc = verify_pbkdf2(&info, body, pw, len, eb);
		break;
	case PWHASH_SCRAM_SHA1:
	case PWHASH_SCRAM_SHA256:
		rc = verify_scram(&info, body, pw, len, eb);
		break;
	case PWHASH_PLAIN:
		rc = strlen(body) == len && sodium_memcmp(body, pw, len) == 0;
		break;
	case PWHASH_PLAIN_TRUNC:
		rc = verify_trunc(body, pw, len);
		break;
	default:
		rc = verify_crypt(body, pw, eb);
		break;
	}
	sodium_memzero(body, sizeof(body));
	return rc;
}
