/*
 * spf_eval_int: what check_host() (spf_eval.c) and the mechanisms
 * (spf_mech.c) share: the state of one evaluation, the trace and the
 * helpers both sides call.
 */
#ifndef UDMAIL_SPF_EVAL_INT_H
#define UDMAIL_SPF_EVAL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "spf_int.h"

#define SPF_WALK_DEPTH 24 /* walk mode: include nesting bound */
/* walk mode: DNS-querying terms followed; ten times the limit is enough
   to say "over the limit" and to find the errors a record shows */
#define SPF_WALK_MAX_LOOKUPS 100

enum mres { M_NOMATCH, M_MATCH, M_TEMPERROR, M_PERMERROR };

struct spf_state {
	struct spf_ctx ctx;
	struct spf_eval *ev;
	unsigned max_lookups, max_void;
	int walk;
	int nomem;
	const char *stack[SPF_WALK_DEPTH + 1];
};

/* A trace line of kind KIND (or of error ERR) for DOMAIN's record REC and
   term T (either may be NULL); kept only while the trace is wanted. */
void spf_ev_trace(struct spf_state *st, enum spf_trace_kind kind,
    unsigned depth, const char *domain, const struct spf_record *rec,
    const struct spf_term *t, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
void spf_ev_trace_err(struct spf_state *st, enum spf_err err,
    unsigned depth, const char *domain, const struct spf_record *rec,
    const struct spf_term *t, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* The first error of the evaluation, kept in the result. */
void spf_ev_set_error(struct spf_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* check_host() for DOMAIN at include/redirect DEPTH (spf_eval.c). */
enum spf_result spf_ev_check_host(struct spf_state *st, const char *domain,
    unsigned depth, int decisive, char **exp_r);
/* Walk mode: 1 when the include or redirect (WHAT) of term T to TARGET
   is not followed (a loop, traced as an error, or the nesting bound). */
int spf_ev_walk_stops(struct spf_state *st, unsigned depth,
    const char *domain, const struct spf_record *rec,
    const struct spf_term *t, const char *what, const char *target);
/* Append one zeroed element to *VP (*NP elements of SIZE bytes). */
int spf_ev_push(void **vp, size_t *np, size_t size);
char *spf_ev_term_text(const struct spf_record *rec,
    const struct spf_term *t);
int spf_ev_finish_name(struct buf *b);
/* The target name of mechanism T, expanded into B (spf_mech.c). */
int spf_ev_target(struct spf_state *st, unsigned depth, const char *domain,
    const struct spf_record *rec, const struct spf_term *t, struct buf *b);
/* Evaluate mechanism T of DOMAIN's record REC (spf_mech.c). */
enum mres spf_ev_eval_term(struct spf_state *st, unsigned depth,
    const char *domain, const struct spf_record *rec,
    const struct spf_term *t);
/* The explanation (§6.2) of DOMAIN's exp= modifier T, or NULL. */
char *spf_ev_explain(struct spf_state *st, const char *domain,
    const struct spf_term *t);

#endif
