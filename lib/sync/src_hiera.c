/*
 * src_hiera: udmail's Hiera export (hiera-templates/README.md) into
 * struct hiera_data, read by the schema engine (lib/yschema) from the
 * YAML event stream as it comes: no document tree, so the memory is the
 * hiera_data's (strings in an arena, where the engine keeps the section's
 * keys) plus one key set for the section being read.  Two kinds of trouble:
 * a file that is not the format (YAML error, wrong type, bad version)
 * fails whole and HD is untouched; one bad key or target is dropped with
 * a warning and the rest is kept.  Errors keep the precedence a reader
 * of the whole document would give them: a YAML error anywhere, then the
 * top-level keys, then the version, then the first error in the
 * sections (the engine's error ranks, enum fault); so the stream is read
 * to its end even after an error.
 * Warnings are held back until the file has passed; only the first
 * HIERA_MAX_WARNINGS are kept, so hostile input cannot flood the log.
 * Splitting at commas turns one value into many targets: they count
 * against HIERA_MAX_TARGETS, which bounds the memory a file can take.
 * Here: the schema's handlers that build the lists; src_hiera_load.c
 * loads a file through them and merges it.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "array.h"
#include "buf.h"
#include "report.h"
#include "src_hiera.h"
#include "yamlutil.h"
#include "yschema.h"

#include "src_hiera_int.h"

static const char *const section_names[] = {
	[SEC_ALIASES] = "aliases",
	[SEC_FORWARDS] = "forwards",
	[SEC_SENDER_LOGINS] = "sender_logins",
};

/* The engine's table of top-level keys (rows of one name), in the
   order its message lists them. */
static const char *const root_keys[RK_COUNT + 1] = {
	[RK_VERSION] = "version",
	[RK_DOMAIN] = "domain",
	[RK_ALIAS_DOMAINS] = "alias_domains",
	[RK_ALIASES] = "aliases",
	[RK_FORWARDS] = "forwards",
	[RK_SENDER_LOGINS] = "sender_logins",
};

void
src_hiera_free(struct hiera_data *hd)
{
	size_t i;

	if (hd == NULL)
		return;
	free(hd->domain);
	for (i = 0; i < hd->nalias_domains; i++)
		free(hd->alias_domains[i]);
	free(hd->alias_domains);
	free(hd->alias_domain_origins);
	free(hd->aliases);
	free(hd->forwards);
	free(hd->sender_logins);
	for (i = 0; i < hd->nfiles; i++)
		free(hd->files[i]);
	free(hd->files);
	arena_free(&hd->strings);
	memset(hd, 0, sizeof(*hd));
}

int
nomem(struct hctx *h)
{
	if (h->ys != NULL)
		return yschema_nomem(h->ys);
	errbuf_set(h->eb, "%s: out of memory", h->name);
	h->eb->errnum = ENOMEM;
	return -1;
}

/* An error of rank F, "FILE:LINE:COL: what", at event EV: the engine
   keeps the one of the lowest rank.  A shape error ends the reading
   (returns -1); another returns YSCHEMA_STOP, which ends the reading of
   the top-level value it is in. */
int __attribute__((format(printf, 4, 5)))
hfault(struct hctx *h, enum fault f, const struct yevent *ev,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = yschema_vfault(h->ys, (int)f, "", ev, NULL, fmt, ap);
	va_end(ap);
	return r;
}

/* Hold back "FILE:LINE: SECTION: 'KEY': [target 'T': ]WHY" and count
   the drop; past HIERA_MAX_WARNINGS only count it. */
static int __attribute__((format(printf, 8, 9)))
hwarn(struct hctx *h, unsigned line, const char *section, const char *key,
    size_t klen, const char *target, size_t tlen, const char *fmt, ...)
{
	struct buf *w = &h->warn;
	char why[256];
	va_list ap;

	if (++h->tmp.rejected > HIERA_MAX_WARNINGS)
		return 0;
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (buf_printf(w, "%s:%u: %s: '", h->name, line, section) == -1 ||
	    buf_put_visn(w, key, klen, 64) == -1 || buf_puts(w, "': ") == -1)
		return nomem(h);
	if (target != NULL && (buf_puts(w, "target '") == -1 ||
	    buf_put_visn(w, target, tlen, 64) == -1 ||
	    buf_puts(w, "': ") == -1))
		return nomem(h);
	if (buf_puts(w, why) == -1 || buf_putc(w, '\n') == -1)
		return nomem(h);
	return 0;
}

/* Basic syntax shared by keys and targets; the model does RFC 5321.
   Returns NULL when fine, else why. */
