/*
 * Parsing request bodies (pure). jansson does the parsing: it checks UTF-8,
 * reads \uXXXX escapes and surrogate pairs, and can refuse duplicate keys,
 * which Kore 4.1's parser does not (../shared/KORE-4.1-NOTES.md, item 3).
 * This file adds the project's rules on top: the body is one JSON object,
 * nested at most HB_JSON_MAX_DEPTH deep, with no NUL characters, and each
 * refusal maps to a stable error code.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

static void	set_error(struct hb_error *, int, const char *, const char *);

/*
 * Parses data into *out (a new reference) and returns 1, or fills err and
 * returns 0.
 */
int
hb_json_parse(const void *data, size_t len, json_t **out, struct hb_error *err)
{
	json_error_t	jerr;
	json_t		*root;

	*out = NULL;

	if (len == 0) {
		set_error(err, 400, "empty_body",
		    "The request needs a JSON object as its body.");
		return (0);
	}

	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		switch (json_error_code(&jerr)) {
		case json_error_invalid_utf8:
			set_error(err, 400, "invalid_utf8",
			    "The body is not valid UTF-8.");
			break;
		case json_error_duplicate_key:
			set_error(err, 400, "duplicate_key",
			    "The body repeats a key in one object.");
			break;
		case json_error_stack_overflow:
			set_error(err, 400, "too_deep",
			    "The body is nested too deeply.");
			break;
		default:
			(void)snprintf(err->message, sizeof(err->message),
			    "The body is not valid JSON (line %d, column %d).",
			    jerr.line, jerr.column);
			err->status = 400;
			err->code = "malformed_json";
			break;
		}
		return (0);
	}

	if (!json_is_object(root)) {
		json_decref(root);
		set_error(err, 400, "malformed_json",
		    "The body must be a JSON object.");
		return (0);
	}

	if (hb_json_depth(root) > HB_JSON_MAX_DEPTH) {
		json_decref(root);
		set_error(err, 400, "too_deep",
		    "The body is nested too deeply.");
		return (0);
	}

	*out = root;
	return (1);
}

/* The nesting depth of v: a scalar is 0, {} or [] is 1. */
size_t
hb_json_depth(json_t *v)
{
	const char	*key;
	json_t		*child;
	size_t		i, d, max;

	max = 0;
	if (json_is_object(v)) {
		json_object_foreach(v, key, child) {
			if ((d = hb_json_depth(child)) > max)
				max = d;
		}
		return (max + 1);
	}

	if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			if ((d = hb_json_depth(child)) > max)
				max = d;
		}
		return (max + 1);
	}

	return (0);
}

static void
set_error(struct hb_error *err, int status, const char *code, const char *msg)
{
	err->status = status;
	err->code = code;
	(void)snprintf(err->message, sizeof(err->message), "%s", msg);
}
