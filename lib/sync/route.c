/*
 * route: Postfix's handling of one address replayed over udmail's tables:
 * smtpd_check.c (relay restrictions, check_rcpt_maps, sender login
 * mismatch), then cleanup's expansion (route_expand.c), then
 * trivial-rewrite resolve.c and transport.c for each recipient.  Every
 * rule is Postfix's, checked against its source, so that a prediction
 * fails only where main.cf differs from contrib/postfix: the primary
 * domain in relay_domains only (not in mydestination or myorigin), no
 * recipient_delimiter, no canonical maps besides postsrsd's, Postfix 3.x
 * relay restrictions.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "route_int.h"
#include "strset.h"

/* How smtpd splits a sender_login value (Postfix's CHARS_COMMA_SP). */
#define CHARS_COMMA_SP ", \t\r\n"

static const struct route_role_def roles[ROUTE_ROLE_COUNT] = {
	[ROUTE_ROLE_MX] = { "mx", { OUTPUT_VIRTUAL, END },
	    { OUTPUT_RELAY_RECIPIENTS, END }, { OUTPUT_ALIAS_DOMAINS, END },
	    1, 0, 1, 0 },
	[ROUTE_ROLE_SRS] = { "srs", { OUTPUT_FORWARD, END },
	    { OUTPUT_FORWARD, END }, { OUTPUT_FORWARD, END }, 0, 1, 0, 0, 1 },
	/* forward first: a forwarded address the virtual table also
	   knows is resolved here, not sent to ourselves. */
	[ROUTE_ROLE_COMBINED] = { "combined",
	    { OUTPUT_FORWARD, OUTPUT_VIRTUAL, END },
	    { OUTPUT_RELAY_RECIPIENTS, OUTPUT_FORWARD, END },
	    { OUTPUT_ALIAS_DOMAINS, END }, 1, 1, 1, 0 },
	[ROUTE_ROLE_SUBMISSION] = { "submission", { END }, { END }, { END },
	    0, 0, 0, 1 },
};

const char *
route_role_name(enum route_role role)
{
	return role < ROUTE_ROLE_COUNT ? roles[role].name : "?";
}

int
route_role_by_name(const char *name)
{
	int i;

	for (i = 0; i < ROUTE_ROLE_COUNT; i++)
		if (strcmp(roles[i].name, name) == 0)
			return i;
	return -1;
}

static int
in_list(const enum output_kind *l, enum output_kind kind)
{
	for (; *l != END; l++)
		if (*l == kind)
			return 1;
	return 0;
}

int
route_role_needs(enum route_role role, enum output_kind kind)
{
	const struct route_role_def *r;

	if (role >= ROUTE_ROLE_COUNT)
		return 0;
	r = &roles[role];
	return in_list(r->valias, kind) || in_list(r->rrcpt, kind) ||
	    in_list(r->adoms, kind) ||
	    (kind == OUTPUT_TRANSPORT && r->transport) ||
	    (kind == OUTPUT_SENDER_LOGIN && r->sender_login);
}

/* Report text; a failed append is remembered and reported once. */
void
route_emit(struct route *r, const char *s)
{
	if (buf_puts(r->out, s) == -1)
		r->oom = 1;
}

/* Text from the tables or the command line: escaped. */
void
route_emitv(struct route *r, const char *s)
{
	if (buf_put_vis(r->out, s) == -1)
		r->oom = 1;
}

/* Look KEY up in TABLE as Postfix does: folded to lower case. */
int
route_look(struct route *r, enum output_kind table, const char *key,
    char **value_r)
{
	size_t i;

	*value_r = NULL;
	buf_reset(&r->key);
	if (buf_puts(&r->key, key) == -1) {
		errbuf_syserr(r->eb, "lookup key");
		return -1;
	}
	for (i = 0; i < r->key.len; i++)
		if (r->key.data[i] >= 'A' && r->key.data[i] <= 'Z')
			r->key.data[i] = (char)(r->key.data[i] - 'A' + 'a');
	return r->o->lookup(r->o->arg, table, buf_cstr(&r->key), value_r,
	    r->eb);
}

