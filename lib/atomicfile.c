/*
 * atomicfile: replace a file whole or not at all.  The temp file is
 * created beside the target (rename needs the same filesystem), gets its
 * final mode and group before the first byte, is fsynced, renamed over
 * the target, and the directory is fsynced.  Until the rename the target
 * is never touched; every failure unlinks the temp file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"

struct atomicfile {
	char *path;    /* the target */
	char *dir;     /* its directory, for the final fsync */
	char *tmppath; /* "<dir>/.<base>.XXXXXX" */
	int fd;
	mode_t mode;
	gid_t gid;
};

#define ATOMICFILE_CMP_CHUNK 65536

static void
atomicfile_free(struct atomicfile *af)
{
	if (af == NULL)
		return;
	if (af->fd != -1)
		(void)close(af->fd);
	free(af->path);
	free(af->dir);
	free(af->tmppath);
	free(af);
}

/* The target must be a regular file or absent: renaming over a symlink
   would silently replace the link instead of the file it points to. */
static int
atomicfile_check_target(const char *path, struct stat *st, int *exists_r,
    struct errbuf *eb)
{
	*exists_r = 0;
	if (lstat(path, st) == -1) {
		if (errno == ENOENT)
			return 0;
		errbuf_syserr(eb, "%s", path);
		return -1;
	}
	if (S_ISLNK(st->st_mode)) {
		errbuf_set(eb, "%s: is a symbolic link, refusing to replace it",
		    path);
		return -1;
	}
	if (S_ISDIR(st->st_mode)) {
		errbuf_set(eb, "%s: is a directory", path);
		eb->errnum = EISDIR;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		errbuf_set(eb, "%s: not a regular file, refusing to replace it",
		    path);
		return -1;
	}
	*exists_r = 1;
	return 0;
}

static int
atomicfile_split(struct atomicfile *af, const char *path, struct errbuf *eb)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	size_t dlen, len;

	if (*base == '\0') {
		errbuf_set(eb, "%s: not a file name", path);
		return -1;
	}
	if (slash == NULL)
		af->dir = strdup(".");
	else if (slash == path)
		af->dir = strdup("/");
	else
		af->dir = strndup(path, (size_t)(slash - path));
	if (af->dir == NULL)
		goto nomem;
	dlen = strlen(af->dir);
	/* dir + "/." + base + ".XXXXXX" + NUL */
	len = dlen + 2 + strlen(base) + 8;
	if ((af->tmppath = malloc(len)) == NULL)
		goto nomem;
	(void)snprintf(af->tmppath, len, "%s/.%s.XXXXXX", af->dir, base);
	return 0;
nomem:
	errbuf_syserr(eb, "%s", path);
	return -1;
}

struct atomicfile *
atomicfile_open(const char *path, mode_t mode, gid_t gid, struct errbuf *eb)
{
	struct atomicfile *af;
	struct stat st;
	int exists;

	if ((af = calloc(1, sizeof(*af))) == NULL) {
		errbuf_syserr(eb, "%s", path);
		return NULL;
	}
	af->fd = -1;
	af->mode = mode & 07777;
	af->gid = gid;
	if ((af->path = strdup(path)) == NULL) {
		errbuf_syserr(eb, "%s", path);
		goto fail;
	}
	if (atomicfile_split(af, path, eb) == -1)
		goto fail;
	if (atomicfile_check_target(path, &st, &exists, eb) == -1)
		goto fail;
	if ((af->fd = mkostemp(af->tmppath, O_CLOEXEC)) == -1) {
		/* e.g. "/var/lib/udmail: Permission denied" */
		errbuf_syserr(eb, "%s", af->dir);
		goto fail;
	}
	/* Mode and group before any content: a passwd-file must never be
	   readable by others, not even for an instant. */
	if (gid != ATOMICFILE_KEEP_GID && fchown(af->fd, (uid_t)-1, gid) == -1) {
		errbuf_syserr(eb, "%s: set group %lu", af->tmppath,
		    (unsigned long)gid);
		goto fail_unlink;
	}
	if (fchmod(af->fd, af->mode) == -1) {
		errbuf_syserr(eb, "%s: set mode %04o", af->tmppath,
		    (unsigned)af->mode);
		goto fail_unlink;
	}
	return af;
fail_unlink:
	(void)unlink(af->tmppath);
fail:
	atomicfile_free(af);
	return NULL;
}

int
atomicfile_fd(const struct atomicfile *af)
{
	return af->fd;
}

const char *
atomicfile_tmppath(const struct atomicfile *af)
{
	return af->tmppath;
}

const char *
atomicfile_path(const struct atomicfile *af)
{
	return af->path;
}

int
atomicfile_write(struct atomicfile *af, const void *p, size_t n,
    struct errbuf *eb)
{
	const char *s = p;
	ssize_t r;

