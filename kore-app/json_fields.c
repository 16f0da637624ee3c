/*
 * Checking a parsed JSON object against the fields an endpoint accepts
 * (pure). Unknown fields are refused rather than ignored: a client that
 * misspells "visibility" must hear about it, not have its note published
 * with the default. Types are strict: "5" is not an integer.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

static const char	*type_name(int);
static int		type_ok(const json_t *, int);

/* Returns 1 when obj fits spec (ended by a NULL name); else fills err. */
int
hb_json_check_fields(json_t *obj, const struct json_field *spec,
    struct hb_error *err)
{
	const struct json_field	*f;
	const char		*key;
	json_t			*value;

	json_object_foreach(obj, key, value) {
		for (f = spec; f->name != NULL; f++) {
			if (!strcmp(f->name, key))
				break;
		}
		if (f->name == NULL) {
			err->status = 422;
			err->code = "unknown_field";
			(void)snprintf(err->message, sizeof(err->message),
			    "Unknown field \"%.*s\".", utf8_prefix(key, 64),
			    key);
			return (0);
		}
		if (!type_ok(value, f->type)) {
			err->status = 422;
			err->code = "invalid_field";
			(void)snprintf(err->message, sizeof(err->message),
			    "Field \"%s\" must be %s.", f->name,
			    type_name(f->type));
			return (0);
		}
	}

	for (f = spec; f->name != NULL; f++) {
		if (f->required && json_object_get(obj, f->name) == NULL) {
			err->status = 422;
			err->code = "missing_field";
			(void)snprintf(err->message, sizeof(err->message),
			    "Field \"%s\" is required.", f->name);
			return (0);
		}
	}

	return (1);
}

static int
type_ok(const json_t *v, int type)
{
	switch (type) {
	case JSON_STRING:
		return (json_is_string(v));
	case JSON_INTEGER:
		return (json_is_integer(v));
	case JSON_REAL:
		/* A number: 3 and 3.5 both are. */
		return (json_is_number(v));
	case JSON_TRUE:
	case JSON_FALSE:
		return (json_is_boolean(v));
	case JSON_OBJECT:
		return (json_is_object(v));
	case JSON_ARRAY:
		return (json_is_array(v));
	default:
		return (0);
	}
}

static const char *
type_name(int type)
{
	switch (type) {
	case JSON_STRING:
		return ("a string");
	case JSON_INTEGER:
		return ("an integer");
	case JSON_REAL:
		return ("a number");
	case JSON_TRUE:
	case JSON_FALSE:
		return ("true or false");
	case JSON_OBJECT:
		return ("an object");
	case JSON_ARRAY:
		return ("an array");
	default:
		return ("of another type");
	}
}
