/*
 * ldapwatch: follow LDAP's changes as they happen.  An RFC 4533
 * refreshAndPersist search (OpenLDAP syncprov) asks for the attributes
 * src_ldap reads, and each add, modify, rename and delete is applied to
 * a struct ldapset (lib/ldapset) held by the caller, entries read with
 * the same rules as a full fetch; mailsyncd builds its tables from that
 * set without fetching again.  Started from the cookie of the set's
 * state, the refresh sends only what changed since (or a present phase,
 * which drops what it does not name); started without one, the set is
 * emptied and the refresh fills it.  Whatever the search cannot follow
 * (e-syncRefreshRequired, a lost connection) ends it with an error: the
 * caller starts again, from the cookie or from nothing, and never builds
 * from a refresh that did not finish.
 */
#ifndef UDMAIL_LDAPWATCH_H
#define UDMAIL_LDAPWATCH_H

#include <stddef.h>

#include "conf.h"
#include "errbuf.h"
#include "report.h"

struct ldapwatch;
struct ldapset;

struct ldapwatch_stats {
	size_t entries; /* entries read with their attributes (adds,
			   modifies, renames) since the watch opened */
	size_t deleted; /* entries dropped (deletes, present phases) */
};

/* The content synchronization cookie for LDAP's state now: the
   contextCSN of the suffix holding cl->base.  Read it before a full
   fetch; after that fetch is published, a watch opened with it reports
   a change only if something changed since.  Returns 1 with *COOKIE_R
   malloc'd, 0 when the server shows none (no syncprov, or not
   readable), -1 with EB set.  REP gets the bind's progress (NULL: the
   program's log). */
int ldapwatch_cookie(const struct conf_ldap *cl, char **cookie_r,
    struct report *rep, struct errbuf *eb) __attribute__((warn_unused_result));
/* Connect, bind and start the search under cl->base, from COOKIE (SET
   must then hold the state that cookie names) or, when NULL, from
   nothing (SET is emptied).  CL and SET must outlive the watch;
   GRACE_DAYS as src_ldap_fetch; REP (which must outlive the watch, NULL:
   the program's log) gets what is not kept with an entry.  Returns NULL with EB set; EB->errnum is
   EOPNOTSUPP when the server does not offer the content synchronization
   control (then poll instead). */
struct ldapwatch *ldapwatch_open(const struct conf_ldap *cl, int grace_days,
    const char *cookie, struct ldapset *set, struct report *rep,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* The descriptor to poll for input. */
int ldapwatch_fd(const struct ldapwatch *w);
/* Read what has arrived without blocking and apply it to the set.
   Warnings an entry gives (src_ldap's) are kept with it in the set, not
   reported here.  Returns
   1 when the set changed and is whole (the refresh is over), 0 if not;
   -1 with EB set when the search or the connection ended: reopen with
   backoff from ldapwatch_cookie_now, or from nothing when EB->errnum is
   ESTALE (e-syncRefreshRequired, or the server and the set disagree). */
int ldapwatch_process(struct ldapwatch *w, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* 1 once the refresh phase is over. */
int ldapwatch_ready(const struct ldapwatch *w);
/* The latest cookie: the server's, or the one the watch started from
   (NULL: none yet).  Valid until the next ldapwatch_process. */
const char *ldapwatch_cookie_now(const struct ldapwatch *w);
const struct ldapwatch_stats *ldapwatch_stats(const struct ldapwatch *w);
void ldapwatch_close(struct ldapwatch **wp);

#endif
