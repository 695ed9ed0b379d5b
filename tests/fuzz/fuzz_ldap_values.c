/*
 * fuzz_ldap_values: the value checks and the account state rules of
 * src_ldap on arbitrary bytes.  Input: up to three NUL-separated fields
 * (userPassword, shadowExpire, accountStatus); the whole input also goes
 * through the uid, forward and password checks, the filter escaper, and,
 * as a DN, through src_ldap_dn_uid (libldap's DN parser): a name it
 * gives must be a usable uid, a refusal must say why and give none.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src_ldap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[3] = { NULL, NULL, NULL };
	char *s, *p, *esc;
	const char *why[3];
	char name[SRC_LDAP_UID_MAX + 1];
	struct errbuf eb;
	size_t i, n = 0;
	time_t now;

	why[0] = src_ldap_uid_problem((const char *)data, size);
	why[1] = src_ldap_forward_problem((const char *)data, size);
	why[2] = src_ldap_password_problem((const char *)data, size);
	for (i = 0; i < 3; i++)
		if (why[i] != NULL && strlen(why[i]) == 0)
			abort();
	errbuf_clear(&eb);
	if (src_ldap_dn_uid((const char *)data, size, "uid", name,
	    sizeof(name), &eb) == 0) {
		if (src_ldap_uid_problem(name, strlen(name)) != NULL)
			abort();
	} else if (name[0] != '\0' || eb.msg[0] == '\0') {
		abort();
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (p = s; n < 3 && p <= s + size; p += strlen(p) + 1)
		f[n++] = p;
	now = size > 0 ? (time_t)data[0] * 86400 * 200 : 0;
	if (src_ldap_state(f[0], f[1], f[2], now, 186) > ACCOUNT_RETIRED)
		abort();
	if ((esc = src_ldap_filter_escape(s)) != NULL) {
		if (strpbrk(esc, "*()") != NULL)
			abort();
		free(esc);
	}
	free(s);
	return 0;
}
