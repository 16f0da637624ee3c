#!/bin/bash
# Study sessions over HTTPS, the scheduling side: who may schedule, see,
# change and cancel a session (a role x action table, outsiders of the
# other district included), bridge points within the organiser's subtree,
# retried creations stored once, the board's list with its filters and
# cursor, and every kind of bad input refused with nothing half-written.
# Titles and site names sent in NFD (Vietnamese) or with Khmer marks in
# another order come back NFC. Attendance and make-ups are in
# study_sessions_attendance.sh.
#
# The fixture: province P; D1 > G1 > C1 (member, secretary of C1,
# propaganda officer of P, admin of P); D2 > G2 > C2 (khmer, committee of
# D2, spare).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org STSS
at_exit "fx_sql \"DELETE FROM documents WHERE slug LIKE 'test-stss-%'\" >/dev/null 2>&1 || true"

declare -A TOKEN_OF
for who in member khmer secretary committee propaganda admin; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok ||
		bail_out "cannot log in as $who (status $REQ_STATUS)"
	TOKEN_OF[$who]=$tok
done
P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} D2=${FX_UNIT[D2]} G1=${FX_UNIT[G1]}
G2=${FX_UNIT[G2]} C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}

# send WHO METHOD PATH [JSON]
send() {
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/body.json"
		auth_req "${TOKEN_OF[$1]}" -X "$2" \
		    -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$3"
	else
		auth_req "${TOKEN_OF[$1]}" -X "$2" "$BASE$3"
	fi
}
# expect WHO METHOD PATH STATUS [JSON]
expect() {
	local who=$1 method=$2 path=$3 want=$4
	send "$who" "$method" "$path" "${@:5}"
	is "$REQ_STATUS" "$want" "$who: $method $path -> $want"
	if [ "$REQ_STATUS" != "$want" ]; then diag "$(head -c 400 "$REQ_BODY_FILE")"; fi
}
future() { date -u -d "+$1" +%Y-%m-%dT%H:%M:%SZ; }

# Three documents, made by the province's propaganda officer: one for all
# of P (published), one for D1 only (published), one still a draft.
sections='[{"title":"Ý 1","summary":"Một."},{"title":"Ý 2","summary":"Hai."},{"title":"Ý 3","summary":"Ba."},{"title":"Ý 4","summary":"Bốn."},{"title":"Ý 5","summary":"Năm."}]'
make_doc() {	# SLUG UNIT PUBLISH
	send propaganda POST /api/v1/documents "$(jq -cn --arg slug "$1" \
	    --argjson unit "$2" --argjson s "$sections" \
	    '{slug: $slug, unit_id: $unit, number: "01-KH/TU", kind: "study_outline",
	      issuer: "Ban Tuyên giáo Tỉnh ủy (thử)", level: "province",
	      issued: "2026-01-15", texts: {vi: {title: "Kế hoạch học tập", sections: $s}}}')"
	[ "$REQ_STATUS" = 201 ] || bail_out "cannot create document $1: $REQ_STATUS $(head -c 300 "$REQ_BODY_FILE")"
	DOC=$(json .id)
	if [ "$3" = yes ]; then
		send propaganda POST "/api/v1/documents/$DOC/publish"
		[ "$REQ_STATUS" = 200 ] || bail_out "cannot publish $1: $REQ_STATUS"
	fi
}
make_doc test-stss-p "$P" yes; DOC_P=$DOC
make_doc test-stss-d1 "$D1" yes; DOC_D1=$DOC
make_doc test-stss-draft "$P" no; DOC_DRAFT=$DOC

# body UNIT [EXTRA JSON OBJECT]: a valid session two days ahead.
body() {
	jq -cn --argjson unit "$1" --arg start "$(future '2 days')" \
	    --argjson doc "$DOC_P" --argjson extra "${2:-"{}"}" \
	    '{title: "Hội nghị học tập Nghị quyết", unit_id: $unit,
	      mode: "online", starts_at: $start, duration_minutes: 120,
	      documents: [$doc]} + $extra'
}
sessions_count() {
	fx_sql "SELECT count(*) FROM study_sessions s JOIN org_units u ON u.id = s.unit_id
	    WHERE u.path <@ (SELECT path FROM org_units WHERE id = $P)"
}

