/*
 * Checking a batch of reading events at the edge (pure): POST
 * /api/v1/events carries {"events": [...]} of at most EVENTS_MAX events,
 * and each event is judged on its own, so that one bad event never costs
 * the good ones beside it. What can be decided from the event alone is
 * decided here, in C, once: the fields and their types, the UUID, the
 * kind, the language, the ranges, the RFC 3339 time, and an id repeated
 * within the batch. An event that passes goes to PostgreSQL as one element
 * of parallel arrays (api_events_post(), sql/0019_reading_events.sql),
 * which judges what needs the database: the document, version and section,
 * and whether the id was stored before. Arrays rather than JSON, and
 * arrays in PostgreSQL's binary format (array_recv: a header, then each
 * element as its length and its bytes in network order) rather than text,
 * because then the server parses nothing per element: this is the hot
 * write path of the service, and the server is what limits it. The time
 * goes as a timestamptz (microseconds since 2000-01-01), the kind as its
 * number in read_event_kind, so the statement computes nothing to store
 * them.
 *
 * Each event also gets a digest, BLAKE2b of its canonical content (64
 * bits), which is how the database tells a retry of a stored event (same
 * id, same digest: answered as the first time) from an id reused for
 * something else. The canonical form uses the parsed values, so
 * "2026-03-01T07:00:00+07:00" and "2026-03-01T00:00:00Z" are the same
 * event.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handbook.h"

/* The members of an event, in the order their problems are reported. */
static const char *const event_fields[] = {
	"id", "kind", "document_id", "version", "lang", "section",
	"occurred_at", "seconds", NULL
};

static const char *const event_kinds[] = {
	"opened", "section_read", "completed", NULL
};

/* PostgreSQL's oids of the element types (fixed: pg_type.dat). */
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_TEXT	25
#define OID_TIMESTAMPTZ	1184
#define OID_UUID	2950

/* Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
#define PG_EPOCH_US	INT64_C(946684800000000)

/* The header of a one-dimensional array: ndim, flags, oid, length, lower. */
#define ARRAY_HEADER	20

static int	arr_alloc(struct event_array *, uint32_t, size_t, size_t);
static void	arr_put(struct event_array *, const void *, int32_t);
static void	arr_int2(struct event_array *, int);
static void	arr_int4(struct event_array *, int32_t);
static void	arr_int8(struct event_array *, int64_t);
static void	arr_uuid(struct event_array *, const char *);
static void	arr_close(struct event_array *);
static void	put_be32(unsigned char *, uint32_t);
static size_t	add(char *, const char *);
static int	json_safe(const char *);
static const char *check_event(json_t *, struct event_item *);
static int	known(const char *, const char *const *);
static int	digits(const char *, int, int *);
static int64_t	days_from_civil(int, int, int);
static int	seen_before(const char **, size_t, const char *);

/*
 * True when s is a UUID in its usual text form, 8-4-4-4-12 hex digits in
 * either case (phones differ). The version and variant are not checked:
 * they say how the id was made, not whether it is one.
 */
int
event_uuid_valid(const char *s)
{
	size_t	i;

	if (strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i])) {
			return (0);
		}
	}

	return (1);
}

/*
 * Parses an RFC 3339 date-time ("2026-11-27T20:15:00+07:00",
 * "2026-11-27T13:15:00.250Z") into microseconds since 1970 UTC. The time
 * zone is required (a phone's local time without one means nothing here);
 * a fraction beyond microseconds is cut; "t", "z" and a space for "T" are
 * accepted as RFC 3339 allows. Returns 0 on anything else, including a
 * day that does not exist and a leap second.
 */
