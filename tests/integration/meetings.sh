#!/bin/bash
# Cell meetings over HTTPS: the secretary records a meeting (date, topic,
# documents, attendance, discussion per core point, decisions); a retried
# create is stored once and answered as the first one was; edits name
# their version (409 on a stale one, a retried edit answered again) and
# keep every version; deletion is soft. Who sees what, role by role:
#
#   secretary of C1            writes, reads in full, reads the history
#   member of C1               reads in full and the history, may not write (403)
#   member of C2 (deputy of C2) nothing of C1's (404)
#   committee of G1 (in C2)    a summary without the text written in the
#                              cell; no history, no writing (403)
#   administrator of P (in C2) the same summary
#   propaganda officer of P    nothing (404); counts only
#   committee of D2            nothing of C1's (404): another district
#
# and the counts per unit (GET /api/v1/units/{id}/meeting-counts) never
# carry text. Bad input: malformed JSON, unknown fields at any depth,
# impossible dates, someone outside the cell in the attendance, a document
# the cell may not read.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org MEET
P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} D2=${FX_UNIT[D2]} G1=${FX_UNIT[G1]}
C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}

# Officers above C1 who are not its members: the propaganda officer and
# the administrator move to C2; the spare member becomes a committee
# member of G1 (above C1); the Khmer reader deputy secretary of C2.
fx_sql "UPDATE members SET cell_id = $C2 WHERE id IN (${FX_ID[propaganda]}, ${FX_ID[admin]});
	INSERT INTO member_roles (member_id, role, unit_id) VALUES
	    (${FX_ID[spare]}, 'committee', $G1), (${FX_ID[khmer]}, 'cell_deputy', $C2)" >/dev/null

# Two documents: one for everyone, one study outline for D2 only.
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-hop-chi-bo"
sed -i 's/^id: test-bo-tai-lieu$/id: test-hop-chi-bo/' "$src/test-hop-chi-bo/document.yaml"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-hop-chi-bo-d2"
sed -i "s/^id: test-bo-tai-lieu\$/id: test-hop-chi-bo-d2/; s/^kind: resolution\$/kind: study_outline\nunit: ${FX_CODE[D2]}\nadapts: test-hop-chi-bo/" \
    "$src/test-hop-chi-bo-d2/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-hop-chi-bo', 'test-hop-chi-bo-d2')\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-hop-chi-bo'")
DOC2=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-hop-chi-bo-d2'")

declare -A TOK
for who in member khmer secretary committee propaganda admin spare; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done

# send WHO METHOD PATH [BODY]
send() {
	local who=$1 method=$2 path=$3
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/body.json"
		auth_req "${TOK[$who]}" -X "$method" -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$path"
	else
		auth_req "${TOK[$who]}" -X "$method" "$BASE$path"
	fi
}
uuid() { cat /proc/sys/kernel/random/uuid; }

CANARY="canary-$(uuid)-biên-bản"
M=${FX_ID[member]} S=${FX_ID[secretary]} K=${FX_ID[khmer]}
# The topic in NFD (e + combining dot below + combining circumflex):
# stored and answered in NFC.
topic_nfd=$(printf 'Sinh hoat chuyen de: Vie\xcc\xa3\xcc\x82t Nam')
topic_nfc="Sinh hoat chuyen de: Việt Nam"
CID=$(uuid)
body=$(jq -cn --arg cid "$CID" --arg topic "$topic_nfd" --argjson doc "$DOC" \
    --argjson m "$M" --argjson s "$S" --arg canary "$CANARY" '{
	client_id: $cid, held_on: "2025-03-05", topic: $topic,
	documents: [$doc],
	attendance: [{member_id: $m, status: "absent", reason: "Đi công tác xa"},
	             {member_id: $s, status: "present"}],
	discussion: [{document_id: $doc, section: 2, text: ("Ý kiến về điểm thứ hai " + $canary)},
	             {document_id: $doc, text: "ការពិភាក្សាអំពីឯកសារ"}],
	decisions: ["Mỗi đảng viên viết bài thu hoạch trước ngày 30.", ("Quyết định " + $canary)]}')

