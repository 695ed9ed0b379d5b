/*
 * guard: which removals a build may make.  The arithmetic is on counts
 * (a table that gains as many entries as it loses does not shrink); the
 * explained part is found per key: the keys the model says only inactive
 * accounts account for, checked against the output (still there: not a
 * removal) and against the published table (not there: nothing removed).
 * Invariant: an explained removal never counts against the guard, an
 * unexplained one always does.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "guard.h"
#include "strset.h"
#include "table.h"

int
guard_trips(long long old_count, size_t new_count, size_t explained,
    double share, long long *unexplained_r)
{
	long long lost;

	lost = old_count > 0 && (long long)new_count < old_count ?
	    old_count - (long long)new_count : 0;
	lost = lost > (long long)explained ? lost - (long long)explained : 0;
	if (unexplained_r != NULL)
		*unexplained_r = lost;
	return lost > 0 && (double)lost > share * (double)old_count + 1e-9;
}

struct explain_ctx {
	struct strset *cand;  /* keys inactive accounts account for */
	struct strset *kept;  /* ... that the output still has */
	size_t hits;
	int nomem;
};

static int
add_cand(void *arg, const char *key, const char *value)
{
	struct explain_ctx *x = arg;

	(void)value;
	if (strset_add(x->cand, key, strlen(key), 0, NULL) == -1) {
		x->nomem = 1;
		return 1;
	}
	return 0;
}

static int
mark_kept(void *arg, const char *key, const char *value)
{
	struct explain_ctx *x = arg;
	size_t len = strlen(key);

	(void)value;
	if (strset_find(x->cand, key, len, NULL) &&
	    strset_add(x->kept, key, len, 0, NULL) == -1) {
		x->nomem = 1;
		return 1;
	}
	return 0;
}

static int
count_hit(const char *key, const char *value, void *arg)
{
	struct explain_ctx *x = arg;
	size_t len = strlen(key);

	(void)value;
	if (strset_find(x->cand, key, len, NULL) &&
	    !strset_find(x->kept, key, len, NULL))
		x->hits++;
	return 0;
}

int
guard_explained(const struct model *m, const struct conf_output *o,
    enum output_kind kind, size_t *explained_r, struct errbuf *eb)
{
	struct explain_ctx x;
	struct table *t = NULL;
	int rc = -1, r;

	*explained_r = 0;
	memset(&x, 0, sizeof(x));
	if ((x.cand = strset_new()) == NULL || (x.kept = strset_new()) == NULL)
		goto nomem;
	if ((r = model_emit_explained(m, kind, add_cand, &x, eb)) != 0) {
		if (r > 0)
			goto nomem;
		goto out;
	}
	if (strset_count(x.cand) == 0) {
		rc = 0;
		goto out;
	}
	/* The hashes of the passwd output pass through mark_kept unused. */
	if ((r = model_emit(m, kind, mark_kept, &x, eb)) != 0) {
		if (r > 0)
			goto nomem;
		goto out;
	}
	if ((t = table_open(o, kind, eb)) == NULL) {
		if (eb->errnum == ENOENT)
			rc = 0; /* nothing published, nothing removed */
		goto out;
	}
	if (table_iterate(t, count_hit, &x, eb) == -1)
		goto out;
	*explained_r = x.hits;
	rc = 0;
	goto out;
nomem:
	errno = ENOMEM;
	errbuf_syserr(eb, "%s: shrink guard", conf_output_name(kind));
out:
	table_close(&t);
	strset_free(&x.cand, 0);
	strset_free(&x.kept, 0);
	return rc;
}
