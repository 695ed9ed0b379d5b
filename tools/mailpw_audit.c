/*
 * mailpw audit: every published mailPassword judged (missing, malformed,
 * unsupported, costly, legacy, weak or ok), counted per scheme, as text or
 * JSON.  No hash ever reaches the output.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <getopt.h>

#include "buf.h"
#include "log.h"
#include "mailpw.h"

/* S as a JSON string on F (the escaping is lib/util/buf's). */
static void
json_str(FILE *f, const char *s)
{
	struct buf b = BUF_INIT;

	if (buf_put_json(&b, s) == -1)
		fatal(EX_SOFTWARE, "json output");
	(void)fputs(buf_cstr(&b), f);
	buf_free(&b);
}

/* What audit found, counted per published scheme and per problem. */
enum audit_kind { AUDIT_MISSING = PWHASH_SCHEME_COUNT, AUDIT_MALFORMED,
	AUDIT_UNSUPPORTED, AUDIT_KINDS };

struct audit_counts {
	size_t n[AUDIT_KINDS], bare[AUDIT_KINDS];
	size_t checked, attention, bare_total;
};

static const char *
audit_kind_name(int k)
{
	return k == AUDIT_MISSING ? "missing" : k == AUDIT_MALFORMED ?
	    "malformed" : k == AUDIT_UNSUPPORTED ? "unsupported" :
	    pwhash_scheme_name((enum pwhash_scheme)k);
}

/* Judge one stored value: the status, the count it goes to, the
   scheme (PWHASH_UNKNOWN unless usable) and WHY (never the hash).
   DROPPED: why the fetch dropped the value, or NULL. */
static const char *
audit_judge(const struct mailpw *mp, const struct account *a,
    const char *dropped, const struct pwhash_floor *fl,
    struct pwhash_info *info, int *kind_r, struct errbuf *why)
{
	const char *status;
	size_t n;
	int rc;

	memset(info, 0, sizeof(*info));
	errbuf_clear(why);
	if (a->password == NULL && dropped != NULL) {
		errbuf_set(why, "%s value dropped: %s",
		    mp->conf->ldap.attr_password, dropped);
		*kind_r = AUDIT_MALFORMED;
		return "malformed";
	}
	if (a->password == NULL) {
		errbuf_set(why, "no %s", mp->conf->ldap.attr_password);
		*kind_r = AUDIT_MISSING;
		return "missing";
	}
	if (pwhash_inspect(a->password, info, why) == -1) {
		info->scheme = PWHASH_UNKNOWN;
		*kind_r = why->errnum == ENOTSUP ? AUDIT_UNSUPPORTED :
		    AUDIT_MALFORMED;
		return why->errnum == ENOTSUP ? "unsupported" : "malformed";
	}
	*kind_r = (int)info->scheme;
	/* mailsyncd leaves such a value out of the passwd-file. */
	if (pwhash_cost_check(info, &mp->conf->policy.max_cost, why) == -1)
		return "costly";
	if ((rc = pwhash_needs_rehash(a->password, fl, why)) == 1)
		status = pwhash_info_is_legacy(info) ? "legacy" : "weak";
	else
		status = "ok";
	if (info->bare) {
		n = strlen(why->msg);
		(void)snprintf(why->msg + n, sizeof(why->msg) - n,
		    "%sstored without {SCHEME}, published as {%s}",
		    n > 0 ? "; " : "", pwhash_scheme_name(info->scheme));
	}
	return status;
}

static void
audit_summary(const struct audit_counts *c, int json)
{
	int k, first = 1;

	if (json) {
		(void)printf("\"schemes\":{");
		for (k = 1; k < AUDIT_KINDS; k++) {
			if (c->n[k] == 0)
				continue;
			(void)printf("%s\"%s\":%zu", first ? "" : ",",
			    audit_kind_name(k), c->n[k]);
			first = 0;
		}
		(void)printf("},\"unprefixed\":%zu,", c->bare_total);
		return;
	}
	(void)printf("# %zu accounts checked, %zu need a new password; by "
	    "scheme:\n", c->checked, c->attention);
	for (k = 1; k < AUDIT_KINDS; k++) {
		if (c->n[k] == 0)
			continue;
		(void)printf("# %s\t%zu", audit_kind_name(k), c->n[k]);
		if (c->bare[k] > 0)
			(void)printf("\t(%zu without {SCHEME})", c->bare[k]);
		(void)printf("\n");
	}
}

