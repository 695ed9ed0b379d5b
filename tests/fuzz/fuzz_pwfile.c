/*
 * fuzz_pwfile: the Dovecot passwd-file reader on arbitrary bytes.  The
 * input is written to a file in a private directory and read with
 * pwfile_reader_open; iterate, count and lookups must agree.  Every entry
 * pwfile_check accepts is written back with pwfile_put and the new file
 * read again: it must hold exactly those entries, in order; pwfile_put
 * must refuse the others.  pwfile_scan must agree with the reader.  A
 * mismatch aborts: that is a bug in
 * lib/pwfile.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "errbuf.h"
#include "fuzz_files.h"
#include "pwfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* Read FILE into E, checking count and lookups against iteration;
   returns the reader, still open. */
static struct pwfile_reader *
read_file(const char *file, struct ents *e)
{
	struct pwfile_reader *r;
	struct errbuf eb;
	char *v;
	size_t i, j;

	errbuf_clear(&eb);
	if ((r = pwfile_reader_open(file, &eb)) == NULL) {
		fprintf(stderr, "pwfile_reader_open: %s\n", eb.msg);
		abort();
	}
	if (pwfile_iterate(r, collect, e) != 0)
		abort();
	if (pwfile_count(r) != (long long)e->n)
		abort();
	for (i = 0; i < e->n; i++) {
		/* Users are unique, non-empty, free of ':'; so are the
		   passwords of ':'. */
		if (e->v[i].key[0] == '\0' || e->v[i].key[0] == '#' ||
		    strchr(e->v[i].key, ':') != NULL ||
		    strchr(e->v[i].value, ':') != NULL ||
		    strpbrk(e->v[i].key, "\n") != NULL ||
		    strpbrk(e->v[i].value, "\n") != NULL)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(e->v[i].key, e->v[j].key) == 0)
				abort();
		if (pwfile_lookup(r, e->v[i].key, &v, &eb) != 1 ||
		    strcmp(v, e->v[i].value) != 0)
			abort();
		free(v);
	}
	/* Not there: a user no line can hold. */
	if (pwfile_lookup(r, "a:b", &v, &eb) != 0 || v != NULL)
		abort();
	return r;
}

/* Users from the input itself: the text before the first ':' of the
   first lines must be found exactly when an entry has it. */
static void
lookup_words(struct pwfile_reader *r, const uint8_t *data, size_t size,
    const struct ents *e)
{
	struct errbuf eb;
	char word[512], *v;
	size_t p = 0, k, i, lines = 0;
	int ret;

	while (p < size && lines++ < 8) {
		for (k = 0; p + k < size && k < sizeof(word) - 1 &&
		    data[p + k] != '\0' && data[p + k] != '\n' &&
		    data[p + k] != ':'; k++)
			word[k] = (char)data[p + k];
		word[k] = '\0';
		if ((ret = pwfile_lookup(r, word, &v, &eb)) == -1)
			abort();
		for (i = 0; i < e->n; i++)
			if (strcmp(e->v[i].key, word) == 0)
				break;
		if ((ret == 1) != (i < e->n))
			abort();
		if (ret == 1 && strcmp(v, e->v[i].value) != 0)
			abort();
		free(v);
		while (p < size && data[p] != '\n')
			p++;
		p++;
	}
}

/* pwfile_scan (constant memory, used by the sync) must see the reader's
   entries: the same lines, with repeated users visited again. */
static void
scan_agrees(const char *file, const struct ents *in)
{
	struct ents sc = { NULL, 0, 0 };
	struct errbuf eb;
	struct stat st;
	size_t i, j, k = 0;

	if (pwfile_scan(file, collect, &sc, &st, &eb) != 0) {
		/* only a line longer than the scan buffer is refused */
		if (strstr(eb.msg, "line longer than") == NULL)
			abort();
		ents_free(&sc);
		return;
	}
	for (i = 0; i < sc.n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(sc.v[i].key, sc.v[j].key) == 0)
				break;
		if (j < i)
			continue; /* a repeat: the reader kept the first */
		if (k >= in->n || strcmp(sc.v[i].key, in->v[k].key) != 0 ||
		    strcmp(sc.v[i].value, in->v[k].value) != 0)
			abort();
		k++;
	}
	if (k != in->n)
		abort();
	ents_free(&sc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fdir *d = fdir_get("fuzz_pwfile");
	struct ents in = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	struct pwfile_writer *w, *wb;
	struct pwfile_reader *rd;
	struct errbuf eb;
	size_t i, j, rejected = 0;
	int changed, r;

	write_file(d->in, data, size);
	rd = read_file(d->in, &in);
	scan_agrees(d->in, &in);
	lookup_words(rd, data, size, &in);
	pwfile_reader_close(&rd);

	if ((w = pwfile_open(d->out, 0600, ATOMICFILE_KEEP_GID, &eb)) == NULL)
		abort();
	for (i = 0; i < in.n; i++) {
		if (pwfile_check(in.v[i].key, in.v[i].value, &eb) == -1) {
			/* The message names the user (its reasons are
			   constants, never the password); pwfile_put must
			   refuse the entry too (on a writer of its own,
			   which is then spent; the first few per input). */
			if (strncmp(eb.msg, "user \"", 6) != 0)
				abort();
			if (++rejected <= 4) {
				if ((wb = pwfile_open(d->bad, 0600,
				    ATOMICFILE_KEEP_GID, &eb)) == NULL)
					abort();
				if (pwfile_put(wb, in.v[i].key, in.v[i].value,
				    &eb) != -1)
					abort();
				pwfile_abort(&wb);
			}
			in.v[i].key[0] = '\0'; /* not expected in the copy */
			continue;
		}
		if ((r = pwfile_put(w, in.v[i].key, in.v[i].value, &eb)) !=
		    0) {
			fprintf(stderr, "pwfile_put: %d %s\n", r, eb.msg);
			abort();
		}
	}
	if (pwfile_commit(&w, &changed, &eb) == -1 || !changed) {
		fprintf(stderr, "pwfile_commit: %s\n", eb.msg);
		abort();
	}
	rd = read_file(d->out, &out);
	pwfile_reader_close(&rd);
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
