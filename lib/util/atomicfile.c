/*
 * atomicfile: replace a file whole or not at all.  The temp file is
 * created beside the target (rename needs the same filesystem), gets its
 * final mode and group before the first byte, is fsynced, renamed over
 * the target, and the directory is fsynced.  Until the rename the target
 * is never touched; every failure unlinks the temp file.  Once the
 * directory is open (lib/safedir), every step goes through its
 * descriptor, never through a path that could be redirected.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "safedir.h"

struct atomicfile {
	char *path;     /* the target */
	char *dir;      /* its directory, as given, for messages */
	char *base;     /* its name in DFD */
	char *tmpname;  /* ".<base>.udmail-tmp.XXXXXX" in DFD */
	char *tmppath;  /* dir + "/" + tmpname, for messages */
	char *openpath; /* for libraries: /proc/self/fd/N or tmppath */
	int dfd;        /* the directory */
	int fd;         /* the temp file */
	dev_t dev;      /* ... and which file that is */
	ino_t ino;
	uid_t euid;
	mode_t mode;
	gid_t gid;
};

#define ATOMICFILE_CMP_CHUNK 65536
#define ATOMICFILE_SUFFIX    6   /* random characters, as mkstemp's */
#define ATOMICFILE_TRIES     100

static const char atomicfile_alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void
atomicfile_free(struct atomicfile *af)
{
	if (af == NULL)
		return;
	if (af->fd != -1)
		(void)close(af->fd);
	if (af->dfd != -1)
		(void)close(af->dfd);
	free(af->path);
	free(af->dir);
	free(af->base);
	free(af->tmpname);
	free(af->tmppath);
	free(af->openpath);
	free(af);
}

/* Split PATH into a malloc'd directory and base name. */
static int
atomicfile_split(const char *path, char **dir_r, char **base_r,
    struct errbuf *eb)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;

	*dir_r = *base_r = NULL;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		errbuf_set(eb, "%s: not a file name", path);
		return -1;
	}
	if (slash == NULL)
		*dir_r = strdup(".");
	else if (slash == path)
		*dir_r = strdup("/");
	else
		*dir_r = strndup(path, (size_t)(slash - path));
	*base_r = strdup(base);
	if (*dir_r == NULL || *base_r == NULL) {
		free(*dir_r);
		free(*base_r);
		*dir_r = *base_r = NULL;
		errbuf_syserr(eb, "%s", path);
		return -1;
	}
	return 0;
}

/* The target: absent, a regular file (*EXISTS_R = 1), or a symbolic link
   (0: renameat replaces the link itself, and its target is nobody's
   business, so a link planted there cannot block publishing).  Anything
   else is refused: renaming over a device would replace the node. */
static int
atomicfile_check_target(const struct atomicfile *af, struct stat *st,
    int *exists_r, struct errbuf *eb)
{
	*exists_r = 0;
	if (fstatat(af->dfd, af->base, st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		errbuf_syserr(eb, "%s", af->path);
		return -1;
	}
	if (S_ISLNK(st->st_mode))
		return 0;
	if (S_ISDIR(st->st_mode)) {
		errbuf_set(eb, "%s: is a directory", af->path);
		eb->errnum = EISDIR;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		errbuf_set(eb, "%s: not a regular file, refusing to replace it",
		    af->path);
		return -1;
	}
	*exists_r = 1;
	return 0;
}

static void
atomicfile_random(char *out, size_t n)
{
	static unsigned long counter;
	unsigned char r[ATOMICFILE_SUFFIX];
	unsigned long x;
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* Only names collide then, and O_EXCL catches that. */
		x = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16) ^
		    __atomic_add_fetch(&counter, 7919, __ATOMIC_RELAXED);
		for (i = 0; i < sizeof(r); i++, x /= 251)
			r[i] = (unsigned char)(x % 251);
	}
	for (i = 0; i < n && i < sizeof(r); i++)
		out[i] = atomicfile_alnum[r[i] % (sizeof(atomicfile_alnum) - 1)];
}