int
event_time_parse(const char *s, int64_t *us)
{
	int	year, month, day, hour, minute, second, oh, om, mdays;
	int64_t	frac, scale, t;
	size_t	i;

	if (strlen(s) < 20 || !digits(s, 4, &year) || s[4] != '-' ||
	    !digits(s + 5, 2, &month) || s[7] != '-' ||
	    !digits(s + 8, 2, &day) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &hour) || s[13] != ':' ||
	    !digits(s + 14, 2, &minute) || s[16] != ':' ||
	    !digits(s + 17, 2, &second))
		return (0);

	if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
	    second > 59)
		return (0);
	mdays = month == 2 ? ((year % 4 == 0 && year % 100 != 0) ||
	    year % 400 == 0 ? 29 : 28) : (month == 4 || month == 6 ||
	    month == 9 || month == 11 ? 30 : 31);
	if (day > mdays)
		return (0);

	i = 19;
	frac = 0;
	if (s[i] == '.') {
		i++;
		if (!isdigit((unsigned char)s[i]))
			return (0);
		for (scale = 100000; isdigit((unsigned char)s[i]); i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
	}

	t = days_from_civil(year, month, day) * 86400 + hour * 3600 +
	    minute * 60 + second;
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') {
		/* UTC */
	} else if ((s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2, &oh) &&
	    s[i + 3] == ':' && digits(s + i + 4, 2, &om) &&
	    s[i + 6] == '\0' && oh <= 23 && om <= 59) {
		/* Local time at that offset: UTC is local minus the offset. */
		t += (s[i] == '+' ? -1 : 1) * (oh * 3600 + om * 60);
	} else {
		return (0);
	}

	*us = t * 1000000 + frac;
	return (1);
}

/*
 * Judges each element of events (a JSON array) into b. Returns 0 with err
 * filled (413 too_many_events) when there are more than EVENTS_MAX; else
 * 1, with b->items[i].reason set for each event refused here and the
 * array literals holding the others (b->sent of them). event_batch_free()
 * releases b in both cases.
 */
int
event_batch_parse(json_t *events, struct event_batch *b, struct hb_error *err)
{
	struct event_item	*it;
	const char		**seen;
	unsigned char		hash[8];
	char			canon[256];
	json_t			*ev;
	int64_t			digest;
	size_t			i, nseen, n;
	int			ok;

	memset(b, 0, sizeof(*b));
	b->count = json_array_size(events);
	if (b->count > EVENTS_MAX) {
		err->status = 413;
		err->code = "too_many_events";
		(void)snprintf(err->message, sizeof(err->message),
		    "A batch holds at most %d events; this one has %zu. "
		    "Send the rest in another request.", EVENTS_MAX, b->count);
		return (0);
	}

	/* Room for every event: nothing grows while they are read. */
	n = b->count;
	b->items = calloc(n > 0 ? n : 1, sizeof(*b->items));
	seen = calloc(n > 0 ? n : 1, sizeof(*seen));
	ok = b->items != NULL && seen != NULL &&
	    arr_alloc(&b->ids, OID_UUID, n, 16) &&
	    arr_alloc(&b->idx, OID_INT4, n, 4) &&
	    arr_alloc(&b->kinds, OID_INT2, n, 2) &&
	    arr_alloc(&b->docs, OID_INT8, n, 8) &&
	    arr_alloc(&b->versions, OID_INT4, n, 4) &&
	    arr_alloc(&b->langs, OID_TEXT, n, 2) &&
	    arr_alloc(&b->sections, OID_INT2, n, 2) &&
	    arr_alloc(&b->occurred, OID_TIMESTAMPTZ, n, 8) &&
	    arr_alloc(&b->seconds, OID_INT4, n, 4) &&
	    arr_alloc(&b->digests, OID_INT8, n, 8);
	if (!ok) {
		free(seen);
		event_batch_free(b);
		err->status = 500;
		err->code = "internal_error";
		(void)snprintf(err->message, sizeof(err->message),
		    "Out of memory while reading the events.");
		return (0);
	}
	nseen = 0;

	json_array_foreach(events, i, ev) {
		it = &b->items[i];
		it->trusted = -1;
		if ((it->reason = check_event(ev, it)) != NULL) {
			/* An id seen in a refused event still counts as seen. */
			if (it->id[0] != '\0' && !seen_before(seen, nseen, it->key))
				seen[nseen++] = it->key;
			continue;
		}
		if (seen_before(seen, nseen, it->key)) {
			it->reason = "repeated_in_batch";
			continue;
		}
		seen[nseen++] = it->key;

		/* The digest's text is what it always was: events stored
		 * before must keep matching their retries. */
		(void)snprintf(canon, sizeof(canon), "%s|%lld|%d|%s|%d|%lld|%d",
		    it->kind, (long long)it->document_id, it->version, it->lang,
		    it->section, (long long)it->occurred_us, it->seconds);
		crypto_generichash(hash, sizeof(hash),
		    (const unsigned char *)canon, strlen(canon), NULL, 0);
		memcpy(&digest, hash, sizeof(digest));

		arr_uuid(&b->ids, it->key);
		arr_int4(&b->idx, (int32_t)i);
		arr_int2(&b->kinds, it->kind_no);
		arr_int8(&b->docs, it->document_id);
		arr_int4(&b->versions, it->version);
		arr_put(&b->langs, it->lang, 2);
		if (it->section > 0)
			arr_int2(&b->sections, it->section);
		else
			arr_put(&b->sections, NULL, -1);
		arr_int8(&b->occurred, it->occurred_us - PG_EPOCH_US);
		arr_int4(&b->seconds, it->seconds);
		arr_int8(&b->digests, digest);
		b->sent++;
	}
	free(seen);

	arr_close(&b->ids);
	arr_close(&b->idx);
	arr_close(&b->kinds);
	arr_close(&b->docs);
	arr_close(&b->versions);
	arr_close(&b->langs);
	arr_close(&b->sections);
	arr_close(&b->occurred);
	arr_close(&b->seconds);
	arr_close(&b->digests);

	return (1);
}

