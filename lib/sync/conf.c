/*
 * conf: udmail.yaml into struct conf.  Strict on purpose: an unknown key
 * is an error, because a typo in "outputs" would otherwise silently stop
 * a table from being published.  The first problem found is reported as
 * "FILE:LINE:COL: key: what was expected"; nothing is half-loaded.
 * Here: the defaults, the generic key handlers, the root and password
 * keys, loading; the ldap: and outputs: sections are in conf_ldap.c and
 * conf_outputs.c.
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

#include "array.h"
#include "buf.h"
#include "conf.h"
#include "outputs.h"
#include "yamlutil.h"
#include "yschema.h"

#include "conf_int.h"

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

/* "FILE:LINE:COL: SECTION.KEY: what" (the one shape, lib/yschema). */
int __attribute__((format(printf, 4, 5)))
cfail(struct cctx *c, const struct yevent *at, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)yschema_vfail(c->ys, c->section, at, key, fmt, ap);
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
const char *
shown(const struct yevent *n, char *tmp, size_t size)
{
	return yschema_shown(n, tmp, size);
}

int
want_scalar(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    const char *what)
{
	return yschema_scalar(c->ys, c->section, v, ck->name, what);
}

int
h_str(struct cctx *c, const struct ckey *ck, const struct yevent *v,
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
check_path(struct cctx *c, const struct ckey *ck, const struct yevent *v)
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

int
h_path(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	if (check_path(c, ck, v) == -1)
		return -1;
	return h_str(c, ck, v, base);
}

static int
h_domain(struct cctx *c, const struct ckey *ck, const struct yevent *v,
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
parse_bool(const struct yevent *v, int *b)
{
	if (v->type != YEV_SCALAR)
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

int
h_bool(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	int *field = (int *)((char *)base + ck->off);
	char tmp[300];

	if (want_scalar(c, ck, v, "true or false") == -1)
		return -1;
	if (parse_bool(v, field) == -1)
		return cfail(c, v, ck->name, "'%s': expected true, false, yes "
		    "or no", shown(v, tmp, sizeof(tmp)));
	return 0;
}

static int
parse_int(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    long *r)
{
	long n = 0;
	unsigned i;
	char tmp[300];

	(void)snprintf(tmp, sizeof(tmp), "an integer %ld..%ld", ck->min,
	    ck->max);
	if (want_scalar(c, ck, v, tmp) == -1)
		return -1;
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

int
h_int(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	long n;

	if (parse_int(c, ck, v, &n) == -1)
		return -1;
	*(int *)((char *)base + ck->off) = (int)n;
	return 0;
}

static int
h_uint(struct cctx *c, const struct ckey *ck, const struct yevent *v,
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
h_shrink(struct cctx *c, const struct ckey *ck, const struct yevent *v,
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

/* The hiera: paths being read, kept NULL-terminated. */
struct hiera_acc {
	struct cctx *c;
	const struct ckey *ck;
	char **files;
	size_t n, cap;
};

static int
hiera_file(struct yschema *ys, void *arg, const struct yevent *item,
    int in_list)
{
	struct hiera_acc *a = arg;
	char tmp[300];
	size_t i;

	(void)ys;
	(void)in_list;
	if (check_path(a->c, a->ck, item) == -1)
		return -1;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->files[i], item->str) == 0)
			return cfail(a->c, item, a->ck->name, "'%s' is listed "
			    "twice", shown(item, tmp, sizeof(tmp)));
	if (array_grow(&a->files, &a->cap, a->n + 1, sizeof(*a->files)) ==
	    -1 || (a->files[a->n] = strdup(item->str)) == NULL)
		return nomem(a->c);
	a->files[++a->n] = NULL;
	return 0;
}

static int
h_hiera(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	struct conf *conf = c->conf;
	struct hiera_acc a = { c, ck, NULL, 0, 0 };
	size_t i;
	int r;

	(void)base;
	if (yevent_is_null(v))
		return 0;
	if (array_grow(&a.files, &a.cap, 0, sizeof(*a.files)) == -1)
		return nomem(c);
	a.files[0] = NULL;
	r = yschema_scalars(c->ys, 0, c->section, ck->name, v, "a list of "
	    "paths or one path", "an absolute path", hiera_file, &a);
	if (r == -1) {
		for (i = 0; i < a.n; i++)
			free(a.files[i]);
		free(a.files);
		return -1;
	}
	for (i = 0; i < conf->hiera_count; i++)
		free(conf->hiera_files[i]);
	free(conf->hiera_files);
	conf->hiera_files = a.files;
	conf->hiera_count = a.n;
	return 0;
}

/* Postfix transport(5) "transport:nexthop"; written into a map value. */
static int
h_nexthop(struct cctx *c, const struct ckey *ck, const struct yevent *v,
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

struct walk_arg {
	struct cctx *c;
	void *base;
};

static int
walk_key(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	struct walk_arg *wa = arg;
	const struct ckey *ck = row;

	(void)ys;
	if (ck->mark != MK_NONE) {
		wa->c->mark[ck->mark] = *k;
		wa->c->mark[ck->mark].str = NULL; /* the position only */
	}
	return ck->fn(wa->c, ck, v, wa->base);
}

/* Check MAP against KEYS (no duplicates, no unknown key) and run each
   key's handler on BASE. */
int
walk_map(struct cctx *c, const char *what, const struct yevent *map,
    const struct ckey *keys, void *base)
{
	struct walk_arg wa = { c, base };

	return yschema_map(c->ys, c->section, what, map, keys, sizeof(*keys),
	    walk_key, &wa);
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
h_argon2(struct cctx *c, const struct ckey *ck, const struct yevent *v,
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
h_max_cost(struct cctx *c, const struct ckey *ck, const struct yevent *v,
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
h_policy(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	struct conf_policy *p = &c->conf->policy;
	int r;

	c->section = "password_policy";
	r = walk_map(c, "password policy settings", v, policy_keys, p);
	if (r == 0 && p->min_length > p->max_length) {
		if (MARK(c, MK_MAX_LENGTH) != NULL)
			r = cfail(c, MARK(c, MK_MAX_LENGTH), "max_length",
			    "%d is below min_length %d", p->max_length,
			    p->min_length);
		else
			r = cfail(c, MARK(c, MK_MIN_LENGTH), "min_length",
			    "%d is above max_length %d", p->min_length,
			    p->max_length);
	}
	/* mailpw must not make hashes that mailsyncd would not publish. */
	if (r == 0 && (p->argon2_m_kib > p->max_cost.argon2_m_kib ||
	    p->argon2_t > p->max_cost.argon2_t))
		r = cfail(c, MARK(c, MK_ARGON2) != NULL ? MARK(c, MK_ARGON2) :
		    MARK(c, MK_POLICY), "argon2", "m %u KiB, t %u is above "
		    "max_cost (argon2_m %u, argon2_t %u): mailsyncd would not "
		    "publish such hashes", p->argon2_m_kib, p->argon2_t,
		    p->max_cost.argon2_m_kib, p->max_cost.argon2_t);
	/* Argon2 needs at least 8 KiB per lane. */
	if (r == 0 && p->argon2_m_kib < 8 * p->argon2_p)
		r = cfail(c, MARK(c, MK_ARGON2) != NULL ? MARK(c, MK_ARGON2) :
		    MARK(c, MK_POLICY), "argon2", "m %u KiB is below 8 KiB per "
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
		return cfail(c, MARK(c, MK_OUT + OUTPUT_TRANSPORT),
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
				r = cfail(c, MARK(c, MK_OUT + i),
				    outputs[i].name, "writes %s, as does "
				    "outputs.%s", fi, outputs[j].name);
			}
			free(fj);
		}
		free(fi);
	}
	return r;
}

static int
read_root(struct yschema *ys, void *arg, const struct yevent *root)
{
	struct cctx *c = arg;

	c->ys = ys;
	if (yevent_is_null(root))
		return cfail(c, root, NULL, "empty file, expected a mapping of "
		    "settings (see udmail.yaml(5))");
	if (walk_map(c, "settings (see udmail.yaml(5))", root, root_keys,
	    c->conf) == -1)
		return -1;
	return check_conf(c);
}

struct conf *
conf_load_mem(const char *name, const char *data, size_t len,
    struct errbuf *eb)
{
	struct cctx c;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.eb = eb;
	c.section = "";
	if ((c.conf = conf_new_default()) == NULL ||
	    (c.conf->path = strdup(name)) == NULL) {
		nomem(&c);
		goto fail;
	}
	if (yschema_parse(name, data, len, &conf_limits, read_root, &c, eb) ==
	    -1)
		goto fail;
	return c.conf;
fail:
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
