/*
 * test_incr: changes applied where the tables lie.  The oracle is a full
 * build: after every random batch of adds, modifies, renames and deletes
 * to the held entries, the tables updated in place (or rebuilt, when
 * incr_apply says it cannot) must hold exactly what a build from
 * scratch into an empty directory writes, and the counts and stats it
 * reports must be that build's.  Most batches must take the fast path.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "incr.h"
#include "ldapset.h"
#include "log.h"
#include "sync.h"
#include "table.h"
#include "tmpdir.h"

#define BASE "ou=users,dc=example,dc=org"
#define H1 "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$" \
	"c29tZXNhbHRzb21lc2FsdA$" \
	"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"
#define H2 "{SHA512-CRYPT}$6$abcdefghijklmnop$" \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./" \
	"0123456789abcdefghijkl"
#define NACC 40

static void
quiet(enum log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static unsigned long rs = 12345;

static unsigned
rnd(unsigned n)
{
	rs = rs * 1103515245UL + 12345UL;
	return (unsigned)((rs >> 8) % n);
}

struct fix {
	char *dir;
	struct conf *live, *ref;
	struct ldapset *set;
};

static struct conf *
conf_for(const char *dir, const char *sub)
{
	char *text, *hiera;
	struct group *gr = getgrgid(getgid());
	struct errbuf eb;
	struct conf *c;
	FILE *f;

	assert_non_null(gr);
	assert_true(asprintf(&hiera, "%s/mail.yaml", dir) > 0);
	if ((f = fopen(hiera, "wx")) != NULL) {
		fputs("version: 1\n"
		    "domain: example.org\n"
		    "alias_domains: [mail.example.org]\n"
		    "aliases:\n"
		    "  postmaster: [u1, u2]\n"
		    "  team: \"u3, ext@partner.example.com\"\n"
		    "forwards:\n"
		    "  board: [chair@board.example.net]\n"
		    "sender_logins:\n"
		    "  postmaster: [u4]\n", f);
		assert_int_equal(fclose(f), 0);
	}
	assert_true(asprintf(&text,
	    "user: root\n"
	    "state_dir: %s/%s\n"
	    "hiera: [%s]\n"
	    "transport_nexthop: \"smtp:[srs.example.org]\"\n"
	    "sender_login_alias_domains: true\n"
	    "shrink_guard: 90%%\n"
	    "ldap:\n"
	    "  uri: ldap://127.0.0.1:1\n"
	    "  base: " BASE "\n"
	    "outputs:\n"
	    "  virtual: { path: %s/%s/virtual, format: lmdb }\n"
	    "  alias_domains: { path: %s/%s/alias_domains, format: lmdb }\n"
	    "  relay_recipients: { path: %s/%s/relay, format: lmdb }\n"
	    "  transport: { path: %s/%s/transport, format: lmdb }\n"
	    "  forward: { path: %s/%s/forward, format: lmdb }\n"
	    "  sender_login: { path: %s/%s/sender_login, format: lmdb }\n"
	    "  passwd: { path: %s/%s/passwd, group: %s }\n",
	    dir, sub, hiera, dir, sub, dir, sub, dir, sub, dir, sub, dir, sub,
	    dir, sub, dir, sub, gr->gr_name) > 0);
	c = conf_load_mem("t.yaml", text, strlen(text), &eb);
	if (c == NULL)
		fail_msg("conf: %s", eb.msg);
	free(text);
	free(hiera);
	return c;
}

static int
setup(void **state)
{
	struct errbuf eb;
	struct fix *f = calloc(1, sizeof(*f));
	char *p;

	assert_non_null(f);
	log_set_hook(quiet, NULL);
	f->dir = tmpdir_make("incr");
	assert_true(asprintf(&p, "%s/live", f->dir) > 0);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	assert_true(asprintf(&p, "%s/ref", f->dir) > 0);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	f->live = conf_for(f->dir, "live");
	f->ref = conf_for(f->dir, "ref");
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
	conf_free(&f->live);
	conf_free(&f->ref);
	tmpdir_remove(f->dir);
	free(f);
	log_set_hook(NULL, NULL);
	return 0;
}

/* Entry N (its UUID) with uid UID and the rest picked at random. */
static void
put_random(struct ldapset *set, unsigned n, const char *uid)
{
	static const char *const fwd[] = { NULL, "a@elsewhere.example.net",
		"b@elsewhere.example.net, c@elsewhere.example.com",
		"u1@example.org", "bad forward", "x@mail.example.org" };
	static const char *const pw[] = { NULL, H1, H2, "{PLAIN}" };
	unsigned char uuid[LDAPSET_UUID_LEN];
	struct account_list l;
	struct errbuf eb;
	char dn[256];
	unsigned r = rnd(40);

	memset(uuid, 0, sizeof(uuid));
	memcpy(uuid, &n, sizeof(n));
	memset(&l, 0, sizeof(l));
	(void)snprintf(dn, sizeof(dn), "uid=%s," BASE, uid);
	/* Mostly ordinary changes: the fast path's cases. */
	assert_int_equal(account_list_add(&l, dn, uid,
	    fwd[r < 30 ? rnd(3) : rnd(6)], pw[r < 30 ? rnd(3) : rnd(4)],
	    (enum account_state)(rnd(5) == 0 ? rnd(4) : 0)), 0);
	l.have_forward = l.v[0].forward != NULL;
	l.have_password = l.v[0].password != NULL;
	l.have_user_password = 1;
	assert_int_equal(ldapset_put(set, uuid, &l, NULL, 0, &eb), 0);
}

