/*
 * src_ldap_entry: what an LDAP entry's values mean, without a connection:
 * the ud-ldap account-state rules (src_ldap_state), the filter escaper,
 * and the checks of uid, DN, emailForward and mailPassword values.
 */
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
