/*
 * test_src_ldap: the parts of src_ldap that need no server: account
 * state (ud-ldap's rules, src_ldap_state), filter escaping, value checks, the
 * account name taken from hostile DNs, and the Who am I? check after a
 * bind (libldap's bind and whoami faked with -Wl,--wrap).  The protocol
 * is tested against a real slapd in tests/integration/t2xx.
 */
#include "config.h"

#include <ldap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src_ldap.h"
#include "tmpdir.h"

/* 2024-06-15 is day 19889 since 1970-01-01. */
#define DAY 19889L
#define NOON ((time_t)(DAY * 86400 + 12 * 3600))

struct state_case {
	const char *name;
	const char *userpw, *shadow, *status;
	time_t now;
	int grace;
	enum account_state want;
};

static const struct state_case state_cases[] = {
	{ "plain active", "{SSHA}abc", NULL, NULL, NOON, 186, ACCOUNT_ACTIVE },
	{ "status active", "{SSHA}abc", NULL, "active", NOON, 186,
	    ACCOUNT_ACTIVE },
	{ "no userPassword is locked", NULL, NULL, NULL, NOON, 186,
	    ACCOUNT_LOCKED },
	{ "{crypt}*LK*", "{crypt}*LK*", NULL, NULL, NOON, 186,
	    ACCOUNT_LOCKED },
	{ "{CRYPT}*LK* upper", "{CRYPT}*LK*", NULL, NULL, NOON, 186,
	    ACCOUNT_LOCKED },
	{ "{Crypt}*lk* mixed", "{Crypt}*lk*", NULL, NULL, NOON, 186,
	    ACCOUNT_LOCKED },
	{ "{crypt}! prefix", "{crypt}!$6$xyz", NULL, NULL, NOON, 186,
	    ACCOUNT_LOCKED },
	{ "{crypt}*LK*x is not the lock", "{crypt}*LK*x", NULL, NULL, NOON,
	    186, ACCOUNT_ACTIVE },
	{ "{crypt}*SSLRESET* counts as active", "{crypt}*SSLRESET*", NULL,
	    NULL, NOON, 186, ACCOUNT_ACTIVE },
	{ "bare ! is active (not {crypt}!)", "!foo", NULL, NULL, NOON, 186,
	    ACCOUNT_ACTIVE },
	{ "shadowExpire yesterday", "{SSHA}a", "19888", NULL, NOON, 186,
	    ACCOUNT_EXPIRED },
	{ "shadowExpire today, noon", "{SSHA}a", "19889", NULL, NOON, 186,
	    ACCOUNT_EXPIRED },
	{ "shadowExpire today, midnight exactly", "{SSHA}a", "19889", NULL,
	    (time_t)(DAY * 86400), 186, ACCOUNT_ACTIVE },
	{ "shadowExpire tomorrow", "{SSHA}a", "19890", NULL, NOON, 186,
	    ACCOUNT_ACTIVE },
	{ "shadowExpire 1 (ud-lock)", "{SSHA}a", "1", NULL, NOON, 186,
	    ACCOUNT_EXPIRED },
	{ "shadowExpire -1 as ud-ldap", "{SSHA}a", "-1", NULL, NOON, 186,
	    ACCOUNT_EXPIRED },
	{ "shadowExpire junk ignored", "{SSHA}a", "soon", NULL, NOON, 186,
	    ACCOUNT_ACTIVE },
	{ "shadowExpire huge", "{SSHA}a", "99999999999999999999", NULL, NOON,
	    186, ACCOUNT_ACTIVE },
	{ "locked wins over expired", "{crypt}*LK*", "1", NULL, NOON, 186,
	    ACCOUNT_LOCKED },
	{ "inactive", "{SSHA}a", NULL, "inactive", NOON, 186,
	    ACCOUNT_RETIRED },
	{ "inactive with date", "{SSHA}a", NULL, "inactive 2021-01-01", NOON,
	    186, ACCOUNT_RETIRED },
	{ "memorial", "{crypt}*LK*", NULL, "memorial", NOON, 186,
	    ACCOUNT_RETIRED },
	{ "Memorial case", "{SSHA}a", NULL, "Memorial", NOON, 186,
	    ACCOUNT_RETIRED },
	{ "inactivex is not inactive", "{SSHA}a", NULL, "inactivex", NOON,
	    186, ACCOUNT_ACTIVE },
	{ "retiring 10 days ago", "{crypt}*LK*", "1", "retiring 2024-06-05",
	    NOON, 186, ACCOUNT_LOCKED },
	{ "retiring 186 days ago: grace not over", "{crypt}*LK*", "1",
	    "retiring 2023-12-12", NOON, 186, ACCOUNT_LOCKED },
	{ "retiring 187 days ago: retired", "{crypt}*LK*", "1",
	    "retiring 2023-12-11", NOON, 186, ACCOUNT_RETIRED },
	{ "retiring 187 days ago, just after midnight", "{crypt}*LK*", "1",
	    "retiring 2023-12-11", (time_t)(DAY * 86400), 186,
	    ACCOUNT_RETIRED },
	{ "retiring 186 days ago, last second of day", "{crypt}*LK*", "1",
	    "retiring 2023-12-12", (time_t)(DAY * 86400 + 86399), 186,
	    ACCOUNT_LOCKED },
	{ "grace 0: yesterday retired", "{crypt}*LK*", NULL,
	    "retiring 2024-06-14", NOON, 0, ACCOUNT_RETIRED },
	{ "grace 0: today not", "{crypt}*LK*", NULL, "retiring 2024-06-15",
	    NOON, 0, ACCOUNT_LOCKED },
	{ "retiring in the future", "{SSHA}a", NULL, "retiring 2030-01-01",
	    NOON, 186, ACCOUNT_ACTIVE },
	{ "retiring with no date", "{crypt}*LK*", NULL, "retiring", NOON, 186,
	    ACCOUNT_LOCKED },
	{ "retiring with bad date", "{crypt}*LK*", NULL, "retiring 2020-13-01",
	    NOON, 186, ACCOUNT_LOCKED },
	{ "retiring Feb 30", "{crypt}*LK*", NULL, "retiring 2020-02-30",
	    NOON, 186, ACCOUNT_LOCKED },
	{ "retiring Feb 29 leap year", "{crypt}*LK*", NULL,
	    "retiring 2020-02-29", NOON, 186, ACCOUNT_RETIRED },
	{ "retiring Feb 29 non-leap", "{crypt}*LK*", NULL,
	    "retiring 2021-02-29", NOON, 186, ACCOUNT_LOCKED },
	{ "retiring date with trailing text", "{crypt}*LK*", NULL,
	    "retiring 2020-01-01 RT#1", NOON, 186, ACCOUNT_RETIRED },
	{ "retiring date glued to text", "{crypt}*LK*", NULL,
	    "retiring 2020-01-01x", NOON, 186, ACCOUNT_LOCKED },
	{ "leading blanks", "{SSHA}a", NULL, "  memorial", NOON, 186,
	    ACCOUNT_RETIRED },
	{ "empty status", "{SSHA}a", NULL, "", NOON, 186, ACCOUNT_ACTIVE },
	{ "retired wins over all", NULL, "1", "inactive", NOON, 186,
	    ACCOUNT_RETIRED },
};

