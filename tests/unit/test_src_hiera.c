#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "buf.h"
#include "errbuf.h"
#include "log.h"
#include "src_hiera.h"

/* Warnings the parser logged, one a line. */
static struct buf warnings = BUF_INIT;

static void
capture(enum log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)arg;
	if (buf_puts(&warnings, msg) == -1 || buf_putc(&warnings, '\n') == -1)
		abort();
}

static int
setup(void **state)
{
	buf_reset(&warnings);
	log_set_hook(capture, NULL);
	return 0;
}

static int
teardown(void **state)
{
	log_set_hook(NULL, NULL);
	buf_free(&warnings);
	return 0;
}

static const char *
data_dir(void)
{
	static char dir[4096];
	const char *top = getenv("top_srcdir");

	(void)snprintf(dir, sizeof(dir), "%s/tests/data/hiera",
	    top != NULL ? top : ".");
	return dir;
}

static int
load_named(struct hiera_data *hd, const char *name, const char *text,
    struct errbuf *eb)
{
	return src_hiera_load_mem(hd, name, text, strlen(text), NULL, eb);
}

static int
load_str(struct hiera_data *hd, const char *text, struct errbuf *eb)
{
	return load_named(hd, "t.yaml", text, eb);
}

static void
dump_list(struct buf *b, const char *name, const struct hiera_list *l,
    size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		assert_int_equal(buf_printf(b, "%s %s ->", name, l[i].key), 0);
		for (j = 0; j < l[i].ntargets; j++)
			assert_int_equal(buf_printf(b, " [%s]", l[i].targets[j]),
			    0);
		assert_int_equal(buf_printf(b, " (%s:%u)\n", l[i].origin.file,
		    l[i].origin.line), 0);
	}
}

/* A stable text form of HD for golden files. */
static void
dump(struct buf *b, const struct hiera_data *hd)
{
	size_t i;

	if (hd->domain != NULL)
		assert_int_equal(buf_printf(b, "domain %s (%s:%u)\n",
		    hd->domain, hd->domain_origin.file,
		    hd->domain_origin.line), 0);
	for (i = 0; i < hd->nalias_domains; i++)
		assert_int_equal(buf_printf(b, "alias_domain %s (%s:%u)\n",
		    hd->alias_domains[i], hd->alias_domain_origins[i].file,
		    hd->alias_domain_origins[i].line), 0);
	dump_list(b, "alias", hd->aliases, hd->naliases);
	dump_list(b, "forward", hd->forwards, hd->nforwards);
	dump_list(b, "sender_login", hd->sender_logins, hd->nsender_logins);
	assert_int_equal(buf_printf(b, "rejected %zu\n", hd->rejected), 0);
}


/* Each tests/data/hiera/CASE.yaml loads into what CASE.exp says: the
   dump plus the warnings, or "error: MESSAGE".  UDMAIL_REGEN=1 rewrites
   the .exp files and fails (review them with git diff, then run without
   it). */
static void
test_src_hiera_golden(void **state)
{
	struct dirent **names;
	struct hiera_data hd;
	struct errbuf eb;
	struct buf out = BUF_INIT;
	char cwd[4096];
	int n, i, failed = 0;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(data_dir()), 0);
	n = golden_cases(".", &names);
	assert_true(n > 10);
	for (i = 0; i < n; i++) {
		memset(&hd, 0, sizeof(hd));
		buf_reset(&warnings);
		buf_reset(&out);
		if (src_hiera_load(&hd, names[i]->d_name, NULL, &eb) == -1) {
			assert_int_equal(buf_printf(&out, "error: %s\n", eb.msg),
			    0);
			assert_int_equal(hd.nfiles, 0);
		} else
			dump(&out, &hd);
		assert_int_equal(buf_puts(&out, buf_cstr(&warnings)), 0);
		src_hiera_free(&hd);
		failed += golden_check(names[i]->d_name, buf_cstr(&out));
		free(names[i]);
	}
	free(names);
	buf_free(&out);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(failed, 0);
}

