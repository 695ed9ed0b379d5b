/*
 * array: growth of a caller-owned array by doubling, so that appending N
 * elements costs O(N) copies and O(log N) allocations.
 */
#ifndef UDMAIL_ARRAY_H
#define UDMAIL_ARRAY_H

#include <stddef.h>

/* Make *V (capacity *CAP elements of SIZE bytes, N in use) hold at least
   N + 1: doubles *CAP (ARRAY_INITIAL the first time) when N == *CAP.
   Returns 0, or -1 (errno ENOMEM or EOVERFLOW) leaving *V and *CAP as
   they were. */
int array_grow(void *v, size_t *cap, size_t n, size_t size)
    __attribute__((warn_unused_result));

#define ARRAY_INITIAL 16

/* Ask the kernel to back the 2 MiB-aligned part of [P, P + N) with huge
   pages (MADV_HUGEPAGE, for the "madvise" setting of transparent huge
   pages); below 4 MiB, or where the kernel has no such thing, nothing
   happens.  A table of a million entries then costs a few hundred page
   faults instead of a quarter million, and a page fault is expensive in
   a virtual machine.  array_grow calls it for what it grows. */
void array_hint_huge(void *p, size_t n);
#define ARRAY_HUGE_MIN ((size_t)4 << 20)

#endif
