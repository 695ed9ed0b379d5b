/*
 * mailmap: build, diff, check, query, dump and resolve udmail's tables.
 * A thin main over lib/sync and lib/table; exit codes are sysexits(3),
 * except where a command answers a yes/no question (diff, query).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "addr.h"
#include "conf.h"
#include "log.h"
#include "model.h"
#include "pwhash.h"
#include "sync.h"
#include "table.h"
#include "xmalloc.h"

#define RESOLVE_DEPTH_MAX 20

static const char *usage_text =
    "usage: mailmap [-v] [-c config] command [args]\n"
    "commands:\n"
    "  build [--dry-run] [--force]   fetch, build and publish the tables\n"
    "  diff [output...]              what build would add, remove, change\n"
    "  check [--hiera-only [--domain D] file...]\n"
    "                                validate the sources\n"
    "  query output key              look a key up in a published table\n"
    "  dump output                   print a published table\n"
    "  resolve address               follow an address through the tables\n"
    "outputs: virtual alias_domains transport forward sender_login passwd\n";

static void __attribute__((noreturn))
usage(int ex)
{
	(void)fputs(usage_text, ex == 0 ? stdout : stderr);
	exit(ex);
}

static struct conf *
load_conf(const char *path)
{
	struct errbuf eb;
	struct conf *c;

	if ((c = conf_load(path, &eb)) == NULL)
		fatalx(eb.errnum == ENOENT ? EX_NOINPUT : EX_CONFIG, "%s",
		    eb.msg);
	return c;
}

static enum output_kind
output_arg(const struct conf *c, const char *name, int need_enabled)
{
	int k;

	if ((k = conf_output_by_name(name)) == -1)
		fatalx(EX_USAGE, "unknown output '%s' (one of: virtual "
		    "alias_domains transport forward sender_login passwd)",
		    name);
	if (need_enabled && !c->out[k].enabled)
		fatalx(EX_CONFIG, "output '%s' is not enabled in %s", name,
		    c->path);
	return (enum output_kind)k;
}

static int
stats_clean(const struct model_stats *s)
{
	return s->rejected == 0 && s->conflicts == 0 && s->loops == 0 &&
	    s->dangling == 0;
}

static void
print_stats(const struct model_stats *s, size_t ldap_entries)
{
	log_info("%zu ldap entries, %zu accounts used, %zu retired, %zu "
	    "addresses", ldap_entries, s->accounts, s->retired, s->addresses);
	if (!stats_clean(s))
		log_warnx("%zu rejected, %zu conflicts, %zu loops, %zu dangling",
		    s->rejected, s->conflicts, s->loops, s->dangling);
}

static int
cmd_build(struct conf *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct sync_opts so = { 0 };
	struct sync_result res;
	enum sync_status st;
	struct errbuf eb;
	int ch, k;

	while ((ch = getopt_long(argc, argv, "nf", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			so.dry_run = 1;
			break;
		case 'f':
			so.force = 1;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	so.now = time(NULL);
	st = sync_run(c, &so, &res, &eb);
	if (st == SYNC_OK || st == SYNC_ERR_GUARD || st == SYNC_ERR_PUBLISH)
		print_stats(&res.stats, res.ldap_entries);
	log_info("fetch %.3f s, total %.3f s", res.fetch_seconds,
	    res.total_seconds);
	if (!so.dry_run && sync_write_metrics(c, &res, st,
	    st == SYNC_OK ? time(NULL) : 0, &eb) == -1)
		log_warnx("metrics: %s", eb.msg);
	if (st != SYNC_OK)
		fatalx(sync_status_exit(st), "%s", eb.msg);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		if (!res.out[k].enabled)
			continue;
		printf("%-13s %8zu entries  %s\n",
		    conf_output_name((enum output_kind)k), res.out[k].new_count,
		    so.dry_run ? "(dry run)" :
		    res.out[k].changed ? "published" : "unchanged");
	}
	return EX_OK;
}

struct diffctx {
	struct kv *old;
	size_t n, cap;
};

static int
collect(const char *key, const char *value, void *arg)
{
	struct diffctx *d = arg;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 1024;
		d->old = xreallocarray(d->old, d->cap, sizeof(*d->old));
	}
	d->old[d->n].key = xstrdup(key);
	d->old[d->n].value = xstrdup(value);
	d->n++;
	return 0;
}

static int
kvcmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* A value as shown to people: never a password hash. */
static const char *
shown(enum output_kind kind, const char *value, char *out, size_t outsz)
{
	const char *body;

	if (kind != OUTPUT_PASSWD)
		return value;
	if (pwhash_prefix(value, NULL, NULL, &body) == 1)
		(void)snprintf(out, outsz, "%.*s (hash not shown)",
		    (int)(body - value), value);
	else
		(void)snprintf(out, outsz, "(hash not shown)");
	return out;
}

