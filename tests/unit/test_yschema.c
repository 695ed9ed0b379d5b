/*
 * test_yschema: the schema engine on its own, with a small schema: a
 * root table (name: a string, tags: a list of strings, sub: a mapping
 * with its own table, any: a mapping of any keys), and hostile input
 * against it: wrong kinds at every level, unknown and duplicate keys,
 * depth and count bombs, anchors and aliases, huge keys, and the
 * precedence of errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "yschema.h"

static const struct yaml_limits lim = {
	.max_bytes = 1 << 20,
	.max_depth = 8,
	.max_nodes = 1000,
	.max_scalar = 64,
};

struct row {
	const char *name;
	int (*fn)(struct yschema *, struct buf *, const char *,
	    const struct yevent *);
};

/* What the handlers saw, "key=value;" in document order. */
static int
h_str(struct yschema *ys, struct buf *t, const char *key,
    const struct yevent *v)
{
	if (yschema_scalar(ys, "", v, key, "a string") == -1)
		return -1;
	return buf_printf(t, "%s=%s;", key, v->str) == -1 ?
	    yschema_nomem(ys) : 0;
}

static int
item(struct yschema *ys, void *arg, const struct yevent *it)
{
	return h_str(ys, arg, "tag", it);
}

static int
h_list(struct yschema *ys, struct buf *t, const char *key,
    const struct yevent *v)
{
	if (v->type != YEV_SEQ)
		return yschema_fail(ys, "", v, key, "expected a list, got %s",
		    yevent_kind(v));
	return yschema_list(ys, v, item, t);
}

static int
pair(struct yschema *ys, void *arg, const void *r, const struct yevent *k,
    const struct yevent *v)
{
	const struct row *row = r;

	if (row == NULL) /* a mapping of any keys */
		return h_str(ys, arg, k->str, v);
	return row->fn(ys, arg, row->name, v);
}

static int
one_of(struct yschema *ys, void *arg, const struct yevent *v, int in_list)
{
	return buf_printf(arg, "%s%s;", in_list ? "item=" : "one=", v->str) ==
	    -1 ? yschema_nomem(ys) : 0;
}

/* A scalar or a list of scalars. */
static int
h_scalars(struct yschema *ys, struct buf *t, const char *key,
    const struct yevent *v)
{
	return yschema_scalars(ys, 0, "", key, v, "a list of words or one "
	    "word", "a word", one_of, t);
}

static const struct row sub_rows[] = {
	{ "a", h_str },
	{ "b", h_str },
	{ NULL, NULL },
};

static int
h_sub(struct yschema *ys, struct buf *t, const char *key,
    const struct yevent *v)
{
	return yschema_map(ys, key, "sub settings", v, sub_rows,
	    sizeof(*sub_rows), pair, t);
}

static int
h_any(struct yschema *ys, struct buf *t, const char *key,
    const struct yevent *v)
{
	return yschema_map(ys, key, "anything", v, NULL, 0, pair, t);
}

/* Reads nothing of its value: the engine skips it. */
static int
h_ignore(struct yschema *ys, struct buf *t, const char *key,
    const struct yevent *v)
{
	(void)ys;
	(void)v;
	return buf_printf(t, "%s;", key) == -1 ? -1 : 0;
}

static const struct row root_rows[] = {
	{ "name", h_str },
	{ "tags", h_list },
	{ "sub", h_sub },
	{ "any", h_any },
	{ "ignored", h_ignore },
	{ "words", h_scalars },
	{ NULL, NULL },
};

static int
root(struct yschema *ys, void *arg, const struct yevent *r)
{
	if (yevent_is_null(r))
		return buf_puts(arg, "empty") == -1 ? -1 : 0;
	return yschema_map(ys, "", "settings", r, root_rows,
	    sizeof(*root_rows), pair, arg);
}

static int
run(const char *y, struct buf *t, struct errbuf *eb)
{
	buf_truncate(t, 0);
	memset(eb, 0, sizeof(*eb));
	return yschema_parse("s.yaml", y, strlen(y), &lim, root, t, eb);
}

