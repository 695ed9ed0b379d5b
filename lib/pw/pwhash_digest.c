/*
 * pwhash_digest: the stored forms of Dovecot's digest schemes (SHA,
 * SSHA, SMD5, PLAIN-MD5 and friends, PBKDF2, SCRAM, PLAIN-TRUNC), read
 * as Dovecot 2.3.19's password_decode and per-scheme verify read them.
 * No hashing here; decoded bytes are wiped by whoever asked for them.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "pwhash.h"
#include "pwhash_int.h"

long
pwhash_b64_decode(const char *s, size_t len, int padded, unsigned char *out,
    size_t outsz)
{
	size_t bin_len;

	if (len == 0 || sodium_base642bin(out, outsz, s, len, NULL, &bin_len,
	    NULL, padded ? sodium_base64_VARIANT_ORIGINAL :
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		return -1;
	return (long)bin_len;
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Dovecot's hex_to_binary: pairs of 0-9a-fA-F. */
static long
hex_decode(const char *s, size_t len, unsigned char *out, size_t outsz)
{
	size_t i;
	int hi, lo;

	if (len == 0 || len % 2 != 0 || len / 2 > outsz)
		return -1;
	for (i = 0; i < len; i += 2) {
		if ((hi = hex_value((unsigned char)s[i])) < 0 ||
		    (lo = hex_value((unsigned char)s[i + 1])) < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

static int
is_salted(enum pwhash_scheme scheme)
{
	return scheme == PWHASH_SSHA || scheme == PWHASH_SSHA256 ||
	    scheme == PWHASH_SSHA512 || scheme == PWHASH_SMD5;
}

long
pwhash_digest_decode(const struct pwhash_info *info, unsigned char *out,
    size_t outsz)
{
	size_t len = info->body_len;
	const char *s = info->body;
	long n;

	if (strcmp(info->encoding, ".HEX") == 0)
		return hex_decode(s, len, out, outsz);
	if (strcmp(info->encoding, ".B64") == 0)
		return pwhash_b64_decode(s, len, 1, out, outsz);
	/* password_decode: without a suffix, a digest of twice its
	   length in characters is taken for hex, else base64 (also when
	   the hex reading fails).  Salted schemes are base64 only. */
	if (!is_salted(info->scheme) && len == info->digest_len * 2 &&
	    (n = hex_decode(s, len, out, outsz)) >= 0)
		return n;
	return pwhash_b64_decode(s, len, 1, out, outsz);
}

int
pwhash_inspect_digest(struct pwhash_info *info, int salted, size_t dlen,
    struct errbuf *eb)
{
	unsigned char bin[PWHASH_MAX];
	const char *name = pwhash_scheme_name(info->scheme);
	long n;

	info->digest_len = dlen;
	n = pwhash_digest_decode(info, bin, sizeof(bin));
	sodium_memzero(bin, sizeof(bin)); /* only its length is wanted */
	if (n < 0) {
		errbuf_set(eb, "{%s} value is not %s", name,
		    strcmp(info->encoding, ".HEX") == 0 ? "hex" :
		    info->encoding[0] != '\0' || salted ? "padded base64" :
		    "hex or padded base64");
		return -1;
	}
	if (salted ? (size_t)n <= dlen : (size_t)n != dlen) {
		errbuf_set(eb, "{%s} value has %ld bytes, want %s%zu", name, n,
		    salted ? "more than " : "", dlen);
		return -1;
	}
	info->salt_len = (size_t)n - dlen;
	return 0;
}

int
pwhash_inspect_pbkdf2(const char *s, struct pwhash_info *info,
    struct errbuf *eb)
{
	const char *salt_end;
	unsigned long rounds;
	size_t i;

	if (strncmp(s, "$1$", 3) != 0 ||
	    (salt_end = strchr(s + 3, '$')) == NULL) {
		errbuf_set(eb, "{PBKDF2} value is not $1$salt$rounds$hash");
		return -1;
	}
	info->salt_len = (size_t)(salt_end - s - 3);
	s = salt_end + 1;
	/* Rounds 0 would leave Dovecot comparing with an all-zero key. */
	if (pwhash_parse_dec(&s, PWHASH_PBKDF2_ROUNDS_MAX, &rounds) == -1 ||
	    rounds == 0 || *s++ != '$') {
		errbuf_set(eb, "{PBKDF2} rounds not in 1..%lu",
		    PWHASH_PBKDF2_ROUNDS_MAX);
		return -1;
	}
	for (i = 0; hex_value((unsigned char)s[i]) >= 0; i++)
		;
	if (i != 40 || s[i] != '\0') {
		errbuf_set(eb, "{PBKDF2} hash is not 40 hex digits");
		return -1;
	}
	info->rounds = rounds;
	info->digest_len = 20;
	return 0;
}

int
pwhash_inspect_scram(const char *name, size_t dlen, const char *s,
    struct pwhash_info *info, struct errbuf *eb)
{
	unsigned char bin[PWHASH_MAX];
	const char *f[4], *end;
	unsigned long iter;
	size_t len[4];
	long n[4] = { 0, 0, 0, 0 };
	int i;

	for (i = 0; i < 4; i++) {
		f[i] = s;
		end = i < 3 ? strchr(s, ',') : s + strlen(s);
		if (end == NULL || (i == 3 && strchr(s, ',') != NULL)) {
			errbuf_set(eb, "{%s} value is not iter,salt,storedkey,"
			    "serverkey", name);
			return -1;
		}
		len[i] = (size_t)(end - s);
		s = end + (i < 3);
	}
	s = f[0];
	if (pwhash_parse_dec(&s, PWHASH_SCRAM_ITER_MAX, &iter) == -1 ||
	    s != f[1] - 1 || iter < PWHASH_SCRAM_ITER_MIN) {
		errbuf_set(eb, "{%s} iteration count not in %lu..%lu", name,
		    PWHASH_SCRAM_ITER_MIN, PWHASH_SCRAM_ITER_MAX);
		return -1;
	}
	for (i = 1; i < 4; i++) {
		n[i] = pwhash_b64_decode(f[i], len[i], 1, bin,
		    sizeof(bin));
		sodium_memzero(bin, sizeof(bin));
	}
	if (n[1] < 1 || n[2] != (long)dlen || n[3] != (long)dlen) {
		errbuf_set(eb, "{%s} salt or keys are not base64 of the right "
		    "length", name);
		return -1;
	}
	info->rounds = iter;
	info->salt_len = (size_t)n[1];
	info->digest_len = dlen;
	return 0;
}

int
pwhash_inspect_trunc(const char *s, struct errbuf *eb)
{
	size_t n = 0;

	/* An empty text would let Dovecot accept any password (length 0)
	   or only the empty one. */
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n > 4 || s[n] != '-' || s[n + 1] == '\0') {
		errbuf_set(eb, "{PLAIN-TRUNC} value is not LENGTH-password");
		return -1;
	}
	return 0;
}
