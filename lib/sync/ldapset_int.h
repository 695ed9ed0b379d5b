/*
 * ldapset_int.h: what lib/sync/ldapset.c (the entries held, their index
 * and the journal) and ldapset_snap.c (the snapshot written at a clean
 * exit and read at the next start) share.  Not a public interface.
 */
#ifndef UDMAIL_LDAPSET_INT_H
#define UDMAIL_LDAPSET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "ldapset.h"
#include "spill.h"

#define LS_ACCOUNT  0x01 /* an account (else a rejected entry) */
#define LS_PASSWORD 0x02 /* a hash in the spill */
#define LS_FORWARD  0x04 /* a forward in the strings */
#define LS_DN       0x08 /* the DN in the strings (not derivable) */
#define LS_HAVE_FWD 0x10 /* src_ldap's have_* counters */
#define LS_HAVE_PW  0x20
#define LS_HAVE_UPW 0x40
#define LS_WARN     0x80 /* warnings in the strings */

#define WALK_PAGE 1000
#define JOURNAL_MAX 4096 /* entries; more and the journal gives up */

/* 40 bytes a record: a million of them are held. */
struct lsrec {
	unsigned char uuid[LDAPSET_UUID_LEN];
	uint64_t pwref;
	char *str;      /* "[uid\0[forward\0][dn\0]][warning\0...\0]": the
			   account's strings, then (LS_WARN) the warnings
			   reading the entry gave, each NUL-terminated,
			   and an empty string */
	uint32_t gen;
	uint16_t bad;   /* values dropped (src_ldap's bad_values) */
	uint8_t flags;
	uint8_t state;  /* enum account_state */
};
_Static_assert(sizeof(struct lsrec) <= 40, "struct lsrec grew");

/* An entry as it was before the first change since the journal was
   last cleared: its record (strings owned here), or NONE when it was
   not held. */
struct ljrec {
	struct lsrec old;
	unsigned none;
};

struct ldapset {
	struct lsrec *v;
	size_t n, cap;
	uint32_t *slot;  /* position + 1, 0 empty */
	size_t nslot;    /* a power of two, at least twice n */
	uint32_t gen;
	char *rdn_attr, *base;
	char *spill_dir;
	struct spill *spill;
	size_t str_bytes;
	int journal;     /* 1 on, 0 off, -1 gave up (too many, cleared) */
	struct ljrec *jv;
	size_t jn, jcap;
};

/* The length of the strings at S for a record with FLAGS (-1: not well
   formed within LEN bytes); *WARN_R: where its warnings start. */
long rec_strings(const char *s, size_t len, uint8_t flags,
    const char **warn_r);
size_t rec_len(const struct lsrec *r);
/* Free R's strings (not R). */
void rec_clear(struct ldapset *set, struct lsrec *r);
/* Record R in the set, replacing the one with its UUID. */
int ldapset_insert(struct ldapset *set, struct lsrec *r, struct errbuf *eb);

#endif
