/*
 * src_ldap: fetch accounts from OpenLDAP with libldap.  The search is
 * asynchronous and paged (RFC 2696), so entries stream into the account
 * list one at a time.  Invariant: a fetch either sees every page end in
 * success or returns -1 with the list emptied; nothing partial escapes.
 */
#include <sys/stat.h>

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldap.h>
#include <sodium.h>

#include "buf.h"
#include "report.h"
#include "src_ldap.h" /* after <ldap.h>: see the note there */

#include "src_ldap_int.h"

/* Which attribute of an entry a name is; options (";binary") ignored. */
enum fetch_attr { FA_UID, FA_FORWARD, FA_PASSWORD, FA_USERPW, FA_SHADOW,
	FA_STATUS, FA_COUNT };
_Static_assert(FA_COUNT == SRC_LDAP_ATTRS, "src_ldap.h: SRC_LDAP_ATTRS");

struct fetch_ctx {
	LDAP *ld;
	const struct conf_ldap *cl;
	const char *names[FA_COUNT];
	time_t now;
	int grace_days;
	struct account_list *list;
	struct report *report;
};

static int
attr_index(const struct fetch_ctx *fc, const struct berval *name)
{
	size_t n = name->bv_len;
	const char *semi;
	int i;

	if ((semi = memchr(name->bv_val, ';', n)) != NULL)
		n = (size_t)(semi - name->bv_val);
	for (i = 0; i < FA_COUNT; i++) {
		if (strlen(fc->names[i]) == n &&
		    strncasecmp(fc->names[i], name->bv_val, n) == 0)
			return i;
	}
	return -1;
}

/* Copy a berval to a C string; a NUL inside is kept out by the checks
   (or makes the string shorter, for the state attributes). */
static char *
bv_strdup(const struct berval *bv)
{
	char *s;

	if ((s = malloc(bv->bv_len + 1)) == NULL)
		return NULL;
	memcpy(s, bv->bv_val, bv->bv_len);
	s[bv->bv_len] = '\0';
	return s;
}

/* The first value of each attribute of one entry, as raw bytes (plus a
   NUL), and how many values each had. */
struct entry_vals {
	char *v[FA_COUNT];
	size_t len[FA_COUNT];
	size_t n[FA_COUNT];
};

static void
entry_vals_free(struct entry_vals *ev)
{
	int i;

	for (i = 0; i < FA_COUNT; i++) {
		if (ev->v[i] == NULL)
			continue;
		/* Any of them may be a secret (mailPassword, userPassword). */
		sodium_memzero(ev->v[i], ev->len[i]);
		free(ev->v[i]);
		ev->v[i] = NULL;
	}
}

/* Drop value I of EV (wiped). */
static void
entry_vals_drop(struct entry_vals *ev, int i)
{
	sodium_memzero(ev->v[i], ev->len[i]);
	free(ev->v[i]);
	ev->v[i] = NULL;
}

/* LEN bytes at V equal NAME, ASCII case ignored (uid's caseIgnoreMatch,
   for the only characters a usable name has), whatever the locale. */
