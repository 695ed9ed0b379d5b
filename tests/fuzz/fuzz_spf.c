/*
 * fuzz_spf: the first line of the input is the SPF record published at
 * fuzz.example; the rest is dns_fixture_load() zone text (so includes,
 * redirects, MX, PTR and exp records come from the input too).  Parses,
 * evaluates for an IPv4 and an IPv6 client, lints, normalizes and drifts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_fixture.h"
#include "spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const expected[] = { "ip4:192.0.2.0/24", "mx", "-all" };

static void
evaluate(struct dns_resolver *r, const char *ip)
{
	struct spf_request req;
	struct spf_eval *ev = NULL;
	struct errbuf eb;

	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.sender = "user-name+tag@fuzz.example";
	req.helo = "helo.fuzz.example";
	req.default_exp = "default";
	req.now = 1;
	if (spf_check_host(r, &req, &ev, &eb) == 0)
		spf_eval_free(&ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl;
	struct spf_findings f = { NULL, 0, 0 };
	struct spf_record *rec = NULL;
	struct dns_resolver *r;
	struct errbuf eb;
	size_t rlen, n;
	char **terms;
	const char *rs[1];
	size_t rl[1];

	if (size > 65536 || (r = dns_fixture_new()) == NULL)
		return 0;
	nl = memchr(p, '\n', size);
	rlen = nl != NULL ? (size_t)(nl - p) : size;
	rs[0] = p;
	rl[0] = rlen;
	if (dns_fixture_add_txt(r, "fuzz.example", DNS_T_TXT, rs, rl, 1,
	    &eb) == -1)
		goto out;
	if (nl != NULL)
		(void)!dns_fixture_load(r, nl + 1, size - rlen - 1, &eb);
	evaluate(r, "192.0.2.1");
	evaluate(r, "2001:db8::1");
	evaluate(r, "::ffff:198.51.100.7");
	(void)!spf_lint(r, "fuzz.example", NULL, &f, NULL, NULL, &eb);
	if (spf_parse(p, rlen, &rec, NULL, &eb) == 0) {
		if (spf_normalize(rec, "fuzz.example", &terms, &n, &eb) == 0)
			spf_strings_free(&terms, n);
		(void)!spf_drift(rec, "fuzz.example", expected, 3, &f, &eb);
		spf_record_free(&rec);
	}
	spf_findings_free(&f);
out:
	dns_resolver_free(&r);
	return 0;
}
