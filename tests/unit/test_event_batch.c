/*
 * Unit tests for event_batch.c: RFC 3339 times to microseconds (offsets,
 * fractions, days that do not exist), UUIDs, the reason each malformed
 * event gets, ids repeated in a batch, the binary arrays handed to
 * PostgreSQL (read back here as PostgreSQL would print them), the same
 * digest for the same event however its time is
 * written, the answer written without jansson, and the 500-event limit.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

#define GOOD_ID	"2b6f0c1e-9a4d-4c1a-8f6e-00000000000"

static void	batch_of(const char *, struct event_batch *);
static const char *reason_of(const char *);
static const char *text_of(const struct event_array *);

static uint32_t
be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/*
 * A binary array (array_recv's format) as PostgreSQL prints it, "{1,NULL}",
 * after checking its header: one dimension from 1, the flag for NULLs,
 * each element of its type's size. Times are shown as microseconds since
 * 1970, like the events' occurred_us.
 */
static const char *
text_of(const struct event_array *a)
{
	static char		out[8192];
	const unsigned char	*p;
	size_t			len, i;
	int32_t			n, k, elen;
	int64_t			v;
	int			nulls;

	p = a->data;
	assert_int_equal(be32(p), 1);
	assert_int_equal(be32(p + 8), a->oid);
	n = (int32_t)be32(p + 12);
	assert_int_equal(be32(p + 16), 1);
	p += 20;
	len = 0;
	out[len++] = '{';
	nulls = 0;
	for (k = 0; k < n; k++) {
		if (k > 0)
			out[len++] = ',';
		elen = (int32_t)be32(p);
		p += 4;
		if (elen == -1) {
			nulls = 1;
			len += (size_t)snprintf(out + len, sizeof(out) - len,
			    "NULL");
			continue;
		}
		v = 0;
		switch (a->oid) {
		case 25:	/* text */
			memcpy(out + len, p, (size_t)elen);
			len += (size_t)elen;
			break;
		case 2950:	/* uuid */
			assert_int_equal(elen, 16);
			for (i = 0; i < 16; i++)
				len += (size_t)snprintf(out + len,
				    sizeof(out) - len, "%s%02x",
				    i == 4 || i == 6 || i == 8 || i == 10 ?
				    "-" : "", p[i]);
			break;
		default:	/* int2, int4, int8, timestamptz */
			assert_int_equal(elen, a->oid == 21 ? 2 :
			    a->oid == 23 ? 4 : 8);
			for (i = 0; i < (size_t)elen; i++)
				v = (int64_t)((uint64_t)v << 8 | p[i]);
			if (elen == 2)
				v = (int16_t)v;
			else if (elen == 4)
				v = (int32_t)v;
			if (a->oid == 1184)
				v += INT64_C(946684800000000);
			len += (size_t)snprintf(out + len, sizeof(out) - len,
			    "%lld", (long long)v);
			break;
		}
		p += elen;
	}
	out[len++] = '}';
	out[len] = '\0';
	assert_int_equal(be32(a->data + 4), nulls);
	assert_int_equal((size_t)(p - a->data), (size_t)a->len);
	return (out);
}

static void
batch_of(const char *json, struct event_batch *b)
{
	struct hb_error	err;
	json_error_t	jerr;
	json_t		*arr;

	arr = json_loads(json, 0, &jerr);
	assert_non_null(arr);
	assert_true(event_batch_parse(arr, b, &err));
	json_decref(arr);
}

/* The reason a batch of one event refuses it with, or "" if sent on. */
static const char *
reason_of(const char *event)
{
	static char		out[64];
	struct event_batch	b;
	char			json[1024];

	(void)snprintf(json, sizeof(json), "[%s]", event);
	batch_of(json, &b);
	assert_int_equal(b.count, 1);
	(void)snprintf(out, sizeof(out), "%s",
	    b.items[0].reason != NULL ? b.items[0].reason : "");
	event_batch_free(&b);
	return (out);
}

static void
times_parse(void **state)
{
	int64_t	us;

	(void)state;
	assert_true(event_time_parse("1970-01-01T00:00:00Z", &us));
	assert_true(us == 0);
	assert_true(event_time_parse("2026-11-27T20:15:00+07:00", &us));
	assert_true(us == 1795785300LL * 1000000);
	assert_true(event_time_parse("2026-11-27T13:15:00.25Z", &us));
	assert_true(us == 1795785300LL * 1000000 + 250000);
	assert_true(event_time_parse("2026-11-27t13:15:00.1234567z", &us));
	assert_true(us == 1795785300LL * 1000000 + 123456);
	assert_true(event_time_parse("2026-11-27 09:45:00-03:30", &us));
	assert_true(us == 1795785300LL * 1000000);
	assert_true(event_time_parse("2024-02-29T00:00:00Z", &us));
	assert_true(event_time_parse("2000-02-29T00:00:00Z", &us));
	assert_true(event_time_parse("1969-12-31T23:59:59Z", &us));
	assert_true(us == -1000000);
}

