/*
 * spf_macro: macro expansion (RFC 7208 §7) and the validated client name
 * of §5.5 that both the ptr mechanism and the %{p} macro use.  Expansions
 * are capped at SPF_MACRO_MAX octets so a hostile record cannot make us
 * build megabytes of text.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf_int.h"

static int
put_value(struct buf *out, const char *v, size_t vlen, unsigned digits,
    int reverse, const char *delims, size_t ndelims, int upper)
{
	struct {
		const char *p;
		size_t n;
	} *parts = NULL;
	size_t np = 0, i, start, first;
	struct buf tmp = BUF_INIT;
	int rv = -1;

	tmp.max = SPF_MACRO_MAX + 1;
	if (ndelims == 0) {
		delims = ".";
		ndelims = 1;
	}
	if ((parts = calloc(vlen + 1, sizeof(*parts))) == NULL)
		return -1;
	for (i = 0, start = 0; i <= vlen; i++)
		if (i == vlen || memchr(delims, v[i], ndelims) != NULL) {
			parts[np].p = v + start;
			parts[np].n = i - start;
			np++;
			start = i + 1;
		}
	if (reverse)
		for (i = 0; i < np / 2; i++) {
			__typeof__(*parts) t = parts[i];

			parts[i] = parts[np - 1 - i];
			parts[np - 1 - i] = t;
		}
	first = digits > 0 && digits < np ? np - digits : 0;
	for (i = first; i < np; i++)
		if ((i > first && buf_putc(&tmp, '.') == -1) ||
		    buf_append(&tmp, parts[i].p, parts[i].n) == -1)
			goto out;
	if (!upper) {
		if (buf_append(out, tmp.data ? tmp.data : "", tmp.len) == -1)
			goto out;
	} else {
		/* §7.3: upper-case letters URL-escape all but unreserved. */
		for (i = 0; i < tmp.len; i++) {
			unsigned char c = (unsigned char)tmp.data[i];

			if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
			    c == '~') {
				if (buf_putc(out, (char)c) == -1)
					goto out;
			} else if (buf_printf(out, "%%%02X", c) == -1)
				goto out;
		}
	}
	rv = 0;
out:
	buf_free(&tmp);
	free(parts);
	return rv;
}

static void
ip_dotted(const struct spf_ctx *c, char *dst, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	if (c->v4) {
		(void)snprintf(dst, size, "%u.%u.%u.%u", c->ip[12], c->ip[13],
		    c->ip[14], c->ip[15]);
		return;
	}
	for (i = 0; i < 16 && o + 4 < size; i++) {
		dst[o++] = hex[c->ip[i] >> 4];
		dst[o++] = '.';
		dst[o++] = hex[c->ip[i] & 15];
		if (i < 15)
			dst[o++] = '.';
	}
	dst[o] = '\0';
}

static void
ip_text(const struct spf_ctx *c, char *dst, size_t size)
{
	if (c->v4)
		(void)snprintf(dst, size, "%u.%u.%u.%u", c->ip[12], c->ip[13],
		    c->ip[14], c->ip[15]);
	else if (inet_ntop(AF_INET6, c->ip, dst, (socklen_t)size) == NULL)
		(void)snprintf(dst, size, "unknown");
}

/* The value of macro LETTER (lower case) for DOMAIN (§7.2); IPBUF (SIZE
   bytes) holds it when it is built.  Returns NULL when out of memory. */
static const char *
macro_value(struct spf_ctx *c, const char *domain, char letter,
    char *ipbuf, size_t size)
{
	switch (letter) {
	case 's':
		return c->sender;
	case 'l':
		return c->local;
	case 'o':
		return c->odomain;
	case 'd':
		return domain;
	case 'i':
		ip_dotted(c, ipbuf, size);
		return ipbuf;
	case 'c':
		ip_text(c, ipbuf, size);
		return ipbuf;
	case 'v':
		return c->v4 ? "in-addr" : "ip6";
	case 'h':
		return c->req->helo != NULL ? c->req->helo : "";
	case 'r':
		return c->req->receiver != NULL ? c->req->receiver :
		    "unknown";
	case 't':
		(void)snprintf(ipbuf, size, "%jd",
		    (intmax_t)(c->req->now ? c->req->now : time(NULL)));
		return ipbuf;
	case 'p':
		if (c->pname == NULL)
			c->pname = spf_validated_name(c, domain, NULL, NULL,
			    NULL, NULL);
		return c->pname;
	default:
		return "";
	}
}

