/*
 * What every libFuzzer harness here shares (tests/fuzz/README.md says how
 * they are built and run). A property that does not hold calls
 * FUZZ_CHECK's abort(), which libFuzzer reports as a crash and saves the
 * input as a reproducer, exactly like a sanitizer report: a wrong answer
 * is a failure as much as a crash is.
 */

#ifndef HB_FUZZ_H
#define HB_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: property failed: %s\n",	\
			    __FILE__, __LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

/* The input as a NUL-terminated string of its own (the bytes up to the
 * first NUL, if any), for functions that take C strings. */
static inline char *
fuzz_cstring(const unsigned char *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

/* Strict UTF-8 as RFC 3629 says, written independently of utf8.c so that
 * the two check each other: no overlongs, no surrogates, at most
 * U+10FFFF. NUL is allowed here (the callers decide about it). */
static inline int
fuzz_utf8_ok(const unsigned char *s, size_t len)
{
	size_t		i, k, n;
	unsigned long	c;

	for (i = 0; i < len; i += n) {
		if (s[i] < 0x80) {
			n = 1;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2, c = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3, c = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4, c = s[i] & 0x07;
		else
			return (0);
		if (i + n > len)
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return (0);
	}
	return (1);
}

#endif
