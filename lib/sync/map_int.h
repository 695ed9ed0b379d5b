/*
 * map_int: what map.c shares with its format backends (map_lmdb.c,
 * map_db.c, map_text.c).  Not for use outside lib/map*.c.
 */
#ifndef UDMAIL_MAP_INT_H
#define UDMAIL_MAP_INT_H

#include <stddef.h>

#include "atomicfile.h"
#include "buf.h"
#include "errbuf.h"
#include "map.h"

struct map_writer {
	const struct map_backend *be;
	struct atomicfile *af;
	const char *file;      /* atomicfile_path(af) */
	size_t count;          /* entries added */
	void *impl;
	int finished;          /* temp table complete (map_finish) */
	int known_changed;     /* caller compared: skip map_same_entries */
	int unique;            /* caller guarantees unique keys */
};

struct map_reader {
	const struct map_backend *be;
	char *file;
	struct buf kbuf, vbuf; /* NUL-terminated copies for callbacks */
	void *impl;
};

/* Keys and values reach the backends validated and lower-cased; KLEN and
   VLEN count the trailing NUL, which is stored (postmap's layout). */
struct map_backend {
	int (*wopen)(struct map_writer *, struct errbuf *);
	/* 0 added, 1 duplicate, -1 error */
	int (*put)(struct map_writer *, const char *, size_t, const char *,
	    size_t, struct errbuf *);
	/* Flush and close the library handle; the temp file stays. */
	int (*wfinish)(struct map_writer *, struct errbuf *);
	void (*wabort)(struct map_writer *);
	/* 1: leave "unchanged" detection to atomicfile's byte comparison */
	int bytes_compare;

	int (*ropen)(struct map_reader *, struct errbuf *);
	/* KEY[KLEN] is a NUL (KLEN does not count it); *V_R points into backend memory valid until the
	   next call; *VLEN_R without any trailing NUL.  1/0/-1. */
	int (*get)(struct map_reader *, const char *, size_t, const char **,
	    size_t *, struct errbuf *);
	/* Calls FN with raw key/value (trailing NULs stripped) in storage
	   order.  Returns 0 at the end, 1 when FN returned non-zero, -1 on
	   error with EB set. */
	int (*iterate)(struct map_reader *,
	    int (*)(struct map_reader *, const char *, size_t, const char *,
		size_t, void *),
	    void *, struct errbuf *);
	long long (*count)(struct map_reader *, struct errbuf *);
	void (*rclose)(struct map_reader *);
	/* map_patch, with the keys folded; NULL: the format has none */
	int (*patch)(const char *, const struct map_edit *, size_t,
	    long long *, int *, struct errbuf *);
};

extern const struct map_backend map_backend_lmdb;
extern const struct map_backend map_backend_hash;
extern const struct map_backend map_backend_text;

/* Strip one trailing NUL from a stored key or value. */
static inline size_t
map_strip_nul(const char *p, size_t n)
{
	return n > 0 && p[n - 1] == '\0' ? n - 1 : n;
}

struct map_reader *map_reader_open_be(const struct map_backend *be,
    const char *file, struct errbuf *eb);

/* ASCII lower-casing, as Postfix folds keys. */
void map_fold(char *s, size_t n);

#endif