static void
test_src_ldap_state_table(void **st)
{
	size_t i;
	enum account_state got;

	(void)st;
	for (i = 0; i < sizeof(state_cases) / sizeof(state_cases[0]); i++) {
		const struct state_case *c = &state_cases[i];

		got = src_ldap_state(c->userpw, c->shadow, c->status, c->now,
		    c->grace);
		if (got != c->want)
			fail_msg("%s: got %s, want %s", c->name,
			    account_state_name(got),
			    account_state_name(c->want));
	}
}

static void
test_src_ldap_state_before_1970(void **st)
{
	(void)st;
	/* A clock before 1970 must not divide its way into "retired". */
	assert_int_equal(src_ldap_state("{SSHA}a", NULL, "retiring 1969-12-31",
	    (time_t)-1, 0), ACCOUNT_ACTIVE);
	assert_int_equal(src_ldap_state("{SSHA}a", "0", NULL, (time_t)-1, 0),
	    ACCOUNT_ACTIVE);
}

static void
test_src_ldap_filter_escape(void **st)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "alice", "alice" },
		{ "", "" },
		{ "*", "\\2a" },
		{ "a*)(uid=*", "a\\2a\\29\\28uid=\\2a" },
		{ "x\\y", "x\\5cy" },
		{ "caf\xc3\xa9", "caf\\c3\\a9" },
		{ "(|(uid=*))", "\\28|\\28uid=\\2a\\29\\29" },
		{ "a b=c,d", "a b=c,d" },
	};
	size_t i;
	char *got;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = src_ldap_filter_escape(cases[i].in);
		assert_non_null(got);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static int
