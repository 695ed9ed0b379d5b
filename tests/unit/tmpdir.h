/*
 * tmpdir: a private temp directory per test, removed afterwards without
 * a shell (even subdirectories a test made unwritable).  Header-only,
 * for the unit tests that need files.
 */
#ifndef UDMAIL_TEST_TMPDIR_H
#define UDMAIL_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "$TMPDIR/udmail-NAME.XXXXXX", made; malloc'd; aborts on failure. */
static char *
tmpdir_make(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	if (asprintf(&d, "%s/udmail-%s.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", name) == -1 ||
	    mkdtemp(d) == NULL)
		abort();
	return d;
}

static int
tmpdir_chmod_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		(void)chmod(path, (st->st_mode & 07777) | S_IRWXU);
	return 0;
}

static int
tmpdir_remove_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) == -1 ? -1 : 0;
}

/* Remove DIR and everything below it, then free DIR; aborts on failure. */
static void
tmpdir_remove(char *dir)
{
	if (nftw(dir, tmpdir_chmod_one, 16, FTW_PHYS) == -1 ||
	    nftw(dir, tmpdir_remove_one, 16, FTW_PHYS | FTW_DEPTH) == -1)
		abort();
	free(dir);
}

#endif
