#!/bin/bash
# GET /api/v1/reports/engagement and the report targets over HTTPS: figures
# per child unit after members read (events posted), attend a study
# session and a cell meeting, write essays (submitted, returned, accepted,
# late, a draft, handed in again) and take a quiz, all through the API;
# each member's essay state and best quiz share; lagging units first; who sees what (numbers
# for boards within scope, the member list at cell level for the
# secretary and committees, never for a propaganda officer; 403/404
# outside scope, audited); a session report; targets set, inherited and
# cleared; CSV (BOM, Vietnamese headers, numbers) and XLSX, which
# LibreOffice opens with the same figures as the JSON; bad input. Notes
# never show.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org RPT

src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-reports-a"
sed -i 's/^id: test-bo-tai-lieu$/id: test-reports-a/' "$src/test-reports-a/document.yaml"
cleanup_docs() {
	fx_sql "DELETE FROM study_sessions WHERE unit_id = ${FX_UNIT[P]};
		DELETE FROM progress WHERE document_id IN (SELECT id FROM documents WHERE slug LIKE 'test-reports-%');
		DELETE FROM documents WHERE slug LIKE 'test-reports-%'" >/dev/null 2>&1 || true
}
cleanup_docs
at_exit cleanup_docs
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
A=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-reports-a'")

declare -A TOK
for who in member khmer secretary committee propaganda admin spare; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done
send() {	# WHO METHOD PATH [BODY]
	local who=$1 method=$2 path=$3
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/body.json"
		auth_req "${TOK[$who]}" -X "$method" -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$path"
	else
		auth_req "${TOK[$who]}" -X "$method" "$BASE$path"
	fi
}
report() {	# WHO QUERY [CURL ARGS...]
	local who=$1 q=$2
	shift 2
	auth_req "${TOK[$who]}" "$@" "$BASE/api/v1/reports/engagement?$q"
}
uuid() { cat /proc/sys/kernel/random/uuid; }
NOW=$(date -u +%FT%T.%3NZ)
ev() {	# KIND: one event on A
	jq -cn --arg id "$(uuid)" --arg kind "$1" --arg doc "$A" --arg at "$NOW" \
	    '{id: $id, kind: $kind, document_id: ($doc | tonumber), version: 1,
	      lang: "vi", occurred_at: $at}'
}
read_doc() {	# WHO [completed]
	local events
	events=$(ev opened)
	[ "${2:-}" = completed ] && events="$events,$(ev completed)"
	send "$1" POST /api/v1/events "{\"events\":[$events]}"
	is "$(json .accepted)" "$( [ "${2:-}" = completed ] && echo 2 || echo 1)" "$1 reads A${2:+ to the end}"
}

P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} D2=${FX_UNIT[D2]} C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}

# --- Nothing read yet ------------------------------------------------------
report admin "unit=$P&document=$A"
is "$REQ_STATUS" 200 "the administrator of P asks for P's report on A"
is "$(json '[.kind, .unit.members, .unit.readers, .unit.reach_rate] | @csv')" '"document",7,0,0' \
	"... document mode; 7 members, nobody reached yet"
is "$(json '[.children[].code] | sort | join(",")')" "RPT-D1,RPT-D2" "... one line per district"
is "$(json '.unit.target')" 0.95 "... the default target 95%"
is "$(json '.members')" null "... no member list above the cell"

