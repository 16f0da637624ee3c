#!/bin/bash
# Action programmes over HTTPS, what they hold and how they change: a
# cell's programme with measurable targets, in Vietnamese and Khmer
# (stored NFC); a retried create stored once and answered as the first;
# one programme per unit and document; tasks with an assignee from the
# unit (or a committee member above it), a deadline and a status;
# "overdue" computed from the deadline; the history of every change
# (who, when, from what to what), status and deadline included; edits
# naming their version; append-only progress notes; the caller's own
# tasks paged by deadline; bad input of every kind answered with a clear
# 4xx and leaving nothing behind; no text in the audit log or the logs.
# Who may do what is in programmes_access.sh.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org PGPROG
P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} G1=${FX_UNIT[G1]} C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}
# The spare member (in C2) becomes a committee member of G1, above C1.
fx_sql "INSERT INTO member_roles (member_id, role, unit_id) VALUES (${FX_ID[spare]}, 'committee', $G1)" >/dev/null

src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-ctht-noi-dung"
sed -i 's/^id: test-bo-tai-lieu$/id: test-ctht-noi-dung/' "$src/test-ctht-noi-dung/document.yaml"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-ctht-noi-dung-d2"
sed -i "s/^id: test-bo-tai-lieu\$/id: test-ctht-noi-dung-d2/; s/^kind: resolution\$/kind: study_outline\nunit: ${FX_CODE[D2]}\nadapts: test-ctht-noi-dung/" \
    "$src/test-ctht-noi-dung-d2/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-ctht-noi-dung', 'test-ctht-noi-dung-d2')\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-ctht-noi-dung'")
DOC2=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-ctht-noi-dung-d2'")