static void
del(struct ldapset *set, unsigned n)
{
	unsigned char uuid[LDAPSET_UUID_LEN];

	memset(uuid, 0, sizeof(uuid));
	memcpy(uuid, &n, sizeof(n));
	(void)ldapset_delete(set, uuid);
}

static enum sync_status
build(const struct conf *c, struct ldapset *set, struct incr **ic,
    struct sync_result *res)
{
	struct sync_opts o;
	struct errbuf eb;
	enum sync_status st;

	memset(&o, 0, sizeof(o));
	o.ldap_set = set;
	o.force = 1; /* equality is the point; the guard has its tests */
	o.incr_r = ic;
	st = sync_run(c, &o, res, &eb);
	if (st != SYNC_OK)
		print_message("build: %s\n", eb.msg);
	return st;
}

static int
collect(const char *key, const char *value, void *arg)
{
	struct buf *b = arg;

	return buf_printf(b, "%s\t%s\n", key, value) == -1;
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Output K's published entries, sorted, as text. */
static char *
table_text(const struct conf *c, int k)
{
	struct table *t;
	struct errbuf eb;
	struct buf b = BUF_INIT;
	char *s, *line, **lines = NULL, *save = NULL;
	size_t n = 0, i;
	struct buf out = BUF_INIT;

	if ((t = table_open(&c->out[k], (enum output_kind)k, &eb)) == NULL)
		return strdup(eb.errnum == ENOENT ? "(none)" : eb.msg);
	assert_int_equal(table_iterate(t, collect, &b, &eb), 0);
	table_close(&t);
	s = strdup(buf_cstr(&b));
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char **nl = realloc(lines, (n + 1) * sizeof(*lines));

		assert_non_null(nl);
		lines = nl;
		lines[n++] = line;
	}
	qsort(lines, n, sizeof(*lines), line_cmp);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_printf(&out, "%s\n", lines[i]), 0);
	free(lines);
	free(s);
	buf_free(&b);
	s = strdup(buf_cstr(&out));
	buf_free(&out);
	return s;
}

