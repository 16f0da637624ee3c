/*
 * Fuzz target: POST /api/v1/members/import's CSV (csv_import.c, on
 * libcsv). Properties: a file refused as a whole says 422 (or 500) with a
 * code and a message that is valid UTF-8 (the error envelope is written
 * by jansson, which refuses anything else); an accepted one gives rows
 * and errors whose line numbers start at 2 and never repeat between them
 * and grow, each row holding only known fields with strings that are
 * valid UTF-8 without control characters, and the whole document can be
 * written as JSON for the SQL that imports it.
 */

#include "handbook.h"
#include "fuzz.h"

static const char *const fields[] = {
	"card_number", "full_name", "phone", "cell_code", "status", "lang",
	NULL
};

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct hb_error	err;
	const char	*key, *s;
	json_t		*doc, *row, *v;
	json_int_t	line, last;
	char		*text;
	size_t		i, j;

	memset(&err, 0, sizeof(err));
	if (!member_csv_to_json(data, size, &doc, &err)) {
		FUZZ_CHECK(doc == NULL);
		FUZZ_CHECK(err.status == 422 || err.status == 500);
		FUZZ_CHECK(err.code != NULL);
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)err.message,
		    strlen(err.message)));
		return (0);
	}

	last = 1;
	json_array_foreach(json_object_get(doc, "rows"), i, row) {
		line = json_integer_value(json_object_get(row, "line"));
		FUZZ_CHECK(line > last);
		last = line;
		json_object_foreach(row, key, v) {
			if (!strcmp(key, "line"))
				continue;
			for (j = 0; fields[j] != NULL; j++)
				if (!strcmp(fields[j], key))
					break;
			FUZZ_CHECK(fields[j] != NULL);
			s = json_string_value(v);
			FUZZ_CHECK(s != NULL);
			FUZZ_CHECK(utf8_valid((const unsigned char *)s,
			    strlen(s)));
		}
	}
	last = 1;
	json_array_foreach(json_object_get(doc, "errors"), i, row) {
		line = json_integer_value(json_object_get(row, "line"));
		FUZZ_CHECK(line > last);
		last = line;
		FUZZ_CHECK(json_string_value(json_object_get(row, "code")));
	}

	text = json_dumps(doc, JSON_COMPACT);
	FUZZ_CHECK(text != NULL);
	free(text);
	json_decref(doc);
	return (0);
}
