/*
 * monotime: CLOCK_MONOTONIC as seconds.  clock_gettime cannot fail for
 * CLOCK_MONOTONIC on the systems we support (POSIX.1-2008 requires it).
 */
#include <time.h>

#include "monotime.h"

double
monotime_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
