/*
 * spf_parse: the record grammar of RFC 7208 §4.5, §4.6.1, §5, §6 and §12.
 * The whole record is parsed before evaluation so a syntax error anywhere
 * is a permerror (§4.6, suite detect-errors-anywhere).  Invariant: a
 * parsed term is valid syntax; evaluation never re-checks it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "spf_int.h"

#define SPF_DELIMS ".-+,/_="

char *
spf_strndup_lower(const char *s, size_t n)
{
	char *d;
	size_t i;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[n] = '\0';
	return d;
}

int
spf_is_record(const char *text, size_t len)
{
	return len >= 6 && strncasecmp(text, "v=spf1", 6) == 0 &&
	    (len == 6 || text[6] == ' ');
}

int
spf_macro_check(const char *s, size_t len, int exp, size_t *errpos_r,
    int *ends_macro_r, size_t *lit_r)
{
	const char *letters = exp ? "slodipvhcrt" : "slodipvh";
	size_t i = 0, start, digits;
	int ends_macro = 0;
	size_t lit = 0;

	while (i < len) {
		unsigned char ch = (unsigned char)s[i];

		if (ch != '%') {
			if (ch > 0x7e || ch < (exp ? 0x20 : 0x21)) {
				*errpos_r = i;
				return -1;
			}
			ends_macro = 0;
			i++;
			continue;
		}
		start = i;
		if (i + 1 >= len) {
			*errpos_r = i;
			return -1;
		}
		if (s[i + 1] == '%' || s[i + 1] == '_' || s[i + 1] == '-') {
			i += 2;
			ends_macro = 1;
			lit = i;
			continue;
		}
		if (s[i + 1] != '{' || i + 2 >= len ||
		    strchr(letters, tolower((unsigned char)s[i + 2])) == NULL ||
		    s[i + 2] == '\0') {
			*errpos_r = start;
			return -1;
		}
		i += 3;
		digits = 0;
		{
			int nonzero = 0;

			while (i < len && isdigit((unsigned char)s[i])) {
				if (s[i] != '0')
					nonzero = 1;
				digits++;
				i++;
			}
			/* §7.1: a DIGIT transformer must be nonzero. */
			if (digits > 0 && !nonzero) {
				*errpos_r = start;
				return -1;
			}
		}
		if (i < len && (s[i] == 'r' || s[i] == 'R'))
			i++;
		while (i < len && s[i] != '\0' && strchr(SPF_DELIMS, s[i]) != NULL)
			i++;
		if (i >= len || s[i] != '}') {
			*errpos_r = start;
			return -1;
		}
		i++;
		ends_macro = 1;
		lit = i;
	}
	if (ends_macro_r != NULL)
		*ends_macro_r = ends_macro;
	if (lit_r != NULL)
		*lit_r = lit;
	return 0;
}

int
spf_toplabel_ok(const char *s, size_t len)
{
	size_t i;
	int alpha = 0, dash = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalpha(c))
			alpha = 1;
		else if (c == '-')
			dash = 1;
		else if (!isdigit(c))
			return 0;
	}
	/* toplabel = ( *alphanum ALPHA *alphanum ) /
	   ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
	if (dash)
		return isalnum((unsigned char)s[0]) &&
		    isalnum((unsigned char)s[len - 1]);
	return alpha;
}

int
spf_domain_spec_check(const char *s, size_t len, size_t *errpos_r,
    const char **why_r)
{
	int ends_macro;
	size_t lit, end, dot;

	if (len == 0) {
		*errpos_r = 0;
		*why_r = "empty domain-spec";
		return -1;
	}
	if (spf_macro_check(s, len, 0, errpos_r, &ends_macro, &lit) == -1) {
		*why_r = "bad macro or character in domain-spec";
		return -1;
	}
	if (ends_macro)
		return 0;
	/* domain-end = ( "." toplabel [ "." ] ) / macro-expand.  We also take
	   a macro-expand followed by one final dot ("%{d}."), which the ABNF
	   does not allow but which means the same name. */
	end = len;
	if (end > lit && s[end - 1] == '.')
		end--;
	if (end == lit && lit > 0)
		return 0;
	for (dot = end; dot > lit && s[dot - 1] != '.'; dot--)
		;
	if (dot == lit || !spf_toplabel_ok(s + dot, end - dot)) {
		*errpos_r = dot > lit ? dot : lit;
		*why_r = "domain-spec must end in a macro or a valid top label";
		return -1;
	}
	return 0;
}

