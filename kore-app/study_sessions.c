/*
 * /api/v1/study-sessions and /api/v1/me/sessions: the study sessions
 * (hội nghị học tập, quán triệt) a unit schedules for a resolution, with
 * their bridge points (điểm cầu), the board's list and the member's own
 * list. Who may schedule, change and see what, who is expected, and the
 * make-up rules are all in sql/0020_study_sessions.sql; this file only
 * checks the shape of what arrives (unknown fields, JSON types) and hands
 * it over. Attendance per member is in attendance.c.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

static const struct json_field create_fields[] = {
	{ "title", JSON_STRING, 1 },
	{ "unit_id", JSON_INTEGER, 1 },
	{ "mode", JSON_STRING, 1 },
	{ "starts_at", JSON_STRING, 1 },
	{ "ends_at", JSON_STRING, 0 },
	{ "duration_minutes", JSON_INTEGER, 0 },
	{ "documents", JSON_ARRAY, 0 },
	{ "makeup_of", JSON_INTEGER, 0 },
	{ "bridge_points", JSON_ARRAY, 0 },
	{ "client_id", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

/* The organiser and the make-up link are not changed: cancel instead. */
static const struct json_field update_fields[] = {
	{ "title", JSON_STRING, 0 },
	{ "mode", JSON_STRING, 0 },
	{ "starts_at", JSON_STRING, 0 },
	{ "ends_at", JSON_STRING, 0 },
	{ "duration_minutes", JSON_INTEGER, 0 },
	{ "documents", JSON_ARRAY, 0 },
	{ NULL, 0, 0 },
};

static const struct json_field cancel_fields[] = {
	{ "reason", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

static const struct json_field point_add_fields[] = {
	{ "unit_id", JSON_INTEGER, 1 },
	{ "name", JSON_STRING, 1 },
	{ "address", JSON_STRING, 0 },
	{ "expected_count", JSON_INTEGER, 0 },
	{ "client_id", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

static const struct json_field point_update_fields[] = {
	{ "name", JSON_STRING, 0 },
	{ "address", JSON_STRING, 0 },
	{ "expected_count", JSON_INTEGER, 0 },
	{ "actual_count", JSON_INTEGER, 0 },
	{ NULL, 0, 0 },
};

/* GET /api/v1/study-sessions?unit=&document=&from=&to=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_study_sessions_list($1::bigint, $2::bigint, "
	    "$3::bigint, $4::integer, $5, $6, $7, $8)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "unit", "document", "limit", NULL },
	.query_texts = { "from", "to", "cursor", NULL },
	.lang = 1,
};

/* POST /api/v1/study-sessions */
static const struct endpoint create_ep = {
	.sql = "SELECT api_study_session_create($1::bigint, $2, $3::jsonb, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_CREATED,
	.body = create_fields,
	.audit = 1,
	.lang = 1,
};

/* GET /api/v1/study-sessions/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_study_session_get($1::bigint, $2::bigint, $3)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.lang = 1,
};

/* PATCH /api/v1/study-sessions/{id} */
static const struct endpoint update_ep = {
	.sql = "SELECT api_study_session_update($1::bigint, $2::bigint, $3, "
	    "$4::jsonb, $5, $6)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = update_fields,
	.audit = 1,
	.lang = 1,
};

/* POST /api/v1/study-sessions/{id}/cancel */
static const struct endpoint cancel_ep = {
	.sql = "SELECT api_study_session_cancel($1::bigint, $2::bigint, $3, "
	    "$4::jsonb, $5, $6)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = cancel_fields,
	.audit = 1,
	.lang = 1,
};

/* POST /api/v1/study-sessions/{id}/bridge-points */
static const struct endpoint point_add_ep = {
	.sql = "SELECT api_study_bridge_point_add($1::bigint, $2::bigint, "
	    "$3::jsonb, $4, $5)::text",
	.status = HTTP_STATUS_CREATED,
	.path_id = "id",
	.body = point_add_fields,
	.audit = 1,
};

/* GET /api/v1/me/sessions?limit=&cursor= */
/* PATCH /api/v1/study-sessions/{id}/bridge-points/{point} */
static const struct endpoint point_update_ep = {
	.sql = "SELECT api_study_bridge_point_update($1::bigint, $2::bigint, "
	    "$3::bigint, $4::jsonb, $5, $6)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.path_part = "point",
	.body = point_update_fields,
	.audit = 1,
};

/* DELETE /api/v1/study-sessions/{id}/bridge-points/{point} */
static const struct endpoint point_remove_ep = {
	.sql = "SELECT api_study_bridge_point_remove($1::bigint, $2::bigint, "
	    "$3::bigint, $4, $5)",
	.status = HTTP_STATUS_NO_CONTENT,
	.path_id = "id",
	.path_part = "point",
	.audit = 1,
};

static const struct endpoint mine_ep = {
	.sql = "SELECT api_me_study_sessions($1::bigint, $2::integer, $3, "
	    "$4)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "limit", NULL },
	.query_texts = { "cursor", NULL },
	.lang = 1,
};

int
study_sessions_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
study_sessions_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
study_sessions_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
study_sessions_update(struct http_request *req)
{
	return (endpoint_run(req, &update_ep));
}

int
study_sessions_cancel(struct http_request *req)
{
	return (endpoint_run(req, &cancel_ep));
}

int
study_sessions_point_add(struct http_request *req)
{
	return (endpoint_run(req, &point_add_ep));
}

int
study_sessions_mine(struct http_request *req)
{
	return (endpoint_run(req, &mine_ep));
}

int
study_sessions_point_update(struct http_request *req)
{
	return (endpoint_run(req, &point_update_ep));
}

int
study_sessions_point_remove(struct http_request *req)
{
	return (endpoint_run(req, &point_remove_ep));
}
