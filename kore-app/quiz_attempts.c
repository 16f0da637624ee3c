/*
 * /api/v1/quizzes/{id}/attempts and /api/v1/quiz-attempts/{id}: a member
 * of a quiz's audience starts an attempt (the questions drawn for it, the
 * choices of each shuffled for it, in Vietnamese or Khmer), reads it
 * again, and submits the answers; the server scores them and only then
 * shows, per question, whether it was right and which choice was. Start
 * and submit carry a client_id so that a phone's retry is stored once and
 * answered as the first time. The rules and the scoring are in
 * sql/0025_quizzes.sql.
 *
 * Submission has a handler of its own: an attempt submitted past its time
 * limit is refused with 409 and recorded as expired in the same
 * transaction, so the SQL answers {"status", "body"} instead of raising
 * (which would roll the record back), and the status is sent from here.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

static const struct json_field start_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ NULL, 0, 0 },
};

static const struct json_field submit_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "answers", JSON_ARRAY, 1 },
	{ NULL, 0, 0 },
};

/* POST /api/v1/quizzes/{id}/attempts */
static const struct endpoint start_ep = {
	.sql = "SELECT api_quiz_attempt_start($1::bigint, $2::bigint, $3, "
	    "$4::jsonb, $5, $6)::text",
	.status = HTTP_STATUS_CREATED,
	.path_id = "id",
	.body = start_fields,
	.audit = 1,
	.lang = 1,
};

/* GET /api/v1/quizzes/{id}/attempts: the caller's own */
static const struct endpoint mine_ep = {
	.sql = "SELECT api_quiz_attempts_mine($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* GET /api/v1/quiz-attempts/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_quiz_attempt_get($1::bigint, $2::bigint, $3)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.lang = 1,
};

int
quiz_attempts_start(struct http_request *req)
{
	return (endpoint_run(req, &start_ep));
}

int
quiz_attempts_mine(struct http_request *req)
{
	return (endpoint_run(req, &mine_ep));
}

int
quiz_attempts_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

/* POST /api/v1/quiz-attempts/{id}/submit {"client_id", "answers"} */
int
quiz_attempts_submit(struct http_request *req)
{
	struct request_ctx	*ctx;
	PGresult		*res;
	const char		*values[6], *lang, *body, *status;
	char			actor[HB_ID_MAX], id[HB_ID_MAX];

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	ctx = request_ctx_get(req);
	if (!param_id_or_reply(req, "id", id))
		return (KORE_RESULT_OK);
	if ((lang = lang_or_reply(req)) == NULL)
		return (KORE_RESULT_OK);
	if ((body = body_text_or_reply(req, submit_fields, NULL)) == NULL)
		return (KORE_RESULT_OK);

	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)ctx->member_id);
	values[0] = actor;
	values[1] = id;
	values[2] = lang;
	values[3] = body;
	values[4] = ctx->client;
	values[5] = ctx->id;
	switch (db_query_or_reply(req, &ctx->query,
	    "SELECT s.out_status, s.out_body::text FROM "
	    "api_quiz_attempt_submit($1::bigint, $2::bigint, $3, $4::jsonb, "
	    "$5, $6) s", 6, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	/* The body is PostgreSQL's JSON text, sent as it is: a retry gets
	   the same bytes as the first submission. */
	res = ctx->query.result;
	status = NULL;
	if (res != NULL && PQntuples(res) == 1 && PQnfields(res) == 2 &&
	    !PQgetisnull(res, 0, 0) && !PQgetisnull(res, 0, 1))
		status = PQgetvalue(res, 0, 0);
	if (status == NULL || (strcmp(status, "200") && strcmp(status, "409"))) {
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The scored attempt could not be read.");
	} else {
		reply_json_text(req, atoi(status), PQgetvalue(res, 0, 1),
		    (size_t)PQgetlength(res, 0, 1));
	}
	db_query_clear(&ctx->query);

	return (KORE_RESULT_OK);
}
