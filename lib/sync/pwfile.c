/*
 * pwfile: Dovecot passwd-file writer and reader.  Dovecot splits each
 * line on every ':' and re-reads the file only when its mtime second or
 * size changes, so fields are refused, not
 * escaped, and every publish moves the mtime second forward.  Hashes are
 * wiped from every buffer we free and never appear in an error message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "pwfile.h"
#include "pwhash.h"
#include "strset.h"

#define PWFILE_WBUF 16384
#define PWFILE_SCAN_BUF 65536

struct pwfile_writer {
	struct atomicfile *af;
	struct strset *users; /* NULL: the caller keeps users unique */
	size_t used;
	int known_changed; /* caller compared: skip the byte comparison */
	char buf[PWFILE_WBUF];
};

struct pwfile_entry {
	size_t user, pw; /* offsets into data */
};

struct pwfile_reader {
	struct buf data; /* the file, lines cut into user\0password\0 */
	struct pwfile_entry *ent;
	size_t n, cap;
	struct strset *index;
};


int
pwfile_user_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '-' || c == '_' || c == '@';
}

static const char *
pwfile_check_user(const char *user)
{
	size_t i, len = strlen(user);
	char c;

	if (len == 0)
		return "empty user name";
	if (len > PWFILE_USER_MAX)
		return "user name too long";
	if (user[0] == '#')
		return "user name starts with '#'";
	for (i = 0; i < len; i++) {
		c = user[i];
		if (c >= 'A' && c <= 'Z')
			return "upper case in user name (Dovecot looks up "
			       "lower case)";
		if (!pwfile_user_char(c))
			return "character not in auth_username_chars in user "
			       "name";
	}
	return NULL;
}

/* Reasons never quote the password. */
static const char *
pwfile_check_password(const char *pw)
{
	size_t i, len = strlen(pw);
	const char *body;
	unsigned char c;

	switch (pwhash_prefix(pw, NULL, NULL, &body)) {
	case 0:
		return "password has no {SCHEME} prefix";
	case -1:
		return "password has a malformed {SCHEME} prefix";
	default:
		break;
	}
	if (*body == '\0')
		return "password is empty after {SCHEME}";
	if (len > PWFILE_PASSWORD_MAX)
		return "password too long";
	for (i = 0; i < len; i++) {
		c = (unsigned char)pw[i];
		if (c == ':')
			return "':' in password";
		if (c == '\r' || c == '\n')
			return "CR or LF in password";
		if (c < 0x20 || c == 0x7f)
			return "control character in password";
	}
	return NULL;
}

int
pwfile_check(const char *user, const char *password, struct errbuf *eb)
{
	char q[300];
	const char *why;

	if ((why = pwfile_check_user(user)) == NULL &&
	    (why = pwfile_check_password(password)) == NULL)
		return 0;
	(void)buf_vis(q, sizeof(q), user);
	errbuf_set(eb, "user \"%s\": %s", q, why);
	eb->errnum = EINVAL;
	return -1;
}

struct pwfile_writer *
pwfile_open(const char *file, mode_t mode, gid_t gid, struct errbuf *eb)
{
	struct pwfile_writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->users = strset_new()) == NULL) {
		free(w);
		errbuf_syserr(eb, "%s", file);
		return NULL;
	}
	if ((w->af = atomicfile_open(file, mode, gid, eb)) == NULL) {
		strset_free(&w->users, 0);
		free(w);
		return NULL;
	}
	return w;
}

static int
pwfile_flush(struct pwfile_writer *w, struct errbuf *eb)
{
	int r;

	if (w->used == 0)
		return 0;
	r = atomicfile_write(w->af, w->buf, w->used, eb);
	explicit_bzero(w->buf, w->used);
	w->used = 0;
	return r;
}

int
pwfile_put(struct pwfile_writer *w, const char *user, const char *password,
    struct errbuf *eb)
{
	size_t ulen = strlen(user), plen = strlen(password);
	int r;

