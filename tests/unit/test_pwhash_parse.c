/*
 * Unit tests for the stored-hash classifier (lib/pwhash_parse.c,
 * pwhash_digest.c): the {SCHEME} grammar, the published form of legacy
 * values (bare crypt(3) strings, aliases, digests), hostile input, and
 * verification of the legacy schemes.  Vectors were made with Dovecot
 * 2.3.19.1 `doveadm pw -s SCHEME -p 'correct horse'`, `openssl passwd`
 * and Python's crypt (libxcrypt); t520 checks fresh ones through a
 * running Dovecot at test time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define H_ARGON2_DEFAULT "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$" \
	"c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"

#include "errbuf.h"
#include "pwfile.h"
#include "pwhash.h"

#define PW "correct horse"

/* Stored value -> published value, scheme, bare. */
static const struct {
	const char *stored, *published;
	enum pwhash_scheme scheme;
	int bare;
} forms[] = {
	{ "$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0",
	  "{MD5-CRYPT}$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0", PWHASH_MD5_CRYPT, 1 },
	/* Dovecot's password_get_scheme ignores a bare $1$ hash's tail */
	{ "$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0$tail",
	  "{MD5-CRYPT}$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0", PWHASH_MD5_CRYPT, 1 },
	{ "$5$sS5a8XsOiK7PiYJa$zmTXFEfiIJIs5aGV5/0D/ermOJGBzc4cWJTgWK82Tg2",
	  "{SHA256-CRYPT}$5$sS5a8XsOiK7PiYJa$zmTXFEfiIJIs5aGV5/0D/ermOJGBzc4cWJTgWK82Tg2",
	  PWHASH_SHA256_CRYPT, 1 },
	{ "$6$EangbznA/a9Iu8vx$XYrCVt8tYZ7q1U4A96tG.JySSo/K/tQcr/cXjc61XnwGFlJpo9xQ0Rl2wHaL2UwYKYG764AtzUjlkzGMXzURD0",
	  "{SHA512-CRYPT}$6$EangbznA/a9Iu8vx$XYrCVt8tYZ7q1U4A96tG.JySSo/K/tQcr/cXjc61XnwGFlJpo9xQ0Rl2wHaL2UwYKYG764AtzUjlkzGMXzURD0",
	  PWHASH_SHA512_CRYPT, 1 },
	{ "$2a$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	  "{BLF-CRYPT}$2a$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	  PWHASH_BLF_CRYPT, 1 },
	{ "$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	  "{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	  PWHASH_BLF_CRYPT, 1 },
	{ "$2x$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	  "{BLF-CRYPT}$2x$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	  PWHASH_BLF_CRYPT, 1 },
	{ "$y$j9T$abcdefghijklmnop$0Hi8KsZH/hAMRN9Bam6ce3nmi5QAIz3R/KeaXG/c7p9",
	  "{CRYPT}$y$j9T$abcdefghijklmnop$0Hi8KsZH/hAMRN9Bam6ce3nmi5QAIz3R/KeaXG/c7p9",
	  PWHASH_CRYPT, 1 },
	{ "$gy$j9T$abcdefghijklmnop$OoCZc5LoOgQrpI9itgWeephZAERGDeOFMt6RAJyjSP3",
	  "{CRYPT}$gy$j9T$abcdefghijklmnop$OoCZc5LoOgQrpI9itgWeephZAERGDeOFMt6RAJyjSP3",
	  PWHASH_CRYPT, 1 },
	{ "abhfCpXqd4GrI", "{DES-CRYPT}abhfCpXqd4GrI", PWHASH_DES_CRYPT, 1 },
	/* crypt(3) prefixes: Dovecot calls crypt() for all four */
	{ "{crypt}$6$EangbznA/a9Iu8vx$XYrCVt8tYZ7q1U4A96tG.JySSo/K/tQcr/cXjc61XnwGFlJpo9xQ0Rl2wHaL2UwYKYG764AtzUjlkzGMXzURD0",
	  "{SHA512-CRYPT}$6$EangbznA/a9Iu8vx$XYrCVt8tYZ7q1U4A96tG.JySSo/K/tQcr/cXjc61XnwGFlJpo9xQ0Rl2wHaL2UwYKYG764AtzUjlkzGMXzURD0",
	  PWHASH_SHA512_CRYPT, 0 },
	{ "{SHA512-CRYPT}$5$sS5a8XsOiK7PiYJa$zmTXFEfiIJIs5aGV5/0D/ermOJGBzc4cWJTgWK82Tg2",
	  "{SHA256-CRYPT}$5$sS5a8XsOiK7PiYJa$zmTXFEfiIJIs5aGV5/0D/ermOJGBzc4cWJTgWK82Tg2",
	  PWHASH_SHA256_CRYPT, 0 },
	{ "{CRYPT}$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0",
	  "{MD5-CRYPT}$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0", PWHASH_MD5_CRYPT, 0 },
	{ "{DES-CRYPT}VrSkhQY0GEiLA", "{DES-CRYPT}VrSkhQY0GEiLA",
	  PWHASH_DES_CRYPT, 0 },
	{ "{CRYPT}abhfCpXqd4GrI", "{DES-CRYPT}abhfCpXqd4GrI", PWHASH_DES_CRYPT,
	  0 },
	{ "{MD5}$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0",
	  "{MD5-CRYPT}$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0", PWHASH_MD5_CRYPT, 0 },
	{ "{MD5}3cb4e732631f47e6eb961f34554b7cde",
	  "{PLAIN-MD5}3cb4e732631f47e6eb961f34554b7cde", PWHASH_PLAIN_MD5, 0 },
	{ "{ARGON2I}$argon2id$v=19$m=65536,t=3,p=1$mVx3mKCF9G6A2J7iLJ8xnQ$EQl2eAxsHj8X/yWh84MjKob6UJ6+iCY5+9uXrrVb+Ls",
	  "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$mVx3mKCF9G6A2J7iLJ8xnQ$EQl2eAxsHj8X/yWh84MjKob6UJ6+iCY5+9uXrrVb+Ls",
	  PWHASH_ARGON2ID, 0 },
	{ "{SHA1}L55TUjtiq8FBorTWAZ0jy6g129A=", "{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=",
	  PWHASH_SHA, 0 },
	{ "{cleartext}" PW, "{PLAIN}" PW, PWHASH_PLAIN, 0 },
	{ "{sha256.hex}4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b5631",
	  "{SHA256.HEX}4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b5631",
	  PWHASH_SHA256, 0 },
	{ "{SSHA.base64}zqeU1N7L1AcoEhhFyLJWtrQLo1IHl0/t",
	  "{SSHA.B64}zqeU1N7L1AcoEhhFyLJWtrQLo1IHl0/t", PWHASH_SSHA, 0 },
	{ "{SMD5}x8Kd6MFfxsyHclY+5eT+/cIv3To=", "{SMD5}x8Kd6MFfxsyHclY+5eT+/cIv3To=",
	  PWHASH_SMD5, 0 },
};

/* Legacy values and the password they verify ("correct horse"). */
static const char *const legacy[] = {
	"{SMD5}x8Kd6MFfxsyHclY+5eT+/cIv3To=",
	"{DES-CRYPT}VrSkhQY0GEiLA",
	"abhfCpXqd4GrI",
	"{PLAIN-MD5}3cb4e732631f47e6eb961f34554b7cde",
	"{PLAIN-MD5}PLTnMmMfR+brlh80VUt83g==",
	"{LDAP-MD5}PLTnMmMfR+brlh80VUt83g==",
	"{LDAP-MD5}3CB4E732631F47E6EB961F34554B7CDE",
	"{MD5}3cb4e732631f47e6eb961f34554b7cde",
	"{MD5}$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0",
	"{SHA256.HEX}4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b5631",
	"{SHA256}4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b5631",
	"{SSHA.HEX}fd906d954ab6b42806a472ed46848dcbfda4cb892daa8052",
	"{PBKDF2}$1$kAp25/TogR0l76l/$5000$592b8f458ca6debe57f83e335d773ec63c8e41a1",
	"{PBKDF2}$1$V8qKNli6564UOQOH$1000$7cf1fb882e8dd84c6c27c8474407990cedd50964",
	"{SCRAM-SHA-1}4096,7y6ktJrQ4j539DYpac3zuw==,Q7osUAriMmgxzXWRggUR5/SKACo=,N3QrLVefuiIH0VB9wFfPbqbNh18=",
	"{SCRAM-SHA-256}4096,TL8cVluc8/aoHfdy9x7sTQ==,eV4hThXSJPqNMwfX4HGRMyRj6SrDvBo0IrNdlXj5zSA=,Oxod24yOrJAsb39O54j0ysyHyQ4X+aNyhmccjIXCCVQ=",
	"{PLAIN-TRUNC}13-" PW,
	"$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0",
	"$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0$tail",
	"$5$sS5a8XsOiK7PiYJa$zmTXFEfiIJIs5aGV5/0D/ermOJGBzc4cWJTgWK82Tg2",
	"$6$EangbznA/a9Iu8vx$XYrCVt8tYZ7q1U4A96tG.JySSo/K/tQcr/cXjc61XnwGFlJpo9xQ0Rl2wHaL2UwYKYG764AtzUjlkzGMXzURD0",
	"$2a$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	"$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	"$2x$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
	"$y$j9T$abcdefghijklmnop$0Hi8KsZH/hAMRN9Bam6ce3nmi5QAIz3R/KeaXG/c7p9",
	"$gy$j9T$abcdefghijklmnop$OoCZc5LoOgQrpI9itgWeephZAERGDeOFMt6RAJyjSP3",
};

/* Values Dovecot would not verify, or that udmail refuses on purpose;
   ERRNUM: ENOTSUP for a scheme Dovecot has and udmail does not. */
static const struct {
	const char *stored;
	int errnum;
} hostile[] = {
	{ "{", 0 },
	{ "{}", 0 },
	{ "{}x", 0 },
	{ "{SSHA", 0 },
	{ "{S SHA}x", 0 },
	{ "{SSHA}}x", 0 },
	{ "{0123456789012345678901234567890123}x", 0 },
	{ "{ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456}x", 0 },
	{ "{\xc3\xa4}x", 0 },
	{ "$1$", 0 },
	{ "$1$$", 0 },
	{ "$1$abc", 0 },
	{ "$1$u85vlmeDu85v$BrkprOCpv8s26pAEttFyT0", 0 },
	{ "$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0x", 0 },
	{ "$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0x$tail", 0 },
	{ "{MD5-CRYPT}$1$u85vlmeD$BrkprOCpv8s26pAEttFyT0$tail", 0 },
	{ "{MD5-CRYPT}$6$EangbznA/a9Iu8vx$XYrCVt8tYZ7q1U4A96tG.JySSo/K/tQcr/cXjc61XnwGFlJpo9xQ0Rl2wHaL2UwYKYG764AtzUjlkzGMXzURD0", 0 },
	{ "{BLF-CRYPT}$2z$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", 0 },
	{ "$2z$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", 0 },
	{ "$2a$03$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", 0 },
	{ "$2a$5$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", 0 },
	{ "$6$SECRETSALT$SECRETHASHVALUE", 0 },
	{ "$y$", 0 },
	{ "$y$j9T$$", 0 },
	{ "$argon2id$v=19$m=65536,t=3,p=1$mVx3mKCF9G6A2J7iLJ8xnQ$EQl2eAxsHj8X/yWh84MjKob6UJ6+iCY5+9uXrrVb+Ls", 0 },
	{ "abhfCpXqd4Gr", 0 },
	{ "abhfCpXqd4Gr:", 0 },
	{ "*LK*", 0 },
	{ "!", 0 },
	{ "secret", 0 },
	{ "{MD5}00", 0 },
	{ "{SMD5}x8Kd6MFfxsyHclY+5eT+/cIv3To", 0 },  /* padding missing */
	{ "{SMD5}PLTnMmMfR+brlh80VUt83g==", 0 },    /* no salt */
	{ "{SHA.zz}L55TUjtiq8FBorTWAZ0jy6g129A=", 0 },
	{ "{SHA.}L55TUjtiq8FBorTWAZ0jy6g129A=", 0 },
	{ "{SHA.HEX}L55TUjtiq8FBorTWAZ0jy6g129A=", 0 },
	{ "{SHA256.HEX}4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b563", 0 },
	{ "{SHA256.HEX}4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b56g1", 0 },
	{ "{PBKDF2}$1$salt$0$0000000000000000000000000000000000000000", 0 },
	{ "{PBKDF2}$1$salt$1000001$0000000000000000000000000000000000000000", 0 },
	{ "{PBKDF2}$1$salt$99999999999999999999$0000000000000000000000000000000000000000", 0 },
	{ "{PBKDF2}$1$salt$-1$0000000000000000000000000000000000000000", 0 },
	{ "{PBKDF2}$1$salt$5000$00000000000000000000000000000000000000000", 0 },
	{ "{PBKDF2}$1$salt$5000", 0 },
	{ "{PBKDF2}$2$salt$5000$0000000000000000000000000000000000000000", 0 },
	{ "{SCRAM-SHA-1}4095,7y6ktJrQ4j539DYpac3zuw==,Q7osUAriMmgxzXWRggUR5/SKACo=,N3QrLVefuiIH0VB9wFfPbqbNh18=", 0 },
	{ "{SCRAM-SHA-1}1000001,7y6ktJrQ4j539DYpac3zuw==,Q7osUAriMmgxzXWRggUR5/SKACo=,N3QrLVefuiIH0VB9wFfPbqbNh18=", 0 },
	{ "{SCRAM-SHA-1}4096,,Q7osUAriMmgxzXWRggUR5/SKACo=,N3QrLVefuiIH0VB9wFfPbqbNh18=", 0 },
	{ "{SCRAM-SHA-1}4096,7y6ktJrQ4j539DYpac3zuw==,Q7osUAriMmgxzXWRggUR5/SKACo=", 0 },
	{ "{SCRAM-SHA-1}4096,7y6ktJrQ4j539DYpac3zuw==,Q7osUAriMmgxzXWRggUR5/SKACo=,N3QrLVefuiIH0VB9wFfPbqbNh18=,x", 0 },
	{ "{SCRAM-SHA-256}4096,7y6ktJrQ4j539DYpac3zuw==,Q7osUAriMmgxzXWRggUR5/SKACo=,N3QrLVefuiIH0VB9wFfPbqbNh18=", 0 },
	{ "{SCRAM-SHA-1} 4096,7y6ktJrQ4j539DYpac3zuw==,Q7osUAriMmgxzXWRggUR5/SKACo=,N3QrLVefuiIH0VB9wFfPbqbNh18=", 0 },
	{ "{PLAIN-TRUNC}0-", 0 },   /* Dovecot: matches any password */
	{ "{PLAIN-TRUNC}-", 0 },
	{ "{PLAIN-TRUNC}5-", 0 },
	{ "{PLAIN-TRUNC}99999-x", 0 },
	{ "{PLAIN-TRUNC}x", 0 },
	{ "{CRAM-MD5}99a8a7515dd11beb8a483f53bb8e5de1c5e62ee22afe573a9983451584966ecc", ENOTSUP },
	{ "{hmac-md5}99a8a7515dd11beb8a483f53bb8e5de1c5e62ee22afe573a9983451584966ecc", ENOTSUP },
	{ "{DIGEST-MD5}3cb4e732631f47e6eb961f34554b7cde", ENOTSUP },
	{ "{PLAIN-MD4}065fa8548644eb54507b9a229f56584d", ENOTSUP },
	{ "{OTP}sha1 1024 d3c95b0fafd50710 464a899e74cda7b2", ENOTSUP },
	{ "{CRYPT.HEX}2431", ENOTSUP },
	{ "{PLAIN.b64}eA==", ENOTSUP },
	{ "_J9..abcdIIa0kOZPxzo", ENOTSUP },    /* BSDi extended DES */
	{ "$7$CU..../....abcdefghijklmnop$ff6XUGDSoP3ijHfENGba3PduBgoWz", ENOTSUP },
};

static void
test_pwhash_parse_prefix(void **state)
{
	const char *name, *body;
	size_t len;

	(void)state;
	assert_int_equal(pwhash_prefix("{SSHA}abc", &name, &len, &body), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(name, "SSHA", 4);
	assert_string_equal(body, "abc");
	assert_int_equal(pwhash_prefix("{SHA256.HEX}", &name, &len, &body), 1);
	assert_int_equal(len, 10);
	assert_string_equal(body, "");
	assert_int_equal(pwhash_prefix("$1$abc", &name, &len, &body), 0);
	assert_int_equal(pwhash_prefix("", NULL, NULL, NULL), 0);
	assert_int_equal(pwhash_prefix(NULL, NULL, NULL, NULL), 0);
	assert_int_equal(pwhash_prefix("{", NULL, NULL, NULL), -1);
	assert_int_equal(pwhash_prefix("{}", NULL, NULL, NULL), -1);
	assert_int_equal(pwhash_prefix("{A B}x", NULL, NULL, NULL), -1);
	assert_int_equal(pwhash_prefix("{A:B}x", NULL, NULL, NULL), -1);
	assert_int_equal(pwhash_prefix("{A\nB}x", NULL, NULL, NULL), -1);
	/* PWHASH_NAME_MAX characters fit, one more does not */
	assert_int_equal(pwhash_prefix("{01234567890123456789012345678901}x",
	    NULL, &len, NULL), 1);
	assert_int_equal(len, PWHASH_NAME_MAX);
	assert_int_equal(pwhash_prefix("{0123456789012345678901234567890123}",
	    NULL, NULL, NULL), -1);
}

static void
test_pwhash_parse_published_form(void **state)
{
	struct pwhash_info info;
	char out[PWHASH_MAX], again[PWHASH_MAX];
	struct errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		errbuf_clear(&eb);
		if (pwhash_canonical(forms[i].stored, out, &info, &eb) != 0)
			fail_msg("form %zu: %s", i, eb.msg);
		assert_string_equal(out, forms[i].published);
		assert_int_equal(info.scheme, forms[i].scheme);
		assert_int_equal(info.bare, forms[i].bare);
		/* the published form is stable and fit for the file */
		assert_int_equal(pwhash_canonical(out, again, &info, &eb), 0);
		assert_string_equal(again, out);
		assert_int_equal(info.bare, 0);
		assert_int_equal(pwfile_check("user", out, &eb), 0);
	}
}

static void
test_pwhash_parse_legacy_verify(void **state)
{
	static const char nul[] = PW "\0x";
	char out[PWHASH_MAX];
	struct errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		errbuf_clear(&eb);
		if (pwhash_verify(legacy[i], PW, strlen(PW), &eb) != 1)
			fail_msg("legacy %zu does not verify: %s", i, eb.msg);
		/* (DES reads only the first 8 bytes) */
		assert_int_equal(pwhash_verify(legacy[i], "Correct horse", 13,
		    &eb), 0);
		assert_int_equal(pwhash_verify(legacy[i], "correct", 7, &eb),
		    0);
		assert_int_equal(pwhash_verify(legacy[i], "", 0, &eb), 0);
		assert_int_equal(pwhash_verify(legacy[i], nul, sizeof(nul) - 1,
		    &eb), 0);
		/* what the passwd-file gets verifies the same */
		assert_int_equal(pwhash_canonical(legacy[i], out, NULL, &eb), 0);
		assert_int_equal(pwhash_verify(out, PW, strlen(PW), &eb), 1);
		assert_int_equal(pwhash_verify(out, "Correct horse", 13, &eb),
		    0);
	}
}

