/*
 * dns_fixture: a resolver over records held in memory.  Every answer is
 * built from scratch with malloc'd fields so dns_answer_free() frees it
 * like a real backend's.  Invariant: stored names are lower case without
 * a final dot, so lookups are plain strcmp().
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns_fixture.h"

struct fx_rec {
	char *name;
	struct dns_rr rr;
};

struct fx_flag {
	char *name;
	uint16_t type; /* 0 = any */
	int value;     /* enum dns_status or enum dns_sec */
};

struct fixture {
	struct fx_rec *recs;
	size_t nrecs, caprecs;
	struct fx_flag *status;
	size_t nstatus;
	struct fx_flag *sec;
	size_t nsec;
};

static void
fx_rr_clear(struct dns_rr *rr)
{
	free(rr->rdata);
	free(rr->name);
	free(rr->txt);
	memset(rr, 0, sizeof(*rr));
}

static void
fx_free(struct dns_resolver *r)
{
	struct fixture *fx = r->ctx;
	size_t i;

	if (fx != NULL) {
		for (i = 0; i < fx->nrecs; i++) {
			free(fx->recs[i].name);
			fx_rr_clear(&fx->recs[i].rr);
		}
		free(fx->recs);
		for (i = 0; i < fx->nstatus; i++)
			free(fx->status[i].name);
		free(fx->status);
		for (i = 0; i < fx->nsec; i++)
			free(fx->sec[i].name);
		free(fx->sec);
		free(fx);
	}
	free(r);
}

static int
fx_rr_copy(struct dns_rr *d, const struct dns_rr *s)
{
	memset(d, 0, sizeof(*d));
	d->type = s->type;
	d->ttl = s->ttl;
	d->pref = s->pref;
	d->weight = s->weight;
	d->port = s->port;
	d->rdlen = s->rdlen;
	d->txtlen = s->txtlen;
	if (s->rdata != NULL) {
		if ((d->rdata = malloc(s->rdlen ? s->rdlen : 1)) == NULL)
			goto fail;
		memcpy(d->rdata, s->rdata, s->rdlen);
	}
	if (s->name != NULL && (d->name = strdup(s->name)) == NULL)
		goto fail;
	if (s->txt != NULL) {
		if ((d->txt = malloc(s->txtlen + 1)) == NULL)
			goto fail;
		memcpy(d->txt, s->txt, s->txtlen);
		d->txt[s->txtlen] = '\0';
	}
	return 0;
fail:
	fx_rr_clear(d);
	return -1;
}

/* Takes ownership of RR's fields, also on failure. */
static int
fx_push(struct dns_resolver *r, const char *name, struct dns_rr *rr,
    struct errbuf *eb)
{
	struct fixture *fx = r->ctx;
	struct fx_rec *v;
	char *n;

	if ((n = dns_name_canon(name)) == NULL)
		goto nomem;
	if (fx->nrecs == fx->caprecs) {
		size_t nc = fx->caprecs ? fx->caprecs * 2 : 16;

		if ((v = reallocarray(fx->recs, nc, sizeof(*v))) == NULL) {
			free(n);
			goto nomem;
		}
		fx->recs = v;
		fx->caprecs = nc;
	}
	if (rr->ttl == 0)
		rr->ttl = 300;
	fx->recs[fx->nrecs].name = n;
	fx->recs[fx->nrecs].rr = *rr;
	fx->nrecs++;
	return 0;
nomem:
	fx_rr_clear(rr);
	errbuf_set(eb, "%s: out of memory", name);
	return -1;
}

int
dns_fixture_add_raw(struct dns_resolver *r, const char *name, uint16_t type,
    const void *rdata, size_t len, struct errbuf *eb)
{
	struct dns_rr rr;

	memset(&rr, 0, sizeof(rr));
	rr.type = type;
	if ((rr.rdata = malloc(len ? len : 1)) == NULL) {
		errbuf_set(eb, "%s: out of memory", name);
		return -1;
	}
	if (len > 0)
		memcpy(rr.rdata, rdata, len);
	rr.rdlen = len;
	return fx_push(r, name, &rr, eb);
}

static int
fx_add_name(struct dns_resolver *r, const char *name, uint16_t type,
    uint16_t pref, const char *target, struct errbuf *eb)
{
	struct dns_rr rr;

	memset(&rr, 0, sizeof(rr));
	rr.type = type;
	rr.pref = pref;
	/* "." is the root: the null MX target (RFC 7505) becomes "". */
	if ((rr.name = dns_name_canon(target)) == NULL) {
		errbuf_set(eb, "%s: out of memory", name);
		return -1;
	}
	return fx_push(r, name, &rr, eb);
}

