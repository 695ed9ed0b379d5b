#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "model.h"

#define LABEL59 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefg"
#define H1 "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$" \
	"c29tZXNhbHRzb21lc2FsdA$" \
	"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"
#define H2 "{SHA512-CRYPT}$6$abcdefghijklmnop$" \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./" \
	"0123456789abcdefghijkl"

static char logbuf[16384];

static void
capture(enum log_level level, const char *msg, void *arg)
{
	size_t n = strlen(logbuf);

	(void)snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static int
setup(void **state)
{
	logbuf[0] = '\0';
	log_set_hook(capture, NULL);
	return 0;
}

struct fixture {
	struct account acc[8];
	struct account_list al;
	struct hiera_list al_aliases[8], al_fwd[4], al_logins[4];
	char *targets[32][4];
	struct hiera_data hd;
	struct origin ado[4];
	char *ad[4];
};

static struct account
acc(const char *uid, const char *fwd, const char *pw, enum account_state st)
{
	struct account a;
	static char dns[16][128];
	static int i;

	(void)snprintf(dns[i % 16], sizeof(dns[0]), "uid=%s,ou=users,"
	    "dc=example,dc=org", uid);
	a.dn = dns[i++ % 16];
	a.uid = (char *)uid;
	a.forward = (char *)fwd;
	a.password = (char *)pw;
	a.state = st;
	return a;
}

static struct hiera_list
hl(const char *key, unsigned line, char **targets, size_t n)
{
	struct hiera_list l;

	l.key = (char *)key;
	l.targets = targets;
	l.ntargets = n;
	l.origin.file = "mail.yaml";
	l.origin.line = line;
	return l;
}

static struct model *
build(struct account *accs, size_t nacc, struct hiera_data *hd)
{
	struct model_opts mo = { .domain = "Example.ORG",
		.nexthop = "smtp:[srs.example.org]",
		.sender_login_alias_domains = 1, .have_ldap = 1,
		.ldap_base = "ou=users,dc=example,dc=org" };
	struct account_list al = { .v = accs, .n = nacc, .cap = nacc };
	struct hiera_data empty;
	struct errbuf eb;
	struct model *m;

	memset(&empty, 0, sizeof(empty));
	m = model_new(&mo, &eb);
	assert_non_null(m);
	assert_int_equal(model_add_accounts(m, &al, &eb), 0);
	assert_int_equal(model_add_hiera(m, hd ? hd : &empty, &eb), 0);
	assert_int_equal(model_resolve(m, &eb), 0);
	return m;
}

static const char *
get(struct model *m, enum output_kind k, const char *key)
{
	static char out[1024];
	struct kvlist l;
	struct errbuf eb;
	size_t i;

	assert_int_equal(model_render(m, k, &l, &eb), 0);
	for (i = 1; i < l.n; i++)
		assert_true(strcmp(l.v[i - 1].key, l.v[i].key) < 0);
	out[0] = '\0';
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].key, key) == 0) {
			(void)snprintf(out, sizeof(out), "%s", l.v[i].value);
			kvlist_free(&l);
			return out;
		}
	}
	kvlist_free(&l);
	return NULL;
}

static size_t
count(struct model *m, enum output_kind k)
{
	struct kvlist l;
	struct errbuf eb;
	size_t n;

	assert_int_equal(model_render(m, k, &l, &eb), 0);
	n = l.n;
	kvlist_free(&l);
	return n;
}

static void
test_model_accounts_states(void **state)
{
	struct account a[] = {
		acc("alice", "alice@gmail.example", H1, ACCOUNT_ACTIVE),
		acc("Bob", "b1@ext.example, b2@ext.example", H2, ACCOUNT_ACTIVE),
		acc("carol", "carol@ext.example", H1, ACCOUNT_LOCKED),
		acc("dave", "dave@ext.example", H1, ACCOUNT_RETIRED),
		acc("erin", NULL, H1, ACCOUNT_ACTIVE),
		acc("frank", "frank@ext.example", H1, ACCOUNT_EXPIRED),
	};
	struct model *m = build(a, 6, NULL);

	/* forwarded users: no virtual entry (the MX relays the primary
	   domain), a relay recipient, SRS transport, forward */
	assert_null(get(m, OUTPUT_VIRTUAL, "alice@example.org"));
	assert_string_equal(get(m, OUTPUT_RELAY_RECIPIENTS,
	    "alice@example.org"), "OK");
	assert_string_equal(get(m, OUTPUT_RELAY_RECIPIENTS,
	    "carol@example.org"), "OK");
	assert_string_equal(get(m, OUTPUT_TRANSPORT, "bob@example.org"),
	    "smtp:[srs.example.org]");
	assert_string_equal(get(m, OUTPUT_FORWARD, "bob@example.org"),
	    "b1@ext.example, b2@ext.example");
	/* locked and expired keep forwarding (ud-ldap), lose passwd */
	assert_non_null(get(m, OUTPUT_FORWARD, "carol@example.org"));
	assert_non_null(get(m, OUTPUT_FORWARD, "frank@example.org"));
	assert_null(get(m, OUTPUT_PASSWD, "carol"));
	assert_null(get(m, OUTPUT_PASSWD, "frank"));
	/* retired: gone from everything */
	assert_null(get(m, OUTPUT_VIRTUAL, "dave@example.org"));
	assert_null(get(m, OUTPUT_RELAY_RECIPIENTS, "dave@example.org"));
	assert_null(get(m, OUTPUT_PASSWD, "dave"));
	/* no forward: no route, but a login */
	assert_null(get(m, OUTPUT_VIRTUAL, "erin@example.org"));
	assert_null(get(m, OUTPUT_RELAY_RECIPIENTS, "erin@example.org"));
	assert_string_equal(get(m, OUTPUT_PASSWD, "erin"), H1);
	assert_string_equal(get(m, OUTPUT_PASSWD, "bob"), H2);
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN, "erin@example.org"),
	    "erin");
	assert_null(get(m, OUTPUT_SENDER_LOGIN, "carol@example.org"));
	assert_int_equal(count(m, OUTPUT_PASSWD), 3);
	assert_int_equal(model_stats(m)->retired, 1);
	assert_int_equal(model_stats(m)->accounts, 5);
	model_free(&m);
	assert_null(m);
}

