/*
 * dnsexpect: expected mail-DNS state from YAML (libyaml document API).
 * Unknown keys are errors, so a typo never silently disables a check;
 * every error names FILE:LINE:COL of the offending node.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "buf.h"
#include "dnsexpect.h"

#define DNSEXPECT_MAX_FILE (4 * 1024 * 1024)

struct px {
	yaml_document_t *doc;
	const char *name;
	const char *basedir;
	struct errbuf *eb;
};

static int
perr(struct px *x, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct px *x, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errbuf_set(x->eb, "%s:%zu:%zu: %s", x->name,
	    n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0,
	    msg);
	return -1;
}

static const char *
scal(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	/* NUL inside a scalar would silently truncate */
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static int
is_null(const yaml_node_t *n)
{
	const char *s = scal(n);

	return s != NULL && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (*s == '\0' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0);
}

static yaml_node_t *
node(struct px *x, int id)
{
	return yaml_document_get_node(x->doc, id);
}

static int
want_scalar(struct px *x, const yaml_node_t *n, const char *what,
    const char **s_r)
{
	if ((*s_r = scal(n)) == NULL)
		return perr(x, n, "%s: expected a scalar", what);
	return 0;
}

static int
dup_scalar(struct px *x, const yaml_node_t *n, const char *what, char **dst)
{
	const char *s;

	if (want_scalar(x, n, what, &s) == -1)
		return -1;
	free(*dst);
	if ((*dst = strdup(s)) == NULL) {
		errbuf_syserr(x->eb, "%s", x->name);
		return -1;
	}
	return 0;
}

static int
get_int(struct px *x, const yaml_node_t *n, const char *what, long lo,
    long hi, int *out)
{
	const char *s;
	char *end;
	long v;

	if (want_scalar(x, n, what, &s) == -1)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		return perr(x, n, "%s: expected an integer %ld..%ld", what, lo,
		    hi);
	*out = (int)v;
	return 0;
}

static int
get_bool(struct px *x, const yaml_node_t *n, const char *what, int *out)
{
	const char *s;

	if (want_scalar(x, n, what, &s) == -1)
		return -1;
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
		*out = 1;
	else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
		*out = 0;
	else
		return perr(x, n, "%s: expected true or false", what);
	return 0;
}

/* A file name, made relative to the YAML file's directory. */
static int
get_path(struct px *x, const yaml_node_t *n, const char *what, char **dst)
{
	const char *s;
	struct buf b = BUF_INIT;

	if (want_scalar(x, n, what, &s) == -1)
		return -1;
	if (*s == '\0')
		return perr(x, n, "%s: empty file name", what);
	if (s[0] != '/' && x->basedir != NULL && *x->basedir != '\0') {
		if (buf_printf(&b, "%s/%s", x->basedir, s) == -1)
			goto nomem;
	} else if (buf_puts(&b, s) == -1)
		goto nomem;
	free(*dst);
	*dst = b.data;
	return 0;
nomem:
	buf_free(&b);
	errbuf_syserr(x->eb, "%s", x->name);
	return -1;
}

