/*
 * replay: feed files to a libFuzzer target without libFuzzer, so each
 * corpus runs under `make check` (and ASan/valgrind) as a TAP test.
 * Arguments are files or directories; with none, FUZZ_CORPUS (a
 * directory fixed at build time) is replayed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long len;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		printf("not ok %d - %s: cannot read\n", ++n, path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* A copy of exactly LEN bytes, so overreads hit ASan/valgrind. */
	if ((buf = malloc(len > 0 ? (size_t)len : 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		printf("not ok %d - %s: cannot read\n", ++n, path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	(void)LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
	return 0;
}

static int
replay(const char *path)
{
	struct dirent **names;
	struct stat st;
	char sub[4096];
	int i, k, rc = 0;

	if (stat(path, &st) == -1) {
		printf("not ok %d - %s: missing\n", ++n, path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if ((k = scandir(path, &names, NULL, alphasort)) < 0) {
		printf("not ok %d - %s: cannot list\n", ++n, path);
		return -1;
	}
	for (i = 0; i < k; i++) {
		if (names[i]->d_name[0] != '.' &&
		    snprintf(sub, sizeof(sub), "%s/%s", path,
		    names[i]->d_name) < (int)sizeof(sub) && replay(sub) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
#ifdef FUZZ_CORPUS
		rc = replay(FUZZ_CORPUS);
#endif
	}
	for (i = 1; i < argc; i++)
		if (replay(argv[i]) == -1)
			rc = -1;
	printf("1..%d\n", n);
	return rc == 0 ? 0 : 1;
}
