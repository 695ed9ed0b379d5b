/*
 * dnscheck_spf: the SPF area of maildnscheck, over lib/spf (RFC 7208):
 * lint (selection, syntax, +all, lookup and void limits), term drift
 * against the expected terms, and check_host() for every must_pass and
 * must_fail IP.  lib/spf produces findings of its own; they are carried
 * over with their ids prefixed "spf." when not already.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnscheck_int.h"

#include "spf.h"

static enum dnscheck_status
sev_status(enum spf_severity s)
{
	switch (s) {
	case SPF_SEV_OK:
	case SPF_SEV_INFO:
		return DNSCHECK_OK;
	case SPF_SEV_WARNING:
		return DNSCHECK_WARNING;
	case SPF_SEV_CRITICAL:
		return DNSCHECK_CRITICAL;
	case SPF_SEV_UNKNOWN:
		return DNSCHECK_UNKNOWN;
	}
	return DNSCHECK_UNKNOWN;
}

/* "spf-plus-all" -> "spf.plus_all" */
static void
spf_id(char *dst, size_t size, const char *id)
{
	size_t i, o = 0;

	if (strncmp(id, "spf-", 4) == 0 || strncmp(id, "spf.", 4) == 0)
		id += 4;
	o = (size_t)snprintf(dst, size, "spf.");
	for (i = 0; id[i] != '\0' && o + 1 < size; i++)
		dst[o++] = id[i] == '-' ? '_' : id[i];
	dst[o] = '\0';
}

static void
carry(struct dnscheck_run *run, struct spf_findings *fs)
{
	char id[80];
	size_t i;

	for (i = 0; i < fs->n; i++) {
		spf_id(id, sizeof(id), fs->v[i].id);
		dc_add(run, sev_status(fs->v[i].sev), "spf", id,
		    fs->v[i].rfc && *fs->v[i].rfc ? fs->v[i].rfc : NULL, NULL,
		    NULL, NULL, NULL, "%s", fs->v[i].msg);
	}
}

/* The record check_host() will use, for drift. */
static struct spf_record *
spf_fetch(struct dnscheck_run *run, struct dns_answer **a_r)
{
	struct spf_record *rec = NULL;
	struct errbuf eb;
	size_t i, n = 0, idx = 0;

	if (dc_query(run, "spf", run->domain, DNS_T_TXT, a_r) == -1)
		return NULL;
	if ((*a_r)->status != DNS_ANSWER)
		return NULL;
	for (i = 0; i < (*a_r)->nrr; i++)
		if (spf_is_record((*a_r)->rr[i].txt, (*a_r)->rr[i].txtlen) &&
		    n++ == 0)
			idx = i;
	if (n != 1)
		return NULL;
	if (spf_parse((*a_r)->rr[idx].txt, (*a_r)->rr[idx].txtlen, &rec, NULL,
	    &eb) == -1)
		return NULL;
	return rec;
}

