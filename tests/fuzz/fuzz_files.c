/*
 * fuzz_files: shared plumbing of the file-reading fuzz targets (see the
 * header).  The directory is the one piece of state kept between calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_files.h"

static struct fdir fdir;

static void
fdir_cleanup(void)
{
	if (fdir.dir[0] != '\0')
		(void)rmdir(fdir.dir);
}

struct fdir *
fdir_get(const char *name)
{
	const char *tmp;

	if (fdir.dir[0] != '\0')
		return &fdir;
	/* Memory-backed when there is one: every input writes and syncs a
	   few files, and on a disk the fsyncs were most of the time spent
	   per input. */
	if (access("/dev/shm", W_OK | X_OK) == 0)
		tmp = "/dev/shm";
	else if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	(void)snprintf(fdir.dir, sizeof(fdir.dir), "%s/%s.XXXXXX",
	    tmp, name);
	if (mkdtemp(fdir.dir) == NULL) {
		perror(fdir.dir);
		abort();
	}
	(void)snprintf(fdir.in, sizeof(fdir.in), "%s/in", fdir.dir);
	(void)snprintf(fdir.out, sizeof(fdir.out), "%s/out", fdir.dir);
	(void)snprintf(fdir.bad, sizeof(fdir.bad), "%s/bad", fdir.dir);
	(void)atexit(fdir_cleanup);
	return &fdir;
}

void
write_file(const char *path, const uint8_t *data, size_t size)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		perror(path);
		abort();
	}
	while (size > 0) {
		if ((n = write(fd, data, size)) == -1) {
			if (errno == EINTR)
				continue;
			perror(path);
			abort();
		}
		data += n;
		size -= (size_t)n;
	}
	(void)close(fd);
}

int
collect(const char *key, const char *value, void *arg)
{
	struct ents *e = arg;
	struct ent *v;

	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		if ((v = realloc(e->v, e->cap * sizeof(*v))) == NULL)
			abort();
		e->v = v;
	}
	if ((e->v[e->n].key = strdup(key)) == NULL ||
	    (e->v[e->n].value = strdup(value)) == NULL)
		abort();
	e->n++;
	return 0;
}

void
ents_free(struct ents *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].key);
		free(e->v[i].value);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