# --- Scheduling: who may organise where -------------------------------
# Title in NFD, a Khmer bridge point whose marks come in another order.
send propaganda POST /api/v1/study-sessions "$(body "$P" "$(jq -cn \
    --argjson d1 "$D1" --argjson g2 "$G2" '{
	title: "Ho\u0323\u0302i nghi\u0323 ho\u0323c ta\u0323\u0302p, qua\u0301n trie\u0323\u0302t Nghi\u0323 quye\u0302\u0301t",
	mode: "both",
	bridge_points: [
	    {unit_id: $d1, name: "\u0110ie\u0302\u0309m ca\u0302\u0300u huye\u0323\u0302n Ta\u0302n Ho\u0300a",
	     address: "Hội trường Huyện ủy", expected_count: 120},
	    {unit_id: $g2, name: "សាលាឃុំ \u1780\u17dd\u17d2\u1780", expected_count: 45}]}')")"
is "$REQ_STATUS" 201 "the province's propaganda officer schedules a session of P with two bridge points"
S_P=$(json .id)
is "$(json .title)" "Hội nghị học tập, quán triệt Nghị quyết" "... the title sent in NFD comes back NFC"
is "$(json '.bridge_points[0].name')" "Điểm cầu huyện Tân Hòa" "... a site name sent in NFD comes back NFC"
is "$(json '.bridge_points[1].name')" "$(printf 'សាលាឃុំ \u1780\u17d2\u17dd\u1780')" \
    "... a Khmer site name with its marks out of canonical order comes back NFC"
is "$(fx_sql "SELECT count(*) FROM study_sessions WHERE id = $S_P AND title = normalize(title, NFC)")" 1 \
    "... and the title is stored NFC"
is "$(json '[.status, .mode, .unit.id, (.documents | length), .documents[0].title, .makeup_of] | map(tostring) | join(" ")')" \
    "scheduled both $P 1 Kế hoạch học tập null" "... scheduled, both, organised by P, studying the document"
is "$(json '.bridge_points | map(.expected_count) | join(",")')" "120,45" "... with the expected counts"

expect admin POST /api/v1/study-sessions 201 "$(body "$D1")"
S_D1=$(json .id)
expect committee POST /api/v1/study-sessions 201 "$(body "$D2" '{"title":"សន្និសីទសិក្សាសេចក្តីសម្រេច","mode":"in_person"}')"
S_D2=$(json .id)
is "$(json .title)" "សន្និសីទសិក្សាសេចក្តីសម្រេច" "... a Khmer title is kept as sent"
expect committee POST /api/v1/study-sessions 404 "$(body "$D1")"
is_error_envelope not_found "... a committee member of D2 cannot even see D1 (not_found)"
expect committee POST /api/v1/study-sessions 403 "$(body "$P")"
expect secretary POST /api/v1/study-sessions 201 "$(body "$C1" '{"mode":"in_person"}')"
S_C1=$(json .id)
expect secretary POST /api/v1/study-sessions 403 "$(body "$G1")"
expect member POST /api/v1/study-sessions 403 "$(body "$C1")"
rid=$(hdr x-request-id)
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'access.denied' AND request_id = '$rid'")" 1 \
    "... and the refusal is in the audit log"
expect khmer POST /api/v1/study-sessions 404 "$(body "$D1")"

# --- Who sees a session -----------------------------------------------
for who in member khmer secretary committee propaganda admin; do
	expect "$who" GET "/api/v1/study-sessions/$S_P" 200
