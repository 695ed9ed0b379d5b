/*
 * fuzz_model: the model (lib/model.c) fed LDAP accounts and Hiera data
 * built from the input, one record per line, fields split on TAB:
 *
 *   A uid<TAB>forward<TAB>password<TAB>state<TAB>ou
 *                                              LDAP account (state 0-3,
 *                                              empty field: NULL; DN
 *                                              uid=UID,ou=OU,... when OU
 *                                              is given, so that two
 *                                              entries may give one name)
 *   L key<TAB>target...                        Hiera alias
 *   F key<TAB>target...                        Hiera forward
 *   D domain                                   alias domain
 *   S key<TAB>login...                         sender logins
 *   O domain<TAB>flags                         options: primary domain;
 *                                              flags letters n (no
 *                                              nexthop), a (sender logins
 *                                              for alias domains), l
 *                                              (have LDAP), p (presume
 *                                              accounts)
 *
 * Every output kind is rendered; each list must be strictly sorted by
 * key, every map entry must pass map_check (whatever the model renders
 * must be writable) and every passwd entry pwfile_check.  The accounts
 * are then added again in reverse order, their hashes parked in a
 * password store: every output must come out the same (no outcome may
 * depend on LDAP's answer order).  The removals LDAP explains
 * (model_emit_explained) are generated for every output; a passwd login
 * among them must not be in the passwd output.  A violation aborts:
 * that is a bug in lib/model.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "conf.h"
#include "errbuf.h"
#include "log.h"
#include "map.h"
#include "model.h"
#include "pwfile.h"
#include "src_hiera.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FILE "fuzz.yaml"

struct lists {
	struct hiera_list *v;
	size_t n, cap;
};

static void
quiet(enum log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static void *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 8;
	if ((v = realloc(v, *cap * size)) == NULL)
		abort();
	return v;
}

/* Cut LINE at TABs in place; returns the number of fields (at most MAX). */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *t;

	while (n < max) {
		f[n++] = p;
		if ((t = strchr(p, '\t')) == NULL)
			break;
		*t = '\0';
		p = t + 1;
	}
	return n;
}

static void
list_add(struct lists *l, char **f, size_t nf, unsigned line)
{
	struct hiera_list *h;

	l->v = grow(l->v, &l->cap, l->n, sizeof(*l->v));
	h = &l->v[l->n++];
	h->key = f[0];
	h->ntargets = nf - 1;
	if ((h->targets = calloc(nf, sizeof(*h->targets))) == NULL)
		abort();
	memcpy(h->targets, f + 1, (nf - 1) * sizeof(*f));
	h->origin.file = FUZZ_FILE;
	h->origin.line = line;
}

static void
lists_free(struct lists *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].targets);
	free(l->v);
}

static void
check_output(struct model *m, enum output_kind kind, int have_nexthop)
{
	struct kvlist l, again;
	struct errbuf eb;
	size_t i;

	errbuf_clear(&eb);
	if (model_render(m, kind, &l, &eb) == -1) {
		/* Only the transport map may be refused, without nexthop. */
		if (kind == OUTPUT_TRANSPORT && !have_nexthop)
			return;
		fprintf(stderr, "model_render %d: %s\n", (int)kind, eb.msg);
		abort();
	}
	if (kind == OUTPUT_TRANSPORT && !have_nexthop)
		abort();
	for (i = 0; i < l.n; i++) {
		if (l.v[i].key == NULL || l.v[i].value == NULL)
			abort();
		if (i > 0 && strcmp(l.v[i - 1].key, l.v[i].key) >= 0) {
			fprintf(stderr, "output %d not sorted at %zu\n",
			    (int)kind, i);
			abort();
		}
		if (kind == OUTPUT_PASSWD) {
			if (pwfile_check(l.v[i].key, l.v[i].value, &eb) == -1) {
				fprintf(stderr, "passwd: %s\n", eb.msg);
				abort();
			}
		} else if (map_check(l.v[i].key, l.v[i].value, &eb) == -1) {
			fprintf(stderr, "output %d: %s\n", (int)kind, eb.msg);
			abort();
		}
	}
	/* Rendering again gives the same list. */
	if (model_render(m, kind, &again, &eb) == -1 || again.n != l.n)
		abort();
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].key, again.v[i].key) != 0 ||
		    strcmp(l.v[i].value, again.v[i].value) != 0)
			abort();
	kvlist_free(&again);
	kvlist_free(&l);
}

