/*
 * /api/v1/study-sessions/{id}/attendance: who attended a study session.
 * A cell's secretary (or a committee above, or an administrator) records
 * a list of members as present or absent with a reason, in one request,
 * all or nothing: one bad record and nothing is stored, and the 422 names
 * every bad record, as the member import does, so the secretary fixes the
 * list and sends it again. Records are keyed by session and member, so a
 * retried request stores nothing twice. Reading gives the per-member
 * lines the caller may see. Rules and states are in
 * sql/0020_study_sessions.sql.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

static const struct json_field record_fields[] = {
	{ "records", JSON_ARRAY, 1 },
	{ NULL, 0, 0 },
};

/* GET /api/v1/study-sessions/{id}/attendance?unit=&status=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_study_attendance_list($1::bigint, $2::bigint, "
	    "$3::bigint, $4::integer, $5::bigint, $6)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "unit", "limit", "cursor", NULL },
	.query_texts = { "status", NULL },
};

int
study_attendance_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

/*
 * PUT /api/v1/study-sessions/{id}/attendance {"records": [...]}. The SQL
 * answers the stored records, or the error envelope with the rejected
 * records (nothing stored), which goes out as 422.
 */
int
study_attendance_record(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*values[5], *body;
	char			actor[HB_ID_MAX], sid[HB_ID_MAX];
	json_t			*answer;

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}
	ctx = request_ctx_get(req);
	if (!param_id_or_reply(req, "id", sid))
		return (KORE_RESULT_OK);
	if ((body = body_text_or_reply(req, record_fields, NULL)) == NULL)
		return (KORE_RESULT_OK);

	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)ctx->member_id);
	values[0] = actor;
	values[1] = sid;
	values[2] = body;
	values[3] = ctx->client;
	values[4] = ctx->id;
	switch (db_query_or_reply(req, &ctx->query,
	    "SELECT api_study_attendance_record($1::bigint, $2::bigint, "
	    "$3::jsonb, $4, $5)::text", 5, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	if ((answer = db_result_json_or_reply(req, &ctx->query,
	    "The attendance answer")) == NULL)
		return (KORE_RESULT_OK);

	reply_json(req, json_object_get(answer, "error") != NULL ?
	    422 : HTTP_STATUS_OK, answer);
	return (KORE_RESULT_OK);
}
