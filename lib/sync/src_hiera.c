/*
 * src_hiera: udmail's Hiera export (hiera-templates/README.md) into
 * struct hiera_data, read from the YAML event stream as it comes: no
 * document tree, so the memory is the hiera_data's (strings in chunks)
 * plus one key set for the section being read.  Two kinds of trouble:
 * a file that is not the format (YAML error, wrong type, bad version)
 * fails whole and HD is untouched; one bad key or target is dropped with
 * a warning and the rest is kept.  Errors keep the precedence a reader
 * of the whole document would give them: a YAML error anywhere, then the
 * top-level keys, then the version, then the first error in the
 * sections; so the stream is read to its end even after an error.
 * Warnings are held back until the file has passed; only the first
 * HIERA_MAX_WARNINGS are kept, so hostile input cannot flood the log.
 * Splitting at commas turns one value into many targets: they count
 * against HIERA_MAX_TARGETS, which bounds the memory a file can take.
 * Here: the event handlers that build the lists; src_hiera_load.c loads
 * a file through them, judges it and merges it.
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

#include "src_hiera_int.h"

#define CHUNK_SIZE (256 * 1024)

static const char *const section_names[] = {
	[SEC_ALIASES] = "aliases",
	[SEC_FORWARDS] = "forwards",
	[SEC_SENDER_LOGINS] = "sender_logins",
};

static const char *const root_keys[RK_COUNT] = {
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
	struct hiera_chunk *c, *next;
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
	for (c = hd->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(hd, 0, sizeof(*hd));
}

/* N bytes in TMP's chunks, aligned for pointers when ALIGN. */
static void *
chunk_alloc(struct hctx *h, size_t n, int align)
{
	struct hiera_chunk *c = h->tmp.chunks;
	size_t off = 0, cap;

	if (c != NULL) {
		off = c->used;
		if (align)
			off = (off + sizeof(void *) - 1) &
			    ~(sizeof(void *) - 1);
	}
	if (c == NULL || off > c->cap || c->cap - off < n) {
		cap = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->cap = cap;
		if (n > CHUNK_SIZE / 4 && h->tmp.chunks != NULL) {
			/* A big one of its own: the current chunk goes on. */
			c->next = h->tmp.chunks->next;
			h->tmp.chunks->next = c;
			c->used = n;
			return c->data;
		}
		c->next = h->tmp.chunks;
		h->tmp.chunks = c;
		off = 0;
	}
	c->used = off + n;
	return (char *)c->data + off;
}