/* A password store in memory: the hashes in one growing buffer. */
struct store {
	char *buf;
	size_t len, cap;
};

static int
store_put(void *arg, const char *hash, uint64_t *ref_r, struct errbuf *eb)
{
	struct store *st = arg;
	size_t n = strlen(hash) + 1;

	(void)eb;
	st->buf = grow(st->buf, &st->cap, st->len + n, 1);
	while (st->cap < st->len + n)
		st->buf = grow(st->buf, &st->cap, st->cap, 1);
	memcpy(st->buf + st->len, hash, n);
	*ref_r = st->len;
	st->len += n;
	return 0;
}

static int
store_get(void *arg, uint64_t ref, char *buf, size_t bufsz,
    struct errbuf *eb)
{
	struct store *st = arg;

	if (ref >= st->len || strlen(st->buf + ref) >= bufsz) {
		errbuf_set(eb, "bad handle");
		abort();
	}
	memcpy(buf, st->buf + ref, strlen(st->buf + ref) + 1);
	return 0;
}

/* Both models render output KIND identically. */
static void
check_same(struct model *a, struct model *b, enum output_kind kind)
{
	struct kvlist la, lb;
	struct errbuf eb;
	size_t i;
	int ra, rb;

	ra = model_render(a, kind, &la, &eb);
	rb = model_render(b, kind, &lb, &eb);
	if (ra != rb)
		abort();
	if (ra == -1)
		return;
	if (la.n != lb.n) {
		fprintf(stderr, "output %d: %zu entries, reversed %zu\n",
		    (int)kind, la.n, lb.n);
		abort();
	}
	for (i = 0; i < la.n; i++)
		if (strcmp(la.v[i].key, lb.v[i].key) != 0 ||
		    strcmp(la.v[i].value, lb.v[i].value) != 0) {
			fprintf(stderr, "output %d differs at %s\n", (int)kind,
			    la.v[i].key);
			abort();
		}
	kvlist_free(&la);
	kvlist_free(&lb);
}

/* The explained keys of every output; for passwd none is a login the
   output has. */
static int
explained_login(void *arg, const char *key, const char *value)
{
	const struct kvlist *pw = arg;
	size_t i;

	if (*value != '\0' || *key == '\0')
		abort();
	for (i = 0; pw != NULL && i < pw->n; i++)
		if (strcmp(pw->v[i].key, key) == 0) {
			fprintf(stderr, "explained login %s in passwd\n", key);
			abort();
		}
	return 0;
}

static void
check_explained(struct model *m)
{
	struct kvlist pw;
	struct errbuf eb;
	int k;

	for (k = 0; k < OUTPUT_COUNT; k++)
		if (k != OUTPUT_PASSWD && model_emit_explained(m,
		    (enum output_kind)k, explained_login, NULL, &eb) != 0)
			abort();
	if (model_render(m, OUTPUT_PASSWD, &pw, &eb) == -1 ||
	    model_emit_explained(m, OUTPUT_PASSWD, explained_login, &pw,
	    &eb) != 0)
		abort();
	kvlist_free(&pw);
}

/* Add the accounts of AL in reverse order. */
static int
add_reversed(struct model *m, const struct account_list *al,
    struct errbuf *eb)
{
	struct account_list one;
	size_t i;

