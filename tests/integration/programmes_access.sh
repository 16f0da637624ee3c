#!/bin/bash
# Action programmes, who may do what, role by role, over HTTPS. A cell's
# programme (C1's, written by its secretary) against every role of the
# fixture and an administrator of another province:
#
#   who                          read prog  write prog  read task  own task  another's task
#   member of C1                 200        403         200        200       403
#   deputy secretary of C2       404        404         404        200       404
#   secretary of C1              200        200         200        200       200
#   committee of D2 (in C2)      404        404         404        200       404
#   committee of G1 (in C2)      200        200         200        200       200
#   propaganda of P (in C2)      404        404         404        200       404
#   administrator of P (in C2)   200        200         200        200       200
#   administrator elsewhere      404        404         404        200       404
#
# ("own task": each updates the status of a task assigned to them, in
# whichever programme could assign it; the committee member of G1 is a
# member of C2 and reads C2's programme as such). Lists are filtered by scope: a
# sibling cell sees no trace of C1's programme, not even its figures, and
# /api/v1/me/tasks holds the caller's tasks only. Denials are audited.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

# The outsider first: fixture_org overwrites the FX_* arrays.
fixture_org PGOUT
OUT_CARD=${FX_CARD[admin]} OUT_PW=${FX_PASSWORD[admin]} OUT_ID=${FX_ID[admin]}
OUT_C1=${FX_UNIT[C1]}

fixture_org PGACC
P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} D2=${FX_UNIT[D2]} G1=${FX_UNIT[G1]}
C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}

# Officers above C1 who are not its members (so that what they see comes
# from their role): propaganda and admin move to C2; the spare member
# becomes a committee member of G1 (above C1); the Khmer reader deputy
# secretary of C2, the sibling cell.
fx_sql "UPDATE members SET cell_id = $C2 WHERE id IN (${FX_ID[propaganda]}, ${FX_ID[admin]});
	INSERT INTO member_roles (member_id, role, unit_id) VALUES
	    (${FX_ID[spare]}, 'committee', $G1), (${FX_ID[khmer]}, 'cell_deputy', $C2)" >/dev/null

# A document for everyone, to make programmes on.
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-ctht-quyen"
sed -i 's/^id: test-bo-tai-lieu$/id: test-ctht-quyen/' "$src/test-ctht-quyen/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug = 'test-ctht-quyen'\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-ctht-quyen'")

WHO=(member khmer secretary committee spare propaganda admin outsider)
declare -A TOK
for who in member khmer secretary committee spare propaganda admin; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done
login "$OUT_CARD" "$OUT_PW" tok || bail_out "cannot log in as the outsider"
TOK[outsider]=$tok
FX_ID[outsider]=$OUT_ID

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

# programme WHO UNIT TITLE: creates it, prints its id.
programme() {
	send "$1" POST /api/v1/programmes "$(jq -cn --arg cid "$(uuid)" --argjson u "$2" \
	    --argjson d "$DOC" --arg t "$3" '{client_id: $cid, unit_id: $u, document_id: $d,
	    title: $t, targets: [{text: "100% đảng viên học tập nghị quyết", target_value: 100, measure: "%"}]}')"
	[ "$REQ_STATUS" = 201 ] || bail_out "programme of $2 by $1: $REQ_STATUS $REQ_BODY"
	json .id
}
# task WHO PROGRAMME ASSIGNEE: creates a task, prints its id.
task() {
	send "$1" POST "/api/v1/programmes/$2/tasks" "$(jq -cn --arg cid "$(uuid)" \
	    --argjson a "${FX_ID[$3]}" --arg dl "$(date -u -d "+1 year" +%F)" '{client_id: $cid, title: "Tuyên truyền nghị quyết tại ấp",
	    assignee_id: $a, deadline: $dl}')"
	[ "$REQ_STATUS" = 201 ] || bail_out "task for $3 by $1: $REQ_STATUS $REQ_BODY"
	json .id
}
version_of() { send secretary GET "/api/v1/tasks/$1" >/dev/null; json .version; }

# Creating, role by role, on C1 (a cell) and D1 (a district).
body_for() {
	jq -cn --arg cid "$(uuid)" --argjson u "$1" --argjson d "$DOC" \
	    '{client_id: $cid, unit_id: $u, document_id: $d, title: "Chương trình hành động"}'
}
# The propaganda officer of P reads the unit C1 (403: it may see the unit,
# not write its programme); the others do not see C1 at all (404).
declare -A WANT_CREATE_C1=([member]=403 [khmer]=404 [committee]=404 [propaganda]=403 [outsider]=404)
for who in "${!WANT_CREATE_C1[@]}"; do
	send "$who" POST /api/v1/programmes "$(body_for "$C1")"
	is "$REQ_STATUS" "${WANT_CREATE_C1[$who]}" "$who creating C1's programme: ${WANT_CREATE_C1[$who]}"
