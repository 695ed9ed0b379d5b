/*
 * dns_fixture: an in-process resolver implementing struct dns_ops from
 * records added by the caller, for tests (the OpenSPF suite, maildnscheck
 * unit tests, fuzzing).  Names are case-insensitive and a final dot is
 * ignored.  A name with records of some type answers NODATA for the
 * others; a name under which other names exist (an empty non-terminal)
 * answers NODATA too (RFC 8020); anything else is NXDOMAIN.  CNAMEs are
 * chased (at most 8 hops; a loop answers SERVFAIL), and the answer carries
 * the chain, as the dns.h contract says.
 */
#ifndef UDMAIL_DNS_FIXTURE_H
#define UDMAIL_DNS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "errbuf.h"

#define DNS_FIXTURE_MAX_CNAMES 8
#define DNS_T_ANY_STATUS 0 /* dns_fixture_set_status(): every type */

/* A new, empty fixture; free it with dns_resolver_free().  NULL if out of
   memory. */
struct dns_resolver *dns_fixture_new(void);

/* Add one record given as text:
     A, AAAA          an address ("192.0.2.1", "2001:db8::1")
     MX               "PREF NAME" ("10 mx.example.org"; "0 ." is null MX)
     PTR, CNAME, NS   a name
     TXT, SPF         one character-string (use _add_txt for several)
     TLSA             "USAGE SELECTOR MTYPE HEX"
     any other type   hex of the raw RDATA
   Returns 0, or -1 with EB set (bad value, no memory). */
int dns_fixture_add(struct dns_resolver *r, const char *name, uint16_t type,
    const char *value, struct errbuf *eb) __attribute__((warn_unused_result));
int dns_fixture_add_mx(struct dns_resolver *r, const char *name,
    uint16_t pref, const char *target, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* A TXT (or SPF, type 99) record of N character-strings; LENS may be NULL
   (strlen), otherwise strings may hold NUL bytes.  N may be 0. */
int dns_fixture_add_txt(struct dns_resolver *r, const char *name,
    uint16_t type, const char *const *strs, const size_t *lens, size_t n,
    struct errbuf *eb) __attribute__((warn_unused_result));
int dns_fixture_add_raw(struct dns_resolver *r, const char *name,
    uint16_t type, const void *rdata, size_t len, struct errbuf *eb)
    __attribute__((warn_unused_result));

/* Make NAME/TYPE answer ST (DNS_TIMEOUT, DNS_SERVFAIL, DNS_BOGUS, or even
   DNS_NXDOMAIN) instead of its records.  TYPE DNS_T_ANY_STATUS applies to
   every type NAME holds no records of (the suite's bare TIMEOUT). */
int dns_fixture_set_status(struct dns_resolver *r, const char *name,
    uint16_t type, enum dns_status st) __attribute__((warn_unused_result));
/* DNSSEC state reported for NAME/TYPE (default insecure; TYPE 0 = all). */
int dns_fixture_set_sec(struct dns_resolver *r, const char *name,
    uint16_t type, enum dns_sec sec) __attribute__((warn_unused_result));

/* Load records from text, one per line: NAME TYPE VALUE, where TYPE is A,
   AAAA, MX, PTR, CNAME, NS, TXT, SPF, TLSA, TIMEOUT, SERVFAIL, BOGUS or a
   number; TXT/SPF values are one or more "quoted" strings (\" \\ \DDD
   escapes) or one bare word; TIMEOUT/SERVFAIL/BOGUS take an optional
   type.  '#' starts a comment line.  Returns 0, or -1 with EB naming the line. */
int dns_fixture_load(struct dns_resolver *r, const char *text, size_t len,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* Number of records held (for tests). */
size_t dns_fixture_count(const struct dns_resolver *r);

#endif
