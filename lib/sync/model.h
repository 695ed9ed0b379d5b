/*
 * model: LDAP accounts and Hiera definitions merged into one set of local
 * addresses, checked (syntax, conflicts, loops, dangling targets) and
 * generated as the key -> value entries of each output.  A bad record is
 * dropped with a warning naming its origin (DN, or FILE:LINE) and counted;
 * it never takes good records with it.
 */
#ifndef UDMAIL_MODEL_H
#define UDMAIL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "conf.h"
#include "errbuf.h"
#include "pwhash.h"
#include "report.h"
#include "src_hiera.h"

struct model;

/* Where the model parks the password hashes it accepts, so that a
   million of them need not stay in memory until the passwd output is
   generated (in login order, once every account is known: the result
   must not depend on the order LDAP returns entries in).  PUT stores
   HASH and gives a handle in *REF_R; GET copies the hash back into BUF
   (BUFSZ bytes, NUL-terminated) and may be called by several threads at
   once.  Both return 0, or -1 with EB set (never quoting the hash). */
struct model_pwstore {
	int (*put)(void *arg, const char *hash, uint64_t *ref_r,
	    struct errbuf *eb);
	int (*get)(void *arg, uint64_t ref, char *buf, size_t bufsz,
	    struct errbuf *eb);
	void *arg;
};

struct model_opts {
	const char *domain;  /* primary domain, required */
	const char *nexthop; /* transport value; NULL: transport not rendered */
	int sender_login_alias_domains;
	int have_ldap;       /* logins named in Hiera must be LDAP accounts */
	int presume_accounts;/* no LDAP data at hand (mailmap check
				--hiera-only): an unknown local target is
				presumed to be an LDAP account, not dangling */
	const char *ldap_base;  /* a DN "uid=LOGIN,<ldap_base>" is derived
				   for messages, not stored */
	const struct model_pwstore *pwstore; /* NULL: hashes are kept in
						the model's (wiped) memory */
	int drop_passwords;  /* hashes are checked, then forgotten: no
				passwd output (mailmap check) */
	const struct pwhash_ceiling *max_cost; /* costlier hashes are left
						   out; NULL: the defaults */
	struct report *report; /* bad records and conflicts; NULL: the
				  program's log */
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
	char *strings; /* owned copies of the keys and values */
	size_t strings_len;
};

/* Returns NULL (EB set) on a bad domain or out of memory. */
struct model *model_new(const struct model_opts *opts, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Add LDAP accounts first, then Hiera: on a conflict the earlier
   definition is kept and both origins are reported, except between two
   LDAP accounts: two entries giving the same address (whichever LDAP
   returned first) are both refused.  -1 on ENOMEM or when the password
   store fails, with EB set. */
int model_add_accounts(struct model *m, const struct account_list *l,
    struct errbuf *eb) __attribute__((warn_unused_result));
int model_add_hiera(struct model *m, const struct hiera_data *hd,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* Link targets, break loops, drop dangling targets; call once after the
   last add.  -1 only on ENOMEM. */
int model_resolve(struct model *m, struct errbuf *eb)
    __attribute__((warn_unused_result));
const struct model_stats *model_stats(const struct model *m);
/* Generate the entries of output KIND, calling FN for each.  Keys are
   unique and come in bytewise order (for passwd: login order).  KEY and
   VALUE live until FN returns.  FN returns 0 to go on; a positive value
   stops and is returned.  Returns 0, FN's value, or -1 with EB set (out
   of memory, transport without a nexthop, passwd hashes dropped, the
   password store failed).  Reads the resolved model only: several
   threads may emit at once. */
typedef int model_emit_fn(void *arg, const char *key, const char *value);
int model_emit(const struct model *m, enum output_kind kind,
    model_emit_fn *fn, void *arg, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Keys that output KIND would also hold if every account LDAP reported
   as locked, expired or retired were active: its entries, an alias left
   with no destination by retired targets, a Hiera sender login of such
   an account.  A superset: some may be in the output all the same (the
   shrink guard checks), some repeated, in no particular order.  FN gets
   each KEY with an empty value; return values as model_emit. */
int model_emit_explained(const struct model *m, enum output_kind kind,
    model_emit_fn *fn, void *arg, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* The entries of output KIND as one sorted list with its own copies of
   the strings (for mailmap diff and the tests; a million-entry sync uses
   model_emit).  -1 with EB set. */
int model_render(const struct model *m, enum output_kind kind,
    struct kvlist *out, struct errbuf *eb)
    __attribute__((warn_unused_result));
void kvlist_free(struct kvlist *l);
/* For a build that applies an account's change alone (lib/sync/incr):
   the local parts (lower case) of the addresses something else in the
   model involves, whose accounts' entries may depend on more than the
   account itself: Hiera keys (any domain), local targets of any node,
   Hiera sender logins' keys and logins, addresses two LDAP entries
   claimed.  FN gets each, maybe repeated, as KEY with VALUE "";
   returns 0 or FN's value.  Call after model_resolve. */
int model_pinned(const struct model *m, model_emit_fn *fn, void *arg);
/* The alias domains the model uses (checked, lower case, no repeats),
   *N_R of them. */
const char *const *model_alias_domains(const struct model *m, size_t *n_r);
/* The primary domain, lower case. */
const char *model_domain(const struct model *m);
/* Frees everything, wiping password hashes. */
void model_free(struct model **mp);

#endif
