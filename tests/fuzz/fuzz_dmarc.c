/* fuzz_dmarc: the DMARC record lint (tag list, policies, URIs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnscheck_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnscheck_result res;
	struct dnscheck_opts o;
	struct dnscheck_run run;
	struct dc_dmarc d;
	struct dc_tags t;
	const char *why;
	struct errbuf eb;
	char *txt;
	size_t i;

	memset(&res, 0, sizeof(res));
	memset(&o, 0, sizeof(o));
	memset(&run, 0, sizeof(run));
	run.o = &o;
	run.res = &res;
	run.domain = "fuzz.test";
	if ((txt = malloc(size + 1)) == NULL)
		return 0;
	memcpy(txt, data, size);
	txt[size] = '\0';
	if (dc_tags_parse(txt, size, &t, &eb) == 0)
		dc_tags_free(&t);
	if (!dc_dmarc_is_record(txt, size, &why) && strlen(why) == 0)
		abort(); /* a discarded record always has a reason */
	dnscheck_dmarc_record(&run, "fuzz.test", txt, size, NULL, &d);
	dc_dmarc_free(&d);
	for (i = 0; i < res.nf; i++) {
		free(res.f[i].id);
		free(res.f[i].subject);
		free(res.f[i].message);
		free(res.f[i].expected);
		free(res.f[i].actual);
	}
	free(res.f);
	free(txt);
	return 0;
}
