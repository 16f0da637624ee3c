/*
 * /api/v1/units: the organisation tree. Reading, creating, renaming and
 * moving units, each scoped by the caller's roles; the rules and their
 * checks are in SQL (sql/0004_access.sql, sql/0005_directory_api.sql),
 * called in the same statement that reads or writes.
 */

#include "handbook.h"

static const struct json_field create_fields[] = {
	{ "kind", JSON_STRING, 1 },
	{ "code", JSON_STRING, 1 },
	{ "name_vi", JSON_STRING, 1 },
	{ "name_km", JSON_STRING, 0 },
	{ "parent_id", JSON_INTEGER, 0 },
	{ NULL, 0, 0 },
};

static const struct json_field update_fields[] = {
	{ "code", JSON_STRING, 0 },
	{ "name_vi", JSON_STRING, 0 },
	{ "name_km", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

static const struct json_field move_fields[] = {
	{ "parent_id", JSON_INTEGER, 1 },
	{ NULL, 0, 0 },
};

/* GET /api/v1/units?parent=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_units_list($1::bigint, $2::bigint, $3::integer, "
	    "$4::bigint)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "parent", "limit", "cursor", NULL },
};

/* GET /api/v1/units/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_unit_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* POST /api/v1/units */
static const struct endpoint create_ep = {
	.sql = "SELECT api_unit_create($1::bigint, $2::jsonb, $3, $4)::text",
	.status = HTTP_STATUS_CREATED,
	.body = create_fields,
	.audit = 1,
};

/* PATCH /api/v1/units/{id} */
static const struct endpoint update_ep = {
	.sql = "SELECT api_unit_update($1::bigint, $2::bigint, $3::jsonb, $4, "
	    "$5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = update_fields,
	.audit = 1,
};

/* POST /api/v1/units/{id}/move */
static const struct endpoint move_ep = {
	.sql = "SELECT api_unit_move($1::bigint, $2::bigint, $3::jsonb, $4, "
	    "$5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = move_fields,
	.audit = 1,
};

int
units_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
units_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
units_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
units_update(struct http_request *req)
{
	return (endpoint_run(req, &update_ep));
}

int
units_move(struct http_request *req)
{
	return (endpoint_run(req, &move_ep));
}
