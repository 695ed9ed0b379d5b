/*
 * test_guard: the shrink guard's arithmetic, and the removals LDAP
 * explains counted against real published tables (text maps and a
 * passwd-file written through the table writer, as the sync does).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "guard.h"
#include "log.h"
#include "maptest.h"
#include "table.h"

#define H1 "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$" \
	"c29tZXNhbHRzb21lc2FsdA$" \
	"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"

static void
quiet(enum log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static int
setup(void **state)
{
	log_set_hook(quiet, NULL);
	*state = tmpdir_make("guard");
	return 0;
}

static int
teardown(void **state)
{
	tmpdir_remove(*state);
	return 0;
}

/* Refused only when the entries lost, less the explained ones, are more
   than the share of the published ones.  Issue 12: locking one of three
   accounts (3 -> 2 passwd lines) is explained and passes. */
static void
test_guard_trips(void **state)
{
	long long lost;

	(void)state;
	assert_true(guard_trips(3, 2, 0, 0.10, &lost));
	assert_int_equal(lost, 1);
	assert_false(guard_trips(3, 2, 1, 0.10, &lost));
	assert_int_equal(lost, 0);
	/* ten locked and ten vanished of 100: ten unexplained, not more
	   than 10 % ... */
	assert_false(guard_trips(100, 80, 10, 0.10, &lost));
	assert_int_equal(lost, 10);
	/* ... eleven are */
	assert_true(guard_trips(100, 79, 10, 0.10, &lost));
	assert_int_equal(lost, 11);
	/* explained beyond the loss (others were added): nothing lost */
	assert_false(guard_trips(100, 95, 30, 0.10, &lost));
	assert_int_equal(lost, 0);
	/* growing, first publish, empty before */
	assert_false(guard_trips(10, 12, 0, 0.10, &lost));
	assert_false(guard_trips(0, 0, 0, 0.10, &lost));
	assert_false(guard_trips(-1, 0, 0, 0.10, NULL));
	/* a 100 % guard never trips; a 0 % one on any unexplained loss */
	assert_false(guard_trips(5, 0, 0, 1.0, NULL));
	assert_true(guard_trips(1000, 999, 0, 0.0, NULL));
	assert_false(guard_trips(1000, 999, 1, 0.0, NULL));
}

/* act active; lck locked; ret retired; two entries claim dup (refused:
   not explained); alias gone leads only to ret; Hiera gives staff to
   act and lck, board to lck. */
static struct model *
build(void)
{
	static char *t1[] = { "ret" }, *l1[] = { "act", "lck" },
	    *l2[] = { "lck" };
	struct hiera_list al[1], sl[2];
	struct account a[] = {
		{ (char *)"uid=act,ou=users,dc=example,dc=org", (char *)"act",
		    (char *)"act@ext.example", (char *)H1, ACCOUNT_ACTIVE },
		{ (char *)"uid=lck,ou=users,dc=example,dc=org", (char *)"lck",
		    (char *)"lck@ext.example", (char *)H1, ACCOUNT_LOCKED },
		{ (char *)"uid=ret,ou=users,dc=example,dc=org", (char *)"ret",
		    (char *)"ret@ext.example", (char *)H1, ACCOUNT_RETIRED },
		{ (char *)"uid=dup,ou=users,dc=example,dc=org", (char *)"dup",
		    (char *)"dup@ext.example", (char *)H1, ACCOUNT_ACTIVE },
		{ (char *)"uid=dup,ou=x,ou=users,dc=example,dc=org",
		    (char *)"dup", NULL, (char *)H1, ACCOUNT_ACTIVE },
	};
	struct account_list l = { .v = a, .n = 5, .cap = 5 };
	struct model_opts mo = { .domain = "example.org", .have_ldap = 1,
		.nexthop = "smtp:[srs.example.org]" };
	struct hiera_data hd;
	struct errbuf eb;
	struct model *m;

	memset(&hd, 0, sizeof(hd));
	al[0].key = (char *)"gone";
	al[0].targets = t1;
	al[0].ntargets = 1;
	al[0].origin.file = "mail.yaml";
	al[0].origin.line = 3;
	sl[0] = al[0];
	sl[0].key = (char *)"staff";
	sl[0].targets = l1;
	sl[0].ntargets = 2;
	sl[1] = sl[0];
	sl[1].key = (char *)"board";
	sl[1].targets = l2;
	sl[1].ntargets = 1;
	hd.aliases = al;
	hd.naliases = 1;
	hd.sender_logins = sl;
	hd.nsender_logins = 2;
	assert_non_null(m = model_new(&mo, &eb));
	assert_int_equal(model_add_accounts(m, &l, &eb), 0);
	assert_int_equal(model_add_hiera(m, &hd, &eb), 0);
	assert_int_equal(model_resolve(m, &eb), 0);
	return m;
}

