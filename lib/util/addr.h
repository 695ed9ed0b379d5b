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

/* The grammars of an address list; each has its reason. */
enum addr_list_grammar {
	/* Any run of ',', ' ' and '\t' separates (the model's target
	   lists, an emailForward value among them). */
	ADDR_LIST_RUNS,
	/* Postfix's: any run of ',' and whitespace (" \t\r\n\v\f"), as
	   mail_addr_crunch splits an expanded alias. */
	ADDR_LIST_POSTFIX,
	/* Each ',' separates; ' ' and '\t' are trimmed from both ends of an
	   item and empty items are kept (Hiera alias_domains: an empty one
	   is worth a warning; Hiera targets, where the caller refuses a
	   space inside an item). */
	ADDR_LIST_COMMA
};

/* The next item of the list between *P and END by grammar G.  Returns 1
   with the item's bytes at *ITEM_R (*LEN_R of them, not NUL-terminated)
   and *P moved past it, 0 when the list is over. */
int addr_list_next(const char **p, const char *end, enum addr_list_grammar g,
    const char **item_r, size_t *len_r);

#endif
