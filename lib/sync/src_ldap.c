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

#include "report.h"
#include "src_ldap.h" /* after <ldap.h>: see the note there */

#define PWFILE_MAX 1024	/* longest bind password line we accept */
#define DN_LOG_MAX 256	/* DNs in messages are escaped and cut here */
#define VAL_LOG_MAX 80	/* so are uid values */

/* Printable form of LEN bytes at S for messages: hostile DNs and values
   (base64 LDIF) may hold control characters, NUL or invalid UTF-8;
   bytes outside printable ASCII become \XX. */
static const char *
vis_for_log(const char *s, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (o + 4 >= outsz)
			break;
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	out[o] = '\0';
	return out;
}

static const char *
dn_for_log(const char *dn, char *out, size_t outsz)
{
	if (dn == NULL)
		dn = "(no dn)";
	return vis_for_log(dn, strlen(dn), out, outsz);
}

/* "WHAT: Error text (diagnostic)" from RC and the handle's diagnostic. */
static void
seterr_ld(struct errbuf *eb, LDAP *ld, int rc, const char *diag,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
seterr_ld(struct errbuf *eb, LDAP *ld, int rc, const char *diag,
    const char *fmt, ...)
{
	char what[ERRBUF_MAX];
	char *ldiag = NULL;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (diag == NULL && ld != NULL &&
	    ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &ldiag) ==
	        LDAP_OPT_SUCCESS)
		diag = ldiag;
	if (diag != NULL && strcmp(diag, "(unknown error code)") == 0)
		diag = NULL; /* what libldap says after a failed handshake */
	if (diag != NULL && *diag != '\0')
		errbuf_set(eb, "%s: %s (%s)", what, ldap_err2string(rc), diag);
	else
		errbuf_set(eb, "%s: %s", what, ldap_err2string(rc));
	ldap_memfree(ldiag);
}

static int
set_opt(LDAP *ld, int opt, const void *val, const char *name,
    struct errbuf *eb)
{
	int rc;

	if ((rc = ldap_set_option(ld, opt, val)) != LDAP_OPT_SUCCESS) {
		seterr_ld(eb, ld, rc, NULL, "ldap option %s", name);
		return -1;
	}
	return 0;
}

/* Read the first line of PATH into BUF (NUL-terminated, newline cut).
   Refuses a file others may read or write: the secret would be public. */
