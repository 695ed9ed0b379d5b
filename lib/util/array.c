/*
 * array: one doubling rule for every growable array; reallocarray checks
 * the multiplication, the doubling is checked here.
 */
#include "config.h"

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
	if ((p = reallocarray(old, ncap, size)) == NULL)
		return -1;
	memcpy(v, &p, sizeof(p));
	*cap = ncap;
	return 0;
}