# --- Reading, a session, a meeting --------------------------------------------
read_doc member completed		# C1
read_doc secretary			# C1
read_doc khmer				# C2
# A province conference on A that has started: the spare (C2) present, the
# member (C1) absent; then a make-up where the committee member (C2) was.
SID=$(fx_sql "INSERT INTO study_sessions (unit_id, title, mode, starts_at, ends_at)
	VALUES ($P, 'Hội nghị quán triệt (thử)', 'online', now() - interval '2 hours',
	    now() - interval '1 hour') RETURNING id")
fx_sql "INSERT INTO study_session_documents VALUES ($SID, $A, 1);
	INSERT INTO study_attendance (session_id, member_id, status, reason, cell_id)
	VALUES ($SID, ${FX_ID[spare]}, 'present', NULL, $C2),
	       ($SID, ${FX_ID[member]}, 'absent', 'Ốm', $C1)" >/dev/null
MK=$(fx_sql "INSERT INTO study_sessions (unit_id, title, mode, starts_at, ends_at, makeup_of)
	VALUES ($P, 'Học bù (thử)', 'in_person', now() - interval '30 minutes',
	    now() - interval '10 minutes', $SID) RETURNING id")
fx_sql "INSERT INTO study_attendance (session_id, member_id, status, reason, cell_id)
	VALUES ($MK, ${FX_ID[committee]}, 'present', NULL, $C2)" >/dev/null
# A cell meeting of C1 that discussed A: the propaganda officer present.
send secretary POST /api/v1/meetings "{\"client_id\":\"$(uuid)\",\"held_on\":\"$(date +%F)\",
	\"topic\":\"Sinh hoạt chuyên đề\",\"documents\":[$A],
	\"attendance\":[{\"member_id\":${FX_ID[propaganda]},\"status\":\"present\"},
	{\"member_id\":${FX_ID[admin]},\"status\":\"absent\",\"reason\":\"Đi công tác\"}]}"
is "$REQ_STATUS" 201 "the secretary records a meeting of C1 that discussed A"
# A note with a canary: it must never show in a report.
CANARY="canary-$(uuid)"
send member POST /api/v1/notes "{\"client_id\":\"$(uuid)\",\"document_id\":$A,\"visibility\":\"cell\",\"text\":\"$CANARY\"}"
is "$REQ_STATUS" 201 "a member writes a shared note on A"

report admin "unit=$P&document=$A"
is "$REQ_STATUS" 200 "P's report again"
is "$(json '[.unit.members, .unit.readers, .unit.completers, .unit.attended, .unit.at_meeting, .unit.reached] | @csv')" \
	"7,3,1,2,1,6" "... 3 readers, 1 completer, 2 at the session (1 made up), 1 at a meeting, 6 reached"
is "$(json '.channels | [.app, .study_session, .cell_meeting, .any] | @csv')" "3,2,1,6" "... the same by channel"
is "$(json '.children[] | select(.code == "RPT-D1") | [.members, .readers, .completers, .at_meeting, .reached, .reach_rate] | @csv')" \
	"4,2,1,1,3,0.75" "... D1: 4 members, 2 read, 1 completed, 1 at the meeting, 3 reached (75%)"
is "$(json '.children[] | select(.code == "RPT-D2") | [.members, .readers, .attended, .reached, .reach_rate, .target_met] | @csv')" \
	"3,1,2,3,1,true" "... D2: 3 members, all reached, target met"
is "$(json '[.children[].code] | join(",")')" "RPT-D1,RPT-D2" "... lagging units first"
is "$(json '.days[-1] | [.readers, .completers] | @csv')" "3,1" "... the series ends with 3 readers, 1 completer"
is "$(json '.days[-1].day')" "$(TZ=Asia/Ho_Chi_Minh date +%F)" "... on today's date in Vietnam"
ok "! grep -q '$CANARY' '$REQ_BODY_FILE'" "... no note text anywhere"

# --- Essays and quizzes through the API -----------------------------------------
essay() {	# WHO SUBMIT(true|false) TEXT
	send "$1" POST /api/v1/essays "$(jq -cn --arg c "$(uuid)" --argjson d "$A" \
	    --arg t "$3" --argjson s "$2" '{client_id: $c, document_id: $d,
	    sections: {content: $t}} + (if $s then {submit: true} else {} end)')"
}
review() {	# WHO ESSAY VERSION DECISION (a return says what to revise)
	send "$1" POST "/api/v1/essays/$2/reviews" "$(jq -cn --arg c "$(uuid)" \
	    --argjson v "$3" --arg d "$4" '{client_id: $c, version: $v, decision: $d}
	    + (if $d == "return" then {comment: "Cần nêu rõ việc làm cụ thể của đồng chí."} else {} end)')"
}
# member (C1): a draft, then submitted, then returned by the secretary.
essay member false "Bản nháp: nghị quyết nhấn mạnh vai trò của chi bộ."
essay member true "Tôi hiểu nghị quyết đặt chi bộ làm hạt nhân; tôi sẽ tham gia đầy đủ sinh hoạt."
is "$REQ_STATUS" 201 "the member submits an essay on A"
EM=$(json .essay_id)
review secretary "$EM" 2 return
is "$REQ_STATUS" 201 "... the secretary returns it"
# secretary (C1): a draft only.
essay secretary false "ខ្ញុំនឹងសរសេរបន្ថែម — bản nháp của bí thư."
is "$REQ_STATUS" 201 "the secretary saves a draft"
# khmer (C2): submitted, accepted by the committee of D2.
essay khmer true "ខ្ញុំយល់ថាសេចក្តីសម្រេចនេះសំខាន់ណាស់សម្រាប់សាខាបក្សរបស់យើង។"
is "$REQ_STATUS" 201 "the Khmer member submits an essay in Khmer"
EK=$(json .essay_id)
review committee "$EK" 1 accept
is "$REQ_STATUS" 201 "... the committee member of D2 accepts it"
# spare (C2): submitted after C2's deadline, not reviewed yet.
fx_sql "INSERT INTO essay_deadlines (unit_id, document_id, due_at)
	VALUES ($C2, $A, now() - interval '1 day')" >/dev/null
essay spare true "Đảng viên phải gương mẫu, nói đi đôi với làm, đoàn kết trong chi bộ."
is "$REQ_STATUS" 201 "the spare submits after the deadline"

# A quiz on A (2 questions a go): member right, khmer wrong, secretary
# wrong then right, spare starts and never submits.
send propaganda POST /api/v1/quizzes "$(jq -cn --arg c "$(uuid)" --argjson u "$P" --argjson d "$A" \
    '{client_id: $c, title: "Thi tìm hiểu (thử)", unit_id: $u, documents: [$d],
      questions_per_attempt: 2, time_limit_seconds: 600, max_attempts: 3}')"
is "$REQ_STATUS" 201 "the propaganda officer makes a quiz on A"
QZ=$(json .id)
answers() {	# ATTEMPT right|wrong
	fx_sql "SELECT json_agg(json_build_object('position', x.position,
	    'choice', CASE WHEN '$2' = 'right' THEN array_position(x.choice_order,
		quiz_correct_index(b.choices))
	    WHEN array_position(x.choice_order, quiz_correct_index(b.choices)) = 1
		THEN 2 ELSE 1 END) ORDER BY x.position)
	    FROM quiz_attempt_questions x JOIN quiz_questions b
	    USING (document_id, version, qid) WHERE x.attempt_id = $1"
}
attempt() {	# WHO right|wrong|none
	local at
	send "$1" POST "/api/v1/quizzes/$QZ/attempts" "{\"client_id\":\"$(uuid)\"}"
	is "$REQ_STATUS" 201 "$1 starts an attempt"
	at=$(json .id)
	[ "$2" = none ] && return 0
	send "$1" POST "/api/v1/quiz-attempts/$at/submit" \
	    "$(jq -cn --arg c "$(uuid)" --argjson a "$(answers "$at" "$2")" '{client_id: $c, answers: $a}')"
	is "$REQ_STATUS" 200 "... and submits it ($2 answers)"
}
attempt member right
attempt khmer wrong
attempt secretary wrong
attempt secretary right
attempt spare none