int
dns_fixture_add_mx(struct dns_resolver *r, const char *name, uint16_t pref,
    const char *target, struct errbuf *eb)
{
	return fx_add_name(r, name, DNS_T_MX, pref, target, eb);
}

int
dns_fixture_add_txt(struct dns_resolver *r, const char *name, uint16_t type,
    const char *const *strs, const size_t *lens, size_t n, struct errbuf *eb)
{
	struct buf txt = BUF_INIT, wire = BUF_INIT;
	struct dns_rr rr;
	size_t i, l, off;

	memset(&rr, 0, sizeof(rr));
	rr.type = type;
	for (i = 0; i < n; i++) {
		l = lens != NULL ? lens[i] : strlen(strs[i]);
		if (buf_append(&txt, strs[i], l) == -1)
			goto nomem;
		/* Wire form: strings of at most 255 octets, each length-prefixed. */
		off = 0;
		do {
			size_t chunk = l - off > 255 ? 255 : l - off;
			unsigned char c = (unsigned char)chunk;

			if (buf_append(&wire, &c, 1) == -1 ||
			    buf_append(&wire, strs[i] + off, chunk) == -1)
				goto nomem;
			off += chunk;
		} while (off < l);
	}
	if (buf_putc(&txt, '\0') == -1)
		goto nomem;
	rr.txt = txt.data;
	rr.txtlen = txt.len - 1;
	rr.rdata = (unsigned char *)wire.data;
	rr.rdlen = wire.len;
	if (rr.rdata == NULL && (rr.rdata = calloc(1, 1)) == NULL) {
		free(rr.txt);
		errbuf_set(eb, "%s: out of memory", name);
		return -1;
	}
	return fx_push(r, name, &rr, eb);
nomem:
	buf_free(&txt);
	buf_free(&wire);
	errbuf_set(eb, "%s: out of memory", name);
	return -1;
}

static int
fx_hex(const char *s, unsigned char **out_r, size_t *len_r)
{
	size_t n = 0, i;
	unsigned char *p;
	int hi = -1, v;

	if ((p = malloc(strlen(s) / 2 + 1)) == NULL)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (isspace((unsigned char)s[i]))
			continue;
		if (!isxdigit((unsigned char)s[i])) {
			free(p);
			errno = EINVAL;
			return -1;
		}
		v = isdigit((unsigned char)s[i]) ? s[i] - '0' :
		    tolower((unsigned char)s[i]) - 'a' + 10;
		if (hi < 0)
			hi = v;
		else {
			p[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		free(p);
		errno = EINVAL;
		return -1;
	}
	*out_r = p;
	*len_r = n;
	return 0;
}

int
dns_fixture_add(struct dns_resolver *r, const char *name, uint16_t type,
    const char *value, struct errbuf *eb)
{
	unsigned char addr[16], *raw = NULL;
	unsigned long pref, u, s, m;
	size_t rawlen;
	char *end;
	int rv;

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (inet_pton(type == DNS_T_A ? AF_INET : AF_INET6, value,
		    addr) != 1) {
			errbuf_set(eb, "%s: bad address '%s'", name, value);
			return -1;
		}
		return dns_fixture_add_raw(r, name, type, addr,
		    type == DNS_T_A ? 4 : 16, eb);
	case DNS_T_MX:
		errno = 0;
		pref = strtoul(value, &end, 10);
		if (end == value || errno != 0 || pref > 65535 || *end != ' ') {
			errbuf_set(eb, "%s: bad MX '%s'", name, value);
			return -1;
		}
		while (*end == ' ')
			end++;
		return dns_fixture_add_mx(r, name, (uint16_t)pref, end, eb);
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		return fx_add_name(r, name, type, 0, value, eb);
	case DNS_T_TXT:
	case DNS_T_SPF:
		return dns_fixture_add_txt(r, name, type, &value, NULL, 1, eb);
	case DNS_T_TLSA:
		errno = 0;
		u = strtoul(value, &end, 10);
		s = strtoul(end, &end, 10);
		m = strtoul(end, &end, 10);
		if (errno != 0 || u > 255 || s > 255 || m > 255 ||
		    fx_hex(end, &raw, &rawlen) == -1) {
			errbuf_set(eb, "%s: bad TLSA '%s'", name, value);
			return -1;
		}
		{
			unsigned char *p = malloc(rawlen + 3);

			if (p == NULL) {
				free(raw);
				errbuf_set(eb, "%s: out of memory", name);
				return -1;
			}
			p[0] = (unsigned char)u;
			p[1] = (unsigned char)s;
			p[2] = (unsigned char)m;
			memcpy(p + 3, raw, rawlen);
			rv = dns_fixture_add_raw(r, name, type, p, rawlen + 3, eb);
			free(p);
			free(raw);
			return rv;
		}
	default:
		if (fx_hex(value, &raw, &rawlen) == -1) {
			errbuf_set(eb, "%s: bad hex RDATA for type %u", name,
			    type);
			return -1;
		}
		rv = dns_fixture_add_raw(r, name, type, raw, rawlen, eb);
		free(raw);
		return rv;
	}
}