declare -A TOK
for who in member khmer secretary spare admin; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done

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
# has_schema NAME FILTER DESC: the answer (or FILTER of it) has every
# field assets/openapi.json requires of schema NAME and no field it does
# not list.
has_schema() {
	local name=$1 filter=$2 desc=$3 prog
	prog="$filter"' | ($api[0].components.schemas[$n]) as $s
	    | (keys - ($s.properties | keys)) == [] and (($s.required // []) - keys) == []'
	if jq -e --arg n "$name" --slurpfile api "$HB_REPO/assets/openapi.json" \
	    "$prog" "$REQ_BODY_FILE" >/dev/null 2>&1; then
		pass "$desc"
	else
		fail "$desc" "body: $(head -c 300 "$REQ_BODY_FILE")"
	fi
}
day() { date -u -d "$1" +%F; }	# a day relative to today (UTC; the tests keep a margin of days)

CANARY="canary-$(uuid)-tiến-độ"
M=${FX_ID[member]} S=${FX_ID[secretary]} K=${FX_ID[khmer]} SP=${FX_ID[spare]}

# Programme: an NFD Vietnamese title ("Việt" with combining marks) and a
# Khmer target.
title_nfd=$(printf 'Chuong trinh hanh dong: Vie\xcc\xa3\xcc\x82t Nam')
title_nfc="Chuong trinh hanh dong: Việt Nam"
target_km="សមាជិកបក្សទាំងអស់សិក្សាសេចក្តីសម្រេច"
CID=$(uuid)
body=$(jq -cn --arg cid "$CID" --arg t "$title_nfd" --arg km "$target_km" --argjson d "$DOC" '{
	client_id: $cid, document_id: $d, title: $t,
	targets: [{text: "100% đảng viên được học tập, quán triệt nghị quyết", target_value: 100, measure: "%"},
	          {text: $km, target_value: 25, measure: "đảng viên"},
	          {text: "Mỗi đảng viên có bản cam kết"}]}')
send secretary POST /api/v1/programmes "$body"
is "$REQ_STATUS" 201 "the secretary creates C1's programme (default: their own cell)"
PA=$(json .id)
first=$REQ_BODY
is_json .unit.id "$C1" "... of C1"
is_json .title "$title_nfc" "... the NFD title answered NFC"
is_json '.targets[1].text' "$target_km" "... the Khmer target intact"
is_json '.targets[0] | "\(.target_value) \(.measure)"' "100 %" "... a measurable target: 100 %"
is_json '.targets[2].target_value' null "... a target without a figure"
is_json .tasks.total 0 "... no tasks yet"
is_json .can_write true "... which the secretary may write"
has_schema Programme . "... shaped as the OpenAPI document's Programme"
is "$(fx_sql "SELECT title IS NFC NORMALIZED AND title = :'t' FROM action_programmes WHERE id = $PA" -v t="$title_nfc")" t \
    "... stored NFC"

send secretary POST /api/v1/programmes "$body"
is "$REQ_STATUS" 201 "the same create again: 201"
is "$REQ_BODY" "$first" "... answered byte for byte as the first time"
is "$(fx_sql "SELECT count(*) FROM action_programmes WHERE client_id = '$CID'")" 1 "... stored once"
send secretary POST /api/v1/programmes "$(jq -c '.title = "Khác"' <<<"$body")"
is "$REQ_STATUS" 409 "the same client_id with another body: 409"
is_error_envelope client_id_reused "... client_id_reused"
send admin POST /api/v1/programmes "$(jq -c --arg c "$(uuid)" --argjson u "$C1" '.client_id = $c | .unit_id = $u' <<<"$body")"
is "$REQ_STATUS" 409 "a second programme of C1 on the same document: 409"
is_error_envelope programme_exists "... programme_exists"

fresh() { jq -c --arg cid "$(uuid)" '.client_id = $cid' <<<"$body"; }
send admin POST /api/v1/programmes "$(fresh | jq -c --argjson u "$G1" --argjson d "$DOC2" '.unit_id = $u | .document_id = $d')"
is_error_envelope unknown_document "a programme of G1 on D2's study outline: 422 unknown_document"
send secretary POST /api/v1/programmes "$(fresh | jq -c '.targets[0].weight = 2')"
is_error_envelope unknown_field "an unknown field in a target: 422 unknown_field"
send secretary POST /api/v1/programmes "$(fresh | jq -c '.targets[0].target_value = -1')"
is_error_envelope invalid_targets "a negative target value: 422 invalid_targets"
send secretary POST /api/v1/programmes "$(fresh | jq -c '.targets[0].target_value = "100"')"
is_error_envelope invalid_targets "a target value as a string: 422 invalid_targets"
send secretary POST /api/v1/programmes "$(fresh | jq -c '.targets = "tất cả"')"
is_error_envelope invalid_field "targets not a list: 422 invalid_field"
send secretary POST /api/v1/programmes "$(fresh | jq -c '.title = "   "')"
is_error_envelope title_empty "a blank title: 422 title_empty"
send secretary POST /api/v1/programmes "$(fresh | jq -c --arg t "$(printf 'ក%.0s' $(seq 1 501))" '.title = $t')"
is_error_envelope title_too_long "a title of 501 characters: 422 title_too_long"
send secretary POST /api/v1/programmes "$(fresh | jq -c '.document_id = "1"')"
is_error_envelope invalid_field "document_id as a string: 422 invalid_field"
send secretary POST /api/v1/programmes "$(fresh | jq -c 'del(.document_id)')"
is_error_envelope missing_field "no document_id: 422 missing_field"
send secretary POST /api/v1/programmes "$(fresh | jq -c '.client_id = "abc"')"
is_error_envelope invalid_client_id "a client_id that is not a UUID: 422"
send secretary POST /api/v1/programmes '{"client_id": "x", "title": '
is "$REQ_STATUS" 400 "malformed JSON: 400"
is_error_envelope malformed_json "... malformed_json"
printf '{"client_id":"%s","document_id":%s,"title":"\xc3\x28"}' "$(uuid)" "$DOC" >"$TEST_TMP/bad.json"
auth_req "${TOK[secretary]}" -X POST -H 'Content-Type: application/json' \
    --data-binary "@$TEST_TMP/bad.json" "$BASE/api/v1/programmes"
is "$REQ_STATUS" 400 "invalid UTF-8: 400"
is_error_envelope invalid_utf8 "... invalid_utf8"
send secretary POST /api/v1/programmes '[1, 2]'
is "$REQ_STATUS" 400 "a body that is not an object: 400"
ok '[ "$(json .error.code)" != null ]' "... in the error envelope"
auth_req "${TOK[secretary]}" -X POST -H 'Content-Type: text/plain' --data-binary "$body" "$BASE/api/v1/programmes"
is "$REQ_STATUS" 415 "a body that is not JSON by its type: 415"
head -c $((1048576 + 10)) /dev/zero | tr '\0' 'a' >"$TEST_TMP/big.json"
# Over HTTP/1.1: see limits.sh (curl and an HTTP/2 reset mid-upload).
auth_req "${TOK[secretary]}" --http1.1 -X POST -H 'Content-Type: application/json' \
    --data-binary "@$TEST_TMP/big.json" "$BASE/api/v1/programmes"
is "$REQ_STATUS" 413 "a body over 1 MiB: 413"
is_error_envelope payload_too_large "... payload_too_large"
is "$(fx_sql "SELECT count(*) FROM action_programmes WHERE unit_id IN ($C1, $G1)")" 1 \
    "... no refused create left a row"

# Programme edits keep every version.
send secretary PATCH "/api/v1/programmes/$PA" '{"version": 1, "title": "Chương trình hành động thực hiện Nghị quyết"}'
is "$REQ_STATUS" 200 "the secretary retitles the programme"
is_json .version 2 "... version 2"
send secretary PATCH "/api/v1/programmes/$PA" '{"version": 1, "title": "Chương trình hành động thực hiện Nghị quyết"}'
is "$REQ_STATUS" 200 "... the same edit retried: 200"
is_json .version 2 "... still version 2"
send spare PATCH "/api/v1/programmes/$PA" '{"version": 1, "title": "Khác"}'
is "$REQ_STATUS" 409 "another edit of version 1: 409"
is_error_envelope version_conflict "... version_conflict"
send spare PATCH "/api/v1/programmes/$PA" '{"version": 2, "targets": [{"text": "Chỉ một chỉ tiêu", "target_value": 1.5, "measure": "tỷ lệ"}], "colour": "đỏ"}'
is_error_envelope unknown_field "an unknown field in an edit: 422"
send spare PATCH "/api/v1/programmes/$PA" '{"version": 2, "targets": [{"text": "Chỉ một chỉ tiêu", "target_value": 1.5, "measure": "tỷ lệ"}]}'
is "$REQ_STATUS" 200 "the committee member of G1 replaces the targets"
is_json '.targets | length' 1 "... one target"
send member GET "/api/v1/programmes/$PA/versions"
is "$REQ_STATUS" 200 "a member of C1 reads the programme's versions"
is_json '[.items[].version] | join(",")' "3,2,1" "... newest first"
is_json '.items[0].edited_by.id' "$SP" "... each with who edited it"
is_json '.items[2].targets | length' 3 "... version 1 as it was"

# Tasks.
deadline_past=$(day '-3 days')
deadline_soon=$(day '+10 days')
deadline_late=$(day '+40 days')
tbody() {
	jq -cn --arg cid "$(uuid)" --argjson a "$1" --arg dl "$2" --arg t "$3" \
	    '{client_id: $cid, title: $t, assignee_id: $a, deadline: $dl}'
}
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "$K" "$deadline_soon" "Việc")"
is "$REQ_STATUS" 422 "an assignee from another cell: 422"
is_error_envelope assignee_outside_unit "... assignee_outside_unit"
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "${FX_ID[committee]}" "$deadline_soon" "Việc")"
is_error_envelope assignee_outside_unit "a committee member of another district: 422 assignee_outside_unit"
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody 999999999 "$deadline_soon" "Việc")"
is_error_envelope assignee_outside_unit "an assignee who does not exist: 422 assignee_outside_unit"
for bad in 2025-02-30 "next week" 2025-1-5 1999-12-31 "$(day '+11 years')"; do
	send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "$M" "$bad" "Việc")"
	is_error_envelope invalid_date "deadline '$bad': 422 invalid_date"