static char *
chunk_strndup(struct hctx *h, const char *s, size_t n)
{
	char *p;

	if ((p = chunk_alloc(h, n + 1, 0)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
nomem(struct hctx *h)
{
	errbuf_set(h->eb, "%s: out of memory", h->name);
	h->eb->errnum = ENOMEM;
	return -1;
}

/* Keep the first error of kind F, "FILE:LINE:COL: what", at event EV.
   A content error ends the reading of the sections: the rest of the
   top-level value it is in is skipped. */
int __attribute__((format(printf, 4, 5)))
hfault(struct hctx *h, enum fault f, const struct yevent *ev,
    const char *fmt, ...)
{
	char what[ERRBUF_MAX];
	va_list ap;

	if (!h->faulty[f]) {
		va_start(ap, fmt);
		(void)vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		errbuf_set(&h->fault[f], "%s:%u:%u: %s", h->name, ev->line,
		    ev->col, what);
		h->faulty[f] = 1;
	}
	if (f == F_CONTENT && (h->depth >= 2 || ev->type != YEV_SCALAR)) {
		h->skipping = 1;
		h->skip_from = 1;
	}
	return 0;
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
	    yaml_quote(w, key, klen, 64) == -1 || buf_puts(w, "': ") == -1)
		return nomem(h);
	if (target != NULL && (buf_puts(w, "target '") == -1 ||
	    yaml_quote(w, target, tlen, 64) == -1 || buf_puts(w, "': ") == -1))
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
   1 past the limit (a content error), else 0. */
static int
count_target(struct hctx *h, const struct yevent *v)
{
	if (++h->ntargets > HIERA_MAX_TARGETS) {
		(void)hfault(h, F_CONTENT, v, "more than %d targets and alias "
		    "domains in one file, counted after splitting at commas",
		    HIERA_MAX_TARGETS);
		return 1;
	}
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

	if (count_target(h, v))
		return 0;
	if (yevent_is_null(v)) /* a "~" item in a list */
		return drop_target(h, v, "", 0, "empty");
	for (i = 0; addr_list_next(&p, end, ADDR_LIST_COMMA, &item, &n); i++) {
		if (i > 0 && count_target(h, v))
			return 0;
		if ((why = check_word(item, n)) != NULL) {
			if (drop_target(h, v, item, n, why) == -1)
				return -1;
		} else {
			if (grow(&h->targets, h->ntargets_e, &h->cap_targets,
				sizeof(*h->targets)) == -1 ||
			    (h->targets[h->ntargets_e] = chunk_strndup(h, item,
				 n)) == NULL)
				return nomem(h);
			h->ntargets_e++;
		}
	}
	return 0;
}

/* A key of a list section.  Whether it was seen before is decided when
   its value comes: the key set's slot is fetched meanwhile (at a
   million keys the lookups were a tenth of the reading, all of it
   waiting for memory). */
static int
entry_key(struct hctx *h, const struct yevent *k)
{
	h->want_key = 0;
	h->entry = -1;
	h->ntargets_e = 0;
	memset(&h->d, 0, sizeof(h->d));
	if (k->type != YEV_SCALAR)
		return hfault(h, F_CONTENT, k, "%s: expected an address as "
		    "key, got %s", section_names[h->sec], yevent_kind(k));
	/* The set holds every key, dropped or not, for the whole section. */
	if ((h->ekey = chunk_strndup(h, k->str, k->len)) == NULL)
		return nomem(h);
	h->eklen = k->len;
	h->eline = k->line;
	h->ekhash = yseen_prefetch(h->seen, h->ekey, h->eklen);
	h->entry = 2;
	return 0;
}

/* The key's value has come: the entry is open, or dropped (its value is
   then skipped). */
static int
entry_check(struct hctx *h)
{
	const char *section = section_names[h->sec], *why;
	unsigned first;
	int r;

	h->entry = -1;
	if ((r = yseen_add_hashed(h->seen, h->ekhash, h->ekey, h->eklen,
	    h->eline, &first)) == -1)
		return nomem(h);
	if (r == 1)
		return hwarn(h, h->eline, section, h->ekey, h->eklen, NULL, 0,
		    "duplicate key (first at line %u), dropped", first);
	if ((why = check_word(h->ekey, h->eklen)) != NULL)
		return hwarn(h, h->eline, section, h->ekey, h->eklen, NULL, 0,
		    "%s, entry dropped", why);
	h->entry = 1;
	return 0;
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

	h->entry = 0;
	h->want_key = 1;
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
	if ((e->targets = chunk_alloc(h, h->ntargets_e * sizeof(char *), 1)) ==
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

/* The value of an open entry: one address, or a list of them. */
static int
entry_value(struct hctx *h, const struct yevent *v)
{
	const char *section = section_names[h->sec];

	if (h->entry == 2 && entry_check(h) == -1)
		return -1;
	if (h->entry == -1) {
		h->want_key = 1;
		if (v->type != YEV_SCALAR) {
			h->skipping = 1;
			h->skip_from = h->depth;
		}
		return 0;
	}
	if (v->type == YEV_MAP)
		return hfault(h, F_CONTENT, v, "%s: expected a list of "
		    "addresses or one address, got a mapping", section);
	if (yevent_is_null(v)) {
		h->entry = 0;
		h->want_key = 1;
		return hwarn(h, h->eline, section, h->ekey, h->eklen, NULL, 0,
		    "value is empty (null), entry dropped");
	}
	wmark_set(h, &h->mark);
	if (v->type == YEV_SEQ)
		return 0; /* the items come at depth 3 */
	if (add_targets(h, v) == -1)
		return -1;
	return h->faulty[F_CONTENT] ? 0 : entry_end(h);
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

/* One item of alias_domains (or its only value): domains split at
   commas. */
static int
alias_domain_item(struct hctx *h, const struct yevent *v)
{
	const char *p, *end, *item;
	size_t n, i;

	if (v->type != YEV_SCALAR)
		return hfault(h, F_CONTENT, v, "alias_domains: expected a "
		    "domain, got %s", yevent_kind(v));
	if (count_target(h, v))
		return 0;
	if (yevent_is_null(v))
		return hwarn(h, v->line, "alias_domains", "", 0, NULL, 0,
		    "empty, dropped");
	for (p = v->str, end = p + v->len, i = 0;
	     addr_list_next(&p, end, ADDR_LIST_COMMA, &item, &n); i++) {
		if (i > 0 && count_target(h, v))
			return 0;
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

	if (v->type != YEV_SCALAR || yevent_is_null(v))
		return hfault(h, F_CONTENT, v, "domain: expected a domain "
		    "name, got %s", yevent_kind(v));
	if ((why = ycheck_domain(v->str, v->len, &deb)) != NULL) {
		if (yaml_quote(&b, v->str, v->len, 64) == -1)
			return nomem(h);
		(void)hfault(h, F_CONTENT, v, "domain: '%s': %s, expected a "
		    "domain name", buf_cstr(&b), why);
		buf_free(&b);
		return 0;
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

	if (v->type != YEV_SCALAR || yevent_is_null(v))
		return hfault(h, F_VERSION, v, "version: expected 1, got %s",
		    yevent_kind(v));
	if (v->len != 1 || v->str[0] != '1') {
		if (yaml_quote(&b, v->str, v->len, 32) == -1)
			return nomem(h);
		(void)hfault(h, F_VERSION, v, "version: '%s' is not "
		    "supported, expected 1", buf_cstr(&b));
		buf_free(&b);
		return 0;
	}
	h->version_ok = 1;
	return 0;
}

/* The root: a mapping, or the file fails. */
static int
on_root(struct hctx *h, const struct yevent *ev)
{
	h->have_root = 1;
	h->root_line = ev->line;
	h->root_col = ev->col;
	if (yevent_is_null(ev))
		return hfault(h, F_SHAPE, ev, "empty file, expected a mapping "
		    "with 'version: 1'");
	if (ev->type != YEV_MAP)
		return hfault(h, F_SHAPE, ev, "expected a mapping with "
		    "'version: 1', got %s", yevent_kind(ev));
	h->rkey = -1;
	return 0;
}

static int
on_root_key(struct hctx *h, const struct yevent *k)
{
	struct buf b = BUF_INIT;
	int i;

	if (k->type != YEV_SCALAR)
		return hfault(h, F_SHAPE, k, "expected a key name, got %s",
		    yevent_kind(k));
	for (i = 0; i < RK_COUNT; i++)
		if (strlen(root_keys[i]) == k->len &&
		    memcmp(root_keys[i], k->str, k->len) == 0)
			break;
	if (i == RK_COUNT) {
		if (yaml_quote(&b, k->str, k->len, 64) == -1)
			return nomem(h);
		(void)hfault(h, F_SHAPE, k, "unknown key '%s', expected one "
		    "of: version, domain, alias_domains, aliases, forwards, "
		    "sender_logins", buf_cstr(&b));
		buf_free(&b);
		return 0;
	}
	if (h->key_line[i] != 0)
		return hfault(h, F_SHAPE, k, "duplicate key '%s' (first at "
		    "line %u)", root_keys[i], h->key_line[i]);
	h->key_line[i] = k->line;
	h->rkey = i;
	return 0;
}

static int
on_root_value(struct hctx *h, const struct yevent *v)
{
	int rk = h->rkey;

	if (v->type == YEV_SCALAR)
		h->rkey = -1; /* else when the collection closes */
	if (rk == RK_VERSION) {
		if (v->type != YEV_SCALAR) {
			h->skipping = 1;
			h->skip_from = 1;
		}
		return read_version(h, v);
	}
	if (h->faulty[F_CONTENT]) {
		if (v->type != YEV_SCALAR) {
			h->skipping = 1;
			h->skip_from = 1;
		}
		return 0;
	}
	switch (rk) {
	case RK_DOMAIN:
		return read_domain(h, v);
	case RK_ALIAS_DOMAINS:
		if (yevent_is_null(v) || v->type == YEV_SEQ)
			return 0; /* the items come at depth 2 */
		if (v->type == YEV_MAP)
			return hfault(h, F_CONTENT, v, "alias_domains: "
			    "expected a list of domains, got a mapping");
		return alias_domain_item(h, v);
	default:
		h->sec = rk == RK_ALIASES ? SEC_ALIASES : rk == RK_FORWARDS ?
		    SEC_FORWARDS : SEC_SENDER_LOGINS;
		if (yevent_is_null(v))
			return 0;
		if (v->type != YEV_MAP)
			return hfault(h, F_CONTENT, v, "%s: expected a mapping "
			    "of address to targets, got %s",
			    section_names[h->sec], yevent_kind(v));
		if ((h->seen = yseen_new(0)) == NULL)
			return nomem(h);
		h->want_key = 1;
		h->entry = 0;
		return 0;
	}
}

/* A scalar, or a collection starting, at h->depth (not skipped). */
static int
on_node(struct hctx *h, const struct yevent *ev)
{
	switch (h->depth) {
	case 0:
		return on_root(h, ev);
	case 1:
		return h->rkey == -1 ? on_root_key(h, ev) :
		    on_root_value(h, ev);
	case 2:
		if (h->rkey == RK_ALIAS_DOMAINS)
			return alias_domain_item(h, ev);
		return h->want_key ? entry_key(h, ev) : entry_value(h, ev);
	default:
		/* Depth 3: an item of an entry's list. */
		if (ev->type != YEV_SCALAR)
			return hfault(h, F_CONTENT, ev, "%s: expected an "
			    "address, got %s", section_names[h->sec],
			    yevent_kind(ev));
		return add_targets(h, ev);
	}
}

/* The collection opened at h->depth has closed. */
static int
on_close(struct hctx *h)
{
	switch (h->depth) {
	case 1: /* a top-level value */
		yseen_free(&h->seen);
		h->entry = 0;
		h->rkey = -1;
		return 0;
	case 2: /* an entry's list, or the skipped value of a dropped one */
		if (h->entry == 1)
			return entry_end(h);
		h->entry = 0;
		h->want_key = 1;
		return 0;
	default: /* the root */
		return 0;
	}
}

int
on_event(void *arg, const struct yevent *ev)
{
	struct hctx *h = arg;
	int r;

	/* The file fails whatever follows; only a YAML error, which the
	   stream reports, could change its message. */
	if (h->faulty[F_SHAPE])
		return 0;
	if (ev->type == YEV_END) {
		h->depth--;
		if (h->skipping && h->depth > h->skip_from)
			return 0;
		h->skipping = 0;
		return on_close(h);
	}
	if (h->skipping) {
		if (ev->type != YEV_SCALAR)
			h->depth++;
		return 0;
	}
	r = on_node(h, ev);
	if (ev->type != YEV_SCALAR)
		h->depth++;
	return r;
}