static int
fx_flag_set(struct fx_flag **vp, size_t *np, const char *name,
    uint16_t type, int value)
{
	struct fx_flag *v;
	char *n;
	size_t i;

	if ((n = dns_name_canon(name)) == NULL)
		return -1;
	for (i = 0; i < *np; i++)
		if ((*vp)[i].type == type && strcmp((*vp)[i].name, n) == 0) {
			(*vp)[i].value = value;
			free(n);
			return 0;
		}
	if ((v = reallocarray(*vp, *np + 1, sizeof(*v))) == NULL) {
		free(n);
		return -1;
	}
	*vp = v;
	v[*np].name = n;
	v[*np].type = type;
	v[*np].value = value;
	(*np)++;
	return 0;
}

int
dns_fixture_set_status(struct dns_resolver *r, const char *name,
    uint16_t type, enum dns_status st)
{
	struct fixture *fx = r->ctx;

	return fx_flag_set(&fx->status, &fx->nstatus, name, type, (int)st);
}

int
dns_fixture_set_sec(struct dns_resolver *r, const char *name, uint16_t type,
    enum dns_sec sec)
{
	struct fixture *fx = r->ctx;

	return fx_flag_set(&fx->sec, &fx->nsec, name, type, (int)sec);
}

/* Returns the flag's value, or -1 when none is set for NAME/TYPE. */
static int
fx_flag_get(const struct fx_flag *v, size_t n, const char *name,
    uint16_t type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].type == type && strcmp(v[i].name, name) == 0)
			return v[i].value;
	return -1;
}

static int
fx_exists(const struct fixture *fx, const char *name)
{
	size_t i, n = strlen(name), l;

	for (i = 0; i < fx->nrecs; i++) {
		const char *o = fx->recs[i].name;

		if (strcmp(o, name) == 0)
			return 1;
		/* An empty non-terminal exists (RFC 8020). */
		l = strlen(o);
		if (l > n && o[l - n - 1] == '.' && strcmp(o + l - n, name) == 0)
			return 1;
	}
	for (i = 0; i < fx->nstatus; i++)
		if (strcmp(fx->status[i].name, name) == 0)
			return 1;
	return 0;
}

static const struct fx_rec *
fx_cname(const struct fixture *fx, const char *name)
{
	size_t i;

	for (i = 0; i < fx->nrecs; i++)
		if (fx->recs[i].rr.type == DNS_T_CNAME &&
		    strcmp(fx->recs[i].name, name) == 0)
			return &fx->recs[i];
	return NULL;
}

static int
fx_collect(const struct fixture *fx, struct dns_answer *a, const char *name,
    uint16_t type)
{
	struct dns_rr *v;
	size_t i, n = 0;

	for (i = 0; i < fx->nrecs; i++)
		if (fx->recs[i].rr.type == type &&
		    strcmp(fx->recs[i].name, name) == 0)
			n++;
	if (n == 0)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	a->rr = v;
	for (i = 0; i < fx->nrecs; i++) {
		if (fx->recs[i].rr.type != type ||
		    strcmp(fx->recs[i].name, name) != 0)
			continue;
		if (fx_rr_copy(&a->rr[a->nrr], &fx->recs[i].rr) == -1)
			return -1;
		a->nrr++;
	}
	return 1;
}

static int
fx_chain_has(const struct dns_answer *a, const char *first, const char *n)
{
	size_t i;

	if (strcmp(first, n) == 0)
		return 1;
	for (i = 0; i < a->ncnames; i++)
		if (strcmp(a->cnames[i], n) == 0)
			return 1;
	return 0;
}

