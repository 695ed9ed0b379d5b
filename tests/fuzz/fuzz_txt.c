/* fuzz_txt: RDATA parsing of the libunbound backend (first byte picks
   the type) and CNAME extraction from a whole DNS message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_unbound.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX,
		DNS_T_TXT, DNS_T_PTR, DNS_T_SRV, DNS_T_TLSA, DNS_T_CNAME };
	struct dns_rr rr;
	struct errbuf eb;
	char **o, **t;
	size_t n, i;
	uint32_t ttl;

	if (size == 0)
		return 0;
	if (dns_unbound_rr_parse(types[data[0] % 8], data + 1, size - 1, &rr,
	    &eb) == 0) {
		free(rr.rdata);
		free(rr.name);
		free(rr.txt);
	}
	if (dns_unbound_packet_cnames(data, size, &o, &t, &n, &ttl) == 0) {
		for (i = 0; i < n; i++) {
			free(o[i]);
			free(t[i]);
		}
		free(o);
		free(t);
	}
	return 0;
}
