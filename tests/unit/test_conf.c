#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "golden.h"

#include <ldap.h>

#include "buf.h"
#include "conf.h"
#include "errbuf.h"

static const char *
top_srcdir(void)
{
	const char *top = getenv("top_srcdir");

	return top != NULL ? top : ".";
}

static struct conf *
load_str(const char *text, struct errbuf *eb)
{
	return conf_load_mem("t.yaml", text, strlen(text), eb);
}

#define S(s) ((s) != NULL ? (s) : "(null)")

static void
dump(struct buf *b, const struct conf *c)
{
	static const char *const auth[] = { "none", "simple", "external" };
	const struct conf_ldap *l = &c->ldap;
	const struct conf_policy *p = &c->policy;
	char *file;
	size_t i;
	int k;

#define P(...) assert_int_equal(buf_printf(b, __VA_ARGS__), 0)
	/* Fields added later (user, ldap allow_cleartext) are shown when not
	   the default, so that the older cases' .exp files stay as they are. */
	if (strcmp(c->user, CONF_USER_DEFAULT) != 0)
		P("user %s\n", c->user);
	/* The default depends on configure's prefix. */
	P("domain %s\nstate_dir %s\nmetrics_file %s\n", S(c->domain),
	    strcmp(c->state_dir, LOCALSTATEDIR "/lib/udmail") == 0 ?
	    "(default)" : c->state_dir, S(c->metrics_file));
	for (i = 0; i < c->hiera_count; i++)
		P("hiera %s\n", c->hiera_files[i]);
	assert_null(c->hiera_files[c->hiera_count]);
	P("transport_nexthop %s\nsender_login_alias_domains %d\n",
	    S(c->transport_nexthop), c->sender_login_alias_domains);
	P("shrink_max %.4f\nretired_grace_days %d\n", c->shrink_max,
	    c->retired_grace_days);
	P("ldap %d uri %s starttls %d ca_file %s auth %s\n", l->enabled,
	    S(l->uri), l->starttls, S(l->ca_file), auth[l->auth]);
	if (l->allow_cleartext)
		P("ldap allow_cleartext %d\n", l->allow_cleartext);
	P("ldap bind_dn %s bind_password_file %s\n", S(l->bind_dn),
	    S(l->bind_password_file));
	P("ldap base %s scope %s filter %s\n", S(l->base),
	    l->scope == LDAP_SCOPE_ONELEVEL ? "one" :
	    l->scope == LDAP_SCOPE_SUBTREE ? "sub" : "?", S(l->filter));
	P("ldap page_size %d timeout %d network_timeout %d\n", l->page_size,
	    l->timeout, l->network_timeout);
	P("ldap attributes %s %s %s %s %s %s\n", l->attr_uid,
	    l->attr_forward, l->attr_password, l->attr_user_password,
	    l->attr_shadow_expire, l->attr_account_status);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		const struct conf_output *o = &c->out[k];

		file = conf_output_file(o, k);
		P("output %s enabled %d path %s format %s mode %04o group %s "
		    "file %s\n", conf_output_name(k), o->enabled, S(o->path),
		    conf_format_name(o->format), (unsigned)o->mode,
		    S(o->group), S(file));
		free(file);
	}
	P("policy min %d max %d allow_username %d argon2 t=%u m=%u p=%u\n",
	    p->min_length, p->max_length, p->allow_username, p->argon2_t,
	    p->argon2_m_kib, p->argon2_p);
#undef P
}


/* Each tests/data/conf/CASE.yaml loads into what CASE.exp says: a dump of
   every field, or "error: MESSAGE".  UDMAIL_REGEN=1 rewrites the .exp
   files and fails (review them with git diff, then run without it). */
static void
test_conf_golden(void **state)
{
	struct dirent **names;
	struct conf *c;
	struct errbuf eb;
	struct buf out = BUF_INIT;
	char cwd[4096], dir[4096];
	int n, i, failed = 0, bad;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	(void)snprintf(dir, sizeof(dir), "%s/tests/data/conf", top_srcdir());
	assert_int_equal(chdir(dir), 0);
	n = golden_cases(".", &names);
	assert_true(n > 50);
	for (i = 0; i < n; i++) {
		buf_reset(&out);
		bad = strncmp(names[i]->d_name, "bad-", 4) == 0;
		if ((c = conf_load(names[i]->d_name, &eb)) == NULL)
			assert_int_equal(buf_printf(&out, "error: %s\n",
			    eb.msg), 0);
		else
			dump(&out, c);
		if ((c == NULL) != bad) {
			print_error("%s: %s\n", names[i]->d_name, c == NULL ?
			    "failed, expected to load" : "loaded, expected "
			    "an error");
			failed++;
		}
		conf_free(&c);
		failed += golden_check(names[i]->d_name, buf_cstr(&out));
		free(names[i]);
	}
	free(names);
	buf_free(&out);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(failed, 0);
}

