/*
 * dns_unbound_wire: DNS wire format as libunbound hands it over: the
 * RDATA of the types the checks read, and the CNAME chain of a whole
 * answer packet.  Pure parsers of hostile bytes: every name is bounded,
 * every compression pointer must jump backwards.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns_unbound.h"

/* Decode a domain name at *OFF in MSG.  Compression pointers are followed
   only when ALLOW_PTR (whole messages); every jump must go backwards. */
static int
wire_name(const unsigned char *msg, size_t len, size_t *off, int allow_ptr,
    struct buf *out)
{
	size_t p = *off, end = 0, total = 0;
	int jumped = 0, hops = 0;
	unsigned l, i;

	buf_reset(out);
	for (;;) {
		if (p >= len)
			return -1;
		l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			size_t q;

			if (!allow_ptr || p + 1 >= len || ++hops > 64)
				return -1;
			q = ((size_t)(l & 0x3f) << 8) | msg[p + 1];
			if (q >= p)
				return -1;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			p = q;
			continue;
		}
		if ((l & 0xc0) != 0)
			return -1;
		if (l == 0) {
			p++;
			break;
		}
		if (p + 1 + l > len || (total += l + 1) > 255)
			return -1;
		if (out->len > 0 && buf_putc(out, '.') == -1)
			return -1;
		for (i = 0; i < l; i++) {
			unsigned char c = msg[p + 1 + i];

			if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f) {
				if (buf_printf(out, "\\%03u", c) == -1)
					return -1;
			} else if (buf_putc(out, (char)tolower(c)) == -1)
				return -1;
		}
		p += 1 + l;
	}
	*off = jumped ? end : p;
	if (out->data == NULL && buf_puts(out, "") == -1)
		return -1;
	return 0;
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

/* The name at OFF in RDATA RD that ends it (MX, SRV, PTR, CNAME, NS).
   Returns 0, or -1 when malformed. */
static int
rd_name(struct dns_rr *rr, const unsigned char *rd, size_t len, size_t off)
{
	struct buf name = BUF_INIT;

	if (wire_name(rd, len, &off, 0, &name) == -1 || off != len) {
		buf_free(&name);
		return -1;
	}
	rr->name = name.data;
	return 0;
}

/* TXT and SPF: the character-strings of RD joined.  Returns 0, 1 when
   malformed, or -1 with EB set when out of memory. */
static int
rd_txt(struct dns_rr *rr, const unsigned char *rd, size_t len,
    struct errbuf *eb)
{
	struct buf b = BUF_INIT;
	size_t off = 0;

	if (len == 0)
		return 1;
	while (off < len) {
		size_t l = rd[off];

		if (off + 1 + l > len) {
			buf_free(&b);
			return 1;
		}
		if (l > 0 && buf_append(&b, rd + off + 1, l) == -1)
			goto nomem;
		off += 1 + l;
	}
	if (b.data == NULL && buf_puts(&b, "") == -1)
		goto nomem;
	rr->txt = b.data;
	rr->txtlen = b.len;
	return 0;
nomem:
	errbuf_syserr(eb, "rdata");
	buf_free(&b);
	return -1;
}

int
dns_unbound_rr_parse(uint16_t type, const unsigned char *rd, size_t len,
    struct dns_rr *rr, struct errbuf *eb)
{
	int rv;

	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	if ((rr->rdata = malloc(len ? len : 1)) == NULL) {
		errbuf_syserr(eb, "rdata");
		return -1;
	}
	if (len > 0)
		memcpy(rr->rdata, rd, len);
	rr->rdlen = len;
	switch (type) {
	case DNS_T_A:
		if (len != 4)
			goto bad;
		break;
	case DNS_T_AAAA:
		if (len != 16)
			goto bad;
		break;
	case DNS_T_MX:
		if (len < 3)
			goto bad;
		rr->pref = get16(rd);
		if (rd_name(rr, rd, len, 2) == -1)
			goto bad;
		break;
	case DNS_T_SRV:
		if (len < 7)
			goto bad;
		rr->pref = get16(rd);
		rr->weight = get16(rd + 2);
		rr->port = get16(rd + 4);
		if (rd_name(rr, rd, len, 6) == -1)
			goto bad;
		break;
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		if (rd_name(rr, rd, len, 0) == -1)
			goto bad;
		break;
	case DNS_T_TXT:
	case DNS_T_SPF:
		if ((rv = rd_txt(rr, rd, len, eb)) == -1)
			goto fail;
		if (rv == 1)
			goto bad;
		break;
	case DNS_T_TLSA:
		if (len < 3)
			goto bad;
		break;
	default:
		break;
	}
	return 0;
bad:
	errbuf_set(eb, "malformed RDATA of type %u (%zu octets)", type, len);
fail:
	free(rr->rdata);
	free(rr->name);
	memset(rr, 0, sizeof(*rr));
	return -1;
}

int
dns_unbound_packet_cnames(const unsigned char *pkt, size_t len,
    char ***owners_r, char ***targets_r, size_t *n_r, uint32_t *minttl_r)
{
	struct buf owner = BUF_INIT, target = BUF_INIT;
	char **ov = NULL, **tv = NULL, **t;
	size_t off = 12, n = 0, i, rdlen, end;
	unsigned qd, an;
	uint32_t ttl, minttl = UINT32_MAX;
	uint16_t type;

	*owners_r = *targets_r = NULL;
	*n_r = 0;
	if (len < 12)
		return -1;
	qd = get16(pkt + 4);
	an = get16(pkt + 6);
	for (i = 0; i < qd; i++) {
		if (wire_name(pkt, len, &off, 1, &owner) == -1 || off + 4 > len)
			goto fail;
		off += 4;
	}
	for (i = 0; i < an; i++) {
		if (wire_name(pkt, len, &off, 1, &owner) == -1 || off + 10 > len)
			goto fail;
		type = get16(pkt + off);
		ttl = get32(pkt + off + 4);
		rdlen = get16(pkt + off + 8);
		off += 10;
		if (off + rdlen > len)
			goto fail;
		end = off + rdlen;
		if (type == DNS_T_CNAME) {
			if (wire_name(pkt, len, &off, 1, &target) == -1 ||
			    off != end)
				goto fail;
			if ((t = reallocarray(ov, n + 1, sizeof(*ov))) == NULL)
				goto fail;
			ov = t;
			if ((t = reallocarray(tv, n + 1, sizeof(*tv))) == NULL)
				goto fail;
			tv = t;
			ov[n] = owner.data;
			tv[n] = target.data;
			owner.data = target.data = NULL;
			owner.len = owner.cap = target.len = target.cap = 0;
			n++;
			if (ttl < minttl)
				minttl = ttl;
		}
		off = end;
	}
	buf_free(&owner);
	buf_free(&target);
	*owners_r = ov;
	*targets_r = tv;
	*n_r = n;
	if (minttl_r != NULL)
		*minttl_r = minttl;
	return 0;
fail:
	buf_free(&owner);
	buf_free(&target);
	dns_strv_free(ov, n);
	dns_strv_free(tv, n);
	return -1;
}