uid_ok(const char *s)
{
	return src_ldap_uid_problem(s, strlen(s)) == NULL;
}

static void
test_src_ldap_uid_problem(void **st)
{
	(void)st;
	assert_true(uid_ok("alice"));
	assert_true(uid_ok("a.b-c_d9"));
	assert_true(uid_ok("Alice")); /* usable; the fetch warns */
	assert_true(uid_ok("0day"));
	assert_false(uid_ok(""));
	assert_false(uid_ok("bad:uid"));
	assert_string_equal(src_ldap_uid_problem("a:b", 3), "contains ':'");
	assert_false(uid_ok("al ice"));
	assert_false(uid_ok("-alice"));
	assert_false(uid_ok(".alice"));
	assert_false(uid_ok("alice@example.org"));
	assert_false(uid_ok("a/b"));
	assert_false(uid_ok("j\xc3\xbcrgen"));
	assert_string_equal(src_ldap_uid_problem("j\xc3\xbc", 3), "not ASCII");
	assert_false(uid_ok("a\nb"));
	assert_false(uid_ok("a\tb"));
	assert_false(src_ldap_uid_problem("a\0b", 3) == NULL);
	assert_true(uid_ok("a234567890123456789012345678901234567890123456789"
	    "012345678901234"));
	assert_false(uid_ok("a234567890123456789012345678901234567890123456789"
	    "0123456789012345"));
}

static int
fwd_ok(const char *s)
{
	return src_ldap_forward_problem(s, strlen(s)) == NULL;
}

static void
test_src_ldap_forward_problem(void **st)
{
	char big[SRC_LDAP_FORWARD_MAX + 2];

	(void)st;
	assert_true(fwd_ok("alice@example.net"));
	assert_true(fwd_ok("a@x,b@y"));
	assert_true(fwd_ok("a@x, b@y,  c@z"));
	assert_true(fwd_ok("first.last+tag@sub.example.net"));
	assert_false(fwd_ok(""));
	assert_false(fwd_ok("alice"));
	assert_false(fwd_ok("@example.net"));
	assert_false(fwd_ok("alice@"));
	assert_false(fwd_ok("a@b@c"));
	assert_false(fwd_ok("a@x,"));
	assert_false(fwd_ok("a@x, "));
	assert_false(fwd_ok("a@x ,b@y"));
	assert_false(fwd_ok(" a@x"));
	assert_false(fwd_ok("Alice <a@x>"));
	assert_false(fwd_ok("a@x\nb@y"));
	assert_string_equal(src_ldap_forward_problem("a@x\nb@y", 7),
	    "contains a line break");
	assert_false(fwd_ok("a@x\r"));
	assert_false(fwd_ok("\xc3\xa4@x"));
	assert_false(src_ldap_forward_problem("a@x\0b", 5) == NULL);
	/* ud-generate allows this odd one: the local part may hold ','. */
	assert_true(fwd_ok("a,b@x"));

	memset(big, 'a', sizeof(big));
	big[0] = 'a';
	big[1] = '@';
	big[SRC_LDAP_FORWARD_MAX] = '\0'; /* exactly 200 */
	assert_true(fwd_ok(big));
	big[SRC_LDAP_FORWARD_MAX] = 'a';
	big[SRC_LDAP_FORWARD_MAX + 1] = '\0'; /* 201 */
	assert_false(fwd_ok(big));
	assert_string_equal(src_ldap_forward_problem(big, strlen(big)),
	    "longer than 200 characters");
}

