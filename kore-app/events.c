/*
 * POST /api/v1/events: reading events from a phone, in batches of up to
 * 500 ({"events": [...]}), each answered on its own: accepted, duplicate
 * or rejected with a reason, in the order sent. Phones read offline and
 * send what piled up; a batch may be sent again when the answer was lost,
 * and every event in it is then answered as the first time and stored
 * once (sql/0019_reading_events.sql explains how).
 *
 * The work is split where it is cheapest: event_batch.c checks each event
 * alone in C (fields, UUID, time, ranges, an id repeated in the batch) and
 * packs the good ones into binary arrays; one call of api_events_post()
 * checks the token, judges them against the documents, stores the new
 * ones and updates the member's progress, in one transaction committed to
 * disk and one round trip (sql/0023_events_speed.sql); this file merges
 * the two verdicts into the answer. The status is 200 whenever the
 * batch itself was readable, even if every event in it was refused: the
 * verdicts are per event.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

struct events_state {
	int			failed;	/* the body was refused: err */
	struct hb_error		err;
	struct event_batch	batch;
};

static const struct json_field events_fields[] = {
	{ "events", JSON_ARRAY, 1 },
	{ NULL, 0, 0 },
};

/* Every reason the database may give (api_events_post()). */
static const char *const db_reasons[] = {
	"unknown_document", "unknown_version", "unknown_section", "id_reused",
	NULL
};

/* The answer's columns, in the order of the statement below. */
enum {
	COL_MEMBER, COL_RECEIVED_AT, COL_FRESH, COL_UNTRUSTED, COL_RETRY_POS,
	COL_RETRY_AT, COL_RETRY_TRUSTED, COL_REFUSED_POS, COL_REFUSED_WHY,
	COLS
};

/* The most elements an answer's array may have: one per event. */
#define ANSWER_MAX	EVENTS_MAX

static struct events_state	*prepare(struct http_request *);
static void			state_free(void *);
static int			merge(struct event_batch *, PGresult *,
				    int64_t *);
static int			merge_columns(struct event_batch *, char **);
static int			split_array(char *, char **, int);
static size_t			position(struct event_batch *, const char *);
static struct event_item	*item_at(struct event_batch *, const char *);
static void			answer(struct http_request *,
				    struct event_batch *);

int
events_post(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct events_state	*st;
	struct event_batch	*b;
	const char		*values[11];
	int			lengths[11], formats[11];
	int64_t			member;

	/* Kore calls us again while the statement runs: read the body once. */
	ctx = request_ctx_get(req);
	if (ctx->state == NULL) {
		/* No token at all: 401 before the body is read, as before. */
		if (!auth_token_or_reply(req))
			return (KORE_RESULT_OK);
		if ((st = prepare(req)) == NULL)
			return (KORE_RESULT_OK);
		ctx->state = st;
		ctx->state_free = state_free;
	}
	st = ctx->state;
	b = &st->batch;

	/*
	 * A refused body, or nothing left for the database (every event was
	 * refused here): the token is still checked first, on its own, so
	 * that a caller without a valid token learns nothing else.
	 */
	if (st->failed || b->sent == 0) {
		switch (auth_or_reply(req)) {
		case DB_PENDING:
			return (KORE_RESULT_RETRY);
		case DB_REPLIED:
			return (KORE_RESULT_OK);
		}
		if (st->failed)
			reply_hb_error(req, &st->err);
		else
			answer(req, b);
		return (KORE_RESULT_OK);
	}

	/* The token check and the events: one statement, one round trip. */
	values[0] = ctx->token_hash;
	lengths[0] = 0;
	formats[0] = 0;
#define BIN(i, a)	do { values[i] = (const char *)(a).data;	\
	lengths[i] = (a).len; formats[i] = 1; } while (0)
	BIN(1, b->ids);
	BIN(2, b->idx);
	BIN(3, b->kinds);
	BIN(4, b->docs);
	BIN(5, b->versions);
	BIN(6, b->langs);
	BIN(7, b->sections);
	BIN(8, b->occurred);
	BIN(9, b->seconds);
	BIN(10, b->digests);
