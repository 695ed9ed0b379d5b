/*
 * dnsfake: in-test resolver and helpers for the dnscheck unit tests.
 */
#ifndef UDMAIL_TEST_DNSFAKE_H
#define UDMAIL_TEST_DNSFAKE_H

#include "dns.h"
#include "dnscheck.h"

struct dns_resolver *dnsfake_new(const char *text);
/* Check DOMAIN against fixture ZONE and YAML (may be NULL: lint only).
   The resolver validates when VALIDATING. */
struct dnscheck_result *dnsfake_check(const char *zone, const char *yaml,
    const char *domain, int validating);
/* The same with options of one's own (validating, deadline, now...). */
struct dnscheck_result *dnsfake_check_opts(const char *zone, const char *yaml,
    const char *domain, const struct dnscheck_opts *o);
/* 1 when RES holds finding ID (with SUBJECT when not NULL) at status ST. */
int dnsfake_has(const struct dnscheck_result *res, const char *id,
    const char *subject, enum dnscheck_status st);

#endif
