/* fuzz_dkim: the DKIM selector record (tag list, base64, key decoding). */
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
	unsigned char *out;
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
	if (dc_base64_decode(txt, size, &out) >= 0)
		free(out);
	dnscheck_dkim_record(&run, "sel", txt, size, NULL, NULL);
	for (i = 0; i < res.nf; i++) {
		free(res.f[i].id);
		free(res.f[i].subject);
		free(res.f[i].message);
		free(res.f[i].expected);
		free(res.f[i].actual);
	}
	free(res.f);
	for (i = 0; i < res.nm; i++)
		free(res.m[i].v1), free(res.m[i].k1);
	free(res.m);
	free(txt);
	return 0;
}