report admin "unit=$P&document=$A"
is "$(json '.unit | [.essays_submitted, .essays_accepted, .essays_returned, .essay_rate] | @csv')" \
	"3,1,1,0.4286" "P: 3 essays handed in of 7 members, 1 accepted, 1 returned"
is "$(json '.unit | [.quiz_participants, .quiz_participation_rate, .quiz_mean_score] | @csv')" \
	"3,0.4286,0.6667" "... 3 took the quiz, best shares 1, 0 and 1: mean 0.6667"
is "$(json '.children[] | select(.code == "RPT-D1") | [.essays_submitted, .essays_accepted, .essays_returned, .quiz_participants, .quiz_mean_score] | @csv')" \
	"1,0,1,2,1" "... D1: the returned essay; 2 participants, mean 1"
is "$(json '.children[] | select(.code == "RPT-D2") | [.essays_submitted, .essays_accepted, .essays_returned, .quiz_participants, .quiz_mean_score] | @csv')" \
	"2,1,0,1,0" "... D2: 2 handed in, 1 accepted; 1 participant scoring 0"
report secretary "unit=$C1&document=$A"
is "$(json '[.members[] | "\(.card_number)=\(.essay_state)/\(.essay_late)/\(.quiz_best_score)"] | sort | join(" ")')" \
	"$(printf '%s\n' "${FX_CARD[admin]}=none/false/null" "${FX_CARD[member]}=returned/false/1" \
	    "${FX_CARD[propaganda]}=none/false/null" "${FX_CARD[secretary]}=draft/false/1" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"C1's member list: essay states and best quiz shares"