static void
test_conf_defaults(void **state)
{
	struct conf *c = conf_new_default();
	int k;

	assert_non_null(c);
	assert_null(c->domain);
	assert_string_equal(c->user, "udmail");
	assert_int_equal(c->ldap.allow_cleartext, 0);
	assert_string_equal(c->state_dir, LOCALSTATEDIR "/lib/udmail");
	assert_null(c->metrics_file);
	assert_int_equal(c->hiera_count, 0);
	assert_null(c->hiera_files[0]);
	assert_null(c->transport_nexthop);
	assert_int_equal(c->sender_login_alias_domains, 1);
	assert_true(c->shrink_max > 0.0999 && c->shrink_max < 0.1001);
	assert_int_equal(c->retired_grace_days, 186);
	assert_int_equal(c->ldap.enabled, 0);
	assert_string_equal(c->ldap.uri, "ldap://127.0.0.1");
	assert_int_equal(c->ldap.auth, CONF_LDAP_AUTH_NONE);
	assert_int_equal(c->ldap.scope, LDAP_SCOPE_ONELEVEL);
	assert_string_equal(c->ldap.filter,
	    "(&(uid=*)(!(uidNumber=0))(objectClass=shadowAccount))");
	assert_int_equal(c->ldap.page_size, 500);
	assert_int_equal(c->ldap.timeout, 30);
	assert_int_equal(c->ldap.network_timeout, 10);
	assert_string_equal(c->ldap.attr_uid, "uid");
	assert_string_equal(c->ldap.attr_forward, "emailForward");
	assert_string_equal(c->ldap.attr_password, "mailPassword");
	assert_string_equal(c->ldap.attr_user_password, "userPassword");
	assert_string_equal(c->ldap.attr_shadow_expire, "shadowExpire");
	assert_string_equal(c->ldap.attr_account_status, "accountStatus");
	for (k = 0; k < OUTPUT_COUNT; k++) {
		assert_int_equal(c->out[k].enabled, 0);
		assert_int_equal(c->out[k].format, MAP_FORMAT_LMDB);
		assert_int_equal(c->out[k].mode,
		    k == OUTPUT_PASSWD ? 0640 : 0644);
		if (k == OUTPUT_PASSWD)
			assert_string_equal(c->out[k].group, "dovecot");
		else
			assert_null(c->out[k].group);
	}
	assert_int_equal(c->policy.min_length, 12);
	assert_int_equal(c->policy.max_length, 1024);
	assert_int_equal(c->policy.allow_username, 0);
	assert_int_equal(c->policy.argon2_t, 3);
	assert_int_equal(c->policy.argon2_m_kib, 65536);
	assert_int_equal(c->policy.argon2_p, 1);
	conf_free(&c);
	assert_null(c);
	conf_free(&c);
	conf_free(NULL);
}

static void
test_conf_names(void **state)
{
	static const char *const outs[] = { "virtual", "alias_domains",
		"transport", "forward", "sender_login", "passwd",
		"relay_recipients" };
	int k;

	for (k = 0; k < OUTPUT_COUNT; k++) {
		assert_string_equal(conf_output_name(k), outs[k]);
		assert_int_equal(conf_output_by_name(outs[k]), k);
	}
	assert_null(conf_output_name(OUTPUT_COUNT));
	assert_int_equal(conf_output_by_name("Virtual"), -1);
	assert_int_equal(conf_output_by_name(""), -1);
	assert_string_equal(conf_format_name(MAP_FORMAT_LMDB), "lmdb");
	assert_string_equal(conf_format_name(MAP_FORMAT_HASH), "hash");
	assert_string_equal(conf_format_name(MAP_FORMAT_TEXT), "text");
	assert_int_equal(conf_format_by_name("lmdb"), MAP_FORMAT_LMDB);
	assert_int_equal(conf_format_by_name("hash"), MAP_FORMAT_HASH);
	assert_int_equal(conf_format_by_name("text"), MAP_FORMAT_TEXT);
	assert_int_equal(conf_format_by_name("btree"), -1);
}