static void
test_model_bad_records_isolated(void **state)
{
	struct account a[] = {
		acc("good", "good@ext.example", H1, ACCOUNT_ACTIVE),
		acc("bad:uid", "x@ext.example", H1, ACCOUNT_ACTIVE),
		acc("badfwd", "ok@ext.example, not an address", H1,
		    ACCOUNT_ACTIVE),
		acc("badhash", "bh@ext.example", "{MD5}$$$", ACCOUNT_ACTIVE),
		acc("nl", "nl@ext.example\nevil@x.example", H1, ACCOUNT_ACTIVE),
		acc("J\xc3\xbcrgen", "j@ext.example", H1, ACCOUNT_ACTIVE),
	};
	struct model *m = build(a, 6, NULL);

	assert_non_null(get(m, OUTPUT_FORWARD, "good@example.org"));
	assert_null(get(m, OUTPUT_FORWARD, "badfwd@example.org"));
	/* the account stays, only its bad forward is dropped */
	assert_non_null(get(m, OUTPUT_PASSWD, "badfwd"));
	assert_null(get(m, OUTPUT_PASSWD, "badhash"));
	assert_non_null(get(m, OUTPUT_FORWARD, "badhash@example.org"));
	assert_null(get(m, OUTPUT_FORWARD, "nl@example.org"));
	assert_int_equal(count(m, OUTPUT_PASSWD), 3);
	assert_int_equal(model_stats(m)->rejected, 5);
	assert_non_null(strstr(logbuf, "uid=bad:uid,ou=users"));
	assert_non_null(strstr(logbuf, "'not'"));
	assert_non_null(strstr(logbuf, "\\x0a"));
	assert_non_null(strstr(logbuf, "mailPassword of badhash unusable"));
	/* never the hash itself */
	assert_null(strstr(logbuf, "$$$"));
	assert_null(strstr(logbuf, "argon2id$"));
	model_free(&m);
}

/* Entries src_ldap dropped (rejected) and values it dropped from kept
   entries (bad_values) both count as rejected: metrics and mailmap
   check's exit status see them. */
static void
test_model_ldap_drops_counted(void **state)
{
	struct model_opts mo = { .domain = "example.org", .have_ldap = 1,
		.ldap_base = "ou=users,dc=example,dc=org" };
	struct account a[] = {
		acc("good", "good@ext.example", H1, ACCOUNT_ACTIVE),
	};
	struct account_list al = { .v = a, .n = 1, .cap = 1,
		.rejected = 2, .bad_values = 3 };
	struct errbuf eb;
	struct model *m;

	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_accounts(m, &al, &eb), 0);
	assert_int_equal(model_stats(m)->rejected, 5);
	/* A second page (here with no entries) adds its own counts. */
	al.n = 0;
	al.rejected = 0;
	al.bad_values = 1;
	assert_int_equal(model_add_accounts(m, &al, &eb), 0);
	assert_int_equal(model_stats(m)->rejected, 6);
	model_free(&m);
}

