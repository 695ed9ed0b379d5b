/*
 * conf: udmail.yaml into struct conf.  Strict on purpose: an unknown key
 * is an error, because a typo in "outputs" would otherwise silently stop
 * a table from being published.  The first problem found is reported as
 * "FILE:LINE:COL: key: what was expected"; nothing is half-loaded.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

/* <ldap.h> for LDAP_SCOPE_* */
#include <ldap.h>

#include "buf.h"
#include "conf.h"
#include "outputs.h"
#include "yamlutil.h"
#include "ywalk.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

#define CONF_FILTER_DEFAULT \
	"(&(uid=*)(!(uidNumber=0))(objectClass=shadowAccount))"
#define CONF_URI_DEFAULT "ldap://127.0.0.1"

static const struct yaml_limits conf_limits = {
	.max_bytes = CONF_MAX_BYTES,
	.max_depth = 8,
	.max_nodes = 10000,
	.max_scalar = 4096,
};

/* Keys whose position later checks need. */
enum mark {
	MK_NONE,
	MK_LDAP,
	MK_URI,
	MK_STARTTLS,
	MK_AUTH,
	MK_BIND_DN,
	MK_BIND_PW,
	MK_POLICY,
	MK_MIN_LENGTH,
	MK_MAX_LENGTH,
	MK_ARGON2,
	MK_PATH,
	MK_FORMAT,
	MK_OUT, /* + enum output_kind */
	MK_COUNT = MK_OUT + OUTPUT_COUNT
};

struct cctx {
	const char *name;
	struct conf *conf;
	struct errbuf *eb;
	const char *section; /* "ldap", "outputs.virtual", ... or "" */
	int kind;            /* output being read */
	const struct ynode *mark[MK_COUNT];
};

struct ckey;
typedef int ckey_fn(struct cctx *, const struct ckey *,
    const struct ynode *, void *);

struct ckey {
	const char *name;
	ckey_fn *fn;
	size_t off;     /* field in the section's struct */
	long min, max;  /* integers; h_output: kind in min */
	enum mark mark;
};

static const char *const format_names[] = {
	[MAP_FORMAT_LMDB] = "lmdb",
	[MAP_FORMAT_HASH] = "hash",
	[MAP_FORMAT_TEXT] = "text",
};

const char *
conf_output_name(enum output_kind kind)
{
	if ((unsigned)kind >= OUTPUT_COUNT)
		return NULL;
	return outputs[kind].name;
}

int
conf_output_by_name(const char *name)
{
	int i;

	for (i = 0; i < OUTPUT_COUNT; i++)
		if (strcmp(name, outputs[i].name) == 0)
			return i;
	return -1;
}

const char *
conf_format_name(enum map_format fmt)
{
	if ((unsigned)fmt >= sizeof(format_names) / sizeof(format_names[0]))
		return NULL;
	return format_names[fmt];
}

int
conf_format_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(name, format_names[i]) == 0)
			return (int)i;
	return -1;
}

char *
conf_output_file(const struct conf_output *o, enum output_kind kind)
{
	const char *suffix = "";
	size_t n;
	char *s;

	if (o->path == NULL)
		return NULL;
	if (kind != OUTPUT_PASSWD && o->format == MAP_FORMAT_LMDB)
		suffix = ".lmdb";
	else if (kind != OUTPUT_PASSWD && o->format == MAP_FORMAT_HASH)
		suffix = ".db";
	n = strlen(o->path) + strlen(suffix) + 1;
	if ((s = malloc(n)) == NULL)
		return NULL;
	(void)snprintf(s, n, "%s%s", o->path, suffix);
	return s;
}

