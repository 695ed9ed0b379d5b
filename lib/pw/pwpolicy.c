/*
 * pwpolicy: the password rules of mailpw set/hash/generate.  Length is
 * counted in code points so a policy of 12 means 12 characters to the
 * user, whatever their script.
 */
#include <ctype.h>
#include <string.h>

#include "pwpolicy.h"
#include "utf8.h"

void
pwpolicy_default(struct conf_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->min_length = 12;
	pol->max_length = 1024;
	pol->allow_username = 0;
	pol->argon2_t = 3;
	pol->argon2_m_kib = 65536;
	pol->argon2_p = 1;
}

static int
input_chars(const struct conf_policy *pol, const char *pw, size_t len,
    size_t *nchars, struct errbuf *eb)
{
	const unsigned char *p = (const unsigned char *)pw;
	unsigned long cp;
	size_t i = 0, k;

	*nchars = 0;
	if (len == 0) {
		errbuf_set(eb, "password is empty");
		return -1;
	}
	if (pol->max_length > 0 && len > (size_t)pol->max_length) {
		errbuf_set(eb, "password longer than %d bytes",
		    pol->max_length);
		return -1;
	}
	if (memchr(pw, '\0', len) != NULL) {
		errbuf_set(eb, "password contains a NUL byte");
		return -1;
	}
	while (i < len) {
		if ((k = utf8_next(p + i, len - i, &cp)) == 0) {
			errbuf_set(eb, "password is not valid UTF-8 (byte %zu)",
			    i + 1);
			return -1;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			errbuf_set(eb, "password contains a control character "
			    "(character %zu)", *nchars + 1);
			return -1;
		}
		i += k;
		(*nchars)++;
	}
	return 0;
}

int
pwpolicy_check_input(const struct conf_policy *pol, const char *pw,
    size_t len, struct errbuf *eb)
{
	size_t n;

	return input_chars(pol, pw, len, &n, eb);
}

/* ASCII case-insensitive memmem. */
static int
contains_ci(const char *hay, size_t hlen, const char *needle)
{
	size_t nlen = strlen(needle), i, j;

	if (nlen == 0 || nlen > hlen)
		return 0;
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++)
			if (tolower((unsigned char)hay[i + j]) !=
			    tolower((unsigned char)needle[j]))
				break;
		if (j == nlen)
			return 1;
	}
	return 0;
}

int
pwpolicy_check(const struct conf_policy *pol, const char *uid,
    const char *pw, size_t len, struct errbuf *eb)
{
	size_t n;

	if (input_chars(pol, pw, len, &n, eb) == -1)
		return -1;
	if (n < (size_t)pol->min_length) {
		errbuf_set(eb, "password shorter than %d characters",
		    pol->min_length);
		return -1;
	}
	if (!pol->allow_username && uid != NULL && uid[0] != '\0') {
		/* One- and two-letter uids would forbid half the alphabet:
		   only equality counts for them. */
		if (strlen(uid) < 3 ? (strlen(uid) == len &&
		    contains_ci(pw, len, uid)) : contains_ci(pw, len, uid)) {
			errbuf_set(eb, "password contains the user name");
			return -1;
		}
	}
	return 0;
}
