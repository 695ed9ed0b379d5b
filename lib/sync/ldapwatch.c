/*
 * ldapwatch: an RFC 4533 refreshAndPersist search used as a doorbell.
 * We ask for no attributes ("1.1"): every entry message (add, modify,
 * delete, rename) means "fetch again".  Started with the cookie of the
 * state the tables were built from (the suffix's contextCSN, read before
 * that fetch), the refresh phase is empty when nothing changed since, and
 * then asks for no sync at all.  Invariant: no change within base/filter
 * after the cookie (or, without one, after the refresh) goes unnoticed
 * while the search runs.
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
#define SYNC_INFO_NEWCOOKIE      0x80 /* [0] IMPLICIT OCTET STRING */
#define SYNC_INFO_REFRESH_DELETE 0xa1 /* [1] refreshDelete */
#define SYNC_INFO_REFRESH_PRESENT 0xa2 /* [2] refreshPresent */
#define SYNC_INFO_ID_SET         0xa3 /* [3] syncIdSet */
#define CSN_MAX 16                    /* contextCSN values (one per sid) */
#define DN_DEPTH_MAX 32

struct ldapwatch {
	LDAP *ld;
	int msgid;
	int ready;
	int fd;
	int cookie; /* started with a cookie */
	int dirty;  /* the refresh reported an entry or an ID set */
};

