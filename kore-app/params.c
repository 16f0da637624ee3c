/*
 * Path and query parameters checked at the edge, with the 400 sent by the
 * helper itself when a value is bad, so that handlers stay straight-line:
 * ids are positive integers, limits are integers, text is bounded UTF-8.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

static int	is_id(const char *);

/* True when the path parameter name is a positive integer. */
int
param_id_valid(struct http_request *req, const char *name)
{
	const char	*v;

	return ((v = router_param(req, name)) != NULL && is_id(v));
}

/*
 * Copies the path parameter name into out (24 bytes) when it is a
 * positive integer; else replies 404 (a path with a non-numeric id names
 * no resource) and returns 0.
 */
int
param_id_or_reply(struct http_request *req, const char *name, char *out)
{
	const char	*v;

	if (!param_id_valid(req, name)) {
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No resource at this path.");
		return (0);
	}

	v = router_param(req, name);
	(void)snprintf(out, HB_ID_MAX, "%s", v);
	return (1);
}

/*
 * Query parameter name as an id into out (HB_ID_MAX bytes, "" when
 * absent). Returns 0 after replying 400.
 */
int
query_id_or_reply(struct http_request *req, const char *name, char *out)
{
	int	rc;

	rc = query_param(req->query_string, name, out, HB_ID_MAX);
	if (rc == 0) {
		out[0] = '\0';
		return (1);
	}
	if (rc < 0 || !is_id(out)) {
		reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_parameter",
		    "The parameter \"%s\" must be a positive integer.", name);
		return (0);
	}

	return (1);
}

/* Query parameter name as bounded text into out ("" when absent). */
int
query_text_or_reply(struct http_request *req, const char *name, char *out,
    size_t len)
{
	int	rc;

	rc = query_param(req->query_string, name, out, len);
	if (rc == 0) {
		out[0] = '\0';
		return (1);
	}
	if (rc < 0) {
		reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_parameter",
		    "The parameter \"%s\" is malformed or longer than %zu "
		    "bytes.", name, len - 1);
		return (0);
	}

	return (1);
}

/* Up to 18 digits, no leading zero: fits a bigint. */
static int
is_id(const char *s)
{
	size_t	len;

	len = strlen(s);
	return (len > 0 && len <= 18 && s[0] != '0' &&
	    strspn(s, "0123456789") == len);
}
