/*
 * dns_unbound: libunbound behind struct dns_ops.  One ub_ctx serves every
 * thread: queries are submitted with ub_resolve_async, one waiting thread
 * at a time polls ub_fd and runs ub_process under our mutex (so callbacks
 * and ub_cancel never race), the others sleep on a condition variable.
 * A query past its deadline is cancelled and reported as DNS_TIMEOUT.
 * The wire-format parsers (RDATA, CNAME chains in a packet) are in
 * dns_unbound_wire.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "buf.h"
#include "dns_unbound.h"

struct ubq {
	int id;
	int done;
	int abandoned; /* cancel failed: the callback frees us */
	int err;
	struct ub_result *res;
};

struct ubctx {
	struct ub_ctx *ub;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int polling;
	double timeout;
	int retries;
	char *servers; /* for evidence */
	char *ta_zone;
};

/* Zones libunbound answers locally (RFC 6761 and RFC 6303 defaults):
   let them reach the chosen resolvers, which may serve them. */
static const char *const ub_nodefault[] = {
	"test.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
	"10.in-addr.arpa.", "168.192.in-addr.arpa.", "16.172.in-addr.arpa.",
	"17.172.in-addr.arpa.", "18.172.in-addr.arpa.", "19.172.in-addr.arpa.",
	"20.172.in-addr.arpa.", "21.172.in-addr.arpa.", "22.172.in-addr.arpa.",
	"23.172.in-addr.arpa.", "24.172.in-addr.arpa.", "25.172.in-addr.arpa.",
	"26.172.in-addr.arpa.", "27.172.in-addr.arpa.", "28.172.in-addr.arpa.",
	"29.172.in-addr.arpa.", "30.172.in-addr.arpa.", "31.172.in-addr.arpa.",
	"d.f.ip6.arpa.",
};

static void
ub_cb(void *arg, int err, struct ub_result *res)
{
	struct ubq *q = arg;

	if (q->abandoned) {
		if (res != NULL)
			ub_resolve_free(res);
		free(q);
		return;
	}
	q->err = err;
	q->res = res;
	q->done = 1;
}

/* Wait for Q until DEADLINE (monotonic); MU held on entry and exit. */
static void
ub_wait_for(struct ubctx *u, struct ubq *q, double deadline)
{
	struct pollfd pfd;
	struct timespec ts;
	double now, wake;
	int ms;

	while (!q->done && (now = monotime_now()) < deadline) {
		if (!u->polling) {
			u->polling = 1;
			pthread_mutex_unlock(&u->mu);
			ms = (int)((deadline - now) * 1000) + 1;
			if (ms > 100)
				ms = 100;
			pfd.fd = ub_fd(u->ub);
			pfd.events = POLLIN;
			pfd.revents = 0;
			(void)poll(&pfd, 1, ms);
			pthread_mutex_lock(&u->mu);
			if (pfd.revents != 0)
				(void)ub_process(u->ub);
			u->polling = 0;
			pthread_cond_broadcast(&u->cv);
		} else {
			wake = now + 0.1 < deadline ? now + 0.1 : deadline;
			ts.tv_sec = (time_t)wake;
			ts.tv_nsec = (long)((wake - (double)ts.tv_sec) * 1e9);
			(void)pthread_cond_timedwait(&u->cv, &u->mu, &ts);
		}
	}
}

/* One name/type with retries, none past DEADLINE (0: none).  Returns 1
   with *RES_R, 0 on timeout, -1 with EB on a libunbound error. */
static int
ub_ask(struct ubctx *u, const char *name, uint16_t type, double deadline,
    struct ub_result **res_r, struct errbuf *eb)
{
	struct ubq *q;
	int attempt, rv, err;
	double end;

	*res_r = NULL;
	for (attempt = 0; attempt <= u->retries; attempt++) {
		end = monotime_now() + u->timeout;
		if (deadline > 0 && end > deadline)
			end = deadline;
		if (end <= monotime_now())
			break;
		if ((q = calloc(1, sizeof(*q))) == NULL) {
			errbuf_syserr(eb, "query");
			return -1;
		}
		pthread_mutex_lock(&u->mu);
		err = ub_resolve_async(u->ub, name, type, 1, q, ub_cb, &q->id);
		if (err != 0) {
			pthread_mutex_unlock(&u->mu);
			free(q);
			errbuf_set(eb, "%s: %s", name, ub_strerror(err));
			return -1;
		}
		ub_wait_for(u, q, end);
		if (q->done) {
			pthread_mutex_unlock(&u->mu);
			if (q->err != 0 || q->res == NULL) {
				errbuf_set(eb, "%s: %s", name,
				    ub_strerror(q->err));
				free(q);
				return -1;
			}
			*res_r = q->res;
			free(q);
			return 1;
		}
		if (ub_cancel(u->ub, q->id) != 0)
			q->abandoned = 1;
		else
			free(q);
		pthread_mutex_unlock(&u->mu);
	}
	rv = 0;
	return rv;
}

