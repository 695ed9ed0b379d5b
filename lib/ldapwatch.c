/*
 * ldapwatch: an RFC 4533 refreshAndPersist search used as a doorbell.
 * We ask for no attributes ("1.1"): the refresh phase costs one small
 * message per entry, after which every entry message (add, modify,
 * delete, rename) means "fetch again".  Invariant: after the refresh is
 * over, no change within base/filter goes unnoticed while the search runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <lber.h>
#include <ldap.h>

#include "ldapwatch.h"
#include "src_ldap.h"

#define SYNC_REQUEST_OID "1.3.6.1.4.1.4203.1.9.1.1"
#define SYNC_INFO_OID    "1.3.6.1.4.1.4203.1.9.1.4"
#define SYNC_MODE_REFRESH_AND_PERSIST 3
#define SYNC_INFO_NEWCOOKIE 0x80 /* [0] IMPLICIT OCTET STRING */

struct ldapwatch {
	LDAP *ld;
	int msgid;
	int ready;
	int fd;
};

struct ldapwatch *
ldapwatch_open(const struct conf_ldap *cl, struct errbuf *eb)
{
	char *attrs[] = { LDAP_NO_ATTRS, NULL };
	LDAPControl ctrl, *ctrls[2] = { &ctrl, NULL };
	struct berval *bv = NULL;
	struct ldapwatch *w;
	BerElement *ber;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		errbuf_syserr(eb, "ldapwatch");
		return NULL;
	}
	if ((w->ld = (LDAP *)src_ldap_connect(cl, eb)) == NULL)
		goto fail;
	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL ||
	    ber_printf(ber, "{e}", SYNC_MODE_REFRESH_AND_PERSIST) == -1 ||
	    ber_flatten(ber, &bv) == -1) {
		if (ber != NULL)
			ber_free(ber, 1);
		errbuf_set(eb, "ldap sync control: encoding failed");
		goto fail;
	}
	ber_free(ber, 1);
	ctrl.ldctl_oid = SYNC_REQUEST_OID;
	ctrl.ldctl_value = *bv;
	ctrl.ldctl_iscritical = 1;
	rc = ldap_search_ext(w->ld, cl->base, cl->scope, cl->filter, attrs, 0,
	    ctrls, NULL, NULL, LDAP_NO_LIMIT, &w->msgid);
	ber_bvfree(bv);
	if (rc != LDAP_SUCCESS) {
		errbuf_set(eb, "ldap persistent search %s: %s", cl->base,
		    ldap_err2string(rc));
		goto fail;
	}
	if (ldap_get_option(w->ld, LDAP_OPT_DESC, &w->fd) != LDAP_OPT_SUCCESS) {
		errbuf_set(eb, "ldap: no connection descriptor");
		goto fail;
	}
	return w;
fail:
	ldapwatch_close(&w);
	return NULL;
}

int
ldapwatch_fd(const struct ldapwatch *w)
{
	return w->fd;
}

int
ldapwatch_ready(const struct ldapwatch *w)
{
	return w->ready;
}

/* A Sync Info message: refreshDelete/refreshPresent end the refresh;
   a newcookie alone is bookkeeping; a syncIdSet after the refresh means
   entries went away. */
static int
sync_info(struct ldapwatch *w, LDAPMessage *msg)
{
	struct berval *data = NULL;
	char *oid = NULL;
	BerElement *ber;
	ber_len_t len;
	ber_tag_t tag = LBER_DEFAULT;
	int changed = 0;

	if (ldap_parse_intermediate(w->ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS)
		return 0;
	if (oid != NULL && strcmp(oid, SYNC_INFO_OID) == 0 && data != NULL &&
	    (ber = ber_init(data)) != NULL) {
		tag = ber_peek_tag(ber, &len);
		ber_free(ber, 1);
	}
	if (tag != LBER_DEFAULT && tag != SYNC_INFO_NEWCOOKIE) {
		if (w->ready)
			changed = 1;
		w->ready = 1;
	}
	ldap_memfree(oid);
	ber_bvfree(data);
	return changed;
}

int
ldapwatch_process(struct ldapwatch *w, struct errbuf *eb)
{
	struct timeval zero = { 0, 0 };
	LDAPMessage *msg;
	int rc, err, changed = 0;
	char *diag = NULL;

	for (;;) {
		rc = ldap_result(w->ld, w->msgid, LDAP_MSG_ONE, &zero, &msg);
		if (rc == 0)
			return changed;
		if (rc == -1) {
			(void)ldap_get_option(w->ld, LDAP_OPT_RESULT_CODE, &err);
			errbuf_set(eb, "ldap persistent search: %s",
			    ldap_err2string(err));
			return -1;
		}
		switch (rc) {
		case LDAP_RES_SEARCH_ENTRY:
		case LDAP_RES_SEARCH_REFERENCE:
			if (w->ready)
				changed = 1;
			break;
		case LDAP_RES_INTERMEDIATE:
			changed |= sync_info(w, msg);
			break;
		case LDAP_RES_SEARCH_RESULT:
			/* The persist phase never ends on its own: a result
			   means the server refused or stopped the search. */
			err = LDAP_OTHER;
			(void)ldap_parse_result(w->ld, msg, &err, NULL, &diag,
			    NULL, NULL, 0);
			errbuf_set(eb, "ldap persistent search ended: %s%s%s",
			    ldap_err2string(err), diag && *diag ? ": " : "",
			    diag ? diag : "");
			if (err == LDAP_UNAVAILABLE_CRITICAL_EXTENSION)
				eb->errnum = EOPNOTSUPP;
			ldap_memfree(diag);
			ldap_msgfree(msg);
			return -1;
		default:
			break;
		}
		ldap_msgfree(msg);
	}
}

void
ldapwatch_close(struct ldapwatch **wp)
{
	struct ldapwatch *w;

	if (wp == NULL || (w = *wp) == NULL)
		return;
	if (w->ld != NULL) {
		if (w->msgid > 0)
			(void)ldap_abandon_ext(w->ld, w->msgid, NULL, NULL);
		(void)ldap_unbind_ext_s(w->ld, NULL, NULL);
	}
	free(w);
	*wp = NULL;
}
