/*
 * pwpolicy: which new passwords mailpw accepts (struct conf_policy).
 * Messages name the rule broken, never the password.
 */
#ifndef UDMAIL_PWPOLICY_H
#define UDMAIL_PWPOLICY_H

#include <stddef.h>

#include "errbuf.h"
#include "pwhash.h"

/* The password_policy section of udmail.yaml, filled by conf_load() and
   read here: the pw layer defines it so that it needs nothing above it. */
struct conf_policy {
	int min_length;        /* default 12 */
	int max_length;        /* default 1024 */
	int allow_username;    /* default 0: password may not contain the uid */
	unsigned argon2_t;     /* default 3 */
	unsigned argon2_m_kib; /* default 65536 */
	unsigned argon2_p;     /* default 1 */
	/* the costliest stored hash published (mailsyncd, mailmap) and
	   accepted as sound (mailpw audit): max_cost */
	struct pwhash_ceiling max_cost;
};

/* The documented defaults (udmail.yaml(5)): min 12, max 1024 bytes, user
   name not allowed, argon2 m=65536 KiB, t=3, p=1. */
void pwpolicy_default(struct conf_policy *pol);

/* Rules every password we hash must pass: not empty, no NUL, at most
   pol->max_length bytes, valid UTF-8 (no overlongs or surrogates), no
   control characters.  Returns 0 or -1 with EB. */
int pwpolicy_check_input(const struct conf_policy *pol, const char *pw,
    size_t len, struct errbuf *eb) __attribute__((warn_unused_result));

/* pwpolicy_check_input plus: at least pol->min_length characters (code
   points) and, unless pol->allow_username, neither equal to nor
   containing UID (ASCII case-insensitive; UID may be NULL). */
int pwpolicy_check(const struct conf_policy *pol, const char *uid,
    const char *pw, size_t len, struct errbuf *eb)
    __attribute__((warn_unused_result));

#endif
