/*
 * /api/v1/members: accounts and their roles, scoped by the caller's roles:
 * a committee manages the members under its unit, a cell secretary reads
 * their cell, a member reads themselves. The checks are in SQL
 * (sql/0004_access.sql, sql/0005_directory_api.sql); list queries filter
 * by the caller's scope inside the query, so no row outside it can leak.
 */

#include <stdio.h>
#include <string.h>

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

static const struct json_field password_fields[] = {
	{ "password", JSON_STRING, 1 },
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

/*
 * POST /api/v1/members/import?mode=all|valid&dry_run=true|false, a CSV
 * body (Content-Type: text/csv). All-or-nothing by default: one bad row
 * and nothing is imported (422, with every rejected row and why); with
 * mode=valid the good rows are imported and the others reported (200);
 * dry_run checks without importing. The file is turned into JSON here
 * (csv_import.c) and checked and imported in one statement
 * (api_members_import), so nothing is ever half-imported.
 */
int
members_import(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct kore_buf		*buf;
	struct hb_error		err;
	json_t			*doc, *answer;
	const char		*values[6];
	char			actor[HB_ID_MAX], mode[8], dry[8];
	int			ok;

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}
	ctx = request_ctx_get(req);

	if (!query_text_or_reply(req, "mode", mode, sizeof(mode)) ||
	    !query_text_or_reply(req, "dry_run", dry, sizeof(dry)))
		return (KORE_RESULT_OK);
	if (mode[0] == '\0')
		(void)snprintf(mode, sizeof(mode), "all");
	if (strcmp(mode, "all") && strcmp(mode, "valid")) {
		reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_parameter",
		    "mode is \"all\" (the default) or \"valid\".");
		return (KORE_RESULT_OK);
	}
	if (dry[0] != '\0' && strcmp(dry, "true") && strcmp(dry, "false")) {
		reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_parameter",
		    "dry_run is true or false.");
		return (KORE_RESULT_OK);
	}

	if (ctx->body_text == NULL) {
		if ((buf = body_raw_or_reply(req, "text/csv")) == NULL)
			return (KORE_RESULT_OK);
		ok = member_csv_to_json(buf->data, buf->offset, &doc, &err);
		kore_buf_free(buf);
		if (!ok) {
			reply_hb_error(req, &err);
			return (KORE_RESULT_OK);
		}
		ctx->body_text = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
		if (ctx->body_text == NULL) {
			reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
			    "internal_error", "The file could not be kept.");
			return (KORE_RESULT_OK);
		}
	}

	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)ctx->member_id);
	values[0] = actor;
	values[1] = ctx->body_text;
	values[2] = mode;
	values[3] = strcmp(dry, "true") == 0 ? "true" : "false";
	values[4] = ctx->client;
	values[5] = ctx->id;
	switch (db_query_or_reply(req, &ctx->query,
	    "SELECT api_members_import($1::bigint, $2::jsonb, $3, "
	    "$4::boolean, $5, $6)::text", 6, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	if ((answer = db_result_json_or_reply(req, &ctx->query,
	    "The import report")) == NULL)
		return (KORE_RESULT_OK);

	ok = json_is_true(json_object_get(answer, "ok"));
	reply_json(req, ok ? HTTP_STATUS_OK : 422, answer);
	return (KORE_RESULT_OK);
}

/*
 * PUT /api/v1/members/{id}/password {"password"}: a committee member or
 * administrator sets the password of a member they manage (a new or
 * imported account, a forgotten password). Hashed in a task thread like
 * every password; all sessions of the member are revoked.
 */
int
members_password_set(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct hb_error		err;
	json_t			*body;
	const char		*values[5], *pw;
	char			actor[HB_ID_MAX], id[HB_ID_MAX];
	int			rc;

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}
	ctx = request_ctx_get(req);
	if (!param_id_or_reply(req, "id", id))
		return (KORE_RESULT_OK);

	switch (ctx->step) {
	case 0:
		if ((body = body_json_or_reply(req, password_fields)) == NULL)
			return (KORE_RESULT_OK);
		pw = json_string_value(json_object_get(body, "password"));
		if (!password_acceptable(pw, &err)) {
			json_decref(body);
			reply_hb_error(req, &err);
			return (KORE_RESULT_OK);
		}
		ctx->pw = pw_job_alloc(PW_HASH, pw, NULL, NULL);
		json_decref(body);
		pw_job_start(req, ctx->pw);
		ctx->step = 1;
		return (KORE_RESULT_RETRY);
	case 1:
		/* The job stays in ctx->pw: step 2 sends its hash. */
		if (pw_job_wait_or_reply(req,
		    "The password could not be hashed.", &rc) == NULL)
			return (rc);
		ctx->step = 2;
		/* FALLTHROUGH */
	case 2:
		(void)snprintf(actor, sizeof(actor), "%lld",
		    (long long)ctx->member_id);
		values[0] = actor;
		values[1] = id;
		values[2] = ctx->pw->new_hash;
		values[3] = ctx->client;
		values[4] = ctx->id;
		return (db_reply_json(req, HTTP_STATUS_NO_CONTENT,
		    "SELECT api_member_password_set($1::bigint, $2::bigint, $3, "
		    "$4, $5)", 5, values));
	}

	reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
	    "Unexpected state.");
	return (KORE_RESULT_OK);
}