static void
test_pwhash_parse_plain_trunc(void **state)
{
	struct errbuf eb;

	(void)state;
	/* Dovecot: a text of N bytes was truncated, so a longer password
	   with that prefix matches; a shorter text must match whole. */
	assert_int_equal(pwhash_verify("{PLAIN-TRUNC}7-correct", PW,
	    strlen(PW), &eb), 1);
	assert_int_equal(pwhash_verify("{PLAIN-TRUNC}7-correct", "correct", 7,
	    &eb), 1);
	assert_int_equal(pwhash_verify("{PLAIN-TRUNC}7-correct", "correc", 6,
	    &eb), 0);
	assert_int_equal(pwhash_verify("{PLAIN-TRUNC}20-correct", PW,
	    strlen(PW), &eb), 0);
	assert_int_equal(pwhash_verify("{PLAIN-TRUNC}20-correct", "correct", 7,
	    &eb), 1);
}

static void
test_pwhash_parse_hostile(void **state)
{
	struct pwhash_info info;
	char out[PWHASH_MAX];
	struct errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		errbuf_clear(&eb);
		memset(out, 'X', sizeof(out));
		if (pwhash_canonical(hostile[i].stored, out, &info, &eb) != -1)
			fail_msg("hostile %zu accepted as %s", i, out);
		assert_int_equal(out[0], '\0');
		assert_true(eb.msg[0] != '\0');
		if (eb.errnum != hostile[i].errnum)
			fail_msg("hostile %zu: errnum %d, want %d (%s)", i,
			    eb.errnum, hostile[i].errnum, eb.msg);
		/* the reason never quotes the stored value */
		if (strlen(hostile[i].stored) > 14)
			assert_null(strstr(eb.msg, hostile[i].stored + 12));
		assert_int_equal(pwhash_verify(hostile[i].stored, PW,
		    strlen(PW), &eb), -1);
	}
}

