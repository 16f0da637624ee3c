/*
 * Fuzz target: text_nfc.c (passwords and short texts brought to NFC with
 * ICU) and utf8.c (the one strict UTF-8 decoder). Properties: utf8_decode
 * agrees with an independent RFC 3629 check (fuzz.h) on every input;
 * utf8_code_points counts what it decodes; text_nfc accepts every valid
 * UTF-8 text that fits and refuses the rest, its output is valid UTF-8,
 * and NFC is idempotent: normalising the output again changes nothing.
 */

#include "handbook.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char		*s, out[8192], again[8192];
	u_int32_t	cp;
	size_t		i, cps;
	int		n, valid;

	/* The decoder against the reference, NUL counting as invalid. */
	valid = 1;
	cps = 0;
	for (i = 0; i < size; i += (size_t)n) {
		if ((n = utf8_decode(data, size, i, &cp)) <= 0) {
			valid = 0;
			break;
		}
		FUZZ_CHECK(cp != 0 && cp <= 0x10ffff);
		cps++;
	}
	FUZZ_CHECK(valid == (fuzz_utf8_ok(data, size) &&
	    memchr(data, 0, size) == NULL));
	if (utf8_valid(data, size))
		FUZZ_CHECK(valid);

	s = fuzz_cstring(data, size);
	if (valid)
		FUZZ_CHECK(utf8_code_points(s) == cps);

	/* text_nfc reads up to the first NUL. */
	valid = fuzz_utf8_ok((unsigned char *)s, strlen(s));
	if (text_nfc(s, out, sizeof(out))) {
		FUZZ_CHECK(valid);
		FUZZ_CHECK(fuzz_utf8_ok((unsigned char *)out, strlen(out)));
		FUZZ_CHECK(text_nfc(out, again, sizeof(again)));
		FUZZ_CHECK(!strcmp(out, again));
	} else if (valid) {
		/* Refused valid text only when it cannot fit: 2048 UTF-16
		 * units in, and NFC grows text at most threefold. */
		FUZZ_CHECK(strlen(s) >= 2048 / 4);
	}

	free(s);
	return (0);
}