static void
test_src_hiera_example_loads(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;
	char path[4096];
	const char *top = getenv("top_srcdir");

	(void)snprintf(path, sizeof(path),
	    "%s/hiera-templates/mail-export.example.yaml",
	    top != NULL ? top : ".");
	memset(&hd, 0, sizeof(hd));
	if (src_hiera_load(&hd, path, NULL, &eb) == -1)
		fail_msg("%s", eb.msg);
	assert_string_equal(hd.domain, "example.org");
	assert_int_equal(hd.nalias_domains, 2);
	assert_int_equal(hd.naliases, 6);
	assert_int_equal(hd.nforwards, 2);
	assert_int_equal(hd.nsender_logins, 2);
	assert_int_equal(hd.rejected, 0);
	assert_int_equal(warnings.len, 0);
	src_hiera_free(&hd);
}

static void
test_src_hiera_merge_keeps_origins(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(load_named(&hd, "one.yaml",
	    "version: 1\ndomain: example.org\naliases: {a: b}\n", &eb), 0);
	assert_int_equal(load_named(&hd, "two.yaml",
	    "version: 1\n\ndomain: EXAMPLE.org\naliases: {c: d, a: e}\n", &eb), 0);
	assert_int_equal(hd.nfiles, 2);
	assert_int_equal(hd.naliases, 3);
	assert_string_equal(hd.aliases[0].origin.file, "one.yaml");
	assert_int_equal(hd.aliases[0].origin.line, 3);
	assert_string_equal(hd.aliases[1].origin.file, "two.yaml");
	assert_int_equal(hd.aliases[1].origin.line, 4);
	/* Across files a duplicate is kept: the model reports it. */
	assert_string_equal(hd.aliases[2].key, "a");
	assert_string_equal(hd.aliases[2].targets[0], "e");
	/* The same domain twice keeps the first origin. */
	assert_string_equal(hd.domain, "example.org");
	assert_string_equal(hd.domain_origin.file, "one.yaml");
	src_hiera_free(&hd);
	assert_null(hd.aliases);
	assert_int_equal(hd.naliases, 0);
}

static void
test_src_hiera_failure_leaves_data(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(load_str(&hd, "version: 1\naliases: {a: b}\n", &eb),
	    0);
	/* A bad entry (held-back warning) before a fatal type error. */
	assert_int_equal(load_str(&hd, "version: 1\ndomain: example.org\n"
	    "aliases:\n  'x y': z\n  c: d\nforwards: [e]\n", &eb), -1);
	assert_string_equal(eb.msg, "t.yaml:6:11: forwards: expected a "
	    "mapping of address to targets, got a list");
	assert_int_equal(hd.naliases, 1);
	assert_int_equal(hd.nfiles, 1);
	assert_int_equal(hd.rejected, 0);
	assert_null(hd.domain);
	assert_int_equal(warnings.len, 0);
	src_hiera_free(&hd);
}

static void
test_src_hiera_domain_conflict(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(load_named(&hd, "a.yaml",
	    "version: 1\ndomain: example.org\n", &eb), 0);
	assert_int_equal(load_named(&hd, "b.yaml",
	    "version: 1\ndomain: example.net\n", &eb), -1);
	assert_string_equal(eb.msg, "b.yaml:2:9: domain: 'example.net' "
	    "differs from 'example.org' set at a.yaml:2");
	assert_int_equal(hd.nfiles, 1);
	src_hiera_free(&hd);
}

/* Domains are checked by addr_check_domain, the model's own check, so
   what the model would refuse later is refused here with a position. */
static void
test_src_hiera_domain_needs_dot(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(load_str(&hd, "version: 1\ndomain: localhost\n",
	    &eb), -1);
	assert_string_equal(eb.msg, "t.yaml:2:9: domain: 'localhost': domain "
	    "has no dot, expected a domain name");
	assert_int_equal(load_str(&hd, "version: 1\ndomain: example.org\n"
	    "alias_domains: [localhost, example.net, \"x.\"]\n", &eb), 0);
	assert_int_equal(hd.nalias_domains, 1);
	assert_string_equal(hd.alias_domains[0], "example.net");
	assert_int_equal(hd.rejected, 2);
	assert_string_equal(buf_cstr(&warnings),
	    "t.yaml:3: alias_domains: 'localhost': domain has no dot, "
	    "dropped\n"
	    "t.yaml:3: alias_domains: 'x.': domain ends with '.' or '-', "
	    "dropped\n");
	src_hiera_free(&hd);
}