static void
test_yschema_reads(void **state)
{
	struct buf t = BUF_INIT;
	struct errbuf eb;

	(void)state;
	assert_int_equal(run("name: n\ntags: [x, y]\nsub: {a: 1, b: 2}\n"
	    "any: {k1: v1, k2: v2}\nignored: {deep: [[1, 2], {x: y}]}\n"
	    "name2: ~\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:6:1: unknown key 'name2', expected "
	    "one of: name, tags, sub, any, ignored, words");
	assert_int_equal(run("name: n\ntags: [x, y]\nsub: {a: 1, b: 2}\n"
	    "any: {k1: v1, k2: v2}\nignored: {deep: [[1, 2], {x: y}]}\n",
	    &t, &eb), 0);
	assert_string_equal(buf_cstr(&t), "name=n;tag=x;tag=y;a=1;b=2;k1=v1;"
	    "k2=v2;ignored;");
	assert_int_equal(run("words: w\n", &t, &eb), 0);
	assert_string_equal(buf_cstr(&t), "one=w;");
	assert_int_equal(run("words: [v, ~, w]\n", &t, &eb), 0);
	assert_string_equal(buf_cstr(&t), "item=v;item=~;item=w;");
	assert_int_equal(run("", &t, &eb), 0);
	assert_string_equal(buf_cstr(&t), "empty");
	assert_int_equal(run("# nothing\n", &t, &eb), 0);
	assert_string_equal(buf_cstr(&t), "empty");
	buf_free(&t);
}

static void
test_yschema_wrong_kinds(void **state)
{
	static const struct {
		const char *y, *msg;
	} cases[] = {
		{ "[a, b]\n", "s.yaml:1:1: expected a mapping of settings, got "
		    "a list" },
		{ "just text\n", "s.yaml:1:1: expected a mapping of settings, "
		    "got a string" },
		{ "name: [a]\n", "s.yaml:1:7: name: expected a string, got a "
		    "list" },
		{ "name: {a: b}\n", "s.yaml:1:7: name: expected a string, got "
		    "a mapping" },
		{ "name:\n", "s.yaml:1:6: name: expected a string, got null" },
		{ "tags: x\n", "s.yaml:1:7: tags: expected a list, got a "
		    "string" },
		{ "tags: [x, [y]]\n", "s.yaml:1:11: tag: expected a string, "
		    "got a list" },
		{ "tags: [x, {y: z}]\n", "s.yaml:1:11: tag: expected a string, "
		    "got a mapping" },
		{ "words: {a: b}\n", "s.yaml:1:8: words: expected a list of "
		    "words or one word, got a mapping" },
		{ "words: [a, [b]]\n", "s.yaml:1:12: words: expected a word, "
		    "got a list" },
		{ "words: [a, {b: c}]\n", "s.yaml:1:12: words: expected a word, "
		    "got a mapping" },
		{ "sub: [a]\n", "s.yaml:1:6: sub: expected a mapping of sub "
		    "settings, got a list" },
		{ "sub: ~\n", "s.yaml:1:6: sub: expected a mapping of sub "
		    "settings, got null" },
		{ "sub: {a: {x: y}}\n", "s.yaml:1:10: a: expected a string, "
		    "got a mapping" },
		{ "sub: {c: 1}\n", "s.yaml:1:7: sub: unknown key 'c', expected "
		    "one of: a, b" },
		{ "? [a]\n: b\n", "s.yaml:1:3: expected a key name, got a "
		    "list" },
		{ "sub: {? {a: b} : c}\n", "s.yaml:1:9: sub: expected a key "
		    "name, got a mapping" },
		{ "any: {? [x] : c}\n", "s.yaml:1:9: any: expected a key name, "
		    "got a list" },
	};
	struct buf t = BUF_INIT;
	struct errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(run(cases[i].y, &t, &eb), -1);
		assert_string_equal(eb.msg, cases[i].msg);
	}
	buf_free(&t);
}