/* A sequence of scalars, or one scalar (comma list allowed when COMMA). */
static int
get_list(struct px *x, const yaml_node_t *n, const char *what, int comma,
    char ***v_r, size_t *n_r)
{
	yaml_node_item_t *it;
	char **v = NULL, **nv, *copy = NULL, *tok, *save = NULL;
	size_t cnt = 0;
	const char *s;

	if (n->type == YAML_SEQUENCE_NODE) {
		for (it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++) {
			if (want_scalar(x, node(x, *it), what, &s) == -1)
				goto fail;
			if ((nv = reallocarray(v, cnt + 1, sizeof(*v))) ==
			    NULL)
				goto nomem;
			v = nv;
			if ((v[cnt] = strdup(s)) == NULL)
				goto nomem;
			cnt++;
		}
	} else if (is_null(n)) {
		/* empty list */
	} else {
		if (want_scalar(x, n, what, &s) == -1)
			goto fail;
		if ((copy = strdup(s)) == NULL)
			goto nomem;
		for (tok = strtok_r(copy, comma ? ", " : "", &save);
		    tok != NULL; tok = strtok_r(NULL, comma ? ", " : "", &save)) {
			if ((nv = reallocarray(v, cnt + 1, sizeof(*v))) ==
			    NULL)
				goto nomem;
			v = nv;
			if ((v[cnt] = strdup(tok)) == NULL)
				goto nomem;
			cnt++;
		}
		free(copy);
		copy = NULL;
	}
	*v_r = v;
	*n_r = cnt;
	return 0;
nomem:
	errbuf_syserr(x->eb, "%s", x->name);
fail:
	free(copy);
	while (cnt > 0)
		free(v[--cnt]);
	free(v);
	return -1;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

#define FOREACH_PAIR(n, p) \
	for ((p) = (n)->data.mapping.pairs.start; \
	    (p) < (n)->data.mapping.pairs.top; (p)++)

static int
want_map(struct px *x, const yaml_node_t *n, const char *what)
{
	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return perr(x, n, "%s: expected a mapping", what);
	return 0;
}

static int
valid_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int
parse_mx(struct px *x, yaml_node_t *n, struct dnsexpect_domain *d)
{
	yaml_node_item_t *it;
	yaml_node_pair_t *p;
	struct dnsexpect_mx *m;
	const char *k;
	yaml_node_t *e;

	d->mx_set = 1;
	if (is_null(n)) {
		d->null_mx = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return perr(x, n, "mx: expected a list of {host, pref}, or null "
		    "for a null MX");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		e = node(x, *it);
		if ((m = reallocarray(d->mx, d->nmx + 1, sizeof(*m))) == NULL) {
			errbuf_syserr(x->eb, "%s", x->name);
			return -1;
		}
		d->mx = m;
		m = &d->mx[d->nmx++];
		memset(m, 0, sizeof(*m));
		m->pref = -1;
		if (scal(e) != NULL) {
			if (dup_scalar(x, e, "mx host", &m->host) == -1)
				return -1;
			continue;
		}
		if (want_map(x, e, "mx entry") == -1)
			return -1;
		FOREACH_PAIR(e, p) {
			if (want_scalar(x, node(x, p->key), "key", &k) == -1)
				return -1;
			if (strcmp(k, "host") == 0) {
				if (dup_scalar(x, node(x, p->value), "host",
				    &m->host) == -1)
					return -1;
			} else if (strcmp(k, "pref") == 0 ||
			    strcmp(k, "preference") == 0) {
				if (get_int(x, node(x, p->value), "pref", 0,
				    65535, &m->pref) == -1)
					return -1;
			} else
				return perr(x, node(x, p->key),
				    "mx: unknown key \"%s\"", k);
		}
		if (m->host == NULL)
			return perr(x, e, "mx entry: host is required");
	}
	return 0;
}

static int
parse_spf(struct px *x, yaml_node_t *n, struct dnsexpect_spf *s)
{
	yaml_node_pair_t *p;
	yaml_node_t *v;
	const char *k;
	size_t i;

	if (want_map(x, n, "spf") == -1)
		return -1;
	s->set = 1;
	FOREACH_PAIR(n, p) {
		if (want_scalar(x, node(x, p->key), "key", &k) == -1)
			return -1;
		v = node(x, p->value);
		if (strcmp(k, "terms") == 0) {
			s->terms_set = 1;
			strv_free(s->terms, s->nterms);
			s->terms = NULL;
			if (get_list(x, v, k, 1, &s->terms, &s->nterms) == -1)
				return -1;
		} else if (strcmp(k, "must_pass") == 0) {
			if (get_list(x, v, k, 1, &s->must_pass, &s->npass) ==
			    -1)
				return -1;
			for (i = 0; i < s->npass; i++)
				if (!valid_ip(s->must_pass[i]))
					return perr(x, v, "must_pass: \"%s\" is "
					    "not an IP address", s->must_pass[i]);
		} else if (strcmp(k, "must_fail") == 0) {
			if (get_list(x, v, k, 1, &s->must_fail, &s->nfail) ==
			    -1)
				return -1;
			for (i = 0; i < s->nfail; i++)
				if (!valid_ip(s->must_fail[i]))
					return perr(x, v, "must_fail: \"%s\" is "
					    "not an IP address", s->must_fail[i]);
		} else if (strcmp(k, "sender") == 0) {
			if (dup_scalar(x, v, k, &s->sender) == -1)
				return -1;
		} else if (strcmp(k, "helo") == 0) {
			if (dup_scalar(x, v, k, &s->helo) == -1)
				return -1;
		} else
			return perr(x, node(x, p->key),
			    "spf: unknown key \"%s\"", k);
	}
	return 0;
}

static int
check_word(struct px *x, yaml_node_t *n, const char *tag, const char *s,
    const char *const *allowed)
{
	size_t i;

	for (i = 0; allowed[i] != NULL; i++)
		if (strcasecmp(s, allowed[i]) == 0)
			return 0;
	return perr(x, n, "dmarc %s: \"%s\" is not allowed", tag, s);
}

static int
parse_dmarc(struct px *x, yaml_node_t *n, struct dnsexpect_dmarc *d)
{
	static const char *const pol[] = { "none", "quarantine", "reject",
		NULL };
	static const char *const rs[] = { "r", "s", NULL };
	static const char *const yn[] = { "y", "n", NULL };
	static const char *const ynu[] = { "y", "n", "u", NULL };
	struct {
		const char *tag;
		char **dst;
		const char *const *allowed;
	} words[] = {
		{ "p", &d->p, pol }, { "sp", &d->sp, pol }, { "np", &d->np, pol },
		{ "adkim", &d->adkim, rs }, { "aspf", &d->aspf, rs },
		{ "t", &d->t, yn }, { "psd", &d->psd, ynu },
	};
	yaml_node_pair_t *p;
	yaml_node_t *v;
	const char *k;
	size_t i;

	if (want_map(x, n, "dmarc") == -1)
		return -1;
	d->set = 1;
	FOREACH_PAIR(n, p) {
		if (want_scalar(x, node(x, p->key), "key", &k) == -1)
			return -1;
		v = node(x, p->value);
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcmp(k, words[i].tag) == 0)
				break;
		if (i < sizeof(words) / sizeof(words[0])) {
			if (dup_scalar(x, v, k, words[i].dst) == -1 ||
			    check_word(x, v, k, *words[i].dst,
			    words[i].allowed) == -1)
				return -1;
		} else if (strcmp(k, "pct") == 0) {
			if (get_int(x, v, k, 0, 100, &d->pct) == -1)
				return -1;
		} else if (strcmp(k, "rua") == 0) {
			d->rua_set = 1;
			if (get_list(x, v, k, 1, &d->rua, &d->nrua) == -1)
				return -1;
		} else if (strcmp(k, "ruf") == 0) {
			d->ruf_set = 1;
			if (get_list(x, v, k, 1, &d->ruf, &d->nruf) == -1)
				return -1;
		} else
			return perr(x, node(x, p->key),
			    "dmarc: unknown tag \"%s\"", k);
	}
	return 0;
}

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
parse_dkim(struct px *x, yaml_node_t *n, struct dnsexpect_domain *d)
{
	yaml_node_pair_t *p, *q;
	struct dnsexpect_dkim *s;
	yaml_node_t *v;
	const char *k, *sv;

	if (want_map(x, n, "dkim") == -1)
		return -1;
	FOREACH_PAIR(n, p) {
		if (want_scalar(x, node(x, p->key), "selector", &k) == -1)
			return -1;
		if (!valid_selector(k))
			return perr(x, node(x, p->key),
			    "dkim: \"%s\" is not a valid selector", k);
		if ((s = reallocarray(d->dkim, d->ndkim + 1, sizeof(*s))) ==
		    NULL) {
			errbuf_syserr(x->eb, "%s", x->name);
			return -1;
		}
		d->dkim = s;
		s = &d->dkim[d->ndkim++];
		memset(s, 0, sizeof(*s));
		if ((s->selector = strdup(k)) == NULL) {
			errbuf_syserr(x->eb, "%s", x->name);
			return -1;
		}
		v = node(x, p->value);
		if ((sv = scal(v)) != NULL) {
			if (strcmp(sv, "revoked") == 0)
				s->revoked = 1;
			else if (get_path(x, v, "key", &s->key) == -1)
				return -1;
			continue;
		}
		if (want_map(x, v, "dkim selector") == -1)
			return -1;
		FOREACH_PAIR(v, q) {
			if (want_scalar(x, node(x, q->key), "key", &k) == -1)
				return -1;
			if (strcmp(k, "key") == 0) {
				if (get_path(x, node(x, q->value), k,
				    &s->key) == -1)
					return -1;
			} else if (strcmp(k, "revoked") == 0) {
				if (get_bool(x, node(x, q->value), k,
				    &s->revoked) == -1)
					return -1;
			} else if (strcmp(k, "testing") == 0) {
				if (get_bool(x, node(x, q->value), k,
				    &s->testing) == -1)
					return -1;
			} else
				return perr(x, node(x, q->key),
				    "dkim %s: unknown key \"%s\"", s->selector,
				    k);
		}
		if (s->revoked && s->key != NULL)
			return perr(x, v, "dkim %s: revoked with a key file",
			    s->selector);
	}
	return 0;
}

