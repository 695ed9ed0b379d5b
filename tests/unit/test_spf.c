#include <setjmp.h>
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns_fixture.h"
#include "spf.h"

static struct dns_resolver *
zone(const char *text)
{
	struct dns_resolver *r = dns_fixture_new();
	struct errbuf eb;

	assert_non_null(r);
	if (dns_fixture_load(r, text, strlen(text), &eb) == -1)
		fail_msg("zone: %s", eb.msg);
	return r;
}

static struct spf_eval *
check(struct dns_resolver *r, const char *ip, const char *sender)
{
	struct spf_request req;
	struct spf_eval *ev = NULL;
	struct errbuf eb;

	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.sender = sender;
	req.helo = "mail.example.org";
	req.default_exp = "DEFAULT";
	req.now = 1;
	if (spf_check_host(r, &req, &ev, &eb) == -1)
		fail_msg("check_host: %s", eb.msg);
	return ev;
}

static enum spf_result
result_of(const char *zonetext, const char *ip)
{
	struct dns_resolver *r = zone(zonetext);
	struct spf_eval *ev = check(r, ip, "user@example.org");
	enum spf_result res = ev->result;

	spf_eval_free(&ev);
	dns_resolver_free(&r);
	return res;
}

static int
has_finding(const struct spf_findings *f, const char *id,
    enum spf_severity sev)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].id, id) == 0 && f->v[i].sev == sev)
			return 1;
	return 0;
}

static void
test_spf_parse_terms(void **state)
{
	const char *s = "v=spf1 -ip4:192.0.2.0/24 a:Example.org/24//64 mx "
	    "~include:_spf.example.net redirect=x.example exp=e.%{d} "
	    "foo.bar=%{l} ?all";
	struct spf_record *rec = NULL;
	struct errbuf eb;

	assert_int_equal(spf_parse(s, strlen(s), &rec, NULL, &eb), 0);
	assert_int_equal(rec->nterms, 8);
	assert_int_equal(rec->terms[0].kind, SPF_IP4);
	assert_int_equal(rec->terms[0].qual, '-');
	assert_int_equal(rec->terms[0].cidr4, 24);
	assert_int_equal(rec->terms[0].pos, 7);
	assert_int_equal(rec->terms[1].kind, SPF_A);
	assert_string_equal(rec->terms[1].domain, "Example.org");
	assert_int_equal(rec->terms[1].cidr4, 24);
	assert_int_equal(rec->terms[1].cidr6, 64);
	assert_int_equal(rec->terms[2].kind, SPF_MX);
	assert_null(rec->terms[2].domain);
	assert_int_equal(rec->terms[2].qual, '+');
	assert_int_equal(rec->terms[3].kind, SPF_INCLUDE);
	assert_int_equal(rec->terms[3].qual, '~');
	assert_int_equal(rec->redirect, 4);
	assert_int_equal(rec->exp, 5);
	assert_true(rec->terms[5].has_macro);
	assert_int_equal(rec->terms[6].kind, SPF_UNKNOWN_MOD);
	assert_string_equal(rec->terms[6].name, "foo.bar");
	assert_int_equal(rec->terms[7].kind, SPF_ALL);
	assert_true(rec->has_all);
	spf_record_free(&rec);
	assert_null(rec);
}

static void
test_spf_parse_errors(void **state)
{
	static const struct {
		const char *rec;
		size_t pos;
	} bad[] = {
		{ "v=spf1 ip4:1.2.3.4 moo", 19 },
		{ "v=spf1 -all.", 8 },
		{ "v=spf1 a/33", 8 },
		{ "v=spf1 a:museum", 9 },
		{ "v=spf1 a:abc.123", 13 },
		{ "v=spf1 ip4:1.2.3.4/032", 18 },
		{ "v=spf1 ip4:01.2.3.4", 11 },
		{ "v=spf1 ip6::CAFE::BABE", 11 },
		{ "v=spf1 redirect:x.example", 7 },
		{ "v=spf1 exp=a.example exp=b.example", 21 },
		{ "v=spf1 include:", 15 },
		{ "v=spf1 exists:%{x}.example", 14 },
		{ "v=spf1 exists:%{d0}.example", 14 },
		{ "v=spf1 exp=%{r}.example", 11 },
		{ "v=spf1 a:x.example\rptr", 18 },
		{ "v=spf1 1up=foo", 7 },
		{ "v=spf1 ptr/0", 10 },
	};
	struct spf_record *rec = NULL;
	struct errbuf eb;
	size_t i, pos;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pos = 9999;
		if (spf_parse(bad[i].rec, strlen(bad[i].rec), &rec, &pos,
		    &eb) != -1)
			fail_msg("accepted '%s'", bad[i].rec);
		assert_null(rec);
		if (pos != bad[i].pos)
			fail_msg("'%s': error at %zu, want %zu (%s)", bad[i].rec,
			    pos, bad[i].pos, eb.msg);
		assert_non_null(strstr(eb.msg, "offset"));
	}
	/* Embedded NUL and non-ASCII. */
	assert_int_equal(spf_parse("v=spf1 a\0 -all", 14, &rec, &pos, &eb), -1);
	assert_int_equal(pos, 8);
	assert_int_equal(spf_parse("v=spf1 \xc3\xa9", 9, &rec, &pos, &eb), -1);
	assert_int_equal(spf_parse("v=spf10", 7, &rec, &pos, &eb), -1);
	assert_false(spf_is_record("v=spf10", 7));
	assert_true(spf_is_record("V=SPF1", 6));
}

