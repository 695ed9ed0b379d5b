/*
 * maildnscheck: check each domain's mail DNS (MX, SPF, DMARC, DKIM, TLSA,
 * PTR, submission SRV) against its expected state and report for people,
 * for programs (JSON) and for monitoring (Nagios exit codes + perfdata,
 * Prometheus textfile).  Domains are checked concurrently, one thread
 * each, over one shared libunbound context.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "atomicfile.h"
#include "buf.h"
#include "dns_unbound.h"
#include "dnscheck.h"
#include "dnsexpect.h"
#include "log.h"
#include "priv.h"
#include "tlsprobe.h"
#include "xmalloc.h"

#define MAX_JOBS 64

enum fmt { FMT_TEXT, FMT_JSON, FMT_NAGIOS };

struct job {
	struct dns_resolver *r;
	const struct dnscheck_opts *opts;
	const struct dnsexpect *exp;
	char **domains;
	struct dnscheck_result **res;
	size_t n;
	size_t next;
	pthread_mutex_t mu;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: maildnscheck [-v] [-c expected.yaml] [--resolver IP[#port]]...\n"
	    "           [--trust-anchor FILE|RR] [--timeout S] [--retries N]\n"
	    "           [--deadline S] [--live] [--live-timeout S] [--ca-file FILE]\n"
	    "           [--helo NAME] [--port-map FROM=TO,...] [--list-ids]\n"
	    "           [--format text|json|nagios] [--prom-file PATH]\n"
	    "           [--allow-reserved] [--mx-order-only] [--warn-spf-lookups N]\n"
	    "           [--jobs N] [DOMAIN...]\n"
	    "DOMAIN: a domain name like example.org (a final dot is fine).\n"
	    "Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; 64 usage, 78 config.\n");
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&j->mu);
		i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			return NULL;
		j->res[i] = dnscheck_domain(j->r, j->opts, j->domains[i],
		    dnsexpect_find(j->exp, j->domains[i]));
	}
}

/* Temp file beside PATH, fsync, rename, fsync the directory: node_exporter
   never reads a half-written file. */
/* The --prom-file, through lib/atomicfile like every file udmail
   writes: never through a symbolic link, never over a device, never into
   a directory another user could change.  Temp files a killed check
   left are removed first (an hour old at least: no lock here). */
#define PROM_LEFTOVER_AGE 3600

static int
write_prom(const char *path, const char *data, size_t len,
    struct errbuf *eb)
{
	if (atomicfile_cleanup(path, PROM_LEFTOVER_AGE, eb) == -1)
		return -1;
	return atomicfile_put(path, 0644, ATOMICFILE_KEEP_GID, data, len, eb);
}

static double
parse_seconds(const char *s, const char *opt)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || v <= 0 || v > 3600)
		fatalx(EX_USAGE, "%s: expected seconds (0 < S <= 3600): %s",
		    opt, s);
	return v;
}

static long
parse_num(const char *s, const char *opt, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		fatalx(EX_USAGE, "%s: expected a number %ld..%ld: %s", opt, lo,
		    hi, s);
	return v;
}

/* The finding ids, their severity and meaning: what monitoring can
   match on. */
static void
list_ids(void)
{
	const struct dnscheck_idinfo *ids;
	size_t n, i;

	ids = dnscheck_ids(&n);
	for (i = 0; i < n; i++)
		printf("%-28s %-8s %s\n", ids[i].id, ids[i].severity,
		    ids[i].meaning);
	if (fflush(stdout) == EOF)
		fatal(EX_IOERR, "stdout");
}

struct port_map {
	uint16_t from[8], to[8];
	size_t n;
};

/* "25=2525,443=8443": for tests only, the ports live checks connect to. */
static void
parse_port_map(const char *s, struct port_map *pm)
{
	char *copy = xstrdup(s), *tok, *save = NULL, *eq;

	pm->n = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL ||
		    pm->n == sizeof(pm->from) / sizeof(pm->from[0]))
			fatalx(EX_USAGE, "--port-map: expected FROM=TO[,...] "
			    "(at most 8): %s", s);
		*eq = '\0';
		pm->from[pm->n] = (uint16_t)parse_num(tok, "--port-map", 1,
		    65535);
		pm->to[pm->n++] = (uint16_t)parse_num(eq + 1, "--port-map", 1,
		    65535);
	}
	free(copy);
}

/* The MTA-STS policy is fetched without --live where a mode is expected. */
static int
needs_policy(const struct dnsexpect *exp)
{
	size_t i;

	for (i = 0; exp != NULL && i < exp->nd; i++)
		if (exp->d[i].mta_sts.set)
			return 1;
	return 0;
}

/* A domain named on the command line: a host name, so nothing odd (an
   empty name, a newline) reaches DNS or the report. */
static void
check_domain_arg(const char *d)
{
	struct errbuf eb;
	struct buf q = BUF_INIT;
	size_t n = strlen(d);

	if (n > 1 && d[n - 1] == '.')
		n--;
	if (addr_check_domain(d, n, 1, &eb) == 0)
		return;
	if (buf_put_visn(&q, d, strlen(d), 64) == -1)
		fatal(EX_OSERR, "domain");
	fatalx(EX_USAGE, "'%s': %s, expected a domain name", buf_cstr(&q),
	    eb.msg);
}

