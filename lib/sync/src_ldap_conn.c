/*
 * src_ldap_conn: the connection to the LDAP server: the bind password file,
 * the simple bind or SASL EXTERNAL over ldapi, StartTLS, the identity check
 * (Who am I?), and the messages that name the server's diagnostics.
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

#define PWFILE_MAX 1024	/* longest bind password line we accept */

const char *
dn_for_log(const char *dn, char *out, size_t outsz)
{
	if (dn == NULL)
		dn = "(no dn)";
	return buf_vis_dn(out, outsz, dn, strlen(dn));
}

void
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
	    buf_vis_dn(vis, sizeof(vis), authzid->bv_val, authzid->bv_len));
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