static void
test_spf_macro_rfc_examples(void **state)
{
	static const struct {
		const char *in, *out;
	} v4[] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		    "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net",
		    "example.com.trusted-domains.example.net" },
		{ "%%%_%-", "% %20" },
		{ "%{L}", "strong-bad" },
		{ "%{S}", "strong-bad%40email.example.com" },
	};
	struct dns_resolver *r = zone("");
	struct spf_request req;
	struct errbuf eb;
	char *out;
	size_t i;

	memset(&req, 0, sizeof(req));
	req.ip = "192.0.2.3";
	req.sender = "strong-bad@email.example.com";
	req.helo = "mx.example.org";
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		assert_int_equal(spf_macro_expand(r, &req, "email.example.com",
		    v4[i].in, 0, &out, &eb), 0);
		if (strcmp(out, v4[i].out) != 0)
			fail_msg("%s -> '%s', want '%s'", v4[i].in, out,
			    v4[i].out);
		free(out);
	}
	req.ip = "2001:db8::cb01";
	assert_int_equal(spf_macro_expand(r, &req, "email.example.com",
	    "%{ir}.%{v}._spf.%{d2}", 0, &out, &eb), 0);
	assert_string_equal(out, "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
	    ".0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
	free(out);
	assert_int_equal(spf_macro_expand(r, &req, "d.example",
	    "%{c} from %{r} at %{p}", 1, &out, &eb), 0);
	assert_string_equal(out, "2001:db8::cb01 from unknown at unknown");
	free(out);
	/* c, r, t only in explanations; unknown letters never. */
	assert_int_equal(spf_macro_expand(r, &req, "d.example", "%{c}", 0,
	    &out, &eb), -1);
	assert_int_equal(spf_macro_expand(r, &req, "d.example", "%{x}", 1,
	    &out, &eb), -1);
	assert_int_equal(spf_macro_expand(r, &req, "d.example", "50%", 1,
	    &out, &eb), -1);
	dns_resolver_free(&r);
}

static void
test_spf_macro_explosion_capped(void **state)
{
	struct dns_resolver *r = zone("");
	struct spf_request req;
	struct errbuf eb;
	char sender[300], *big, *out = NULL, *rec;
	size_t i;

	memset(sender, 'a', sizeof(sender));
	memcpy(sender + 280, "@example.org", 13);
	memset(&req, 0, sizeof(req));
	req.ip = "192.0.2.3";
	req.sender = sender;
	big = malloc(4 * 2000 + 1);
	assert_non_null(big);
	for (i = 0; i < 2000; i++)
		memcpy(big + 4 * i, "%{s}", 4);
	big[4 * 2000] = '\0';
	assert_int_equal(spf_macro_expand(r, &req, "example.org", big, 0, &out,
	    &eb), -1);
	assert_null(out);
	assert_non_null(strstr(eb.msg, "longer"));
	dns_resolver_free(&r);
	/* The same inside a record: permerror, not megabytes. */
	assert_int_not_equal(asprintf(&rec, "example.org TXT \"v=spf1 "
	    "exists:%s.example -all\"\n", big), -1);
	r = zone(rec);
	{
		struct spf_eval *ev = check(r, "192.0.2.3", sender);

		assert_int_equal(ev->result, SPF_PERMERROR);
		assert_non_null(strstr(ev->error, "longer"));
		spf_eval_free(&ev);
	}
	dns_resolver_free(&r);
	free(rec);
	free(big);
}

static void
test_spf_lookup_limit(void **state)
{
	/* mx counts 1 however many MX names (suite mech-at-limit). */
	assert_int_equal(result_of(
	    "example.org TXT \"v=spf1 a mx a mx a mx a mx a mx ip4:192.0.2.1\"\n"
	    "example.org MX 10 m.example.org\nm.example.org A 198.51.100.1\n"
	    "example.org A 198.51.100.2\n", "192.0.2.1"), SPF_PASS);
	assert_int_equal(result_of(
	    "example.org TXT \"v=spf1 a mx a mx a mx a mx a mx a ip4:192.0.2.1\"\n"
	    "example.org MX 10 m.example.org\nm.example.org A 198.51.100.1\n"
	    "example.org A 198.51.100.2\n", "192.0.2.1"), SPF_PERMERROR);
	/* ip4, ip6, all and exp do not count. */
	assert_int_equal(result_of(
	    "example.org TXT \"v=spf1 a a a a a a a a a a ip4:192.0.2.9 "
	    "ip6:2001:db8::1 ip4:192.0.2.1 exp=e.example.org\"\n"
	    "example.org A 198.51.100.2\n", "192.0.2.1"), SPF_PASS);
}