done
expect committee GET "/api/v1/study-sessions/$S_D2" 200
expect khmer GET "/api/v1/study-sessions/$S_D2" 200
expect propaganda GET "/api/v1/study-sessions/$S_D2" 200
expect member GET "/api/v1/study-sessions/$S_D2" 404
expect secretary GET "/api/v1/study-sessions/$S_D2" 404
expect committee GET "/api/v1/study-sessions/$S_D1" 404
expect khmer GET "/api/v1/study-sessions/$S_C1" 404
expect member GET "/api/v1/study-sessions/$S_C1" 200
expect member GET "/api/v1/study-sessions/999999999999" 404
expect member GET "/api/v1/study-sessions/abc" 404

# --- Changing and cancelling ------------------------------------------
expect committee PATCH "/api/v1/study-sessions/$S_D2" 200 '{"title":"Hội nghị (đã dời)","duration_minutes":90}'
is "$(json .title)" "Hội nghị (đã dời)" "... the new title"
is "$(fx_sql "SELECT extract(epoch FROM ends_at - starts_at)::int FROM study_sessions WHERE id = $S_D2")" 5400 \
    "... and the new length"
new_start=$(future '3 days')
expect propaganda PATCH "/api/v1/study-sessions/$S_D2" 200 "{\"starts_at\":\"$new_start\"}"
is "$(fx_sql "SELECT extract(epoch FROM ends_at - starts_at)::int FROM study_sessions WHERE id = $S_D2")" 5400 \
    "... a new start keeps the length"
expect khmer PATCH "/api/v1/study-sessions/$S_D2" 403 '{"title":"x"}'
expect secretary PATCH "/api/v1/study-sessions/$S_D2" 404 '{"title":"x"}'
expect committee PATCH "/api/v1/study-sessions/$S_D1" 404 '{"title":"x"}'
expect committee PATCH "/api/v1/study-sessions/$S_D2" 422 '{"unit_id":5}'
is_error_envelope unknown_field "... the organiser cannot be changed (unknown_field)"
expect committee PATCH "/api/v1/study-sessions/$S_D2" 422 "{\"documents\":[$DOC_D1]}"
is_error_envelope unknown_document "... D2's members may not read D1's document: unknown_document"

expect khmer POST "/api/v1/study-sessions/$S_D2/cancel" 403 '{}'
expect committee POST "/api/v1/study-sessions/$S_D2/cancel" 200 '{"reason":"Ba\u0303o so\u0302\u0301 5"}'
is "$(json '[.status, .cancel_reason] | join(" ")')" "cancelled Bão số 5" "cancelled, with its reason in NFC"
expect committee POST "/api/v1/study-sessions/$S_D2/cancel" 200 '{}'
is "$(json '[.status, .cancel_reason] | join(" ")')" "cancelled Bão số 5" "cancelling again answers the same"
expect khmer GET "/api/v1/study-sessions/$S_D2" 200
is "$(json .status)" cancelled "a member still sees the cancelled session, marked cancelled"
expect committee PATCH "/api/v1/study-sessions/$S_D2" 409 '{"title":"x"}'
is_error_envelope session_cancelled "... and it can no longer be changed (session_cancelled)"

# A session that has started can be neither changed nor cancelled.
fx_sql "UPDATE study_sessions SET starts_at = now() - interval '1 hour',
    ends_at = now() + interval '1 hour' WHERE id = $S_C1" >/dev/null
expect secretary PATCH "/api/v1/study-sessions/$S_C1" 409 '{"title":"x"}'
is_error_envelope session_started "a started session cannot be changed (session_started)"
expect secretary POST "/api/v1/study-sessions/$S_C1/cancel" 409 '{}'
expect member GET "/api/v1/study-sessions/$S_C1" 200
is "$(json .status)" in_progress "... it is in progress"

# --- Bridge points ----------------------------------------------------
expect propaganda POST "/api/v1/study-sessions/$S_P/bridge-points" 201 \
    "{\"unit_id\":$G1,\"name\":\"Điểm cầu xã Tân Lập\",\"client_id\":\"5b0f7c1e-2a8e-4e38-9d4c-0a1f3c5e7d90\"}"
BP=$(json .id)
expect propaganda POST "/api/v1/study-sessions/$S_P/bridge-points" 201 \
    "{\"unit_id\":$G1,\"name\":\"Điểm cầu xã Tân Lập\",\"client_id\":\"5b0f7c1e-2a8e-4e38-9d4c-0a1f3c5e7d90\"}"
