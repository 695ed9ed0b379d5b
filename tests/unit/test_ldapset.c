/*
 * test_ldapset: the deltas mailsyncd applies to its held LDAP entries.
 * The oracle is the model: after any sequence of adds, modifies,
 * renames, deletes and present phases, a model built from the set must
 * render every output exactly as one built from the final entries
 * fetched in one go.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "ldapset.h"
#include "log.h"
#include "model.h"
#include "tmpdir.h"

#define BASE "ou=users,dc=example,dc=org"
#define H1 "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$" \
	"c29tZXNhbHRzb21lc2FsdA$" \
	"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"
#define H2 "{SHA512-CRYPT}$6$abcdefghijklmnop$" \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./" \
	"0123456789abcdefghijkl"

static char logbuf[65536];

static void
capture(enum log_level level, const char *msg, void *arg)
{
	size_t n = strlen(logbuf);

	(void)level;
	(void)arg;
	(void)snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

struct fix {
	char *dir;
	struct ldapset *set;
};

static int
setup(void **state)
{
	struct errbuf eb;
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	logbuf[0] = '\0';
	log_set_hook(capture, NULL);
	f->dir = tmpdir_make("ldapset");
	f->set = ldapset_new("uid", BASE, f->dir, &eb);
	assert_non_null(f->set);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	ldapset_free(&f->set);
	tmpdir_remove(f->dir);
	free(f);
	log_set_hook(NULL, NULL);
	return 0;
}

static void
uuid_of(unsigned n, unsigned char *u)
{
	memset(u, 0xa5, LDAPSET_UUID_LEN);
	memcpy(u, &n, sizeof(n));
}

/* Entry N as src_ldap would hand it over: an account under DN, or
   (UID NULL) a rejected entry. */
static void
put(struct ldapset *set, unsigned n, const char *dn, const char *uid,
    const char *fwd, const char *pw, enum account_state st)
{
	struct account_list l;
	unsigned char u[LDAPSET_UUID_LEN];
	struct errbuf eb;
	char dnbuf[128];

	memset(&l, 0, sizeof(l));
	uuid_of(n, u);
	if (dn == NULL && uid != NULL) {
		(void)snprintf(dnbuf, sizeof(dnbuf), "uid=%s," BASE, uid);
		dn = dnbuf;
	}
	if (uid != NULL)
		assert_int_equal(account_list_add(&l, dn, uid, fwd, pw, st), 0);
	else
		l.rejected = 1;
	l.have_forward = fwd != NULL;
	l.have_password = pw != NULL;
	l.have_user_password = 1;
	assert_int_equal(ldapset_put(set, u, &l, NULL, 0, &eb), 0);
	assert_int_equal(l.n, 0);
}

static int
page_to_model(struct account_list *l, void *arg, struct errbuf *eb)
{
	int r = model_add_accounts(arg, l, eb);

	account_list_free(l);
	return r;
}

static struct model *
model_for(const struct model_opts *mo)
{
	struct errbuf eb;
	struct model *m = model_new(mo, &eb);

	assert_non_null(m);
	return m;
}

static const struct model_opts mopts = {
	.domain = "example.org", .nexthop = "smtp:[srs.example.org]",
	.have_ldap = 1, .ldap_base = BASE,
};

/* Every output of M1 and M2, rendered, must be equal. */
static void
assert_models_equal(struct model *m1, struct model *m2)
{
	struct kvlist a, b;
	struct errbuf eb;
	size_t i;
	int k;

	assert_int_equal(model_resolve(m1, &eb), 0);
	assert_int_equal(model_resolve(m2, &eb), 0);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		assert_int_equal(model_render(m1, (enum output_kind)k, &a,
		    &eb), 0);
		assert_int_equal(model_render(m2, (enum output_kind)k, &b,
		    &eb), 0);
		assert_int_equal(a.n, b.n);
		for (i = 0; i < a.n; i++) {
			assert_string_equal(a.v[i].key, b.v[i].key);
			assert_string_equal(a.v[i].value, b.v[i].value);
		}
		kvlist_free(&a);
		kvlist_free(&b);
	}
	assert_int_equal(model_stats(m1)->accounts, model_stats(m2)->accounts);
	assert_int_equal(model_stats(m1)->retired, model_stats(m2)->retired);
	assert_int_equal(model_stats(m1)->rejected, model_stats(m2)->rejected);
}

