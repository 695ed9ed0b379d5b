/*
 * dnsexpect: expected mail-DNS state from YAML.  The file goes through
 * the same reader as udmail.yaml (lib/yamlutil: size, depth and value
 * limits, no anchors or aliases) and the same strict walk (lib/ywalk:
 * unknown and duplicate keys are errors), so a typo never silently
 * disables a check; every error names FILE:LINE:COL of the offending node.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dnsexpect.h"
#include "yamlutil.h"
#include "ywalk.h"

static const struct yaml_limits dnsexpect_limits = {
	.max_bytes = DNSEXPECT_MAX_BYTES,
	.max_depth = DNSEXPECT_MAX_DEPTH,
	.max_nodes = DNSEXPECT_MAX_NODES,
	.max_scalar = 4096,
};

struct px {
	struct ywalk w;
	const char *basedir;
	char sect[512];          /* w.section points here */
	struct dnsexpect_domain *d;
	void *obj;               /* the struct the current table fills */
};

/* One key of a table: FN reads VALUE into X->obj (or X->d). */
struct dkey {
	const char *name;
	int (*fn)(struct px *x, const char *key, const struct ynode *v);
};

/* Enter section NAME below the current one; returns the old length. */
static size_t
sect_push(struct px *x, const char *name)
{
	size_t old = strlen(x->sect);

	(void)snprintf(x->sect + old, sizeof(x->sect) - old, "%s%s",
	    old > 0 ? "." : "", name);
	return old;
}

static void
sect_pop(struct px *x, size_t old)
{
	x->sect[old] = '\0';
}

static int
dkey_fn(void *arg, const void *row, const struct ynode *k,
    const struct ynode *v)
{
	const struct dkey *dk = row;

	(void)k;
	return dk->fn(arg, dk->name, v);
}

/* Walk mapping V with TABLE, filling OBJ, in section NAME. */
static int
walk(struct px *x, const char *name, const char *what, const struct ynode *v,
    const struct dkey *table, void *obj)
{
	void *outer = x->obj;
	size_t old = sect_push(x, name);
	int r;

	x->obj = obj;
	r = ywalk_map(&x->w, what, v, table, sizeof(*table), dkey_fn, x);
	x->obj = outer;
	sect_pop(x, old);
	return r;
}

#define FAIL(x, at, key, ...) ywalk_fail(&(x)->w, (at), (key), __VA_ARGS__)

static int
want_scalar(struct px *x, const char *key, const struct ynode *v,
    const char *what)
{
	if (v->type != YNODE_SCALAR || ynode_is_null(v))
		return FAIL(x, v, key, "expected %s, got %s", what,
		    ynode_kind(v));
	return 0;
}

/* A scalar of printable text, copied into *DST. */
static int
get_str(struct px *x, const char *key, const struct ynode *v,
    const char *what, char **dst)
{
	unsigned i;
	char *s;

	if (want_scalar(x, key, v, what) == -1)
		return -1;
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 || v->str[i] == 0x7f)
			return FAIL(x, v, key, "control character at offset "
			    "%u, expected %s", i, what);
	if ((s = strdup(v->str)) == NULL)
		return ywalk_nomem(&x->w);
	free(*dst);
	*dst = s;
	return 0;
}

/* One of WORDS (NULL-terminated), exactly, into *DST. */
static int
get_word(struct px *x, const char *key, const struct ynode *v,
    const char *const *words, const char *what, char **dst)
{
	char tmp[300];
	size_t i;

	if (want_scalar(x, key, v, what) == -1)
		return -1;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(v->str, words[i]) == 0)
			return get_str(x, key, v, what, dst);
	return FAIL(x, v, key, "'%s': expected %s",
	    ywalk_shown(v, tmp, sizeof(tmp)), what);
}

static int
get_int(struct px *x, const char *key, const struct ynode *v, long lo,
    long hi, int *out)
{
	char tmp[300], *end;
	long n;

	if (want_scalar(x, key, v, "an integer") == -1)
		return -1;
	errno = 0;
	n = strtol(v->str, &end, 10);
	if (v->str[0] < '0' || v->str[0] > '9' || *end != '\0' || errno != 0 ||
	    n < lo || n > hi)
		return FAIL(x, v, key, "'%s': expected an integer %ld..%ld",
		    ywalk_shown(v, tmp, sizeof(tmp)), lo, hi);
	*out = (int)n;
	return 0;
}

static int
get_bool(struct px *x, const char *key, const struct ynode *v, int *out)
{
	char tmp[300];

	if (want_scalar(x, key, v, "true or false") == -1)
		return -1;
	if (strcasecmp(v->str, "true") == 0 || strcasecmp(v->str, "yes") == 0)
		*out = 1;
	else if (strcasecmp(v->str, "false") == 0 ||
	    strcasecmp(v->str, "no") == 0)
		*out = 0;
	else
		return FAIL(x, v, key, "'%s': expected true or false",
		    ywalk_shown(v, tmp, sizeof(tmp)));
	return 0;
}

