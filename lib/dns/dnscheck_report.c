/*
 * dnscheck_report: the four renderings of check results.  Text for
 * people, JSON with the stable finding ids, the Nagios/Icinga plugin
 * form (status line with perfdata, then one line per finding), and the
 * Prometheus textfile format.  Numbers are printed in the C locale.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnscheck.h"


static const char *
qtype_name(uint16_t t)
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
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_SRV:
		return "SRV";
	case DNS_T_TLSA:
		return "TLSA";
	case DNS_T_CNAME:
		return "CNAME";
	case DNS_T_DNSKEY:
		return "DNSKEY";
	default:
		return "?";
	}
}

/* ---- text ---- */

static int
text_finding(struct buf *out, const struct dnscheck_finding *f)
{
	if (buf_printf(out, "  %-8s %s%s%s%s\n      %s\n",
	    f->acked ? "ACKED" : dnscheck_status_name(f->status), f->id,
	    f->subject ? " [" : "",
	    f->subject ? f->subject : "", f->subject ? "]" : "",
	    f->message) == -1)
		return -1;
	if (f->expected != NULL || f->actual != NULL)
		if (buf_printf(out, "      expected: %s\n      actual:   %s\n",
		    f->expected ? f->expected : "-",
		    f->actual ? f->actual : "-") == -1)
			return -1;
	if (f->rfc != NULL)
		if (buf_printf(out, "      see: %s\n", f->rfc) == -1)
			return -1;
	if (f->ev.set) {
		if (buf_printf(out, "      dns: %s %s %s, %s", f->ev.qname,
		    qtype_name(f->ev.qtype), dns_status_name(f->ev.dstatus),
		    dns_sec_name(f->ev.sec)) == -1)
			return -1;
		if (f->ev.cname_chain != NULL)
			if (buf_printf(out, ", via %s",
			    f->ev.cname_chain) == -1)
				return -1;
		if (f->ev.server != NULL)
			if (buf_printf(out, ", server %s", f->ev.server) == -1)
				return -1;
		if (buf_puts(out, "\n") == -1)
			return -1;
	}
	return 0;
}

int
dnscheck_report_text(struct buf *out, struct dnscheck_result *const *res,
    size_t n, const struct dnscheck_report_info *info)
{
	size_t i, k, nok;

	for (i = 0; i < n; i++) {
		const struct dnscheck_result *r = res[i];

		nok = dnscheck_count(r, DNSCHECK_OK);
		if (buf_printf(out, "%s: %s (%zu critical, %zu unknown, %zu "
		    "warning, %zu ok) %.3f s, %u queries%s\n", r->domain,
		    dnscheck_status_name(r->status),
		    dnscheck_count(r, DNSCHECK_CRITICAL),
		    dnscheck_count(r, DNSCHECK_UNKNOWN),
		    dnscheck_count(r, DNSCHECK_WARNING), nok, r->duration,
		    r->queries,
		    r->validating ? "" : ", DNSSEC not validated") == -1)
			return -1;
		for (k = 0; k < r->nf; k++)
			if (r->f[k].status != DNSCHECK_OK || r->f[k].acked ||
			    info->verbose)
				if (text_finding(out, &r->f[k]) == -1)
					return -1;
		if (nok > 0 && !info->verbose && buf_printf(out,
		    "  (%zu checks OK; -v lists them)\n", nok) == -1)
			return -1;
	}
	return 0;
}

/* ---- JSON ---- */

