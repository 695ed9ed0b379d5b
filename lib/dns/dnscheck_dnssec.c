/*
 * dnscheck_dnssec: the expected DNSSEC state of a domain ("dnssec:
 * secure").  Every answer for a name inside the domain during the run was
 * noted with its validation state; a signed zone that lost its
 * signatures (or its DS) shows up here even when no TLSA depends on it.
 * Answers that left the domain through a CNAME (a DKIM key hosted by a
 * provider) are not the domain's to sign and are not judged.
 */
#include <stdio.h>
#include <string.h>

#include "dnscheck_int.h"

static const char *
type_name(uint16_t t)
{
	switch (t) {
	case DNS_T_A:
		return "A";
	case DNS_T_AAAA:
		return "AAAA";
	case DNS_T_MX:
		return "MX";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_SRV:
		return "SRV";
	case DNS_T_TLSA:
		return "TLSA";
	case DNS_T_PTR:
		return "PTR";
	default:
		return "?";
	}
}

void
dnscheck_dnssec(struct dnscheck_run *run)
{
	const struct dnsexpect_domain *e = run->exp;
	enum dnsexpect_dnssec want = e != NULL ? e->dnssec :
	    DNSEXPECT_DNSSEC_UNSET;
	char subj[300];
	size_t i, secure = 0, insecure = 0;

	if (want == DNSEXPECT_DNSSEC_UNSET || want == DNSEXPECT_DNSSEC_ANY)
		return;
	if (!run->o->validating) {
		dc_add(run, DNSCHECK_UNKNOWN, "dns", "dnssec.unvalidated",
		    "RFC 4035 §4.3", NULL, NULL, dnsexpect_dnssec_name(want),
		    "not validated", "the resolver does not validate DNSSEC "
		    "(no trust anchor): the expected DNSSEC state of %s cannot "
		    "be checked", run->domain);
		return;
	}
	for (i = 0; i < run->nseen; i++) {
		const struct dc_seen *s = &run->seen[i];

		if (s->status != DNS_ANSWER && s->status != DNS_NODATA &&
		    s->status != DNS_NXDOMAIN)
			continue; /* failures and bogus: each area said so */
		if (s->sec == DNS_SEC_SECURE) {
			secure++;
			continue;
		}
		insecure++;
		if (want != DNSEXPECT_DNSSEC_SECURE)
			continue;
		(void)snprintf(subj, sizeof(subj), "%s/%s", s->name,
		    type_name(s->type));
		dc_add(run, DNSCHECK_CRITICAL, "dns", "dnssec.insecure",
		    "RFC 4035 §4.3", subj, NULL, "secure", dns_sec_name(s->sec),
		    "%s %s (%s) is not DNSSEC-secure, expected a signed zone",
		    s->name, type_name(s->type), dns_status_name(s->status));
	}
	if (want == DNSEXPECT_DNSSEC_SECURE && insecure == 0 && secure > 0)
		dc_add(run, DNSCHECK_OK, "dns", "dnssec.secure",
		    "RFC 4035 §4.3", NULL, NULL, "secure", "secure",
		    "all %zu RRsets looked up in %s are DNSSEC-secure", secure,
		    run->domain);
	else if (want == DNSEXPECT_DNSSEC_INSECURE && secure > 0)
		dc_add(run, DNSCHECK_WARNING, "dns", "dnssec.unexpected",
		    "RFC 4035 §4.3", NULL, NULL, "insecure", "secure",
		    "%zu RRsets in %s are DNSSEC-secure, expected an unsigned "
		    "zone", secure, run->domain);
	dc_metric(run, "dnssec_secure", "name", run->domain, NULL, NULL,
	    secure > 0 && insecure == 0);
}