static void
test_model_aliases_flatten(void **state)
{
	struct account a[] = {
		acc("alice", "alice@ext.example", H1, ACCOUNT_ACTIVE),
		acc("bob", "bob@ext.example", H1, ACCOUNT_ACTIVE),
	};
	char *t1[] = { "alice", "bob" }, *t2[] = { "postmaster" },
	     *t3[] = { "alice, partner@other.example" },
	     *t4[] = { "chair@else.example", "Treasurer@Else.example" },
	     *ad[] = { "Example.NET", "example.com" }, *lg[] = { "alice" };
	struct hiera_list al[] = { hl("postmaster", 3, t1, 2),
		hl("abuse", 4, t2, 1), hl("security", 5, t3, 1) };
	struct hiera_list fw[] = { hl("board", 8, t4, 2) };
	struct hiera_list sl[] = { hl("postmaster", 11, lg, 1) };
	struct origin ado[] = { { "mail.yaml", 1 }, { "mail.yaml", 2 } };
	struct hiera_data hd;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	hd.aliases = al;
	hd.naliases = 3;
	hd.forwards = fw;
	hd.nforwards = 1;
	hd.sender_logins = sl;
	hd.nsender_logins = 1;
	hd.alias_domains = ad;
	hd.alias_domain_origins = ado;
	hd.nalias_domains = 2;
	m = build(a, 2, &hd);
	/* abuse -> postmaster -> alice, bob: flattened */
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "abuse@example.org"),
	    "alice@example.org, bob@example.org");
	/* mixed alias: leaves the MX as itself; the SRS host's forward
	   names its external part and its local terminals */
	assert_null(get(m, OUTPUT_VIRTUAL, "security@example.org"));
	assert_string_equal(get(m, OUTPUT_TRANSPORT, "security@example.org"),
	    "smtp:[srs.example.org]");
	assert_string_equal(get(m, OUTPUT_FORWARD, "security@example.org"),
	    "partner@other.example, alice@example.org");
	assert_string_equal(get(m, OUTPUT_TRANSPORT, "board@example.org"),
	    "smtp:[srs.example.org]");
	assert_string_equal(get(m, OUTPUT_FORWARD, "board@example.org"),
	    "chair@else.example, Treasurer@else.example");
	assert_null(get(m, OUTPUT_TRANSPORT, "postmaster@example.org"));
	/* alias domains: one entry per deliverable address, no catch-all */
	assert_null(get(m, OUTPUT_VIRTUAL, "@example.net"));
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "abuse@example.net"),
	    "abuse@example.org");
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "alice@example.com"),
	    "alice@example.org");
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "board@example.net"),
	    "board@example.org");
	assert_null(get(m, OUTPUT_VIRTUAL, "nobody@example.net"));
	/* 2 aliases + 2 terminal aliases/forwards + 2 accounts = 6
	   deliverable addresses; virtual: 2 aliases + 6 x 2 variants */
	assert_int_equal(count(m, OUTPUT_RELAY_RECIPIENTS), 6);
	assert_int_equal(count(m, OUTPUT_VIRTUAL), 2 + 6 * 2);
	assert_string_equal(get(m, OUTPUT_ALIAS_DOMAINS, "example.net"),
	    "example.net");
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN,
	    "postmaster@example.org"), "alice");
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN, "alice@example.com"),
	    "alice");
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN,
	    "postmaster@example.net"), "alice");
	assert_int_equal(model_stats(m)->rejected, 0);
	assert_int_equal(model_stats(m)->dangling, 0);
	model_free(&m);
}

static void
test_model_conflict_loop_dangling(void **state)
{
	struct account a[] = {
		acc("alice", "alice@ext.example", H1, ACCOUNT_ACTIVE),
	};
	char *t1[] = { "bob" }, *t2[] = { "ann" }, *t3[] = { "ghost" },
	     *t4[] = { "alice" }, *t5[] = { "ghost, alice" },
	     *t6[] = { "alice@example.net" };
	struct hiera_list al[] = { hl("ann", 3, t1, 1), hl("bob", 4, t2, 1),
		hl("lost", 5, t3, 1), hl("Alice", 6, t4, 1),
		hl("half", 7, t5, 1), hl("viaad", 8, t6, 1) };
	struct origin ado[] = { { "mail.yaml", 1 } };
	char *ad[] = { "example.net" };
	struct hiera_data hd;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	hd.aliases = al;
	hd.naliases = 6;
	hd.alias_domains = ad;
	hd.alias_domain_origins = ado;
	hd.nalias_domains = 1;
	m = build(a, 1, &hd);
	/* conflict: ldap keeps alice, both origins named */
	assert_int_equal(model_stats(m)->conflicts, 1);
	assert_non_null(strstr(logbuf, "alice@example.org defined twice"));
	assert_non_null(strstr(logbuf, "ldap uid=alice,ou=users"));
	assert_non_null(strstr(logbuf, "mail.yaml:6"));
	assert_string_equal(get(m, OUTPUT_RELAY_RECIPIENTS,
	    "alice@example.org"), "OK");
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "alice@example.net"),
	    "alice@example.org");
	/* loop ann -> bob -> ann: reported, neither published */
	assert_true(model_stats(m)->loops >= 1);
	assert_non_null(strstr(logbuf, "alias loop"));
	assert_null(get(m, OUTPUT_VIRTUAL, "ann@example.org"));
	assert_null(get(m, OUTPUT_VIRTUAL, "bob@example.org"));
	assert_null(get(m, OUTPUT_RELAY_RECIPIENTS, "ann@example.org"));
	assert_null(get(m, OUTPUT_VIRTUAL, "ann@example.net"));
	/* dangling */
	assert_null(get(m, OUTPUT_VIRTUAL, "lost@example.org"));
	assert_null(get(m, OUTPUT_VIRTUAL, "lost@example.net"));
	assert_non_null(strstr(logbuf, "ghost@example.org: no such address"));
	/* a half-dangling alias keeps its good target */
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "half@example.org"),
	    "alice@example.org");
	/* alias-domain target resolves to the primary address */
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "viaad@example.org"),
	    "alice@example.org");
	model_free(&m);
}

