/*
 * guard: the shrink guard.  A build that would drop more than a share of
 * a published table's entries is refused (an empty or partial LDAP
 * answer, a broken Hiera export), except for removals LDAP explains: an
 * account it still returns, now locked, expired or retired, must leave
 * passwd and sender_login at once, whatever their size.
 */
#ifndef UDMAIL_GUARD_H
#define UDMAIL_GUARD_H

#include <stddef.h>

#include "conf.h"
#include "errbuf.h"
#include "model.h"

/* Would going from OLD_COUNT published entries to NEW_COUNT drop more
   than SHARE (0..1) of them, once the EXPLAINED removals are set aside?
   Returns 1 (refuse) or 0.  UNEXPLAINED_R (may be NULL) gets the entries
   lost that nothing explains (0 when the table does not shrink). */
int guard_trips(long long old_count, size_t new_count, size_t explained,
    double share, long long *unexplained_r);

/* Count the published entries of output KIND (the table O names) that
   the model no longer emits because LDAP reports their account locked,
   expired or retired (model_emit_explained, less what model_emit still
   emits).  Reads the table once; holds only the explained keys.  Returns
   0 with *EXPLAINED_R set, or -1 with EB set. */
int guard_explained(const struct model *m, const struct conf_output *o,
    enum output_kind kind, size_t *explained_r, struct errbuf *eb)
    __attribute__((warn_unused_result));

#endif