send member POST /api/v1/meetings "$body"
is "$REQ_STATUS" 403 "a plain member of C1 may not record a meeting"
is_error_envelope forbidden "... forbidden"
send committee POST /api/v1/meetings "$(jq -c --argjson c "$C1" '.cell_id = $c' <<<"$body")"
is "$REQ_STATUS" 404 "a committee member of another district does not learn of C1 (404)"

send secretary POST /api/v1/meetings "$body"
is "$REQ_STATUS" 201 "the secretary records a meeting of C1"
MT=$(json .id)
first=$REQ_BODY
is_json .version 1 "... version 1"
is_json .view full "... seen in full by the secretary"
is_json .topic "$topic_nfc" "... the NFD topic stored as NFC"
is_json .cell.id "$C1" "... in the secretary's own cell"
is_json '.attendance_summary | "\(.present) \(.absent)"' "1 1" "... 1 present, 1 absent"
is_json '[.attendance[] | select(.member_id == '"$M"') | .reason][0]' "Đi công tác xa" "... with the reason"
is_json '.discussion[1].text' "ការពិភាក្សាអំពីឯកសារ" "... Khmer discussion intact"
is_json '.decisions | length' 2 "... 2 decisions"
is "$(fx_sql "SELECT topic IS NFC NORMALIZED FROM cell_meetings WHERE id = $MT")" t "... the stored topic is NFC"

send secretary POST /api/v1/meetings "$body"
is "$REQ_STATUS" 201 "the same create again (same client_id, same body) is 201"
is "$REQ_BODY" "$first" "... answered byte for byte as the first time"
is "$(fx_sql "SELECT count(*) FROM cell_meetings WHERE client_id = '$CID'")" 1 "... and stored once"
send secretary POST /api/v1/meetings "$(jq -c '.topic = "Khác"' <<<"$body")"
is "$REQ_STATUS" 409 "the same client_id with another body: 409"
is_error_envelope client_id_reused "... client_id_reused"

# Reading, role by role.
for who in secretary member; do
	send "$who" GET "/api/v1/meetings/$MT"
	is "$REQ_STATUS" 200 "$who of C1 reads the meeting"
	is_json .view full "... in full"
	ok '[[ $REQ_BODY == *"$CANARY"* ]]' "... with the discussion and decisions"
done
for who in spare admin; do
	send "$who" GET "/api/v1/meetings/$MT"
	is "$REQ_STATUS" 200 "$who (above C1, not in it) reads the meeting"
	is_json .view summary "... as a summary"
	is_json '"\(.discussion_count) \(.decision_count) \(.documents | length)"' "2 2 1" "... with counts and documents"
	is_json '[.discussion, .decisions, (.attendance[] | .reason)] | map(select(. != null)) | length' 0 \
	    "... without discussion, decisions or reasons"
	ok '[[ $REQ_BODY != *"$CANARY"* && $REQ_BODY != *"công tác"* ]]' "... no text written in the cell at all"
	send "$who" PATCH "/api/v1/meetings/$MT" '{"version":1,"topic":"Sửa"}'
	is "$REQ_STATUS" 403 "... may not edit it (403)"
	send "$who" DELETE "/api/v1/meetings/$MT"
	is "$REQ_STATUS" 403 "... nor delete it"
	send "$who" GET "/api/v1/meetings/$MT/versions"
	is "$REQ_STATUS" 403 "... nor read its history"
done
for who in khmer committee propaganda; do
	send "$who" GET "/api/v1/meetings/$MT"
	is "$REQ_STATUS" 404 "$who: the meeting does not exist (404)"
	is_error_envelope not_found "... not_found"
	send "$who" PATCH "/api/v1/meetings/$MT" '{"version":1,"topic":"Sửa"}'
	is "$REQ_STATUS" 404 "... PATCH 404"
	send "$who" GET "/api/v1/meetings/$MT/versions"
	is "$REQ_STATUS" 404 "... history 404"
	send "$who" GET "/api/v1/meetings?cell=$C1"
	is "$REQ_STATUS" 404 "... list of C1 404"
