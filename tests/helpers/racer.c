/*
 * racer: the attacker of the symlink tests.  Run as a user who can write
 * DIR, it watches DIR with inotify and, for every new name starting with
 * '.' (a writer's temp file), renames the file away and puts a symbolic
 * link into LINKDIR under the same name: a writer that opens or renames
 * its temp file by name afterwards follows the link.  Stops after
 * SECONDS or on SIGTERM and prints "swapped N" (names it replaced) and
 * "failed N" (names it could not move: not its to move).
 *
 *   racer DIR LINKDIR SECONDS
 */
#include "config.h"

#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	char away[64], target[PATH_MAX];
	const struct inotify_event *ev;
	unsigned long swapped = 0, failed = 0, n = 0;
	struct pollfd pfd;
	struct stat st;
	time_t end;
	ssize_t len;
	char *p;
	int in, dfd;

	if (argc != 4) {
		fprintf(stderr, "usage: racer DIR LINKDIR SECONDS\n");
		return 64;
	}
	end = time(NULL) + atoi(argv[3]);
	(void)signal(SIGTERM, on_term);
	if ((dfd = open(argv[1], O_RDONLY | O_DIRECTORY)) == -1 ||
	    (in = inotify_init1(IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(in, argv[1], IN_CREATE | IN_MOVED_TO) == -1) {
		perror(argv[1]);
		return 1;
	}
	/* Ready: the caller waits for this line before starting the writer. */
	printf("ready\n");
	fflush(stdout);
	pfd.fd = in;
	pfd.events = POLLIN;
	while (!stop && time(NULL) < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((len = read(in, buf, sizeof(buf))) <= 0)
			continue;
		for (p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			/* Not what we moved away, nor our own links. */
			if (ev->len == 0 || ev->name[0] != '.' ||
			    strncmp(ev->name, ".racer-", 7) == 0 ||
			    (fstatat(dfd, ev->name, &st, AT_SYMLINK_NOFOLLOW) ==
			    0 && S_ISLNK(st.st_mode)))
				continue;
			(void)snprintf(away, sizeof(away), ".racer-%lu", n++);
			(void)snprintf(target, sizeof(target), "%s/%s", argv[2],
			    ev->name);
			if (renameat(dfd, ev->name, dfd, away) == -1) {
				if (errno != ENOENT)
					failed++;
				continue;
			}
			if (symlinkat(target, dfd, ev->name) == 0)
				swapped++;
		}
	}
	printf("swapped %lu\nfailed %lu\n", swapped, failed);
	return 0;
}
