/*
 * UTF-8, decoded in one place (pure). Every text that reaches the module
 * or the content importer is checked here before anything else looks at
 * it: the query string, CSV fields, Khmer text to be normalised, the
 * content folder's files. Strict: no overlong forms, no surrogates, no
 * NUL.
 */

#include <string.h>

#include "handbook.h"

/*
 * The code point at s[i] into *cp; returns its length in bytes, or 0 for
 * invalid UTF-8 (overlongs, surrogates and NUL included).
 */
int
utf8_decode(const unsigned char *s, size_t len, size_t i, u_int32_t *cp)
{
	u_int32_t	c, min;
	int		need, k;

	if (s[i] < 0x80) {
		*cp = s[i];
		return (s[i] != 0);
	}
	if ((s[i] & 0xe0) == 0xc0) {
		need = 1;
		c = s[i] & 0x1f;
		min = 0x80;
	} else if ((s[i] & 0xf0) == 0xe0) {
		need = 2;
		c = s[i] & 0x0f;
		min = 0x800;
	} else if ((s[i] & 0xf8) == 0xf0) {
		need = 3;
		c = s[i] & 0x07;
		min = 0x10000;
	} else {
		return (0);
	}
	for (k = 1; k <= need; k++) {
		if (i + (size_t)k >= len || (s[i + k] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i + k] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;

	return (need + 1);
}

/*
 * Strict UTF-8 without C0 controls but tab: what a query parameter or a
 * CSV field may hold.
 */
int
utf8_valid(const unsigned char *s, size_t len)
{
	u_int32_t	cp;
	size_t		i;
	int		n;

	for (i = 0; i < len; i += (size_t)n) {
		if ((n = utf8_decode(s, len, i, &cp)) <= 0)
			return (0);
		if ((cp < 0x20 && cp != '\t') || cp == 0x7f)
			return (0);
	}

	return (1);
}

/* Characters as people count them, in a string known to be UTF-8. */
size_t
utf8_code_points(const char *s)
{
	size_t		n;

	for (n = 0; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}

	return (n);
}

/*
 * The length in bytes of the longest prefix of s (a C string) that has at
 * most max bytes and ends between two characters: what "%.*s" may quote
 * of a value in an error message without cutting a letter in half. A
 * message that is not UTF-8 cannot be put in the JSON error envelope
 * (jansson refuses it, and reply_hb_error() then sends an empty message);
 * the fuzzer found two such cuts (tests/fuzz/corpus/json_body,
 * csv_import).
 */
int
utf8_prefix(const char *s, size_t max)
{
	size_t	n;

	n = strnlen(s, max);
	if (n == max && s[n] != '\0') {
		/* Back off over continuation bytes to a character start. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}

	return ((int)n);
}