static int
valid_qname(const char *name)
{
	size_t n = strlen(name), lab = 0, i;

	if (n == 0 || n > 254 || (n == 254 && name[253] != '.'))
		return 0;
	for (i = 0; i < n; i++) {
		if (name[i] == '.') {
			if (lab == 0 && !(i == 0 && n == 1))
				return 0;
			lab = 0;
		} else if (++lab > 63 || (unsigned char)name[i] <= ' ')
			return 0;
	}
	return 1;
}

static int
chain_add(struct dns_answer *a, const char *name)
{
	char **v, *d;

	if ((d = strdup(name)) == NULL)
		return -1;
	if ((v = reallocarray(a->cnames, a->ncnames + 1, sizeof(*v))) == NULL) {
		free(d);
		return -1;
	}
	a->cnames = v;
	a->cnames[a->ncnames++] = d;
	return 0;
}

static int
chain_has(const struct dns_answer *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->ncnames; i++)
		if (strcmp(a->cnames[i], name) == 0)
			return 1;
	return strcmp(a->qname, name) == 0;
}

/* Follow the CNAMEs for CUR in RES's packet; appends targets to the
   chain.  Returns the last name (malloc'd), or NULL without CNAMEs. */
static int
follow_packet(struct dns_answer *a, struct ub_result *res, char **cur,
    int *loop_r)
{
	char **ov, **tv;
	size_t n, i, hops = 0;
	int moved;

	*loop_r = 0;
	if (res->answer_packet == NULL || res->answer_len <= 0)
		return 0;
	if (dns_unbound_packet_cnames(res->answer_packet,
	    (size_t)res->answer_len, &ov, &tv, &n, NULL) == -1)
		return 0;
	do {
		moved = 0;
		for (i = 0; i < n; i++) {
			if (strcmp(ov[i], *cur) != 0)
				continue;
			if (chain_has(a, tv[i]) ||
			    ++hops > DNS_UNBOUND_MAX_CNAMES) {
				*loop_r = 1;
				goto out;
			}
			if (chain_add(a, tv[i]) == -1)
				goto out;
			free(*cur);
			*cur = strdup(tv[i]);
			if (*cur == NULL)
				goto out;
			moved = 1;
			break;
		}
	} while (moved);
out:
	dns_strv_free(ov, n);
	dns_strv_free(tv, n);
	return *cur == NULL ? -1 : 0;
}

static int
fill_data(struct dns_answer *a, uint16_t type, struct ub_result *res,
    struct errbuf *eb)
{
	size_t n = 0, i, k = 0;

	while (res->data[n] != NULL)
		n++;
	if ((a->rr = calloc(n ? n : 1, sizeof(*a->rr))) == NULL) {
		errbuf_syserr(eb, "answer");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct errbuf ign;

		/* A malformed record is skipped, not fatal: the rest of
		   the RRset still says something. */
		if (res->len[i] < 0 ||
		    dns_unbound_rr_parse(type, (unsigned char *)res->data[i],
		    (size_t)res->len[i], &a->rr[k], &ign) == -1)
			continue;
		a->rr[k].ttl = res->ttl < 0 ? 0 : (uint32_t)res->ttl;
		k++;
	}
	a->nrr = k;
	return 0;
}

/* The status of A from the final answer RES.  Returns 1 when decided, 0
   for NODATA (not set: there may be a CNAME to chase), -1 on failure. */
static int
answer_status(struct dns_answer *a, uint16_t type, struct ub_result *res,
    struct errbuf *eb)
{
	if (res->havedata) {
		a->status = DNS_ANSWER;
		if (fill_data(a, type, res, eb) == -1)
			return -1;
		if (a->nrr == 0)
			a->status = DNS_NODATA;
		return 1;
	}
	if (res->nxdomain) {
		a->status = DNS_NXDOMAIN;
		return 1;
	}
	if (res->rcode != 0) {
		a->status = DNS_SERVFAIL;
		return 1;
	}
	return 0;
}

/* NODATA.  If a CNAME led elsewhere and the resolver did not chase it
   (unbound local-data does not), we ask for the target CUR ourselves.
   Returns 1 when we should. */
static int
cname_unchased(const struct dns_answer *a, const struct ub_result *res,
    const char *cur, int hop)
{
	char *cn;
	int chased;

	if (a->ncnames == 0 || strcmp(cur, a->qname) == 0 ||
	    hop >= DNS_UNBOUND_MAX_CNAMES ||
	    (res->canonname != NULL && strcasecmp(res->canonname, cur) == 0))
		return 0;
	cn = res->canonname ? dns_name_canon(res->canonname) : NULL;
	chased = cn != NULL && strcmp(cn, cur) == 0;
	free(cn);
	return !chased;
}

