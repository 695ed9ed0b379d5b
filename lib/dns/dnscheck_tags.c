/*
 * dnscheck_tags: the DKIM tag=value list (RFC 6376 §3.2), which DMARC
 * reuses (RFC 7489 §6.4).  Input is length-delimited and may hold NUL
 * bytes (TXT data); a NUL is never a valid character here.  A duplicate
 * tag invalidates the whole list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnscheck_int.h"

static int
is_wsp(unsigned char c)
{
	/* FWS: TXT data may carry CRLF folding; treat CR and LF as WSP */
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnumpunc(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

static int
is_valchar(unsigned char c)
{
	return (c >= 0x21 && c <= 0x3a) || (c >= 0x3c && c <= 0x7e);
}

void
dc_tags_free(struct dc_tags *tags)
{
	size_t i;

	for (i = 0; i < tags->n; i++) {
		free(tags->t[i].name);
		free(tags->t[i].value);
	}
	free(tags->t);
	tags->t = NULL;
	tags->n = 0;
}

const char *
dc_tags_get(const struct dc_tags *tags, const char *name)
{
	size_t i;

	for (i = 0; i < tags->n; i++)
		if (strcmp(tags->t[i].name, name) == 0)
			return tags->t[i].value;
	return NULL;
}

/* The value of the tag named S[NS..NE) from *I up to the next ';', WSP
   trimmed: [*VS_R, *VE_R).  Returns -1 with EB set on a character no
   value may hold. */
static int
tag_value(const char *s, size_t len, size_t *i, size_t ns, size_t ne,
    size_t *vs_r, size_t *ve_r, struct errbuf *eb)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*i < len && is_wsp(p[*i]))
		(*i)++;
	*vs_r = *ve_r = *i;
	for (; *i < len && p[*i] != ';'; (*i)++) {
		if (is_valchar(p[*i]))
			*ve_r = *i + 1;
		else if (!is_wsp(p[*i])) {
			errbuf_set(eb,
			    "tag \"%.*s\": invalid character 0x%02x at offset "
			    "%zu", (int)(ne - ns), s + ns, p[*i], *i);
			return -1;
		}
	}
	return 0;
}

/* Is NAME (NLEN bytes) already in OUT? */
static int
tag_seen(const struct dc_tags *out, const char *name, size_t nlen)
{
	size_t k;

	for (k = 0; k < out->n; k++)
		if (strlen(out->t[k].name) == nlen &&
		    memcmp(out->t[k].name, name, nlen) == 0)
			return 1;
	return 0;
}

/* Append tag NAME=VALUE (NLEN, VLEN bytes).  Returns -1 when out of
   memory. */
static int
tag_append(struct dc_tags *out, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	struct dc_tag *t;
	char *n, *v;

	if ((t = reallocarray(out->t, out->n + 1, sizeof(*t))) == NULL)
		return -1;
	out->t = t;
	n = strndup(name, nlen);
	v = strndup(value, vlen);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return -1;
	}
	out->t[out->n].name = n;
	out->t[out->n].value = v;
	out->n++;
	return 0;
}

int
dc_tags_parse(const char *s, size_t len, struct dc_tags *out,
    struct errbuf *eb)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, ns, ne, vs, ve;

	out->t = NULL;
	out->n = 0;
	for (;;) {
		while (i < len && is_wsp(p[i]))
			i++;
		if (i == len) {
			if (out->n == 0) {
				errbuf_set(eb, "empty tag list");
				goto bad;
			}
			return 0; /* trailing ";" is allowed */
		}
		ns = i;
		if (!is_alpha(p[i])) {
			errbuf_set(eb,
			    "tag %zu: name must start with a letter at "
			    "offset %zu", out->n + 1, i);
			goto bad;
		}
		while (i < len && is_alnumpunc(p[i]))
			i++;
		ne = i;
		while (i < len && is_wsp(p[i]))
			i++;
		if (i == len || p[i] != '=') {
			errbuf_set(eb, "tag \"%.*s\": no \"=\"",
			    (int)(ne - ns), s + ns);
			goto bad;
		}
		i++;
		if (tag_value(s, len, &i, ns, ne, &vs, &ve, eb) == -1)
			goto bad;
		if (tag_seen(out, s + ns, ne - ns)) {
			errbuf_set(eb, "duplicate tag \"%.*s\"",
			    (int)(ne - ns), s + ns);
			goto bad;
		}
		if (tag_append(out, s + ns, ne - ns, s + vs, ve - vs) == -1)
			goto nomem;
		if (i == len)
			return 0;
		i++; /* ';' */
	}
nomem:
	errbuf_set(eb, "out of memory");
	eb->errnum = ENOMEM;
	dc_tags_free(out);
	return -1;
bad:
	dc_tags_free(out);
	return -1;
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
dc_base64_decode(const char *s, size_t len, unsigned char **out_r)
{
	unsigned char *out;
	unsigned long acc = 0;
	size_t i, n = 0, bits = 0, pad = 0, chars = 0;
	int v;

	*out_r = NULL;
	if ((out = malloc(len / 4 * 3 + 3)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_wsp(c))
			continue;
		if (c == '=') {
			pad++;
			chars++;
			continue;
		}
		if (pad > 0 || (v = b64val(c)) < 0)
			goto bad;
		chars++;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1UL << bits) - 1;
		}
	}
	if (chars % 4 != 0 || pad > 2 || acc != 0)
		goto bad;
	*out_r = out;
	return (long)n;
bad:
	free(out);
	return -1;
}
