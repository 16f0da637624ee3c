/*
 * /api/v1/meetings: cell meetings (sinh hoạt chi bộ), the record a cell's
 * secretary or deputy keeps of each meeting: date, topic, documents
 * discussed, attendance, discussion notes per core point, decisions.
 * Edits make new versions and keep the old ones; deletion is soft. The
 * cell reads its meetings in full; committees and administrators above it
 * read a summary without the text written in the cell; everyone above the
 * cell may count meetings and notes per unit
 * (GET /api/v1/units/{id}/meeting-counts) and never read them. The rules,
 * the checks and the JSON are in sql/0021_meetings_notes.sql; each
 * endpoint here is one call to it.
 */

#include "handbook.h"

/*
 * The top level of a meeting body; the items of documents, attendance,
 * discussion and decisions are checked in SQL, unknown fields included.
 */
static const struct json_field create_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "cell_id", JSON_INTEGER, 0 },
	{ "held_on", JSON_STRING, 1 },
	{ "topic", JSON_STRING, 1 },
	{ "documents", JSON_ARRAY, 0 },
	{ "attendance", JSON_ARRAY, 0 },
	{ "discussion", JSON_ARRAY, 0 },
	{ "decisions", JSON_ARRAY, 0 },
	{ NULL, 0, 0 },
};

/* An edit names the version it was made from: see the SQL on 409. */
static const struct json_field update_fields[] = {
	{ "version", JSON_INTEGER, 1 },
	{ "held_on", JSON_STRING, 0 },
	{ "topic", JSON_STRING, 0 },
	{ "documents", JSON_ARRAY, 0 },
	{ "attendance", JSON_ARRAY, 0 },
	{ "discussion", JSON_ARRAY, 0 },
	{ "decisions", JSON_ARRAY, 0 },
	{ NULL, 0, 0 },
};

/* POST /api/v1/meetings */
static const struct endpoint create_ep = {
	.sql = "SELECT api_meeting_create($1::bigint, $2::jsonb, $3, $4)::text",
	.status = HTTP_STATUS_CREATED,
	.body = create_fields,
	.audit = 1,
};

/* GET /api/v1/meetings?cell=&limit=&cursor= (the cursor is not an id) */
static const struct endpoint list_ep = {
	.sql = "SELECT api_meetings_list($1::bigint, $2::bigint, $3::integer, "
	    "$4)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "cell", "limit", NULL },
	.query_texts = { "cursor", NULL },
};

/* GET /api/v1/meetings/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_meeting_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* PATCH /api/v1/meetings/{id} */
static const struct endpoint update_ep = {
	.sql = "SELECT api_meeting_update($1::bigint, $2::bigint, $3::jsonb, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = update_fields,
	.audit = 1,
};

/* DELETE /api/v1/meetings/{id} */
static const struct endpoint delete_ep = {
	.sql = "SELECT api_meeting_delete($1::bigint, $2::bigint, $3, $4)",
	.status = HTTP_STATUS_NO_CONTENT,
	.path_id = "id",
	.audit = 1,
};

/* GET /api/v1/meetings/{id}/versions?limit=&cursor= */
static const struct endpoint versions_ep = {
	.sql = "SELECT api_meeting_versions($1::bigint, $2::bigint, "
	    "$3::integer, $4::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "limit", "cursor", NULL },
};

/* GET /api/v1/units/{id}/meeting-counts?document=&from=&to= */
static const struct endpoint counts_ep = {
	.sql = "SELECT api_meeting_counts($1::bigint, $2::bigint, $3::bigint, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "document", NULL },
	.query_texts = { "from", "to", NULL },
};

int
meetings_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
meetings_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
meetings_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
meetings_update(struct http_request *req)
{
	return (endpoint_run(req, &update_ep));
}

int
meetings_delete(struct http_request *req)
{
	return (endpoint_run(req, &delete_ep));
}

int
meetings_versions(struct http_request *req)
{
	return (endpoint_run(req, &versions_ep));
}

int
meetings_counts(struct http_request *req)
{
	return (endpoint_run(req, &counts_ep));
}