done
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "$M" x "Việc" | jq -c '.deadline = 20250305')"
is_error_envelope invalid_field "a deadline as a number: 422 invalid_field"
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "$M" "$deadline_soon" "Việc" | jq -c '.status = "overdue"')"
is_error_envelope invalid_status "status overdue (computed, never sent): 422 invalid_status"
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "$M" "$deadline_soon" "Việc" | jq -c '.assignee_id = "'"$M"'"')"
is_error_envelope invalid_field "an assignee_id as a string: 422 invalid_field"
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "$M" "$deadline_soon" "Việc" | jq -c '.owner = 1')"
is_error_envelope unknown_field "an unknown field in a task: 422 unknown_field"
is "$(fx_sql "SELECT count(*) FROM programme_tasks WHERE programme_id = $PA")" 0 "... no refused task left a row"

TB=$(tbody "$M" "$deadline_past" "Tổ chức tuyên truyền nghị quyết đến từng hộ")
send secretary POST "/api/v1/programmes/$PA/tasks" "$TB"
is "$REQ_STATUS" 201 "a task for a member of C1, due 3 days ago"
T1=$(json .id)
t1_first=$REQ_BODY
is_json .status not_started "... not started"
is_json .overdue true "... and overdue, computed from its deadline"
is_json .assignee.id "$M" "... assigned to the member"
has_schema Task . "... shaped as the OpenAPI document's Task"
send secretary POST "/api/v1/programmes/$PA/tasks" "$TB"
is "$REQ_BODY" "$t1_first" "the same task create again: answered as the first time"
is "$(fx_sql "SELECT count(*) FROM programme_tasks WHERE programme_id = $PA")" 1 "... stored once"
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "$SP" "$deadline_late" "ការងារ៖ ចុះមូលដ្ឋាន")"
is "$REQ_STATUS" 201 "a task for a committee member of G1, above C1 (Khmer title)"
T2=$(json .id)
is_json .overdue false "... not overdue"
is_json .title "ការងារ៖ ចុះមូលដ្ឋាន" "... the Khmer title intact"
send secretary POST "/api/v1/programmes/$PA/tasks" "$(tbody "$M" "$deadline_soon" "Viết bản cam kết" | jq -c '.description = "Mỗi đảng viên một bản"')"
is "$REQ_STATUS" 201 "a second task for the member, due in 10 days"
T3=$(json .id)

