#!/bin/bash
# POST /api/v1/events and GET /api/v1/me/progress over HTTPS: a batch is
# answered event by event in order (accepted, duplicate, rejected with a
# reason); good events are kept beside bad ones; every reason code; a
# retried batch is answered as the first time and stored once, also when
# the two copies arrive at the same moment; an id reused for other
# content is a duplicate; device times in the future, too old or before
# publication are kept but untrusted and not used; 413 over 500 events
# and the body errors; progress follows the events (sections of the
# latest version, completion, seconds) and is the caller's only.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org EVT

# Documents of this test: A (5 sections, Vietnamese and Khmer), V (no
# Khmer text), O (a study outline for D2 only), W (withdrawn below), and
# a draft. They were published a moment ago, so the device times used
# are within minutes of now (earlier ones would predate publication).

src=$TEST_TMP/content
mkdir -p "$src"
for slug in test-events-a test-events-v test-events-o test-events-w; do
	cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/$slug"
	sed -i "s/^id: test-bo-tai-lieu\$/id: $slug/" "$src/$slug/document.yaml"
done
rm "$src/test-events-v/km.md"
sed -i '/^title_km:/d' "$src/test-events-v/document.yaml"
sed -i "s/^kind: resolution\$/kind: study_outline\nunit: ${FX_CODE[D2]}\nadapts: test-events-a/" "$src/test-events-o/document.yaml"
cleanup_docs() {
	fx_sql "DELETE FROM progress WHERE document_id IN (SELECT id FROM documents WHERE slug LIKE 'test-events-%');
		DELETE FROM documents WHERE slug LIKE 'test-events-%'" >/dev/null 2>&1 || true
}
cleanup_docs
at_exit cleanup_docs
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
id_of() { fx_sql "SELECT id FROM documents WHERE slug = '$1'"; }
A=$(id_of test-events-a) V=$(id_of test-events-v) O=$(id_of test-events-o)
D=$(fx_sql "INSERT INTO documents (slug) VALUES ('test-events-draft') RETURNING id")
W=$(id_of test-events-w)
ok '[ -n "$A" ] && [ -n "$V" ] && [ -n "$O" ] && [ -n "$D" ]' "test documents imported ($A, $V, $O, draft $D)"

login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok	# C1, under D1
login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" ktok	# C2, under D2
MEMBER=${FX_ID[member]}

# ev ID KIND DOC VERSION LANG SECTION OCCURRED_AT SECONDS ("" leaves a
# field out): one event as JSON.
ev() {
	jq -cn --arg id "$1" --arg kind "$2" --arg doc "$3" --arg ver "$4" \
		--arg lang "$5" --arg sec "$6" --arg at "$7" --arg s "$8" '
		{id: $id, kind: $kind, document_id: ($doc | tonumber),
		 version: ($ver | tonumber), lang: $lang, occurred_at: $at}
		+ (if $sec == "" then {} else {section: ($sec | tonumber)} end)
		+ (if $s == "" then {} else {seconds: ($s | tonumber)} end)'
}
# batch EVENT...: {"events": [...]}
batch() { printf '%s\n' "$@" | jq -cs '{events: .}'; }
post_events() { # TOKEN BODY
	local file=$TEST_TMP/events.json
	printf '%s' "$2" >"$file"
	auth_req "$1" -X POST -H 'Content-Type: application/json' \
		--data-binary "@$file" "$BASE/api/v1/events"
}
uuid() { cat /proc/sys/kernel/random/uuid; }
at() { date -u -d "$1" +%FT%T.%3NZ; }
stored() { fx_sql "SELECT count(*) FROM read_events WHERE member_id = $MEMBER"; }
NOW=$(at '-2 minutes')

# --- A good batch ---------------------------------------------------------
post_events "" '{"events":[]}'
is "$REQ_STATUS" 401 "without a token: 401"

u1=$(uuid) u2=$(uuid) u3=$(uuid) u4=$(uuid)
good=$(batch "$(ev "$u1" opened "$A" 1 vi "" "$(at '-4 minutes')" "")" \
	"$(ev "$u2" section_read "$A" 1 vi 1 "$NOW" 40)" \
	"$(ev "$u3" section_read "$A" 1 km 2 "$NOW" 35)" \
	"$(ev "$u4" completed "$A" 1 vi "" "$NOW" 5)")