static void
bad_times_refused(void **state)
{
	int64_t		us;
	const char	*bad[] = {
		"", "2026-11-27", "2026-11-27T13:15:00", "2026-11-27T13:15Z",
		"2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-11-27T24:00:00Z", "2026-11-27T23:60:00Z",
		"2026-11-27T23:59:60Z", "2026-11-27T13:15:00.Z",
		"2026-11-27T13:15:00+7:00", "2026-11-27T13:15:00+07",
		"2026-11-27T13:15:00+24:00", "2026-11-27T13:15:00Z ",
		"2026-11-27T13:15:00UTC", "２０２６-11-27T13:15:00Z",
		"2026/11/27T13:15:00Z", NULL
	};
	int		i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		if (event_time_parse(bad[i], &us))
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
uuids(void **state)
{
	(void)state;
	assert_true(event_uuid_valid("2b6f0c1e-9a4d-4c1a-8f6e-000000000001"));
	assert_true(event_uuid_valid("2B6F0C1E-9A4D-4C1A-8F6E-00000000000A"));
	assert_false(event_uuid_valid("2b6f0c1e9a4d4c1a8f6e000000000001"));
	assert_false(event_uuid_valid("{2b6f0c1e-9a4d-4c1a-8f6e-000000000001}"));
	assert_false(event_uuid_valid("2b6f0c1e-9a4d-4c1a-8f6e-00000000000g"));
	assert_false(event_uuid_valid("2b6f0c1e-9a4d-4c1a-8f6e-0000000000012"));
	assert_false(event_uuid_valid(""));
}

static void
each_reason(void **state)
{
	(void)state;
#define EV(rest) "{\"id\":\"" GOOD_ID "1\",\"kind\":\"opened\"," \
	"\"document_id\":4,\"version\":1,\"lang\":\"vi\"," \
	"\"occurred_at\":\"2026-11-27T20:15:00+07:00\"" rest "}"
	assert_string_equal(reason_of(EV("")), "");
	assert_string_equal(reason_of(EV(",\"seconds\":14400,\"section\":12")),
	    "");
	assert_string_equal(reason_of(EV(",\"section\":null,\"seconds\":null")),
	    "");
	assert_string_equal(reason_of("5"), "not_an_object");
	assert_string_equal(reason_of("[]"), "not_an_object");
	assert_string_equal(reason_of(EV(",\"device\":\"x\"")),
	    "unknown_field");
	assert_string_equal(reason_of("{\"id\":\"nope\",\"kind\":\"opened\"}"),
	    "invalid_id");
	assert_string_equal(reason_of("{\"id\":7}"), "invalid_id");
	assert_string_equal(reason_of("{\"id\":\"" GOOD_ID "1\"}"),
	    "unknown_kind");
	assert_string_equal(reason_of("{\"id\":\"" GOOD_ID "1\","
	    "\"kind\":\"skimmed\"}"), "unknown_kind");
	assert_string_equal(reason_of("{\"id\":\"" GOOD_ID "1\","
	    "\"kind\":\"opened\",\"document_id\":\"4\"}"),
	    "invalid_document_id");
	assert_string_equal(reason_of("{\"id\":\"" GOOD_ID "1\","
	    "\"kind\":\"opened\",\"document_id\":0}"), "invalid_document_id");
	assert_string_equal(reason_of("{\"id\":\"" GOOD_ID "1\","
	    "\"kind\":\"opened\",\"document_id\":4,\"version\":1.5}"),
	    "invalid_version");
	assert_string_equal(reason_of("{\"id\":\"" GOOD_ID "1\","
	    "\"kind\":\"opened\",\"document_id\":4,\"version\":1,"
	    "\"lang\":\"en\"}"), "invalid_lang");
	assert_string_equal(reason_of("{\"id\":\"" GOOD_ID "1\","
	    "\"kind\":\"section_read\",\"document_id\":4,\"version\":1,"
	    "\"lang\":\"km\"}"), "invalid_section");
	assert_string_equal(reason_of(EV(",\"section\":13")),
	    "invalid_section");
	assert_string_equal(reason_of(EV(",\"section\":0")), "invalid_section");
	assert_string_equal(reason_of("{\"id\":\"" GOOD_ID "1\","
	    "\"kind\":\"opened\",\"document_id\":4,\"version\":1,"
	    "\"lang\":\"vi\",\"occurred_at\":\"yesterday\"}"),
	    "invalid_occurred_at");
	assert_string_equal(reason_of(EV(",\"seconds\":-1")),
	    "invalid_seconds");
	assert_string_equal(reason_of(EV(",\"seconds\":14401")),
	    "invalid_seconds");
	assert_string_equal(reason_of(EV(",\"seconds\":2.5")),
	    "invalid_seconds");
#undef EV
}

static void
arrays_for_postgres(void **state)
{
	struct event_batch	b;

	(void)state;
	batch_of("["
	    "{\"id\":\"" GOOD_ID "1\",\"kind\":\"opened\",\"document_id\":4,"
	    "\"version\":2,\"lang\":\"km\","
	    "\"occurred_at\":\"1970-01-01T00:00:01.5Z\"},"
	    "{\"id\":\"bad\"},"
	    "{\"id\":\"" GOOD_ID "A\",\"kind\":\"section_read\","
	    "\"document_id\":9,\"version\":1,\"lang\":\"vi\",\"section\":3,"
	    "\"occurred_at\":\"1970-01-01T00:00:00Z\",\"seconds\":30},"
	    "{\"id\":\"" GOOD_ID "a\",\"kind\":\"completed\","
	    "\"document_id\":9,\"version\":1,\"lang\":\"vi\","
	    "\"occurred_at\":\"1970-01-01T00:00:00Z\"}"
	    "]", &b);
	assert_int_equal(b.count, 4);
	assert_int_equal(b.sent, 2);
	assert_string_equal(b.items[1].reason, "invalid_id");
	/* The same UUID in another case is the same id. */
	assert_string_equal(b.items[3].reason, "repeated_in_batch");
	assert_string_equal(b.items[2].id, GOOD_ID "A");
	assert_string_equal(text_of(&b.ids), "{" GOOD_ID "1," GOOD_ID "a}");
	assert_string_equal(text_of(&b.idx), "{0,2}");
	/* Their numbers in read_event_kind. */
	assert_string_equal(text_of(&b.kinds), "{1,2}");
	assert_string_equal(text_of(&b.docs), "{4,9}");
	assert_string_equal(text_of(&b.versions), "{2,1}");
	assert_string_equal(text_of(&b.langs), "{km,vi}");
	assert_string_equal(text_of(&b.sections), "{NULL,3}");
	assert_string_equal(text_of(&b.occurred), "{1500000,0}");
	assert_string_equal(text_of(&b.seconds), "{0,30}");
	assert_int_equal(b.digests.n, 2);
	event_batch_free(&b);

	/* A clock before 1970 (a phone whose battery died): negative. */
	batch_of("[{\"id\":\"" GOOD_ID "1\",\"kind\":\"opened\","
	    "\"document_id\":4,\"version\":2,\"lang\":\"km\","
	    "\"occurred_at\":\"1969-12-31T23:59:59.5Z\"}]", &b);
	assert_string_equal(text_of(&b.occurred), "{-500000}");
	assert_string_equal(text_of(&b.sections), "{NULL}");
	event_batch_free(&b);

	batch_of("[]", &b);
	assert_int_equal(b.count, 0);
	assert_int_equal(b.sent, 0);
	assert_string_equal(text_of(&b.ids), "{}");
	event_batch_free(&b);
}

/* The digest is of the content: the same instant in another zone is the
 * same event, another second of reading is not. */
static void
digests(void **state)
{
	struct event_batch	b;
	char			d[3][64];
	char			*p;

	(void)state;
	batch_of("["
	    "{\"id\":\"" GOOD_ID "1\",\"kind\":\"opened\",\"document_id\":4,"
	    "\"version\":1,\"lang\":\"vi\","
	    "\"occurred_at\":\"2026-11-27T20:15:00+07:00\"},"
	    "{\"id\":\"" GOOD_ID "2\",\"kind\":\"opened\",\"document_id\":4,"
	    "\"version\":1,\"lang\":\"vi\",\"seconds\":0,"
	    "\"occurred_at\":\"2026-11-27T13:15:00.000Z\"},"
	    "{\"id\":\"" GOOD_ID "3\",\"kind\":\"opened\",\"document_id\":4,"
	    "\"version\":1,\"lang\":\"vi\",\"seconds\":1,"
	    "\"occurred_at\":\"2026-11-27T13:15:00Z\"}"
	    "]", &b);
	assert_int_equal(b.sent, 3);
	p = (char *)(uintptr_t)text_of(&b.digests) + 1;
	assert_int_equal(sscanf(p, "%63[^,],%63[^,],%63[^}]", d[0], d[1],
	    d[2]), 3);
	assert_string_equal(d[0], d[1]);
	assert_string_not_equal(d[0], d[2]);
	event_batch_free(&b);
}

/*
 * The answer, written without jansson: parsed by jansson, it is exactly
 * the object the API documents; a string outside the safe alphabet is
 * refused rather than written.
 */
static void
answer_json(void **state)
{
	struct event_batch	b;
	json_error_t		jerr;
	json_t			*got, *want;
	char			*text;
	size_t			len;

	(void)state;
	batch_of("["
	    "{\"id\":\"" GOOD_ID "1\",\"kind\":\"opened\",\"document_id\":4,"
	    "\"version\":1,\"lang\":\"vi\","
	    "\"occurred_at\":\"2026-11-27T13:15:00Z\"},"
	    "{\"id\":\"bad\"},"
	    "{\"id\":\"" GOOD_ID "A\",\"kind\":\"opened\",\"document_id\":4,"
	    "\"version\":1,\"lang\":\"vi\","
	    "\"occurred_at\":\"2026-11-27T13:15:00Z\"},"
	    "{\"id\":\"" GOOD_ID "a\",\"kind\":\"opened\",\"document_id\":4,"
	    "\"version\":1,\"lang\":\"vi\","
	    "\"occurred_at\":\"2026-11-27T13:15:00Z\"},"
	    "{\"id\":\"" GOOD_ID "2\",\"kind\":\"opened\",\"document_id\":9,"
	    "\"version\":1,\"lang\":\"km\","
	    "\"occurred_at\":\"2026-11-27T13:15:00Z\"},"
	    "7"
	    "]", &b);
	assert_int_equal(b.sent, 3);
	/* What events.c would have merged from the database. */
	b.items[0].status = "accepted";
	(void)snprintf(b.items[0].received_at, sizeof(b.items[0].received_at),
	    "2026-11-28T02:40:00.123456+00:00");
	b.items[0].trusted = 1;
	b.items[2].status = "accepted";
	(void)snprintf(b.items[2].received_at, sizeof(b.items[2].received_at),
	    "2026-11-20T10:00:00+07:00");
	b.items[2].trusted = 0;
	b.items[4].status = "rejected";
	b.items[4].reason = "unknown_document";

	text = event_batch_answer(&b, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	got = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(got);
	want = json_pack("{s:i,s:i,s:i,s:["
	    "{s:s,s:s,s:s,s:b},"
	    "{s:n,s:s,s:s},"
	    "{s:s,s:s,s:s,s:b},"
	    "{s:s,s:s,s:s},"
	    "{s:s,s:s,s:s},"
	    "{s:n,s:s,s:s}]}",
	    "accepted", 2, "duplicate", 1, "rejected", 3, "results",
	    "id", GOOD_ID "1", "status", "accepted",
	    "received_at", "2026-11-28T02:40:00.123456+00:00",
	    "time_trusted", 1,
	    "id", "status", "rejected", "reason", "invalid_id",
	    "id", GOOD_ID "A", "status", "accepted",
	    "received_at", "2026-11-20T10:00:00+07:00", "time_trusted", 0,
	    "id", GOOD_ID "a", "status", "duplicate",
	    "reason", "repeated_in_batch",
	    "id", GOOD_ID "2", "status", "rejected",
	    "reason", "unknown_document",
	    "id", "status", "rejected", "reason", "not_an_object");
	assert_non_null(want);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	free(text);

	/* Nothing that would need escaping is ever copied. */
	(void)snprintf(b.items[0].received_at, sizeof(b.items[0].received_at),
	    "2026-11-28 \"x");
	assert_null(event_batch_answer(&b, &len));
	event_batch_free(&b);

	/* An empty batch. */
	batch_of("[]", &b);
	text = event_batch_answer(&b, &len);
	assert_string_equal(text, "{\"accepted\":0,\"duplicate\":0,"
	    "\"rejected\":0,\"results\":[]}");
	free(text);
	event_batch_free(&b);
}

static void
too_many_events(void **state)
{
	struct event_batch	b;
	struct hb_error		err;
	json_t			*arr;
	int			i;

	(void)state;
	arr = json_array();
	for (i = 0; i < EVENTS_MAX; i++)
		json_array_append_new(arr, json_object());
	assert_true(event_batch_parse(arr, &b, &err));
	assert_int_equal(b.count, EVENTS_MAX);
	assert_int_equal(b.sent, 0);
	event_batch_free(&b);

	json_array_append_new(arr, json_object());
	assert_false(event_batch_parse(arr, &b, &err));
	assert_int_equal(err.status, 413);
	assert_string_equal(err.code, "too_many_events");
	event_batch_free(&b);
	json_decref(arr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times_parse),
		cmocka_unit_test(bad_times_refused),
		cmocka_unit_test(uuids),
		cmocka_unit_test(each_reason),
		cmocka_unit_test(arrays_for_postgres),
		cmocka_unit_test(digests),
		cmocka_unit_test(answer_json),
		cmocka_unit_test(too_many_events),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