int
spf_parse_ip4(const char *s, size_t len, unsigned char out[4])
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, nd = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		while (i < len && isdigit((unsigned char)s[i])) {
			if (nd > 0 && v == 0)
				return -1; /* leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (++nd > 3 || v > 255)
				return -1;
			i++;
		}
		if (nd == 0)
			return -1;
		out[part] = (unsigned char)v;
	}
	return i == len ? 0 : -1;
}

int
spf_parse_ip(const char *s, unsigned char out[16], int *v4_r)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0xff, 0xff };

	memset(out, 0, 16);
	if (spf_parse_ip4(s, strlen(s), out + 12) == 0) {
		memcpy(out + 10, mapped + 10, 2);
		*v4_r = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) != 1)
		return -1;
	/* §5: an IPv4-mapped IPv6 client is an IPv4 client. */
	*v4_r = memcmp(out, mapped, 12) == 0;
	return 0;
}

/* A CIDR length without leading zeros, at most MAX. */
static int
parse_cidr(const char *s, size_t len, int max)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Split a trailing dual-cidr-length off S[0..*LEN); sets *LEN to what
   remains.  Returns -1 on a malformed length. */
static int
split_dual_cidr(const char *s, size_t *len, int *c4, int *c6)
{
	size_t n = *len, j;

	*c4 = *c6 = -1;
	for (j = n; j > 0 && isdigit((unsigned char)s[j - 1]); j--)
		;
	if (j == n || j == 0 || s[j - 1] != '/')
		return 0;
	if (j >= 2 && s[j - 2] == '/') {
		if ((*c6 = parse_cidr(s + j, n - j, 128)) < 0)
			return -1;
		n = j - 2;
		for (j = n; j > 0 && isdigit((unsigned char)s[j - 1]); j--)
			;
		if (j == n || j == 0 || s[j - 1] != '/') {
			*len = n;
			return 0;
		}
	}
	if ((*c4 = parse_cidr(s + j, n - j, 32)) < 0)
		return -1;
	*len = j - 1;
	return 0;
}

static const struct {
	const char *name;
	enum spf_kind kind;
} mechs[] = {
	{ "all", SPF_ALL }, { "include", SPF_INCLUDE }, { "a", SPF_A },
	{ "mx", SPF_MX }, { "ptr", SPF_PTR }, { "ip4", SPF_IP4 },
	{ "ip6", SPF_IP6 }, { "exists", SPF_EXISTS },
};

struct perr {
	size_t pos;
	const char *why;
	int nomem; /* out of memory: no fault of the record */
};

static int
set_domain(struct spf_term *t, const char *s, size_t len, size_t base,
    struct perr *pe)
{
	size_t at;
	const char *why;

	if (spf_domain_spec_check(s, len, &at, &why) == -1) {
		pe->pos = base + at;
		pe->why = why;
		return -1;
	}
	if ((t->domain = strndup(s, len)) == NULL) {
		pe->pos = base;
		pe->why = "out of memory";
		pe->nomem = 1;
		return -1;
	}
	t->has_macro = memchr(s, '%', len) != NULL;
	return 0;
}

static int
parse_modifier(struct spf_record *rec, struct spf_term *t, const char *s,
    size_t nlen, size_t len, struct perr *pe)
{
	const char *v = s + nlen + 1;
	size_t vlen = len - nlen - 1, at;
	int ends;

	t->qual = 0;
	if (nlen == 8 && strncasecmp(s, "redirect", 8) == 0)
		t->kind = SPF_REDIRECT;
	else if (nlen == 3 && strncasecmp(s, "exp", 3) == 0)
		t->kind = SPF_EXP;
	else
		t->kind = SPF_UNKNOWN_MOD;
	if (t->kind == SPF_UNKNOWN_MOD) {
		if (spf_macro_check(v, vlen, 0, &at, &ends, NULL) == -1) {
			pe->pos = t->pos + nlen + 1 + at;
			pe->why = "bad macro in modifier value";
			return -1;
		}
		if ((t->name = strndup(s, nlen)) == NULL ||
		    (t->domain = strndup(v, vlen)) == NULL) {
			pe->why = "out of memory";
			pe->nomem = 1;
			return -1;
		}
		return 0;
	}
	/* §6: redirect and exp at most once each. */
	if ((t->kind == SPF_REDIRECT && rec->redirect >= 0) ||
	    (t->kind == SPF_EXP && rec->exp >= 0)) {
		pe->pos = t->pos;
		pe->why = "modifier appears twice";
		return -1;
	}
	if (t->kind == SPF_REDIRECT)
		rec->redirect = (int)rec->nterms;
	else
		rec->exp = (int)rec->nterms;
	return set_domain(t, v, vlen, t->pos + nlen + 1, pe);
}