is "$(json .id)" "$BP" "... the retry with the same client_id answers the same point"
is "$(fx_sql "SELECT count(*) FROM study_bridge_points WHERE session_id = $S_P")" 3 "... stored once"
expect propaganda POST "/api/v1/study-sessions/$S_P/bridge-points" 409 \
    "{\"unit_id\":$G1,\"name\":\"Điểm cầu xã Tân Lập\"}"
is_error_envelope bridge_point_exists "the same site again: bridge_point_exists"
expect admin POST "/api/v1/study-sessions/$S_D1/bridge-points" 422 "{\"unit_id\":$G2,\"name\":\"Xã Lai Hòa\"}"
is_error_envelope bridge_point_outside "a bridge point outside the organiser's subtree: bridge_point_outside"
expect admin POST "/api/v1/study-sessions/$S_D1/bridge-points" 422 "{\"unit_id\":999999999,\"name\":\"X\"}"
is_error_envelope unknown_unit "a bridge point in a unit that does not exist: unknown_unit"
expect committee POST "/api/v1/study-sessions/$S_P/bridge-points" 403 "{\"unit_id\":$G2,\"name\":\"X\"}"
expect propaganda PATCH "/api/v1/study-sessions/$S_P/bridge-points/$BP" 200 '{"expected_count":80,"address":"Nhà văn hóa ấp"}'
is "$(json '[.expected_count, .address] | join(" ")')" "80 Nhà văn hóa ấp" "the plan of a bridge point changes before the session"
expect propaganda PATCH "/api/v1/study-sessions/$S_P/bridge-points/$BP" 409 '{"actual_count":75}'
is_error_envelope session_not_started "... its actual count waits until the session has started"
expect propaganda PATCH "/api/v1/study-sessions/$S_D1/bridge-points/$BP" 404 '{"expected_count":1}'

# Taking a point off the plan: only those who schedule, only before the
# start, audited; the point is gone and a second DELETE is 404.
expect propaganda POST "/api/v1/study-sessions/$S_P/bridge-points" 201 \
    "{\"unit_id\":$G1,\"name\":\"Điểm cầu dự phòng\"}"
BP_SPARE=$(json .id)
expect committee DELETE "/api/v1/study-sessions/$S_P/bridge-points/$BP_SPARE" 403
expect member DELETE "/api/v1/study-sessions/$S_P/bridge-points/$BP_SPARE" 403
expect propaganda DELETE "/api/v1/study-sessions/$S_D1/bridge-points/$BP_SPARE" 404
expect propaganda DELETE "/api/v1/study-sessions/$S_P/bridge-points/$BP_SPARE" 204
is "$(fx_sql "SELECT count(*) FROM study_bridge_points WHERE id = $BP_SPARE")" 0 "... the point is gone"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'study_session.bridge_point_remove' AND object = 'study_bridge_point:$BP_SPARE'")" 1 "... and the removal is in the audit log"
expect propaganda GET "/api/v1/study-sessions/$S_P" 200
is "$(json "[.bridge_points[].id | select(. == $BP_SPARE)] | length")" 0 "... and no longer in the session"
expect propaganda DELETE "/api/v1/study-sessions/$S_P/bridge-points/$BP_SPARE" 404

# --- Idempotent creation ----------------------------------------------
cid=0c8e3d6a-6f0e-4b6b-9a53-2f1d8e7c4b21
once=$(body "$G1" "{\"client_id\":\"$cid\",\"title\":\"Học tập chuyên đề\"}")
expect admin POST /api/v1/study-sessions 201 "$once"
S_ONCE=$(json .id)
expect admin POST /api/v1/study-sessions 201 "$once"
is "$(json .id)" "$S_ONCE" "a retried creation (same client_id) answers the same session"
is "$(fx_sql "SELECT count(*) FROM study_sessions WHERE client_id = '$cid'")" 1 "... stored once"
expect admin POST /api/v1/study-sessions 409 "$(body "$G1" "{\"client_id\":\"$cid\",\"title\":\"Khác\"}")"
is_error_envelope client_id_reused "the same client_id with another body: client_id_reused"
expect propaganda POST /api/v1/study-sessions 409 "$once"
is_error_envelope client_id_reused "... or from another member"

