/*
 * safedir: reach a directory through directories no other user can
 * change.  A name looked up in a directory another user can write may be
 * swapped for a symbolic link between our check and our use; so every
 * lookup happens relative to a descriptor whose directory we checked
 * first (fstat on the descriptor, not the name), and the caller gets a
 * descriptor of the result, never a path to resolve again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safedir.h"

#define SAFEDIR_MAXLINKS 40 /* as the kernel's MAXSYMLINKS */

struct walk {
	int fd;           /* the directory reached so far (O_PATH) */
	struct stat st;   /* its status, from the descriptor */
	uid_t euid;
	char shown[PATH_MAX]; /* where that is, for messages */
};

int
safedir_trusted(const struct stat *st, uid_t euid)
{
	if (st->st_uid != 0 && st->st_uid != euid)
		return 0;
	return (st->st_mode & (S_IWGRP | S_IWOTH)) == 0 ||
	    (st->st_mode & S_ISVTX) != 0;
}

static void
user_name(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		(void)snprintf(out, len, "%s (uid %lu)", pw.pw_name,
		    (unsigned long)uid);
	else
		(void)snprintf(out, len, "uid %lu", (unsigned long)uid);
}

static void
group_name(gid_t gid, char *out, size_t len)
{
	struct group gr, *res = NULL;
	char buf[1024];

	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res != NULL)
		(void)snprintf(out, len, "%s", gr.gr_name);
	else
		(void)snprintf(out, len, "%lu", (unsigned long)gid);
}

static const char *
walk_where(const struct walk *w)
{
	return w->shown[0] != '\0' ? w->shown : "/";
}

/* The reason, and the fix, for a directory that fails safedir_trusted. */
static void
walk_refuse(const struct walk *w, struct errbuf *eb)
{
	char who[128], me[128];
	mode_t m = w->st.st_mode;

	if (w->st.st_uid != 0 && w->st.st_uid != w->euid) {
		user_name(w->st.st_uid, who, sizeof(who));
		user_name(w->euid, me, sizeof(me));
		errbuf_set(eb, "%s: directory owned by %s, who could redirect "
		    "the files written there as %s; run as that user, or "
		    "make root own the directory (see udmail(7))",
		    walk_where(w), who, me);
	} else if (m & S_IWOTH) {
		errbuf_set(eb, "%s: directory writable by everyone (mode "
		    "%04o) and not sticky, so any user could redirect the "
		    "files written there; chmod o-w or chmod +t it",
		    walk_where(w), (unsigned)(m & 07777));
	} else {
		group_name(w->st.st_gid, who, sizeof(who));
		errbuf_set(eb, "%s: directory writable by group %s (mode "
		    "%04o) and not sticky, so its members could redirect the "
		    "files written there; chmod g-w or chmod +t it",
		    walk_where(w), who, (unsigned)(m & 07777));
	}
	eb->errnum = EPERM;
}

/* Make FD (just opened, O_PATH) the current directory if it is one we
   trust; takes FD in all cases. */
static int
walk_enter(struct walk *w, int fd, struct errbuf *eb)
{
	if (fstat(fd, &w->st) == -1) {
		errbuf_syserr(eb, "%s", walk_where(w));
		(void)close(fd);
		return -1;
	}
	if (w->fd != -1)
		(void)close(w->fd);
	w->fd = fd;
	if (!safedir_trusted(&w->st, w->euid)) {
		walk_refuse(w, eb);
		return -1;
	}
	return 0;
}

static int
walk_root(struct walk *w, struct errbuf *eb)
{
	int fd;

	w->shown[0] = '\0';
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		errbuf_syserr(eb, "/");
		return -1;
	}
	return walk_enter(w, fd, eb);
}

/* Step into NAME of the current directory ("..": its parent). */
static int
walk_step(struct walk *w, const char *name, struct errbuf *eb)
{
	size_t len = strlen(w->shown);
	char *slash;
	int fd;

	if (strcmp(name, "..") == 0) {
		if ((slash = strrchr(w->shown, '/')) != NULL)
			*slash = '\0';
	} else if (snprintf(w->shown + len, sizeof(w->shown) - len, "/%s",
	    name) >= (int)(sizeof(w->shown) - len)) {
		errno = ENAMETOOLONG;
		errbuf_syserr(eb, "%s", walk_where(w));
		return -1;
	}
	fd = openat(w->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		errbuf_syserr(eb, "%s", walk_where(w));
		return -1;
	}
	return walk_enter(w, fd, eb);
}