/* The set, walked into a model, against LIST added in one go. */
static void
assert_set_is(struct ldapset *set, struct account_list *list)
{
	struct account_list page;
	struct model *m1 = model_for(&mopts), *m2 = model_for(&mopts);
	struct errbuf eb;

	memset(&page, 0, sizeof(page));
	assert_int_equal(ldapset_walk(set, &page, page_to_model, m1, NULL, &eb),
	    0);
	assert_int_equal(page.n, 0);
	assert_int_equal(model_add_accounts(m2, list, &eb), 0);
	assert_models_equal(m1, m2);
	model_free(&m1);
	model_free(&m2);
	account_list_free(list);
}

static void
add(struct account_list *l, const char *uid, const char *fwd,
    const char *pw, enum account_state st)
{
	char dn[128];

	(void)snprintf(dn, sizeof(dn), "uid=%s," BASE, uid);
	assert_int_equal(account_list_add(l, dn, uid, fwd, pw, st), 0);
}

static void
test_ldapset_deltas(void **state)
{
	struct fix *f = *state;
	struct account_list want;
	unsigned char u[LDAPSET_UUID_LEN];

	memset(&want, 0, sizeof(want));
	put(f->set, 1, "uid=alice," BASE, "alice", "a@x.example", H1,
	    ACCOUNT_ACTIVE);
	put(f->set, 2, "uid=bob," BASE, "bob", NULL, H2, ACCOUNT_ACTIVE);
	put(f->set, 3, "uid=carol," BASE, "carol", "c@x.example", H1,
	    ACCOUNT_ACTIVE);
	put(f->set, 4, "uid=dave," BASE, "dave", "d@x.example", NULL,
	    ACCOUNT_ACTIVE);
	/* modify: a new forward and password */
	put(f->set, 1, "uid=alice," BASE, "alice", "a2@x.example", H2,
	    ACCOUNT_ACTIVE);
	/* rename: same entry, new RDN, so a new account name */
	put(f->set, 2, "uid=robert," BASE, "robert", NULL, H2,
	    ACCOUNT_ACTIVE);
	/* lock: the hash stays in LDAP, not in the passwd output */
	put(f->set, 3, "uid=carol," BASE, "carol", "c@x.example", H1,
	    ACCOUNT_LOCKED);
	/* delete, and a delete of what is not there */
	uuid_of(4, u);
	assert_int_equal(ldapset_delete(f->set, u), 1);
	assert_int_equal(ldapset_delete(f->set, u), 0);
	/* an add with a DN that cannot be derived from the uid */
	put(f->set, 5, "uid=erin,ou=staff," BASE, "erin", "e@x.example", NULL,
	    ACCOUNT_RETIRED);
	assert_int_equal(ldapset_count(f->set), 4);

	add(&want, "alice", "a2@x.example", H2, ACCOUNT_ACTIVE);
	add(&want, "robert", NULL, H2, ACCOUNT_ACTIVE);
	add(&want, "carol", "c@x.example", H1, ACCOUNT_LOCKED);
	assert_int_equal(account_list_add(&want, "uid=erin,ou=staff," BASE,
	    "erin", "e@x.example", NULL, ACCOUNT_RETIRED), 0);
	assert_set_is(f->set, &want);
}

