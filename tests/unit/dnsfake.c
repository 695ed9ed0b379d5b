/*
 * dnsfake: a tiny in-test resolver for the dnscheck unit tests.  Lines
 * "NAME TYPE VALUE": A, AAAA, MX "PREF HOST", TXT text (\NNN escapes;
 * "|" splits nothing: one string), PTR, CNAME, SRV "PRI W PORT HOST",
 * TLSA "U S M HEX".  VALUE "!timeout", "!servfail", "!bogus" sets the
 * answer status for NAME/TYPE, "@secure" its DNSSEC state.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsfake.h"

struct frec {
	char name[256];
	uint16_t type;
	int status; /* -1: records */
	int secure;
	struct dns_rr rr;
};

struct fake {
	struct frec *r;
	size_t n;
};

static uint16_t
type_of(const char *t)
{
	static const struct {
		const char *n;
		uint16_t t;
	} m[] = { { "A", DNS_T_A }, { "AAAA", DNS_T_AAAA }, { "MX", DNS_T_MX },
		{ "TXT", DNS_T_TXT }, { "PTR", DNS_T_PTR },
		{ "CNAME", DNS_T_CNAME }, { "SRV", DNS_T_SRV },
		{ "TLSA", DNS_T_TLSA }, { "DNSKEY", DNS_T_DNSKEY } };
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcasecmp(m[i].n, t) == 0)
			return m[i].t;
	abort();
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void
add_line(struct fake *f, char *line)
{
	char *name = strtok(line, " "), *type = strtok(NULL, " ");
	char *val = strtok(NULL, ""), *p;
	struct frec *r;
	size_t i, n;

	if (name == NULL || type == NULL || name[0] == '#')
		return;
	if (val == NULL)
		val = "";
	f->r = realloc(f->r, (f->n + 1) * sizeof(*f->r));
	r = &f->r[f->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	lower(r->name);
	r->type = type_of(type);
	r->status = -1;
	r->rr.type = r->type;
	r->rr.ttl = 300;
	if (strcmp(val, "!timeout") == 0)
		r->status = DNS_TIMEOUT;
	else if (strcmp(val, "!servfail") == 0)
		r->status = DNS_SERVFAIL;
	else if (strcmp(val, "!bogus") == 0)
		r->status = DNS_BOGUS;
	else if (strcmp(val, "@secure") == 0)
		r->status = -2;
	if (r->status != -1)
		return;
	switch (r->type) {
	case DNS_T_A:
		r->rr.rdata = malloc(4);
		r->rr.rdlen = 4;
		inet_pton(AF_INET, val, r->rr.rdata);
		break;
	case DNS_T_AAAA:
		r->rr.rdata = malloc(16);
		r->rr.rdlen = 16;
		inet_pton(AF_INET6, val, r->rr.rdata);
		break;
	case DNS_T_MX:
		r->rr.pref = (uint16_t)strtoul(val, &p, 10);
		r->rr.name = strdup(strcmp(p + 1, ".") == 0 ? "" : p + 1);
		break;
	case DNS_T_SRV:
		r->rr.pref = (uint16_t)strtoul(val, &p, 10);
		r->rr.weight = (uint16_t)strtoul(p, &p, 10);
		r->rr.port = (uint16_t)strtoul(p, &p, 10);
		r->rr.name = strdup(strcmp(p + 1, ".") == 0 ? "" : p + 1);
		break;
	case DNS_T_PTR:
	case DNS_T_CNAME:
		r->rr.name = strdup(val);
		break;
	case DNS_T_TXT:
		r->rr.txt = malloc(strlen(val) + 1);
		for (i = 0, n = 0; val[i] != '\0'; i++) {
			if (val[i] == '\\' && isdigit((unsigned char)val[i + 1])) {
				r->rr.txt[n++] = (char)strtoul(val + i + 1, &p,
				    10);
				i = (size_t)(p - val) - 1;
			} else
				r->rr.txt[n++] = val[i];
		}
		r->rr.txt[n] = '\0';
		r->rr.txtlen = n;
		break;
	case DNS_T_TLSA: {
		unsigned u, s, m;
		char hex[300];

		hex[0] = '\0';
		sscanf(val, "%u %u %u %299s", &u, &s, &m, hex);
		n = strlen(hex) / 2;
		r->rr.rdata = malloc(3 + n);
		r->rr.rdata[0] = (unsigned char)u;
		r->rr.rdata[1] = (unsigned char)s;
		r->rr.rdata[2] = (unsigned char)m;
		for (i = 0; i < n; i++) {
			unsigned b;

			sscanf(hex + 2 * i, "%2x", &b);
			r->rr.rdata[3 + i] = (unsigned char)b;
		}
		r->rr.rdlen = 3 + n;
		break;
	}
	default:
		break;
	}
}

static char *
xdup(const void *p, size_t n)
{
	char *d = malloc(n + 1);

	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

static int
fake_query(struct dns_resolver *res, const char *qname, uint16_t type,
    double deadline, struct dns_answer **ans_r, struct errbuf *eb)
{
	struct fake *f = res->ctx;
	struct dns_answer *a = calloc(1, sizeof(*a));
	char name[256];
	size_t i, nl, hops = 0;
	int exists = 0, again;

	snprintf(name, sizeof(name), "%s", qname);
	lower(name);
	if ((nl = strlen(name)) > 0 && name[nl - 1] == '.')
		name[nl - 1] = '\0';
	a->qname = strdup(name);
	a->server = strdup("fake");
	do {
		again = 0;
		for (i = 0; i < f->n; i++) {
			struct frec *r = &f->r[i];

			if (strcmp(r->name, name) != 0 || r->type != type)
				continue;
			if (r->status == -2)
				a->sec = DNS_SEC_SECURE;
			else if (r->status >= 0) {
				a->status = r->status;
				if (r->status == DNS_BOGUS) {
					a->sec = DNS_SEC_BOGUS;
					a->why_bogus = strdup("fake bogus");
				}
				*ans_r = a;
				return 0;
			}
		}
		for (i = 0; i < f->n; i++) {
			struct frec *r = &f->r[i];

			if (strcmp(r->name, name) == 0 && r->type == DNS_T_CNAME &&
			    type != DNS_T_CNAME && hops++ < 8) {
				a->cnames = realloc(a->cnames, (a->ncnames + 1) *
				    sizeof(char *));
				a->cnames[a->ncnames++] = strdup(r->rr.name);
				snprintf(name, sizeof(name), "%s", r->rr.name);
				again = 1;
				break;
			}
		}
	} while (again);
	if (a->ncnames > 0)
		a->canon = strdup(name);
	for (i = 0; i < f->n; i++) {
		struct frec *r = &f->r[i];
		struct dns_rr *d;

		nl = strlen(name);
		if (strcmp(r->name, name) == 0 || (strlen(r->name) > nl &&
		    r->name[strlen(r->name) - nl - 1] == '.' &&
		    strcmp(r->name + strlen(r->name) - nl, name) == 0))
			exists = 1;
		if (strcmp(r->name, name) != 0 || r->type != type ||
		    r->status != -1)
			continue;
		a->rr = realloc(a->rr, (a->nrr + 1) * sizeof(*a->rr));
		d = &a->rr[a->nrr++];
		*d = r->rr;
		d->rdata = r->rr.rdata ? (unsigned char *)xdup(r->rr.rdata,
		    r->rr.rdlen) : NULL;
		d->name = r->rr.name ? strdup(r->rr.name) : NULL;
		d->txt = r->rr.txt ? xdup(r->rr.txt, r->rr.txtlen) : NULL;
	}
	a->status = a->nrr > 0 ? DNS_ANSWER : exists ? DNS_NODATA :
	    DNS_NXDOMAIN;
	a->rcode = a->status == DNS_NXDOMAIN ? 3 : 0;
	(void)eb;
	(void)deadline;
	*ans_r = a;
	return 0;
}

static void
fake_free(struct dns_resolver *res)
{
	struct fake *f = res->ctx;
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->r[i].rr.rdata);
		free(f->r[i].rr.name);
		free(f->r[i].rr.txt);
	}
	free(f->r);
	free(f);
	free(res);
}

static const struct dns_ops fake_ops = {
	.name = "fake",
	.query = fake_query,
	.free = fake_free,
};

struct dns_resolver *
dnsfake_new(const char *text)
{
	struct dns_resolver *r = calloc(1, sizeof(*r));
	struct fake *f = calloc(1, sizeof(*f));
	char *copy = strdup(text), *line, *save = NULL;

	r->ops = &fake_ops;
	r->ctx = f;
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		add_line(f, line);
	}
	free(copy);
	return r;
}
