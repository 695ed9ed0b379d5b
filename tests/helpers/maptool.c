/*
 * maptool: test and benchmark driver for lib/map and lib/pwfile (not
 * installed).  Reads "key<TAB>value" lines from stdin and writes a table,
 * or reads a table back; the output of "dump" matches postmap -s.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomicfile.h"
#include "log.h"
#include "map.h"
#include "pwfile.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: maptool write [-u] [-m MODE] [-g GROUP] FORMAT FILE"
	    " < key<TAB>value lines\n"
	    "       maptool get FORMAT FILE KEY\n"
	    "       maptool dump FORMAT FILE\n"
	    "       maptool count FORMAT FILE\n"
	    "       maptool pwfile [-m MODE] [-g GROUP] FILE"
	    " < user<TAB>hash lines\n"
	    "       maptool pwcount FILE\n"
	    "FORMAT is lmdb, hash or text.  write and pwfile print \"changed\""
	    " or \"unchanged\";\nrejected lines are reported and skipped (exit"
	    " 65).  get exits 1 when the key is missing.\n-u: the keys are"
	    " unique (map_unique_keys, as the sync writes).\n");
}

static gid_t
parse_group(const char *s)
{
	struct group *gr;
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (*s != '\0' && *end == '\0' && errno == 0)
		return (gid_t)n;
	if ((gr = getgrnam(s)) == NULL)
		fatalx(EX_NOUSER, "unknown group %s", s);
	return gr->gr_gid;
}

struct wopts {
	mode_t mode;
	gid_t gid;
	int unique;
};

static int
parse_wopts(int argc, char **argv, struct wopts *o, mode_t mode)
{
	int ch;

	o->mode = mode;
	o->gid = ATOMICFILE_KEEP_GID;
	o->unique = 0;
	optind = 1;
	while ((ch = getopt(argc, argv, "m:g:u")) != -1) {
		switch (ch) {
		case 'u':
			o->unique = 1;
			break;
		case 'm':
			o->mode = (mode_t)strtoul(optarg, NULL, 8);
			break;
		case 'g':
			o->gid = parse_group(optarg);
			break;
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	return optind;
}

static enum map_format
format_arg(const char *s)
{
	enum map_format fmt;

	if (map_format_parse(s, &fmt) == -1)
		fatalx(EX_USAGE, "unknown format %s", s);
	return fmt;
}

/* Split "key<TAB>value\n" in place; NULL when there is no tab. */
static char *
split_line(char *line, ssize_t n)
{
	char *tab;

	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if ((tab = strchr(line, '\t')) == NULL)
		return NULL;
	*tab = '\0';
	return tab + 1;
}

static int
cmd_write(int argc, char **argv)
{
	struct map_writer *m;
	struct errbuf eb;
	struct wopts o;
	char *line = NULL, *val;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int i, r, changed, bad = 0;

	i = parse_wopts(argc, argv, &o, 0644);
	if (argc - i != 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((m = map_open(format_arg(argv[i]), argv[i + 1], o.mode, o.gid,
	    &eb)) == NULL)
		fatalx(EX_CANTCREAT, "%s", eb.msg);
	if (o.unique)
		map_unique_keys(m);
	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if ((val = split_line(line, n)) == NULL) {
			log_warnx("stdin:%lu: no tab", lineno);
			bad = 1;
			continue;
		}
		if ((r = map_put(m, line, val, &eb)) == -1) {
			if (eb.errnum != EINVAL) {
				map_abort(&m);
				fatalx(EX_IOERR, "%s", eb.msg);
			}
			log_warnx("stdin:%lu: %s", lineno, eb.msg);
			bad = 1;
		} else if (r == 1)
			log_warnx("stdin:%lu: duplicate key %s", lineno, line);
	}
	free(line);
	if (map_commit(&m, &changed, &eb) == -1)
		fatalx(EX_CANTCREAT, "%s", eb.msg);
	printf("%s\n", changed ? "changed" : "unchanged");
	return bad ? EX_DATAERR : 0;
}

