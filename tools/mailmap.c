/*
 * mailmap: build, diff, check, query, dump and resolve udmail's tables.
 * A thin main over lib/sync, lib/table and lib/route; exit codes are
 * sysexits(3), except where a command answers a question (diff, query,
 * resolve).
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
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "model.h"
#include "priv.h"
#include "pwhash.h"
#include "report.h"
#include "route.h"
#include "sync.h"
#include "table.h"
#include "xmalloc.h"

static const char *usage_text =
    "usage: mailmap [-v] [-c config] command [args]\n"
    "commands:\n"
    "  build [--dry-run] [--force]   fetch, build and publish the tables\n"
    "  diff [output...]              what build would add, remove, change\n"
    "  check [--hiera-only [--domain D] file...]\n"
    "                                validate the sources\n"
    "  query output key              look a key up in a published table\n"
    "  dump output                   print a published table\n"
    "  resolve [--role mx|srs|combined|submission] address\n"
    "                                what Postfix does with mail to (or,\n"
    "                                submission, from) the address\n"
    "outputs: virtual alias_domains transport forward sender_login passwd\n"
    "         relay_recipients\n"
    "Run as root, mailmap reads the configuration and then becomes its\n"
    "user (default udmail) for the rest.\n";

static void __attribute__((noreturn))
usage(int ex)
{
	(void)fputs(usage_text, ex == 0 ? stdout : stderr);
	exit(ex);
}

/* Read PATH and, when run as root, become its user before any source
   or table is read: a root `mailmap build` then writes as mailsyncd does,
   never as root into a directory the service user owns. */
static struct conf *
load_conf(const char *path)
{
	enum priv_drop_result r;
	struct errbuf eb;
	struct conf *c;

	if ((c = conf_load(path, &eb)) == NULL)
		fatalx(eb.errnum == ENOENT ? EX_NOINPUT : EX_CONFIG, "%s",
		    eb.msg);
	if (priv_drop(c->user, &r, &eb) == -1) {
		if (eb.errnum == ENOENT)
			fatalx(EX_NOUSER, "%s: %s: create it (see sysusers.d/"
			    "udmail.conf), run mailmap as that user, or set "
			    "user: root to stay root", c->path, eb.msg);
		fatalx(EX_OSERR, "%s", eb.msg);
	}
	/* Said by the daemon at every start; here only with -v, as root
	   configured it and runs the tool (a resolve's answer stays clean). */
	if (r == PRIV_STAY_ROOT)
		log_info("%s: user: %s: running as root, with every "
		    "privilege", c->path, c->user);
	else if (r == PRIV_DROPPED)
		log_debug("running as user %s", c->user);
	return c;
}

