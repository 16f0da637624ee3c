/*
 * GET /api/v1/version: what is running, for support calls and deployment
 * checks: the module's version and git commit (fixed at build time by the
 * Makefile) and the newest migration applied to the database it talks to.
 */

#include "handbook.h"

#ifndef HB_VERSION
#define HB_VERSION	"0.0.0"
#endif
#ifndef HB_GIT_COMMIT
#define HB_GIT_COMMIT	"unknown"
#endif

static const char version_sql[] =
    "SELECT json_build_object("
    "'name', $1::text, 'version', $2::text, 'commit', $3::text, "
    "'schema_version', (SELECT max(version) FROM schema_migrations))::text";

int
version_get(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*values[3];
	PGresult		*res;

	ctx = request_ctx_get(req);
	values[0] = HB_NAME;
	values[1] = HB_VERSION;
	values[2] = HB_GIT_COMMIT;

	switch (db_query_or_reply(req, &ctx->query, version_sql, 3, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	res = ctx->query.result;
	if (res == NULL || PQntuples(res) != 1) {
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The version could not be read.");
		return (KORE_RESULT_OK);
	}

	reply_json_text(req, HTTP_STATUS_OK, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
	db_query_clear(&ctx->query);

	return (KORE_RESULT_OK);
}
