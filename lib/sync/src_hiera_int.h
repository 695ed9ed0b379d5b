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
	char t[65]; /* yaml_quote shows 64 bytes, then "..." */
	size_t tlen;
};

/* Where the held-back warnings stood, to take back those of an entry
   that is then dropped whole. */
struct wmark {
	size_t len;      /* of h->warn */
	size_t rejected; /* h->tmp.rejected */
};

/* The first error of each kind, in the order they are reported. */
enum fault { F_SHAPE, F_VERSION, F_CONTENT, F_COUNT };

struct hiera_chunk {
	struct hiera_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct hctx {
	const char *name;              /* the file, as owned by tmp.files[0] */
	const struct hiera_data *prev; /* what the file is merged into */
	struct hiera_data tmp;         /* this file alone */
	size_t cap[3];                 /* capacity of tmp's three lists */
	size_t cap_domains;
	struct buf warn;               /* held-back warnings, one a line */
	size_t ntargets;               /* targets and alias domains seen */
	struct errbuf *eb;             /* out of memory: at once */
	struct errbuf fault[F_COUNT];
	int faulty[F_COUNT];
	int version_ok;

	/* Where the stream is.  Depth 0: the root; 1: the top-level keys
	   and values; 2: a section's keys and values or alias domains;
	   3: an entry's list of targets. */
	unsigned depth;
	int skipping;                  /* until depth is back to skip_from */
	unsigned skip_from;
	int have_root;
	unsigned root_line, root_col;
	int rkey;                      /* enum rkey whose value comes, or -1 */
	unsigned key_line[RK_COUNT];   /* top-level keys seen */

	/* The list section being read. */
	enum section sec;
	struct yseen *seen;
	int want_key;
	int entry;                     /* 2 key read, 1 open, -1 dropped,
	                                  0 none */
	const char *ekey;              /* in a chunk */
	size_t eklen;
	uint64_t ekhash;               /* yseen_prefetch's */
	unsigned eline;
	struct dropped d;
	struct wmark mark;
	char **targets;                /* the entry's, until it is complete */
	size_t ntargets_e, cap_targets;
};

/* EB: "FILE: out of memory", errnum ENOMEM.  Returns -1. */
int nomem(struct hctx *h);
/* Keep the first error of kind F, "FILE:LINE:COL: what", at event EV.
   A content error ends the reading of the sections: the rest of the
   top-level value it is in is skipped.  Returns 0. */
int hfault(struct hctx *h, enum fault f, const struct yevent *ev,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The event handler yaml_parse_events calls (src_hiera.c). */
int on_event(void *arg, const struct yevent *ev);

#endif