/* mail_addr_find with no recipient_delimiter and a non-local domain:
   ADDR, then "@domain", each key in every map of MAPS in order. */
int
route_find(struct route *r, const enum output_kind *maps, const char *addr,
    char **value_r, enum output_kind *map_r, int *at_r)
{
	const char *keys[2] = { addr, strrchr(addr, '@') };
	const enum output_kind *m;
	int k, f;

	for (k = 0; k < 2 && keys[k] != NULL; k++) {
		for (m = maps; *m != END; m++) {
			if ((f = route_look(r, *m, keys[k], value_r)) != 0) {
				*map_r = *m;
				*at_r = k == 1;
				return f;
			}
		}
	}
	return 0;
}

/* ADDR folded, for the been_here sets (BH_FLAG_FOLD). */
const char *
route_folded(struct route *r, const char *addr)
{
	size_t i;

	buf_reset(&r->key);
	if (buf_puts(&r->key, addr) == -1)
		return NULL;
	for (i = 0; i < r->key.len; i++)
		if (r->key.data[i] >= 'A' && r->key.data[i] <= 'Z')
			r->key.data[i] = (char)(r->key.data[i] - 'A' + 'a');
	return buf_cstr(&r->key);
}

/* DOMAIN is PRIMARY or below it: relay_domains matches subdomains
   (parent_domain_matches_subdomains has relay_domains by default). */
static int
in_primary(const char *domain, const char *primary)
{
	size_t dl = strlen(domain), pl = strlen(primary);

	if (dl == pl)
		return strcasecmp(domain, primary) == 0;
	return dl > pl && domain[dl - pl - 1] == '.' &&
	    strcasecmp(domain + dl - pl, primary) == 0;
}

/* resolve.c's order: virtual alias domains, then relay_domains. */
static int
domain_class(struct route *r, const char *domain, enum dclass *dc_r)
{
	const enum output_kind *m;
	char *v;
	int f;

	for (m = r->role->adoms; *domain != '\0' && *m != END; m++) {
		if ((f = route_look(r, *m, domain, &v)) == -1)
			return -1;
		free(v);
		if (f == 1) {
			*dc_r = DC_ALIAS;
			return 0;
		}
	}
	*dc_r = in_primary(domain, r->o->domain) ? DC_RELAY : DC_DEFAULT;
	return 0;
}

/* transport_lookup: the address, the domain, its parents as ".parent"
   (transport_maps is not in parent_domain_matches_subdomains), then the
   "*" wild card. */
static int
transport_find(struct route *r, const char *addr, const char *domain,
    char **value_r)
{
	const char *name, *next;
	int f;

	if ((f = route_look(r, OUTPUT_TRANSPORT, addr, value_r)) != 0)
		return f;
	for (name = domain; *name != '\0'; name = next) {
		if ((f = route_look(r, OUTPUT_TRANSPORT, name, value_r)) != 0)
			return f;
		if ((next = strchr(name + 1, '.')) == NULL)
			break;
	}
	return route_look(r, OUTPUT_TRANSPORT, "*", value_r);
}

static int
set(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	return buf_append(b, s, n);
}

/* transport.c update_entry: "transport:nexthop" over the class default
   CHAN, HOP; an empty transport keeps CHAN, an empty nexthop means the
   recipient domain. */
static int
transport_apply(const char *value, const char *domain, struct buf *chan,
    struct buf *hop)
{
	const char *colon = strchr(value, ':');
	const char *nh = colon != NULL ? colon + 1 : "";
	size_t clen = colon != NULL ? (size_t)(colon - value) : strlen(value);

