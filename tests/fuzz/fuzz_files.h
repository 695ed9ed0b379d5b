/*
 * fuzz_files: what the file-reading fuzz targets share: a private
 * directory per process (removed at exit) with the input, output and
 * refusal file names, writing the input there, and collecting entries
 * read back.  Any failure aborts: fuzz targets have no error path.
 */
#ifndef UDMAIL_FUZZ_FILES_H
#define UDMAIL_FUZZ_FILES_H

#include <stddef.h>
#include <stdint.h>

struct ent {
	char *key, *value;
};

struct ents {
	struct ent *v;
	size_t n, cap;
};

struct fdir {
	char dir[256];
	char in[300], out[300], bad[300];
};

/* The directory "$TMPDIR/NAME.XXXXXX", made on first use. */
struct fdir *fdir_get(const char *name);
void write_file(const char *path, const uint8_t *data, size_t size);
/* A map_visit_fn / pwfile_visit_fn appending copies to an ents. */
int collect(const char *key, const char *value, void *arg);
void ents_free(struct ents *e);

#endif
