/*
 * mailpw: hash, verify, set, generate, audit and tune mail passwords
 * (mailPassword, Dovecot "{SCHEME}hash" or a bare crypt(3) hash).
 * Passwords come from stdin or the terminal, never argv or the
 * environment; they live in one locked buffer (lib/secret) and never
 * reach a log line.  See mailpw(1).  Audit and tune are in
 * mailpw_audit.c and mailpw_tune.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "monotime.h"
#include "priv.h"
#include "pwhash.h"
#include "pwpolicy.h"
#include "secret.h"
#include "xmalloc.h"
#include "mailpw.h"


static void __attribute__((noreturn))
usage_to(FILE *f, int ex)
{
	(void)fprintf(f,
	    "usage: mailpw [-v] [-c config] command [options]\n"
	    "  hash     [--scheme S] [-m KIB] [-t N] [-p N] [--rounds N] < pw\n"
	    "  verify   (--hash-file FILE | --hash-fd N | --user UID) < pw\n"
	    "  set      [--stdin] [--self] [cost options] USER\n"
	    "  generate [--words N | --length N] [--hash] [--set USER]"
	    " [cost options]\n"
	    "  audit    [--format text|json] [--all] [--ignore-missing]\n"
	    "  tune     --target-ms N [-p N] [--max-memory KIB]\n"
	    "cost options: --scheme S, -m KIB, -t N, -p N, --rounds N\n"
	    "stored hashes: {SCHEME}hash or a bare crypt(3) hash ($1$, $5$,"
	    " $6$, $2b$, $y$, DES)\n"
	    "see mailpw(1)\n");
	exit(ex);
}

void __attribute__((noreturn))
mailpw_usage(void)
{
	usage_to(stderr, EX_USAGE);
}

unsigned long
mailpw_num_arg(const char *opt, const char *s, unsigned long min,
    unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < min || v > max)
		fatalx(EX_USAGE, "%s: want a number %lu..%lu", opt, min, max);
	return v;
}

static int
conf_wanted(struct mailpw *mp, int need)
{
	struct errbuf eb;

	if (!need && !mp->conf_explicit && access(mp->conf_path, F_OK) == -1)
		return 0;
	if ((mp->conf = conf_load(mp->conf_path, &eb)) == NULL)
		fatalx(EX_CONFIG, "%s", eb.msg);
	mp->policy = mp->conf->policy;
	return 1;
}

/* Policy and cost: defaults, then the configuration, then options. */
void
mailpw_setup(struct mailpw *mp, int need_conf)
{
	(void)conf_wanted(mp, need_conf);
	mp->params.m_kib = mp->policy.argon2_m_kib;
	mp->params.t_cost = mp->policy.argon2_t;
	mp->params.lanes = mp->policy.argon2_p;
}

struct cost_opts {
	int scheme_set, m_set, t_set, p_set;
	enum pwhash_scheme scheme;
	unsigned long m, t, p, rounds;
};

#define COST_LONGOPTS                                                   \
	{ "scheme", required_argument, NULL, OPT_SCHEME },              \
	{ "memory", required_argument, NULL, 'm' },                     \
	{ "time", required_argument, NULL, 't' },                       \
	{ "parallelism", required_argument, NULL, 'p' },                \
	{ "rounds", required_argument, NULL, OPT_ROUNDS }

