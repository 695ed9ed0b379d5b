/*
 * report: lib/'s messages go to the sink its caller chose.  The level
 * filter comes first, so a message nobody wants costs no formatting.
 */
#include <stdarg.h>
#include <stdio.h>

#include "report.h"

void
report_log(void *arg, enum log_level level, const char *msg)
{
	(void)arg;
	switch (level) {
	case LOG_LEVEL_WARN:
		log_warnx("%s", msg);
		break;
	case LOG_LEVEL_INFO:
		log_info("%s", msg);
		break;
	case LOG_LEVEL_DEBUG:
		log_debug("%s", msg);
		break;
	case LOG_LEVEL_ERR:
		/* lib/ has no error level of its own: a warning. */
		log_warnx("%s", msg);
		break;
	}
}

void
report_init_log(struct report *r)
{
	r->fn = report_log;
	r->arg = NULL;
	r->verbose = log_get_verbose();
	r->warnings = 0;
}

int
report_wants(const struct report *r, enum log_level level)
{
	int v = r != NULL ? r->verbose : log_get_verbose();

	return !((level == LOG_LEVEL_INFO && v < 1) ||
	    (level == LOG_LEVEL_DEBUG && v < 2));
}

void
report_put(struct report *r, enum log_level level, const char *msg)
{
	if (!report_wants(r, level))
		return;
	if (r == NULL) {
		report_log(NULL, level, msg);
		return;
	}
	if (level == LOG_LEVEL_WARN)
		(void)__atomic_add_fetch(&r->warnings, 1, __ATOMIC_RELAXED);
	if (r->fn != NULL)
		r->fn(r->arg, level, msg);
}

unsigned long
report_nwarnings(const struct report *r)
{
	if (r == NULL)
		return log_warnings();
	return __atomic_load_n(&r->warnings, __ATOMIC_RELAXED);
}

static void
report_emit(struct report *r, enum log_level level, const char *fmt, va_list ap)
{
	char msg[REPORT_MSG_MAX];

	if (!report_wants(r, level))
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	report_put(r, level, msg);
}

void
report_warnx(struct report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_emit(r, LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void
report_info(struct report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_emit(r, LOG_LEVEL_INFO, fmt, ap);
	va_end(ap);
}

void
report_debug(struct report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_emit(r, LOG_LEVEL_DEBUG, fmt, ap);
	va_end(ap);
}
