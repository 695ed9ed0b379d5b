/*
 * dnsexpect: expected mail-DNS state from YAML.  The file goes through
 * the same schema engine as udmail.yaml (lib/yschema over lib/yamlutil:
 * size, depth and value limits, no anchors or aliases, unknown and
 * duplicate keys are errors), so a typo never silently
 * disables a check; every error names FILE:LINE:COL of the offending node.
 * This file walks the file and its domains; the key tables of each area
 * are in dnsexpect_keys.c, the typed value readers in dnsexpect_value.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dnsexpect_int.h"

static const struct yaml_limits dnsexpect_limits = {
	.max_bytes = DNSEXPECT_MAX_BYTES,
	.max_depth = DNSEXPECT_MAX_DEPTH,
	.max_nodes = DNSEXPECT_MAX_NODES,
	.max_scalar = 4096,
};

static void
domain_free(struct dnsexpect_domain *d)
{
	size_t i;

	free(d->name);
	for (i = 0; i < d->nmx; i++)
		free(d->mx[i].host);
	free(d->mx);
	dns_strv_free(d->spf.terms, d->spf.nterms);
	dns_strv_free(d->spf.must_pass, d->spf.npass);
	dns_strv_free(d->spf.must_fail, d->spf.nfail);
	free(d->spf.sender);
	free(d->spf.helo);
	free(d->dmarc.p);
	free(d->dmarc.sp);
	free(d->dmarc.np);
	free(d->dmarc.effective);
	free(d->dmarc.adkim);
	free(d->dmarc.aspf);
	free(d->dmarc.t);
	free(d->dmarc.psd);
	dns_strv_free(d->dmarc.rua, d->dmarc.nrua);
	dns_strv_free(d->dmarc.ruf, d->dmarc.nruf);
	for (i = 0; i < d->ndkim; i++) {
		free(d->dkim[i].selector);
		free(d->dkim[i].key);
	}
	free(d->dkim);
	for (i = 0; i < d->ntls; i++) {
		free(d->tls[i].host);
		free(d->tls[i].cert);
		free(d->tls[i].key);
		free(d->tls[i].next_cert);
		free(d->tls[i].next_key);
	}
	free(d->tls);
	for (i = 0; i < d->nptr; i++) {
		free(d->ptr[i].ip);
		free(d->ptr[i].name);
	}
	free(d->ptr);
	for (i = 0; i < d->nsrv; i++) {
		free(d->srv[i].service);
		free(d->srv[i].host);
	}
	free(d->srv);
	free(d->mta_sts.mode);
	dns_strv_free(d->mta_sts.mx, d->mta_sts.nmx);
	dns_strv_free(d->tlsrpt.rua, d->tlsrpt.nrua);
	for (i = 0; i < d->nack; i++) {
		free(d->ack[i].id);
		free(d->ack[i].subject);
		free(d->ack[i].reason);
	}
	free(d->ack);
}

void
dnsexpect_free(struct dnsexpect **expp)
{
	struct dnsexpect *e;
	size_t i;

	if (expp == NULL || (e = *expp) == NULL)
		return;
	for (i = 0; i < e->nd; i++)
		domain_free(&e->d[i]);
	free(e->d);
	free(e->path);
	free(e);
	*expp = NULL;
}

struct root_arg {
	struct px *x;
	struct dnsexpect *e;
};

static int
domain_pair(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	struct root_arg *ra = arg;
	struct px *x = ra->x;
	struct dnsexpect *e = ra->e;
	struct dnsexpect_domain *d;
	size_t i, old;
	int r = 0;

	(void)ys;
	(void)row;
	if ((d = reallocarray(e->d, e->nd + 1, sizeof(*d))) == NULL)
		return yschema_nomem(x->ys);
	e->d = d;
	d = &e->d[e->nd++];
	memset(d, 0, sizeof(*d));
	d->dmarc.pct = -1;
	d->line = (int)k->line;
	if (dx_get_name(x, NULL, k, "a domain name", &d->name) == -1)
		return -1;
	/* "Example.org" and "example.org." are one domain */
	for (i = 0; i + 1 < e->nd; i++)
		if (strcmp(e->d[i].name, d->name) == 0)
			return FAIL(x, k, NULL, "domain %s listed twice (first "
			    "at line %d)", d->name, e->d[i].line);
	if (yevent_is_null(v))
		return 0;
	old = dx_sect_push(x, d->name);
	x->d = d;
	r = yschema_map(x->ys, x->sect, "domain settings", v, dx_domain_keys,
	    sizeof(*dx_domain_keys), dx_dkey_fn, x);
	x->d = NULL;
	dx_sect_pop(x, old);
	return r;
}