/* Returns 1 if C was a cost option. */
static int
cost_opt(struct cost_opts *co, int c, const char *arg)
{
	switch (c) {
	case OPT_SCHEME:
		co->scheme = pwhash_scheme_by_name(arg);
		if (co->scheme != PWHASH_ARGON2ID &&
		    co->scheme != PWHASH_ARGON2I &&
		    co->scheme != PWHASH_SHA512_CRYPT &&
		    co->scheme != PWHASH_SHA256_CRYPT &&
		    co->scheme != PWHASH_BLF_CRYPT)
			fatalx(EX_USAGE, "--scheme: one of ARGON2ID, ARGON2I, "
			    "SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT");
		co->scheme_set = 1;
		return 1;
	case 'm':
		co->m = mailpw_num_arg("--memory", arg, 8, PWHASH_ARGON2_M_MAX);
		co->m_set = 1;
		return 1;
	case 't':
		co->t = mailpw_num_arg("--time", arg, 1, PWHASH_ARGON2_T_MAX);
		co->t_set = 1;
		return 1;
	case 'p':
		co->p = mailpw_num_arg("--parallelism", arg, 1,
		    PWHASH_ARGON2_P_MAX);
		co->p_set = 1;
		return 1;
	case OPT_ROUNDS:
		co->rounds = mailpw_num_arg("--rounds", arg, 4, 999999999);
		return 1;
	default:
		return 0;
	}
}

/* The cost options over the policy's; checked before any input is read
   or LDAP is contacted. */
static void
cost_apply(struct mailpw *mp, const struct cost_opts *co)
{
	struct errbuf eb;

	if (co->scheme_set)
		mp->params.scheme = co->scheme;
	if (co->m_set)
		mp->params.m_kib = (uint32_t)co->m;
	if (co->t_set)
		mp->params.t_cost = (uint32_t)co->t;
	if (co->p_set)
		mp->params.lanes = (uint32_t)co->p;
	mp->params.rounds = co->rounds;
	if (pwhash_params_check(&mp->params, &eb) == -1)
		fatalx(EX_USAGE, "%s", eb.msg);
}

static struct secret *
secret_alloc(const struct mailpw *mp)
{
	struct secret *s;
	struct errbuf eb;
	size_t max = mp->policy.max_length > 0 ?
	    (size_t)mp->policy.max_length : SECRET_MAX_DEFAULT;

	if ((s = secret_new(max, &eb)) == NULL)
		fatalx(EX_OSERR, "%s", eb.msg);
	return s;
}

static int
exit_for_read(const struct errbuf *eb)
{
	return eb->errnum == ENODATA ? EX_NOINPUT : eb->errnum != 0 ?
	    EX_IOERR : EX_DATAERR;
}

/* One password from stdin, or from the terminal (no echo) when stdin
   is one. */
static void
read_password(struct secret *s, const char *prompt)
{
	struct errbuf eb;
	int rc;

	if (isatty(STDIN_FILENO))
		rc = secret_read_tty(s, prompt, &eb);
	else
		rc = secret_read_fd(s, STDIN_FILENO, &eb);
	if (rc == -1)
		fatalx(exit_for_read(&eb), "%s", eb.msg);
}

/* Write all of P (a secret or hash) to FD without stdio buffering. */
static void
write_line(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			fatal(EX_IOERR, "write");
		p += n;
		len -= (size_t)n;
	}
	if (write(fd, "\n", 1) != 1)
		fatal(EX_IOERR, "write");
}

static void
make_hash(const struct mailpw *mp, const struct secret *pw,
    char out[PWHASH_MAX])
{
	struct errbuf eb;

	if (pwhash_make(&mp->params, pw->data, pw->len, out, &eb) == -1)
		fatalx(eb.errnum == EINVAL ? EX_DATAERR : EX_SOFTWARE, "%s",
		    eb.msg);
}