send member GET "/api/v1/programmes/$PA"
is_json '"\(.tasks.total) \(.tasks.not_started) \(.tasks.overdue)"' "3 3 1" "the programme counts 3 tasks, 1 overdue"
send member GET "/api/v1/programmes/$PA/tasks?status=overdue"
is_json '[.items[].id] | map(tostring) | join(",")' "$T1" "?status=overdue lists the overdue task"
send member GET "/api/v1/programmes/$PA/tasks"
is_json '[.items[].id] | map(tostring) | join(",")' "$T1,$T3,$T2" "the programme's tasks, by deadline"
send member GET "/api/v1/programmes/$PA/tasks?limit=2"
send member GET "/api/v1/programmes/$PA/tasks?limit=2&cursor=$(json .next_cursor)"
is_json '[.items[].id] | map(tostring) | join(",")' "$T2" "... paged by a cursor"
send member GET "/api/v1/programmes/$PA/tasks?status=late"
is "$REQ_STATUS" 400 "an unknown status filter: 400"
send member GET "/api/v1/programmes/$PA/tasks?cursor=2025-13-01_1"
is "$REQ_STATUS" 400 "a made-up cursor: 400"

# The assignee moves their task; history records each change.
send member PATCH "/api/v1/tasks/$T1" '{"version": 1, "deadline": "2030-01-01"}'
is "$REQ_STATUS" 403 "the assignee may not move the deadline (403)"
send member PATCH "/api/v1/tasks/$T1" '{"version": 1, "status": "cancelled"}'
is "$REQ_STATUS" 403 "... nor cancel the task (403)"
send member PATCH "/api/v1/tasks/$T1" '{"version": 1, "status": "in_progress"}'
is "$REQ_STATUS" 200 "the assignee starts the task"
is_json '"\(.status) \(.overdue) \(.version)"' "in_progress true 2" "... in progress, still overdue, version 2"
second=$REQ_BODY
send member PATCH "/api/v1/tasks/$T1" '{"version": 1, "status": "in_progress"}'
is "$REQ_BODY" "$second" "... the same edit retried: answered again"
send member PATCH "/api/v1/tasks/$T1" '{"version": 1, "status": "done"}'
is "$REQ_STATUS" 409 "another edit of version 1: 409 version_conflict"
send member PATCH "/api/v1/tasks/$T1" '{"version": 2, "status": "in_progress"}'
is_json .version 2 "an edit that changes nothing makes no version"
send secretary PATCH "/api/v1/tasks/$T1" "$(jq -cn --arg d "$deadline_late" '{version: 2, deadline: $d}')"
is "$REQ_STATUS" 200 "the secretary moves the deadline 40 days ahead"
is_json '"\(.overdue) \(.version)"' "false 3" "... no longer overdue, version 3"
send secretary PATCH "/api/v1/tasks/$T1" '{"version": 3, "deadline": "2025-02-30"}'
is_error_envelope invalid_date "... a deadline that is not a date: 422 invalid_date"
send secretary PATCH "/api/v1/tasks/$T1" "$(jq -cn --argjson k "$K" '{version: 3, assignee_id: $k}')"
is_error_envelope assignee_outside_unit "... reassigning it outside the unit: 422"
send member PATCH "/api/v1/tasks/$T1" '{"version": 3, "status": "done"}'
is "$REQ_STATUS" 200 "the assignee marks it done"
is_json '"\(.status) \(.overdue) \(.completed_late)"' "done false false" "... done, on time"
ok '[ "$(json .completed_at)" != null ]' "... with its completion time"
send member GET "/api/v1/tasks/$T1/history"
is "$REQ_STATUS" 200 "the history of the task"
is_json '[.items[].version] | join(",")' "4,3,2,1" "... every version, newest first"
is_json '.items[0].changes.status | "\(.from)>\(.to)"' "in_progress>done" "... version 4: status in_progress to done"
is_json '.items[0].edited_by.id' "$M" "... by the member"
has_schema TaskHistory . "... shaped as the OpenAPI document's TaskHistory"
is_json '.items[1].changes | keys | join(",")' "deadline" "... version 3: the deadline only"
is_json '.items[1].changes.deadline | "\(.from)>\(.to)"' "$deadline_past>$deadline_late" "... from the old to the new day"
is_json '.items[1].edited_by.full_name' "${FX_NAME[secretary]}" "... by the secretary"
is_json '.items[2].changes.status | "\(.from)>\(.to)"' "not_started>in_progress" "... version 2: started"
is_json '.items[3].changes' null "... version 1: the creation"
ok '[ "$(json '.items[0].edited_at')" \> "$(json '.items[3].edited_at')" ]' "... each with its time"
send member GET "/api/v1/tasks/$T1/history?limit=3"
send member GET "/api/v1/tasks/$T1/history?limit=3&cursor=$(json .next_cursor)"
is_json '[.items[].version] | join(",")' "1" "... paged"

