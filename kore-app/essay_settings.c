/*
 * /api/v1/units/{id}/essay-settings: the similarity threshold above which
 * a submitted essay is flagged as a likely copy, per unit and inherited
 * down the tree (the nearest unit above a cell that set one, else 0.4;
 * why 0.4 is in sql/0024_essays.sql). Anyone who can read the unit reads
 * the threshold in force; committees and administrators of the unit or
 * above change it.
 */

#include "handbook.h"

static const struct json_field settings_fields[] = {
	{ "similarity_threshold", JSON_REAL, 0 },
	{ "inherit", JSON_TRUE, 0 },
	{ NULL, 0, 0 },
};

static const struct endpoint get_ep = {
	.sql = "SELECT api_essay_settings_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

static const struct endpoint set_ep = {
	.sql = "SELECT api_essay_settings_set($1::bigint, $2::bigint, "
	    "$3::jsonb, $4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = settings_fields,
	.audit = 1,
};

int
essay_settings_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
essay_settings_set(struct http_request *req)
{
	return (endpoint_run(req, &set_ep));
}