static const char *
check_word(const char *s, size_t len)
{
	size_t i, at = 0;

	if (len == 0)
		return "empty";
	if (len > HIERA_ADDR_MAX)
		return "longer than 254 characters";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			return "non-ASCII character";
		if (c == ' ' || c == '\t')
			return "whitespace inside";
		if (c < 0x20 || c == 0x7f)
			return "control character";
		if (c == ':')
			return "':' not allowed";
		if (c == ',')
			return "',' not allowed";
		if (c == '@' && ++at > 1)
			return "more than one '@'";
	}
	return NULL;
}

/* Make room for one more element in *ARR (N used, *CAP allocated). */
static int
grow(void *arr, size_t n, size_t *cap, size_t size)
{
	return array_grow(arr, cap, n, size);
}

static void
wmark_set(const struct hctx *h, struct wmark *m)
{
	m->len = h->warn.len;
	m->rejected = h->tmp.rejected;
}

static void
wmark_rollback(struct hctx *h, const struct wmark *m)
{
	buf_truncate(&h->warn, m->len);
	h->tmp.rejected = m->rejected;
}

static int
drop_target(struct hctx *h, const struct yevent *v, const char *t,
    size_t tlen, const char *why)
{
	struct dropped *d = &h->d;

	if (d->n++ == 0) {
		d->tlen = tlen < sizeof(d->t) ? tlen : sizeof(d->t);
		memcpy(d->t, t, d->tlen);
		d->why = why;
	}
	return hwarn(h, v->line, section_names[h->sec], h->ekey, h->eklen, t,
	    tlen, "%s, dropped", why);
}

/* One more target or alias domain from value V, kept or not.  Returns
   YSCHEMA_STOP past the limit (a content error), else 0. */
static int
count_target(struct hctx *h, const struct yevent *v)
{
	if (++h->ntargets > HIERA_MAX_TARGETS)
		return hfault(h, F_CONTENT, v, "more than %d targets and alias "
		    "domains in one file, counted after splitting at commas",
		    HIERA_MAX_TARGETS);
	return 0;
}

/* Split one scalar on commas (ADDR_LIST_COMMA; check_word refuses a
   space inside an item) into the entry's targets, dropping bad
   pieces. */
static int
add_targets(struct hctx *h, const struct yevent *v)
{
	const char *p = v->str, *end = v->str + v->len, *item, *why;
	size_t n, i;
	int r;

	if ((r = count_target(h, v)) != 0)
		return r;
	if (yevent_is_null(v)) /* a "~" item in a list */
		return drop_target(h, v, "", 0, "empty");
	for (i = 0; addr_list_next(&p, end, ADDR_LIST_COMMA, &item, &n); i++) {
		if (i > 0 && (r = count_target(h, v)) != 0)
			return r;
		if ((why = check_word(item, n)) != NULL) {
			if (drop_target(h, v, item, n, why) == -1)
				return -1;
		} else {
			if (grow(&h->targets, h->ntargets_e, &h->cap_targets,
				sizeof(*h->targets)) == -1 ||
			    (h->targets[h->ntargets_e] = arena_strndup(&h->tmp.strings, item,
				 n)) == NULL)
				return nomem(h);
			h->ntargets_e++;
		}
	}
	return 0;
}

/* The engine keeps a section's keys here: the set holds every key,
   dropped or not, for the whole section, and a kept entry's key is the
   copy. */
static const char *
keep_key(void *arg, const char *str, size_t len)
{
	return arena_strndup(&((struct hctx *)arg)->tmp.strings, str, len);
}

static void
entry_start(struct hctx *h, const struct yevent *k)
{
	h->ekey = k->str;
	h->eklen = k->len;
	h->eline = k->line;
	h->ntargets_e = 0;
	memset(&h->d, 0, sizeof(h->d));
}

/* A key seen before in the section: the entry is dropped, not the file
   (the engine skips its value). */
static int
dup_key(struct yschema *ys, void *arg, const struct yevent *k,
    unsigned first)
{
	struct hctx *h = arg;

	(void)ys;
	entry_start(h, k);
	return hwarn(h, h->eline, section_names[h->sec], h->ekey, h->eklen,
	    NULL, 0, "duplicate key (first at line %u), dropped", first);
}

/* The entry's value is read: keep it, or drop it with one warning and
   one count, whatever made it go. */