static int
get_dane(struct px *x, yaml_node_t *n, enum dnsexpect_dane *out)
{
	const char *s;

	if (want_scalar(x, n, "dane", &s) == -1)
		return -1;
	if (strcmp(s, "required") == 0)
		*out = DNSEXPECT_DANE_REQUIRED;
	else if (strcmp(s, "optional") == 0)
		*out = DNSEXPECT_DANE_OPTIONAL;
	else if (strcmp(s, "none") == 0 || strcmp(s, "no") == 0 ||
	    strcmp(s, "false") == 0)
		*out = DNSEXPECT_DANE_NONE;
	else
		return perr(x, n, "dane: expected required, optional or none");
	return 0;
}

static int
parse_tls(struct px *x, yaml_node_t *n, struct dnsexpect_domain *d)
{
	yaml_node_pair_t *p, *q;
	struct dnsexpect_tls *t;
	yaml_node_t *v, *w;
	const char *k;

	if (want_map(x, n, "tls") == -1)
		return -1;
	FOREACH_PAIR(n, p) {
		if (want_scalar(x, node(x, p->key), "host", &k) == -1)
			return -1;
		if ((t = reallocarray(d->tls, d->ntls + 1, sizeof(*t))) ==
		    NULL) {
			errbuf_syserr(x->eb, "%s", x->name);
			return -1;
		}
		d->tls = t;
		t = &d->tls[d->ntls++];
		memset(t, 0, sizeof(*t));
		if (dup_scalar(x, node(x, p->key), "host", &t->host) == -1)
			return -1;
		v = node(x, p->value);
		if (want_map(x, v, "tls host") == -1)
			return -1;
		FOREACH_PAIR(v, q) {
			if (want_scalar(x, node(x, q->key), "key", &k) == -1)
				return -1;
			w = node(x, q->value);
			if (strcmp(k, "cert") == 0) {
				if (get_path(x, w, k, &t->cert) == -1)
					return -1;
			} else if (strcmp(k, "key") == 0) {
				if (get_path(x, w, k, &t->key) == -1)
					return -1;
			} else if (strcmp(k, "next_cert") == 0) {
				if (get_path(x, w, k, &t->next_cert) == -1)
					return -1;
			} else if (strcmp(k, "next_key") == 0) {
				if (get_path(x, w, k, &t->next_key) == -1)
					return -1;
			} else if (strcmp(k, "dane") == 0) {
				if (get_dane(x, w, &t->dane) == -1)
					return -1;
			} else
				return perr(x, node(x, q->key),
				    "tls %s: unknown key \"%s\"", t->host, k);
		}
	}
	return 0;
}

