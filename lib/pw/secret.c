/*
 * secret: read and hold a plaintext password.  Invariant: the password
 * is only ever in s->data (sodium_malloc'd); reads go straight into it,
 * never through stdio buffers, and it is wiped on free.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "secret.h"

struct secret *
secret_new(size_t max, struct errbuf *eb)
{
	struct secret *s;

	if (sodium_init() < 0) {
		errbuf_set(eb, "libsodium initialisation failed");
		return NULL;
	}
	if ((s = sodium_malloc(sizeof(*s))) == NULL) {
		errbuf_syserr(eb, "secret");
		return NULL;
	}
	/* sodium_malloc mlocks the pages where RLIMIT_MEMLOCK allows and
	   puts a guard page after them. */
	if ((s->data = sodium_malloc(max + 1)) == NULL) {
		errbuf_syserr(eb, "secret");
		sodium_free(s);
		return NULL;
	}
	s->max = max;
	secret_clear(s);
	return s;
}

/* Empty input: the caller tells it from a bad one by errnum (ENODATA). */
static void
secret_no_input(struct errbuf *eb)
{
	errbuf_set(eb, "no password given");
	eb->errnum = ENODATA;
}

void
secret_clear(struct secret *s)
{
	sodium_memzero(s->data, s->max + 1);
	s->len = 0;
}

void
secret_free(struct secret **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	sodium_free((*sp)->data); /* zeroes before freeing */
	sodium_free(*sp);
	*sp = NULL;
}

int
secret_read_fd(struct secret *s, int fd, struct errbuf *eb)
{
	int extra_nl = 0;
	ssize_t n;
	char c = 0;

	secret_clear(s);
	for (;;) {
		if (s->len < s->max)
			n = read(fd, s->data + s->len, s->max - s->len);
		else
			n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			secret_clear(s);
			errbuf_syserr(eb, "read password");
			return -1;
		}
		if (n == 0)
			break;
		if (s->len < s->max) {
			s->len += (size_t)n;
			continue;
		}
		/* Past the limit only the final newline may follow. */
		if (c != '\n' || extra_nl) {
			secret_clear(s);
			c = 0;
			errbuf_set(eb, "password longer than %zu bytes", s->max);
			return -1;
		}
		extra_nl = 1;
	}
	if (!extra_nl && s->len > 0 && s->data[s->len - 1] == '\n')
		s->data[--s->len] = '\0';
	if (memchr(s->data, '\n', s->len) != NULL) {
		secret_clear(s);
		errbuf_set(eb, "more than one line of input");
		return -1;
	}
	if (s->len == 0) {
		secret_no_input(eb);
		return -1;
	}
	return 0;
}

int
secret_read_line(struct secret *s, int fd, struct errbuf *eb)
{
	ssize_t n;
	char c = 0;

	secret_clear(s);
	for (;;) {
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			secret_clear(s);
			errbuf_syserr(eb, "read password");
			return -1;
		}
		if (n == 0 || c == '\n')
			break;
		if (s->len == s->max) {
			secret_clear(s);
			c = 0;
			errbuf_set(eb, "password longer than %zu bytes", s->max);
			return -1;
		}
		s->data[s->len++] = c;
	}
	c = 0;
	if (s->len == 0) {
		secret_no_input(eb);
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t secret_signo;

static void
secret_onsig(int sig)
{
	secret_signo = sig;
}

static const int secret_sigs[] = { SIGINT, SIGHUP, SIGQUIT, SIGTERM,
	SIGTSTP, SIGTTIN, SIGTTOU };
#define NSIGS (sizeof(secret_sigs) / sizeof(secret_sigs[0]))

int
secret_read_tty(struct secret *s, const char *prompt, struct errbuf *eb)
{
	struct sigaction sa, saved[NSIGS];
	struct termios old, quiet;
	int fd, rc = -1, restore = 0, toolong = 0;
	size_t i;
	ssize_t n;
	char c;

	secret_clear(s);
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		errbuf_syserr(eb, "/dev/tty");
		eb->errnum = ENXIO;
		return -1;
	}
	secret_signo = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = secret_onsig; /* no SA_RESTART: read returns EINTR */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSIGS; i++)
		(void)sigaction(secret_sigs[i], &sa, &saved[i]);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
		if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0)
			restore = 1;
	}
	if (!restore) {
		errbuf_syserr(eb, "/dev/tty: cannot turn echo off");
		goto fail;
	}
	if (write(fd, prompt, strlen(prompt)) == -1) {
		errbuf_syserr(eb, "/dev/tty");
		goto fail;
	}
	for (;;) {
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR && secret_signo == 0)
			continue;
		if (n == -1) {
			errbuf_syserr(eb, "/dev/tty");
			goto fail;
		}
		if (n == 0 || c == '\n')
			break;
		if (s->len < s->max)
			s->data[s->len++] = c;
		else
			toolong = 1;
	}
	c = 0;
	if (toolong) {
		errbuf_set(eb, "password longer than %zu bytes", s->max);
		goto fail;
	}
	if (s->len == 0) {
		secret_no_input(eb);
		goto fail;
	}
	rc = 0;
fail:
	if (restore) {
		(void)tcsetattr(fd, TCSAFLUSH, &old);
		/* The newline after the hidden input is cosmetic; glibc's
		 * warn_unused_result on write() (-D_FORTIFY_SOURCE) does not
		 * accept a (void) cast. */
		if (write(fd, "\n", 1) != 1) {
			/* nothing to undo */
		}
	}
	(void)close(fd);
	for (i = 0; i < NSIGS; i++)
		(void)sigaction(secret_sigs[i], &saved[i], NULL);
	if (rc == -1)
		secret_clear(s);
	if (secret_signo != 0)
		(void)raise(secret_signo);
	return rc;
}

int
secret_equal(const struct secret *a, const struct secret *b)
{
	return a->len == b->len && sodium_memcmp(a->data, b->data, a->len) == 0;
}