static int
cmd_pwfile(int argc, char **argv)
{
	struct pwfile_writer *w;
	struct errbuf eb;
	struct wopts o;
	char *line = NULL, *val;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int i, r, changed, bad = 0;

	i = parse_wopts(argc, argv, &o, PWFILE_MODE_DEFAULT);
	if (argc - i != 1) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((w = pwfile_open(argv[i], o.mode, o.gid, &eb)) == NULL)
		fatalx(EX_CANTCREAT, "%s", eb.msg);
	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if ((val = split_line(line, n)) == NULL) {
			log_warnx("stdin:%lu: no tab", lineno);
			bad = 1;
			continue;
		}
		if ((r = pwfile_put(w, line, val, &eb)) == -1) {
			if (eb.errnum != EINVAL) {
				pwfile_abort(&w);
				fatalx(EX_IOERR, "%s", eb.msg);
			}
			log_warnx("stdin:%lu: %s", lineno, eb.msg);
			bad = 1;
		} else if (r == 1)
			log_warnx("stdin:%lu: duplicate user", lineno);
	}
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	if (pwfile_commit(&w, &changed, &eb) == -1)
		fatalx(EX_CANTCREAT, "%s", eb.msg);
	printf("%s\n", changed ? "changed" : "unchanged");
	return bad ? EX_DATAERR : 0;
}

static int
print_entry(const char *key, const char *value, void *arg)
{
	printf("%s\t%s\n", key, value);
	return 0;
}

static int
cmd_read(const char *cmd, int argc, char **argv)
{
	struct map_reader *r;
	struct errbuf eb;
	char *value;
	long long n;
	int ret;

	if (argc != (strcmp(cmd, "get") == 0 ? 4 : 3)) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((r = map_reader_open(format_arg(argv[1]), argv[2], &eb)) == NULL)
		fatalx(eb.errnum == ENOENT ? EX_NOINPUT : EX_DATAERR, "%s",
		    eb.msg);
	if (strcmp(cmd, "get") == 0) {
		ret = map_lookup(r, argv[3], &value, &eb);
		if (ret == 1)
			printf("%s\n", value);
		free(value);
		ret = ret == 1 ? 0 : ret == 0 ? 1 : EX_DATAERR;
	} else if (strcmp(cmd, "dump") == 0) {
		ret = map_iterate(r, print_entry, NULL, &eb) == 0 ? 0 :
		    EX_DATAERR;
	} else {
		n = map_count(r, &eb);
		if (n >= 0)
			printf("%lld\n", n);
		ret = n >= 0 ? 0 : EX_DATAERR;
	}
	if (ret == EX_DATAERR)
		log_warnx("%s", eb.msg);
	map_reader_close(&r);
	return ret;
}

static int
cmd_pwcount(int argc, char **argv)
{
	struct pwfile_reader *r;
	struct errbuf eb;

	if (argc != 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((r = pwfile_reader_open(argv[1], &eb)) == NULL)
		fatalx(EX_NOINPUT, "%s", eb.msg);
	printf("%lld\n", pwfile_count(r));
	pwfile_reader_close(&r);
	return 0;
}

int
main(int argc, char **argv)
{
	log_init("maptool", 1);
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("maptool %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "write") == 0)
		return cmd_write(argc - 1, argv + 1);
	if (strcmp(argv[1], "pwfile") == 0)
		return cmd_pwfile(argc - 1, argv + 1);
	if (strcmp(argv[1], "pwcount") == 0)
		return cmd_pwcount(argc - 1, argv + 1);
	if (strcmp(argv[1], "get") == 0 || strcmp(argv[1], "dump") == 0 ||
	    strcmp(argv[1], "count") == 0)
		return cmd_read(argv[1], argc - 1, argv + 1);
	usage(stderr);
	return EX_USAGE;
}