static int
name_equal(const char *v, size_t len, const char *name)
{
	size_t i;

	if (len != strlen(name))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char a = (unsigned char)v[i];
		unsigned char b = (unsigned char)name[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* Read every attribute of entry E into EV.  The uid values are only
   compared with NAME (the RDN's; empty when the RDN is unusable): the
   first that differs goes into OTHER for the message.  Returns 0, or -1
   with EB set. */
static int
entry_read(struct fetch_ctx *fc, LDAPMessage *e, BerElement *ber,
    const char *name, struct entry_vals *ev, char *other, size_t othersz,
    const char *dnlog, struct errbuf *eb)
{
	struct berval bv, *vals = NULL;
	size_t k, nv;
	int rc, i;

	for (rc = ldap_get_attribute_ber(fc->ld, e, ber, &bv, &vals);
	    rc == LDAP_SUCCESS && bv.bv_val != NULL;
	    rc = ldap_get_attribute_ber(fc->ld, e, ber, &bv, &vals)) {
		i = attr_index(fc, &bv);
		for (nv = 0; vals != NULL && vals[nv].bv_val != NULL; nv++)
			;
		if (i < 0 || nv == 0 || ev->n[i] > 0) {
			ber_memfree(vals);
			vals = NULL;
			continue;
		}
		ev->n[i] = nv;
		if (i == FA_UID) {
			for (k = 0; k < nv && *name != '\0' && *other == '\0';
			    k++)
				if (!name_equal(vals[k].bv_val, vals[k].bv_len,
				    name))
					(void)buf_vis_dn(other, othersz,
					    vals[k].bv_val, vals[k].bv_len);
		} else if ((ev->v[i] = bv_strdup(&vals[0])) == NULL) {
			ber_memfree(vals);
			errbuf_syserr(eb, "ldap entry %s", dnlog);
			return -1;
		} else {
			ev->len[i] = vals[0].bv_len;
		}
		ber_memfree(vals);
		vals = NULL;
	}
	if (rc != LDAP_SUCCESS) {
		seterr_ld(eb, fc->ld, rc, NULL, "ldap entry %s", dnlog);
		return -1;
	}
	return 0;
}

/* The identity rule: the account name is the RDN's uid (parsed, escapes
   decoded), and every uid value of the entry must be that name.  An
   entry "uid=claim,..." that also carries "uid: victim" is refused whole,
   so which of two entries owns a name never depends on the order LDAP
   returns them in.  Returns 1 usable, 0 rejected (logged, counted). */
static int
entry_identity(struct fetch_ctx *fc, const struct entry_vals *ev,
    int rdn_ok, const struct errbuf *reb, const char *name,
    const char *other, const char *dnlog)
{
	const char *uattr = fc->names[FA_UID];

	if (!rdn_ok)
		report_warnx(fc->report, "%s: entry rejected: %s", dnlog,
		    reb->msg);
	else if (ev->n[FA_UID] == 0)
		report_warnx(fc->report, "%s: entry rejected: no %s", dnlog,
		    uattr);
	else if (*other != '\0')
		report_warnx(fc->report,
		    "%s: entry rejected: %s value %s differs from the "
		    "RDN's %s (the account name comes from the RDN)",
		    dnlog, uattr, other, name);
	else
		return 1;
	fc->list->rejected++;
	return 0;
}

/* Check the forward and mail password values; an unusable one is dropped
   (the entry kept) and counted.  Returns why the mail password was
   dropped (static text), or NULL. */
static const char *
entry_check_values(struct fetch_ctx *fc, struct entry_vals *ev,
    const char *dnlog)
{
	static const int checked[] = { FA_FORWARD, FA_PASSWORD, FA_SHADOW,
		FA_STATUS };
	const char *why, *pw_why = NULL;
	size_t k;
	int i;

	for (k = 0; k < sizeof(checked) / sizeof(checked[0]); k++) {
		i = checked[k];
		if (ev->v[i] == NULL)
			continue;
		if (ev->n[i] > 1)
			report_warnx(fc->report,
			    "%s: %s has %zu values, using the first", dnlog,
			    fc->names[i], ev->n[i]);
		why = NULL;
		if (i == FA_FORWARD)
			why = src_ldap_forward_problem(ev->v[i], ev->len[i]);
		else if (i == FA_PASSWORD)
			why = src_ldap_password_problem(ev->v[i], ev->len[i]);
		if (why != NULL) {
			/* WHY never quotes the value: it may be a hash. */
			report_warnx(fc->report, "%s: %s value dropped: %s",
			    dnlog, fc->names[i], why);
			fc->list->bad_values++;
			entry_vals_drop(ev, i);
			if (i == FA_PASSWORD)
				pw_why = why;
		}
	}
	return pw_why;
}

/* Turn one entry into an account.  Returns 0 (added, or rejected with a
   warning) or -1 (out of memory, LDAP decoding error; EB set). */
static int
fetch_entry(struct fetch_ctx *fc, LDAPMessage *e, struct errbuf *eb)
{
	char *dn = NULL, dnlog[DN_LOG_MAX], name[SRC_LDAP_UID_MAX + 1];
	char other[VAL_LOG_MAX] = "";
	struct account_list *list = fc->list;
	struct entry_vals ev;
	struct errbuf reb;
	struct berval bv;
	BerElement *ber = NULL;
	const char *pw_why;
	int rc, rdn_ok, ret = -1;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	if ((rc = ldap_get_dn_ber(fc->ld, e, &ber, &bv)) != LDAP_SUCCESS) {
		seterr_ld(eb, fc->ld, rc, NULL, "ldap entry dn");
		goto done;
	}
	(void)buf_vis_dn(dnlog, sizeof(dnlog), bv.bv_val, bv.bv_len);
	if ((dn = bv_strdup(&bv)) == NULL) {
		errbuf_syserr(eb, "ldap entry %s", dnlog);
		goto done;
	}
	rdn_ok = src_ldap_dn_uid(bv.bv_val, bv.bv_len, fc->names[FA_UID],
	    name, sizeof(name), &reb) == 0;
	if (entry_read(fc, e, ber, name, &ev, other, sizeof(other), dnlog,
	    eb) == -1)
		goto done;
	/* Whether the bind may read these at all (sync refuses an answer
	   in which no entry carries what its outputs need): counted for
	   every entry, rejected or not, whatever the value. */
	list->have_forward += ev.n[FA_FORWARD] > 0;
	list->have_password += ev.n[FA_PASSWORD] > 0;
	list->have_user_password += ev.n[FA_USERPW] > 0;
	ret = 0;
	if (!entry_identity(fc, &ev, rdn_ok, &reb, name, other, dnlog))
		goto done;
	pw_why = entry_check_values(fc, &ev, dnlog);
	/* mailpw audit: "malformed", not "missing" */
	if (pw_why != NULL && account_list_drop_password(list, dn, pw_why) ==
	    -1) {
		errbuf_syserr(eb, "ldap entry %s", dnlog);
		ret = -1;
		goto done;
	}
	for (i = 0; name[i] != '\0'; i++) {
		if (isupper((unsigned char)name[i])) {
			report_warnx(fc->report,
			    "%s: %s %s has upper case; mail addresses "
			    "use it lower-cased",
			    dnlog, fc->names[FA_UID], name);
			break;
		}
	}
	if (account_list_add(list, dn, name, ev.v[FA_FORWARD],
	    ev.v[FA_PASSWORD], src_ldap_state(ev.v[FA_USERPW],
	    ev.v[FA_SHADOW], ev.v[FA_STATUS], fc->now, fc->grace_days)) ==
	    -1) {
		errbuf_syserr(eb, "ldap entry %s", dnlog);
		ret = -1;
	}
done:
	if (ber != NULL)
		ber_free(ber, 0);
	entry_vals_free(&ev);
	free(dn);
	return ret;
}

/* The cookie of the next page, from the paged results control among
   SCTRLS (RFC 2696) into COOKIE (empty after the last page).  Returns 0,
   or -1 with EB. */
static int
page_cookie(struct fetch_ctx *fc, LDAPControl **sctrls,
    struct berval *cookie, struct errbuf *eb)
{
	const struct conf_ldap *cl = fc->cl;
	LDAPControl *pctrl;
	ber_int_t estimate;
	int rc;

	pctrl = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, sctrls,
	    NULL);
	if (pctrl == NULL) {
		errbuf_set(eb, "ldap search %s: server answered "
		    "without a paged results control", cl->base);
		return -1;
	}
	ber_memfree(cookie->bv_val);
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	rc = ldap_parse_pageresponse_control(fc->ld, pctrl, &estimate,
	    cookie);
	if (rc != LDAP_SUCCESS) {
		seterr_ld(eb, fc->ld, rc, NULL, "ldap search %s: paged "
		    "results control", cl->base);
		return -1;
	}
	return 0;
}

/* Wait for and handle every message of one search request.  Returns 0
   when the search result says success (COOKIE_R then holds the next
   page cookie, or is empty), -1 on any error. */
static int
fetch_page(struct fetch_ctx *fc, int msgid, int paged,
    struct berval *cookie, struct errbuf *eb)
{
	const struct conf_ldap *cl = fc->cl;
	LDAPMessage *res = NULL;
	LDAPControl **sctrls = NULL;
	char *matched = NULL, *diag = NULL, **refs = NULL;
	struct timeval tv;
	int rc, type, err, ret = -1;

	for (;;) {
		tv.tv_sec = cl->timeout > 0 ? cl->timeout : 30;
		tv.tv_usec = 0;
		rc = ldap_result(fc->ld, msgid, LDAP_MSG_ONE, &tv, &res);
		if (rc == 0) {
			errbuf_set(eb, "ldap search %s: no answer within %d s",
			    cl->base, (int)tv.tv_sec);
			goto abandon;
		}
		if (rc == -1) {
			(void)ldap_get_option(fc->ld, LDAP_OPT_RESULT_CODE,
			    &err);
			seterr_ld(eb, fc->ld, err, NULL, "ldap search %s",
			    cl->base);
			goto abandon;
		}
		type = rc;
		if (type == LDAP_RES_SEARCH_ENTRY) {
			if (fetch_entry(fc, res, eb) == -1)
				goto abandon;
		} else if (type == LDAP_RES_SEARCH_REFERENCE) {
			errbuf_set(eb, "ldap search %s: server sent a "
			    "referral (search continuation); refusing a "
			    "partial answer", cl->base);
			goto abandon;
		} else if (type == LDAP_RES_SEARCH_RESULT) {
			break;
		} else {
			errbuf_set(eb, "ldap search %s: unexpected message "
			    "type 0x%x", cl->base, type);
			goto abandon;
		}
		ldap_msgfree(res);
		res = NULL;
	}
	rc = ldap_parse_result(fc->ld, res, &err, &matched, &diag, &refs,
	    &sctrls, 0);
	if (rc != LDAP_SUCCESS) {
		seterr_ld(eb, fc->ld, rc, NULL, "ldap search %s result",
		    cl->base);
		goto out;
	}
	if (err != LDAP_SUCCESS) {
		seterr_ld(eb, fc->ld, err, diag, "ldap search %s", cl->base);
		goto out;
	}
	if (paged && page_cookie(fc, sctrls, cookie, eb) == -1)
		goto out;
	ret = 0;
	goto out;
abandon:
	(void)ldap_abandon_ext(fc->ld, msgid, NULL, NULL);
out:
	ldap_memfree(matched);
	ldap_memfree(diag);
	ldap_memvfree((void **)refs);
	ldap_controls_free(sctrls);
	ldap_msgfree(res);
	return ret;
}

/* Send the search for the next page (COOKIE empty: the first). */
static int
send_page(LDAP *ld, const struct conf_ldap *cl, const char *filter,
    char **attrs, int paged, struct berval *cookie, int *msgid_r,
    struct errbuf *eb)
{
	LDAPControl *pctrl = NULL, *sctrls[2] = { NULL, NULL };
	struct timeval tv;
	int rc;

	if (paged) {
		rc = ldap_create_page_control(ld, cl->page_size,
		    cookie->bv_val != NULL ? cookie : NULL, 1, &pctrl);
		if (rc != LDAP_SUCCESS) {
			seterr_ld(eb, ld, rc, NULL, "ldap search %s: paged "
			    "results control", cl->base);
			return -1;
		}
		sctrls[0] = pctrl;
	}
	tv.tv_sec = cl->timeout > 0 ? cl->timeout : 30;
	tv.tv_usec = 0;
	rc = ldap_search_ext(ld, cl->base, cl->scope, filter, attrs, 0,
	    paged ? sctrls : NULL, NULL, &tv, LDAP_NO_LIMIT, msgid_r);
	ldap_control_free(pctrl);
	if (rc != LDAP_SUCCESS) {
		seterr_ld(eb, ld, rc, NULL, "ldap search %s", cl->base);
		return -1;
	}
	return 0;
}

int
src_ldap_fetch(struct ldap *ld, const struct conf_ldap *cl, time_t now,
    int grace_days, struct account_list *list, struct report *rep,
    struct errbuf *eb)
{
	return src_ldap_fetch_pages(ld, cl, now, grace_days, list, NULL, NULL,
	    rep, eb);
}

/* The attribute names as configured, and the search's list of them. */
static void
fetch_init(struct fetch_ctx *fc, struct ldap *ld, const struct conf_ldap *cl,
    time_t now, int grace_days, struct account_list *list, struct report *rep)
{
	fc->report = rep;
	fc->ld = (LDAP *)ld;
	fc->cl = cl;
	fc->now = now;
	fc->grace_days = grace_days;
	fc->list = list;
	fc->names[FA_UID] = cl->attr_uid != NULL ? cl->attr_uid : "uid";
	fc->names[FA_FORWARD] = cl->attr_forward != NULL ? cl->attr_forward :
	    "emailForward";
	fc->names[FA_PASSWORD] = cl->attr_password != NULL ?
	    cl->attr_password : "mailPassword";
	fc->names[FA_USERPW] = cl->attr_user_password != NULL ?
	    cl->attr_user_password : "userPassword";
	fc->names[FA_SHADOW] = cl->attr_shadow_expire != NULL ?
	    cl->attr_shadow_expire : "shadowExpire";
	fc->names[FA_STATUS] = cl->attr_account_status != NULL ?
	    cl->attr_account_status : "accountStatus";
}

void
src_ldap_attrs(const struct conf_ldap *cl, char *attrs[SRC_LDAP_ATTRS + 1])
{
	struct fetch_ctx fc;
	int i;

	fetch_init(&fc, NULL, cl, 0, 0, NULL, NULL);
	for (i = 0; i < FA_COUNT; i++)
		attrs[i] = (char *)fc.names[i];
	attrs[FA_COUNT] = NULL;
}

int
src_ldap_entry(struct ldap *ld, const struct conf_ldap *cl, struct ldapmsg *e,
    time_t now, int grace_days, struct account_list *list, struct report *rep,
    struct errbuf *eb)
{
	struct fetch_ctx fc;

	fetch_init(&fc, ld, cl, now, grace_days, list, rep);
	return fetch_entry(&fc, (LDAPMessage *)e, eb);
}

int
src_ldap_fetch_pages(struct ldap *ld, const struct conf_ldap *cl, time_t now,
    int grace_days, struct account_list *list, src_ldap_page_fn *fn, void *arg,
    struct report *rep, struct errbuf *eb)
{
	struct fetch_ctx fc;
	struct berval cookie = { 0, NULL };
	char *attrs[FA_COUNT + 1];
	const char *filter;
	size_t total = 0, before;
	int msgid, paged = cl->page_size > 0, pages = 0, more;

	fetch_init(&fc, ld, cl, now, grace_days, list, rep);
	src_ldap_attrs(cl, attrs);
	filter = cl->filter != NULL ? cl->filter : SRC_LDAP_FILTER_DEFAULT;

	if (send_page(ld, cl, filter, attrs, paged, &cookie, &msgid, eb) == -1)
		goto fail;
	do {
		before = list->n;
		if (fetch_page(&fc, msgid, paged, &cookie, eb) == -1)
			goto fail;
		pages++;
		total += list->n - before;
		report_debug(rep,
		    "ldap search %s: page %d done, %zu accounts so far",
		    cl->base, pages, total);
		more = paged && cookie.bv_len > 0;
		/* Ask for the next page before handing this one over: the
		   server prepares it while the caller works. */
		if (more && send_page(ld, cl, filter, attrs, paged, &cookie,
		    &msgid, eb) == -1)
			goto fail;
		if (fn != NULL && fn(list, arg, eb) == -1) {
			if (more)
				(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			goto fail;
		}
	} while (more);
	ber_memfree(cookie.bv_val);
	report_debug(rep, "ldap search %s: %zu accounts in %d page(s)",
	    cl->base, total, pages);
	return 0;
fail:
	ber_memfree(cookie.bv_val);
	account_list_free(list);
	return -1;
}

int
src_ldap_find_dn(struct ldap *ld, const struct conf_ldap *cl,
    const char *uid, char **dn_r, struct errbuf *eb)
{
	const char *uattr = cl->attr_uid != NULL ? cl->attr_uid : "uid";
	const char *base = cl->filter != NULL ? cl->filter :
	    SRC_LDAP_FILTER_DEFAULT;
	char *esc = NULL, *filter = NULL, *dn = NULL, *diag = NULL;
	char *attrs[] = { (char *)LDAP_NO_ATTRS, NULL };
	char name[SRC_LDAP_UID_MAX + 1] = "", dnlog[DN_LOG_MAX];
	struct errbuf reb;
	LDAPMessage *res = NULL, *e;
	struct timeval tv;
	int rc, err, n, ret = -1;
	size_t len;

	*dn_r = NULL;
	if ((esc = src_ldap_filter_escape(uid)) == NULL) {
		errbuf_syserr(eb, "ldap find %s", uid);
		return -1;
	}
	len = strlen(base) + strlen(uattr) + strlen(esc) + 8;
	if ((filter = malloc(len)) == NULL) {
		errbuf_syserr(eb, "ldap find %s", uid);
		goto out;
	}
	(void)snprintf(filter, len, "(&%s(%s=%s))", base, uattr, esc);
	tv.tv_sec = cl->timeout > 0 ? cl->timeout : 30;
	tv.tv_usec = 0;
	rc = ldap_search_ext_s(ld, cl->base, cl->scope, filter, attrs, 0,
	    NULL, NULL, &tv, 2, &res);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		seterr_ld(eb, ld, rc, NULL, "ldap search %s for %s=%s",
		    cl->base, uattr, esc);
		goto out;
	}
	if (ldap_parse_result(ld, res, &err, NULL, &diag, NULL, NULL, 0) ==
	    LDAP_SUCCESS && err != LDAP_SUCCESS &&
	    err != LDAP_SIZELIMIT_EXCEEDED) {
		seterr_ld(eb, ld, err, diag, "ldap search %s for %s=%s",
		    cl->base, uattr, esc);
		goto out;
	}
	n = ldap_count_entries(ld, res);
	if (n > 1 || rc == LDAP_SIZELIMIT_EXCEEDED) {
		errbuf_set(eb, "ldap search %s: %s=%s matches more than one "
		    "entry", cl->base, uattr, esc);
		goto out;
	}
	if (n <= 0) {
		ret = 0;
		goto out;
	}
	e = ldap_first_entry(ld, res);
	if (e == NULL || (dn = ldap_get_dn(ld, e)) == NULL) {
		seterr_ld(eb, ld, LDAP_DECODING_ERROR, NULL, "ldap search %s",
		    cl->base);
		goto out;
	}
	/* The account is the entry whose RDN names UID: an entry that only
	   carries "uid: UID" as a second value is not it (src_ldap_fetch
	   refuses such an entry too). */
	if (src_ldap_dn_uid(dn, strlen(dn), uattr, name, sizeof(name),
	    &reb) == -1 || !name_equal(uid, strlen(uid), name)) {
		errbuf_set(eb, "ldap search %s: the entry found for %s=%s, "
		    "%s, is not named by it (%s)", cl->base, uattr, esc,
		    dn_for_log(dn, dnlog, sizeof(dnlog)), *name == '\0' ?
		    reb.msg : "its RDN names another account");
		goto out;
	}
	if ((*dn_r = strdup(dn)) == NULL) {
		errbuf_syserr(eb, "ldap find %s", uid);
		goto out;
	}
	ret = 1;
out:
	ldap_memfree(dn);
	ldap_memfree(diag);
	ldap_msgfree(res);
	free(filter);
	free(esc);
	return ret;
}

int
src_ldap_replace(struct ldap *ld, const char *dn, const char *attr,
    const char *value, struct errbuf *eb)
{
	char *values[2] = { (char *)value, NULL };
	LDAPMod mod, *mods[2] = { &mod, NULL };
	int rc;

	mod.mod_op = LDAP_MOD_REPLACE;
	mod.mod_type = (char *)attr;
	mod.mod_values = values;
	rc = ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		seterr_ld(eb, ld, rc, NULL, "ldap modify %s (%s)", dn, attr);
		return -1;
	}
	return 0;
}
