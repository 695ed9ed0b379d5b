/*
 * mailsyncd_state: what mailsyncd keeps in its state directory across
 * runs and restarts: the stamp of the configuration, the LDAP sync cookie,
 * and the snapshot of the held entries (and, beside the passwd-file, their
 * hashes), so that the watch asks only for what changed.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include <sodium.h>

#include "ldapset.h"
#include "ldapwatch.h"
#include "log.h"
#include "map.h"
#include "monotime.h"
#include "priv.h"
#include "report.h"
#include "sync.h"
#include "warnset.h"
#include "xmalloc.h"

#include "mailsyncd_int.h"

#define COOKIE_FILE   "mailsyncd.cookie"
#define COOKIE_FILE_MAX (64 * 1024)
#define ENTRIES_FILE  "mailsyncd.entries"
#define HASHES_FILE   ".mailsyncd-hashes" /* beside the passwd-file */
#define ENTRIES_MAGIC "udmail entries 2\n"

/* One line per file the published tables depend on besides LDAP (the
   configuration, the Hiera exports) and per published file: its stat,
   or "-" when missing.  Any edit, replacement or removal changes it. */
static void
stamp_file(FILE *f, const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		(void)fprintf(f, "file %s -\n", path);
	else
		(void)fprintf(f, "file %s %llu %llu %lld %lld.%09ld %o %u %u\n",
		    path, (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino, (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		    (unsigned)st.st_mode, (unsigned)st.st_uid,
		    (unsigned)st.st_gid);
}

/* The configuration file's stamp (malloc'd, or NULL): the held
   entries were read with its LDAP settings. */
static char *
conf_stamp(const struct daemon *d)
{
	size_t len;
	char *p = NULL;
	FILE *f;

	if ((f = open_memstream(&p, &len)) == NULL)
		return NULL;
	(void)fprintf(f, "mailsyncd %s\n", PACKAGE_VERSION);
	stamp_file(f, d->conf_path);
	if (fclose(f) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* What the tables were built from apart from LDAP, malloc'd, or NULL.
   The UTC day is part of it: an account expires at midnight. */
static char *
fingerprint(const struct daemon *d)
{
	const struct conf *c = d->conf;
	char path[PATH_MAX];
	size_t len, i;
	char *p = NULL;
	FILE *f;
	int k;

	if ((f = open_memstream(&p, &len)) == NULL)
		return NULL;
	(void)fprintf(f, "mailsyncd %s\nday %lld\n", PACKAGE_VERSION,
	    (long long)(time(NULL) / 86400));
	stamp_file(f, d->conf_path);
	for (i = 0; i < c->hiera_count; i++)
		stamp_file(f, c->hiera_files[i]);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		if (!c->out[k].enabled)
			continue;
		if (k == OUTPUT_PASSWD)
			(void)snprintf(path, sizeof(path), "%s", c->out[k].path);
		else
			(void)snprintf(path, sizeof(path), "%s%s",
			    c->out[k].path,
			    map_format_suffix(c->out[k].format));
		stamp_file(f, path);
	}
	if (fclose(f) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* After a good sync: the cookie it was read at, with the fingerprint of
   everything else, in state_dir, so that a restart with nothing changed
   needs no full sync.  Without a cookie, the stale file goes. */
void
save_cookie(const struct daemon *d)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	char *fp;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", d->conf->state_dir,
	    COOKIE_FILE) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return;
	if (d->cookie == NULL || (fp = fingerprint(d)) == NULL) {
		(void)unlink(path);
		return;
	}
	if ((f = fopen(tmp, "we")) == NULL) {
		log_warn("%s", tmp);
		free(fp);
		(void)unlink(path);
		return;
	}
	(void)fprintf(f, "%scookie %s\n", fp, d->cookie);
	free(fp);
	if (fflush(f) != 0 || fsync(fileno(f)) == -1 || fclose(f) != 0) {
		log_warn("%s", tmp);
		(void)unlink(tmp);
		(void)unlink(path);
		return;
	}
	if (rename(tmp, path) == -1) {
		log_warn("%s", path);
		(void)unlink(tmp);
		(void)unlink(path);
	}
}

/* At startup: the saved cookie, if everything but LDAP is as it was
   when it was saved.  1 with d->cookie set, else 0. */
int
load_cookie(struct daemon *d)
{
	char path[PATH_MAX], buf[COOKIE_FILE_MAX];
	char *fp, *line;
	size_t n, flen;
	FILE *f;
	int ok = 0;

	if (snprintf(path, sizeof(path), "%s/%s", d->conf->state_dir,
	    COOKIE_FILE) >= (int)sizeof(path) ||
	    (f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	if ((fp = fingerprint(d)) == NULL)
		return 0;
	flen = strlen(fp);
	line = buf + flen;
	if (n < sizeof(buf) - 1 && n > flen && memcmp(buf, fp, flen) == 0 &&
	    strncmp(line, "cookie ", 7) == 0 && buf[n - 1] == '\n') {
		line += 7;
		buf[n - 1] = '\0';
		if (strchr(line, '\n') == NULL && *line != '\0') {
			d->cookie = xstrdup(line);
			ok = 1;
		}
	}
	free(fp);
	return ok;
}

/* Build from the held accounts: they are whole, and the day their
   states were computed for is today. */
int
use_set(const struct daemon *d)
{
	return d->set != NULL && d->set_whole && !d->watch_unsupported &&
	    d->conf->ldap.enabled && d->set_day == time(NULL) / 86400;
}

/* The held entries across a restart, so that the watch asks only for
   what changed since: written at a clean exit, the entries (no secret)
   to state_dir, the hashes beside the passwd-file (where the scratch
   file holding them lives anyway), read and removed at the next start.
   A crash leaves none: the next start reads every entry. */
static int
snap_paths(const struct daemon *d, char *ep, char *hp, size_t sz)
{
	const char *pw = d->conf->out[OUTPUT_PASSWD].path, *slash;

	hp[0] = '\0';
	if (snprintf(ep, sz, "%s/%s", d->conf->state_dir, ENTRIES_FILE) >=
	    (int)sz)
		return -1;
	if (d->conf->out[OUTPUT_PASSWD].enabled && pw != NULL &&
	    (slash = strrchr(pw, '/')) != NULL &&
	    snprintf(hp, sz, "%.*s/%s", (int)(slash - pw), pw, HASHES_FILE) >=
	    (int)sz)
		return -1;
	return 0;
}

/* Write to PATH.new, then rename over PATH. */
static int
snap_open(const char *path, char *tmp, size_t sz)
{
	if (snprintf(tmp, sz, "%s.new", path) >= (int)sz)
		return -1;
	return open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
}

static int
snap_commit(int fd, const char *tmp, const char *path)
{
	int r = fsync(fd);

	if (close(fd) == -1)
		r = -1;
	if (r == -1 || rename(tmp, path) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

void
snap_save(const struct daemon *d)
{
	char ep[PATH_MAX], hp[PATH_MAX], et[PATH_MAX], ht[PATH_MAX];
	unsigned char tok[16];
	char hex[33], *fp = NULL, *head = NULL;
	struct errbuf eb;
	int fd = -1, hfd = -1, r;

	if (d->set == NULL || !d->set_whole || d->resume == NULL ||
	    snap_paths(d, ep, hp, sizeof(ep)) == -1)
		return;
	randombytes_buf(tok, sizeof(tok));
	(void)sodium_bin2hex(hex, sizeof(hex), tok, sizeof(tok));
	if ((fp = conf_stamp(d)) == NULL ||
	    asprintf(&head, ENTRIES_MAGIC "%sday %lld\nhashes %s\n"
	    "cookie %s\n", fp, d->set_day, hex, d->resume) == -1) {
		head = NULL;
		goto fail;
	}
	if (hp[0] != '\0') {
		if ((hfd = snap_open(hp, ht, sizeof(ht))) == -1 ||
		    write(hfd, hex, 32) != 32)
			goto fail;
	}
	if ((fd = snap_open(ep, et, sizeof(et))) == -1 ||
	    write(fd, head, strlen(head)) != (ssize_t)strlen(head))
		goto fail;
	if (ldapset_save(d->set, fd, hfd, &eb) == -1) {
		log_warnx("%s", eb.msg);
		goto fail;
	}
	/* The hashes first, then the entries naming them; whatever fails,
	   no hashes file is left without its entries. */
	if (hfd != -1) {
		r = snap_commit(hfd, ht, hp);
		hfd = -1;
		if (r == -1)
			goto fail;
	}
	r = snap_commit(fd, et, ep);
	fd = -1;
	if (r == -1) {
		if (hp[0] != '\0')
			(void)unlink(hp);
		goto fail;
	}
	log_info("%s: %zu LDAP entries kept for the next start (%s)",
	    ep, ldapset_count(d->set), d->resume);
	free(fp);
	free(head);
	return;
fail:
	log_warn("%s: LDAP entries not kept; the next start reads them all",
	    ep);
	if (hfd != -1) {
		(void)close(hfd);
		(void)unlink(ht);
	}
	if (fd != -1) {
		(void)close(fd);
		(void)unlink(et);
	}
	free(fp);
	free(head);
}

static void
snap_remove(const char *path)
{
	char tmp[PATH_MAX];

	(void)unlink(path);
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) < (int)sizeof(tmp))
		(void)unlink(tmp);
}

/* Read a line of at most SZ - 1 bytes into BUF, newline cut. */
static int
snap_line(FILE *f, char *buf, size_t sz)
{
	size_t n;

	if (fgets(buf, (int)sz, f) == NULL || (n = strlen(buf)) == 0 ||
	    buf[n - 1] != '\n')
		return -1;
	buf[n - 1] = '\0';
	return 0;
}

/* At startup: the entries a clean exit kept, if the configuration is
   the same and the day too (the account states are the day's).  Both
   files are removed either way. */
void
snap_load(struct daemon *d)
{
	char ep[PATH_MAX], hp[PATH_MAX], line[COOKIE_FILE_MAX], hex[41];
	char tok[32], *fp = NULL;
	struct errbuf eb;
	FILE *f = NULL, *hf = NULL;
	size_t flen;
	long long day;

	if (snap_paths(d, ep, hp, sizeof(ep)) == -1 ||
	    (f = fopen(ep, "re")) == NULL)
		goto out;
	if ((fp = conf_stamp(d)) == NULL)
		goto out;
	flen = strlen(ENTRIES_MAGIC) + strlen(fp);
	if (flen >= sizeof(line) || fread(line, 1, flen, f) != flen ||
	    memcmp(line, ENTRIES_MAGIC, strlen(ENTRIES_MAGIC)) != 0 ||
	    memcmp(line + strlen(ENTRIES_MAGIC), fp, strlen(fp)) != 0 ||
	    snap_line(f, line, sizeof(line)) == -1 ||
	    sscanf(line, "day %lld", &day) != 1 || day != time(NULL) / 86400 ||
	    snap_line(f, hex, sizeof(hex)) == -1 ||
	    strncmp(hex, "hashes ", 7) != 0 ||
	    snap_line(f, line, sizeof(line)) == -1 ||
	    strncmp(line, "cookie ", 7) != 0 || line[7] == '\0') {
		log_info("%s: left by another configuration, day or version; "
		    "reading every LDAP entry", ep);
		goto out;
	}
	if (hp[0] != '\0') {
		if ((hf = fopen(hp, "re")) == NULL ||
		    fread(tok, 1, 32, hf) != 32 || strlen(hex) != 39 ||
		    memcmp(tok, hex + 7, 32) != 0) {
			log_info("%s: does not match %s; reading every LDAP "
			    "entry", hp, ep);
			goto out;
		}
	}
	if ((d->set = set_new(d, &eb)) == NULL ||
	    ldapset_load(d->set, f, hf, &eb) == -1) {
		log_warnx("%s: %s; reading every LDAP entry", ep, eb.msg);
		ldapset_free(&d->set);
		goto out;
	}
	d->resume = xstrdup(line + 7);
	d->set_whole = 1;
	d->set_day = day;
	log_info("%s: %zu LDAP entries as the last run left them", ep,
	    ldapset_count(d->set));
out:
	if (f != NULL)
		(void)fclose(f);
	if (hf != NULL)
		(void)fclose(hf);
	free(fp);
	/* Consumed, and whatever a save cut short left (.new). */
	snap_remove(ep);
	if (hp[0] != '\0')
		snap_remove(hp);
}
