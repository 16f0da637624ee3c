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
 * packs the good ones into arrays; one call of api_events_post() judges
 * them against the documents, stores the new ones and updates the
 * member's progress, in one transaction committed to disk; this file
 * merges the two verdicts into the answer. The status is 200 whenever the
 * batch itself was readable, even if every event in it was refused: the
 * verdicts are per event.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

struct events_state {
	char			actor[HB_ID_MAX];
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

static struct events_state	*prepare(struct http_request *);
static void			state_free(void *);
static int			merge(struct event_batch *, PGresult *);
static void			answer(struct http_request *,
				    struct event_batch *);

int
events_post(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct events_state	*st;
	struct event_batch	*b;
	const char		*values[11];

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	/* Kore calls us again while the statement runs: read the body once. */
	ctx = request_ctx_get(req);
	if (ctx->state == NULL) {
		if ((st = prepare(req)) == NULL)
			return (KORE_RESULT_OK);
		ctx->state = st;
		ctx->state_free = state_free;
	}
	st = ctx->state;
	b = &st->batch;

	/* Nothing left for the database: every event was refused here. */
	if (b->sent == 0) {
		answer(req, b);
		return (KORE_RESULT_OK);
	}

	values[0] = st->actor;
	values[1] = b->ids;
	values[2] = b->idx;
	values[3] = b->kinds;
	values[4] = b->docs;
	values[5] = b->versions;
	values[6] = b->langs;
	values[7] = b->sections;
	values[8] = b->occurred;
	values[9] = b->seconds;
	values[10] = b->digests;
	switch (db_query_or_reply(req, &ctx->query,
	    "SELECT ev_pos, ev_status, ev_reason, ev_received_at, "
	    "ev_time_trusted FROM api_events_post($1::bigint, $2::uuid[], "
	    "$3::integer[], $4::text[], $5::bigint[], $6::integer[], "
	    "$7::text[], $8::integer[], $9::bigint[], $10::integer[], "
	    "$11::bigint[])", 11, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	if (!merge(b, ctx->query.result)) {
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The events could not be recorded.");
		return (KORE_RESULT_OK);
	}
	db_query_clear(&ctx->query);
	answer(req, b);

	return (KORE_RESULT_OK);
}

/* The checked batch, or NULL after a 4xx (or 500 when out of memory). */
static struct events_state *
prepare(struct http_request *req)
{
	struct events_state	*st;
	struct hb_error		err;
	json_t			*body;

	if ((body = body_json_or_reply(req, events_fields)) == NULL)
		return (NULL);

	st = kore_calloc(1, sizeof(*st));
	(void)snprintf(st->actor, sizeof(st->actor), "%lld",
	    (long long)request_ctx_get(req)->member_id);
	if (!event_batch_parse(json_object_get(body, "events"), &st->batch,
	    &err)) {
		json_decref(body);
		state_free(st);
		reply_hb_error(req, &err);
		return (NULL);
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
 * The database's verdicts into the batch: one row per event passed on,
 * by position. False when the answer does not fit what was sent (a bug
 * worth a 500 rather than an answer that loses events).
 */
static int
merge(struct event_batch *b, PGresult *res)
{
	struct event_item	*it;
	const char		*status, *reason;
	size_t			i, got;
	long			pos;
	int			row;

	if (res == NULL || PQnfields(res) != 5 ||
	    (size_t)PQntuples(res) != b->sent)
		return (0);

	got = 0;
	for (row = 0; row < PQntuples(res); row++) {
		pos = strtol(PQgetvalue(res, row, 0), NULL, 10);
		if (pos < 0 || (size_t)pos >= b->count)
			return (0);
		it = &b->items[pos];
		if (it->reason != NULL || it->status != NULL)
			return (0);

		status = PQgetvalue(res, row, 1);
		if (!strcmp(status, "accepted")) {
			it->status = "accepted";
			(void)snprintf(it->received_at,
			    sizeof(it->received_at), "%s",
			    PQgetvalue(res, row, 3));
			it->trusted = !strcmp(PQgetvalue(res, row, 4), "t");
		} else {
			reason = PQgetvalue(res, row, 2);
			for (i = 0; db_reasons[i] != NULL; i++) {
				if (!strcmp(db_reasons[i], reason))
					break;
			}
			if (db_reasons[i] == NULL)
				return (0);
			it->reason = db_reasons[i];
			it->status = !strcmp(status, "duplicate") ?
			    "duplicate" : "rejected";
		}
		got++;
	}

	return (got == b->sent);
}

/*
 * {"accepted": n, "duplicate": n, "rejected": n, "results": [{"id",
 * "status", "reason" | "received_at", "time_trusted"}, ...]}, in the
 * order of the request.
 */
static void
answer(struct http_request *req, struct event_batch *b)
{
	struct event_item	*it;
	json_t			*results, *r;
	size_t			i, accepted, duplicate, rejected;

	results = json_array();
	accepted = duplicate = rejected = 0;
	for (i = 0; i < b->count; i++) {
		it = &b->items[i];
		if (it->status == NULL) {
			/* Refused here, in C. */
			it->status = !strcmp(it->reason, "repeated_in_batch") ?
			    "duplicate" : "rejected";
		}
		r = json_object();
		json_object_set_new(r, "id", it->id[0] != '\0' ?
		    json_string(it->id) : json_null());
		json_object_set_new(r, "status", json_string(it->status));
		if (!strcmp(it->status, "accepted")) {
			accepted++;
			json_object_set_new(r, "received_at",
			    json_string(it->received_at));
			json_object_set_new(r, "time_trusted",
			    json_boolean(it->trusted == 1));
		} else {
			if (!strcmp(it->status, "duplicate"))
				duplicate++;
			else
				rejected++;
			json_object_set_new(r, "reason",
			    json_string(it->reason));
		}
		json_array_append_new(results, r);
	}

	r = json_object();
	json_object_set_new(r, "accepted", json_integer((json_int_t)accepted));
	json_object_set_new(r, "duplicate",
	    json_integer((json_int_t)duplicate));
	json_object_set_new(r, "rejected", json_integer((json_int_t)rejected));
	json_object_set_new(r, "results", results);
	reply_json(req, HTTP_STATUS_OK, r);
}