post_events "$mtok" "$good"
is "$REQ_STATUS" 200 "a batch of 4 good events: 200"
is "$(json '[.accepted, .duplicate, .rejected] | @csv')" "4,0,0" "... 4 accepted"
is "$(json '[.results[].id] | join(",")')" "$u1,$u2,$u3,$u4" "... answered in order, by id"
is "$(json '[.results[].status] | unique | join(",")')" accepted "... each accepted"
is "$(json '[.results[].time_trusted] | unique | join(",")')" true "... with trusted device times"
like "$(json '.results[0].received_at')" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+\+00:00$' "... and the time the server received them"
first_answer=$(jq -c . "$REQ_BODY_FILE")
is "$(stored)" 4 "4 rows in read_events"
is "$(fx_sql "SELECT count(*) FROM read_event_ids WHERE member_id = $MEMBER")" 4 "... and 4 in the ledger"
is "$(fx_sql "SELECT DISTINCT tableoid::regclass::text = 'read_events_' || to_char(received_at, '\"y\"YYYY\"m\"MM') FROM read_events WHERE member_id = $MEMBER")" \
	t "... in the partition of the month they were received"

# --- Retries --------------------------------------------------------------
post_events "$mtok" "$good"
is "$(jq -c . "$REQ_BODY_FILE")" "$first_answer" "the same batch again: the same answer, received_at included"
is "$(stored)" 4 "... and nothing stored twice"

u5=$(uuid)
post_events "$mtok" "$(batch "$(ev "$u5" opened "$A" 1 vi "" "$NOW" "")" \
	"$(ev "$u1" opened "$A" 1 vi "" "$NOW" "")" \
	"$(ev "$u2" section_read "$A" 1 vi 1 "$NOW" 40)")"
is "$(json '[.results[] | .status + ":" + (.reason // "")] | join(",")')" \
	"accepted:,duplicate:id_reused,accepted:" \
	"a stored id with other content is duplicate (id_reused); a retry inside a new batch is accepted"
is "$(json '.results[2].received_at')" "$(jq -r '.results[1].received_at' <<<"$first_answer")" \
	"... the retry with its first received_at"
is "$(stored)" 5 "... only the new event stored"

u6=$(uuid)
post_events "$mtok" "$(batch "$(ev "$u6" opened "$A" 1 vi "" "$NOW" "")" \
	"$(ev "$u6" opened "$A" 1 vi "" "$NOW" "")" \
	"$(ev "${u6^^}" opened "$A" 1 vi "" "$NOW" "")")"
is "$(json '[.results[] | .status + ":" + (.reason // "")] | join(",")')" \
	"accepted:,duplicate:repeated_in_batch,duplicate:repeated_in_batch" \
	"an id twice in one batch (in any case): the first accepted, the others duplicate"
is "$(stored)" 6 "... stored once"

# Two copies of one batch at the same moment (a phone retrying while the
# first try is still running): stored once, both answered accepted.
race=$(batch "$(for i in $(seq 1 50); do ev "$(uuid)" section_read "$A" 1 vi $((i % 5 + 1)) "$NOW" 1; done)")
printf '%s' "$race" >"$TEST_TMP/race.json"
for n in 1 2 3; do
	curl -s --cacert "$CACERT" -H "Authorization: Bearer $mtok" -H 'Content-Type: application/json' \
		--data-binary "@$TEST_TMP/race.json" -o "$TEST_TMP/race-$n.out" "$BASE/api/v1/events" &
done
wait
is "$(cat "$TEST_TMP"/race-*.out | jq -r '.accepted' | sort -u | tr '\n' ' ')" "50 " \
	"the same 50 events posted 3 times at once: each answer accepts all 50"
is "$(cat "$TEST_TMP"/race-*.out | jq -c '[.results[].received_at]' | sort -u | wc -l)" 1 \
	"... with the same received_at in all three"
is "$(stored)" 56 "... stored once"

# An event stored before its document was withdrawn: its retry is still
# answered as the first time; a new event for it is refused.
uw=$(uuid)
withdrawn_batch=$(batch "$(ev "$uw" opened "$W" 1 vi "" "$NOW" "")")
post_events "$mtok" "$withdrawn_batch"
is "$(json '.results[0].status')" accepted "an event for W while it is published: accepted"
withdrawn_answer=$(jq -c . "$REQ_BODY_FILE")
fx_sql "UPDATE document_versions SET state = 'withdrawn', withdrawn_at = now() WHERE document_id = $W;
	UPDATE documents SET state = 'withdrawn' WHERE id = $W" >/dev/null
