/*
 * Reading the query string (pure). Kore 4.1 keeps only the parameters a
 * configuration declares and silently drops any that fail validation; the
 * module reads the raw query string itself, so that a bad value gets a 400
 * that says which parameter, instead of vanishing. Values are
 * percent-decoded ('+' is a space, as forms send it) and must be valid
 * UTF-8 without control characters; they are then NFC-normalised by the
 * SQL that uses them.
 */

#include <string.h>

#include "handbook.h"

static int	hexval(int);

/*
 * Looks for name in qs (may be NULL). Returns 1 and the decoded value in
 * out, 0 when absent, -1 when present but malformed or longer than
 * outlen - 1 bytes.
 */
int
query_param(const char *qs, const char *name, char *out, size_t outlen)
{
	const char	*p, *end, *v;
	size_t		nlen, n;
	int		hi, lo;

	if (qs == NULL || outlen == 0)
		return (0);

	nlen = strlen(name);
	for (p = qs; *p != '\0'; p = (*end == '&') ? end + 1 : end) {
		end = p + strcspn(p, "&");
		if ((size_t)(end - p) < nlen || strncmp(p, name, nlen) != 0 ||
		    (p[nlen] != '=' && p + nlen != end))
			continue;

		v = p + nlen + (p[nlen] == '=' ? 1 : 0);
		n = 0;
		while (v < end) {
			if (n + 1 >= outlen)
				return (-1);
			if (*v == '%') {
				if (end - v < 3 || (hi = hexval(v[1])) < 0 ||
				    (lo = hexval(v[2])) < 0)
					return (-1);
				out[n++] = (char)(hi << 4 | lo);
				v += 3;
			} else {
				out[n++] = *v == '+' ? ' ' : *v;
				v++;
			}
		}
		out[n] = '\0';

		if (!utf8_valid((const unsigned char *)out, n))
			return (-1);
		return (1);
	}

	return (0);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}