report committee "unit=$C2&document=$A"
is "$(json '[.members[] | "\(.card_number)=\(.essay_state)/\(.essay_late)/\(.quiz_best_score)"] | sort | join(" ")')" \
	"$(printf '%s\n' "${FX_CARD[committee]}=none/false/null" "${FX_CARD[khmer]}=accepted/false/0" \
	    "${FX_CARD[spare]}=submitted/true/null" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"C2's member list: accepted, submitted late, none"
# The returned essay handed in again: returned no more, still handed in.
essay member true "Bản sửa: tôi nhận phụ trách tổ tự quản và báo cáo chi bộ hằng tháng."
is "$REQ_STATUS" 201 "the member hands the returned essay in again"
report admin "unit=$P&document=$A"
is "$(json '.unit | [.essays_submitted, .essays_accepted, .essays_returned] | @csv')" "3,1,0" \
	"... P: 3 handed in, 1 accepted, none returned"
# The session report counts the session's essays (none on it yet) and the
# quizzes on its documents for its roster.
report admin "unit=$P&session=$SID"
is "$(json '.unit | [.essays_submitted, .quiz_participants, .quiz_mean_score] | @csv')" "0,3,0.6667" \
	"the session report: no essays on the session, the quiz on A for its roster"

# --- Who sees what ---------------------------------------------------------------
report secretary "unit=$C1&document=$A"
is "$REQ_STATUS" 200 "the secretary of C1 gets C1's report"
is "$(json '[.members[] | [.full_name, .read, .completed, .at_meeting, .reached] | @csv] | join(";")')" \
	"\"${FX_NAME[admin]}\",false,false,false,false;\"${FX_NAME[propaganda]}\",false,false,true,true;\"${FX_NAME[secretary]}\",true,false,false,true;\"${FX_NAME[member]}\",true,true,false,true" \
	"... with the member list, those not reached first (the make-up list)"
ok "! grep -q '$CANARY' '$REQ_BODY_FILE'" "... no note text in it"
report propaganda "unit=$C1&document=$A"
is "$REQ_STATUS" 200 "the propaganda officer of P gets C1's numbers"
is "$(json '.members')" null "... but no member list (they read no members)"
report committee "unit=$C2&document=$A"
is "$(json '[.members[] | .attended_session] | map(tostring) | join(",")')" "true,false,true" \
	"the committee of D2 gets C2's list: the spare and the committee member attended, the khmer member did not"
report committee "unit=$D2&document=$A"
is "$REQ_STATUS" 200 "the committee of D2 gets D2's report"
report committee "unit=$D1&document=$A"
is "$REQ_STATUS" 404 "... D1 (outside its scope) is 404"
is_error_envelope not_found "... in the error envelope"
report committee "unit=$P&document=$A"
is "$REQ_STATUS" 403 "... P (above its cell, not in its scope) is 403, no figures"
ok "! grep -q '\"members\"' '$REQ_BODY_FILE'" "... and nothing but the error"
report member "unit=$C1&document=$A"
is "$REQ_STATUS" 403 "a plain member may not see their own cell's report"
sleep 0.5	# the audit row is written asynchronously
ok "[ \"\$(fx_sql \"SELECT count(*) FROM audit_log WHERE actor_id = ${FX_ID[member]} AND object = 'GET /api/v1/reports/engagement'\")\" -ge 1 ]" \
	"... and the refusal is in the audit log"

# --- A session report ----------------------------------------------------------------
report admin "unit=$P&session=$SID"
is "$REQ_STATUS" 200 "P's report on the conference"
is "$(json '[.kind, .unit.members, .unit.present, .unit.made_up, .unit.absent, .unit.unrecorded, .unit.attendance_rate] | @csv')" \
	'"session",7,1,1,1,4,0.2857' "... 7 expected: 1 present, 1 made up, 1 absent, 4 unrecorded"
report secretary "unit=$C1&session=$SID"
is "$(json '[.members[] | select(.state == "absent") | .full_name] | join(",")')" "${FX_NAME[member]}" \
	"... the secretary of C1 sees who was absent"
report admin "unit=$P&session=999999999"
is "$REQ_STATUS" 404 "an unknown session is 404"