# --- Bad input, nothing written ---------------------------------------
before=$(sessions_count)
bad() {	# CODE STATUS DESC JSON
	expect admin POST /api/v1/study-sessions "$2" "$4"
	is_error_envelope "$1" "$3 ($1)"
}
bad unknown_document 422 "a document that does not exist" "$(body "$P" '{"documents":[999999999]}')"
bad unknown_document 422 "a draft document" "$(body "$P" "{\"documents\":[$DOC_DRAFT]}")"
bad document_not_for_audience 422 "D1's document for a session of all of P" "$(body "$P" "{\"documents\":[$DOC_D1]}")"
bad invalid_documents 422 "no document" "$(body "$P" '{"documents":[]}')"
bad invalid_documents 422 "a document listed twice" "$(body "$P" "{\"documents\":[$DOC_P,$DOC_P]}")"
bad missing_field 422 "documents left out" "$(body "$P" | jq -c 'del(.documents)')"
bad bridge_point_outside 422 "a bridge point outside the subtree" "$(body "$D1" "{\"bridge_points\":[{\"unit_id\":$C2,\"name\":\"X\"}]}")"
bad unknown_field 422 "an unknown field in a bridge point" "$(body "$D1" "{\"bridge_points\":[{\"unit_id\":$C1,\"name\":\"X\",\"actual_count\":3}]}")"
bad starts_in_past 422 "a start in the past" "$(body "$P" "{\"starts_at\":\"$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)\"}")"
bad invalid_time 422 "a start without an offset" "$(body "$P" '{"starts_at":"2030-03-05T08:00:00"}')"
bad invalid_time 422 "an impossible date" "$(body "$P" '{"starts_at":"2030-02-30T08:00:00+07:00"}')"
bad invalid_time 422 "an end before the start" "$(body "$P" "{\"ends_at\":\"$(future '1 day')\"}" | jq -c 'del(.duration_minutes)')"
bad conflicting_fields 422 "both ends_at and duration_minutes" "$(body "$P" "{\"ends_at\":\"$(future '3 days')\"}")"
bad missing_field 422 "neither ends_at nor duration_minutes" "$(body "$P" | jq -c 'del(.duration_minutes)')"
bad invalid_duration 422 "a duration of zero" "$(body "$P" '{"duration_minutes":0}')"
bad invalid_mode 422 "an unknown mode" "$(body "$P" '{"mode":"radio"}')"
bad invalid_title 422 "a blank title" "$(body "$P" '{"title":"   "}')"
bad unknown_field 422 "an unknown field" "$(body "$P" '{"colour":"red"}')"
bad invalid_field 422 "unit_id as a string" "$(body "$P" | jq -c '.unit_id |= tostring')"
bad missing_field 422 "no title" "$(body "$P" | jq -c 'del(.title)')"
bad invalid_client_id 422 "a client_id that is not a UUID" "$(body "$P" '{"client_id":"abc"}')"
bad unknown_session 422 "a make-up of a session that does not exist" "$(body "$C1" '{"makeup_of":999999999}')"
bad not_found 404 "a unit that does not exist" "$(body 999999999)"
bad malformed_json 400 "malformed JSON" '{"title": "Hội nghị",'
printf '{"title":"H\xe1\xbb","unit_id":%s}' "$P" >"$TEST_TMP/bad.json"
auth_req "${TOKEN_OF[admin]}" -X POST -H 'Content-Type: application/json' \
    --data-binary "@$TEST_TMP/bad.json" "$BASE/api/v1/study-sessions"
is "$REQ_STATUS" 400 "invalid UTF-8 in the body: 400"
is_error_envelope invalid_utf8 "... invalid_utf8"
auth_req "${TOKEN_OF[admin]}" -X POST -H 'Content-Type: text/plain' \
    --data-binary "$(body "$P")" "$BASE/api/v1/study-sessions"
