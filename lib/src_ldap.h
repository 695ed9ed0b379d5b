/*
 * src_ldap: connect, bind and fetch accounts from OpenLDAP.  A search
 * that ends in any error (size limit, referral, timeout, lost connection,
 * broken page cookie) is a failed fetch: the caller publishes nothing.
 */
#ifndef UDMAIL_SRC_LDAP_H
#define UDMAIL_SRC_LDAP_H

#include <time.h>

#include "account.h"
#include "conf.h"
#include "errbuf.h"

struct ldap;	/* libldap's LDAP */

/* Open a connection as configured: URI, StartTLS + CA file, then bind
   (simple with the password read from bind_password_file, or SASL
   EXTERNAL).  Returns NULL and fills EB. */
struct ldap *src_ldap_connect(const struct conf_ldap *cl, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Same, but bind as BIND_DN with the secret PASSWORD (mailpw set --self).
   PASSWORD is not copied or logged. */
struct ldap *src_ldap_connect_as(const struct conf_ldap *cl,
    const char *bind_dn, const char *password, struct errbuf *eb)
    __attribute__((warn_unused_result));
void src_ldap_close(struct ldap **ldp);

/* Fetch all accounts under cl->base with paged results.  NOW is today's
   time (account state), GRACE_DAYS the retiring grace.  Entries with an
   unusable uid are dropped and counted in list->rejected with a warning
   logged through log_warnx naming the DN.  Returns 0, or -1 with EB set
   and LIST emptied. */
int src_ldap_fetch(struct ldap *ld, const struct conf_ldap *cl, time_t now,
    int grace_days, struct account_list *list, struct errbuf *eb)
    __attribute__((warn_unused_result));

/* Find the DN of the account with uid UID.  Returns 1 found (DN_R is
   malloc'd), 0 not found, -1 error. */
int src_ldap_find_dn(struct ldap *ld, const struct conf_ldap *cl,
    const char *uid, char **dn_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Replace attribute ATTR of DN with VALUE (a secret: not logged). */
int src_ldap_replace(struct ldap *ld, const char *dn, const char *attr,
    const char *value, struct errbuf *eb) __attribute__((warn_unused_result));

/* Account state from raw attribute values (any may be NULL), per
   research/formats.md §1.1.  Exposed for tests and mailpw audit. */
enum account_state src_ldap_state(const char *user_password,
    const char *shadow_expire, const char *account_status, time_t now,
    int grace_days);

#endif
