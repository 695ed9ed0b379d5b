/*
 * test_account: the account list handed from src_ldap to the model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "account.h"

static void
test_account_state_name(void **st)
{
	(void)st;
	assert_string_equal(account_state_name(ACCOUNT_ACTIVE), "active");
	assert_string_equal(account_state_name(ACCOUNT_LOCKED), "locked");
	assert_string_equal(account_state_name(ACCOUNT_EXPIRED), "expired");
	assert_string_equal(account_state_name(ACCOUNT_RETIRED), "retired");
	assert_string_equal(account_state_name((enum account_state)42),
	    "unknown");
}

static void
test_account_add_copies(void **st)
{
	struct account_list l = { 0 };
	char uid[] = "alice", pw[] = "{PLAIN}secret";

	(void)st;
	assert_int_equal(account_list_add(&l, "uid=alice,ou=users", uid,
	    "alice@example.net", pw, ACCOUNT_ACTIVE), 0);
	uid[0] = 'X';
	pw[0] = 'X';
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].uid, "alice");
	assert_string_equal(l.v[0].dn, "uid=alice,ou=users");
	assert_string_equal(l.v[0].forward, "alice@example.net");
	assert_string_equal(l.v[0].password, "{PLAIN}secret");
	assert_int_equal(l.v[0].state, ACCOUNT_ACTIVE);
	account_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void
test_account_add_nulls(void **st)
{
	struct account_list l = { 0 };

	(void)st;
	assert_int_equal(account_list_add(&l, "uid=bob", "bob", NULL, NULL,
	    ACCOUNT_LOCKED), 0);
	assert_null(l.v[0].forward);
	assert_null(l.v[0].password);
	assert_int_equal(l.v[0].state, ACCOUNT_LOCKED);
	account_list_free(&l);
}

static void
test_account_grows_and_sorts(void **st)
{
	struct account_list l = { 0 };
	char uid[32];
	int i;

	(void)st;
	for (i = 999; i >= 0; i--) {
		(void)snprintf(uid, sizeof(uid), "u%04d", i);
		assert_int_equal(account_list_add(&l, uid, uid, NULL,
		    "{PLAIN}x", ACCOUNT_ACTIVE), 0);
	}
	assert_int_equal(l.n, 1000);
	assert_true(l.cap >= 1000);
	account_list_sort(&l);
	for (i = 0; i < 1000; i++) {
		(void)snprintf(uid, sizeof(uid), "u%04d", i);
		assert_string_equal(l.v[i].uid, uid);
	}
	l.rejected = 3;
	l.bad_values = 2;
	account_list_free(&l);
	assert_int_equal(l.rejected, 0);
	assert_int_equal(l.bad_values, 0);
	/* reusable after free */
	assert_int_equal(account_list_add(&l, "d", "z", NULL, NULL,
	    ACCOUNT_RETIRED), 0);
	assert_int_equal(l.n, 1);
	account_list_free(&l);
}

static void
test_account_free_empty(void **st)
{
	struct account_list l = { 0 };

	(void)st;
	account_list_free(&l);
	account_list_free(NULL);
	account_list_sort(&l);
	assert_int_equal(l.n, 0);
}

/* The dropped mailPassword values: found by DN, freed with the list. */
static void
test_account_password_drops(void **st)
{
	struct account_list l = { 0 };
	char dn[64];
	int i;

	assert_null(account_list_password_problem(&l, "uid=a,dc=x"));
	for (i = 0; i < 5; i++) {
		(void)snprintf(dn, sizeof(dn), "uid=u%d,dc=x", i);
		assert_int_equal(account_list_drop_password(&l, dn,
		    i == 3 ? "contains a line break" : "empty"), 0);
	}
	assert_int_equal(l.pw_ndrops, 5);
	assert_string_equal(account_list_password_problem(&l, "uid=u3,dc=x"),
	    "contains a line break");
	assert_string_equal(account_list_password_problem(&l, "uid=u4,dc=x"),
	    "empty");
	assert_null(account_list_password_problem(&l, "uid=u5,dc=x"));
	account_list_free(&l);
	assert_null(l.pw_drops);
	assert_int_equal(l.pw_ndrops, 0);
	assert_null(account_list_password_problem(&l, "uid=u3,dc=x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_state_name),
		cmocka_unit_test(test_account_add_copies),
		cmocka_unit_test(test_account_add_nulls),
		cmocka_unit_test(test_account_grows_and_sorts),
		cmocka_unit_test(test_account_free_empty),
		cmocka_unit_test(test_account_password_drops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
