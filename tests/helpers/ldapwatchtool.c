/*
 * ldapwatchtool: test driver for lib/ldapwatch.
 *   ldapwatchtool -H URI -b BASE -D DN -y PWFILE cookie
 *       print the cookie for LDAP's state now (exit 1 if it has none)
 *   ldapwatchtool -H URI -b BASE -D DN -y PWFILE watch [COOKIE]
 *       run the refresh phase from COOKIE, then print "sync" when the
 *       watch asks for a sync, "current" when it does not
 * Exit 0, or 1 with the error on stderr.
 */
#include "config.h"

#include <errno.h>
#include <ldap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldapset.h"
#include "ldapwatch.h"
#include "log.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: ldapwatchtool -H URI -b BASE [-D DN -y PWFILE] "
	    "cookie | watch [COOKIE]\n");
}

static int
watch(const struct conf_ldap *cl, const char *cookie)
{
	struct errbuf eb = { { 0 }, 0 };
	struct ldapwatch *w;
	struct ldapset *set;
	struct pollfd pfd;
	int r = 0, i;

	if ((set = ldapset_new("uid", cl->base, NULL, &eb)) == NULL ||
	    (w = ldapwatch_open(cl, 0, cookie, set, NULL, &eb)) == NULL) {
		log_warnx("%s", eb.msg);
		ldapset_free(&set);
		return 1;
	}
	for (i = 0; i < 100 && !ldapwatch_ready(w) && r == 0; i++) {
		pfd.fd = ldapwatch_fd(w);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) == -1)
			break;
		r = ldapwatch_process(w, &eb);
	}
	ldapwatch_close(&w);
	ldapset_free(&set);
	/* A cookie this empty set cannot follow: a full refresh, a sync. */
	if (r == -1 && eb.errnum == ESTALE)
		r = 1;
	if (r == -1) {
		log_warnx("%s", eb.msg);
		return 1;
	}
	if (r == 0 && i == 100) {
		log_warnx("refresh did not end");
		return 1;
	}
	puts(r == 1 ? "sync" : "current");
	return 0;
}

int
main(int argc, char **argv)
{
	struct conf_ldap cl = { 0 };
	struct errbuf eb = { { 0 }, 0 };
	char *cookie = NULL;
	int ch, r;

	log_init("ldapwatchtool", 1);
	(void)signal(SIGPIPE, SIG_IGN);
	cl.enabled = 1;
	cl.scope = LDAP_SCOPE_ONELEVEL;
	cl.timeout = 30;
	cl.network_timeout = 10;
	cl.auth = CONF_LDAP_AUTH_NONE;
	cl.filter = "(objectClass=*)";
	while ((ch = getopt(argc, argv, "H:b:D:y:h")) != -1) {
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (cl.uri == NULL || cl.base == NULL || optind >= argc) {
		usage(stderr);
		return 64;
	}
	if (strcmp(argv[optind], "watch") == 0 && argc - optind <= 2)
		return watch(&cl, argv[optind + 1]);
	if (strcmp(argv[optind], "cookie") != 0 || argc - optind != 1) {
		usage(stderr);
		return 64;
	}
	if ((r = ldapwatch_cookie(&cl, &cookie, NULL, &eb)) == -1)
		log_warnx("%s", eb.msg);
	else if (r == 0)
		log_warnx("%s: no contextCSN", cl.base);
	else
		puts(cookie);
	free(cookie);
	return r == 1 ? 0 : 1;
}