static int
pw_ok(const char *s)
{
	return src_ldap_password_problem(s, strlen(s)) == NULL;
}

static void
test_src_ldap_password_problem(void **st)
{
	(void)st;
	assert_true(pw_ok("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"));
	assert_true(pw_ok("{SHA512-CRYPT}$6$salt$hash"));
	assert_true(pw_ok("{PLAIN}x"));
	/* Bare crypt(3) hashes, as the Perl ud-ldap writes them, and any
	   other printable value reach the model (and mailpw audit), which
	   ask pwhash whether Dovecot can verify them. */
	assert_true(pw_ok("$6$salt$hash"));
	assert_true(pw_ok("$1$salt$hash"));
	assert_true(pw_ok("{}x"));
	assert_true(pw_ok("{SHA512-CRYPT"));
	/* a plaintext may hold a space; Dovecot splits on ':' only */
	assert_true(pw_ok("{PLAIN}a b"));
	assert_false(pw_ok(""));
	assert_false(pw_ok("{PLAIN}a\nb"));
	assert_false(pw_ok("{PLAIN}\xc3\xa4"));
	assert_false(src_ldap_password_problem("{PLAIN}a\0b", 10) == NULL);
}

struct dn_case {
	const char *dn;
	size_t len;     /* 0: strlen */
	const char *attr;
	const char *want; /* the name, or NULL: refused */
	const char *why;  /* a piece of the reason when refused */
};

static const struct dn_case dn_cases[] = {
	{ "uid=alice,ou=users,dc=example,dc=org", 0, "uid", "alice", NULL },
	{ "uid=alice", 0, "uid", "alice", NULL },
	/* type case-insensitive, value as written (the model folds it) */
	{ "UID=Alice,ou=users,dc=example,dc=org", 0, "uid", "Alice", NULL },
	/* uid's other name and its OID mean the same attribute */
	{ "userid=bob,ou=users", 0, "uid", "bob", NULL },
	{ "0.9.2342.19200300.100.1.1=carol,ou=users", 0, "uid", "carol",
	    NULL },
	/* escapes are decoded: \61 is 'a' */
	{ "uid=\\61lice,ou=users", 0, "uid", "alice", NULL },
	/* a configured attribute name, and uid's aliases only for uid */
	{ "login=dave,ou=users", 0, "login", "dave", NULL },
	{ "uid=dave,ou=users", 0, "login", NULL, "RDN is uid=..., not "
	    "login=NAME" },
	/* an escaped comma is part of the value, never a separator */
	{ "uid=evil\\,victim,ou=users,dc=example,dc=org", 0, "uid", NULL,
	    "uid in the RDN: contains a character other than" },
	{ "uid=evil\\2Cvictim,ou=users", 0, "uid", NULL,
	    "uid in the RDN: contains a character" },
	{ "uid=victim\\,ou=users,ou=users", 0, "uid", NULL, "uid in the RDN" },
	/* multi-valued RDNs, in either order */
	{ "cn=Victim+uid=victim,ou=users", 0, "uid", NULL,
	    "RDN has 2 attributes" },
	{ "uid=victim+cn=Victim,ou=users", 0, "uid", NULL,
	    "RDN has 2 attributes" },
	{ "uid=victim+uid=claim,ou=users", 0, "uid", NULL,
	    "RDN has 2 attributes" },
	/* uid only in a parent's RDN */
	{ "cn=sub,uid=victim,ou=users", 0, "uid", NULL,
	    "RDN is cn=..., not uid=NAME" },
	{ "ou=users,dc=example,dc=org", 0, "uid", NULL, "RDN is ou=" },
	/* BER-encoded value: #04 06 "victim" */
	{ "uid=#0406766963746976,ou=users", 0, "uid", NULL, "BER-encoded" },
	/* NUL: escaped inside the value, or raw inside the DN */
	{ "uid=vic\\00tim,ou=users", 0, "uid", NULL,
	    "uid in the RDN: contains a NUL byte" },
	{ "uid=victim\0,ou=evil", 16, "uid", NULL, "DN contains a NUL byte" },
	/* non-ASCII, escaped or raw UTF-8 */
	{ "uid=j\\C3\\BCrgen,ou=users", 0, "uid", NULL,
	    "uid in the RDN: not ASCII" },
	{ "uid=j\xc3\xbcrgen,ou=users", 0, "uid", NULL, "not ASCII" },
	{ "uid=bad:uid,ou=users", 0, "uid", NULL, "contains ':'" },
	{ "uid=,ou=users", 0, "uid", NULL, "uid in the RDN: empty" },
	{ "uid=a2345678901234567890123456789012345678901234567890123456789"
	    "012345,ou=users", 0, "uid", NULL, "longer than 64 bytes" },
	{ "", 0, "uid", NULL, "empty DN" },
	{ "garbage", 0, "uid", NULL, "does not parse" },
	{ "uid=alice,,ou=users", 0, "uid", NULL, "does not parse" },
	{ "uid=alice\\", 0, "uid", NULL, "does not parse" },
};