# --- Targets ------------------------------------------------------------------------------
send propaganda PUT "/api/v1/units/$P/report-target" '{"target":0.7}'
is "$REQ_STATUS" 200 "the propaganda officer of P sets P's target to 70%"
is "$(json '[.target, .effective_target] | @csv')" "0.7,0.7" "... its own and effective target"
report admin "unit=$P&document=$A"
is "$(json '.children[] | select(.code == "RPT-D1") | [.target, .target_met] | @csv')" "0.7,true" \
	"... D1 inherits 70%, and 75% meets it"
send committee PUT "/api/v1/units/$D2/report-target" '{"target":1}'
is "$REQ_STATUS" 200 "the committee of D2 sets D2's to 100%"
send committee PUT "/api/v1/units/$P/report-target" '{"target":0.5}'
is "$REQ_STATUS" 403 "... but may not set P's"
send secretary PUT "/api/v1/units/$C1/report-target" '{"target":0.5}'
is "$REQ_STATUS" 403 "a secretary may not set targets"
send propaganda PUT "/api/v1/units/$P/report-target" '{"target":1.5}'
is "$REQ_STATUS" 422 "a target above 1 is 422"
is "$(json .error.code)" invalid_target "... invalid_target"
send propaganda PUT "/api/v1/units/$P/report-target" '{"target":"95%"}'
is "$REQ_STATUS" 422 "a target as text is 422"
send propaganda PUT "/api/v1/units/$P/report-target" '{"target":0.9,"note":1}'
is "$(json .error.code)" unknown_field "an unknown field is 422 unknown_field"
send propaganda PUT "/api/v1/units/$P/report-target" '{"target":'
is "$REQ_STATUS" 400 "malformed JSON is 400"
send propaganda DELETE "/api/v1/units/$P/report-target"
is "$(json '[.target, .effective_target] | @csv')" ",0.95" "DELETE: P inherits the default again"
send propaganda DELETE "/api/v1/units/$P/report-target"
is "$REQ_STATUS" 200 "... DELETE again is harmless"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'report.target' AND object = 'unit:$P'")" 2 \
	"... two changes audited (set, cleared), the repeat not"

# --- CSV and XLSX ------------------------------------------------------------------------------
report admin "unit=$P&document=$A"
cp "$REQ_BODY_FILE" "$TEST_TMP/report.json"
report admin "unit=$P&document=$A&format=csv"
is "$REQ_STATUS" 200 "?format=csv: 200"
like "$(hdr content-type)" '^text/csv; charset=utf-8' "... text/csv in UTF-8"
like "$(hdr content-disposition)" "^attachment; filename=\"bao-cao-RPT-P-tai-lieu-$A.csv\"" "... a file name saying what it is"
is "$(head -c 3 "$REQ_BODY_FILE" | od -An -tx1 | tr -d ' ')" efbbbf "... starting with a byte order mark"
like "$(head -1 "$REQ_BODY_FILE")" 'Mã đơn vị,Tên đơn vị,Loại đơn vị,Số đảng viên,Đã đọc' "... Vietnamese headers"
want=$(jq -r '([.unit] + .children)[] | [.code, .members, .readers, .completers, .attended, .at_meeting, .reached] | @csv' "$TEST_TMP/report.json" | tr -d '"')
got=$(sed -n '2,4p' "$REQ_BODY_FILE" | tr -d '\r' | cut -d, -f1,4-9)
is "$got" "$want" "... the same figures as the JSON, unit first"
want_study=$(jq -r '([.unit] + .children)[] | [.code, .essays_submitted, .essays_accepted, .essays_returned, .quiz_participants] | @csv' "$TEST_TMP/report.json" | tr -d '"')
like "$(head -1 "$REQ_BODY_FILE")" 'Đã nộp bài thu hoạch,Bài thu hoạch đạt,Bài thu hoạch bị trả lại' "... essay columns under Vietnamese headers"
is "$(sed -n '2,4p' "$REQ_BODY_FILE" | tr -d '\r' | cut -d, -f1,14-16,18)" "$want_study" \
	"... essays handed in, accepted, returned and quiz participants as in the JSON"
report admin "unit=$P&document=$A" -H 'Accept: text/csv'
like "$(hdr content-type)" '^text/csv' "Accept: text/csv gives CSV too"
report admin "unit=$P&document=$A&format=pdf"
is "$REQ_STATUS" 400 "?format=pdf is 400"