static int
json_finding(struct buf *out, const struct dnscheck_finding *f)
{
	if (buf_puts(out, "{\"id\":") == -1)
		return -1;
	if (buf_put_json(out, f->id) == -1)
		return -1;
	if (buf_puts(out, ",\"area\":") == -1)
		return -1;
	if (buf_put_json(out, f->area) == -1)
		return -1;
	if (buf_printf(out, ",\"status\":\"%s\",\"subject\":",
	    dnscheck_status_name(f->status)) == -1)
		return -1;
	if (buf_put_json(out, f->subject) == -1)
		return -1;
	if (buf_puts(out, ",\"message\":") == -1)
		return -1;
	if (buf_put_json(out, f->message) == -1)
		return -1;
	if (buf_puts(out, ",\"rfc\":") == -1)
		return -1;
	if (buf_put_json(out, f->rfc) == -1)
		return -1;
	if (buf_puts(out, ",\"expected\":") == -1)
		return -1;
	if (buf_put_json(out, f->expected) == -1)
		return -1;
	if (buf_puts(out, ",\"actual\":") == -1)
		return -1;
	if (buf_put_json(out, f->actual) == -1)
		return -1;
	if (buf_puts(out, ",\"acknowledged\":") == -1)
		return -1;
	if (!f->acked) {
		if (buf_puts(out, "null") == -1)
			return -1;
	} else {
		if (buf_printf(out, "{\"status\":\"%s\",\"until\":",
		    dnscheck_status_name(f->acked_status)) == -1)
			return -1;
		if (buf_put_json(out, f->ack_until) == -1)
			return -1;
		if (buf_puts(out, ",\"reason\":") == -1)
			return -1;
		if (buf_put_json(out, f->ack_reason) == -1)
			return -1;
		if (buf_putc(out, '}') == -1)
			return -1;
	}
	if (buf_puts(out, ",\"evidence\":") == -1)
		return -1;
	if (!f->ev.set) {
		if (buf_puts(out, "null") == -1)
			return -1;
	} else {
		if (buf_puts(out, "{\"qname\":") == -1)
			return -1;
		if (buf_put_json(out, f->ev.qname) == -1)
			return -1;
		if (buf_printf(out, ",\"qtype\":\"%s\",\"rcode\":%d,"
		    "\"status\":\"%s\",\"dnssec\":\"%s\",\"ttl\":%u,"
		    "\"cname_chain\":", qtype_name(f->ev.qtype), f->ev.rcode,
		    dns_status_name(f->ev.dstatus), dns_sec_name(f->ev.sec),
		    f->ev.ttl) == -1)
			return -1;
		if (buf_put_json(out, f->ev.cname_chain) == -1)
			return -1;
		if (buf_puts(out, ",\"server\":") == -1)
			return -1;
		if (buf_put_json(out, f->ev.server) == -1)
			return -1;
		if (buf_puts(out, ",\"why_bogus\":") == -1)
			return -1;
		if (buf_put_json(out, f->ev.why_bogus) == -1)
			return -1;
		if (buf_putc(out, '}') == -1)
			return -1;
	}
	return buf_putc(out, '}');
}

static int
json_metric(struct buf *out, const struct dnscheck_metric *m)
{
	if (buf_puts(out, "{\"name\":") == -1)
		return -1;
	if (buf_put_json(out, m->name) == -1)
		return -1;
	if (buf_puts(out, ",\"labels\":{") == -1)
		return -1;
	if (m->k1 != NULL) {
		if (buf_put_json(out, m->k1) == -1)
			return -1;
		if (buf_putc(out, ':') == -1)
			return -1;
		if (buf_put_json(out, m->v1) == -1)
			return -1;
	}
	if (m->k2 != NULL) {
		if (buf_putc(out, ',') == -1)
			return -1;
		if (buf_put_json(out, m->k2) == -1)
			return -1;
		if (buf_putc(out, ':') == -1)
			return -1;
		if (buf_put_json(out, m->v2) == -1)
			return -1;
	}
	return buf_printf(out, "},\"value\":%g}", m->value);
}