	memset(&one, 0, sizeof(one));
	for (i = al->n; i > 0; i--) {
		one.v = &al->v[i - 1];
		one.n = one.cap = 1;
		if (model_add_accounts(m, &one, eb) == -1)
			return -1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_opts mo = { .domain = "example.org",
		.nexthop = "smtp:[srs.example.org]", .have_ldap = 1,
		.ldap_base = "ou=users,dc=example,dc=org" };
	struct account_list al;
	struct lists aliases = { NULL, 0, 0 }, fwds = { NULL, 0, 0 },
	    logins = { NULL, 0, 0 };
	struct hiera_data hd;
	struct errbuf eb;
	struct model *m = NULL;
	char *buf, *line, *nl, *f[64], *files[1] = { (char *)FUZZ_FILE };
	char dn[1024];
	struct store st = { NULL, 0, 0 };
	struct model_pwstore ps = { store_put, store_get, &st };
	struct model *m2 = NULL;
	size_t nf, capdom = 0, caporig = 0, i;
	unsigned lineno = 0;
	int k;

	log_set_hook(quiet, NULL);
	memset(&al, 0, sizeof(al));
	memset(&hd, 0, sizeof(hd));
	hd.files = files;
	hd.nfiles = 1;
	if ((buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = buf; line != NULL; line = nl) {
		if ((nl = memchr(line, '\n', (size_t)(buf + size - line))) !=
		    NULL)
			*nl++ = '\0';
		lineno++;
		if (line[0] == '\0' || line[1] != ' ')
			continue;
		nf = split(line + 2, f, sizeof(f) / sizeof(f[0]));
		switch (line[0]) {
		case 'A':
			/* Account strings are copied by account_list_add.
			   The DN has the usual form, uid=UID,BASE, so that
			   the model derives it instead of keeping it. */
			for (i = nf; i < 5; i++)
				f[i] = (char *)"";
			(void)snprintf(dn, sizeof(dn),
			    "uid=%s,ou=%s,dc=example,dc=org", f[0],
			    *f[4] != '\0' ? f[4] : "users");
			if (account_list_add(&al, dn,
			    *f[0] != '\0' ? f[0] : NULL,
			    *f[1] != '\0' ? f[1] : NULL,
			    *f[2] != '\0' ? f[2] : NULL,
			    (enum account_state)((unsigned char)f[3][0] % 4)) ==
			    -1)
				abort();
			break;
		case 'L':
			list_add(&aliases, f, nf, lineno);
			break;
		case 'F':
			list_add(&fwds, f, nf, lineno);
			break;
		case 'S':
			list_add(&logins, f, nf, lineno);
			break;
		case 'D':
			hd.alias_domains = grow(hd.alias_domains, &capdom,
			    hd.nalias_domains, sizeof(*hd.alias_domains));
			hd.alias_domain_origins = grow(hd.alias_domain_origins,
			    &caporig, hd.nalias_domains,
			    sizeof(*hd.alias_domain_origins));
			hd.alias_domains[hd.nalias_domains] = f[0];
			hd.alias_domain_origins[hd.nalias_domains].file =
			    FUZZ_FILE;
			hd.alias_domain_origins[hd.nalias_domains].line =
			    lineno;
			hd.nalias_domains++;
			break;
		case 'O':
			mo.domain = f[0];
			if (nf > 1) {
				if (strchr(f[1], 'n') != NULL)
					mo.nexthop = NULL;
				mo.sender_login_alias_domains =
				    strchr(f[1], 'a') != NULL;
				mo.have_ldap = strchr(f[1], 'l') != NULL;
				mo.presume_accounts =
				    strchr(f[1], 'p') != NULL;
			}
			break;
		default:
			break;
		}
	}
	hd.aliases = aliases.v;
	hd.naliases = aliases.n;
	hd.forwards = fwds.v;
	hd.nforwards = fwds.n;
	hd.sender_logins = logins.v;
	hd.nsender_logins = logins.n;

	errbuf_clear(&eb);
	if ((m = model_new(&mo, &eb)) == NULL)
		goto out; /* a bad primary domain */
	if (model_add_accounts(m, &al, &eb) == -1 ||
	    model_add_hiera(m, &hd, &eb) == -1 ||
	    model_resolve(m, &eb) == -1) {
		fprintf(stderr, "model: %s\n", eb.msg);
		abort();
	}
	for (k = 0; k < OUTPUT_COUNT; k++)
		check_output(m, (enum output_kind)k, mo.nexthop != NULL);
	if (model_stats(m) == NULL)
		abort();
	check_explained(m);
	/* The other order, the hashes in a store: the same outputs. */
	mo.pwstore = &ps;
	if ((m2 = model_new(&mo, &eb)) == NULL ||
	    add_reversed(m2, &al, &eb) == -1 ||
	    model_add_hiera(m2, &hd, &eb) == -1 ||
	    model_resolve(m2, &eb) == -1)
		abort();
	for (k = 0; k < OUTPUT_COUNT; k++)
		check_same(m, m2, (enum output_kind)k);
out:
	model_free(&m);
	model_free(&m2);
	free(st.buf);
	account_list_free(&al);
	lists_free(&aliases);
	lists_free(&fwds);
	lists_free(&logins);
	free(hd.alias_domains);
	free(hd.alias_domain_origins);
	free(buf);
	return 0;
}