void
event_batch_free(struct event_batch *b)
{
	free(b->items);
	free(b->ids.data);
	free(b->idx.data);
	free(b->kinds.data);
	free(b->docs.data);
	free(b->versions.data);
	free(b->langs.data);
	free(b->sections.data);
	free(b->occurred.data);
	free(b->seconds.data);
	free(b->digests.data);
	memset(b, 0, sizeof(*b));
}

/*
 * The answer to the batch, once every event has its verdict (events.c):
 * {"accepted": n, "duplicate": n, "rejected": n, "results": [{"id",
 * "status", "reason" | "received_at", "time_trusted"}, ...]} in the order
 * of the request, as compact JSON text in a new buffer (*len bytes and a
 * NUL), or
 * NULL when out of memory or when a string is not one this writer may
 * copy as it is.
 *
 * Written here rather than by jansson, against the house habit, because
 * of what it cost: json_dumps() spent 2.5 to 3 us per event on this
 * answer (it looks for cycles through a hash table, per object), more
 * than a tenth of the CPU a whole event costs. It is safe because every
 * string in it comes from a closed alphabet that JSON needs no escape
 * for: a checked UUID, our own reason words, PostgreSQL's RFC 3339
 * received_at; each is checked again here (json_safe()), so anything
 * else is refused rather than written. The unit tests parse the answer
 * with jansson.
 */
