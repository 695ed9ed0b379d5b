/*
 * fuzz_dnsexpect: maildnscheck's expected-state parser on arbitrary
 * bytes.  An input either loads into consistent structs or fails with
 * "fuzz.yaml:...".
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsexpect.h"
#include "errbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsexpect *e = NULL;
	struct errbuf eb;
	size_t i, k;

	errbuf_clear(&eb);
	if (dnsexpect_parse((const char *)data, size, "fuzz.yaml", "/base", &e,
	    &eb) == -1) {
		assert(e == NULL);
		assert(strncmp(eb.msg, "fuzz.yaml:", 10) == 0);
		return 0;
	}
	for (i = 0; i < e->nd; i++) {
		const struct dnsexpect_domain *d = &e->d[i];

		assert(d->name != NULL && *d->name != '\0');
		assert(dnsexpect_find(e, d->name) == d);
		for (k = 0; k < d->nmx; k++)
			assert(d->mx[k].host != NULL);
		for (k = 0; k < d->nack; k++)
			assert(d->ack[k].id != NULL && d->ack[k].reason !=
			    NULL && strlen(d->ack[k].until) == 10);
		for (k = 0; k < d->ndkim; k++)
			assert(!(d->dkim[k].revoked && d->dkim[k].key != NULL));
		for (k = 0; k < d->ntls; k++)
			assert(d->tls[k].host != NULL);
		assert(d->deadline >= 0 && d->deadline <= 3600);
	}
	dnsexpect_free(&e);
	assert(e == NULL);
	return 0;
}