struct conf *
conf_new_default(void)
{
	struct conf *c;
	struct conf_ldap *l;
	int k;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->sender_login_alias_domains = 1;
	c->shrink_max = 0.10;
	c->retired_grace_days = 186;
	l = &c->ldap;
	l->scope = LDAP_SCOPE_ONELEVEL;
	l->page_size = 500;
	l->timeout = 30;
	l->network_timeout = 10;
	l->auth = CONF_LDAP_AUTH_NONE;
	for (k = 0; k < OUTPUT_COUNT; k++) {
		c->out[k].format = MAP_FORMAT_LMDB;
		c->out[k].mode = outputs[k].mode;
	}
	c->policy.min_length = 12;
	c->policy.max_length = 1024;
	c->policy.argon2_t = 3;
	c->policy.argon2_m_kib = 65536;
	c->policy.argon2_p = 1;
	{
		const struct pwhash_ceiling dflt = PWHASH_CEILING_DEFAULT;

		c->policy.max_cost = dflt;
	}
	if ((c->hiera_files = calloc(1, sizeof(char *))) == NULL ||
	    (c->user = strdup(CONF_USER_DEFAULT)) == NULL ||
	    (c->state_dir = strdup(LOCALSTATEDIR "/lib/udmail")) == NULL ||
	    (l->uri = strdup(CONF_URI_DEFAULT)) == NULL ||
	    (l->filter = strdup(CONF_FILTER_DEFAULT)) == NULL ||
	    (l->attr_uid = strdup("uid")) == NULL ||
	    (l->attr_forward = strdup("emailForward")) == NULL ||
	    (l->attr_password = strdup("mailPassword")) == NULL ||
	    (l->attr_user_password = strdup("userPassword")) == NULL ||
	    (l->attr_shadow_expire = strdup("shadowExpire")) == NULL ||
	    (l->attr_account_status = strdup("accountStatus")) == NULL ||
	    (c->out[OUTPUT_PASSWD].group = strdup("dovecot")) == NULL) {
		conf_free(&c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf **confp)
{
	struct conf *c;
	struct conf_ldap *l;
	size_t i;

	if (confp == NULL || (c = *confp) == NULL)
		return;
	l = &c->ldap;
	free(c->path);
	free(c->user);
	free(c->domain);
	if (c->hiera_files != NULL)
		for (i = 0; i < c->hiera_count; i++)
			free(c->hiera_files[i]);
	free(c->hiera_files);
	free(c->transport_nexthop);
	free(c->state_dir);
	free(c->metrics_file);
	free(l->uri);
	free(l->ca_file);
	free(l->bind_dn);
	free(l->bind_password_file);
	free(l->base);
	free(l->filter);
	free(l->attr_uid);
	free(l->attr_forward);
	free(l->attr_password);
	free(l->attr_user_password);
	free(l->attr_shadow_expire);
	free(l->attr_account_status);
	for (i = 0; i < OUTPUT_COUNT; i++) {
		free(c->out[i].path);
		free(c->out[i].group);
	}
	free(c);
	*confp = NULL;
}

/* "FILE:LINE:COL: SECTION.KEY: what" (the one shape, lib/ywalk). */
static int __attribute__((format(printf, 4, 5)))
cfail(struct cctx *c, const struct ynode *at, const char *key,
    const char *fmt, ...)
{
	struct ywalk w = { c->name, c->eb, c->section };
	va_list ap;

	va_start(ap, fmt);
	(void)ywalk_vfail(&w, at, key, fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct cctx *c)
{
	errbuf_set(c->eb, "%s: out of memory", c->name);
	c->eb->errnum = ENOMEM;
	return -1;
}

/* The scalar's text, quoted for a message. */
static const char *
shown(const struct ynode *n, char *tmp, size_t size)
{
	return ywalk_shown(n, tmp, size);
}

static int
want_scalar(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    const char *what)
{
	if (v->type != YNODE_SCALAR || ynode_is_null(v))
		return cfail(c, v, ck->name, "expected %s, got %s", what,
		    ynode_kind(v));
	return 0;
}

static int
h_str(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	char **field = (char **)((char *)base + ck->off);
	char *s;
	unsigned i;

	if (want_scalar(c, ck, v, "a string") == -1)
		return -1;
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 || v->str[i] == 0x7f)
			return cfail(c, v, ck->name, "control character at "
			    "offset %u, expected printable text", i);
	if ((s = strdup(v->str)) == NULL)
		return nomem(c);
	free(*field);
	*field = s;
	return 0;
}

static int
check_path(struct cctx *c, const struct ckey *ck, const struct ynode *v)
{
	unsigned i;

	if (want_scalar(c, ck, v, "an absolute path") == -1)
		return -1;
	if (v->str[0] != '/')
		return cfail(c, v, ck->name, "expected an absolute path "
		    "(starting with '/')");
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 || v->str[i] == 0x7f)
			return cfail(c, v, ck->name, "control character in "
			    "path, expected printable text");
	return 0;
}

static int
h_path(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	if (check_path(c, ck, v) == -1)
		return -1;
	return h_str(c, ck, v, base);
}

static int
h_domain(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	struct errbuf eb;
	const char *why;
	char tmp[300];

	if (want_scalar(c, ck, v, "a domain name") == -1)
		return -1;
	if ((why = ycheck_domain(v->str, v->len, &eb)) != NULL)
		return cfail(c, v, ck->name, "'%s': %s, expected a domain name",
		    shown(v, tmp, sizeof(tmp)), why);
	return h_str(c, ck, v, base);
}

static int
parse_bool(const struct ynode *v, int *b)
{
	if (v->type != YNODE_SCALAR)
		return -1;
	if (strcasecmp(v->str, "true") == 0 || strcasecmp(v->str, "yes") == 0)
		*b = 1;
	else if (strcasecmp(v->str, "false") == 0 ||
	    strcasecmp(v->str, "no") == 0)
		*b = 0;
	else
		return -1;
	return 0;
}

static int
h_bool(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	int *field = (int *)((char *)base + ck->off);
	char tmp[300];

	if (v->type != YNODE_SCALAR || ynode_is_null(v))
		return cfail(c, v, ck->name, "expected true or false, got %s",
		    ynode_kind(v));
	if (parse_bool(v, field) == -1)
		return cfail(c, v, ck->name, "'%s': expected true, false, yes "
		    "or no", shown(v, tmp, sizeof(tmp)));
	return 0;
}

static int
parse_int(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    long *r)
{
	long n = 0;
	unsigned i;
	char tmp[300];

	if (v->type != YNODE_SCALAR || ynode_is_null(v))
		return cfail(c, v, ck->name, "expected an integer %ld..%ld, "
		    "got %s", ck->min, ck->max, ynode_kind(v));
	if (v->len == 0)
		return cfail(c, v, ck->name, "'': expected an integer "
		    "%ld..%ld", ck->min, ck->max);
	for (i = 0; i < v->len; i++) {
		if (v->str[i] < '0' || v->str[i] > '9')
			return cfail(c, v, ck->name, "'%s': expected an "
			    "integer %ld..%ld", shown(v, tmp, sizeof(tmp)),
			    ck->min, ck->max);
		if (n <= ck->max)
			n = n * 10 + (v->str[i] - '0');
	}
	if (n < ck->min || n > ck->max)
		return cfail(c, v, ck->name, "%s is out of range, expected "
		    "%ld..%ld", shown(v, tmp, sizeof(tmp)), ck->min, ck->max);
	*r = n;
	return 0;
}

static int
h_int(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	long n;

	if (parse_int(c, ck, v, &n) == -1)
		return -1;
	*(int *)((char *)base + ck->off) = (int)n;
	return 0;
}

static int
h_uint(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	long n;

	if (parse_int(c, ck, v, &n) == -1)
		return -1;
	*(unsigned *)((char *)base + ck->off) = (unsigned)n;
	return 0;
}

/* "10%", "2.5%", or a fraction "0.10"; 0..100 %. */
static int
h_shrink(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	double d;
	char tmp[300];
	unsigned i = 0, digits = 0;
	int pct = 0;

	if (want_scalar(c, ck, v, "a share like 10% or 0.10") == -1)
		return -1;
	while (i < v->len && v->str[i] >= '0' && v->str[i] <= '9')
		i++, digits++;
	if (i < v->len && v->str[i] == '.')
		for (i++; i < v->len && v->str[i] >= '0' && v->str[i] <= '9';)
			i++, digits++;
	if (i < v->len && v->str[i] == '%')
		i++, pct = 1;
	if (digits == 0 || i != v->len || v->str[0] == '.')
		return cfail(c, v, ck->name, "'%s': expected a share like 10%% "
		    "or 0.10", shown(v, tmp, sizeof(tmp)));
	d = strtod(v->str, NULL);
	if (pct)
		d /= 100;
	if (d > 1.0)
		return cfail(c, v, ck->name, "'%s' is out of range, expected "
		    "0%%..100%% or 0..1%s", shown(v, tmp, sizeof(tmp)),
		    pct ? "" : " (a percentage needs '%')");
	c->conf->shrink_max = d;
	return 0;
}

static int
h_hiera(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	struct conf *conf = c->conf;
	const struct ynode *item;
	char **files, tmp[300];
	size_t n = 0, i;

	if (ynode_is_null(v))
		return 0;
	if (v->type == YNODE_MAP)
		return cfail(c, v, ck->name, "expected a list of paths or one "
		    "path, got a mapping");
	item = v->type == YNODE_SEQ ? v->first : v;
	if ((files = calloc((v->type == YNODE_SEQ ? v->nkids : 1) + 1,
	    sizeof(*files))) == NULL)
		return nomem(c);
	for (; item != NULL; item = v->type == YNODE_SEQ ? item->next : NULL) {
		if (check_path(c, ck, item) == -1)
			goto fail;
		for (i = 0; i < n; i++)
			if (strcmp(files[i], item->str) == 0) {
				cfail(c, item, ck->name, "'%s' is listed twice",
				    shown(item, tmp, sizeof(tmp)));
				goto fail;
			}
		if ((files[n] = strdup(item->str)) == NULL) {
			nomem(c);
			goto fail;
		}
		n++;
	}
	for (i = 0; i < conf->hiera_count; i++)
		free(conf->hiera_files[i]);
	free(conf->hiera_files);
	conf->hiera_files = files;
	conf->hiera_count = n;
	return 0;
fail:
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return -1;
}

/* Postfix transport(5) "transport:nexthop"; written into a map value. */
static int
h_nexthop(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	unsigned i;
	char tmp[300];

	if (want_scalar(c, ck, v, "a transport like smtp:[srs.example.org]")
	    == -1)
		return -1;
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] <= 0x20 ||
		    (unsigned char)v->str[i] >= 0x7f)
			break;
	if (i != v->len || strchr(v->str, ':') == NULL)
		return cfail(c, v, ck->name, "'%s': expected a transport like "
		    "smtp:[srs.example.org] (no spaces)",
		    shown(v, tmp, sizeof(tmp)));
	return h_str(c, ck, v, base);
}