is "$REQ_STATUS" 415 "a body that is not JSON by its type: 415"
req -X POST -H 'Content-Type: application/json' --data-binary "$(body "$P")" "$BASE/api/v1/study-sessions"
is "$REQ_STATUS" 401 "no token: 401"
is "$(sessions_count)" "$before" "no refused request left a session behind"
is "$(fx_sql "SELECT count(*) FROM study_bridge_points b JOIN study_sessions s ON s.id = b.session_id
    WHERE s.unit_id = $D1")" 0 "... nor a bridge point"

# --- The board's list -------------------------------------------------
ids() { json '[.items[].id] | map(tostring) | join(" ")'; }
has() { [[ " $(ids) " == *" $1 "* ]]; }
send committee GET /api/v1/study-sessions
is "$REQ_STATUS" 200 "the committee of D2 lists sessions"
ok 'has "$S_P" && has "$S_D2" && ! has "$S_D1" && ! has "$S_C1" && ! has "$S_ONCE"' \
    "... P's (its members are expected) and D2's (cancelled, still listed), none of D1's ($(ids))"
send member GET /api/v1/study-sessions
ok 'has "$S_P" && has "$S_D1" && has "$S_C1" && has "$S_ONCE" && ! has "$S_D2"' \
    "a member of C1 lists the sessions that expect them, not D2's ($(ids))"
send admin GET "/api/v1/study-sessions?unit=$D1"
ok 'has "$S_D1" && has "$S_C1" && has "$S_ONCE" && ! has "$S_P" && ! has "$S_D2"' \
    "?unit=D1: the sessions organised at D1 or below ($(ids))"
send committee GET "/api/v1/study-sessions?unit=$D1"
is "$REQ_STATUS" 404 "... a unit outside the caller's scope: 404"
send admin GET "/api/v1/study-sessions?document=$DOC_P&unit=$P"
is "$(json '.items | length')" 5 "?document=: the five sessions studying it"
send admin GET "/api/v1/study-sessions?document=999999999"
is "$REQ_STATUS" 404 "... an unknown document: 404"
# from: tomorrow as a date in Vietnam (+07:00), to: a date and time.
send admin GET "/api/v1/study-sessions?unit=$P&from=$(date -u -d '+7 hours 1 day' +%Y-%m-%d)&to=$(date -u -d '+2 days 12 hours' +%Y-%m-%dT%H:%M:%SZ)"
ok 'has "$S_P" && has "$S_D1" && ! has "$S_C1" && ! has "$S_D2"' \
    "?from=&to=: by start ($(ids))"
send admin GET "/api/v1/study-sessions?unit=$P&to=$(date -u -d '+7 hours' +%Y-%m-%d)"
is "$(ids)" "$S_C1" "?to=a date: that day (in Vietnam) included, nothing after"
seen=
cursor=
for _ in 1 2 3 4 5 6 7; do
	send admin GET "/api/v1/study-sessions?unit=$P&limit=2${cursor:+&cursor=$cursor}"
	seen="$seen $(ids)"
	cursor=$(json '.next_cursor // empty')
	[ -n "$cursor" ] || break
done
is "$(wc -w <<<"$seen")" 5 "paging by 2 with the cursor gives the five sessions of P"
is "$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort -u | wc -l)" 5 "... each once"
send admin GET "/api/v1/study-sessions?from=2026-01-10&to=2026-01-01"
is "$REQ_STATUS" 400 "from after to: 400"
is_error_envelope invalid_range "... invalid_range"
send admin GET "/api/v1/study-sessions?from=yesterday"
is "$REQ_STATUS" 400 "a from that is not a date: 400"
send admin GET "/api/v1/study-sessions?cursor=abc"
is "$REQ_STATUS" 400 "a cursor that is not one: 400"
send admin GET "/api/v1/study-sessions?unit=abc"
is "$REQ_STATUS" 400 "a unit that is not an id: 400"

done_testing
