/*
 * account: one LDAP user as udmail sees it, after fetching and before the
 * model.  Strings are owned by the account and freed by account_list_free.
 */
#ifndef UDMAIL_ACCOUNT_H
#define UDMAIL_ACCOUNT_H

#include <stddef.h>

/* ud-ldap's account states, decided by src_ldap_state (src_ldap.h). */
enum account_state {
	ACCOUNT_ACTIVE,  /* password active, not expired, not retired */
	ACCOUNT_LOCKED,  /* userPassword {crypt}*LK* or {crypt}!...: keeps forward */
	ACCOUNT_EXPIRED, /* shadowExpire < today: keeps forward, no passwd */
	ACCOUNT_RETIRED  /* accountStatus inactive/memorial/retiring>grace: dropped */
};

/* Longest emailForward value used: ud-generate's CheckForward drops
   longer ones.  The LDAP source refuses them, the model checks again. */
#define ACCOUNT_FORWARD_MAX 200

struct account {
	char *dn;
	char *uid;      /* the DN's RDN value (src_ldap_dn_uid); the model
			   lower-cases and validates it */
	char *forward;  /* raw emailForward value (may be "a@x, b@y"), or NULL */
	char *password; /* raw mailPassword ("{SCHEME}..."), or NULL; secret */
	enum account_state state;
};

/* A mailPassword value dropped while fetching (mailpw audit reports it
   as malformed, not missing). */
struct account_drop {
	char *dn;
	const char *why; /* static text, never the value */
};

struct account_list {
	struct account *v;
	size_t n, cap;
	size_t rejected;   /* entries dropped while fetching (each logged) */
	size_t bad_values; /* values dropped, entry kept (each logged) */
	/* Entries, rejected ones included, that carried the attribute with
	   any value: a bind the server's ACLs keep from reading one gets
	   every entry without it. */
	size_t have_forward, have_password, have_user_password;
	struct account_drop *pw_drops;
	size_t pw_ndrops;
};

const char *account_state_name(enum account_state st);
/* Append a copy of the strings; returns 0 or -1 (ENOMEM). */
int account_list_add(struct account_list *l, const char *dn, const char *uid,
    const char *forward, const char *password, enum account_state st)
    __attribute__((warn_unused_result));
/* Remember that DN's mailPassword value was dropped, for WHY (static
   text).  Returns 0 or -1 (ENOMEM). */
int account_list_drop_password(struct account_list *l, const char *dn,
    const char *why) __attribute__((warn_unused_result));
/* Why DN's mailPassword value was dropped, or NULL. */
const char *account_list_password_problem(const struct account_list *l,
    const char *dn);
/* Sort by uid, byte order (ud-generate sorts by lower-cased uid; uids
   are lower case in practice, the model folds case itself), then by DN,
   so that the result never depends on the order the entries came in. */
void account_list_sort(struct account_list *l);
/* Frees every account, wiping password strings first; L is left empty
   and reusable (counters cleared). */
void account_list_free(struct account_list *l);

#endif
