/*
 * model: LDAP accounts and Hiera definitions merged into one set of local
 * addresses, checked (syntax, conflicts, loops, dangling targets) and
 * rendered into the key -> value lists of each output.  A bad record is
 * dropped with a warning naming its origin (DN, or FILE:LINE) and counted;
 * it never takes good records with it.
 */
#ifndef UDMAIL_MODEL_H
#define UDMAIL_MODEL_H

#include <stddef.h>

#include "account.h"
#include "conf.h"
#include "errbuf.h"
#include "src_hiera.h"

struct model;

struct model_opts {
	const char *domain;  /* primary domain, required */
	const char *nexthop; /* transport value; NULL: transport not rendered */
	int sender_login_alias_domains;
	int have_ldap;       /* logins named in Hiera must be LDAP accounts */
	int presume_accounts;/* no LDAP data at hand (mailmap check
				--hiera-only): an unknown local target is
				presumed to be an LDAP account, not dangling */
};

struct model_stats {
	size_t accounts;  /* LDAP accounts used (not retired) */
	size_t retired;   /* LDAP accounts left out as retired */
	size_t addresses; /* local addresses defined */
	size_t rejected;  /* records or values dropped for bad syntax */
	size_t conflicts; /* an address defined twice */
	size_t loops;     /* alias loops broken */
	size_t dangling;  /* targets or logins that lead nowhere */
};

struct kv {
	const char *key;
	const char *value;
};

struct kvlist {
	struct kv *v; /* sorted by key (bytewise), keys unique */
	size_t n;
};

/* Returns NULL (EB set) on a bad domain or out of memory. */
struct model *model_new(const struct model_opts *opts, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Add LDAP accounts first, then Hiera: on a conflict the earlier
   definition is kept and both origins are reported.  -1 only on ENOMEM. */
int model_add_accounts(struct model *m, const struct account_list *l,
    struct errbuf *eb) __attribute__((warn_unused_result));
int model_add_hiera(struct model *m, const struct hiera_data *hd,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Link targets, break loops, drop dangling targets; call once after the
   last add.  -1 only on ENOMEM. */
int model_resolve(struct model *m, struct errbuf *eb)
    __attribute__((warn_unused_result));
const struct model_stats *model_stats(const struct model *m);
/* Fill OUT with the entries of output KIND; strings point into the model
   and live until model_free.  -1 on ENOMEM. */
int model_render(struct model *m, enum output_kind kind, struct kvlist *out,
    struct errbuf *eb) __attribute__((warn_unused_result));
void kvlist_free(struct kvlist *l);
/* Frees everything, wiping password hashes. */
void model_free(struct model **mp);

#endif
