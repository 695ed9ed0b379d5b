/*
 * dnsexpect_int.h: what the parts of dnsexpect share: the parse context,
 * the key tables and the typed value readers (dnsexpect_value.c) that the
 * area tables (dnsexpect_keys.c) and the file walk (dnsexpect.c) use.
 */
#ifndef UDMAIL_DNSEXPECT_INT_H
#define UDMAIL_DNSEXPECT_INT_H

#include <stddef.h>

#include "dns.h"
#include "dnsexpect.h"
#include "yamlutil.h"
#include "yschema.h"

struct px {
	struct yschema *ys;
	const char *basedir;
	char sect[512];          /* SECTION in messages */
	struct dnsexpect_domain *d;
	void *obj;               /* the struct the current table fills */
};

/* One key of a table: FN reads VALUE into X->obj (or X->d). */
struct dkey {
	const char *name;
	int (*fn)(struct px *x, const char *key, const struct yevent *v);
};

#define FAIL(x, at, key, ...) \
	yschema_fail((x)->ys, (x)->sect, (at), (key), __VA_ARGS__)

/* The keys of one domain's settings (dnsexpect_keys.c). */
extern const struct dkey dx_domain_keys[];

/* Enter section NAME below the current one; returns the old length. */
size_t dx_sect_push(struct px *x, const char *name);
void dx_sect_pop(struct px *x, size_t old);
int dx_dkey_fn(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v);
/* Walk mapping V with TABLE, filling OBJ, in section NAME. */
int dx_walk(struct px *x, const char *name, const char *what,
    const struct yevent *v, const struct dkey *table, void *obj);
/* Each item of list V (its type YEV_SEQ) of KEY to FN. */
typedef int dx_item_fn(struct px *x, const char *key, const struct yevent *it);
int dx_list(struct px *x, const char *key, const struct yevent *v,
    dx_item_fn *fn);
int dx_want_scalar(struct px *x, const char *key, const struct yevent *v,
    const char *what);
/* A scalar of printable text, copied into *DST. */
int dx_get_str(struct px *x, const char *key, const struct yevent *v,
    const char *what, char **dst);
/* One of WORDS (NULL-terminated), exactly, into *DST. */
int dx_get_word(struct px *x, const char *key, const struct yevent *v,
    const char *const *words, const char *what, char **dst);
int dx_get_int(struct px *x, const char *key, const struct yevent *v, long lo,
    long hi, int *out);
int dx_get_bool(struct px *x, const char *key, const struct yevent *v,
    int *out);
/* A host or domain name (LDH, a dot, no final dot kept), lower case. */
int dx_get_name(struct px *x, const char *key, const struct yevent *v,
    const char *what, char **dst);
/* A file name, made relative to the YAML file's directory. */
int dx_get_path(struct px *x, const char *key, const struct yevent *v,
    char **dst);
/* A list of scalars, or one scalar holding a comma or space list. */
int dx_get_list(struct px *x, const char *key, const struct yevent *v,
    char ***v_r, size_t *n_r);
int dx_valid_ip(const char *s);
int dx_get_dane(struct px *x, const char *key, const struct yevent *v,
    enum dnsexpect_dane *out);
int dx_get_dnssec(struct px *x, const char *key, const struct yevent *v,
    enum dnsexpect_dnssec *out);

#endif