static enum output_kind
output_arg(const struct conf *c, const char *name, int need_enabled)
{
	int k;

	if ((k = conf_output_by_name(name)) == -1)
		fatalx(EX_USAGE, "unknown output '%s' (one of: virtual "
		    "alias_domains transport forward sender_login passwd "
		    "relay_recipients)", name);
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
	struct report rep;
	struct sync_result res;
	enum sync_status st;
	struct errbuf eb;
	int ch, k, lock;

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
	report_init_log(&rep);
	so.report = &rep;
	/* Under the publish lock, after removing what killed runs left. */
	st = sync_run_locked(c, &so, NULL, &res, &lock, &eb);
	if (st == SYNC_OK || st == SYNC_ERR_GUARD || st == SYNC_ERR_PUBLISH)
		print_stats(&res.stats, res.ldap_entries);
	log_info("fetch %.3f s, total %.3f s", res.fetch_seconds,
	    res.total_seconds);
	if (!so.dry_run && sync_write_metrics(c, &res, st,
	    st == SYNC_OK ? time(NULL) : 0, &eb) == -1)
		log_warnx("metrics: %s", eb.msg);
	sync_unlock(&lock);
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
	struct report rep;
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
	report_init_log(&rep);
	so.report = &rep;
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
	struct report rep;
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
	report_init_log(&rep);
	so.report = &rep;
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

/* The role a host plays, from the outputs its configuration enables. */
static enum route_role
role_of(const struct conf *c)
{
	int v = c->out[OUTPUT_VIRTUAL].enabled;
	int f = c->out[OUTPUT_FORWARD].enabled;

	if (v && f)
		return ROUTE_ROLE_COMBINED;
	if (v)
		return ROUTE_ROLE_MX;
	if (f)
		return ROUTE_ROLE_SRS;
	if (c->out[OUTPUT_SENDER_LOGIN].enabled)
		return ROUTE_ROLE_SUBMISSION;
	fatalx(EX_CONFIG, "%s enables none of virtual, forward, "
	    "sender_login: cannot tell this host's role; use --role", c->path);
}

static int
resolve_lookup(void *arg, enum output_kind kind, const char *key,
    char **value_r, struct errbuf *eb)
{
	struct table **tabs = arg;
	int r;

	if ((r = table_lookup(tabs[kind], key, value_r, eb)) == -1)
		errbuf_prefix(eb, "%s", conf_output_name(kind));
	return r;
}

static int
cmd_resolve(struct conf *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct table *tabs[OUTPUT_COUNT] = { NULL };
	struct route_opts ro = { 0 };
	struct buf out = BUF_INIT;
	char addr[ADDR_MAX + 1], *domain = NULL;
	enum sync_status st;
	struct errbuf eb;
	int ch, k, r;

	ro.role = ROUTE_ROLE_COUNT;
	while ((ch = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if ((k = route_role_by_name(optarg)) == -1)
				fatalx(EX_USAGE, "unknown role '%s' (one of: "
				    "mx srs combined submission)", optarg);
			ro.role = (enum route_role)k;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc - 1)
		usage(EX_USAGE);
	/* Checked, but used as given: Postfix keeps the spelling in its
	   replies and folds only its lookup keys, as lib/route does. */
	if (addr_normalize(argv[optind], 0, addr, sizeof(addr), &eb) == -1)
		fatalx(EX_DATAERR, "%s: %s", argv[optind], eb.msg);
	if (ro.role == ROUTE_ROLE_COUNT)
		ro.role = role_of(c);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		if (!route_role_needs(ro.role, (enum output_kind)k))
			continue;
		if (!c->out[k].enabled)
			fatalx(EX_CONFIG, "role %s reads output '%s', which is "
			    "not enabled in %s", route_role_name(ro.role),
			    conf_output_name((enum output_kind)k), c->path);
		if ((tabs[k] = table_open(&c->out[k], (enum output_kind)k,
		    &eb)) == NULL)
			fatalx(eb.errnum == ENOENT ? EX_NOINPUT : EX_IOERR,
			    "%s: %s%s", conf_output_name((enum output_kind)k),
			    eb.msg, eb.errnum == ENOENT ?
			    " (not published yet: run mailmap build)" : "");
	}
	if (ro.role != ROUTE_ROLE_SUBMISSION &&
	    (st = sync_domain(c, &domain, NULL, &eb)) != SYNC_OK)
		fatalx(sync_status_exit(st), "%s", eb.msg);
	ro.domain = domain;
	ro.relay_nexthop = c->transport_nexthop;
	ro.lookup = resolve_lookup;
	ro.arg = tabs;
	log_debug("resolve %s as %s", addr, route_role_name(ro.role));
	if ((r = route_resolve(&ro, argv[optind], &out, &eb)) == -1)
		fatalx(eb.errnum == ENOMEM ? EX_OSERR : EX_IOERR, "%s: %s",
		    addr, eb.msg);
	(void)fputs(buf_cstr(&out), stdout);
	buf_free(&out);
	free(domain);
	for (k = 0; k < OUTPUT_COUNT; k++)
		table_close(&tabs[k]);
	return r;
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
	struct errbuf eb;
	int ch, verbose = 0, rc, conf_given = 0;

	log_init(argv[0], 1);
	/* Before anything holds a hash: no core file, no ptrace. */
	if (priv_nocore(&eb) == -1)
		fatalx(EX_OSERR, "%s", eb.msg);
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