/* Every truncation and one-byte change of a good value either fails
   cleanly or yields a published form that is stable and fit for the
   passwd-file; nothing reads past the end. */
static void
test_pwhash_parse_mutations(void **state)
{
	static const char subst[] = "$.{}:=,-0aZ\x01\xff";
	char buf[PWHASH_MAX], out[PWHASH_MAX], again[PWHASH_MAX];
	struct pwhash_info info;
	struct errbuf eb;
	size_t i, j, k, len;
	int r;

	(void)state;
	for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		len = strlen(legacy[i]);
		for (j = 0; j <= len; j++) {
			for (k = 0; k <= sizeof(subst) - 1; k++) {
				memcpy(buf, legacy[i], len + 1);
				if (k == sizeof(subst) - 1)
					buf[j] = '\0';
				else if (j < len)
					buf[j] = subst[k];
				r = pwhash_canonical(buf, out, &info, &eb);
				if (r == -1)
					continue;
				if (pwhash_canonical(out, again, NULL, &eb) != 0)
					fail_msg("%s -> %s: %s", buf, out,
					    eb.msg);
				assert_string_equal(again, out);
				/* (a ':' is pwfile_check's to refuse) */
				assert_int_equal(pwfile_check("u", out, &eb),
				    strchr(out, ':') != NULL ? -1 : 0);
			}
		}
	}
}