struct ldapwatch *
ldapwatch_open(const struct conf_ldap *cl, const char *cookie,
    struct errbuf *eb)
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
	w->cookie = cookie != NULL;
	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL ||
	    ber_printf(ber, "{e", SYNC_MODE_REFRESH_AND_PERSIST) == -1 ||
	    (cookie != NULL && ber_printf(ber, "s", cookie) == -1) ||
	    ber_printf(ber, "N}") == -1 || ber_flatten(ber, &bv) == -1) {
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

/* The refreshDone flag of a refreshDelete or refreshPresent message:
   SEQUENCE { cookie OCTET STRING OPTIONAL, refreshDone BOOLEAN DEFAULT
   TRUE }.  Unreadable counts as done: the caller then syncs. */
static int
refresh_done(BerElement *ber)
{
	ber_len_t len;
	ber_tag_t tag;
	ber_int_t done = 1;

	if (ber_skip_tag(ber, &len) == LBER_DEFAULT)
		return 1;
	tag = ber_peek_tag(ber, &len);
	if (tag == LBER_OCTETSTRING) {
		if (ber_skip_tag(ber, &len) == LBER_DEFAULT ||
		    ber_skip_data(ber, len) < 0)
			return 1;
		tag = ber_peek_tag(ber, &len);
	}
	if (tag == LBER_BOOLEAN && ber_get_boolean(ber, &done) == LBER_DEFAULT)
		return 1;
	return done != 0;
}

/* A Sync Info message.  During the refresh an ID set means entries to
   keep or drop, so something changed since the cookie, and the phase
   that ends it says how it ended: refreshDelete with nothing before it is
   syncprov's "your cookie is current"; a present phase is sent when it is
   not.  After the refresh an ID set means entries went away. */
static int
sync_info(struct ldapwatch *w, LDAPMessage *msg)
{
	struct berval *data = NULL;
	BerElement *ber = NULL;
	ber_tag_t tag = LBER_DEFAULT;
	char *oid = NULL;
	ber_len_t len;
	int changed = 0, done = 1;

	if (ldap_parse_intermediate(w->ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS)
		return 0;
	if (oid != NULL && strcmp(oid, SYNC_INFO_OID) == 0 && data != NULL &&
	    (ber = ber_init(data)) != NULL) {
		tag = ber_peek_tag(ber, &len);
		if (tag == SYNC_INFO_REFRESH_DELETE ||
		    tag == SYNC_INFO_REFRESH_PRESENT)
			done = refresh_done(ber);
		ber_free(ber, 1);
	}
	if (tag == LBER_DEFAULT || tag == SYNC_INFO_NEWCOOKIE)
		;
	else if (w->ready)
		changed = 1;
	else if (tag == SYNC_INFO_ID_SET || tag == SYNC_INFO_REFRESH_PRESENT)
		w->dirty = 1;
	if (!w->ready && done && (tag == SYNC_INFO_REFRESH_DELETE ||
	    tag == SYNC_INFO_REFRESH_PRESENT)) {
		w->ready = 1;
		/* Without a cookie the refresh tells us nothing. */
		changed = !w->cookie || w->dirty;
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
			else
				w->dirty = 1;
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

/* DN without its first RDN ("" at the root); commas escaped with a
   backslash belong to the RDN. */
static const char *
dn_parent(const char *dn)
{
	for (; *dn != '\0'; dn++) {
		if (*dn == '\\' && dn[1] != '\0')
			dn++;
		else if (*dn == ',')
			return dn + 1 + strspn(dn + 1, " ");
	}
	return dn;
}

/* "rid=000,csn=A;B": each value made only of CSN characters. */
static char *
cookie_make(struct berval **vals)
{
	static const char head[] = "rid=000,csn=";
	size_t i, k, o, len = sizeof(head);
	char *c;

	for (i = 0; i < CSN_MAX && vals[i] != NULL; i++) {
		if (vals[i]->bv_len == 0 || vals[i]->bv_len > 64)
			return NULL;
		/* bv_val need not be NUL-terminated: look at bv_len bytes. */
		for (k = 0; k < vals[i]->bv_len; k++)
			if (strchr("0123456789.#Z", vals[i]->bv_val[k]) == NULL ||
			    vals[i]->bv_val[k] == '\0')
				return NULL;
		len += vals[i]->bv_len + 1;
	}
	if (i == 0 || vals[i] != NULL || (c = malloc(len)) == NULL)
		return NULL;
	memcpy(c, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (i = 0; vals[i] != NULL; i++) {
		if (i > 0)
			c[o++] = ';';
		memcpy(c + o, vals[i]->bv_val, vals[i]->bv_len);
		o += vals[i]->bv_len;
	}
	c[o] = '\0';
	return c;
}

int
ldapwatch_cookie(const struct conf_ldap *cl, char **cookie_r,
    struct errbuf *eb)
{
	char *attrs[] = { "contextCSN", NULL };
	struct timeval tv = { cl->timeout > 0 ? cl->timeout : 30, 0 };
	struct berval **vals = NULL;
	LDAPMessage *res = NULL, *e;
	const char *dn;
	LDAP *ld;
	int rc, depth, found = 0;

	*cookie_r = NULL;
	if ((ld = (LDAP *)src_ldap_connect(cl, eb)) == NULL)
		return -1;
	for (dn = cl->base, depth = 0; *dn != '\0' && depth < DN_DEPTH_MAX;
	    dn = dn_parent(dn), depth++) {
		rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE,
		    "(objectClass=*)", attrs, 0, NULL, NULL, &tv, 1, &res);
		if (rc == LDAP_SUCCESS && (e = ldap_first_entry(ld, res)) !=
		    NULL)
			vals = ldap_get_values_len(ld, e, "contextCSN");
		ldap_msgfree(res);
		res = NULL;
		if (vals != NULL)
			break;
		if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT &&
		    rc != LDAP_INSUFFICIENT_ACCESS) {
			errbuf_set(eb, "ldap contextCSN %s: %s", dn,
			    ldap_err2string(rc));
			(void)ldap_unbind_ext_s(ld, NULL, NULL);
			return -1;
		}
	}
	if (vals != NULL) {
		if ((*cookie_r = cookie_make(vals)) != NULL)
			found = 1;
		ldap_value_free_len(vals);
	}
	(void)ldap_unbind_ext_s(ld, NULL, NULL);
	return found;
}