static int
add_ptr(struct px *x, yaml_node_t *at, struct dnsexpect_domain *d,
    const char *ip, const char *name)
{
	struct dnsexpect_ptr *p;

	if (!valid_ip(ip))
		return perr(x, at, "ptr: \"%s\" is not an IP address", ip);
	if ((p = reallocarray(d->ptr, d->nptr + 1, sizeof(*p))) == NULL)
		goto nomem;
	d->ptr = p;
	p = &d->ptr[d->nptr];
	p->ip = strdup(ip);
	p->name = name ? strdup(name) : NULL;
	d->nptr++;
	if (p->ip == NULL || (name != NULL && p->name == NULL))
		goto nomem;
	return 0;
nomem:
	errbuf_syserr(x->eb, "%s", x->name);
	return -1;
}

static int
parse_ptr(struct px *x, yaml_node_t *n, struct dnsexpect_domain *d)
{
	yaml_node_item_t *it;
	yaml_node_pair_t *p;
	const char *ip, *name;
	yaml_node_t *e;

	if (n->type == YAML_MAPPING_NODE) {
		FOREACH_PAIR(n, p) {
			if (want_scalar(x, node(x, p->key), "ip", &ip) == -1)
				return -1;
			name = is_null(node(x, p->value)) ? NULL :
			    scal(node(x, p->value));
			if (name == NULL && !is_null(node(x, p->value)))
				return perr(x, node(x, p->value),
				    "ptr %s: expected a host name", ip);
			if (add_ptr(x, node(x, p->key), d, ip, name) == -1)
				return -1;
		}
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return perr(x, n, "ptr: expected a list of IPs or a mapping "
		    "IP: name");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		e = node(x, *it);
		if (want_scalar(x, e, "ptr", &ip) == -1 ||
		    add_ptr(x, e, d, ip, NULL) == -1)
			return -1;
	}
	return 0;
}

