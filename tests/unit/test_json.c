/*
 * Unit tests for json.c and json_fields.c: what the edge accepts and the
 * error code each refusal gets. The strings are the ones that broke Kore
 * 4.1's own parser (escapes, invalid UTF-8, duplicate keys) and real
 * Vietnamese and Khmer text.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static json_t	*parse_ok(const char *);
static void	parse_fails(const char *, size_t, int, const char *);

static json_t *
parse_ok(const char *text)
{
	struct hb_error	err;
	json_t		*obj;

	assert_true(hb_json_parse(text, strlen(text), &obj, &err));
	assert_non_null(obj);
	return (obj);
}

static void
parse_fails(const char *text, size_t len, int status, const char *code)
{
	struct hb_error	err;
	json_t		*obj;

	assert_false(hb_json_parse(text, len, &obj, &err));
	assert_null(obj);
	assert_int_equal(err.status, status);
	assert_string_equal(err.code, code);
	assert_true(strlen(err.message) > 0);
}

static void
unicode_escapes_and_real_text_parse(void **state)
{
	json_t	*obj;

	(void)state;
	obj = parse_ok("{\"title\":\"Ngh\\u1ecb quy\\u1ebft\","
	    "\"km\":\"សៀវភៅដៃសមាជិកបក្ស\",\"emoji\":\"\\ud83d\\ude00\"}");
	assert_string_equal(json_string_value(json_object_get(obj, "title")),
	    "Nghị quyết");
	assert_string_equal(json_string_value(json_object_get(obj, "km")),
	    "សៀវភៅដៃសមាជិកបក្ស");
	assert_string_equal(json_string_value(json_object_get(obj, "emoji")),
	    "\xf0\x9f\x98\x80");
	json_decref(obj);
}

static void
bad_bodies_get_their_codes(void **state)
{
	static const char	bad_utf8[] = "{\"a\":\"\xc3\x28\"}";
	static const char	nul[] = "{\"a\":\"x\\u0000y\"}";

	(void)state;
	parse_fails("", 0, 400, "empty_body");
	parse_fails("{\"a\":", 5, 400, "malformed_json");
	parse_fails("[1,2]", 5, 400, "malformed_json");
	parse_fails("\"text\"", 6, 400, "malformed_json");
	parse_fails(bad_utf8, sizeof(bad_utf8) - 1, 400, "invalid_utf8");
	parse_fails("{\"a\":1,\"a\":2}", 13, 400, "duplicate_key");
	parse_fails(nul, sizeof(nul) - 1, 400, "malformed_json");
	parse_fails("{\"a\":1}{\"b\":2}", 14, 400, "malformed_json");
}

static void
depth_is_bounded(void **state)
{
	char	buf[256];
	size_t	i, n;

	(void)state;
	/* {"a":[[[...]]]} with HB_JSON_MAX_DEPTH - 1 arrays is accepted. */
	n = 0;
	n += (size_t)snprintf(buf, sizeof(buf), "{\"a\":");
	for (i = 0; i < HB_JSON_MAX_DEPTH - 1; i++)
		buf[n++] = '[';
	for (i = 0; i < HB_JSON_MAX_DEPTH - 1; i++)
		buf[n++] = ']';
	buf[n++] = '}';
	buf[n] = '\0';
	json_decref(parse_ok(buf));

	n = 0;
	n += (size_t)snprintf(buf, sizeof(buf), "{\"a\":");
	for (i = 0; i < HB_JSON_MAX_DEPTH; i++)
		buf[n++] = '[';
	for (i = 0; i < HB_JSON_MAX_DEPTH; i++)
		buf[n++] = ']';
	buf[n++] = '}';
	buf[n] = '\0';
	parse_fails(buf, n, 400, "too_deep");
}

static const struct json_field note_fields[] = {
	{ "text", JSON_STRING, 1 },
	{ "section", JSON_INTEGER, 0 },
	{ "shared", JSON_TRUE, 0 },
	{ NULL, 0, 0 },
};

static void
fields_are_checked(void **state)
{
	struct hb_error	err;
	json_t		*obj;

	(void)state;
	obj = parse_ok("{\"text\":\"Học tập và làm theo\",\"section\":3,"
	    "\"shared\":false}");
	assert_true(hb_json_check_fields(obj, note_fields, &err));
	json_decref(obj);

	obj = parse_ok("{\"text\":\"x\",\"visiblity\":\"cell\"}");
	assert_false(hb_json_check_fields(obj, note_fields, &err));
	assert_int_equal(err.status, 422);
	assert_string_equal(err.code, "unknown_field");
	assert_non_null(strstr(err.message, "visiblity"));
	json_decref(obj);

	obj = parse_ok("{\"text\":\"x\",\"section\":\"3\"}");
	assert_false(hb_json_check_fields(obj, note_fields, &err));
	assert_string_equal(err.code, "invalid_field");
	json_decref(obj);

	obj = parse_ok("{\"section\":3}");
	assert_false(hb_json_check_fields(obj, note_fields, &err));
	assert_string_equal(err.code, "missing_field");
	json_decref(obj);
}

/*
 * An unknown field is quoted in the message cut at 64 bytes, between two
 * letters: "ệ" is 3 bytes, so 21 of them are 63 bytes and the 22nd would
 * cross the limit (the fuzzer found the cut in the middle of a letter,
 * which made the message invalid UTF-8 and the reply's message empty).
 */
static void
unknown_field_quoted_whole_letters(void **state)
{
	struct hb_error	err;
	char		body[256], key[128];
	json_t		*obj, *m;
	size_t		i;

	(void)state;
	key[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(key, "\xe1\xbb\x87");		/* ệ */
	(void)snprintf(body, sizeof(body), "{\"%s\":1}", key);
	obj = parse_ok(body);
	assert_false(hb_json_check_fields(obj, note_fields, &err));
	assert_string_equal(err.code, "unknown_field");
	m = json_string(err.message);
	assert_non_null(m);		/* valid UTF-8 */
	json_decref(m);
	key[63] = '\0';
	assert_non_null(strstr(err.message, key));
	key[66] = '\0';
	assert_int_equal(utf8_prefix(key, 64), 63);
	assert_int_equal(utf8_prefix("ab", 64), 2);
	assert_int_equal(utf8_prefix("ab", 1), 1);
	json_decref(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unicode_escapes_and_real_text_parse),
		cmocka_unit_test(bad_bodies_get_their_codes),
		cmocka_unit_test(depth_is_bounded),
		cmocka_unit_test(fields_are_checked),
		cmocka_unit_test(unknown_field_quoted_whole_letters),
	};

	return (cmocka_run_group_tests_name("json", tests, NULL, NULL));
}