/* Print the differences of one output; returns the number of them. */
static size_t
diff_output(const struct conf *c, enum output_kind kind,
    const struct kvlist *nl)
{
	struct diffctx d = { NULL, 0, 0 };
	const char *name = conf_output_name(kind);
	char b1[64], b2[64];
	struct table *t;
	struct errbuf eb;
	size_t i = 0, j = 0, ndiff = 0;
	int r;

	if ((t = table_open(&c->out[kind], kind, &eb)) == NULL) {
		if (eb.errnum != ENOENT)
			fatalx(EX_IOERR, "%s: %s", name, eb.msg);
	} else {
		if (table_iterate(t, collect, &d, &eb) == -1)
			fatalx(EX_IOERR, "%s: %s", name, eb.msg);
		table_close(&t);
	}
	qsort(d.old, d.n, sizeof(*d.old), kvcmp);
	while (i < d.n || j < nl->n) {
		r = i == d.n ? 1 : j == nl->n ? -1 :
		    strcmp(d.old[i].key, nl->v[j].key);
		if (r < 0) {
			printf("%s: - %s\t%s\n", name, d.old[i].key,
			    shown(kind, d.old[i].value, b1, sizeof(b1)));
			i++, ndiff++;
		} else if (r > 0) {
			printf("%s: + %s\t%s\n", name, nl->v[j].key,
			    shown(kind, nl->v[j].value, b1, sizeof(b1)));
			j++, ndiff++;
		} else {
			if (strcmp(d.old[i].value, nl->v[j].value) != 0) {
				printf("%s: ~ %s\t%s -> %s\n", name,
				    nl->v[j].key, shown(kind, d.old[i].value,
				    b1, sizeof(b1)), shown(kind,
				    nl->v[j].value, b2, sizeof(b2)));
				ndiff++;
			}
			i++, j++;
		}
	}
	for (i = 0; i < d.n; i++) {
		free((char *)d.old[i].key);
		/* passwd values are hashes */
		explicit_bzero((char *)d.old[i].value, strlen(d.old[i].value));
		free((char *)d.old[i].value);
	}
	free(d.old);
	return ndiff;
}

static int
cmd_diff(struct conf *c, int argc, char **argv)
{
	struct sync_opts so = { 0 };
	int want[OUTPUT_COUNT], k, i;
	struct sync_result res;
	struct sync_state *ss;
	struct kvlist l;
	enum sync_status st;
	struct errbuf eb;
	size_t ndiff = 0;

	for (k = 0; k < OUTPUT_COUNT; k++)
		want[k] = argc <= 1 && c->out[k].enabled;
	for (i = 1; i < argc; i++)
		want[output_arg(c, argv[i], 1)] = 1;
	so.load_only = 1;
	so.keep_passwords = 1;
	so.now = time(NULL);
	memset(&res, 0, sizeof(res));
	if ((st = sync_load(c, &so, &ss, &res, &eb)) != SYNC_OK)
		fatalx(sync_status_exit(st), "%s", eb.msg);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		if (!want[k])
			continue;
		if (model_render(sync_model(ss), (enum output_kind)k, &l,
		    &eb) == -1)
			fatalx(EX_CONFIG, "%s", eb.msg);
		ndiff += diff_output(c, (enum output_kind)k, &l);
		kvlist_free(&l);
	}
	sync_state_free(&ss);
	log_info("%zu differences", ndiff);
	return ndiff == 0 ? 0 : 1;
}

