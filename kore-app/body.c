/*
 * Reading a request body at the edge, once: the media type, the size,
 * and for JSON the syntax and the fields are checked here; a handler gets a
 * valid body or finds that the error reply has already been sent (the
 * "_or_reply" habit borrowed from redis).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "handbook.h"

static struct kore_buf	*body_raw(struct http_request *, const char *,
			    struct hb_error *);
static void		body_error(struct hb_error *, int, const char *,
			    const char *, ...)
			    __attribute__((format(printf, 4, 5)));
static int		media_type_is(struct http_request *, const char *);

/*
 * Returns the body as a new JSON object that fits spec, or NULL after
 * replying 400, 413, 415 or 422.
 */
json_t *
body_json_or_reply(struct http_request *req, const struct json_field *spec)
{
	struct hb_error		err;
	json_t			*obj;

	if ((obj = body_json(req, spec, &err)) == NULL)
		reply_hb_error(req, &err);

	return (obj);
}

/*
 * The same without replying: NULL with err filled. For a handler that has
 * something to ask before it may say what was wrong with the body
 * (events.c checks the token first, in the same statement as the events).
 */
json_t *
body_json(struct http_request *req, const struct json_field *spec,
    struct hb_error *err)
{
	struct kore_buf		*buf;
	json_t			*obj;

	if ((buf = body_raw(req, "application/json", err)) == NULL)
		return (NULL);

	if (!hb_json_parse(buf->data, buf->offset, &obj, err)) {
		kore_buf_free(buf);
		return (NULL);
	}
	kore_buf_free(buf);

	if (spec != NULL && !hb_json_check_fields(obj, spec, err)) {
		json_decref(obj);
		return (NULL);
	}

	return (obj);
}

/*
 * The body's bytes, when it is of media type (with at most a charset of
 * utf-8) and within HB_BODY_MAX; NULL after replying 400, 413 or 415.
 * The caller frees the buffer.
 */
struct kore_buf *
body_raw_or_reply(struct http_request *req, const char *type)
{
	struct hb_error		err;
	struct kore_buf		*buf;

	if ((buf = body_raw(req, type, &err)) == NULL)
		reply_hb_error(req, &err);

	return (buf);
}

static struct kore_buf *
body_raw(struct http_request *req, const char *type, struct hb_error *err)
{
	struct kore_buf		*buf;
	u_int8_t		chunk[8192];
	ssize_t			n;

	if (!media_type_is(req, type)) {
		body_error(err, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported_media_type", "Send the body as "
		    "Content-Type: %s.", type);
		return (NULL);
	}

	if (req->content_length > HB_BODY_MAX) {
		body_error(err, HTTP_STATUS_REQUEST_ENTITY_TOO_LARGE,
		    "payload_too_large", "The body is larger than %d bytes.",
		    HB_BODY_MAX);
		return (NULL);
	}

	buf = kore_buf_alloc(req->content_length > 0 ?
	    req->content_length : 128);
	for (;;) {
		n = http_body_read(req, chunk, sizeof(chunk));
		if (n < 0) {
			kore_buf_free(buf);
			body_error(err, HTTP_STATUS_BAD_REQUEST,
			    "bad_request", "The body could not be read.");
			return (NULL);
		}
		if (n == 0)
			break;
		if (buf->offset + (size_t)n > HB_BODY_MAX) {
			kore_buf_free(buf);
			body_error(err, HTTP_STATUS_REQUEST_ENTITY_TOO_LARGE,
			    "payload_too_large",
			    "The body is larger than %d bytes.", HB_BODY_MAX);
			return (NULL);
		}
		kore_buf_append(buf, chunk, (size_t)n);
	}

	return (buf);
}

static void
body_error(struct hb_error *err, int status, const char *code,
    const char *fmt, ...)
{
	va_list	ap;

	err->status = status;
	err->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* The request's Content-Type is want, optionally with "; charset=utf-8". */
static int
media_type_is(struct http_request *req, const char *want)
{
	const char	*type, *rest;
	size_t		len;

	if (!http_request_header(req, "content-type", &type))
		return (0);

	len = strlen(want);
	if (strncasecmp(type, want, len) != 0)
		return (0);

	rest = type + len;
	rest += strspn(rest, " ");
	if (*rest == '\0')
		return (1);
	if (*rest != ';')
		return (0);
	rest++;
	rest += strspn(rest, " ");

	return (strcasecmp(rest, "charset=utf-8") == 0);
}

/*
 * The body as compact JSON text, checked against spec, for handing to SQL
 * as jsonb; prepare (may be NULL) may add to the checked object first.
 * Kept in the request context, because a handler runs again each time its
 * statement makes progress and the body is read only once. NULL after
 * replying.
 */
const char *
body_text_or_reply(struct http_request *req, const struct json_field *spec,
    void (*prepare)(json_t *))
{
	struct request_ctx	*ctx;
	json_t			*obj;

	ctx = request_ctx_get(req);
	if (ctx->body_text != NULL)
		return (ctx->body_text);

	if ((obj = body_json_or_reply(req, spec)) == NULL)
		return (NULL);
	if (prepare != NULL)
		prepare(obj);

	ctx->body_text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (ctx->body_text == NULL) {
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The body could not be kept.");
		return (NULL);
	}

	return (ctx->body_text);
}