static void
test_src_hiera_duplicate_key_both_lines(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(load_str(&hd, "version: 1\naliases:\n  a: first\n"
	    "  b: x\n  a: second\n", &eb), 0);
	assert_int_equal(hd.naliases, 2);
	assert_string_equal(hd.aliases[0].targets[0], "first");
	assert_int_equal(hd.rejected, 1);
	assert_string_equal(buf_cstr(&warnings), "t.yaml:5: aliases: 'a': "
	    "duplicate key (first at line 3), dropped\n");
	src_hiera_free(&hd);
}

static void
test_src_hiera_target_dropped_entry_kept(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(load_str(&hd, "version: 1\naliases:\n  a: [ok, "
	    "\"b\\x01c\", x@y@z]\n", &eb), 0);
	assert_int_equal(hd.naliases, 1);
	assert_int_equal(hd.aliases[0].ntargets, 1);
	assert_string_equal(hd.aliases[0].targets[0], "ok");
	assert_int_equal(hd.rejected, 2);
	assert_string_equal(buf_cstr(&warnings),
	    "t.yaml:3: aliases: 'a': target 'b\\x01c': control character, "
	    "dropped\n"
	    "t.yaml:3: aliases: 'a': target 'x@y@z': more than one '@', "
	    "dropped\n");
	src_hiera_free(&hd);
}

/* A NUL written as an escape ("\0", "\x00", "\u0000") would cut the
   value short wherever it is read as a C string: the file fails with
   the scalar's position, like a raw NUL byte. */
/* An entry dropped whole is one warning and one count, whatever made it
   go; a kept entry's bad targets count one each. */
static void
test_src_hiera_entry_dropped_once(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(load_str(&hd, "version: 1\naliases:\n"
	    "  tilde: ~\n"
	    "  bare:\n"
	    "  colon: 'a:b'\n"
	    "  quoted: \"\"\n"
	    "  nullitem: [~]\n"
	    "  none: []\n"
	    "  twobad: \"a:b, c d\"\n"
	    "  threebad: [\"x y\", \",\"]\n"
	    "  kept: [ok, 'a:b', ~]\n", &eb), 0);
	assert_int_equal(hd.naliases, 1);
	assert_string_equal(hd.aliases[0].key, "kept");
	assert_int_equal(hd.rejected, 8 + 2);
	assert_string_equal(buf_cstr(&warnings),
	    "t.yaml:3: aliases: 'tilde': value is empty (null), entry "
	    "dropped\n"
	    "t.yaml:4: aliases: 'bare': value is empty (null), entry "
	    "dropped\n"
	    "t.yaml:5: aliases: 'colon': target 'a:b': ':' not allowed; no "
	    "valid targets, entry dropped\n"
	    "t.yaml:6: aliases: 'quoted': target '': empty; no valid targets, "
	    "entry dropped\n"
	    "t.yaml:7: aliases: 'nullitem': target '': empty; no valid "
	    "targets, entry dropped\n"
	    "t.yaml:8: aliases: 'none': no valid targets, entry dropped\n"
	    "t.yaml:9: aliases: 'twobad': target 'a:b': ':' not allowed (and "
	    "1 more bad target); no valid targets, entry dropped\n"
	    "t.yaml:10: aliases: 'threebad': target 'x y': whitespace inside "
	    "(and 2 more bad targets); no valid targets, entry dropped\n"
	    "t.yaml:11: aliases: 'kept': target 'a:b': ':' not allowed, "
	    "dropped\n"
	    "t.yaml:11: aliases: 'kept': target '': empty, dropped\n");
	src_hiera_free(&hd);
}