	if (clen == 0)
		return *nh != '\0' ? set(hop, nh, strlen(nh)) : 0;
	if (set(chan, value, clen) == -1)
		return -1;
	if (*nh != '\0')
		return set(hop, nh, strlen(nh));
	if (strcmp(buf_cstr(chan), "error") == 0 ||
	    strcmp(buf_cstr(chan), "retry") == 0)
		nh = "Address is undeliverable";
	else
		nh = domain;
	return set(hop, nh, strlen(nh));
}

/* The length of the RFC 3463 status starting TEXT ("5.1.1 text"), or
   0 (dsn_split). */
static size_t
dsn_len(const char *text)
{
	size_t i = 1, n;
	int part;

	if (text[0] != '2' && text[0] != '4' && text[0] != '5')
		return 0;
	for (part = 0; part < 2; part++) {
		if (text[i++] != '.')
			return 0;
		for (n = 0; text[i] >= '0' && text[i] <= '9'; i++)
			n++;
		if (n == 0 || n > 3)
			return 0;
	}
	return text[i] == ' ' || text[i] == '\0' ? i : 0;
}

/* "refused (CODE DSN <ADDR>: TEXT)", as smtpd_check_reject words it. */
static void
refuse(struct route *r, const char *code, const char *dsn, size_t dsnlen,
    const char *addr, const char *text, const char *more)
{
	route_emit(r, "refused (");
	route_emit(r, code);
	route_emit(r, " ");
	if (buf_append(r->out, dsn, dsnlen) == -1)
		r->oom = 1;
	route_emit(r, " <");
	route_emitv(r, addr);
	route_emit(r, ">: ");
	route_emit(r, text);
	if (more != NULL)
		route_emitv(r, more);
	route_emit(r, ")\n");
}

static void
accept_found(struct route *r, const char *param, enum output_kind map,
    int at, const char *addr)
{
	route_emit(r, "accepted (");
	route_emit(r, param);
	route_emit(r, ": ");
	route_emit(r, conf_output_name(map));
	if (at) {
		route_emit(r, ", key ");
		route_emitv(r, strrchr(addr, '@'));
	}
	route_emit(r, ")\n");
}

/* postsrsd's reverse map takes "SRS0" or "SRS1" and a separator. */
static int
srs_local(const char *addr)
{
	return (strncasecmp(addr, "SRS0", 4) == 0 ||
	    strncasecmp(addr, "SRS1", 4) == 0) &&
	    (addr[4] == '=' || addr[4] == '+' || addr[4] == '-');
}

/* trivial-rewrite's transport (CHAN) and next hop (HOP) for ADDR in
   DOMAIN of class DC (not DC_ALIAS, which transport_maps cannot change):
   the class's, unless transport_maps has an entry (*VIA_R set). */
static int
nexthop(struct route *r, const char *addr, const char *domain,
    enum dclass dc, struct buf *chan, struct buf *hop, int *via_r)
{
	char *v = NULL;
	int f = 0;

	*via_r = 0;
	if (set(chan, dc == DC_RELAY ? "relay" : "smtp", dc == DC_RELAY ?
	    5 : 4) == -1 || set(hop, domain, strlen(domain)) == -1)
		goto nomem;
	/* relay_transport, as contrib/postfix sets it for the MX role */
	if (dc == DC_RELAY && r->role->transport &&
	    r->o->relay_nexthop != NULL) {
		if (transport_apply(r->o->relay_nexthop, domain, chan,
		    hop) == -1)
			goto nomem;
		*via_r = 2;
	}
	if (r->role->transport &&
	    (f = transport_find(r, addr, domain, &v)) == -1)
		return -1;
	if (f == 1) {
		*via_r = 1;
		if (set(chan, dc == DC_RELAY ? "relay" : "smtp",
		    dc == DC_RELAY ? 5 : 4) == -1 ||
		    set(hop, domain, strlen(domain)) == -1) {
			free(v);
			goto nomem;
		}
		f = transport_apply(v, domain, chan, hop);
		free(v);
		if (f == -1)
			goto nomem;
	}
	return 0;
nomem:
	errbuf_syserr(r->eb, "%s", addr);
	return -1;
}