static int
cmd_audit_run(struct mailpw *mp, int json, int all, int ignore_missing)
{
	struct account_list al = { 0 };
	struct audit_counts c;
	struct pwhash_floor fl;
	struct pwhash_info info;
	struct errbuf eb, why;
	const struct account *a;
	const char *status;
	struct ldap *ld;
	size_t i;
	int kind, bare;

	ld = mailpw_ldap_open(mp);
	if (src_ldap_fetch(ld, &mp->conf->ldap, time(NULL),
		mp->conf->retired_grace_days, &al, NULL, &eb) == -1)
		fatalx(EX_UNAVAILABLE, "ldap: %s", eb.msg);
	src_ldap_close(&ld);
	pwhash_floor_default(&fl);
	fl.m_kib = mp->policy.argon2_m_kib;
	fl.t_cost = mp->policy.argon2_t;
	memset(&c, 0, sizeof(c));
	if (json)
		(void)printf("{\"accounts\":[");
	for (i = 0; i < al.n; i++) {
		a = &al.v[i];
		if (!all && a->state != ACCOUNT_ACTIVE)
			continue;
		c.checked++;
		status = audit_judge(mp, a, account_list_password_problem(&al,
		    a->dn), &fl, &info, &kind, &why);
		if (kind == AUDIT_MISSING && ignore_missing)
			status = "ok";
		/* stored without {SCHEME}: usable or not */
		bare = a->password != NULL &&
		    pwhash_prefix(a->password, NULL, NULL, NULL) == 0;
		c.n[kind]++;
		c.bare[kind] += bare;
		c.bare_total += bare;
		if (strcmp(status, "ok") != 0 && a->state == ACCOUNT_ACTIVE)
			c.attention++;
		if (json) {
			(void)printf("%s{\"uid\":", c.checked > 1 ? "," : "");
			json_str(stdout, a->uid);
			(void)printf(",\"dn\":");
			json_str(stdout, a->dn);
			(void)printf(",\"state\":\"%s\",\"status\":\"%s\","
			    "\"scheme\":\"%s\",\"prefixed\":%s,\"reason\":",
			    account_state_name(a->state), status,
			    pwhash_scheme_name(info.scheme),
			    bare ? "false" : "true");
			json_str(stdout, why.msg);
			(void)printf("}");
		} else if (strcmp(status, "ok") != 0 || log_get_verbose() > 0)
			(void)printf("%s\t%s\t%s\t%s\n", a->uid, status,
			    pwhash_scheme_name(info.scheme),
			    why.msg[0] != '\0' ? why.msg : "-");
	}
	if (json)
		(void)printf("],");
	audit_summary(&c, json);
	if (json)
		(void)printf("\"checked\":%zu,\"attention\":%zu}\n",
		    c.checked, c.attention);
	account_list_free(&al);
	if (fflush(stdout) == EOF)
		fatal(EX_IOERR, "stdout");
	log_info("%zu accounts checked, %zu need attention", c.checked,
	    c.attention);
	return c.attention > 0 ? EXIT_ATTENTION : 0;
}

int
cmd_audit(struct mailpw *mp, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "ignore-missing", no_argument, NULL, OPT_IGNORE_MISSING },
		{ NULL, 0, NULL, 0 } };
	int c, json = 0, all = 0, ignore_missing = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		if (c == OPT_FORMAT && strcmp(optarg, "json") == 0)
			json = 1;
		else if (c == OPT_FORMAT && strcmp(optarg, "text") == 0)
			json = 0;
		else if (c == OPT_ALL)
			all = 1;
		else if (c == OPT_IGNORE_MISSING)
			ignore_missing = 1;
		else
			mailpw_usage();
	}
	if (optind != argc)
		mailpw_usage();
	mailpw_setup(mp, 1);
	return cmd_audit_run(mp, json, all, ignore_missing);
}