static void
test_yschema_duplicate_keys(void **state)
{
	struct buf t = BUF_INIT;
	struct errbuf eb;

	(void)state;
	assert_int_equal(run("name: a\nname: b\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:2:1: duplicate key 'name' (first "
	    "at line 1)");
	assert_int_equal(run("sub:\n  a: 1\n  b: 2\n  a: 3\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:4:3: sub: duplicate key 'a' (first "
	    "at line 2)");
	assert_int_equal(run("any: {k: 1, \"k\": 2}\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:1:13: any: duplicate key 'k' "
	    "(first at line 1)");
	/* The same key in two mappings is two keys. */
	assert_int_equal(run("any: {a: 1}\nsub: {a: 2}\n", &t, &eb), 0);
	buf_free(&t);
}

static void
test_yschema_many_keys(void **state)
{
	struct buf y = BUF_INIT, t = BUF_INIT;
	struct errbuf eb;
	int i;

	(void)state;
	assert_int_equal(buf_puts(&y, "any:\n"), 0);
	for (i = 0; i < 400; i++)
		assert_int_equal(buf_printf(&y, "  k%d: v\n", i), 0);
	assert_int_equal(run(buf_cstr(&y), &t, &eb), 0);
	assert_int_equal(buf_printf(&y, "  k123: again\n"), 0);
	assert_int_equal(run(buf_cstr(&y), &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:402:3: any: duplicate key 'k123' "
	    "(first at line 125)");
	buf_free(&y);
	buf_free(&t);
}

static void
test_yschema_bombs(void **state)
{
	struct buf y = BUF_INIT, t = BUF_INIT;
	struct errbuf eb;
	char msg[128];
	int i;

	(void)state;
	/* nesting: refused at the ninth level, in an ignored value too */
	assert_int_equal(buf_puts(&y, "ignored: "), 0);
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_putc(&y, '['), 0);
	assert_int_equal(run(buf_cstr(&y), &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:1:17: nested deeper than 8 "
	    "levels");
	/* values: counted even where no handler looks */
	buf_truncate(&y, 0);
	assert_int_equal(buf_puts(&y, "ignored: ["), 0);
	for (i = 0; i < 2000; i++)
		assert_int_equal(buf_puts(&y, "1, "), 0);
	assert_int_equal(buf_puts(&y, "]\n"), 0);
	assert_int_equal(run(buf_cstr(&y), &t, &eb), -1);
	(void)snprintf(msg, sizeof(msg), "s.yaml:1:%d: more than 1000 values "
	    "in one file", 11 + 3 * 997);
	assert_string_equal(eb.msg, msg);
	/* a huge key */
	buf_truncate(&y, 0);
	assert_int_equal(buf_puts(&y, "any:\n  "), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_putc(&y, 'k'), 0);
	assert_int_equal(buf_puts(&y, ": v\n"), 0);
	assert_int_equal(run(buf_cstr(&y), &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:2:3: value longer than 64 bytes");
	buf_free(&y);
	buf_free(&t);
}

static void
test_yschema_anchors_aliases(void **state)
{
	struct buf t = BUF_INIT;
	struct errbuf eb;

	(void)state;
	assert_int_equal(run("name: &n x\nany: {a: *n}\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:1:7: anchors (&name) are not "
	    "allowed, write the value out");
	assert_int_equal(run("any: {a: *n}\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:1:10: aliases (*name) are not "
	    "allowed, write the value out");
	assert_int_equal(run("name: !x y\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:1:7: tags (!name) are not "
	    "allowed, expected a plain value");
	assert_int_equal(run("name: a\n---\nname: b\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:2:1: a second document ('---'), "
	    "expected one document per file");
	buf_free(&t);
}

/* A YAML error anywhere names the file, as a reader of the whole
   document would: not the schema error found before it. */
static void
test_yschema_yaml_error_wins(void **state)
{
	struct buf t = BUF_INIT;
	struct errbuf eb;

	(void)state;
	assert_int_equal(run("nope: 1\nsub: {a: [\n", &t, &eb), -1);
	assert_non_null(strstr(eb.msg, "s.yaml:3:1: "));
	assert_int_equal(run("nope: 1\nany: {a: *x}\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:2:10: aliases (*name) are not "
	    "allowed, write the value out");
	assert_int_equal(run("nope: 1\nname: a\nname: b\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "s.yaml:1:1: unknown key 'nope', expected "
	    "one of: name, tags, sub, any, ignored, words");
	buf_free(&t);
}

/* Ranks: a rank-2 error stops its list, reading goes on, and a later
   rank-1 error is the file's message; rank 0 ends it all. */
static int
ranked_item(struct yschema *ys, void *arg, const struct yevent *it)
{
	struct buf *t = arg;

	if (buf_printf(t, "%s;", it->str) == -1)
		return yschema_nomem(ys);
	if (strcmp(it->str, "r2") == 0 || strcmp(it->str, "r2b") == 0)
		return yschema_fault(ys, 2, "l", it, NULL, "%s", it->str);
	if (strcmp(it->str, "r1") == 0)
		return yschema_fault(ys, 1, "l", it, NULL, "%s", it->str);
	if (strcmp(it->str, "r0") == 0)
		return yschema_fault(ys, 0, "l", it, NULL, "%s", it->str);
	return 0;
}

static int
ranked_root(struct yschema *ys, void *arg, const struct yevent *r)
{
	int rv;

	if (r->type != YEV_SEQ)
		return yschema_fail(ys, "", r, NULL, "expected lists");
	rv = yschema_list(ys, r, ranked_item, arg);
	return rv == YSCHEMA_STOP ? 0 : rv;
}

static int
ranked_outer(struct yschema *ys, void *arg, const struct yevent *it)
{
	int rv;

	if (it->type != YEV_SEQ)
		return ranked_item(ys, arg, it);
	rv = yschema_list(ys, it, ranked_item, arg);
	return rv == YSCHEMA_STOP ? 0 : rv; /* the inner list only */
}

static int
run_ranked(const char *y, struct buf *t, struct errbuf *eb)
{
	buf_truncate(t, 0);
	return yschema_parse("r.yaml", y, strlen(y), &lim,
	    ranked_root, t, eb);
}

static int
nested_root(struct yschema *ys, void *arg, const struct yevent *r)
{
	return yschema_list(ys, r, ranked_outer, arg);
}

static int
run_nested(const char *y, struct buf *t, struct errbuf *eb)
{
	buf_truncate(t, 0);
	return yschema_parse("r.yaml", y, strlen(y), &lim, nested_root, t,
	    eb);
}

static void
test_yschema_ranks(void **state)
{
	struct buf t = BUF_INIT;
	struct errbuf eb;

	(void)state;
	assert_int_equal(run_ranked("[a, r2, b]\n", &t, &eb), -1);
	assert_string_equal(eb.msg, "r.yaml:1:5: l: r2");
	assert_string_equal(buf_cstr(&t), "a;r2;");
	assert_int_equal(run_nested("[[a, r2, b], [r2b], [r1], [c]]", &t, &eb),
	    -1);
	assert_string_equal(eb.msg, "r.yaml:1:22: l: r1");
	assert_string_equal(buf_cstr(&t), "a;r2;r2b;r1;c;");
	assert_int_equal(run_nested("[[r1], [r0], [c]]", &t, &eb), -1);
	assert_string_equal(eb.msg, "r.yaml:1:9: l: r0");
	assert_string_equal(buf_cstr(&t), "r1;r0;");
	/* a YAML error still wins over every rank */
	assert_int_equal(run_nested("[[r0], [*x]]", &t, &eb), -1);
	assert_string_equal(eb.msg, "r.yaml:1:9: aliases (*name) are not "
	    "allowed, write the value out");
	buf_free(&t);
}

/* A mapping whose keys the reader keeps and whose duplicates it
   judges (the Hiera export's sections). */
static const char *
keep(void *arg, const char *s, size_t len)
{
	struct buf *t = arg;

	return buf_printf(t, "+%.*s;", (int)len, s) == -1 ? NULL :
	    strndup(s, len);
}

static int
dup_hook(struct yschema *ys, void *arg, const struct yevent *k,
    unsigned first)
{
	(void)ys;
	return buf_printf(arg, "dup %s@%u;", k->str, first) == -1 ? -1 : 0;
}

static int
kept_pair(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	(void)row;
	if (v->type != YEV_SCALAR)
		return yschema_fault(ys, 2, "sec", v, k->str, "expected a "
		    "scalar, got %s", yevent_kind(v));
	return buf_printf(arg, "%s=%s;", k->str, v->str) == -1 ? -1 : 0;
}

struct kept {
	struct buf t;
	char *keys[16];
	size_t n;
};

static const char *
keep_kept(void *arg, const char *s, size_t len)
{
	struct kept *kp = arg;
	const char *k = keep(&kp->t, s, len);

	if (k != NULL)
		kp->keys[kp->n++] = (char *)k;
	return k;
}

static int
dup_kept(struct yschema *ys, void *arg, const struct yevent *k,
    unsigned first)
{
	return dup_hook(ys, &((struct kept *)arg)->t, k, first);
}

static int
pair_kept(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	return kept_pair(ys, &((struct kept *)arg)->t, row, k, v);
}

static int
kept_root(struct yschema *ys, void *arg, const struct yevent *r)
{
	const struct yschema_map m = { .sect = "sec", .what = "entries",
		.keyword = "an address as key", .rank = 2, .keep = keep_kept,
		.dup = dup_kept, .fn = pair_kept, .arg = arg };
	int rv = yschema_read_map(ys, &m, r);

	return rv == YSCHEMA_STOP ? 0 : rv;
}

static void
test_yschema_kept_keys(void **state)
{
	static const char y1[] = "a: 1\nb: 2\na: {x: y}\nc: 3\n";
	static const char y2[] = "a: 1\n? [k]\n: v\nc: 3\n";
	static const char y3[] = "a: 1\nb: [2]\nc: 3\n";
	struct kept kp;
	struct errbuf eb;
	size_t i;

	(void)state;
	memset(&kp, 0, sizeof(kp));
	assert_int_equal(yschema_parse("k.yaml", y1, sizeof(y1) - 1, &lim,
	    kept_root, &kp, &eb), 0);
	assert_string_equal(buf_cstr(&kp.t), "+a;a=1;+b;b=2;+a;dup a@1;+c;"
	    "c=3;");
	buf_truncate(&kp.t, 0);
	assert_int_equal(yschema_parse("k.yaml", y2, sizeof(y2) - 1, &lim,
	    kept_root, &kp, &eb), -1);
	assert_string_equal(eb.msg, "k.yaml:2:3: sec: expected an address as "
	    "key, got a list");
	assert_string_equal(buf_cstr(&kp.t), "+a;a=1;");
	buf_truncate(&kp.t, 0);
	assert_int_equal(yschema_parse("k.yaml", y3, sizeof(y3) - 1, &lim,
	    kept_root, &kp, &eb), -1);
	assert_string_equal(eb.msg, "k.yaml:2:4: sec.b: expected a scalar, "
	    "got a list");
	assert_string_equal(buf_cstr(&kp.t), "+a;a=1;+b;");
	for (i = 0; i < kp.n; i++)
		free(kp.keys[i]);
	buf_free(&kp.t);
}

static void
test_yschema_shown(void **state)
{
	struct yevent v = { .type = YEV_SCALAR, .str = "a\tb\\\x01", .len = 5 };
	char tmp[300];

	(void)state;
	assert_string_equal(yschema_shown(&v, tmp, sizeof(tmp)),
	    "a\\x09b\\x5c\\x01");
	/* buf_vis's rule, as in every other message */
	v.str = "say \"hi\"";
	v.len = strlen(v.str);
	assert_string_equal(yschema_shown(&v, tmp, sizeof(tmp)),
	    "say \\x22hi\\x22");
	v.type = YEV_MAP;
	assert_string_equal(yschema_shown(&v, tmp, sizeof(tmp)), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yschema_reads),
		cmocka_unit_test(test_yschema_wrong_kinds),
		cmocka_unit_test(test_yschema_duplicate_keys),
		cmocka_unit_test(test_yschema_many_keys),
		cmocka_unit_test(test_yschema_bombs),
		cmocka_unit_test(test_yschema_anchors_aliases),
		cmocka_unit_test(test_yschema_yaml_error_wins),
		cmocka_unit_test(test_yschema_ranks),
		cmocka_unit_test(test_yschema_kept_keys),
		cmocka_unit_test(test_yschema_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
