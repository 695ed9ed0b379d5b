/*
 * fuzz_pwhash: the stored-hash parser (pwhash_inspect, needs_rehash and
 * the scheme name lookup).  No hashing: a hostile cost would only make
 * the fuzzer slow, and the limits are what pwhash_inspect enforces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pwhash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pwhash_info info;
	struct pwhash_floor fl;
	struct errbuf eb;
	enum pwhash_scheme sc;
	char *s;
	int a, b, r;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	a = pwhash_inspect(s, &info, &eb);
	b = pwhash_identify(s, &sc, &eb);
	if (a != b || (a == 0 && sc != info.scheme))
		abort();
	pwhash_floor_default(&fl);
	r = pwhash_needs_rehash(s, &fl, &eb);
	if ((a == -1) != (r == -1))
		abort();
	(void)pwhash_scheme_by_name(s);
	free(s);
	return 0;
}