/* An error or retry transport refuses at RCPT (check_rcpt_maps, which
   asks trivial-rewrite too); 1 if it did. */
static int
rcpt_transport(struct route *r, const char *addr, const char *domain,
    enum dclass dc, int *refused_r)
{
	struct buf chan = BUF_INIT, hop = BUF_INIT;
	const char *h, *code = NULL, *dsn = NULL;
	size_t n;
	int via, ret;

	*refused_r = 0;
	if ((ret = nexthop(r, addr, domain, dc, &chan, &hop, &via)) == 0) {
		if (strcmp(buf_cstr(&chan), "error") == 0)
			code = "550", dsn = "5.1.1";
		else if (strcmp(buf_cstr(&chan), "retry") == 0)
			code = "450", dsn = "4.1.1";
	}
	if (code != NULL) {
		h = buf_cstr(&hop);
		n = dsn_len(h);
		refuse(r, code, n > 0 ? h : dsn, n > 0 ? n : 5, addr,
		    "Recipient address rejected: ", h + n + (h[n] == ' '));
		*refused_r = 1;
	}
	buf_free(&chan);
	buf_free(&hop);
	return ret;
}

/* smtpd's decision for a client outside mynetworks, unauthenticated:
   smtpd_relay_restrictions (defer_unauth_destination), then
   reject_unlisted_recipient (check_rcpt_maps). */
static int
rcpt(struct route *r, const char *addr)
{
	const char *domain = strrchr(addr, '@') + 1;
	enum output_kind map;
	enum dclass dc;
	char *v = NULL;
	int f, at, refused;

	route_emit(r, "RCPT ");
	route_emitv(r, addr);
	route_emit(r, ": ");
	if (r->role->srs_reverse && srs_local(addr) &&
	    strcasecmp(domain, r->o->domain) == 0) {
		route_emit(r, "accepted (depends on postsrsd: SRS reverse)\n");
		return ROUTE_DEPENDS;
	}
	if (domain_class(r, domain, &dc) == -1)
		return -1;
	if (dc == DC_DEFAULT) {
		refuse(r, "454", "4.7.1", 5, addr, "Relay access denied", NULL);
		return ROUTE_REFUSED;
	}
	f = route_find(r, r->role->valias, addr, &v, &map, &at);
	free(v);
	if (f == -1)
		return -1;
	if (f == 1) {
		accept_found(r, "virtual_alias_maps", map, at, addr);
		return ROUTE_OK;
	}
	if (dc == DC_ALIAS) {
		refuse(r, "550", "5.1.1", 5, addr, "Recipient address "
		    "rejected: User unknown in virtual alias table", NULL);
		return ROUTE_REFUSED;
	}
	if (r->role->transport) {
		if (rcpt_transport(r, addr, domain, dc, &refused) == -1)
			return -1;
		if (refused)
			return ROUTE_REFUSED;
	}
	f = route_find(r, r->role->rrcpt, addr, &v, &map, &at);
	free(v);
	if (f == -1)
		return -1;
	if (f == 1) {
		accept_found(r, "relay_recipient_maps", map, at, addr);
		return ROUTE_OK;
	}
	refuse(r, r->role->relay_unknown_4xx ? "450" : "550",
	    r->role->relay_unknown_4xx ? "4.1.1" : "5.1.1", 5, addr,
	    "Recipient address rejected: User unknown in relay recipient "
	    "table", NULL);
	return ROUTE_REFUSED;
}

/* trivial-rewrite for one final recipient: the class's transport, unless
   transport_maps says otherwise (never for the virtual alias class).
   Sets *PROBLEM_R when the mail would not arrive. */