static void
test_ldapset_present_phase(void **state)
{
	struct fix *f = *state;
	struct account_list want;
	unsigned char u[LDAPSET_UUID_LEN];
	char uid[16];
	unsigned i;

	memset(&want, 0, sizeof(want));
	for (i = 0; i < 50; i++) {
		(void)snprintf(uid, sizeof(uid), "u%02u", i);
		put(f->set, i, NULL, uid, NULL, H1, ACCOUNT_ACTIVE);
	}
	/* A present phase: even ones unchanged, 7 changed, odd ones gone. */
	ldapset_begin(f->set);
	for (i = 0; i < 50; i += 2) {
		uuid_of(i, u);
		if (i == 8)
			continue;
		assert_int_equal(ldapset_mark(f->set, u), 1);
	}
	put(f->set, 8, NULL, "u08", "new@x.example", H2, ACCOUNT_ACTIVE);
	uuid_of(1000, u);
	assert_int_equal(ldapset_mark(f->set, u), 0);
	assert_int_equal(ldapset_sweep(f->set), 25);
	assert_int_equal(ldapset_count(f->set), 25);
	for (i = 0; i < 50; i += 2) {
		(void)snprintf(uid, sizeof(uid), "u%02u", i);
		add(&want, uid, i == 8 ? "new@x.example" : NULL,
		    i == 8 ? H2 : H1, ACCOUNT_ACTIVE);
	}
	assert_set_is(f->set, &want);
}

/* Rejected entries and dropped values count as after a fetch, and the
   warnings reading them gave are said again at every walk. */
static void
test_ldapset_rejects_and_warnings(void **state)
{
	struct fix *f = *state;
	struct account_list l, page;
	unsigned char u[LDAPSET_UUID_LEN];
	static const char w[] = "uid=x: entry rejected: no uid\0second\0";
	struct model *m = model_for(&mopts);
	struct errbuf eb;

	memset(&l, 0, sizeof(l));
	memset(&page, 0, sizeof(page));
	l.rejected = 1;
	uuid_of(1, u);
	assert_int_equal(ldapset_put(f->set, u, &l, w, sizeof(w) - 1, &eb), 0);
	assert_int_equal(account_list_add(&l, "uid=y," BASE, "y", NULL, NULL,
	    ACCOUNT_ACTIVE), 0);
	l.bad_values = 2;
	l.have_forward = 1;
	uuid_of(2, u);
	assert_int_equal(ldapset_put(f->set, u, &l, NULL, 0, &eb), 0);
	assert_int_equal(ldapset_walk(f->set, &page, page_to_model, m, NULL,
			     &eb),
	    0);
	assert_int_equal(model_resolve(m, &eb), 0);
	/* 1 rejected entry + 2 dropped values */
	assert_int_equal(model_stats(m)->rejected, 3);
	assert_int_equal(model_stats(m)->accounts, 1);
	assert_non_null(strstr(logbuf, "uid=x: entry rejected: no uid\n"
	    "second\n"));
	model_free(&m);
}

/* The index stays right through growth and deletes that move records. */
static void
test_ldapset_index(void **state)
{
	struct fix *f = *state;
	unsigned char u[LDAPSET_UUID_LEN];
	char uid[16];
	unsigned i;

	for (i = 0; i < 5000; i++) {
		(void)snprintf(uid, sizeof(uid), "n%u", i);
		put(f->set, i, NULL, uid, NULL, NULL, ACCOUNT_ACTIVE);
	}
	for (i = 0; i < 5000; i += 3) {
		uuid_of(i, u);
		assert_int_equal(ldapset_delete(f->set, u), 1);
	}
	ldapset_begin(f->set);
	for (i = 0; i < 5000; i++) {
		uuid_of(i, u);
		assert_int_equal(ldapset_mark(f->set, u), i % 3 != 0);
	}
	assert_int_equal(ldapset_sweep(f->set), 0);
	assert_int_equal(ldapset_count(f->set), 5000 - 1667);
}