static void
test_model_presume_accounts(void **state)
{
	struct model_opts mo = { .domain = "example.org",
		.sender_login_alias_domains = 1, .presume_accounts = 1 };
	char *t1[] = { "alice" }, *t2[] = { "postmaster" }, *t3[] = { "x" },
	     *t4[] = { "y" };
	struct hiera_list al[] = { hl("postmaster", 3, t1, 1),
		hl("abuse", 4, t2, 1), hl("x", 5, t4, 1), hl("y", 6, t3, 1) };
	struct hiera_data hd;
	struct errbuf eb;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	hd.aliases = al;
	hd.naliases = 2;
	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_hiera(m, &hd, &eb), 0);
	assert_int_equal(model_resolve(m, &eb), 0);
	/* alice may be an LDAP account we cannot see: not dangling, and
	   neither is the alias chain that leads to her */
	assert_int_equal(model_stats(m)->dangling, 0);
	assert_null(strstr(logbuf, "dangling"));
	model_free(&m);
	/* a loop is a loop whatever LDAP holds */
	hd.aliases = al + 2;
	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_hiera(m, &hd, &eb), 0);
	assert_int_equal(model_resolve(m, &eb), 0);
	assert_int_equal(model_stats(m)->loops, 1);
	model_free(&m);
}

static void
test_model_origin_outlives_accounts(void **state)
{
	struct model_opts mo = { .domain = "example.org",
		.sender_login_alias_domains = 1, .have_ldap = 1,
		.ldap_base = "ou=users,dc=example,dc=org" };
	char dn[] = "uid=alice,ou=people,dc=example,dc=org";
	struct account a = { dn, "alice", "alice@ext.example", NULL,
		ACCOUNT_ACTIVE };
	struct account_list al = { .v = &a, .n = 1, .cap = 1 };
	char *t[] = { "bob@ext.example" };
	struct hiera_list hl1[] = { hl("alice", 9, t, 1) };
	struct hiera_data hd;
	struct errbuf eb;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	hd.aliases = hl1;
	hd.naliases = 1;
	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_accounts(m, &al, &eb), 0);
	/* sync frees each LDAP page once it is in the model */
	memset(dn, 'X', sizeof(dn) - 1);
	assert_int_equal(model_add_hiera(m, &hd, &eb), 0);
	assert_non_null(strstr(logbuf, "ldap uid=alice,ou=people"));
	model_free(&m);
}

/* Hiera sender logins merged with the accounts' own entries: same key
   joined in sorted order without repeats, keys before, between and
   after the accounts', variants in the alias domains. */
static void
test_model_sender_login_merge(void **state)
{
	struct account a[] = {
		acc("alice", "alice@ext.example", H1, ACCOUNT_ACTIVE),
		acc("bob", "bob@ext.example", H1, ACCOUNT_ACTIVE),
		acc("carol", "carol@ext.example", H1, ACCOUNT_LOCKED),
	};
	char *l1[] = { "bob" }, *l2[] = { "alice" }, *l3[] = { "bob", "alice" },
	     *l4[] = { "bob" }, *l5[] = { "carol" }, *ad[] = { "example.net" };
	struct hiera_list sl[] = { hl("alice", 2, l1, 1),
		hl("alice@example.net", 3, l2, 1), hl("zz-list", 4, l3, 2),
		hl("0-first@example.com", 5, l4, 1), hl("list2", 6, l5, 1) };
	struct origin ado[] = { { "mail.yaml", 1 } };
	struct hiera_data hd;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	hd.sender_logins = sl;
	hd.nsender_logins = 5;
	hd.alias_domains = ad;
	hd.alias_domain_origins = ado;
	hd.nalias_domains = 1;
	m = build(a, 3, &hd);
	/* get() checks the keys come out strictly sorted */
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN, "alice@example.org"),
	    "alice, bob");
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN, "alice@example.net"),
	    "alice, bob");
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN, "bob@example.net"),
	    "bob");
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN, "zz-list@example.net"),
	    "alice, bob");
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN,
	    "0-first@example.com"), "bob");
	/* a locked account has no entry and cannot be named as a login */
	assert_null(get(m, OUTPUT_SENDER_LOGIN, "carol@example.org"));
	assert_null(get(m, OUTPUT_SENDER_LOGIN, "list2@example.org"));
	assert_non_null(strstr(logbuf, "mail.yaml:6: sender_logins of "
	    "list2@example.org: carol is not an active account"));
	assert_int_equal(model_stats(m)->dangling, 1);
	/* alice, bob and zz-list in both domains, 0-first once */
	assert_int_equal(count(m, OUTPUT_SENDER_LOGIN), 7);
	model_free(&m);
}

/* A local part in a long alias domain can exceed ADDR_MAX as a whole;
   the variant is still published (Postfix looks it up as it comes). */
static void
test_model_sender_login_long_variant(void **state)
{
	struct account a[] = {
		acc("a-rather-long-login-name", "x@ext.example", H1,
		    ACCOUNT_ACTIVE),
	};
	char dom[256], key[320], *ad[] = { dom };
	struct origin ado[] = { { "mail.yaml", 1 } };
	struct hiera_data hd;
	struct model *m;

	/* four 59-character labels: 4 * 60 - 1 + ".net" = 243 */
	(void)snprintf(dom, sizeof(dom), "%.59s.%.59s.%.59s.%.59s.net",
	    LABEL59, LABEL59, LABEL59, LABEL59);
	memset(&hd, 0, sizeof(hd));
	hd.alias_domains = ad;
	hd.alias_domain_origins = ado;
	hd.nalias_domains = 1;
	m = build(a, 1, &hd);
	(void)snprintf(key, sizeof(key), "a-rather-long-login-name@%s", dom);
	assert_true(strlen(key) > 254);
	assert_string_equal(get(m, OUTPUT_SENDER_LOGIN, key),
	    "a-rather-long-login-name");
	model_free(&m);
}

