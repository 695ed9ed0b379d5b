/*
 * src_ldap: connect, bind and fetch accounts from OpenLDAP.  A search
 * that ends in any error (size limit, referral, timeout, lost connection,
 * broken page cookie) is a failed fetch: the caller publishes nothing.
 */
#ifndef UDMAIL_SRC_LDAP_H
#define UDMAIL_SRC_LDAP_H

#include <stddef.h>
#include <time.h>

#include "account.h"
#include "conf.h"
#include "errbuf.h"
#include "report.h"

struct ldap;	/* libldap's LDAP */

/* Programs using this module must ignore SIGPIPE (signal(SIGPIPE,
   SIG_IGN)): libldap writes to its socket with write(2), and a server
   that dies mid-search would otherwise kill the process instead of
   failing the fetch. */

/* Open a connection as configured: URI, StartTLS + CA file, then bind
   (simple with the password read from bind_password_file, or SASL
   EXTERNAL).  After a bind, asks the server who it thinks we are (RFC
   4532 Who am I?) and refuses an anonymous answer: whatever was
   configured did not authenticate.  Returns NULL and fills EB. */
struct ldap *src_ldap_connect(const struct conf_ldap *cl, struct report *rep,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Same, but bind as BIND_DN with the secret PASSWORD (mailpw set --self).
   PASSWORD is not copied or logged.  A refused bind (wrong password)
   sets EB->errnum to EACCES. */
struct ldap *src_ldap_connect_as(const struct conf_ldap *cl,
    const char *bind_dn, const char *password, struct report *rep,
    struct errbuf *eb) __attribute__((warn_unused_result));
void src_ldap_close(struct ldap **ldp);

/* Fetch all accounts under cl->base with paged results (cl->page_size
   entries a page; 0 sends no paging control, so a server size limit
   fails the fetch).  Entries are streamed: only LIST grows.  NOW is
   today's time (account state), GRACE_DAYS the retiring grace.  An
   account's name is its DN's RDN (src_ldap_dn_uid); entries whose RDN
   gives no usable name, or whose uid values are not all that name
   (ASCII case ignored), are dropped whole and counted in list->rejected;
   list->have_* count the entries carrying each attribute; an
   unusable forward or mail password value is dropped (the entry kept)
   and counted in list->bad_values; each is a warning to REP naming
   the DN and attribute, never the value of a password (progress goes
   there at debug level; NULL: the program's log).  Returns 0, or -1
   with EB naming the base and the LDAP error, and LIST emptied. */
int src_ldap_fetch(struct ldap *ld, const struct conf_ldap *cl, time_t now,
    int grace_days, struct account_list *list, struct report *rep,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* The same, calling FN after each page with LIST holding what has arrived
   (FN may consume and empty it), once the next page has been requested so
   the server works meanwhile.  FN returning -1 (with EB set) fails the
   fetch. */
typedef int src_ldap_page_fn(struct account_list *list, void *arg,
    struct errbuf *eb);
int
src_ldap_fetch_pages(struct ldap *ld, const struct conf_ldap *cl, time_t now,
    int grace_days, struct account_list *list, src_ldap_page_fn *fn, void *arg,
    struct report *rep, struct errbuf *eb) __attribute__((warn_unused_result));

/* The attributes a fetch asks for (as configured), NULL-terminated. */
#define SRC_LDAP_ATTRS 6
void src_ldap_attrs(const struct conf_ldap *cl,
    char *attrs[SRC_LDAP_ATTRS + 1]);
/* One search result entry E (libldap's LDAPMessage) read with the rules
   of src_ldap_fetch: appended to LIST as an account, or rejected (LIST's
   counters say which, the warnings go to REP as there).  Returns 0, or
   -1 with EB set (out of memory, undecodable entry). */
struct ldapmsg;	/* libldap's LDAPMessage */
int src_ldap_entry(struct ldap *ld, const struct conf_ldap *cl,
    struct ldapmsg *e, time_t now, int grace_days, struct account_list *list,
    struct report *rep, struct errbuf *eb) __attribute__((warn_unused_result));

/* Find the DN of the account with uid UID: the only entry the filter
   finds, and its RDN must name UID (an entry that merely carries a
   second uid value is not UID's).  Returns 1 found (DN_R is malloc'd),
   0 not found, -1 error. */
int src_ldap_find_dn(struct ldap *ld, const struct conf_ldap *cl,
    const char *uid, char **dn_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Replace attribute ATTR of DN with VALUE (a secret: not logged). */
int src_ldap_replace(struct ldap *ld, const char *dn, const char *attr,
    const char *value, struct errbuf *eb) __attribute__((warn_unused_result));

/* Account state from raw attribute values (any may be NULL), by
   ud-ldap's rules (ud-generate, UDLdap.py); the first that applies wins:
   retired (accountStatus first word inactive or memorial, or "retiring
   YYYY-MM-DD" more than GRACE_DAYS days before NOW's UTC day), locked
   (userPassword missing, {CRYPT}*LK* or {CRYPT}!..., case-insensitive),
   expired (shadowExpire, days since 1970, before NOW: as UDLdap.py, an
   account expires at the start of its shadowExpire day), else active.
   Exposed for tests and mailpw audit. */
enum account_state src_ldap_state(const char *user_password,
    const char *shadow_expire, const char *account_status, time_t now,
    int grace_days);

/* The account name the DN DN (LEN bytes) gives: its first RDN must be
   exactly one ATTR=VALUE (the type matched case-insensitively; for "uid"
   also "userid" and its OID), VALUE not in #hex form and, escapes
   decoded, usable (src_ldap_uid_problem).  Returns 0 with the value in
   NAME (NAMESZ > SRC_LDAP_UID_MAX), or -1 with EB saying why. */
int src_ldap_dn_uid(const char *dn, size_t len, const char *attr, char *name,
    size_t namesz, struct errbuf *eb) __attribute__((warn_unused_result));

/* Escape S for use as a value in a search filter (RFC 4515: '*', '(',
   ')', '\\', NUL, and every byte >= 0x80 become \\XX).  Returns a malloc'd
   string or NULL (ENOMEM). */
char *src_ldap_filter_escape(const char *s);

/* Value checks applied while fetching, on raw bytes (V need not be
   NUL-terminated).  Each returns NULL when the value is usable, else a
   short static reason ("not printable ASCII", ...) that never quotes V.
   uid: [A-Za-z0-9._-], starting with a letter or digit, at most 64 bytes
   (upper case is usable; the fetch warns).  forward: printable ASCII, at
   most SRC_LDAP_FORWARD_MAX bytes, ud-generate's CheckForward pattern
   (a@b or a comma list "a@b, c@d").  password: printable ASCII (bare
   crypt(3) hashes included: whether Dovecot can verify it
   is decided by pwhash where the value is used, so that mailpw audit
   sees a bad value rather than none). */
const char *src_ldap_uid_problem(const char *v, size_t len);
const char *src_ldap_forward_problem(const char *v, size_t len);
const char *src_ldap_password_problem(const char *v, size_t len);

/* Longest usable account name. */
#define SRC_LDAP_UID_MAX 64

/* The filter used when cl->filter is NULL: ud-generate's. */
#define SRC_LDAP_FILTER_DEFAULT \
	"(&(uid=*)(!(uidNumber=0))(objectClass=shadowAccount))"
/* The one limit lives in account.h. */
#define SRC_LDAP_FORWARD_MAX ACCOUNT_FORWARD_MAX

#endif
