/*
 * GET /healthz: is this node able to serve? It answers 200 when a trivial
 * statement runs on the database, and the 503 envelope with Retry-After
 * when it does not (that answer comes from db.c). HAProxy's health check
 * accepts both, because a node that answers 503 is alive and its answer is
 * the right one for clients while the database is away.
 */

#include "handbook.h"

int
health_get(struct http_request *req)
{
	struct request_ctx	*ctx;

	ctx = request_ctx_get(req);

	switch (db_query_or_reply(req, &ctx->query, "SELECT 1", 0, NULL)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	db_query_clear(&ctx->query);
	reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s}",
	    "status", "ok", "database", "ok"));

	return (KORE_RESULT_OK);
}
