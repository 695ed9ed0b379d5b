/*
 * mtasts: RFC 8461 (MTA-STS) and RFC 8460 (TLS-RPT) text formats.  The
 * grammars are strict where the RFCs are (version strings are
 * case-sensitive) and lenient where senders are told to be (unknown
 * fields are ignored); every refusal says why, for the report.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mtasts.h"

static int
why_set(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* TXT starts with VERSION (exact), then ';', WSP or the end. */
static int
starts_with_version(const char *txt, size_t len, const char *version)
{
	size_t n = strlen(version);

	return len >= n && memcmp(txt, version, n) == 0 &&
	    (len == n || txt[n] == ';' || is_wsp(txt[n]));
}

int
mtasts_is_txt(const char *txt, size_t len)
{
	return starts_with_version(txt, len, "v=STSv1");
}

int
tlsrpt_is_txt(const char *txt, size_t len)
{
	return starts_with_version(txt, len, "v=TLSRPTv1");
}

/* Split "f1; f2; ..." after the version: calls FN for each field (start,
   length), WSP around ';' removed, an empty last field allowed.  Returns
   0 or the first -1 of FN (WHY set), or -1 for an empty field. */
static int
each_field(const char *txt, size_t len, size_t vlen,
    int (*fn)(void *, const char *, size_t, char *, size_t), void *arg,
    char *why, size_t whylen)
{
	size_t p = vlen, s, e;

	while (p < len && is_wsp(txt[p]))
		p++;
	if (p == len)
		return why_set(why, whylen, "no field after the version");
	if (txt[p] != ';')
		return why_set(why, whylen, "expected ';' after the version");
	while (p < len) {
		p++; /* the ';' */
		while (p < len && is_wsp(txt[p]))
			p++;
		if (p == len)
			return 0; /* trailing delimiter */
		for (s = p; p < len && txt[p] != ';'; p++)
			;
		for (e = p; e > s && is_wsp(txt[e - 1]); e--)
			;
		if (e == s)
			return why_set(why, whylen, "empty field");
		if (fn(arg, txt + s, e - s, why, whylen) == -1)
			return -1;
	}
	return 0;
}

struct sts_txt {
	char *id;
	int have_id;
};

static int
sts_field(void *arg, const char *f, size_t n, char *why, size_t whylen)
{
	struct sts_txt *st = arg;
	size_t i, eq;

	for (eq = 0; eq < n && f[eq] != '='; eq++)
		;
	if (eq == n || eq == 0)
		return why_set(why, whylen, "field '%.*s' is not name=value",
		    (int)(n > 40 ? 40 : n), f);
	if (eq == 2 && memcmp(f, "id", 2) == 0) {
		if (st->have_id)
			return why_set(why, whylen, "id given twice");
		if (n - 3 < 1 || n - 3 > 32)
			return why_set(why, whylen, "id must be 1 to 32 letters "
			    "or digits");
		for (i = 3; i < n; i++)
			if (!isalnum((unsigned char)f[i]))
				return why_set(why, whylen, "id must be 1 to "
				    "32 letters or digits");
		memcpy(st->id, f + 3, n - 3);
		st->id[n - 3] = '\0';
		st->have_id = 1;
		return 0;
	}
	/* sts-extension: name 1-32 of ALPHA DIGIT _ - ., value visible
	   characters except ';' and '=' */
	if (eq > 32 || !isalnum((unsigned char)f[0]))
		return why_set(why, whylen, "bad field name '%.*s'",
		    (int)(eq > 40 ? 40 : eq), f);
	for (i = 1; i < eq; i++)
		if (!isalnum((unsigned char)f[i]) && f[i] != '_' &&
		    f[i] != '-' && f[i] != '.')
			return why_set(why, whylen, "bad field name '%.*s'",
			    (int)(eq > 40 ? 40 : eq), f);
	if (eq + 1 == n)
		return why_set(why, whylen, "field '%.*s' has no value",
		    (int)(eq > 40 ? 40 : eq), f);
	for (i = eq + 1; i < n; i++)
		if ((unsigned char)f[i] < 0x21 || (unsigned char)f[i] > 0x7e ||
		    f[i] == '=')
			return why_set(why, whylen, "bad character in field "
			    "'%.*s'", (int)(eq > 40 ? 40 : eq), f);
	return 0;
}