static int
h_uri(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	static const char *const schemes[] = { "ldap://", "ldaps://",
		"ldapi://" };
	const char *p;
	char tmp[300];
	size_t n, i;

	if (want_scalar(c, ck, v, "an ldap://, ldaps:// or ldapi:// URI") ==
	    -1)
		return -1;
	/* libldap takes a space-separated list; check each. */
	for (p = v->str; *p != '\0'; p += n) {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		n = strcspn(p, " ");
		for (i = 0; i < 3; i++)
			if (strncasecmp(p, schemes[i], strlen(schemes[i])) == 0)
				break;
		if (i == 3)
			return cfail(c, v, ck->name, "'%s': expected an "
			    "ldap://, ldaps:// or ldapi:// URI",
			    shown(v, tmp, sizeof(tmp)));
	}
	if (strspn(v->str, " ") == v->len)
		return cfail(c, v, ck->name, "expected an ldap://, ldaps:// or "
		    "ldapi:// URI, got an empty string");
	return h_str(c, ck, v, base);
}

static int
h_auth(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	struct conf_ldap *l = base;
	char tmp[300];

	if (want_scalar(c, ck, v, "none, simple or external") == -1)
		return -1;
	if (strcmp(v->str, "none") == 0)
		l->auth = CONF_LDAP_AUTH_NONE;
	else if (strcmp(v->str, "simple") == 0)
		l->auth = CONF_LDAP_AUTH_SIMPLE;
	else if (strcmp(v->str, "external") == 0)
		l->auth = CONF_LDAP_AUTH_SASL_EXTERNAL;
	else
		return cfail(c, v, ck->name, "'%s': expected none, simple or "
		    "external", shown(v, tmp, sizeof(tmp)));
	return 0;
}