static int
entry_end(struct hctx *h)
{
	const char *section = section_names[h->sec];
	struct hiera_list **lists[] = { &h->tmp.aliases, &h->tmp.forwards,
		&h->tmp.sender_logins };
	size_t *counts[] = { &h->tmp.naliases, &h->tmp.nforwards,
		&h->tmp.nsender_logins };
	const struct dropped *d = &h->d;
	struct hiera_list *e;

	if (h->ntargets_e == 0) {
		if (d->n == 0)
			return hwarn(h, h->eline, section, h->ekey, h->eklen,
			    NULL, 0, "no valid targets, entry dropped");
		/* The entry goes: its target warnings become one. */
		wmark_rollback(h, &h->mark);
		if (d->n == 1)
			return hwarn(h, h->eline, section, h->ekey, h->eklen,
			    d->t, d->tlen, "%s; no valid targets, entry "
			    "dropped", d->why);
		return hwarn(h, h->eline, section, h->ekey, h->eklen, d->t,
		    d->tlen, "%s (and %zu more bad target%s); no valid "
		    "targets, entry dropped", d->why, d->n - 1,
		    d->n > 2 ? "s" : "");
	}
	if (grow(lists[h->sec], *counts[h->sec], &h->cap[h->sec],
	    sizeof(**lists[h->sec])) == -1)
		return nomem(h);
	e = &(*lists[h->sec])[*counts[h->sec]];
	if ((e->targets = arena_alloc_align(&h->tmp.strings,
	    h->ntargets_e * sizeof(char *), _Alignof(char *))) ==
	    NULL)
		return nomem(h);
	memcpy(e->targets, h->targets, h->ntargets_e * sizeof(char *));
	e->ntargets = h->ntargets_e;
	e->key = (char *)h->ekey;
	e->origin.file = h->name;
	e->origin.line = h->eline;
	(*counts[h->sec])++;
	return 0;
}

static int
target_scalar(struct yschema *ys, void *arg, const struct yevent *v,
    int in_list)
{
	(void)ys;
	(void)in_list;
	return add_targets(arg, v);
}

/* One entry of a list section: its key, and one address or a list of
   them.  A bad key or no valid target drops the entry (the engine skips
   what is left of its value). */
static int
entry_pair(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	struct hctx *h = arg;
	const char *section = section_names[h->sec], *why;
	int r;

	(void)row;
	entry_start(h, k);
	if ((why = check_word(h->ekey, h->eklen)) != NULL)
		return hwarn(h, h->eline, section, h->ekey, h->eklen, NULL, 0,
		    "%s, entry dropped", why);
	if (yevent_is_null(v))
		return hwarn(h, h->eline, section, h->ekey, h->eklen, NULL, 0,
		    "value is empty (null), entry dropped");
	wmark_set(h, &h->mark);
	/* one address, or a list of them (each may hold several, split at
	   commas) */
	if ((r = yschema_scalars(ys, F_CONTENT, section, NULL, v, "a list of "
	    "addresses or one address", "an address", target_scalar, h)) != 0)
		return r;
	return entry_end(h);
}

static int
add_alias_domain(struct hctx *h, const struct yevent *v, const char *p,
    size_t n)
{
	struct hiera_data *t = &h->tmp;
	size_t cap = h->cap_domains;
	struct errbuf deb;
	const char *why;
	char *s;

	if ((why = check_word(p, n)) == NULL && memchr(p, '@', n) != NULL)
		why = "'@' not allowed in a domain";
	if (why == NULL)
		why = ycheck_domain(p, n, &deb);
	if (why != NULL)
		return hwarn(h, v->line, "alias_domains", p, n, NULL, 0,
		    "%s, dropped", why);
	if (grow(&t->alias_domains, t->nalias_domains, &h->cap_domains,
	    sizeof(*t->alias_domains)) == -1 ||
	    grow(&t->alias_domain_origins, t->nalias_domains, &cap,
	    sizeof(*t->alias_domain_origins)) == -1 ||
	    (s = malloc(n + 1)) == NULL)
		return nomem(h);
	memcpy(s, p, n);
	s[n] = '\0';
	t->alias_domains[t->nalias_domains] = s;
	t->alias_domain_origins[t->nalias_domains].file = h->name;
	t->alias_domain_origins[t->nalias_domains].line = v->line;
	t->nalias_domains++;
	return 0;
}

/* One item of alias_domains (or its only value), a scalar: domains
   split at commas. */
static int
alias_domain_item(struct hctx *h, const struct yevent *v)
{
	const char *p, *end, *item;
	size_t n, i;
	int r;

	if ((r = count_target(h, v)) != 0)
		return r;
	if (yevent_is_null(v))
		return hwarn(h, v->line, "alias_domains", "", 0, NULL, 0,
		    "empty, dropped");
	for (p = v->str, end = p + v->len, i = 0;
	     addr_list_next(&p, end, ADDR_LIST_COMMA, &item, &n); i++) {
		if (i > 0 && (r = count_target(h, v)) != 0)
			return r;
		if (add_alias_domain(h, v, item, n) == -1)
			return -1;
	}
	return 0;
}

