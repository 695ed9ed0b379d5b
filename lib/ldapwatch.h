/*
 * ldapwatch: learn that something changed in LDAP, as soon as it does.
 * An RFC 4533 refreshAndPersist search (OpenLDAP syncprov) asking for no
 * attributes is used as a change signal only; the sync pipeline then
 * fetches everything again.  That keeps one code path for the data and
 * makes a missed or reordered notification harmless.
 */
#ifndef UDMAIL_LDAPWATCH_H
#define UDMAIL_LDAPWATCH_H

#include "conf.h"
#include "errbuf.h"

struct ldapwatch;

/* Connect, bind and start the persistent search under cl->base.  Returns
   NULL with EB set; EB->errnum is EOPNOTSUPP when the server does not
   offer the content synchronization control (then poll instead). */
struct ldapwatch *ldapwatch_open(const struct conf_ldap *cl, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* The descriptor to poll for input. */
int ldapwatch_fd(const struct ldapwatch *w);
/* Read what has arrived without blocking.  Returns 1 if a change was
   seen after the initial refresh, 0 if not, -1 when the search or the
   connection ended (reopen with backoff). */
int ldapwatch_process(struct ldapwatch *w, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* 1 once the initial refresh phase is over. */
int ldapwatch_ready(const struct ldapwatch *w);
void ldapwatch_close(struct ldapwatch **wp);

#endif
