/*
 * fuzz_hiera: the Hiera export parser on arbitrary bytes.  Every input
 * must either load or fail with a positioned message; loading twice into
 * one hiera_data exercises the merge and the domain cross-check.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "errbuf.h"
#include "log.h"
#include "src_hiera.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(enum log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hiera_data hd;
	struct errbuf eb;
	size_t i, before;

	log_set_hook(quiet, NULL);
	memset(&hd, 0, sizeof(hd));
	errbuf_clear(&eb);
	if (src_hiera_load_mem(&hd, "fuzz.yaml", (const char *)data, size, NULL,
		&eb) == -1) {
		assert(strncmp(eb.msg, "fuzz.yaml:", 10) == 0);
		assert(hd.nfiles == 0 && hd.naliases == 0);
	} else {
		before = hd.naliases;
		for (i = 0; i < hd.naliases; i++)
			assert(hd.aliases[i].ntargets > 0 &&
			    hd.aliases[i].origin.line > 0);
		if (src_hiera_load_mem(&hd, "again.yaml", (const char *)data,
			size, NULL, &eb) == 0)
			assert(hd.naliases == 2 * before && hd.nfiles == 2);
	}
	src_hiera_free(&hd);
	return 0;
}