/* What a clean exit keeps is what the next start walks. */
static void
test_ldapset_snapshot(void **state)
{
	struct fix *f = *state;
	struct account_list want, l;
	unsigned char u[LDAPSET_UUID_LEN];
	struct ldapset *set2;
	struct errbuf eb;
	char path[512], hpath[512];
	FILE *e, *h;
	int fd, hfd;

	memset(&want, 0, sizeof(want));
	put(f->set, 1, "uid=alice," BASE, "alice", "a@x.example", H1,
	    ACCOUNT_ACTIVE);
	put(f->set, 2, "uid=bob,ou=x," BASE, "bob", NULL, H2, ACCOUNT_EXPIRED);
	put(f->set, 3, NULL, NULL, NULL, NULL, ACCOUNT_ACTIVE);
	/* Warnings, of a rejected entry and of an account, come back too. */
	memset(&l, 0, sizeof(l));
	l.rejected = 1;
	uuid_of(4, u);
	assert_int_equal(ldapset_put(f->set, u, &l, "w1\0w2\0", 6, &eb), 0);
	assert_int_equal(account_list_add(&l, "uid=carol," BASE, "carol",
	    NULL, NULL, ACCOUNT_ACTIVE), 0);
	uuid_of(5, u);
	assert_int_equal(ldapset_put(f->set, u, &l, "w3\0", 3, &eb), 0);
	(void)snprintf(path, sizeof(path), "%s/entries", f->dir);
	(void)snprintf(hpath, sizeof(hpath), "%s/hashes", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	hfd = open(hpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1 && hfd != -1);
	assert_int_equal(ldapset_save(f->set, fd, hfd, &eb), 0);
	(void)close(fd);
	(void)close(hfd);
	set2 = ldapset_new("uid", BASE, f->dir, &eb);
	assert_non_null(set2);
	e = fopen(path, "r");
	h = fopen(hpath, "r");
	assert_true(e != NULL && h != NULL);
	assert_int_equal(ldapset_load(set2, e, h, &eb), 0);
	(void)fclose(e);
	(void)fclose(h);
	assert_int_equal(ldapset_count(set2), 5);
	add(&want, "alice", "a@x.example", H1, ACCOUNT_ACTIVE);
	assert_int_equal(account_list_add(&want, "uid=bob,ou=x," BASE, "bob",
	    NULL, H2, ACCOUNT_EXPIRED), 0);
	add(&want, "carol", NULL, NULL, ACCOUNT_ACTIVE);
	want.rejected = 2;
	logbuf[0] = '\0';
	assert_set_is(set2, &want);
	assert_non_null(strstr(logbuf, "w1\nw2\n"));
	assert_non_null(strstr(logbuf, "w3\n"));
	/* A cut file is refused. */
	assert_int_equal(truncate(path, 20), 0);
	e = fopen(path, "r");
	assert_non_null(e);
	assert_int_equal(ldapset_clear(set2, &eb), 0);
	assert_int_equal(ldapset_load(set2, e, NULL, &eb), -1);
	(void)fclose(e);
	ldapset_free(&set2);
	/* So is one cut where a record ends (no hash to miss): after
	   alice's 28-byte head and "alice\0", bob is gone. */
	set2 = ldapset_new("uid", BASE, NULL, &eb);
	assert_non_null(set2);
	put(set2, 1, "uid=alice," BASE, "alice", NULL, NULL, ACCOUNT_ACTIVE);
	put(set2, 2, "uid=bob," BASE, "bob", NULL, NULL, ACCOUNT_ACTIVE);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(ldapset_save(set2, fd, -1, &eb), 0);
	(void)close(fd);
	assert_int_equal(ldapset_clear(set2, &eb), 0);
	e = fopen(path, "r");
	assert_non_null(e);
	assert_int_equal(ldapset_load(set2, e, NULL, &eb), 0);
	(void)fclose(e);
	assert_int_equal(ldapset_count(set2), 2);
	assert_int_equal(truncate(path, 28 + 6), 0);
	e = fopen(path, "r");
	assert_non_null(e);
	assert_int_equal(ldapset_clear(set2, &eb), 0);
	assert_int_equal(ldapset_load(set2, e, NULL, &eb), -1);
	(void)fclose(e);
	ldapset_free(&set2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ldapset_deltas, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ldapset_present_phase,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ldapset_rejects_and_warnings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ldapset_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ldapset_snapshot, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