/* A bare yescrypt string of LEN bytes: its salt has no fixed length. */
static void
yescrypt_of_len(char *out, size_t len)
{
	size_t salt = len - 7 - 1 - 43;

	memcpy(out, "$y$j9T$", 7);
	memset(out + 7, 'a', salt);
	out[7 + salt] = '$';
	memset(out + 8 + salt, 'b', 43);
	out[len] = '\0';
}

static void
test_pwhash_parse_too_long_published(void **state)
{
	char stored[PWHASH_MAX], out[PWHASH_MAX];
	struct errbuf eb;
	size_t n;

	(void)state;
	/* Aliases shorten: {CLEARTEXT} + text at the limit publishes. */
	n = (size_t)snprintf(stored, sizeof(stored), "{CLEARTEXT}");
	memset(stored + n, 'a', PWHASH_MAX - 1 - n);
	stored[PWHASH_MAX - 1] = '\0';
	assert_int_equal(pwhash_canonical(stored, out, NULL, &eb), 0);
	assert_int_equal(strlen(out), PWHASH_MAX - 1 - 4);
	/* A bare value that fits with "{CRYPT}" added, and one byte more
	   that does not. */
	yescrypt_of_len(stored, PWHASH_MAX - 1 - 7);
	assert_int_equal(pwhash_canonical(stored, out, NULL, &eb), 0);
	assert_int_equal(strlen(out), PWHASH_MAX - 1);
	yescrypt_of_len(stored, PWHASH_MAX - 1 - 6);
	memset(out, 'X', sizeof(out));
	assert_int_equal(pwhash_canonical(stored, out, NULL, &eb), -1);
	assert_string_equal(eb.msg, "password hash with its {SCHEME} longer "
	    "than 511 bytes");
	assert_int_equal(out[0], '\0');
}

