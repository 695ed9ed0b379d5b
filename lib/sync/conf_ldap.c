/*
 * conf_ldap: the ldap: section of udmail.yaml: its keys and their
 * handlers (URIs, authentication, scope, filter, attribute names), and
 * the checks across them (credentials never sent in clear text).
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

/* <ldap.h> for LDAP_SCOPE_* */
#include <ldap.h>

#include "buf.h"
#include "conf.h"
#include "outputs.h"
#include "yamlutil.h"
#include "yschema.h"

#include "conf_int.h"

static int
h_uri(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	static const char *const schemes[] = { "ldap://", "ldaps://",
		"ldapi://" };
	const char *p;
	char tmp[300];
	size_t n, i;

	if (want_scalar(c, ck, v, "an ldap://, ldaps:// or ldapi:// URI") ==
	    -1)
		return -1;
	/* libldap takes a space-separated list; check each. */
	for (p = v->str; *p != '\0'; p += n) {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		n = strcspn(p, " ");
		for (i = 0; i < 3; i++)
			if (strncasecmp(p, schemes[i], strlen(schemes[i])) == 0)
				break;
		if (i == 3)
			return cfail(c, v, ck->name, "'%s': expected an "
			    "ldap://, ldaps:// or ldapi:// URI",
			    shown(v, tmp, sizeof(tmp)));
	}
	if (strspn(v->str, " ") == v->len)
		return cfail(c, v, ck->name, "expected an ldap://, ldaps:// or "
		    "ldapi:// URI, got an empty string");
	c->uri_at = *v;
	c->uri_at.str = NULL; /* check_cleartext names the value's position */
	return h_str(c, ck, v, base);
}

static int
h_auth(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	struct conf_ldap *l = base;
	char tmp[300];

	if (want_scalar(c, ck, v, "none, simple or external") == -1)
		return -1;
	if (strcmp(v->str, "none") == 0)
		l->auth = CONF_LDAP_AUTH_NONE;
	else if (strcmp(v->str, "simple") == 0)
		l->auth = CONF_LDAP_AUTH_SIMPLE;
	else if (strcmp(v->str, "external") == 0)
		l->auth = CONF_LDAP_AUTH_SASL_EXTERNAL;
	else
		return cfail(c, v, ck->name, "'%s': expected none, simple or "
		    "external", shown(v, tmp, sizeof(tmp)));
	return 0;
}

static int
h_scope(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	struct conf_ldap *l = base;
	char tmp[300];

	if (want_scalar(c, ck, v, "one or sub") == -1)
		return -1;
	if (strcmp(v->str, "one") == 0)
		l->scope = LDAP_SCOPE_ONELEVEL;
	else if (strcmp(v->str, "sub") == 0)
		l->scope = LDAP_SCOPE_SUBTREE;
	else
		return cfail(c, v, ck->name, "'%s': expected one or sub",
		    shown(v, tmp, sizeof(tmp)));
	return 0;
}

/* RFC 4515: parenthesised, and literal parentheses are escaped as \28
   and \29, so every parenthesis is structure. */
static int
h_filter(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	unsigned i, depth = 0;

	if (want_scalar(c, ck, v, "an LDAP filter") == -1)
		return -1;
	if (v->str[0] != '(')
		return cfail(c, v, ck->name, "expected an LDAP filter in "
		    "parentheses, like (uid=*)");
	for (i = 0; i < v->len; i++) {
		if (v->str[i] == '(')
			depth++;
		else if (v->str[i] == ')' && --depth == 0 && i + 1 != v->len)
			break;
	}
	if (depth != 0 || i < v->len)
		return cfail(c, v, ck->name, "unbalanced parentheses, expected "
		    "an LDAP filter like (uid=*)");
	return h_str(c, ck, v, base);
}

