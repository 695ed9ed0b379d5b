/*
 * fuzz_conf: the udmail.yaml parser on arbitrary bytes.  An input either
 * loads into a consistent struct conf or fails with "fuzz.yaml:...".
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "errbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c;
	struct errbuf eb;
	char *f;
	int k;

	errbuf_clear(&eb);
	if ((c = conf_load_mem("fuzz.yaml", (const char *)data, size,
	    &eb)) == NULL) {
		assert(strncmp(eb.msg, "fuzz.yaml:", 10) == 0);
		return 0;
	}
	assert(c->hiera_files != NULL && c->hiera_files[c->hiera_count] ==
	    NULL);
	assert(c->shrink_max >= 0.0 && c->shrink_max <= 1.0);
	for (k = 0; k < OUTPUT_COUNT; k++) {
		if (!c->out[k].enabled)
			continue;
		assert(c->out[k].path != NULL && c->out[k].path[0] == '/');
		f = conf_output_file(&c->out[k], k);
		assert(f != NULL);
		free(f);
	}
	if (c->ldap.enabled)
		assert(c->ldap.base != NULL && c->ldap.uri != NULL);
	conf_free(&c);
	assert(c == NULL);
	return 0;
}
