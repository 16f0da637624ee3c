/*
 * Fuzz target: query.c, the query string as every GET handler reads it
 * (Kore's own parsing is bypassed on purpose). The input is a query
 * string; each of the parameters handlers ask for is looked up with a
 * small and a large buffer. Properties: a value found is NUL-terminated
 * within the buffer, valid UTF-8 without control characters, and the same
 * whatever the buffer when it fits both; "absent" and "malformed" do not
 * depend on the buffer's size except for length.
 */

#include "handbook.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const names[] = { "q", "lang", "limit", "cursor",
	    "unit", "document", "status", "since", "", NULL };
	char		*qs, small[16], large[4096];
	size_t		i;
	int		a, b;

	qs = fuzz_cstring(data, size);
	for (i = 0; names[i] != NULL; i++) {
		memset(small, 'x', sizeof(small));
		memset(large, 'x', sizeof(large));
		a = query_param(qs, names[i], small, sizeof(small));
		b = query_param(qs, names[i], large, sizeof(large));
		FUZZ_CHECK(a >= -1 && a <= 1 && b >= -1 && b <= 1);
		if (b == 1) {
			FUZZ_CHECK(memchr(large, '\0', sizeof(large)));
			FUZZ_CHECK(utf8_valid((unsigned char *)large,
			    strlen(large)));
		}
		if (a == 1) {
			FUZZ_CHECK(memchr(small, '\0', sizeof(small)));
			FUZZ_CHECK(b == 1 && !strcmp(small, large));
		}
		/* Absent is absent whatever the room. */
		FUZZ_CHECK((a == 0) == (b == 0));
		if (b == -1)
			FUZZ_CHECK(a == -1);
	}
	FUZZ_CHECK(query_param(NULL, "q", large, sizeof(large)) == 0);
	free(qs);
	return (0);
}
