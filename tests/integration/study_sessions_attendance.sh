#!/bin/bash
# Study sessions over HTTPS, the attendance side: a province conference
# with bridge points in D1 and G2; members see it among their upcoming
# sessions with their own bridge point; once it has started, the cells
# record who came (all or nothing, every bad record named, a retry
# stored once), bridge points get their actual counts; the secretary of
# C1 holds a make-up session for those who missed it, and the original
# then counts them as made up. Who sees which lines: a member their own,
# a secretary their cell, a committee its subtree, an outsider nothing.
# A cancelled session takes its make-ups with it and takes no attendance.
#
# The fixture: province P; D1 > G1 > C1 (member, secretary of C1,
# propaganda officer of P, admin of P); D2 > G2 > C2 (khmer, committee of
# D2, spare).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org STSA
at_exit "fx_sql \"DELETE FROM documents WHERE slug LIKE 'test-stsa-%'\" >/dev/null 2>&1 || true"

declare -A TOKEN_OF
for who in member khmer secretary committee propaganda admin spare; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok ||
		bail_out "cannot log in as $who (status $REQ_STATUS)"
	TOKEN_OF[$who]=$tok
done
P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} G1=${FX_UNIT[G1]} G2=${FX_UNIT[G2]}
C1=${FX_UNIT[C1]}
M=${FX_ID[member]} K=${FX_ID[khmer]} S=${FX_ID[secretary]} CM=${FX_ID[committee]}
PR=${FX_ID[propaganda]} A=${FX_ID[admin]} SP=${FX_ID[spare]}

send() {	# WHO METHOD PATH [JSON]
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/body.json"
		auth_req "${TOKEN_OF[$1]}" -X "$2" \
		    -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$3"
	else
		auth_req "${TOKEN_OF[$1]}" -X "$2" "$BASE$3"
	fi
}
expect() {	# WHO METHOD PATH STATUS [JSON]
	local who=$1 method=$2 path=$3 want=$4
	send "$who" "$method" "$path" "${@:5}"
	is "$REQ_STATUS" "$want" "$who: $method $path -> $want"
	if [ "$REQ_STATUS" != "$want" ]; then diag "$(head -c 400 "$REQ_BODY_FILE")"; fi
}
future() { date -u -d "+$1" +%Y-%m-%dT%H:%M:%SZ; }
# happened ID AGO: the session started AGO (an interval) and lasted an
# hour; how the test lets time pass.
happened() {
	fx_sql "UPDATE study_sessions SET starts_at = now() - interval '$2',
	    ends_at = now() - interval '$2' + interval '1 hour' WHERE id = $1" >/dev/null
}
records() { jq -cn "{records: $1}"; }
# The per-member lines of the last answer: "member:state" sorted by id.
lines() { json '[.items[] | "\(.member.id):\(.state)"] | join(" ")'; }

sections='[{"title":"Ý 1","summary":"Một."},{"title":"Ý 2","summary":"Hai."},{"title":"Ý 3","summary":"Ba."},{"title":"Ý 4","summary":"Bốn."},{"title":"Ý 5","summary":"Năm."}]'
send propaganda POST /api/v1/documents "$(jq -cn --argjson unit "$P" --argjson s "$sections" \
    '{slug: "test-stsa-p", unit_id: $unit, number: "05-HD/BTGTU", kind: "study_outline",
      issuer: "Ban Tuyên giáo Tỉnh ủy (thử)", level: "province", issued: "2026-01-15",
      texts: {vi: {title: "Đề cương học tập Nghị quyết", sections: $s}}}')"
DOC=$(json .id)
send propaganda POST "/api/v1/documents/$DOC/publish"
[ "$REQ_STATUS" = 200 ] || bail_out "cannot publish the document: $REQ_STATUS"

