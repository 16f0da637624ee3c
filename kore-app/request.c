/*
 * The per-request context: who asked (the client address HAProxy saw), the
 * request id that ties the access log, HAProxy's log and the client's error
 * report together, when the request started, and the database statement it
 * is waiting on. Kore frees the request when the response is sent or the
 * client goes away; request_free() then cancels any statement in flight.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handbook.h"

static void	request_free(struct http_request *);
static int	from_trusted_proxy(struct connection *);
static void	client_address(struct http_request *, char *, size_t);

struct request_ctx *
request_ctx_get(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*hdr;

	if (req->hdlr_extra != NULL)
		return (req->hdlr_extra);

	ctx = kore_calloc(1, sizeof(*ctx));
	ctx->start_us = request_now_us();

	/*
	 * HAProxy stamps each request with an id and returns it to the
	 * client; reusing it makes one id appear in both logs. A request that
	 * reached Kore some other way gets an id of its own.
	 */
	if (from_trusted_proxy(req->owner) &&
	    http_request_header(req, "x-request-id", &hdr) &&
	    request_id_valid(hdr))
		kore_strlcpy(ctx->id, hdr, sizeof(ctx->id));
	else
		request_id_generate(ctx->id, sizeof(ctx->id));

	client_address(req, ctx->client, sizeof(ctx->client));

	req->hdlr_extra = ctx;
	req->onfree = request_free;

	return (ctx);
}

u_int64_t
request_now_us(void)
{
	struct timespec		ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000 + (u_int64_t)ts.tv_nsec / 1000);
}

static void
request_free(struct http_request *req)
{
	struct request_ctx	*ctx;

	if ((ctx = req->hdlr_extra) == NULL)
		return;

	/*
	 * Kore runs onfree before it cleans the statements bound to the
	 * request, and ours live inside ctx: clean them while ctx exists.
	 */
	db_query_clear(&ctx->auth_query);
	db_query_clear(&ctx->query);

	/*
	 * A password job still running in a task thread writes into its
	 * memory: keep everything until it is done. Kore sees the unfinished
	 * task too, keeps the request, and calls us again later.
	 */
	if (ctx->pw != NULL) {
		if (!pw_job_finished(ctx->pw))
			return;
		pw_job_free(ctx->pw);
		ctx->pw = NULL;
	}

	if (ctx->state != NULL && ctx->state_free != NULL)
		ctx->state_free(ctx->state);
	/* jansson's json_dumps() allocated it. */
	free(ctx->body_text);

	kore_free(ctx);
	req->hdlr_extra = NULL;
}

/*
 * Kore listens on loopback only and HAProxy is the only client meant to
 * reach it, so a loopback peer is taken to be HAProxy. HAProxy replaces
 * any X-Forwarded-For the client sent (conf/haproxy/haproxy.cfg.in).
 */
static int
from_trusted_proxy(struct connection *c)
{
	if (c == NULL)
		return (0);

	if (c->family == AF_INET)
		return ((ntohl(c->addr.ipv4.sin_addr.s_addr) >> 24) == 127);
	if (c->family == AF_INET6)
		return (IN6_IS_ADDR_LOOPBACK(&c->addr.ipv6.sin6_addr));

	return (c->family == AF_UNIX);
}

static void
client_address(struct http_request *req, char *buf, size_t len)
{
	struct connection	*c;
	const char		*xff;
	size_t			n;

	c = req->owner;
	kore_strlcpy(buf, "-", len);

	if (from_trusted_proxy(c) &&
	    http_request_header(req, "x-forwarded-for", &xff)) {
		/* Keep the address only: it ends the log field. */
		n = strspn(xff, "0123456789abcdefABCDEF.:");
		if (n > 0 && n < len) {
			memcpy(buf, xff, n);
			buf[n] = '\0';
			return;
		}
	}

	if (c == NULL)
		return;
	if (c->family == AF_INET)
		(void)inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, buf, len);
	else if (c->family == AF_INET6)
		(void)inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, buf, len);
}