static int
fx_query(struct dns_resolver *r, const char *name, uint16_t type,
    double deadline, struct dns_answer **ans_r, struct errbuf *eb)
{
	const struct fixture *fx = r->ctx;
	const struct fx_rec *cn;
	struct dns_answer *a;
	char *first = NULL, **v;
	const char *cur;
	int st, rv, sec;

	(void)deadline; /* answers at once */
	*ans_r = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->qname = strdup(name)) == NULL ||
	    (first = dns_name_canon(name)) == NULL)
		goto nomem;
	cur = first;
	for (;;) {
		if ((st = fx_flag_get(fx->status, fx->nstatus, cur, type)) >= 0) {
			a->status = (enum dns_status)st;
			break;
		}
		if ((rv = fx_collect(fx, a, cur, type)) == -1)
			goto nomem;
		if (rv == 1) {
			a->status = DNS_ANSWER;
			break;
		}
		if ((st = fx_flag_get(fx->status, fx->nstatus, cur, 0)) >= 0) {
			a->status = (enum dns_status)st;
			break;
		}
		if (type != DNS_T_CNAME && (cn = fx_cname(fx, cur)) != NULL) {
			if (a->ncnames >= DNS_FIXTURE_MAX_CNAMES ||
			    fx_chain_has(a, first, cn->rr.name)) {
				a->status = DNS_SERVFAIL;
				break;
			}
			v = reallocarray(a->cnames, a->ncnames + 1, sizeof(*v));
			if (v == NULL)
				goto nomem;
			a->cnames = v;
			if ((v[a->ncnames] = strdup(cn->rr.name)) == NULL)
				goto nomem;
			cur = v[a->ncnames++];
			continue;
		}
		a->status = fx_exists(fx, cur) ? DNS_NODATA : DNS_NXDOMAIN;
		break;
	}
	switch (a->status) {
	case DNS_ANSWER:
	case DNS_NODATA:
		a->rcode = 0;
		break;
	case DNS_NXDOMAIN:
		a->rcode = 3;
		break;
	default:
		a->rcode = 2;
		break;
	}
	if (a->ncnames > 0 && (a->canon = strdup(cur)) == NULL)
		goto nomem;
	sec = fx_flag_get(fx->sec, fx->nsec, cur, type);
	if (sec < 0)
		sec = fx_flag_get(fx->sec, fx->nsec, cur, 0);
	a->sec = sec < 0 ? DNS_SEC_INSECURE : (enum dns_sec)sec;
	if (a->status == DNS_BOGUS) {
		a->sec = DNS_SEC_BOGUS;
		if ((a->why_bogus = strdup("fixture: bogus")) == NULL)
			goto nomem;
	}
	if ((a->server = strdup("fixture")) == NULL)
		goto nomem;
	free(first);
	*ans_r = a;
	return 0;
nomem:
	free(first);
	dns_answer_free(&a);
	errbuf_set(eb, "%s: out of memory", name);
	return -1;
}

struct dns_resolver *
dns_fixture_new(void)
{
	static const struct dns_ops ops = {
		.name = "fixture",
		.query = fx_query,
		.free = fx_free,
	};
	struct dns_resolver *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->ctx = calloc(1, sizeof(struct fixture))) == NULL) {
		free(r);
		return NULL;
	}
	r->ops = &ops;
	return r;
}

size_t
dns_fixture_count(const struct dns_resolver *r)
{
	const struct fixture *fx = r->ctx;

	return fx->nrecs;
}

static const struct {
	const char *name;
	uint16_t type;
} fx_types[] = {
	{ "A", DNS_T_A }, { "AAAA", DNS_T_AAAA }, { "MX", DNS_T_MX },
	{ "PTR", DNS_T_PTR }, { "CNAME", DNS_T_CNAME }, { "NS", DNS_T_NS },
	{ "TXT", DNS_T_TXT }, { "SPF", DNS_T_SPF }, { "TLSA", DNS_T_TLSA },
	{ "SOA", DNS_T_SOA }, { "SRV", DNS_T_SRV }, { "DS", DNS_T_DS },
	{ "DNSKEY", DNS_T_DNSKEY },
};

static int
fx_type(const char *s, size_t n, uint16_t *type_r)
{
	unsigned long v;
	size_t i;

	for (i = 0; i < sizeof(fx_types) / sizeof(fx_types[0]); i++)
		if (strlen(fx_types[i].name) == n &&
		    strncasecmp(fx_types[i].name, s, n) == 0) {
			*type_r = fx_types[i].type;
			return 0;
		}
	v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) || v > 65535)
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (n == 0 || v > 65535)
		return -1;
	*type_r = (uint16_t)v;
	return 0;
}

