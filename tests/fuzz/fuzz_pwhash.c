/*
 * fuzz_pwhash: the stored-hash classifier (pwhash_prefix, inspect,
 * canonical, needs_rehash and the scheme name lookup).  No hashing: a
 * hostile cost would only make the fuzzer slow, and the limits are what
 * pwhash_inspect enforces.  Invariants: the calls agree on what is
 * usable; a published form starts with its {SCHEME}, parses again to
 * itself under the same scheme, and never adds a byte the passwd-file
 * could not carry that the stored value did not already hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pwfile.h"
#include "pwhash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_published(const char *s, const struct pwhash_info *info,
    const char *out)
{
	struct pwhash_info again;
	char out2[PWHASH_MAX];
	struct errbuf eb;
	const char *body;
	size_t n = strlen(out);

	if (pwhash_prefix(out, NULL, NULL, &body) != 1 || *body == '\0' ||
	    n >= PWHASH_MAX)
		abort();
	/* the body is a piece of the stored value */
	if (info->body_len != strlen(body) ||
	    memcmp(body, info->body, info->body_len) != 0 ||
	    info->body < s || info->body + info->body_len > s + strlen(s))
		abort();
	if (pwhash_canonical(out, out2, &again, &eb) != 0 ||
	    strcmp(out, out2) != 0 || again.scheme != info->scheme ||
	    again.bare)
		abort();
	if (strchr(s, ':') == NULL && pwfile_check("u", out, &eb) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pwhash_info info;
	struct pwhash_floor fl;
	struct errbuf eb;
	enum pwhash_scheme sc;
	char *s, out[PWHASH_MAX];
	int a, b, c, r;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	a = pwhash_inspect(s, &info, &eb);
	b = pwhash_identify(s, &sc, &eb);
	if (a != b || (a == 0 && sc != info.scheme))
		abort();
	c = pwhash_canonical(s, out, &info, &eb);
	if (c == 0)
		check_published(s, &info, out);
	else if (out[0] != '\0')
		abort();
	/* only a too-long published form separates the two */
	if (a == -1 && c == 0)
		abort();
	pwhash_floor_default(&fl);
	r = pwhash_needs_rehash(s, &fl, &eb);
	if ((a == -1) != (r == -1))
		abort();
	if (pwhash_prefix(s, NULL, NULL, NULL) == -1 && a == 0)
		abort();
	(void)pwhash_scheme_by_name(s);
	free(s);
	return 0;
}
