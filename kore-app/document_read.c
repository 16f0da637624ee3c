/*
 * One document as members read it, from the worker's cache when it can
 * be: GET /api/v1/documents/{id} (the version the caller gets now) and
 * GET /api/v1/documents/{id}/versions/{version} (one edition by number,
 * an URL whose answer never changes).
 *
 * Each request asks the database one cheap question -- which version may
 * this caller read (sql/0017_document_cache.sql: document_head, sent in
 * the same round trip as the token check; document_edition) -- and the
 * rendered body then comes from doc_cache.c, or, the first time, from
 * document_render() and into the cache. The answer has a strong ETag
 * (If-None-Match gives 304), Content-Language, and the body says when the
 * asked language was missing and Vietnamese was served instead.
 *
 * Caching outside the service: /documents/{id} changes with each version
 * and is for members only, so it is "private, no-cache" (a phone keeps it
 * and revalidates). An edition never changes; one of a document meant for
 * everyone (no unit) is answered without a token and is "public, max-age
 * a year, immutable", so HAProxy's cache (conf/haproxy) and any cache on
 * the way keep it. A request that sends a token bypasses HAProxy's cache:
 * phones fetch such editions without one.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

#define STEP_HEAD	0	/* token and version, or edition check */
#define STEP_RENDER	1	/* not cached: render it */

struct read_state {
	char		doc[HB_ID_MAX];
	char		version[HB_ID_MAX];
	const char	*want;
	int		open;		/* an edition anyone may read */
	int		edition;
};

static int	head_step(struct http_request *, struct read_state *);
static int	edition_step(struct http_request *, struct read_state *);
static int	cached_or_render(struct http_request *, struct read_state *);
static int	render_step(struct http_request *, struct read_state *);
static void	serve(struct http_request *, struct read_state *,
		    const char *, const char *, size_t, const char *);
static struct read_state	*state_get(struct http_request *, int);

/* GET /api/v1/documents/{id}?lang= */
int
documents_get(struct http_request *req)
{
	struct read_state	*st;

	/* A non-numeric id: the token is checked first, as on every
	 * members' path, then 404. */
	if (request_ctx_get(req)->state == NULL &&
	    !param_id_valid(req, "id")) {
		switch (auth_or_reply(req)) {
		case DB_PENDING:
			return (KORE_RESULT_RETRY);
		case DB_REPLIED:
			return (KORE_RESULT_OK);
		}
	}
	if ((st = state_get(req, 0)) == NULL)
		return (KORE_RESULT_OK);
	if (request_ctx_get(req)->step == STEP_HEAD)
		return (head_step(req, st));

	return (render_step(req, st));
}

/* GET /api/v1/documents/{id}/versions/{version}?lang= */
int
documents_edition(struct http_request *req)
{
	struct read_state	*st;

	if ((st = state_get(req, 1)) == NULL)
		return (KORE_RESULT_OK);
	if (request_ctx_get(req)->step == STEP_HEAD)
		return (edition_step(req, st));

	return (render_step(req, st));
}