char *
event_batch_answer(struct event_batch *b, size_t *len)
{
	struct event_item	*it;
	size_t			i, n[3], cap, off;
	char			*p, head[96];
	int			k, w;

	n[0] = n[1] = n[2] = 0;
	for (i = 0; i < b->count; i++) {
		it = &b->items[i];
		if (it->status == NULL) {
			/* Refused at the edge, in C. */
			it->status = !strcmp(it->reason, "repeated_in_batch") ?
			    "duplicate" : "rejected";
		}
		k = !strcmp(it->status, "accepted") ? 0 :
		    !strcmp(it->status, "duplicate") ? 1 : 2;
		n[k]++;
		if (!json_safe(it->id) || (k == 0 ?
		    !json_safe(it->received_at) : !json_safe(it->reason)))
			return (NULL);
	}

	w = snprintf(head, sizeof(head), "{\"accepted\":%zu,\"duplicate\":%zu,"
	    "\"rejected\":%zu,\"results\":[", n[0], n[1], n[2]);
	/* The longest result: id, "duplicate", a reason or a time. */
	cap = (size_t)w + b->count * 160 + 3;
	if ((p = malloc(cap)) == NULL)
		return (NULL);
	memcpy(p, head, (size_t)w);
	off = (size_t)w;

	for (i = 0; i < b->count; i++) {
		it = &b->items[i];
		if (i > 0)
			p[off++] = ',';
		off += add(p + off, "{\"id\":");
		if (it->id[0] != '\0') {
			p[off++] = '"';
			off += add(p + off, it->id);
			p[off++] = '"';
		} else {
			off += add(p + off, "null");
		}
		off += add(p + off, ",\"status\":\"");
		off += add(p + off, it->status);
		if (!strcmp(it->status, "accepted")) {
			off += add(p + off, "\",\"received_at\":\"");
			off += add(p + off, it->received_at);
			off += add(p + off, it->trusted == 1 ?
			    "\",\"time_trusted\":true}" :
			    "\",\"time_trusted\":false}");
		} else {
			off += add(p + off, "\",\"reason\":\"");
			off += add(p + off, it->reason);
			off += add(p + off, "\"}");
		}
	}
	off += add(p + off, "]}");
	p[off] = '\0';
	*len = off;

	return (p);
}

/* Copies s to p (room known by the caller); returns its length. */
static size_t
add(char *p, const char *s)
{
	size_t	len;

	len = strlen(s);
	memcpy(p, s, len);
	return (len);
}

/*
 * Whether s (at most 40 characters) may go between JSON quotes as it is:
 * letters, digits and - _ : . + only.
 */
static int
json_safe(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == 40 || !(isalnum((unsigned char)s[i]) ||
		    strchr("-_:.+", s[i]) != NULL))
			return (0);
	}
	return (1);
}

/* The reason to refuse one event, or NULL; fills it from ev either way. */
static const char *
check_event(json_t *ev, struct event_item *it)
{
	const char	*key, *s;
	json_t		*v;
	json_int_t	n;
	size_t		i;

	if (!json_is_object(ev))
		return ("not_an_object");

	/* The id first, so that even a refused event can be matched. */
	v = json_object_get(ev, "id");
	if (json_is_string(v) && event_uuid_valid(json_string_value(v))) {
		s = json_string_value(v);
		memcpy(it->id, s, 37);
		for (i = 0; i < 36; i++)
			it->key[i] = (char)tolower((unsigned char)s[i]);
		it->key[36] = '\0';
	}

	json_object_foreach(ev, key, v) {
		if (!known(key, event_fields))
			return ("unknown_field");
	}
	if (it->id[0] == '\0')
		return ("invalid_id");

	v = json_object_get(ev, "kind");
	if (!json_is_string(v) || !known(json_string_value(v), event_kinds))
		return ("unknown_kind");
	/* Point at our own constant, not at the JSON string; its number is
	 * its place in read_event_kind (sql/0019), counted from 1. */
	for (i = 0; event_kinds[i] != NULL; i++) {
		if (!strcmp(event_kinds[i], json_string_value(v))) {
			it->kind = event_kinds[i];
			it->kind_no = (int)i + 1;
		}
	}

	v = json_object_get(ev, "document_id");
	if (!json_is_integer(v) || (n = json_integer_value(v)) < 1)
		return ("invalid_document_id");
	it->document_id = n;

	v = json_object_get(ev, "version");
	if (!json_is_integer(v) || (n = json_integer_value(v)) < 1 ||
	    n > 2147483647)
		return ("invalid_version");
	it->version = (int)n;

	v = json_object_get(ev, "lang");
	if (!json_is_string(v))
		return ("invalid_lang");
	if (!strcmp(json_string_value(v), "vi"))
		it->lang = "vi";
	else if (!strcmp(json_string_value(v), "km"))
		it->lang = "km";
	else
		return ("invalid_lang");

	/* Optional but for section_read; sections are 1 to 12. */
	v = json_object_get(ev, "section");
	if (v == NULL || json_is_null(v)) {
		if (!strcmp(it->kind, "section_read"))
			return ("invalid_section");
		it->section = 0;
	} else if (!json_is_integer(v) || (n = json_integer_value(v)) < 1 ||
	    n > EVENT_SECTION_MAX) {
		return ("invalid_section");
	} else {
		it->section = (int)n;
	}

	v = json_object_get(ev, "occurred_at");
	if (!json_is_string(v) ||
	    !event_time_parse(json_string_value(v), &it->occurred_us))
		return ("invalid_occurred_at");

	v = json_object_get(ev, "seconds");
	if (v == NULL || json_is_null(v)) {
		it->seconds = 0;
	} else if (!json_is_integer(v) || (n = json_integer_value(v)) < 0 ||
	    n > EVENT_SECONDS_MAX) {
		return ("invalid_seconds");
	} else {
		it->seconds = (int)n;
	}

	return (NULL);
}