static int
cmd_hash(struct mailpw *mp, int argc, char **argv)
{
	static const struct option lo[] = { COST_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct cost_opts co = { 0 };
	struct secret *pw;
	struct errbuf eb;
	char out[PWHASH_MAX];
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+m:t:p:", lo, NULL)) != -1)
		if (!cost_opt(&co, c, optarg))
			mailpw_usage();
	if (optind != argc)
		mailpw_usage();
	mailpw_setup(mp, 0);
	cost_apply(mp, &co);
	pw = secret_alloc(mp);
	read_password(pw, "Password: ");
	if (pwpolicy_check_input(&mp->policy, pw->data, pw->len, &eb) == -1) {
		secret_free(&pw);
		fatalx(EX_DATAERR, "%s", eb.msg);
	}
	make_hash(mp, pw, out);
	secret_free(&pw);
	write_line(STDOUT_FILENO, out, strlen(out));
	sodium_memzero(out, sizeof(out));
	return 0;
}

/* The stored hash for verify from a file or descriptor: its first line. */
static struct secret *
read_stored_fd(int fd, const char *what)
{
	struct secret *s;
	struct errbuf eb;

	if ((s = secret_new(PWHASH_MAX, &eb)) == NULL)
		fatalx(EX_OSERR, "%s", eb.msg);
	if (secret_read_line(s, fd, &eb) == -1) {
		int ex = exit_for_read(&eb);

		/* EB speaks of a password; this is a hash. */
		fatalx(ex, "%s: %s%s", what, ex == EX_NOINPUT ? "no hash given" :
		    ex == EX_DATAERR ? "hash longer than 511 bytes" : "read: ",
		    ex == EX_IOERR ? strerror(eb.errnum) : "");
	}
	return s;
}

struct ldap *
mailpw_ldap_open(struct mailpw *mp)
{
	struct ldap *ld;
	struct errbuf eb;

	if (!mp->conf->ldap.enabled)
		fatalx(EX_CONFIG, "%s: no ldap section", mp->conf_path);
	if ((ld = src_ldap_connect(&mp->conf->ldap, NULL, &eb)) == NULL)
		fatalx(EX_UNAVAILABLE, "ldap: %s", eb.msg);
	return ld;
}

static char *
ldap_dn(struct mailpw *mp, struct ldap *ld, const char *uid)
{
	struct errbuf eb;
	char *dn = NULL;

	switch (src_ldap_find_dn(ld, &mp->conf->ldap, uid, &dn, &eb)) {
	case 1:
		return dn;
	case 0:
		fatalx(EX_NOUSER, "%s: no such account", uid);
	default:
		fatalx(EX_UNAVAILABLE, "ldap: %s", eb.msg);
	}
}

/* The mailPassword of UID, read through the same fetch as mailsyncd
   (uid matched without regard to case, as LDAP does).  A locked or
   expired account still has its hash checked, with a note that
   mailsyncd publishes no passwd-file line for it. */
static struct secret *
ldap_stored(struct mailpw *mp, const char *uid)
{
	struct account_list al = { 0 };
	struct secret *s = NULL;
	struct errbuf eb;
	struct ldap *ld;
	size_t i, n;

	mailpw_setup(mp, 1);
	ld = mailpw_ldap_open(mp);
	if (src_ldap_fetch(ld, &mp->conf->ldap, time(NULL),
		mp->conf->retired_grace_days, &al, NULL, &eb) == -1)
		fatalx(EX_UNAVAILABLE, "ldap: %s", eb.msg);
	src_ldap_close(&ld);
	for (i = 0; i < al.n; i++) {
		if (strcasecmp(al.v[i].uid, uid) != 0)
			continue;
		if (al.v[i].password == NULL)
			fatalx(EX_NOINPUT, "%s: no %s", uid,
			    mp->conf->ldap.attr_password);
		if (al.v[i].state != ACCOUNT_ACTIVE)
			log_warnx("%s: account %s: mailsyncd publishes no "
			    "passwd-file line for it", uid,
			    account_state_name(al.v[i].state));
		if ((s = secret_new(PWHASH_MAX, &eb)) == NULL)
			fatalx(EX_OSERR, "%s", eb.msg);
		n = strlen(al.v[i].password);
		if (n >= PWHASH_MAX)
			fatalx(EX_DATAERR, "%s: %s longer than %d bytes", uid,
			    mp->conf->ldap.attr_password, PWHASH_MAX - 1);
		memcpy(s->data, al.v[i].password, n + 1);
		s->len = n;
		break;
	}
	account_list_free(&al);
	if (s == NULL)
		fatalx(EX_NOUSER, "%s: no such account", uid);
	return s;
}

static int
cmd_verify(struct mailpw *mp, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "hash-file", required_argument, NULL, OPT_HASH_FILE },
		{ "hash-fd", required_argument, NULL, OPT_HASH_FD },
		{ "user", required_argument, NULL, OPT_USER },
		{ NULL, 0, NULL, 0 } };
	const char *file = NULL, *user = NULL;
	struct pwhash_floor fl;
	struct secret *stored, *pw;
	struct errbuf eb;
	int c, fd = -1, n = 0, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (c) {
		case OPT_HASH_FILE:
			file = optarg;
			n++;
			break;
		case OPT_HASH_FD:
			fd = (int)mailpw_num_arg("--hash-fd", optarg, 3, 1024);
			n++;
			break;
		case OPT_USER:
			user = optarg;
			n++;
			break;
		default:
			mailpw_usage();
		}
	}
	if (optind != argc || n != 1)
		mailpw_usage();
	if (user != NULL)
		stored = ldap_stored(mp, user);
	else {
		mailpw_setup(mp, 0);
		if (file != NULL && (fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
			fatal(EX_NOINPUT, "%s", file);
		stored = read_stored_fd(fd, file != NULL ? file : "--hash-fd");
		(void)close(fd);
	}
	pw = secret_alloc(mp);
	read_password(pw, "Password: ");
	rc = pwhash_verify(stored->data, pw->data, pw->len, &eb);
	secret_free(&pw);
	if (rc == -1) {
		secret_free(&stored);
		fatalx(EX_DATAERR, "%s: stored hash unusable: %s",
		    user != NULL ? user : file != NULL ? file : "--hash-fd",
		    eb.msg);
	}
	log_info("password %s", rc == 1 ? "matches" : "does not match");
	pwhash_floor_default(&fl);
	fl.m_kib = mp->policy.argon2_m_kib;
	fl.t_cost = mp->policy.argon2_t;
	if (rc == 1 && pwhash_needs_rehash(stored->data, &fl, &eb) == 1)
		log_info("hash should be replaced: %s", eb.msg);
	secret_free(&stored);
	return rc == 1 ? 0 : EXIT_ATTENTION;
}

/* Write a fresh hash of PW as USER's mailPassword; SELF_PW (or NULL)
   is the user's own LDAP password for --self. */
static void
set_password(struct mailpw *mp, const char *uid, const struct secret *pw,
    const struct secret *self_pw)
{
	struct ldap *ld;
	struct errbuf eb;
	char out[PWHASH_MAX], *dn;

	ld = mailpw_ldap_open(mp);
	dn = ldap_dn(mp, ld, uid);
	if (self_pw != NULL) {
		src_ldap_close(&ld);
		if ((ld = src_ldap_connect_as(&mp->conf->ldap, dn,
			 self_pw->data, NULL, &eb)) == NULL)
			fatalx(eb.errnum == EACCES ? EX_NOPERM :
			    EX_UNAVAILABLE, "%s", eb.msg);
	}
	make_hash(mp, pw, out);
	if (src_ldap_replace(ld, dn, mp->conf->ldap.attr_password, out,
	    &eb) == -1) {
		sodium_memzero(out, sizeof(out));
		fatalx(EX_UNAVAILABLE, "%s", eb.msg);
	}
	sodium_memzero(out, sizeof(out));
	src_ldap_close(&ld);
	(void)printf("%s of %s replaced (%s)\n", mp->conf->ldap.attr_password,
	    dn, pwhash_scheme_name(mp->params.scheme));
	if (fflush(stdout) == EOF)
		fatal(EX_IOERR, "stdout");
	free(dn);
}

static int
cmd_set(struct mailpw *mp, int argc, char **argv)
{
	static const struct option lo[] = { COST_LONGOPTS,
		{ "stdin", no_argument, NULL, OPT_STDIN },
		{ "self", no_argument, NULL, OPT_SELF },
		{ NULL, 0, NULL, 0 } };
	struct cost_opts co = { 0 };
	struct secret *pw, *again, *self_pw = NULL;
	struct errbuf eb;
	const char *uid;
	int c, use_stdin = 0, self = 0, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+m:t:p:", lo, NULL)) != -1) {
		if (cost_opt(&co, c, optarg))
			continue;
		if (c == OPT_STDIN)
			use_stdin = 1;
		else if (c == OPT_SELF)
			self = 1;
		else
			mailpw_usage();
	}
	if (optind != argc - 1)
		mailpw_usage();
	uid = argv[optind];
	mailpw_setup(mp, 1);
	cost_apply(mp, &co);
	if (!use_stdin && !isatty(STDIN_FILENO))
		fatalx(EX_USAGE, "stdin is not a terminal: use --stdin");
	pw = secret_alloc(mp);
	if (self) {
		self_pw = secret_alloc(mp);
		rc = use_stdin ? secret_read_line(self_pw, STDIN_FILENO, &eb) :
		    secret_read_tty(self_pw, "Current LDAP password: ", &eb);
		if (rc == -1)
			fatalx(exit_for_read(&eb), "%s", eb.msg);
	}
	if (use_stdin) {
		if (secret_read_fd(pw, STDIN_FILENO, &eb) == -1)
			fatalx(exit_for_read(&eb), "%s", eb.msg);
	} else {
		again = secret_alloc(mp);
		if (secret_read_tty(pw, "New mail password: ", &eb) == -1 ||
		    secret_read_tty(again, "Again: ", &eb) == -1)
			fatalx(exit_for_read(&eb), "%s", eb.msg);
		rc = secret_equal(pw, again);
		secret_free(&again);
		if (!rc)
			fatalx(EX_DATAERR, "the two passwords differ");
	}
	if (pwpolicy_check(&mp->policy, uid, pw->data, pw->len, &eb) == -1)
		fatalx(EX_DATAERR, "%s: %s", uid, eb.msg);
	set_password(mp, uid, pw, self_pw);
	secret_free(&self_pw);
	secret_free(&pw);
	return 0;
}