done
send member PATCH "/api/v1/meetings/$MT" '{"version":1,"topic":"Sửa"}'
is "$REQ_STATUS" 403 "a plain member of C1 may not edit it (403)"
send member DELETE "/api/v1/meetings/$MT"
is "$REQ_STATUS" 403 "... nor delete it (403)"

send member GET /api/v1/meetings
is "$REQ_STATUS" 200 "a member lists the meetings of their own cell"
is_json '[.items[].id] | index('"$MT"') != null' true "... the meeting is there"
ok '[[ $REQ_BODY != *"$CANARY"* ]]' "... list items carry no discussion text"
send spare GET "/api/v1/meetings?cell=$C1"
is "$REQ_STATUS" 200 "the committee member of G1 lists C1's meetings"
is_json '.items[0].discussion_count' 2 "... with counts"

# Edits and history.
send secretary PATCH "/api/v1/meetings/$MT" '{"version":1,"decisions":["Chỉ một quyết định."],"colour":"red"}'
is "$REQ_STATUS" 422 "an unknown field in an edit: 422"
is_error_envelope unknown_field "... unknown_field"
send secretary PATCH "/api/v1/meetings/$MT" '{"decisions":[]}'
is "$REQ_STATUS" 422 "an edit without version: 422"
is_error_envelope missing_field "... missing_field"
edit='{"version":1,"decisions":["Chỉ một quyết định."]}'
send secretary PATCH "/api/v1/meetings/$MT" "$edit"
is "$REQ_STATUS" 200 "the secretary edits version 1"
is_json .version 2 "... now version 2"
is_json '.decisions | length' 1 "... one decision"
is_json '.discussion | length' 2 "... the discussion untouched"
second=$REQ_BODY
send secretary PATCH "/api/v1/meetings/$MT" "$edit"
is "$REQ_STATUS" 200 "the same edit retried is 200"
is "$REQ_BODY" "$second" "... answered as the first time"
send secretary PATCH "/api/v1/meetings/$MT" '{"version":1,"topic":"Một thay đổi khác"}'
is "$REQ_STATUS" 409 "another edit of version 1: 409"
is_error_envelope version_conflict "... version_conflict"
send secretary PATCH "/api/v1/meetings/$MT" "$(jq -cn --argjson m "$M" --argjson s "$S" \
    '{version: 2, attendance: [{member_id: $m, status: "present"}, {member_id: $s, status: "present"}]}')"
is "$REQ_STATUS" 200 "the attendance corrected"
is_json '.attendance_summary.present' 2 "... 2 present, version $(json .version)"
send member GET "/api/v1/meetings/$MT/versions"
is "$REQ_STATUS" 200 "a member of C1 reads the history"
is_json '[.items[].version] | join(",")' "3,2,1" "... every version, newest first"
is_json '.items[2].decisions | length' 2 "... version 1 as it was"
ok '[[ $REQ_BODY == *"$CANARY"* ]]' "... with its text"
send member GET "/api/v1/meetings/$MT/versions?limit=2"
is_json '[.items[].version] | join(",")' "3,2" "history paged: first page"
send member GET "/api/v1/meetings/$MT/versions?limit=2&cursor=$(json .next_cursor)"
is_json '[.items[].version] | join(",")' "1" "... second page"

# Bad input.
fresh() { jq -c --arg cid "$(uuid)" '.client_id = $cid' <<<"$body"; }
send secretary POST /api/v1/meetings '{"client_id": "x", "held_on": '
is "$REQ_STATUS" 400 "malformed JSON: 400"
is_error_envelope malformed_json "... malformed_json"
printf '{"client_id":"%s","held_on":"2025-03-05","topic":"\xff\xfe"}' "$(uuid)" >"$TEST_TMP/bad.json"
auth_req "${TOK[secretary]}" -X POST -H 'Content-Type: application/json' \
    --data-binary "@$TEST_TMP/bad.json" "$BASE/api/v1/meetings"
