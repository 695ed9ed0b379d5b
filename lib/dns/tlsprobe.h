/*
 * tlsprobe: one bounded TLS conversation with a mail or web server, for
 * the live checks of maildnscheck.  SMTP with STARTTLS (RFC 3207, ports
 * 25 and 587), implicit TLS (RFC 8314, port 465) or HTTPS GET (the
 * MTA-STS policy, RFC 8461 §3.3).  Every step has the caller's deadline;
 * nothing here judges the result beyond what TLS itself reports.
 */
#ifndef UDMAIL_TLSPROBE_H
#define UDMAIL_TLSPROBE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "errbuf.h"

/* The TLS client settings every probe of a run shares: loading the
   system's trust store costs tens of milliseconds, once is enough.
   Returns NULL and fills EB when the CA file cannot be loaded. */
struct tlsprobe_ctx;
struct tlsprobe_ctx *tlsprobe_ctx_new(const char *ca_file,
    struct errbuf *eb);
void tlsprobe_ctx_free(struct tlsprobe_ctx **ctxp);

enum tlsprobe_mode {
	TLSPROBE_STARTTLS, /* SMTP: banner, EHLO, STARTTLS, handshake */
	TLSPROBE_IMPLICIT  /* handshake at once */
};

struct tlsprobe {
	/* in */
	int af;                  /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	uint16_t port;
	enum tlsprobe_mode mode;
	const char *sni;         /* server name sent (may be NULL) */
	const char *helo;        /* EHLO name */
	const char *ca_file;     /* PKIX trust anchors; NULL: the system's */
	struct tlsprobe_ctx *ctx; /* shared settings (may be NULL: CA_FILE) */
	double deadline;         /* monotime_now() time */
	/* out */
	int connected;
	int starttls;            /* STARTTLS offered (always 1 if implicit) */
	int handshake;           /* the TLS handshake completed */
	char banner[200];
	char version[32];
	char cipher[64];
	STACK_OF(X509) *chain;   /* as sent, leaf first; NULL before TLS */
	long verify;             /* X509_V_OK when the chain is trusted */
	struct errbuf eb;        /* why the conversation stopped early */
};

/* Talk to P's server until the TLS handshake is done (then say QUIT).
   Returns 0 with the out fields set (a refused connection is a 0 return
   too: see CONNECTED and EB), or -1 with EB on a local failure. */
int tlsprobe_run(struct tlsprobe *p) __attribute__((warn_unused_result));
void tlsprobe_free(struct tlsprobe *p);

struct httpsget {
	/* in */
	int af;
	unsigned char addr[16];
	uint16_t port;
	const char *host;        /* SNI, Host header, name verified */
	const char *path;
	const char *ca_file;
	struct tlsprobe_ctx *ctx;
	double deadline;
	size_t max;              /* largest body accepted */
	/* out */
	int connected;
	int handshake;
	long verify;             /* X509_V_OK: trusted and valid for HOST */
	int status;              /* HTTP status, 0 if none */
	char content_type[100];
	char location[200];      /* of a redirect */
	char *body;              /* malloc'd, NUL-terminated */
	size_t len;
	int too_large;
	struct errbuf eb;        /* why the fetch stopped early */
};

/* GET https://HOST/PATH from the given address.  Returns 0 with the out
   fields set, or -1 with EB on a local failure. */
int tlsprobe_https_get(struct httpsget *g)
    __attribute__((warn_unused_result));
void tlsprobe_https_free(struct httpsget *g);

/* The parsers of what servers send, for tests and fuzzing.
   tlsprobe_smtp_reply: BUF (LEN bytes) against RFC 5321 §4.2: 1 with
   *CODE_R when it holds a whole reply, 0 when more is needed, -1 when it
   is not an SMTP reply.  tlsprobe_has_starttls: an EHLO reply offers
   STARTTLS.  tlsprobe_http_head: status line, Content-Type and Location
   of an HTTP response head; 0 with *BODY_R the body's offset, or -1. */
int tlsprobe_smtp_reply(const char *buf, size_t len, int *code_r);
int tlsprobe_has_starttls(const char *reply, size_t len);
int tlsprobe_http_head(const char *resp, size_t len, int *status_r,
    char *ctype, size_t ctsize, char *location, size_t locsize,
    size_t *body_r);

#endif