done
send secretary POST /api/v1/programmes "$(body_for "$G1")"
is "$REQ_STATUS" 403 "the secretary of C1 creating G1's programme (a unit above): 403"
send committee POST /api/v1/programmes "$(body_for "$D1")"
is "$REQ_STATUS" 404 "the committee of D2 creating D1's programme: 404"
is "$(fx_sql "SELECT count(*) FROM action_programmes WHERE unit_id IN ($C1, $G1, $D1)")" 0 \
    "... no refused create left a row"

A=$(programme secretary "$C1" "Chương trình hành động của Chi bộ ấp Tân Lập A")
pass "the secretary of C1 creates C1's programme"
B=$(programme committee "$C2" "Chương trình hành động của Chi bộ ấp Sóc Tre")
pass "the committee of D2 creates C2's programme"
D=$(programme propaganda "$D1" "Chương trình hành động của Huyện Tân Hòa")
pass "the propaganda officer of P creates D1's programme (a district)"
O=$(programme outsider "$OUT_C1" "Chương trình của tỉnh khác")
pass "the outsider's administrator creates a programme in their province"

TM=$(task secretary "$A" member)
TS=$(task secretary "$A" secretary)
TG=$(task secretary "$A" spare)
TK=$(task committee "$B" khmer)
TP=$(task committee "$B" propaganda)
TC=$(task committee "$B" committee)
TA=$(task committee "$B" admin)
TO=$(task outsider "$O" outsider)
declare -A OWN=([member]=$TM [khmer]=$TK [secretary]=$TS [committee]=$TC
	[spare]=$TG [propaganda]=$TP [admin]=$TA [outsider]=$TO)
pass "tasks assigned in C1's, C2's and the other province's programmes"

declare -A READ=([member]=200 [khmer]=404 [secretary]=200 [committee]=404
	[spare]=200 [propaganda]=404 [admin]=200 [outsider]=404)
declare -A WRITE=([member]=403 [khmer]=404 [secretary]=200 [committee]=404
	[spare]=200 [propaganda]=404 [admin]=200 [outsider]=404)
declare -A OTHER=([member]=403 [khmer]=404 [secretary]=200 [committee]=404
	[spare]=200 [propaganda]=404 [admin]=200 [outsider]=404)

n=0
for who in "${WHO[@]}"; do
	n=$((n + 1))
	send "$who" GET "/api/v1/programmes/$A"
	is "$REQ_STATUS" "${READ[$who]}" "$who reads C1's programme: ${READ[$who]}"
	if [ "${READ[$who]}" = 404 ]; then
		is_error_envelope not_found "... not_found"
		ok '[[ $REQ_BODY != *total* && $REQ_BODY != *"Tân Lập A"* ]]' "... and learns no title and no figures"
		send "$who" GET "/api/v1/programmes/$A/tasks"
		is "$REQ_STATUS" 404 "... its task list: 404"
		send "$who" GET "/api/v1/programmes/$A/versions"
		is "$REQ_STATUS" 404 "... its versions: 404"
	else
		is_json .tasks.total 3 "... with its 3 tasks counted"
	fi

	send "$who" PATCH "/api/v1/programmes/$A" \
	    "$(jq -cn --argjson v "$(fx_sql "SELECT version FROM action_programmes WHERE id = $A")" \
	    --arg t "Chương trình hành động (sửa lần $n)" '{version: $v, title: $t}')"
	is "$REQ_STATUS" "${WRITE[$who]}" "$who edits C1's programme: ${WRITE[$who]}"

	send "$who" GET "/api/v1/tasks/$TM"
	is "$REQ_STATUS" "${READ[$who]}" "$who reads a task of C1's programme: ${READ[$who]}"

	own=${OWN[$who]}
	send "$who" PATCH "/api/v1/tasks/$own" "$(jq -cn --argjson v "$(fx_sql "SELECT version FROM programme_tasks WHERE id = $own")" \
	    '{version: $v, status: "in_progress"}')"
	is "$REQ_STATUS" 200 "$who moves their own task to in_progress: 200"
	is_json .status in_progress "... in_progress"

	other=$TM
	[ "$who" = member ] && other=$TS
	send "$who" PATCH "/api/v1/tasks/$other" "$(jq -cn --argjson v "$(fx_sql "SELECT version FROM programme_tasks WHERE id = $other")" \
	    --arg s "$([ $((n % 2)) = 0 ] && echo done || echo in_progress)" '{version: $v, status: $s}')"
	is "$REQ_STATUS" "${OTHER[$who]}" "$who updates another's task in C1's programme: ${OTHER[$who]}"
	send "$who" POST "/api/v1/tasks/$other/notes" "$(jq -cn --arg cid "$(uuid)" '{client_id: $cid, text: "Đã họp tổ."}')"
	is "$REQ_STATUS" "$([ "${OTHER[$who]}" = 200 ] && echo 201 || echo "${OTHER[$who]}")" \
	    "... and adding a progress note to it: the same answer"
