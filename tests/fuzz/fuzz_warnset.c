/*
 * fuzz_warnset: the record of reported warnings on arbitrary bytes.  As a
 * saved file: warnset_load either refuses it (leaving an empty set) or
 * accepts it, and then warnset_save writes back the very same bytes.  As
 * warnings (one per line of the input): saved and loaded again, they are
 * the same set, with nothing new, resolved or moved.  A mismatch aborts:
 * that is a bug in lib/warnset.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "fuzz_files.h"
#include "warnset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
no_change(void *arg, enum warnset_change what, const char *msg)
{
	(void)arg;
	fprintf(stderr, "round trip: %s %s\n",
	    what == WARNSET_NEW ? "new" : "resolved", msg);
	abort();
}

static void
same_set(const struct warnset *a, const struct warnset *b)
{
	struct warnset_diff d;

	warnset_diff(a, b, 1, no_change, NULL, &d);
	if (d.changed || d.moved || warnset_count(a) != warnset_count(b))
		abort();
	warnset_diff(b, a, 1, no_change, NULL, &d);
	if (d.changed || d.moved)
		abort();
}

static void
as_file(const struct fdir *d, const uint8_t *data, size_t size)
{
	struct warnset *a = warnset_new(), *b = warnset_new();
	struct errbuf eb;
	FILE *f;
	char *back;
	long len;
	int r;

	if (a == NULL || b == NULL)
		abort();
	write_file(d->in, data, size);
	if ((r = warnset_load(a, d->in, &eb)) != 1) {
		if (r != -1 || warnset_count(a) != 0)
			abort();
		goto out;
	}
	if (warnset_save(a, d->out, &eb) == -1 ||
	    warnset_load(b, d->out, &eb) != 1)
		abort();
	same_set(a, b);
	/* What load accepts is exactly what save writes. */
	if ((f = fopen(d->out, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (len = ftell(f)) < 0 || (size_t)len != size ||
	    fseek(f, 0, SEEK_SET) != 0 || (back = malloc(size + 1)) == NULL ||
	    fread(back, 1, size, f) != size)
		abort();
	if (memcmp(back, data, size) != 0)
		abort();
	free(back);
	(void)fclose(f);
out:
	warnset_free(&a);
	warnset_free(&b);
}

static void
as_warnings(const struct fdir *d, const uint8_t *data, size_t size)
{
	struct warnset *a = warnset_new(), *b = warnset_new();
	struct errbuf eb;
	char *s, *line, *nl;

	if (a == NULL || b == NULL || (s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	for (line = s; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (warnset_add(a, line) == -1)
			abort();
	}
	if (warnset_save(a, d->out, &eb) == -1 ||
	    warnset_load(b, d->out, &eb) != 1) {
		fprintf(stderr, "save/load: %s\n", eb.msg);
		abort();
	}
	same_set(a, b);
	free(s);
	warnset_free(&a);
	warnset_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fdir *d = fdir_get("fuzz_warnset");

	as_file(d, data, size);
	as_warnings(d, data, size);
	(void)unlink(d->in);
	(void)unlink(d->out);
	return 0;
}
