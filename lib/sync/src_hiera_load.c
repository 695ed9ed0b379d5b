/*
 * src_hiera_load: loading an export: the YAML event stream read by the
 * schema engine (lib/yschema) through src_hiera.c's handlers, the file's
 * lists merged into what earlier files gave, and the held-back warnings
 * reported.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "array.h"
#include "buf.h"
#include "report.h"
#include "src_hiera.h"
#include "yamlutil.h"
#include "yschema.h"

#include "src_hiera_int.h"

static const struct yaml_limits hiera_limits = {
	.max_bytes = HIERA_MAX_BYTES,
	.max_depth = HIERA_MAX_DEPTH,
	.max_values = HIERA_MAX_VALUES,
	.max_scalar = HIERA_MAX_SCALAR,
};

/* Make room in *DST (holding DN elements of SIZE) for N more; nothing
   when *DST is empty: move_items takes the source's array whole (at a
   million entries, a copy would touch every page twice). */
static int
append(void *dst, size_t dn, size_t n, size_t size)
{
	void **dp = dst, *p;

	if (n == 0 || dn == 0)
		return 0;
	if (dn + n < dn || dn + n > SIZE_MAX / size ||
	    (p = realloc(*dp, (dn + n) * size)) == NULL)
		return -1;
	*dp = p;
	return 0;
}

/* Put the SN elements of *SRC after the DN of *DST (room made by
   append), or hand *SRC's array over when *DST holds none. */
static void
move_items(void *dst, size_t dn, void *src, size_t sn, size_t size)
{
	void **dp = dst, **sp = src;

	if (sn == 0)
		return;
	if (dn == 0) {
		free(*dp);
		*dp = *sp;
		*sp = NULL;
		return;
	}
	memcpy((char *)*dp + dn * size, *sp, sn * size);
}

/* Move TMP into HD.  All allocation happens before anything is moved, so
   a failure leaves HD's contents as they were. */
static int
merge(struct hiera_data *hd, struct hiera_data *t)
{
	if (append(&hd->alias_domains, hd->nalias_domains,
	    t->nalias_domains, sizeof(*t->alias_domains)) == -1 ||
	    append(&hd->alias_domain_origins, hd->nalias_domains,
	    t->nalias_domains, sizeof(*t->alias_domain_origins)) == -1 ||
	    append(&hd->aliases, hd->naliases, t->naliases,
	    sizeof(*t->aliases)) == -1 ||
	    append(&hd->forwards, hd->nforwards, t->nforwards,
	    sizeof(*t->forwards)) == -1 ||
	    append(&hd->sender_logins, hd->nsender_logins, t->nsender_logins,
	    sizeof(*t->sender_logins)) == -1 ||
	    append(&hd->files, hd->nfiles, t->nfiles, sizeof(*t->files)) == -1)
		return -1;
	arena_join(&hd->strings, &t->strings);
	move_items(&hd->alias_domains, hd->nalias_domains, &t->alias_domains,
	    t->nalias_domains, sizeof(*t->alias_domains));
	move_items(&hd->alias_domain_origins, hd->nalias_domains,
	    &t->alias_domain_origins, t->nalias_domains,
	    sizeof(*t->alias_domain_origins));
	move_items(&hd->aliases, hd->naliases, &t->aliases, t->naliases,
	    sizeof(*t->aliases));
	move_items(&hd->forwards, hd->nforwards, &t->forwards, t->nforwards,
	    sizeof(*t->forwards));
	move_items(&hd->sender_logins, hd->nsender_logins, &t->sender_logins,
	    t->nsender_logins, sizeof(*t->sender_logins));
	move_items(&hd->files, hd->nfiles, &t->files, t->nfiles,
	    sizeof(*t->files));
	hd->nalias_domains += t->nalias_domains;
	hd->naliases += t->naliases;
	hd->nforwards += t->nforwards;
	hd->nsender_logins += t->nsender_logins;
	hd->nfiles += t->nfiles;
	hd->rejected += t->rejected;
	if (t->domain != NULL) {
		hd->domain = t->domain;
		hd->domain_origin = t->domain_origin;
	}
	/* The elements now belong to HD; free only TMP's arrays. */
	free(t->alias_domains);
	free(t->alias_domain_origins);
	free(t->aliases);
	free(t->forwards);
	free(t->sender_logins);
	free(t->files);
	memset(t, 0, sizeof(*t));
	return 0;
}

/* Log the held-back warnings of a file that passed; REJECTED drops were
   counted, the first HIERA_MAX_WARNINGS of them held back. */
static void
flush_warnings(const char *name, struct buf *w, size_t rejected,
    struct report *rep)
{
	char *line, *nl;

	if (w->data != NULL)
		for (line = w->data; (nl = strchr(line, '\n')) != NULL;
		    line = nl + 1) {
			*nl = '\0';
			report_warnx(rep, "%s", line);
		}
	if (rejected > HIERA_MAX_WARNINGS)
		report_warnx(rep,
		    "%s: %zu more dropped without a warning each (%zu "
		    "dropped in all)",
		    name, rejected - HIERA_MAX_WARNINGS, rejected);
}

int
src_hiera_load_mem(struct hiera_data *hd, const char *name, const char *data,
    size_t len, struct report *rep, struct errbuf *eb)
{
	struct hctx h;
	size_t rejected;
	int r = -1;

	memset(&h, 0, sizeof(h));
	h.eb = eb;
	h.prev = hd;
	h.name = name;
	if ((h.tmp.files = malloc(sizeof(*h.tmp.files))) == NULL ||
	    (h.tmp.files[0] = strdup(name)) == NULL) {
		free(h.tmp.files);
		h.tmp.files = NULL;
		nomem(&h);
		return -1;
	}
	h.tmp.nfiles = 1;
	h.name = h.tmp.files[0];
	if (yschema_parse(name, data, len, &hiera_limits, hiera_root, &h,
	    eb) == -1)
		goto out;
	rejected = h.tmp.rejected;
	if (merge(hd, &h.tmp) == -1) {
		nomem(&h);
		goto out;
	}
	flush_warnings(h.name, &h.warn, rejected, rep);
	r = 0;
out:
	free(h.targets);
	src_hiera_free(&h.tmp);
	buf_free(&h.warn);
	return r;
}

int
src_hiera_load(struct hiera_data *hd, const char *path, struct report *rep,
    struct errbuf *eb)
{
	char *data;
	size_t len;
	int r;

	if (yaml_read_file(path, HIERA_MAX_BYTES, &data, &len, eb) == -1)
		return -1;
	r = src_hiera_load_mem(hd, path, data, len, rep, eb);
	free(data);
	return r;
}
