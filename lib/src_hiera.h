/*
 * src_hiera: read udmail's Hiera YAML export (format documented in
 * hiera-templates/README.md).  A syntax error fails the file with
 * "FILE:LINE:COL: what"; a bad entry is dropped with a warning naming
 * file and line, and counted, the rest of the file is kept.
 */
#ifndef UDMAIL_SRC_HIERA_H
#define UDMAIL_SRC_HIERA_H

#include <stddef.h>

#include "errbuf.h"

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
	size_t rejected;      /* entries dropped with a warning */
	char **files;         /* file names the origins point into */
	size_t nfiles;
};

/* Parse PATH and merge its contents into HD (several files may be loaded
   into one hiera_data; duplicates across files are kept, the model reports
   them).  Returns 0, or -1 with EB set (the file is then not merged). */
int src_hiera_load(struct hiera_data *hd, const char *path, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Same from a memory buffer; NAME is used in messages (fuzzing, tests). */
int src_hiera_load_mem(struct hiera_data *hd, const char *name,
    const char *data, size_t len, struct errbuf *eb)
    __attribute__((warn_unused_result));
void src_hiera_free(struct hiera_data *hd);

#endif
