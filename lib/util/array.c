/*
 * array: one doubling rule for every growable array; reallocarray checks
 * the multiplication, the doubling is checked here.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

int
array_grow(void *v, size_t *cap, size_t n, size_t size)
{
	void *p, *old;
	size_t ncap;

	if (n < *cap)
		return 0;
	if (*cap > SIZE_MAX / 2) {
		errno = EOVERFLOW;
		return -1;
	}
	ncap = *cap ? *cap * 2 : ARRAY_INITIAL;
	memcpy(&old, v, sizeof(old));
	if (size != 0 && ncap <= SIZE_MAX / size &&
	    ncap * size >= ARRAY_HUGE_MIN) {
		/* Hint before the copy touches the new pages; realloc
		   would fault them in one by one. */
		if ((p = malloc(ncap * size)) == NULL)
			return -1;
		array_hint_huge(p, ncap * size);
		if (*cap > 0) /* all of the old array, whatever N says */
			memcpy(p, old, *cap * size);
		free(old);
	} else if ((p = reallocarray(old, ncap, size)) == NULL)
		return -1;
	memcpy(v, &p, sizeof(p));
	*cap = ncap;
	return 0;
}

void
array_hint_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = (uintptr_t)p, lo, hi;

	if (n < ARRAY_HUGE_MIN || a > UINTPTR_MAX - n)
		return;
	lo = (a + huge - 1) & ~(huge - 1);
	hi = (a + n) & ~(huge - 1);
	/* Advice only: a kernel without THP says EINVAL, and the memory
	   works the same either way. */
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}