# Done after its deadline: completed_late. The clock is moved by moving
# the deadline back in the database (what a deadline passing does).
fx_sql "UPDATE programme_tasks SET deadline = current_date - 10 WHERE id = $T3" >/dev/null
send member GET "/api/v1/tasks/$T3"
is_json .overdue true "a task whose deadline passed is overdue"
send member PATCH "/api/v1/tasks/$T3" '{"version": 1, "status": "done"}'
is_json '"\(.overdue) \(.completed_late)"' "false true" "... done late: not overdue, completed_late"
send secretary PATCH "/api/v1/tasks/$T3" '{"version": 2, "status": "cancelled"}'
is "$REQ_STATUS" 200 "the secretary cancels a task"
is_json '"\(.status) \(.completed_at) \(.overdue)"' "cancelled null false" "... cancelled, not done, not overdue"
send member PATCH "/api/v1/tasks/$T3" '{"version": 3, "status": "in_progress"}'
is "$REQ_STATUS" 403 "... the assignee may not revive it (403)"
send member PATCH "/api/v1/tasks/$T3" '{"version": 3, "status": "paused"}'
is_error_envelope invalid_status "an unknown status: 422 invalid_status"
send member PATCH "/api/v1/tasks/$T3" '{"status": "done"}'
is_error_envelope missing_field "an edit without version: 422 missing_field"