/* A host or domain name (LDH, a dot, no final dot kept), lower case. */
static int
get_name(struct px *x, const char *key, const struct ynode *v,
    const char *what, char **dst)
{
	struct errbuf eb;
	const char *why;
	char tmp[300], *s;
	size_t n, i;

	if (want_scalar(x, key, v, what) == -1)
		return -1;
	n = v->len;
	if (n > 1 && v->str[n - 1] == '.')
		n--;
	if ((why = ycheck_domain(v->str, n, &eb)) != NULL)
		return FAIL(x, v, key, "'%s': %s, expected %s",
		    ywalk_shown(v, tmp, sizeof(tmp)), why, what);
	if ((s = strndup(v->str, n)) == NULL)
		return ywalk_nomem(&x->w);
	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	free(*dst);
	*dst = s;
	return 0;
}

/* A file name, made relative to the YAML file's directory. */
static int
get_path(struct px *x, const char *key, const struct ynode *v, char **dst)
{
	struct buf b = BUF_INIT;
	char *s = NULL;

	if (get_str(x, key, v, "a file name", &s) == -1)
		return -1;
	if (s[0] != '/' && x->basedir != NULL && *x->basedir != '\0') {
		if (buf_printf(&b, "%s/%s", x->basedir, s) == -1) {
			free(s);
			buf_free(&b);
			return ywalk_nomem(&x->w);
		}
		free(s);
		s = b.data;
	}
	free(*dst);
	*dst = s;
	return 0;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
strv_push(struct px *x, char ***v, size_t *n, const char *s, size_t len)
{
	char **nv, *d;

	if ((d = strndup(s, len)) == NULL)
		return ywalk_nomem(&x->w);
	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL) {
		free(d);
		return ywalk_nomem(&x->w);
	}
	nv[(*n)++] = d;
	*v = nv;
	return 0;
}

/* A list of scalars, or one scalar holding a comma or space list. */
static int
get_list(struct px *x, const char *key, const struct ynode *v, char ***v_r,
    size_t *n_r)
{
	const struct ynode *it;
	const char *p, *e;
	char **vec = NULL;
	size_t n = 0, i;

	if (ynode_is_null(v))
		goto done;
	if (v->type == YNODE_SEQ) {
		for (it = v->first; it != NULL; it = it->next) {
			if (want_scalar(x, key, it, "a string") == -1)
				goto fail;
			for (i = 0; i < it->len; i++)
				if ((unsigned char)it->str[i] < 0x20)
					break;
			if (i < it->len) {
				FAIL(x, it, key, "control character in a list "
				    "item");
				goto fail;
			}
			if (strv_push(x, &vec, &n, it->str, it->len) == -1)
				goto fail;
		}
		goto done;
	}
	if (want_scalar(x, key, v, "a list") == -1)
		goto fail;
	for (p = v->str; *p != '\0'; p = e) {
		p += strspn(p, ", ");
		if (*p == '\0')
			break;
		e = p + strcspn(p, ", ");
		for (i = 0; p + i < e; i++)
			if ((unsigned char)p[i] < 0x20) {
				FAIL(x, v, key, "control character in a list");
				goto fail;
			}
		if (strv_push(x, &vec, &n, p, (size_t)(e - p)) == -1)
			goto fail;
	}
done:
	strv_free(*v_r, *n_r);
	*v_r = vec;
	*n_r = n;
	return 0;
fail:
	strv_free(vec, n);
	return -1;
}

static int
valid_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int
get_dane(struct px *x, const char *key, const struct ynode *v,
    enum dnsexpect_dane *out)
{
	char tmp[300];

	if (want_scalar(x, key, v, "required, optional or none") == -1)
		return -1;
	if (strcmp(v->str, "required") == 0)
		*out = DNSEXPECT_DANE_REQUIRED;
	else if (strcmp(v->str, "optional") == 0)
		*out = DNSEXPECT_DANE_OPTIONAL;
	else if (strcmp(v->str, "none") == 0 || strcmp(v->str, "no") == 0 ||
	    strcmp(v->str, "false") == 0)
		*out = DNSEXPECT_DANE_NONE;
	else
		return FAIL(x, v, key, "'%s': expected required, optional or "
		    "none", ywalk_shown(v, tmp, sizeof(tmp)));
	return 0;
}

static int
get_dnssec(struct px *x, const char *key, const struct ynode *v,
    enum dnsexpect_dnssec *out)
{
	char tmp[300];