static int
deliver(struct route *r, const char *rcpt, int *problem_r)
{
	struct buf chan = BUF_INIT, hop = BUF_INIT;
	const char *at = strrchr(rcpt, '@'), *domain, *flag = NULL;
	enum dclass dc;
	int via, srs;

	route_emit(r, "deliver ");
	route_emitv(r, rcpt);
	route_emit(r, ": ");
	if (at == NULL || at[1] == '\0') {
		route_emit(r, "unknown (no domain: Postfix would append "
		    "@$myorigin) UNKNOWN\n");
		*problem_r = 1;
		return 0;
	}
	domain = at + 1;
	if (domain_class(r, domain, &dc) == -1)
		return -1;
	if (dc == DC_ALIAS) {
		route_emit(r, "error (5.1.1 User unknown in virtual alias "
		    "table) BOUNCE\n");
		*problem_r = 1;
		return 0;
	}
	if (nexthop(r, rcpt, domain, dc, &chan, &hop, &via) == -1) {
		buf_free(&chan);
		buf_free(&hop);
		return -1;
	}
	if (strcmp(buf_cstr(&chan), "error") == 0)
		flag = "BOUNCE";
	else if (strcmp(buf_cstr(&chan), "retry") == 0)
		flag = "DEFER";
	else if (dc == DC_RELAY && strcasecmp(buf_cstr(&hop), domain) == 0 &&
	    (strcmp(buf_cstr(&chan), "relay") == 0 ||
	    strcmp(buf_cstr(&chan), "smtp") == 0))
		flag = "LOOP"; /* our own domain's MX: back to the MX */
	srs = r->role->srs_forward && dc == DC_DEFAULT && flag == NULL;
	if (via) {
		route_emitv(r, buf_cstr(&chan));
		route_emit(r, ":");
		route_emitv(r, buf_cstr(&hop));
		if (via == 2)
			route_emit(r, " (relay_transport)");
		else
			route_emit(r, srs ? " (transport, SRS sender)" :
			    " (transport)");
	} else if (dc == DC_RELAY) {
		route_emit(r, "relay (");
		route_emitv(r, domain);
		route_emit(r, "'s MX)");
	} else {
		route_emit(r, srs ? "smtp (default_transport, SRS sender)" :
		    "smtp (default_transport)");
	}
	if (flag != NULL) {
		route_emit(r, " ");
		route_emit(r, flag);
		*problem_r = 1;
	}
	route_emit(r, "\n");
	buf_free(&chan);
	buf_free(&hop);
	return 0;
}

/* Accepted: expand, show the hops, deliver each final recipient once
   (cleanup_out_recipient drops duplicates, case-folded). */
static int
delivery(struct route *r, const char *addr)
{
	struct strset *dups;
	const char *f, *a;
	int x, problem = 0;
	size_t i;

	if ((x = route_expand(r, addr)) == -1)
		return -1;
	if (route_print_hops(r) == -1)
		goto nomem;
	if (x != 0) {
		route_emit(r, "deliver ");
		route_emitv(r, addr);
		/* cleanup refuses the message; smtpd answers DATA */
		route_emit(r, x == 1 ? ": refused at end of DATA (451 4.6.0 "
		    "Alias expansion error: " : ": unknown (");
		route_emitv(r, r->why);
		route_emit(r, x == 1 ? ") DEFER\n" : ") UNKNOWN\n");
		return ROUTE_PROBLEM;
	}
	if ((dups = strset_new()) == NULL)
		goto nomem;
	for (i = 0; i < r->nslots; i++) {
		a = r->nodes[r->slots[i]].addr;
		if ((f = route_folded(r, a)) == NULL ||
		    (x = strset_add(dups, f, strlen(f), 0, NULL)) == -1) {
			strset_free(&dups, 0);
			goto nomem;
		}
		if (x == 1 && deliver(r, a, &problem) == -1) {
			strset_free(&dups, 0);
			return -1;
		}
	}
	strset_free(&dups, 0);
	return problem ? ROUTE_PROBLEM : ROUTE_OK;
nomem:
	errbuf_syserr(r->eb, "%s", addr);
	return -1;
}