done

# The assignee who does not read the programme (propaganda, in C2) sees
# their task of it nonetheless; a task in C2's programme, not C1's.
TPC1=$(fx_sql "INSERT INTO programme_tasks (programme_id, title, assignee_id, deadline, client_id, created_by, create_hash)
	VALUES ($A, 'Phối hợp tuyên truyền', ${FX_ID[propaganda]}, current_date + 30, gen_random_uuid(), ${FX_ID[secretary]}, '\\x00')
	RETURNING id" | head -1)
send propaganda GET "/api/v1/tasks/$TPC1"
is "$REQ_STATUS" 200 "a task of C1's programme assigned to someone outside C1 is readable by them"
is_json .may progress "... who may move its status (may: progress)"
is_json .programme.id "$A" "... and learn which programme it belongs to"
send propaganda GET "/api/v1/programmes/$A"
is "$REQ_STATUS" 404 "... but not the programme itself"
fx_sql "DELETE FROM programme_tasks WHERE id = $TPC1" >/dev/null

# Lists, filtered by scope in SQL.
declare -A LIST=([member]="$A" [khmer]="$B" [secretary]="$A" [committee]="$B"
	[spare]="$B,$A" [propaganda]="$D,$B" [admin]="$D,$B,$A" [outsider]="$O")
for who in "${WHO[@]}"; do
	send "$who" GET /api/v1/programmes
	is "$REQ_STATUS" 200 "$who lists programmes"
	is_json '[.items[].id | select(IN('"$A,$B,$D,$O"'))] | map(tostring) | join(",")' "${LIST[$who]}" \
	    "... exactly those they may read, newest first"
done
send khmer GET "/api/v1/programmes?unit=$C1"
is "$REQ_STATUS" 404 "the deputy of C2 asking for C1's programmes: 404"
send admin GET "/api/v1/programmes?unit=$D1"
is_json '[.items[].id] | map(tostring) | join(",")' "$D,$A" "the administrator's list under D1: D1's and C1's"
send admin GET "/api/v1/programmes?limit=2"
is_json '.items | length' 2 "paged: 2 on the first page"
send admin GET "/api/v1/programmes?limit=2&cursor=$(json .next_cursor)"
is_json '[.items[].id] | map(tostring) | join(",")' "$A" "... the third on the next"

# My tasks.
for who in "${WHO[@]}"; do
	send "$who" GET /api/v1/me/tasks
	is "$REQ_STATUS" 200 "$who lists their own tasks"
	is_json '[.items[].id] | map(tostring) | join(",")' "${OWN[$who]}" "... their task and nobody else's"
	is_json '.items[0].assignee.id' "${FX_ID[$who]}" "... assigned to them"
done

# Denials were audited, each with its request id.
send khmer GET "/api/v1/programmes/$A"
rid=$(hdr x-request-id)
wait_for 5 '[ "$(fx_sql "SELECT count(*) FROM audit_log WHERE request_id = '\''$rid'\''")" = 1 ]' || true
is "$(fx_sql "SELECT action || ' ' || object || ' ' || (detail->>'status') FROM audit_log WHERE request_id = '$rid'")" \
    "access.denied GET /api/v1/programmes/{id} 404" "a denied read is in the audit log"
send member PATCH "/api/v1/tasks/$TS" '{"version": 1, "status": "done"}'
rid=$(hdr x-request-id)
wait_for 5 '[ "$(fx_sql "SELECT count(*) FROM audit_log WHERE request_id = '\''$rid'\''")" = 1 ]' || true
is "$(fx_sql "SELECT action || ' ' || object || ' ' || (detail->>'status') FROM audit_log WHERE request_id = '$rid'")" \
    "access.denied PATCH /api/v1/tasks/{id} 403" "a denied task update is in the audit log"

done_testing
