/*
 * src_hiera: udmail's Hiera export (hiera-templates/README.md) into
 * struct hiera_data.  Two kinds of trouble: a file that is not the format
 * (YAML error, wrong type, bad version) fails whole and HD is untouched;
 * one bad key or target is dropped with a warning and the rest is kept.
 * Warnings are held back until the file has passed, so a failed file
 * reports its one error and nothing else; only the first
 * HIERA_MAX_WARNINGS are kept, so hostile input cannot flood the log.
 * Splitting at commas turns one value into many targets: they count
 * against HIERA_MAX_TARGETS, which bounds the memory a file can take.
 */
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "src_hiera.h"
#include "yamlutil.h"

static const struct yaml_limits hiera_limits = {
	.max_bytes = HIERA_MAX_BYTES,
	.max_depth = HIERA_MAX_DEPTH,
	.max_nodes = HIERA_MAX_NODES,
	.max_scalar = HIERA_MAX_SCALAR,
};

enum section { SEC_ALIASES, SEC_FORWARDS, SEC_SENDER_LOGINS };

static const char *const section_names[] = {
	[SEC_ALIASES] = "aliases",
	[SEC_FORWARDS] = "forwards",
	[SEC_SENDER_LOGINS] = "sender_logins",
};

struct hctx {
	const char *name;              /* the file, as owned by tmp.files[0] */
	const struct hiera_data *prev; /* what the file is merged into */
	struct hiera_data tmp;         /* this file alone */
	size_t cap[3];                 /* capacity of tmp's three lists */
	size_t cap_domains;
	struct buf warn;               /* held-back warnings, one a line */
	size_t ntargets;               /* targets and alias domains seen */
	struct errbuf *eb;
};

static void
list_free(struct hiera_list *l, size_t n)
{
	size_t i, j;

	if (l == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(l[i].key);
		for (j = 0; j < l[i].ntargets; j++)
			free(l[i].targets[j]);
		free(l[i].targets);
	}
	free(l);
}

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
	list_free(hd->aliases, hd->naliases);
	list_free(hd->forwards, hd->nforwards);
	list_free(hd->sender_logins, hd->nsender_logins);
	for (i = 0; i < hd->nfiles; i++)
		free(hd->files[i]);
	free(hd->files);
	memset(hd, 0, sizeof(*hd));
}

