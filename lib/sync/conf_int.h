/*
 * conf_int.h: the schema of udmail.yaml, read by lib/yschema, shared by
 * conf.c (the defaults, the root and password keys, loading),
 * conf_ldap.c (the ldap: section) and conf_outputs.c (the outputs:
 * section).  A section is a
 * table of struct ckey; each key has a handler that checks and stores its
 * value.  Not for other modules.
 */
#ifndef UDMAIL_CONF_INT_H
#define UDMAIL_CONF_INT_H

#include <stddef.h>

#include "conf.h"
#include "errbuf.h"
#include "outputs.h"
#include "yschema.h"

/* Keys whose position later checks need. */
enum mark {
	MK_NONE,
	MK_LDAP,
	MK_URI,
	MK_STARTTLS,
	MK_AUTH,
	MK_BIND_DN,
	MK_BIND_PW,
	MK_POLICY,
	MK_MIN_LENGTH,
	MK_MAX_LENGTH,
	MK_ARGON2,
	MK_PATH,
	MK_FORMAT,
	MK_OUT, /* + enum output_kind */
	MK_COUNT = MK_OUT + OUTPUT_COUNT
};

struct cctx;
struct ckey;
typedef int ckey_fn(struct cctx *, const struct ckey *,
    const struct yevent *, void *);

struct cctx {
	const char *name;
	struct conf *conf;
	struct errbuf *eb;
	const char *section; /* "ldap", "outputs.virtual", ... or "" */
	int kind;            /* output being read */
	struct yevent mark[MK_COUNT]; /* positions; line 0: not seen */
	struct yevent uri_at;         /* ldap.uri's value */
	struct yschema *ys;
};

/* The position of key M, or NULL when it was not given. */
#define MARK(c, m) ((c)->mark[m].line != 0 ? &(c)->mark[m] : NULL)

struct ckey {
	const char *name;
	ckey_fn *fn;
	size_t off;     /* field in the section's struct */
	long min, max;  /* integers; h_output: kind in min */
	enum mark mark;
};
#define CK_END { NULL, NULL, 0, 0, 0, MK_NONE }

/* The first problem: "FILE:LINE:COL: SECTION.KEY: " and FMT in c->eb.
   Returns -1. */
int cfail(struct cctx *c, const struct yevent *at, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* N's value as shown in messages, escaped and cut, in TMP. */
const char *shown(const struct yevent *n, char *tmp, size_t size);

int want_scalar(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    const char *what);

/* Key handlers (ckey_fn) and the walk of a mapping against KEYS. */
int h_str(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base);

int h_path(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base);

int h_bool(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base);

int h_int(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base);

int walk_map(struct cctx *c, const char *what, const struct yevent *map,
    const struct ckey *keys, void *base);

int h_ldap(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base);

int h_user(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base);

int h_outputs(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base);

#endif
