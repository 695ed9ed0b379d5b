/*
 * tlsprobe: non-blocking sockets and OpenSSL driven by poll() against
 * one deadline, so a server that accepts and then says nothing costs at
 * most the caller's time.  The peer is never trusted for sizes: SMTP
 * replies and HTTP answers are read into bounded buffers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "dns.h"
#include "tlsprobe.h"

#define SMTP_REPLY_MAX 8192

static void
seterr(struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(struct errbuf *eb, const char *fmt, ...)
{
	va_list ap;

	if (eb->msg[0] != '\0')
		return; /* keep the first reason */
	va_start(ap, fmt);
	(void)vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
}

/* Wait until FD is ready for EV or DEADLINE passes: 1, 0 (time), -1. */
static int
wait_fd(int fd, short ev, double deadline)
{
	struct pollfd pfd;
	double left;
	int r;

	for (;;) {
		left = deadline - monotime_now();
		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = ev;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			continue; /* loop re-checks the deadline */
		return 1;
	}
}

static int
net_connect(int af, const unsigned char *addr, uint16_t port,
    double deadline, struct errbuf *eb)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, e;
	socklen_t el = sizeof(e);

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, 16);
		sl = sizeof(*s6);
	}
	if ((fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) ==
	    -1) {
		seterr(eb, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		if (errno != EINPROGRESS) {
			seterr(eb, "connect: %s", strerror(errno));
			goto fail;
		}
		if (wait_fd(fd, POLLOUT, deadline) != 1) {
			seterr(eb, "connect: timed out");
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1 ||
		    e != 0) {
			seterr(eb, "connect: %s", strerror(e ? e :
			    errno));
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int
send_all(int fd, const char *s, size_t n, double deadline)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, s, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (wait_fd(fd, POLLOUT, deadline) != 1)
				return -1;
			continue;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
tlsprobe_smtp_reply(const char *buf, size_t len, int *code_r)
{
	size_t ls = 0, ll, i;
	const char *nl;

	while ((nl = memchr(buf + ls, '\n', len - ls)) != NULL) {
		ll = (size_t)(nl - (buf + ls));
		if (ll > 0 && buf[ls + ll - 1] == '\r')
			ll--;
		if (ll < 3)
			return -1;
		for (i = 0; i < 3; i++)
			if (buf[ls + i] < '0' || buf[ls + i] > '9')
				return -1;
		if (buf[ls] < '2' || buf[ls] > '5' ||
		    (ll > 3 && buf[ls + 3] != ' ' && buf[ls + 3] != '-'))
			return -1;
		if (ls > 0 && memcmp(buf, buf + ls, 3) != 0)
			return -1; /* one reply, one code */
		if (ll == 3 || buf[ls + 3] == ' ') {
			*code_r = (buf[ls] - '0') * 100 + (buf[ls + 1] - '0') *
			    10 + (buf[ls + 2] - '0');
			return 1;
		}
		ls = (size_t)(nl - buf) + 1;
	}
	return 0;
}

int
tlsprobe_has_starttls(const char *reply, size_t len)
{
	const char *l = reply, *end = reply + len, *nl;
	size_t n;

	for (; l < end; l = nl + 1) {
		if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL)
			nl = end;
		n = (size_t)(nl - l);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if ((n == 12 || (n > 12 && l[12] == ' ')) &&
		    strncasecmp(l + 4, "STARTTLS", 8) == 0)
			return 1;
	}
	return 0;
}

/* One SMTP reply (RFC 5321 §4.2).  Returns the code, or -1 with EB.
   BUF (SIZE bytes, NUL-terminated) gets the reply text, *LEN_R its
   length. */
static int
smtp_reply(int fd, char *buf, size_t size, size_t *len_r, double deadline,
    struct errbuf *eb)
{
	size_t len = 0;
	ssize_t r;
	int code, rv;

	buf[0] = '\0';
	*len_r = 0;
	for (;;) {
		if ((rv = tlsprobe_smtp_reply(buf, len, &code)) == 1) {
			*len_r = len;
			return code;
		}
		if (rv == -1) {
			seterr(eb, "not an SMTP reply: %.60s", buf);
			return -1;
		}
		if (len + 1 >= size) {
			seterr(eb, "SMTP reply over %zu bytes", size);
			return -1;
		}
		r = recv(fd, buf + len, size - 1 - len, 0);
		if (r == 0) {
			seterr(eb, "connection closed by the server");
			return -1;
		}
		if (r == -1) {
			if (errno == EINTR)
				continue;
			if ((errno != EAGAIN && errno != EWOULDBLOCK) ||
			    wait_fd(fd, POLLIN, deadline) != 1) {
				seterr(eb, "SMTP reply: %s",
				    errno == EAGAIN || errno == EWOULDBLOCK ?
				    "timed out" : strerror(errno));
				return -1;
			}
			continue;
		}
		len += (size_t)r;
		buf[len] = '\0';
	}
}

/* Drive one SSL call that may want I/O; returns its result > 0, or <= 0
   with ERR when it failed or the deadline passed. */
static int
ssl_step(SSL *ssl, int fd, int rv, double deadline)
{
	switch (SSL_get_error(ssl, rv)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(fd, POLLIN, deadline) == 1 ? 0 : -1;
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(fd, POLLOUT, deadline) == 1 ? 0 : -1;
	default:
		return -1;
	}
}

static const char *
ssl_errstr(void)
{
	unsigned long e = ERR_peek_last_error();

	return e != 0 ? ERR_reason_error_string(e) : "handshake failed";
}

static SSL_CTX *
client_ctx(const char *ca_file, struct errbuf *eb)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		seterr(eb, "SSL_CTX_new failed");
		return NULL;
	}
	/* verification is recorded, not enforced: the caller judges */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* HTTP/1.0 servers close without close_notify: that ends the body */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	if ((ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, ca_file,
	    NULL) : SSL_CTX_set_default_verify_paths(ctx)) != 1) {
		seterr(eb, "%s: cannot load CA certificates",
		    ca_file != NULL ? ca_file : "system store");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct tlsprobe_ctx {
	SSL_CTX *ssl;
};

struct tlsprobe_ctx *
tlsprobe_ctx_new(const char *ca_file, struct errbuf *eb)
{
	struct tlsprobe_ctx *c;

	errbuf_clear(eb);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		seterr(eb, "out of memory");
		eb->errnum = ENOMEM;
		return NULL;
	}
	if ((c->ssl = client_ctx(ca_file, eb)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
tlsprobe_ctx_free(struct tlsprobe_ctx **ctxp)
{
	if (ctxp == NULL || *ctxp == NULL)
		return;
	SSL_CTX_free((*ctxp)->ssl);
	free(*ctxp);
	*ctxp = NULL;
}

/* The shared context's SSL_CTX with a reference of its own, or a new
   one. */
static SSL_CTX *
ctx_get(struct tlsprobe_ctx *shared, const char *ca_file,
    struct errbuf *eb)
{
	if (shared != NULL) {
		SSL_CTX_up_ref(shared->ssl);
		return shared->ssl;
	}
	return client_ctx(ca_file, eb);
}

/* TLS over FD.  Returns the connection, or NULL with EB. */
static SSL *
tls_start(SSL_CTX *ctx, int fd, const char *sni, double deadline,
    struct errbuf *eb)
{
	SSL *ssl;
	int rv;

	ERR_clear_error();
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		seterr(eb, "SSL_new failed");
		SSL_free(ssl);
		return NULL;
	}
	if (sni != NULL)
		(void)SSL_set_tlsext_host_name(ssl, sni);
	while ((rv = SSL_connect(ssl)) != 1)
		if (ssl_step(ssl, fd, rv, deadline) < 0) {
			seterr(eb, "TLS handshake: %s",
			    monotime_now() >= deadline ? "timed out" :
			    ssl_errstr());
			SSL_free(ssl);
			return NULL;
		}
	return ssl;
}

static STACK_OF(X509) *
chain_copy(SSL *ssl)
{
	STACK_OF(X509) *sent = SSL_get_peer_cert_chain(ssl);

	return sent != NULL ? X509_chain_up_ref(sent) : NULL;
}

static void
tls_close(SSL *ssl, int fd, const char *bye, double deadline)
{
	int rv, tries = 0;

	if (bye != NULL) {
		while ((rv = SSL_write(ssl, bye, (int)strlen(bye))) <= 0 &&
		    tries++ < 8)
			if (ssl_step(ssl, fd, rv, deadline) < 0)
				break;
	}
	(void)SSL_shutdown(ssl);
	SSL_free(ssl);
}

int
tlsprobe_run(struct tlsprobe *p)
{
	char buf[SMTP_REPLY_MAX], line[300];
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	size_t blen;
	int fd, code;

	p->connected = p->starttls = p->handshake = 0;
	p->banner[0] = p->version[0] = p->cipher[0] = '\0';
	errbuf_clear(&p->eb);
	p->chain = NULL;
	p->verify = -1;
	if ((ctx = ctx_get(p->ctx, p->ca_file, &p->eb)) ==
	    NULL)
		return -1;
	if ((fd = net_connect(p->af, p->addr, p->port, p->deadline,
	    &p->eb)) == -1) {
		SSL_CTX_free(ctx);
		return 0;
	}
	p->connected = 1;
	if (p->mode == TLSPROBE_STARTTLS) {
		code = smtp_reply(fd, buf, sizeof(buf), &blen, p->deadline,
		    &p->eb);
		(void)snprintf(p->banner, sizeof(p->banner), "%.*s",
		    (int)strcspn(buf, "\r\n"), code > 0 ? buf : "");
		if (code != 220) {
			seterr(&p->eb, "banner: %s", p->banner);
			goto out;
		}
		(void)snprintf(line, sizeof(line), "EHLO %s\r\n", p->helo);
		if (send_all(fd, line, strlen(line), p->deadline) == -1 ||
		    (code = smtp_reply(fd, buf, sizeof(buf), &blen,
		    p->deadline, &p->eb)) != 250) {
			seterr(&p->eb, "EHLO refused: %.100s",
			    buf);
			goto out;
		}
		if (!(p->starttls = tlsprobe_has_starttls(buf, blen))) {
			(void)send_all(fd, "QUIT\r\n", 6, p->deadline);
			goto out;
		}
		if (send_all(fd, "STARTTLS\r\n", 10, p->deadline) == -1 ||
		    (code = smtp_reply(fd, buf, sizeof(buf), &blen,
		    p->deadline, &p->eb)) != 220) {
			seterr(&p->eb, "STARTTLS refused: "
			    "%.100s", buf);
			goto out;
		}
	} else
		p->starttls = 1;
	if ((ssl = tls_start(ctx, fd, p->sni, p->deadline, &p->eb)) ==
	    NULL)
		goto out;
	p->handshake = 1;
	p->chain = chain_copy(ssl);
	p->verify = SSL_get_verify_result(ssl);
	(void)snprintf(p->version, sizeof(p->version), "%s",
	    SSL_get_version(ssl));
	(void)snprintf(p->cipher, sizeof(p->cipher), "%s",
	    SSL_get_cipher_name(ssl));
	tls_close(ssl, fd, "QUIT\r\n", p->deadline);
out:
	close(fd);
	SSL_CTX_free(ctx);
	return 0;
}

void
tlsprobe_free(struct tlsprobe *p)
{
	if (p->chain != NULL)
		sk_X509_pop_free(p->chain, X509_free);
	p->chain = NULL;
}

int
tlsprobe_http_head(const char *resp, size_t len, int *status_r, char *ctype,
    size_t ctsize, char *location, size_t locsize, size_t *body_r)
{
	const char *end, *l, *nl, *v;
	size_t n, vn;
	int i;

	ctype[0] = location[0] = '\0';
	*status_r = 0;
	if ((end = memmem(resp, len, "\r\n\r\n", 4)) == NULL || len < 12 ||
	    memcmp(resp, "HTTP/1.", 7) != 0 || resp[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++)
		if (resp[i] < '0' || resp[i] > '9')
			return -1;
	*status_r = (resp[9] - '0') * 100 + (resp[10] - '0') * 10 +
	    (resp[11] - '0');
	*body_r = (size_t)(end - resp) + 4;
	l = (const char *)memmem(resp, (size_t)(end - resp) + 2, "\r\n", 2) +
	    2;
	for (; l < end; l = nl + 2) {
		nl = memmem(l, (size_t)(end - l) + 2, "\r\n", 2);
		n = (size_t)(nl - l);
		if (memchr(l, '\0', n) != NULL)
			return -1;
		if (n > 13 && strncasecmp(l, "Content-Type:", 13) == 0) {
			v = l + 13;
			vn = n - 13;
		} else if (n > 9 && strncasecmp(l, "Location:", 9) == 0) {
			v = l + 9;
			vn = n - 9;
		} else
			continue;
		while (vn > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vn--;
		}
		if (l[0] == 'C' || l[0] == 'c')
			(void)snprintf(ctype, ctsize, "%.*s", (int)vn, v);
		else
			(void)snprintf(location, locsize, "%.*s", (int)vn, v);
	}
	return 0;
}

/* The name check on top of the chain check tls_start recorded. */
static void
https_verify(struct httpsget *g, SSL *ssl)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);

	g->verify = SSL_get_verify_result(ssl);
	if (g->verify == X509_V_OK && (leaf == NULL ||
	    X509_check_host(leaf, g->host, 0, 0, NULL) != 1))
		g->verify = X509_V_ERR_HOSTNAME_MISMATCH;
}

/* Send the GET and read the response into *RESP_R (*LEN_R bytes,
   NUL-terminated), at most CAP bytes of it.  Returns -1 with g->eb set,
   *RESP_R then still to free. */
static int
https_exchange(struct httpsget *g, SSL *ssl, int fd, size_t cap,
    char **resp_r, size_t *len_r)
{
	char req[600], *resp;
	size_t len = 0;
	int rv;

	/* HTTP/1.0: the answer ends with the connection, never chunked */
	(void)snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: maildnscheck\r\nConnection: close\r\n\r\n", g->path,
	    g->host);
	while ((rv = SSL_write(ssl, req, (int)strlen(req))) <= 0)
		if (ssl_step(ssl, fd, rv, g->deadline) < 0) {
			seterr(&g->eb, "HTTP request: %s", ssl_errstr());
			return -1;
		}
	if ((*resp_r = resp = malloc(cap + 1)) == NULL) {
		seterr(&g->eb, "out of memory");
		return -1;
	}
	for (;;) {
		if (len == cap) {
			g->too_large = 1;
			break;
		}
		rv = SSL_read(ssl, resp + len, (int)(cap - len));
		if (rv > 0) {
			len += (size_t)rv;
			continue;
		}
		if (SSL_get_error(ssl, rv) == SSL_ERROR_ZERO_RETURN ||
		    SSL_get_error(ssl, rv) == SSL_ERROR_SYSCALL)
			break; /* closed: Connection: close */
		if (ssl_step(ssl, fd, rv, g->deadline) < 0) {
			seterr(&g->eb, "HTTP response: %s",
			    monotime_now() >= g->deadline ? "timed out" :
			    ssl_errstr());
			return -1;
		}
	}
	resp[len] = '\0';
	*len_r = len;
	return 0;
}