/* ip4 and ip6: REST (ALEN bytes) is ":address" with an optional "/cidr";
   PE->pos is at REST. */
static int
parse_ip_arg(struct spf_term *t, const char *rest, size_t alen,
    struct perr *pe)
{
	const char *arg, *sl;
	size_t k;
	char tmp[64];
	int c;

	if (alen < 1 || *rest != ':') {
		pe->why = "ip4/ip6 need ':address'";
		return -1;
	}
	arg = rest + 1;
	alen--;
	pe->pos++;
	sl = memchr(arg, '/', alen);
	k = sl != NULL ? (size_t)(sl - arg) : alen;
	if (t->kind == SPF_IP4) {
		if (spf_parse_ip4(arg, k, t->addr) == -1) {
			pe->why = "bad IPv4 address";
			return -1;
		}
	} else {
		if (k >= sizeof(tmp)) {
			pe->why = "bad IPv6 address";
			return -1;
		}
		memcpy(tmp, arg, k);
		tmp[k] = '\0';
		if (inet_pton(AF_INET6, tmp, t->addr) != 1) {
			pe->why = "bad IPv6 address";
			return -1;
		}
	}
	if (sl == NULL)
		return 0;
	if ((c = parse_cidr(sl + 1, alen - k - 1,
	    t->kind == SPF_IP4 ? 32 : 128)) < 0) {
		pe->pos += k;
		pe->why = "bad CIDR length";
		return -1;
	}
	if (t->kind == SPF_IP4)
		t->cidr4 = c;
	else
		t->cidr6 = c;
	return 0;
}

static int
parse_mechanism(struct spf_term *t, const char *s, size_t len,
    struct perr *pe)
{
	size_t i = 0, nlen, k, alen;
	const char *rest;

	if (i < len && strchr("+-~?", s[i]) != NULL)
		t->qual = s[i++];
	else
		t->qual = '+';
	for (nlen = 0; i + nlen < len && isalnum((unsigned char)s[i + nlen]);
	    nlen++)
		;
	for (k = 0; k < sizeof(mechs) / sizeof(mechs[0]); k++)
		if (strlen(mechs[k].name) == nlen &&
		    strncasecmp(mechs[k].name, s + i, nlen) == 0)
			break;
	rest = s + i + nlen;
	if (k == sizeof(mechs) / sizeof(mechs[0]) ||
	    (rest < s + len && *rest != ':' && *rest != '/')) {
		pe->pos = t->pos + i;
		pe->why = "unknown mechanism";
		return -1;
	}
	t->kind = mechs[k].kind;
	alen = (size_t)(s + len - rest);
	pe->pos = t->pos + (size_t)(rest - s);
	switch (t->kind) {
	case SPF_ALL:
		if (alen != 0) {
			pe->why = "all takes no argument";
			return -1;
		}
		return 0;
	case SPF_INCLUDE:
	case SPF_EXISTS:
		if (alen < 1 || *rest != ':') {
			pe->why = "mechanism needs ':domain'";
			return -1;
		}
		return set_domain(t, rest + 1, alen - 1, pe->pos + 1, pe);
	case SPF_PTR:
		if (alen == 0)
			return 0;
		if (*rest != ':') {
			pe->why = "ptr takes no CIDR length";
			return -1;
		}
		return set_domain(t, rest + 1, alen - 1, pe->pos + 1, pe);
	case SPF_A:
	case SPF_MX:
		if (split_dual_cidr(rest, &alen, &t->cidr4, &t->cidr6) == -1) {
			pe->why = "bad CIDR length";
			return -1;
		}
		if (alen == 0)
			return 0;
		if (*rest != ':') {
			pe->why = "bad CIDR length";
			return -1;
		}
		return set_domain(t, rest + 1, alen - 1, pe->pos + 1, pe);
	case SPF_IP4:
	case SPF_IP6:
		return parse_ip_arg(t, rest, alen, pe);
	default:
		break;
	}
	pe->why = "unknown mechanism";
	return -1;
}

