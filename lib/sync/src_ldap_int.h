/*
 * src_ldap_int.h: what the parts of the LDAP source share: the connection
 * (src_ldap_conn.c), the value rules (src_ldap_entry.c) and the paged
 * fetch and writes (src_ldap.c).  Not for other modules.
 */
#ifndef UDMAIL_SRC_LDAP_INT_H
#define UDMAIL_SRC_LDAP_INT_H

#include <stddef.h>

#include <ldap.h>

#include "errbuf.h"

#define DN_LOG_MAX 256	/* DNs in messages are escaped and cut here */
#define VAL_LOG_MAX 80	/* so are uid values */

/* DN escaped and cut to OUTSZ for a message (buf_vis_dn; "(no dn)" for
   NULL).  Hostile DNs and values (base64 LDIF) may hold control
   characters, NUL or invalid UTF-8.  Returns OUT. */
const char *dn_for_log(const char *dn, char *out, size_t outsz);
/* EB: "FMT: " and libldap's text for RC, with the server's diagnostic
   DIAG (may be NULL) when it adds something. */
void seterr_ld(struct errbuf *eb, LDAP *ld, int rc, const char *diag,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