	if (pwfile_check(user, password, eb) == -1) {
		errbuf_prefix(eb, "%s", atomicfile_path(w->af));
		return -1;
	}
	if (w->users == NULL)
		r = 1;
	else if ((r = strset_add(w->users, user, ulen, 0, NULL)) == -1) {
		errbuf_syserr(eb, "%s", atomicfile_path(w->af));
		return -1;
	}
	if (r == 0)
		return 1;
	/* Lines are bounded (user + password + 2 < PWFILE_WBUF). */
	if (ulen + plen + 2 > PWFILE_WBUF - w->used &&
	    pwfile_flush(w, eb) == -1)
		return -1;
	memcpy(w->buf + w->used, user, ulen);
	w->used += ulen;
	w->buf[w->used++] = ':';
	memcpy(w->buf + w->used, password, plen);
	w->used += plen;
	w->buf[w->used++] = '\n';
	return 0;
}

static void
pwfile_writer_free(struct pwfile_writer *w)
{
	explicit_bzero(w->buf, sizeof(w->buf));
	atomicfile_abort(&w->af);
	strset_free(&w->users, 0);
	free(w);
}

void
pwfile_abort(struct pwfile_writer **wp)
{
	if (wp == NULL || *wp == NULL)
		return;
	pwfile_writer_free(*wp);
	*wp = NULL;
}

void
pwfile_unique_users(struct pwfile_writer *w)
{
	strset_free(&w->users, 0);
}

void
pwfile_assume_changed(struct pwfile_writer *w)
{
	w->known_changed = 1;
}

int
pwfile_commit(struct pwfile_writer **wp, int *changed_r, struct errbuf *eb)
{
	struct pwfile_writer *w = *wp;
	int r = -1;

	*wp = NULL;
	if (changed_r != NULL)
		*changed_r = 0;
	if (pwfile_flush(w, eb) == 0)
		r = atomicfile_commit(&w->af, ATOMICFILE_NEW_MTIME |
		    (w->known_changed ? 0 : ATOMICFILE_IF_CHANGED), changed_r,
		    eb);
	pwfile_writer_free(w);
	return r;
}

/* Read FILE into B in one allocation sized by fstat, so no realloc
   leaves unwiped copies of hashes behind.  The file is replaced by
   rename, never rewritten, so its size holds while it is open. */
static int
pwfile_read(const char *file, struct buf *b, struct errbuf *eb)
{
	struct stat st;
	size_t size;
	ssize_t n;
	int fd, ret = -1;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		errbuf_syserr(eb, "%s", file);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		errbuf_syserr(eb, "%s", file);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)BUF_MAX_DEFAULT) {
		errbuf_set(eb, "%s: not a regular file or too large", file);
		goto out;
	}
	size = (size_t)st.st_size;
	if ((b->data = malloc(size + 1)) == NULL) {
		errbuf_syserr(eb, "%s", file);
		goto out;
	}
	b->cap = size + 1;
	while (b->len < size) {
		n = read(fd, b->data + b->len, size - b->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errbuf_syserr(eb, "%s: read", file);
			goto out;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	b->data[b->len] = '\0';
	ret = 0;
out:
	(void)close(fd);
	return ret;
}

/* One line P of LEN bytes (its LF gone), cut in place the way Dovecot
   reads it: a NUL ends the line, a trailing CR is dropped, empty lines
   and lines starting with '#' or ':' are skipped; the first ':' ends the
   user, the next one the password.  Returns 1 with *USER_R and *PW_R
   set, 0 for a line without an entry. */
static int
pwfile_split(char *p, size_t len, char **user_r, char **pw_r)
{
	char *c;

	len = strnlen(p, len);
	if (len > 0 && p[len - 1] == '\r')
		len--;
	p[len] = '\0';
	if (len == 0 || p[0] == '#' || p[0] == ':')
		return 0;
	if ((c = strchr(p, ':')) != NULL) {
		*c++ = '\0';
		c[strcspn(c, ":")] = '\0';
	} else
		c = p + len; /* no password field: "" */
	*user_r = p;
	*pw_r = c;
	return 1;
}

/* Cut B into entries in place: each line's first ':' and its end (the
   next ':' ends the password field) become NULs. */
static int
pwfile_parse(struct pwfile_reader *r)
{
	char *p = r->data.data, *end = p + r->data.len, *nl, *user, *pw;
	int added;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (!pwfile_split(p, (size_t)(nl - p), &user, &pw))
			continue;
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 64;
			struct pwfile_entry *ne;

			if ((ne = reallocarray(r->ent, cap, sizeof(*ne))) == NULL)
				return -1;
			r->ent = ne;
			r->cap = cap;
		}
		added = strset_add(r->index, user, strlen(user), r->n, NULL);
		if (added == -1)
			return -1;
		if (added == 0)
			continue;
		r->ent[r->n].user = (size_t)(user - r->data.data);
		r->ent[r->n].pw = (size_t)(pw - r->data.data);
		r->n++;
	}
	return 0;
}