int
spf_expand(struct spf_ctx *c, const char *domain, const char *s, size_t len,
    int exp, struct buf *out, struct errbuf *eb)
{
	char ipbuf[80];
	size_t i = 0, at, vlen;
	const char *v;

	buf_reset(out);
	out->max = SPF_MACRO_MAX + 1;
	if (spf_macro_check(s, len, exp, &at, NULL, NULL) == -1) {
		errbuf_set(eb, "macro syntax error at offset %zu", at);
		return -1;
	}
	while (i < len) {
		unsigned digits = 0;
		int reverse = 0, upper;
		const char *delims;
		size_t nd;
		char letter;

		if (s[i] != '%') {
			if (buf_putc(out, s[i++]) == -1)
				goto big;
			continue;
		}
		if (s[i + 1] != '{') {
			v = s[i + 1] == '%' ? "%" : s[i + 1] == '_' ? " " : "%20";
			if (buf_puts(out, v) == -1)
				goto big;
			i += 2;
			continue;
		}
		letter = s[i + 2];
		upper = isupper((unsigned char)letter);
		letter = (char)tolower((unsigned char)letter);
		for (i += 3; isdigit((unsigned char)s[i]); i++)
			if (digits < 1000)
				digits = digits * 10 + (unsigned)(s[i] - '0');
		if (s[i] == 'r' || s[i] == 'R') {
			reverse = 1;
			i++;
		}
		delims = s + i;
		for (nd = 0; s[i] != '}'; i++)
			nd++;
		i++;
		if ((v = macro_value(c, domain, letter, ipbuf,
		    sizeof(ipbuf))) == NULL) {
			errbuf_set(eb, "out of memory");
			return -1;
		}
		vlen = strlen(v);
		if (vlen > SPF_MACRO_MAX)
			goto big;
		if (put_value(out, v, vlen, digits, reverse, delims, nd,
		    upper) == -1)
			goto big;
	}
	if (out->data == NULL && buf_puts(out, "") == -1)
		goto big;
	return 0;
big:
	errbuf_set(eb, "macro expansion longer than %d octets", SPF_MACRO_MAX);
	return -1;
}

static int
reverse_name(const struct spf_ctx *c, char *dst, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (c->v4)
		return snprintf(dst, size, "%u.%u.%u.%u.in-addr.arpa",
		    c->ip[15], c->ip[14], c->ip[13], c->ip[12]) < (int)size ?
		    0 : -1;
	for (i = 15; i >= 0 && o + 4 < size; i--) {
		dst[o++] = hex[c->ip[i] & 15];
		dst[o++] = '.';
		dst[o++] = hex[c->ip[i] >> 4];
		dst[o++] = '.';
	}
	return snprintf(dst + o, size - o, "ip6.arpa") < (int)(size - o) ?
	    0 : -1;
}

/* 1 when NAME is DOMAIN or a name under it. */
static int
name_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n == d)
		return strncasecmp(name, domain, d) == 0;
	return n > d && name[n - d - 1] == '.' &&
	    strncasecmp(name + n - d, domain, d) == 0;
}