	if (want_scalar(x, key, v, "secure, insecure or any") == -1)
		return -1;
	if (strcmp(v->str, "secure") == 0)
		*out = DNSEXPECT_DNSSEC_SECURE;
	else if (strcmp(v->str, "insecure") == 0)
		*out = DNSEXPECT_DNSSEC_INSECURE;
	else if (strcmp(v->str, "any") == 0)
		*out = DNSEXPECT_DNSSEC_ANY;
	else
		return FAIL(x, v, key, "'%s': expected secure, insecure or any",
		    ywalk_shown(v, tmp, sizeof(tmp)));
	return 0;
}

/* ---- mx ---- */

static int
h_mx_host(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_mx *m = x->obj;

	return get_name(x, key, v, "a host name", &m->host);
}

static int
h_mx_pref(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_mx *m = x->obj;

	return get_int(x, key, v, 0, 65535, &m->pref);
}

static const struct dkey mx_keys[] = {
	{ "host", h_mx_host },
	{ "pref", h_mx_pref },
	{ "preference", h_mx_pref },
	{ NULL, NULL },
};

static int
h_mx(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_domain *d = x->d;
	const struct ynode *it;
	struct dnsexpect_mx *m;

	d->mx_set = 1;
	if (ynode_is_null(v)) {
		d->null_mx = 1;
		return 0;
	}
	if (v->type != YNODE_SEQ)
		return FAIL(x, v, key, "expected a list of {host, pref}, or "
		    "null for a null MX, got %s", ynode_kind(v));
	for (it = v->first; it != NULL; it = it->next) {
		if ((m = reallocarray(d->mx, d->nmx + 1, sizeof(*m))) == NULL)
			return ywalk_nomem(&x->w);
		d->mx = m;
		m = &d->mx[d->nmx++];
		memset(m, 0, sizeof(*m));
		m->pref = -1;
		if (it->type == YNODE_SCALAR) {
			if (get_name(x, key, it, "a host name", &m->host) == -1)
				return -1;
			continue;
		}
		if (walk(x, key, "{host, pref}", it, mx_keys, m) == -1)
			return -1;
		if (m->host == NULL)
			return FAIL(x, it, key, "host is required");
	}
	return 0;
}

static int
h_null_mx(struct px *x, const char *key, const struct ynode *v)
{
	x->d->mx_set = 1;
	return get_bool(x, key, v, &x->d->null_mx);
}

/* ---- spf ---- */

static int
ip_list(struct px *x, const char *key, const struct ynode *v, char ***vec,
    size_t *n)
{
	size_t i;

	if (get_list(x, key, v, vec, n) == -1)
		return -1;
	for (i = 0; i < *n; i++)
		if (!valid_ip((*vec)[i]))
			return FAIL(x, v, key, "'%.64s' is not an IP address",
			    (*vec)[i]);
	return 0;
}

static int
h_spf_terms(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_spf *s = x->obj;

	s->terms_set = 1;
	return get_list(x, key, v, &s->terms, &s->nterms);
}

static int
h_spf_pass(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_spf *s = x->obj;

	return ip_list(x, key, v, &s->must_pass, &s->npass);
}

static int
h_spf_fail(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_spf *s = x->obj;

	return ip_list(x, key, v, &s->must_fail, &s->nfail);
}

static int
h_spf_sender(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_spf *s = x->obj;

	return get_str(x, key, v, "an address", &s->sender);
}

static int
h_spf_helo(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_spf *s = x->obj;

	return get_name(x, key, v, "a host name", &s->helo);
}

static const struct dkey spf_keys[] = {
	{ "terms", h_spf_terms },
	{ "must_pass", h_spf_pass },
	{ "must_fail", h_spf_fail },
	{ "sender", h_spf_sender },
	{ "helo", h_spf_helo },
	{ NULL, NULL },
};

static int
h_spf(struct px *x, const char *key, const struct ynode *v)
{
	x->d->spf.set = 1;
	return walk(x, key, "SPF expectations", v, spf_keys, &x->d->spf);
}

/* ---- dmarc ---- */

static const char *const pol_words[] = { "none", "quarantine", "reject",
	NULL };
static const char *const rs_words[] = { "r", "s", NULL };
static const char *const yn_words[] = { "y", "n", NULL };
static const char *const ynu_words[] = { "y", "n", "u", NULL };

#define DMARC_WORD(fn, field, words, what) \
static int \
fn(struct px *x, const char *key, const struct ynode *v) \
{ \
	struct dnsexpect_dmarc *d = x->obj; \
	return get_word(x, key, v, words, what, &d->field); \
}

