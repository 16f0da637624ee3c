/*
 * /api/v1/essays: post-study essays (bài thu hoạch). A member saves
 * versions of their essay on a study (a document or a study session),
 * drafts or a submission; reviewers read them (essay_reviews.c judges
 * them). On submission the text is fingerprinted here, in C, because
 * folding Vietnamese and splitting Khmer into words needs ICU
 * (shingles.c): the fingerprint goes to SQL with the body, where copies
 * are looked for among the other essays on the study and in the study's
 * documents. The documents' own texts are fingerprinted by the first
 * submission that needs them: that request asks SQL for the texts not
 * yet fingerprinted (usually none), fingerprints them and sends them
 * along. The rules, checks and JSON are in sql/0024_essays.sql. Essay
 * text is never logged.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

#define SAVE_SOURCES	0	/* ask for document texts to fingerprint */
#define SAVE_STORE	1	/* store the version */

struct essay_save {
	json_t	*body;
	char	*text;		/* the body as sent to SQL */
	int	 step;
};

static struct essay_save	*save_prepare(struct http_request *);
static void			 save_free(void *);
static json_t			*sources_fingerprint(json_t *);
static int			 save_text(struct http_request *,
				    struct essay_save *);

static const struct json_field save_fields[] = {
	{ "client_id", JSON_STRING, 1 },
	{ "document_id", JSON_INTEGER, 0 },
	{ "session_id", JSON_INTEGER, 0 },
	{ "lang", JSON_STRING, 0 },
	{ "sections", JSON_OBJECT, 1 },
	{ "submit", JSON_TRUE, 0 },
	{ NULL, 0, 0 },
};

/* The sections an essay may have (shingle_sections, in that order). */
static const struct json_field section_fields[] = {
	{ "content", JSON_STRING, 0 },
	{ "duties", JSON_STRING, 0 },
	{ "action_plan", JSON_STRING, 0 },
	{ NULL, 0, 0 },
};

/* GET /api/v1/essays?scope=&document=&session=&state=&limit=&cursor= */
static const struct endpoint list_ep = {
	.sql = "SELECT api_essays_list($1::bigint, $2::bigint, $3::bigint, "
	    "$4::integer, $5::bigint, $6, $7)::text",
	.status = HTTP_STATUS_OK,
	.query_ids = { "document", "session", "limit", "cursor", NULL },
	.query_texts = { "scope", "state", NULL },
};

/* GET /api/v1/essays/{id} */
static const struct endpoint get_ep = {
	.sql = "SELECT api_essay_get($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* GET /api/v1/essays/{id}/versions */
static const struct endpoint versions_ep = {
	.sql = "SELECT api_essay_versions($1::bigint, $2::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
};

/* GET /api/v1/essays/{id}/similarity?version= */
static const struct endpoint similarity_ep = {
	.sql = "SELECT api_essay_similarity($1::bigint, $2::bigint, "
	    "$3::bigint)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.query_ids = { "version", NULL },
};

/* POST /api/v1/essays */
int
essays_save(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct essay_save	*st;
	json_t			*sources, *fp;
	const char		*values[2];
	char			 actor[HB_ID_MAX];

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	/* Kore calls us again while a statement runs: prepare once. */
	ctx = request_ctx_get(req);
	if (ctx->state == NULL) {
		if ((st = save_prepare(req)) == NULL)
			return (KORE_RESULT_OK);
		ctx->state = st;
		ctx->state_free = save_free;
	}
	st = ctx->state;

	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)ctx->member_id);
	values[0] = actor;
	values[1] = st->text;

	if (st->step == SAVE_SOURCES) {
		switch (db_query_or_reply(req, &ctx->query,
		    "SELECT api_essay_sources($1::bigint, $2::jsonb)::text", 2,
		    values)) {
		case DB_PENDING:
			return (KORE_RESULT_RETRY);
		case DB_REPLIED:
			return (KORE_RESULT_OK);
		}
		if ((sources = db_result_json_or_reply(req, &ctx->query,
		    "The study's documents")) == NULL)
			return (KORE_RESULT_OK);
		fp = sources_fingerprint(sources);
		json_decref(sources);
		if (fp == NULL) {
			reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
			    "internal_error", "The study's documents could "
			    "not be fingerprinted.");
			return (KORE_RESULT_OK);
		}
		json_object_set_new(st->body, "sources", fp);
		if (!save_text(req, st))
			return (KORE_RESULT_OK);
		st->step = SAVE_STORE;
		values[1] = st->text;
	}

	return (db_reply_json(req, HTTP_STATUS_CREATED,
	    "SELECT api_essay_save($1::bigint, $2::jsonb)::text", 2, values));
}

