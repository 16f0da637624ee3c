/*
 * Fuzz target: POST /api/v1/events's body after the edge (event_batch.c):
 * the body is parsed as the handler does (hb_json_parse, the "events"
 * array), every event judged by event_batch_parse(), the database's
 * verdicts made up the way events.c merges them (accepted with a
 * received_at, or a database reason), and the answer written by
 * event_batch_answer() without jansson. Properties: no more than
 * EVENTS_MAX events are taken; the events passed on plus those refused
 * are all of them; every array literal holds exactly the events passed
 * on; the answer is JSON that jansson reads back, with one result per
 * event, in order, and counts that add up. Loose strings from the input
 * also go through event_time_parse() and event_uuid_valid().
 */

#include "handbook.h"
#include "fuzz.h"

static uint32_t
be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* An array literal's header says one dimension of n elements. */
static void
array_ok(const struct event_array *a, size_t n)
{
	FUZZ_CHECK(a->data != NULL && a->len >= 20);
	FUZZ_CHECK(be32(a->data) == 1);
	FUZZ_CHECK(be32(a->data + 8) == a->oid);
	FUZZ_CHECK(be32(a->data + 12) == n);
	FUZZ_CHECK(a->n == (int)n);
}

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct event_batch	b;
	struct hb_error		err;
	json_t			*body, *events, *answer, *r;
	char			*text, *s;
	const char		*st;
	size_t			i, len, refused, n[3];
	int64_t			us;
	int			k;

	/* A loose string: a time or an id as a phone might send it. */
	s = fuzz_cstring(data, size < 64 ? size : 64);
	if (event_time_parse(s, &us)) {
		/* Years 0000..9999, offsets within a day. */
		FUZZ_CHECK(us > INT64_C(-62200000000) * 1000000 &&
		    us < INT64_C(253500000000) * 1000000);
	}
	if (event_uuid_valid(s))
		FUZZ_CHECK(strlen(s) == 36);
	free(s);

	memset(&err, 0, sizeof(err));
	if (!hb_json_parse(data, size, &body, &err))
		return (0);
	events = json_object_get(body, "events");
	if (!json_is_array(events)) {
		json_decref(body);
		return (0);
	}

	if (!event_batch_parse(events, &b, &err)) {
		FUZZ_CHECK(json_array_size(events) > EVENTS_MAX);
		FUZZ_CHECK(err.status == 413);
		event_batch_free(&b);
		json_decref(body);
		return (0);
	}
	FUZZ_CHECK(b.count == json_array_size(events));
	refused = 0;
	for (i = 0; i < b.count; i++)
		refused += b.items[i].reason != NULL;
	FUZZ_CHECK(b.sent + refused == b.count);
	array_ok(&b.ids, b.sent);
	array_ok(&b.idx, b.sent);
	array_ok(&b.kinds, b.sent);
	array_ok(&b.docs, b.sent);
	array_ok(&b.versions, b.sent);
	array_ok(&b.langs, b.sent);
	array_ok(&b.sections, b.sent);
	array_ok(&b.occurred, b.sent);
	array_ok(&b.seconds, b.sent);
	array_ok(&b.digests, b.sent);

	/* The database's part, as events.c fills it in: a verdict for
	 * every event passed on, chosen from the input's own bytes. */
	for (i = 0; i < b.count; i++) {
		if (b.items[i].reason != NULL)
			continue;
		FUZZ_CHECK(event_uuid_valid(b.items[i].id));
		FUZZ_CHECK(b.items[i].section >= 0 &&
		    b.items[i].section <= EVENT_SECTION_MAX);
		FUZZ_CHECK(b.items[i].seconds >= 0 &&
		    b.items[i].seconds <= EVENT_SECONDS_MAX);
		switch (data[i % size] % 3) {
		case 0:
			b.items[i].status = "accepted";
			(void)snprintf(b.items[i].received_at,
			    sizeof(b.items[i].received_at),
			    "2026-11-27T13:15:00.%06zuZ", i);
			b.items[i].trusted = (int)(i % 2);
			break;
		case 1:
			b.items[i].status = "duplicate";
			b.items[i].reason = "id_reused";
			break;
		default:
			b.items[i].status = "rejected";
			b.items[i].reason = "unknown_document";
			break;
		}
	}

	text = event_batch_answer(&b, &len);
	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(strlen(text) == len);
	answer = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(answer != NULL);
	FUZZ_CHECK(json_array_size(json_object_get(answer, "results")) ==
	    b.count);
	n[0] = n[1] = n[2] = 0;
	json_array_foreach(json_object_get(answer, "results"), i, r) {
		st = json_string_value(json_object_get(r, "status"));
		FUZZ_CHECK(st != NULL && !strcmp(st, b.items[i].status));
		k = !strcmp(st, "accepted") ? 0 : !strcmp(st, "duplicate") ?
		    1 : 2;
		n[k]++;
		if (b.items[i].id[0] != '\0')
			FUZZ_CHECK(!strcmp(json_string_value(
			    json_object_get(r, "id")), b.items[i].id));
		else
			FUZZ_CHECK(json_is_null(json_object_get(r, "id")));
	}
	FUZZ_CHECK(json_integer_value(json_object_get(answer, "accepted")) ==
	    (json_int_t)n[0]);
	FUZZ_CHECK(json_integer_value(json_object_get(answer, "duplicate")) ==
	    (json_int_t)n[1]);
	FUZZ_CHECK(json_integer_value(json_object_get(answer, "rejected")) ==
	    (json_int_t)n[2]);

	json_decref(answer);
	free(text);
	event_batch_free(&b);
	json_decref(body);
	return (0);
}
