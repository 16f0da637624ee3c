/*
 * /api/v1/quizzes: quizzes and contests drawn from the question bank of
 * published documents (one document, or a contest across several), made
 * by a propaganda board, a committee or an administrator for a unit in
 * their scope, taken by the members under that unit; and what comes out
 * of them: per-member results, statistics per unit and a leaderboard,
 * each within the caller's scope. Who may do what, the draw and the
 * scoring are in sql/0025_quizzes.sql; this file checks the shape of what
 * arrives and hands it over. Attempts (start, submit) are quiz_attempts.c.
 * No answer of this file ever holds a correct choice: the bank's answers
 * are read in SQL only to score a submitted attempt.
 */

#include "handbook.h"

static const struct json_field create_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "title", JSON_STRING, 1 },
	{ "title_km", JSON_STRING, 0 },
	{ "unit_id", JSON_INTEGER, 1 },
	{ "documents", JSON_ARRAY, 1 },
	{ "kind", JSON_STRING, 0 },
	{ "questions_per_attempt", JSON_INTEGER, 0 },
	{ "time_limit_seconds", JSON_INTEGER, 0 },
	{ "max_attempts", JSON_INTEGER, 0 },
	{ "opens_at", JSON_STRING, 0 },
	{ "closes_at", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

/* POST /api/v1/quizzes */
static const struct endpoint create_ep = {
	.sql = "SELECT api_quiz_create($1::bigint, $2, $3::jsonb, $4, $5)::text",
	.status = HTTP_STATUS_CREATED,
	.body = create_fields,
	.audit = 1,
	.lang = 1,
};

/* GET /api/v1/quizzes?unit=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_quizzes_list($1::bigint, $2::bigint, $3::integer, "
	    "$4::bigint, $5)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "unit", "limit", "cursor", NULL },
	.lang = 1,
};

/* GET /api/v1/quizzes/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_quiz_get($1::bigint, $2::bigint, $3)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.lang = 1,
};

/* GET /api/v1/quizzes/{id}/statistics?unit= */
static const struct endpoint statistics_ep = {
	.sql = "SELECT api_quiz_statistics($1::bigint, $2::bigint, $3::bigint, "
	    "$4)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "unit", NULL },
	.lang = 1,
};

/* GET /api/v1/quizzes/{id}/leaderboard?unit=&limit= */
static const struct endpoint leaderboard_ep = {
	.sql = "SELECT api_quiz_leaderboard($1::bigint, $2::bigint, $3::bigint, "
	    "$4::integer)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "unit", "limit", NULL },
};

/* GET /api/v1/quizzes/{id}/results?unit=&limit=&cursor= */
static const struct endpoint results_ep = {
	.sql = "SELECT api_quiz_results($1::bigint, $2::bigint, $3::bigint, "
	    "$4::integer, $5::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "unit", "limit", "cursor", NULL },
};

int
quizzes_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
quizzes_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
quizzes_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
quizzes_statistics(struct http_request *req)
{
	return (endpoint_run(req, &statistics_ep));
}

int
quizzes_leaderboard(struct http_request *req)
{
	return (endpoint_run(req, &leaderboard_ep));
}

int
quizzes_results(struct http_request *req)
{
	return (endpoint_run(req, &results_ep));
}