/* Looking up NAME in the current directory failed with errno. */
static void
walk_fail(struct walk *w, const char *name, struct errbuf *eb)
{
	size_t len = strlen(w->shown);
	int saved = errno;

	(void)snprintf(w->shown + len, sizeof(w->shown) - len, "/%s", name);
	errno = saved;
	errbuf_syserr(eb, "%s", w->shown);
}

/* NAME in the current directory is a symbolic link: put its target in
   front of what is left of the path (*REST, from NEXT on). */
static int
walk_link(struct walk *w, const char *name, const struct stat *lst,
    char **rest, const char *next, struct errbuf *eb)
{
	char target[PATH_MAX], *np;
	size_t len = strlen(w->shown);
	ssize_t n;

	(void)snprintf(w->shown + len, sizeof(w->shown) - len, "/%s", name);
	/* A sticky directory lets others create names, links included
	   (what fs.protected_symlinks guards against). */
	if (lst->st_uid != 0 && lst->st_uid != w->euid &&
	    (w->st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		errbuf_set(eb, "%s: symbolic link owned by uid %lu in a "
		    "directory other users can write; not followed",
		    w->shown, (unsigned long)lst->st_uid);
		eb->errnum = EPERM;
		return -1;
	}
	n = readlinkat(w->fd, name, target, sizeof(target));
	if (n == -1 || (size_t)n >= sizeof(target)) {
		if (n != -1)
			errno = ENAMETOOLONG;
		errbuf_syserr(eb, "%s", w->shown);
		return -1;
	}
	target[n] = '\0';
	w->shown[len] = '\0';
	if (asprintf(&np, "%s/%s", target, next) == -1) {
		errbuf_syserr(eb, "%s", w->shown);
		return -1;
	}
	free(*rest);
	*rest = np;
	return target[0] == '/' ? walk_root(w, eb) : 0;
}

static char *
walk_absolute(const char *path, struct errbuf *eb)
{
	char cwd[PATH_MAX], *p = NULL;

	if (path[0] == '/')
		p = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL) {
		errbuf_syserr(eb, "%s: working directory", path);
		return NULL;
	} else if (asprintf(&p, "%s/%s", cwd, path) == -1)
		p = NULL;
	if (p == NULL)
		errbuf_syserr(eb, "%s", path);
	return p;
}

int
safedir_open(const char *path, struct errbuf *eb)
{
	struct walk w;
	struct stat lst, fst;
	char *rest, *name, *next;
	int links = 0, fd = -1;

	w.fd = -1;
	w.euid = geteuid();
	if ((rest = walk_absolute(path, eb)) == NULL)
		return -1;
	if (walk_root(&w, eb) == -1)
		goto out;
	for (name = rest;;) {
		while (*name == '/')
			name++;
		if (*name == '\0')
			break;
		if ((next = strchr(name, '/')) != NULL)
			*next++ = '\0';
		else
			next = name + strlen(name);
		if (strcmp(name, ".") == 0) {
			name = next;
			continue;
		}
		if (strcmp(name, "..") != 0) {
			if (fstatat(w.fd, name, &lst, AT_SYMLINK_NOFOLLOW) ==
			    -1) {
				walk_fail(&w, name, eb);
				goto out;
			}
			if (S_ISLNK(lst.st_mode)) {
				if (++links > SAFEDIR_MAXLINKS) {
					errno = ELOOP;
					errbuf_syserr(eb, "%s", path);
					goto out;
				}
				if (walk_link(&w, name, &lst, &rest, next,
				    eb) == -1)
					goto out;
				name = rest;
				continue;
			}
		}
		if (walk_step(&w, name, eb) == -1)
			goto out;
		name = next;
	}
	/* O_PATH descriptors cannot be fsynced or read: reopen for real. */
	if ((fd = openat(w.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		errbuf_syserr(eb, "%s", walk_where(&w));
		goto out;
	}
	if (fstat(fd, &fst) == -1 || fst.st_dev != w.st.st_dev ||
	    fst.st_ino != w.st.st_ino) {
		errbuf_set(eb, "%s: directory changed while opened",
		    walk_where(&w));
		(void)close(fd);
		fd = -1;
	}
out:
	if (w.fd != -1)
		(void)close(w.fd);
	free(rest);
	return fd;
}
