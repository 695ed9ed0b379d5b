/*
 * utf8: decoding one UTF-8 sequence as RFC 3629 defines it.
 */
#ifndef UDMAIL_UTF8_H
#define UDMAIL_UTF8_H

#include <stddef.h>

/* Length of the UTF-8 sequence at P (at most N bytes, N >= 1) with its
   code point in *CP, or 0 if invalid (no overlongs, surrogates, or values
   above U+10FFFF). */
size_t utf8_next(const unsigned char *p, size_t n, unsigned long *cp);

#endif