#undef BIN
	switch (db_query_params_or_reply(req, &ctx->query,
	    "SELECT member, received_at, fresh, untrusted, retry_pos, "
	    "retry_at, retry_trusted, refused_pos, refused_why "
	    "FROM api_events_post($1, $2::uuid[], $3::integer[], "
	    "$4::smallint[], $5::bigint[], $6::integer[], $7::text[], "
	    "$8::smallint[], $9::timestamptz[], $10::integer[], "
	    "$11::bigint[])", 11, values, lengths, formats)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	switch (merge(b, ctx->query.result, &member)) {
	case 1:
		db_query_clear(&ctx->query);
		/* For the access log, as auth_or_reply() would have set. */
		ctx->member_id = member;
		answer(req, b);
		break;
	case -1:
		db_query_clear(&ctx->query);
		auth_reply_invalid_token(req);
		break;
	default:
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The events could not be recorded.");
		break;
	}

	return (KORE_RESULT_OK);
}

/*
 * The body read and checked, kept with the error that refused it if any;
 * NULL only after a 500 (out of memory).
 */
static struct events_state *
prepare(struct http_request *req)
{
	struct events_state	*st;
	json_t			*body;

	st = kore_calloc(1, sizeof(*st));
	if ((body = body_json(req, events_fields, &st->err)) == NULL) {
		st->failed = 1;
		return (st);
	}
	if (!event_batch_parse(json_object_get(body, "events"), &st->batch,
	    &st->err)) {
		json_decref(body);
		event_batch_free(&st->batch);
		if (st->err.status == HTTP_STATUS_INTERNAL_ERROR) {
			reply_hb_error(req, &st->err);
			kore_free(st);
			return (NULL);
		}
		st->failed = 1;
		return (st);
	}
	json_decref(body);

	return (st);
}

static void
state_free(void *p)
{
	struct events_state	*st = p;

	event_batch_free(&st->batch);
	kore_free(st);
}

/*
 * The database's verdicts into the batch (the row api_events_post()
 * answers: see sql/0023_events_speed.sql). 1 when every event passed on
 * got exactly one verdict, with *member the token's member; -1 when the
 * token was not valid; 0 when the answer does not fit what was sent (a
 * bug worth a 500 rather than an answer that loses events: an event told
 * "accepted" is deleted from the phone).
 */
static int
merge(struct event_batch *b, PGresult *res, int64_t *member)
{
	char	*col[COLS], *copy, *p;
	size_t	len;
	int	c, ok;

	if (res == NULL || PQntuples(res) != 1 || PQnfields(res) != COLS)
		return (0);
	if (PQgetisnull(res, 0, COL_MEMBER))
		return (-1);

	/* A copy to split the arrays in. */
	len = 0;
	for (c = 0; c < COLS; c++) {
		if (PQgetisnull(res, 0, c))
			return (0);
		len += (size_t)PQgetlength(res, 0, c) + 1;
	}
	copy = p = kore_malloc(len);
	for (c = 0; c < COLS; c++) {
		col[c] = p;
		memcpy(p, PQgetvalue(res, 0, c),
		    (size_t)PQgetlength(res, 0, c) + 1);
		p += PQgetlength(res, 0, c) + 1;
	}
	*member = strtoll(col[COL_MEMBER], NULL, 10);
	ok = merge_columns(b, col);
	kore_free(copy);

	return (ok);
}

