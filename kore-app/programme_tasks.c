/*
 * The tasks of an action programme: POST and GET
 * /api/v1/programmes/{id}/tasks, GET and PATCH /api/v1/tasks/{id}, its
 * history (GET /api/v1/tasks/{id}/history: who changed what, when) and
 * the caller's own tasks (GET /api/v1/me/tasks). Each task has an
 * assignee (a member of the unit or a committee member above it), a
 * deadline and a status; "overdue" is computed from the deadline, never
 * stored. The programme's writers change everything; the assignee moves
 * the status of their own task. Rules and JSON are in
 * sql/0026_action_programmes.sql.
 */

#include "handbook.h"

static const struct json_field create_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "title", JSON_STRING, 1 },
	{ "description", JSON_STRING, 0 },
	{ "assignee_id", JSON_INTEGER, 1 },
	{ "deadline", JSON_STRING, 1 },
	{ "status", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

/* An edit names the version it was made from: see the SQL on 409. */
static const struct json_field update_fields[] = {
	{ "version", JSON_INTEGER, 1 },
	{ "status", JSON_STRING, 0 },
	{ "deadline", JSON_STRING, 0 },
	{ "assignee_id", JSON_INTEGER, 0 },
	{ "title", JSON_STRING, 0 },
	{ "description", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

/* POST /api/v1/programmes/{id}/tasks */
static const struct endpoint create_ep = {
	.sql = "SELECT api_task_create($1::bigint, $2::bigint, $3::jsonb, $4, "
	    "$5)::text",
	.status = HTTP_STATUS_CREATED,
	.path_id = "id",
	.body = create_fields,
	.audit = 1,
};

/* GET /api/v1/programmes/{id}/tasks?status=&limit=&cursor= (the cursor
 * is "<deadline>_<id>", not an id) */
static const struct endpoint list_ep = {
	.sql = "SELECT api_programme_tasks($1::bigint, $2::bigint, $3::integer, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "limit", NULL },
	.query_texts = { "status", "cursor", NULL },
};

/* GET /api/v1/tasks/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_task_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* PATCH /api/v1/tasks/{id} */
static const struct endpoint update_ep = {
	.sql = "SELECT api_task_update($1::bigint, $2::bigint, $3::jsonb, $4, "
	    "$5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = update_fields,
	.audit = 1,
};

/* GET /api/v1/tasks/{id}/history?limit=&cursor= */
static const struct endpoint history_ep = {
	.sql = "SELECT api_task_history($1::bigint, $2::bigint, $3::integer, "
	    "$4::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "limit", "cursor", NULL },
};

/* GET /api/v1/me/tasks?status=&limit=&cursor= */
static const struct endpoint mine_ep = {
	.sql = "SELECT api_my_tasks($1::bigint, $2::integer, $3, $4)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "limit", NULL },
	.query_texts = { "status", "cursor", NULL },
};

int
programme_tasks_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
programme_tasks_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
programme_tasks_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
programme_tasks_update(struct http_request *req)
{
	return (endpoint_run(req, &update_ep));
}

int
programme_tasks_history(struct http_request *req)
{
	return (endpoint_run(req, &history_ep));
}

int
programme_tasks_mine(struct http_request *req)
{
	return (endpoint_run(req, &mine_ep));
}