static void
test_src_hiera_nul_in_quoted_scalar(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "version: 1\naliases:\n  \"a\\0b\": c\n",
		  "t.yaml:3:3: NUL character (\\0) not allowed in a value" },
		{ "version: 1\naliases:\n  a: [ok, \"b\\x00@evil.example\"]\n",
		  "t.yaml:3:11: NUL character (\\0) not allowed in a value" },
		{ "version: \"1\\u0000\"\n",
		  "t.yaml:1:10: NUL character (\\0) not allowed in a value" },
		{ "version: 1\ndomain: 'example.org'\nalias_domains: "
		  "\"example.net\\0junk\"\n",
		  "t.yaml:3:16: NUL character (\\0) not allowed in a value" },
	};
	struct hiera_data hd;
	struct errbuf eb;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&hd, 0, sizeof(hd));
		assert_int_equal(load_str(&hd, cases[i].text, &eb), -1);
		assert_string_equal(eb.msg, cases[i].msg);
		assert_int_equal(hd.nfiles, 0);
		assert_int_equal(hd.rejected, 0);
		assert_int_equal(warnings.len, 0);
	}
}

static void
test_src_hiera_raw_nul_byte(void **state)
{
	static const char text[] = "version: 1\naliases:\n  a: b\0c\n";
	struct hiera_data hd;
	struct errbuf eb;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load_mem(&hd, "t.yaml", text,
			     sizeof(text) - 1, NULL, &eb),
	    -1);
	assert_string_equal(eb.msg, "t.yaml:3:7: NUL byte not allowed, "
	    "expected UTF-8 text");
	src_hiera_free(&hd);
}

static void
test_src_hiera_directory(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;
	char msg[4200];

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load(&hd, data_dir(), NULL, &eb), -1);
	(void)snprintf(msg, sizeof(msg), "%s: is a directory, expected a "
	    "YAML file", data_dir());
	assert_string_equal(eb.msg, msg);
	assert_int_equal(eb.errnum, EISDIR);
	assert_int_equal(hd.nfiles, 0);
}

static void
test_src_hiera_unreadable(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;
	char path[] = "/tmp/test_src_hiera.XXXXXX";
	int fd;

	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load(&hd, "/nonexistent/mail.yaml", NULL,
			     &eb),
	    -1);
	assert_string_equal(eb.msg, "/nonexistent/mail.yaml: No such file "
	    "or directory");
	/* A file used as a directory. */
	assert_int_equal(src_hiera_load(&hd, "/dev/null/mail.yaml", NULL, &eb),
	    -1);
	assert_int_equal(eb.errnum, ENOTDIR);
	assert_int_equal(src_hiera_load(&hd, "/dev/null", NULL, &eb), -1);
	assert_string_equal(eb.msg, "/dev/null: not a regular file");
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "version: 1\n", 11), 11);
	close(fd);
	assert_int_equal(chmod(path, 0), 0);
	if (geteuid() != 0) {
		assert_int_equal(src_hiera_load(&hd, path, NULL, &eb), -1);
		assert_int_equal(eb.errnum, EACCES);
	}
	assert_int_equal(unlink(path), 0);
	assert_int_equal(hd.nfiles, 0);
}

static void
test_src_hiera_huge_file(void **state)
{
	struct hiera_data hd;
	struct errbuf eb;
	char path[] = "/tmp/test_src_hiera.XXXXXX", msg[256];
	int fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(ftruncate(fd, (off_t)HIERA_MAX_BYTES + 1), 0);
	close(fd);
	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load(&hd, path, NULL, &eb), -1);
	(void)snprintf(msg, sizeof(msg), "%s: larger than %d bytes", path,
	    HIERA_MAX_BYTES);
	assert_string_equal(eb.msg, msg);
	assert_int_equal(eb.errnum, EFBIG);
	assert_int_equal(unlink(path), 0);
}

static void
test_src_hiera_many_entries(void **state)
{
	struct buf b = BUF_INIT;
	struct hiera_data hd;
	struct errbuf eb;
	int i;

	assert_int_equal(buf_puts(&b, "version: 1\naliases:\n"), 0);
	for (i = 0; i < 50000; i++)
		assert_int_equal(buf_printf(&b, "  role%d: [user%d, other%d]\n",
		    i, i, i % 7), 0);
	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load_mem(&hd, "big.yaml", b.data, b.len,
			     NULL, &eb),
	    0);
	assert_int_equal(hd.naliases, 50000);
	assert_string_equal(hd.aliases[49999].key, "role49999");
	assert_int_equal(hd.aliases[49999].origin.line, 50002);
	src_hiera_free(&hd);
	buf_free(&b);
}

