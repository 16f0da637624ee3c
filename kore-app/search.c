/*
 * GET /api/v1/search?q=&lang=&limit=: the core points of the documents a
 * member may read that contain every word of q, best first, each with a
 * snippet that marks the words found. The text is made comparable here,
 * once, before the database sees it: NFC, then Khmer with its clusters in
 * one order and split into words by ICU (khmer.c), because PostgreSQL
 * cannot find Khmer word boundaries and the index holds Khmer texts
 * segmented the same way by the importer. Vietnamese tone marks are
 * folded by the text search configuration (sql/0011_search.sql), for the
 * query and the index alike. q is at most 200 characters, counted as code
 * points after NFC, as the person typing sees them.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

#define SEARCH_CHARS_MAX	200
/* Decoded bytes of q: HAProxy refuses URLs over 2048 bytes, so only a
 * request sent to Kore directly can be longer, and is refused. */
#define SEARCH_RAW_MAX		4096
/* NFC and Khmer word breaks of at most 200 code points. */
#define SEARCH_TEXT_MAX		(SEARCH_CHARS_MAX * 8 + 1)

struct search_state {
	char		actor[HB_ID_MAX];
	char		limit[HB_ID_MAX];
	const char	*lang;
	char		words[SEARCH_TEXT_MAX];
};

static struct search_state	*prepare(struct http_request *);
static void			state_free(void *);

int
search_get(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct search_state	*st;
	const char		*values[4];

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	/* Kore calls us again while the statement runs: check q once. */
	ctx = request_ctx_get(req);
	if (ctx->state == NULL) {
		if ((st = prepare(req)) == NULL)
			return (KORE_RESULT_OK);
		ctx->state = st;
		ctx->state_free = state_free;
	}
	st = ctx->state;

	values[0] = st->actor;
	values[1] = st->words;
	values[2] = st->lang;
	values[3] = st->limit[0] != '\0' ? st->limit : NULL;

	return (db_reply_json(req, HTTP_STATUS_OK,
	    "SELECT api_search($1::bigint, $2, $3, $4::integer)::text", 4,
	    values));
}

/* The checked, normalised parameters, or NULL after a 4xx. */
static struct search_state *
prepare(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct search_state	*st;
	const char		*lang;
	char			raw[SEARCH_RAW_MAX], nfc[SEARCH_TEXT_MAX];
	char			limit[HB_ID_MAX], norm[SEARCH_TEXT_MAX];

	ctx = request_ctx_get(req);

	if (!query_text_or_reply(req, "q", raw, sizeof(raw)))
		return (NULL);
	if (raw[strspn(raw, " \t")] == '\0') {
		reply_error(req, HTTP_STATUS_BAD_REQUEST, "missing_parameter",
		    "The parameter \"q\" (the words to look for) is "
		    "required.");
		return (NULL);
	}
	/* text_nfc() fails only on length here: q is valid UTF-8. */
	if (!text_nfc(raw, nfc, sizeof(nfc)) ||
	    utf8_code_points(nfc) > SEARCH_CHARS_MAX) {
		reply_error(req, HTTP_STATUS_BAD_REQUEST, "query_too_long",
		    "The search text is longer than %d characters.",
		    SEARCH_CHARS_MAX);
		return (NULL);
	}

	if ((lang = lang_or_reply(req)) == NULL)
		return (NULL);
	if (!query_id_or_reply(req, "limit", limit))
		return (NULL);

	st = kore_calloc(1, sizeof(*st));
	if (!khmer_normalize(nfc, norm, sizeof(norm)) ||
	    !khmer_segment(norm, " ", st->words, sizeof(st->words))) {
		kore_free(st);
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The search text could not be split into words.");
		return (NULL);
	}
	(void)snprintf(st->actor, sizeof(st->actor), "%lld",
	    (long long)ctx->member_id);
	(void)snprintf(st->limit, sizeof(st->limit), "%s", limit);
	st->lang = lang;

	return (st);
}

static void
state_free(void *p)
{
	kore_free(p);
}
