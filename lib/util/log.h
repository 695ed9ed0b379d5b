/*
 * log: one logger for every program.  Messages go to stderr or syslog.
 * Shape: object first, then what failed, then why; lower case, no full
 * stop.  Never log a password or a hash, not even at debug level.
 */
#ifndef UDMAIL_LOG_H
#define UDMAIL_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Receives every message that passes the verbosity filter, already
   formatted; set by tests to capture output.  NULL restores default. */
typedef void log_hook_fn(enum log_level level, const char *msg, void *arg);

/* TO_STDERR: 1 for tools and foreground daemons, 0 for syslog. */
void log_init(const char *progname, int to_stderr);
/* 0 = warnings and errors only, 1 = +info, 2 = +debug. */
void log_set_verbose(int level);
int log_get_verbose(void);
void log_set_hook(log_hook_fn *hook, void *arg);
/* Write MSG, already formatted and filtered, to stderr or syslog as a
   message at LEVEL goes without a hook: for a hook that holds some
   messages back and passes the others on. */
void log_put(enum log_level level, const char *msg);
/* Warnings logged so far by this process (hooked or not), so a caller
   can count those of one step. */
unsigned long log_warnings(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn/fatal append ": strerror(errno)"; the x forms do not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Programs only (src/, tools/): log and exit with EX (a sysexits code). */
void fatal(int ex, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void fatalx(int ex, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif
