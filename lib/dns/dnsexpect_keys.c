/*
 * dnsexpect_keys: one key table per area of a domain's expected state
 * (mx, spf, dmarc, dkim, tls, ptr, submission, mta_sts, tlsrpt, ack) and
 * the handler that reads each key.  A new expected-state key is a row
 * here and its handler.
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
#include "dnsexpect_int.h"

/* ---- mx ---- */

static int
h_mx_host(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_mx *m = x->obj;

	return dx_get_name(x, key, v, "a host name", &m->host);
}

static int
h_mx_pref(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_mx *m = x->obj;

	return dx_get_int(x, key, v, 0, 65535, &m->pref);
}

static const struct dkey mx_keys[] = {
	{ "host", h_mx_host },
	{ "pref", h_mx_pref },
	{ "preference", h_mx_pref },
	{ NULL, NULL },
};

static int
mx_item(struct px *x, const char *key, const struct yevent *it)
{
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_mx *m;

	if ((m = reallocarray(d->mx, d->nmx + 1, sizeof(*m))) == NULL)
		return yschema_nomem(x->ys);
	d->mx = m;
	m = &d->mx[d->nmx++];
	memset(m, 0, sizeof(*m));
	m->pref = -1;
	if (it->type == YEV_SCALAR)
		return dx_get_name(x, key, it, "a host name", &m->host);
	if (dx_walk(x, key, "{host, pref}", it, mx_keys, m) == -1)
		return -1;
	if (m->host == NULL)
		return FAIL(x, it, key, "host is required");
	return 0;
}

static int
h_mx(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_domain *d = x->d;

	d->mx_set = 1;
	if (yevent_is_null(v)) {
		d->null_mx = 1;
		return 0;
	}
	if (v->type != YEV_SEQ)
		return FAIL(x, v, key, "expected a list of {host, pref}, or "
		    "null for a null MX, got %s", yevent_kind(v));
	return dx_list(x, key, v, mx_item);
}

static int
h_null_mx(struct px *x, const char *key, const struct yevent *v)
{
	x->d->mx_set = 1;
	return dx_get_bool(x, key, v, &x->d->null_mx);
}

/* ---- spf ---- */

static int
ip_list(struct px *x, const char *key, const struct yevent *v, char ***vec,
    size_t *n)
{
	size_t i;

	if (dx_get_list(x, key, v, vec, n) == -1)
		return -1;
	for (i = 0; i < *n; i++)
		if (!dx_valid_ip((*vec)[i]))
			return FAIL(x, v, key, "'%.64s' is not an IP address",
			    (*vec)[i]);
	return 0;
}

static int
h_spf_terms(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_spf *s = x->obj;

	s->terms_set = 1;
	return dx_get_list(x, key, v, &s->terms, &s->nterms);
}

static int
h_spf_pass(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_spf *s = x->obj;

	return ip_list(x, key, v, &s->must_pass, &s->npass);
}

static int
h_spf_fail(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_spf *s = x->obj;

	return ip_list(x, key, v, &s->must_fail, &s->nfail);
}

static int
h_spf_sender(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_spf *s = x->obj;

	return dx_get_str(x, key, v, "an address", &s->sender);
}