/* A password store in memory, as the sync's scratch file behaves:
   handles are indices; put fails for the hash FAIL_PUT, get for the
   handle fail_get. */
#define FAIL_PUT "{PLAIN}fail-put"

struct store {
	char *v[8];
	size_t n;
	size_t gets;
	uint64_t fail_get;
};

static int
store_put(void *arg, const char *hash, uint64_t *ref_r, struct errbuf *eb)
{
	struct store *st = arg;

	if (strcmp(hash, FAIL_PUT) == 0 || st->n == 8) {
		errbuf_set(eb, "store says no");
		return -1;
	}
	assert_non_null(st->v[st->n] = strdup(hash));
	*ref_r = st->n++;
	return 0;
}

static int
store_get(void *arg, uint64_t ref, char *buf, size_t bufsz,
    struct errbuf *eb)
{
	struct store *st = arg;

	st->gets++;
	if (ref >= st->n || ref == st->fail_get) {
		errbuf_set(eb, "store lost it");
		return -1;
	}
	assert_true(strlen(st->v[ref]) < bufsz);
	(void)snprintf(buf, bufsz, "%s", st->v[ref]);
	return 0;
}

static void
store_free(struct store *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		free(st->v[i]);
	st->n = 0;
}

/* With a password store the hashes are parked there as accounts are
   added and fetched back, in login order, for the passwd output;
   failures of either side reach the caller; with drop_passwords none is
   kept and the passwd output is refused. */
static void
test_model_passwd_store(void **state)
{
	struct account a[] = {
		acc("zed", NULL, H1, ACCOUNT_ACTIVE),
		acc("Amy", NULL, H2, ACCOUNT_ACTIVE),
		acc("locked", NULL, H1, ACCOUNT_LOCKED),
		acc("bob", NULL, H1, ACCOUNT_ACTIVE),
		acc("fail", NULL, FAIL_PUT, ACCOUNT_ACTIVE),
	};
	struct store st = { .fail_get = 99 };
	struct model_pwstore ps = { store_put, store_get, &st };
	struct model_opts mo = { .domain = "example.org", .have_ldap = 1,
		.pwstore = &ps };
	struct account_list al = { .v = a, .n = 4, .cap = 4 };
	struct kvlist l;
	struct errbuf eb;
	struct model *m;

	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_accounts(m, &al, &eb), 0);
	assert_int_equal(model_resolve(m, &eb), 0);
	assert_int_equal(st.n, 3); /* zed, amy, bob: not the locked one */
	assert_int_equal(model_render(m, OUTPUT_PASSWD, &l, &eb), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].key, "amy");
	assert_string_equal(l.v[0].value, H2);
	assert_string_equal(l.v[1].key, "bob");
	assert_string_equal(l.v[2].key, "zed");
	assert_string_equal(l.v[2].value, H1);
	kvlist_free(&l);
	st.fail_get = 1; /* amy's */
	assert_int_equal(model_render(m, OUTPUT_PASSWD, &l, &eb), -1);
	assert_string_equal(eb.msg, "store lost it");
	model_free(&m);
	store_free(&st);

	al.v = &a[4];
	al.n = al.cap = 1;
	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_accounts(m, &al, &eb), -1);
	assert_string_equal(eb.msg, "store says no");
	model_free(&m);

	mo.pwstore = NULL;
	mo.drop_passwords = 1;
	al.v = a;
	al.n = al.cap = 4;
	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_accounts(m, &al, &eb), 0);
	assert_int_equal(model_resolve(m, &eb), 0);
	assert_int_equal(model_render(m, OUTPUT_PASSWD, &l, &eb), -1);
	assert_non_null(strstr(eb.msg, "dropped"));
	assert_int_equal(count(m, OUTPUT_SENDER_LOGIN), 3);
	model_free(&m);
}

/* Messages name the DN: derived from uid and base when it has that
   form, kept as given otherwise. */
