/* fuzz_mtasts: the MTA-STS TXT and policy parsers and the TLS-RPT TXT
   parser (RFC 8461, RFC 8460) on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mtasts_policy p;
	char id[33], why[200], **rua = NULL;
	size_t i;
	int n;

	if (mtasts_parse_txt(s, size, id, why, sizeof(why)) == 0 &&
	    (strlen(id) == 0 || strlen(id) > 32))
		abort();
	if (mtasts_parse_policy(s, size, &p, why, sizeof(why)) == 0) {
		if (p.max_age < 0 || p.max_age > MTASTS_MAX_AGE_MAX ||
		    p.nmx > MTASTS_MX_MAX)
			abort();
		for (i = 0; i < p.nmx; i++)
			(void)mtasts_mx_match(p.mx[i], "mx.example.org");
		mtasts_policy_free(&p);
	}
	if ((n = tlsrpt_parse_txt(s, size, &rua, why, sizeof(why))) > 0)
		tlsrpt_rua_free(rua, (size_t)n);
	else if (n == -1 && rua != NULL)
		abort();
	return 0;
}
