/*
 * Fuzz target: a request body as every JSON endpoint reads it
 * (kore-app/body.c minus Kore): hb_json_parse() (json.c), then
 * hb_json_check_fields() (json_fields.c) against the field list of
 * POST /api/v1/notes, and password_acceptable() on a "password" string
 * the way auth_password.c would see it. Properties checked on every input:
 * an accepted body is an object nested at most HB_JSON_MAX_DEPTH deep
 * whose strings are valid UTF-8 without NUL; a refused one has a 400 and
 * one of the documented codes; a body that passes the field check holds
 * only listed fields, of their types, the required ones present, and one
 * that fails it says 422 with one of the three field codes.
 */

#include "handbook.h"
#include "fuzz.h"

static const struct json_field note_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "document_id", JSON_INTEGER, 1 },
	{ "section", JSON_INTEGER, 0 },
	{ "visibility", JSON_STRING, 0 },
	{ "text", JSON_STRING, 1 },
	{ "ratio", JSON_REAL, 0 },
	{ "shared", JSON_TRUE, 0 },
	{ "tags", JSON_ARRAY, 0 },
	{ "meta", JSON_OBJECT, 0 },
	{ NULL, 0, 0 },
};

static void
strings_ok(json_t *v)
{
	const char	*key;
	json_t		*child;
	size_t		i;

	if (json_is_string(v)) {
		/* jansson lets \u0000 through; it is then visible only in
		 * the length. A string with it must still be valid UTF-8. */
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)
		    json_string_value(v), json_string_length(v)));
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, child) {
			FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)key,
			    strlen(key)));
			strings_ok(child);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			strings_ok(child);
	}
}

static int
type_ok(json_t *v, int type)
{
	switch (type) {
	case JSON_STRING:	return (json_is_string(v));
	case JSON_INTEGER:	return (json_is_integer(v));
	case JSON_REAL:		return (json_is_number(v));
	case JSON_TRUE:		return (json_is_boolean(v));
	case JSON_ARRAY:	return (json_is_array(v));
	case JSON_OBJECT:	return (json_is_object(v));
	}
	return (0);
}

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const struct json_field	*f;
	struct hb_error		err;
	const char		*key, *pw;
	json_t			*obj, *v;
	int			ok;

	memset(&err, 0, sizeof(err));
	if (!hb_json_parse(data, size, &obj, &err)) {
		FUZZ_CHECK(obj == NULL);
		FUZZ_CHECK(err.status == 400);
		FUZZ_CHECK(err.code != NULL && (!strcmp(err.code,
		    "empty_body") || !strcmp(err.code, "malformed_json") ||
		    !strcmp(err.code, "invalid_utf8") || !strcmp(err.code,
		    "duplicate_key") || !strcmp(err.code, "too_deep")));
		FUZZ_CHECK(memchr(err.message, '\0', sizeof(err.message)));
		/* Valid UTF-8 is never refused as invalid UTF-8. */
		if (!strcmp(err.code, "invalid_utf8"))
			FUZZ_CHECK(!fuzz_utf8_ok(data, size));
		return (0);
	}
	FUZZ_CHECK(json_is_object(obj));
	FUZZ_CHECK(hb_json_depth(obj) <= HB_JSON_MAX_DEPTH);
	FUZZ_CHECK(fuzz_utf8_ok(data, size));
	strings_ok(obj);

	memset(&err, 0, sizeof(err));
	ok = hb_json_check_fields(obj, note_fields, &err);
	if (ok) {
		json_object_foreach(obj, key, v) {
			for (f = note_fields; f->name != NULL; f++)
				if (!strcmp(f->name, key))
					break;
			FUZZ_CHECK(f->name != NULL);
			FUZZ_CHECK(type_ok(v, f->type));
		}
		for (f = note_fields; f->name != NULL; f++)
			FUZZ_CHECK(!f->required || json_object_get(obj,
			    f->name) != NULL);
	} else {
		FUZZ_CHECK(err.status == 422);
		FUZZ_CHECK(!strcmp(err.code, "unknown_field") ||
		    !strcmp(err.code, "invalid_field") ||
		    !strcmp(err.code, "missing_field"));
		/* reply_hb_error() answers an empty message when this is
		 * not UTF-8: a key cut in the middle of a letter. */
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)err.message,
		    strlen(err.message)));
	}

	/* A new password as POST /api/v1/auth/password reads it. */
	if ((pw = json_string_value(json_object_get(obj, "text"))) != NULL) {
		memset(&err, 0, sizeof(err));
		if (!password_acceptable(pw, &err))
			FUZZ_CHECK(err.status == 422 && err.code != NULL);
	}

	json_decref(obj);
	return (0);
}
