/*
 * monotime: the one reading of CLOCK_MONOTONIC, for deadlines and for
 * measuring how long something took (never for timestamps shown to a
 * person: it does not follow the wall clock).
 */
#ifndef UDMAIL_MONOTIME_H
#define UDMAIL_MONOTIME_H

/* Seconds since an unspecified start, with nanosecond resolution. */
double monotime_now(void);

#endif