static int
h_spf_helo(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_spf *s = x->obj;

	return dx_get_name(x, key, v, "a host name", &s->helo);
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
h_spf(struct px *x, const char *key, const struct yevent *v)
{
	x->d->spf.set = 1;
	return dx_walk(x, key, "SPF expectations", v, spf_keys, &x->d->spf);
}

/* ---- dmarc ---- */

static const char *const pol_words[] = { "none", "quarantine", "reject",
	NULL };
static const char *const rs_words[] = { "r", "s", NULL };
static const char *const yn_words[] = { "y", "n", NULL };
static const char *const ynu_words[] = { "y", "n", "u", NULL };

#define DMARC_WORD(fn, field, words, what) \
static int \
fn(struct px *x, const char *key, const struct yevent *v) \
{ \
	struct dnsexpect_dmarc *d = x->obj; \
	return dx_get_word(x, key, v, words, what, &d->field); \
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
h_dmarc_pct(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_dmarc *d = x->obj;

	return dx_get_int(x, key, v, 0, 100, &d->pct);
}

static int
h_dmarc_rua(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_dmarc *d = x->obj;

	d->rua_set = 1;
	return dx_get_list(x, key, v, &d->rua, &d->nrua);
}

static int
h_dmarc_ruf(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_dmarc *d = x->obj;

	d->ruf_set = 1;
	return dx_get_list(x, key, v, &d->ruf, &d->nruf);
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
h_dmarc(struct px *x, const char *key, const struct yevent *v)
{
	x->d->dmarc.set = 1;
	return dx_walk(x, key, "DMARC tags", v, dmarc_keys, &x->d->dmarc);
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
h_dkim_key(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_dkim *s = x->obj;

	return dx_get_path(x, key, v, &s->key);
}

static int
h_dkim_revoked(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_dkim *s = x->obj;

	return dx_get_bool(x, key, v, &s->revoked);
}

static int
h_dkim_testing(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_dkim *s = x->obj;

	return dx_get_bool(x, key, v, &s->testing);
}

static const struct dkey dkim_sel_keys[] = {
	{ "key", h_dkim_key },
	{ "revoked", h_dkim_revoked },
	{ "testing", h_dkim_testing },
	{ NULL, NULL },
};

static int
dkim_selector(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	struct px *x = arg;
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_dkim *s;
	char tmp[300];

	(void)ys;
	(void)row;
	if (!valid_selector(k->str))
		return FAIL(x, k, NULL, "'%s' is not a valid selector",
		    yschema_shown(k, tmp, sizeof(tmp)));
	if ((s = reallocarray(d->dkim, d->ndkim + 1, sizeof(*s))) == NULL)
		return yschema_nomem(x->ys);
	d->dkim = s;
	s = &d->dkim[d->ndkim++];
	memset(s, 0, sizeof(*s));
	if ((s->selector = strdup(k->str)) == NULL)
		return yschema_nomem(x->ys);
	if (v->type == YEV_SCALAR && !yevent_is_null(v)) {
		if (strcmp(v->str, "revoked") == 0) {
			s->revoked = 1;
			return 0;
		}
		return dx_get_path(x, s->selector, v, &s->key);
	}
	if (dx_walk(x, s->selector, "selector settings (key, revoked, testing)",
	    v, dkim_sel_keys, s) == -1)
		return -1;
	if (s->revoked && s->key != NULL)
		return FAIL(x, v, s->selector, "revoked with a key file");
	return 0;
}

static int
h_dkim(struct px *x, const char *key, const struct yevent *v)
{
	size_t old = dx_sect_push(x, key);
	int r;

	r = yschema_map(x->ys, x->sect, "DKIM selectors", v, NULL, 0,
	    dkim_selector, x);
	dx_sect_pop(x, old);
	return r;
}

/* ---- tls ---- */

#define TLS_PATH(fn, field) \
static int \
fn(struct px *x, const char *key, const struct yevent *v) \
{ \
	struct dnsexpect_tls *t = x->obj; \
	return dx_get_path(x, key, v, &t->field); \
}

TLS_PATH(h_tls_cert, cert)
TLS_PATH(h_tls_key, key)
TLS_PATH(h_tls_next_cert, next_cert)
TLS_PATH(h_tls_next_key, next_key)

static int
h_tls_dane(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_tls *t = x->obj;

	return dx_get_dane(x, key, v, &t->dane);
}

static int
h_tls_dnssec(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_tls *t = x->obj;

	return dx_get_dnssec(x, key, v, &t->dnssec);
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
tls_host(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	struct px *x = arg;
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_tls *t;

	(void)ys;
	(void)row;
	if ((t = reallocarray(d->tls, d->ntls + 1, sizeof(*t))) == NULL)
		return yschema_nomem(x->ys);
	d->tls = t;
	t = &d->tls[d->ntls++];
	memset(t, 0, sizeof(*t));
	if (dx_get_name(x, NULL, k, "a host name", &t->host) == -1)
		return -1;
	return dx_walk(x, t->host, "TLS settings", v, tls_keys, t);
}

static int
h_tls(struct px *x, const char *key, const struct yevent *v)
{
	size_t old = dx_sect_push(x, key);
	int r;

	r = yschema_map(x->ys, x->sect, "TLS hosts", v, NULL, 0, tls_host, x);
	dx_sect_pop(x, old);
	return r;
}

/* ---- ptr ---- */

static int
add_ptr(struct px *x, const struct yevent *at, const char *ip,
    const struct yevent *name)
{
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_ptr *p;
	char tmp[300];

	if (!dx_valid_ip(ip))
		return FAIL(x, at, NULL, "'%s' is not an IP address",
		    yschema_shown(at, tmp, sizeof(tmp)));
	if ((p = reallocarray(d->ptr, d->nptr + 1, sizeof(*p))) == NULL)
		return yschema_nomem(x->ys);
	d->ptr = p;
	p = &d->ptr[d->nptr++];
	memset(p, 0, sizeof(*p));
	if ((p->ip = strdup(ip)) == NULL)
		return yschema_nomem(x->ys);
	if (name != NULL && !yevent_is_null(name))
		return dx_get_name(x, ip, name, "a host name", &p->name);
	return 0;
}

static int
ptr_pair(struct yschema *ys, void *arg, const void *row,
    const struct yevent *k, const struct yevent *v)
{
	(void)ys;
	(void)row;
	return add_ptr(arg, k, k->str, v);
}

static int
ptr_item(struct px *x, const char *key, const struct yevent *it)
{
	(void)key;
	if (dx_want_scalar(x, NULL, it, "an IP address") == -1)
		return -1;
	return add_ptr(x, it, it->str, NULL);
}

static int
h_ptr(struct px *x, const char *key, const struct yevent *v)
{
	size_t old = dx_sect_push(x, key);
	int r;

	if (v->type == YEV_MAP)
		r = yschema_map(x->ys, x->sect, "IP: name", v, NULL, 0,
		    ptr_pair, x);
	else if (v->type == YEV_SEQ)
		r = dx_list(x, key, v, ptr_item);
	else
		r = FAIL(x, v, NULL, "expected a list of IPs or a mapping "
		    "IP: name, got %s", yevent_kind(v));
	dx_sect_pop(x, old);
	return r;
}

/* ---- submission, submissions ---- */

static int
h_srv_host(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_srv *s = x->obj;

	return dx_get_name(x, key, v, "a host name", &s->host);
}

#define SRV_INT(fn, field) \
static int \
fn(struct px *x, const char *key, const struct yevent *v) \
{ \
	struct dnsexpect_srv *s = x->obj; \
	return dx_get_int(x, key, v, 0, 65535, &s->field); \
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
srv_item(struct px *x, const char *key, const struct yevent *it)
{
	struct dnsexpect_srv *s;

	if ((s = srv_new(x, key)) == NULL)
		return yschema_nomem(x->ys);
	if (dx_walk(x, key, "{host, port, priority, weight}", it, srv_keys,
	    s) == -1)
		return -1;
	if (s->host == NULL)
		return FAIL(x, it, key, "host is required");
	return 0;
}

static int
h_srv(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_srv *s;

	x->d->srv_set = 1;
	if (v->type == YEV_SCALAR && strcmp(v->str, "none") == 0) {
		if ((s = srv_new(x, key)) == NULL ||
		    (s->host = strdup("")) == NULL)
			return yschema_nomem(x->ys);
		s->port = s->priority = s->weight = 0;
		return 0;
	}
	if (v->type != YEV_SEQ)
		return FAIL(x, v, key, "expected a list of {host, port, "
		    "priority, weight} or \"none\", got %s", yevent_kind(v));
	return dx_list(x, key, v, srv_item);
}

/* ---- mta_sts, tlsrpt ---- */

static const char *const sts_words[] = { "enforce", "testing", "none", NULL };

static int
h_sts_mode(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_mtasts *m = x->obj;

	return dx_get_word(x, key, v, sts_words, "enforce, testing or none",
	    &m->mode);
}

static int
h_sts_mx(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_mtasts *m = x->obj;

	m->mx_set = 1;
	return dx_get_list(x, key, v, &m->mx, &m->nmx);
}

static const struct dkey sts_keys[] = {
	{ "mode", h_sts_mode },
	{ "mx", h_sts_mx },
	{ NULL, NULL },
};

static int
h_mta_sts(struct px *x, const char *key, const struct yevent *v)
{
	x->d->mta_sts.set = 1;
	return dx_walk(x, key, "MTA-STS expectations", v, sts_keys,
	    &x->d->mta_sts);
}

static int
h_rpt_rua(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_tlsrpt *t = x->obj;

	t->rua_set = 1;
	return dx_get_list(x, key, v, &t->rua, &t->nrua);
}

static const struct dkey rpt_keys[] = {
	{ "rua", h_rpt_rua },
	{ NULL, NULL },
};

static int
h_tlsrpt(struct px *x, const char *key, const struct yevent *v)
{
	x->d->tlsrpt.set = 1;
	return dx_walk(x, key, "TLS-RPT expectations", v, rpt_keys,
	    &x->d->tlsrpt);
}

/* ---- ack ---- */

static int
h_ack_id(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_ack *a = x->obj;
	unsigned i;

	if (dx_get_str(x, key, v, "a finding id", &a->id) == -1)
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
h_ack_subject(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_ack *a = x->obj;

	return dx_get_str(x, key, v, "a subject", &a->subject);
}

static int
h_ack_reason(struct px *x, const char *key, const struct yevent *v)
{
	struct dnsexpect_ack *a = x->obj;

	return dx_get_str(x, key, v, "a reason", &a->reason);
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
h_ack_until(struct px *x, const char *key, const struct yevent *v)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	struct dnsexpect_ack *a = x->obj;
	unsigned y, m, d, i;
	char tmp[300];

	if (dx_want_scalar(x, key, v, "a date YYYY-MM-DD") == -1)
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
		    yschema_shown(v, tmp, sizeof(tmp)));
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
ack_item(struct px *x, const char *key, const struct yevent *it)
{
	struct dnsexpect_domain *d = x->d;
	struct dnsexpect_ack *a;

	if ((a = reallocarray(d->ack, d->nack + 1, sizeof(*a))) == NULL)
		return yschema_nomem(x->ys);
	d->ack = a;
	a = &d->ack[d->nack++];
	memset(a, 0, sizeof(*a));
	a->line = (int)it->line;
	if (dx_walk(x, key, "{id, subject, reason, until}", it, ack_keys, a) ==
	    -1)
		return -1;
	if (a->id == NULL || a->reason == NULL || a->until[0] == '\0')
		return FAIL(x, it, key, "id, reason and until are required: "
		    "an acknowledgement says why and for how long");
	return 0;
}

static int
h_ack(struct px *x, const char *key, const struct yevent *v)
{
	if (v->type != YEV_SEQ)
		return FAIL(x, v, key, "expected a list of {id, subject, "
		    "reason, until}, got %s", yevent_kind(v));
	return dx_list(x, key, v, ack_item);
}

/* ---- domain ---- */

static int
h_dane(struct px *x, const char *key, const struct yevent *v)
{
	return dx_get_dane(x, key, v, &x->d->dane);
}

static int
h_dnssec(struct px *x, const char *key, const struct yevent *v)
{
	return dx_get_dnssec(x, key, v, &x->d->dnssec);
}

static int
h_deadline(struct px *x, const char *key, const struct yevent *v)
{
	char tmp[300], *end;
	double s;

	if (dx_want_scalar(x, key, v, "seconds") == -1)
		return -1;
	errno = 0;
	s = strtod(v->str, &end);
	if (v->str[0] < '0' || v->str[0] > '9' || *end != '\0' || errno != 0 ||
	    !(s > 0 && s <= 3600))
		return FAIL(x, v, key, "'%s': expected seconds, 0 < S <= 3600",
		    yschema_shown(v, tmp, sizeof(tmp)));
	x->d->deadline = s;
	return 0;
}

const struct dkey dx_domain_keys[] = {
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