# Progress notes: append-only, NFC, at most 20,000 characters.
note_nfd=$(printf '\xc4\x90a\xcc\x83 hoa\xcc\x80n tha\xcc\x80nh 5 buo\xcc\x82\xcc\x89i tuye\xcc\x82n truye\xcc\x82\xcc\x80n %s' "$CANARY")
note_nfc="Đã hoàn thành 5 buổi tuyên truyền $CANARY"
NCID=$(uuid)
nbody=$(jq -cn --arg cid "$NCID" --arg t "$note_nfd" '{client_id: $cid, text: $t}')
send member POST "/api/v1/tasks/$T1/notes" "$nbody"
is "$REQ_STATUS" 201 "the assignee writes a progress note"
is_json .text "$note_nfc" "... stored and answered NFC"
is_json .task_status done "... with the task's status at the time"
has_schema TaskNote . "... shaped as the OpenAPI document's TaskNote"
nfirst=$REQ_BODY
send member POST "/api/v1/tasks/$T1/notes" "$nbody"
is "$REQ_BODY" "$nfirst" "... a retry answered as the first"
send member POST "/api/v1/tasks/$T2/notes" "$nbody"
is "$REQ_STATUS" 409 "... the same client_id on another task: 409"
send spare POST "/api/v1/tasks/$T1/notes" "$(jq -cn --arg cid "$(uuid)" '{client_id: $cid, text: "ការរីកចម្រើនល្អ"}')"
is "$REQ_STATUS" 201 "the committee member of G1 writes a Khmer progress note"
send khmer POST "/api/v1/tasks/$T1/notes" "$(jq -cn --arg cid "$(uuid)" '{client_id: $cid, text: "x"}')"
is "$REQ_STATUS" 404 "a member of another cell: 404"
send member POST "/api/v1/tasks/$T2/notes" "$(jq -cn --arg cid "$(uuid)" '{client_id: $cid, text: "x"}')"
is "$REQ_STATUS" 403 "a member of C1 on someone else's task: 403"
send member POST "/api/v1/tasks/$T1/notes" "$(jq -cn --arg cid "$(uuid)" --arg t "$(printf 'ក%.0s' $(seq 1 20001))" '{client_id: $cid, text: $t}')"
is_error_envelope note_too_long "a note of 20,001 characters: 422 note_too_long"
send member POST "/api/v1/tasks/$T1/notes" "$(jq -cn --arg cid "$(uuid)" --arg t "$(printf 'ក%.0s' $(seq 1 20000))" '{client_id: $cid, text: $t}')"
is "$REQ_STATUS" 201 "a note of exactly 20,000 Khmer characters: 201"
send member POST "/api/v1/tasks/$T1/notes" "$(jq -cn --arg cid "$(uuid)" '{client_id: $cid, text: 5}')"
is_error_envelope invalid_field "a note text that is a number: 422 invalid_field"
send member POST "/api/v1/tasks/$T1/notes" "$(jq -cn --arg cid "$(uuid)" '{client_id: $cid, text: "x", task_status: "done"}')"
is_error_envelope unknown_field "a note with an unknown field: 422"
send member GET "/api/v1/tasks/$T1/notes"
is "$REQ_STATUS" 200 "the notes of the task"
is_json '[.items[].author.id] | map(tostring) | join(",")' "$M,$SP,$M" "... oldest first, with their authors"
send member GET "/api/v1/tasks/$T1/notes?limit=1"
send member GET "/api/v1/tasks/$T1/notes?limit=1&cursor=$(json .next_cursor)"
is_json '.items[0].author.id' "$SP" "... paged"
send member GET "/api/v1/tasks/$T1"
is_json .progress_notes 3 "the task counts its notes"
ok '! fx_sql "UPDATE task_progress_notes SET content = '\''sửa'\'' WHERE task_id = $T1" >/dev/null 2>&1' \
    "a progress note cannot be edited, even in the database"
is "$(fx_sql "SELECT count(*) FROM task_progress_notes WHERE task_id = $T1 AND content IS NFC NORMALIZED")" 3 \
    "... the notes are all NFC"

# My tasks, by deadline, paged.
send member GET /api/v1/me/tasks
is "$REQ_STATUS" 200 "the member's own tasks"
is_json '[.items[].id] | map(tostring) | join(",")' "$T3,$T1" "... both of theirs, by deadline"
has_schema TaskList . "... shaped as the OpenAPI document's TaskList"
has_schema Task '.items[0]' "... each item a Task"
send member GET "/api/v1/me/tasks?limit=1"
is_json '[.items[].id] | map(tostring) | join(",")' "$T3" "... paged: the first"
send member GET "/api/v1/me/tasks?limit=1&cursor=$(json .next_cursor)"
is_json '[.items[].id] | map(tostring) | join(",")' "$T1" "... then the second"
send member GET "/api/v1/me/tasks?status=open"
is_json '.items | length' 0 "... none open (one done, one cancelled)"
send spare GET "/api/v1/me/tasks?status=open"
is_json '[.items[].id] | map(tostring) | join(",")' "$T2" "the committee member of G1 has one open task"
send spare GET "/api/v1/me/tasks?status=someday"
is "$REQ_STATUS" 400 "an unknown status filter: 400"

# Nothing of the text in the audit log or the logs.
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE object IN ('task:$T1', 'task:$T3') AND action = 'task.update'")" 5 \
    "each task change is audited"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE detail::text LIKE '%' || :'c' || '%' OR detail::text LIKE '%Tổ chức%'" -v c="$CANARY")" 0 \
    "... with no text in the audit log"
for log in kore.log haproxy.log postgresql.log; do
	f=$HANDBOOK_VAR/log/$log
	if [ -f "$f" ]; then
		ok '! grep -qF "$CANARY" "$f"' "progress note text never appears in $log"
	else
		skip "progress note text never appears in $log" "no $log here"
	fi
done

done_testing