int
pwfile_scan(const char *file, pwfile_visit_fn *fn, void *arg,
    struct stat *st_r, struct errbuf *eb)
{
	char buf[PWFILE_SCAN_BUF], *p, *nl, *user, *pw;
	size_t have = 0;
	ssize_t n;
	int fd, eof = 0, ret = 0;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		errbuf_syserr(eb, "%s", file);
		return -1;
	}
	if (fstat(fd, st_r) == -1) {
		errbuf_syserr(eb, "%s", file);
		(void)close(fd);
		return -1;
	}
	while (!eof || have > 0) {
		if (!eof) {
			n = read(fd, buf + have, sizeof(buf) - 1 - have);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				errbuf_syserr(eb, "%s: read", file);
				ret = -1;
				break;
			}
			eof = n == 0;
			have += (size_t)n;
		}
		buf[have] = '\0';
		for (p = buf; p < buf + have; p = nl + 1) {
			nl = memchr(p, '\n', have - (size_t)(p - buf));
			if (nl == NULL && !eof)
				break; /* the rest comes with the next read */
			if (nl == NULL)
				nl = buf + have; /* last line, no LF */
			*nl = '\0';
			if (pwfile_split(p, (size_t)(nl - p), &user, &pw) &&
			    (ret = fn(user, pw, arg)) != 0)
				goto out;
		}
		if (p > buf + have)
			p = buf + have;
		if (p == buf && have == sizeof(buf) - 1) {
			errbuf_set(eb, "%s: a line longer than %zu bytes",
			    file, sizeof(buf) - 2);
			ret = -1;
			break;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
	}
out:
	explicit_bzero(buf, sizeof(buf));
	(void)close(fd);
	return ret;
}

struct pwfile_reader *
pwfile_reader_open(const char *file, struct errbuf *eb)
{
	struct pwfile_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->index = strset_new()) == NULL) {
		free(r);
		errbuf_syserr(eb, "%s", file);
		return NULL;
	}
	if (pwfile_read(file, &r->data, eb) == -1)
		goto fail;
	if (r->data.data != NULL && pwfile_parse(r) == -1) {
		errbuf_syserr(eb, "%s: parse", file);
		goto fail;
	}
	return r;
fail:
	pwfile_reader_close(&r);
	return NULL;
}

int
pwfile_lookup(struct pwfile_reader *r, const char *user, char **password_r,
    struct errbuf *eb)
{
	size_t i;

	*password_r = NULL;
	if (!strset_find(r->index, user, strlen(user), &i))
		return 0;
	if ((*password_r = strdup(r->data.data + r->ent[i].pw)) == NULL) {
		errbuf_syserr(eb, "lookup");
		return -1;
	}
	return 1;
}

int
pwfile_iterate(struct pwfile_reader *r, pwfile_visit_fn *fn, void *arg)
{
	size_t i;
	int ret;

	for (i = 0; i < r->n; i++)
		if ((ret = fn(r->data.data + r->ent[i].user,
		    r->data.data + r->ent[i].pw, arg)) != 0)
			return ret;
	return 0;
}

long long
pwfile_count(const struct pwfile_reader *r)
{
	return (long long)r->n;
}