static int
ub_query(struct dns_resolver *r, const char *name, uint16_t type,
    double deadline, struct dns_answer **ans_r, struct errbuf *eb)
{
	struct ubctx *u = r->ctx;
	struct dns_answer *a;
	struct ub_result *res = NULL;
	char *cur = NULL;
	int hop, rv, loop, allsecure = 1;

	*ans_r = NULL;
	if (!valid_qname(name)) {
		errbuf_set(eb, "%s: invalid domain name", name);
		return -1;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->qname = dns_name_canon(name)) == NULL ||
	    (cur = strdup(a->qname)) == NULL ||
	    (u->servers != NULL && (a->server = strdup(u->servers)) == NULL))
		goto nomem;
	for (hop = 0;; hop++) {
		if ((rv = ub_ask(u, cur, type, deadline, &res, eb)) == -1)
			goto fail;
		if (rv == 0) {
			a->status = DNS_TIMEOUT;
			a->sec = DNS_SEC_INSECURE;
			break;
		}
		a->rcode = res->rcode;
		if (res->bogus) {
			a->status = DNS_BOGUS;
			a->sec = DNS_SEC_BOGUS;
			if (res->why_bogus != NULL &&
			    (a->why_bogus = strdup(res->why_bogus)) == NULL)
				goto nomem;
			break;
		}
		if (!res->secure)
			allsecure = 0;
		a->sec = allsecure ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
		if (type != DNS_T_CNAME) {
			if (follow_packet(a, res, &cur, &loop) == -1)
				goto nomem;
			if (loop) {
				a->status = DNS_SERVFAIL;
				a->rcode = 2;
				break;
			}
		}
		if ((rv = answer_status(a, type, res, eb)) == -1)
			goto fail;
		if (rv == 1)
			break;
		if (cname_unchased(a, res, cur, hop)) {
			ub_resolve_free(res);
			res = NULL;
			continue;
		}
		a->status = DNS_NODATA;
		break;
	}
	if (a->ncnames > 0 && (a->canon = strdup(cur)) == NULL)
		goto nomem;
	if (res != NULL)
		ub_resolve_free(res);
	free(cur);
	*ans_r = a;
	return 0;
nomem:
	errbuf_syserr(eb, "%s", name);
fail:
	if (res != NULL)
		ub_resolve_free(res);
	free(cur);
	dns_answer_free(&a);
	return -1;
}

static void
ub_free(struct dns_resolver *r)
{
	struct ubctx *u = r->ctx;

	if (u != NULL) {
		if (u->ub != NULL)
			ub_ctx_delete(u->ub);
		pthread_mutex_destroy(&u->mu);
		pthread_cond_destroy(&u->cv);
		free(u->servers);
		free(u->ta_zone);
		free(u);
	}
	free(r);
}

static const struct dns_ops ub_ops = {
	.name = "unbound",
	.query = ub_query,
	.free = ub_free,
};

/* libunbound takes local-zone only from a config file. */
static int
ub_write_config(struct ub_ctx *ub, struct errbuf *eb)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	FILE *fp;
	size_t i;
	int fd, err;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(path, sizeof(path), "%s/udmail-ub.XXXXXX", tmp) >=
	    (int)sizeof(path)) {
		errbuf_set(eb, "TMPDIR too long");
		return -1;
	}
	if ((fd = mkstemp(path)) == -1) {
		errbuf_syserr(eb, "%s", path);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		errbuf_syserr(eb, "%s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	fprintf(fp, "server:\n\tdo-not-query-localhost: no\n"
	    "\tedns-buffer-size: 1232\n\tverbosity: 0\n"
	    "\tuse-syslog: no\n\tlogfile: \"\"\n");
	for (i = 0; i < sizeof(ub_nodefault) / sizeof(ub_nodefault[0]); i++)
		fprintf(fp, "\tlocal-zone: \"%s\" nodefault\n",
		    ub_nodefault[i]);
	if (fclose(fp) != 0) {
		errbuf_syserr(eb, "%s", path);
		unlink(path);
		return -1;
	}
	err = ub_ctx_config(ub, path);
	unlink(path);
	if (err != 0) {
		errbuf_set(eb, "libunbound config: %s", ub_strerror(err));
		return -1;
	}
	return 0;
}

static int
ub_set_resolvers(struct ubctx *u, const struct dns_unbound_opts *o,
    struct errbuf *eb)
{
	struct buf all = BUF_INIT;
	unsigned char addr[16];
	char ip[64], fwd[80];
	const char *s, *hash;
	unsigned long port;
	size_t i, n;
	char *end;
	int err;

