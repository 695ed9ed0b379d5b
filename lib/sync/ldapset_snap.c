/*
 * ldapset_snap: the entries held, written to the state directory at a
 * clean exit (hashes apart, beside the passwd-file) and read back at the
 * next start, so that it asks LDAP only for what changed since.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "ldapset.h"
#include "ldapset_int.h"
#include "spill.h"

/* The snapshot: records in the set's order, each
     uuid[16] flags state bad(2) 0(4) slen(4) strings
   (integers little-endian), with the hashes apart, each len(2) bytes,
   in the same order; then an end record: uuid and flags zero, "END!"
   where the zero is and the count of records where slen is, so that a
   file cut at a record boundary is refused too. */
#define SNAP_HEAD 28
#define SNAP_END  0x21444e45U

static void
put_le(unsigned char *p, uint32_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get_le(const unsigned char *p, int n)
{
	uint32_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Append N bytes to B, writing B out to FD when it fills. */
static int
out_put(struct buf *b, int fd, const void *p, size_t n)
{
	if (b->len + n > 65536) {
		if (write_all(fd, b->data, b->len) == -1)
			return -1;
		sodium_memzero(b->data, b->len);
		buf_reset(b);
	}
	return buf_append(b, p, n);
}

static int
out_flush(struct buf *b, int fd)
{
	int r = b->len > 0 ? write_all(fd, b->data, b->len) : 0;

	buf_wipe_free(b);
	return r;
}

int
ldapset_save(const struct ldapset *set, int fd, int hfd, struct errbuf *eb)
{
	struct buf o = BUF_INIT, h = BUF_INIT;
	unsigned char head[SNAP_HEAD], len2[2];
	char pw[SPILL_STR_MAX + 1];
	const struct lsrec *r;
	size_t i, slen, plen;
	int rc = -1, bad;

	for (i = 0; i < set->n; i++) {
		r = &set->v[i];
		slen = rec_len(r);
		memcpy(head, r->uuid, LDAPSET_UUID_LEN);
		head[16] = r->flags;
		head[17] = r->state;
		put_le(head + 18, r->bad, 2);
		put_le(head + 20, 0, 4);
		put_le(head + 24, (uint32_t)slen, 4);
		if (out_put(&o, fd, head, sizeof(head)) == -1 ||
		    (slen > 0 && out_put(&o, fd, r->str, slen) == -1))
			goto syserr;
		if (!(r->flags & LS_PASSWORD))
			continue;
		if (spill_get(set->spill, r->pwref, pw, sizeof(pw), eb) == -1)
			goto out;
		put_le(len2, (uint32_t)strlen(pw), 2);
		plen = strlen(pw);
		bad = out_put(&h, hfd, len2, 2) == -1 ||
		    out_put(&h, hfd, pw, plen) == -1;
		sodium_memzero(pw, plen);
		if (bad)
			goto syserr;
	}
	memset(head, 0, sizeof(head));
	put_le(head + 20, SNAP_END, 4);
	put_le(head + 24, (uint32_t)set->n, 4);
	if (out_put(&o, fd, head, sizeof(head)) == -1 ||
	    out_flush(&o, fd) == -1 || out_flush(&h, hfd) == -1)
		goto syserr;
	rc = 0;
	goto out;
syserr:
	errbuf_syserr(eb, "ldap entries: snapshot");
out:
	buf_free(&o);
	buf_wipe_free(&h);
	return rc;
}

/* Read exactly N bytes from F. */
static int
in_get(FILE *f, void *p, size_t n)
{
	return n == 0 || fread(p, 1, n, f) == n ? 0 : -1;
}

int
ldapset_load(struct ldapset *set, FILE *f, FILE *hf, struct errbuf *eb)
{
	unsigned char head[SNAP_HEAD], len2[2];
	char pw[SPILL_STR_MAX + 1];
	static const unsigned char zero[LDAPSET_UUID_LEN + 4];
	struct lsrec r;
	size_t slen, plen, nrec = 0;
	int rc;

	for (;; nrec++) {
		memset(&r, 0, sizeof(r));
		if (in_get(f, head, sizeof(head)) == -1)
			goto bad;
		if (get_le(head + 20, 4) == SNAP_END) {
			if (memcmp(head, zero, sizeof(zero)) != 0 ||
			    get_le(head + 24, 4) != nrec || getc(f) != EOF)
				goto bad;
			break;
		}
		memcpy(r.uuid, head, LDAPSET_UUID_LEN);
		r.flags = head[16];
		r.state = head[17];
		r.bad = (uint16_t)get_le(head + 18, 2);
		slen = get_le(head + 24, 4);
		r.gen = set->gen;
		if (r.state > ACCOUNT_RETIRED || slen > (1U << 20) ||
		    get_le(head + 20, 4) != 0 ||
		    ((r.flags & (LS_ACCOUNT | LS_WARN)) != 0) != (slen > 0))
			goto bad;
		if (slen > 0 && (r.str = malloc(slen)) == NULL) {
			errbuf_syserr(eb, "ldap entries: snapshot");
			return -1;
		}
		if (in_get(f, r.str, slen) == -1 || (slen > 0 &&
		    rec_strings(r.str, slen, r.flags, NULL) != (long)slen)) {
			free(r.str);
			goto bad;
		}
		set->str_bytes += slen;
		if (r.flags & LS_PASSWORD) {
			if (set->spill == NULL || in_get(hf, len2, 2) == -1 ||
			    (plen = get_le(len2, 2)) == 0 ||
			    in_get(hf, pw, plen) == -1) {
				rec_clear(set, &r);
				goto bad;
			}
			pw[plen] = '\0';
			rc = spill_put(set->spill, pw, &r.pwref, eb);
			sodium_memzero(pw, plen);
			if (rc != 0) {
				rec_clear(set, &r);
				return -1;
			}
		}
		if (ldapset_insert(set, &r, eb) == -1)
			return -1;
	}
	if (ferror(f) || (hf != NULL && getc(hf) != EOF))
		goto bad;
	return 0;
bad:
	errbuf_set(eb, "ldap entries: snapshot damaged");
	return -1;
}