DMARC_WORD(h_dmarc_p, p, pol_words, "none, quarantine or reject")
DMARC_WORD(h_dmarc_sp, sp, pol_words, "none, quarantine or reject")
DMARC_WORD(h_dmarc_np, np, pol_words, "none, quarantine or reject")
DMARC_WORD(h_dmarc_eff, effective, pol_words, "none, quarantine or reject")
DMARC_WORD(h_dmarc_adkim, adkim, rs_words, "r or s")
DMARC_WORD(h_dmarc_aspf, aspf, rs_words, "r or s")
DMARC_WORD(h_dmarc_t, t, yn_words, "y or n")
DMARC_WORD(h_dmarc_psd, psd, ynu_words, "y, n or u")

static int
h_dmarc_pct(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_dmarc *d = x->obj;

	return get_int(x, key, v, 0, 100, &d->pct);
}

static int
h_dmarc_rua(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_dmarc *d = x->obj;

	d->rua_set = 1;
	return get_list(x, key, v, &d->rua, &d->nrua);
}

static int
h_dmarc_ruf(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_dmarc *d = x->obj;

	d->ruf_set = 1;
	return get_list(x, key, v, &d->ruf, &d->nruf);
}

static const struct dkey dmarc_keys[] = {
	{ "p", h_dmarc_p },
	{ "sp", h_dmarc_sp },
	{ "np", h_dmarc_np },
	{ "effective", h_dmarc_eff },
	{ "adkim", h_dmarc_adkim },
	{ "aspf", h_dmarc_aspf },
	{ "t", h_dmarc_t },
	{ "psd", h_dmarc_psd },
	{ "pct", h_dmarc_pct },
	{ "rua", h_dmarc_rua },
	{ "ruf", h_dmarc_ruf },
	{ NULL, NULL },
};

static int
h_dmarc(struct px *x, const char *key, const struct ynode *v)
{
	x->d->dmarc.set = 1;
	return walk(x, key, "DMARC tags", v, dmarc_keys, &x->d->dmarc);
}

/* ---- dkim ---- */

static int
valid_selector(const char *s)
{
	size_t i;

	if (*s == '\0' || *s == '.' || strlen(s) > 200)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || (s[i] == '.' &&
		    s[i + 1] != '.' && s[i + 1] != '\0')))
			return 0;
	return 1;
}

static int
h_dkim_key(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_dkim *s = x->obj;

	return get_path(x, key, v, &s->key);
}

static int
h_dkim_revoked(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_dkim *s = x->obj;

	return get_bool(x, key, v, &s->revoked);
}

static int
h_dkim_testing(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_dkim *s = x->obj;

	return get_bool(x, key, v, &s->testing);
}

static const struct dkey dkim_sel_keys[] = {
	{ "key", h_dkim_key },
	{ "revoked", h_dkim_revoked },
	{ "testing", h_dkim_testing },
	{ NULL, NULL },
};

static int
dkim_selector(void *arg, const void *row, const struct ynode *k,
    const struct ynode *v)
{
	struct px *x = arg;
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_dkim *s;
	char tmp[300];

	(void)row;
	if (!valid_selector(k->str))
		return FAIL(x, k, NULL, "'%s' is not a valid selector",
		    ywalk_shown(k, tmp, sizeof(tmp)));
	if ((s = reallocarray(d->dkim, d->ndkim + 1, sizeof(*s))) == NULL)
		return ywalk_nomem(&x->w);
	d->dkim = s;
	s = &d->dkim[d->ndkim++];
	memset(s, 0, sizeof(*s));
	if ((s->selector = strdup(k->str)) == NULL)
		return ywalk_nomem(&x->w);
	if (v->type == YNODE_SCALAR && !ynode_is_null(v)) {
		if (strcmp(v->str, "revoked") == 0) {
			s->revoked = 1;
			return 0;
		}
		return get_path(x, s->selector, v, &s->key);
	}
	if (walk(x, s->selector, "selector settings (key, revoked, testing)",
	    v, dkim_sel_keys, s) == -1)
		return -1;
	if (s->revoked && s->key != NULL)
		return FAIL(x, v, s->selector, "revoked with a key file");
	return 0;
}

static int
h_dkim(struct px *x, const char *key, const struct ynode *v)
{
	size_t old = sect_push(x, key);
	int r;

	r = ywalk_map(&x->w, "DKIM selectors", v, NULL, 0, dkim_selector, x);
	sect_pop(x, old);
	return r;
}

/* ---- tls ---- */

#define TLS_PATH(fn, field) \
static int \
fn(struct px *x, const char *key, const struct ynode *v) \
{ \
	struct dnsexpect_tls *t = x->obj; \
	return get_path(x, key, v, &t->field); \
}

TLS_PATH(h_tls_cert, cert)
TLS_PATH(h_tls_key, key)
TLS_PATH(h_tls_next_cert, next_cert)
TLS_PATH(h_tls_next_key, next_key)

static int
h_tls_dane(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_tls *t = x->obj;

	return get_dane(x, key, v, &t->dane);
}