/* With a trust anchor, the anchor's own zone must validate as secure, or
   the resolver path strips DNSSEC and no state can be trusted. */
static int
sanity_validating(struct dns_resolver *r)
{
	struct dns_answer *a = NULL;
	struct errbuf eb;
	const char *zone = dns_unbound_ta_zone(r);
	int ok;

	if (zone == NULL)
		return 0;
	if (dns_query(r, *zone ? zone : ".", DNS_T_DNSKEY, &a, &eb) == -1) {
		log_warnx("trust anchor %s: %s", *zone ? zone : ".", eb.msg);
		return 0;
	}
	ok = a->status == DNS_ANSWER && a->sec == DNS_SEC_SECURE;
	if (!ok)
		log_warnx("trust anchor %s: DNSKEY is %s/%s, not secure: "
		    "DNSSEC states are not validated", *zone ? zone : ".",
		    dns_status_name(a->status), dns_sec_name(a->sec));
	dns_answer_free(&a);
	return ok;
}

/* What the command line asks for. */
struct args {
	struct dns_unbound_opts uo;
	struct dnscheck_opts co;
	struct port_map pm;	/* co.port_from and co.port_to point here */
	const char *cfg, *promfile, **resolvers;
	size_t nres;
	enum fmt fmt;
	long jobs;
	int verbose;
};

static const struct option lopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "resolver", required_argument, NULL, 'r' },
	{ "trust-anchor", required_argument, NULL, 'T' },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, 'R' },
	{ "deadline", required_argument, NULL, 'D' },
	{ "list-ids", no_argument, NULL, 'L' },
	{ "live", no_argument, NULL, 'l' },
	{ "live-timeout", required_argument, NULL, 'o' },
	{ "ca-file", required_argument, NULL, 'C' },
	{ "helo", required_argument, NULL, 'H' },
	{ "port-map", required_argument, NULL, 'M' },
	{ "format", required_argument, NULL, 'f' },
	{ "prom-file", required_argument, NULL, 'P' },
	{ "allow-reserved", no_argument, NULL, 'A' },
	{ "mx-order-only", no_argument, NULL, 'O' },
	{ "warn-spf-lookups", required_argument, NULL, 'W' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static enum fmt
parse_format(const char *s)
{
	if (strcmp(s, "text") == 0)
		return FMT_TEXT;
	if (strcmp(s, "json") == 0)
		return FMT_JSON;
	if (strcmp(s, "nagios") == 0)
		return FMT_NAGIOS;
	fatalx(EX_USAGE, "--format: text, json or nagios, not %s", s);
}

/* Options into A; exits for --help, --version, --list-ids and errors. */
static void
parse_args(int argc, char **argv, struct args *a)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "c:hvV", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->cfg = optarg;
			break;
		case 'r':
			a->resolvers = xreallocarray(a->resolvers, a->nres + 1,
			    sizeof(*a->resolvers));
			a->resolvers[a->nres++] = optarg;
			break;
		case 'T':
			a->uo.trust_anchor = optarg;
			break;
		case 't':
			a->uo.timeout = parse_seconds(optarg, "--timeout");
			break;
		case 'R':
			a->uo.retries = (int)parse_num(optarg, "--retries", 0,
			    10);
			break;
		case 'D':
			a->co.deadline = parse_seconds(optarg, "--deadline");
			break;
		case 'f':
			a->fmt = parse_format(optarg);
			break;
		case 'P':
			a->promfile = optarg;
			break;
		case 'A':
			a->co.allow_reserved = 1;
			break;
		case 'O':
			a->co.mx_order_only = 1;
			break;
		case 'W':
			a->co.spf_warn_lookups = (unsigned)parse_num(optarg,
			    "--warn-spf-lookups", 1, 10);
			break;
		case 'j':
			a->jobs = parse_num(optarg, "--jobs", 1, MAX_JOBS);
			break;
		case 'v':
			a->verbose++;
			break;
		case 'L':
			list_ids();
			exit(0);
		case 'l':
			a->co.live = 1;
			break;
		case 'o':
			a->co.live_timeout = parse_seconds(optarg,
			    "--live-timeout");
			break;
		case 'C':
			if (access(optarg, R_OK) == -1)
				fatal(EX_USAGE, "--ca-file %s", optarg);
			a->co.ca_file = optarg;
			break;
		case 'H':
			check_domain_arg(optarg);
			a->co.helo = optarg;
			break;
		case 'M':
			parse_port_map(optarg, &a->pm);
			a->co.port_from = a->pm.from;
			a->co.port_to = a->pm.to;
			a->co.nport_map = a->pm.n;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("maildnscheck %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
}

/* Check every domain of JOB with at most JOBS threads. */
static void
run_jobs(struct job *job, long jobs)
{
	pthread_t th[MAX_JOBS];
	size_t i, nthreads;

	job->res = xcalloc(job->n, sizeof(*job->res));
	pthread_mutex_init(&job->mu, NULL);
	nthreads = job->n < (size_t)jobs ? job->n : (size_t)jobs;
	for (i = 0; i < nthreads; i++)
		if ((errno = pthread_create(&th[i], NULL, worker, job)) != 0)
			fatal(EX_OSERR, "pthread_create");
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < job->n; i++)
		if (job->res[i] == NULL)
			fatalx(EX_OSERR, "%s: out of memory", job->domains[i]);
}