void
pwfile_reader_close(struct pwfile_reader **rp)
{
	struct pwfile_reader *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	*rp = NULL;
	buf_wipe_free(&r->data);
	free(r->ent);
	strset_free(&r->index, 0);
	free(r);
}

/* pwfile_splice: the published file read in windows, never whole. */
#define SPLICE_WIN 4096 /* holds a whole line and the next one's start */

struct splice {
	int fd;
	off_t size;
	const char *file;
	char win[SPLICE_WIN];
};

/* The line starting at OFF: its user (up to ':', into USER), *NEXT_R
   the next line's start.  0, or -1 with EB set (a line that is not
   "user:..." or too long: not a file we wrote). */
static int
splice_line(struct splice *sp, off_t off, char *user, size_t usz,
    off_t *next_r, struct errbuf *eb)
{
	ssize_t n;
	char *nl, *colon;

	do
		n = pread(sp->fd, sp->win, sizeof(sp->win), off);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		errbuf_syserr(eb, "%s", sp->file);
		return -1;
	}
	if ((nl = memchr(sp->win, '\n', (size_t)n)) == NULL ||
	    (colon = memchr(sp->win, ':', (size_t)(nl - sp->win))) == NULL ||
	    (size_t)(colon - sp->win) >= usz) {
		errbuf_set(eb, "%s: line at byte %lld is not user:password",
		    sp->file, (long long)off);
		return -1;
	}
	memcpy(user, sp->win, (size_t)(colon - sp->win));
	user[colon - sp->win] = '\0';
	*next_r = off + (nl - sp->win) + 1;
	return 0;
}

/* The first line start at or after OFF (OFF itself if it is one), or
   SP->size. */
static int
splice_start(struct splice *sp, off_t off, off_t *start_r, struct errbuf *eb)
{
	ssize_t n;
	char c, *nl;

	if (off == 0) {
		*start_r = 0;
		return 0;
	}
	for (;;) {
		do
			n = pread(sp->fd, sp->win, sizeof(sp->win), off - 1);
		while (n == -1 && errno == EINTR);
		if (n == -1) {
			errbuf_syserr(eb, "%s", sp->file);
			return -1;
		}
		if (n == 0) {
			*start_r = sp->size;
			return 0;
		}
		c = sp->win[0];
		if (c == '\n') {
			*start_r = off;
			return 0;
		}
		if ((nl = memchr(sp->win, '\n', (size_t)n)) != NULL) {
			*start_r = off - 1 + (nl - sp->win) + 1;
			return 0;
		}
		off += n;
	}
}

/* The start of the first line in [LO, HI) whose user is not below
   USER (LO and HI line starts; lines before LO are below it). */
static int
splice_find(struct splice *sp, const char *user, off_t lo, off_t hi,
    off_t *at_r, struct errbuf *eb)
{
	char u[PWFILE_USER_MAX + 2];
	off_t mid, ls, next;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (splice_start(sp, mid, &ls, eb) == -1)
			return -1;
		if (ls >= hi)
			ls = lo;
		if (splice_line(sp, ls, u, sizeof(u), &next, eb) == -1)
			return -1;
		if (strcmp(u, user) < 0)
			lo = next;
		else
			hi = ls;
	}
	*at_r = lo;
	return 0;
}

/* Bytes [OFF, END) of SP's file to the temp file. */
static int
splice_copy(struct splice *sp, struct atomicfile *af, off_t off, off_t end,
    struct errbuf *eb)
{
	int out = atomicfile_fd(af);
	ssize_t n;

	while (off < end) {
		n = copy_file_range(sp->fd, &off, out, NULL,
		    (size_t)(end - off), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == ENOSYS || errno == EXDEV ||
		    errno == EINVAL || errno == EOPNOTSUPP)) {
			/* No kernel copy here: through a buffer. */
			n = pread(sp->fd, sp->win, end - off < SPLICE_WIN ?
			    (size_t)(end - off) : SPLICE_WIN, off);
			if (n > 0 && atomicfile_write(af, sp->win, (size_t)n,
			    eb) == -1)
				return -1;
			if (n > 0)
				off += n;
		}
		if (n == -1) {
			errbuf_syserr(eb, "%s: copy", sp->file);
			return -1;
		}
		if (n == 0) {
			errbuf_set(eb, "%s: shorter than it was", sp->file);
			return -1;
		}
	}
	explicit_bzero(sp->win, sizeof(sp->win));
	return 0;
}

