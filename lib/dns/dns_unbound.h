/*
 * dns_unbound: the libunbound backend of lib/dns.h.  Queries run
 * asynchronously on one shared context so many threads (one per domain
 * being checked) can wait at once; each query has our own deadline,
 * because libunbound takes ~17 s to give up on a server that drops.
 */
#ifndef UDMAIL_DNS_UNBOUND_H
#define UDMAIL_DNS_UNBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "errbuf.h"

#define DNS_UNBOUND_MAX_CNAMES 8

struct dns_unbound_opts {
	const char *const *resolvers; /* "IP[#port]"; none: /etc/resolv.conf */
	size_t nresolvers;
	const char *trust_anchor; /* file, or a DS/DNSKEY line; NULL: none */
	double timeout;           /* seconds per attempt; 0: 5 s */
	int retries;              /* extra attempts after a timeout */
};

/* Returns a resolver, or NULL with EB set (bad address, unreadable trust
   anchor).  Free with dns_resolver_free(). */
struct dns_resolver *dns_unbound_new(const struct dns_unbound_opts *opts,
    struct errbuf *eb) __attribute__((warn_unused_result));

/* The zone of the configured trust anchor ("" for the root), or NULL when
   none was given: DNSSEC states are then "not validated". */
const char *dns_unbound_ta_zone(const struct dns_resolver *r);

/* Parse one RDATA of TYPE into RR (fields of dns.h: name, pref, weight,
   port, txt/txtlen; rdata is copied).  Returns 0, or -1 with EB set when
   the RDATA is malformed.  RR is left for dns_answer_free on success and
   cleared on failure. */
int dns_unbound_rr_parse(uint16_t type, const unsigned char *rd, size_t len,
    struct dns_rr *rr, struct errbuf *eb) __attribute__((warn_unused_result));

/* CNAME records in the answer section of wire message PKT, in order:
   sets *OWNERS_R and *TARGETS_R (malloc'd arrays of lower-case names) and
   *N_R.  Returns 0, or -1 on a malformed message. */
int dns_unbound_packet_cnames(const unsigned char *pkt, size_t len,
    char ***owners_r, char ***targets_r, size_t *n_r, uint32_t *minttl_r)
    __attribute__((warn_unused_result));

#endif