/* 1 when one of NAME's addresses is the client's. */
static int
name_validates(struct spf_ctx *c, const char *name)
{
	struct dns_answer *a = NULL;
	struct errbuf eb;
	size_t i;
	int ok = 0;

	if (dns_query(c->res, name, c->v4 ? DNS_T_A : DNS_T_AAAA, &a,
	    &eb) == -1)
		return 0;
	if (a->status == DNS_ANSWER)
		for (i = 0; i < a->nrr && !ok; i++) {
			const struct dns_rr *rr = &a->rr[i];

			if (c->v4 && rr->type == DNS_T_A && rr->rdlen == 4)
				ok = memcmp(rr->rdata, c->ip + 12, 4) == 0;
			else if (!c->v4 && rr->type == DNS_T_AAAA &&
			    rr->rdlen == 16)
				ok = memcmp(rr->rdata, c->ip, 16) == 0;
		}
	dns_answer_free(&a);
	return ok;
}

char *
spf_validated_name(struct spf_ctx *c, const char *domain, const char *target,
    int *void_r, enum dns_status *st_r, size_t *nnames_r)
{
	struct dns_answer *a = NULL;
	struct errbuf eb;
	char rev[80];
	const char *best = NULL, *exact = NULL, *under = NULL;
	size_t i, n;
	char *r;

	if (void_r != NULL)
		*void_r = 0;
	if (st_r != NULL)
		*st_r = DNS_SERVFAIL;
	if (nnames_r != NULL)
		*nnames_r = 0;
	if (reverse_name(c, rev, sizeof(rev)) == -1 ||
	    dns_query(c->res, rev, DNS_T_PTR, &a, &eb) == -1)
		return strdup(target != NULL ? "" : "unknown");
	if (st_r != NULL)
		*st_r = a->status;
	if (void_r != NULL)
		*void_r = a->status == DNS_NXDOMAIN || a->status == DNS_NODATA;
	/* §4.6.4: only the first 10 names are used. */
	n = a->status == DNS_ANSWER ? a->nrr : 0;
	if (nnames_r != NULL)
		*nnames_r = n;
	for (i = 0; i < n && i < SPF_MAX_PTR; i++) {
		const char *name = a->rr[i].name;

		if (a->rr[i].type != DNS_T_PTR || name == NULL || *name == '\0')
			continue;
		if (target != NULL) {
			if (name_under(name, target) && name_validates(c, name)) {
				best = name;
				break;
			}
			continue;
		}
		if (!name_validates(c, name))
			continue;
		if (strcasecmp(name, domain) == 0) {
			exact = name;
			break;
		}
		if (under == NULL && name_under(name, domain))
			under = name;
		if (best == NULL)
			best = name;
	}
	if (target == NULL)
		best = exact != NULL ? exact : under != NULL ? under : best;
	r = strdup(best != NULL ? best : target != NULL ? "" : "unknown");
	dns_answer_free(&a);
	return r;
}

int
spf_macro_expand(struct dns_resolver *res, const struct spf_request *req,
    const char *domain, const char *s, int exp, char **out_r,
    struct errbuf *eb)
{
	struct spf_ctx c;
	struct buf out = BUF_INIT;
	const char *at;
	char *local = NULL;
	int rv = -1;

	*out_r = NULL;
	memset(&c, 0, sizeof(c));
	c.res = res;
	c.req = req;
	if (req->ip == NULL || spf_parse_ip(req->ip, c.ip, &c.v4) == -1) {
		errbuf_set(eb, "bad client address");
		return -1;
	}
	c.sender = req->sender != NULL ? req->sender : "";
	if ((at = strrchr(c.sender, '@')) != NULL) {
		if ((local = strndup(c.sender, (size_t)(at - c.sender))) ==
		    NULL)
			goto nomem;
		c.local = *local != '\0' ? local : "postmaster";
		c.odomain = at + 1;
	} else {
		c.local = "postmaster";
		c.odomain = c.sender;
	}
	if (spf_expand(&c, domain, s, strlen(s), exp, &out, eb) == -1)
		goto out;
	*out_r = out.data;
	out.data = NULL;
	rv = 0;
	goto out;
nomem:
	errbuf_set(eb, "out of memory");
out:
	buf_free(&out);
	free(local);
	free(c.pname);
	return rv;
}