static void
test_model_dn_derived_or_kept(void **state)
{
	struct model_opts mo = { .domain = "example.org", .have_ldap = 1,
		.ldap_base = "ou=users,dc=example,dc=org" };
	char dn1[] = "uid=alice,ou=users,dc=example,dc=org";
	char dn2[] = "uid=Bob,ou=users,dc=example,dc=org";
	char dn3[] = "cn=carol,ou=users,dc=example,dc=org";
	struct account a[] = {
		{ dn1, "alice", "alice@ext.example", NULL, ACCOUNT_ACTIVE },
		{ dn2, "Bob", "bob@ext.example", NULL, ACCOUNT_ACTIVE },
		{ dn3, "carol", "carol@ext.example", NULL, ACCOUNT_ACTIVE },
	};
	struct account_list al = { .v = a, .n = 3, .cap = 3 };
	char *t[] = { "x@ext.example" };
	struct hiera_list hl1[] = { hl("alice", 7, t, 1), hl("bob", 8, t, 1),
		hl("carol", 9, t, 1) };
	struct hiera_data hd;
	struct errbuf eb;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	hd.aliases = hl1;
	hd.naliases = 3;
	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_accounts(m, &al, &eb), 0);
	memset(dn1, 'X', sizeof(dn1) - 1);
	memset(dn2, 'X', sizeof(dn2) - 1);
	memset(dn3, 'X', sizeof(dn3) - 1);
	assert_int_equal(model_add_hiera(m, &hd, &eb), 0);
	assert_non_null(strstr(logbuf, "at ldap uid=alice,ou=users,dc=example,"
	    "dc=org and as alias at mail.yaml:7"));
	assert_non_null(strstr(logbuf, "at ldap uid=Bob,ou=users,dc=example,"
	    "dc=org and"));
	assert_non_null(strstr(logbuf, "at ldap cn=carol,ou=users,dc=example,"
	    "dc=org and"));
	assert_int_equal(model_stats(m)->conflicts, 3);
	model_free(&m);
}

/* One alias reaching many terminal nodes through several paths lists
   each once, in the order first reached. */
static void
test_model_expansion_dedup(void **state)
{
	struct account a[] = {
		acc("a1", "a1@ext.example", NULL, ACCOUNT_ACTIVE),
		acc("a2", "a2@ext.example", NULL, ACCOUNT_ACTIVE),
		acc("a3", "a3@ext.example", NULL, ACCOUNT_ACTIVE),
	};
	char *g1[] = { "a2, a1" }, *g2[] = { "a1, a3" },
	     *all[] = { "g1, g2, a3, g1" };
	struct hiera_list al[] = { hl("g1", 2, g1, 1), hl("g2", 3, g2, 1),
		hl("all", 4, all, 1) };
	struct hiera_data hd;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	hd.aliases = al;
	hd.naliases = 3;
	m = build(a, 3, &hd);
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "all@example.org"),
	    "a2@example.org, a1@example.org, a3@example.org");
	assert_null(get(m, OUTPUT_VIRTUAL, "a1@example.org"));
	assert_null(get(m, OUTPUT_FORWARD, "all@example.org"));
	assert_null(get(m, OUTPUT_TRANSPORT, "all@example.org"));
	model_free(&m);
}

static void
test_model_no_domain(void **state)
{
	struct model_opts mo = { .domain = NULL };
	struct errbuf eb;

	assert_null(model_new(&mo, &eb));
	assert_non_null(strstr(eb.msg, "domain"));
	mo.domain = "bad domain";
	assert_null(model_new(&mo, &eb));
	assert_non_null(strstr(eb.msg, "bad domain"));
}

static void
test_model_many(void **state)
{
	struct account *a = calloc(20000, sizeof(*a));
	char (*uids)[16] = calloc(20000, 16), (*fw)[40] = calloc(20000, 40);
	struct model *m;
	size_t i;

	for (i = 0; i < 20000; i++) {
		(void)snprintf(uids[i], 16, "u%zu", i);
		(void)snprintf(fw[i], 40, "u%zu@ext.example", i);
		a[i] = acc(uids[i], fw[i], H1, ACCOUNT_ACTIVE);
	}
	m = build(a, 20000, NULL);
	assert_int_equal(count(m, OUTPUT_VIRTUAL), 0);
	assert_int_equal(count(m, OUTPUT_RELAY_RECIPIENTS), 20000);
	assert_int_equal(count(m, OUTPUT_TRANSPORT), 20000);
	assert_int_equal(count(m, OUTPUT_PASSWD), 20000);
	assert_string_equal(get(m, OUTPUT_FORWARD, "u19999@example.org"),
	    "u19999@ext.example");
	model_free(&m);
	free(a);
	free(uids);
	free(fw);
}

/* An account with a DN of its own (acc() derives "uid=UID,ou=users"). */
static struct account
acc_dn(const char *dn, const char *uid, const char *fwd, const char *pw,
    enum account_state st)
{
	struct account a = acc(uid, fwd, pw, st);

	a.dn = (char *)dn;
	return a;
}

/* Accounts that meet in every way the order of LDAP's answer could
   matter: two entries giving one name, account forwards that form a
   loop, retired and locked accounts behind aliases and sender logins. */