static int
h_tls_dnssec(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_tls *t = x->obj;

	return get_dnssec(x, key, v, &t->dnssec);
}

static const struct dkey tls_keys[] = {
	{ "cert", h_tls_cert },
	{ "key", h_tls_key },
	{ "next_cert", h_tls_next_cert },
	{ "next_key", h_tls_next_key },
	{ "dane", h_tls_dane },
	{ "dnssec", h_tls_dnssec },
	{ NULL, NULL },
};

static int
tls_host(void *arg, const void *row, const struct ynode *k,
    const struct ynode *v)
{
	struct px *x = arg;
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_tls *t;

	(void)row;
	if ((t = reallocarray(d->tls, d->ntls + 1, sizeof(*t))) == NULL)
		return ywalk_nomem(&x->w);
	d->tls = t;
	t = &d->tls[d->ntls++];
	memset(t, 0, sizeof(*t));
	if (get_name(x, NULL, k, "a host name", &t->host) == -1)
		return -1;
	return walk(x, t->host, "TLS settings", v, tls_keys, t);
}

static int
h_tls(struct px *x, const char *key, const struct ynode *v)
{
	size_t old = sect_push(x, key);
	int r;

	r = ywalk_map(&x->w, "TLS hosts", v, NULL, 0, tls_host, x);
	sect_pop(x, old);
	return r;
}

/* ---- ptr ---- */

static int
add_ptr(struct px *x, const struct ynode *at, const char *ip,
    const struct ynode *name)
{
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_ptr *p;
	char tmp[300];

	if (!valid_ip(ip))
		return FAIL(x, at, NULL, "'%s' is not an IP address",
		    ywalk_shown(at, tmp, sizeof(tmp)));
	if ((p = reallocarray(d->ptr, d->nptr + 1, sizeof(*p))) == NULL)
		return ywalk_nomem(&x->w);
	d->ptr = p;
	p = &d->ptr[d->nptr++];
	memset(p, 0, sizeof(*p));
	if ((p->ip = strdup(ip)) == NULL)
		return ywalk_nomem(&x->w);
	if (name != NULL && !ynode_is_null(name))
		return get_name(x, ip, name, "a host name", &p->name);
	return 0;
}

static int
ptr_pair(void *arg, const void *row, const struct ynode *k,
    const struct ynode *v)
{
	(void)row;
	return add_ptr(arg, k, k->str, v);
}

static int
h_ptr(struct px *x, const char *key, const struct ynode *v)
{
	const struct ynode *it;
	size_t old = sect_push(x, key);
	int r = 0;

	if (v->type == YNODE_MAP)
		r = ywalk_map(&x->w, "IP: name", v, NULL, 0, ptr_pair, x);
	else if (v->type == YNODE_SEQ) {
		for (it = v->first; it != NULL && r == 0; it = it->next)
			r = want_scalar(x, NULL, it, "an IP address") == -1 ?
			    -1 : add_ptr(x, it, it->str, NULL);
	} else
		r = FAIL(x, v, NULL, "expected a list of IPs or a mapping "
		    "IP: name, got %s", ynode_kind(v));
	sect_pop(x, old);
	return r;
}

/* ---- submission, submissions ---- */

static int
h_srv_host(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_srv *s = x->obj;

	return get_name(x, key, v, "a host name", &s->host);
}

#define SRV_INT(fn, field) \
static int \
fn(struct px *x, const char *key, const struct ynode *v) \
{ \
	struct dnsexpect_srv *s = x->obj; \
	return get_int(x, key, v, 0, 65535, &s->field); \
}

SRV_INT(h_srv_port, port)
SRV_INT(h_srv_priority, priority)
SRV_INT(h_srv_weight, weight)

static const struct dkey srv_keys[] = {
	{ "host", h_srv_host },
	{ "port", h_srv_port },
	{ "priority", h_srv_priority },
	{ "weight", h_srv_weight },
	{ NULL, NULL },
};

static struct dnsexpect_srv *
srv_new(struct px *x, const char *service)
{
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_srv *s;

	if ((s = reallocarray(d->srv, d->nsrv + 1, sizeof(*s))) == NULL)
		return NULL;
	d->srv = s;
	s = &d->srv[d->nsrv++];
	memset(s, 0, sizeof(*s));
	s->port = s->priority = s->weight = -1;
	if ((s->service = strdup(service)) == NULL)
		return NULL;
	return s;
}

