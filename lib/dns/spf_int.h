/*
 * spf_int: helpers shared by the spf_*.c files, not part of the API.
 */
#ifndef UDMAIL_SPF_INT_H
#define UDMAIL_SPF_INT_H

#include <stddef.h>

#include "buf.h"
#include "spf.h"

/* Check a macro-string (§7.1).  EXP: explain-string rules (c r t letters,
   spaces).  Returns 0, or -1 with *ERRPOS_R set.  *ENDS_MACRO_R (may be
   NULL) is set when the string ends in a macro-expand, *LIT_R to the
   offset where the literal tail after the last macro-expand begins. */
int spf_macro_check(const char *s, size_t len, int exp, size_t *errpos_r,
    int *ends_macro_r, size_t *lit_r);
/* Check a domain-spec: macro-string ending in a macro or "." toplabel. */
int spf_domain_spec_check(const char *s, size_t len, size_t *errpos_r,
    const char **why_r);
int spf_toplabel_ok(const char *s, size_t len);

/* Strict dotted quad (no leading zeros). */
int spf_parse_ip4(const char *s, size_t len, unsigned char out[4]);
/* "ip" text to 16 bytes; *V4_R set for IPv4 and IPv4-mapped IPv6 (the
   address then sits in out[12..15] and in out4). */
int spf_parse_ip(const char *s, unsigned char out[16], int *v4_r);

/* The expansion context of one check_host() level. */
struct spf_ctx {
	struct dns_resolver *res;
	const struct spf_request *req;
	const char *sender;   /* local@domain after §4.3 defaults */
	const char *local;    /* local-part ("postmaster" when empty) */
	const char *odomain;  /* sender's domain */
	unsigned char ip[16];
	int v4;
	char *pname;          /* cached %{p} value, or NULL */
};

/* Expand S (LEN bytes) for DOMAIN into OUT (reset first).  Returns 0, or
   -1 with EB set (syntax, or over SPF_MACRO_MAX, or no memory). */
int spf_expand(struct spf_ctx *c, const char *domain, const char *s,
    size_t len, int exp, struct buf *out, struct errbuf *eb);
/* The validated domain name of the client (§5.5) for %{p}: names ending in
   DOMAIN preferred.  Returns a malloc'd string ("unknown" if none), or
   NULL on no memory.  TARGET non-NULL: return only a name matching TARGET
   (the ptr mechanism), or "" when none does; *VOID_R set when the PTR query
   itself was void; *NNAMES_R (may be NULL) gets the number of PTR names,
   of which only the first SPF_MAX_PTR are used. */
char *spf_validated_name(struct spf_ctx *c, const char *domain,
    const char *target, int *void_r, enum dns_status *st_r,
    size_t *nnames_r);

/* check_host(), or with WALK the lint walk: every term evaluated, none
   matching, limits counted but not enforced, loops cut. */
int spf_run(struct dns_resolver *res, const struct spf_request *req, int walk,
    struct spf_eval **ev_r, struct errbuf *eb);
#define SPF_MAX_LOOKUPS_CAP 100

char *spf_strndup_lower(const char *s, size_t n);

#endif
