/*
 * report: how lib/ hands its messages (bad records, progress) to the
 * program that called it, which decides what to log.  A caller fills a
 * struct report with its function; lib/ formats a message only when the
 * caller's level wants it and counts the warnings it reports.
 */
#ifndef UDMAIL_REPORT_H
#define UDMAIL_REPORT_H

#include "log.h"

/* Receives each message, formatted (at most REPORT_MSG_MAX - 1 bytes,
   the log's own cut), at LEVEL; may be called by several threads at
   once. */
typedef void report_fn(void *arg, enum log_level level, const char *msg);

#define REPORT_MSG_MAX 2048

struct report {
	report_fn *fn; /* NULL: the messages are dropped */
	void *arg;
	int verbose; /* as log_set_verbose: 0 warnings, 1 +info, 2 +debug;
			   messages past it are neither formatted nor sent */
	unsigned long warnings; /* warnings reported (read with
				   report_warnings) */
};

/* The program's log (lib/util/log) as the sink, at its verbosity: what
   tools pass, and what a NULL report stands for. */
void report_init_log(struct report *r);
/* The sink of report_init_log, for a caller's function that passes
   some messages on. */
void report_log(void *arg, enum log_level level, const char *msg);

/* Whether R wants messages at LEVEL (so a caller can skip work). */
int report_wants(const struct report *r, enum log_level level);
/* Pass MSG, already formatted, at LEVEL. */
void report_put(struct report *r, enum log_level level, const char *msg);
/* Warnings reported through R so far; a NULL R counts those of the log. */
unsigned long report_nwarnings(const struct report *r);

/* R NULL: the program's log, as report_init_log. */
void report_warnx(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void report_info(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void report_debug(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