static int
parse_srv(struct px *x, yaml_node_t *n, struct dnsexpect_domain *d,
    const char *service)
{
	yaml_node_item_t *it;
	yaml_node_pair_t *p;
	struct dnsexpect_srv *s;
	yaml_node_t *e, *v;
	const char *k;
	int none = 0;

	d->srv_set = 1;
	if (scal(n) != NULL && strcmp(scal(n), "none") == 0)
		none = 1;
	else if (n->type != YAML_SEQUENCE_NODE)
		return perr(x, n, "%s: expected a list of {host, port, "
		    "priority, weight} or \"none\"", service);
	it = none ? NULL : n->data.sequence.items.start;
	do {
		if ((s = reallocarray(d->srv, d->nsrv + 1, sizeof(*s))) ==
		    NULL) {
			errbuf_syserr(x->eb, "%s", x->name);
			return -1;
		}
		d->srv = s;
		s = &d->srv[d->nsrv++];
		memset(s, 0, sizeof(*s));
		s->port = s->priority = s->weight = -1;
		if ((s->service = strdup(service)) == NULL) {
			errbuf_syserr(x->eb, "%s", x->name);
			return -1;
		}
		if (none) {
			if ((s->host = strdup("")) == NULL) {
				errbuf_syserr(x->eb, "%s", x->name);
				return -1;
			}
			s->port = s->priority = s->weight = 0;
			break;
		}
		if (it >= n->data.sequence.items.top) {
			d->nsrv--;
			free(s->service);
			break;
		}
		e = node(x, *it);
		if (want_map(x, e, service) == -1)
			return -1;
		FOREACH_PAIR(e, p) {
			if (want_scalar(x, node(x, p->key), "key", &k) == -1)
				return -1;
			v = node(x, p->value);
			if (strcmp(k, "host") == 0) {
				if (dup_scalar(x, v, k, &s->host) == -1)
					return -1;
			} else if (strcmp(k, "port") == 0) {
				if (get_int(x, v, k, 0, 65535, &s->port) == -1)
					return -1;
			} else if (strcmp(k, "priority") == 0) {
				if (get_int(x, v, k, 0, 65535, &s->priority) ==
				    -1)
					return -1;
			} else if (strcmp(k, "weight") == 0) {
				if (get_int(x, v, k, 0, 65535, &s->weight) == -1)
					return -1;
			} else
				return perr(x, node(x, p->key),
				    "%s: unknown key \"%s\"", service, k);
		}
		if (s->host == NULL)
			return perr(x, e, "%s: host is required", service);
		it++;
	} while (1);
	return 0;
}

static int
parse_domain(struct px *x, yaml_node_t *kn, yaml_node_t *n,
    struct dnsexpect_domain *d)
{
	yaml_node_pair_t *p;
	yaml_node_t *v;
	const char *k;
	size_t len;

	if (dup_scalar(x, kn, "domain", &d->name) == -1)
		return -1;
	len = strlen(d->name);
	if (len > 0 && d->name[len - 1] == '.')
		d->name[--len] = '\0';
	if (len == 0 || len > 253)
		return perr(x, kn, "\"%s\" is not a domain name", d->name);
	d->line = (int)kn->start_mark.line + 1;
	d->dmarc.pct = -1;
	if (is_null(n))
		return 0;
	if (want_map(x, n, d->name) == -1)
		return -1;
	FOREACH_PAIR(n, p) {
		if (want_scalar(x, node(x, p->key), "key", &k) == -1)
			return -1;
		v = node(x, p->value);
		if (strcmp(k, "mx") == 0) {
			if (parse_mx(x, v, d) == -1)
				return -1;
		} else if (strcmp(k, "null_mx") == 0) {
			int b;

			if (get_bool(x, v, k, &b) == -1)
				return -1;
			d->mx_set = 1;
			d->null_mx = b;
		} else if (strcmp(k, "spf") == 0) {
			if (parse_spf(x, v, &d->spf) == -1)
				return -1;
		} else if (strcmp(k, "dmarc") == 0) {
			if (parse_dmarc(x, v, &d->dmarc) == -1)
				return -1;
		} else if (strcmp(k, "dkim") == 0) {
			if (parse_dkim(x, v, d) == -1)
				return -1;
		} else if (strcmp(k, "dane") == 0) {
			if (get_dane(x, v, &d->dane) == -1)
				return -1;
		} else if (strcmp(k, "tls") == 0) {
			if (parse_tls(x, v, d) == -1)
				return -1;
		} else if (strcmp(k, "ptr") == 0) {
			if (parse_ptr(x, v, d) == -1)
				return -1;
		} else if (strcmp(k, "submission") == 0 ||
		    strcmp(k, "submissions") == 0) {
			if (parse_srv(x, v, d, k) == -1)
				return -1;
		} else
			return perr(x, node(x, p->key),
			    "%s: unknown key \"%s\"", d->name, k);
	}
	return 0;
}

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

