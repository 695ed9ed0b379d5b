/*
 * warnset: the warnings of one sync run as a set of standing problems,
 * compared with the set reported before, so that a program says a problem
 * once when it appears and once when it goes away instead of on every run
 * (mailsyncd --once from cron every five minutes).  A warning is known by
 * its text without the numbers of "FILE:LINE" or "FILE:LINE:COL": editing
 * another part of a file must not make old problems look new.  The saved
 * set holds the text as it was logged (so never a password or a hash),
 * is bounded, and a damaged file only means "report everything again".
 */
#ifndef UDMAIL_WARNSET_H
#define UDMAIL_WARNSET_H

#include <stddef.h>

#include "errbuf.h"

/* Warnings kept by their text, and the bytes of text kept; past either
   limit a warning is only counted and fingerprinted. */
#define WARNSET_MAX_ENTRIES 10000
#define WARNSET_MAX_TEXT    ((size_t)2 << 20)
/* A longer warning is kept cut to this many bytes (the log cuts its
   lines shorter anyway). */
#define WARNSET_MSG_MAX 4096
/* A saved set larger than this is refused as damaged: every kept byte
   escaped (4 bytes each), plus the line framing. */
#define WARNSET_FILE_MAX \
	(4 * WARNSET_MAX_TEXT + 4 * (size_t)WARNSET_MAX_ENTRIES + 4096)

struct warnset;

/* An empty set; NULL (errno ENOMEM) on failure. */
struct warnset *warnset_new(void) __attribute__((warn_unused_result));
/* Accepts NULL; clears the caller's pointer. */
void warnset_free(struct warnset **wsp);

/* Add MSG, one warning as it was logged (the same text twice is two
   warnings).  -1 (errno ENOMEM) leaves WS unchanged. */
int warnset_add(struct warnset *ws, const char *msg)
    __attribute__((warn_unused_result));
/* Warnings added, including those past the limits. */
size_t warnset_count(const struct warnset *ws);

/* Replace WS with the set saved at PATH.  Returns 1 loaded, 0 no such
   file (WS empty), -1 unreadable, not a regular file, too large or
   damaged (WS empty, EB says why). */
int warnset_load(struct warnset *ws, const char *path, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Write WS to PATH whole or not at all, mode 0600 (it names users and
   addresses).  -1 with EB set. */
int warnset_save(const struct warnset *ws, const char *path,
    struct errbuf *eb) __attribute__((warn_unused_result));

enum warnset_change {
	WARNSET_NEW,     /* in this run, not reported before */
	WARNSET_RESOLVED /* reported before, gone in this run */
};

/* MSG is the text as logged: this run's for NEW, the last one for
   RESOLVED. */
typedef void warnset_report_fn(void *arg, enum warnset_change what,
    const char *msg);

struct warnset_diff {
	size_t added;    /* warnings of CUR not in PREV */
	size_t resolved; /* warnings of PREV not in CUR */
	size_t unlisted; /* CUR's warnings past the limits, not compared
			    one by one (changed sets only) */
	int changed;     /* the sets differ */
	int moved;       /* same set, but a text changed (a line number) */
};

/* Compare CUR, this run's warnings, with PREV, those reported before.
   FN gets each warning of CUR that PREV lacks, in the order they were
   added, then, when COMPLETE (the run read every source, so a missing
   warning is really gone), each of PREV that CUR lacks.  Past the limits
   the sets are compared by count and fingerprint, and nothing is
   reported when those agree.  Out of memory, every warning of CUR is
   reported as new and none as resolved. */
void warnset_diff(const struct warnset *prev, const struct warnset *cur,
    int complete, warnset_report_fn *fn, void *arg,
    struct warnset_diff *d);
/* After a run that did not read every source: add to PREV the warnings of
   CUR it lacks, so PREV stays "everything reported so far".  -1 (errno
   ENOMEM) leaves PREV with part of them. */
int warnset_merge(struct warnset *prev, const struct warnset *cur)
    __attribute__((warn_unused_result));

#endif