static int
h_scope(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	struct conf_ldap *l = base;
	char tmp[300];

	if (want_scalar(c, ck, v, "one or sub") == -1)
		return -1;
	if (strcmp(v->str, "one") == 0)
		l->scope = LDAP_SCOPE_ONELEVEL;
	else if (strcmp(v->str, "sub") == 0)
		l->scope = LDAP_SCOPE_SUBTREE;
	else
		return cfail(c, v, ck->name, "'%s': expected one or sub",
		    shown(v, tmp, sizeof(tmp)));
	return 0;
}

/* RFC 4515: parenthesised, and literal parentheses are escaped as \28
   and \29, so every parenthesis is structure. */
static int
h_filter(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	unsigned i, depth = 0;

	if (want_scalar(c, ck, v, "an LDAP filter") == -1)
		return -1;
	if (v->str[0] != '(')
		return cfail(c, v, ck->name, "expected an LDAP filter in "
		    "parentheses, like (uid=*)");
	for (i = 0; i < v->len; i++) {
		if (v->str[i] == '(')
			depth++;
		else if (v->str[i] == ')' && --depth == 0 && i + 1 != v->len)
			break;
	}
	if (depth != 0 || i < v->len)
		return cfail(c, v, ck->name, "unbalanced parentheses, expected "
		    "an LDAP filter like (uid=*)");
	return h_str(c, ck, v, base);
}