/* Parse the TXT strings of one line into B as (len, bytes) pairs. */
static int
fx_txt_strings(const char *p, const char *end, struct buf *b, size_t *n_r)
{
	struct buf s = BUF_INIT;
	size_t n = 0;
	int rv = -1;

	while (p < end) {
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		buf_reset(&s);
		if (*p != '"') {
			const char *w = p;

			while (p < end && *p != ' ' && *p != '\t')
				p++;
			if (buf_append(&s, w, (size_t)(p - w)) == -1)
				goto out;
		} else {
			for (p++; p < end && *p != '"'; p++) {
				char c = *p;

				if (c == '\\' && p + 1 < end) {
					p++;
					if (p + 2 < end && isdigit((unsigned char)p[0]) &&
					    isdigit((unsigned char)p[1]) &&
					    isdigit((unsigned char)p[2])) {
						int v = (p[0] - '0') * 100 +
						    (p[1] - '0') * 10 + (p[2] - '0');

						if (v > 255)
							goto out;
						c = (char)v;
						p += 2;
					} else
						c = *p;
				}
				if (buf_putc(&s, c) == -1)
					goto out;
			}
			if (p >= end)
				goto out; /* unterminated */
			p++;
		}
		if (buf_append(b, &s.len, sizeof(s.len)) == -1 ||
		    buf_append(b, s.data ? s.data : "", s.len) == -1)
			goto out;
		n++;
	}
	*n_r = n;
	rv = 0;
out:
	buf_free(&s);
	return rv;
}

static int
fx_load_txt(struct dns_resolver *r, const char *name, uint16_t type,
    const char *p, const char *end, struct errbuf *eb)
{
	struct buf b = BUF_INIT;
	const char **strs = NULL;
	size_t *lens = NULL, n = 0, i, off;
	int rv = -1;

	if (fx_txt_strings(p, end, &b, &n) == -1) {
		errbuf_set(eb, "bad TXT strings");
		goto out;
	}
	if (n > 0 && ((strs = calloc(n, sizeof(*strs))) == NULL ||
	    (lens = calloc(n, sizeof(*lens))) == NULL)) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	for (i = 0, off = 0; i < n; i++) {
		memcpy(&lens[i], b.data + off, sizeof(size_t));
		off += sizeof(size_t);
		strs[i] = b.data + off;
		off += lens[i];
	}
	rv = dns_fixture_add_txt(r, name, type, strs, lens, n, eb);
out:
	free(strs);
	free(lens);
	buf_free(&b);
	return rv;
}

static int
fx_load_line(struct dns_resolver *r, const char *p, const char *end,
    struct errbuf *eb)
{
	const char *nm, *ty;
	char *name = NULL, *val = NULL;
	size_t nlen, tlen;
	uint16_t type;
	int rv = -1, st;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	for (nm = p; p < end && *p != ' ' && *p != '\t'; p++)
		;
	nlen = (size_t)(p - nm);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (ty = p; p < end && *p != ' ' && *p != '\t'; p++)
		;
	tlen = (size_t)(p - ty);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if ((name = strndup(nm, nlen)) == NULL) {
		errbuf_set(eb, "out of memory");
		return -1;
	}
	st = -1;
	if (tlen == 7 && strncasecmp(ty, "TIMEOUT", 7) == 0)
		st = DNS_TIMEOUT;
	else if (tlen == 8 && strncasecmp(ty, "SERVFAIL", 8) == 0)
		st = DNS_SERVFAIL;
	else if (tlen == 5 && strncasecmp(ty, "BOGUS", 5) == 0)
		st = DNS_BOGUS;
	if (st >= 0) {
		type = 0;
		if (p < end && fx_type(p, (size_t)(end - p), &type) == -1) {
			errbuf_set(eb, "bad type");
			goto out;
		}
		if (dns_fixture_set_status(r, name, type,
		    (enum dns_status)st) == -1) {
			errbuf_set(eb, "out of memory");
			goto out;
		}
		rv = 0;
		goto out;
	}
	if (fx_type(ty, tlen, &type) == -1) {
		errbuf_set(eb, "unknown type '%.*s'", (int)(tlen > 20 ? 20 : tlen),
		    ty);
		goto out;
	}
	if (type == DNS_T_TXT || type == DNS_T_SPF) {
		rv = fx_load_txt(r, name, type, p, end, eb);
		goto out;
	}
	if ((val = strndup(p, (size_t)(end - p))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	rv = dns_fixture_add(r, name, type, val, eb);
out:
	free(name);
	free(val);
	return rv;
}

int
dns_fixture_load(struct dns_resolver *r, const char *text, size_t len,
    struct errbuf *eb)
{
	const char *p = text, *end = text + len, *nl;
	unsigned line = 0;

	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (fx_load_line(r, p, nl, eb) == -1) {
			errbuf_prefix(eb, "line %u", line);
			return -1;
		}
		p = nl < end ? nl + 1 : end;
	}
	return 0;
}