/* Publish the pairs KV (NULL-terminated) as output KIND. */
static void
publish(const struct conf_output *o, enum output_kind kind,
    const char *const *kv)
{
	struct table_writer *tw;
	struct errbuf eb;
	int changed;

	assert_int_equal(table_writer_open(o, kind, &tw, &eb), 0);
	for (; *kv != NULL; kv += 2)
		assert_int_equal(table_writer_put(tw, kv[0], kv[1], &eb), 0);
	assert_int_equal(table_writer_finish(tw, &eb), 0);
	assert_int_equal(table_publish(&tw, &changed, &eb), 0);
}

static size_t
explained(struct model *m, const struct conf_output *o, enum output_kind k)
{
	struct errbuf eb;
	size_t n = 999;

	if (guard_explained(m, o, k, &n, &eb) == -1)
		fail_msg("guard_explained: %s", eb.msg);
	return n;
}

/* Only published entries count, only those the output lost, and only
   for a reason LDAP gives: a locked account's login and sender
   addresses, a retired one's everything, an alias that led only to it;
   not a key the output still has (staff keeps act), not one that
   vanished (nobody), not the name two entries claimed (dup). */
static void
test_guard_explained_published(void **state)
{
	static const char *const login[] = {
		"act@example.org", "act",
		"board@example.org", "lck",
		"dup@example.org", "dup",
		"lck@example.org", "lck",
		"nobody@example.org", "nobody",
		"ret@example.org", "ret",
		"staff@example.org", "act, lck", NULL
	};
	static const char *const relay[] = {
		"act@example.org", "OK", "dup@example.org", "OK",
		"gone@example.org", "OK", "lck@example.org", "OK",
		"ret@example.org", "OK", NULL
	};
	static const char *const pw[] = {
		"act", H1, "dup", H1, "lck", H1, "nobody", H1, "ret", H1, NULL
	};
	char *dir = *state;
	struct conf_output o = { 1, NULL, MAP_FORMAT_TEXT, 0644, NULL };
	struct model *m = build();

	o.path = mt_path(dir, "sender_login");
	/* nothing published yet: nothing removed */
	assert_int_equal(explained(m, &o, OUTPUT_SENDER_LOGIN), 0);
	publish(&o, OUTPUT_SENDER_LOGIN, login);
	/* board, lck, ret: 3 of the 7; staff stays, nobody and dup are
	   unexplained */
	assert_int_equal(explained(m, &o, OUTPUT_SENDER_LOGIN), 3);
	free(o.path);

	o.path = mt_path(dir, "relay_recipients");
	publish(&o, OUTPUT_RELAY_RECIPIENTS, relay);
	/* lck keeps forwarding; ret and the alias gone are explained */
	assert_int_equal(explained(m, &o, OUTPUT_RELAY_RECIPIENTS), 2);
	assert_int_equal(explained(m, &o, OUTPUT_ALIAS_DOMAINS), 0);
	free(o.path);

	o.path = mt_path(dir, "passwd");
	o.mode = 0640;
	publish(&o, OUTPUT_PASSWD, pw);
	assert_int_equal(explained(m, &o, OUTPUT_PASSWD), 2);
	free(o.path);
	model_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guard_trips),
		cmocka_unit_test_setup_teardown(test_guard_explained_published,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
