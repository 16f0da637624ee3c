/*
 * GET /api/v1/sync?since=CURSOR: what was published, updated or withdrawn
 * since the cursor a phone got last time, oldest first, paged, so that a
 * phone offline for weeks catches up in a few requests and can stop and
 * resume anywhere (sql/0012_content_sync_publishing.sql). The answer
 * holds ids and versions only; the phone then fetches the documents it
 * lacks, which revalidate by ETag.
 */

#include "handbook.h"

static const struct endpoint sync_ep = {
	.sql = "SELECT api_sync($1::bigint, $3, $2::integer)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "limit", NULL },
	.query_texts = { "since", NULL },
};

int
sync_get(struct http_request *req)
{
	return (endpoint_run(req, &sync_ep));
}