static int
known(const char *s, const char *const *list)
{
	for (; *list != NULL; list++) {
		if (!strcmp(s, *list))
			return (1);
	}
	return (0);
}

/* n decimal digits at s into *out. */
static int
digits(const char *s, int n, int *out)
{
	int	i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (0);
		*out = *out * 10 + (s[i] - '0');
	}
	return (1);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/*
 * Whether key is among the first n of seen. A batch has at most 500
 * events, and most have none repeated: a linear scan of 36-byte keys that
 * differ in their first bytes is cheaper than building an index.
 */
static int
seen_before(const char **seen, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (seen[i][0] == key[0] && !strcmp(seen[i], key))
			return (1);
	}
	return (0);
}

/*
 * Room for the header and count elements of at most size bytes each, of
 * type oid; 0 when out of memory.
 */
static int
arr_alloc(struct event_array *a, uint32_t oid, size_t count, size_t size)
{
	a->oid = oid;
	a->len = ARRAY_HEADER;
	a->n = 0;
	a->nulls = 0;
	a->data = malloc(ARRAY_HEADER + count * (4 + size));
	return (a->data != NULL);
}

/* One element of len bytes at p, or a NULL when len is -1. */
static void
arr_put(struct event_array *a, const void *p, int32_t len)
{
	put_be32(a->data + a->len, (uint32_t)len);
	a->len += 4;
	if (len < 0) {
		a->nulls = 1;
	} else {
		memcpy(a->data + a->len, p, (size_t)len);
		a->len += len;
	}
	a->n++;
}

static void
arr_int2(struct event_array *a, int v)
{
	unsigned char	b[2];

	b[0] = (unsigned char)((unsigned int)v >> 8);
	b[1] = (unsigned char)v;
	arr_put(a, b, 2);
}

static void
arr_int4(struct event_array *a, int32_t v)
{
	unsigned char	b[4];

	put_be32(b, (uint32_t)v);
	arr_put(a, b, 4);
}

static void
arr_int8(struct event_array *a, int64_t v)
{
	unsigned char	b[8];

	put_be32(b, (uint32_t)((uint64_t)v >> 32));
	put_be32(b + 4, (uint32_t)v);
	arr_put(a, b, 8);
}

/* A checked UUID's 32 hex digits as its 16 bytes. */
static void
arr_uuid(struct event_array *a, const char *s)
{
	unsigned char	b[16];
	int		hi, lo;
	size_t		i;

	for (i = 0; i < 16; i++) {
		if (*s == '-')
			s++;
		hi = isdigit((unsigned char)s[0]) ? s[0] - '0' :
		    tolower((unsigned char)s[0]) - 'a' + 10;
		lo = isdigit((unsigned char)s[1]) ? s[1] - '0' :
		    tolower((unsigned char)s[1]) - 'a' + 10;
		b[i] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	arr_put(a, b, 16);
}

/* The header, now that the elements are counted: one dimension from 1. */
static void
arr_close(struct event_array *a)
{
	put_be32(a->data, 1);
	put_be32(a->data + 4, (uint32_t)a->nulls);
	put_be32(a->data + 8, a->oid);
	put_be32(a->data + 12, (uint32_t)a->n);
	put_be32(a->data + 16, 1);
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}
