/* fuzz_tlsprobe: what a hostile server may send to maildnscheck --live
   (SMTP replies, EHLO keywords, HTTP heads), on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char ct[100], loc[200];
	size_t body;
	int code, st;

	if (tlsprobe_smtp_reply(s, size, &code) == 1 &&
	    (code < 200 || code > 599))
		abort();
	(void)tlsprobe_has_starttls(s, size);
	if (tlsprobe_http_head(s, size, &st, ct, sizeof(ct), loc, sizeof(loc),
	    &body) == 0 && (body > size || st < 0 || st > 999 ||
	    strlen(ct) >= sizeof(ct)))
		abort();
	return 0;
}