/* An attribute description: a name or a numeric OID. */
static int
h_attr(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	unsigned i;
	char tmp[300];
	int ok;

	if (want_scalar(c, ck, v, "an LDAP attribute name") == -1)
		return -1;
	ok = v->len > 0 && v->len <= 128;
	if (ok && v->str[0] >= '0' && v->str[0] <= '9') {
		for (i = 0; i < v->len && ok; i++)
			ok = (v->str[i] >= '0' && v->str[i] <= '9') ||
			    (v->str[i] == '.' && i + 1 < v->len &&
			    v->str[i + 1] != '.');
	} else {
		for (i = 0; i < v->len && ok; i++) {
			char ch = v->str[i];

			ok = (ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (i > 0 && ((ch >= '0' && ch <= '9') || ch == '-'));
		}
	}
	if (!ok)
		return cfail(c, v, ck->name, "'%s': expected an LDAP attribute "
		    "name", shown(v, tmp, sizeof(tmp)));
	return h_str(c, ck, v, base);
}

static const struct ckey attr_keys[] = {
	{ "uid", h_attr, offsetof(struct conf_ldap, attr_uid), 0, 0, 0 },
	{ "forward", h_attr, offsetof(struct conf_ldap, attr_forward), 0, 0,
	    0 },
	{ "password", h_attr, offsetof(struct conf_ldap, attr_password), 0, 0,
	    0 },
	{ "user_password", h_attr,
	    offsetof(struct conf_ldap, attr_user_password), 0, 0, 0 },
	{ "shadow_expire", h_attr,
	    offsetof(struct conf_ldap, attr_shadow_expire), 0, 0, 0 },
	{ "account_status", h_attr,
	    offsetof(struct conf_ldap, attr_account_status), 0, 0, 0 },
	CK_END
};

static int
h_attributes(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	const char *outer = c->section;
	int r;

	c->section = "ldap.attributes";
	r = walk_map(c, "attribute names", v, attr_keys, base);
	c->section = outer;
	return r;
}

static const struct ckey ldap_keys[] = {
	{ "uri", h_uri, offsetof(struct conf_ldap, uri), 0, 0, MK_URI },
	{ "starttls", h_bool, offsetof(struct conf_ldap, starttls), 0, 0,
	    MK_STARTTLS },
	{ "allow_cleartext", h_bool,
	    offsetof(struct conf_ldap, allow_cleartext), 0, 0, 0 },
	{ "ca_file", h_path, offsetof(struct conf_ldap, ca_file), 0, 0, 0 },
	{ "auth", h_auth, 0, 0, 0, MK_AUTH },
	{ "bind_dn", h_str, offsetof(struct conf_ldap, bind_dn), 0, 0,
	    MK_BIND_DN },
	{ "bind_password_file", h_path,
	    offsetof(struct conf_ldap, bind_password_file), 0, 0, MK_BIND_PW },
	{ "base", h_str, offsetof(struct conf_ldap, base), 0, 0, 0 },
	{ "scope", h_scope, 0, 0, 0, 0 },
	{ "filter", h_filter, offsetof(struct conf_ldap, filter), 0, 0, 0 },
	{ "page_size", h_int, offsetof(struct conf_ldap, page_size), 0,
	    100000, 0 },
	{ "timeout", h_int, offsetof(struct conf_ldap, timeout), 1, 3600, 0 },
	{ "network_timeout", h_int,
	    offsetof(struct conf_ldap, network_timeout), 1, 3600, 0 },
	{ "attributes", h_attributes, 0, 0, 0, 0 },
	CK_END
};

/* 1 if HOST[0..LEN) (an LDAP URL's host, brackets removed) can only be
   this machine: localhost (as libldap, an empty host is localhost),
   127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104.  Anything else, spellings
   inet_pton(3) does not take included, may be another machine. */
static int
host_is_loopback(const char *host, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;

	if (len == 0 || (len == 9 && strncasecmp(host, "localhost", 9) == 0))
		return 1;
	if (len >= sizeof(tmp))
		return 0;
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, tmp, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* 1 if URI[0..LEN), one element of ldap.uri, is ldap:// to a host that
   may be another machine: without StartTLS the bind password, the
   password hashes read and those mailpw set writes cross the network in
   clear. */
static int
uri_is_cleartext(const char *uri, size_t len)
{
	const char *h = uri + 7, *end = uri + len, *e;

	if (len < 7 || strncasecmp(uri, "ldap://", 7) != 0)
		return 0; /* ldaps:// is TLS, ldapi:// a local socket */
	if (h < end && *h == '[') {
		if ((e = memchr(h, ']', (size_t)(end - h))) == NULL)
			return 1;
		return !host_is_loopback(h + 1, (size_t)(e - h - 1));
	}
	for (e = h; e < end && *e != ':' && *e != '/' && *e != '?'; e++)
		;
	return !host_is_loopback(h, (size_t)(e - h));
}

/* Refuse an ldap:// URI that leaves this machine in clear, unless
   starttls or allow_cleartext says otherwise. */
static int
check_cleartext(struct cctx *c, const struct yevent *at)
{
	const struct conf_ldap *l = &c->conf->ldap;
	const char *p;
	size_t n;

	if (l->starttls || l->allow_cleartext)
		return 0;
	for (p = l->uri; *p != '\0'; p += n) {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n > 0 && uri_is_cleartext(p, n))
			return cfail(c, MARK(c, MK_URI) != NULL ?
			    &c->uri_at : at, "uri", "%.*s would "
			    "send the "
			    "bind password and password hashes in clear: set "
			    "starttls: true, or use ldaps:// or ldapi://, or "
			    "set allow_cleartext: true if the network is "
			    "trusted", n > 200 ? 200 : (int)n, p);
	}
	return 0;
}

/* The combinations libldap would accept but that cannot work. */
static int
check_ldap(struct cctx *c, const struct yevent *at)
{
	struct conf_ldap *l = &c->conf->ldap;
	const struct yevent *auth = MARK(c, MK_AUTH);

	if (l->base == NULL)
		return cfail(c, at, NULL, "missing required key 'base' (the "
		    "search base, e.g. ou=users,dc=example,dc=org)");
	if (auth == NULL)
		l->auth = l->bind_dn != NULL ? CONF_LDAP_AUTH_SIMPLE :
		    CONF_LDAP_AUTH_NONE;
	if (l->starttls && strncasecmp(l->uri, "ldap://", 7) != 0)
		return cfail(c, MARK(c, MK_STARTTLS), "starttls", "only "
		    "with ldap:// URIs (ldaps:// is TLS already, ldapi:// is "
		    "local)");
	if (check_cleartext(c, at) == -1)
		return -1;
	switch (l->auth) {
	case CONF_LDAP_AUTH_SIMPLE:
		if (l->bind_dn == NULL)
			return cfail(c, auth != NULL ? auth : at, NULL,
			    "auth simple needs bind_dn");
		if (l->bind_password_file == NULL)
			return cfail(c, MARK(c, MK_BIND_DN), "bind_dn",
			    "auth simple needs bind_password_file");
		break;
	case CONF_LDAP_AUTH_SASL_EXTERNAL:
		if (strncasecmp(l->uri, "ldapi://", 8) != 0 ||
		    strchr(l->uri, ' ') != NULL)
			return cfail(c, auth, "auth", "external needs an "
			    "ldapi:// URI");
		__attribute__((fallthrough));
	case CONF_LDAP_AUTH_NONE:
		if (l->bind_dn != NULL)
			return cfail(c, MARK(c, MK_BIND_DN), "bind_dn",
			    "not used with auth %s, remove it or use auth "
			    "simple", l->auth == CONF_LDAP_AUTH_NONE ? "none" :
			    "external");
		if (l->bind_password_file != NULL)
			return cfail(c, MARK(c, MK_BIND_PW),
			    "bind_password_file", "not used with auth %s",
			    l->auth == CONF_LDAP_AUTH_NONE ? "none" : "external");
		break;
	}
	return 0;
}

int
h_ldap(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	int r;

	if (v->type != YEV_MAP)
		return cfail(c, v, ck->name, "expected a mapping of LDAP "
		    "settings, got %s (remove the key for Hiera only)",
		    yevent_kind(v));
	c->section = "ldap";
	c->conf->ldap.enabled = 1;
	r = walk_map(c, "LDAP settings", v, ldap_keys, &c->conf->ldap);
	if (r == 0)
		r = check_ldap(c, MARK(c, MK_LDAP));
	c->section = "";
	return r;
}
