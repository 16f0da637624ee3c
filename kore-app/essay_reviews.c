/*
 * /api/v1/essays/{id}/reviews: the cell secretary or deputy, or a
 * committee above the cell, accepts the submitted version of an essay or
 * returns it with a comment saying what to revise; the member then saves
 * and submits again. Every review is kept and listed, oldest first. A
 * review names the version it judged, so that a review of a version
 * already replaced is refused (409) rather than applied to the new one.
 * Retried with the same client_id, a review is stored once. The rules
 * are in sql/0024_essays.sql (api_essay_review).
 */

#include "handbook.h"

static const struct json_field review_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "version", JSON_INTEGER, 1 },
	{ "decision", JSON_STRING, 1 },
	{ "comment", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

/* POST /api/v1/essays/{id}/reviews */
static const struct endpoint create_ep = {
	.sql = "SELECT api_essay_review($1::bigint, $2::bigint, "
	    "$3::jsonb)::text",
	.status = HTTP_STATUS_CREATED,
	.path_id = "id",
	.body = review_fields,
};

/* GET /api/v1/essays/{id}/reviews */
static const struct endpoint list_ep = {
	.sql = "SELECT api_essay_reviews($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

int
essay_reviews_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
essay_reviews_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}
