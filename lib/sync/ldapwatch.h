/*
 * ldapwatch: learn that something changed in LDAP, as soon as it does.
 * An RFC 4533 refreshAndPersist search (OpenLDAP syncprov) asking for no
 * attributes is used as a change signal only; the sync pipeline then
 * fetches everything again.  That keeps one code path for the data and
 * makes a missed or reordered notification harmless.  A cookie naming
 * the state the tables were built from lets the watch start without a
 * second fetch when nothing changed since.
 */
#ifndef UDMAIL_LDAPWATCH_H
#define UDMAIL_LDAPWATCH_H

#include "conf.h"
#include "errbuf.h"

struct ldapwatch;

/* The content synchronization cookie for LDAP's state now: the
   contextCSN of the suffix holding cl->base.  Read it before a fetch;
   after that fetch is published, a watch opened with it reports a change
   only if something changed since.  Returns 1 with *COOKIE_R malloc'd, 0
   when the server shows none (no syncprov, or not readable), -1 with EB
   set. */
int ldapwatch_cookie(const struct conf_ldap *cl, char **cookie_r,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Connect, bind and start the persistent search under cl->base, from
   COOKIE (see ldapwatch_cookie) or, when NULL, from nothing.  Returns
   NULL with EB set; EB->errnum is EOPNOTSUPP when the server does not
   offer the content synchronization control (then poll instead). */
struct ldapwatch *ldapwatch_open(const struct conf_ldap *cl,
    const char *cookie, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* The descriptor to poll for input. */
int ldapwatch_fd(const struct ldapwatch *w);
/* Read what has arrived without blocking.  Returns 1 when a sync is
   needed: a change after the refresh, or the end of a refresh that was
   not given a cookie or found changes since it; 0 if not; -1 when the
   search or the connection ended (reopen with backoff). */
int ldapwatch_process(struct ldapwatch *w, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* 1 once the initial refresh phase is over. */
int ldapwatch_ready(const struct ldapwatch *w);
void ldapwatch_close(struct ldapwatch **wp);

#endif
