/*
 * account: the list of LDAP accounts handed from src_ldap to the model.
 * Invariant: a mail password string never outlives its account without
 * being wiped first (sodium_memzero before free).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account.h"

const char *
account_state_name(enum account_state st)
{
	switch (st) {
	case ACCOUNT_ACTIVE:
		return "active";
	case ACCOUNT_LOCKED:
		return "locked";
	case ACCOUNT_EXPIRED:
		return "expired";
	case ACCOUNT_RETIRED:
		return "retired";
	}
	return "unknown";
}

static int
dup_or_null(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	if ((*out = strdup(s)) == NULL)
		return -1;
	return 0;
}

static void
wipe_free(char **sp)
{
	if (*sp == NULL)
		return;
	sodium_memzero(*sp, strlen(*sp));
	free(*sp);
	*sp = NULL;
}

static void
account_clear(struct account *a)
{
	free(a->dn);
	free(a->uid);
	free(a->forward);
	wipe_free(&a->password);
	a->dn = a->uid = a->forward = NULL;
}

int
account_list_add(struct account_list *l, const char *dn, const char *uid,
    const char *forward, const char *password, enum account_state st)
{
	struct account a = { 0 }, *nv;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 64 : l->cap * 2;
		if (ncap > SIZE_MAX / sizeof(*l->v)) {
			errno = ENOMEM;
			return -1;
		}
		if ((nv = realloc(l->v, ncap * sizeof(*l->v))) == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	if (dup_or_null(dn, &a.dn) == -1 || dup_or_null(uid, &a.uid) == -1 ||
	    dup_or_null(forward, &a.forward) == -1 ||
	    dup_or_null(password, &a.password) == -1) {
		account_clear(&a);
		errno = ENOMEM;
		return -1;
	}
	a.state = st;
	l->v[l->n++] = a;
	return 0;
}

int
account_list_drop_password(struct account_list *l, const char *dn,
    const char *why)
{
	struct account_drop *nv;
	size_t n = l->pw_ndrops;
	char *d;

	if ((d = strdup(dn)) == NULL)
		return -1;
	/* capacity: the next power of two */
	if ((n & (n - 1)) == 0) {
		if ((nv = reallocarray(l->pw_drops, n == 0 ? 1 : n * 2,
		    sizeof(*nv))) == NULL) {
			free(d);
			return -1;
		}
		l->pw_drops = nv;
	}
	l->pw_drops[l->pw_ndrops].dn = d;
	l->pw_drops[l->pw_ndrops++].why = why;
	return 0;
}

const char *
account_list_password_problem(const struct account_list *l, const char *dn)
{
	size_t i;

	for (i = 0; i < l->pw_ndrops; i++)
		if (strcmp(l->pw_drops[i].dn, dn) == 0)
			return l->pw_drops[i].why;
	return NULL;
}

static int
account_cmp(const void *pa, const void *pb)
{
	const struct account *a = pa, *b = pb;
	int r;

	if (a->uid == NULL || b->uid == NULL)
		r = (a->uid == NULL) - (b->uid == NULL);
	else
		r = strcmp(a->uid, b->uid);
	if (r != 0 || a->dn == NULL || b->dn == NULL)
		return r != 0 ? r : (a->dn == NULL) - (b->dn == NULL);
	return strcmp(a->dn, b->dn);
}

void
account_list_sort(struct account_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), account_cmp);
}

void
account_list_free(struct account_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		account_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
	l->rejected = l->bad_values = 0;
	l->have_forward = l->have_password = l->have_user_password = 0;
	for (i = 0; i < l->pw_ndrops; i++)
		free(l->pw_drops[i].dn);
	free(l->pw_drops);
	l->pw_drops = NULL;
	l->pw_ndrops = 0;
}
