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
 * and whether the id was stored before. Arrays rather than JSON because
 * PostgreSQL then parses numbers and UUIDs, not a document, and the whole
 * batch is one statement: this is the hot write path of the service.
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

/* A growing string, for the array literals. */
struct sbuf {
	char	*p;
	size_t	len, cap;
};

static int	sbuf_add(struct sbuf *, const char *, size_t);
static int	sbuf_word(struct sbuf *, const char *);
static int	sbuf_int(struct sbuf *, long long);
static char	*sbuf_array_end(struct sbuf *);
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
	struct sbuf		ids, idx, kinds, docs, vers, langs, sects, occ;
	struct sbuf		secs, digests;
	struct event_item	*it;
	const char		**seen;
	unsigned char		hash[8];
	char			canon[256];
	json_t			*ev;
	int64_t			digest;
	size_t			i, nseen;
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

	memset(&ids, 0, sizeof(ids));
	idx = kinds = docs = vers = langs = sects = occ = secs = digests = ids;
	b->items = calloc(b->count > 0 ? b->count : 1, sizeof(*b->items));
	seen = calloc(b->count > 0 ? b->count : 1, sizeof(*seen));
	ok = b->items != NULL && seen != NULL;
	nseen = 0;

	json_array_foreach(events, i, ev) {
		if (!ok)
			break;
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

		(void)snprintf(canon, sizeof(canon), "%s|%lld|%d|%s|%d|%lld|%d",
		    it->kind, (long long)it->document_id, it->version, it->lang,
		    it->section, (long long)it->occurred_us, it->seconds);
		crypto_generichash(hash, sizeof(hash),
		    (const unsigned char *)canon, strlen(canon), NULL, 0);
		memcpy(&digest, hash, sizeof(digest));

		/* All values are checked digits, hex or known words: no
		 * quoting is needed inside the array literals. (No printf:
		 * ten of them per event showed in the profile.) */
		ok = sbuf_word(&ids, it->key) &&
		    sbuf_int(&idx, (long long)i) &&
		    sbuf_word(&kinds, it->kind) &&
		    sbuf_int(&docs, (long long)it->document_id) &&
		    sbuf_int(&vers, it->version) &&
		    sbuf_word(&langs, it->lang) &&
		    (it->section > 0 ? sbuf_int(&sects, it->section) :
		    sbuf_word(&sects, "NULL")) &&
		    sbuf_int(&occ, (long long)it->occurred_us) &&
		    sbuf_int(&secs, it->seconds) &&
		    sbuf_int(&digests, (long long)digest);
		b->sent++;
	}
	free(seen);

	if (ok) {
		b->ids = sbuf_array_end(&ids);
		b->idx = sbuf_array_end(&idx);
		b->kinds = sbuf_array_end(&kinds);
		b->docs = sbuf_array_end(&docs);
		b->versions = sbuf_array_end(&vers);
		b->langs = sbuf_array_end(&langs);
		b->sections = sbuf_array_end(&sects);
		b->occurred = sbuf_array_end(&occ);
		b->seconds = sbuf_array_end(&secs);
		b->digests = sbuf_array_end(&digests);
		ok = b->ids != NULL && b->idx != NULL && b->kinds != NULL &&
		    b->docs != NULL && b->versions != NULL &&
		    b->langs != NULL && b->sections != NULL &&
		    b->occurred != NULL && b->seconds != NULL &&
		    b->digests != NULL;
	} else {
		free(ids.p); free(idx.p); free(kinds.p); free(docs.p);
		free(vers.p); free(langs.p); free(sects.p); free(occ.p);
		free(secs.p); free(digests.p);
	}

	if (!ok) {
		err->status = 500;
		err->code = "internal_error";
		(void)snprintf(err->message, sizeof(err->message),
		    "Out of memory while reading the events.");
		return (0);
	}

	return (1);
}

void
event_batch_free(struct event_batch *b)
{
	free(b->items);
	free(b->ids);
	free(b->idx);
	free(b->kinds);
	free(b->docs);
	free(b->versions);
	free(b->langs);
	free(b->sections);
	free(b->occurred);
	free(b->seconds);
	free(b->digests);
	memset(b, 0, sizeof(*b));
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
	/* Point at our own constant, not at the JSON string. */
	for (i = 0; event_kinds[i] != NULL; i++) {
		if (!strcmp(event_kinds[i], json_string_value(v)))
			it->kind = event_kinds[i];
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

static int
sbuf_add(struct sbuf *b, const char *s, size_t len)
{
	char	*p;
	size_t	cap;

	if (b->len + len + 2 > b->cap) {
		cap = b->cap > 0 ? b->cap * 2 : 1024;
		while (cap < b->len + len + 2)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return (0);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
	return (1);
}

/* ",word" */
static int
sbuf_word(struct sbuf *b, const char *w)
{
	return (sbuf_add(b, ",", 1) && sbuf_add(b, w, strlen(w)));
}

/* ",n" in decimal */
static int
sbuf_int(struct sbuf *b, long long n)
{
	char			tmp[24];
	unsigned long long	u;
	size_t			i;

	u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (n < 0)
		tmp[--i] = '-';
	tmp[--i] = ',';
	return (sbuf_add(b, tmp + i, sizeof(tmp) - i));
}

/*
 * The literal "{a,b,c}" from the ",a,b,c" collected (the leading comma
 * becomes the brace), handed to the caller; NULL on allocation failure.
 */
static char *
sbuf_array_end(struct sbuf *b)
{
	if (b->len == 0 && !sbuf_add(b, "{", 1))
		return (NULL);
	b->p[0] = '{';
	if (!sbuf_add(b, "}", 1))
		return (NULL);
	return (b->p);
}
