#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "route.h"

/* In-memory tables: every entry of every output in one list. */
struct entry {
	enum output_kind kind;
	const char *key;
	const char *value;
};

#define E_END { OUTPUT_COUNT, NULL, NULL }

struct fake {
	const struct entry *e;
	const char *fail;      /* a lookup of this key fails */
	enum output_kind big_kind;
	const char *big_key;   /* ... and this one returns big_value */
	const char *big_value;
	size_t lookups;
};

static struct fake fx;

static int
fake_lookup(void *arg, enum output_kind kind, const char *key,
    char **value_r, struct errbuf *eb)
{
	struct fake *f = arg;
	const struct entry *e;
	const char *p;

	for (p = key; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			fail_msg("lookup key '%s' not folded", key);
	f->lookups++;
	if (f->fail != NULL && strcmp(key, f->fail) == 0) {
		errbuf_set(eb, "%s: injected failure", conf_output_name(kind));
		return -1;
	}
	if (f->big_key != NULL && kind == f->big_kind &&
	    strcmp(key, f->big_key) == 0) {
		*value_r = strdup(f->big_value);
		assert_non_null(*value_r);
		return 1;
	}
	for (e = f->e; e != NULL && e->key != NULL; e++) {
		if (e->kind == kind && strcmp(e->key, key) == 0) {
			*value_r = strdup(e->value);
			assert_non_null(*value_r);
			return 1;
		}
	}
	return 0;
}

/* The MX layout of lib/model_emit for example.org with the alias domain
   example.net, plus the SRS host's forward table and submission's
   sender logins. */
static const struct entry site[] = {
	{ OUTPUT_VIRTUAL, "postmaster@example.org",
	    "alice@example.org, bob@example.org" },
	{ OUTPUT_VIRTUAL, "abuse@example.org",
	    "alice@example.org, bob@example.org" },
	{ OUTPUT_VIRTUAL, "postmaster@example.net", "postmaster@example.org" },
	{ OUTPUT_VIRTUAL, "abuse@example.net", "abuse@example.org" },
	{ OUTPUT_VIRTUAL, "alice@example.net", "alice@example.org" },
	{ OUTPUT_VIRTUAL, "bob@example.net", "bob@example.org" },
	{ OUTPUT_VIRTUAL, "security@example.net", "security@example.org" },
	{ OUTPUT_VIRTUAL, "team@example.org", "alice@example.org, "
	    "carol@example.org" },
	{ OUTPUT_VIRTUAL, "stale@example.org", "gone@example.net" },
	{ OUTPUT_ALIAS_DOMAINS, "example.net", "example.net" },
	{ OUTPUT_RELAY_RECIPIENTS, "abuse@example.org", "OK" },
	{ OUTPUT_RELAY_RECIPIENTS, "alice@example.org", "OK" },
	{ OUTPUT_RELAY_RECIPIENTS, "bob@example.org", "OK" },
	{ OUTPUT_RELAY_RECIPIENTS, "carol@example.org", "OK" },
	{ OUTPUT_RELAY_RECIPIENTS, "nohop@example.org", "OK" },
	{ OUTPUT_RELAY_RECIPIENTS, "postmaster@example.org", "OK" },
	{ OUTPUT_RELAY_RECIPIENTS, "security@example.org", "OK" },
	{ OUTPUT_TRANSPORT, "alice@example.org", "smtp:[srs.example.org]" },
	{ OUTPUT_TRANSPORT, "bob@example.org", "smtp:[srs.example.org]" },
	{ OUTPUT_TRANSPORT, "carol@example.org", "smtp:[srs.example.org]" },
	{ OUTPUT_TRANSPORT, "security@example.org", "smtp:[srs.example.org]" },
	{ OUTPUT_FORWARD, "alice@example.org", "alice@mail.example.com" },
	{ OUTPUT_FORWARD, "bob@example.org",
	    "bob@home.example.com, bob@backup.example.com" },
	{ OUTPUT_FORWARD, "carol@example.org", "Alice@Mail.Example.COM" },
	{ OUTPUT_FORWARD, "security@example.org",
	    "sec@partner.example.com, alice@example.org" },
	{ OUTPUT_SENDER_LOGIN, "alice@example.org", "alice" },
	{ OUTPUT_SENDER_LOGIN, "postmaster@example.org", "alice, bob" },
	{ OUTPUT_SENDER_LOGIN, "@lists.example.org", "listadm" },
	{ OUTPUT_SENDER_LOGIN, "empty@example.org", " , ," },
	E_END
};

static int
setup(void **state)
{
	memset(&fx, 0, sizeof(fx));
	fx.e = site;
	return 0;
}

/* Resolve ADDR with O; the status must be WANT and, unless TEXT is
   NULL, the report exactly TEXT.  Returns the report (free it). */
static char *
run_opts(struct route_opts *o, const char *addr, int want, const char *text)
{
	struct buf out = BUF_INIT;
	struct errbuf eb;
	char *s;
	int st;

	o->domain = o->domain != NULL ? o->domain : "example.org";
	o->lookup = fake_lookup;
	o->arg = &fx;
	eb.msg[0] = '\0';
	st = route_resolve(o, addr, &out, &eb);
	if (st != want)
		fail_msg("%s as %s: status %d, want %d (%s)\n%s", addr,
		    route_role_name(o->role), st, want, eb.msg,
		    buf_cstr(&out));
	if (text != NULL && strcmp(buf_cstr(&out), text) != 0)
		fail_msg("%s as %s: got\n%swant\n%s", addr,
		    route_role_name(o->role), buf_cstr(&out), text);
	s = strdup(buf_cstr(&out));
	assert_non_null(s);
	buf_free(&out);
	return s;
}

static void
run(enum route_role role, const char *addr, int want, const char *text)
{
	struct route_opts o = { .role = role };

	free(run_opts(&o, addr, want, text));
}

static void
test_route_roles(void **state)
{
	assert_int_equal(route_role_by_name("mx"), ROUTE_ROLE_MX);
	assert_int_equal(route_role_by_name("srs"), ROUTE_ROLE_SRS);
	assert_int_equal(route_role_by_name("combined"), ROUTE_ROLE_COMBINED);
	assert_int_equal(route_role_by_name("submission"),
	    ROUTE_ROLE_SUBMISSION);
	assert_int_equal(route_role_by_name("MX"), -1);
	assert_int_equal(route_role_by_name(""), -1);
	assert_string_equal(route_role_name(ROUTE_ROLE_COMBINED), "combined");

	assert_true(route_role_needs(ROUTE_ROLE_MX, OUTPUT_VIRTUAL));
	assert_true(route_role_needs(ROUTE_ROLE_MX, OUTPUT_ALIAS_DOMAINS));
	assert_true(route_role_needs(ROUTE_ROLE_MX, OUTPUT_TRANSPORT));
	assert_true(route_role_needs(ROUTE_ROLE_MX, OUTPUT_RELAY_RECIPIENTS));
	assert_false(route_role_needs(ROUTE_ROLE_MX, OUTPUT_FORWARD));
	assert_true(route_role_needs(ROUTE_ROLE_SRS, OUTPUT_FORWARD));
	assert_false(route_role_needs(ROUTE_ROLE_SRS, OUTPUT_VIRTUAL));
	assert_false(route_role_needs(ROUTE_ROLE_SRS, OUTPUT_TRANSPORT));
	assert_true(route_role_needs(ROUTE_ROLE_COMBINED, OUTPUT_FORWARD));
	assert_true(route_role_needs(ROUTE_ROLE_COMBINED, OUTPUT_VIRTUAL));
	assert_true(route_role_needs(ROUTE_ROLE_COMBINED,
	    OUTPUT_RELAY_RECIPIENTS));
	assert_true(route_role_needs(ROUTE_ROLE_SUBMISSION,
	    OUTPUT_SENDER_LOGIN));
	assert_false(route_role_needs(ROUTE_ROLE_SUBMISSION, OUTPUT_PASSWD));
	assert_false(route_role_needs(ROUTE_ROLE_MX, OUTPUT_PASSWD));
}

static void
test_route_mx_alias_domain_to_terminals(void **state)
{
	run(ROUTE_ROLE_MX, "abuse@example.net", ROUTE_OK,
	    "RCPT abuse@example.net: accepted (virtual_alias_maps: virtual)\n"
	    "  abuse@example.net -> virtual: abuse@example.org\n"
	    "    abuse@example.org -> virtual: alice@example.org, "
	    "bob@example.org\n"
	    "deliver alice@example.org: smtp:[srs.example.org] (transport)\n"
	    "deliver bob@example.org: smtp:[srs.example.org] (transport)\n");
}

static void
test_route_mx_terminal_by_relay_recipients(void **state)
{
	run(ROUTE_ROLE_MX, "alice@example.org", ROUTE_OK,
	    "RCPT alice@example.org: accepted (relay_recipient_maps: "
	    "relay_recipients)\n"
	    "deliver alice@example.org: smtp:[srs.example.org] (transport)\n");
}

static void
test_route_mx_refusals(void **state)
{
	run(ROUTE_ROLE_MX, "nobody@example.org", ROUTE_REFUSED,
	    "RCPT nobody@example.org: refused (550 5.1.1 "
	    "<nobody@example.org>: Recipient address rejected: User unknown "
	    "in relay recipient table)\n");
	run(ROUTE_ROLE_MX, "nobody@example.net", ROUTE_REFUSED,
	    "RCPT nobody@example.net: refused (550 5.1.1 "
	    "<nobody@example.net>: Recipient address rejected: User unknown "
	    "in virtual alias table)\n");
	run(ROUTE_ROLE_MX, "alice@mail.example.com", ROUTE_REFUSED,
	    "RCPT alice@mail.example.com: refused (454 4.7.1 "
	    "<alice@mail.example.com>: Relay access denied)\n");
	/* relay_domains matches subdomains of the primary domain */
	run(ROUTE_ROLE_MX, "alice@sub.example.org", ROUTE_REFUSED,
	    "RCPT alice@sub.example.org: refused (550 5.1.1 "
	    "<alice@sub.example.org>: Recipient address rejected: User "
	    "unknown in relay recipient table)\n");
	/* ... but not a domain that merely ends the same */
	run(ROUTE_ROLE_MX, "alice@badexample.org", ROUTE_REFUSED,
	    "RCPT alice@badexample.org: refused (454 4.7.1 "
	    "<alice@badexample.org>: Relay access denied)\n");
}

static void
test_route_mx_loop_without_transport(void **state)
{
	run(ROUTE_ROLE_MX, "nohop@example.org", ROUTE_PROBLEM,
	    "RCPT nohop@example.org: accepted (relay_recipient_maps: "
	    "relay_recipients)\n"
	    "deliver nohop@example.org: relay (example.org's MX) LOOP\n");
}

static void
test_route_mx_accept_then_bounce(void **state)
{
	run(ROUTE_ROLE_MX, "stale@example.org", ROUTE_PROBLEM,
	    "RCPT stale@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  stale@example.org -> virtual: gone@example.net\n"
	    "deliver gone@example.net: error (5.1.1 User unknown in virtual "
	    "alias table) BOUNCE\n");
}

static void
test_route_srs_reverse(void **state)
{
	const char *srs = "SRS0=HHH=TT=example.com=user@example.org";

	run(ROUTE_ROLE_MX, srs, ROUTE_DEPENDS,
	    "RCPT SRS0=HHH=TT=example.com=user@example.org: accepted "
	    "(depends on postsrsd: SRS reverse)\n");
	run(ROUTE_ROLE_COMBINED, "srs1+x@Example.Org", ROUTE_DEPENDS, NULL);
	/* the SRS host sends mail out; bounces come back to the MX */
	run(ROUTE_ROLE_SRS, srs, ROUTE_REFUSED, NULL);
	/* only the primary domain is postsrsd's */
	run(ROUTE_ROLE_MX, "SRS0=HHH=TT=example.com=user@example.net",
	    ROUTE_REFUSED, NULL);
	run(ROUTE_ROLE_MX, "SRS0x@example.org", ROUTE_REFUSED, NULL);
	run(ROUTE_ROLE_MX, "SRS@example.org", ROUTE_REFUSED, NULL);
}

static void
test_route_srs_forwards(void **state)
{
	run(ROUTE_ROLE_SRS, "security@example.org", ROUTE_OK,
	    "RCPT security@example.org: accepted (virtual_alias_maps: "
	    "forward)\n"
	    "  security@example.org -> forward: sec@partner.example.com, "
	    "alice@example.org\n"
	    "    alice@example.org -> forward: alice@mail.example.com\n"
	    "deliver sec@partner.example.com: smtp (default_transport, SRS "
	    "sender)\n"
	    "deliver alice@mail.example.com: smtp (default_transport, SRS "
	    "sender)\n");
	/* the SRS host knows no alias domain and no pure alias */
	run(ROUTE_ROLE_SRS, "abuse@example.net", ROUTE_REFUSED,
	    "RCPT abuse@example.net: refused (454 4.7.1 "
	    "<abuse@example.net>: Relay access denied)\n");
	run(ROUTE_ROLE_SRS, "postmaster@example.org", ROUTE_REFUSED,
	    "RCPT postmaster@example.org: refused (450 4.1.1 "
	    "<postmaster@example.org>: Recipient address rejected: User "
	    "unknown in relay recipient table)\n");
}

static void
test_route_srs_default_alias_domains(void **state)
{
	/* virtual_alias_domains defaults to $virtual_alias_maps: a bare
	   domain key in forward makes it an alias domain there */
	static const struct entry vad[] = {
		{ OUTPUT_FORWARD, "example.net", "anything" },
		{ OUTPUT_FORWARD, "a@example.net", "a@mail.example.com" },
		E_END
	};

	fx.e = vad;
	run(ROUTE_ROLE_SRS, "a@example.net", ROUTE_OK,
	    "RCPT a@example.net: accepted (virtual_alias_maps: forward)\n"
	    "  a@example.net -> forward: a@mail.example.com\n"
	    "deliver a@mail.example.com: smtp (default_transport, SRS "
	    "sender)\n");
	run(ROUTE_ROLE_SRS, "b@example.net", ROUTE_REFUSED,
	    "RCPT b@example.net: refused (550 5.1.1 <b@example.net>: "
	    "Recipient address rejected: User unknown in virtual alias "
	    "table)\n");
	/* the MX reads its alias_domains table only */
	run(ROUTE_ROLE_MX, "b@example.com", ROUTE_REFUSED, NULL);
}

static void
test_route_combined_forward_first(void **state)
{
	static const struct entry both[] = {
		{ OUTPUT_VIRTUAL, "x@example.org", "y@example.org" },
		{ OUTPUT_FORWARD, "x@example.org", "x@mail.example.com" },
		{ OUTPUT_RELAY_RECIPIENTS, "x@example.org", "OK" },
		E_END
	};

	run(ROUTE_ROLE_COMBINED, "abuse@example.net", ROUTE_OK,
	    "RCPT abuse@example.net: accepted (virtual_alias_maps: virtual)\n"
	    "  abuse@example.net -> virtual: abuse@example.org\n"
	    "    abuse@example.org -> virtual: alice@example.org, "
	    "bob@example.org\n"
	    "      alice@example.org -> forward: alice@mail.example.com\n"
	    "      bob@example.org -> forward: bob@home.example.com, "
	    "bob@backup.example.com\n"
	    "deliver alice@mail.example.com: smtp (default_transport, SRS "
	    "sender)\n"
	    "deliver bob@home.example.com: smtp (default_transport, SRS "
	    "sender)\n"
	    "deliver bob@backup.example.com: smtp (default_transport, SRS "
	    "sender)\n");
	/* a terminal is in forward, never sent to the transport */
	run(ROUTE_ROLE_COMBINED, "alice@example.org", ROUTE_OK,
	    "RCPT alice@example.org: accepted (virtual_alias_maps: "
	    "forward)\n"
	    "  alice@example.org -> forward: alice@mail.example.com\n"
	    "deliver alice@mail.example.com: smtp (default_transport, SRS "
	    "sender)\n");
	fx.e = both;
	run(ROUTE_ROLE_COMBINED, "x@example.org", ROUTE_OK,
	    "RCPT x@example.org: accepted (virtual_alias_maps: forward)\n"
	    "  x@example.org -> forward: x@mail.example.com\n"
	    "deliver x@mail.example.com: smtp (default_transport, SRS "
	    "sender)\n");
}

static void
test_route_self_reference(void **state)
{
	static const struct entry self[] = {
		{ OUTPUT_VIRTUAL, "team@example.org",
		    "self@example.org, Self@Example.org" },
		{ OUTPUT_VIRTUAL, "self@example.org",
		    "self@example.org, bob@example.net" },
		{ OUTPUT_VIRTUAL, "bob@example.net", "bob@example.org" },
		{ OUTPUT_TRANSPORT, "self@example.org",
		    "smtp:[srs.example.org]" },
		{ OUTPUT_TRANSPORT, "bob@example.org",
		    "smtp:[srs.example.org]" },
		E_END
	};

	fx.e = self;
	/* self expands once, into itself and bob; its second occurrence
	   is not expanded again, and is delivered once */
	run(ROUTE_ROLE_MX, "team@example.org", ROUTE_OK,
	    "RCPT team@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  team@example.org -> virtual: self@example.org, "
	    "Self@Example.org\n"
	    "    self@example.org -> virtual: self@example.org, "
	    "bob@example.net\n"
	    "      bob@example.net -> virtual: bob@example.org\n"
	    "deliver self@example.org: smtp:[srs.example.org] (transport)\n"
	    "deliver bob@example.org: smtp:[srs.example.org] (transport)\n");
}

static void
test_route_dedup(void **state)
{
	/* alice and carol both forward to alice@mail.example.com (in two
	   spellings): one delivery */
	run(ROUTE_ROLE_COMBINED, "team@example.org", ROUTE_OK,
	    "RCPT team@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  team@example.org -> virtual: alice@example.org, "
	    "carol@example.org\n"
	    "    alice@example.org -> forward: alice@mail.example.com\n"
	    "    carol@example.org -> forward: Alice@Mail.Example.COM\n"
	    "deliver alice@mail.example.com: smtp (default_transport, SRS "
	    "sender)\n");
}

static void
test_route_recursion_limit(void **state)
{
	static const struct entry loop[] = {
		{ OUTPUT_VIRTUAL, "a@example.org", "b@example.org" },
		{ OUTPUT_VIRTUAL, "b@example.org", "a@example.org" },
		E_END
	};
	struct route_opts o = { .role = ROUTE_ROLE_MX, .recursion_limit = 5 };

	fx.e = loop;
	free(run_opts(&o, "a@example.org", ROUTE_PROBLEM,
	    "RCPT a@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  a@example.org -> virtual: b@example.org\n"
	    "    b@example.org -> virtual: a@example.org\n"
	    "      a@example.org -> virtual: b@example.org\n"
	    "        b@example.org -> virtual: a@example.org\n"
	    "          a@example.org -> virtual: b@example.org\n"
	    "deliver a@example.org: refused at end of DATA (451 4.6.0 Alias "
	    "expansion error: "
	    "b@example.org nests deeper than virtual_alias_recursion_limit "
	    "(5)) DEFER\n"));
	/* Postfix's own limit, 1000 */
	o.recursion_limit = 0;
	free(run_opts(&o, "a@example.org", ROUTE_PROBLEM, NULL));
	assert_in_range(fx.lookups, 1000, 1100);
}

static void
test_route_deep_chain(void **state)
{
	static const struct entry chain[] = {
		{ OUTPUT_VIRTUAL, "c0@example.org", "c1@example.org" },
		{ OUTPUT_VIRTUAL, "c1@example.org", "c2@example.net" },
		{ OUTPUT_VIRTUAL, "c2@example.net", "c3@example.org, "
		    "c4@example.org" },
		{ OUTPUT_VIRTUAL, "c3@example.org", "alice@mail.example.com" },
		{ OUTPUT_ALIAS_DOMAINS, "example.net", "example.net" },
		{ OUTPUT_TRANSPORT, "c4@example.org",
		    "smtp:[srs.example.org]" },
		E_END
	};
	struct route_opts o = { .role = ROUTE_ROLE_MX, .lookups_max = 3 };

	fx.e = chain;
	run(ROUTE_ROLE_MX, "c0@example.org", ROUTE_OK,
	    "RCPT c0@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  c0@example.org -> virtual: c1@example.org\n"
	    "    c1@example.org -> virtual: c2@example.net\n"
	    "      c2@example.net -> virtual: c3@example.org, c4@example.org\n"
	    "        c3@example.org -> virtual: alice@mail.example.com\n"
	    "deliver alice@mail.example.com: smtp (default_transport)\n"
	    "deliver c4@example.org: smtp:[srs.example.org] (transport)\n");
	/* our own bound on the work */
	free(run_opts(&o, "c0@example.org", ROUTE_PROBLEM,
	    "RCPT c0@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  c0@example.org -> virtual: c1@example.org\n"
	    "    c1@example.org -> virtual: c2@example.net\n"
	    "      c2@example.net -> virtual: c3@example.org, c4@example.org\n"
	    "deliver c0@example.org: unknown (gave up after 3 lookups) "
	    "UNKNOWN\n"));
}

static void
test_route_at_domain_keys(void **state)
{
	static const struct entry catchall[] = {
		{ OUTPUT_VIRTUAL, "@example.net", "@example.org" },
		{ OUTPUT_ALIAS_DOMAINS, "example.net", "example.net" },
		{ OUTPUT_RELAY_RECIPIENTS, "@lists.example.org", "OK" },
		{ OUTPUT_RELAY_RECIPIENTS, "zed@x.lists.example.org", "OK" },
		{ OUTPUT_TRANSPORT, "lists.example.org",
		    "smtp:[lists.example.org]" },
		{ OUTPUT_TRANSPORT, ".example.org",
		    "relay:[inner.example.org]" },
		E_END
	};

	fx.e = catchall;
	/* the old catch-all: accepted, then sent back to our own MX */
	run(ROUTE_ROLE_MX, "zed@example.net", ROUTE_PROBLEM,
	    "RCPT zed@example.net: accepted (virtual_alias_maps: virtual, "
	    "key @example.net)\n"
	    "  zed@example.net -> virtual (@example.net): zed@example.org\n"
	    "deliver zed@example.org: relay (example.org's MX) LOOP\n");
	/* relay_recipient_maps @domain; transport by domain */
	run(ROUTE_ROLE_MX, "any@lists.example.org", ROUTE_OK,
	    "RCPT any@lists.example.org: accepted (relay_recipient_maps: "
	    "relay_recipients, key @lists.example.org)\n"
	    "deliver any@lists.example.org: smtp:[lists.example.org] "
	    "(transport)\n");
	/* transport by parent domain: ".example.org", not the
	   "lists.example.org" entry (transport_maps is not in
	   parent_domain_matches_subdomains) */
	run(ROUTE_ROLE_MX, "zed@x.lists.example.org", ROUTE_OK,
	    "RCPT zed@x.lists.example.org: accepted (relay_recipient_maps: "
	    "relay_recipients)\n"
	    "deliver zed@x.lists.example.org: relay:[inner.example.org] "
	    "(transport)\n");
}

static void
test_route_transport_results(void **state)
{
	static const struct entry tr[] = {
		{ OUTPUT_TRANSPORT, "gone@example.org", "error:5.1.6 moved to "
		    "gone@elsewhere.example" },
		{ OUTPUT_TRANSPORT, "later@example.org", "retry:try later" },
		{ OUTPUT_TRANSPORT, "self@example.org", "smtp:" },
		{ OUTPUT_TRANSPORT, "kept@example.org", ":[srs.example.org]" },
		{ OUTPUT_TRANSPORT, "*", "smtp:[fallback.example.com]" },
		{ OUTPUT_RELAY_RECIPIENTS, "gone@example.org", "OK" },
		{ OUTPUT_RELAY_RECIPIENTS, "self@example.org", "OK" },
		{ OUTPUT_RELAY_RECIPIENTS, "kept@example.org", "OK" },
		{ OUTPUT_RELAY_RECIPIENTS, "other@example.org", "OK" },
		{ OUTPUT_VIRTUAL, "list@example.org", "gone@example.org, "
		    "later@example.org, self@example.org, kept@example.org, "
		    "other@example.org, out@mail.example.com" },
		E_END
	};

	fx.e = tr;
	run(ROUTE_ROLE_MX, "gone@example.org", ROUTE_REFUSED,
	    "RCPT gone@example.org: refused (550 5.1.6 <gone@example.org>: "
	    "Recipient address rejected: moved to gone@elsewhere.example)\n");
	run(ROUTE_ROLE_MX, "later@example.org", ROUTE_REFUSED,
	    "RCPT later@example.org: refused (450 4.1.1 "
	    "<later@example.org>: Recipient address rejected: try later)\n");
	run(ROUTE_ROLE_MX, "list@example.org", ROUTE_PROBLEM,
	    "RCPT list@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  list@example.org -> virtual: gone@example.org, "
	    "later@example.org, self@example.org, kept@example.org, "
	    "other@example.org, out@mail.example.com\n"
	    "deliver gone@example.org: error:5.1.6 moved to "
	    "gone@elsewhere.example (transport) BOUNCE\n"
	    "deliver later@example.org: retry:try later (transport) DEFER\n"
	    "deliver self@example.org: smtp:example.org (transport) LOOP\n"
	    "deliver kept@example.org: relay:[srs.example.org] (transport)\n"
	    "deliver other@example.org: smtp:[fallback.example.com] "
	    "(transport)\n"
	    "deliver out@mail.example.com: smtp:[fallback.example.com] "
	    "(transport)\n");
}

static void
test_route_hostile_values(void **state)
{
	static const struct entry bad[] = {
		{ OUTPUT_VIRTUAL, "e@example.org",
		    ", ,alice@mail.example.com,,\t ,bob@mail.example.com," },
		{ OUTPUT_VIRTUAL, "sep@example.org", " , ,\t" },
		{ OUTPUT_VIRTUAL, "ctl@example.org",
		    "evil\x1b[31m\"@mail.example.com" },
		{ OUTPUT_VIRTUAL, "unq@example.org", "bare, x@" },
		{ OUTPUT_VIRTUAL, "six@example.org", "a1@x.example, "
		    "a2@x.example, a3@x.example, a4@x.example, a5@x.example, "
		    "a6@x.example" },
		E_END
	};
	struct route_opts o = { .role = ROUTE_ROLE_MX, .expansion_limit = 5 };
	char *big, *p, *out;
	size_t i;

	fx.e = bad;
	run(ROUTE_ROLE_MX, "e@example.org", ROUTE_OK,
	    "RCPT e@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  e@example.org -> virtual: alice@mail.example.com, "
	    "bob@mail.example.com\n"
	    "deliver alice@mail.example.com: smtp (default_transport)\n"
	    "deliver bob@mail.example.com: smtp (default_transport)\n");
	run(ROUTE_ROLE_MX, "sep@example.org", ROUTE_PROBLEM,
	    "RCPT sep@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  sep@example.org -> virtual: (no address)\n"
	    "deliver sep@example.org: refused at end of DATA (451 4.6.0 Alias "
	    "expansion error: "
	    "the value for sep@example.org holds no address) DEFER\n");
	run(ROUTE_ROLE_MX, "ctl@example.org", ROUTE_OK,
	    "RCPT ctl@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  ctl@example.org -> virtual: "
	    "evil\\x1b[31m\\x22@mail.example.com\n"
	    "deliver evil\\x1b[31m\\x22@mail.example.com: smtp "
	    "(default_transport)\n");
	run(ROUTE_ROLE_MX, "unq@example.org", ROUTE_PROBLEM,
	    "RCPT unq@example.org: accepted (virtual_alias_maps: virtual)\n"
	    "  unq@example.org -> virtual: bare, x@\n"
	    "deliver bare: unknown (no domain: Postfix would append "
	    "@$myorigin) UNKNOWN\n"
	    "deliver x@: unknown (no domain: Postfix would append "
	    "@$myorigin) UNKNOWN\n");
	out = run_opts(&o, "six@example.org", ROUTE_PROBLEM, NULL);
	assert_non_null(strstr(out, "deliver six@example.org: refused at "
	    "end of DATA (451 4.6.0 Alias expansion error: more than "
	    "virtual_alias_expansion_limit (5) addresses) DEFER\n"));
	free(out);

	/* one address longer than Postfix takes */
	big = malloc(3000);
	assert_non_null(big);
	memset(big, 'a', 2000);
	memcpy(big + 2000, "@mail.example.com", 18);
	fx.big_kind = OUTPUT_VIRTUAL;
	fx.big_key = "long@example.org";
	fx.big_value = big;
	out = run_opts(&o, "long@example.org", ROUTE_PROBLEM, NULL);
	assert_non_null(strstr(out, "a result of long@example.org is longer "
	    "than virtual_alias_address_length_limit (1000)) DEFER\n"));
	free(out);
	free(big);

	/* a value of 200,000 addresses: stops at the expansion limit */
	big = malloc(200000 * 16 + 1);
	assert_non_null(big);
	for (i = 0, p = big; i < 200000; i++, p += 16)
		memcpy(p, "x@ext.example.c,", 16);
	*p = '\0';
	fx.big_key = "huge@example.org";
	fx.big_value = big;
	o.expansion_limit = 0;
	out = run_opts(&o, "huge@example.org", ROUTE_PROBLEM, NULL);
	assert_non_null(strstr(out, "more than virtual_alias_expansion_limit "
	    "(1000) addresses) DEFER\n"));
	assert_true(strlen(out) < 64 * 1024);
	free(out);
	free(big);
}

static void
test_route_folds_keys(void **state)
{
	run(ROUTE_ROLE_MX, "ABUSE@Example.NET", ROUTE_OK,
	    "RCPT ABUSE@Example.NET: accepted (virtual_alias_maps: virtual)\n"
	    "  ABUSE@Example.NET -> virtual: abuse@example.org\n"
	    "    abuse@example.org -> virtual: alice@example.org, "
	    "bob@example.org\n"
	    "deliver alice@example.org: smtp:[srs.example.org] (transport)\n"
	    "deliver bob@example.org: smtp:[srs.example.org] (transport)\n");
	run(ROUTE_ROLE_MX, "Alice@EXAMPLE.org", ROUTE_OK, NULL);
}

static void
test_route_submission(void **state)
{
	run(ROUTE_ROLE_SUBMISSION, "postmaster@example.org", ROUTE_OK,
	    "MAIL FROM postmaster@example.org: logins alice, bob\n"
	    "  other logins: 553 5.7.1 <postmaster@example.org>: Sender "
	    "address rejected: not owned by user LOGIN\n");
	run(ROUTE_ROLE_SUBMISSION, "Alice@Example.org", ROUTE_OK,
	    "MAIL FROM Alice@Example.org: logins alice\n"
	    "  other logins: 553 5.7.1 <Alice@Example.org>: Sender "
	    "address rejected: not owned by user LOGIN\n");
	run(ROUTE_ROLE_SUBMISSION, "news@lists.example.org", ROUTE_OK,
	    "MAIL FROM news@lists.example.org: logins listadm (key "
	    "@lists.example.org)\n"
	    "  other logins: 553 5.7.1 <news@lists.example.org>: Sender "
	    "address rejected: not owned by user LOGIN\n");
	run(ROUTE_ROLE_SUBMISSION, "bob@example.org", ROUTE_REFUSED,
	    "MAIL FROM bob@example.org: owned by nobody\n"
	    "  every login: 553 5.7.1 <bob@example.org>: Sender address "
	    "rejected: not owned by user LOGIN\n");
	run(ROUTE_ROLE_SUBMISSION, "empty@example.org", ROUTE_REFUSED,
	    "MAIL FROM empty@example.org: owned by nobody (empty entry)\n"
	    "  every login: 553 5.7.1 <empty@example.org>: Sender address "
	    "rejected: not owned by user LOGIN\n");
}

static void
test_route_errors(void **state)
{
	struct route_opts o = { .role = ROUTE_ROLE_MX, .domain = "example.org",
		.lookup = fake_lookup, .arg = &fx };
	static const char *bad[] = { "", "alice", "alice@", "@" };
	struct buf out = BUF_INIT;
	struct errbuf eb;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		eb.msg[0] = '\0';
		assert_int_equal(route_resolve(&o, bad[i], &out, &eb), -1);
		assert_true(eb.msg[0] != '\0');
	}
	/* a failed lookup is an error, never "not found" */
	fx.fail = "abuse@example.org";
	assert_int_equal(route_resolve(&o, "abuse@example.net", &out, &eb),
	    -1);
	assert_non_null(strstr(eb.msg, "injected failure"));
	fx.fail = "example.net";
	assert_int_equal(route_resolve(&o, "abuse@example.net", &out, &eb),
	    -1);
	fx.fail = "@example.org";
	assert_int_equal(route_resolve(&o, "nobody@example.org", &out, &eb),
	    -1);
	o.role = ROUTE_ROLE_SUBMISSION;
	fx.fail = "bob@example.org";
	assert_int_equal(route_resolve(&o, "bob@example.org", &out, &eb), -1);
	/* no primary domain */
	o.role = ROUTE_ROLE_SRS;
	o.domain = NULL;
	assert_int_equal(route_resolve(&o, "bob@example.org", &out, &eb), -1);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_route_roles, setup),
		cmocka_unit_test_setup(test_route_mx_alias_domain_to_terminals,
		    setup),
		cmocka_unit_test_setup(
		    test_route_mx_terminal_by_relay_recipients, setup),
		cmocka_unit_test_setup(test_route_mx_refusals, setup),
		cmocka_unit_test_setup(test_route_mx_loop_without_transport,
		    setup),
		cmocka_unit_test_setup(test_route_mx_accept_then_bounce, setup),
		cmocka_unit_test_setup(test_route_srs_reverse, setup),
		cmocka_unit_test_setup(test_route_srs_forwards, setup),
		cmocka_unit_test_setup(test_route_srs_default_alias_domains,
		    setup),
		cmocka_unit_test_setup(test_route_combined_forward_first,
		    setup),
		cmocka_unit_test_setup(test_route_self_reference, setup),
		cmocka_unit_test_setup(test_route_dedup, setup),
		cmocka_unit_test_setup(test_route_recursion_limit, setup),
		cmocka_unit_test_setup(test_route_deep_chain, setup),
		cmocka_unit_test_setup(test_route_at_domain_keys, setup),
		cmocka_unit_test_setup(test_route_transport_results, setup),
		cmocka_unit_test_setup(test_route_hostile_values, setup),
		cmocka_unit_test_setup(test_route_folds_keys, setup),
		cmocka_unit_test_setup(test_route_submission, setup),
		cmocka_unit_test_setup(test_route_errors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
