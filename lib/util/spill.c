/*
 * spill: an append-only scratch file without a name.  Writes go through
 * a buffer that grows to the memory cap (16 MiB unless set) before the
 * first write to the file: a directory of 100,000 accounts keeps its
 * hashes in memory and reads none back with a system call, a million
 * still costs at most the cap.  What is in the buffer is read from
 * memory, the rest with pread, so readers never move a file offset or
 * touch the buffer.
 * Invariant: the file never has a name another process could open
 * (O_TMPFILE, or unlinked right after mkstemp), and the buffer, which
 * holds secrets, is wiped before it is reused or freed.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "spill.h"

#define SPILL_BUF_FIRST ((size_t)64 * 1024)
#define SPILL_MEM_DEFAULT ((size_t)16 * 1024 * 1024)
#define REF_LEN_BITS 16
#define REF_OFF_MAX (((uint64_t)1 << (64 - REF_LEN_BITS)) - 1)

struct spill {
	int fd;
	char *dir;         /* for messages */
	uint64_t flushed;  /* bytes in the file */
	size_t used;       /* bytes in buf after them */
	size_t cap;        /* of buf */
	size_t mem_max;    /* buf grows up to this, then goes to the file */
	char *buf;
};

static int
open_tmp(const char *dir, struct errbuf *eb)
{
	char *path = NULL;
	int fd;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	/* EOPNOTSUPP, EISDIR (kernel or file system without it): the
	   named way below; any other error it will report itself. */
#endif
	if (asprintf(&path, "%s/.udmail-spill.XXXXXX", dir) == -1) {
		errbuf_syserr(eb, "%s: scratch file", dir);
		return -1;
	}
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1) {
		errbuf_syserr(eb, "%s: scratch file", dir);
		free(path);
		return -1;
	}
	if (unlink(path) == -1) {
		errbuf_syserr(eb, "%s: scratch file", dir);
		(void)close(fd);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

struct spill *
spill_open(const char *dir, struct errbuf *eb)
{
	struct spill *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->dir = strdup(dir)) == NULL ||
	    (s->buf = malloc(SPILL_BUF_FIRST)) == NULL) {
		errbuf_syserr(eb, "%s: scratch file", dir);
		if (s != NULL)
			free(s->dir);
		free(s);
		return NULL;
	}
	s->cap = SPILL_BUF_FIRST;
	s->mem_max = SPILL_MEM_DEFAULT;
	if ((s->fd = open_tmp(dir, eb)) == -1) {
		free(s->buf);
		free(s->dir);
		free(s);
		return NULL;
	}
	/* mkstemp's mode already; O_TMPFILE's follows the umask. */
	if (fchmod(s->fd, 0600) == -1) {
		errbuf_syserr(eb, "%s: scratch file", dir);
		spill_close(&s);
		return NULL;
	}
	return s;
}

static int
flush_buf(struct spill *s, struct errbuf *eb)
{
	size_t off = 0;
	ssize_t n;

	while (off < s->used) {
		n = pwrite(s->fd, s->buf + off, s->used - off,
		    (off_t)(s->flushed + off));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			errbuf_syserr(eb, "%s: scratch file", s->dir);
			return -1;
		}
		off += (size_t)n;
	}
	s->flushed += s->used;
	sodium_memzero(s->buf, s->used);
	s->used = 0;
	return 0;
}

void
spill_memory_max(struct spill *s, size_t bytes)
{
	s->mem_max = bytes > SPILL_BUF_FIRST ? bytes : SPILL_BUF_FIRST;
}

uint64_t
spill_file_bytes(const struct spill *s)
{
	return s->flushed;
}

/* Double the buffer (up to the cap) for N more bytes; the old copy is
   wiped, never left to realloc.  0, or -1 when it is at the cap (the
   caller flushes) or memory runs out (the caller flushes too). */
static int
grow_buf(struct spill *s, size_t n)
{
	size_t cap = s->cap;
	char *nb;

	while (cap - s->used < n && cap < s->mem_max)
		cap = cap > s->mem_max / 2 ? s->mem_max : cap * 2;
	if (cap - s->used < n || (nb = malloc(cap)) == NULL)
		return -1;
	memcpy(nb, s->buf, s->used);
	sodium_memzero(s->buf, s->used);
	free(s->buf);
	s->buf = nb;
	s->cap = cap;
	return 0;
}

int
spill_put(struct spill *s, const char *str, uint64_t *ref_r,
    struct errbuf *eb)
{
	size_t len = strlen(str);
	uint64_t off;

	if (len > SPILL_STR_MAX) {
		errbuf_set(eb, "%s: scratch file: string longer than %d bytes",
		    s->dir, SPILL_STR_MAX);
		return -1;
	}
	if (len > s->cap - s->used && grow_buf(s, len) == -1 &&
	    flush_buf(s, eb) == -1)
		return -1;
	off = s->flushed + s->used;
	if (off > REF_OFF_MAX) {
		errno = EFBIG;
		errbuf_syserr(eb, "%s: scratch file", s->dir);
		return -1;
	}
	memcpy(s->buf + s->used, str, len);
	s->used += len;
	*ref_r = off << REF_LEN_BITS | len;
	return 0;
}

int
spill_get(const struct spill *s, uint64_t ref, char *buf, size_t bufsz,
    struct errbuf *eb)
{
	uint64_t off = ref >> REF_LEN_BITS;
	size_t len = (size_t)(ref & ((1U << REF_LEN_BITS) - 1)), got = 0;
	ssize_t n;

	if (len >= bufsz || off + len > s->flushed + s->used) {
		errbuf_set(eb, "%s: scratch file: bad handle", s->dir);
		return -1;
	}
	if (off >= s->flushed) {
		memcpy(buf, s->buf + (off - s->flushed), len);
		buf[len] = '\0';
		return 0;
	}
	/* A string never straddles the buffer and the file: spill_put
	   flushes before one that would not fit. */
	while (got < len) {
		n = pread(s->fd, buf + got, len - got, (off_t)(off + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			errbuf_syserr(eb, "%s: scratch file", s->dir);
			sodium_memzero(buf, got);
			return -1;
		}
		got += (size_t)n;
	}
	buf[len] = '\0';
	return 0;
}

void
spill_close(struct spill **sp)
{
	struct spill *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	/* The file has no name: its blocks go with the last descriptor. */
	(void)close(s->fd);
	sodium_memzero(s->buf, s->cap);
	free(s->buf);
	free(s->dir);
	free(s);
	*sp = NULL;
}
