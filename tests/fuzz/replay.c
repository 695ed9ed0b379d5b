/*
 * replay: run a fuzz target's LLVMFuzzerTestOneInput over files, so the
 * seed corpus runs in `make check` without libFuzzer.  Arguments are
 * files or directories; with none, the corpus is
 * $top_srcdir/tests/fuzz/corpus/NAME for a binary called replay_NAME.
 * Prints TAP, one test per file; a crash fails the whole run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE (64 * 1024 * 1024)

struct names {
	char **v;
	size_t n, cap;
};

static int
names_add(struct names *ns, const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char **v;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap == 0 ? 64 : ns->cap * 2;
		if ((v = realloc(ns->v, ns->cap * sizeof(*v))) == NULL)
			return -1;
		ns->v = v;
	}
	if ((ns->v[ns->n] = malloc(len)) == NULL)
		return -1;
	if (*dir != '\0')
		(void)snprintf(ns->v[ns->n], len, "%s/%s", dir, name);
	else
		(void)snprintf(ns->v[ns->n], len, "%s", name);
	ns->n++;
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
collect(struct names *ns, const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return names_add(ns, "", path);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (names_add(ns, path, de->d_name) == -1) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static int
run_one(const char *path)
{
	FILE *f;
	uint8_t *data;
	size_t len;
	long sz;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == -1 || (sz = ftell(f)) < 0 ||
	    sz > REPLAY_MAX_FILE || fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return -1;
	}
	/* An exact-size copy lets ASan and valgrind catch reads past it. */
	if ((data = malloc(sz > 0 ? (size_t)sz : 1)) == NULL) {
		fclose(f);
		return -1;
	}
	len = fread(data, 1, (size_t)sz, f);
	fclose(f);
	if (len != (size_t)sz) {
		free(data);
		return -1;
	}
	(void)LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	struct names ns = { NULL, 0, 0 };
	const char *base, *top;
	char dir[4096];
	size_t i;
	int bad = 0, a;

	if (argc > 1) {
		for (a = 1; a < argc; a++)
			if (collect(&ns, argv[a]) == -1)
				return 1;
	} else {
		base = strrchr(argv[0], '/');
		base = base != NULL ? base + 1 : argv[0];
		if (strncmp(base, "replay_", 7) != 0) {
			fprintf(stderr, "usage: replay file|dir ...\n");
			return 2;
		}
		if ((top = getenv("top_srcdir")) == NULL)
			top = ".";
		(void)snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top,
		    base + 7);
		if (collect(&ns, dir) == -1)
			return 1;
	}
	qsort(ns.v, ns.n, sizeof(*ns.v), cmp);
	if (ns.n == 0) {
		printf("1..0 # SKIP empty corpus\n");
		return 0;
	}
	printf("1..%zu\n", ns.n);
	for (i = 0; i < ns.n; i++) {
		base = strrchr(ns.v[i], '/');
		base = base != NULL ? base + 1 : ns.v[i];
		fflush(stdout);
		if (run_one(ns.v[i]) == -1) {
			printf("not ok %zu - %s: cannot read\n", i + 1, base);
			bad = 1;
		} else
			printf("ok %zu - %s\n", i + 1, base);
		free(ns.v[i]);
	}
	free(ns.v);
	return bad;
}