static int
h_srv(struct px *x, const char *key, const struct ynode *v)
{
	const struct ynode *it;
	struct dnsexpect_srv *s;

	x->d->srv_set = 1;
	if (v->type == YNODE_SCALAR && strcmp(v->str, "none") == 0) {
		if ((s = srv_new(x, key)) == NULL ||
		    (s->host = strdup("")) == NULL)
			return ywalk_nomem(&x->w);
		s->port = s->priority = s->weight = 0;
		return 0;
	}
	if (v->type != YNODE_SEQ)
		return FAIL(x, v, key, "expected a list of {host, port, "
		    "priority, weight} or \"none\", got %s", ynode_kind(v));
	for (it = v->first; it != NULL; it = it->next) {
		if ((s = srv_new(x, key)) == NULL)
			return ywalk_nomem(&x->w);
		if (walk(x, key, "{host, port, priority, weight}", it,
		    srv_keys, s) == -1)
			return -1;
		if (s->host == NULL)
			return FAIL(x, it, key, "host is required");
	}
	return 0;
}

/* ---- mta_sts, tlsrpt ---- */

static const char *const sts_words[] = { "enforce", "testing", "none", NULL };

static int
h_sts_mode(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_mtasts *m = x->obj;

	return get_word(x, key, v, sts_words, "enforce, testing or none",
	    &m->mode);
}

static int
h_sts_mx(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_mtasts *m = x->obj;

	m->mx_set = 1;
	return get_list(x, key, v, &m->mx, &m->nmx);
}

static const struct dkey sts_keys[] = {
	{ "mode", h_sts_mode },
	{ "mx", h_sts_mx },
	{ NULL, NULL },
};

static int
h_mta_sts(struct px *x, const char *key, const struct ynode *v)
{
	x->d->mta_sts.set = 1;
	return walk(x, key, "MTA-STS expectations", v, sts_keys,
	    &x->d->mta_sts);
}

static int
h_rpt_rua(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_tlsrpt *t = x->obj;

	t->rua_set = 1;
	return get_list(x, key, v, &t->rua, &t->nrua);
}

static const struct dkey rpt_keys[] = {
	{ "rua", h_rpt_rua },
	{ NULL, NULL },
};

static int
h_tlsrpt(struct px *x, const char *key, const struct ynode *v)
{
	x->d->tlsrpt.set = 1;
	return walk(x, key, "TLS-RPT expectations", v, rpt_keys,
	    &x->d->tlsrpt);
}

/* ---- ack ---- */

static int
h_ack_id(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_ack *a = x->obj;
	unsigned i;

	if (get_str(x, key, v, "a finding id", &a->id) == -1)
		return -1;
	for (i = 0; i < v->len; i++)
		if (!((v->str[i] >= 'a' && v->str[i] <= 'z') ||
		    (v->str[i] >= '0' && v->str[i] <= '9') ||
		    v->str[i] == '.' || v->str[i] == '_'))
			return FAIL(x, v, key, "expected a finding id like "
			    "dmarc.tag.obsolete (see maildnscheck(1))");
	return 0;
}

static int
h_ack_subject(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_ack *a = x->obj;

	return get_str(x, key, v, "a subject", &a->subject);
}

static int
h_ack_reason(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_ack *a = x->obj;

	return get_str(x, key, v, "a reason", &a->reason);
}

/* Days from 1970-01-01 to Y-M-D (proleptic Gregorian). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int
h_ack_until(struct px *x, const char *key, const struct ynode *v)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	struct dnsexpect_ack *a = x->obj;
	unsigned y, m, d, i;
	char tmp[300];

	if (want_scalar(x, key, v, "a date YYYY-MM-DD") == -1)
		return -1;
	for (i = 0; i < v->len; i++)
		if (!(i == 4 || i == 7 ? v->str[i] == '-' :
		    v->str[i] >= '0' && v->str[i] <= '9'))
			break;
	if (v->len != 10 || i != 10 ||
	    sscanf(v->str, "%4u-%2u-%2u", &y, &m, &d) != 3 || y < 1970 ||
	    m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 &&
	    y % 400 != 0))))
		return FAIL(x, v, key, "'%s': expected a date YYYY-MM-DD",
		    ywalk_shown(v, tmp, sizeof(tmp)));
	memcpy(a->until, v->str, 10);
	a->until[10] = '\0';
	a->until_end = (days_from_civil(y, m, d) + 1) * 86400;
	return 0;
}

static const struct dkey ack_keys[] = {
	{ "id", h_ack_id },
	{ "subject", h_ack_subject },
	{ "reason", h_ack_reason },
	{ "until", h_ack_until },
	{ NULL, NULL },
};

static int
h_ack(struct px *x, const char *key, const struct ynode *v)
{
	struct dnsexpect_domain *d = x->d;
	const struct ynode *it;
	struct dnsexpect_ack *a;

	if (v->type != YNODE_SEQ)
		return FAIL(x, v, key, "expected a list of {id, subject, "
		    "reason, until}, got %s", ynode_kind(v));
	for (it = v->first; it != NULL; it = it->next) {
		if ((a = reallocarray(d->ack, d->nack + 1, sizeof(*a))) ==
		    NULL)
			return ywalk_nomem(&x->w);
		d->ack = a;
		a = &d->ack[d->nack++];
		memset(a, 0, sizeof(*a));
		a->line = (int)it->line;
		if (walk(x, key, "{id, subject, reason, until}", it, ack_keys,
		    a) == -1)
			return -1;
		if (a->id == NULL || a->reason == NULL || a->until[0] == '\0')
			return FAIL(x, it, key, "id, reason and until are "
			    "required: an acknowledgement says why and for "
			    "how long");
	}
	return 0;
}

/* ---- domain ---- */

