/*
 * arena: memory handed out in blocks and given back all at once.  The
 * model, the Hiera reader and strset keep millions of small strings that
 * live exactly as long as their owner; one malloc per string would cost
 * 16 bytes of header each and a free() walk at the end.
 *
 * Blocks double from FIRST up to MAX bytes, so an arena holding a few
 * strings costs a few KiB and one holding a million a few dozen blocks.
 * A request bigger than MAX / 4 gets a block of its own, placed behind
 * the current one, which goes on filling.  Strings need no alignment
 * (arena_alloc); arena_alloc_aligned aligns for any object.
 */
#ifndef UDMAIL_ARENA_H
#define UDMAIL_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head; /* the block being filled, then older ones */
	size_t first, max;        /* block sizes */
	size_t bytes;             /* allocated for blocks, headers included */
	int wipe;                 /* zero what was used before freeing: the
				     arena may hold password hashes */
};

#define ARENA_WIPE 1

/* An empty arena; nothing is allocated until the first request.  FIRST
   and MAX are block sizes in bytes (FIRST <= MAX); FLAGS: ARENA_WIPE.
   A zeroed struct arena is a valid empty one too, with blocks of
   ARENA_DEFAULT_FIRST to ARENA_DEFAULT_MAX bytes and no wipe, so that
   structures cleared with memset can hold one. */
#define ARENA_DEFAULT_FIRST ((size_t)4096)
#define ARENA_DEFAULT_MAX ((size_t)1 << 20)
void arena_init(struct arena *a, size_t first, size_t max, int flags);

/* N bytes, unaligned; NULL (errno ENOMEM) when memory runs out. */
void *arena_alloc(struct arena *a, size_t n)
    __attribute__((warn_unused_result));
/* N bytes aligned for any object. */
void *arena_alloc_aligned(struct arena *a, size_t n)
    __attribute__((warn_unused_result));
/* N bytes aligned to ALIGN (a power of two, at most that of any object):
   an array of a million pointers need not pay for 16-byte alignment. */
void *arena_alloc_align(struct arena *a, size_t n, size_t align)
    __attribute__((warn_unused_result));
/* A NUL-terminated copy of the N bytes at S (S need not be terminated). */
char *arena_strndup(struct arena *a, const char *s, size_t n)
    __attribute__((warn_unused_result));
char *arena_strdup(struct arena *a, const char *s)
    __attribute__((warn_unused_result));

/* Move every block of FROM into TO, whose current block stays current;
   FROM is left empty.  Both must have the same wipe flag. */
void arena_join(struct arena *to, struct arena *from);

/* Give every block back (zeroed first with ARENA_WIPE); A stays usable. */
void arena_free(struct arena *a);

#endif