int
essays_list(struct http_request *req)
{
	return (endpoint_run(req, &list_ep));
}

int
essays_get(struct http_request *req)
{
	return (endpoint_run(req, &get_ep));
}

int
essays_versions(struct http_request *req)
{
	return (endpoint_run(req, &versions_ep));
}

int
essays_similarity(struct http_request *req)
{
	return (endpoint_run(req, &similarity_ep));
}

/*
 * The checked body, with its fingerprint when it is a submission; NULL
 * after a 4xx. A draft goes straight to SQL: drafts are not compared.
 */
static struct essay_save *
save_prepare(struct http_request *req)
{
	struct essay_save	*st;
	struct hb_error		 err;
	json_t			*body, *sections, *fp;
	u_int64_t		 study;

	if ((body = body_json_or_reply(req, save_fields)) == NULL)
		return (NULL);
	sections = json_object_get(body, "sections");
	if (!hb_json_check_fields(sections, section_fields, &err)) {
		json_decref(body);
		reply_hb_error(req, &err);
		return (NULL);
	}

	st = kore_calloc(1, sizeof(*st));
	st->body = body;
	st->step = SAVE_STORE;
	if (json_is_true(json_object_get(body, "submit"))) {
		study = shingle_study_key(
		    json_integer_value(json_object_get(body, "document_id")),
		    json_integer_value(json_object_get(body, "session_id")));
		/* The parser has checked the UTF-8: this cannot fail. */
		if ((fp = shingle_essay_json(sections, study)) == NULL) {
			save_free(st);
			reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
			    "internal_error",
			    "The essay could not be fingerprinted.");
			return (NULL);
		}
		json_object_set_new(body, "fingerprint", fp);
		st->step = SAVE_SOURCES;
	}
	if (!save_text(req, st)) {
		save_free(st);
		return (NULL);
	}

	return (st);
}

/* The body as JSON text for SQL, again after it changed. */
static int
save_text(struct http_request *req, struct essay_save *st)
{
	free(st->text);
	if ((st->text = json_dumps(st->body, JSON_COMPACT)) == NULL) {
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The essay could not be kept.");
		return (0);
	}
	return (1);
}

/*
 * The fingerprints of the document texts api_essay_sources() returned:
 * per core point and field, the shingles of each line.
 */
static json_t *
sources_fingerprint(json_t *sources)
{
	static const char *const fields[] = { "summary", "details", NULL };
	json_t		*out, *item, *src, *lines;
	const char	*text;
	size_t		 i, f;

	if (!json_is_array(sources))
		return (NULL);
	out = json_array();
	json_array_foreach(sources, i, src) {
		for (f = 0; fields[f] != NULL; f++) {
			text = json_string_value(json_object_get(src,
			    fields[f]));
			if ((lines = shingle_lines_json(text != NULL ?
			    text : "")) == NULL) {
				json_decref(out);
				return (NULL);
			}
			item = json_object();
			json_object_set(item, "document_id",
			    json_object_get(src, "document_id"));
			json_object_set(item, "version",
			    json_object_get(src, "version"));
			json_object_set(item, "lang",
			    json_object_get(src, "lang"));
			json_object_set(item, "position",
			    json_object_get(src, "position"));
			json_object_set_new(item, "field",
			    json_string(fields[f]));
			json_object_set_new(item, "lines", lines);
			json_array_append_new(out, item);
		}
	}

	return (out);
}

static void
save_free(void *p)
{
	struct essay_save	*st = p;

	json_decref(st->body);
	free(st->text);
	kore_free(st);
}