static int
h_dane(struct px *x, const char *key, const struct ynode *v)
{
	return get_dane(x, key, v, &x->d->dane);
}

static int
h_dnssec(struct px *x, const char *key, const struct ynode *v)
{
	return get_dnssec(x, key, v, &x->d->dnssec);
}

static int
h_deadline(struct px *x, const char *key, const struct ynode *v)
{
	char tmp[300], *end;
	double s;

	if (want_scalar(x, key, v, "seconds") == -1)
		return -1;
	errno = 0;
	s = strtod(v->str, &end);
	if (v->str[0] < '0' || v->str[0] > '9' || *end != '\0' || errno != 0 ||
	    !(s > 0 && s <= 3600))
		return FAIL(x, v, key, "'%s': expected seconds, 0 < S <= 3600",
		    ywalk_shown(v, tmp, sizeof(tmp)));
	x->d->deadline = s;
	return 0;
}

static const struct dkey domain_keys[] = {
	{ "mx", h_mx },
	{ "null_mx", h_null_mx },
	{ "spf", h_spf },
	{ "dmarc", h_dmarc },
	{ "dkim", h_dkim },
	{ "dane", h_dane },
	{ "dnssec", h_dnssec },
	{ "tls", h_tls },
	{ "ptr", h_ptr },
	{ "submission", h_srv },
	{ "submissions", h_srv },
	{ "mta_sts", h_mta_sts },
	{ "tlsrpt", h_tlsrpt },
	{ "ack", h_ack },
	{ "deadline", h_deadline },
	{ NULL, NULL },
};

static void
domain_free(struct dnsexpect_domain *d)
{
	size_t i;

	free(d->name);
	for (i = 0; i < d->nmx; i++)
		free(d->mx[i].host);
	free(d->mx);
	strv_free(d->spf.terms, d->spf.nterms);
	strv_free(d->spf.must_pass, d->spf.npass);
	strv_free(d->spf.must_fail, d->spf.nfail);
	free(d->spf.sender);
	free(d->spf.helo);
	free(d->dmarc.p);
	free(d->dmarc.sp);
	free(d->dmarc.np);
	free(d->dmarc.effective);
	free(d->dmarc.adkim);
	free(d->dmarc.aspf);
	free(d->dmarc.t);
	free(d->dmarc.psd);
	strv_free(d->dmarc.rua, d->dmarc.nrua);
	strv_free(d->dmarc.ruf, d->dmarc.nruf);
	for (i = 0; i < d->ndkim; i++) {
		free(d->dkim[i].selector);
		free(d->dkim[i].key);
	}
	free(d->dkim);
	for (i = 0; i < d->ntls; i++) {
		free(d->tls[i].host);
		free(d->tls[i].cert);
		free(d->tls[i].key);
		free(d->tls[i].next_cert);
		free(d->tls[i].next_key);
	}
	free(d->tls);
	for (i = 0; i < d->nptr; i++) {
		free(d->ptr[i].ip);
		free(d->ptr[i].name);
	}
	free(d->ptr);
	for (i = 0; i < d->nsrv; i++) {
		free(d->srv[i].service);
		free(d->srv[i].host);
	}
	free(d->srv);
	free(d->mta_sts.mode);
	strv_free(d->mta_sts.mx, d->mta_sts.nmx);
	strv_free(d->tlsrpt.rua, d->tlsrpt.nrua);
	for (i = 0; i < d->nack; i++) {
		free(d->ack[i].id);
		free(d->ack[i].subject);
		free(d->ack[i].reason);
	}
	free(d->ack);
}

void
dnsexpect_free(struct dnsexpect **expp)
{
	struct dnsexpect *e;
	size_t i;

	if (expp == NULL || (e = *expp) == NULL)
		return;
	for (i = 0; i < e->nd; i++)
		domain_free(&e->d[i]);
	free(e->d);
	free(e->path);
	free(e);
	*expp = NULL;
}

struct root_arg {
	struct px *x;
	struct dnsexpect *e;
};