static struct model *
build_tangle(int reverse, struct hiera_data *hd)
{
	static char *t1[] = { "victim", "carol" }, *t2[] = { "ret" },
	    *t3[] = { "gone" }, *t4[] = { "ret", "act" }, *l1[] = { "lck" },
	    *l2[] = { "act", "lck" }, *l3[] = { "victim" },
	    *ad[] = { "example.net" };
	static struct hiera_list al[4], sl[3];
	static struct origin ado[] = { { "mail.yaml", 1 } };
	struct account a[] = {
		acc_dn("uid=victim,ou=users,dc=example,dc=org", "victim",
		    "victim@ext.example", H1, ACCOUNT_ACTIVE),
		acc_dn("uid=victim,ou=extra,ou=users,dc=example,dc=org",
		    "victim", "attacker@evil.example", H2, ACCOUNT_ACTIVE),
		acc("carol", "carol@ext.example", H2, ACCOUNT_ACTIVE),
		/* a retired twin of an active account explains nothing */
		acc_dn("uid=carol,ou=old,ou=users,dc=example,dc=org", "carol",
		    NULL, H1, ACCOUNT_RETIRED),
		acc("alice", "alice@ext.example, bob@example.org", H1,
		    ACCOUNT_ACTIVE),
		acc("bob", "bob@ext.example, alice@example.org", H2,
		    ACCOUNT_ACTIVE),
		acc("act", "act@ext.example", H1, ACCOUNT_ACTIVE),
		acc("lck", "lck@ext.example", H1, ACCOUNT_LOCKED),
		acc("exp", NULL, H2, ACCOUNT_EXPIRED),
		acc("ret", "ret@ext.example", H1, ACCOUNT_RETIRED),
	}, r[sizeof(a) / sizeof(a[0])];
	size_t i, n = sizeof(a) / sizeof(a[0]);

	for (i = 0; i < n; i++)
		r[i] = a[reverse ? n - 1 - i : i];
	al[0] = hl("team", 3, t1, 2);
	al[1] = hl("gone", 4, t2, 1);
	al[2] = hl("chain", 5, t3, 1);
	al[3] = hl("mixed", 6, t4, 2);
	sl[0] = hl("board", 8, l1, 1);
	sl[1] = hl("staff", 9, l2, 2);
	sl[2] = hl("team", 10, l3, 1);
	memset(hd, 0, sizeof(*hd));
	hd->aliases = al;
	hd->naliases = 4;
	hd->sender_logins = sl;
	hd->nsender_logins = 3;
	hd->alias_domains = ad;
	hd->alias_domain_origins = ado;
	hd->nalias_domains = 1;
	return build(r, n, hd);
}

/* No output depends on the order LDAP returns entries in: the same
   accounts in two orders render every output identically.  Two entries
   giving one name are both refused (neither gets the mail, the login or
   the sender address), and a loop between account forwards always
   loses the same edge. */
static void
test_model_ldap_order_independent(void **state)
{
	struct hiera_data hd;
	struct model *m1, *m2;
	struct kvlist l1, l2;
	struct errbuf eb;
	const char *p;
	size_t i;
	int k;

	m1 = build_tangle(0, &hd);
	m2 = build_tangle(1, &hd);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		assert_int_equal(model_render(m1, (enum output_kind)k, &l1,
		    &eb), 0);
		assert_int_equal(model_render(m2, (enum output_kind)k, &l2,
		    &eb), 0);
		assert_int_equal(l1.n, l2.n);
		for (i = 0; i < l1.n; i++) {
			assert_string_equal(l1.v[i].key, l2.v[i].key);
			assert_string_equal(l1.v[i].value, l2.v[i].value);
		}
		kvlist_free(&l1);
		kvlist_free(&l2);
	}
	assert_null(get(m1, OUTPUT_PASSWD, "victim"));
	assert_null(get(m1, OUTPUT_RELAY_RECIPIENTS, "victim@example.org"));
	assert_null(get(m1, OUTPUT_FORWARD, "victim@example.org"));
	assert_null(get(m1, OUTPUT_SENDER_LOGIN, "victim@example.org"));
	assert_null(get(m1, OUTPUT_SENDER_LOGIN, "team@example.org"));
	assert_string_equal(get(m1, OUTPUT_VIRTUAL, "team@example.org"),
	    "carol@example.org");
	assert_string_equal(get(m1, OUTPUT_FORWARD, "alice@example.org"),
	    "alice@ext.example, bob@example.org");
	assert_string_equal(get(m1, OUTPUT_FORWARD, "bob@example.org"),
	    "bob@ext.example");
	assert_string_equal(get(m1, OUTPUT_PASSWD, "carol"), H2);
	/* the same words whichever came first: once for each build */
	p = strstr(logbuf, "victim@example.org claimed by two LDAP entries "
	    "(ldap uid=victim,ou=extra,ou=users,dc=example,dc=org and ldap "
	    "uid=victim,ou=users,dc=example,dc=org): both refused");
	assert_non_null(p);
	assert_non_null(strstr(p + 1, "victim@example.org claimed by two "
	    "LDAP entries (ldap uid=victim,ou=extra,ou=users,"
	    "dc=example,dc=org and ldap uid=victim,ou=users,"
	    "dc=example,dc=org): both refused"));
	assert_int_equal(model_stats(m1)->conflicts, 1);
	assert_int_equal(model_stats(m2)->conflicts, 1);
	assert_int_equal(model_stats(m1)->accounts, 6);
	model_free(&m1);
	model_free(&m2);
}

struct keys {
	char *v[64];
	size_t n;
};