report admin "unit=$P&document=$A&format=xlsx"
is "$REQ_STATUS" 200 "?format=xlsx: 200"
like "$(hdr content-type)" '^application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' "... the XLSX type"
is "$(head -c 2 "$REQ_BODY_FILE")" PK "... a zip file"
cp "$REQ_BODY_FILE" "$TEST_TMP/report.xlsx"
if ! command -v soffice >/dev/null 2>&1; then
	(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    libreoffice-calc-nogui >/dev/null 2>&1) || true
fi
if command -v soffice >/dev/null 2>&1; then
	mkdir -p "$TEST_TMP/lo"
	HOME=$TEST_TMP/lo timeout 120 soffice --headless --norestore \
	    -env:UserInstallation="file://$TEST_TMP/lo/profile" \
	    --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1' \
	    --outdir "$TEST_TMP/lo" "$TEST_TMP/report.xlsx" >/dev/null 2>&1 || true
	ok "[ -s '$TEST_TMP/lo/report.csv' ]" "LibreOffice opens the XLSX"
	got=$(sed -n '2,4p' "$TEST_TMP/lo/report.csv" | tr -d '"\r' | cut -d, -f1,4-9)
	is "$got" "$want" "... and its figures are the JSON's"
	is "$(sed -n '2,4p' "$TEST_TMP/lo/report.csv" | tr -d '"\r' | cut -d, -f1,14-16,18)" "$want_study" \
		"... the essay and quiz figures too"
	is "$(sed -n 1p "$TEST_TMP/lo/report.csv" | cut -d, -f1,2 | tr -d '"')" "Mã đơn vị,Tên đơn vị" "... under Vietnamese headers"
	rate=$(sed -n 2p "$TEST_TMP/lo/report.csv" | tr -d '"\r' | cut -d, -f13)
	is "$rate" "$(jq -r '.unit.reach_rate' "$TEST_TMP/report.json" | awk '{ printf "%.2f%%", $1 * 100 }')" \
		"... the reach rate a number shown as a percentage ($rate)"
else
	skip 5 "LibreOffice (libreoffice-calc-nogui) could not be installed here"
fi
report secretary "unit=$C1&document=$A&format=csv"
ok "grep -q 'Số thẻ đảng viên,Họ và tên' '$REQ_BODY_FILE'" "the secretary's CSV of C1 has the member table"
ok "grep -q '${FX_NAME[member]}' '$REQ_BODY_FILE'" "... with Vietnamese names intact"
ok "grep -q 'Bài thu hoạch,Nộp muộn,Điểm trắc nghiệm cao nhất' '$REQ_BODY_FILE'" "... with the essay and quiz columns"
ok "grep -q 'Đang viết' '$REQ_BODY_FILE' && grep -q 'Đã nộp, chờ duyệt' '$REQ_BODY_FILE'" \
	"... essay states in Vietnamese words (the secretary's draft, the member's resubmission)"

# --- Bad input -------------------------------------------------------------------------------------
report admin "unit=999999999&document=$A"
is "$REQ_STATUS" 404 "an unknown unit is 404"
report admin "unit=$P&document=999999999"
is "$REQ_STATUS" 404 "an unknown document is 404"
report admin "unit=$P&document=$A&session=$SID"
is "$REQ_STATUS" 400 "both document and session: 400"
report admin "unit=$P"
is "$REQ_STATUS" 400 "neither: 400"
report admin "document=$A"
is "$REQ_STATUS" 400 "no unit: 400"
report admin "unit=$P&document=$A&from=2026-05-02&to=2026-05-01"
is "$REQ_STATUS" 400 "from after to: 400"
is "$(json .error.code)" invalid_range "... invalid_range"
report admin "unit=$P&document=$A&from=2026-13-45"
is "$REQ_STATUS" 400 "a bad date: 400"
report admin "unit=abc&document=$A"
is "$REQ_STATUS" 400 "a unit that is not an id: 400"
report admin "unit=$P&document=$A&from=2026-01-01&to=2026-01-03"
is "$(json '[.days[].day] | join(",")')" "2026-01-01,2026-01-02,2026-01-03" "from and to bound the series, every day listed"
auth_req "" "$BASE/api/v1/reports/engagement?unit=$P&document=$A"
is "$REQ_STATUS" 401 "without a token: 401"

done_testing
