/*
 * /api/v1/programmes: action programmes (chương trình hành động), the
 * plan in which a unit turns a studied resolution into targets and tasks,
 * one per unit and document. A cell's programme is written by its
 * secretary or deputy and the committee members above it and read by its
 * members too; another unit's by its committee, propaganda board and
 * administrators (and those above). Edits name their version and keep
 * every version. The tasks are in programme_tasks.c, their progress notes
 * in task_progress.c; the rules, checks and JSON are in
 * sql/0026_action_programmes.sql, and each endpoint here is one call to it.
 */

#include "handbook.h"

/* The items of targets are checked in SQL, unknown fields included. */
static const struct json_field create_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "unit_id", JSON_INTEGER, 0 },
	{ "document_id", JSON_INTEGER, 1 },
	{ "title", JSON_STRING, 1 },
	{ "targets", JSON_ARRAY, 0 },
	{ NULL, 0, 0 },
};

/* An edit names the version it was made from: see the SQL on 409. */
static const struct json_field update_fields[] = {
	{ "version", JSON_INTEGER, 1 },
	{ "title", JSON_STRING, 0 },
	{ "targets", JSON_ARRAY, 0 },
	{ NULL, 0, 0 },
};

/* POST /api/v1/programmes */
static const struct endpoint create_ep = {
	.sql = "SELECT api_programme_create($1::bigint, $2::jsonb, $3, "
	    "$4)::text",
	.status = HTTP_STATUS_CREATED,
	.body = create_fields,
	.audit = 1,
};

/* GET /api/v1/programmes?unit=&document=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_programmes_list($1::bigint, $2::bigint, $3::bigint, "
	    "$4::integer, $5::bigint)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "unit", "document", "limit", "cursor", NULL },
};

/* GET /api/v1/programmes/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_programme_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* PATCH /api/v1/programmes/{id} */
static const struct endpoint update_ep = {
	.sql = "SELECT api_programme_update($1::bigint, $2::bigint, $3::jsonb, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = update_fields,
	.audit = 1,
};

/* GET /api/v1/programmes/{id}/versions?limit=&cursor= */
static const struct endpoint versions_ep = {
	.sql = "SELECT api_programme_versions($1::bigint, $2::bigint, "
	    "$3::integer, $4::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "limit", "cursor", NULL },
};

int
programmes_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
programmes_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
programmes_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
programmes_update(struct http_request *req)
{
	return (endpoint_run(req, &update_ep));
}

int
programmes_versions(struct http_request *req)
{
	return (endpoint_run(req, &versions_ep));
}
