/*
 * route_expand: cleanup_map1n_internal (Postfix's virtual alias
 * expansion) replayed: an argv of addresses rewritten in place, the first
 * result replacing the address and the others appended, each slot looked
 * up again until nothing matches, with Postfix's limits.  Every address
 * met is a node, so the lookups that matched print as a tree.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "route_int.h"

/* Hop lines are indented two spaces a level, up to this many levels. */
#define INDENT_MAX 40

/* Say why the expansion stops; returns RET. */
static int __attribute__((format(printf, 3, 4)))
stop(struct route *r, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* only shown: a long address may be cut */
	(void)vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return ret;
}

static int
add_node(struct route *r, const char *addr, size_t len, size_t depth,
    size_t *idx_r)
{
	struct rnode *n;
	size_t cap;

	if (r->nnodes == r->capnodes) {
		cap = r->capnodes ? r->capnodes * 2 : 16;
		if ((n = reallocarray(r->nodes, cap, sizeof(*n))) == NULL)
			return -1;
		r->nodes = n;
		r->capnodes = cap;
	}
	n = &r->nodes[r->nnodes];
	memset(n, 0, sizeof(*n));
	if ((n->addr = strndup(addr, len)) == NULL)
		return -1;
	n->depth = depth;
	*idx_r = r->nnodes++;
	return 0;
}

static int
add_slot(struct route *r, size_t node)
{
	size_t *s, cap;

	if (r->nslots == r->capslots) {
		cap = r->capslots ? r->capslots * 2 : 16;
		if ((s = reallocarray(r->slots, cap, sizeof(*s))) == NULL)
			return -1;
		r->slots = s;
		r->capslots = cap;
	}
	r->slots[r->nslots++] = node;
	return 0;
}

/* The result of matching slot ARG's node N with VALUE, as
   mail_addr_map and cleanup_map1n take it: a value starting with '@'
   gets the local part prepended, the list is split at commas, the first
   address replaces the slot and the others are appended.  Returns 0,
   1 when the expansion fails (R->why set), -1 on ENOMEM. */
static int
expand_value(struct route *r, size_t arg, size_t n, const char *value)
{
	const char *addr = r->nodes[n].addr, *at, *p, *end, *item, *f;
	struct buf s = BUF_INIT;
	size_t len, c, i = 0;
	int ret = -1;

	if (value[0] == '@') {
		at = strrchr(addr, '@');
		len = at != NULL ? (size_t)(at - addr) : strlen(addr);
		if (buf_append(&s, addr, len) == -1 ||
		    buf_puts(&s, value) == -1)
			goto done;
		value = buf_cstr(&s);
	}
	r->nodes[n].child = r->nnodes;
	for (p = value, end = value + strlen(value);
	     addr_list_next(&p, end, ADDR_LIST_POSTFIX, &item, &len); i++) {
		if (len > r->addrlen) {
			ret = stop(r, 1, "a result of %s is longer than "
			    "virtual_alias_address_length_limit (%zu)", addr,
			    r->addrlen);
			goto done;
		}
		if (add_node(r, item, len, r->nodes[n].depth + 1, &c) == -1)
			goto done;
		r->nodes[n].nchild++;
		if (i == 0)
			r->slots[arg] = c;
		else if (add_slot(r, c) == -1)
			goto done;
		/* "Allow an address to expand into itself once." */
		if (strcasecmp(r->nodes[c].addr, addr) == 0 &&
		    ((f = route_folded(r, addr)) == NULL ||
		    strset_add(r->fixed, f, strlen(f), 0, NULL) == -1))
			goto done;
		if (r->nslots > r->expansion) {
			ret = stop(r, 1, "more than "
			    "virtual_alias_expansion_limit (%zu) addresses",
			    r->expansion);
			goto done;
		}
	}
	if (i == 0) {
		/* mail_addr_map: "non-address result", a lookup error. */
		ret = stop(r, 1, "the value for %s holds no address", addr);
		goto done;
	}
	ret = 0;
done:
	buf_free(&s);
	return ret;
}

/* cleanup_map1n_internal over virtual_alias_maps (see route_int.h). */
int
route_expand(struct route *r, const char *addr)
{
	enum output_kind map;
	size_t arg, count, n;
	const char *f;
	char *v;
	int found, at, x;

	if (add_node(r, addr, strlen(addr), 0, &n) == -1 ||
	    add_slot(r, n) == -1)
		goto nomem;
	for (arg = 0; arg < r->nslots; arg++) {
		for (count = 0;; count++) {
			n = r->slots[arg];
			if ((f = route_folded(r, r->nodes[n].addr)) == NULL)
				goto nomem;
			if (strset_find(r->fixed, f, strlen(f), NULL))
				break;
			if (count >= r->recursion)
				return stop(r, 1, "%s nests deeper than "
				    "virtual_alias_recursion_limit (%zu)",
				    r->nodes[n].addr, r->recursion);
			if (r->lookups++ >= r->lookups_max)
				return stop(r, 2, "gave up after %zu lookups",
				    r->lookups_max);
			found = route_find(r, r->role->valias, r->nodes[n].addr,
			    &v, &map, &at);
			if (found == -1)
				return -1;
			if (found == 0)
				break;
			r->nodes[n].matched = 1;
			r->nodes[n].map = map;
			r->nodes[n].at_domain = at;
			x = expand_value(r, arg, n, v);
			free(v);
			if (x == -1)
				goto nomem;
			if (x != 0)
				return x;
		}
	}
	return 0;
nomem:
	errbuf_syserr(r->eb, "%s", addr);
	return -1;
}

/* The lookups that matched, as a tree: each node's expansion below it,
   in the order of its value. */
int
route_print_hops(struct route *r)
{
	size_t *stack, sp = 0, n, k, d;

	if ((stack = calloc(r->nnodes + 1, sizeof(*stack))) == NULL)
		return -1;
	stack[sp++] = 0;
	while (sp > 0) {
		n = stack[--sp];
		if (!r->nodes[n].matched)
			continue;
		d = r->nodes[n].depth + 1;
		for (k = 0; k < (d < INDENT_MAX ? d : INDENT_MAX); k++)
			route_emit(r, "  ");
		route_emitv(r, r->nodes[n].addr);
		route_emit(r, " -> ");
		route_emit(r, conf_output_name(r->nodes[n].map));
		if (r->nodes[n].at_domain) {
			route_emit(r, " (");
			route_emitv(r, strrchr(r->nodes[n].addr, '@'));
			route_emit(r, ")");
		}
		route_emit(r, r->nodes[n].nchild > 0 ? ": " : ": (no address)");
		for (k = 0; k < r->nodes[n].nchild; k++) {
			if (k > 0)
				route_emit(r, ", ");
			route_emitv(r, r->nodes[r->nodes[n].child + k].addr);
		}
		route_emit(r, "\n");
		for (k = r->nodes[n].nchild; k > 0; k--)
			stack[sp++] = r->nodes[n].child + k - 1;
	}
	free(stack);
	return 0;
}

void
route_expand_free(struct route *r)
{
	size_t i;

	for (i = 0; i < r->nnodes; i++)
		free(r->nodes[i].addr);
	free(r->nodes);
	r->nodes = NULL;
	r->nnodes = r->capnodes = 0;
	free(r->slots);
	r->slots = NULL;
	r->nslots = r->capslots = 0;
	strset_free(&r->fixed, 0);
}