static void
test_pwhash_parse_legacy_needs_rehash(void **state)
{
	struct pwhash_floor f;
	struct pwhash_info info;
	struct errbuf eb;
	size_t i;

	(void)state;
	pwhash_floor_default(&f);
	for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		errbuf_clear(&eb);
		/* yescrypt and SHA-crypt at 5000 rounds are as good as we
		   ask for, bare or not; everything else in the list is old
		   or (bcrypt cost 5) cheap */
		if (pwhash_needs_rehash(legacy[i], &f, &eb) !=
		    (strstr(legacy[i], "y$") == NULL &&
		    strncmp(legacy[i], "$5$", 3) != 0 &&
		    strncmp(legacy[i], "$6$", 3) != 0))
			fail_msg("legacy %zu: %s", i, eb.msg);
	}
	assert_int_equal(pwhash_needs_rehash(legacy[0], &f, &eb), 1);
	assert_string_equal(eb.msg, "legacy scheme SMD5");
	assert_int_equal(pwhash_needs_rehash("abhfCpXqd4GrI", &f, &eb), 1);
	assert_string_equal(eb.msg, "legacy scheme DES-CRYPT");
	assert_int_equal(pwhash_needs_rehash("$2x$12$abcdefghijklmnopqrstuuHNb"
	    "AKRhpaujgo33bRWs.NLUTJO3lOy2", &f, &eb), 1);
	assert_string_equal(eb.msg, "legacy bcrypt variant $2x$");
	/* a bare value of a good scheme is fine: it is published with its
	   prefix, nobody needs a new password for that */
	assert_int_equal(pwhash_needs_rehash(forms[3].stored, &f, &eb), 0);
	assert_true(pwhash_scheme_is_legacy(PWHASH_SCRAM_SHA256));
	assert_true(pwhash_scheme_is_legacy(PWHASH_DES_CRYPT));
	assert_false(pwhash_scheme_is_legacy(PWHASH_CRYPT));
	assert_false(pwhash_scheme_is_legacy(PWHASH_BLF_CRYPT));
	/* $2x$ is legacy by its variant, $2y$ is not */
	assert_int_equal(pwhash_inspect("$2x$12$abcdefghijklmnopqrstuuHNb"
	    "AKRhpaujgo33bRWs.NLUTJO3lOy2", &info, &eb), 0);
	assert_true(pwhash_info_is_legacy(&info));
	assert_int_equal(pwhash_inspect("$2y$12$abcdefghijklmnopqrstuuHNb"
	    "AKRhpaujgo33bRWs.NLUTJO3lOy2", &info, &eb), 0);
	assert_false(pwhash_info_is_legacy(&info));
	assert_int_equal(pwhash_inspect("abhfCpXqd4GrI", &info, &eb), 0);
	assert_true(pwhash_info_is_legacy(&info));
}