static int
merge_columns(struct event_batch *b, char **col)
{
	struct event_item	*it;
	char			*pos[ANSWER_MAX], *why[ANSWER_MAX];
	char			*at[ANSWER_MAX], *trusted[ANSWER_MAX];
	unsigned char		stored[EVENTS_MAX];
	const char		*received_at;
	size_t			i, j, left;
	long			fresh;
	int			n, m, k;

	received_at = col[COL_RECEIVED_AT];
	if (strlen(received_at) >= sizeof(b->items[0].received_at))
		return (0);
	fresh = strtol(col[COL_FRESH], NULL, 10);

	/* Refused by the database, with their reasons. */
	n = split_array(col[COL_REFUSED_POS], pos, ANSWER_MAX);
	if (n < 0 || split_array(col[COL_REFUSED_WHY], why, ANSWER_MAX) != n)
		return (0);
	for (k = 0; k < n; k++) {
		if ((it = item_at(b, pos[k])) == NULL)
			return (0);
		for (j = 0; db_reasons[j] != NULL; j++) {
			if (!strcmp(db_reasons[j], why[k]))
				break;
		}
		if (db_reasons[j] == NULL)
			return (0);
		it->reason = db_reasons[j];
		it->status = !strcmp(why[k], "id_reused") ? "duplicate" :
		    "rejected";
	}

	/* Retries: accepted, as the first time. */
	m = split_array(col[COL_RETRY_POS], pos, ANSWER_MAX);
	if (m < 0 || split_array(col[COL_RETRY_AT], at, ANSWER_MAX) != m ||
	    split_array(col[COL_RETRY_TRUSTED], trusted, ANSWER_MAX) != m)
		return (0);
	for (k = 0; k < m; k++) {
		if ((it = item_at(b, pos[k])) == NULL ||
		    strlen(at[k]) >= sizeof(it->received_at) ||
		    (strcmp(trusted[k], "t") && strcmp(trusted[k], "f")))
			return (0);
		it->status = "accepted";
		memcpy(it->received_at, at[k], strlen(at[k]) + 1);
		it->trusted = !strcmp(trusted[k], "t");
	}

	/* The rest were stored now: as many as the database stored. */
	memset(stored, 0, sizeof(stored));
	left = 0;
	for (i = 0; i < b->count; i++) {
		it = &b->items[i];
		if (it->reason != NULL || it->status != NULL)
			continue;
		it->status = "accepted";
		memcpy(it->received_at, received_at, strlen(received_at) + 1);
		it->trusted = 1;
		stored[i] = 1;
		left++;
	}
	if (fresh < 0 || (size_t)fresh != left ||
	    (size_t)n + (size_t)m + left != b->sent)
		return (0);

	/* Of those, the ones whose device time is not trusted. */
	n = split_array(col[COL_UNTRUSTED], pos, ANSWER_MAX);
	if (n < 0)
		return (0);
	for (k = 0; k < n; k++) {
		i = position(b, pos[k]);
		if (i == b->count || !stored[i] || b->items[i].trusted != 1)
			return (0);
		b->items[i].trusted = 0;
	}

	return (1);
}

/*
 * The elements of a one-dimensional array in PostgreSQL's text form
 * ("{1,2,3}", "{}"), split in place; at most max of them. Returns their
 * number, or -1 for anything else: quoted elements and NULLs
 * never come from api_events_post() for these arrays.
 */
static int
split_array(char *s, char **out, int max)
{
	size_t	len;
	int	n;

	len = strlen(s);
	if (len < 2 || s[0] != '{' || s[len - 1] != '}' ||
	    strpbrk(s, "\"\\") != NULL)
		return (-1);
	s[len - 1] = '\0';
	s++;
	if (*s == '\0')
		return (0);
	for (n = 0;; n++) {
		if (n == max || *s == '\0' || *s == ',' ||
		    !strncmp(s, "NULL", 4))
			return (-1);
		out[n] = s;
		if ((s = strchr(s, ',')) == NULL)
			return (n + 1);
		*s++ = '\0';
	}
}

/* The position the database named, or b->count when it is not one. */
static size_t
position(struct event_batch *b, const char *text)
{
	char	*end;
	long	pos;

	pos = strtol(text, &end, 10);
	if (*end != '\0' || end == text || pos < 0 || (size_t)pos >= b->count)
		return (b->count);
	return ((size_t)pos);
}

/*
 * The item at the position the database named, if it was passed on and
 * has no verdict yet; NULL otherwise.
 */
static struct event_item *
item_at(struct event_batch *b, const char *text)
{
	struct event_item	*it;
	size_t			i;

	if ((i = position(b, text)) == b->count)
		return (NULL);
	it = &b->items[i];
	if (it->reason != NULL || it->status != NULL)
		return (NULL);
	return (it);
}

/* 200 with every event's verdict, in the order of the request. */
static void
answer(struct http_request *req, struct event_batch *b)
{
	char	*text;
	size_t	len;

	if ((text = event_batch_answer(b, &len)) == NULL) {
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The answer could not be written.");
		return;
	}
	reply_json_text(req, HTTP_STATUS_OK, text, len);
	free(text);
}