/* The token and the current version the member may read, in one query. */
static int
head_step(struct http_request *req, struct read_state *st)
{
	struct request_ctx	*ctx;
	PGresult		*res;
	int			 gone;

	ctx = request_ctx_get(req);
	switch (auth_with_or_reply(req, "SELECT member_id, lang, version "
	    "FROM document_head_for_session($1, $2::bigint)", st->doc)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	res = ctx->auth_query.result;
	gone = PQgetisnull(res, 0, 2);
	if (!gone)
		(void)snprintf(st->version, sizeof(st->version), "%s",
		    PQgetvalue(res, 0, 2));
	db_query_clear(&ctx->auth_query);
	if (gone) {
		/*
		 * A refusal like any other (access_require() audits the
		 * others): a member asking for another district's document
		 * is worth a line, unknown ids too, as everywhere else.
		 */
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such document.");
		audit_denied(req, HTTP_STATUS_NOT_FOUND, "not_found");
		return (KORE_RESULT_OK);
	}
	/* The member's own language is known only now. */
	if ((st->want = lang_or_reply(req)) == NULL)
		return (KORE_RESULT_OK);

	return (cached_or_render(req, st));
}

/*
 * Is this edition published, and may the caller read it? Without a token
 * only editions for everyone are; with one, the member's too.
 */
static int
edition_step(struct http_request *req, struct read_state *st)
{
	struct request_ctx	*ctx;
	const char		*values[3], *hdr;
	char			 actor[HB_ID_MAX];
	PGresult		*res;
	int			 rc;

	ctx = request_ctx_get(req);
	actor[0] = '\0';
	if (http_request_header(req, "authorization", &hdr)) {
		switch (auth_or_reply(req)) {
		case DB_PENDING:
			return (KORE_RESULT_RETRY);
		case DB_REPLIED:
			return (KORE_RESULT_OK);
		}
		(void)snprintf(actor, sizeof(actor), "%lld",
		    (long long)ctx->member_id);
	}
	if (st->want == NULL && (st->want = lang_or_reply(req)) == NULL)
		return (KORE_RESULT_OK);

	values[0] = actor[0] != '\0' ? actor : NULL;
	values[1] = st->doc;
	values[2] = st->version;
	if ((rc = db_query_or_reply(req, &ctx->query, "SELECT open FROM "
	    "document_edition($1::bigint, $2::bigint, $3::integer)", 3,
	    values)) == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (rc == DB_REPLIED)
		return (KORE_RESULT_OK);

	res = ctx->query.result;
	if (res == NULL || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such document or version.");
		/* Without a token there is nobody to write down. */
		if (actor[0] != '\0')
			audit_denied(req, HTTP_STATUS_NOT_FOUND, "not_found");
		return (KORE_RESULT_OK);
	}
	st->open = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	db_query_clear(&ctx->query);

	return (cached_or_render(req, st));
}

/* The caller may read this version: from the cache, else rendered. */
static int
cached_or_render(struct http_request *req, struct read_state *st)
{
	struct doc_cache_hit	hit;

	if (doc_cache_get(strtoll(st->doc, NULL, 10), atoi(st->version),
	    st->want, &hit)) {
		serve(req, st, hit.lang, hit.body, hit.len, hit.etag);
		return (KORE_RESULT_OK);
	}
	request_ctx_get(req)->step = STEP_RENDER;

	return (render_step(req, st));
}

/* Not in this worker's cache yet: have PostgreSQL render it, keep it. */
static int
render_step(struct http_request *req, struct read_state *st)
{
	struct request_ctx	*ctx;
	const char		*values[3], *body, *lang;
	char			 etag[40];
	PGresult		*res;
	size_t			 len;
	int			 rc;

	ctx = request_ctx_get(req);
	values[0] = st->doc;
	values[1] = st->version;
	values[2] = st->want;
	if ((rc = db_query_or_reply(req, &ctx->query, "SELECT lang, body::text "
	    "FROM document_render($1::bigint, $2::integer, $3)", 3,
	    values)) == DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (rc == DB_REPLIED)
		return (KORE_RESULT_OK);

	res = ctx->query.result;
	if (res == NULL || PQntuples(res) != 1 || PQgetisnull(res, 0, 1)) {
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such document.");
		return (KORE_RESULT_OK);
	}
	lang = PQgetvalue(res, 0, 0);
	body = PQgetvalue(res, 0, 1);
	len = (size_t)PQgetlength(res, 0, 1);
	(void)doc_cache_put(strtoll(st->doc, NULL, 10), atoi(st->version),
	    st->want, lang, body, len);
	etag_of(body, len, etag, sizeof(etag));
	serve(req, st, lang, body, len, etag);
	db_query_clear(&ctx->query);

	return (KORE_RESULT_OK);
}

static void
serve(struct http_request *req, struct read_state *st, const char *lang,
    const char *body, size_t len, const char *etag)
{
	const char	*inm;
	char		 lang_q[8];

	http_response_header(req, "etag", etag);
	http_response_header(req, "content-language", lang);
	if (!st->edition) {
		http_response_header(req, "vary",
		    "Accept-Language, Authorization");
		/* Members only, and it changes with each version. */
		http_response_header(req, "cache-control", "private, no-cache");
	} else {
		/*
		 * The language came from ?lang= or else from the request's
		 * headers, and then the answer varies with them (and a shared
		 * cache should not keep it: HAProxy does not).
		 */
		if (query_param(req->query_string, "lang", lang_q,
		    sizeof(lang_q)) <= 0)
			http_response_header(req, "vary",
			    "Accept-Language, Authorization");
		http_response_header(req, "cache-control", st->open ?
		    "public, max-age=31536000, immutable" :
		    "private, max-age=31536000, immutable");
	}

	if (http_request_header(req, "if-none-match", &inm) &&
	    etag_matches(inm, etag))
		reply_bytes(req, HTTP_STATUS_NOT_MODIFIED, NULL, NULL, 0);
	else
		reply_bytes(req, HTTP_STATUS_OK, "application/json", body,
		    len);
}

/*
 * The request's state, made on the first call from the ids in the path.
 * NULL after a 404 for an id that is not a number (a path that names
 * nothing).
 */
static struct read_state *
state_get(struct http_request *req, int edition)
{
	struct request_ctx	*ctx;
	struct read_state	*st;

	ctx = request_ctx_get(req);
	if (ctx->state != NULL)
		return (ctx->state);

	st = kore_calloc(1, sizeof(*st));
	st->edition = edition;
	if (!param_id_or_reply(req, "id", st->doc) ||
	    (edition && !param_id_or_reply(req, "version", st->version))) {
		kore_free(st);
		return (NULL);
	}
	ctx->state = st;
	ctx->state_free = kore_free;

	return (st);
}
