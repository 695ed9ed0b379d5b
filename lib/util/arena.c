/*
 * arena: blocks that double from FIRST to MAX bytes, freed all at once
 * (see arena.h for why).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "array.h"

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

void
arena_init(struct arena *a, size_t first, size_t max, int flags)
{
	memset(a, 0, sizeof(*a));
	a->first = first > 0 ? first : 1;
	a->max = max >= a->first ? max : a->first;
	a->wipe = (flags & ARENA_WIPE) != 0;
}

static struct arena_block *
block_new(struct arena *a, size_t size)
{
	struct arena_block *b;

	if (size > SIZE_MAX - sizeof(*b) ||
	    (b = malloc(sizeof(*b) + size)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	b->used = 0;
	b->size = size;
	a->bytes += sizeof(*b) + size;
	array_hint_huge(b, sizeof(*b) + size);
	return b;
}

/* N bytes at offset ALIGN-rounded in the current block, or in a new one. */
static void *
arena_get(struct arena *a, size_t n, size_t align)
{
	struct arena_block *b = a->head;
	size_t off = 0, size;

	if (a->first == 0) /* zeroed, never initialised */
		arena_init(a, ARENA_DEFAULT_FIRST, ARENA_DEFAULT_MAX,
		    a->wipe ? ARENA_WIPE : 0);
	if (b != NULL)
		off = (b->used + align - 1) & ~(align - 1);
	if (b != NULL && off <= b->size && b->size - off >= n) {
		b->used = off + n;
		return (char *)b->data + off;
	}
	if (n > a->max / 4 && b != NULL) {
		/* A big one of its own: the current block goes on. */
		if ((b = block_new(a, n)) == NULL)
			return NULL;
		b->used = n;
		b->next = a->head->next;
		a->head->next = b;
		return b->data;
	}
	size = a->head == NULL ? a->first :
	    a->head->size >= a->max / 2 ? a->max : a->head->size * 2;
	if (n > size)
		size = n;
	if ((b = block_new(a, size)) == NULL)
		return NULL;
	b->next = a->head;
	a->head = b;
	b->used = n;
	return b->data; /* block data is aligned for anything */
}

void *
arena_alloc(struct arena *a, size_t n)
{
	return arena_get(a, n, 1);
}

void *
arena_alloc_aligned(struct arena *a, size_t n)
{
	return arena_get(a, n, _Alignof(max_align_t));
}

void *
arena_alloc_align(struct arena *a, size_t n, size_t align)
{
	if (align == 0 || (align & (align - 1)) != 0 ||
	    align > _Alignof(max_align_t))
		align = _Alignof(max_align_t);
	return arena_get(a, n, align);
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void
arena_join(struct arena *to, struct arena *from)
{
	struct arena_block *last;

	if (from->head == NULL)
		return;
	if (to->head == NULL) {
		to->head = from->head;
	} else {
		for (last = from->head; last->next != NULL; last = last->next)
			;
		last->next = to->head->next;
		to->head->next = from->head;
	}
	to->bytes += from->bytes;
	from->head = NULL;
	from->bytes = 0;
}

void
arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		if (a->wipe)
			sodium_memzero(b->data, b->used);
		free(b);
	}
	a->head = NULL;
	a->bytes = 0;
}
