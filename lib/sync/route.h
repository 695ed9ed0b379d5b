/*
 * route: what Postfix does with one address on a host of a given role
 * (MX, SRS, both, submission), predicted from udmail's tables alone:
 * smtpd's RCPT decision for a client outside mynetworks, then cleanup's
 * virtual alias expansion and trivial-rewrite's choice of transport and
 * next hop for each final recipient; for submission, who may use the
 * address as MAIL FROM.  Pure logic over a lookup callback; the report
 * is text in the format mailmap(1) documents.
 */
#ifndef UDMAIL_ROUTE_H
#define UDMAIL_ROUTE_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "errbuf.h"

/* The roles of contrib/postfix, each with the tables its main.cf reads. */
enum route_role {
	ROUTE_ROLE_MX,
	ROUTE_ROLE_SRS,
	ROUTE_ROLE_COMBINED, /* MX and SRS on one host */
	ROUTE_ROLE_SUBMISSION,
	ROUTE_ROLE_COUNT
};

/* The answer, worst first wins: the order is the exit code's. */
enum route_status {
	ROUTE_OK = 0,      /* accepted and every recipient delivered;
			      submission: some login may use it */
	ROUTE_REFUSED = 1, /* refused at RCPT; submission: owned by nobody */
	ROUTE_PROBLEM = 2, /* accepted, but a bounce, loop or deferral */
	ROUTE_DEPENDS = 3  /* accepted, the rest is up to postsrsd */
};

/* Look KEY up in the published table of output TABLE.  KEY is already
   lower case.  Returns 1 with *VALUE_R malloc'd (the caller frees it),
   0 not found, -1 with EB set. */
typedef int route_lookup_fn(void *arg, enum output_kind table,
    const char *key, char **value_r, struct errbuf *eb);

/* Postfix's defaults for virtual_alias_recursion_limit,
   virtual_alias_expansion_limit and
   virtual_alias_address_length_limit. */
#define ROUTE_RECURSION_LIMIT 1000
#define ROUTE_EXPANSION_LIMIT 1000
#define ROUTE_ADDRLEN_LIMIT   1000
/* Ours: give up after this many alias lookups (Postfix's limits allow a
   million, which no table of ours comes near). */
#define ROUTE_LOOKUPS_MAX     20000

struct route_opts {
	enum route_role role;
	const char *domain;       /* primary domain; not used by submission */
	/* relay_transport of the MX role (contrib/postfix sets it to the
	   SRS next hop, transport_nexthop), "transport:nexthop"; NULL:
	   Postfix's default, the domain's own MX */
	const char *relay_nexthop;
	route_lookup_fn *lookup;
	void *arg;
	size_t recursion_limit;   /* 0: the ROUTE_ defaults above */
	size_t expansion_limit;
	size_t addrlen_limit;
	size_t lookups_max;
};

/* "mx", "srs", "combined", "submission"; route_role_by_name returns -1
   when unknown. */
const char *route_role_name(enum route_role role);
int route_role_by_name(const char *name);
/* 1 if a host of ROLE reads output KIND (its main.cf names the table). */
int route_role_needs(enum route_role role, enum output_kind kind);

/* Predict what happens to ADDR ("local@domain", any case) and append the
   report to OUT.  Returns a route_status, or -1 with EB set: ADDR has no
   domain, a lookup failed, out of memory. */
int route_resolve(const struct route_opts *o, const char *addr,
    struct buf *out, struct errbuf *eb) __attribute__((warn_unused_result));

#endif