static int
cmd_check(struct conf *c, const char *conf_path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hiera-only", no_argument, NULL, 'H' },
		{ "domain", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct sync_opts so = { 0 };
	struct sync_result res;
	struct sync_state *ss;
	const char *domain = NULL;
	enum sync_status st;
	struct errbuf eb;
	int ch, i;

	while ((ch = getopt_long(argc, argv, "Hd:", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			so.hiera_only = 1;
			break;
		case 'd':
			domain = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (so.hiera_only && optind < argc) {
		/* The files on the command line replace the configured
		   ones: Puppet checks a candidate file before it lands. */
		if (c == NULL)
			c = conf_new_default();
		for (i = 0; i < (int)c->hiera_count; i++)
			free(c->hiera_files[i]);
		free(c->hiera_files);
		c->hiera_count = (size_t)(argc - optind);
		c->hiera_files = xcalloc(c->hiera_count + 1, sizeof(char *));
		for (i = optind; i < argc; i++)
			c->hiera_files[i - optind] = xstrdup(argv[i]);
	} else if (optind != argc) {
		usage(EX_USAGE);
	}
	if (c == NULL)
		c = load_conf(conf_path);
	if (domain != NULL) {
		free(c->domain);
		c->domain = xstrdup(domain);
	}
	so.load_only = 1;
	so.now = time(NULL);
	memset(&res, 0, sizeof(res));
	if ((st = sync_load(c, &so, &ss, &res, &eb)) != SYNC_OK)
		fatalx(sync_status_exit(st), "%s", eb.msg);
	sync_state_free(&ss);
	printf("%zu addresses, %zu accounts, %zu rejected, %zu conflicts, "
	    "%zu loops, %zu dangling\n", res.stats.addresses,
	    res.stats.accounts, res.stats.rejected, res.stats.conflicts,
	    res.stats.loops, res.stats.dangling);
	conf_free(&c);
	return stats_clean(&res.stats) ? EX_OK : EX_DATAERR;
}

static int
cmd_query(struct conf *c, int argc, char **argv)
{
	enum output_kind kind;
	char *value, b[64];
	struct table *t;
	struct errbuf eb;
	int r;

	if (argc != 3)
		usage(EX_USAGE);
	kind = output_arg(c, argv[1], 1);
	if ((t = table_open(&c->out[kind], kind, &eb)) == NULL)
		fatalx(eb.errnum == ENOENT ? EX_NOINPUT : EX_IOERR, "%s: %s",
		    argv[1], eb.msg);
	if ((r = table_lookup(t, argv[2], &value, &eb)) == -1)
		fatalx(EX_IOERR, "%s: %s", argv[1], eb.msg);
	table_close(&t);
	if (r == 0)
		return 1;
	printf("%s\n", shown(kind, value, b, sizeof(b)));
	explicit_bzero(value, strlen(value)); /* a hash, for passwd */
	free(value);
	return 0;
}

static int
print_entry(const char *key, const char *value, void *arg)
{
	enum output_kind kind = *(enum output_kind *)arg;
	char b[64];

	printf("%s\t%s\n", key, shown(kind, value, b, sizeof(b)));
	return 0;
}

static int
cmd_dump(struct conf *c, int argc, char **argv)
{
	enum output_kind kind;
	struct table *t;
	struct errbuf eb;

	if (argc != 2)
		usage(EX_USAGE);
	kind = output_arg(c, argv[1], 1);
	if ((t = table_open(&c->out[kind], kind, &eb)) == NULL)
		fatalx(eb.errnum == ENOENT ? EX_NOINPUT : EX_IOERR, "%s: %s",
		    argv[1], eb.msg);
	if (table_iterate(t, print_entry, &kind, &eb) == -1)
		fatalx(EX_IOERR, "%s: %s", argv[1], eb.msg);
	table_close(&t);
	return 0;
}

/* Look ADDR up like Postfix's virtual(5): user@domain, then @domain. */
static int
virtual_lookup(struct table *t, const char *addr, char **value_r,
    const char **how_r)
{
	struct errbuf eb;
	const char *at = strchr(addr, '@');
	int r;

	*how_r = addr;
	if ((r = table_lookup(t, addr, value_r, &eb)) != 0 || at == NULL)
		goto done;
	*how_r = at;
	r = table_lookup(t, at, value_r, &eb);
done:
	if (r == -1)
		fatalx(EX_IOERR, "virtual: %s", eb.msg);
	return r;
}

/* The result of an "@domain" entry: the same user in the other domain. */
static char *
rewrite_catchall(const char *addr, const char *value)
{
	const char *at = strchr(addr, '@');
	size_t n;
	char *s;

	n = (size_t)(at - addr) + strlen(value) + 1;
	s = xmalloc(n);
	(void)snprintf(s, n, "%.*s%s", (int)(at - addr), addr, value);
	return s;
}

static void
resolve_one(struct conf *c, struct table **tabs, const char *addr,
    int depth, int *found)
{
	char *value = NULL, *tok, *save = NULL, *next, *dup;
	const char *how;
	struct errbuf eb;
	int r, identity;

	if (depth > RESOLVE_DEPTH_MAX) {
		printf("%*s%s: too deep (alias loop?)\n", depth * 2, "", addr);
		return;
	}
	if (tabs[OUTPUT_VIRTUAL] != NULL &&
	    virtual_lookup(tabs[OUTPUT_VIRTUAL], addr, &value, &how) == 1) {
		*found = 1;
		printf("%*s%s -> virtual (%s): %s\n", depth * 2, "", addr, how,
		    value);
		if (how[0] == '@') {
			next = rewrite_catchall(addr, value);
			resolve_one(c, tabs, next, depth + 1, found);
			free(next);
			free(value);
			return;
		}
		dup = value;
		identity = 0;
		for (tok = strtok_r(dup, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save)) {
			/* An identity entry keeps the address and stops
			   the recursion for it (virtual(5)). */
			if (strcasecmp(tok, addr) == 0)
				identity = 1;
			else
				resolve_one(c, tabs, tok, depth + 1, found);
		}
		free(value);
		if (!identity)
			return;
	} else
		free(value);
	value = NULL;
	if (tabs[OUTPUT_TRANSPORT] != NULL) {
		if ((r = table_lookup(tabs[OUTPUT_TRANSPORT], addr, &value,
		    &eb)) == -1)
			fatalx(EX_IOERR, "transport: %s", eb.msg);
		if (r == 1) {
			*found = 1;
			printf("%*s%s -> transport: %s\n", depth * 2, "", addr,
			    value);
		}
		free(value);
		value = NULL;
	}
	if (tabs[OUTPUT_FORWARD] != NULL) {
		if ((r = table_lookup(tabs[OUTPUT_FORWARD], addr, &value,
		    &eb)) == -1)
			fatalx(EX_IOERR, "forward: %s", eb.msg);
		if (r == 1) {
			*found = 1;
			printf("%*s%s -> forward: %s\n", depth * 2, "", addr,
			    value);
		}
		free(value);
	}
}

static int
cmd_resolve(struct conf *c, int argc, char **argv)
{
	static const enum output_kind kinds[] = { OUTPUT_VIRTUAL,
		OUTPUT_TRANSPORT, OUTPUT_FORWARD };
	struct table *tabs[OUTPUT_COUNT] = { NULL };
	char addr[ADDR_MAX + 1];
	struct errbuf eb;
	size_t i;
	int found = 0, any = 0;

	if (argc != 2)
		usage(EX_USAGE);
	if (addr_normalize(argv[1], 1, addr, sizeof(addr), &eb) == -1)
		fatalx(EX_DATAERR, "%s: %s", argv[1], eb.msg);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!c->out[kinds[i]].enabled)
			continue;
		any = 1;
		tabs[kinds[i]] = table_open(&c->out[kinds[i]], kinds[i], &eb);
		if (tabs[kinds[i]] == NULL && eb.errnum != ENOENT)
			fatalx(EX_IOERR, "%s: %s", conf_output_name(kinds[i]),
			    eb.msg);
	}
	if (!any)
		fatalx(EX_CONFIG, "none of virtual, transport, forward is "
		    "enabled in %s", c->path);
	resolve_one(c, tabs, addr, 0, &found);
	for (i = 0; i < OUTPUT_COUNT; i++)
		table_close(&tabs[i]);
	if (!found) {
		printf("%s: not found in any table\n", addr);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf_path = CONF_PATH_DEFAULT, *cmd;
	struct conf *c = NULL;
	int ch, verbose = 0, rc, conf_given = 0;

	log_init(argv[0], 1);
	/* libldap writes with write(2): a server gone mid-request must be an
	   error return, not a fatal signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	/* "+": stop at the command; its own options follow it. */
	while ((ch = getopt_long(argc, argv, "+c:vhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			conf_given = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(EX_OK);
		case 'V':
			printf("mailmap (udmail) %s\n", PACKAGE_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	log_set_verbose(verbose);
	if (optind >= argc)
		usage(EX_USAGE);
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;
	if (strcmp(cmd, "check") == 0) {
		/* -H/--hiera-only with files needs no configuration file:
		   cmd_check loads the default one only when it has parsed its
		   options and needs it.  One named with -c is always read. */
		if (conf_given)
			c = load_conf(conf_path);
		return cmd_check(c, conf_path, argc, argv);
	}
	if (strcmp(cmd, "help") == 0)
		usage(EX_OK);
	c = load_conf(conf_path);
	if (strcmp(cmd, "build") == 0)
		rc = cmd_build(c, argc, argv);
	else if (strcmp(cmd, "diff") == 0)
		rc = cmd_diff(c, argc, argv);
	else if (strcmp(cmd, "query") == 0)
		rc = cmd_query(c, argc, argv);
	else if (strcmp(cmd, "dump") == 0)
		rc = cmd_dump(c, argc, argv);
	else if (strcmp(cmd, "resolve") == 0)
		rc = cmd_resolve(c, argc, argv);
	else {
		log_warnx("unknown command '%s'", cmd);
		usage(EX_USAGE);
	}
	conf_free(&c);
	return rc;
}
