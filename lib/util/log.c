/*
 * log: stderr or syslog, with a hook for tests.  The level filter is
 * applied before formatting so debug calls cost nothing when quiet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_progname = "udmail";
static int log_to_stderr = 1;
static int log_verbose;
static log_hook_fn *log_hook;
static void *log_hook_arg;
static unsigned long log_nwarnings;

void
log_init(const char *progname, int to_stderr)
{
	const char *slash;

	if (progname != NULL) {
		slash = strrchr(progname, '/');
		log_progname = slash != NULL ? slash + 1 : progname;
	}
	log_to_stderr = to_stderr;
	if (!to_stderr)
		openlog(log_progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_verbose(int level)
{
	log_verbose = level;
}

int
log_get_verbose(void)
{
	return log_verbose;
}

void
log_set_hook(log_hook_fn *hook, void *arg)
{
	log_hook = hook;
	log_hook_arg = arg;
}

unsigned long
log_warnings(void)
{
	return __atomic_load_n(&log_nwarnings, __ATOMIC_RELAXED);
}

void
log_put(enum log_level level, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (log_to_stderr)
		(void)fprintf(stderr, "%s: %s\n", log_progname, msg);
	else
		syslog(prio[level], "%s", msg);
}

static void
log_emit(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	char msg[2048];
	int saved = errno;
	size_t len;

	if ((level == LOG_LEVEL_INFO && log_verbose < 1) ||
	    (level == LOG_LEVEL_DEBUG && log_verbose < 2))
		return;
	if (level == LOG_LEVEL_WARN)
		(void)__atomic_add_fetch(&log_nwarnings, 1, __ATOMIC_RELAXED);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		len = strlen(msg);
		(void)snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(saved));
	}
	if (log_hook != NULL)
		log_hook(level, msg, log_hook_arg);
	else
		log_put(level, msg);
	errno = saved;
}

#define LOG_BODY(level, with_errno)                   \
	do {                                          \
		va_list ap;                           \
		va_start(ap, fmt);                    \
		log_emit(level, with_errno, fmt, ap); \
		va_end(ap);                           \
	} while (0)

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, 0);
}

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, 1);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, 0);
}

void
fatal(int ex, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, 1);
	exit(ex);
}

void
fatalx(int ex, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, 0);
	exit(ex);
}