is "$REQ_STATUS" 400 "invalid UTF-8: 400"
is_error_envelope invalid_utf8 "... invalid_utf8"
send secretary POST /api/v1/meetings "$(fresh | jq -c '.room = "Hội trường"')"
is "$REQ_STATUS" 422 "an unknown field: 422"
is_error_envelope unknown_field "... unknown_field"
send secretary POST /api/v1/meetings "$(fresh | jq -c '.attendance[0].mood = "tốt"')"
is "$REQ_STATUS" 422 "an unknown field inside the attendance: 422"
is_error_envelope unknown_field "... unknown_field"
send secretary POST /api/v1/meetings "$(fresh | jq -c '.held_on = "2025-02-30"')"
is_error_envelope invalid_date "an impossible date: 422 invalid_date"
send secretary POST /api/v1/meetings "$(fresh | jq -c '.held_on = 20250305')"
is_error_envelope invalid_field "a date as a number: 422 invalid_field"
send secretary POST /api/v1/meetings "$(fresh | jq -c 'del(.client_id)')"
is_error_envelope missing_field "no client_id: 422 missing_field"
send secretary POST /api/v1/meetings "$(fresh | jq -c '.client_id = "not-a-uuid"')"
is_error_envelope invalid_client_id "a client_id that is not a UUID: 422"
send secretary POST /api/v1/meetings "$(fresh | jq -c --argjson k "$K" '.attendance += [{member_id: $k, status: "present"}]')"
is_error_envelope invalid_attendance "a member of another cell in the attendance: 422"
send secretary POST /api/v1/meetings "$(fresh | jq -c --argjson s "$S" '.attendance += [{member_id: $s, status: "absent"}]')"
is_error_envelope invalid_attendance "a member listed twice: 422"
send secretary POST /api/v1/meetings "$(fresh | jq -c --argjson d "$DOC2" '.documents += [$d]')"
is_error_envelope unknown_document "a document for D2 only, in a meeting of C1: 422"
send secretary POST /api/v1/meetings "$(fresh | jq -c '.discussion[0].section = 9')"
is_error_envelope unknown_section "a core point the document does not have: 422"
send secretary POST /api/v1/meetings "$(fresh | jq -c '.documents = []')"
is_error_envelope invalid_discussion "discussion on a document not in the meeting: 422"
send secretary POST /api/v1/meetings "$(fresh | jq -c --arg t "$(printf 'ក%.0s' $(seq 1 20001))" '.discussion[0].text = $t')"
is_error_envelope discussion_too_long "a discussion note over 20,000 characters: 422"
is "$(fx_sql "SELECT count(*) FROM cell_meetings WHERE cell_id = $C1")" 1 "... none of the refused creates left a row"

# Paging: three more meetings, listed latest held first.
for day in 2025-01-10 2025-04-20 2025-02-15; do
	send secretary POST /api/v1/meetings "$(fresh | jq -c --arg d "$day" '.held_on = $d | del(.discussion)')"
	[ "$REQ_STATUS" = 201 ] || diag "create $day: $REQ_STATUS $REQ_BODY"
done
send member GET "/api/v1/meetings?limit=3"
is_json '[.items[].held_on] | join(",")' "2025-04-20,2025-03-05,2025-02-15" "meetings listed latest first, a page of 3"
send member GET "/api/v1/meetings?limit=3&cursor=$(json .next_cursor)"
is_json '[.items[].held_on] | join(",")' "2025-01-10" "... and the rest on the next page"
send member GET "/api/v1/meetings?cursor=2025-99-99_1"
is "$REQ_STATUS" 400 "a made-up cursor: 400"

# The deputy secretary of C2 records C2's meetings; C1 does not see them.
send khmer POST /api/v1/meetings "$(jq -cn --arg cid "$(uuid)" --argjson c "$C2" \
    '{client_id: $cid, cell_id: $c, held_on: "2025-03-06", topic: "ប្រជុំសាខាបក្ស"}')"
is "$REQ_STATUS" 201 "the deputy secretary of C2 records a meeting of C2"
MT2=$(json .id)
send secretary GET "/api/v1/meetings/$MT2"
is "$REQ_STATUS" 404 "... the secretary of C1 does not see it"
send committee GET "/api/v1/meetings/$MT2"
is "$REQ_STATUS" 200 "... the committee member of D2, a member of C2, does"

