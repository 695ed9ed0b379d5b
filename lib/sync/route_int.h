/*
 * route internals shared by route.c (the roles, RCPT, transports) and
 * route_expand.c (cleanup's virtual alias expansion).
 */
#ifndef UDMAIL_ROUTE_INT_H
#define UDMAIL_ROUTE_INT_H

#include "route.h"
#include "strset.h"

#define END OUTPUT_COUNT /* ends a list of tables */

/* What a role's main.cf reads, as contrib/postfix sets it. */
struct route_role_def {
	const char *name;
	enum output_kind valias[3]; /* virtual_alias_maps, in order */
	enum output_kind rrcpt[3];  /* relay_recipient_maps, in order */
	enum output_kind adoms[3];  /* virtual_alias_domains (bare domain
				       keys); Postfix's default is
				       $virtual_alias_maps */
	int transport;              /* transport_maps = transport */
	int srs_forward;            /* postsrsd rewrites the sender */
	int srs_reverse;            /* postsrsd reverses SRS0=/SRS1= */
	int sender_login;           /* smtpd_sender_login_maps */
	int relay_unknown_4xx;      /* unknown_relay_recipient_reject_code
				       450: an SRS-only host defers rather
				       than refuses, so the MX retries */
};

/* trivial-rewrite's address classes, as far as our roles have them. */
enum dclass { DC_ALIAS, DC_RELAY, DC_DEFAULT };

/* One address as the expansion met it; the matched ones are the hops. */
struct rnode {
	char *addr;
	size_t depth;
	size_t child, nchild; /* its expansion: nodes [child, child + nchild) */
	enum output_kind map; /* where it matched */
	int matched;
	int at_domain;        /* by its "@domain" key */
};

struct route {
	const struct route_role_def *role;
	const struct route_opts *o;
	struct errbuf *eb;
	struct buf *out;
	int oom;              /* an append to OUT failed */
	struct buf key;       /* the folded lookup key */
	char why[ERRBUF_MAX]; /* why the expansion failed */
	struct rnode *nodes;
	size_t nnodes, capnodes;
	size_t *slots;        /* cleanup's argv: node indices */
	size_t nslots, capslots;
	size_t lookups;
	struct strset *fixed; /* been_here: expanded into itself */
	size_t recursion, expansion, addrlen, lookups_max;
};

/* Append report text to R->out; a failed append sets R->oom. */
void route_emit(struct route *r, const char *s);
/* The same for text from the tables or the command line: escaped. */
void route_emitv(struct route *r, const char *s);
/* Look KEY up in TABLE folded to lower case: 1 (*VALUE_R malloc'd),
   0, or -1 with R->eb set. */
int route_look(struct route *r, enum output_kind table, const char *key,
    char **value_r);
/* mail_addr_find: ADDR, then "@domain", each in every table of MAPS
   (END-terminated) in order.  As route_look; *MAP_R is the table that
   answered, *AT_R 1 when the "@domain" key did. */
int route_find(struct route *r, const enum output_kind *maps,
    const char *addr, char **value_r, enum output_kind *map_r, int *at_r);
/* ADDR folded to lower case, in R's key buffer; NULL when out of memory. */
const char *route_folded(struct route *r, const char *addr);

/* cleanup_map1n over the role's virtual_alias_maps, from ADDR: 0 with
   the final recipients in R->slots, 1 when cleanup would refuse the
   message, 2 when we gave up (R->why says why), -1 with R->eb set. */
int route_expand(struct route *r, const char *addr);
/* The matched lookups as an indented tree; -1 when out of memory. */
int route_print_hops(struct route *r);
/* Free the nodes, slots and sets of the expansion. */
void route_expand_free(struct route *r);

#endif
