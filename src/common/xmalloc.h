/*
 * xmalloc: allocation that exits on failure.  For programs (src/, tools/)
 * only; lib/ modules return NULL or -1 instead.
 */
#ifndef UDMAIL_XMALLOC_H
#define UDMAIL_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);

#endif