static void
test_spf_self_include_hits_limit(void **state)
{
	struct dns_resolver *r = zone(
	    "example.org TXT \"v=spf1 include:example.org -all\"\n"
	    "a.example TXT \"v=spf1 redirect=a.example\"\n"
	    "b.example TXT \"v=spf1 include:c.example\"\n"
	    "c.example TXT \"v=spf1 include:b.example\"\n");
	struct spf_eval *ev = check(r, "192.0.2.1", "u@example.org");

	assert_int_equal(ev->result, SPF_PERMERROR);
	assert_int_equal(ev->lookups, SPF_MAX_LOOKUPS + 1);
	assert_non_null(strstr(ev->error, "limit"));
	spf_eval_free(&ev);
	ev = check(r, "192.0.2.1", "u@a.example");
	assert_int_equal(ev->result, SPF_PERMERROR);
	spf_eval_free(&ev);
	ev = check(r, "192.0.2.1", "u@b.example");
	assert_int_equal(ev->result, SPF_PERMERROR);
	/* The walk through the same loop terminates too. */
	spf_eval_free(&ev);
	dns_resolver_free(&r);
}

static void
test_spf_void_limit(void **state)
{
	struct dns_resolver *r = zone(
	    "two.example TXT \"v=spf1 a:n1.example mx:n2.example ?all\"\n"
	    "three.example TXT \"v=spf1 a:n1.example a:n2.example "
	    "ptr:x.example ip4:192.0.2.1 ?all\"\n"
	    "n2.example A 192.0.2.200\n");
	struct spf_eval *ev = check(r, "192.0.2.1", "u@two.example");

	assert_int_equal(ev->result, SPF_NEUTRAL);
	assert_int_equal(ev->voids, 2);
	assert_int_equal(ev->nvoid, 2);
	assert_string_equal(ev->void_list[0].term, "a:n1.example");
	assert_int_equal(ev->void_list[0].status, DNS_NXDOMAIN);
	assert_string_equal(ev->void_list[1].term, "mx:n2.example");
	assert_int_equal(ev->void_list[1].status, DNS_NODATA);
	spf_eval_free(&ev);
	/* a:n2.example answers (no match): only a:n1 and ptr are void. */
	ev = check(r, "192.0.2.1", "u@three.example");
	assert_int_equal(ev->result, SPF_PASS);
	assert_int_equal(ev->voids, 2);
	assert_string_equal(ev->void_list[1].term, "ptr:x.example");
	spf_eval_free(&ev);
	dns_resolver_free(&r);
	assert_int_equal(result_of("example.org TXT \"v=spf1 a:n1.example "
	    "a:n2.example a:n3.example ?all\"\n", "192.0.2.1"), SPF_PERMERROR);
}

static void
test_spf_mx_over_ten(void **state)
{
	char z[2048];
	size_t o, i;

	o = (size_t)snprintf(z, sizeof(z),
	    "example.org TXT \"v=spf1 mx -all\"\nh.example.org A 192.0.2.1\n");
	for (i = 0; i < 11; i++)
		o += (size_t)snprintf(z + o, sizeof(z) - o,
		    "example.org MX %zu h.example.org\n", i);
	assert_int_equal(result_of(z, "192.0.2.1"), SPF_PERMERROR);
	/* Ten are fine. */
	z[strlen(z) - strlen("example.org MX 10 h.example.org\n")] = '\0';
	assert_int_equal(result_of(z, "192.0.2.1"), SPF_PASS);
}

static void
test_spf_include_trace_and_exp(void **state)
{
	struct dns_resolver *r = zone(
	    "example.org TXT \"v=spf1 include:_spf.example.net -all "
	    "exp=why.example.org\"\n"
	    "_spf.example.net TXT \"v=spf1 ip4:192.0.2.0/24 -all "
	    "exp=inner.example.net\"\n"
	    "why.example.org TXT \"%{i} is not one of \" \"%{d}'s hosts\"\n"
	    "inner.example.net TXT \"never shown\"\n");
	struct spf_eval *ev = check(r, "192.0.2.7", "u@example.org");
	size_t i;
	int inner = 0;

	assert_int_equal(ev->result, SPF_PASS);
	assert_string_equal(ev->matched_term, "include:_spf.example.net");
	assert_string_equal(ev->matched_domain, "example.org");
	assert_int_equal(ev->nchain, 2);
	assert_string_equal(ev->chain[1], "_spf.example.net");
	assert_int_equal(ev->lookups, 1);
	assert_null(ev->explanation);
	for (i = 0; i < ev->ntrace; i++)
		if (ev->trace[i].depth == 1 && ev->trace[i].term != NULL &&
		    strcmp(ev->trace[i].term, "ip4:192.0.2.0/24") == 0 &&
		    strcmp(ev->trace[i].detail, "match") == 0)
			inner = 1;
	assert_true(inner);
	spf_eval_free(&ev);
	ev = check(r, "198.51.100.7", "u@example.org");
	assert_int_equal(ev->result, SPF_FAIL);
	assert_string_equal(ev->matched_term, "-all");
	assert_string_equal(ev->explanation,
	    "198.51.100.7 is not one of example.org's hosts");
	spf_eval_free(&ev);
	dns_resolver_free(&r);
}

