/*
 * fuzz_maptext: the postmap-source (text) table reader on arbitrary bytes,
 * through the public map API.  The input is written to a file in a
 * private directory and read with map_reader_open; iterate, count and
 * lookups must agree.  Every entry read is then written back with
 * map_put (or refused by it, exactly when map_check refuses it) and the
 * new table read again: it must hold the accepted entries, no more.
 * A mismatch aborts: that is a bug in lib/map*.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "errbuf.h"
#include "fuzz_files.h"
#include "map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fold(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Read FILE into E, checking count and lookups against iteration;
   returns the reader, still open. */
static struct map_reader *
read_table(const char *file, struct ents *e)
{
	struct map_reader *r;
	struct errbuf eb;
	char *v;
	size_t i, j;
	long long n;

	errbuf_clear(&eb);
	if ((r = map_reader_open(MAP_FORMAT_TEXT, file, &eb)) == NULL) {
		fprintf(stderr, "map_reader_open: %s\n", eb.msg);
		abort();
	}
	if (map_iterate(r, collect, e, &eb) != 0)
		abort();
	if ((n = map_count(r, &eb)) < 0 || (size_t)n != e->n)
		abort();
	for (i = 0; i < e->n; i++) {
		/* Keys are folded and unique; values are trimmed. */
		if (e->v[i].key[0] == '\0' || e->v[i].value[0] == '\0')
			abort();
		for (j = 0; e->v[i].key[j] != '\0'; j++)
			if (e->v[i].key[j] >= 'A' && e->v[i].key[j] <= 'Z')
				abort();
		for (j = 0; j < i; j++)
			if (strcmp(e->v[i].key, e->v[j].key) == 0)
				abort();
		if (strlen(e->v[i].key) > MAP_KEY_MAX)
			continue;
		if (map_lookup(r, e->v[i].key, &v, &eb) != 1 ||
		    strcmp(v, e->v[i].value) != 0)
			abort();
		free(v);
	}
	return r;
}

/* Keys from the input itself: the first word of the first lines, as
   written (case not folded), must be found exactly when an entry has it. */
static void
lookup_words(struct map_reader *r, const uint8_t *data, size_t size,
    const struct ents *e)
{
	struct errbuf eb;
	char word[MAP_KEY_MAX + 1], folded[MAP_KEY_MAX + 1], *v;
	size_t p = 0, k, i, lines = 0;
	int ret;

	while (p < size && lines++ < 8) {
		for (k = 0; p + k < size && k < MAP_KEY_MAX &&
		    data[p + k] != '\0' && data[p + k] != '\n' &&
		    data[p + k] != ' ' && data[p + k] != '\t'; k++)
			word[k] = (char)data[p + k];
		word[k] = '\0';
		memcpy(folded, word, k + 1);
		fold(folded);
		ret = map_lookup(r, word, &v, &eb);
		if (ret == -1)
			abort();
		for (i = 0; i < e->n; i++)
			if (strcmp(e->v[i].key, folded) == 0)
				break;
		if (k == 0 ? ret != 0 : (ret == 1) != (i < e->n))
			abort();
		if (ret == 1 && strcmp(v, e->v[i].value) != 0)
			abort();
		free(v);
		while (p < size && data[p] != '\n')
			p++;
		p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fdir *d = fdir_get("fuzz_maptext");
	struct ents in = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	struct map_writer *w, *wb;
	struct map_reader *rd;
	struct errbuf eb;
	size_t i, j, rejected = 0;
	int changed, r;

	write_file(d->in, data, size);
	rd = read_table(d->in, &in);
	lookup_words(rd, data, size, &in);
	map_reader_close(&rd);

	if ((w = map_open(MAP_FORMAT_TEXT, d->out, 0600, ATOMICFILE_KEEP_GID,
	    &eb)) == NULL)
		abort();
	for (i = 0; i < in.n; i++) {
		if (map_check(in.v[i].key, in.v[i].value, &eb) == -1) {
			/* Refused by the check: map_put must refuse it too
			   (on a writer of its own, which is then spent;
			   the first few per input). */
			if (++rejected <= 4) {
				if ((wb = map_open(MAP_FORMAT_TEXT, d->bad,
				    0600, ATOMICFILE_KEEP_GID, &eb)) == NULL)
					abort();
				if (map_put(wb, in.v[i].key, in.v[i].value,
				    &eb) != -1)
					abort();
				map_abort(&wb);
			}
			in.v[i].key[0] = '\0'; /* not expected in the copy */
			continue;
		}
		if ((r = map_put(w, in.v[i].key, in.v[i].value, &eb)) != 0) {
			fprintf(stderr, "map_put: %d %s\n", r, eb.msg);
			abort();
		}
	}
	if (map_commit(&w, &changed, &eb) == -1 || !changed) {
		fprintf(stderr, "map_commit: %s\n", eb.msg);
		abort();
	}
	rd = read_table(d->out, &out);
	map_reader_close(&rd);
	/* Same entries, same order. */
	for (i = 0, j = 0; i < in.n; i++) {
		if (in.v[i].key[0] == '\0')
			continue;
		if (j >= out.n || strcmp(in.v[i].key, out.v[j].key) != 0 ||
		    strcmp(in.v[i].value, out.v[j].value) != 0) {
			fprintf(stderr, "round trip differs at entry %zu\n", i);
			abort();
		}
		j++;
	}
	if (j != out.n)
		abort();
	ents_free(&in);
	ents_free(&out);
	(void)unlink(d->in);
	(void)unlink(d->out);
	return 0;
}