/* The head of response RESP (LEN bytes) into G, and a copy of its body.
   Returns -1 with g->eb set. */
static int
https_body(struct httpsget *g, const char *resp, size_t len)
{
	size_t body = 0;
	char *nb;

	if (tlsprobe_http_head(resp, len, &g->status, g->content_type,
	    sizeof(g->content_type), g->location, sizeof(g->location),
	    &body) == -1) {
		seterr(&g->eb, "not an HTTP response");
		return -1;
	}
	if (len - body > g->max)
		g->too_large = 1;
	if ((nb = malloc(len - body + 1)) == NULL) {
		seterr(&g->eb, "out of memory");
		return -1;
	}
	memcpy(nb, resp + body, len - body);
	nb[len - body] = '\0';
	g->body = nb;
	g->len = len - body;
	return 0;
}

int
tlsprobe_https_get(struct httpsget *g)
{
	char *resp = NULL;
	size_t len = 0;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	int fd;

	g->connected = g->handshake = g->status = g->too_large = 0;
	g->verify = -1;
	g->content_type[0] = g->location[0] = '\0';
	errbuf_clear(&g->eb);
	g->body = NULL;
	g->len = 0;
	if ((ctx = ctx_get(g->ctx, g->ca_file, &g->eb)) == NULL)
		return -1;
	if ((fd = net_connect(g->af, g->addr, g->port, g->deadline,
	    &g->eb)) == -1) {
		SSL_CTX_free(ctx);
		return 0;
	}
	g->connected = 1;
	if ((ssl = tls_start(ctx, fd, g->host, g->deadline, &g->eb)) == NULL)
		goto out;
	g->handshake = 1;
	https_verify(g, ssl);
	/* the head on top of the body */
	if (https_exchange(g, ssl, fd, g->max + 8192, &resp, &len) == -1)
		goto out;
	(void)https_body(g, resp, len);
out:
	free(resp);
	if (ssl != NULL)
		tls_close(ssl, fd, NULL, g->deadline);
	close(fd);
	SSL_CTX_free(ctx);
	return 0;
}

void
tlsprobe_https_free(struct httpsget *g)
{
	free(g->body);
	g->body = NULL;
}
