/*
 * maptest: helpers shared by test_atomicfile, test_map and test_pwfile:
 * a private temp dir per test, file contents, stray-file checks, and
 * running a step in a child with fewer rights or a file size limit.
 */
#ifndef UDMAIL_MAPTEST_H
#define UDMAIL_MAPTEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tmpdir.h"

static inline char *
mt_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		abort();
	return p;
}

static inline void
mt_write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(s, f) == EOF || fclose(f) != 0)
		abort();
}

/* The file's contents (malloc'd, NUL-terminated) and size. */
static inline char *
mt_read_file(const char *path, size_t *len_r)
{
	struct stat st;
	char *p;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		return NULL;
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL || read(fd, p, (size_t)st.st_size) != st.st_size)
		abort();
	p[st.st_size] = '\0';
	(void)close(fd);
	if (len_r != NULL)
		*len_r = (size_t)st.st_size;
	return p;
}

/* Number of directory entries other than . and .. */
static inline int
mt_count_files(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		abort();
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Make DIR unwritable for the code under test.  root ignores mode bits,
   so as root the test step runs in a child that became "nobody". */
static inline void
mt_make_readonly(const char *dir)
{
	if (chmod(dir, 0555) == -1)
		abort();
}

/* Run FN(ARG) in a child; as root the child drops to uid/gid 65534
   first when DROP is set; FSIZE > 0 sets RLIMIT_FSIZE (SIGXFSZ ignored,
   so writes fail with EFBIG).  Returns FN's return value (0..255). */
static inline int
mt_in_child(int (*fn)(void *), void *arg, int drop, rlim_t fsize)
{
	struct rlimit rl;
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0) {
		if (drop && geteuid() == 0 &&
		    (setgid(65534) == -1 || setuid(65534) == -1))
			_exit(100);
		if (fsize > 0) {
			(void)signal(SIGXFSZ, SIG_IGN);
			rl.rlim_cur = rl.rlim_max = fsize;
			if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
				_exit(101);
		}
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

#endif