/*
 * generate --words: pronounceable two-syllable words built from fixed
 * tables (16 onsets x 4 vowels x 16 codas per syllable = 10 bits), so the
 * entropy is exact and no word list is needed.
 */
static const char gen_onset[] = "bdfghjklmnprstvz";
static const char gen_vowel[] = "aeio";
static const char gen_coda[] = "bdfgklmnprstvxzc";
static const char gen_alpha[] =
    "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

static double
generate(struct secret *s, unsigned long words, unsigned long length,
    struct errbuf *eb)
{
	unsigned long i, j;
	uint32_t r;
	size_t need = words > 0 ? words * 7 : length;

	secret_clear(s);
	if (need > s->max) {
		errbuf_set(eb, "generated password would exceed %zu bytes",
		    s->max);
		return -1;
	}
	if (words > 0) {
		for (i = 0; i < words; i++) {
			if (i > 0)
				s->data[s->len++] = '-';
			for (j = 0; j < 2; j++) {
				r = randombytes_uniform(1024);
				s->data[s->len++] = gen_onset[r & 15];
				s->data[s->len++] = gen_vowel[(r >> 4) & 3];
				s->data[s->len++] = gen_coda[r >> 6];
			}
		}
		r = 0;
		return (double)words * 20.0;
	}
	for (i = 0; i < length; i++)
		s->data[s->len++] = gen_alpha[randombytes_uniform(
		    sizeof(gen_alpha) - 1)];
	return (double)length * log2((double)(sizeof(gen_alpha) - 1));
}

