/*
 * incr: a change to a few LDAP entries applied to the published tables
 * where they lie, instead of a build from every entry held.  The last
 * full build leaves what that needs (struct incr); a change whose effect
 * could reach beyond the changed accounts' own entries (an address
 * something else names, two entries with one uid, a rename, new or gone
 * warnings, a format that cannot be updated in place, the shrink guard)
 * is left to a full build, which gives the same tables by construction.
 */
#ifndef UDMAIL_INCR_H
#define UDMAIL_INCR_H

#include "conf.h"
#include "errbuf.h"
#include "ldapset.h"
#include "model.h"
#include "sync.h"

struct incr;

/* What a change needs of the full build of C that just published from
   the resolved model M with result RES.  NULL with EB set. */
struct incr *incr_new(const struct conf *c, const struct model *m,
    const struct sync_result *res, struct errbuf *eb)
    __attribute__((warn_unused_result));
void incr_free(struct incr **icp);

/* Apply the changes SET's journal holds since the build IC comes from
   (or since the last incr_apply) to the published tables, exactly as a
   full build from SET would leave them.  1: done, RES filled as sync_run
   fills it (the journal is for the caller to clear); 0: they need a full
   build (*WHY_R says why), nothing was written; -1 with EB set: a table
   may have been written and another not (build whole next; IC is no
   longer usable). */
int incr_apply(struct incr *ic, const struct conf *c,
    const struct ldapset *set, struct sync_result *res, const char **why_r,
    struct errbuf *eb) __attribute__((warn_unused_result));

#endif