static int
parse_term(struct spf_record *rec, struct spf_term *t, const char *s,
    size_t len, struct perr *pe)
{
	size_t n = 0;

	t->cidr4 = t->cidr6 = -1;
	/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) then "=" */
	if (len > 0 && isalpha((unsigned char)s[0])) {
		for (n = 1; n < len && (isalnum((unsigned char)s[n]) ||
		    s[n] == '-' || s[n] == '_' || s[n] == '.'); n++)
			;
		if (n < len && s[n] == '=')
			return parse_modifier(rec, t, s, n, len, pe);
	}
	return parse_mechanism(t, s, len, pe);
}

static void
term_clear(struct spf_term *t)
{
	free(t->name);
	free(t->domain);
}

void
spf_record_free(struct spf_record **recp)
{
	struct spf_record *rec;
	size_t i;

	if (recp == NULL || (rec = *recp) == NULL)
		return;
	for (i = 0; i < rec->nterms; i++)
		term_clear(&rec->terms[i]);
	free(rec->terms);
	free(rec->text);
	free(rec);
	*recp = NULL;
}

int
spf_parse(const char *text, size_t len, struct spf_record **rec_r,
    size_t *errpos_r, struct errbuf *eb)
{
	struct spf_record *rec = NULL;
	struct perr pe = { 0, NULL, 0 };
	size_t i, s, cap = 0;

	*rec_r = NULL;
	if (!spf_is_record(text, len)) {
		pe.why = "record does not start with v=spf1";
		goto bad;
	}
	/* §3.1 and §4.6.1: 7-bit text, terms separated by spaces only. */
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 ||
		    (unsigned char)text[i] > 0x7e) {
			pe.pos = i;
			pe.why = (unsigned char)text[i] > 0x7e ?
			    "non-ASCII character" : "control character";
			goto bad;
		}
	if ((rec = calloc(1, sizeof(*rec))) == NULL ||
	    (rec->text = strndup(text, len)) == NULL)
		goto nomem;
	rec->len = len;
	rec->redirect = rec->exp = -1;
	for (i = 6; i < len;) {
		struct spf_term *t;

		if (text[i] == ' ') {
			i++;
			continue;
		}
		for (s = i; i < len && text[i] != ' '; i++)
			;
		if (array_grow(&rec->terms, &cap, rec->nterms,
		    sizeof(*rec->terms)) == -1)
			goto nomem;
		t = &rec->terms[rec->nterms];
		memset(t, 0, sizeof(*t));
		t->pos = s;
		t->len = i - s;
		if (parse_term(rec, t, text + s, i - s, &pe) == -1) {
			term_clear(t);
			if (pe.nomem)
				goto nomem;
			goto bad;
		}
		if (t->kind == SPF_ALL)
			rec->has_all = 1;
		rec->nterms++;
	}
	*rec_r = rec;
	return 0;
nomem:
	spf_record_free(&rec);
	errbuf_set(eb, "out of memory");
	eb->errnum = ENOMEM;
	return -1;
bad:
	spf_record_free(&rec);
	if (errpos_r != NULL)
		*errpos_r = pe.pos;
	{
		struct buf show = BUF_INIT;
		size_t ts = pe.pos, te;

		/* Name the term that holds the fault. */
		while (ts > 0 && ts <= len && text[ts - 1] != ' ')
			ts--;
		for (te = ts; te < len && text[te] != ' '; te++)
			;
		if (ts > len)
			ts = te = len;
		/* The message may reach a terminal: the term escaped. */
		if (buf_put_visn(&show, text + ts, te - ts, 64) == -1)
			errbuf_set(eb, "offset %zu: %s", pe.pos, pe.why);
		else
			errbuf_set(eb, "offset %zu: %s in '%s'", pe.pos, pe.why,
			    buf_cstr(&show));
		buf_free(&show);
	}
	return -1;
}