/* An attribute description: a name or a numeric OID. */
static int
h_attr(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	unsigned i;
	char tmp[300];
	int ok;

	if (want_scalar(c, ck, v, "an LDAP attribute name") == -1)
		return -1;
	ok = v->len > 0 && v->len <= 128;
	if (ok && v->str[0] >= '0' && v->str[0] <= '9') {
		for (i = 0; i < v->len && ok; i++)
			ok = (v->str[i] >= '0' && v->str[i] <= '9') ||
			    (v->str[i] == '.' && i + 1 < v->len &&
			    v->str[i + 1] != '.');
	} else {
		for (i = 0; i < v->len && ok; i++) {
			char ch = v->str[i];

			ok = (ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (i > 0 && ((ch >= '0' && ch <= '9') || ch == '-'));
		}
	}
	if (!ok)
		return cfail(c, v, ck->name, "'%s': expected an LDAP attribute "
		    "name", shown(v, tmp, sizeof(tmp)));
	return h_str(c, ck, v, base);
}

static int
h_format(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	struct conf_output *o = base;
	char tmp[300];
	int f;

	if (c->kind == OUTPUT_PASSWD)
		return cfail(c, v, ck->name, "the passwd-file has no format, "
		    "remove this key");
	if (want_scalar(c, ck, v, "lmdb, hash or text") == -1)
		return -1;
	if ((f = conf_format_by_name(v->str)) == -1)
		return cfail(c, v, ck->name, "'%s': expected lmdb, hash or "
		    "text", shown(v, tmp, sizeof(tmp)));
	o->format = (enum map_format)f;
	return 0;
}

static int
h_mode(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	struct conf_output *o = base;
	mode_t m = 0;
	unsigned i;
	char tmp[300];

	if (want_scalar(c, ck, v, "an octal mode like \"0640\"") == -1)
		return -1;
	if (v->len < 4 || v->len > 5 || v->str[0] != '0')
		goto bad;
	for (i = 1; i < v->len; i++) {
		if (v->str[i] < '0' || v->str[i] > '7')
			goto bad;
		m = (m << 3) | (mode_t)(v->str[i] - '0');
	}
	if (m > 0777)
		return cfail(c, v, ck->name, "'%s': setuid, setgid and sticky "
		    "bits are not allowed", shown(v, tmp, sizeof(tmp)));
	if (m & 0002)
		return cfail(c, v, ck->name, "'%s' is writable by everyone",
		    shown(v, tmp, sizeof(tmp)));
	if (c->kind == OUTPUT_PASSWD && (m & 0007))
		return cfail(c, v, ck->name, "'%s' lets every local user read "
		    "password hashes, expected no access for others (0640)",
		    shown(v, tmp, sizeof(tmp)));
	o->mode = m;
	return 0;
bad:
	return cfail(c, v, ck->name, "'%s': expected an octal mode like "
	    "\"0640\"", shown(v, tmp, sizeof(tmp)));
}

/* A user or group name as useradd(8) takes it (or a number). */
static int
sysname_ok(const struct ynode *v)
{
	unsigned i;
	int ok;

	ok = v->len > 0 && v->len <= 32 && v->str[0] != '-';
	for (i = 0; i < v->len && ok; i++) {
		char ch = v->str[i];

		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		    ch == '.';
	}
	return ok;
}

static int
h_group(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	char tmp[300];

	if (want_scalar(c, ck, v, "a group name") == -1)
		return -1;
	if (!sysname_ok(v))
		return cfail(c, v, ck->name, "'%s': expected a group name or "
		    "number", shown(v, tmp, sizeof(tmp)));
	return h_str(c, ck, v, base);
}

/* A name, not a number: getpwnam(3) looks it up, and "root" says in
   words that the programs keep root's privileges. */
static int
h_user(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	char tmp[300];

	if (want_scalar(c, ck, v, "a user name") == -1)
		return -1;
	if (!sysname_ok(v) || strspn(v->str, "0123456789") == v->len)
		return cfail(c, v, ck->name, "'%s': expected a user name, like "
		    "udmail", shown(v, tmp, sizeof(tmp)));
	return h_str(c, ck, v, base);
}

struct walk_arg {
	struct cctx *c;
	void *base;
};

static int
walk_key(void *arg, const void *row, const struct ynode *k,
    const struct ynode *v)
{
	struct walk_arg *wa = arg;
	const struct ckey *ck = row;

	if (ck->mark != MK_NONE)
		wa->c->mark[ck->mark] = k;
	return ck->fn(wa->c, ck, v, wa->base);
}

/* Check MAP against KEYS (no duplicates, no unknown key) and run each
   key's handler on BASE. */
static int
walk_map(struct cctx *c, const char *what, const struct ynode *map,
    const struct ckey *keys, void *base)
{
	struct ywalk w = { c->name, c->eb, c->section };
	struct walk_arg wa = { c, base };

	return ywalk_map(&w, what, map, keys, sizeof(*keys), walk_key, &wa);
}

#define CK_END { NULL, NULL, 0, 0, 0, MK_NONE }

static const struct ckey attr_keys[] = {
	{ "uid", h_attr, offsetof(struct conf_ldap, attr_uid), 0, 0, 0 },
	{ "forward", h_attr, offsetof(struct conf_ldap, attr_forward), 0, 0,
	    0 },
	{ "password", h_attr, offsetof(struct conf_ldap, attr_password), 0, 0,
	    0 },
	{ "user_password", h_attr,
	    offsetof(struct conf_ldap, attr_user_password), 0, 0, 0 },
	{ "shadow_expire", h_attr,
	    offsetof(struct conf_ldap, attr_shadow_expire), 0, 0, 0 },
	{ "account_status", h_attr,
	    offsetof(struct conf_ldap, attr_account_status), 0, 0, 0 },
	CK_END
};

static int
h_attributes(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	const char *outer = c->section;
	int r;

	c->section = "ldap.attributes";
	r = walk_map(c, "attribute names", v, attr_keys, base);
	c->section = outer;
	return r;
}

static const struct ckey ldap_keys[] = {
	{ "uri", h_uri, offsetof(struct conf_ldap, uri), 0, 0, MK_URI },
	{ "starttls", h_bool, offsetof(struct conf_ldap, starttls), 0, 0,
	    MK_STARTTLS },
	{ "allow_cleartext", h_bool,
	    offsetof(struct conf_ldap, allow_cleartext), 0, 0, 0 },
	{ "ca_file", h_path, offsetof(struct conf_ldap, ca_file), 0, 0, 0 },
	{ "auth", h_auth, 0, 0, 0, MK_AUTH },
	{ "bind_dn", h_str, offsetof(struct conf_ldap, bind_dn), 0, 0,
	    MK_BIND_DN },
	{ "bind_password_file", h_path,
	    offsetof(struct conf_ldap, bind_password_file), 0, 0, MK_BIND_PW },
	{ "base", h_str, offsetof(struct conf_ldap, base), 0, 0, 0 },
	{ "scope", h_scope, 0, 0, 0, 0 },
	{ "filter", h_filter, offsetof(struct conf_ldap, filter), 0, 0, 0 },
	{ "page_size", h_int, offsetof(struct conf_ldap, page_size), 0,
	    100000, 0 },
	{ "timeout", h_int, offsetof(struct conf_ldap, timeout), 1, 3600, 0 },
	{ "network_timeout", h_int,
	    offsetof(struct conf_ldap, network_timeout), 1, 3600, 0 },
	{ "attributes", h_attributes, 0, 0, 0, 0 },
	CK_END
};

/* 1 if HOST[0..LEN) (an LDAP URL's host, brackets removed) can only be
   this machine: localhost (as libldap, an empty host is localhost),
   127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104.  Anything else, spellings
   inet_pton(3) does not take included, may be another machine. */
static int
host_is_loopback(const char *host, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;

	if (len == 0 || (len == 9 && strncasecmp(host, "localhost", 9) == 0))
		return 1;
	if (len >= sizeof(tmp))
		return 0;
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, tmp, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* 1 if URI[0..LEN), one element of ldap.uri, is ldap:// to a host that
   may be another machine: without StartTLS the bind password, the
   password hashes read and those mailpw set writes cross the network in
   clear. */
static int
uri_is_cleartext(const char *uri, size_t len)
{
	const char *h = uri + 7, *end = uri + len, *e;

	if (len < 7 || strncasecmp(uri, "ldap://", 7) != 0)
		return 0; /* ldaps:// is TLS, ldapi:// a local socket */
	if (h < end && *h == '[') {
		if ((e = memchr(h, ']', (size_t)(end - h))) == NULL)
			return 1;
		return !host_is_loopback(h + 1, (size_t)(e - h - 1));
	}
	for (e = h; e < end && *e != ':' && *e != '/' && *e != '?'; e++)
		;
	return !host_is_loopback(h, (size_t)(e - h));
}

/* Refuse an ldap:// URI that leaves this machine in clear, unless
   starttls or allow_cleartext says otherwise. */
static int
check_cleartext(struct cctx *c, const struct ynode *at)
{
	const struct conf_ldap *l = &c->conf->ldap;
	const char *p;
	size_t n;

	if (l->starttls || l->allow_cleartext)
		return 0;
	for (p = l->uri; *p != '\0'; p += n) {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n > 0 && uri_is_cleartext(p, n))
			return cfail(c, c->mark[MK_URI] != NULL ?
			    c->mark[MK_URI]->next : at, "uri", "%.*s would "
			    "send the "
			    "bind password and password hashes in clear: set "
			    "starttls: true, or use ldaps:// or ldapi://, or "
			    "set allow_cleartext: true if the network is "
			    "trusted", n > 200 ? 200 : (int)n, p);
	}
	return 0;
}

/* The combinations libldap would accept but that cannot work. */
static int
check_ldap(struct cctx *c, const struct ynode *at)
{
	struct conf_ldap *l = &c->conf->ldap;
	const struct ynode *auth = c->mark[MK_AUTH];

	if (l->base == NULL)
		return cfail(c, at, NULL, "missing required key 'base' (the "
		    "search base, e.g. ou=users,dc=example,dc=org)");
	if (auth == NULL)
		l->auth = l->bind_dn != NULL ? CONF_LDAP_AUTH_SIMPLE :
		    CONF_LDAP_AUTH_NONE;
	if (l->starttls && strncasecmp(l->uri, "ldap://", 7) != 0)
		return cfail(c, c->mark[MK_STARTTLS], "starttls", "only "
		    "with ldap:// URIs (ldaps:// is TLS already, ldapi:// is "
		    "local)");
	if (check_cleartext(c, at) == -1)
		return -1;
	switch (l->auth) {
	case CONF_LDAP_AUTH_SIMPLE:
		if (l->bind_dn == NULL)
			return cfail(c, auth != NULL ? auth : at, NULL,
			    "auth simple needs bind_dn");
		if (l->bind_password_file == NULL)
			return cfail(c, c->mark[MK_BIND_DN], "bind_dn",
			    "auth simple needs bind_password_file");
		break;
	case CONF_LDAP_AUTH_SASL_EXTERNAL:
		if (strncasecmp(l->uri, "ldapi://", 8) != 0 ||
		    strchr(l->uri, ' ') != NULL)
			return cfail(c, auth, "auth", "external needs an "
			    "ldapi:// URI");
		__attribute__((fallthrough));
	case CONF_LDAP_AUTH_NONE:
		if (l->bind_dn != NULL)
			return cfail(c, c->mark[MK_BIND_DN], "bind_dn",
			    "not used with auth %s, remove it or use auth "
			    "simple", l->auth == CONF_LDAP_AUTH_NONE ? "none" :
			    "external");
		if (l->bind_password_file != NULL)
			return cfail(c, c->mark[MK_BIND_PW],
			    "bind_password_file", "not used with auth %s",
			    l->auth == CONF_LDAP_AUTH_NONE ? "none" : "external");
		break;
	}
	return 0;
}

static int
h_ldap(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	int r;

	if (v->type != YNODE_MAP)
		return cfail(c, v, ck->name, "expected a mapping of LDAP "
		    "settings, got %s (remove the key for Hiera only)",
		    ynode_kind(v));
	c->section = "ldap";
	c->conf->ldap.enabled = 1;
	r = walk_map(c, "LDAP settings", v, ldap_keys, &c->conf->ldap);
	if (r == 0)
		r = check_ldap(c, c->mark[MK_LDAP]);
	c->section = "";
	return r;
}

static const struct ckey output_keys[] = {
	{ "path", h_path, offsetof(struct conf_output, path), 0, 0, MK_PATH },
	{ "format", h_format, 0, 0, 0, MK_FORMAT },
	{ "mode", h_mode, 0, 0, 0, 0 },
	{ "group", h_group, offsetof(struct conf_output, group), 0, 0, 0 },
	CK_END
};

static int
check_output(struct cctx *c, const struct ynode *at)
{
	struct conf_output *o = &c->conf->out[c->kind];
	const char *suffix;
	size_t n, sn;

	if (o->path == NULL)
		return cfail(c, at, NULL, "missing required key 'path'");
	if (c->kind == OUTPUT_PASSWD || o->format == MAP_FORMAT_TEXT)
		return 0;
	/* Postfix appends the suffix itself: lmdb:/etc/postfix/maps/virtual
	   opens virtual.lmdb. */
	suffix = o->format == MAP_FORMAT_LMDB ? ".lmdb" : ".db";
	n = strlen(o->path);
	sn = strlen(suffix);
	if (n > sn && strcmp(o->path + n - sn, suffix) == 0)
		return cfail(c, c->mark[MK_PATH], "path", "name the map "
		    "without '%s', as in main.cf (%s:/etc/postfix/maps/x "
		    "opens x%s)", suffix, conf_format_name(o->format), suffix);
	return 0;
}

static int
h_output(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	char sect[32];
	int r;

	c->kind = (int)ck->min;
	(void)snprintf(sect, sizeof(sect), "outputs.%s", ck->name);
	if (v->type != YNODE_MAP)
		return cfail(c, v, ck->name, "expected a mapping with 'path', "
		    "got %s", ynode_kind(v));
	c->section = sect;
	c->mark[MK_PATH] = c->mark[MK_FORMAT] = NULL;
	c->conf->out[c->kind].enabled = 1;
	r = walk_map(c, "output settings", v, output_keys,
	    &c->conf->out[c->kind]);
	if (r == 0)
		r = check_output(c, c->mark[MK_OUT + c->kind]);
	c->section = "outputs";
	return r;
}

static const struct ckey outputs_keys[] = {
	{ "virtual", h_output, 0, OUTPUT_VIRTUAL, 0,
	    MK_OUT + OUTPUT_VIRTUAL },
	{ "alias_domains", h_output, 0, OUTPUT_ALIAS_DOMAINS, 0,
	    MK_OUT + OUTPUT_ALIAS_DOMAINS },
	{ "transport", h_output, 0, OUTPUT_TRANSPORT, 0,
	    MK_OUT + OUTPUT_TRANSPORT },
	{ "forward", h_output, 0, OUTPUT_FORWARD, 0,
	    MK_OUT + OUTPUT_FORWARD },
	{ "sender_login", h_output, 0, OUTPUT_SENDER_LOGIN, 0,
	    MK_OUT + OUTPUT_SENDER_LOGIN },
	{ "passwd", h_output, 0, OUTPUT_PASSWD, 0, MK_OUT + OUTPUT_PASSWD },
	{ "relay_recipients", h_output, 0, OUTPUT_RELAY_RECIPIENTS, 0,
	    MK_OUT + OUTPUT_RELAY_RECIPIENTS },
	CK_END
};

static int
h_outputs(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	int r;

	if (ynode_is_null(v))
		return 0;
	c->section = "outputs";
	r = walk_map(c, "outputs", v, outputs_keys, base);
	c->section = "";
	return r;
}

static const struct ckey argon2_keys[] = {
	{ "t", h_uint, offsetof(struct conf_policy, argon2_t), 1,
	    CONF_ARGON2_T_MAX, 0 },
	{ "m", h_uint, offsetof(struct conf_policy, argon2_m_kib), 8,
	    4194304, 0 },
	{ "p", h_uint, offsetof(struct conf_policy, argon2_p), 1, 255, 0 },
	CK_END
};

static int
h_argon2(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	const char *outer = c->section;
	int r;

	c->section = "password_policy.argon2";
	r = walk_map(c, "argon2 costs (t, m, p)", v, argon2_keys, base);
	c->section = outer;
	return r;
}

static const struct ckey cost_keys[] = {
	{ "argon2_m", h_uint, offsetof(struct pwhash_ceiling, argon2_m_kib),
	    8, PWHASH_ARGON2_M_MAX, 0 },
	{ "argon2_t", h_uint, offsetof(struct pwhash_ceiling, argon2_t), 1,
	    PWHASH_ARGON2_T_MAX, 0 },
	{ "crypt_rounds", h_uint, offsetof(struct pwhash_ceiling,
	    crypt_rounds), 1000, 999999999, 0 },
	{ "bcrypt_cost", h_uint, offsetof(struct pwhash_ceiling, bcrypt_cost),
	    4, 31, 0 },
	{ "pbkdf2_rounds", h_uint, offsetof(struct pwhash_ceiling,
	    pbkdf2_rounds), 1, PWHASH_PBKDF2_ROUNDS_MAX, 0 },
	CK_END
};

static int
h_max_cost(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	const char *outer = c->section;
	int r;

	c->section = "password_policy.max_cost";
	r = walk_map(c, "hash cost ceilings", v, cost_keys,
	    &((struct conf_policy *)base)->max_cost);
	c->section = outer;
	return r;
}

static const struct ckey policy_keys[] = {
	{ "min_length", h_int, offsetof(struct conf_policy, min_length), 1,
	    4096, MK_MIN_LENGTH },
	{ "max_length", h_int, offsetof(struct conf_policy, max_length), 1,
	    65536, MK_MAX_LENGTH },
	{ "allow_username", h_bool,
	    offsetof(struct conf_policy, allow_username), 0, 0, 0 },
	{ "argon2", h_argon2, 0, 0, 0, MK_ARGON2 },
	{ "max_cost", h_max_cost, 0, 0, 0, 0 },
	CK_END
};

static int
h_policy(struct cctx *c, const struct ckey *ck, const struct ynode *v,
    void *base)
{
	struct conf_policy *p = &c->conf->policy;
	int r;

	c->section = "password_policy";
	r = walk_map(c, "password policy settings", v, policy_keys, p);
	if (r == 0 && p->min_length > p->max_length) {
		if (c->mark[MK_MAX_LENGTH] != NULL)
			r = cfail(c, c->mark[MK_MAX_LENGTH], "max_length",
			    "%d is below min_length %d", p->max_length,
			    p->min_length);
		else
			r = cfail(c, c->mark[MK_MIN_LENGTH], "min_length",
			    "%d is above max_length %d", p->min_length,
			    p->max_length);
	}
	/* mailpw must not make hashes that mailsyncd would not publish. */
	if (r == 0 && (p->argon2_m_kib > p->max_cost.argon2_m_kib ||
	    p->argon2_t > p->max_cost.argon2_t))
		r = cfail(c, c->mark[MK_ARGON2] != NULL ? c->mark[MK_ARGON2] :
		    c->mark[MK_POLICY], "argon2", "m %u KiB, t %u is above "
		    "max_cost (argon2_m %u, argon2_t %u): mailsyncd would not "
		    "publish such hashes", p->argon2_m_kib, p->argon2_t,
		    p->max_cost.argon2_m_kib, p->max_cost.argon2_t);
	/* Argon2 needs at least 8 KiB per lane. */
	if (r == 0 && p->argon2_m_kib < 8 * p->argon2_p)
		r = cfail(c, c->mark[MK_ARGON2] != NULL ? c->mark[MK_ARGON2] :
		    c->mark[MK_POLICY], "argon2", "m %u KiB is below 8 KiB per "
		    "lane (p %u)", p->argon2_m_kib, p->argon2_p);
	c->section = "";
	return r;
}

static const struct ckey root_keys[] = {
	{ "user", h_user, offsetof(struct conf, user), 0, 0, 0 },
	{ "domain", h_domain, offsetof(struct conf, domain), 0, 0, 0 },
	{ "state_dir", h_path, offsetof(struct conf, state_dir), 0, 0, 0 },
	{ "metrics_file", h_path, offsetof(struct conf, metrics_file), 0, 0,
	    0 },
	{ "hiera", h_hiera, 0, 0, 0, 0 },
	{ "transport_nexthop", h_nexthop,
	    offsetof(struct conf, transport_nexthop), 0, 0, 0 },
	{ "sender_login_alias_domains", h_bool,
	    offsetof(struct conf, sender_login_alias_domains), 0, 0, 0 },
	{ "shrink_guard", h_shrink, 0, 0, 0, 0 },
	{ "retired_grace_days", h_int,
	    offsetof(struct conf, retired_grace_days), 0, 36500, 0 },
	{ "ldap", h_ldap, 0, 0, 0, MK_LDAP },
	{ "outputs", h_outputs, 0, 0, 0, 0 },
	{ "password_policy", h_policy, 0, 0, 0, MK_POLICY },
	CK_END
};

/* Checks across sections, once everything is read. */
static int
check_conf(struct cctx *c)
{
	struct conf *conf = c->conf;
	char *fi = NULL, *fj = NULL;
	int i, j, r = 0;

	if (conf->out[OUTPUT_TRANSPORT].enabled &&
	    conf->transport_nexthop == NULL) {
		c->section = "outputs";
		return cfail(c, c->mark[MK_OUT + OUTPUT_TRANSPORT],
		    "transport", "needs transport_nexthop (e.g. "
		    "\"smtp:[srs.example.org]\") at the top level");
	}
	for (i = 0; i < OUTPUT_COUNT && r == 0; i++) {
		if (!conf->out[i].enabled)
			continue;
		if ((fi = conf_output_file(&conf->out[i], i)) == NULL)
			return nomem(c);
		for (j = 0; j < i && r == 0; j++) {
			if (!conf->out[j].enabled)
				continue;
			if ((fj = conf_output_file(&conf->out[j], j)) == NULL)
				r = nomem(c);
			else if (strcmp(fi, fj) == 0) {
				c->section = "outputs";
				r = cfail(c, c->mark[MK_OUT + i],
				    outputs[i].name, "writes %s, as does "
				    "outputs.%s", fi, outputs[j].name);
			}
			free(fj);
		}
		free(fi);
	}
	return r;
}

struct conf *
conf_load_mem(const char *name, const char *data, size_t len,
    struct errbuf *eb)
{
	struct cctx c;
	struct ydoc *doc = NULL;
	const struct ynode *root;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.eb = eb;
	c.section = "";
	if ((c.conf = conf_new_default()) == NULL ||
	    (c.conf->path = strdup(name)) == NULL) {
		nomem(&c);
		goto fail;
	}
	if ((doc = ydoc_parse(name, data, len, &conf_limits, eb)) == NULL)
		goto fail;
	root = ydoc_root(doc);
	if (root == NULL || ynode_is_null(root)) {
		errbuf_set(eb, "%s:%u:%u: empty file, expected a mapping of "
		    "settings (see udmail.yaml(5))", name,
		    root != NULL ? root->line : 1, root != NULL ? root->col : 1);
		goto fail;
	}
	if (walk_map(&c, "settings (see udmail.yaml(5))", root,
	    root_keys, c.conf) == -1 || check_conf(&c) == -1)
		goto fail;
	ydoc_free(&doc);
	return c.conf;
fail:
	ydoc_free(&doc);
	conf_free(&c.conf);
	return NULL;
}

struct conf *
conf_load(const char *path, struct errbuf *eb)
{
	struct conf *conf;
	char *data;
	size_t len;

	if (yaml_read_file(path, CONF_MAX_BYTES, &data, &len, eb) == -1)
		return NULL;
	conf = conf_load_mem(path, data, len, eb);
	free(data);
	return conf;
}
