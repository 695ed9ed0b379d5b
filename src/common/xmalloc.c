/*
 * xmalloc: exit with EX_OSERR on out-of-memory.  Programs only.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "xmalloc.h"

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		fatal(EX_OSERR, "malloc %zu bytes", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if ((p = calloc(nmemb ? nmemb : 1, size ? size : 1)) == NULL)
		fatal(EX_OSERR, "calloc %zu x %zu bytes", nmemb, size);
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	void *np;

	if ((np = reallocarray(p, nmemb, size)) == NULL)
		fatal(EX_OSERR, "reallocarray %zu x %zu bytes", nmemb, size);
	return np;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal(EX_OSERR, "strdup");
	return p;
}