static void
test_conf_output_file(void **state)
{
	struct conf_output o = { .enabled = 1, .path = "/m/virtual" };
	char *f;

	o.format = MAP_FORMAT_LMDB;
	assert_string_equal(f = conf_output_file(&o, OUTPUT_VIRTUAL),
	    "/m/virtual.lmdb");
	free(f);
	o.format = MAP_FORMAT_HASH;
	assert_string_equal(f = conf_output_file(&o, OUTPUT_FORWARD),
	    "/m/virtual.db");
	free(f);
	o.format = MAP_FORMAT_TEXT;
	assert_string_equal(f = conf_output_file(&o, OUTPUT_TRANSPORT),
	    "/m/virtual");
	free(f);
	/* The passwd-file ignores the format it cannot have. */
	o.format = MAP_FORMAT_LMDB;
	assert_string_equal(f = conf_output_file(&o, OUTPUT_PASSWD),
	    "/m/virtual");
	free(f);
	o.path = NULL;
	assert_null(conf_output_file(&o, OUTPUT_VIRTUAL));
}

static void
test_conf_contrib_example_loads(void **state)
{
	struct conf *c;
	struct errbuf eb;
	char path[4096];
	int k;

	(void)snprintf(path, sizeof(path), "%s/contrib/udmail.yaml",
	    top_srcdir());
	if ((c = conf_load(path, &eb)) == NULL)
		fail_msg("%s", eb.msg);
	assert_string_equal(c->path, path);
	assert_string_equal(c->domain, "example.org");
	assert_int_equal(c->ldap.enabled, 1);
	assert_int_equal(c->ldap.auth, CONF_LDAP_AUTH_SIMPLE);
	assert_int_equal(c->hiera_count, 1);
	/* The example shows every output. */
	for (k = 0; k < OUTPUT_COUNT; k++)
		assert_int_equal(c->out[k].enabled, 1);
	assert_string_equal(c->transport_nexthop, "smtp:[srs.example.org]");
	conf_free(&c);
}

static void
test_conf_mem_not_terminated(void **state)
{
	/* conf_load_mem must not read past LEN. */
	static const char text[] = "domain: example.orgXXXX";
	struct conf *c;
	struct errbuf eb;
	char *copy = malloc(19);

	memcpy(copy, text, 19);
	c = conf_load_mem("t.yaml", copy, 19, &eb);
	assert_non_null(c);
	assert_string_equal(c->domain, "example.org");
	conf_free(&c);
	free(copy);
}

static void
test_conf_directory(void **state)
{
	struct errbuf eb;
	char msg[4200];

	assert_null(conf_load(top_srcdir(), &eb));
	(void)snprintf(msg, sizeof(msg), "%s: is a directory, expected a "
	    "YAML file", top_srcdir());
	assert_string_equal(eb.msg, msg);
}

static void
test_conf_unreadable(void **state)
{
	struct errbuf eb;
	char path[] = "/tmp/test_conf.XXXXXX";
	int fd;

	assert_null(conf_load("/nonexistent/udmail.yaml", &eb));
	assert_string_equal(eb.msg, "/nonexistent/udmail.yaml: No such file "
	    "or directory");
	assert_int_equal(eb.errnum, ENOENT);
	assert_null(conf_load("/dev/null/udmail.yaml", &eb));
	assert_int_equal(eb.errnum, ENOTDIR);
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "domain: example.org\n", 20), 20);
	close(fd);
	assert_int_equal(chmod(path, 0), 0);
	if (geteuid() != 0) {
		assert_null(conf_load(path, &eb));
		assert_int_equal(eb.errnum, EACCES);
	}
	assert_int_equal(unlink(path), 0);
}

static void
test_conf_huge_file(void **state)
{
	struct errbuf eb;
	char path[] = "/tmp/test_conf.XXXXXX", msg[256];
	int fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(ftruncate(fd, CONF_MAX_BYTES + 1), 0);
	close(fd);
	assert_null(conf_load(path, &eb));
	(void)snprintf(msg, sizeof(msg), "%s: larger than %d bytes", path,
	    CONF_MAX_BYTES);
	assert_string_equal(eb.msg, msg);
	assert_int_equal(unlink(path), 0);
	/* In memory too. */
	assert_null(conf_load_mem("m.yaml", "", (size_t)CONF_MAX_BYTES + 1,
	    &eb));
	assert_string_equal(eb.msg, "m.yaml: larger than 1048576 bytes");
}