static int
domain_pair(void *arg, const void *row, const struct ynode *k,
    const struct ynode *v)
{
	struct root_arg *ra = arg;
	struct px *x = ra->x;
	struct dnsexpect *e = ra->e;
	struct dnsexpect_domain *d;
	size_t i, old;
	int r = 0;

	(void)row;
	if ((d = reallocarray(e->d, e->nd + 1, sizeof(*d))) == NULL)
		return ywalk_nomem(&x->w);
	e->d = d;
	d = &e->d[e->nd++];
	memset(d, 0, sizeof(*d));
	d->dmarc.pct = -1;
	d->line = (int)k->line;
	if (get_name(x, NULL, k, "a domain name", &d->name) == -1)
		return -1;
	/* "Example.org" and "example.org." are one domain */
	for (i = 0; i + 1 < e->nd; i++)
		if (strcmp(e->d[i].name, d->name) == 0)
			return FAIL(x, k, NULL, "domain %s listed twice (first "
			    "at line %d)", d->name, e->d[i].line);
	if (ynode_is_null(v))
		return 0;
	old = sect_push(x, d->name);
	x->d = d;
	r = ywalk_map(&x->w, "domain settings", v, domain_keys,
	    sizeof(*domain_keys), dkey_fn, x);
	x->d = NULL;
	sect_pop(x, old);
	return r;
}

static int
root_pair(void *arg, const void *row, const struct ynode *k,
    const struct ynode *v)
{
	struct root_arg *ra = arg;
	struct px *x = ra->x;
	size_t old;
	int ver, r;

	(void)row;
	if (k->len == 7 && strcmp(k->str, "version") == 0)
		return get_int(x, "version", v, 1, 1, &ver);
	/* the table allows only "version" and "domains" */
	if (ynode_is_null(v))
		return 0;
	old = sect_push(x, "domains");
	r = ywalk_map(&x->w, "domains", v, NULL, 0, domain_pair, ra);
	sect_pop(x, old);
	return r;
}

static const struct dkey root_keys[] = {
	{ "version", NULL },
	{ "domains", NULL },
	{ NULL, NULL },
};

int
dnsexpect_parse(const char *text, size_t len, const char *name,
    const char *basedir, struct dnsexpect **exp_r, struct errbuf *eb)
{
	struct dnsexpect *e;
	struct ydoc *doc;
	const struct ynode *root;
	struct root_arg ra;
	struct px x;
	int rv = 0;

	*exp_r = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->path = strdup(name)) == NULL) {
		free(e);
		errbuf_set(eb, "%s: out of memory", name);
		eb->errnum = ENOMEM;
		return -1;
	}
	if ((doc = ydoc_parse(name, text, len, &dnsexpect_limits, eb)) ==
	    NULL) {
		dnsexpect_free(&e);
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.w.name = name;
	x.w.eb = eb;
	x.w.section = x.sect;
	x.basedir = basedir;
	ra.x = &x;
	ra.e = e;
	root = ydoc_root(doc);
	if (root != NULL && !ynode_is_null(root))
		rv = ywalk_map(&x.w, "version and domains", root, root_keys,
		    sizeof(*root_keys), root_pair, &ra);
	ydoc_free(&doc);
	if (rv == -1) {
		dnsexpect_free(&e);
		return -1;
	}
	*exp_r = e;
	return 0;
}

int
dnsexpect_load(const char *path, struct dnsexpect **exp_r, struct errbuf *eb)
{
	char *data, *dir, *slash;
	size_t len;
	int rv;

	*exp_r = NULL;
	if (yaml_read_file(path, DNSEXPECT_MAX_BYTES, &data, &len, eb) == -1)
		return -1;
	if ((dir = strdup(path)) == NULL) {
		errbuf_syserr(eb, "%s", path);
		free(data);
		return -1;
	}
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
	rv = dnsexpect_parse(data, len, path, slash == dir ? "/" : dir, exp_r,
	    eb);
	free(dir);
	free(data);
	return rv;
}

const char *
dnsexpect_dnssec_name(enum dnsexpect_dnssec d)
{
	switch (d) {
	case DNSEXPECT_DNSSEC_SECURE:
		return "secure";
	case DNSEXPECT_DNSSEC_INSECURE:
		return "insecure";
	case DNSEXPECT_DNSSEC_ANY:
		return "any";
	default:
		return "unset";
	}
}

const struct dnsexpect_domain *
dnsexpect_find(const struct dnsexpect *exp, const char *domain)
{
	size_t i, n = strlen(domain);

	if (exp == NULL)
		return NULL;
	if (n > 0 && domain[n - 1] == '.')
		n--;
	for (i = 0; i < exp->nd; i++)
		if (strlen(exp->d[i].name) == n &&
		    strncasecmp(exp->d[i].name, domain, n) == 0)
			return &exp->d[i];
	return NULL;
}
