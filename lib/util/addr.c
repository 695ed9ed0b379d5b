/*
 * addr: mailbox syntax checks.  Everything we accept can be written into
 * a Postfix table and a passwd-file without quoting: no whitespace, no
 * ':', no control characters, ASCII only.
 */
#include <string.h>

#include "addr.h"

/* atext of RFC 5322 §3.2.3 */
static int
addr_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

int
addr_check_local(const char *s, size_t len, struct errbuf *eb)
{
	size_t i;

	if (len == 0) {
		errbuf_set(eb, "empty local part");
		return -1;
	}
	if (len > ADDR_LOCAL_MAX) {
		errbuf_set(eb, "local part longer than %d characters",
		    ADDR_LOCAL_MAX);
		return -1;
	}
	if (s[0] == '.' || s[len - 1] == '.') {
		errbuf_set(eb, "local part starts or ends with a dot");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.') {
				errbuf_set(eb, "two dots in a row");
				return -1;
			}
			continue;
		}
		if (!addr_atext(c)) {
			if (c < 0x20 || c == 0x7f)
				errbuf_set(eb, "control character in local part");
			else if (c >= 0x80)
				errbuf_set(eb, "non-ASCII character in local part");
			else
				errbuf_set(eb, "character '%c' not allowed in "
				    "local part", c);
			return -1;
		}
	}
	return 0;
}

int
addr_check_domain(const char *s, size_t len, int need_dot, struct errbuf *eb)
{
	size_t i, label = 0;
	int dots = 0;

	if (len == 0) {
		errbuf_set(eb, "empty domain");
		return -1;
	}
	if (len > ADDR_DOMAIN_MAX) {
		errbuf_set(eb, "domain longer than %d characters",
		    ADDR_DOMAIN_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-') {
				errbuf_set(eb, "empty label or label ending "
				    "in '-' in domain");
				return -1;
			}
			label = 0;
			dots++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-')) {
			if (c >= 0x80)
				errbuf_set(eb, "non-ASCII character in domain "
				    "(use the A-label form)");
			else if (c < 0x20 || c == 0x7f)
				errbuf_set(eb, "control character in domain");
			else
				errbuf_set(eb, "character '%c' not allowed in "
				    "domain", c);
			return -1;
		}
		if (label == 0 && c == '-') {
			errbuf_set(eb, "domain label starts with '-'");
			return -1;
		}
		if (++label > 63) {
			errbuf_set(eb, "domain label longer than 63 characters");
			return -1;
		}
	}
	if (label == 0 || s[len - 1] == '-') {
		errbuf_set(eb, "domain ends with '.' or '-'");
		return -1;
	}
	if (need_dot && dots == 0) {
		errbuf_set(eb, "domain has no dot");
		return -1;
	}
	return 0;
}

char *
addr_lower(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

int
addr_normalize(const char *s, int fold_local, char *out, size_t outsz,
    struct errbuf *eb)
{
	const char *at;
	size_t len = strlen(s), llen;

	if (len > ADDR_MAX || len >= outsz) {
		errbuf_set(eb, "address longer than %d characters", ADDR_MAX);
		return -1;
	}
	if ((at = strchr(s, '@')) == NULL) {
		errbuf_set(eb, "no '@' in address");
		return -1;
	}
	if (strchr(at + 1, '@') != NULL) {
		errbuf_set(eb, "more than one '@' in address");
		return -1;
	}
	llen = (size_t)(at - s);
	if (addr_check_local(s, llen, eb) == -1 ||
	    addr_check_domain(at + 1, len - llen - 1, 1, eb) == -1)
		return -1;
	memcpy(out, s, len + 1);
	addr_lower(out + llen);
	if (fold_local)
		addr_lower(out);
	return 0;
}

static int
list_sep(enum addr_list_grammar g, char c)
{
	static const char runs[] = ", \t", postfix[] = ", \t\r\n\v\f";

	if (g == ADDR_LIST_POSTFIX)
		return memchr(postfix, c, sizeof(postfix) - 1) != NULL;
	return memchr(runs, c, sizeof(runs) - 1) != NULL;
}

int
addr_list_next(const char **p, const char *end, enum addr_list_grammar g,
    const char **item_r, size_t *len_r)
{
	const char *s = *p, *q;
	size_t n;

	if (s == NULL)
		return 0;
	if (g == ADDR_LIST_COMMA) {
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		q = memchr(s, ',', (size_t)(end - s));
		n = (size_t)((q != NULL ? q : end) - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		*item_r = s;
		*len_r = n;
		*p = q != NULL ? q + 1 : NULL; /* the last item was given */
		return 1;
	}
	while (s < end && list_sep(g, *s))
		s++;
	if (s == end) {
		*p = end;
		return 0;
	}
	for (q = s; q < end && !list_sep(g, *q); q++)
		;
	*item_r = s;
	*len_r = (size_t)(q - s);
	*p = q;
	return 1;
}