post_events "$mtok" "$withdrawn_batch"
is "$(jq -c . "$REQ_BODY_FILE")" "$withdrawn_answer" "... its retry after W was withdrawn: the same answer"
is "$(stored)" 57 "... stored once"

# --- Every reason, good events kept beside bad ones ------------------------
ok_id=$(uuid) km_fallback=$(uuid)
mixed=$(jq -cn --arg ok "$ok_id" --arg km "$km_fallback" --arg now "$NOW" --argjson a "$A" \
	--argjson v "$V" --argjson o "$O" --argjson d "$D" --argjson w "$W" \
	--arg r1 "$(uuid)" --arg r2 "$(uuid)" --arg r3 "$(uuid)" --arg r4 "$(uuid)" \
	--arg r5 "$(uuid)" --arg r6 "$(uuid)" --arg r7 "$(uuid)" --arg r8 "$(uuid)" \
	--arg r9 "$(uuid)" --arg r10 "$(uuid)" --arg r11 "$(uuid)" --arg r12 "$(uuid)" \
	--arg r13 "$(uuid)" --arg r14 "$(uuid)" --arg r15 "$(uuid)" --arg r16 "$(uuid)" '
	def e($id): {id: $id, kind: "opened", document_id: $a, version: 1, lang: "vi", occurred_at: $now};
	{events: [
		e($ok),
		5,
		e($r1) + {device: "phone"},
		e("not-a-uuid"),
		e($r2) + {kind: "skimmed"},
		e($r3) + {document_id: "12"},
		e($r4) + {version: 0},
		e($r5) + {lang: "en"},
		e($r6) + {kind: "section_read"},
		e($r7) + {section: 13},
		e($r8) + {occurred_at: "27/11/2026 20:15"},
		e($r9) + {seconds: -5},
		e($r10) + {seconds: 86400},
		e($r11) + {document_id: 999999999},
		e($r12) + {document_id: $d},
		e($r13) + {document_id: $o},
		e($r14) + {version: 3},
		e($r15) + {kind: "section_read", section: 6},
		e($km) + {document_id: $v, kind: "section_read", section: 5, lang: "km"},
		e($r16) + {document_id: $w}
	]}')
post_events "$mtok" "$mixed"
is "$REQ_STATUS" 200 "a batch of good and bad events: 200"
is "$(json '[.results[] | .reason // .status] | join(",")')" \
	"accepted,not_an_object,unknown_field,invalid_id,unknown_kind,invalid_document_id,invalid_version,invalid_lang,invalid_section,invalid_section,invalid_occurred_at,invalid_seconds,invalid_seconds,unknown_document,unknown_document,unknown_document,unknown_version,unknown_section,accepted,unknown_document" \
	"each bad event refused with its reason, in order"
is "$(json '[.accepted, .duplicate, .rejected] | @csv')" "2,0,18" "... 2 accepted, 18 rejected"
is "$(json '.results[1].id')" null "... an event that is not an object has id null"
is "$(json '.results[2].id')" "$(jq -r '.events[2].id' <<<"$mixed")" "... a refused event with a good id is named by it"
is "$(fx_sql "SELECT count(*) FROM read_events WHERE member_id = $MEMBER AND id IN ('$ok_id', '$km_fallback')")" 2 \
	"the good ones are stored (a Khmer reader of a text without Khmer counts its Vietnamese sections)"
is "$(stored)" 59 "... and nothing else"

# A study outline is for its unit: the member under D2 may record it.
post_events "$ktok" "$(batch "$(ev "$(uuid)" section_read "$O" 1 km 2 "$NOW" 12)")"
is "$(json '.results[0].status')" accepted "D2's outline is accepted from a member under D2"

# --- Limits and the body --------------------------------------------------
jq -cn --arg now "$NOW" --argjson a "$A" '{events: [range(500) | {id: "00000000-0000-4000-8000-\(. + 100000000000 | tostring)", kind: "opened", document_id: $a, version: 1, lang: "vi", occurred_at: $now}]}' >"$TEST_TMP/500.json"
auth_req "$mtok" -X POST -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/500.json" "$BASE/api/v1/events"
is "$REQ_STATUS" 200 "500 events in one batch: 200"
is "$(json '.results | length')" 500 "... 500 verdicts"
jq -c --arg now "$NOW" '.events += [.events[0] | .id = "00000000-0000-4000-8000-999999999999"]' "$TEST_TMP/500.json" >"$TEST_TMP/501.json"
auth_req "$mtok" -X POST -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/501.json" "$BASE/api/v1/events"
is "$REQ_STATUS" 413 "501 events: 413"
is_error_envelope too_many_events "... too_many_events, in the envelope"

post_events "$mtok" '{"events":[{"id":'
is "$REQ_STATUS" 400 "malformed JSON: 400"
is_error_envelope malformed_json "... malformed_json"
post_events "$mtok" "$(printf '{"events":[{"id":"\xc3\x28"}]}')"
is "$REQ_STATUS" 400 "invalid UTF-8: 400"
is_error_envelope invalid_utf8 "... invalid_utf8"
post_events "$mtok" '[{"id":"x"}]'
is "$REQ_STATUS" 400 "a bare array instead of {\"events\": [...]}: 400"
post_events "$mtok" '{"events":[],"device":"x"}'
is "$REQ_STATUS" 422 "an unknown field beside events: 422"
is_error_envelope unknown_field "... unknown_field"
post_events "$mtok" '{"events":{}}'
is_error_envelope invalid_field "events not an array: 422 invalid_field"
post_events "$mtok" '{}'
is_error_envelope missing_field "no events: 422 missing_field"
post_events "$mtok" '{"events":[]}'
is "$(json '[.accepted, .duplicate, .rejected, (.results | length)] | @csv')" "0,0,0,0" "an empty batch: 200, nothing"
auth_req "$mtok" -X POST -H 'Content-Type: text/plain' --data-binary '{"events":[]}' "$BASE/api/v1/events"
is "$REQ_STATUS" 415 "not JSON by its Content-Type: 415"

# --- Device times ---------------------------------------------------------
tf=$(uuid) to=$(uuid) tp=$(uuid) ts=$(uuid)
published=$(fx_sql "SELECT to_char((published_at - interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM document_versions WHERE document_id = $V AND version = 1")
post_events "$mtok" "$(batch "$(ev "$tf" opened "$V" 1 vi "" "$(at '+1 hour')" "")" \
	"$(ev "$to" opened "$V" 1 vi "" "$(at '-2 years')" "")" \
	"$(ev "$tp" opened "$V" 1 vi "" "$published" "")" \
	"$(ev "$ts" opened "$V" 1 vi "" "$(at '+2 minutes')" "")")"
is "$(json '[.results[] | .status + ":" + (.time_trusted | tostring)] | join(",")')" \
	"accepted:false,accepted:false,accepted:false,accepted:true" \
	"an hour ahead, 2 years old, before publication: accepted, untrusted; 2 minutes ahead: trusted"
is "$(fx_sql "SELECT count(*) FROM read_events WHERE member_id = $MEMBER AND id IN ('$tf', '$to', '$tp') AND NOT time_trusted AND occurred_at <> received_at")" 3 \
	"... the device times are kept as sent, marked untrusted"
is "$(fx_sql "SELECT (first_opened_at = (SELECT occurred_at FROM read_events WHERE id = '$km_fallback'))::text
	|| (last_activity_at = (SELECT occurred_at FROM read_events WHERE id = '$ts'))::text
	FROM progress WHERE member_id = $MEMBER AND document_id = $V")" "truetrue" \
	"... and never used: V's progress runs from the earliest to the latest trusted time (not 2 years ago, not an hour ahead)"

# --- Progress -------------------------------------------------------------
auth_req "$mtok" "$BASE/api/v1/me/progress?document=$A"
is "$REQ_STATUS" 200 "GET /api/v1/me/progress?document=A: 200"
is "$(json '.items | length')" 1 "... one item"
is "$(json '.items[0].sections_read | @csv')" "1,2,3,4,5" "... sections 1 to 5 read (Vietnamese and Khmer alike)"
is "$(json '.items[0].sections_total')" 5 "... of 5"
is "$(json '.items[0].completed')" true "... completed"
is "$(json '.items[0].version')" 1 "... of version 1"
is "$(json '.items[0].seconds')" $((40 + 35 + 5 + 50)) "... seconds summed, each event once"
is "$(json '.items[0].first_opened_at')" "$(fx_sql "SELECT to_json(occurred_at)#>>'{}' FROM read_events WHERE id = '$u1'")" \
	"... first opened when the phone says (a trusted time)"
is "$(json '.items[0].title')" "Tài liệu thử nghiệm về quy trình nhập nội dung" "... with its title"
auth_req "$mtok" "$BASE/api/v1/me/progress?lang=km&document=$A"
is "$(json '.items[0].title')" "ឯកសារសាកល្បងអំពីការនាំចូលមាតិកា" "... in Khmer with ?lang=km"
auth_req "$mtok" "$BASE/api/v1/me/progress"
is "$(json '[.items[].document_id] | map(tostring) | join(",")')" "$(printf '%s\n' "$A" "$V" "$W" | sort -n | paste -sd,)" \
	"without ?document: every document the member read, by id, the withdrawn one included"

# A new version of A: its sections start anew; the old version's stay history.
echo "Một câu mới cho phiên bản hai." >>"$src/test-events-a/vi.md"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import2.out" 2>&1 || bail_out "second import failed"
is "$(fx_sql "SELECT current_version FROM documents WHERE id = $A")" 2 "A has version 2"
post_events "$mtok" "$(batch "$(ev "$(uuid)" section_read "$A" 2 vi 3 "$NOW" 10)" \
	"$(ev "$(uuid)" section_read "$A" 1 vi 4 "$NOW" 10)")"
is "$(json '[.results[].status] | join(",")')" "accepted,accepted" "events of version 2 and still of version 1 accepted"
auth_req "$mtok" "$BASE/api/v1/me/progress?document=$A"
is "$(json '[.items[0].version, (.items[0].sections_read | @csv)] | @csv')" '2,"3"' \
	"progress: version 2, section 3 (sections of version 1 do not count for it)"
is "$(json '.items[0].completed_version')" 1 "... completed: version 1"

# Someone else's progress is never visible.
auth_req "$ktok" "$BASE/api/v1/me/progress"
is "$(json '[.items[].document_id] | map(tostring) | join(",")')" "$O" "another member sees only their own progress"
auth_req "$ktok" "$BASE/api/v1/me/progress?document=$A"
is "$(json '.items | length')" 0 "... not the first member's, even by document"
auth_req "$mtok" "$BASE/api/v1/me/progress?document=abc"
is "$REQ_STATUS" 400 "?document=abc: 400"
req "$BASE/api/v1/me/progress"
is "$REQ_STATUS" 401 "without a token: 401"

# Recomputed from the raw events, progress agrees.
is "$(fx_sql "SELECT count(*) FROM progress p JOIN (
	SELECT e.member_id, e.document_id, sum(e.seconds) AS s, count(*) AS n,
	    min(CASE WHEN e.time_trusted THEN e.occurred_at ELSE e.received_at END) AS first_at
	FROM read_events e WHERE e.member_id IN ($MEMBER, ${FX_ID[khmer]}) GROUP BY 1, 2) r
	USING (member_id, document_id)
	WHERE p.seconds = r.s AND p.events = r.n AND p.first_opened_at = r.first_at")" \
	"$(fx_sql "SELECT count(*) FROM progress WHERE member_id IN ($MEMBER, ${FX_ID[khmer]})")" \
	"progress equals a recomputation from read_events (seconds, events, first opened)"

# --- Partitions -----------------------------------------------------------
is "$(fx_sql "
	BEGIN;
	INSERT INTO read_events (id, member_id, document_id, received_at, occurred_at, version, seconds, kind, time_trusted, lang)
	VALUES ('$(uuid)', $MEMBER, $A, '2099-03-15', '2099-03-15', 1, 0, 'opened', true, 'vi');
	SELECT count(*) FROM read_events_default WHERE member_id = $MEMBER;
	SELECT read_events_partition('2099-03-01');
	SELECT count(*) FROM read_events_default WHERE member_id = $MEMBER;
	SELECT count(*) FROM read_events_y2099m03 WHERE member_id = $MEMBER;
	ROLLBACK;" | tr '\n' ' ')" "1 read_events_y2099m03 0 1 " \
	"a month without a partition lands in the default one; read_events_partition() moves it out"

done_testing