	for (i = 0; i < o->nresolvers; i++) {
		s = o->resolvers[i];
		hash = strchr(s, '#');
		n = hash ? (size_t)(hash - s) : strlen(s);
		if (n == 0 || n >= sizeof(ip))
			goto bad;
		memcpy(ip, s, n);
		ip[n] = '\0';
		if (inet_pton(AF_INET, ip, addr) != 1 &&
		    inet_pton(AF_INET6, ip, addr) != 1)
			goto bad;
		port = 53;
		if (hash != NULL) {
			errno = 0;
			port = strtoul(hash + 1, &end, 10);
			if (hash[1] == '\0' || *end != '\0' || errno != 0 ||
			    port == 0 || port > 65535)
				goto bad;
		}
		(void)snprintf(fwd, sizeof(fwd), "%s@%lu", ip, port);
		if ((err = ub_ctx_set_fwd(u->ub, fwd)) != 0) {
			errbuf_set(eb, "resolver %s: %s", s, ub_strerror(err));
			goto fail;
		}
		if (buf_printf(&all, "%s%s", i ? "," : "", s) == -1) {
			errbuf_syserr(eb, "resolver");
			goto fail;
		}
	}
	if (o->nresolvers == 0) {
		if ((err = ub_ctx_resolvconf(u->ub, NULL)) != 0) {
			errbuf_set(eb, "resolv.conf: %s", ub_strerror(err));
			goto fail;
		}
		if (buf_puts(&all, "resolv.conf") == -1)
			goto fail;
	}
	u->servers = all.data;
	return 0;
bad:
	errbuf_set(eb, "resolver %s: expected IP[#port]", o->resolvers[i]);
fail:
	buf_free(&all);
	return -1;
}

/* The owner of the first record in a trust anchor line or file. */
static char *
ta_owner(const char *text)
{
	const char *p = text, *e;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p != ';' && *p != '#')
			break;
		while (*p != '\0' && *p != '\n')
			p++;
	}
	e = p;
	while (*e != '\0' && !isspace((unsigned char)*e))
		e++;
	if (e == p)
		return NULL;
	return strndup(p, (size_t)(e - p));
}

static int
ub_set_ta(struct ubctx *u, const char *ta, struct errbuf *eb)
{
	char text[8192], *owner;
	FILE *fp;
	size_t n;
	int err;

	if (strchr(ta, ' ') != NULL || strchr(ta, '\t') != NULL) {
		if ((err = ub_ctx_add_ta(u->ub, ta)) != 0) {
			errbuf_set(eb, "trust anchor: %s", ub_strerror(err));
			return -1;
		}
		owner = ta_owner(ta);
	} else {
		if ((fp = fopen(ta, "r")) == NULL) {
			errbuf_syserr(eb, "%s", ta);
			return -1;
		}
		n = fread(text, 1, sizeof(text) - 1, fp);
		text[n] = '\0';
		fclose(fp);
		if ((err = ub_ctx_add_ta_file(u->ub, ta)) != 0) {
			errbuf_set(eb, "%s: %s", ta, ub_strerror(err));
			return -1;
		}
		owner = ta_owner(text);
	}
	if (owner == NULL) {
		errbuf_set(eb, "trust anchor %s: no owner name", ta);
		return -1;
	}
	u->ta_zone = dns_name_canon(owner);
	free(owner);
	return u->ta_zone == NULL ? -1 : 0;
}

struct dns_resolver *
dns_unbound_new(const struct dns_unbound_opts *o, struct errbuf *eb)
{
	struct dns_resolver *r;
	struct ubctx *u;
	pthread_condattr_t ca;
	int err;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (u = calloc(1, sizeof(*u))) == NULL) {
		free(r);
		errbuf_syserr(eb, "resolver");
		return NULL;
	}
	r->ops = &ub_ops;
	r->ctx = u;
	pthread_mutex_init(&u->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->cv, &ca);
	pthread_condattr_destroy(&ca);
	u->timeout = o->timeout > 0 ? o->timeout : 5.0;
	u->retries = o->retries > 0 ? o->retries : 0;
	if ((u->ub = ub_ctx_create()) == NULL) {
		errbuf_set(eb, "libunbound: cannot create context");
		goto fail;
	}
	if ((err = ub_ctx_async(u->ub, 1)) != 0) {
		errbuf_set(eb, "libunbound: %s", ub_strerror(err));
		goto fail;
	}
	if (ub_write_config(u->ub, eb) == -1 ||
	    ub_set_resolvers(u, o, eb) == -1)
		goto fail;
	if (o->trust_anchor != NULL && ub_set_ta(u, o->trust_anchor, eb) == -1)
		goto fail;
	return r;
fail:
	ub_free(r);
	return NULL;
}

const char *
dns_unbound_ta_zone(const struct dns_resolver *r)
{
	const struct ubctx *u = r->ctx;

	return u->ta_zone;
}