int
mtasts_parse_txt(const char *txt, size_t len, char *id, char *why,
    size_t whylen)
{
	struct sts_txt st;

	id[0] = '\0';
	if (!mtasts_is_txt(txt, len))
		return why_set(why, whylen, "does not start with v=STSv1");
	st.id = id;
	st.have_id = 0;
	if (each_field(txt, len, 7, sts_field, &st, why, whylen) == -1)
		return -1;
	if (!st.have_id)
		return why_set(why, whylen, "no id= field");
	return 0;
}

const char *
mtasts_mode_name(enum mtasts_mode m)
{
	switch (m) {
	case MTASTS_MODE_ENFORCE:
		return "enforce";
	case MTASTS_MODE_TESTING:
		return "testing";
	default:
		return "none";
	}
}

void
mtasts_policy_free(struct mtasts_policy *p)
{
	size_t i;

	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	memset(p, 0, sizeof(*p));
}

/* ["*."] Domain: LDH labels, no final dot. */
static int
mx_pattern_ok(const char *s, size_t n)
{
	size_t i, lab = 0;

	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n > 1 && s[n - 1] == '.')
		n--; /* written absolute: taken as the same name */
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0;
}

static int
policy_line(struct mtasts_policy *p, const char *l, size_t n, unsigned line,
    unsigned *seen, char *why, size_t whylen)
{
	const char *v;
	size_t k, vn, i;
	char *end, num[16];

	for (k = 0; k < n && l[k] != ':'; k++)
		;
	if (k == n)
		return why_set(why, whylen, "line %u: expected 'key: value'",
		    line);
	v = l + k + 1;
	vn = n - k - 1;
	while (vn > 0 && is_wsp(*v)) {
		v++;
		vn--;
	}
	while (vn > 0 && is_wsp(v[vn - 1]))
		vn--;
	if (k == 7 && memcmp(l, "version", 7) == 0) {
		if (*seen & 1)
			return why_set(why, whylen, "line %u: version given "
			    "twice", line);
		*seen |= 1;
		if (vn != 5 || memcmp(v, "STSv1", 5) != 0)
			return why_set(why, whylen, "line %u: version must be "
			    "STSv1", line);
	} else if (k == 4 && memcmp(l, "mode", 4) == 0) {
		if (*seen & 2)
			return why_set(why, whylen, "line %u: mode given twice",
			    line);
		*seen |= 2;
		if (vn == 7 && memcmp(v, "enforce", 7) == 0)
			p->mode = MTASTS_MODE_ENFORCE;
		else if (vn == 7 && memcmp(v, "testing", 7) == 0)
			p->mode = MTASTS_MODE_TESTING;
		else if (vn == 4 && memcmp(v, "none", 4) == 0)
			p->mode = MTASTS_MODE_NONE;
		else
			return why_set(why, whylen, "line %u: mode must be "
			    "enforce, testing or none", line);
	} else if (k == 7 && memcmp(l, "max_age", 7) == 0) {
		if (*seen & 4)
			return why_set(why, whylen, "line %u: max_age given "
			    "twice", line);
		*seen |= 4;
		for (i = 0; i < vn; i++)
			if (!isdigit((unsigned char)v[i]))
				break;
		if (vn == 0 || vn > 10 || i != vn)
			return why_set(why, whylen, "line %u: max_age must be "
			    "1 to 10 digits", line);
		memcpy(num, v, vn);
		num[vn] = '\0';
		p->max_age = strtol(num, &end, 10);
		if (p->max_age > MTASTS_MAX_AGE_MAX)
			return why_set(why, whylen, "line %u: max_age %ld is "
			    "over %ld", line, p->max_age, MTASTS_MAX_AGE_MAX);
	} else if (k == 2 && memcmp(l, "mx", 2) == 0) {
		if (!mx_pattern_ok(v, vn))
			return why_set(why, whylen, "line %u: mx '%.*s' is not "
			    "a host name or *.domain", line,
			    (int)(vn > 60 ? 60 : vn), v);
		if (p->nmx == MTASTS_MX_MAX)
			return why_set(why, whylen, "line %u: more than %d mx "
			    "lines", line, MTASTS_MX_MAX);
		if ((p->mx[p->nmx] = strndup(v, vn)) == NULL)
			return why_set(why, whylen, "out of memory");
		for (i = 0; i < vn; i++)
			p->mx[p->nmx][i] = (char)tolower(
			    (unsigned char)p->mx[p->nmx][i]);
		if (vn > 0 && p->mx[p->nmx][vn - 1] == '.')
			p->mx[p->nmx][vn - 1] = '\0';
		p->nmx++;
	} else
		p->unknown_keys++;
	return 0;
}