/* The account name comes from the RDN, parsed by libldap, whatever a
   hostile DN holds; anything but exactly one usable uid=NAME is refused
   with a reason. */
static void
test_src_ldap_dn_uid(void **st)
{
	char name[SRC_LDAP_UID_MAX + 1];
	struct errbuf eb;
	size_t i, len;
	int r;

	(void)st;
	for (i = 0; i < sizeof(dn_cases) / sizeof(dn_cases[0]); i++) {
		const struct dn_case *c = &dn_cases[i];

		len = c->len != 0 ? c->len : strlen(c->dn);
		errbuf_clear(&eb);
		r = src_ldap_dn_uid(c->dn, len, c->attr, name, sizeof(name),
		    &eb);
		if (c->want != NULL) {
			if (r != 0)
				fail_msg("%s: refused: %s", c->dn, eb.msg);
			assert_string_equal(name, c->want);
		} else {
			if (r != -1)
				fail_msg("%s: accepted as %s", c->dn, name);
			if (strstr(eb.msg, c->why) == NULL)
				fail_msg("%s: reason '%s', want '%s'", c->dn,
				    eb.msg, c->why);
			assert_string_equal(name, "");
		}
	}
}

/* libldap's bind and Who am I?, faked for the identity check. */
int __wrap_ldap_sasl_bind_s(LDAP *ld, const char *dn, const char *mech,
    struct berval *cred, LDAPControl **sctrls, LDAPControl **cctrls,
    struct berval **servercredp);
int __wrap_ldap_whoami_s(LDAP *ld, struct berval **authzid,
    LDAPControl **sctrls, LDAPControl **cctrls);

static int whoami_rc;
static const char *whoami_answer; /* NULL: no authzid at all */
static int whoami_calls;

int
__wrap_ldap_sasl_bind_s(LDAP *ld, const char *dn, const char *mech,
    struct berval *cred, LDAPControl **sctrls, LDAPControl **cctrls,
    struct berval **servercredp)
{
	(void)ld;
	(void)dn;
	(void)mech;
	(void)cred;
	(void)sctrls;
	(void)cctrls;
	if (servercredp != NULL)
		*servercredp = NULL;
	return LDAP_SUCCESS;
}

int
__wrap_ldap_whoami_s(LDAP *ld, struct berval **authzid,
    LDAPControl **sctrls, LDAPControl **cctrls)
{
	(void)ld;
	(void)sctrls;
	(void)cctrls;
	whoami_calls++;
	*authzid = whoami_answer != NULL ? ber_bvstrdup(whoami_answer) :
	    NULL;
	return whoami_rc;
}