static int
parse_root(struct px *x, struct dnsexpect *e)
{
	yaml_node_t *root = yaml_document_get_root_node(x->doc), *dn = NULL;
	yaml_node_pair_t *p;
	struct dnsexpect_domain *d;
	const char *k;
	size_t i;
	int ver;

	if (root == NULL)
		return 0; /* empty file: no domains */
	if (want_map(x, root, "top level") == -1)
		return -1;
	FOREACH_PAIR(root, p) {
		if (want_scalar(x, node(x, p->key), "key", &k) == -1)
			return -1;
		if (strcmp(k, "domains") == 0)
			dn = node(x, p->value);
		else if (strcmp(k, "version") == 0) {
			if (get_int(x, node(x, p->value), k, 1, 1, &ver) == -1)
				return -1;
		} else
			return perr(x, node(x, p->key),
			    "unknown top-level key \"%s\" (expected domains, "
			    "version)", k);
	}
	if (dn == NULL || is_null(dn))
		return 0;
	if (want_map(x, dn, "domains") == -1)
		return -1;
	FOREACH_PAIR(dn, p) {
		if ((d = reallocarray(e->d, e->nd + 1, sizeof(*d))) == NULL) {
			errbuf_syserr(x->eb, "%s", x->name);
			return -1;
		}
		e->d = d;
		d = &e->d[e->nd++];
		memset(d, 0, sizeof(*d));
		if (parse_domain(x, node(x, p->key), node(x, p->value), d) ==
		    -1)
			return -1;
		for (i = 0; i + 1 < e->nd; i++)
			if (strcasecmp(e->d[i].name, d->name) == 0)
				return perr(x, node(x, p->key),
				    "domain %s listed twice (first at line "
				    "%d)", d->name, e->d[i].line);
	}
	return 0;
}

int
dnsexpect_parse(const char *text, size_t len, const char *name,
    const char *basedir, struct dnsexpect **exp_r, struct errbuf *eb)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct dnsexpect *e;
	struct px x;
	int rv = -1;

	*exp_r = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->path = strdup(name)) == NULL) {
		free(e);
		errbuf_syserr(eb, "%s", name);
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		errbuf_set(eb, "%s: cannot initialize the YAML parser", name);
		dnsexpect_free(&e);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		errbuf_set(eb, "%s:%zu:%zu: %s", name,
		    parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1,
		    parser.problem ? parser.problem : "YAML error");
		yaml_parser_delete(&parser);
		dnsexpect_free(&e);
		return -1;
	}
	x.doc = &doc;
	x.name = name;
	x.basedir = basedir;
	x.eb = eb;
	rv = parse_root(&x, e);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
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
	struct buf b = BUF_INIT;
	char chunk[8192], *dir, *slash;
	size_t n;
	FILE *fp;
	int rv;

	*exp_r = NULL;
	b.max = DNSEXPECT_MAX_FILE;
	if ((fp = fopen(path, "r")) == NULL) {
		errbuf_syserr(eb, "%s", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_append(&b, chunk, n) == -1) {
			errbuf_syserr(eb, "%s", path);
			fclose(fp);
			buf_free(&b);
			return -1;
		}
	if (ferror(fp)) {
		errbuf_syserr(eb, "%s", path);
		fclose(fp);
		buf_free(&b);
		return -1;
	}
	fclose(fp);
	if ((dir = strdup(path)) == NULL) {
		errbuf_syserr(eb, "%s", path);
		buf_free(&b);
		return -1;
	}
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
	rv = dnsexpect_parse(b.data ? b.data : "", b.len, path,
	    slash == dir ? "/" : dir, exp_r, eb);
	free(dir);
	buf_free(&b);
	return rv;
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