static void
spf_ip(struct dnscheck_run *run, const char *ip, int want_pass)
{
	const struct dnsexpect_spf *e = &run->exp->spf;
	struct spf_request req;
	struct spf_eval *ev = NULL;
	struct errbuf eb;
	char sender[300];
	enum dnscheck_status st;
	size_t i;
	int bogus = 0;

	memset(&req, 0, sizeof(req));
	if (e->sender != NULL)
		(void)snprintf(sender, sizeof(sender), "%s", e->sender);
	else
		(void)snprintf(sender, sizeof(sender), "postmaster@%s",
		    run->domain);
	req.ip = ip;
	req.sender = sender;
	req.helo = e->helo != NULL ? e->helo : run->domain;
	req.domain = run->domain;
	if (spf_check_host(run->r, &req, &ev, &eb) == -1) {
		dc_add(run, DNSCHECK_UNKNOWN, "spf", "spf.check_host", NULL, ip,
		    NULL, NULL, NULL, "check_host(%s): %s", ip, eb.msg);
		return;
	}
	for (i = 0; i < ev->ntrace; i++) {
		if (ev->trace[i].err == SPF_ERR_BOGUS)
			bogus = 1;
		if (ev->trace[i].err == SPF_ERR_PTR_LIMIT)
			dc_add(run, DNSCHECK_WARNING, "spf", "spf.ptr_limit",
			    "RFC 7208 §4.6.4", ip, NULL, NULL, NULL,
			    "%s %s: %s", ev->trace[i].domain,
			    ev->trace[i].term ? ev->trace[i].term : "",
			    ev->trace[i].detail);
	}
	/* A bogus answer is an outage for validating receivers, not a
	   passing doubt. */
	if (ev->result == SPF_TEMPERROR)
		st = bogus ? DNSCHECK_CRITICAL : DNSCHECK_UNKNOWN;
	else if ((ev->result == SPF_PASS) == want_pass &&
	    (want_pass || ev->result == SPF_FAIL))
		st = DNSCHECK_OK;
	else
		st = DNSCHECK_CRITICAL;
	dc_add(run, st, "spf", want_pass ? "spf.ip.must_pass" : "spf.ip.must_fail",
	    "RFC 7208 §4", ip, NULL, want_pass ? "pass" : "fail",
	    spf_result_name(ev->result), "%s: check_host() = %s%s%s%s%s%s",
	    ip, spf_result_name(ev->result),
	    ev->matched_term ? " (matched " : "",
	    ev->matched_term ? ev->matched_term : "",
	    ev->matched_term ? ")" : "", ev->error ? ": " : "",
	    ev->error ? ev->error : "");
	dc_metric(run, "spf_ip_pass", "ip", ip, NULL, NULL,
	    ev->result == SPF_PASS);
	spf_eval_free(&ev);
}

void
dnscheck_spf(struct dnscheck_run *run)
{
	const struct dnsexpect_spf *e = run->exp ? &run->exp->spf : NULL;
	struct spf_lint_opts lo;
	struct spf_findings fs;
	struct spf_record *rec;
	struct dns_answer *a = NULL;
	struct errbuf eb;
	unsigned lookups = 0, voids = 0;
	size_t i;

	memset(&lo, 0, sizeof(lo));
	memset(&fs, 0, sizeof(fs));
	lo.warn_lookups = run->o->spf_warn_lookups;
	if (spf_lint(run->r, run->domain, &lo, &fs, &lookups, &voids, &eb) ==
	    -1) {
		dc_add(run, DNSCHECK_UNKNOWN, "spf", "spf.internal", NULL, NULL,
		    NULL, NULL, NULL, "%s", eb.msg);
		spf_findings_free(&fs);
		return;
	}
	carry(run, &fs);
	spf_findings_free(&fs);
	dc_metric(run, "spf_lookups", NULL, NULL, NULL, NULL, lookups);
	dc_metric(run, "spf_void", NULL, NULL, NULL, NULL, voids);
	if (e == NULL || !e->set)
		return;
	if (e->terms_set) {
		rec = spf_fetch(run, &a);
		if (rec != NULL) {
			memset(&fs, 0, sizeof(fs));
			if (spf_drift(rec, run->domain,
			    (const char *const *)e->terms, e->nterms, &fs,
			    &eb) == -1)
				dc_add(run, DNSCHECK_UNKNOWN, "spf",
				    "spf.expected.invalid", NULL, NULL, NULL,
				    NULL, NULL, "expected terms: %s", eb.msg);
			else if (fs.n == 0)
				dc_add(run, DNSCHECK_OK, "spf", "spf.terms",
				    "RFC 7208 §4.6.1", NULL, a, NULL, rec->text,
				    "SPF terms as expected");
			carry(run, &fs);
			spf_findings_free(&fs);
			spf_record_free(&rec);
		}
		dns_answer_free(&a);
	}
	for (i = 0; i < e->npass; i++)
		spf_ip(run, e->must_pass[i], 1);
	for (i = 0; i < e->nfail; i++)
		spf_ip(run, e->must_fail[i], 0);
}