/* Print the report in A's format, write the Prometheus file when asked;
   returns ST, made at least UNKNOWN when that file could not be written. */
static enum dnscheck_status
report(const struct args *a, const struct job *job, struct dns_resolver *r,
    enum dnscheck_status st)
{
	struct dnscheck_report_info info;
	struct buf out = BUF_INIT, prom = BUF_INIT;
	struct errbuf eb;
	int rv;

	memset(&info, 0, sizeof(info));
	info.tool = "maildnscheck";
	info.version = PACKAGE_VERSION;
	info.servers = a->resolvers;
	info.nservers = a->nres;
	info.trust = a->co.validating ? dns_unbound_ta_zone(r) : NULL;
	info.verbose = a->verbose;
	switch (a->fmt) {
	case FMT_TEXT:
		rv = dnscheck_report_text(&out, job->res, job->n, &info);
		break;
	case FMT_JSON:
		rv = dnscheck_report_json(&out, job->res, job->n, &info);
		break;
	default:
		rv = dnscheck_report_nagios(&out, job->res, job->n, &info);
		break;
	}
	if (rv == -1)
		fatal(EX_OSERR, "report");
	fwrite(buf_cstr(&out), 1, out.len, stdout);
	if (fflush(stdout) == EOF)
		fatal(EX_IOERR, "stdout");
	if (a->promfile != NULL) {
		if (dnscheck_report_prom(&prom, job->res, job->n, &info,
		    time(NULL)) == -1)
			fatal(EX_OSERR, "prometheus report");
		if (write_prom(a->promfile, buf_cstr(&prom), prom.len,
		    &eb) == -1) {
			log_warnx("prom file: %s", eb.msg);
			st = dnscheck_worst(st, DNSCHECK_UNKNOWN);
		}
	}
	buf_free(&out);
	buf_free(&prom);
	return st;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct dnsexpect *exp = NULL;
	struct dns_resolver *r;
	struct errbuf eb;
	struct job job;
	enum dnscheck_status st;
	size_t i;

	setlocale(LC_ALL, "C");
	log_init("maildnscheck", 1);
	/* It reads DKIM private keys: no core file, no ptrace. */
	if (priv_nocore(&eb) == -1)
		fatalx(EX_OSERR, "%s", eb.msg);
	memset(&a, 0, sizeof(a));
	a.uo.timeout = 5;
	a.uo.retries = 1;
	a.co.spf_warn_lookups = 9;
	a.fmt = FMT_TEXT;
	a.jobs = 16;
	parse_args(argc, argv, &a);
	argc -= optind;
	argv += optind;
	for (i = 0; i < (size_t)argc; i++)
		check_domain_arg(argv[i]);
	if (a.cfg != NULL && dnsexpect_load(a.cfg, &exp, &eb) == -1)
		fatalx(EX_CONFIG, "%s", eb.msg);
	memset(&job, 0, sizeof(job));
	if (argc > 0) {
		job.n = (size_t)argc;
		job.domains = argv;
	} else if (exp != NULL && exp->nd > 0) {
		job.n = exp->nd;
		job.domains = xcalloc(exp->nd, sizeof(char *));
		for (i = 0; i < exp->nd; i++)
			job.domains[i] = exp->d[i].name;
	} else {
		usage(stderr);
		return EX_USAGE;
	}
	for (i = 0; argc > 0 && exp != NULL && i < job.n; i++)
		if (dnsexpect_find(exp, job.domains[i]) == NULL)
			log_warnx("%s: not in %s: lint only", job.domains[i],
			    a.cfg);
	a.uo.resolvers = a.resolvers;
	a.uo.nresolvers = a.nres;
	if ((r = dns_unbound_new(&a.uo, &eb)) == NULL)
		fatalx(EX_CONFIG, "%s", eb.msg);
	a.co.validating = sanity_validating(r);
	if (a.co.live || needs_policy(exp)) {
		if ((a.co.tls = tlsprobe_ctx_new(a.co.ca_file, &eb)) == NULL)
			fatalx(EX_CONFIG, "%s", eb.msg);
	}
	job.r = r;
	job.opts = &a.co;
	job.exp = exp;
	run_jobs(&job, a.jobs);
	st = report(&a, &job, r, dnscheck_overall(job.res, job.n));
	for (i = 0; i < job.n; i++)
		dnscheck_result_free(&job.res[i]);
	free(job.res);
	if (argc == 0)
		free(job.domains);
	free(a.resolvers);
	dns_resolver_free(&r);
	tlsprobe_ctx_free(&a.co.tls);
	dnsexpect_free(&exp);
	return (int)st;
}
