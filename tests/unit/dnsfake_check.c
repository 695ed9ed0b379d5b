/*
 * dnsfake_check: run dnscheck_domain over a fixture and an expected-state
 * snippet; shared by the dnscheck unit tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsexpect.h"
#include "dnsfake.h"

struct dnscheck_result *
dnsfake_check(const char *zone, const char *yaml, const char *domain,
    int validating)
{
	struct dnscheck_opts o;

	memset(&o, 0, sizeof(o));
	o.validating = validating;
	o.allow_reserved = 1;
	o.spf_warn_lookups = 9;
	return dnsfake_check_opts(zone, yaml, domain, &o);
}

struct dnscheck_result *
dnsfake_check_opts(const char *zone, const char *yaml, const char *domain,
    const struct dnscheck_opts *o)
{
	struct dns_resolver *r = dnsfake_new(zone);
	struct dnsexpect *exp = NULL;
	struct dnscheck_result *res;
	struct errbuf eb;
	size_t i;

	if (yaml != NULL && dnsexpect_parse(yaml, strlen(yaml), "test.yaml",
	    NULL, &exp, &eb) == -1) {
		fprintf(stderr, "yaml: %s\n", eb.msg);
		abort();
	}
	res = dnscheck_domain(r, o, domain, dnsexpect_find(exp, domain));
	/* every id reported is documented (maildnscheck(1), dnscheck_ids) */
	for (i = 0; res != NULL && i < res->nf; i++)
		if (dnscheck_id_lookup(res->f[i].id) == NULL) {
			fprintf(stderr, "finding id %s is not in "
			    "lib/dnscheck_ids.c\n", res->f[i].id);
			abort();
		}
	dnsexpect_free(&exp);
	dns_resolver_free(&r);
	return res;
}

int
dnsfake_has(const struct dnscheck_result *res, const char *id,
    const char *subject, enum dnscheck_status st)
{
	size_t i;

	for (i = 0; i < res->nf; i++)
		if (strcmp(res->f[i].id, id) == 0 && res->f[i].status == st &&
		    (subject == NULL || (res->f[i].subject != NULL &&
		    strcmp(res->f[i].subject, subject) == 0)))
			return 1;
	return 0;
}
