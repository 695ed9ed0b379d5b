/*
 * model_int.h: the model's data structures, shared by model.c (building
 * and resolving) and model_emit.c (the outputs).  Not for other modules.
 *
 * Memory is the constraint here (a million accounts must fit with room
 * for the table writers): one 40-byte node per address, strings once in
 * an arena, no copy of what can be derived (an account's login is the
 * local part of its address; its DN is usually "uid=LOGIN,BASE"), and no
 * password hashes unless the caller asks to keep them.
 */
#ifndef UDMAIL_MODEL_INT_H
#define UDMAIL_MODEL_INT_H

#include <stdint.h>

#include "arena.h"
#include "model.h"

enum mkind { MK_ACCOUNT, MK_ALIAS, MK_FORWARD };

/* mnode.flags */
#define MN_EXT      0x01 /* has external targets: a terminal node */
#define MN_PRESUMED 0x02 /* reaches a presumed LDAP account */
#define MN_SELF     0x04 /* expands to itself alone (no pool entry) */
#define MN_REFUSED  0x08 /* an address two LDAP entries claimed: neither
			    gets it, the node stays so nothing else does */
#define MN_GONE     0x10 /* left with no destination because a target
			    is a retired account (or such a node) */

struct mtarget {
	const char *addr;  /* normalized */
	int32_t node;      /* local node, -1 external, -2 dropped,
			      -3 presumed LDAP account (presume_accounts),
			      -4 a retired account (dropped) */
};

struct mnode {
	const char *addr;
	const char *where;     /* Hiera file or LDAP DN; NULL for the DN
				  "uid=LOCALPART,<ldap_base>" */
	uint32_t line;         /* 0 for LDAP */
	uint32_t tfirst, tcount;
	uint32_t efirst;       /* terminal nodes reachable: pool[efirst..] */
	uint32_t nexpand;
	uint8_t kind;
	uint8_t state;
	uint8_t color;         /* DFS: 0 new, 1 on stack, 2 done */
	uint8_t flags;
};

/* A Hiera sender login after resolve: one per (address, login), with
   the alias-domain variants, sorted by key then login, no repeats. */
struct mlogin {
	const char *key;
	const char *login;
};

/* A Hiera sender login as read, before resolve. */
struct mlogin_src {
	const char *key;
	const char *login;
	const char *file;
	unsigned line;
};

struct mpass {
	uint32_t node;
	union {
		const char *hash; /* kept in the arena (no pwstore) */
		uint64_t ref;     /* the pwstore's handle */
	} h;
};


struct model {
	struct model_opts opts;
	const char *domain;
	size_t base_len;         /* strlen(opts.ldap_base), 0 unset */
	struct arena arena; /* every string; ARENA_WIPE */
	struct mnode *nodes;
	size_t nnodes, capnodes;
	struct mtarget *targets;
	size_t ntargets, captargets;
	uint32_t *pool;          /* expansions */
	size_t npool, cappool;
	uint32_t *slots;         /* hash table of node index + 1 */
	size_t nslots;
	const char **adomains;   /* in the order given */
	size_t nadomains, capadomains;
	struct mlogin_src *lsrc;
	size_t nlsrc, caplsrc;
	struct mlogin *logins;   /* after resolve */
	size_t nlogins;
	struct mpass *pw;        /* hashes, in login order after resolve */
	size_t npw, cappw;
	const char **gone;       /* retired accounts' addresses, sorted
				    after resolve */
	size_t ngone, capgone;
	const char **lgone;      /* Hiera sender login keys whose login is
				    an inactive account */
	size_t nlgone, caplgone;
	int resolved;
	uint32_t *order;         /* node indices sorted by address */
	const char **doms;       /* primary + alias domains, sorted */
	struct model_stats st;
};

/* The I-th terminal node N expands to. */
static inline uint32_t
mnode_expand(const struct model *m, const struct mnode *n, uint32_t i)
{
	if (n->flags & MN_SELF)
		return (uint32_t)(n - m->nodes);
	return m->pool[n->efirst + i];
}

/* Length of the local part of ADDR (up to its '@'). */
size_t model_local_len(const char *addr);

/* Shared by model.c (adding sources) and model_resolve.c. */
/* The index of ADDR's node, or -1. */
long node_find(const struct model *m, const char *addr);
/* "FILE:LINE" or "ldap DN" of where N or WHERE:LINE was defined, in OUT. */
const char *node_origin(const struct model *m, const struct mnode *n,
    char *out, size_t outsz);
const char *src_origin(const char *where, unsigned line, char *out,
    size_t outsz);
/* The sorted addresses of retired accounts (m->gone). */
int gone_cmp(const void *a, const void *b);
int gone_find(const struct model *m, const char *addr);

#endif
