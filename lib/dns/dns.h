/*
 * dns: the resolver interface every DNS check uses.  Answers are
 * classified: NXDOMAIN and NODATA are real
 * answers; timeout, SERVFAIL and REFUSED mean "could not decide" and must
 * never be reported as "record missing".  Backends: libunbound
 * (dns_unbound_new) and, in tests, an in-process fixture resolver.
 */
#ifndef UDMAIL_DNS_H
#define UDMAIL_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "monotime.h"

#define DNS_T_A     1
#define DNS_T_NS    2
#define DNS_T_CNAME 5
#define DNS_T_SOA   6
#define DNS_T_PTR   12
#define DNS_T_MX    15
#define DNS_T_TXT   16
#define DNS_T_AAAA  28
#define DNS_T_SRV   33
#define DNS_T_DS    43
#define DNS_T_DNSKEY 48
#define DNS_T_TLSA  52
#define DNS_T_SPF   99

enum dns_status {
	DNS_ANSWER,   /* NOERROR with records of the type asked */
	DNS_NODATA,   /* NOERROR, no records of that type */
	DNS_NXDOMAIN, /* name does not exist */
	DNS_SERVFAIL, /* includes REFUSED and other rcodes */
	DNS_TIMEOUT,  /* our own deadline passed */
	DNS_BOGUS     /* DNSSEC validation failed */
};

enum dns_sec { DNS_SEC_INSECURE, DNS_SEC_SECURE, DNS_SEC_BOGUS };

struct dns_rr {
	uint16_t type;
	uint32_t ttl;
	unsigned char *rdata; /* raw RDATA (A: 4 bytes, AAAA: 16, TLSA...) */
	size_t rdlen;
	char *name;    /* MX/PTR/CNAME/NS/SRV target: lower case, no final dot */
	uint16_t pref; /* MX preference; SRV priority */
	uint16_t weight, port; /* SRV */
	char *txt;     /* TXT: character-strings concatenated, no separator */
	size_t txtlen; /* TXT may hold NUL bytes; length of txt */
};

struct dns_answer {
	enum dns_status status;
	enum dns_sec sec;
	int rcode;
	char *qname;      /* as asked */
	char *canon;      /* after CNAMEs, or NULL when none */
	char **cnames;    /* the CNAME chain followed, in order */
	size_t ncnames;
	struct dns_rr *rr;
	size_t nrr;
	char *why_bogus;  /* NULL unless BOGUS */
	char *server;     /* who answered, for evidence; may be NULL */
};

struct dns_resolver;

struct dns_ops {
	const char *name;
	/* Ask NAME/TYPE, giving up at DEADLINE (monotime_now() seconds; 0:
	   only the backend's own timeouts).  Returns 0 with *ANS_R set (any
	   status, including timeouts), or -1 with EB set on a local error
	   (bad name, no memory). */
	int (*query)(struct dns_resolver *r, const char *name, uint16_t type,
	    double deadline, struct dns_answer **ans_r, struct errbuf *eb);
	void (*free)(struct dns_resolver *r);
};

struct dns_resolver {
	const struct dns_ops *ops;
	void *ctx;
	unsigned queries; /* counter for reporting and tests */
};

/* Convenience wrappers over r->ops. */
int dns_query(struct dns_resolver *r, const char *name, uint16_t type,
    struct dns_answer **ans_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* dns_query that gives up (DNS_TIMEOUT) at DEADLINE, a monotime_now()
   time. */
int dns_query_until(struct dns_resolver *r, const char *name, uint16_t type,
    double deadline, struct dns_answer **ans_r, struct errbuf *eb)
    __attribute__((warn_unused_result));
void dns_answer_free(struct dns_answer **ansp);
void dns_resolver_free(struct dns_resolver **rp);
const char *dns_status_name(enum dns_status st);
/* NAME lower-cased without a final dot, malloc'd; NULL on ENOMEM. */
char *dns_name_canon(const char *name);
const char *dns_sec_name(enum dns_sec sec);

/* Free the N strings of V and V itself; accepts NULL. */
void dns_strv_free(char **v, size_t n);

#endif