/* Connect with the bind faked to succeed and Who am I? answering RC
   and ANSWER; returns whether src_ldap_connect accepted it. */
static int
connect_with(struct conf_ldap *cl, int rc, const char *answer,
    struct errbuf *eb)
{
	struct ldap *ld;

	whoami_rc = rc;
	whoami_answer = answer;
	whoami_calls = 0;
	errbuf_clear(eb);
	if ((ld = src_ldap_connect(cl, NULL, eb)) == NULL)
		return 0;
	src_ldap_close(&ld);
	return 1;
}

/* A bind the server treats as anonymous (Who am I? answers empty, or
   nothing) is refused, for a simple bind and SASL EXTERNAL alike; a
   named identity passes, and so does a server without the operation
   (the sync's answer check still guards that case).  No bind, no
   question. */
static void
test_src_ldap_whoami_anonymous(void **st)
{
	struct conf_ldap cl;
	struct errbuf eb;
	char *dir = tmpdir_make("whoami"), *pwfile;
	FILE *f;

	(void)st;
	assert_true(asprintf(&pwfile, "%s/pw", dir) > 0);
	assert_non_null(f = fopen(pwfile, "w"));
	assert_true(fputs("not-a-real-secret\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(pwfile, 0600), 0);
	memset(&cl, 0, sizeof(cl));
	cl.enabled = 1;
	cl.uri = (char *)"ldap://127.0.0.1:1";
	cl.auth = CONF_LDAP_AUTH_SIMPLE;
	cl.bind_dn = (char *)"uid=mailsync,ou=services,dc=example,dc=org";
	cl.bind_password_file = pwfile;

	assert_false(connect_with(&cl, LDAP_SUCCESS, "", &eb));
	assert_int_equal(whoami_calls, 1);
	assert_non_null(strstr(eb.msg, "ldap bind as uid=mailsync,ou=services,"
	    "dc=example,dc=org to ldap://127.0.0.1:1: the server says the "
	    "session is anonymous"));
	assert_false(connect_with(&cl, LDAP_SUCCESS, NULL, &eb));
	assert_non_null(strstr(eb.msg, "anonymous"));
	assert_true(connect_with(&cl, LDAP_SUCCESS,
	    "dn:uid=mailsync,ou=services,dc=example,dc=org", &eb));
	assert_true(connect_with(&cl, LDAP_PROTOCOL_ERROR, NULL, &eb));
	assert_int_equal(whoami_calls, 1);

	cl.auth = CONF_LDAP_AUTH_SASL_EXTERNAL;
	cl.bind_dn = NULL;
	cl.bind_password_file = NULL;
	assert_false(connect_with(&cl, LDAP_SUCCESS, "", &eb));
	assert_non_null(strstr(eb.msg, "ldap bind as SASL EXTERNAL"));
	assert_true(connect_with(&cl, LDAP_SUCCESS,
	    "dn:cn=external,dc=example,dc=org", &eb));

	/* mailpw set --self binds as the user: checked the same way */
	whoami_answer = "";
	assert_null(src_ldap_connect_as(&cl, "uid=alice,ou=users",
	    "not-a-real-secret", NULL, &eb));
	assert_non_null(strstr(eb.msg, "ldap bind as uid=alice,ou=users"));
	assert_non_null(strstr(eb.msg, "anonymous"));

	cl.auth = CONF_LDAP_AUTH_NONE;
	assert_true(connect_with(&cl, LDAP_SUCCESS, "", &eb));
	assert_int_equal(whoami_calls, 0);
	free(pwfile);
	tmpdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_src_ldap_state_table),
		cmocka_unit_test(test_src_ldap_state_before_1970),
		cmocka_unit_test(test_src_ldap_filter_escape),
		cmocka_unit_test(test_src_ldap_uid_problem),
		cmocka_unit_test(test_src_ldap_forward_problem),
		cmocka_unit_test(test_src_ldap_password_problem),
		cmocka_unit_test(test_src_ldap_dn_uid),
		cmocka_unit_test(test_src_ldap_whoami_anonymous),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