/* Does the line at OFF (up to NEXT) read USER:PASSWORD? */
static int
splice_same(struct splice *sp, off_t off, off_t next, const char *user,
    const char *password)
{
	size_t ul = strlen(user), pl = strlen(password);
	ssize_t n;
	int same;

	if ((size_t)(next - off) != ul + pl + 2 || ul + pl + 2 > SPLICE_WIN)
		return 0;
	do
		n = pread(sp->fd, sp->win, ul + pl + 2, off);
	while (n == -1 && errno == EINTR);
	same = n == (ssize_t)(ul + pl + 2) &&
	    memcmp(sp->win + ul + 1, password, pl) == 0;
	explicit_bzero(sp->win, sizeof(sp->win));
	return same;
}

int
pwfile_splice(const char *file, mode_t mode, gid_t gid,
    const struct pwfile_edit *e, size_t n, long long *delta_r,
    int *changed_r, struct errbuf *eb)
{
	struct atomicfile *af = NULL;
	struct splice *sp;
	char u[PWFILE_USER_MAX + 2];
	struct stat st;
	off_t pos = 0, at, next;
	size_t i, changes = 0;
	long long delta = 0;
	int found, ret = -1;

	*delta_r = 0;
	*changed_r = 0;
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		errbuf_syserr(eb, "%s", file);
		return -1;
	}
	sp->file = file;
	sp->fd = -1;
	if ((sp->fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(sp->fd, &st) == -1) {
		errbuf_syserr(eb, "%s", file);
		goto out;
	}
	sp->size = st.st_size;
	if ((af = atomicfile_open(file, mode, gid, eb)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(e[i - 1].user, e[i].user) >= 0) {
			errbuf_set(eb, "%s: edits out of order", file);
			goto out;
		}
		if (e[i].password != NULL &&
		    pwfile_check(e[i].user, e[i].password, eb) == -1)
			goto out;
		if (splice_find(sp, e[i].user, pos, sp->size, &at, eb) == -1)
			goto out;
		found = 0;
		next = at;
		if (at < sp->size) {
			if (splice_line(sp, at, u, sizeof(u), &next, eb) == -1)
				goto out;
			found = strcmp(u, e[i].user) == 0;
		}
		if (found && e[i].password != NULL &&
		    splice_same(sp, at, next, e[i].user, e[i].password))
			continue; /* copied with what follows */
		if (!found && e[i].password == NULL)
			continue;
		if (splice_copy(sp, af, pos, at, eb) == -1)
			goto out;
		pos = found ? next : at;
		changes++;
		delta += (e[i].password != NULL) - found;
		if (e[i].password != NULL &&
		    (atomicfile_write(af, e[i].user, strlen(e[i].user),
		    eb) == -1 || atomicfile_write(af, ":", 1, eb) == -1 ||
		    atomicfile_write(af, e[i].password, strlen(e[i].password),
		    eb) == -1 || atomicfile_write(af, "\n", 1, eb) == -1))
			goto out;
	}
	if (changes == 0) {
		ret = 0;
		goto out;
	}
	if (splice_copy(sp, af, pos, sp->size, eb) == -1)
		goto out;
	/* Dovecot sees a change by mtime second or size only. */
	if (atomicfile_commit(&af, ATOMICFILE_NEW_MTIME, changed_r, eb) == -1)
		goto out;
	*delta_r = delta;
	ret = 0;
out:
	atomicfile_abort(&af);
	if (sp->fd != -1)
		(void)close(sp->fd);
	explicit_bzero(sp, sizeof(*sp));
	free(sp);
	return ret;
}
