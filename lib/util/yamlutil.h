/*
 * yamlutil: one checked YAML event stream with 1-based positions, pulled
 * by the schema engine (lib/yschema) or pushed to src_hiera's handlers;
 * no reader builds a document tree.  Hostile input is refused
 * early: size, depth, value count and scalar length are capped; anchors,
 * aliases (billion laughs) and tags other than !!str/!!seq/!!map are
 * errors.
 */
#ifndef UDMAIL_YAMLUTIL_H
#define UDMAIL_YAMLUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errbuf.h"

struct yaml_limits {
	size_t max_bytes;  /* file size */
	size_t max_depth;  /* nesting of lists and mappings */
	size_t max_values; /* scalars (keys and values as written), 0: any */
	size_t max_nodes;  /* scalars + lists + mappings, 0: any */
	size_t max_scalar; /* bytes in one scalar */
};

/* One event of the checked stream.  A scalar's STR is NUL-terminated,
   holds no NUL and is valid during the callback only. */
enum yevent_type { YEV_SCALAR, YEV_SEQ, YEV_MAP, YEV_END };

struct yevent {
	enum yevent_type type; /* YEV_SEQ, YEV_MAP: a collection starts */
	const char *str;       /* YEV_SCALAR */
	size_t len;            /* YEV_SCALAR: bytes in str */
	unsigned line, col;    /* 1-based start */
	int plain;             /* YEV_SCALAR: unquoted, untagged */
};

/* Called for each event in document order.  Returns 0 to go on, or -1
   with the EB given to yaml_parse_events set, which stops the stream. */
typedef int yaml_event_fn(void *arg, const struct yevent *ev);

/* Read PATH whole (at most LIM->max_bytes).  Returns 0, or -1 with EB
   "PATH: why" (unreadable, a directory, too large).  *DATA_R is
   NUL-terminated and must be freed. */
int yaml_read_file(const char *path, size_t max_bytes, char **data_r,
    size_t *len_r, struct errbuf *eb) __attribute__((warn_unused_result));

/* The same stream, pulled: ystream_open returns NULL with EB set (too
   large, out of memory); ystream_next fills EV and returns 1, 0 at the
   end of the stream, or -1 with EB "NAME:LINE:COL: what" (and goes on
   returning -1).  EV's text lives until the next call.  DATA must
   outlive the stream. */
struct ystream;
struct ystream *ystream_open(const char *name, const char *data, size_t len,
    const struct yaml_limits *lim, struct errbuf *eb)
    __attribute__((warn_unused_result));
int ystream_next(struct ystream *ys, struct yevent *ev)
    __attribute__((warn_unused_result));
void ystream_close(struct ystream **ysp);

/* Parse DATA (one document) and hand each event to FN; every check of
   LIM is made before FN sees the event.  NAME prefixes messages.  An
   empty stream yields no event.  Returns 0 at the end of the stream, or
   -1 with EB "NAME:LINE:COL: what" (or FN's message). */
int yaml_parse_events(const char *name, const char *data, size_t len,
    const struct yaml_limits *lim, yaml_event_fn *fn, void *arg,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* A plain "~", "null", "Null", "NULL" or empty scalar. */
int yevent_is_null(const struct yevent *ev);
/* "a mapping", "a list", "null", "a string": for "expected X, got Y". */
const char *yevent_kind(const struct yevent *ev);

/* A mail domain as the model takes it: addr_check_domain with a dot
   required, so the caller can name the YAML position.  Returns NULL when
   fine, else why (EB->msg, e.g. "domain has no dot"). */
const char *ycheck_domain(const char *s, size_t len, struct errbuf *eb);

/* Duplicate-key detection for one mapping.  yseen_add remembers key STR
   (LEN bytes, kept by the caller while the set lives) seen at LINE:
   returns 0 if new, 1 if seen before (*FIRST_R: the line of the first),
   -1 out of memory. */
struct yseen;
struct yseen *yseen_new(size_t hint);
int yseen_add(struct yseen *s, const char *str, size_t len, unsigned line,
    unsigned *first_r) __attribute__((warn_unused_result));
/* The same in two steps, so that the memory yseen_add will look at can
   be fetched meanwhile: yseen_prefetch starts that and returns the hash
   yseen_add_hashed takes (STR and LEN the same in both calls). */
uint64_t yseen_prefetch(const struct yseen *s, const char *str, size_t len);
int yseen_add_hashed(struct yseen *s, uint64_t hash, const char *str,
    size_t len, unsigned line, unsigned *first_r)
    __attribute__((warn_unused_result));
void yseen_free(struct yseen **sp);

#endif