int
mtasts_parse_policy(const char *body, size_t len, struct mtasts_policy *p,
    char *why, size_t whylen)
{
	const char *l = body, *end = body + len, *nl;
	unsigned line = 0, seen = 0;
	size_t n;

	memset(p, 0, sizeof(*p));
	p->max_age = -1;
	if (len > MTASTS_POLICY_MAX)
		return why_set(why, whylen, "policy larger than %d bytes",
		    MTASTS_POLICY_MAX);
	if (memchr(body, '\0', len) != NULL)
		return why_set(why, whylen, "NUL byte in the policy");
	while (l < end) {
		line++;
		if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL)
			nl = end;
		n = (size_t)(nl - l);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n > 0 && policy_line(p, l, n, line, &seen, why, whylen) ==
		    -1) {
			mtasts_policy_free(p);
			return -1;
		}
		l = nl < end ? nl + 1 : end;
	}
	if (!(seen & 1))
		why_set(why, whylen, "no version: STSv1 line");
	else if (!(seen & 2))
		why_set(why, whylen, "no mode line");
	else if (!(seen & 4))
		why_set(why, whylen, "no max_age line");
	else if (p->mode != MTASTS_MODE_NONE && p->nmx == 0)
		why_set(why, whylen, "mode %s without an mx line",
		    mtasts_mode_name(p->mode));
	else
		return 0;
	mtasts_policy_free(p);
	return -1;
}

int
mtasts_mx_match(const char *pattern, const char *host)
{
	const char *dot;

	if (pattern[0] == '*' && pattern[1] == '.') {
		/* the wildcard covers exactly one leftmost label */
		if ((dot = strchr(host, '.')) == NULL || dot == host)
			return 0;
		return strcasecmp(dot + 1, pattern + 2) == 0;
	}
	return strcasecmp(pattern, host) == 0;
}

void
tlsrpt_rua_free(char **rua, size_t n)
{
	size_t i;

	for (i = 0; rua != NULL && i < n; i++)
		free(rua[i]);
	free(rua);
}

struct rpt_txt {
	char **rua;
	size_t n;
	int have_rua;
};

static int
uri_ok(const char *u, size_t n)
{
	size_t i, at = 0;

	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f ||
		    u[i] == ',' || u[i] == ';')
			return 0;
	if (n > 7 && strncasecmp(u, "mailto:", 7) == 0) {
		for (i = 7; i < n; i++)
			if (u[i] == '@')
				at = i;
		return at > 7 && at + 1 < n;
	}
	return n > 8 && strncasecmp(u, "https://", 8) == 0;
}

static int
rpt_field(void *arg, const char *f, size_t n, char *why, size_t whylen)
{
	struct rpt_txt *rt = arg;
	const char *p, *e, *s, *t;
	char **v;

	if (n < 4 || memcmp(f, "rua=", 4) != 0)
		return 0; /* tlsrpt-extension: ignored */
	if (rt->have_rua)
		return why_set(why, whylen, "rua given twice");
	rt->have_rua = 1;
	for (p = f + 4, e = f + n; p <= e; p = t + 1) {
		for (t = p; t < e && *t != ','; t++)
			;
		for (s = p; s < t && is_wsp(*s); s++)
			;
		while (t > s && is_wsp(t[-1]))
			t--;
		if (!uri_ok(s, (size_t)(t - s)))
			return why_set(why, whylen, "rua URI '%.*s' is neither "
			    "mailto:local@domain nor https://", (int)((t - s) >
			    60 ? 60 : t - s), s);
		if ((v = reallocarray(rt->rua, rt->n + 1, sizeof(*v))) ==
		    NULL || (v[rt->n] = strndup(s, (size_t)(t - s))) == NULL) {
			if (v != NULL)
				rt->rua = v;
			return why_set(why, whylen, "out of memory");
		}
		rt->rua = v;
		rt->n++;
		while (t < e && *t != ',')
			t++;
	}
	return 0;
}

int
tlsrpt_parse_txt(const char *txt, size_t len, char ***rua_r, char *why,
    size_t whylen)
{
	struct rpt_txt rt;

	*rua_r = NULL;
	if (!tlsrpt_is_txt(txt, len))
		return why_set(why, whylen, "does not start with v=TLSRPTv1");
	memset(&rt, 0, sizeof(rt));
	if (each_field(txt, len, 10, rpt_field, &rt, why, whylen) == -1) {
		tlsrpt_rua_free(rt.rua, rt.n);
		return -1;
	}
	if (!rt.have_rua) {
		tlsrpt_rua_free(rt.rua, rt.n);
		return why_set(why, whylen, "no rua= field");
	}
	*rua_r = rt.rua;
	return (int)rt.n;
}
