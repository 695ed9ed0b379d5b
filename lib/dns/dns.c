/*
 * dns: backend-neutral helpers around struct dns_ops.  Freeing is done
 * here so every backend builds answers the same way (malloc'd fields).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int
dns_query(struct dns_resolver *r, const char *name, uint16_t type,
    struct dns_answer **ans_r, struct errbuf *eb)
{
	return dns_query_until(r, name, type, 0, ans_r, eb);
}

int
dns_query_until(struct dns_resolver *r, const char *name, uint16_t type,
    double deadline, struct dns_answer **ans_r, struct errbuf *eb)
{
	r->queries++;
	return r->ops->query(r, name, type, deadline, ans_r, eb);
}

void
dns_answer_free(struct dns_answer **ansp)
{
	struct dns_answer *a;
	size_t i;

	if (ansp == NULL || (a = *ansp) == NULL)
		return;
	for (i = 0; i < a->nrr; i++) {
		free(a->rr[i].rdata);
		free(a->rr[i].name);
		free(a->rr[i].txt);
	}
	free(a->rr);
	for (i = 0; i < a->ncnames; i++)
		free(a->cnames[i]);
	free(a->cnames);
	free(a->qname);
	free(a->canon);
	free(a->why_bogus);
	free(a->server);
	free(a);
	*ansp = NULL;
}

void
dns_resolver_free(struct dns_resolver **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	if ((*rp)->ops->free != NULL)
		(*rp)->ops->free(*rp);
	else
		free(*rp);
	*rp = NULL;
}

char *
dns_name_canon(const char *s)
{
	size_t n = strlen(s), i;
	char *d;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[n] = '\0';
	return d;
}

const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_ANSWER:
		return "answer";
	case DNS_NODATA:
		return "nodata";
	case DNS_NXDOMAIN:
		return "nxdomain";
	case DNS_SERVFAIL:
		return "servfail";
	case DNS_TIMEOUT:
		return "timeout";
	case DNS_BOGUS:
		return "bogus";
	}
	return "unknown";
}

const char *
dns_sec_name(enum dns_sec sec)
{
	switch (sec) {
	case DNS_SEC_INSECURE:
		return "insecure";
	case DNS_SEC_SECURE:
		return "secure";
	case DNS_SEC_BOGUS:
		return "bogus";
	}
	return "unknown";
}

void
dns_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}
