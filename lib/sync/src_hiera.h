/*
 * src_hiera: read udmail's Hiera YAML export (format documented in
 * hiera-templates/README.md).  A syntax error fails the file with
 * "FILE:LINE:COL: what"; a bad entry is dropped with a warning naming
 * file and line, and counted, the rest of the file is kept.
 */
#ifndef UDMAIL_SRC_HIERA_H
#define UDMAIL_SRC_HIERA_H

#include <stddef.h>

#include "arena.h"
#include "errbuf.h"
#include "report.h"

/* Where a definition came from, for conflict messages. */
struct origin {
	const char *file; /* owned by the hiera_data (shared string) */
	unsigned line;    /* 1-based */
};


struct hiera_list {       /* one key -> list of targets */
	char *key;            /* local part or full address, as written */
	char **targets;       /* as written: local parts or addresses */
	size_t ntargets;
	struct origin origin;
};

struct hiera_data {
	char *domain;         /* primary domain, or NULL if not set */
	struct origin domain_origin;
	char **alias_domains;
	struct origin *alias_domain_origins;
	size_t nalias_domains;
	struct hiera_list *aliases;      /* local -> local parts / addresses */
	size_t naliases;
	struct hiera_list *forwards;     /* local -> external addresses */
	size_t nforwards;
	struct hiera_list *sender_logins;/* address/local -> extra logins */
	size_t nsender_logins;
	size_t rejected;      /* drops, one per warning (see below) */
	char **files;         /* file names the origins point into */
	size_t nfiles;
	struct arena strings; /* the lists' keys, targets and arrays of
				 targets (not freed one by one) */
};

/* Limits on one export file; beyond them the file fails as a whole. */
#define HIERA_MAX_BYTES (32 * 1024 * 1024)
/* Values as written: keys and scalar values (a forward "a: b" is two, a
   list "[a, b]" two); lists and mappings themselves are not counted. */
#define HIERA_MAX_VALUES 2000000
#define HIERA_MAX_SCALAR 65536
#define HIERA_MAX_DEPTH 8
/* Targets and alias domains, counted after splitting at commas, so that
   "a,a,a,..." costs no more than the same list written out (one value
   each, bounded by HIERA_MAX_VALUES). */
#define HIERA_MAX_TARGETS 2000000
/* Warnings logged for one file; the other drops are counted, and one
   line says how many went unlogged. */
#define HIERA_MAX_WARNINGS 100
/* Longest key or target kept (RFC 5321 path limit). */
#define HIERA_ADDR_MAX 254

/* Start with a zeroed struct hiera_data.  Parse PATH and merge its
   contents into HD (several files may be loaded into one hiera_data;
   duplicates across files are kept, the model reports them).  Bad entries
   and targets are dropped with a warning ("FILE:LINE: section: 'key': why")
   and each drop adds one to HD->rejected: an entry dropped whole (bad
   key, empty value, no valid target) is one warning and one count, a bad
   target of a kept entry one each.  At most HIERA_MAX_WARNINGS are
   reported per file to REP (NULL: the program's log), once the file
   passed, then one line with the number left out.  Returns 0,
   or -1 with EB "FILE:LINE:COL: what" (or "FILE: why" when unreadable);
   HD is then exactly as before the call. */
int src_hiera_load(struct hiera_data *hd, const char *path, struct report *rep,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Same from a memory buffer; NAME is used in messages (fuzzing, tests). */
int src_hiera_load_mem(struct hiera_data *hd, const char *name,
    const char *data, size_t len, struct report *rep, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Free everything HD holds and zero it (HD itself is the caller's). */
void src_hiera_free(struct hiera_data *hd);

#endif