static int __attribute__((format(printf, 3, 4)))
hfail(struct hctx *h, const struct ynode *at, const char *fmt, ...)
{
	char what[ERRBUF_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	errbuf_set(h->eb, "%s:%u:%u: %s", h->name, at->line, at->col, what);
	return -1;
}

static int
nomem(struct hctx *h)
{
	errbuf_set(h->eb, "%s: out of memory", h->name);
	h->eb->errnum = ENOMEM;
	return -1;
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

static char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Make room for one more element in *ARR (N used, *CAP allocated). */
static int
grow(void *arr, size_t n, size_t *cap, size_t size)
{
	void **ap = arr, *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 8 : *cap * 2;
	if (ncap > SIZE_MAX / size || (p = realloc(*ap, ncap * size)) == NULL)
		return -1;
	*ap = p;
	*cap = ncap;
	return 0;
}

/* Where the held-back warnings stood, to take back those of an entry
   that is then dropped whole. */
struct wmark {
	size_t len;      /* of h->warn */
	size_t rejected; /* h->tmp.rejected */
};

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

/* The targets one entry dropped: how many, and the first, for the one
   warning given when no target is left. */
struct dropped {
	size_t n;
	const char *t, *why; /* t points into the tree */
	size_t tlen;
};

static int
drop_target(struct hctx *h, const char *section, const struct ynode *key,
    const struct ynode *v, const char *t, size_t tlen, const char *why,
    struct dropped *d)
{
	if (d->n++ == 0) {
		d->t = t;
		d->tlen = tlen;
		d->why = why;
	}
	return hwarn(h, v->line, section, key->str, key->len, t, tlen,
	    "%s, dropped", why);
}

/* One more target or alias domain from value V, kept or not. */
static int
count_target(struct hctx *h, const struct ynode *v)
{
	if (++h->ntargets > HIERA_MAX_TARGETS)
		return hfail(h, v, "more than %d targets and alias domains in "
		    "one file, counted after splitting at commas",
		    HIERA_MAX_TARGETS);
	return 0;
}

/* Split one scalar on commas into L's targets, dropping bad pieces. */
static int
add_targets(struct hctx *h, const char *section, const struct ynode *key,
    const struct ynode *v, struct hiera_list *l, size_t *cap,
    struct dropped *d)
{
	const char *p = v->str, *end = v->str + v->len, *q, *why;
	size_t n;

	if (count_target(h, v) == -1)
		return -1;
	if (ynode_is_null(v)) /* a "~" item in a list */
		return drop_target(h, section, key, v, "", 0, "empty", d);
	for (;;) {
		if (p != v->str && count_target(h, v) == -1)
			return -1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		q = memchr(p, ',', (size_t)(end - p));
		n = (size_t)((q != NULL ? q : end) - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if ((why = check_word(p, n)) != NULL) {
			if (drop_target(h, section, key, v, p, n, why, d) == -1)
				return -1;
		} else {
			if (grow(&l->targets, l->ntargets, cap,
			    sizeof(*l->targets)) == -1 ||
			    (l->targets[l->ntargets] = xstrndup(p, n)) == NULL)
				return nomem(h);
			l->ntargets++;
		}
		if (q == NULL)
			break;
		p = q + 1;
	}
	return 0;
}

/* One "key: targets" pair of a list section.  An entry dropped whole
   gets one warning and one count, whatever made it go. */
static int
add_entry(struct hctx *h, enum section sec, const struct ynode *k,
    const struct ynode *v)
{
	const char *section = section_names[sec], *why;
	struct hiera_list **lists[] = { &h->tmp.aliases, &h->tmp.forwards,
		&h->tmp.sender_logins };
	size_t *counts[] = { &h->tmp.naliases, &h->tmp.nforwards,
		&h->tmp.nsender_logins };
	struct hiera_list *l, e;
	const struct ynode *item;
	struct dropped d;
	struct wmark mark;
	size_t cap = 0, i;

	if ((why = check_word(k->str, k->len)) != NULL)
		return hwarn(h, k->line, section, k->str, k->len, NULL, 0,
		    "%s, entry dropped", why);
	memset(&e, 0, sizeof(e));
	memset(&d, 0, sizeof(d));
	if (v->type == YNODE_MAP)
		return hfail(h, v, "%s: expected a list of addresses or one "
		    "address, got a mapping", section);
	if (ynode_is_null(v))
		return hwarn(h, k->line, section, k->str, k->len, NULL, 0,
		    "value is empty (null), entry dropped");
	wmark_set(h, &mark);
	if (v->type == YNODE_SCALAR) {
		if (add_targets(h, section, k, v, &e, &cap, &d) == -1)
			goto fail;
	} else {
		for (item = v->first; item != NULL; item = item->next) {
			if (item->type != YNODE_SCALAR) {
				hfail(h, item, "%s: expected an address, got %s",
				    section, ynode_kind(item));
				goto fail;
			}
			if (add_targets(h, section, k, item, &e, &cap, &d) ==
			    -1)
				goto fail;
		}
	}
	if (e.ntargets == 0) {
		free(e.targets);
		if (d.n == 0)
			return hwarn(h, k->line, section, k->str, k->len, NULL,
			    0, "no valid targets, entry dropped");
		/* The entry goes: its target warnings become one. */
		wmark_rollback(h, &mark);
		if (d.n == 1)
			return hwarn(h, k->line, section, k->str, k->len, d.t,
			    d.tlen, "%s; no valid targets, entry dropped",
			    d.why);
		return hwarn(h, k->line, section, k->str, k->len, d.t, d.tlen,
		    "%s (and %zu more bad target%s); no valid targets, entry "
		    "dropped", d.why, d.n - 1, d.n > 2 ? "s" : "");
	}
	if ((e.key = xstrndup(k->str, k->len)) == NULL) {
		nomem(h);
		goto fail;
	}
	e.origin.file = h->name;
	e.origin.line = k->line;
	if (grow(lists[sec], *counts[sec], &h->cap[sec], sizeof(e)) == -1) {
		nomem(h);
		goto fail;
	}
	l = *lists[sec];
	l[(*counts[sec])++] = e;
	return 0;
fail:
	free(e.key);
	for (i = 0; i < e.ntargets; i++)
		free(e.targets[i]);
	free(e.targets);
	return -1;
}

static int
read_list_section(struct hctx *h, enum section sec, const struct ynode *v)
{
	const struct ynode *k, *val, *dup;
	struct yseen *seen;
	int r = -1;

	if (ynode_is_null(v))
		return 0;
	if (v->type != YNODE_MAP)
		return hfail(h, v, "%s: expected a mapping of address to "
		    "targets, got %s", section_names[sec], ynode_kind(v));
	if ((seen = yseen_new(v->nkids)) == NULL)
		return nomem(h);
	for (k = v->first; k != NULL; k = val->next) {
		val = k->next;
		if (k->type != YNODE_SCALAR) {
			hfail(h, k, "%s: expected an address as key, got %s",
			    section_names[sec], ynode_kind(k));
			goto out;
		}
		if ((dup = yseen_add(seen, k)) == YSEEN_NOMEM) {
			nomem(h);
			goto out;
		}
		if (dup != NULL) {
			if (hwarn(h, k->line, section_names[sec], k->str,
			    k->len, NULL, 0, "duplicate key (first at line %u), "
			    "dropped", dup->line) == -1)
				goto out;
			continue;
		}
		if (add_entry(h, sec, k, val) == -1)
			goto out;
	}
	r = 0;
out:
	yseen_free(&seen);
	return r;
}

static int
add_alias_domain(struct hctx *h, const struct ynode *v, const char *p,
    size_t n)
{
	struct hiera_data *t = &h->tmp;
	size_t cap = h->cap_domains;
	struct errbuf deb;
	const char *why;

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
	    (t->alias_domains[t->nalias_domains] = xstrndup(p, n)) == NULL)
		return nomem(h);
	t->alias_domain_origins[t->nalias_domains].file = h->name;
	t->alias_domain_origins[t->nalias_domains].line = v->line;
	t->nalias_domains++;
	return 0;
}

static int
read_alias_domains(struct hctx *h, const struct ynode *v)
{
	const struct ynode *item;
	const char *p, *end, *q;
	size_t n;

	if (ynode_is_null(v))
		return 0;
	if (v->type == YNODE_MAP)
		return hfail(h, v, "alias_domains: expected a list of domains, "
		    "got a mapping");
	for (item = v->type == YNODE_SEQ ? v->first : v; item != NULL;
	    item = v->type == YNODE_SEQ ? item->next : NULL) {
		if (item->type != YNODE_SCALAR)
			return hfail(h, item, "alias_domains: expected a "
			    "domain, got %s", ynode_kind(item));
		if (count_target(h, item) == -1)
			return -1;
		if (ynode_is_null(item)) {
			if (hwarn(h, item->line, "alias_domains", "", 0, NULL,
			    0, "empty, dropped") == -1)
				return -1;
			continue;
		}
		for (p = item->str, end = p + item->len;; p = q + 1) {
			if (p != item->str && count_target(h, item) == -1)
				return -1;
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			q = memchr(p, ',', (size_t)(end - p));
			n = (size_t)((q != NULL ? q : end) - p);
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (add_alias_domain(h, item, p, n) == -1)
				return -1;
			if (q == NULL)
				break;
		}
	}
	return 0;
}

static int
read_domain(struct hctx *h, const struct ynode *v)
{
	struct errbuf deb;
	const char *why;
	struct buf b = BUF_INIT;

	if (v->type != YNODE_SCALAR || ynode_is_null(v))
		return hfail(h, v, "domain: expected a domain name, got %s",
		    ynode_kind(v));
	if ((why = ycheck_domain(v->str, v->len, &deb)) != NULL) {
		if (yaml_quote(&b, v->str, v->len, 64) == -1)
			return nomem(h);
		hfail(h, v, "domain: '%s': %s, expected a domain name",
		    buf_cstr(&b), why);
		buf_free(&b);
		return -1;
	}
	if (h->prev->domain != NULL) {
		if (strcasecmp(h->prev->domain, v->str) != 0)
			return hfail(h, v, "domain: '%s' differs from '%s' set "
			    "at %s:%u", v->str, h->prev->domain,
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
check_version(struct hctx *h, const struct ynode *root)
{
	const struct ynode *k;
	struct buf b = BUF_INIT;

	for (k = root->first; k != NULL; k = k->next->next)
		if (k->type == YNODE_SCALAR && strcmp(k->str, "version") == 0 &&
		    k->len == 7)
			break;
	if (k == NULL)
		return hfail(h, root, "missing 'version: 1' (udmail Hiera "
		    "export format)");
	k = k->next;
	if (k->type != YNODE_SCALAR || ynode_is_null(k))
		return hfail(h, k, "version: expected 1, got %s",
		    ynode_kind(k));
	if (strcmp(k->str, "1") != 0 || k->len != 1) {
		if (yaml_quote(&b, k->str, k->len, 32) == -1)
			return nomem(h);
		hfail(h, k, "version: '%s' is not supported, expected 1",
		    buf_cstr(&b));
		buf_free(&b);
		return -1;
	}
	return 0;
}

static int
read_root(struct hctx *h, const struct ynode *root)
{
	static const char *const keys[] = { "version", "domain",
		"alias_domains", "aliases", "forwards", "sender_logins", NULL };
	const struct ynode *k, *v, *dup;
	struct yseen *seen;
	struct buf b = BUF_INIT;
	size_t i;
	int r = -1;

	if (root == NULL || ynode_is_null(root))
		return hfail(h, root != NULL ? root : &(struct ynode){ .line = 1,
		    .col = 1 }, "empty file, expected a mapping with "
		    "'version: 1'");
	if (root->type != YNODE_MAP)
		return hfail(h, root, "expected a mapping with 'version: 1', "
		    "got %s", ynode_kind(root));
	if ((seen = yseen_new(root->nkids)) == NULL)
		return nomem(h);
	for (k = root->first; k != NULL; k = v->next) {
		v = k->next;
		if (k->type != YNODE_SCALAR) {
			hfail(h, k, "expected a key name, got %s",
			    ynode_kind(k));
			goto out;
		}
		for (i = 0; keys[i] != NULL; i++)
			if (strlen(keys[i]) == k->len &&
			    memcmp(keys[i], k->str, k->len) == 0)
				break;
		if (keys[i] == NULL) {
			if (yaml_quote(&b, k->str, k->len, 64) == -1)
				nomem(h);
			else
				hfail(h, k, "unknown key '%s', expected one of: "
				    "version, domain, alias_domains, aliases, "
				    "forwards, sender_logins", buf_cstr(&b));
			goto out;
		}
		if ((dup = yseen_add(seen, k)) == YSEEN_NOMEM) {
			nomem(h);
			goto out;
		}
		if (dup != NULL) {
			hfail(h, k, "duplicate key '%s' (first at line %u)",
			    keys[i], dup->line);
			goto out;
		}
	}
	if (check_version(h, root) == -1)
		goto out;
	for (k = root->first; k != NULL; k = v->next) {
		v = k->next;
		if (strcmp(k->str, "domain") == 0)
			r = read_domain(h, v);
		else if (strcmp(k->str, "alias_domains") == 0)
			r = read_alias_domains(h, v);
		else if (strcmp(k->str, "aliases") == 0)
			r = read_list_section(h, SEC_ALIASES, v);
		else if (strcmp(k->str, "forwards") == 0)
			r = read_list_section(h, SEC_FORWARDS, v);
		else if (strcmp(k->str, "sender_logins") == 0)
			r = read_list_section(h, SEC_SENDER_LOGINS, v);
		else
			r = 0;
		if (r == -1)
			goto out;
	}
	r = 0;
out:
	buf_free(&b);
	yseen_free(&seen);
	return r;
}

/* Make room in *DST (holding DN elements of SIZE) for N more. */
static int
append(void *dst, size_t dn, size_t n, size_t size)
{
	void **dp = dst, *p;

	if (n == 0)
		return 0;
	if (dn + n < dn || dn + n > SIZE_MAX / size ||
	    (p = realloc(*dp, (dn + n) * size)) == NULL)
		return -1;
	*dp = p;
	return 0;
}

/* Move TMP into HD.  All allocation happens before anything is moved, so
   a failure leaves HD's contents as they were. */
static int
merge(struct hiera_data *hd, struct hiera_data *t)
{
	if (append(&hd->alias_domains, hd->nalias_domains,
	    t->nalias_domains, sizeof(*t->alias_domains)) == -1 ||
	    append(&hd->alias_domain_origins, hd->nalias_domains,
	    t->nalias_domains, sizeof(*t->alias_domain_origins)) == -1 ||
	    append(&hd->aliases, hd->naliases, t->naliases,
	    sizeof(*t->aliases)) == -1 ||
	    append(&hd->forwards, hd->nforwards, t->nforwards,
	    sizeof(*t->forwards)) == -1 ||
	    append(&hd->sender_logins, hd->nsender_logins, t->nsender_logins,
	    sizeof(*t->sender_logins)) == -1 ||
	    append(&hd->files, hd->nfiles, t->nfiles, sizeof(*t->files)) == -1)
		return -1;
#define MOVE(arr, n) do {						\
	if (t->n > 0)							\
		memcpy(hd->arr + hd->n, t->arr, t->n * sizeof(*t->arr)); \
} while (0)
	MOVE(alias_domains, nalias_domains);
	MOVE(alias_domain_origins, nalias_domains);
	MOVE(aliases, naliases);
	MOVE(forwards, nforwards);
	MOVE(sender_logins, nsender_logins);
	MOVE(files, nfiles);
#undef MOVE
	hd->nalias_domains += t->nalias_domains;
	hd->naliases += t->naliases;
	hd->nforwards += t->nforwards;
	hd->nsender_logins += t->nsender_logins;
	hd->nfiles += t->nfiles;
	hd->rejected += t->rejected;
	if (t->domain != NULL) {
		hd->domain = t->domain;
		hd->domain_origin = t->domain_origin;
	}
	/* The elements now belong to HD; free only TMP's arrays. */
	free(t->alias_domains);
	free(t->alias_domain_origins);
	free(t->aliases);
	free(t->forwards);
	free(t->sender_logins);
	free(t->files);
	memset(t, 0, sizeof(*t));
	return 0;
}

/* Log the held-back warnings of a file that passed; REJECTED drops were
   counted, the first HIERA_MAX_WARNINGS of them held back. */
static void
flush_warnings(const char *name, struct buf *w, size_t rejected)
{
	char *line, *nl;

	if (w->data != NULL)
		for (line = w->data; (nl = strchr(line, '\n')) != NULL;
		    line = nl + 1) {
			*nl = '\0';
			log_warnx("%s", line);
		}
	if (rejected > HIERA_MAX_WARNINGS)
		log_warnx("%s: %zu more dropped without a warning each (%zu "
		    "dropped in all)", name, rejected - HIERA_MAX_WARNINGS,
		    rejected);
}

int
src_hiera_load_mem(struct hiera_data *hd, const char *name,
    const char *data, size_t len, struct errbuf *eb)
{
	struct hctx h;
	struct ydoc *doc = NULL;
	size_t rejected;
	int r = -1;

	memset(&h, 0, sizeof(h));
	h.eb = eb;
	h.prev = hd;
	h.name = name;
	if ((h.tmp.files = malloc(sizeof(*h.tmp.files))) == NULL ||
	    (h.tmp.files[0] = strdup(name)) == NULL) {
		free(h.tmp.files);
		h.tmp.files = NULL;
		nomem(&h);
		return -1;
	}
	h.tmp.nfiles = 1;
	h.name = h.tmp.files[0];
	if ((doc = ydoc_parse(name, data, len, &hiera_limits, eb)) == NULL)
		goto out;
	if (read_root(&h, ydoc_root(doc)) == -1)
		goto out;
	rejected = h.tmp.rejected;
	if (merge(hd, &h.tmp) == -1) {
		nomem(&h);
		goto out;
	}
	flush_warnings(h.name, &h.warn, rejected);
	r = 0;
out:
	ydoc_free(&doc);
	src_hiera_free(&h.tmp);
	buf_free(&h.warn);
	return r;
}

int
src_hiera_load(struct hiera_data *hd, const char *path, struct errbuf *eb)
{
	char *data;
	size_t len;
	int r;

	if (yaml_read_file(path, HIERA_MAX_BYTES, &data, &len, eb) == -1)
		return -1;
	r = src_hiera_load_mem(hd, path, data, len, eb);
	free(data);
	return r;
}
