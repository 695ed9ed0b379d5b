/*
 * strset: a set of byte strings, each with a size_t value, for duplicate
 * detection and lookups in the map and passwd-file code.  Strings are
 * copied into large chunks (no malloc per entry); open addressing.
 */
#ifndef UDMAIL_STRSET_H
#define UDMAIL_STRSET_H

#include <stddef.h>

struct strset;

/* Returns NULL (errno ENOMEM) on failure. */
struct strset *strset_new(void);
/* Add S[0..LEN) with VAL.  Returns 1 added, 0 already present (the
   stored value in *OLD_R when OLD_R is not NULL; nothing changed), -1 out
   of memory. */
int strset_add(struct strset *set, const char *s, size_t len, size_t val,
    size_t *old_r) __attribute__((warn_unused_result));
/* 1 found (*VAL_R set when not NULL), 0 not found. */
int strset_find(const struct strset *set, const char *s, size_t len,
    size_t *val_r);
size_t strset_count(const struct strset *set);
/* With WIPE the stored strings are zeroed first.  Accepts NULL. */
void strset_free(struct strset **setp, int wipe);

#endif