static int
json_domain(struct buf *out, const struct dnscheck_result *r,
    const struct dnscheck_report_info *info)
{
	char when[64];
	struct tm tm;
	size_t i;

	gmtime_r(&r->started, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (buf_puts(out, "{\"schema\":1,\"tool\":") == -1)
		return -1;
	if (buf_put_json(out, info->tool) == -1)
		return -1;
	if (buf_puts(out, ",\"version\":") == -1)
		return -1;
	if (buf_put_json(out, info->version) == -1)
		return -1;
	if (buf_puts(out, ",\"domain\":") == -1)
		return -1;
	if (buf_put_json(out, r->domain) == -1)
		return -1;
	if (buf_printf(out, ",\"started_at\":\"%s\",\"duration_ms\":%.0f,"
	    "\"status\":\"%s\",\"exit_code\":%d,\"dns_queries\":%u,"
	    "\"resolver\":{\"servers\":[", when, r->duration * 1000,
	    dnscheck_status_name(r->status), (int)r->status, r->queries) == -1)
		return -1;
	for (i = 0; i < info->nservers; i++) {
		if (i > 0)
			if (buf_putc(out, ',') == -1)
				return -1;
		if (buf_put_json(out, info->servers[i]) == -1)
			return -1;
	}
	if (buf_printf(out, "],\"validating\":%s,\"trust\":",
	    r->validating ? "true" : "false") == -1)
		return -1;
	if (buf_put_json(out, info->trust) == -1)
		return -1;
	if (buf_printf(out, "},\"summary\":{\"critical\":%zu,\"unknown\":%zu,"
	    "\"warning\":%zu,\"ok\":%zu},\"findings\":[",
	    dnscheck_count(r, DNSCHECK_CRITICAL),
	    dnscheck_count(r, DNSCHECK_UNKNOWN),
	    dnscheck_count(r, DNSCHECK_WARNING),
	    dnscheck_count(r, DNSCHECK_OK)) == -1)
		return -1;
	for (i = 0; i < r->nf; i++) {
		if (i > 0)
			if (buf_putc(out, ',') == -1)
				return -1;
		if (json_finding(out, &r->f[i]) == -1)
			return -1;
	}
	if (buf_puts(out, "],\"metrics\":[") == -1)
		return -1;
	for (i = 0; i < r->nm; i++) {
		if (i > 0)
			if (buf_putc(out, ',') == -1)
				return -1;
		if (json_metric(out, &r->m[i]) == -1)
			return -1;
	}
	return buf_puts(out, "]}");
}

int
dnscheck_report_json(struct buf *out, struct dnscheck_result *const *res,
    size_t n, const struct dnscheck_report_info *info)
{
	enum dnscheck_status st = dnscheck_overall(res, n);
	size_t i;

	if (buf_puts(out, "{\"schema\":1,\"tool\":") == -1)
		return -1;
	if (buf_put_json(out, info->tool) == -1)
		return -1;
	if (buf_puts(out, ",\"version\":") == -1)
		return -1;
	if (buf_put_json(out, info->version) == -1)
		return -1;
	if (buf_printf(out, ",\"status\":\"%s\",\"exit_code\":%d,"
	    "\"domains\":[", dnscheck_status_name(st), (int)st) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (i > 0)
			if (buf_puts(out, ",\n") == -1)
				return -1;
		if (json_domain(out, res[i], info) == -1)
			return -1;
	}
	return buf_puts(out, "]}\n");
}

/* ---- Nagios ---- */

static const struct perfspec {
	const char *metric;
	const char *label;
	const char *thresholds; /* ";warn;crit;min;max" */
	const char *uom;
} perfspecs[] = {
	{ "spf_lookups", "spf_lookups", ";8;10;0;", "" },
	{ "spf_void", "spf_void", ";1;2;0;", "" },
	{ "dkim_min_bits", "dkim_min_bits", ";2048:;1024:;0;", "" },
	{ "tlsa_usable", "tlsa_usable", ";;1:;0;", "" },
	{ "mx_usable_hosts", "mx_usable", ";;1:;0;", "" },
	{ "fcrdns_fail", "fcrdns_fail", ";0;;0;", "" },
	{ "dns_queries", "dns_queries", ";;;0;", "" },
};

/* The smallest value of metric NAME over its labels: 1 if there is one. */
static int
min_metric(const struct dnscheck_result *r, const char *name, double *v_r)
{
	size_t i;
	int found = 0;

	for (i = 0; i < r->nm; i++)
		if (strcmp(r->m[i].name, name) == 0 &&
		    (!found || r->m[i].value < *v_r)) {
			*v_r = r->m[i].value;
			found = 1;
		}
	return found;
}

static int
perfdata(struct buf *out, const struct dnscheck_result *r, int prefix)
{
	const struct dnscheck_metric *m;
	char pre[300];
	size_t i;
	double v = 0;

	if (prefix)
		(void)snprintf(pre, sizeof(pre), "%s_", r->domain);
	else
		pre[0] = '\0';
	for (i = 0; i < sizeof(perfspecs) / sizeof(perfspecs[0]); i++) {
		if ((m = dnscheck_metric_find(r, perfspecs[i].metric, NULL)) ==
		    NULL)
			continue;
		if (buf_printf(out, " '%s%s'=%g%s%s", pre, perfspecs[i].label,
		    m->value, perfspecs[i].uom, perfspecs[i].thresholds) == -1)
			return -1;
	}
	if ((m = dnscheck_metric_find(r, "dmarc_policy", "p")) != NULL)
		if (buf_printf(out, " '%sdmarc_policy'=%g;;;0;2", pre,
		    m->value) == -1)
			return -1;
	if (min_metric(r, "tls_cert_days", &v))
		if (buf_printf(out, " '%stls_cert_days'=%g;21:;7:;;", pre,
		    v) == -1)
			return -1;
	return buf_printf(out, " '%stime'=%.3fs;;;0;", pre, r->duration);
}

int
dnscheck_report_nagios(struct buf *out, struct dnscheck_result *const *res,
    size_t n, const struct dnscheck_report_info *info)
{
	enum dnscheck_status st = dnscheck_overall(res, n);
	const struct dnscheck_finding *first = NULL;
	size_t i, k, nc = 0, nw = 0, nu = 0;

	for (i = 0; i < n; i++) {
		nc += dnscheck_count(res[i], DNSCHECK_CRITICAL);
		nw += dnscheck_count(res[i], DNSCHECK_WARNING);
		nu += dnscheck_count(res[i], DNSCHECK_UNKNOWN);
		/* findings are sorted worst first */
		if (res[i]->nf > 0 && res[i]->f[0].status != DNSCHECK_OK &&
		    (first == NULL || dnscheck_status_rank(res[i]->f[0].status)
		    > dnscheck_status_rank(first->status)))
			first = &res[i]->f[0];
	}
	if (buf_printf(out, "MAILDNS %s - ", dnscheck_status_name(st)) == -1)
		return -1;
	if (n == 1) {
		if (buf_printf(out, "%s: ", res[0]->domain) == -1)
			return -1;
	} else {
		if (buf_printf(out, "%zu domains: ", n) == -1)
			return -1;
	}
	if (buf_printf(out, "%zu critical, %zu unknown, %zu warning", nc, nu,
	    nw) == -1)
		return -1;
	if (first != NULL) {
		/* '|' starts perfdata: keep it out of the message */
		if (buf_printf(out, "; %s: ", first->id) == -1)
			return -1;
		for (k = 0; first->message[k] != '\0'; k++)
			if (buf_putc(out, first->message[k] == '|' ? '/' :
			    first->message[k]) == -1)
				return -1;
	}
	if (buf_puts(out, " |") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (perfdata(out, res[i], n > 1) == -1)
			return -1;
	if (buf_puts(out, "\n") == -1)
		return -1;
	for (i = 0; i < n; i++)
		for (k = 0; k < res[i]->nf; k++) {
			const struct dnscheck_finding *f = &res[i]->f[k];

			if (f->status == DNSCHECK_OK && !info->verbose)
				continue;
			if (buf_printf(out, "%s %s %s%s%s: ",
			    dnscheck_status_name(f->status), res[i]->domain,
			    f->id, f->subject ? " " : "",
			    f->subject ? f->subject : "") == -1)
				return -1;
			for (size_t c = 0; f->message[c] != '\0'; c++)
				if (buf_putc(out, f->message[c] == '|' ? '/' :
				    f->message[c]) == -1)
					return -1;
			if (buf_puts(out, "\n") == -1)
				return -1;
		}
	return 0;
}

/* ---- Prometheus ---- */

static int
prom_label(struct buf *out, int first, const char *k, const char *v)
{
	if (buf_printf(out, "%s%s=\"", first ? "{" : ",", k) == -1)
		return -1;
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"') {
			if (buf_printf(out, "\\%c", *v) == -1)
				return -1;
		} else if (*v == '\n') {
			if (buf_puts(out, "\\n") == -1)
				return -1;
		} else {
			if (buf_putc(out, *v) == -1)
				return -1;
		}
	}
	return buf_putc(out, '"');
}