/* reject_sender_login_mismatch for an authenticated client: the logins
   listed for the address (user@domain, then @domain) may use it; an
   address with no entry is refused to every login. */
static int
sender(struct route *r, const char *addr)
{
	static const enum output_kind maps[] = { OUTPUT_SENDER_LOGIN, END };
	enum output_kind map;
	struct buf names = BUF_INIT;
	const char *p;
	char *v = NULL;
	size_t len, n = 0;
	int f, at = 0, ret;

	if ((f = route_find(r, maps, addr, &v, &map, &at)) == -1)
		return -1;
	for (p = v != NULL ? v + strspn(v, CHARS_COMMA_SP) : "";
	    *p != '\0'; p += len, p += strspn(p, CHARS_COMMA_SP), n++) {
		len = strcspn(p, CHARS_COMMA_SP);
		if ((n > 0 && buf_puts(&names, ", ") == -1) ||
		    buf_append(&names, p, len) == -1) {
			free(v);
			buf_free(&names);
			errbuf_syserr(r->eb, "%s", addr);
			return -1;
		}
	}
	free(v);
	route_emit(r, "MAIL FROM ");
	route_emitv(r, addr);
	if (n > 0) {
		route_emit(r, ": logins ");
		route_emitv(r, buf_cstr(&names));
		if (at) {
			route_emit(r, " (key ");
			route_emitv(r, strrchr(addr, '@'));
			route_emit(r, ")");
		}
		route_emit(r, "\n  other logins: 553 5.7.1 <");
		ret = ROUTE_OK;
	} else {
		route_emit(r, f == 1 ? ": owned by nobody (empty entry)\n" :
		    ": owned by nobody\n");
		route_emit(r, "  every login: 553 5.7.1 <");
		ret = ROUTE_REFUSED;
	}
	route_emitv(r, addr);
	route_emit(r, ">: Sender address rejected: not owned by user LOGIN\n");
	buf_free(&names);
	return ret;
}

static void
route_clear(struct route *r)
{
	route_expand_free(r);
	buf_free(&r->key);
}

int
route_resolve(const struct route_opts *o, const char *addr,
    struct buf *out, struct errbuf *eb)
{
	struct route r;
	const char *at = strrchr(addr, '@');
	int st;

	if (o->role >= ROUTE_ROLE_COUNT || o->lookup == NULL) {
		errbuf_set(eb, "route: bad options");
		return -1;
	}
	if (at == NULL || at[1] == '\0') {
		errbuf_set(eb, "not a full address (local@domain)");
		eb->errnum = EINVAL;
		return -1;
	}
	if (o->role != ROUTE_ROLE_SUBMISSION &&
	    (o->domain == NULL || *o->domain == '\0')) {
		errbuf_set(eb, "route: role %s needs the primary domain",
		    roles[o->role].name);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.role = &roles[o->role];
	r.eb = eb;
	r.out = out;
	r.recursion = o->recursion_limit ? o->recursion_limit :
	    ROUTE_RECURSION_LIMIT;
	r.expansion = o->expansion_limit ? o->expansion_limit :
	    ROUTE_EXPANSION_LIMIT;
	r.addrlen = o->addrlen_limit ? o->addrlen_limit : ROUTE_ADDRLEN_LIMIT;
	r.lookups_max = o->lookups_max ? o->lookups_max : ROUTE_LOOKUPS_MAX;
	if ((r.fixed = strset_new()) == NULL) {
		errbuf_syserr(eb, "route");
		return -1;
	}
	if (o->role == ROUTE_ROLE_SUBMISSION)
		st = sender(&r, addr);
	else if ((st = rcpt(&r, addr)) == ROUTE_OK)
		st = delivery(&r, addr);
	route_clear(&r);
	if (st != -1 && r.oom) {
		errno = ENOMEM;
		errbuf_syserr(eb, "report");
		return -1;
	}
	return st;
}