static int
root_pair(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	struct root_arg *ra = arg;
	struct px *x = ra->x;
	size_t old;
	int ver, r;

	(void)ys;
	(void)row;
	if (k->len == 7 && strcmp(k->str, "version") == 0)
		return dx_get_int(x, "version", v, 1, 1, &ver);
	/* the table allows only "version" and "domains" */
	if (yevent_is_null(v))
		return 0;
	old = dx_sect_push(x, "domains");
	r = yschema_map(x->ys, x->sect, "domains", v, NULL, 0, domain_pair, ra);
	dx_sect_pop(x, old);
	return r;
}

static const struct dkey root_keys[] = {
	{ "version", NULL },
	{ "domains", NULL },
	{ NULL, NULL },
};

static int
read_root(struct yschema *ys, void *arg, const struct yevent *root)
{
	struct root_arg *ra = arg;

	ra->x->ys = ys;
	if (yevent_is_null(root))
		return 0;
	return yschema_map(ys, ra->x->sect, "version and domains", root,
	    root_keys, sizeof(*root_keys), root_pair, ra);
}

int
dnsexpect_parse(const char *text, size_t len, const char *name,
    const char *basedir, struct dnsexpect **exp_r, struct errbuf *eb)
{
	struct dnsexpect *e;
	struct root_arg ra;
	struct px x;

	*exp_r = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->path = strdup(name)) == NULL) {
		free(e);
		errbuf_set(eb, "%s: out of memory", name);
		eb->errnum = ENOMEM;
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.basedir = basedir;
	ra.x = &x;
	ra.e = e;
	if (yschema_parse(name, text, len, &dnsexpect_limits, read_root, &ra,
	    eb) == -1) {
		dnsexpect_free(&e);
		return -1;
	}
	*exp_r = e;
	return 0;
}

int
dnsexpect_load(const char *path, struct dnsexpect **exp_r, struct errbuf *eb)
{
	char *data, *dir, *slash;
	size_t len;
	int rv;

	*exp_r = NULL;
	if (yaml_read_file(path, DNSEXPECT_MAX_BYTES, &data, &len, eb) == -1)
		return -1;
	if ((dir = strdup(path)) == NULL) {
		errbuf_syserr(eb, "%s", path);
		free(data);
		return -1;
	}
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
	rv = dnsexpect_parse(data, len, path, slash == dir ? "/" : dir, exp_r,
	    eb);
	free(dir);
	free(data);
	return rv;
}

const char *
dnsexpect_dnssec_name(enum dnsexpect_dnssec d)
{
	switch (d) {
	case DNSEXPECT_DNSSEC_SECURE:
		return "secure";
	case DNSEXPECT_DNSSEC_INSECURE:
		return "insecure";
	case DNSEXPECT_DNSSEC_ANY:
		return "any";
	default:
		return "unset";
	}
}

const struct dnsexpect_domain *
dnsexpect_find(const struct dnsexpect *exp, const char *domain)
{
	size_t i, n = strlen(domain);

	if (exp == NULL)
		return NULL;
	if (n > 0 && domain[n - 1] == '.')
		n--;
	for (i = 0; i < exp->nd; i++)
		if (strlen(exp->d[i].name) == n &&
		    strncasecmp(exp->d[i].name, domain, n) == 0)
			return &exp->d[i];
	return NULL;
}
