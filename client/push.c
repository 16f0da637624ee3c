/*
 * push.c: sends the journal's pending events to POST /api/v1/events, 500
 * at most per batch (the server's limit), oldest first. Each batch's
 * verdicts reach the journal (one write, one sync) before the next batch
 * is sent, so a crash or a lost network at any moment leaves every event
 * either acknowledged on disk or still pending, never lost: a pending
 * event sent again is answered "accepted" by the server without being
 * stored twice (an event's identity is the member and its UUID). Verdicts:
 * accepted → done; duplicate → done (the id was reused for other content,
 * or twice in a batch: sending it again cannot help); rejected → kept
 * with its reason and never sent again. A batch that gets no usable
 * answer (network, 5xx after the retries, 401) leaves its events pending.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "client_internal.h"

static json_t *
event_json(const struct hb_jevent *e)
{
	struct tm	tm;
	time_t		t = (time_t)e->occurred_at;
	char		at[32];
	json_t		*o;

	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:i}", "id", e->id,
	    "kind", hb_event_kind_name(e->kind), "document_id",
	    (json_int_t)e->document_id, "version", (json_int_t)e->version,
	    "lang", e->lang, "occurred_at", at, "seconds", e->seconds);
	if (o != NULL && e->section > 0 &&
	    json_object_set_new(o, "section", json_integer(e->section)) != 0) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

/* One batch: send, read the verdicts, record them. */
static enum hb_status
push_batch(struct hb_client *c, struct hb_journal *j, const size_t *idx,
    size_t n, struct hb_push_result *res)
{
	struct hb_verdict *v = NULL;
	json_t		*body, *list, *root = NULL, *results, *r;
	const char	*id, *status, *reason;
	char		*text;
	size_t		 i;
	enum hb_status	 st;

	if ((body = json_object()) == NULL || (list = json_array()) == NULL ||
	    json_object_set_new(body, "events", list) != 0) {
		json_decref(body);
		return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
	}
	for (i = 0; i < n; i++)
		if (json_array_append_new(list,
		    event_json(hb_journal_event(j, idx[i]))) != 0) {
			json_decref(body);
			return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
		}
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
	/* Safe to repeat: the server keeps an event id once. */
	st = hb_request(c, "POST", "/api/v1/events", text, strlen(text), NULL,
	    HB_REQ_AUTH | HB_REQ_RETRY);
	free(text);
	if (st != HB_OK)
		return (st);
	res->sent += n;

	root = json_loadb((const char *)c->resp.body, c->resp.body_len, 0,
	    NULL);
	results = json_object_get(root, "results");
	if (!json_is_array(results) || json_array_size(results) != n) {
		json_decref(root);
		return (hb_fail(c, HB_ERR_PROTOCOL,
		    "the events answer does not have one verdict per event"));
	}
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		json_decref(root);
		return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
	}
	json_array_foreach(results, i, r) {
		id = json_string_value(json_object_get(r, "id"));
		status = json_string_value(json_object_get(r, "status"));
		reason = json_string_value(json_object_get(r, "reason"));
		/* Verdicts come in the order sent: check, never assume. */
		if (id == NULL || status == NULL ||
		    strcasecmp(id, hb_journal_event(j, idx[i])->id) != 0) {
			st = hb_fail(c, HB_ERR_PROTOCOL,
			    "verdict %zu is not for the event sent", i);
			goto done;
		}
		v[i].index = idx[i];
		if (strcmp(status, "accepted") == 0) {
			v[i].state = HB_J_DONE;
			res->accepted++;
		} else if (strcmp(status, "duplicate") == 0) {
			v[i].state = HB_J_DONE;
			v[i].reason = reason ? reason : "duplicate";
			res->duplicate++;
		} else if (strcmp(status, "rejected") == 0) {
			v[i].state = HB_J_REJECTED;
			v[i].reason = reason ? reason : "rejected";
			res->rejected++;
		} else {
			st = hb_fail(c, HB_ERR_PROTOCOL,
			    "unknown verdict \"%s\"", status);
			goto done;
		}
	}
	if ((st = hb_journal_verdicts(j, v, n)) != HB_OK)
		hb_fail(c, st, "cannot record the verdicts in the journal");
done:
	if (st != HB_OK) {
		/* Not recorded: those events stay pending. */
		for (i = 0; i < n; i++) {
			if (v[i].state == HB_J_DONE && v[i].reason == NULL)
				res->accepted--;
			else if (v[i].state == HB_J_DONE)
				res->duplicate--;
			else if (v[i].state == HB_J_REJECTED)
				res->rejected--;
		}
	}
	free(v);
	json_decref(root);
	return (st);
}

enum hb_status
hb_push(struct hb_client *c, struct hb_journal *j,
    struct hb_push_result *result)
{
	struct hb_push_result res;
	size_t		 idx[HB_PUSH_BATCH], n, k, total;
	enum hb_status	 st = HB_OK;

	memset(&res, 0, sizeof(res));
	if (c == NULL || j == NULL) {
		if (result != NULL)
			*result = res;
		return (HB_ERR_ARGUMENT);
	}
	hb_clear_error(c);
	k = 0;
	for (;;) {
		total = hb_journal_count(j);
		for (n = 0; k < total && n < HB_PUSH_BATCH; k++)
			if (hb_journal_event(j, k)->state == HB_J_PENDING)
				idx[n++] = k;
		if (n == 0)
			break;
		if ((st = push_batch(c, j, idx, n, &res)) != HB_OK)
			break;
	}
	if (st == HB_OK && hb_journal_pending(j) == 0 &&
	    (st = hb_journal_compact(j)) != HB_OK)
		hb_fail(c, st, "cannot compact the journal");
	res.pending = hb_journal_pending(j);
	if (result != NULL)
		*result = res;
	return (st);
}