static int
keys_add(void *arg, const char *key, const char *value)
{
	struct keys *k = arg;
	size_t i;

	assert_string_equal(value, "");
	for (i = 0; i < k->n; i++)
		if (strcmp(k->v[i], key) == 0)
			return 0;
	assert_true(k->n < 64);
	assert_non_null(k->v[k->n++] = strdup(key));
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys model_emit_explained gives for KIND, sorted, space-joined. */
static const char *
explained(struct model *m, enum output_kind kind)
{
	static char out[1024];
	struct keys k = { { NULL }, 0 };
	struct errbuf eb;
	size_t i, len;

	assert_int_equal(model_emit_explained(m, kind, keys_add, &k, &eb), 0);
	qsort(k.v, k.n, sizeof(k.v[0]), str_cmp);
	out[0] = '\0';
	for (i = 0; i < k.n; i++) {
		len = strlen(out);
		(void)snprintf(out + len, sizeof(out) - len, "%s%s",
		    i > 0 ? " " : "", k.v[i]);
		free(k.v[i]);
	}
	return out;
}

/* What LDAP explains: a locked or expired account's login and sender
   addresses (it keeps forwarding), a retired one's entries everywhere,
   the aliases left with no destination by retired targets, and Hiera
   sender logins of such accounts.  Not the accounts two entries claim. */
static void
test_model_explained(void **state)
{
	struct hiera_data hd;
	struct model *m = build_tangle(0, &hd);

	assert_string_equal(explained(m, OUTPUT_PASSWD), "exp lck ret");
	assert_string_equal(explained(m, OUTPUT_SENDER_LOGIN),
	    "board@example.net board@example.org exp@example.net "
	    "exp@example.org lck@example.net lck@example.org "
	    "ret@example.net ret@example.org staff@example.net "
	    "staff@example.org");
	assert_string_equal(explained(m, OUTPUT_VIRTUAL),
	    "chain@example.net chain@example.org gone@example.net "
	    "gone@example.org ret@example.net ret@example.org");
	assert_string_equal(explained(m, OUTPUT_RELAY_RECIPIENTS),
	    "chain@example.org gone@example.org ret@example.org");
	assert_string_equal(explained(m, OUTPUT_TRANSPORT),
	    "chain@example.org gone@example.org ret@example.org");
	assert_string_equal(explained(m, OUTPUT_FORWARD),
	    "chain@example.org gone@example.org ret@example.org");
	assert_string_equal(explained(m, OUTPUT_ALIAS_DOMAINS), "");
	/* mixed keeps act: not gone; the alias that lost only a retired
	   target says so */
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "mixed@example.org"),
	    "act@example.org");
	assert_non_null(strstr(logbuf, "gone@example.org -> ret@example.org: "
	    "a retired account (dangling target dropped)"));
	model_free(&m);
}

/* Virtual keys of one local part in several domains: an address
   defined in an alias domain itself wins over the primary address's
   variant (one entry, not two), and a key in a foreign domain sorts
   among them (fuzz_model found both emitted out of order). */
static void
test_model_virtual_domains_of_one_local_part(void **state)
{
	struct account a[] = {
		acc("x", "x@ext.example", H1, ACCOUNT_ACTIVE),
		acc("carol", "carol@ext.example", H1, ACCOUNT_ACTIVE),
	};
	char *t1[] = { "carol" }, *t2[] = { "x" }, *ad[] = { "example.net" };
	struct hiera_list al[] = { hl("x@example.net", 3, t1, 1),
		hl("x@example.nain", 4, t2, 1) };
	struct origin ado[] = { { "mail.yaml", 1 } };
	struct hiera_data hd;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	hd.aliases = al;
	hd.naliases = 2;
	hd.alias_domains = ad;
	hd.alias_domain_origins = ado;
	hd.nalias_domains = 1;
	m = build(a, 2, &hd); /* get() checks the order */
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "x@example.net"),
	    "carol@example.org");
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "x@example.nain"),
	    "x@example.org");
	assert_null(get(m, OUTPUT_VIRTUAL, "x@example.org"));
	assert_string_equal(get(m, OUTPUT_VIRTUAL, "carol@example.net"),
	    "carol@example.org");
	/* carol@example.net, x@example.nain, x@example.net */
	assert_int_equal(count(m, OUTPUT_VIRTUAL), 3);
	model_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_model_accounts_states, setup),
		cmocka_unit_test_setup(test_model_bad_records_isolated, setup),
		cmocka_unit_test_setup(test_model_ldap_drops_counted, setup),
		cmocka_unit_test_setup(test_model_aliases_flatten, setup),
		cmocka_unit_test_setup(test_model_conflict_loop_dangling,
		    setup),
		cmocka_unit_test_setup(test_model_presume_accounts, setup),
		cmocka_unit_test_setup(test_model_origin_outlives_accounts,
		    setup),
		cmocka_unit_test_setup(test_model_no_domain, setup),
		cmocka_unit_test_setup(test_model_sender_login_merge, setup),
		cmocka_unit_test_setup(test_model_passwd_store, setup),
		cmocka_unit_test_setup(test_model_ldap_order_independent,
		    setup),
		cmocka_unit_test_setup(test_model_explained, setup),
		cmocka_unit_test_setup(
		    test_model_virtual_domains_of_one_local_part, setup),
		cmocka_unit_test_setup(test_model_sender_login_long_variant,
		    setup),
		cmocka_unit_test_setup(test_model_dn_derived_or_kept, setup),
		cmocka_unit_test_setup(test_model_expansion_dedup, setup),
		cmocka_unit_test_setup(test_model_many, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
