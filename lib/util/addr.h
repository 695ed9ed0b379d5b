/*
 * addr: RFC 5321 mailbox syntax as udmail accepts it: dot-atom local
 * parts only (no quoted strings, no comments), LDH domain labels.  Keys
 * are lower-cased whole, because Postfix folds every lookup key.
 */
#ifndef UDMAIL_ADDR_H
#define UDMAIL_ADDR_H

#include <stddef.h>

#include "errbuf.h"

#define ADDR_LOCAL_MAX  64  /* RFC 5321 §4.5.3.1.1 */
#define ADDR_DOMAIN_MAX 253 /* without the root dot */
#define ADDR_MAX        254 /* RFC 3696 errata: path limit minus <> */

/* 0 if S is a dot-atom local part; -1 with EB saying why. */
int addr_check_local(const char *s, size_t len, struct errbuf *eb);
/* 0 if S is a domain name of LDH labels with at least one dot when
   NEED_DOT; -1 with EB saying why. */
int addr_check_domain(const char *s, size_t len, int need_dot,
    struct errbuf *eb);
/* Check "local@domain" and write it to OUT (size ADDR_MAX + 1), with the
   domain lower-cased and, when FOLD_LOCAL, the local part too.  Returns 0
   or -1 with EB saying why. */
int addr_normalize(const char *s, int fold_local, char *out, size_t outsz,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Lower-case ASCII in place; returns S. */
char *addr_lower(char *s);

#endif
