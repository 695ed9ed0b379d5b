/*
 * dnsexpect_value: the typed readers of the expected state: strings,
 * words, integers, booleans, DNS names, paths, lists, DANE and DNSSEC
 * settings.  Each names FILE:LINE:COL and SECTION.KEY when it refuses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "buf.h"
#include "dnsexpect_int.h"

/* Enter section NAME below the current one; returns the old length. */
size_t
dx_sect_push(struct px *x, const char *name)
{
	size_t old = strlen(x->sect);

	(void)snprintf(x->sect + old, sizeof(x->sect) - old, "%s%s",
	    old > 0 ? "." : "", name);
	return old;
}

void
dx_sect_pop(struct px *x, size_t old)
{
	x->sect[old] = '\0';
}

int
dx_dkey_fn(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	const struct dkey *dk = row;

	(void)ys;
	(void)k;
	return dk->fn(arg, dk->name, v);
}

/* Walk mapping V with TABLE, filling OBJ, in section NAME. */
int
dx_walk(struct px *x, const char *name, const char *what,
    const struct yevent *v, const struct dkey *table, void *obj)
{
	void *outer = x->obj;
	size_t old = dx_sect_push(x, name);
	int r;

	x->obj = obj;
	r = yschema_map(x->ys, x->sect, what, v, table, sizeof(*table),
	    dx_dkey_fn, x);
	x->obj = outer;
	dx_sect_pop(x, old);
	return r;
}

struct item_arg {
	struct px *x;
	const char *key;
	dx_item_fn *fn;
};

static int
item_fn(struct yschema *ys, void *arg, const struct yevent *it)
{
	const struct item_arg *ia = arg;

	(void)ys;
	return ia->fn(ia->x, ia->key, it);
}

/* Each item of list V (of KEY) to FN. */
int
dx_list(struct px *x, const char *key, const struct yevent *v, dx_item_fn *fn)
{
	struct item_arg ia = { x, key, fn };

	return yschema_list(x->ys, v, item_fn, &ia);
}

int
dx_want_scalar(struct px *x, const char *key, const struct yevent *v,
    const char *what)
{
	return yschema_scalar(x->ys, x->sect, v, key, what);
}

/* A scalar of printable text, copied into *DST. */
int
dx_get_str(struct px *x, const char *key, const struct yevent *v,
    const char *what, char **dst)
{
	unsigned i;
	char *s;

	if (dx_want_scalar(x, key, v, what) == -1)
		return -1;
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 || v->str[i] == 0x7f)
			return FAIL(x, v, key, "control character at offset "
			    "%u, expected %s", i, what);
	if ((s = strdup(v->str)) == NULL)
		return yschema_nomem(x->ys);
	free(*dst);
	*dst = s;
	return 0;
}

/* One of WORDS (NULL-terminated), exactly, into *DST. */
int
dx_get_word(struct px *x, const char *key, const struct yevent *v,
    const char *const *words, const char *what, char **dst)
{
	char tmp[300];
	size_t i;

	if (dx_want_scalar(x, key, v, what) == -1)
		return -1;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(v->str, words[i]) == 0)
			return dx_get_str(x, key, v, what, dst);
	return FAIL(x, v, key, "'%s': expected %s",
	    yschema_shown(v, tmp, sizeof(tmp)), what);
}

int
dx_get_int(struct px *x, const char *key, const struct yevent *v, long lo,
    long hi, int *out)
{
	char tmp[300], *end;
	long n;

	if (dx_want_scalar(x, key, v, "an integer") == -1)
		return -1;
	errno = 0;
	n = strtol(v->str, &end, 10);
	if (v->str[0] < '0' || v->str[0] > '9' || *end != '\0' || errno != 0 ||
	    n < lo || n > hi)
		return FAIL(x, v, key, "'%s': expected an integer %ld..%ld",
		    yschema_shown(v, tmp, sizeof(tmp)), lo, hi);
	*out = (int)n;
	return 0;
}

int
dx_get_bool(struct px *x, const char *key, const struct yevent *v, int *out)
{
	char tmp[300];

	if (dx_want_scalar(x, key, v, "true or false") == -1)
		return -1;
	if (strcasecmp(v->str, "true") == 0 || strcasecmp(v->str, "yes") == 0)
		*out = 1;
	else if (strcasecmp(v->str, "false") == 0 ||
	    strcasecmp(v->str, "no") == 0)
		*out = 0;
	else
		return FAIL(x, v, key, "'%s': expected true or false",
		    yschema_shown(v, tmp, sizeof(tmp)));
	return 0;
}

/* A host or domain name (LDH, a dot, no final dot kept), lower case. */
int
dx_get_name(struct px *x, const char *key, const struct yevent *v,
    const char *what, char **dst)
{
	struct errbuf eb;
	const char *why;
	char tmp[300], *s;
	size_t n, i;

	if (dx_want_scalar(x, key, v, what) == -1)
		return -1;
	n = v->len;
	if (n > 1 && v->str[n - 1] == '.')
		n--;
	if ((why = ycheck_domain(v->str, n, &eb)) != NULL)
		return FAIL(x, v, key, "'%s': %s, expected %s",
		    yschema_shown(v, tmp, sizeof(tmp)), why, what);
	if ((s = strndup(v->str, n)) == NULL)
		return yschema_nomem(x->ys);
	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	free(*dst);
	*dst = s;
	return 0;
}

