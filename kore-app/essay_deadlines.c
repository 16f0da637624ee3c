/*
 * PUT /api/v1/essay-deadlines: the date by which the members under a unit
 * submit their essays on a study. Set by whoever may schedule studies at
 * that unit (for a session: those who may change the session, at its
 * organising unit); a member's deadline is the one of the nearest unit
 * above their cell, so a district sets one for all its cells and a
 * commune may set an earlier one for its own. Submissions after it are
 * marked late. The rules are in sql/0024_essays.sql.
 */

#include "handbook.h"

static const struct json_field deadline_fields[] = {
	{ "unit_id", JSON_INTEGER, 0 },
	{ "document_id", JSON_INTEGER, 0 },
	{ "session_id", JSON_INTEGER, 0 },
	{ "due_at", JSON_STRING, 1 },
	{ NULL, 0, 0 },
};

static const struct endpoint set_ep = {
	.sql = "SELECT api_essay_deadline_set($1::bigint, $2::jsonb, $3, "
	    "$4)::text",
	.status = HTTP_STATUS_OK,
	.body = deadline_fields,
	.audit = 1,
};

int
essay_deadlines_set(struct http_request *req)
{
	return (endpoint_run(req, &set_ep));
}