static char *
file_bytes(const struct conf *c)
{
	FILE *f = fopen(c->out[OUTPUT_PASSWD].path, "r");
	char *s = calloc(1, 1 << 20);

	assert_non_null(f);
	(void)fread(s, 1, (1 << 20) - 1, f);
	(void)fclose(f);
	return s;
}

static void
assert_same(struct fix *f, const struct sync_result *live, int round)
{
	struct sync_result ref;
	char *a, *b;
	int k;

	/* From scratch: remove what the last reference build left. */
	for (k = 0; k < OUTPUT_COUNT; k++) {
		char *file = conf_output_file(&f->ref->out[k],
		    (enum output_kind)k);

		(void)unlink(file);
		free(file);
	}
	assert_int_equal(build(f->ref, f->set, NULL, &ref), SYNC_OK);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		a = table_text(f->live, k);
		b = table_text(f->ref, k);
		if (strcmp(a, b) != 0)
			fail_msg("round %d, %s:\nin place:\n%s\nrebuild:\n%s",
			    round, conf_output_name((enum output_kind)k), a, b);
		free(a);
		free(b);
		assert_int_equal(live->out[k].new_count, ref.out[k].new_count);
	}
	a = file_bytes(f->live);
	b = file_bytes(f->ref);
	assert_string_equal(a, b);
	free(a);
	free(b);
	assert_memory_equal(&live->stats, &ref.stats, sizeof(ref.stats));
	assert_int_equal(live->ldap_entries, ref.ldap_entries);
}

static void
test_incr_equals_rebuild(void **state)
{
	struct fix *f = *state;
	struct incr *ic = NULL;
	struct sync_result res;
	struct errbuf eb;
	const char *why;
	char uid[64];
	char *uids[NACC * 4];
	unsigned n, i, next = NACC;
	int round, changes, r, in_place = 0, whole = 0;

	for (i = 0; i < NACC; i++) {
		(void)snprintf(uid, sizeof(uid), "u%u", i + 1);
		uids[i] = strdup(uid);
		put_random(f->set, i, uid);
	}
	assert_int_equal(build(f->live, f->set, &ic, &res), SYNC_OK);
	assert_non_null(ic);
	ldapset_journal_start(f->set);
	assert_same(f, &res, 0);
	for (round = 1; round <= 300; round++) {
		changes = 1 + (rnd(4) == 0 ? (int)rnd(5) : 0);
		while (changes-- > 0) {
			n = rnd(next);
			switch (rnd(10)) {
			case 0: /* a new entry */
				if (next >= NACC * 4)
					break;
				(void)snprintf(uid, sizeof(uid), "n%u", next);
				uids[next] = strdup(uid);
				put_random(f->set, next++, uid);
				break;
			case 1: /* gone */
				del(f->set, n);
				break;
			case 2: /* renamed, or given another's uid */
				free(uids[n]);
				if (rnd(4) == 0)
					(void)snprintf(uid, sizeof(uid), "u1");
				else
					(void)snprintf(uid, sizeof(uid), "r%d",
					    round);
				uids[n] = strdup(uid);
				put_random(f->set, n, uids[n]);
				break;
			default: /* a modify */
				put_random(f->set, n, uids[n]);
				break;
			}
		}
		r = incr_apply(ic, f->live, f->set, &res, &why, &eb);
		if (r == -1)
			fail_msg("round %d: %s", round, eb.msg);
		if (r == 1) {
			in_place++;
		} else {
			whole++;
			if (getenv("TEST_INCR_WHY") != NULL)
				print_message("why: %s\n", why);
			assert_int_equal(build(f->live, f->set, &ic, &res),
			    SYNC_OK);
			assert_non_null(ic);
		}
		ldapset_journal_start(f->set);
		assert_same(f, &res, round);
	}
	print_message("%d batches in place, %d whole\n", in_place, whole);
	assert_true(in_place > 150);
	assert_true(whole > 10);
	incr_free(&ic);
	for (i = 0; i < next; i++)
		free(uids[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_incr_equals_rebuild, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
