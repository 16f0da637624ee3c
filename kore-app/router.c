/*
 * The module's single Kore route (see conf/kore.conf.in) and the table it
 * dispatches on. Kore 4.1 has no per-route methods and answers unknown
 * paths with its own HTML page; owning the table here gives every client the
 * JSON error envelope for 404 and 405, an Allow header computed from the
 * same routes, and one list that the OpenAPI test can hold against the
 * document.
 */

#include <string.h>

#include "handbook.h"

static const struct route routes[] = {
#define ROUTE(method, path, handler)	{ HTTP_METHOD_##method, path, handler, 0 },
#define ROUTE_REPLICA(method, path, handler) \
	{ HTTP_METHOD_##method, path, handler, 1 },
#include "routes.def"
#undef ROUTE
#undef ROUTE_REPLICA
};

#define ROUTES_COUNT	(sizeof(routes) / sizeof(routes[0]))

static const struct route	*find(struct http_request *,
				    struct route_params *);

/*
 * Kore calls this for every request, and again each time a request that
 * returned KORE_RESULT_RETRY is woken up; the route found on the first call
 * is kept in the request context so the table is searched once.
 */
int
router_dispatch(struct http_request *req)
{
	struct request_ctx	*ctx;
	char			allow[64];

	ctx = request_ctx_get(req);

	if (ctx->route == NULL) {
		ctx->route = find(req, &ctx->params);
		if (ctx->route == NULL) {
			if (route_allow_header(routes, ROUTES_COUNT, req->path,
			    allow, sizeof(allow)) == 0) {
				reply_error(req, HTTP_STATUS_NOT_FOUND,
				    "not_found", "No resource at this path.");
				return (KORE_RESULT_OK);
			}
			http_response_header(req, "allow", allow);
			reply_error(req, HTTP_STATUS_METHOD_NOT_ALLOWED,
			    "method_not_allowed",
			    "This resource does not accept that method; "
			    "see the Allow header.");
			return (KORE_RESULT_OK);
		}
	}

	return (ctx->route->handler(req));
}

/* The value of a path parameter of the matched route, or NULL. */
const char *
router_param(struct http_request *req, const char *name)
{
	struct request_ctx	*ctx;
	int			i;

	ctx = request_ctx_get(req);
	for (i = 0; i < ctx->params.count; i++) {
		if (!strcmp(ctx->params.name[i], name))
			return (ctx->params.value[i]);
	}

	return (NULL);
}

/*
 * At load: only a GET may be answered by the replica. A write sent there
 * would fail (25006) and be retried on the primary by db.c, hiding the
 * mistake; refuse to start instead.
 */
int
router_check(void)
{
	size_t		i;

	for (i = 0; i < ROUTES_COUNT; i++) {
		if (routes[i].replica && routes[i].method != HTTP_METHOD_GET) {
			kore_log(LOG_ERR, "routes.def: %s is ROUTE_REPLICA "
			    "but not a GET", routes[i].path);
			return (KORE_RESULT_ERROR);
		}
	}

	return (KORE_RESULT_OK);
}

static const struct route *
find(struct http_request *req, struct route_params *params)
{
	size_t		i;
	int		method;

	/* HEAD is answered by the GET handler; Kore drops the body. */
	method = req->method == HTTP_METHOD_HEAD ? HTTP_METHOD_GET :
	    req->method;

	for (i = 0; i < ROUTES_COUNT; i++) {
		if (routes[i].method != method)
			continue;
		if (route_match(routes[i].path, req->path, params))
			return (&routes[i]);
	}

	return (NULL);
}