/* NAME{domain="D"[,K1="V1"][,K2="V2"][,K3="V3"]} VALUE */
static int
prom_sample(struct buf *out, const char *name, const char *domain,
    const char *k1, const char *v1, const char *k2, const char *v2,
    const char *k3, const char *v3, double value)
{
	if (buf_printf(out, "maildnscheck_%s", name) == -1)
		return -1;
	if (prom_label(out, 1, "domain", domain) == -1)
		return -1;
	if (k1 != NULL)
		if (prom_label(out, 0, k1, v1 ? v1 : "") == -1)
			return -1;
	if (k2 != NULL)
		if (prom_label(out, 0, k2, v2 ? v2 : "") == -1)
			return -1;
	if (k3 != NULL)
		if (prom_label(out, 0, k3, v3 ? v3 : "") == -1)
			return -1;
	return buf_printf(out, "} %.9g\n", value);
}

static const struct {
	const char *metric, *prom, *help;
} prom_names[] = {
	{ "spf_lookups", "spf_dns_lookups", "SPF terms causing DNS lookups" },
	{ "spf_void", "spf_void_lookups", "SPF void lookups" },
	{ "spf_ip_pass", "spf_ip_pass", "1 if check_host() passes the IP" },
	{ "dmarc_policy", "dmarc_policy",
	    "effective DMARC policy (0 none, 1 quarantine, 2 reject)" },
	{ "dkim_key_bits", "dkim_key_bits", "DKIM key size in bits" },
	{ "dkim_key_match", "dkim_key_match",
	    "1 if the DKIM key equals the private key file's" },
	{ "dkim_min_bits", "dkim_min_rsa_bits", "smallest DKIM RSA key" },
	{ "tlsa_match", "tlsa_match", "1 if a TLSA record matches" },
	{ "tlsa_usable", "tlsa_usable_min",
	    "fewest usable TLSA records of any MX host" },
	{ "dnssec_secure", "dnssec_secure", "1 if the RRset is secure" },
	{ "tls_cert_days", "tls_cert_days_left",
	    "days until the served certificate expires" },
	{ "mx_usable_hosts", "mx_usable_hosts", "MX hosts with an address" },
	{ "fcrdns_ok", "fcrdns_ok", "1 if reverse DNS is forward-confirmed" },
	{ "fcrdns_fail", "fcrdns_fail", "addresses failing FCrDNS" },
	{ "dns_queries", "dns_queries", "DNS queries made" },
};