static int
cmd_generate(struct mailpw *mp, int argc, char **argv)
{
	static const struct option lo[] = { COST_LONGOPTS,
		{ "words", required_argument, NULL, OPT_WORDS },
		{ "length", required_argument, NULL, OPT_LENGTH },
		{ "hash", no_argument, NULL, OPT_HASH },
		{ "set", required_argument, NULL, OPT_SET },
		{ NULL, 0, NULL, 0 } };
	struct cost_opts co = { 0 };
	unsigned long words = 0, length = 0;
	const char *set_uid = NULL;
	struct secret *pw;
	struct errbuf eb;
	char out[PWHASH_MAX];
	double bits;
	int c, hash = 0, tries;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+m:t:p:", lo, NULL)) != -1) {
		if (cost_opt(&co, c, optarg))
			continue;
		switch (c) {
		case OPT_WORDS:
			words = mailpw_num_arg("--words", optarg, 1, 64);
			break;
		case OPT_LENGTH:
			length = mailpw_num_arg("--length", optarg, 1, 256);
			break;
		case OPT_HASH:
			hash = 1;
			break;
		case OPT_SET:
			set_uid = optarg;
			break;
		default:
			mailpw_usage();
		}
	}
	if (optind != argc || (words > 0 && length > 0))
		mailpw_usage();
	if (words == 0 && length == 0)
		length = 20;
	mailpw_setup(mp, set_uid != NULL);
	cost_apply(mp, &co);
	if (sodium_init() < 0)
		fatalx(EX_SOFTWARE, "libsodium initialisation failed");
	pw = secret_alloc(mp);
	/* A random password may, rarely, contain the user name. */
	for (tries = 0;; tries++) {
		if ((bits = generate(pw, words, length, &eb)) < 0)
			fatalx(EX_USAGE, "%s", eb.msg);
		if ((set_uid != NULL ? pwpolicy_check(&mp->policy, set_uid,
		    pw->data, pw->len, &eb) : pwpolicy_check_input(&mp->policy,
		    pw->data, pw->len, &eb)) == 0)
			break;
		if (tries == 10)
			fatalx(EX_USAGE, "generated password: %s", eb.msg);
	}
	/* Refuse before anything is printed or stored. */
	if ((hash || set_uid != NULL) && mp->params.scheme == PWHASH_BLF_CRYPT &&
	    pw->len > 72)
		fatalx(EX_USAGE, "BLF-CRYPT uses only the first 72 bytes of a "
		    "password; ask for a shorter one");
	(void)fprintf(stderr, "entropy: %.1f bits\n", bits);
	if (set_uid != NULL)
		set_password(mp, set_uid, pw, NULL);
	write_line(STDOUT_FILENO, pw->data, pw->len);
	if (hash) {
		make_hash(mp, pw, out);
		write_line(STDOUT_FILENO, out, strlen(out));
		sodium_memzero(out, sizeof(out));
	}
	secret_free(&pw);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 } };
	static const struct {
		const char *name;
		int (*fn)(struct mailpw *, int, char **);
	} cmds[] = {
		{ "hash", cmd_hash },
		{ "verify", cmd_verify },
		{ "set", cmd_set },
		{ "generate", cmd_generate },
		{ "audit", cmd_audit },
		{ "tune", cmd_tune },
	};
	struct mailpw mp;
	struct errbuf eb;
	const char *cmd;
	size_t i;
	int c, verbose = 0, rc;

	log_init(argv[0], 1);
	/* Before any password is read: no core file, no ptrace. */
	if (priv_nocore(&eb) == -1)
		fatalx(EX_OSERR, "%s", eb.msg);
	/* libldap writes with write(2): a server gone mid-request must be an
	   error return, not a fatal signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	memset(&mp, 0, sizeof(mp));
	mp.conf_path = CONF_PATH_DEFAULT;
	pwpolicy_default(&mp.policy);
	pwhash_params_default(&mp.params);
	while ((c = getopt_long(argc, argv, "+c:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			mp.conf_path = optarg;
			mp.conf_explicit = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage_to(stdout, EX_OK);
		case 'V':
			(void)printf("mailpw (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return 0;
		default:
			mailpw_usage();
		}
	}
	log_set_verbose(verbose);
	if (optind >= argc)
		mailpw_usage();
	if (sodium_init() < 0)
		fatalx(EX_SOFTWARE, "libsodium initialisation failed");
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		mailpw_usage();
	rc = cmds[i].fn(&mp, argc, argv);
	conf_free(&mp.conf);
	return rc;
}
