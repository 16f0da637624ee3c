/*
 * The common shape of the directory endpoints: authenticate, read an id
 * from the path, a few query parameters and a JSON body, hand them all to
 * one SQL function that checks access and answers JSON, and send that.
 * A resource file describes each such endpoint as a struct endpoint and
 * its handler is one call to endpoint_run(); what differs between
 * endpoints is the SQL, which is where the rules live.
 *
 * The SQL gets its parameters in this order: $1 the acting member, then
 * the path id (if any) and the path part's id (if any), the query parameters (ids, then texts, as listed),
 * with `lang` the language negotiated from ?lang= and Accept-Language, the
 * body as jsonb (if any), and with `audit` the client address and the
 * request id.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

#define EP_TEXT_MAX	201	/* a search term: 200 bytes */
#define EP_VALUES_MAX	12

int
endpoint_run(struct http_request *req, const struct endpoint *ep)
{
	struct request_ctx	*ctx;
	const char		*values[EP_VALUES_MAX], *body;
	char			actor[HB_ID_MAX], id[HB_ID_MAX];
	char			part[HB_ID_MAX];
	char			ids[4][HB_ID_MAX], texts[3][EP_TEXT_MAX];
	const char		*lang;
	int			n, i;

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	ctx = request_ctx_get(req);
	n = 0;
	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)ctx->member_id);
	values[n++] = actor;

	if (ep->path_id != NULL) {
		if (!param_id_or_reply(req, ep->path_id, id))
			return (KORE_RESULT_OK);
		values[n++] = id;
	}

	if (ep->path_part != NULL) {
		if (!param_id_or_reply(req, ep->path_part, part))
			return (KORE_RESULT_OK);
		values[n++] = part;
	}

	for (i = 0; i < 4 && ep->query_ids[i] != NULL; i++) {
		if (!query_id_or_reply(req, ep->query_ids[i], ids[i]))
			return (KORE_RESULT_OK);
		values[n++] = ids[i][0] != '\0' ? ids[i] : NULL;
	}

	for (i = 0; i < 3 && ep->query_texts[i] != NULL; i++) {
		if (!query_text_or_reply(req, ep->query_texts[i], texts[i],
		    sizeof(texts[i])))
			return (KORE_RESULT_OK);
		values[n++] = texts[i][0] != '\0' ? texts[i] : NULL;
	}

	if (ep->lang) {
		if ((lang = lang_or_reply(req)) == NULL)
			return (KORE_RESULT_OK);
		values[n++] = lang;
	}

	if (ep->body != NULL) {
		if ((body = body_text_or_reply(req, ep->body,
		    ep->body_prepare)) == NULL)
			return (KORE_RESULT_OK);
		values[n++] = body;
	}

	if (ep->audit) {
		values[n++] = ctx->client;
		values[n++] = ctx->id;
	}

	return (db_reply_json(req, ep->status, ep->sql, n, values));
}

/*
 * The language of the answer: ?lang=vi|km, else Accept-Language, else the
 * member's preferred language, else vi. NULL after a 400 for a language
 * the service does not have.
 */
const char *
lang_or_reply(struct http_request *req)
{
	const char	*accept, *lang;
	char		q[8];

	if (!query_text_or_reply(req, "lang", q, sizeof(q)))
		return (NULL);
	if (!http_request_header(req, "accept-language", &accept))
		accept = NULL;
	if ((lang = lang_negotiate(q, accept,
	    request_ctx_get(req)->member_lang)) == NULL) {
		reply_error(req, HTTP_STATUS_BAD_REQUEST, "unsupported_language",
		    "Supported languages: vi (Tiếng Việt), km (ភាសាខ្មែរ).");
		return (NULL);
	}

	return (lang);
}