static void
test_spf_temperror_not_none(void **state)
{
	assert_int_equal(result_of("example.org TIMEOUT\n", "192.0.2.1"),
	    SPF_TEMPERROR);
	assert_int_equal(result_of("example.org SERVFAIL TXT\n"
	    "example.org A 192.0.2.1\n", "192.0.2.1"), SPF_TEMPERROR);
	assert_int_equal(result_of("example.org A 192.0.2.1\n", "192.0.2.1"),
	    SPF_NONE);
	assert_int_equal(result_of("example.org TXT \"v=spf1 a:t.example "
	    "-all\"\nt.example TIMEOUT\n", "192.0.2.1"), SPF_TEMPERROR);
	assert_int_equal(result_of("example.org TXT \"v=spf1 -all\"\n"
	    "example.org TXT \"v=spf1 -all\"\n", "192.0.2.1"), SPF_PERMERROR);
}

static void
test_spf_hostile_records(void **state)
{
	static const char *garbage[] = {
		"v=spf1 %", "v=spf1 %{", "v=spf1 a:%{d", "v=spf1 ip6:", "v=spf1 ip4:/",
		"v=spf1 a//", "v=spf1 a:/24", "v=spf1 ////", "v=spf1 +", "v=spf1 -",
		"v=spf1 =", "v=spf1 exp=", "v=spf1 redirect=.",
		"v=spf1 include:.", "v=spf1 mx:-.-", "v=spf1 ip6:::/129",
		"v=spf1 a/99999999999999999999",
	};
	struct spf_record *rec = NULL;
	struct errbuf eb;
	size_t i, len;
	char *huge;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (spf_parse(garbage[i], strlen(garbage[i]), &rec, NULL,
		    &eb) != -1)
			fail_msg("accepted '%s'", garbage[i]);
	/* 64 KB of terms parses (and evaluation stops at the limit). */
	len = 6 + 3 * 20000;
	huge = malloc(len + 1);
	assert_non_null(huge);
	memcpy(huge, "v=spf1", 6);
	for (i = 0; i < 20000; i++)
		memcpy(huge + 6 + 3 * i, " mx", 3);
	huge[len] = '\0';
	assert_int_equal(spf_parse(huge, len, &rec, NULL, &eb), 0);
	assert_int_equal(rec->nterms, 20000);
	spf_record_free(&rec);
	{
		struct dns_resolver *r = dns_fixture_new();
		const char *s = huge;
		struct spf_eval *ev;

		assert_int_equal(dns_fixture_add_txt(r, "example.org",
		    DNS_T_TXT, &s, &len, 1, &eb), 0);
		assert_int_equal(dns_fixture_add_mx(r, "example.org", 0,
		    "mx.example.org", &eb), 0);
		assert_int_equal(dns_fixture_add(r, "mx.example.org", DNS_T_A,
		    "198.51.100.1", &eb), 0);
		ev = check(r, "192.0.2.1", "u@example.org");
		assert_int_equal(ev->result, SPF_PERMERROR);
		assert_int_equal(r->queries, 1 + 2 * SPF_MAX_LOOKUPS);
		spf_eval_free(&ev);
		dns_resolver_free(&r);
	}
	free(huge);
}

