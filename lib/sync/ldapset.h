/*
 * ldapset: the LDAP accounts as the content synchronization (RFC 4533)
 * last reported them, keyed by entryUUID, so that mailsyncd applies each
 * add, modify, rename and delete to what it holds instead of fetching
 * everything again.  Each entry is kept as src_ldap read it (account, or
 * rejected, with the warnings that reading logged); mail password hashes
 * go to a scratch file (lib/spill) beside the passwd-file.
 */
#ifndef UDMAIL_LDAPSET_H
#define UDMAIL_LDAPSET_H

#include <stddef.h>
#include <stdio.h>

#include "account.h"
#include "errbuf.h"
#include "src_ldap.h"

struct ldapset;

#define LDAPSET_UUID_LEN 16

/* An empty set.  Account DNs "RDN_ATTR=UID,BASE" are not stored (BASE may
   be NULL: every DN is).  Hashes are parked in a scratch file in
   SPILL_DIR, or dropped when it is NULL (no passwd output).  NULL with EB
   set. */
struct ldapset *ldapset_new(const char *rdn_attr, const char *base,
    const char *spill_dir, struct errbuf *eb)
    __attribute__((warn_unused_result));
void ldapset_free(struct ldapset **setp);
/* Forget every entry (a full refresh follows): 0, or -1 with EB set (the
   new scratch file). */
int ldapset_clear(struct ldapset *set, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Entry UUID as src_ldap_entry read it into L (emptied here): one
   account, or none when the entry was rejected; L's counters are kept
   with it.  WARNINGS: what reading it logged, each message followed by
   a NUL, WLEN bytes in all (may be NULL), replayed by ldapset_walk.
   Replaces what UUID was (a modify or a rename), marks it present.
   0, or -1 with EB set (the set is unchanged). */
int ldapset_put(struct ldapset *set, const unsigned char *uuid,
    struct account_list *l, const char *warnings, size_t wlen,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Drop entry UUID.  1 if it was there, 0 if not. */
int ldapset_delete(struct ldapset *set, const unsigned char *uuid);
/* A refresh's present phase starts: ldapset_sweep drops what is neither
   put nor marked from now on. */
void ldapset_begin(struct ldapset *set);
/* Entry UUID is unchanged and still there.  1, or 0 when the set does
   not hold it (the set and the server disagree). */
int ldapset_mark(struct ldapset *set, const unsigned char *uuid);
/* Drop every entry neither put nor marked since ldapset_begin; returns
   how many. */
size_t ldapset_sweep(struct ldapset *set);
/* Entries held, rejected ones included. */
size_t ldapset_count(const struct ldapset *set);
/* Hand every account to FN in pages, as src_ldap_fetch_pages does (the
   first page carries the set's counters: rejected entries, bad values,
   have_*), with each entry's warnings reported again to REP first.
   L is the page buffer (empty on entry and on return).  The account
   state is the one computed when the entry arrived: the caller starts
   a full refresh when the day changes.  0, or -1 with EB set. */
int ldapset_walk(const struct ldapset *set, struct account_list *l,
    src_ldap_page_fn *fn, void *arg, struct report *rep, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Write every entry to FD (no secret) and the hashes to HFD (a file in
   the passwd-file's directory, as the scratch file).  0, or -1 with EB
   set. */
int ldapset_save(const struct ldapset *set, int fd, int hfd,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Add the entries ldapset_save wrote, from F (at the first entry) and
   HF (NULL when the set keeps no hashes).  0, or -1 with EB set (then
   clear the set). */
int ldapset_load(struct ldapset *set, FILE *f, FILE *hf, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* The journal, for a build that applies only what changed: from
   ldapset_journal_start on, the first put or delete of each entry keeps
   the entry as it was.  A clear, or more than a few thousand entries,
   make it give up (ldapset_journal_whole 0) until the next start. */
void ldapset_journal_start(struct ldapset *set);
int ldapset_journal_whole(const struct ldapset *set);
size_t ldapset_journal_count(const struct ldapset *set);
/* The I-th changed entry as a page of its own, as ldapset_walk hands
   it: in OLD as it was (nothing added when it was not held) with its
   warnings reported to OLD_REP, in CUR as it is now (likewise).  OLD and
   CUR empty on entry; the caller frees them.  0, or -1 with EB set. */
int ldapset_journal_entry(const struct ldapset *set, size_t i,
    struct account_list *old, struct account_list *cur,
    struct report *old_rep, struct report *cur_rep, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* COUNTS[K]: the accounts held whose uid is UIDS[K], ignoring case (one
   pass over the set). */
void ldapset_uid_count(const struct ldapset *set, const char *const *uids,
    size_t n, size_t *counts);
/* Bytes of memory held (records, strings, index), for the logs. */
size_t ldapset_memory(const struct ldapset *set);

#endif