int
dnscheck_report_prom(struct buf *out, struct dnscheck_result *const *res,
    size_t n, const struct dnscheck_report_info *info, time_t now)
{
	size_t i, k, j, p;

	if (buf_puts(out, "# HELP maildnscheck_up 1 if the run completed\n"
	    "# TYPE maildnscheck_up gauge\nmaildnscheck_up 1\n") == -1)
		return -1;
	if (buf_printf(out, "# HELP maildnscheck_last_run_timestamp_seconds "
	    "end of the run\n# TYPE maildnscheck_last_run_timestamp_seconds "
	    "gauge\nmaildnscheck_last_run_timestamp_seconds %lld\n",
	    (long long)now) == -1)
		return -1;
	if (buf_puts(out, "# HELP maildnscheck_status 0 OK, 1 WARNING, 2 "
	    "CRITICAL, 3 UNKNOWN\n# TYPE maildnscheck_status gauge\n") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (prom_sample(out, "status", res[i]->domain, NULL, NULL,
		    NULL, NULL, NULL, NULL, (double)res[i]->status) == -1)
			return -1;
	if (buf_puts(out, "# HELP maildnscheck_run_duration_seconds time "
	    "spent on the domain\n# TYPE maildnscheck_run_duration_seconds "
	    "gauge\n") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (prom_sample(out, "run_duration_seconds", res[i]->domain,
		    NULL, NULL, NULL, NULL, NULL, NULL, res[i]->duration) == -1)
			return -1;
	if (buf_puts(out, "# HELP maildnscheck_finding_status status of each "
	    "check (worst per id and subject)\n"
	    "# TYPE maildnscheck_finding_status gauge\n") == -1)
		return -1;
	for (i = 0; i < n; i++)
		for (k = 0; k < res[i]->nf; k++) {
			const struct dnscheck_finding *f = &res[i]->f[k];

			/* sorted worst first: keep the first of a pair */
			for (j = 0; j < k; j++)
				if (strcmp(res[i]->f[j].id, f->id) == 0 &&
				    strcmp(res[i]->f[j].subject ?
				    res[i]->f[j].subject : "", f->subject ?
				    f->subject : "") == 0)
					break;
			if (j < k)
				continue;
			if (prom_sample(out, "finding_status", res[i]->domain,
			    "check", f->id, "subject", f->subject, NULL, NULL,
			    (double)f->status) == -1)
				return -1;
		}
	for (p = 0; p < sizeof(prom_names) / sizeof(prom_names[0]); p++) {
		int header = 0;

		for (i = 0; i < n; i++)
			for (k = 0; k < res[i]->nm; k++) {
				const struct dnscheck_metric *m = &res[i]->m[k];

				if (strcmp(m->name, prom_names[p].metric) != 0)
					continue;
				if (!header) {
					if (buf_printf(out, "# HELP "
					    "maildnscheck_%s %s\n# TYPE "
					    "maildnscheck_%s gauge\n",
					    prom_names[p].prom,
					    prom_names[p].help,
					    prom_names[p].prom) == -1)
						return -1;
					header = 1;
				}
				if (prom_sample(out, prom_names[p].prom,
				    res[i]->domain, m->k1, m->v1, m->k2, m->v2,
				    NULL, NULL, m->value) == -1)
					return -1;
			}
	}
	(void)info;
	return 0;
}
