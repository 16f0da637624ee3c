/*
 * /api/v1/tasks/{id}/notes: progress notes on a task of an action
 * programme, written by its assignee or the programme's writers and read
 * by whoever reads the task. Append-only (a trigger refuses edits): a
 * note is the record of what was reported and when, with the task's
 * status at that moment. Text is at most 20,000 characters after NFC,
 * like members' notes, and never logged. Rules and JSON are in
 * sql/0026_action_programmes.sql.
 */

#include "handbook.h"

static const struct json_field create_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "text", JSON_STRING, 1 },
	{ NULL, 0, 0 },
};

/* POST /api/v1/tasks/{id}/notes */
static const struct endpoint create_ep = {
	.sql = "SELECT api_task_note_create($1::bigint, $2::bigint, $3::jsonb, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_CREATED,
	.path_id = "id",
	.body = create_fields,
	.audit = 1,
};

/* GET /api/v1/tasks/{id}/notes?limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_task_notes($1::bigint, $2::bigint, $3::integer, "
	    "$4::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "limit", "cursor", NULL },
};

int
task_progress_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
task_progress_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}