static void
test_src_hiera_too_many_values(void **state)
{
	struct buf b = BUF_INIT;
	struct hiera_data hd;
	struct errbuf eb;
	char msg[128];
	int i;

	/* Flow lists of short scalars: many values in few bytes.  Four
	   come before the list (version, 1, aliases, a), so it may hold
	   HIERA_MAX_VALUES - 4 items and no more. */
	assert_int_equal(buf_puts(&b, "version: 1\naliases:\n  a: ["), 0);
	for (i = 0; i < HIERA_MAX_VALUES - 4; i++)
		assert_int_equal(buf_puts(&b, "x,"), 0);
	assert_int_equal(buf_puts(&b, "]\n"), 0);
	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load_mem(&hd, "t.yaml", b.data, b.len, NULL,
			     &eb),
	    0);
	assert_int_equal(hd.naliases, 1);
	assert_int_equal(hd.aliases[0].ntargets, HIERA_MAX_VALUES - 4);
	src_hiera_free(&hd);
	buf_truncate(&b, b.len - 2);
	assert_int_equal(buf_puts(&b, "x]\n"), 0);
	assert_int_equal(src_hiera_load_mem(&hd, "t.yaml", b.data, b.len, NULL,
			     &eb),
	    -1);
	(void)snprintf(msg, sizeof(msg), "t.yaml:3:%d: more than %d values "
	    "in one file", 7 + 2 * (HIERA_MAX_VALUES - 4), HIERA_MAX_VALUES);
	assert_string_equal(eb.msg, msg);
	assert_int_equal(hd.nfiles, 0);
	buf_free(&b);
}

/* Values count as written: "k: [a, b]" is three (the key and two
   addresses), the list itself nothing, so a file of such entries may
   hold a third of HIERA_MAX_VALUES of them. */
static void
test_src_hiera_values_count_as_written(void **state)
{
	struct buf b = BUF_INIT;
	struct hiera_data hd;
	struct errbuf eb;
	int i, n = (HIERA_MAX_VALUES - 3) / 3;

	assert_int_equal(buf_puts(&b, "version: 1\naliases:\n"), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_printf(&b, "  k%d: [a, b]\n", i), 0);
	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load_mem(&hd, "t.yaml", b.data, b.len, NULL,
			     &eb),
	    0);
	assert_int_equal(hd.naliases, n);
	assert_int_equal(hd.aliases[n - 1].ntargets, 2);
	assert_string_equal(hd.aliases[n - 1].targets[1], "b");
	assert_int_equal(hd.aliases[n - 1].origin.line, n + 2);
	assert_int_equal(warnings.len, 0);
	src_hiera_free(&hd);
	buf_free(&b);
}

/* "a,a,a,..." splits one value into tens of thousands of targets: they
   count against HIERA_MAX_TARGETS, so a 32 MiB file of them is refused
   with a position instead of taking ~1 GiB (the same file written as
   lists would hit HIERA_MAX_VALUES). */