	while (n > 0) {
		r = write(af->fd, s, n);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			errbuf_syserr(eb, "%s: write", af->tmppath);
			return -1;
		}
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

int
atomicfile_target_same_perm(const struct atomicfile *af)
{
	struct stat st;

	if (lstat(af->path, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	if ((st.st_mode & 07777) != af->mode)
		return 0;
	if (af->gid != ATOMICFILE_KEEP_GID && st.st_gid != af->gid)
		return 0;
	return 1;
}

static int
atomicfile_read_full(int fd, char *p, size_t n, off_t off)
{
	ssize_t r;

	while (n > 0) {
		r = pread(fd, p, n, off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

/* 1 when the target holds exactly the temp file's bytes (and would keep
   its mode and group), 0 when not, -1 on a read error. */
static int
atomicfile_same_bytes(struct atomicfile *af, struct errbuf *eb)
{
	struct stat tst, ost;
	char *a = NULL, *b = NULL;
	off_t off;
	size_t n;
	int ofd, ret = -1;

	if (!atomicfile_target_same_perm(af))
		return 0;
	if ((ofd = open(af->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return 0;
		errbuf_syserr(eb, "%s", af->path);
		return -1;
	}
	if (fstat(ofd, &ost) == -1 || fstat(af->fd, &tst) == -1) {
		errbuf_syserr(eb, "%s: stat", af->path);
		goto out;
	}
	if (ost.st_size != tst.st_size) {
		ret = 0;
		goto out;
	}
	if ((a = malloc(ATOMICFILE_CMP_CHUNK)) == NULL ||
	    (b = malloc(ATOMICFILE_CMP_CHUNK)) == NULL) {
		errbuf_syserr(eb, "%s", af->path);
		goto out;
	}
	for (off = 0; off < tst.st_size; off += (off_t)n) {
		n = (size_t)(tst.st_size - off);
		if (n > ATOMICFILE_CMP_CHUNK)
			n = ATOMICFILE_CMP_CHUNK;
		if (atomicfile_read_full(ofd, a, n, off) == -1 ||
		    atomicfile_read_full(af->fd, b, n, off) == -1) {
			errbuf_syserr(eb, "%s: compare", af->path);
			goto out;
		}
		if (memcmp(a, b, n) != 0) {
			ret = 0;
			goto out;
		}
	}
	ret = 1;
out:
	/* The passwd-file is compared this way: the chunks hold hashes. */
	if (a != NULL)
		explicit_bzero(a, ATOMICFILE_CMP_CHUNK);
	if (b != NULL)
		explicit_bzero(b, ATOMICFILE_CMP_CHUNK);
	free(a);
	free(b);
	(void)close(ofd);
	return ret;
}

/* Dovecot reloads a passwd-file only when the mtime second or the size
   changed (research/formats.md §4.1): make the mtime second advance past
   the old file's, even if that puts it slightly in the future. */
static int
atomicfile_bump_mtime(struct atomicfile *af, struct errbuf *eb)
{
	struct stat ost, tst;
	struct timespec ts[2];

	if (stat(af->path, &ost) == -1) {
		if (errno == ENOENT)
			return 0;
		errbuf_syserr(eb, "%s", af->path);
		return -1;
	}
	if (fstat(af->fd, &tst) == -1) {
		errbuf_syserr(eb, "%s: stat", af->tmppath);
		return -1;
	}
	if (tst.st_mtim.tv_sec > ost.st_mtim.tv_sec)
		return 0;
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = ost.st_mtim.tv_sec + 1;
	ts[1].tv_nsec = 0;
	if (futimens(af->fd, ts) == -1) {
		errbuf_syserr(eb, "%s: set mtime", af->tmppath);
		return -1;
	}
	return 0;
}

static int
atomicfile_sync_dir(const char *dir, struct errbuf *eb)
{
	int dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		errbuf_syserr(eb, "%s", dir);
		return -1;
	}
	if (fsync(dfd) == -1 && errno != EINVAL) {
		errbuf_syserr(eb, "%s: fsync", dir);
		(void)close(dfd);
		return -1;
	}
	(void)close(dfd);
	return 0;
}

int
atomicfile_commit(struct atomicfile **afp, int flags, int *changed_r,
    struct errbuf *eb)
{
	struct atomicfile *af = *afp;
	struct stat st;
	int exists, r, fd;

	*afp = NULL;
	if (changed_r != NULL)
		*changed_r = 0;
	if (fsync(af->fd) == -1) {
		errbuf_syserr(eb, "%s: fsync", af->tmppath);
		goto fail;
	}
	/* The target may have been swapped for a symlink meanwhile. */
	if (atomicfile_check_target(af->path, &st, &exists, eb) == -1)
		goto fail;
	if ((flags & ATOMICFILE_IF_CHANGED) && exists) {
		if ((r = atomicfile_same_bytes(af, eb)) == -1)
			goto fail;
		if (r == 1) {
			(void)unlink(af->tmppath);
			atomicfile_free(af);
			return 0;
		}
	}
	if ((flags & ATOMICFILE_NEW_MTIME) && exists &&
	    atomicfile_bump_mtime(af, eb) == -1)
		goto fail;
	fd = af->fd;
	af->fd = -1;
	if (close(fd) == -1) {
		errbuf_syserr(eb, "%s: close", af->tmppath);
		goto fail;
	}
	if (rename(af->tmppath, af->path) == -1) {
		errbuf_syserr(eb, "rename %s to %s", af->tmppath, af->path);
		goto fail;
	}
	if (changed_r != NULL)
		*changed_r = 1;
	/* The new file is in place; a failed directory fsync only means
	   the rename might not survive a crash.  Report it all the same. */
	r = atomicfile_sync_dir(af->dir, eb);
	atomicfile_free(af);
	return r;
fail:
	(void)unlink(af->tmppath);
	atomicfile_free(af);
	return -1;
}

void
atomicfile_abort(struct atomicfile **afp)
{
	struct atomicfile *af;

	if (afp == NULL || (af = *afp) == NULL)
		return;
	*afp = NULL;
	(void)unlink(af->tmppath);
	atomicfile_free(af);
}
