/*
 * Every response the module sends goes through here, so that each one
 * carries the request id, a content type and the right cache policy, and
 * leaves exactly one access-log line (HAProxy's successful health probes
 * excepted). Errors always take the one envelope
 * of the API: {"error": {"code": "snake_case", "message": "..."}}. JSON is
 * written by jansson, which escapes strings (Kore 4.1's writer does not).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "handbook.h"

static void	send_response(struct http_request *, int, const char *,
		    const void *, size_t, int);
static void	accesslog_write(struct http_request *, int);

void
reply_json(struct http_request *req, int status, json_t *body)
{
	char		*text;

	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);

	if (text == NULL) {
		/* Only on allocation failure: still send one envelope. */
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The response could not be written.");
		return;
	}

	send_response(req, status, "application/json", text, strlen(text), 1);
	free(text);
}

/* For JSON that PostgreSQL built (json_build_object and friends). */
void
reply_json_text(struct http_request *req, int status, const char *text,
    size_t len)
{
	send_response(req, status, "application/json", text, len, 1);
}

/*
 * For bytes the caller has cached and labelled itself (content, documents);
 * the caller sets its own Cache-Control and ETag. A NULL type sends no
 * Content-Type (204, 304).
 */
void
reply_bytes(struct http_request *req, int status, const char *type,
    const void *data, size_t len)
{
	send_response(req, status, type, data, len, 0);
}

void
reply_error(struct http_request *req, int status, const char *code,
    const char *fmt, ...)
{
	struct hb_error		err;
	va_list			ap;

	err.status = status;
	err.code = code;

	va_start(ap, fmt);
	(void)vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);

	reply_hb_error(req, &err);
}

void
reply_hb_error(struct http_request *req, const struct hb_error *err)
{
	json_t		*body;

	body = json_pack("{s:{s:s,s:s}}", "error", "code", err->code,
	    "message", err->message);
	if (body == NULL) {
		/* The message was not valid UTF-8: a bug, but answer. */
		body = json_pack("{s:{s:s,s:s}}", "error", "code", err->code,
		    "message", "");
	}

	reply_json(req, err->status, body);
}

static void
send_response(struct http_request *req, int status, const char *type,
    const void *data, size_t len, int no_store)
{
	struct request_ctx	*ctx;
	const char		*probe;

	ctx = request_ctx_get(req);
	if (ctx->replied) {
		kore_log(LOG_ERR, "rid=%s second reply (status %d) dropped",
		    ctx->id, status);
		return;
	}
	ctx->replied = 1;

	if (type != NULL)
		http_response_header(req, "content-type", type);
	http_response_header(req, "x-request-id", ctx->id);
	http_response_header(req, "x-content-type-options", "nosniff");
	if (no_store)
		http_response_header(req, "cache-control", "no-store");

	http_response(req, status, data, len);

	/*
	 * HAProxy probes every node every 2 s: a successful probe would be
	 * most of the log of a quiet node. A failing one is still logged.
	 */
	if (status == HTTP_STATUS_OK && ctx->route != NULL &&
	    ctx->route->handler == health_get &&
	    http_request_header(req, "x-health-check", &probe))
		return;
	accesslog_write(req, status);
}

static void
accesslog_write(struct http_request *req, int status)
{
	struct request_ctx	*ctx;
	char			line[1024];

	ctx = request_ctx_get(req);
	(void)accesslog_format(line, sizeof(line),
	    http_method_text(req->method), req->path, status,
	    request_now_us() - ctx->start_us, ctx->member_id, ctx->id,
	    ctx->client);

	kore_log(LOG_INFO, "%s", line);
}
