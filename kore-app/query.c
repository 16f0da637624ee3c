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

/*
 * Strict UTF-8 (no overlongs, surrogates or NUL) without C0 controls but
 * tab: what a query parameter or a CSV field may hold.
 */
int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i, need;
	unsigned int	cp, min;

	for (i = 0; i < len; ) {
		if (s[i] < 0x80) {
			if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
				return (0);
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else {
			return (0);
		}
		for (i++; need > 0; need--, i++) {
			if (i >= len || (s[i] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}

	return (1);
}
