/*
 * /api/v1/documents: the list members browse, filtered and paged, the
 * board's publish, withdraw and drafting, and the current version as the
 * caller may read it for the bundle. Reading one document is in
 * document_read.c. The SQL (sql/0010_documents_api.sql and later)
 * decides who may see what.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

/* GET /api/v1/documents?kind=&level=&year=&tag=&lang=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_documents_list($1::bigint, $8, $5, $6, "
	    "$2::integer, $7, $3::integer, $4::bigint)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "year", "limit", "cursor", NULL },
	.query_texts = { "kind", "level", "tag", NULL },
	.lang = 1,
};

int
documents_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

/*
 * The first half of GET /api/v1/documents/{id}/bundle (the document
 * itself is served by document_read.c, from the worker's cache):
 * the token, the id, the language, then the document as the caller may
 * read it. DB_DONE leaves the row (lang, body) in ctx->query.result, the
 * caller clears it; DB_PENDING and DB_REPLIED mean what they mean for
 * db_query_or_reply() (a 404 has been sent for a document the caller may
 * not read). A handler with a precondition of its own passes check,
 * which replies and returns 0 to stop.
 */
int
document_fetch_or_reply(struct http_request *req,
    int (*check)(struct http_request *))
{
	struct request_ctx	*ctx;
	const char		*values[3], *lang;
	char			actor[HB_ID_MAX], id[HB_ID_MAX];
	PGresult		*res;
	int			rc;

	if ((rc = auth_or_reply(req)) != DB_DONE)
		return (rc);
	ctx = request_ctx_get(req);
	if (!param_id_or_reply(req, "id", id))
		return (DB_REPLIED);
	if ((lang = lang_or_reply(req)) == NULL)
		return (DB_REPLIED);
	if (check != NULL && !check(req))
		return (DB_REPLIED);

	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)ctx->member_id);
	values[0] = actor;
	values[1] = id;
	values[2] = lang;
	if ((rc = db_query_or_reply(req, &ctx->query,
	    "SELECT lang, body::text FROM api_document_get($1::bigint, "
	    "$2::bigint, $3)", 3, values)) != DB_DONE)
		return (rc);

	res = ctx->query.result;
	if (res == NULL || PQntuples(res) != 1 || PQgetisnull(res, 0, 1)) {
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such document.");
		return (DB_REPLIED);
	}

	return (DB_DONE);
}

/* POST /api/v1/documents/{id}/withdraw: members stop getting it. */
static const struct endpoint withdraw_ep = {
	.sql = "SELECT api_document_set_state($1::bigint, $2::bigint, "
	    "'withdrawn', $3, $4)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.audit = 1,
};

/* POST /api/v1/documents/{id}/publish: its latest version, again. */
static const struct endpoint publish_ep = {
	.sql = "SELECT api_document_set_state($1::bigint, $2::bigint, "
	    "'published', $3, $4)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.audit = 1,
};

int
documents_withdraw(struct http_request *req)
{
	return (endpoint_run(req, &withdraw_ep));
}

int
documents_publish(struct http_request *req)
{
	return (endpoint_run(req, &publish_ep));
}

/*
 * The board's drafting: a new document, and the draft of an existing one
 * (a new version when the latest is published), both texts side by side
 * with their translation states (sql/0014_document_drafts.sql). Values
 * are checked in SQL; the edge checks fields and types.
 */
static const struct json_field draft_fields[] = {
	{ "slug", JSON_STRING, 0 },
	{ "unit_id", JSON_INTEGER, 0 },
	{ "number", JSON_STRING, 1 },
	{ "kind", JSON_STRING, 1 },
	{ "issuer", JSON_STRING, 1 },
	{ "level", JSON_STRING, 1 },
	{ "issued", JSON_STRING, 1 },
	{ "tags", JSON_ARRAY, 0 },
	{ "audience", JSON_ARRAY, 0 },
	{ "sources", JSON_ARRAY, 0 },
	{ "texts", JSON_OBJECT, 1 },
	{ NULL, 0, 0 },
};

static void	draft_khmer_words(json_t *);

/*
 * POST /api/v1/documents. search_khmer_body() keeps the Khmer copies for
 * search (sql/0016_draft_search_words.sql) and passes the body on.
 */
static const struct endpoint create_ep = {
	.sql = "SELECT api_document_create($1::bigint, "
	    "search_khmer_body($2::jsonb), $3, $4)::text",
	.status = HTTP_STATUS_CREATED,
	.body = draft_fields,
	.audit = 1,
	.body_prepare = draft_khmer_words,
};

/* PUT /api/v1/documents/{id}/draft */
static const struct endpoint draft_save_ep = {
	.sql = "SELECT api_document_draft_save($1::bigint, $2::bigint, "
	    "search_khmer_body($3::jsonb), $4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = draft_fields,
	.audit = 1,
	.body_prepare = draft_khmer_words,
};

/* GET /api/v1/documents/{id}/draft */
static const struct endpoint draft_get_ep = {
	.sql = "SELECT api_document_draft_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

int
documents_create(struct http_request *req)
{
	return (endpoint_run(req, &create_ep));
}

int
documents_draft_save(struct http_request *req)
{
	return (endpoint_run(req, &draft_save_ep));
}

int
documents_draft_get(struct http_request *req)
{
	return (endpoint_run(req, &draft_get_ep));
}

/*
 * Khmer has no spaces between words: search indexes a copy split into
 * words, which PostgreSQL cannot make (khmer.c does, with ICU). A text
 * that cannot be split is still saved; it is then found by whole phrases
 * only.
 */
static void
draft_khmer_words(json_t *body)
{
	static const char *const tkeys[] = { "title", "intro", NULL };
	static const char *const skeys[] = { "title", "summary", "details",
	    NULL };
	json_t		*km, *s;
	size_t		i;

	km = json_object_get(json_object_get(body, "texts"), "km");
	if (!json_is_object(km))
		return;
	(void)khmer_words_json(km, tkeys);
	json_array_foreach(json_object_get(km, "sections"), i, s) {
		if (json_is_object(s))
			(void)khmer_words_json(s, skeys);
	}
}