static void
test_spf_lint_findings(void **state)
{
	struct dns_resolver *r = zone(
	    "plus.example TXT \"v=spf1 +all\"\n"
	    "neutral.example TXT \"v=spf1 ip4:192.0.2.1 ?all\"\n"
	    "noall.example TXT \"v=spf1 ip4:192.0.2.1 ptr\"\n"
	    "nine.example TXT \"v=spf1 a a a a a a a a a -all\"\n"
	    "eleven.example TXT \"v=spf1 a a a a a a include:six.example -all\"\n"
	    "six.example TXT \"v=spf1 a a a a\"\n"
	    "void.example TXT \"v=spf1 a:v1.example a:v2.example -all\"\n"
	    "two.example TXT \"v=spf1 -all\"\n"
	    "two.example TXT \"v=spf1 ~all\"\n"
	    "loop.example TXT \"v=spf1 include:loop2.example -all\"\n"
	    "loop2.example TXT \"v=spf1 include:loop.example\"\n"
	    "ok.example TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	    "a.example A 192.0.2.1\n");
	struct spf_findings f = { NULL, 0, 0 };
	struct errbuf eb;
	unsigned lk, vd;

	assert_int_equal(spf_lint(r, "plus.example", NULL, &f, &lk, &vd, &eb), 0);
	assert_true(has_finding(&f, "spf-plus-all", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "neutral.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-neutral-all", SPF_SEV_WARNING));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "noall.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-no-all", SPF_SEV_WARNING));
	assert_true(has_finding(&f, "spf-ptr", SPF_SEV_WARNING));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "nine.example", NULL, &f, &lk, NULL,
	    &eb), 0);
	assert_int_equal(lk, 9);
	assert_true(has_finding(&f, "spf-lookups", SPF_SEV_WARNING));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "eleven.example", NULL, &f, &lk, NULL,
	    &eb), 0);
	assert_int_equal(lk, 11);
	assert_true(has_finding(&f, "spf-lookups", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "void.example", NULL, &f, NULL, &vd,
	    &eb), 0);
	assert_int_equal(vd, 2);
	assert_true(has_finding(&f, "spf-void", SPF_SEV_WARNING));
	assert_true(has_finding(&f, "spf-void-term", SPF_SEV_INFO));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "two.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-multiple", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "loop.example", NULL, &f, &lk, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-loop", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "ok.example", NULL, &f, &lk, &vd, &eb), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(lk, 0);
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "none.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-none", SPF_SEV_WARNING));
	spf_findings_free(&f);
	dns_resolver_free(&r);
}

/* Issue 13 (4, 5): every permerror and void excess of the walk is a
   finding, at the top level too, and bogus DNSSEC is bogus. */
static void
test_spf_lint_every_permerror(void **state)
{
	struct dns_resolver *r = zone(
	    "mx11.example TXT \"v=spf1 mx -all\"\n"
	    "mx11.example MX 1 m1.example\n"
	    "mx11.example MX 2 m2.example\n"
	    "mx11.example MX 3 m3.example\n"
	    "mx11.example MX 4 m4.example\n"
	    "mx11.example MX 5 m5.example\n"
	    "mx11.example MX 6 m6.example\n"
	    "mx11.example MX 7 m7.example\n"
	    "mx11.example MX 8 m8.example\n"
	    "mx11.example MX 9 m9.example\n"
	    "mx11.example MX 10 m10.example\n"
	    "mx11.example MX 11 m11.example\n"
	    "redir.example TXT \"v=spf1 redirect=nospf.example\"\n"
	    "nospf.example A 192.0.2.9\n"
	    "inc.example TXT \"v=spf1 include:nospf.example -all\"\n"
	    "both.example TXT \"v=spf1 include:nospf.example mx:mx11.example "
	    "-all\"\n"
	    "self.example TXT \"v=spf1 include:self.example -all\"\n"
	    "deep.example TXT \"v=spf1 include:redir.example -all\"\n"
	    "slow.example TXT \"v=spf1 a:t.example -all\"\n"
	    "t.example TIMEOUT A\n"
	    "bog.example TXT \"v=spf1 a:b.example -all\"\n"
	    "b.example BOGUS A\n"
	    "topbog.example BOGUS TXT\n"
	    "void3.example TXT \"v=spf1 a:v1.example a:v2.example "
	    "a:v3.example -all\"\n");
	struct spf_findings f = { NULL, 0, 0 };
	struct errbuf eb;

	assert_int_equal(spf_lint(r, "mx11.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-mx-limit", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "redir.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-redirect-none", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "inc.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-include-none", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	/* the walk goes on after the first permerror */
	assert_int_equal(spf_lint(r, "both.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-include-none", SPF_SEV_CRITICAL));
	assert_true(has_finding(&f, "spf-mx-limit", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "self.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-loop", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "deep.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-redirect-none", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "slow.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-dns", SPF_SEV_UNKNOWN));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "bog.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf.dnssec.bogus", SPF_SEV_CRITICAL));
	assert_false(has_finding(&f, "spf-dns", SPF_SEV_UNKNOWN));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "topbog.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf.dnssec.bogus", SPF_SEV_CRITICAL));
	assert_false(has_finding(&f, "spf-dns", SPF_SEV_UNKNOWN));
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "void3.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-void", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	dns_resolver_free(&r);
}

/* A loop through include or redirect is one finding whose message names
   the kind of term and the domain it came back to. */