/* Hashes too costly to verify at every login: each parameter at its
   ceiling passes, one step above is refused with a message that names
   the parameter and never quotes the hash. */
static void
test_pwhash_parse_cost_ceiling(void **state)
{
	static const struct pwhash_ceiling dflt = PWHASH_CEILING_DEFAULT;
	struct pwhash_ceiling c = dflt;
	static const struct {
		const char *hash, *what;
	} costly[] = {
		{ "{SHA512-CRYPT}$6$rounds=999999999$abcdefghijklmnop$"
		  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
		  "VWXYZ./0123456789abcdefghijkl", "SHA-crypt rounds" },
		{ "{ARGON2ID}$argon2id$v=19$m=4194304,t=1,p=1$"
		  "c29tZXNhbHRzb21lc2FsdA$"
		  "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
		  "argon2 memory" },
		{ "{ARGON2ID}$argon2id$v=19$m=65536,t=1024,p=1$"
		  "c29tZXNhbHRzb21lc2FsdA$"
		  "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
		  "argon2 passes" },
		{ "{BLF-CRYPT}$2y$31$abcdefghijklmnopqrstuu"
		  "0123456789abcdefghijklmnopqrstu", "bcrypt cost" },
	};
	struct pwhash_info info;
	struct errbuf eb;
	size_t i;

	for (i = 0; i < sizeof(costly) / sizeof(costly[0]); i++) {
		if (pwhash_inspect(costly[i].hash, &info, &eb) == -1)
			fail_msg("%s: %s", costly[i].what, eb.msg);
		assert_int_equal(pwhash_cost_check(&info, &c, &eb), -1);
		assert_non_null(strstr(eb.msg, costly[i].what));
		assert_non_null(strstr(eb.msg, "max_cost"));
		assert_null(strstr(eb.msg, "abcdefgh"));
		assert_null(strstr(eb.msg, "c29tZXNh"));
	}
	/* At the ceiling: fine; the ceiling lowered below it: refused. */
	assert_int_equal(pwhash_inspect("{SHA512-CRYPT}$6$rounds=500000$"
	    "abcdefghijklmnop$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
	    "IJKLMNOPQRSTUVWXYZ./0123456789abcdefghijkl", &info, &eb), 0);
	assert_int_equal(pwhash_cost_check(&info, &c, &eb), 0);
	c.crypt_rounds = 499999;
	assert_int_equal(pwhash_cost_check(&info, &c, &eb), -1);
	/* The default rounds (no rounds=) and everyday argon2 pass. */
	c = dflt;
	assert_int_equal(pwhash_inspect(H_ARGON2_DEFAULT, &info, &eb), 0);
	assert_int_equal(pwhash_cost_check(&info, &c, &eb), 0);
	c.argon2_m_kib = 65535;
	assert_int_equal(pwhash_cost_check(&info, &c, &eb), -1);
	/* Schemes without a cost parameter are never refused for it. */
	assert_int_equal(pwhash_inspect("{SSHA}uc9+WjHmzYP8DhreB6aAles5+lpO"
	    "Wza9", &info, &eb), 0);
	c.argon2_m_kib = 8;
	c.crypt_rounds = 1000;
	assert_int_equal(pwhash_cost_check(&info, &c, &eb), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pwhash_parse_prefix),
		cmocka_unit_test(test_pwhash_parse_published_form),
		cmocka_unit_test(test_pwhash_parse_legacy_verify),
		cmocka_unit_test(test_pwhash_parse_plain_trunc),
		cmocka_unit_test(test_pwhash_parse_hostile),
		cmocka_unit_test(test_pwhash_parse_mutations),
		cmocka_unit_test(test_pwhash_parse_too_long_published),
		cmocka_unit_test(test_pwhash_parse_legacy_needs_rehash),
		cmocka_unit_test(test_pwhash_parse_cost_ceiling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
