/*
 * replay: feed files to a fuzz target's LLVMFuzzerTestOneInput() without
 * libFuzzer, so the corpus runs in `make check`.  Arguments are files or
 * directories; with none, REPLAY_DIR (set at build time) is used.  TAP.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned n;

static void
replay_file(const char *path)
{
	unsigned char *buf;
	FILE *fp;
	long len;

	if ((fp = fopen(path, "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		printf("Bail out! %s: cannot read\n", path);
		exit(1);
	}
	fclose(fp);
	(void)LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	printf("ok %u - %s\n", ++n, path);
}

static void
replay(const char *path)
{
	struct dirent *de;
	struct stat sb;
	char sub[4096];
	DIR *d;

	if (stat(path, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		replay_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL) {
		printf("Bail out! %s: cannot open\n", path);
		exit(1);
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && snprintf(sub, sizeof(sub), "%s/%s",
		    path, de->d_name) < (int)sizeof(sub))
			replay_file(sub);
	closedir(d);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc > 1)
		for (i = 1; i < argc; i++)
			replay(argv[i]);
#ifdef REPLAY_DIR
	else
		replay(REPLAY_DIR);
#endif
	printf("1..%u\n", n);
	return n == 0;
}
