/*
 * mailpw.h: what the parts of mailpw share: its state, its long-option
 * codes and the helpers the subcommands call.  mailpw.c holds main and
 * hash, verify, set and generate; mailpw_audit.c audit; mailpw_tune.c
 * tune.
 */
#ifndef UDMAIL_MAILPW_H
#define UDMAIL_MAILPW_H

#include "conf.h"
#include "pwhash.h"
#include "pwpolicy.h"
#include "src_ldap.h"

struct mailpw {
	const char *conf_path;
	int conf_explicit;
	struct conf *conf;
	struct conf_policy policy;
	struct pwhash_params params;
};

/* Exit status of verify and audit: 0 fine, 1 mismatch / attention. */
#define EXIT_ATTENTION 1

enum { OPT_SCHEME = 256, OPT_ROUNDS, OPT_HASH_FILE, OPT_HASH_FD, OPT_USER,
	OPT_STDIN, OPT_SELF, OPT_WORDS, OPT_LENGTH, OPT_HASH, OPT_SET,
	OPT_FORMAT, OPT_ALL, OPT_IGNORE_MISSING, OPT_TARGET, OPT_MAXMEM };

/* Print the usage and exit with EX_USAGE. */
void mailpw_usage(void) __attribute__((noreturn));
/* OPT's number argument S, MIN..MAX, or exit with EX_USAGE. */
unsigned long mailpw_num_arg(const char *opt, const char *s, unsigned long min,
    unsigned long max);
/* Policy and cost: defaults, then the configuration (required when
   NEED_CONF), then options. */
void mailpw_setup(struct mailpw *mp, int need_conf);
/* The LDAP connection of the configuration, or exit. */
struct ldap *mailpw_ldap_open(struct mailpw *mp);

int cmd_audit(struct mailpw *mp, int argc, char **argv);
int cmd_tune(struct mailpw *mp, int argc, char **argv);

#endif