static int
read_domain(struct hctx *h, const struct yevent *v)
{
	struct errbuf deb;
	const char *why;
	struct buf b = BUF_INIT;
	int r;

	if (v->type != YEV_SCALAR || yevent_is_null(v))
		return hfault(h, F_CONTENT, v, "domain: expected a domain "
		    "name, got %s", yevent_kind(v));
	if ((why = ycheck_domain(v->str, v->len, &deb)) != NULL) {
		if (buf_put_visn(&b, v->str, v->len, 64) == -1)
			return nomem(h);
		r = hfault(h, F_CONTENT, v, "domain: '%s': %s, expected a "
		    "domain name", buf_cstr(&b), why);
		buf_free(&b);
		return r;
	}
	if (h->prev->domain != NULL) {
		if (strcasecmp(h->prev->domain, v->str) != 0)
			return hfault(h, F_CONTENT, v, "domain: '%s' differs "
			    "from '%s' set at %s:%u", v->str, h->prev->domain,
			    h->prev->domain_origin.file,
			    h->prev->domain_origin.line);
		return 0; /* the first origin stays */
	}
	if ((h->tmp.domain = strdup(v->str)) == NULL)
		return nomem(h);
	h->tmp.domain_origin.file = h->name;
	h->tmp.domain_origin.line = v->line;
	return 0;
}

static int
read_version(struct hctx *h, const struct yevent *v)
{
	struct buf b = BUF_INIT;
	int r;

	if (v->type != YEV_SCALAR || yevent_is_null(v))
		return hfault(h, F_VERSION, v, "version: expected 1, got %s",
		    yevent_kind(v));
	if (v->len != 1 || v->str[0] != '1') {
		if (buf_put_visn(&b, v->str, v->len, 32) == -1)
			return nomem(h);
		r = hfault(h, F_VERSION, v, "version: '%s' is not "
		    "supported, expected 1", buf_cstr(&b));
		buf_free(&b);
		return r;
	}
	h->version_ok = 1;
	return 0;
}

static int
alias_item(struct yschema *ys, void *arg, const struct yevent *it,
    int in_list)
{
	(void)ys;
	(void)in_list;
	return alias_domain_item(arg, it);
}

static int
read_alias_domains(struct hctx *h, const struct yevent *v)
{
	if (yevent_is_null(v))
		return 0;
	return yschema_scalars(h->ys, F_CONTENT, "alias_domains", NULL, v,
	    "a list of domains", "a domain", alias_item, h);
}

/* aliases, forwards or sender_logins: a mapping of address to targets,
   its keys kept in the arena and its duplicates dropped, not fatal. */
static int
read_section(struct hctx *h, enum section sec, const struct yevent *v)
{
	const struct yschema_map m = {
		.sect = section_names[sec],
		.what = "address to targets",
		.keyword = "an address as key",
		.rank = F_CONTENT,
		.keep = keep_key,
		.dup = dup_key,
		.fn = entry_pair,
		.arg = h,
	};

	h->sec = sec;
	if (yevent_is_null(v))
		return 0;
	return yschema_read_map(h->ys, &m, v);
}

/* A top-level key the engine found in root_keys, and its value. */
static int
root_pair(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	struct hctx *h = arg;
	int rk = (int)((const char *const *)row - root_keys), r;

	(void)k;
	if (rk == RK_VERSION)
		r = read_version(h, v);
	else if (yschema_rank(ys) != -1)
		r = 0; /* the file fails: only its shape and version matter */
	else if (rk == RK_DOMAIN)
		r = read_domain(h, v);
	else if (rk == RK_ALIAS_DOMAINS)
		r = read_alias_domains(h, v);
	else
		r = read_section(h, rk == RK_ALIASES ? SEC_ALIASES :
		    rk == RK_FORWARDS ? SEC_FORWARDS : SEC_SENDER_LOGINS, v);
	/* An error in a value ends the reading of that value only. */
	return r == -1 ? -1 : 0;
}

int
hiera_root(struct yschema *ys, void *arg, const struct yevent *root)
{
	struct hctx *h = arg;
	const struct yschema_map m = { .sect = "", .table = root_keys,
		.rowsize = sizeof(*root_keys), .rank = F_SHAPE,
		.fn = root_pair, .arg = h };

	h->ys = ys;
	if (yevent_is_null(root))
		return hfault(h, F_SHAPE, root, "empty file, expected a "
		    "mapping with 'version: 1'");
	if (root->type != YEV_MAP)
		return hfault(h, F_SHAPE, root, "expected a mapping with "
		    "'version: 1', got %s", yevent_kind(root));
	if (yschema_read_map(ys, &m, root) == -1)
		return -1;
	if (!h->version_ok)
		(void)hfault(h, F_VERSION, root, "missing 'version: 1' "
		    "(udmail Hiera export format)");
	return 0;
}