static void
test_spf_lint_loop_messages(void **state)
{
	struct dns_resolver *r = zone(
	    "il.example TXT \"v=spf1 include:il2.example -all\"\n"
	    "il2.example TXT \"v=spf1 include:il.example\"\n"
	    "rl.example TXT \"v=spf1 redirect=rl2.example\"\n"
	    "rl2.example TXT \"v=spf1 redirect=rl.example\"\n");
	struct spf_findings f = { NULL, 0, 0 };
	struct errbuf eb;
	size_t i, n;

	assert_int_equal(spf_lint(r, "il.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	for (i = n = 0; i < f.n; i++)
		if (strcmp(f.v[i].id, "spf-loop") == 0) {
			assert_non_null(strstr(f.v[i].msg,
			    "include loop via il.example"));
			n++;
		}
	assert_int_equal(n, 1);
	spf_findings_free(&f);
	assert_int_equal(spf_lint(r, "rl.example", NULL, &f, NULL, NULL,
	    &eb), 0);
	for (i = n = 0; i < f.n; i++)
		if (strcmp(f.v[i].id, "spf-loop") == 0) {
			assert_non_null(strstr(f.v[i].msg,
			    "redirect loop via rl.example"));
			n++;
		}
	assert_int_equal(n, 1);
	spf_findings_free(&f);
	dns_resolver_free(&r);
}

/* A wide tree of includes: the lint walk asks a bounded number of names
   and still says the limit is exceeded. */
static void
test_spf_lint_walk_bounded(void **state)
{
	struct dns_resolver *r;
	struct spf_findings f = { NULL, 0, 0 };
	struct errbuf eb;
	char *text = malloc(200000), rec[2000];
	size_t o = 0, i, k, ro;
	unsigned lk;

	ro = (size_t)snprintf(rec, sizeof(rec), "\"v=spf1");
	for (i = 0; i < 20; i++)
		ro += (size_t)snprintf(rec + ro, sizeof(rec) - ro,
		    " include:i%zu.example", i);
	(void)snprintf(rec + ro, sizeof(rec) - ro, " -all\"");
	o += (size_t)snprintf(text + o, 200000 - o, "wide.example TXT %s\n",
	    rec);
	for (i = 0; i < 20; i++) {
		ro = (size_t)snprintf(rec, sizeof(rec), "\"v=spf1");
		for (k = 0; k < 20; k++)
			ro += (size_t)snprintf(rec + ro, sizeof(rec) - ro,
			    " a:h%zu.example", k);
		(void)snprintf(rec + ro, sizeof(rec) - ro, "\"");
		o += (size_t)snprintf(text + o, 200000 - o,
		    "i%zu.example TXT %s\n", i, rec);
	}
	r = zone(text);
	free(text);
	assert_int_equal(spf_lint(r, "wide.example", NULL, &f, &lk, NULL,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-lookups", SPF_SEV_CRITICAL));
	assert_true(lk > 10);
	assert_true(r->queries < 150);
	spf_findings_free(&f);
	dns_resolver_free(&r);
}

/* A ptr term with more than 10 names uses the first 10 (§4.6.4): the
   trace says so, so maildnscheck can name it. */
static void
test_spf_ptr_limit_traced(void **state)
{
	struct dns_resolver *r;
	struct spf_eval *ev;
	char text[4096];
	size_t i, o = 0;
	int seen = 0;

	o += (size_t)snprintf(text + o, sizeof(text) - o,
	    "example.org TXT \"v=spf1 ptr -all\"\n");
	for (i = 1; i <= 11; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "1.2.0.192.in-addr.arpa PTR h%zu.other.example\n", i);
	r = zone(text);
	ev = check(r, "192.0.2.1", "user@example.org");
	assert_int_equal(ev->result, SPF_FAIL);
	for (i = 0; i < ev->ntrace; i++)
		if (ev->trace[i].kind == SPF_TR_LIMIT &&
		    ev->trace[i].err == SPF_ERR_PTR_LIMIT)
			seen = 1;
	assert_true(seen);
	spf_eval_free(&ev);
	dns_resolver_free(&r);
}

static void
test_spf_lint_record_size_ascii(void **state)
{
	struct spf_findings f = { NULL, 0, 0 };
	struct errbuf eb;
	char rec[600];
	size_t i, o;

	o = (size_t)snprintf(rec, sizeof(rec), "v=spf1");
	for (i = 0; i < 30; i++)
		o += (size_t)snprintf(rec + o, sizeof(rec) - o,
		    " ip4:192.0.2.%zu", i);
	o += (size_t)snprintf(rec + o, sizeof(rec) - o, " -all");
	assert_true(o > SPF_RECORD_WARN);
	assert_int_equal(spf_lint_record(rec, o, NULL, &f, &eb), 0);
	assert_true(has_finding(&f, "spf-size", SPF_SEV_WARNING));
	assert_int_equal(f.n, 1);
	spf_findings_free(&f);
	assert_int_equal(spf_lint_record("v=spf1 a:\xc3\xa9.example -all", 24,
	    NULL, &f, &eb), 0);
	assert_true(has_finding(&f, "spf-non-ascii", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
	assert_int_equal(spf_lint_record("v=spf1 moo -all", 15, NULL, &f,
	    &eb), 0);
	assert_true(has_finding(&f, "spf-syntax", SPF_SEV_CRITICAL));
	spf_findings_free(&f);
}

static void
test_spf_normalize(void **state)
{
	const char *s = "v=spf1 IP4:192.0.2.77/24 a mx:MX.Example.COM./16 "
	    "-Include:Foo.Example. ip6:2001:DB8::1:2/64 ~ALL "
	    "redirect=X.example. exists:%{i}.%{D2}. Foo=Bar";
	static const char *want[] = { "+ip4:192.0.2.0/24", "+a:example.org",
		"+mx:mx.example.com/16", "-include:foo.example",
		"+ip6:2001:db8::/64", "~all", "redirect=x.example",
		"+exists:%{i}.%{D2}", "foo=Bar" };
	struct spf_record *rec = NULL;
	struct errbuf eb;
	char **terms, *one;
	size_t n, i;

	assert_int_equal(spf_parse(s, strlen(s), &rec, NULL, &eb), 0);
	assert_int_equal(spf_normalize(rec, "Example.org", &terms, &n, &eb), 0);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++)
		assert_string_equal(terms[i], want[i]);
	spf_strings_free(&terms, n);
	spf_record_free(&rec);
	one = spf_normalize_text("ip4:192.0.2.1", "example.org", &eb);
	assert_string_equal(one, "+ip4:192.0.2.1/32");
	free(one);
	one = spf_normalize_text("a/32", "example.org", &eb);
	assert_string_equal(one, "+a:example.org");
	free(one);
	assert_null(spf_normalize_text("ip4:300.1.1.1", "example.org", &eb));
	assert_null(spf_normalize_text("a -all", "example.org", &eb));
}

static void
test_spf_drift(void **state)
{
	const char *live = "v=spf1 ip4:192.0.2.0/24 ~all a ?include:x.example";
	static const char *const expected[] = { "ip4:192.0.2.1/24", "mx",
		"-all", "include:x.example" };
	static const char *const same[] = { "A", "?include:X.example.",
		"~all", "ip4:192.0.2.0/24" };
	struct spf_findings f = { NULL, 0, 0 };
	struct spf_record *rec = NULL;
	struct errbuf eb;

	assert_int_equal(spf_parse(live, strlen(live), &rec, NULL, &eb), 0);
	assert_int_equal(spf_drift(rec, "example.org", expected, 4, &f, &eb), 4);
	assert_true(has_finding(&f, "spf-all-weakened", SPF_SEV_CRITICAL));
	assert_true(has_finding(&f, "spf-term-missing", SPF_SEV_CRITICAL));
	assert_true(has_finding(&f, "spf-term-extra", SPF_SEV_WARNING));
	assert_true(has_finding(&f, "spf-qualifier-changed", SPF_SEV_WARNING));
	assert_int_equal(f.n, 4);
	spf_findings_free(&f);
	assert_int_equal(spf_drift(rec, "example.org", same, 4, &f, &eb), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(spf_drift(rec, "example.org", (const char *[]){
	    "bogus:x" }, 1, &f, &eb), -1);
	spf_findings_free(&f);
	spf_record_free(&rec);
}

static void
test_spf_ipv4_mapped_and_cidr(void **state)
{
	const char *z = "example.org TXT \"v=spf1 a/24//64 -all\"\n"
	    "example.org A 192.0.2.200\nexample.org AAAA 2001:db8:1:2::9\n";

	assert_int_equal(result_of(z, "192.0.2.1"), SPF_PASS);
	assert_int_equal(result_of(z, "::ffff:192.0.2.1"), SPF_PASS);
	assert_int_equal(result_of(z, "192.0.3.1"), SPF_FAIL);
	assert_int_equal(result_of(z, "2001:db8:1:2:ffff::1"), SPF_PASS);
	assert_int_equal(result_of(z, "2001:db8:1:3::1"), SPF_FAIL);
}

static void
test_dns_fixture_answers(void **state)
{
	struct dns_resolver *r = zone(
	    "Host.Example. A 192.0.2.1\n"
	    "sel._domainkey.example.org TXT \"v=DKIM1; p=\" \"abc\"\n"
	    "alias.example CNAME host.example\n"
	    "alias2.example CNAME alias.example.\n"
	    "loop1.example CNAME loop2.example\n"
	    "loop2.example CNAME loop1.example\n"
	    "slow.example TIMEOUT A\n"
	    "slow.example AAAA 2001:db8::1\n"
	    "example.org MX 0 .\n"
	    "_25._tcp.mx.example.org TLSA 3 1 1 0102ff\n");
	struct dns_answer *a = NULL;
	struct errbuf eb;

	assert_int_equal(dns_query(r, "host.EXAMPLE", DNS_T_A, &a, &eb), 0);
	assert_int_equal(a->status, DNS_ANSWER);
	assert_int_equal(a->nrr, 1);
	assert_memory_equal(a->rr[0].rdata, "\xc0\x00\x02\x01", 4);
	assert_string_equal(a->qname, "host.EXAMPLE");
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "host.example.", DNS_T_MX, &a, &eb), 0);
	assert_int_equal(a->status, DNS_NODATA);
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "nohost.example", DNS_T_A, &a, &eb), 0);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "_domainkey.example.org", DNS_T_TXT, &a,
	    &eb), 0);
	assert_int_equal(a->status, DNS_NODATA); /* empty non-terminal */
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "sel._domainkey.example.org", DNS_T_TXT,
	    &a, &eb), 0);
	assert_int_equal(a->rr[0].txtlen, 14);
	assert_string_equal(a->rr[0].txt, "v=DKIM1; p=abc");
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "alias2.example", DNS_T_A, &a, &eb), 0);
	assert_int_equal(a->status, DNS_ANSWER);
	assert_int_equal(a->ncnames, 2);
	assert_string_equal(a->cnames[0], "alias.example");
	assert_string_equal(a->cnames[1], "host.example");
	assert_string_equal(a->canon, "host.example");
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "alias.example", DNS_T_CNAME, &a, &eb), 0);
	assert_int_equal(a->status, DNS_ANSWER);
	assert_string_equal(a->rr[0].name, "host.example");
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "loop1.example", DNS_T_A, &a, &eb), 0);
	assert_int_equal(a->status, DNS_SERVFAIL);
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "slow.example", DNS_T_A, &a, &eb), 0);
	assert_int_equal(a->status, DNS_TIMEOUT);
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "slow.example", DNS_T_AAAA, &a, &eb), 0);
	assert_int_equal(a->status, DNS_ANSWER);
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "example.org", DNS_T_MX, &a, &eb), 0);
	assert_string_equal(a->rr[0].name, "");
	assert_int_equal(a->rr[0].pref, 0);
	dns_answer_free(&a);
	assert_int_equal(dns_query(r, "_25._tcp.mx.example.org", DNS_T_TLSA,
	    &a, &eb), 0);
	assert_int_equal(a->rr[0].rdlen, 6);
	assert_memory_equal(a->rr[0].rdata, "\x03\x01\x01\x01\x02\xff", 6);
	dns_answer_free(&a);
	assert_int_equal(dns_fixture_set_status(r, "host.example", DNS_T_A,
	    DNS_SERVFAIL), 0);
	assert_int_equal(dns_fixture_set_sec(r, "host.example", 0,
	    DNS_SEC_SECURE), 0);
	assert_int_equal(dns_query(r, "host.example", DNS_T_A, &a, &eb), 0);
	assert_int_equal(a->status, DNS_SERVFAIL);
	assert_int_equal(a->sec, DNS_SEC_SECURE);
	dns_answer_free(&a);
	assert_int_equal(r->queries, 13);
	assert_int_equal(dns_fixture_load(r, "x.example WEIRD 1\n", 18, &eb), -1);
	assert_non_null(strstr(eb.msg, "line 1"));
	assert_int_equal(dns_fixture_load(r, "x.example BOGUS A\n", 18, &eb), 0);
	assert_int_equal(dns_query(r, "x.example", DNS_T_A, &a, &eb), 0);
	assert_int_equal(a->status, DNS_BOGUS);
	assert_int_equal(a->sec, DNS_SEC_BOGUS);
	dns_answer_free(&a);
	assert_int_equal(dns_fixture_add(r, "x.example", DNS_T_A, "1.2.3", &eb),
	    -1);
	dns_resolver_free(&r);
	assert_null(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spf_parse_terms),
		cmocka_unit_test(test_spf_parse_errors),
		cmocka_unit_test(test_spf_macro_rfc_examples),
		cmocka_unit_test(test_spf_macro_explosion_capped),
		cmocka_unit_test(test_spf_lookup_limit),
		cmocka_unit_test(test_spf_self_include_hits_limit),
		cmocka_unit_test(test_spf_void_limit),
		cmocka_unit_test(test_spf_mx_over_ten),
		cmocka_unit_test(test_spf_include_trace_and_exp),
		cmocka_unit_test(test_spf_temperror_not_none),
		cmocka_unit_test(test_spf_hostile_records),
		cmocka_unit_test(test_spf_lint_findings),
		cmocka_unit_test(test_spf_lint_every_permerror),
		cmocka_unit_test(test_spf_lint_loop_messages),
		cmocka_unit_test(test_spf_ptr_limit_traced),
		cmocka_unit_test(test_spf_lint_walk_bounded),
		cmocka_unit_test(test_spf_lint_record_size_ascii),
		cmocka_unit_test(test_spf_normalize),
		cmocka_unit_test(test_spf_drift),
		cmocka_unit_test(test_spf_ipv4_mapped_and_cidr),
		cmocka_unit_test(test_dns_fixture_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
