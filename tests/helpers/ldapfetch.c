/*
 * ldapfetch: test and benchmark driver for lib/src_ldap.  Fetches the
 * accounts like mailsyncd would and prints one sorted line per account,
 *   uid <TAB> state <TAB> forward or "-" <TAB> mail password yes/no
 * never the hash itself.  Exit 0, or 1 with the error on stderr.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <ldap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "log.h"
#include "src_ldap.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ldapfetch -H URI -b BASE [-D DN -y PWFILE | -E] [-Z]\n"
	    "         [--ca FILE] [-p PAGESIZE] [-f FILTER] [-s one|sub]\n"
	    "         [-t TIMEOUT] [--grace-days N] [--now EPOCH] [-c] [-v]\n"
	    "  -E  SASL EXTERNAL (ldapi://)    -Z  StartTLS (required)\n"
	    "  -p  page size, 0 = no paged results control (default 500)\n"
	    "  -c  print only the count of accounts\n"
	    "  --find UID   print the DN of UID instead (exit 1 if none)\n");
}

static int
parse_int(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 1 << 30)
		fatalx(64, "bad %s: %s", what, s);
	return (int)v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'C' },
		{ "grace-days", required_argument, NULL, 'G' },
		{ "now", required_argument, NULL, 'N' },
		{ "find", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_ldap cl = { 0 };
	struct account_list list = { 0 };
	struct errbuf eb = { { 0 }, 0 };
	struct ldap *ld;
	const char *find = NULL;
	time_t now = time(NULL);
	int ch, grace = 186, count_only = 0, r;
	size_t i;

	log_init("ldapfetch", 1);
	/* libldap writes to its socket with plain write(2): a server that
	   died must be an error return, not a fatal SIGPIPE. */
	(void)signal(SIGPIPE, SIG_IGN);
	cl.enabled = 1;
	cl.scope = LDAP_SCOPE_ONELEVEL;
	cl.page_size = 500;
	cl.timeout = 30;
	cl.network_timeout = 10;
	cl.auth = CONF_LDAP_AUTH_NONE;
	while ((ch = getopt_long(argc, argv, "H:b:D:y:EZp:f:s:t:cvh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'H':
			cl.uri = optarg;
			break;
		case 'b':
			cl.base = optarg;
			break;
		case 'D':
			cl.bind_dn = optarg;
			cl.auth = CONF_LDAP_AUTH_SIMPLE;
			break;
		case 'y':
			cl.bind_password_file = optarg;
			break;
		case 'E':
			cl.auth = CONF_LDAP_AUTH_SASL_EXTERNAL;
			break;
		case 'Z':
			cl.starttls = 1;
			break;
		case 'C':
			cl.ca_file = optarg;
			break;
		case 'p':
			cl.page_size = parse_int(optarg, "page size");
			break;
		case 'f':
			cl.filter = optarg;
			break;
		case 's':
			if (strcmp(optarg, "one") == 0)
				cl.scope = LDAP_SCOPE_ONELEVEL;
			else if (strcmp(optarg, "sub") == 0)
				cl.scope = LDAP_SCOPE_SUBTREE;
			else
				fatalx(64, "bad scope: %s", optarg);
			break;
		case 't':
			cl.timeout = parse_int(optarg, "timeout");
			cl.network_timeout = cl.timeout;
			break;
		case 'G':
			grace = parse_int(optarg, "grace days");
			break;
		case 'N':
			now = (time_t)parse_int(optarg, "epoch");
			break;
		case 'F':
			find = optarg;
			break;
		case 'c':
			count_only = 1;
			break;
		case 'v':
			log_set_verbose(log_get_verbose() + 1);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("ldapfetch (udmail tests) " PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind != argc || cl.uri == NULL || cl.base == NULL) {
		usage(stderr);
		return 64;
	}
	if ((ld = src_ldap_connect(&cl, NULL, &eb)) == NULL) {
		log_warnx("%s", eb.msg);
		return 1;
	}
	if (find != NULL) {
		char *dn = NULL;

		r = src_ldap_find_dn(ld, &cl, find, &dn, &eb);
		src_ldap_close(&ld);
		if (r == -1)
			log_warnx("%s", eb.msg);
		else if (r == 0)
			log_warnx("%s: no such account", find);
		else
			printf("%s\n", dn);
		free(dn);
		return r == 1 ? 0 : 1;
	}
	r = src_ldap_fetch(ld, &cl, now, grace, &list, NULL, &eb);
	src_ldap_close(&ld);
	if (r == -1) {
		log_warnx("%s", eb.msg);
		return 1;
	}
	account_list_sort(&list);
	if (count_only) {
		printf("%zu\n", list.n);
	} else {
		for (i = 0; i < list.n; i++) {
			const struct account *a = &list.v[i];

			printf("%s\t%s\t%s\t%s\n", a->uid,
			    account_state_name(a->state),
			    a->forward != NULL ? a->forward : "-",
			    a->password != NULL ? "yes" : "no");
		}
	}
	log_info("%zu accounts, %zu entries rejected, %zu values dropped",
	    list.n, list.rejected, list.bad_values);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		account_list_free(&list);
		return 1;
	}
	account_list_free(&list);
	return 0;
}
