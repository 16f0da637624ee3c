/*
 * /api/v1/notes: members' own notes on a document or one of its core
 * points, private (the author alone) or shared with the author's cell,
 * whose shared notes are a feed (GET /api/v1/notes, newest first). Only
 * the author writes a note; edits keep every version, deletion is soft.
 * No role reads a note it was not shared with: not the secretary, not a
 * committee, not an administrator; reports count notes without reading
 * them (meetings.c). Text is at most 20,000 characters, counted as code
 * points after NFC, and is never logged. The rules, the checks and the
 * JSON are in sql/0021_meetings_notes.sql.
 */

#include "handbook.h"

static const struct json_field create_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "document_id", JSON_INTEGER, 1 },
	{ "section", JSON_INTEGER, 0 },
	{ "visibility", JSON_STRING, 0 },
	{ "text", JSON_STRING, 1 },
	{ NULL, 0, 0 },
};

/* An edit names the version it was made from: see the SQL on 409. */
static const struct json_field update_fields[] = {
	{ "version", JSON_INTEGER, 1 },
	{ "section", JSON_INTEGER, 0 },
	{ "visibility", JSON_STRING, 0 },
	{ "text", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

/* POST /api/v1/notes */
static const struct endpoint create_ep = {
	.sql = "SELECT api_note_create($1::bigint, $2::jsonb)::text",
	.status = HTTP_STATUS_CREATED,
	.body = create_fields,
};

/* GET /api/v1/notes?scope=cell|mine&document=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_notes_list($1::bigint, $2::bigint, $3::integer, "
	    "$4::bigint, $5)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "document", "limit", "cursor", NULL },
	.query_texts = { "scope", NULL },
};

/* GET /api/v1/notes/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_note_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* PATCH /api/v1/notes/{id} */
static const struct endpoint update_ep = {
	.sql = "SELECT api_note_update($1::bigint, $2::bigint, $3::jsonb)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = update_fields,
};

/* DELETE /api/v1/notes/{id} */
static const struct endpoint delete_ep = {
	.sql = "SELECT api_note_delete($1::bigint, $2::bigint)",
	.status = HTTP_STATUS_NO_CONTENT,
	.path_id = "id",
};

/* GET /api/v1/notes/{id}/versions?limit=&cursor= */
static const struct endpoint versions_ep = {
	.sql = "SELECT api_note_versions($1::bigint, $2::bigint, $3::integer, "
	    "$4::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "limit", "cursor", NULL },
};

int
notes_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
notes_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
notes_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
notes_update(struct http_request *req)
{
	return (endpoint_run(req, &update_ep));
}

int
notes_delete(struct http_request *req)
{
	return (endpoint_run(req, &delete_ep));
}

int
notes_versions(struct http_request *req)
{
	return (endpoint_run(req, &versions_ep));
}