static void
test_conf_later_key_overrides_default(void **state)
{
	struct conf *c;
	struct errbuf eb;

	c = load_str("outputs:\n  passwd: {path: /p, group: auth}\n"
	    "  virtual: {path: /v, group: postfix, mode: \"0640\"}\n", &eb);
	assert_non_null(c);
	assert_string_equal(c->out[OUTPUT_PASSWD].group, "auth");
	assert_int_equal(c->out[OUTPUT_PASSWD].mode, 0640);
	assert_string_equal(c->out[OUTPUT_VIRTUAL].group, "postfix");
	assert_int_equal(c->out[OUTPUT_VIRTUAL].mode, 0640);
	conf_free(&c);
}

static void
test_conf_error_names_position(void **state)
{
	struct errbuf eb;

	assert_null(load_str("domain: example.org\n\nldap:\n  base: dc=x\n"
	    "  page_size: many\n", &eb));
	assert_string_equal(eb.msg, "t.yaml:5:14: ldap.page_size: 'many': "
	    "expected an integer 0..100000");
	assert_null(load_str("outputs:\n  virtual:\n    path: /v\n"
	    "    format: hash\n  passwd:\n    path: /p\n    format: text\n",
	    &eb));
	assert_string_equal(eb.msg, "t.yaml:7:13: outputs.passwd.format: the "
	    "passwd-file has no format, remove this key");
}

/* A quoted NUL escape would cut a value short: "none\0junk" read as a C
   string is "none".  Every such value fails the file at its position. */
static void
test_conf_nul_escape(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "ldap:\n  base: dc=x\n  auth: \"none\\0junk\"\n",
		  "t.yaml:3:9: NUL character (\\0) not allowed in a value" },
		{ "ldap:\n  base: dc=x\n  starttls: \"true\\x00x\"\n",
		  "t.yaml:3:13: NUL character (\\0) not allowed in a value" },
		{ "sender_login_alias_domains: \"no\\u0000\"\n",
		  "t.yaml:1:29: NUL character (\\0) not allowed in a value" },
		{ "domain: \"example.org\\0.evil\"\n",
		  "t.yaml:1:9: NUL character (\\0) not allowed in a value" },
		{ "outputs:\n  virtual: {path: \"/v\\0/x\"}\n",
		  "t.yaml:2:19: NUL character (\\0) not allowed in a value" },
		{ "\"dom\\0ain\": example.org\n",
		  "t.yaml:1:1: NUL character (\\0) not allowed in a value" },
	};
	struct errbuf eb;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_null(load_str(cases[i].text, &eb));
		assert_string_equal(eb.msg, cases[i].msg);
	}
}

/* domain is checked as the model checks it (addr_check_domain, a dot
   required), so a bad one is reported with its position. */
static void
test_conf_domain_checked_like_model(void **state)
{
	struct errbuf eb;
	struct conf *c;

	assert_null(load_str("domain: localhost\n", &eb));
	assert_string_equal(eb.msg, "t.yaml:1:9: domain: 'localhost': domain "
	    "has no dot, expected a domain name");
	assert_null(load_str("domain: example.org-\n", &eb));
	assert_string_equal(eb.msg, "t.yaml:1:9: domain: 'example.org-': "
	    "domain ends with '.' or '-', expected a domain name");
	assert_null(load_str("domain: \"b\xc3\xbc" "cher.example\"\n", &eb));
	assert_string_equal(eb.msg, "t.yaml:1:9: domain: 'b\\xc3\\xbccher."
	    "example': non-ASCII character in domain (use the A-label form), "
	    "expected a domain name");
	assert_non_null(c = load_str("domain: Mail.Example.ORG\n", &eb));
	assert_string_equal(c->domain, "Mail.Example.ORG");
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_golden),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_names),
		cmocka_unit_test(test_conf_output_file),
		cmocka_unit_test(test_conf_contrib_example_loads),
		cmocka_unit_test(test_conf_mem_not_terminated),
		cmocka_unit_test(test_conf_directory),
		cmocka_unit_test(test_conf_unreadable),
		cmocka_unit_test(test_conf_huge_file),
		cmocka_unit_test(test_conf_later_key_overrides_default),
		cmocka_unit_test(test_conf_error_names_position),
		cmocka_unit_test(test_conf_nul_escape),
		cmocka_unit_test(test_conf_domain_checked_like_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
