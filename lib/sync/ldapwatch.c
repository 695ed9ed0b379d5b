/*
 * ldapwatch: an RFC 4533 refreshAndPersist search (OpenLDAP syncprov)
 * asking for the attributes src_ldap reads, applied entry by entry to a
 * struct ldapset: add, modify and rename (the entryUUID in the Sync State
 * control names the entry whatever its DN) replace it, delete drops it, a
 * present phase drops what it did not name.  Started with no cookie the
 * set is emptied and the refresh fills it.  Invariant: the set is whole
 * (the state of LDAP at some cookie) whenever ldapwatch_ready says so
 * and the search has not failed mid-refresh; anything the search cannot
 * follow ends it with an error, never with a partial set called ready.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <lber.h>
#include <ldap.h>

#include "buf.h"
#include "ldapset.h"
#include "ldapwatch.h"
#include "report.h"
#include "src_ldap.h"

#define SYNC_REQUEST_OID "1.3.6.1.4.1.4203.1.9.1.1"
#define SYNC_STATE_OID   "1.3.6.1.4.1.4203.1.9.1.2"
#define SYNC_INFO_OID    "1.3.6.1.4.1.4203.1.9.1.4"
#define SYNC_MODE_REFRESH_AND_PERSIST 3
#define SYNC_INFO_NEWCOOKIE      0x80 /* [0] IMPLICIT OCTET STRING */
#define SYNC_INFO_REFRESH_DELETE 0xa1 /* [1] refreshDelete */
#define SYNC_INFO_REFRESH_PRESENT 0xa2 /* [2] refreshPresent */
#define SYNC_INFO_ID_SET         0xa3 /* [3] syncIdSet */
#define SYNC_STATE_PRESENT 0
#define SYNC_STATE_ADD     1
#define SYNC_STATE_MODIFY  2
#define SYNC_STATE_DELETE  3
#define SYNC_REFRESH_REQUIRED 4096    /* e-syncRefreshRequired */
#define COOKIE_MAX 4096
#define CSN_MAX 16                    /* contextCSN values (one per sid) */
#define DN_DEPTH_MAX 32

struct ldapwatch {
	LDAP *ld;
	const struct conf_ldap *cl;
	struct ldapset *set;
	int grace_days;
	int msgid;
	int ready;
	int fd;
	int changed;     /* the set moved since the last report */
	char *cookie;    /* the latest the server sent (or we started with) */
	struct ldapwatch_stats st;
	struct buf warn; /* what reading one entry warned */
	struct report *report; /* the caller's */
	/* UUIDs the refresh named as present before sending them (syncprov
	   names entries newer than the cookie too, then sends them as
	   adds): each must be held when the refresh ends. */
	struct buf unknown;
};