static int
read_password_file(const char *path, char *buf, size_t bufsz,
    struct errbuf *eb)
{
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		errbuf_syserr(eb, "bind password file %s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		errbuf_syserr(eb, "bind password file %s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf_set(eb, "bind password file %s: not a regular file",
		    path);
		goto fail;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		errbuf_set(eb, "bind password file %s: readable or writable "
		    "by others (mode %04o); chmod o-rwx it", path,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	while (len < bufsz - 1) {
		n = read(fd, buf + len, bufsz - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errbuf_syserr(eb, "bind password file %s", path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		errbuf_set(eb, "bind password file %s: first line is empty",
		    path);
		goto fail;
	}
	if (strlen(buf) == bufsz - 1) {
		errbuf_set(eb, "bind password file %s: first line longer "
		    "than %zu bytes", path, bufsz - 2);
		goto fail;
	}
	(void)close(fd);
	return 0;
fail:
	sodium_memzero(buf, bufsz);
	(void)close(fd);
	return -1;
}

static int
simple_bind(LDAP *ld, const struct conf_ldap *cl, const char *dn,
    const char *password, struct errbuf *eb)
{
	struct berval cred;
	int rc;

	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
	if (rc != LDAP_SUCCESS) {
		seterr_ld(eb, ld, rc, NULL, "ldap bind as %s to %s",
		    dn != NULL ? dn : "(anonymous)", cl->uri);
		/* The server said no (wrong password): callers tell that
		   apart from a server they cannot reach. */
		if (rc == LDAP_INVALID_CREDENTIALS ||
		    rc == LDAP_INAPPROPRIATE_AUTH)
			eb->errnum = EACCES;
		return -1;
	}
	return 0;
}

/* Initialize, set options, StartTLS.  No bind yet. */
static LDAP *
open_conn(const struct conf_ldap *cl, struct errbuf *eb)
{
	LDAP *ld = NULL;
	struct timeval ntv, otv;
	int rc, ival, tls;

	if (cl->uri == NULL) {
		errbuf_set(eb, "ldap: no uri configured");
		return NULL;
	}
	if ((rc = ldap_initialize(&ld, cl->uri)) != LDAP_SUCCESS) {
		seterr_ld(eb, NULL, rc, NULL, "ldap uri %s", cl->uri);
		return NULL;
	}
	ival = LDAP_VERSION3;
	if (set_opt(ld, LDAP_OPT_PROTOCOL_VERSION, &ival, "version", eb) ==
	    -1)
		goto fail;
	/* A referral is a fault here, never a place to go. */
	if (set_opt(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals", eb) ==
	    -1)
		goto fail;
	ntv.tv_sec = cl->network_timeout > 0 ? cl->network_timeout : 10;
	ntv.tv_usec = 0;
	if (set_opt(ld, LDAP_OPT_NETWORK_TIMEOUT, &ntv, "network timeout",
	    eb) == -1)
		goto fail;
	otv.tv_sec = cl->timeout > 0 ? cl->timeout : 30;
	otv.tv_usec = 0;
	if (set_opt(ld, LDAP_OPT_TIMEOUT, &otv, "timeout", eb) == -1)
		goto fail;

	tls = cl->starttls || strncasecmp(cl->uri, "ldaps:", 6) == 0;
	if (tls) {
		if (cl->ca_file != NULL &&
		    set_opt(ld, LDAP_OPT_X_TLS_CACERTFILE, cl->ca_file,
		    "ca file", eb) == -1)
			goto fail;
		ival = LDAP_OPT_X_TLS_DEMAND;
		if (set_opt(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &ival,
		    "require cert", eb) == -1)
			goto fail;
		/* Options on a handle take effect only in a new context. */
		ival = 0;
		if (set_opt(ld, LDAP_OPT_X_TLS_NEWCTX, &ival, "tls context",
		    eb) == -1)
			goto fail;
	}
	if (cl->starttls) {
		if (strncasecmp(cl->uri, "ldap:", 5) != 0) {
			errbuf_set(eb, "ldap %s: StartTLS needs an ldap:// uri",
			    cl->uri);
			goto fail;
		}
		if ((rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
			seterr_ld(eb, ld, rc, NULL, "ldap StartTLS to %s "
			    "(CA file %s)", cl->uri, cl->ca_file != NULL ?
			    cl->ca_file : "system default");
			goto fail;
		}
	}
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

/* After a bind: ask the server who we are (RFC 4532).  An empty answer
   means an anonymous session whatever was configured, and an anonymous
   reader sees every entry without mailPassword or userPassword. */
static int
check_identity(LDAP *ld, const struct conf_ldap *cl, const char *who,
    struct report *rep, struct errbuf *eb)
{
	struct berval *authzid = NULL;
	char vis[DN_LOG_MAX];
	int rc;

	rc = ldap_whoami_s(ld, &authzid, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		/* No such extended operation there: sync still refuses an
		   answer that lacks what the outputs need. */
		report_debug(rep,
		    "ldap %s: Who am I? not answered (%s); bind "
		    "identity not checked",
		    cl->uri, ldap_err2string(rc));
		ber_bvfree(authzid);
		return 0;
	}
	if (authzid == NULL || authzid->bv_len == 0) {
		errbuf_set(eb, "ldap bind as %s to %s: the server says the "
		    "session is anonymous (Who am I? answered empty); "
		    "refusing to read accounts with it", who, cl->uri);
		ber_bvfree(authzid);
		return -1;
	}
	report_debug(rep, "ldap %s: bound as %s", cl->uri,
	    vis_for_log(authzid->bv_val, authzid->bv_len, vis, sizeof(vis)));
	ber_bvfree(authzid);
	return 0;
}

struct ldap *
src_ldap_connect(const struct conf_ldap *cl, struct report *rep,
    struct errbuf *eb)
{
	/* An empty, present initial response: without it slapd answers
	   saslBindInProgress and wants a second round. */
	struct berval cred = { 0, (char *)"" };
	char pw[PWFILE_MAX + 2];
	LDAP *ld;
	int rc;

	if ((ld = open_conn(cl, eb)) == NULL)
		return NULL;
	switch (cl->auth) {
	case CONF_LDAP_AUTH_NONE:
		break;
	case CONF_LDAP_AUTH_SIMPLE:
		if (cl->bind_dn == NULL || cl->bind_password_file == NULL) {
			errbuf_set(eb, "ldap simple bind needs bind_dn and "
			    "bind_password_file");
			goto fail;
		}
		if (read_password_file(cl->bind_password_file, pw, sizeof(pw),
		    eb) == -1)
			goto fail;
		rc = simple_bind(ld, cl, cl->bind_dn, pw, eb);
		sodium_memzero(pw, sizeof(pw));
		if (rc == -1 ||
		    check_identity(ld, cl, cl->bind_dn, rep, eb) == -1)
			goto fail;
		break;
	case CONF_LDAP_AUTH_SASL_EXTERNAL:
		rc = ldap_sasl_bind_s(ld, NULL, "EXTERNAL", &cred, NULL, NULL,
		    NULL);
		if (rc != LDAP_SUCCESS) {
			seterr_ld(eb, ld, rc, NULL,
			    "ldap SASL EXTERNAL bind to %s", cl->uri);
			goto fail;
		}
		if (check_identity(ld, cl, "SASL EXTERNAL", rep, eb) == -1)
			goto fail;
		break;
	}
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

struct ldap *
src_ldap_connect_as(const struct conf_ldap *cl, const char *bind_dn,
    const char *password, struct report *rep, struct errbuf *eb)
{
	LDAP *ld;

	if ((ld = open_conn(cl, eb)) == NULL)
		return NULL;
	if (simple_bind(ld, cl, bind_dn, password, eb) == -1 ||
	    check_identity(ld, cl, bind_dn, rep, eb) == -1) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

void
src_ldap_close(struct ldap **ldp)
{
	if (ldp == NULL || *ldp == NULL)
		return;
	ldap_unbind_ext_s(*ldp, NULL, NULL);
	*ldp = NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
   days_from_civil), so no time zone is involved. */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* Parse exactly YYYY-MM-DD at S (followed by end or a space). */
static int
parse_date(const char *s, long *days_r)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	unsigned y = 0, m, d;
	int i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -1;
		} else if (!isdigit((unsigned char)s[i])) {
			return -1;
		}
	}
	if (s[10] != '\0' && s[10] != ' ' && s[10] != '\t')
		return -1;
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	*days_r = days_from_civil((long)y, m, d);
	return 0;
}

static int
word_is(const char *s, size_t wlen, const char *word)
{
	return wlen == strlen(word) && strncasecmp(s, word, wlen) == 0;
}

static int
status_retired(const char *status, long today, int grace_days)
{
	const char *w = status, *rest;
	size_t wlen;
	long since;

	while (*w == ' ' || *w == '\t')
		w++;
	wlen = strcspn(w, " \t");
	if (word_is(w, wlen, "inactive") || word_is(w, wlen, "memorial"))
		return 1;
	if (!word_is(w, wlen, "retiring"))
		return 0;
	rest = w + wlen;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	/* XXX "retiring" without a readable date: kept (not retired), as
	   there is no date to count the grace from. */
	if (parse_date(rest, &since) == -1)
		return 0;
	return today - since > (long)grace_days;
}

static int
password_locked(const char *pw)
{
	if (pw == NULL)
		return 1;
	if (strcasecmp(pw, "{crypt}*LK*") == 0)
		return 1;
	return strncasecmp(pw, "{crypt}!", 8) == 0;
}

static int
shadow_expired(const char *se, time_t now)
{
	char *end;
	long long days;

	if (se == NULL)
		return 0;
	errno = 0;
	days = strtoll(se, &end, 10);
	if (end == se || *end != '\0' || errno != 0)
		return 0; /* unreadable: UDLdap.py would fail, we keep it */
	if (days > (long long)(INT64_MAX / 86400) ||
	    days < (long long)(INT64_MIN / 86400))
		return days < 0;
	/* UDLdap.py: shadowExpire < time.time() / 86400 (a float). */
	return (int64_t)days * 86400 < (int64_t)now;
}

enum account_state
src_ldap_state(const char *user_password, const char *shadow_expire,
    const char *account_status, time_t now, int grace_days)
{
	long today = (long)(now >= 0 ? now / 86400 : (now - 86399) / 86400);

	if (account_status != NULL &&
	    status_retired(account_status, today, grace_days))
		return ACCOUNT_RETIRED;
	if (password_locked(user_password))
		return ACCOUNT_LOCKED;
	if (shadow_expired(shadow_expire, now))
		return ACCOUNT_EXPIRED;
	return ACCOUNT_ACTIVE;
}

char *
src_ldap_filter_escape(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t n = 1;
	char *out, *o;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (n > SIZE_MAX - 3)
			return NULL;
		n += (*p == '*' || *p == '(' || *p == ')' || *p == '\\' ||
		    *p >= 0x80) ? 3 : 1;
	}
	if ((out = malloc(n)) == NULL)
		return NULL;
	for (o = out, p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '*' || *p == '(' || *p == ')' || *p == '\\' ||
		    *p >= 0x80) {
			*o++ = '\\';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}

static const char *
ascii_problem(const char *v, size_t len, int allow_space)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == 0)
			return "contains a NUL byte";
		if (c == '\n' || c == '\r')
			return "contains a line break";
		if (c >= 0x80)
			return "not ASCII";
		if (c < 0x20 || c == 0x7f || (c == ' ' && !allow_space))
			return c == ' ' ? "contains a space" :
			    "contains a control character";
	}
	return NULL;
}

const char *
src_ldap_uid_problem(const char *v, size_t len)
{
	const char *why;
	size_t i;

	if (len == 0)
		return "empty";
	if ((why = ascii_problem(v, len, 0)) != NULL)
		return why;
	if (len > SRC_LDAP_UID_MAX)
		return "longer than 64 bytes";
	if (!isalnum((unsigned char)v[0]))
		return "does not start with a letter or digit";
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' &&
		    v[i] != '_' && v[i] != '-')
			return v[i] == ':' ? "contains ':'" :
			    "contains a character other than A-Z a-z 0-9 . _ -";
	}
	return NULL;
}

/* Is the attribute type NAME (from a parsed DN) the account name
   attribute ATTR?  For uid, also its other name and its OID (RFC 4519):
   slapd keeps a DN as it was written, and all three mean the same. */
static int
rdn_attr_is(const struct berval *name, const char *attr)
{
	static const char *const uid_names[] = { "uid", "userid",
		"0.9.2342.19200300.100.1.1" };
	size_t i;

	if (name->bv_len == strlen(attr) &&
	    strncasecmp(name->bv_val, attr, name->bv_len) == 0)
		return 1;
	if (strcasecmp(attr, "uid") != 0)
		return 0;
	for (i = 0; i < sizeof(uid_names) / sizeof(uid_names[0]); i++)
		if (name->bv_len == strlen(uid_names[i]) &&
		    strncasecmp(name->bv_val, uid_names[i], name->bv_len) == 0)
			return 1;
	return 0;
}

int
src_ldap_dn_uid(const char *dn, size_t len, const char *attr, char *name,
    size_t namesz, struct errbuf *eb)
{
	struct berval bv;
	LDAPDN ldn = NULL;
	LDAPAVA *ava;
	const char *why;
	char *copy;
	int n, ret = -1;

	assert(namesz > SRC_LDAP_UID_MAX);
	name[0] = '\0';
	/* A DN never holds a NUL unescaped (slapd sends none). */
	if (len == 0 || memchr(dn, '\0', len) != NULL) {
		errbuf_set(eb, len == 0 ? "empty DN" :
		    "DN contains a NUL byte");
		return -1;
	}
	/* ldap_bv2dn reads the byte after the value (valgrind): give it a
	   NUL-terminated copy, not a view into the BER buffer. */
	if ((copy = malloc(len + 1)) == NULL) {
		errbuf_syserr(eb, "DN");
		return -1;
	}
	memcpy(copy, dn, len);
	copy[len] = '\0';
	bv.bv_val = copy;
	bv.bv_len = len;
	if (ldap_bv2dn(&bv, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    ldn == NULL || ldn[0] == NULL) {
		errbuf_set(eb, "DN does not parse (RFC 4514)");
		goto out;
	}
	for (n = 0; ldn[0][n] != NULL; n++)
		;
	ava = ldn[0][0];
	/* A multi-valued RDN (cn=x+uid=victim) would give a second entry
	   a name slapd's RDN uniqueness does not protect. */
	if (n != 1) {
		errbuf_set(eb, "RDN has %d attributes; the account name comes "
		    "from an RDN of %s=NAME alone", n, attr);
		goto out;
	}
	if (!rdn_attr_is(&ava->la_attr, attr)) {
		errbuf_set(eb, "RDN is %.*s=..., not %s=NAME (the account "
		    "name comes from the RDN)", (int)ava->la_attr.bv_len,
		    ava->la_attr.bv_val, attr);
		goto out;
	}
	if (ava->la_flags & LDAP_AVA_BINARY) {
		errbuf_set(eb, "%s in the RDN is BER-encoded (#hex)", attr);
		goto out;
	}
	if ((why = src_ldap_uid_problem(ava->la_value.bv_val,
	    ava->la_value.bv_len)) != NULL) {
		errbuf_set(eb, "%s in the RDN: %s", attr, why);
		goto out;
	}
	memcpy(name, ava->la_value.bv_val, ava->la_value.bv_len);
	name[ava->la_value.bv_len] = '\0';
	ret = 0;
out:
	ldap_dnfree(ldn);
	free(copy);
	return ret;
}

/* One address of ud-generate's CheckForward pattern
   ^([^ <>@]+@[^ ,<>@]+)(,\s*([^ <>@]+@[^ ,<>@]+))*$ starting at *I. */
static int
forward_addr(const char *v, size_t len, size_t *i)
{
	size_t start = *i;

	while (*i < len && v[*i] != '@' && v[*i] != ' ' && v[*i] != '<' &&
	    v[*i] != '>')
		(*i)++;
	if (*i == start || *i == len || v[*i] != '@')
		return -1;
	start = ++*i;
	while (*i < len && v[*i] != ',' && v[*i] != ' ' && v[*i] != '<' &&
	    v[*i] != '>' && v[*i] != '@')
		(*i)++;
	return *i == start ? -1 : 0;
}

const char *
src_ldap_forward_problem(const char *v, size_t len)
{
	const char *why;
	size_t i = 0;

	if (len == 0)
		return "empty";
	if ((why = ascii_problem(v, len, 1)) != NULL)
		return why;
	if (len > SRC_LDAP_FORWARD_MAX)
		return "longer than 200 characters";
	for (;;) {
		if (forward_addr(v, len, &i) == -1)
			return "not an address or comma-separated address list";
		if (i == len)
			return NULL;
		if (v[i] != ',')
			return "not an address or comma-separated address list";
		i++;
		while (i < len && v[i] == ' ')
			i++;
	}
}

const char *
src_ldap_password_problem(const char *v, size_t len)
{
	/* Only what no password string survives (a space does: Dovecot
	   splits the passwd-file line on ':' only, and {PLAIN} text may
	   hold one); which schemes Dovecot verifies is pwhash's question,
	   asked where the value is used. */
	if (len == 0)
		return "empty";
	return ascii_problem(v, len, 1);
}

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
					(void)vis_for_log(vals[k].bv_val,
					    vals[k].bv_len, other, othersz);
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
	(void)vis_for_log(bv.bv_val, bv.bv_len, dnlog, sizeof(dnlog));
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

/* Wait for and handle every message of one search request.  Returns 0
   when the search result says success (COOKIE_R then holds the next
   page cookie, or is empty), -1 on any error. */
static int
fetch_page(struct fetch_ctx *fc, int msgid, int paged,
    struct berval *cookie, struct errbuf *eb)
{
	const struct conf_ldap *cl = fc->cl;
	LDAPMessage *res = NULL;
	LDAPControl **sctrls = NULL, *pctrl;
	char *matched = NULL, *diag = NULL, **refs = NULL;
	struct timeval tv;
	ber_int_t estimate;
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
	if (paged) {
		pctrl = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, sctrls,
		    NULL);
		if (pctrl == NULL) {
			errbuf_set(eb, "ldap search %s: server answered "
			    "without a paged results control", cl->base);
			goto out;
		}
		ber_memfree(cookie->bv_val);
		cookie->bv_val = NULL;
		cookie->bv_len = 0;
		rc = ldap_parse_pageresponse_control(fc->ld, pctrl, &estimate,
		    cookie);
		if (rc != LDAP_SUCCESS) {
			seterr_ld(eb, fc->ld, rc, NULL, "ldap search %s: paged "
			    "results control", cl->base);
			goto out;
		}
	}
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
