/*
 * test_dnscheck: behaviour across areas of dnscheck_domain (SPF area
 * findings, DNSSEC bogus everywhere, acknowledgements, the per-domain
 * deadline, expected DNSSEC state), over the dnsfake resolver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "array.h"
#include "dnscheck_int.h"
#include "dnsfake.h"

#define BASE \
	"d.test MX 10 mx.d.test\n" \
	"mx.d.test A 192.0.2.25\n" \
	"_dmarc.d.test TXT v=DMARC1; p=reject\n"

static struct dnscheck_result *
run(const char *more, const char *yaml)
{
	char zone[8192];

	snprintf(zone, sizeof(zone), "%s%s", BASE, more);
	return dnsfake_check(zone, yaml, "d.test", 0);
}

/* Issue 13 (4): lint alone, without must_pass, reports top-level
   permerrors. */
static void
test_dnscheck_spf_top_level_permerrors(void **state)
{
	struct dnscheck_result *r;
	char zone[4096];
	size_t o = 0, i;

	o += (size_t)snprintf(zone + o, sizeof(zone) - o,
	    "d.test TXT v=spf1 mx:big.d.test -all\n");
	for (i = 1; i <= 11; i++)
		o += (size_t)snprintf(zone + o, sizeof(zone) - o,
		    "big.d.test MX %zu m%zu.d.test\n", i, i);
	r = run(zone, NULL);
	assert_true(dnsfake_has(r, "spf.mx_limit", NULL, DNSCHECK_CRITICAL));
	assert_int_equal(r->status, DNSCHECK_CRITICAL);
	dnscheck_result_free(&r);

	r = run("d.test TXT v=spf1 redirect=other.test\n"
	    "other.test A 192.0.2.1\n", NULL);
	assert_true(dnsfake_has(r, "spf.redirect_none", NULL,
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);

	r = run("d.test TXT v=spf1 include:other.test -all\n"
	    "other.test A 192.0.2.1\n", NULL);
	assert_true(dnsfake_has(r, "spf.include_none", NULL,
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
}

/* Issue 13 (5): bogus in SPF is bogus/CRITICAL, in lint and in
   check_host() for an expected IP. */
static void
test_dnscheck_spf_bogus(void **state)
{
	struct dnscheck_result *r;

	r = run("d.test TXT !bogus\n", NULL);
	assert_true(dnsfake_has(r, "spf.dnssec.bogus", NULL,
	    DNSCHECK_CRITICAL));
	assert_null(dnscheck_find(r, "spf.dns", NULL));
	dnscheck_result_free(&r);

	r = run("d.test TXT v=spf1 a:h.d.test ip4:192.0.2.0/24 -all\n"
	    "h.d.test A !bogus\n",
	    "domains:\n  d.test:\n    spf: {must_pass: [192.0.2.7]}\n");
	assert_true(dnsfake_has(r, "spf.dnssec.bogus", NULL,
	    DNSCHECK_CRITICAL));
	assert_true(dnsfake_has(r, "spf.ip.must_pass", "192.0.2.7",
	    DNSCHECK_CRITICAL));
	assert_null(dnscheck_find(r, "spf.dns", NULL));
	dnscheck_result_free(&r);
}

/* Bogus is bogus in every area: the forward lookup of a PTR name too. */
static void
test_dnscheck_ptr_forward_bogus(void **state)
{
	struct dnscheck_result *r;

	r = run("25.2.0.192.in-addr.arpa PTR mx.d.test\n"
	    "d.test TXT v=spf1 -all\n"
	    "mx.d.test AAAA !bogus\n"
	    "7.2.0.192.in-addr.arpa PTR h.d.test\n"
	    "h.d.test A !bogus\n",
	    "domains:\n  d.test:\n    ptr: [192.0.2.7]\n");
	assert_true(dnsfake_has(r, "ptr.dnssec.bogus", "192.0.2.7",
	    DNSCHECK_CRITICAL));
	assert_null(dnscheck_find(r, "ptr.lookup", "192.0.2.7"));
	dnscheck_result_free(&r);
}

static struct dnscheck_result *
run_at(const char *more, const char *yaml, time_t now)
{
	struct dnscheck_opts o;
	char zone[8192];

	memset(&o, 0, sizeof(o));
	o.allow_reserved = 1;
	o.spf_warn_lookups = 9;
	o.now = now;
	snprintf(zone, sizeof(zone), "d.test MX 10 mx.d.test\n"
	    "mx.d.test A 192.0.2.25\n"
	    "25.2.0.192.in-addr.arpa PTR mx.d.test\n%s", more);
	return dnsfake_check_opts(zone, yaml, "d.test", &o);
}

#define PCT_ZONE "_dmarc.d.test TXT v=DMARC1; p=reject; pct=100\n" \
	"d.test TXT v=spf1 -all\n"
#define ACK_YAML \
	"domains:\n  d.test:\n    ack:\n" \
	"      - {id: dmarc.tag.obsolete, subject: pct, until: 2027-06-30,\n" \
	"         reason: the TPA documents ask for pct=100}\n"
/* 2027-06-30T12:00:00Z and 2027-07-01T00:00:00Z */
#define T_BEFORE ((time_t)1814356800)
#define T_AFTER ((time_t)1814400000)

/* An acknowledged finding reports OK with the reason until the date has
   passed; then it fires again. */
static void
test_dnscheck_ack(void **state)
{
	struct dnscheck_result *r;
	const struct dnscheck_finding *f;

	/* without an acknowledgement: a permanent WARNING */
	r = run_at("_dmarc.d.test TXT v=DMARC1; p=reject; pct=100\n"
	    "d.test TXT v=spf1 -all\n", NULL, T_BEFORE);
	assert_true(dnsfake_has(r, "dmarc.tag.obsolete", "pct",
	    DNSCHECK_WARNING));
	dnscheck_result_free(&r);

	r = run_at(PCT_ZONE, ACK_YAML, T_BEFORE);
	f = dnscheck_find(r, "dmarc.tag.obsolete", "pct");
	assert_non_null(f);
	assert_int_equal(f->status, DNSCHECK_OK);
	assert_true(f->acked);
	assert_int_equal(f->acked_status, DNSCHECK_WARNING);
	assert_string_equal(f->ack_until, "2027-06-30");
	assert_non_null(strstr(f->message, "TPA documents"));
	assert_int_equal(r->status, DNSCHECK_OK);
	dnscheck_result_free(&r);

	r = run_at(PCT_ZONE, ACK_YAML, T_AFTER);
	f = dnscheck_find(r, "dmarc.tag.obsolete", "pct");
	assert_int_equal(f->status, DNSCHECK_WARNING);
	assert_false(f->acked);
	assert_non_null(strstr(f->message, "expired 2027-06-30"));
	assert_int_equal(r->status, DNSCHECK_WARNING);
	dnscheck_result_free(&r);

	/* another subject is not covered; an unused ack says so */
	r = run_at("_dmarc.d.test TXT v=DMARC1; p=reject; ri=3600\n"
	    "d.test TXT v=spf1 -all\n", ACK_YAML, T_BEFORE);
	assert_true(dnsfake_has(r, "dmarc.tag.obsolete", "ri",
	    DNSCHECK_WARNING));
	assert_true(dnsfake_has(r, "ack.unused", "dmarc.tag.obsolete",
	    DNSCHECK_OK));
	dnscheck_result_free(&r);
}

/* Past the per-domain deadline nothing more is asked, and one UNKNOWN
   finding says so instead of a lookup failure per area. */
static void
test_dnscheck_deadline(void **state)
{
	struct dnscheck_opts o;
	struct dnscheck_result *r;

	memset(&o, 0, sizeof(o));
	o.allow_reserved = 1;
	o.deadline = 1e-9;
	r = dnsfake_check_opts(BASE, "domains:\n  d.test:\n    mx: [mx.d.test]\n"
	    "    dmarc: {p: reject}\n", "d.test", &o);
	assert_true(dnsfake_has(r, "dns.deadline", NULL, DNSCHECK_UNKNOWN));
	assert_int_equal(r->nf, 1);
	assert_int_equal(r->queries, 0);
	assert_int_equal(r->status, DNSCHECK_UNKNOWN);
	dnscheck_result_free(&r);
	/* the expected state's deadline wins over the option */
	r = dnsfake_check_opts(BASE, "domains:\n  d.test:\n    deadline: 60\n",
	    "d.test", &o);
	assert_null(dnscheck_find(r, "dns.deadline", NULL));
	assert_true(r->queries > 0);
	dnscheck_result_free(&r);
}

#define SIGNED \
	"d.test MX 10 mx.d.test\nd.test MX @secure\n" \
	"mx.d.test A 192.0.2.25\nmx.d.test A @secure\n" \
	"mx.d.test AAAA @secure\n" \
	"d.test TXT v=spf1 mx -all\nd.test TXT @secure\n" \
	"_dmarc.d.test TXT v=DMARC1; p=reject\n_dmarc.d.test TXT @secure\n" \
	"_25._tcp.mx.d.test TLSA @secure\n" \
	"_submissions._tcp.d.test SRV @secure\n" \
	"_submission._tcp.d.test SRV @secure\n" \
	"_mta-sts.d.test TXT @secure\n_smtp._tls.d.test TXT @secure\n" \
	"sel._domainkey.d.test CNAME sel.esp.test\n" \
	"sel.esp.test TXT v=DKIM1; p=\n"

/* dnssec: secure notices a zone that lost its signatures even when no
   TLSA depends on it; a DKIM key hosted elsewhere is not judged. */
static void
test_dnscheck_dnssec_expected(void **state)
{
	struct dnscheck_result *r;
	const char *y = "domains:\n  d.test:\n    dnssec: secure\n"
	    "    dkim: {sel: revoked}\n";

	r = dnsfake_check(SIGNED, y, "d.test", 1);
	assert_true(dnsfake_has(r, "dnssec.secure", NULL, DNSCHECK_OK));
	assert_null(dnscheck_find(r, "dnssec.insecure", NULL));
	assert_float_equal(dnscheck_metric_find(r, "dnssec_secure",
	    "d.test")->value, 1, 0);
	dnscheck_result_free(&r);
	/* the same zone without signatures on the DMARC record */
	r = dnsfake_check(
	    "d.test MX 10 mx.d.test\nd.test MX @secure\n"
	    "mx.d.test A 192.0.2.25\nmx.d.test A @secure\n"
	    "mx.d.test AAAA @secure\n"
	    "d.test TXT v=spf1 mx -all\nd.test TXT @secure\n"
	    "_dmarc.d.test TXT v=DMARC1; p=reject\n", y, "d.test", 1);
	assert_true(dnsfake_has(r, "dnssec.insecure", "_dmarc.d.test/TXT",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	/* not validating: cannot tell */
	r = dnsfake_check(SIGNED, y, "d.test", 0);
	assert_true(dnsfake_has(r, "dnssec.unvalidated", NULL,
	    DNSCHECK_UNKNOWN));
	dnscheck_result_free(&r);
	/* per TLSA name: an insecure denial of TLSA is CRITICAL */
	r = dnsfake_check("d.test MX 10 mx.d.test\nmx.d.test A 192.0.2.25\n",
	    "domains:\n  d.test:\n    tls: {mx.d.test: {dnssec: secure}}\n",
	    "d.test", 1);
	assert_true(dnsfake_has(r, "tlsa.dnssec.insecure", "mx.d.test",
	    DNSCHECK_CRITICAL));
	dnscheck_result_free(&r);
	r = dnsfake_check(SIGNED,
	    "domains:\n  d.test:\n    tls: {mx.d.test: {dnssec: secure}}\n",
	    "d.test", 1);
	assert_true(dnsfake_has(r, "tlsa.dnssec.secure", "mx.d.test",
	    DNSCHECK_OK));
	dnscheck_result_free(&r);
}

/* The ids are an interface: maildnscheck(1) lists exactly the table. */
static void
test_dnscheck_ids_documented(void **state)
{
	const char *top = getenv("top_srcdir");
	const struct dnscheck_idinfo *ids;
	char path[4096], line[512], **doc = NULL;
	size_t n, ndoc = 0, capdoc = 0, i, k;
	int in = 0;
	FILE *fp;

	if (top == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/man/maildnscheck.1.in", top);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Sh ", 4) == 0)
			in = strcmp(line, ".Sh FINDINGS") == 0;
		if (in && strncmp(line, ".It Li ", 7) == 0) {
			assert_int_equal(array_grow(&doc, &capdoc, ndoc,
			    sizeof(*doc)), 0);
			assert_non_null(doc[ndoc++] = strdup(line + 7));
		}
	}
	fclose(fp);
	ids = dnscheck_ids(&n);
	for (i = 0; i < n; i++) {
		for (k = 0; k < ndoc; k++)
			if (strcmp(doc[k], ids[i].id) == 0)
				break;
		if (k == ndoc)
			fail_msg("%s is not in maildnscheck(1) FINDINGS",
			    ids[i].id);
		assert_non_null(ids[i].severity);
		assert_true(strlen(ids[i].meaning) > 5);
	}
	for (k = 0; k < ndoc; k++) {
		if (dnscheck_id_lookup(doc[k]) == NULL)
			fail_msg("maildnscheck(1) lists %s, which is not an id",
			    doc[k]);
		for (i = 0; i < k; i++)
			if (strcmp(doc[i], doc[k]) == 0)
				fail_msg("%s listed twice", doc[k]);
	}
	assert_int_equal(ndoc, n);
	for (k = 0; k < ndoc; k++)
		free(doc[k]);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnscheck_spf_top_level_permerrors),
		cmocka_unit_test(test_dnscheck_spf_bogus),
		cmocka_unit_test(test_dnscheck_ptr_forward_bogus),
		cmocka_unit_test(test_dnscheck_ack),
		cmocka_unit_test(test_dnscheck_deadline),
		cmocka_unit_test(test_dnscheck_dnssec_expected),
		cmocka_unit_test(test_dnscheck_ids_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
