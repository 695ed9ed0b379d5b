/*
 * golden: helpers for golden-file unit tests (tests/data/DIR/CASE.yaml
 * inputs with their expected output beside them).
 */
#ifndef UDMAIL_TEST_GOLDEN_H
#define UDMAIL_TEST_GOLDEN_H

#include <dirent.h>

/* The whole file, NUL-terminated (malloc'd), or NULL if it is missing. */
char *golden_slurp(const char *path);
/* The *.yaml cases in DIR, sorted by name (scandir(3) result). */
int golden_cases(const char *dir, struct dirent ***names);
/* Compare GOT with CASE's expected output (CASE.yaml -> CASE.exp, in the
   current directory).  Returns 0 when equal, 1 (after printing both) when
   not.  With UDMAIL_REGEN set, write GOT to CASE.exp instead and return 1
   (regenerating is never a passing run). */
int golden_check(const char *case_name, const char *got);

#endif
