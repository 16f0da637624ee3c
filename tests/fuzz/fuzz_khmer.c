/*
 * Fuzz target: khmer.c, the Khmer normalisation and word splitting the
 * search index and the search handler share. Properties:
 * khmer_normalize() accepts exactly the valid UTF-8 texts, its output is
 * valid UTF-8, never longer than its input, holds no ZWSP, U+17B4 or
 * U+17B5, and is a fixed point (normalising it again changes nothing:
 * else a query normalised once would miss a text normalised twice);
 * khmer_segment() of that output with ZWSP, the ZWSPs taken out again,
 * gives back the same text (it only adds separators), within the room
 * khmer_words_json() gives it (twice the input); khmer_words_json()
 * agrees with the two.
 */

#include "handbook.h"
#include "fuzz.h"

#define ZWSP	"\xe2\x80\x8b"

/* s without its ZWSPs, in place. */
static void
strip_zwsp(char *s)
{
	char	*r, *w;

	for (r = w = s; *r != '\0'; ) {
		if (!strncmp(r, ZWSP, 3)) {
			r += 3;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const keys[] = { "title", NULL };
	char		*s, *norm, *again, *words, *space;
	const char	*seg;
	json_t		*obj;
	size_t		len;
	int		ok;

	s = fuzz_cstring(data, size);
	len = strlen(s);
	norm = malloc(len + 1);
	again = malloc(len + 1);
	words = malloc(len * 2 + 1);
	space = malloc(len * 2 + 1);
	if (norm == NULL || again == NULL || words == NULL || space == NULL)
		abort();

	ok = khmer_normalize(s, norm, len + 1);
	FUZZ_CHECK(ok == fuzz_utf8_ok((unsigned char *)s, len));
	if (!ok)
		goto done;
	FUZZ_CHECK(strlen(norm) <= len);
	FUZZ_CHECK(fuzz_utf8_ok((unsigned char *)norm, strlen(norm)));
	FUZZ_CHECK(strstr(norm, ZWSP) == NULL);
	FUZZ_CHECK(strstr(norm, "\xe1\x9e\xb4") == NULL);
	FUZZ_CHECK(strstr(norm, "\xe1\x9e\xb5") == NULL);
	FUZZ_CHECK(khmer_normalize(norm, again, len + 1));
	FUZZ_CHECK(!strcmp(norm, again));

	if (khmer_segment(norm, ZWSP, words, len * 2 + 1)) {
		FUZZ_CHECK(fuzz_utf8_ok((unsigned char *)words,
		    strlen(words)));
		strip_zwsp(words);
		FUZZ_CHECK(!strcmp(words, norm));
	} else {
		/* Valid text within that room is never refused. */
		FUZZ_CHECK(!"khmer_segment refused a normalised text");
	}
	/* The handler's form: a space between words. */
	if (khmer_segment(norm, " ", space, len * 2 + 1))
		FUZZ_CHECK(strlen(space) >= strlen(norm));

	obj = json_object();
	json_object_set_new(obj, "title", json_string(s));
	FUZZ_CHECK(khmer_words_json(obj, keys) == 1);
	seg = json_string_value(json_object_get(json_object_get(obj,
	    "segmented"), "title"));
	FUZZ_CHECK(seg != NULL);
	json_decref(obj);

done:
	free(s);
	free(norm);
	free(again);
	free(words);
	free(space);
	return (0);
}
