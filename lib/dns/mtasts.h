/*
 * mtasts: the text formats of SMTP MTA Strict Transport Security (RFC
 * 8461: the _mta-sts TXT record and the policy file) and of SMTP TLS
 * Reporting (RFC 8460: the _smtp._tls TXT record).  Pure parsers: no
 * DNS, no network; hostile input is refused with a reason.
 */
#ifndef UDMAIL_MTASTS_H
#define UDMAIL_MTASTS_H

#include <stddef.h>

#define MTASTS_POLICY_MAX (64 * 1024) /* RFC 8461 §3.3: body size cap */
#define MTASTS_MAX_AGE_MAX 31557600L  /* RFC 8461 §3.2: one year */
#define MTASTS_MX_MAX 64              /* mx lines kept */

enum mtasts_mode {
	MTASTS_MODE_NONE,
	MTASTS_MODE_TESTING,
	MTASTS_MODE_ENFORCE
};

/* 1 when TXT (LEN bytes) starts with "v=STSv1" then ';', WSP or the end:
   the records RFC 8461 §3.1 keeps.  Same for "v=TLSRPTv1" (RFC 8460 §3). */
int mtasts_is_txt(const char *txt, size_t len);
int tlsrpt_is_txt(const char *txt, size_t len);

/* Parse a _mta-sts TXT record (RFC 8461 §3.1).  Returns 0 with the id
   (1 to 32 alphanumerics) in ID (size 33), or -1 with WHY. */
int mtasts_parse_txt(const char *txt, size_t len, char *id, char *why,
    size_t whylen);

struct mtasts_policy {
	enum mtasts_mode mode;
	long max_age;          /* seconds */
	char *mx[MTASTS_MX_MAX]; /* patterns, lower case, "*." allowed */
	size_t nmx;
	int unknown_keys;      /* ignored, as §3.2 says */
};

/* Parse a policy file body (RFC 8461 §3.2): "key: value" lines ended by
   CRLF (LF accepted), version STSv1, mode, max_age and, unless mode is
   none, at least one mx.  Returns 0 with P filled (free with
   mtasts_policy_free), or -1 with WHY naming the line. */
int mtasts_parse_policy(const char *body, size_t len,
    struct mtasts_policy *p, char *why, size_t whylen)
    __attribute__((warn_unused_result));
void mtasts_policy_free(struct mtasts_policy *p);
const char *mtasts_mode_name(enum mtasts_mode m);

/* Does MX host HOST (no final dot) match PATTERN ("mx.example.org" or
   "*.example.org", one label only, RFC 8461 §4.1)?  Case-insensitive. */
int mtasts_mx_match(const char *pattern, const char *host);

/* Parse a _smtp._tls TXT record (RFC 8460 §3): "v=TLSRPTv1;" then rua=
   with one or more mailto: or https: URIs (comma separated).  Returns the
   number of URIs (stored, malloc'd, in *RUA_R, free with
   tlsrpt_rua_free), or -1 with WHY. */
int tlsrpt_parse_txt(const char *txt, size_t len, char ***rua_r, char *why,
    size_t whylen) __attribute__((warn_unused_result));
void tlsrpt_rua_free(char **rua, size_t n);

#endif
