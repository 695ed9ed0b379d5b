/*
 * spill: an append-only scratch file without a name.  Writes go through
 * a buffer: an anonymous mapping of the memory cap (16 MiB unless set),
 * of which only the pages written are memory, kept out of core dumps.
 * Until it is full nothing goes to the file, so a directory of 100,000
 * accounts keeps its hashes in memory and reads none back with a system
 * call.  When it is full it is written out, its pages are given back,
 * and from then on it works in 64 KiB: a million accounts cost the cap
 * only while the first 16 MiB arrive.  What is in the buffer is read
 * from memory, the rest with pread, so readers never move a file offset
 * or touch the buffer.
 * Invariant: the file never has a name another process could open
 * (O_TMPFILE, or unlinked right after mkstemp), and the buffer, which
 * holds secrets, is wiped before it is reused or freed.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "spill.h"

#define SPILL_BUF_SMALL ((size_t)64 * 1024)
#define SPILL_MEM_DEFAULT ((size_t)16 * 1024 * 1024)
#define REF_LEN_BITS 16
#define REF_OFF_MAX (((uint64_t)1 << (64 - REF_LEN_BITS)) - 1)

struct spill {
	int fd;
	char *dir;         /* for messages */
	uint64_t flushed;  /* bytes in the file */
	size_t used;       /* bytes in buf after them */
	size_t cap;        /* usable bytes of buf: mem_max, then
			      SPILL_BUF_SMALL once anything went to the
			      file */
	size_t mem_max;    /* the size of the mapping */
	char *buf;         /* NULL until the first spill_put */
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
	    (s->dir = strdup(dir)) == NULL) {
		errbuf_syserr(eb, "%s: scratch file", dir);
		free(s);
		return NULL;
	}
	s->mem_max = SPILL_MEM_DEFAULT;
	if ((s->fd = open_tmp(dir, eb)) == -1) {
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
	if (s->buf == NULL)
		s->mem_max = bytes > SPILL_BUF_SMALL ? bytes : SPILL_BUF_SMALL;
}

uint64_t
spill_file_bytes(const struct spill *s)
{
	return s->flushed;
}

/* The buffer's mapping, at the first spill_put. */
static int
map_buf(struct spill *s, struct errbuf *eb)
{
	void *p;

	p = mmap(NULL, s->mem_max, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		errbuf_syserr(eb, "%s: scratch buffer", s->dir);
		return -1;
	}
#ifdef MADV_DONTDUMP
	(void)madvise(p, s->mem_max, MADV_DONTDUMP); /* hashes */
#endif
	s->buf = p;
	s->cap = s->mem_max;
	return 0;
}

/* Write the buffer out; the first time, give its pages back and go on
   in SPILL_BUF_SMALL. */
static int
spill_buf(struct spill *s, struct errbuf *eb)
{
	if (flush_buf(s, eb) == -1)
		return -1;
	if (s->cap > SPILL_BUF_SMALL) {
		(void)madvise(s->buf + SPILL_BUF_SMALL,
		    s->mem_max - SPILL_BUF_SMALL, MADV_DONTNEED);
		s->cap = SPILL_BUF_SMALL;
	}
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
	if (s->buf == NULL && map_buf(s, eb) == -1)
		return -1;
	if (len > s->cap - s->used && spill_buf(s, eb) == -1)
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
		if (len > 0) /* no put yet: no buffer either */
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
	if (s->buf != NULL) {
		sodium_memzero(s->buf, s->used); /* flushes wiped the rest */
		(void)munmap(s->buf, s->mem_max);
	}
	free(s->dir);
	free(s);
	*sp = NULL;
}
