/*
 * src_hiera_int.h: the reading state of one Hiera export, shared by
 * src_hiera.c (the event handlers that build the lists) and
 * src_hiera_load.c (loading, the verdict and the merge).  Not for other
 * modules.
 */
#ifndef UDMAIL_SRC_HIERA_INT_H
#define UDMAIL_SRC_HIERA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errbuf.h"
#include "src_hiera.h"
#include "yamlutil.h"
#include "yschema.h"

enum section { SEC_ALIASES, SEC_FORWARDS, SEC_SENDER_LOGINS };

enum rkey {
	RK_VERSION, RK_DOMAIN, RK_ALIAS_DOMAINS, RK_ALIASES, RK_FORWARDS,
	RK_SENDER_LOGINS, RK_COUNT
};

/* The targets one entry dropped: how many, and the first, for the one
   warning given when no target is left (the event's text is gone by
   then: what a message shows of it is kept). */
struct dropped {
	size_t n;
	const char *why;
	char t[65]; /* buf_put_visn shows 64 bytes, then "..." */
	size_t tlen;
};

/* Where the held-back warnings stood, to take back those of an entry
   that is then dropped whole. */
struct wmark {
	size_t len;      /* of h->warn */
	size_t rejected; /* h->tmp.rejected */
};

/* The ranks of the errors (lib/yschema): a shape error ends the reading,
   and the file's message is its error of the lowest rank, the one a
   reader of the whole document would name. */
enum fault { F_SHAPE, F_VERSION, F_CONTENT };

struct hctx {
	const char *name;              /* the file, as owned by tmp.files[0] */
	const struct hiera_data *prev; /* what the file is merged into */
	struct hiera_data tmp;         /* this file alone */
	size_t cap[3];                 /* capacity of tmp's three lists */
	size_t cap_domains;
	struct buf warn;               /* held-back warnings, one a line */
	size_t ntargets;               /* targets and alias domains seen */
	struct errbuf *eb;             /* out of memory: at once */
	struct yschema *ys;            /* the engine reading the file */
	int version_ok;

	/* The list section being read, and its entry. */
	enum section sec;
	const char *ekey;              /* in the arena */
	size_t eklen;
	unsigned eline;
	struct dropped d;
	struct wmark mark;
	char **targets;                /* the entry's, until it is complete */
	size_t ntargets_e, cap_targets;
};

/* EB: "FILE: out of memory", errnum ENOMEM.  Returns -1. */
int nomem(struct hctx *h);
/* An error of rank F, "FILE:LINE:COL: what", at event EV.  Returns -1
   for a shape error, else YSCHEMA_STOP: the rest of the top-level value
   it is in is skipped. */
int hfault(struct hctx *h, enum fault f, const struct yevent *ev,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The reading of the file's root, for yschema_parse (src_hiera.c). */
int hiera_root(struct yschema *ys, void *arg, const struct yevent *root);

#endif