/* A file name, made relative to the YAML file's directory. */
int
dx_get_path(struct px *x, const char *key, const struct yevent *v,
    char **dst)
{
	struct buf b = BUF_INIT;
	char *s = NULL;

	if (dx_get_str(x, key, v, "a file name", &s) == -1)
		return -1;
	if (s[0] != '/' && x->basedir != NULL && *x->basedir != '\0') {
		if (buf_printf(&b, "%s/%s", x->basedir, s) == -1) {
			free(s);
			buf_free(&b);
			return yschema_nomem(x->ys);
		}
		free(s);
		s = b.data;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* Append a copy of S to *V (*N used, *CAP allocated): doubling, since a
   hostile list may run to the node limit before it is refused. */
static int
strv_push(struct px *x, char ***v, size_t *n, size_t *cap, const char *s,
    size_t len)
{
	char *d;

	if ((d = strndup(s, len)) == NULL)
		return yschema_nomem(x->ys);
	if (array_grow(v, cap, *n, sizeof(**v)) == -1) {
		free(d);
		return yschema_nomem(x->ys);
	}
	(*v)[(*n)++] = d;
	return 0;
}

/* The items of a list being read by dx_get_list. */
struct strv_acc {
	struct px *x;
	const char *key;
	char **vec;
	size_t n, cap;
};

static int
list_item(struct strv_acc *a, const struct yevent *it)
{
	size_t i;

	if (dx_want_scalar(a->x, a->key, it, "a string") == -1)
		return -1;
	for (i = 0; i < it->len; i++)
		if ((unsigned char)it->str[i] < 0x20)
			return FAIL(a->x, it, a->key, "control character in a "
			    "list item");
	return strv_push(a->x, &a->vec, &a->n, &a->cap, it->str, it->len);
}

/* One scalar holding a comma or space list. */
static int
split_list(struct strv_acc *a, const struct yevent *v)
{
	const char *p, *e;
	size_t i;

	if (dx_want_scalar(a->x, a->key, v, "a list") == -1)
		return -1;
	for (p = v->str; *p != '\0'; p = e) {
		p += strspn(p, ", ");
		if (*p == '\0')
			break;
		e = p + strcspn(p, ", ");
		for (i = 0; p + i < e; i++)
			if ((unsigned char)p[i] < 0x20)
				return FAIL(a->x, v, a->key, "control "
				    "character in a list");
		if (strv_push(a->x, &a->vec, &a->n, &a->cap, p,
		    (size_t)(e - p)) == -1)
			return -1;
	}
	return 0;
}

static int
list_scalar(struct yschema *ys, void *arg, const struct yevent *v,
    int in_list)
{
	(void)ys;
	return in_list ? list_item(arg, v) : split_list(arg, v);
}

/* A list of scalars, or one scalar holding a comma or space list. */
int
dx_get_list(struct px *x, const char *key, const struct yevent *v,
    char ***v_r, size_t *n_r)
{
	struct strv_acc a = { x, key, NULL, 0, 0 };
	int r = 0;

	if (!yevent_is_null(v))
		r = yschema_scalars(x->ys, 0, x->sect, key, v, "a list",
		    "a string", list_scalar, &a);
	if (r == -1) {
		dns_strv_free(a.vec, a.n);
		return -1;
	}
	dns_strv_free(*v_r, *n_r);
	*v_r = a.vec;
	*n_r = a.n;
	return 0;
}

int
dx_valid_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int
dx_get_dane(struct px *x, const char *key, const struct yevent *v,
    enum dnsexpect_dane *out)
{
	char tmp[300];

	if (dx_want_scalar(x, key, v, "required, optional or none") == -1)
		return -1;
	if (strcmp(v->str, "required") == 0)
		*out = DNSEXPECT_DANE_REQUIRED;
	else if (strcmp(v->str, "optional") == 0)
		*out = DNSEXPECT_DANE_OPTIONAL;
	else if (strcmp(v->str, "none") == 0 || strcmp(v->str, "no") == 0 ||
	    strcmp(v->str, "false") == 0)
		*out = DNSEXPECT_DANE_NONE;
	else
		return FAIL(x, v, key, "'%s': expected required, optional or "
		    "none", yschema_shown(v, tmp, sizeof(tmp)));
	return 0;
}

int
dx_get_dnssec(struct px *x, const char *key, const struct yevent *v,
    enum dnsexpect_dnssec *out)
{
	char tmp[300];

	if (dx_want_scalar(x, key, v, "secure, insecure or any") == -1)
		return -1;
	if (strcmp(v->str, "secure") == 0)
		*out = DNSEXPECT_DNSSEC_SECURE;
	else if (strcmp(v->str, "insecure") == 0)
		*out = DNSEXPECT_DNSSEC_INSECURE;
	else if (strcmp(v->str, "any") == 0)
		*out = DNSEXPECT_DNSSEC_ANY;
	else
		return FAIL(x, v, key, "'%s': expected secure, insecure or any",
		    yschema_shown(v, tmp, sizeof(tmp)));
	return 0;
}