struct ldapwatch *
ldapwatch_open(const struct conf_ldap *cl, int grace_days, const char *cookie,
    struct ldapset *set, struct report *rep, struct errbuf *eb)
{
	char *attrs[SRC_LDAP_ATTRS + 1];
	LDAPControl ctrl, *ctrls[2] = { &ctrl, NULL };
	struct berval *bv = NULL;
	struct ldapwatch *w;
	BerElement *ber;
	const char *filter;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		errbuf_syserr(eb, "ldapwatch");
		return NULL;
	}
	w->cl = cl;
	w->set = set;
	w->grace_days = grace_days;
	w->report = rep;
	w->warn = (struct buf)BUF_INIT;
	w->unknown = (struct buf)BUF_INIT;
	if (cookie != NULL && (w->cookie = strdup(cookie)) == NULL) {
		errbuf_syserr(eb, "ldapwatch");
		goto fail;
	}
	if ((w->ld = (LDAP *)src_ldap_connect(cl, rep, eb)) == NULL)
		goto fail;
	/* Without a cookie the refresh sends every entry as an add. */
	if (cookie == NULL && ldapset_clear(set, eb) == -1)
		goto fail;
	ldapset_begin(set);
	w->changed = cookie == NULL;
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
	src_ldap_attrs(cl, attrs);
	filter = cl->filter != NULL ? cl->filter : SRC_LDAP_FILTER_DEFAULT;
	rc = ldap_search_ext(w->ld, cl->base, cl->scope, filter, attrs, 0,
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

const char *
ldapwatch_cookie_now(const struct ldapwatch *w)
{
	return w->cookie;
}

const struct ldapwatch_stats *
ldapwatch_stats(const struct ldapwatch *w)
{
	return &w->st;
}

/* Keep the cookie the server sent, if it is one we can store again. */
static void
cookie_set(struct ldapwatch *w, const struct berval *bv)
{
	char *c;

	if (bv->bv_len == 0 || bv->bv_len > COOKIE_MAX ||
	    memchr(bv->bv_val, '\0', bv->bv_len) != NULL ||
	    memchr(bv->bv_val, '\n', bv->bv_len) != NULL ||
	    (c = malloc(bv->bv_len + 1)) == NULL)
		return;
	memcpy(c, bv->bv_val, bv->bv_len);
	c[bv->bv_len] = '\0';
	free(w->cookie);
	w->cookie = c;
}

/* An optional cookie at the reader's position. */
static int
cookie_opt(struct ldapwatch *w, BerElement *ber)
{
	struct berval bv;
	ber_len_t len;

	if (ber_peek_tag(ber, &len) != LBER_OCTETSTRING)
		return 0;
	if (ber_scanf(ber, "m", &bv) == LBER_ERROR)
		return -1;
	cookie_set(w, &bv);
	return 0;
}

static void
capture(void *arg, enum log_level level, const char *msg)
{
	struct ldapwatch *w = arg;

	/* Kept with the entry and said at each build, so that mailsyncd
	   sees the same warnings as after a full fetch. */
	if (level != LOG_LEVEL_WARN ||
	    buf_append(&w->warn, msg, strlen(msg) + 1) == -1)
		report_put(w->report, level, msg);
}

/* Entry UUID is still there, unchanged or to be sent later on. */
static int
present(struct ldapwatch *w, const unsigned char *uuid, struct errbuf *eb)
{
	if (ldapset_mark(w->set, uuid) ||
	    buf_append(&w->unknown, uuid, LDAPSET_UUID_LEN) == 0)
		return 0;
	errbuf_syserr(eb, "ldap persistent search %s", w->cl->base);
	return -1;
}

/* At the end of the refresh: was every entry named as present sent? */
static int
unknown_check(struct ldapwatch *w, struct errbuf *eb)
{
	size_t i;

	for (i = 0; i + LDAPSET_UUID_LEN <= w->unknown.len;
	    i += LDAPSET_UUID_LEN) {
		if (ldapset_mark(w->set, (unsigned char *)w->unknown.data + i))
			continue;
		errbuf_set(eb, "ldap persistent search %s: the server names as "
		    "unchanged an entry we do not hold", w->cl->base);
		eb->errnum = ESTALE;
		return -1;
	}
	buf_free(&w->unknown);
	return 0;
}

/* An add or modify (a rename is one): the entry as src_ldap reads it. */
static int
entry_put(struct ldapwatch *w, LDAPMessage *msg, const unsigned char *uuid,
    struct errbuf *eb)
{
	struct report cap = { capture, w, 0, 0 };
	struct account_list l;
	int rc;

	cap.verbose = w->report != NULL ? w->report->verbose :
					  log_get_verbose();
	memset(&l, 0, sizeof(l));
	buf_reset(&w->warn);
	rc = src_ldap_entry((struct ldap *)w->ld, w->cl, (struct ldapmsg *)msg,
	    time(NULL), w->grace_days, &l, &cap, eb);
	if (rc == -1) {
		account_list_free(&l);
		return -1;
	}
	w->st.entries++;
	return ldapset_put(w->set, uuid, &l, w->warn.data, w->warn.len, eb);
}

/* A search result entry: its Sync State control says what happened to
   it.  An entry without one cannot be placed: the search fails. */
static int
sync_entry(struct ldapwatch *w, LDAPMessage *msg, struct errbuf *eb)
{
	LDAPControl **ctrls = NULL, *c;
	BerElement *ber = NULL;
	struct berval uuid;
	ber_int_t state;
	int ret = -1;

	if (ldap_get_entry_controls(w->ld, msg, &ctrls) != LDAP_SUCCESS ||
	    (c = ldap_control_find(SYNC_STATE_OID, ctrls, NULL)) == NULL ||
	    (ber = ber_init(&c->ldctl_value)) == NULL ||
	    ber_scanf(ber, "{em", &state, &uuid) == LBER_ERROR ||
	    uuid.bv_len != LDAPSET_UUID_LEN || cookie_opt(w, ber) == -1) {
		errbuf_set(eb, "ldap persistent search %s: an entry without a "
		    "readable sync state", w->cl->base);
		goto out;
	}
	switch (state) {
	case SYNC_STATE_PRESENT:
		if (present(w, (unsigned char *)uuid.bv_val, eb) == -1)
			goto out;
		break;
	case SYNC_STATE_ADD:
	case SYNC_STATE_MODIFY:
		if (entry_put(w, msg, (unsigned char *)uuid.bv_val, eb) == -1)
			goto out;
		w->changed = 1;
		break;
	case SYNC_STATE_DELETE:
		w->st.deleted += ldapset_delete(w->set,
		    (unsigned char *)uuid.bv_val);
		w->changed = 1;
		break;
	default:
		errbuf_set(eb, "ldap persistent search %s: unknown sync state "
		    "%d", w->cl->base, (int)state);
		goto out;
	}
	ret = 0;
out:
	/* ber_init copied the control's value: free the copy too. */
	if (ber != NULL)
		ber_free(ber, 1);
	ldap_controls_free(ctrls);
	return ret;
}

/* syncIdSet: SEQUENCE { cookie OPTIONAL, refreshDeletes BOOLEAN DEFAULT
   FALSE, syncUUIDs SET OF OCTET STRING }: entries gone, or (present
   phase) entries still there. */
static int
id_set(struct ldapwatch *w, BerElement *ber, struct errbuf *eb)
{
	struct berval *ids = NULL;
	ber_int_t deletes = 0;
	ber_len_t len;
	size_t i;
	int ret = -1;

	if (ber_skip_tag(ber, &len) == LBER_DEFAULT || cookie_opt(w, ber) ==
	    -1)
		goto bad;
	if (ber_peek_tag(ber, &len) == LBER_BOOLEAN &&
	    ber_get_boolean(ber, &deletes) == LBER_ERROR)
		goto bad;
	if (ber_scanf(ber, "[W]", &ids) == LBER_ERROR)
		goto bad;
	for (i = 0; ids != NULL && ids[i].bv_val != NULL; i++) {
		if (ids[i].bv_len != LDAPSET_UUID_LEN)
			goto bad;
		if (deletes) {
			w->st.deleted += ldapset_delete(w->set,
			    (unsigned char *)ids[i].bv_val);
			w->changed = 1;
		} else if (present(w, (unsigned char *)ids[i].bv_val, eb) ==
		    -1)
			goto out;
	}
	ret = 0;
	goto out;
bad:
	errbuf_set(eb, "ldap persistent search %s: unreadable sync info "
	    "(syncIdSet)", w->cl->base);
out:
	ber_bvarray_free(ids);
	return ret;
}

/* refreshDelete or refreshPresent: SEQUENCE { cookie OPTIONAL,
   refreshDone BOOLEAN DEFAULT TRUE }.  Returns done (1/0), -1 if
   unreadable. */
static int
refresh_end(struct ldapwatch *w, BerElement *ber)
{
	ber_len_t len;
	ber_int_t done = 1;

	if (ber_skip_tag(ber, &len) == LBER_DEFAULT || cookie_opt(w, ber) ==
	    -1)
		return -1;
	if (ber_peek_tag(ber, &len) == LBER_BOOLEAN &&
	    ber_get_boolean(ber, &done) == LBER_ERROR)
		return -1;
	return done != 0;
}

/* A Sync Info message. */
static int
sync_info(struct ldapwatch *w, LDAPMessage *msg, struct errbuf *eb)
{
	struct berval *data = NULL, bv;
	BerElement *ber = NULL;
	ber_tag_t tag;
	char *oid = NULL;
	ber_len_t len;
	size_t gone;
	int done = 0, ret = -1;

	if (ldap_parse_intermediate(w->ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS || oid == NULL || strcmp(oid, SYNC_INFO_OID) != 0 ||
	    data == NULL || (ber = ber_init(data)) == NULL)
		goto bad;
	tag = ber_peek_tag(ber, &len);
	switch (tag) {
	case SYNC_INFO_NEWCOOKIE:
		if (ber_scanf(ber, "m", &bv) == LBER_ERROR)
			goto bad;
		cookie_set(w, &bv);
		break;
	case SYNC_INFO_REFRESH_PRESENT:
		/* The present phase is over: what it did not name is gone. */
		if ((done = refresh_end(w, ber)) == -1)
			goto bad;
		if ((gone = ldapset_sweep(w->set)) > 0) {
			w->st.deleted += gone;
			w->changed = 1;
		}
		break;
	case SYNC_INFO_REFRESH_DELETE:
		if ((done = refresh_end(w, ber)) == -1)
			goto bad;
		break;
	case SYNC_INFO_ID_SET:
		if (id_set(w, ber, eb) == -1)
			goto out;
		break;
	default:
		goto bad;
	}
	if (done && !w->ready) {
		if (unknown_check(w, eb) == -1)
			goto out;
		w->ready = 1;
	}
	ret = 0;
	goto out;
bad:
	errbuf_set(eb, "ldap persistent search %s: unreadable sync info",
	    w->cl->base);
out:
	if (ber != NULL)
		ber_free(ber, 1);
	ldap_memfree(oid);
	ber_bvfree(data);
	return ret;
}

int
ldapwatch_process(struct ldapwatch *w, struct errbuf *eb)
{
	struct timeval zero = { 0, 0 };
	LDAPMessage *msg;
	int rc, err, r;
	char *diag = NULL;

	for (;;) {
		rc = ldap_result(w->ld, w->msgid, LDAP_MSG_ONE, &zero, &msg);
		if (rc == 0)
			break;
		if (rc == -1) {
			(void)ldap_get_option(w->ld, LDAP_OPT_RESULT_CODE, &err);
			errbuf_set(eb, "ldap persistent search: %s",
			    ldap_err2string(err));
			return -1;
		}
		switch (rc) {
		case LDAP_RES_SEARCH_ENTRY:
			r = sync_entry(w, msg, eb);
			break;
		case LDAP_RES_INTERMEDIATE:
			r = sync_info(w, msg, eb);
			break;
		case LDAP_RES_SEARCH_REFERENCE:
			errbuf_set(eb, "ldap persistent search %s: server sent "
			    "a referral", w->cl->base);
			r = -1;
			break;
		case LDAP_RES_SEARCH_RESULT:
			/* The persist phase never ends on its own: a result
			   means the server refused or stopped the search. */
			err = LDAP_OTHER;
			(void)ldap_parse_result(w->ld, msg, &err, NULL, &diag,
			    NULL, NULL, 0);
			errbuf_set(eb, "ldap persistent search ended: %s%s%s",
			    err == SYNC_REFRESH_REQUIRED ?
			    "e-syncRefreshRequired" : ldap_err2string(err),
			    diag && *diag ? ": " : "", diag ? diag : "");
			if (err == LDAP_UNAVAILABLE_CRITICAL_EXTENSION)
				eb->errnum = EOPNOTSUPP;
			else if (err == SYNC_REFRESH_REQUIRED)
				eb->errnum = ESTALE;
			ldap_memfree(diag);
			r = -1;
			break;
		default:
			r = 0;
			break;
		}
		ldap_msgfree(msg);
		if (r == -1)
			return -1;
	}
	if (!w->ready || !w->changed)
		return 0;
	w->changed = 0;
	return 1;
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
	free(w->cookie);
	buf_free(&w->warn);
	buf_free(&w->unknown);
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
    struct report *rep, struct errbuf *eb)
{
	char *attrs[] = { "contextCSN", NULL };
	struct timeval tv = { cl->timeout > 0 ? cl->timeout : 30, 0 };
	struct berval **vals = NULL;
	LDAPMessage *res = NULL, *e;
	const char *dn;
	LDAP *ld;
	int rc, depth, found = 0;

	*cookie_r = NULL;
	if ((ld = (LDAP *)src_ldap_connect(cl, rep, eb)) == NULL)
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