/* Create a fresh ".<BASE>.udmail-tmp.XXXXXX" in DFD: never an existing
   name, never through a symbolic link.  Returns the descriptor with
   *NAME_R malloc'd, or -1 with errno set. */
static int
atomicfile_create(int dfd, const char *base, char **name_r)
{
	char *name;
	size_t len;
	int fd, i;

	*name_r = NULL;
	if (asprintf(&name, ".%s" ATOMICFILE_TMP_TAG "XXXXXX", base) == -1)
		return -1;
	len = strlen(name);
	for (i = 0; i < ATOMICFILE_TRIES; i++) {
		atomicfile_random(name + len - ATOMICFILE_SUFFIX,
		    ATOMICFILE_SUFFIX);
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1) {
			*name_r = name;
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	free(name);
	return -1;
}

/* Libraries reopen the temp file by name: give them the one name that
   cannot lead anywhere else, if this system has it. */
static int
atomicfile_set_openpath(struct atomicfile *af)
{
	struct stat st;

	if (asprintf(&af->openpath, "/proc/self/fd/%d", af->fd) == -1) {
		af->openpath = NULL;
		return -1;
	}
	if (stat(af->openpath, &st) == 0 && st.st_dev == af->dev &&
	    st.st_ino == af->ino)
		return 0;
	free(af->openpath);
	af->openpath = strdup(af->tmppath);
	return af->openpath == NULL ? -1 : 0;
}

/* Remove the temp name, if it still is our file. */
static void
atomicfile_unlink_tmp(const struct atomicfile *af)
{
	struct stat st;

	if (af->tmpname == NULL)
		return;
	if (fstatat(af->dfd, af->tmpname, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == af->dev && st.st_ino == af->ino)
		(void)unlinkat(af->dfd, af->tmpname, 0);
}

static int
atomicfile_create_tmp(struct atomicfile *af, struct errbuf *eb)
{
	struct stat st;

	if ((af->fd = atomicfile_create(af->dfd, af->base, &af->tmpname)) ==
	    -1) {
		/* e.g. "/var/lib/udmail: Permission denied" */
		errbuf_syserr(eb, "%s", af->dir);
		return -1;
	}
	if (fstat(af->fd, &st) == -1) {
		errbuf_syserr(eb, "%s/%s", af->dir, af->tmpname);
		(void)unlinkat(af->dfd, af->tmpname, 0);
		return -1;
	}
	af->dev = st.st_dev;
	af->ino = st.st_ino;
	if (asprintf(&af->tmppath, "%s/%s", strcmp(af->dir, "/") == 0 ? "" :
	    af->dir, af->tmpname) == -1) {
		af->tmppath = NULL;
		errbuf_syserr(eb, "%s", af->path);
		return -1;
	}
	if (atomicfile_set_openpath(af) == -1) {
		errbuf_syserr(eb, "%s", af->path);
		return -1;
	}
	return 0;
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
	af->fd = af->dfd = -1;
	af->mode = mode & 07777;
	af->gid = gid;
	af->euid = geteuid();
	if ((af->path = strdup(path)) == NULL) {
		errbuf_syserr(eb, "%s", path);
		goto fail;
	}
	if (atomicfile_split(path, &af->dir, &af->base, eb) == -1)
		goto fail;
	if ((af->dfd = safedir_open(af->dir, eb)) == -1)
		goto fail;
	if (atomicfile_check_target(af, &st, &exists, eb) == -1)
		goto fail;
	if (atomicfile_create_tmp(af, eb) == -1)
		goto fail_unlink;
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
	atomicfile_unlink_tmp(af);
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
atomicfile_openpath(const struct atomicfile *af)
{
	return af->openpath;
}

const char *
atomicfile_path(const struct atomicfile *af)
{
	return af->path;
}

int
atomicfile_check_fd(const struct atomicfile *af, int fd, struct errbuf *eb)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		errbuf_syserr(eb, "%s", af->tmppath);
		return -1;
	}
	if (st.st_dev != af->dev || st.st_ino != af->ino) {
		errbuf_set(eb, "%s: the library opened another file than the "
		    "temp file created for it; not publishing", af->tmppath);
		eb->errnum = EPERM;
		return -1;
	}
	return 0;
}

int
atomicfile_scratch(const struct atomicfile *af, struct errbuf *eb)
{
	char *name;
	int fd;

	fd = openat(af->dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		errbuf_syserr(eb, "%s: scratch file", af->dir);
		return -1;
	}
	/* No O_TMPFILE on this file system: a name, for an instant. */
	if ((fd = atomicfile_create(af->dfd, af->base, &name)) == -1) {
		errbuf_syserr(eb, "%s: scratch file", af->dir);
		return -1;
	}
	(void)unlinkat(af->dfd, name, 0);
	free(name);
	return fd;
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

	if (fstatat(af->dfd, af->base, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
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
	/* NONBLOCK: should a FIFO appear under the name, do not hang. */
	if ((ofd = openat(af->dfd, af->base, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK)) == -1) {
		if (errno == ENOENT || errno == ELOOP)
			return 0;
		errbuf_syserr(eb, "%s", af->path);
		return -1;
	}
	if (fstat(ofd, &ost) == -1 || fstat(af->fd, &tst) == -1) {
		errbuf_syserr(eb, "%s: stat", af->path);
		goto out;
	}
	if (!S_ISREG(ost.st_mode) || ost.st_size != tst.st_size) {
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
   changed: make the mtime second advance past the old file's, even if
   that puts it slightly in the future. */
static int
atomicfile_bump_mtime(struct atomicfile *af, const struct stat *ost,
    struct errbuf *eb)
{
	struct stat tst;
	struct timespec ts[2];

	if (fstat(af->fd, &tst) == -1) {
		errbuf_syserr(eb, "%s: stat", af->tmppath);
		return -1;
	}
	if (tst.st_mtim.tv_sec > ost->st_mtim.tv_sec)
		return 0;
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = ost->st_mtim.tv_sec + 1;
	ts[1].tv_nsec = 0;
	if (futimens(af->fd, ts) == -1) {
		errbuf_syserr(eb, "%s: set mtime", af->tmppath);
		return -1;
	}
	return 0;
}

/* Just before the rename: the temp name must still be the file we
   created and wrote, a regular file of ours, linked nowhere else. */
static int
atomicfile_verify(const struct atomicfile *af, struct errbuf *eb)
{
	struct stat st;

	if (fstatat(af->dfd, af->tmpname, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		errbuf_syserr(eb, "%s", af->tmppath);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_dev != af->dev ||
	    st.st_ino != af->ino || st.st_uid != af->euid) {
		errbuf_set(eb, "%s: no longer the temp file written; it was "
		    "replaced, not publishing", af->tmppath);
		eb->errnum = EPERM;
		return -1;
	}
	if (st.st_nlink != 1) {
		errbuf_set(eb, "%s: has %lu links, not 1 (a hard link was "
		    "made to it); not publishing", af->tmppath,
		    (unsigned long)st.st_nlink);
		eb->errnum = EPERM;
		return -1;
	}
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
	/* Something may have appeared under the target name meanwhile. */
	if (atomicfile_check_target(af, &st, &exists, eb) == -1)
		goto fail;
	if ((flags & ATOMICFILE_IF_CHANGED) && exists) {
		if ((r = atomicfile_same_bytes(af, eb)) == -1)
			goto fail;
		if (r == 1) {
			atomicfile_unlink_tmp(af);
			atomicfile_free(af);
			return 0;
		}
	}
	if ((flags & ATOMICFILE_NEW_MTIME) && exists &&
	    atomicfile_bump_mtime(af, &st, eb) == -1)
		goto fail;
	if (atomicfile_verify(af, eb) == -1)
		goto fail;
	fd = af->fd;
	af->fd = -1;
	if (close(fd) == -1) {
		errbuf_syserr(eb, "%s: close", af->tmppath);
		goto fail;
	}
	if (renameat(af->dfd, af->tmpname, af->dfd, af->base) == -1) {
		errbuf_syserr(eb, "rename %s to %s", af->tmppath, af->path);
		goto fail;
	}
	if (changed_r != NULL)
		*changed_r = 1;
	/* The new file is in place; a failed directory fsync only means
	   the rename might not survive a crash.  Report it all the same. */
	r = 0;
	if (fsync(af->dfd) == -1 && errno != EINVAL) {
		errbuf_syserr(eb, "%s: fsync", af->dir);
		r = -1;
	}
	atomicfile_free(af);
	return r;
fail:
	atomicfile_unlink_tmp(af);
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
	atomicfile_unlink_tmp(af);
	atomicfile_free(af);
}

int
atomicfile_put(const char *path, mode_t mode, gid_t gid, const void *p,
    size_t n, struct errbuf *eb)
{
	struct atomicfile *af;

	if ((af = atomicfile_open(path, mode, gid, eb)) == NULL)
		return -1;
	if (atomicfile_write(af, p, n, eb) == -1) {
		atomicfile_abort(&af);
		return -1;
	}
	return atomicfile_commit(&af, 0, NULL, eb);
}

/* S is ATOMICFILE_SUFFIX letters and digits.  MKSTEMP: as mkstemp made
   them, which are rarely all lower case (1 in 180); requiring that keeps
   a file such as ".virtual.backup" out of the legacy patterns. */
static int
atomicfile_is_suffix(const char *s, int mkstemp)
{
	int i, lower = 0;

	for (i = 0; i < ATOMICFILE_SUFFIX; i++) {
		if (s[i] == '\0' || strchr(atomicfile_alnum, s[i]) == NULL)
			return 0;
		lower += s[i] >= 'a' && s[i] <= 'z';
	}
	return s[i] == '\0' && (!mkstemp || lower < ATOMICFILE_SUFFIX);
}

/* Is NAME a temp file of a writer of BASE? */
static int
atomicfile_is_leftover(const char *name, const char *base)
{
	static const char spill[] = ".udmail-spill.";
	size_t blen = strlen(base);

	if (strncmp(name, spill, sizeof(spill) - 1) == 0)
		return atomicfile_is_suffix(name + sizeof(spill) - 1, 1);
	if (name[0] != '.' || strncmp(name + 1, base, blen) != 0)
		return 0;
	name += 1 + blen;
	if (strncmp(name, ATOMICFILE_TMP_TAG,
	    sizeof(ATOMICFILE_TMP_TAG) - 1) == 0)
		return atomicfile_is_suffix(name +
		    sizeof(ATOMICFILE_TMP_TAG) - 1, 0);
	return name[0] == '.' && atomicfile_is_suffix(name + 1, 1);
}

long
atomicfile_cleanup(const char *path, time_t min_age, struct errbuf *eb)
{
	struct dirent *de;
	struct stat st;
	char *dir, *base;
	time_t now = time(NULL);
	long n = 0;
	DIR *d = NULL;
	int dfd, fd;

	if (atomicfile_split(path, &dir, &base, eb) == -1)
		return -1;
	if ((dfd = safedir_open(dir, eb)) == -1) {
		n = -1;
		goto out;
	}
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		errbuf_syserr(eb, "%s", dir);
		if (fd != -1)
			(void)close(fd);
		n = -1;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!atomicfile_is_leftover(de->d_name, base) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    (min_age > 0 && st.st_mtime > now - min_age))
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0)
			n++;
		else if (errno != ENOENT) {
			errbuf_syserr(eb, "%s/%s", dir, de->d_name);
			n = -1;
			break;
		}
	}
	if (n > 0)
		(void)fsync(dfd);
out:
	if (d != NULL)
		(void)closedir(d);
	if (dfd != -1)
		(void)close(dfd);
	free(dir);
	free(base);
	return n;
}