static void
test_src_hiera_too_many_targets(void **state)
{
	struct buf b = BUF_INIT, one = BUF_INIT;
	struct hiera_data hd;
	struct errbuf eb;
	char msg[256];
	int i, per = 32000, n = HIERA_MAX_TARGETS / 32000 + 1;

	for (i = 0; i < per; i++)
		assert_int_equal(buf_puts(&one, i == 0 ? "a" : ",a"), 0);
	assert_true(one.len <= HIERA_MAX_SCALAR);
	assert_int_equal(buf_puts(&b, "version: 1\naliases:\n"), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_printf(&b, "  k%d: \"%s\"\n", i,
		    buf_cstr(&one)), 0);
	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load_mem(&hd, "t.yaml", b.data, b.len, NULL,
			     &eb),
	    -1);
	/* The value that crosses the limit: k62 on line 65. */
	(void)snprintf(msg, sizeof(msg), "t.yaml:%d:8: more than %d targets "
	    "and alias domains in one file, counted after splitting at "
	    "commas", 3 + n - 1, HIERA_MAX_TARGETS);
	assert_string_equal(eb.msg, msg);
	assert_int_equal(hd.nfiles, 0);
	assert_int_equal(hd.naliases, 0);
	assert_int_equal(warnings.len, 0);

	/* One entry fewer is under the limit and loads. */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "version: 1\naliases:\n"), 0);
	for (i = 0; i < n - 1; i++)
		assert_int_equal(buf_printf(&b, "  k%d: \"%s\"\n", i,
		    buf_cstr(&one)), 0);
	assert_int_equal(src_hiera_load_mem(&hd, "t.yaml", b.data, b.len, NULL,
			     &eb),
	    0);
	assert_int_equal(hd.naliases, n - 1);
	assert_int_equal(hd.aliases[0].ntargets, per);
	src_hiera_free(&hd);

	/* Dropped pieces count too ("," alone is two empty targets), and
	   alias domains share the limit. */
	buf_reset(&one);
	for (i = 0; i < 65000; i++)
		assert_int_equal(buf_putc(&one, ','), 0);
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "version: 1\nalias_domains:\n"), 0);
	for (i = 0; i < HIERA_MAX_TARGETS / 65001 + 1; i++)
		assert_int_equal(buf_printf(&b, "  - \"%s\"\n",
		    buf_cstr(&one)), 0);
	assert_int_equal(src_hiera_load_mem(&hd, "t.yaml", b.data, b.len, NULL,
			     &eb),
	    -1);
	(void)snprintf(msg, sizeof(msg), "t.yaml:%d:5: more than %d targets "
	    "and alias domains in one file, counted after splitting at "
	    "commas", 3 + HIERA_MAX_TARGETS / 65001, HIERA_MAX_TARGETS);
	assert_string_equal(eb.msg, msg);
	assert_int_equal(hd.nfiles, 0);
	assert_int_equal(warnings.len, 0);
	buf_free(&one);
	buf_free(&b);
}

/* Only HIERA_MAX_WARNINGS drops are logged, then one line with the rest;
   every drop is still counted. */
static void
test_src_hiera_warnings_capped(void **state)
{
	struct buf b = BUF_INIT;
	struct hiera_data hd;
	struct errbuf eb;
	const char *p, *last;
	size_t lines = 0;
	char msg[256];
	int i;

	assert_int_equal(buf_puts(&b, "version: 1\naliases:\n  k: \"ok"), 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_puts(&b, ",a:"), 0);
	/* An entry dropped whole past the cap is counted once. */
	assert_int_equal(buf_puts(&b, "\"\n  allbad: \"a:"), 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_puts(&b, ",a:"), 0);
	assert_int_equal(buf_puts(&b, "\"\nforwards: {x: ~}\n"), 0);
	memset(&hd, 0, sizeof(hd));
	assert_int_equal(src_hiera_load_mem(&hd, "t.yaml", b.data, b.len, NULL,
			     &eb),
	    0);
	assert_int_equal(hd.naliases, 1);
	assert_int_equal(hd.aliases[0].ntargets, 1);
	assert_int_equal(hd.rejected, 5000 + 1 + 1);
	for (p = buf_cstr(&warnings); (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, HIERA_MAX_WARNINGS + 1);
	assert_non_null(strstr(buf_cstr(&warnings), "t.yaml:3: aliases: 'k': "
	    "target 'a:': ':' not allowed, dropped\n"));
	for (last = p = buf_cstr(&warnings); *p != '\0'; p++)
		if (*p == '\n' && p[1] != '\0')
			last = p + 1;
	(void)snprintf(msg, sizeof(msg), "t.yaml: %d more dropped without a "
	    "warning each (5002 dropped in all)\n",
	    5002 - HIERA_MAX_WARNINGS);
	assert_string_equal(last, msg);
	src_hiera_free(&hd);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_src_hiera_golden, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_example_loads,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_src_hiera_merge_keeps_origins, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_src_hiera_failure_leaves_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_domain_conflict,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_domain_needs_dot,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_src_hiera_duplicate_key_both_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_src_hiera_target_dropped_entry_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_src_hiera_entry_dropped_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_src_hiera_nul_in_quoted_scalar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_raw_nul_byte,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_directory, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_unreadable,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_huge_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_many_entries,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_too_many_values,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_src_hiera_values_count_as_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_too_many_targets,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_src_hiera_warnings_capped,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