# Counting: numbers per unit, never text.
send propaganda GET "/api/v1/units/$P/meeting-counts"
is "$REQ_STATUS" 200 "the propaganda officer of P counts meetings under P"
is_json '.unit.meetings' 5 "... 5 meetings under P"
is_json "[.children[] | select(.id == $D1) | .meetings][0]" 4 "... 4 in D1"
is_json "[.children[] | select(.id == $D2) | .meetings][0]" 1 "... 1 in D2"
ok '[[ $REQ_BODY != *"$CANARY"* && $REQ_BODY != *"Sinh hoat"* ]]' "... no text in the counts"
send propaganda GET "/api/v1/units/$P/meeting-counts?document=$DOC&from=2025-03-01&to=2025-03-31"
is_json '.unit.meetings' 1 "... on one document, in March 2025: 1"
send propaganda GET "/api/v1/units/$P/meeting-counts?from=2025-04-01&to=2025-03-01"
is "$REQ_STATUS" 400 "... from after to: 400"
is_error_envelope invalid_range "... invalid_range"
send secretary GET "/api/v1/units/$C1/meeting-counts"
is_json '"\(.unit.meetings) \(.unit.discussion_notes)"' "4 2" "the secretary counts their own cell"
send member GET "/api/v1/units/$G1/meeting-counts"
is "$REQ_STATUS" 403 "a member may not count the unit above their cell (403)"
send committee GET "/api/v1/units/$D1/meeting-counts"
is "$REQ_STATUS" 404 "a committee member of D2 does not see D1 (404)"

# Soft deletion.
send secretary DELETE "/api/v1/meetings/$MT"
is "$REQ_STATUS" 204 "the secretary deletes the meeting"
send secretary DELETE "/api/v1/meetings/$MT"
is "$REQ_STATUS" 204 "... a retried delete is 204 again"
for who in secretary member spare; do
	send "$who" GET "/api/v1/meetings/$MT"
	is "$REQ_STATUS" 404 "... $who: 404 now"
done
send member DELETE "/api/v1/meetings/$MT"
is "$REQ_STATUS" 404 "... a member deleting it: 404"
send member GET /api/v1/meetings
is_json '[.items[].id] | index('"$MT"')' null "... gone from the list"
is "$(fx_sql "SELECT (deleted_at IS NOT NULL) || ' ' || (SELECT count(*) FROM cell_meeting_versions WHERE meeting_id = $MT) FROM cell_meetings WHERE id = $MT")" \
    "true 3" "... kept in the database with its 3 versions"
send propaganda GET "/api/v1/units/$P/meeting-counts"
is_json '.unit.meetings' 4 "... and no longer counted"

# Refusals were audited, with no text.
wait_for 5 '[ "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = '\''access.denied'\'' AND object LIKE '\''%/api/v1/meetings%'\'' AND at > now() - interval '\''5 minutes'\''")" -ge 10 ]' || true
ok '[ "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = '\''access.denied'\'' AND object LIKE '\''%/api/v1/meetings%'\'' AND at > now() - interval '\''5 minutes'\''")" -ge 10 ]' \
    "refusals are in the audit log"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action LIKE 'meeting.%' AND object = 'meeting:$MT'")" 4 \
    "create, 2 edits and the delete audited"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE detail::text LIKE '%' || :'c' || '%'" -v c="$CANARY")" 0 \
    "... with no text in the audit log"
for log in kore.log haproxy.log postgresql.log; do
	f=$HANDBOOK_VAR/log/$log
	if [ -f "$f" ]; then
		# The log is the right one: it has this file's requests.
		[ "$log" = postgresql.log ] ||
			ok 'grep -qF "/api/v1/meetings" "$f"' "$log records the requests to /api/v1/meetings"
		ok '! grep -qF "$CANARY" "$f"' "meeting text never appears in $log"
	else
		skip "meeting text never appears in $log" "no $log here"
	fi
done

done_testing
