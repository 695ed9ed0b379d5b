/*
 * pwhash_int: what the pwhash_*.c files share.  Not for other modules.
 */
#ifndef UDMAIL_PWHASH_INT_H
#define UDMAIL_PWHASH_INT_H

#include <stddef.h>

#include "pwhash.h"

/* A decimal without sign or leading zeros that fits in MAX.  Advances
   *SP past it.  Returns 0 or -1. */
int pwhash_parse_dec(const char **sp, unsigned long max, unsigned long *v);

/* Decode the digest (or digest + salt) of a SHA/SSHA/SMD5/MD5 family
   value the way Dovecot's password_decode does: hex or padded base64,
   as INFO's encoding and length say.  Returns the decoded length, or
   -1 when it is not well-formed.  OUT holds OUTSZ bytes; the caller
   wipes it. */
long pwhash_digest_decode(const struct pwhash_info *info, unsigned char *out,
    size_t outsz);

/* Decode LEN chars of standard base64 at S, PADDED or not (then the
   unused low bits must be zero).  Returns the decoded length or -1. */
long pwhash_b64_decode(const char *s, size_t len, int padded,
    unsigned char *out, size_t outsz);

/* Check the body of a digest scheme (INFO->body, body_len, encoding and
   scheme set): DLEN digest bytes, then salt bytes when SALTED.  Sets
   INFO's lengths.  Return 0, or -1 with EB set. */
int pwhash_inspect_digest(struct pwhash_info *info, int salted, size_t dlen,
    struct errbuf *eb);
/* {PBKDF2} body S: $1$salt$rounds$40hex. */
int pwhash_inspect_pbkdf2(const char *s, struct pwhash_info *info,
    struct errbuf *eb);
/* {SCRAM-SHA-*} body S (scheme NAME, digest DLEN bytes):
   iter,salt,storedkey,serverkey. */
int pwhash_inspect_scram(const char *name, size_t dlen, const char *s,
    struct pwhash_info *info, struct errbuf *eb);
/* {PLAIN-TRUNC} body S: N-text. */
int pwhash_inspect_trunc(const char *s, struct errbuf *eb);

#endif
