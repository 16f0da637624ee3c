/*
 * GET /api/v1/me/progress: the caller's own reading progress, one item
 * per document they have sent events for (first opened, which sections of
 * which version, completed, time spent, last activity), kept current by
 * POST /api/v1/events (events.c). ?document=ID narrows it to one document.
 * Only ever the caller's: the member is the token's, never a parameter,
 * so nobody can ask for anyone else's; what boards see of members'
 * reading is issue 7's reports.
 */

#include "handbook.h"

static const struct endpoint progress_ep = {
	.sql = "SELECT api_progress_list($1::bigint, $2::bigint, "
	    "$3::integer, $4::bigint, $5)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "document", "limit", "cursor", NULL },
	.lang = 1,
};

int
progress_get(struct http_request *req)
{
	return (endpoint_run(req, &progress_ep));
}
