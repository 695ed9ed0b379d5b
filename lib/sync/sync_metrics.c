/*
 * sync_metrics: the metrics file a run leaves behind (Prometheus text),
 * with the values a failed run keeps from the previous file.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "atomicfile.h"
#include "buf.h"
#include "digest.h"
#include "guard.h"
#include "ldapset.h"
#include "monotime.h"
#include "report.h"
#include "outputs.h"
#include "safedir.h"
#include "src_hiera.h"
#include "spill.h"
#include "src_ldap.h"
#include "sync.h"
#include "table.h"

/* From the previous metrics file: the last success time, and (for a
   failed run, which saw only part of the sources or none) the counts of
   the last good run: entries published, records rejected, warnings. */
static void
metrics_previous(const char *path, time_t *last_success, struct buf *kept)
{
	static const char ts[] = "udmail_sync_last_success_timestamp_seconds ";
	static const char *const keep[] = { "udmail_output_entries{",
		"udmail_records_rejected{", "udmail_sync_warnings " };
	char line[512];
	struct stat st;
	long long v;
	size_t i;
	FILE *f;
	int fd;

	/* Never through a link: its lines would land in the new file. */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (f = fdopen(fd, "r")) == NULL) {
		(void)close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ts, sizeof(ts) - 1) == 0 &&
		    *last_success == 0 &&
		    sscanf(line + sizeof(ts) - 1, "%lld", &v) == 1)
			*last_success = (time_t)v;
		if (kept == NULL || strchr(line, '\n') == NULL)
			continue;
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (strncmp(line, keep[i], strlen(keep[i])) == 0 &&
			    buf_puts(kept, line) == -1)
				goto out;
	}
out:
	(void)fclose(f);
}

/* A kept line of PREV whose name starts with NAME. */
static int
metrics_put_kept(struct buf *b, const struct buf *prev, const char *name)
{
	const char *line, *nl;

	if (prev->data == NULL)
		return 0;
	for (line = prev->data; (nl = strchr(line, '\n')) != NULL;
	    line = nl + 1)
		if (strncmp(line, name, strlen(name)) == 0 &&
		    buf_append(b, line, (size_t)(nl - line) + 1) == -1)
			return -1;
	return 0;
}

int
sync_write_metrics(const struct conf *c, const struct sync_result *res,
    enum sync_status st, time_t last_success, struct errbuf *eb)
{
	struct buf b = BUF_INIT, prev = BUF_INIT;
	int k, rc = -1;

	if (c->metrics_file == NULL)
		return 0;
	metrics_previous(c->metrics_file, &last_success,
	    st == SYNC_OK ? NULL : &prev);
	if (buf_printf(&b, "# HELP udmail_sync_success 1 if the last sync "
	    "published (or found nothing to change)\n"
	    "# TYPE udmail_sync_success gauge\n"
	    "udmail_sync_success %d\n"
	    "# HELP udmail_sync_last_success_timestamp_seconds Time of the "
	    "last good sync\n"
	    "# TYPE udmail_sync_last_success_timestamp_seconds gauge\n"
	    "udmail_sync_last_success_timestamp_seconds %lld\n"
	    "# HELP udmail_sync_duration_seconds Duration of the last sync\n"
	    "# TYPE udmail_sync_duration_seconds gauge\n"
	    "udmail_sync_duration_seconds %.6f\n"
	    "# TYPE udmail_sync_failure_info gauge\n"
	    "udmail_sync_failure_info{reason=\"%s\"} %d\n"
	    "# HELP udmail_records_rejected Records dropped in the last good "
	    "sync\n"
	    "# TYPE udmail_records_rejected gauge\n",
	    st == SYNC_OK, (long long)last_success, res->total_seconds,
	    sync_status_name(st), st != SYNC_OK) == -1)
		goto nomem;
	if (st != SYNC_OK) {
		if (metrics_put_kept(&b, &prev, "udmail_records_rejected{") ==
		    -1)
			goto nomem;
	} else if (buf_printf(&b,
	    "udmail_records_rejected{reason=\"syntax\"} %zu\n"
	    "udmail_records_rejected{reason=\"conflict\"} %zu\n"
	    "udmail_records_rejected{reason=\"loop\"} %zu\n"
	    "udmail_records_rejected{reason=\"dangling\"} %zu\n",
	    res->stats.rejected, res->stats.conflicts, res->stats.loops,
	    res->stats.dangling) == -1)
		goto nomem;
	if (buf_puts(&b, "# HELP udmail_sync_warnings Warnings of the last "
	    "good sync, logged or (unchanged) held back\n"
	    "# TYPE udmail_sync_warnings gauge\n") == -1)
		goto nomem;
	if (st != SYNC_OK) {
		if (metrics_put_kept(&b, &prev, "udmail_sync_warnings ") == -1)
			goto nomem;
	} else if (buf_printf(&b, "udmail_sync_warnings %zu\n",
	    res->warnings) == -1)
		goto nomem;
	if (buf_puts(&b, "# HELP udmail_output_entries Entries in each "
	    "output\n# TYPE udmail_output_entries gauge\n") == -1)
		goto nomem;
	if (st != SYNC_OK && metrics_put_kept(&b, &prev,
	    "udmail_output_entries{") == -1)
		goto nomem;
	for (k = 0; k < OUTPUT_COUNT && st == SYNC_OK; k++) {
		if (!res->out[k].enabled)
			continue;
		if (buf_printf(&b, "udmail_output_entries{output=\"%s\"} %zu\n",
		    conf_output_name((enum output_kind)k),
		    res->out[k].new_count) == -1)
			goto nomem;
	}
	rc = atomicfile_put(c->metrics_file, 0644, ATOMICFILE_KEEP_GID, b.data,
	    b.len, eb);
	goto out;
nomem:
	errbuf_syserr(eb, "metrics");
out:
	buf_free(&b);
	buf_free(&prev);
	return rc;
}