# --- A province conference with two bridge points ---------------------
send propaganda POST /api/v1/study-sessions "$(jq -cn --argjson p "$P" --argjson d1 "$D1" \
    --argjson g2 "$G2" --argjson doc "$DOC" --arg start "$(future '1 day')" \
    '{title: "Hội nghị trực tuyến học tập Nghị quyết", unit_id: $p, mode: "online",
      starts_at: $start, duration_minutes: 150, documents: [$doc],
      bridge_points: [
	{unit_id: $d1, name: "Điểm cầu huyện Tân Hòa", expected_count: 4},
	{unit_id: $g2, name: "ចំណុចភ្ជាប់ឃុំឡៃហ័រ", address: "Hội trường xã Lai Hòa", expected_count: 3}]}')"
is "$REQ_STATUS" 201 "the province schedules a conference with bridge points in D1 and G2"
SP_ID=$(json .id)
BP_D1=$(json '.bridge_points[0].id') BP_G2=$(json '.bridge_points[1].id')

send member GET /api/v1/me/sessions
is "$REQ_STATUS" 200 "GET /api/v1/me/sessions"
is "$(json "[.items[] | select(.id == $SP_ID) | .status, .bridge_point.id, .attendance] | map(tostring) | join(\" \")")" \
    "scheduled $BP_D1 null" "... the member of C1 sees it upcoming, at the D1 bridge point, no attendance yet"
is "$(json '.items[0].documents[0].title')" "Đề cương học tập Nghị quyết" "... with what it studies"
send khmer GET /api/v1/me/sessions
is "$(json "[.items[] | select(.id == $SP_ID) | .bridge_point.name] | join(\"\")")" "ចំណុចភ្ជាប់ឃុំឡៃហ័រ" \
    "... the member of C2 at the G2 bridge point, its Khmer name as stored"

expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 409 "$(records "[{\"member_id\":$M,\"status\":\"present\"}]")"
is_error_envelope session_not_started "no attendance before the session starts"

happened "$SP_ID" '2 hours'

# --- Who may record ---------------------------------------------------
expect member PUT "/api/v1/study-sessions/$SP_ID/attendance" 403 "$(records "[{\"member_id\":$M,\"status\":\"present\"}]")"
expect propaganda PUT "/api/v1/study-sessions/$SP_ID/attendance" 403 "$(records "[{\"member_id\":$M,\"status\":\"present\"}]")"
is_error_envelope forbidden "... a propaganda officer organises but keeps no per-member record"
expect committee PUT "/api/v1/study-sessions/$SP_ID/attendance" 422 "$(records "[{\"member_id\":$M,\"status\":\"present\"}]")"
is "$(json '.rejected[0].code')" unknown_member "... the committee of D2 cannot record for a member of D1 (unknown_member)"
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 422 "$(records "[{\"member_id\":$K,\"status\":\"present\"}]")"
is "$(json '.rejected[0].code')" unknown_member "... nor the secretary of C1 for a member of C2"

# All or nothing: one bad record and nothing is stored.
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 422 \
    "$(records "[{\"member_id\":$M,\"status\":\"present\"},{\"member_id\":$A,\"status\":\"absent\"}]")"
is_error_envelope invalid_records "an absence without a reason: 422 invalid_records"
is "$(json '[.rejected[] | "\(.index):\(.member_id):\(.code)"] | join(" ")')" "1:$A:missing_reason" \
    "... naming the record (index 1, the admin, missing_reason)"
is "$(fx_sql "SELECT count(*) FROM study_attendance WHERE session_id = $SP_ID")" 0 "... and nothing was stored"

good=$(records "[{\"member_id\":$M,\"status\":\"present\"},{\"member_id\":$S,\"status\":\"present\"},
    {\"member_id\":$A,\"status\":\"absent\",\"reason\":\"\u0110i co\u0302ng ta\u0301c tỉnh\"},
    {\"member_id\":$PR,\"status\":\"absent\",\"reason\":\"Ốm\"}]")
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 200 "$good"
first=$(jq -cS . "$REQ_BODY_FILE")
is "$(json '[.records[] | "\(.member_id):\(.status)"] | join(" ")')" \
    "$(printf '%s\n' "$M:present" "$S:present" "$A:absent" "$PR:absent" | sort -t: -k1,1n | tr '\n' ' ' | sed 's/ $//')" \
    "the secretary of C1 records the four members of C1"
is "$(json ".records[] | select(.member_id == $A) | .reason")" "Đi công tác tỉnh" "... a reason sent in NFD comes back NFC"
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 200 "$good"
is "$(jq -cS . "$REQ_BODY_FILE")" "$first" "the same request again answers the same, byte for byte"
is "$(fx_sql "SELECT count(*) FROM study_attendance WHERE session_id = $SP_ID")" 4 "... and stores nothing twice"
expect committee PUT "/api/v1/study-sessions/$SP_ID/attendance" 200 \
    "$(records "[{\"member_id\":$K,\"status\":\"absent\",\"reason\":\"ឈឺ\"},{\"member_id\":$SP,\"status\":\"present\"}]")"

# Bad records, each named.
bad=$(records "[{\"member_id\":$M,\"status\":\"made_up\"},{\"member_id\":$S,\"status\":\"present\",\"colour\":1},
    {\"member_id\":\"$A\",\"status\":\"present\"},{\"member_id\":$PR,\"status\":\"present\"},
    {\"member_id\":$PR,\"status\":\"present\"},{\"member_id\":$M,\"status\":\"present\",\"reason\":\"x\"},
    {\"member_id\":999999999,\"status\":\"present\"},7]")
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 422 "$bad"
is "$(json '[.rejected[] | "\(.index):\(.code)"] | join(" ")')" \
    "0:duplicate_member 1:unknown_field 2:invalid_member_id 3:duplicate_member 4:duplicate_member 5:duplicate_member 6:unknown_member 7:invalid_record" \
    "every bad record is named with its reason"
bad=$(records "[{\"member_id\":$M,\"status\":\"made_up\"},{\"member_id\":$S,\"status\":\"present\",\"reason\":\"x\"},{\"member_id\":$A,\"status\":\"absent\",\"reason\":\"   \"}]")
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 422 "$bad"
is "$(json '[.rejected[] | "\(.index):\(.code)"] | join(" ")')" "0:invalid_status 1:reason_not_allowed 2:missing_reason" \
    "made_up is not sent (a make-up session says it), a present member has no reason, a blank reason is none"
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 422 '{"records":[],"note":"x"}'
is_error_envelope unknown_field "an unknown field: 422 unknown_field"
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 422 '{"records":{}}'
is_error_envelope invalid_field "records not an array: 422 invalid_field"
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 422 '{"records":[]}'
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 400 '{"records":[{"member_id":1,}]}'
is_error_envelope malformed_json "malformed JSON: 400"
printf '{"records":[{"member_id":%s,"status":"absent","reason":"\xc3\x28"}]}' "$A" >"$TEST_TMP/bad.json"
auth_req "${TOKEN_OF[secretary]}" -X PUT -H 'Content-Type: application/json' \
    --data-binary "@$TEST_TMP/bad.json" "$BASE/api/v1/study-sessions/$SP_ID/attendance"
is "$REQ_STATUS $(json .error.code)" "400 invalid_utf8" "invalid UTF-8 in a reason: 400 invalid_utf8"
many=$(jq -cn --argjson m "$M" '{records: [range(1001) | {member_id: $m, status: "present"}]}')
expect secretary PUT "/api/v1/study-sessions/$SP_ID/attendance" 413 "$many"
is_error_envelope too_many_records "1001 records: 413 too_many_records"
is "$(fx_sql "SELECT string_agg(member_id || ':' || status, ' ' ORDER BY member_id) FROM study_attendance WHERE session_id = $SP_ID")" \
    "$(fx_sql "SELECT string_agg(x, ' ' ORDER BY id) FROM (VALUES ($M, '$M:present'), ($K, '$K:absent'), ($S, '$S:present'), ($PR, '$PR:absent'), ($A, '$A:absent'), ($SP, '$SP:present')) v (id, x)")" \
    "the refused requests changed nothing"

# --- Bridge points after the session ----------------------------------
expect propaganda PATCH "/api/v1/study-sessions/$SP_ID/bridge-points/$BP_D1" 200 '{"actual_count":3}'
is "$(json '.actual_count')" 3 "the organiser records the actual count of the D1 bridge point"
expect committee PATCH "/api/v1/study-sessions/$SP_ID/bridge-points/$BP_G2" 200 '{"actual_count":2}'
is "$(json '.actual_count')" 2 "the committee of D2 records that of the G2 bridge point, in its district"
expect committee PATCH "/api/v1/study-sessions/$SP_ID/bridge-points/$BP_D1" 403 '{"actual_count":9}'
expect secretary PATCH "/api/v1/study-sessions/$SP_ID/bridge-points/$BP_D1" 403 '{"actual_count":9}'
expect member PATCH "/api/v1/study-sessions/$SP_ID/bridge-points/$BP_D1" 403 '{"actual_count":9}'
expect propaganda PATCH "/api/v1/study-sessions/$SP_ID/bridge-points/$BP_D1" 422 '{"actual_count":-1}'
is_error_envelope invalid_count "a negative count: invalid_count"
expect propaganda PATCH "/api/v1/study-sessions/$SP_ID/bridge-points/$BP_D1" 409 '{"expected_count":9}'
is_error_envelope session_started "the plan of a bridge point is fixed once the session started"
expect propaganda DELETE "/api/v1/study-sessions/$SP_ID/bridge-points/$BP_D1" 409
is_error_envelope session_started "... and it cannot be removed either"

# --- Who sees which lines ---------------------------------------------
expect admin GET "/api/v1/study-sessions/$SP_ID" 200
is "$(json '.attendance | "\(.expected) \(.present) \(.absent) \(.made_up) \(.unrecorded)"')" "7 3 3 0 1" \
    "the summary: 7 expected, 3 present, 3 absent, 1 unrecorded"
is "$(json '.bridge_points | map(.actual_count) | join(",")')" "3,2" "... and the actual counts"
expect member GET "/api/v1/study-sessions/$SP_ID" 200
is "$(json '.attendance.expected') $(json '.my_attendance.state') $(json '.my_attendance.bridge_point_id')" "7 present $BP_D1" \
    "a member sees the counts and their own line"
expect admin GET "/api/v1/study-sessions/$SP_ID/attendance" 200
is "$(json '.items | length')" 7 "the province's admin sees all seven lines"
expect secretary GET "/api/v1/study-sessions/$SP_ID/attendance" 200
is "$(json '[.items[].member.id] | sort | map(tostring) | join(" ")')" \
    "$(printf '%s\n' "$M" "$S" "$PR" "$A" | sort -n | tr '\n' ' ' | sed 's/ $//')" "the secretary of C1 sees the lines of C1"
expect committee GET "/api/v1/study-sessions/$SP_ID/attendance" 200
is "$(json '[.items[].member.id] | sort | map(tostring) | join(" ")')" \
    "$(printf '%s\n' "$K" "$CM" "$SP" | sort -n | tr '\n' ' ' | sed 's/ $//')" "the committee of D2 sees those of D2"
is "$(json ".items[] | select(.member.id == $K) | .reason")" "ឈឺ" "... with the reasons"
expect member GET "/api/v1/study-sessions/$SP_ID/attendance" 200
is "$(lines)" "$M:present" "a member sees only their own line"
expect propaganda GET "/api/v1/study-sessions/$SP_ID/attendance" 200
is "$(lines)" "$PR:absent" "a propaganda officer, who reads no members, too"
expect admin GET "/api/v1/study-sessions/$SP_ID/attendance?status=missing" 200
is "$(json '[.items[].member.id] | sort | map(tostring) | join(" ")')" \
    "$(printf '%s\n' "$K" "$CM" "$PR" "$A" | sort -n | tr '\n' ' ' | sed 's/ $//')" "?status=missing: absent or unrecorded (the make-up list)"
expect admin GET "/api/v1/study-sessions/$SP_ID/attendance?unit=$G2&status=absent" 200
is "$(lines)" "$K:absent" "?unit=G2&status=absent"
expect admin GET "/api/v1/study-sessions/$SP_ID/attendance?limit=3" 200
page1=$(json '[.items[].member.id] | map(tostring) | join(" ")')
expect admin GET "/api/v1/study-sessions/$SP_ID/attendance?limit=3&cursor=$(json .next_cursor)" 200
page2=$(json '[.items[].member.id] | map(tostring) | join(" ")')
is "$(wc -w <<<"$page1 $page2")" 6 "paging by 3 with the cursor"
expect admin GET "/api/v1/study-sessions/$SP_ID/attendance?status=late" 400
expect committee GET "/api/v1/study-sessions/$SP_ID/attendance?unit=$G1" 404

# --- A make-up session ------------------------------------------------
send secretary POST /api/v1/study-sessions "$(jq -cn --argjson c1 "$C1" --argjson o "$SP_ID" \
    --arg start "$(future '2 days')" \
    '{title: "Học bù Nghị quyết", unit_id: $c1, mode: "in_person",
      starts_at: $start, duration_minutes: 60, makeup_of: $o}')"
is "$REQ_STATUS" 201 "the secretary of C1 schedules a make-up session for the conference"
MK=$(json .id)
is "$(json '[.makeup_of, .document_ids[0]] | map(tostring) | join(" ")')" "$SP_ID $DOC" \
    "... linked to it, studying the same documents"
expect committee GET "/api/v1/study-sessions/$MK" 404
expect khmer GET "/api/v1/study-sessions/$MK" 404
expect member GET "/api/v1/study-sessions/$SP_ID" 200
is "$(json '[.makeups[].id] | map(tostring) | join(" ")')" "$MK" "the original lists its make-up for a member of C1"
expect khmer GET "/api/v1/study-sessions/$SP_ID" 200
is "$(json '.makeups | length')" 0 "... not for a member of C2, who cannot see it"
send member GET /api/v1/me/sessions
ok '[ "$(json "[.items[] | select(.id == $MK)] | length")" = 0 ]' "a member present at the conference is not expected at the make-up"
send admin GET /api/v1/me/sessions
is "$(json "[.items[] | select(.id == $MK) | .status] | join(\"\")")" scheduled "a member absent from it is"

send secretary POST /api/v1/study-sessions "$(jq -cn --argjson c1 "$C1" --argjson o "$SP_ID" \
    --arg start "$(future '2 days')" '{title: "Học bù", unit_id: $c1, mode: "in_person",
      starts_at: $start, duration_minutes: 60, makeup_of: $o}' | jq -c --argjson g1 "$G1" '.unit_id = $g1')"
is "$REQ_STATUS" 403 "the secretary may not organise at G1"
send committee POST /api/v1/study-sessions "$(jq -cn --argjson u "${FX_UNIT[D2]}" --argjson o "$MK" \
    --arg start "$(future '3 days')" '{title: "Học bù", unit_id: $u, mode: "online",
      starts_at: $start, duration_minutes: 60, makeup_of: $o}')"
is "$REQ_STATUS $(json .error.code)" "422 unknown_session" "a make-up of a session one cannot see: unknown_session"

happened "$MK" '30 minutes'
expect secretary PUT "/api/v1/study-sessions/$MK/attendance" 422 "$(records "[{\"member_id\":$M,\"status\":\"present\"}]")"
is "$(json '.rejected[0].code')" attended_original "a member present at the original is not recorded at its make-up"
expect secretary PUT "/api/v1/study-sessions/$MK/attendance" 200 \
    "$(records "[{\"member_id\":$A,\"status\":\"present\"},{\"member_id\":$PR,\"status\":\"absent\",\"reason\":\"Vẫn ốm\"}]")"

expect admin GET "/api/v1/study-sessions/$SP_ID" 200
is "$(json '.attendance | "\(.expected) \(.present) \(.absent) \(.made_up) \(.unrecorded)"')" "7 3 2 1 1" \
    "the original now counts the admin as made up"
is "$(json '.my_attendance | "\(.state) \(.made_up_in)"')" "made_up $MK" "... their own line says so, and where"
expect secretary GET "/api/v1/study-sessions/$SP_ID/attendance?status=missing" 200
is "$(lines)" "$PR:absent" "the make-up list of C1 is down to the one still absent"
expect secretary GET "/api/v1/study-sessions/$SP_ID/attendance?status=made_up" 200
is "$(json '.items[0].made_up_in')" "$MK" "... the made-up line names the make-up session"
send admin GET /api/v1/me/sessions
is "$(json "[.items[] | select(.id == $SP_ID) | .attendance.state] | join(\"\")")" made_up \
    "the admin's own list shows the conference as made up"
expect secretary GET "/api/v1/study-sessions/$MK" 200
is "$(json '.attendance | "\(.expected) \(.present) \(.absent)"')" "2 1 1" \
    "the make-up expects only those of C1 who missed the original"

# --- Cancelled --------------------------------------------------------
send propaganda POST /api/v1/study-sessions "$(jq -cn --argjson p "$P" --argjson doc "$DOC" \
    --arg start "$(future '5 days')" '{title: "Hội nghị sơ kết", unit_id: $p,
      mode: "both", starts_at: $start, duration_minutes: 120, documents: [$doc]}')"
S2=$(json .id)
send secretary POST /api/v1/study-sessions "$(jq -cn --argjson c1 "$C1" --argjson o "$S2" \
    --arg start "$(future '6 days')" '{title: "Học bù sơ kết", unit_id: $c1, mode: "in_person",
      starts_at: $start, duration_minutes: 60, makeup_of: $o}')"
MK2=$(json .id)
send secretary POST /api/v1/study-sessions "$(jq -cn --argjson c1 "$C1" --argjson o "$S2" \
    --arg start "$(future '4 days')" '{title: "Học bù", unit_id: $c1, mode: "in_person",
      starts_at: $start, duration_minutes: 60, makeup_of: $o}')"
is "$REQ_STATUS $(json .error.code)" "422 invalid_makeup" "a make-up that starts before the original: invalid_makeup"
expect propaganda POST "/api/v1/study-sessions/$S2/cancel" 200 '{"reason":"Hoãn do bão"}'
expect member GET "/api/v1/study-sessions/$MK2" 200
is "$(json .status)" cancelled "cancelling a session cancels its make-ups"
send member GET /api/v1/me/sessions
is "$(json "[.items[] | select(.id == $S2) | .status] | join(\"\")")" cancelled "members still see it, marked cancelled"
happened "$S2" '1 hour'
expect secretary PUT "/api/v1/study-sessions/$S2/attendance" 409 "$(records "[{\"member_id\":$M,\"status\":\"present\"}]")"
is_error_envelope session_cancelled "no attendance for a cancelled session"
send secretary POST /api/v1/study-sessions "$(jq -cn --argjson c1 "$C1" --argjson o "$S2" \
    --arg start "$(future '6 days')" '{title: "Học bù", unit_id: $c1, mode: "in_person",
      starts_at: $start, duration_minutes: 60, makeup_of: $o}')"
is "$REQ_STATUS $(json .error.code)" "422 invalid_makeup" "no make-up of a cancelled session"

# --- Outsiders --------------------------------------------------------
expect committee GET "/api/v1/study-sessions/$MK/attendance" 404
expect committee PUT "/api/v1/study-sessions/$MK/attendance" 404 "$(records "[{\"member_id\":$A,\"status\":\"present\"}]")"
expect khmer PATCH "/api/v1/study-sessions/$MK/bridge-points/$BP_D1" 404 '{"actual_count":1}'

# --- The member's list: upcoming first, then past ---------------------
send admin GET /api/v1/me/sessions
order=$(json '[.items[] | .id] | map(tostring) | join(" ")')
is "$order" "$MK $MK2 $S2 $SP_ID" \
    "the admin's list: those not over yet, soonest first (the make-up in progress, the cancelled one), then the past, latest first"
send admin GET "/api/v1/me/sessions?limit=1"
ids=$(json '.items[0].id')
for _ in 1 2 3 4 5; do
	c=$(json '.next_cursor // empty')
	[ -n "$c" ] || break
	send admin GET "/api/v1/me/sessions?limit=1&cursor=$c"
	ids="$ids $(json '.items[0].id // empty')"
done
is "$(echo $ids)" "$order" "paging by one with the cursor gives the same order"
send admin GET "/api/v1/me/sessions?cursor=x"
is "$REQ_STATUS" 400 "a bad cursor: 400"

done_testing
