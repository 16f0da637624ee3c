/*
 * /api/v1/members: accounts and their roles, scoped by the caller's roles:
 * a committee manages the members under its unit, a cell secretary reads
 * their cell, a member reads themselves. The checks are in SQL
 * (sql/0004_access.sql, sql/0005_directory_api.sql); list queries filter
 * by the caller's scope inside the query, so no row outside it can leak.
 */

#include "handbook.h"

static const struct json_field create_fields[] = {
	{ "card_number", JSON_STRING, 1 },
	{ "full_name", JSON_STRING, 1 },
	{ "cell_id", JSON_INTEGER, 1 },
	{ "phone", JSON_STRING, 0 },
	{ "status", JSON_STRING, 0 },
	{ "lang", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

static const struct json_field update_fields[] = {
	{ "card_number", JSON_STRING, 0 },
	{ "full_name", JSON_STRING, 0 },
	{ "cell_id", JSON_INTEGER, 0 },
	{ "phone", JSON_STRING, 0 },
	{ "status", JSON_STRING, 0 },
	{ "lang", JSON_STRING, 0 },
	{ "active", JSON_TRUE, 0 },
	{ NULL, 0, 0 },
};

static const struct json_field roles_fields[] = {
	{ "roles", JSON_ARRAY, 1 },
	{ NULL, 0, 0 },
};

/* GET /api/v1/members?unit=&q=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_members_list($1::bigint, $2::bigint, $5, "
	    "$3::integer, $4::bigint)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "unit", "limit", "cursor", NULL },
	.query_texts = { "q", NULL },
};

/* GET /api/v1/members/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_member_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* POST /api/v1/members */
static const struct endpoint create_ep = {
	.sql = "SELECT api_member_create($1::bigint, $2::jsonb, $3, $4)::text",
	.status = HTTP_STATUS_CREATED,
	.body = create_fields,
	.audit = 1,
};

/* PATCH /api/v1/members/{id} */
static const struct endpoint update_ep = {
	.sql = "SELECT api_member_update($1::bigint, $2::bigint, $3::jsonb, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = update_fields,
	.audit = 1,
};

/* PUT /api/v1/members/{id}/roles */
static const struct endpoint roles_ep = {
	.sql = "SELECT api_member_roles_set($1::bigint, $2::bigint, $3::jsonb, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = roles_fields,
	.audit = 1,
};

int
members_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
members_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
members_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
members_update(struct http_request *req)
{
	return (endpoint_run(req, &update_ep));
}

int
members_roles_set(struct http_request *req)
{
	return (endpoint_run(req, &roles_ep));
}
