#!/bin/bash
# Quizzes and contests over HTTPS: who may make one (propaganda boards,
# committees and administrators within their scope; nobody else), who sees
# it (its audience and the officers whose subtree it touches; an outsider
# from another province gets 404) and who takes it (the members under its
# unit). An attempt draws its questions at random from the pinned bank and
# shuffles each question's choices; Khmer questions are served in Khmer,
# falling back to Vietnamese where the bank has no Khmer (marked). The
# correct choice is in no response before the attempt is submitted (raw
# bodies grepped); after it, each question says right or wrong and which
# choice was correct, as the bank says. Start and submit are stored once
# when retried and answered the same; the attempt limit holds; a
# submission past the time limit and its 10 s grace is refused and
# recorded expired (time made to pass by moving started_at back, never by
# sleeping). Bad bodies: malformed JSON, invalid UTF-8, unknown fields,
# wrong types, oversize, wrong media type.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

# The outsider: a member and a propaganda officer of another province.
fixture_org QZOUT
OUT_CARD=${FX_CARD[member]} OUT_PW=${FX_PASSWORD[member]}
OUTP_CARD=${FX_CARD[propaganda]} OUTP_PW=${FX_PASSWORD[propaganda]}
fixture_org QUIZ
P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} D2=${FX_UNIT[D2]} G1=${FX_UNIT[G1]}

# Two documents with question banks of their own: A has 6 questions (the
# sixth without Khmer, the fifth with a choice without Khmer), B has 4.
src=$TEST_TMP/content
for slug in test-quiz-a test-quiz-b; do
	mkdir -p "$src/$slug"
	cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu/." "$src/$slug/"
	sed -i "s/^id: test-bo-tai-lieu\$/id: $slug/" "$src/$slug/document.yaml"
done
cat >"$src/test-quiz-a/quiz.yaml" <<'EOF'
questions:
  - id: a1
    section: 1
    question_vi: "Mỗi điểm cốt lõi có gì?"
    question_km: "តើចំណុចស្នូលនីមួយៗមានអ្វី?"
    choices:
      - { vi: "Một tiêu đề và một tóm tắt", km: "ចំណងជើង និងសេចក្តីសង្ខេប", correct: true }
      - { vi: "Chỉ có hình ảnh", km: "តែរូបភាព" }
      - { vi: "Không có gì", km: "គ្មានអ្វីទេ" }
  - id: a2
    section: 2
    question_vi: "Ai chịu trách nhiệm trước hết?"
    question_km: "តើអ្នកណាទទួលខុសត្រូវជាដំបូង?"
    choices:
      - { vi: "Học sinh", km: "សិស្ស" }
      - { vi: "Người đứng đầu", km: "ប្រធាន", correct: true }
      - { vi: "Báo chí", km: "សារព័ត៌មាន" }
  - id: a3
    section: 3
    question_vi: "Chi bộ sinh hoạt mấy lần một tháng?"
    question_km: "តើសាខាបក្សប្រជុំប៉ុន្មានដងក្នុងមួយខែ?"
    choices:
      - { vi: "Một lần", km: "ម្តង", correct: true }
      - { vi: "Không lần nào", km: "មិនដែល" }
      - { vi: "Mười lần", km: "ដប់ដង" }
      - { vi: "Một trăm lần", km: "មួយរយដង" }
  - id: a4
    section: 4
    question_vi: "Nghị quyết được quán triệt ở đâu?"
    question_km: "តើសេចក្តីសម្រេចត្រូវបានផ្សព្វផ្សាយនៅឯណា?"
    choices:
      - { vi: "Ở hội nghị học tập", km: "នៅសន្និសីទសិក្សា", correct: true }
      - { vi: "Ở chợ", km: "នៅផ្សារ" }
  - id: a5
    section: 5
    question_vi: "Điểm thứ năm nói đến gì?"
    question_km: "តើចំណុចទីប្រាំនិយាយអំពីអ្វី?"
    choices:
      - { vi: "Nghị quyết, đảng viên, chi bộ", km: "សេចក្តីសម្រេច សមាជិកបក្ស សាខាបក្ស", correct: true }
      - { vi: "Thời tiết" }
      - { vi: "Giá lúa", km: "តម្លៃស្រូវ" }
  - id: a6
    section: 5
    question_vi: "Đảng viên viết bài thu hoạch khi nào?"
    choices:
      - { vi: "Sau khi học tập nghị quyết", correct: true }
      - { vi: "Trước khi nghị quyết ban hành" }
      - { vi: "Không bao giờ" }
EOF
cat >"$src/test-quiz-b/quiz.yaml" <<'EOF'
questions:
  - id: b1
    section: 1
    question_vi: "Tài liệu B có mấy điểm cốt lõi?"
    question_km: "តើឯកសារ B មានចំណុចស្នូលប៉ុន្មាន?"
    choices:
      - { vi: "Năm", km: "ប្រាំ", correct: true }
      - { vi: "Một", km: "មួយ" }
      - { vi: "Hai mươi", km: "ម្ភៃ" }
  - id: b2
    section: 2
    question_vi: "Ai học tập nghị quyết?"
    question_km: "តើអ្នកណាសិក្សាសេចក្តីសម្រេច?"
    choices:
      - { vi: "Mọi đảng viên", km: "សមាជិកបក្សទាំងអស់", correct: true }
      - { vi: "Không ai", km: "គ្មាននរណាម្នាក់" }
  - id: b3
    section: 3
    question_vi: "Bài thu hoạch nộp cho ai?"
    question_km: "តើអត្ថបទសិក្សាប្រគល់ជូនអ្នកណា?"
    choices:
      - { vi: "Bí thư chi bộ", km: "លេខាសាខាបក្ស", correct: true }
      - { vi: "Hàng xóm", km: "អ្នកជិតខាង" }
      - { vi: "Không ai cả", km: "គ្មាននរណាទេ" }
  - id: b4
    section: 4
    question_vi: "Điểm cầu là gì?"
    question_km: "តើចំណុចស្ពានជាអ្វី?"
    choices:
      - { vi: "Nơi dự hội nghị trực tuyến", km: "កន្លែងចូលរួមសន្និសីទតាមអនឡាញ", correct: true }
      - { vi: "Một cây cầu", km: "ស្ពានមួយ" }
      - { vi: "Một con đường", km: "ផ្លូវមួយ" }
EOF
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-quiz-a', 'test-quiz-b')\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC_A=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-quiz-a'")
DOC_B=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-quiz-b'")
is "$(fx_sql "SELECT count(*) FROM quiz_questions WHERE document_id IN ($DOC_A, $DOC_B)")" 10 \
    "the two banks are imported (6 + 4 questions)"

declare -A TOK
for who in "${FX_KEYS[@]}"; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done
login "$OUT_CARD" "$OUT_PW" tok || bail_out "cannot log in as the outsider"
TOK[outsider]=$tok
login "$OUTP_CARD" "$OUTP_PW" tok || bail_out "cannot log in as the outsider's propaganda officer"
TOK[outprop]=$tok

# Every raw body received in this file is kept, in order, to be grepped.
BODIES=$TEST_TMP/bodies
: >"$BODIES"
send() {	# WHO METHOD PATH [BODY]
	local who=$1 method=$2 path=$3
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/body.json"
		auth_req "${TOK[$who]}" -X "$method" -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$path"
	else
		auth_req "${TOK[$who]}" -X "$method" "$BASE$path"
	fi
	cat "$REQ_BODY_FILE" >>"$BODIES"
	echo >>"$BODIES"
}
uuid() { cat /proc/sys/kernel/random/uuid; }
# audited REQUEST_ID DESC: db.c writes the denial asynchronously.
audited() {
	local n=0
	while [ "$n" -lt 20 ]; do
		[ "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'access.denied' AND request_id = '$1'")" = 1 ] && break
		sleep 0.1
		n=$((n + 1))
	done
	is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'access.denied' AND request_id = '$1'")" 1 "$2"
}
quiz_body() {	# UNIT DOCS(json array) [jq filter]
	jq -cn --arg cid "$(uuid)" --argjson u "$1" --argjson d "$2" \
	    '{client_id: $cid, title: "Thi tìm hiểu Nghị quyết", unit_id: $u,
	      documents: $d, questions_per_attempt: 4, time_limit_seconds: 600,
	      max_attempts: 2}' | jq -c "${3:-.}"
}
# The answers that are right for an attempt, from the bank, as the body
# of a submission: [{"position", "choice"}] in the attempt's shown numbers.
right_answers() {	# ATTEMPT
	fx_sql "SELECT json_agg(json_build_object('position', x.position,
	    'choice', array_position(x.choice_order, quiz_correct_index(b.choices)))
	    ORDER BY x.position)
	    FROM quiz_attempt_questions x JOIN quiz_questions b
	    USING (document_id, version, qid) WHERE x.attempt_id = $1"
}
# ... and a wrong choice for every question.
wrong_answers() {	# ATTEMPT
	fx_sql "SELECT json_agg(json_build_object('position', x.position,
	    'choice', CASE WHEN array_position(x.choice_order,
		quiz_correct_index(b.choices)) = 1 THEN 2 ELSE 1 END)
	    ORDER BY x.position)
	    FROM quiz_attempt_questions x JOIN quiz_questions b
	    USING (document_id, version, qid) WHERE x.attempt_id = $1"
}
submit_body() {	# CLIENT_ID ANSWERS
	jq -cn --arg cid "$1" --argjson a "$2" '{client_id: $cid, answers: $a}'
}

# Making quizzes -----------------------------------------------------------

for who in member khmer secretary spare; do
	send "$who" POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]")"
	is "$REQ_STATUS" 403 "$who may not make a quiz for the province (403)"
done
send committee POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]")"
is "$REQ_STATUS" 403 "the committee of D2 may not make one for the province above it (403)"
send committee POST /api/v1/quizzes "$(quiz_body "$D1" "[$DOC_A]")"
is "$REQ_STATUS" 404 "... nor for D1, which it does not see (404)"
send outprop POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]")"
is "$REQ_STATUS" 404 "another province's propaganda officer: 404"
is_error_envelope not_found "... not_found"
audited "$(hdr x-request-id)" "... and the refusal is in the audit log"

send committee POST /api/v1/quizzes "$(quiz_body "$D2" "[$DOC_A]")"
is "$REQ_STATUS" 201 "the committee of D2 makes a quiz for D2"
QD2=$(json .id)
send admin POST /api/v1/quizzes "$(quiz_body "$G1" "[$DOC_B]")"
is "$REQ_STATUS" 201 "the administrator of P makes one for G1"
QG1=$(json .id)

CREATE=$(quiz_body "$P" "[$DOC_A]" '.title = "Thi tìm hiểu Nghị quyết (tỉnh)" | .title_km = "ការប្រកួតស្វែងយល់សេចក្តីសម្រេច"')
send propaganda POST /api/v1/quizzes "$CREATE"
is "$REQ_STATUS" 201 "the propaganda officer of P makes a quiz on document A for the province"
Q=$(json .id)
first=$REQ_BODY
is_json '"\(.kind) \(.questions_per_attempt) \(.bank_size) \(.time_limit_seconds) \(.max_attempts) \(.status)"' \
    "document 4 6 600 2 open" "... kind document, 4 of 6 questions, 600 s, 2 attempts, open"
is_json '.documents[0].version' "$(fx_sql "SELECT current_version FROM documents WHERE id = $DOC_A")" \
    "... pinned to the current version of A"
send propaganda POST /api/v1/quizzes "$CREATE"
is "$REQ_STATUS" 201 "the same create retried: 201"
is "$REQ_BODY" "$first" "... answered byte for byte as the first"
is "$(fx_sql "SELECT count(*) FROM quizzes WHERE client_id = '$(jq -r .client_id <<<"$CREATE")'")" 1 \
    "... stored once"
send propaganda POST /api/v1/quizzes "$(jq -c '.max_attempts = 5' <<<"$CREATE")"
is "$REQ_STATUS" 409 "the same client_id with another body: 409"
is_error_envelope client_id_reused "... client_id_reused"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'quiz.create' AND object = 'quiz:$Q' AND actor_id = ${FX_ID[propaganda]}")" 1 \
    "the creation is in the audit log once"

# A contest across A and B drawing all 10 questions, time limit 600 s.
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A, $DOC_B]" '.questions_per_attempt = 10 | .max_attempts = 5')"
is "$REQ_STATUS" 201 "a contest across A and B, 10 questions an attempt"
QC=$(json .id)
is_json '"\(.kind) \(.bank_size)"' "contest 10" "... kind contest, bank of 10"

# NFD title stored NFC.
nfd_title=$(printf 'Thi ti\xcc\x80m hi\xc3\xaa\xcc\x89u')
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_B]" | jq -c --arg t "$nfd_title" '.title = $t')"
is "$REQ_STATUS" 201 "a title sent in NFD"
is "$(fx_sql "SELECT title = normalize(title, NFC) AND title = 'Thi tìm hiểu' FROM quizzes WHERE id = $(json .id)")" t \
    "... stored NFC"

# Checks on values.
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.questions_per_attempt = 7')"
is_error_envelope not_enough_questions "7 questions an attempt from a bank of 6: 422 not_enough_questions"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A, $DOC_B]" '.kind = "document"')"
is_error_envelope invalid_documents "kind document across two documents: 422"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[999999999]")"
is_error_envelope unknown_document "an unknown document: 422 unknown_document"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.time_limit_seconds = 5')"
is_error_envelope invalid_time_limit_seconds "a 5 s time limit: 422"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.max_attempts = 0')"
is_error_envelope invalid_max_attempts "0 attempts: 422"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.closes_at = "2020-01-01T00:00:00+07:00"')"
is_error_envelope invalid_time "closing in the past: 422 invalid_time"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.opens_at = "mai"')"
is_error_envelope invalid_time "opens_at that is not a time: 422 invalid_time"

# Bad bodies.
send propaganda POST /api/v1/quizzes '{"client_id": "'"$(uuid)"'", "title": '
is "$REQ_STATUS" 400 "malformed JSON: 400"
is_error_envelope malformed_json "... malformed_json"
printf '{"client_id":"%s","title":"Thi \xc3 \xff","unit_id":%s,"documents":[%s]}' "$(uuid)" "$P" "$DOC_A" >"$TEST_TMP/bad.json"
auth_req "${TOK[propaganda]}" -X POST -H 'Content-Type: application/json' \
    --data-binary "@$TEST_TMP/bad.json" "$BASE/api/v1/quizzes"
is "$REQ_STATUS" 400 "invalid UTF-8: 400"
is_error_envelope invalid_utf8 "... invalid_utf8"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.show_answers = true')"
is "$REQ_STATUS" 422 "an unknown field: 422"
is_error_envelope unknown_field "... unknown_field"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.time_limit_seconds = "600"')"
is_error_envelope invalid_field "a number sent as a string: 422 invalid_field"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" 'del(.client_id)')"
is_error_envelope missing_field "no client_id: 422 missing_field"
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.client_id = "12345"')"
is_error_envelope invalid_client_id "a client_id that is not a UUID: 422"
auth_req "${TOK[propaganda]}" -X POST -H 'Content-Type: text/plain' --data-binary "x" "$BASE/api/v1/quizzes"
is "$REQ_STATUS" 415 "not JSON: 415"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$TEST_TMP/big.json"
auth_req "${TOK[propaganda]}" --http1.1 -X POST -H 'Content-Type: application/json' \
    --data-binary "@$TEST_TMP/big.json" "$BASE/api/v1/quizzes"
is "$REQ_STATUS" 413 "a body over 1 MiB: 413"
is "$(fx_sql "SELECT count(*) FROM quizzes WHERE unit_id IN (SELECT id FROM org_units WHERE code LIKE 'QUIZ-%')")" 5 \
    "after all that, five quizzes are stored"

# Who sees a quiz ------------------------------------------------------------

for who in member khmer secretary committee propaganda admin spare; do
	send "$who" GET "/api/v1/quizzes/$Q"
	is "$REQ_STATUS" 200 "$who sees the province's quiz"
done
is_json .in_audience true "... in its audience (every fixture member is under P)"
for who in outsider outprop; do
	send "$who" GET "/api/v1/quizzes/$Q"
	is "$REQ_STATUS" 404 "$who from another province: 404"
done
send member GET "/api/v1/quizzes/$QD2"
is "$REQ_STATUS" 404 "a member of D1 does not see D2's quiz (404)"
send committee GET "/api/v1/quizzes/$QG1"
is "$REQ_STATUS" 404 "the committee of D2 does not see G1's quiz (404)"
send propaganda GET "/api/v1/quizzes/$QD2"
is "$REQ_STATUS" 200 "the propaganda officer of P sees D2's quiz (its subtree)"
is_json .in_audience false "... outside its audience (their cell is in D1)"
send member GET /api/v1/quizzes
is "$REQ_STATUS" 200 "a member lists the quizzes"
is_json '[.items[].id] | sort | map(tostring) | join(",")' \
    "$(printf '%s\n' "$Q" "$QC" "$QG1" "$(fx_sql "SELECT max(id) FROM quizzes WHERE title = 'Thi tìm hiểu'")" | sort -n | paste -sd,)" \
    "... those of P and G1, not D2's"
send outsider GET /api/v1/quizzes
is_json "[.items[].id | select(. == $Q)] | length" 0 "the outsider's list holds none of them"
send member GET "/api/v1/quizzes?lang=km"
is_json "[.items[] | select(.id == $Q)][0].title" "ការប្រកួតស្វែងយល់សេចក្តីសម្រេច" "in Khmer the Khmer title"

# Taking a quiz -------------------------------------------------------------

send propaganda POST "/api/v1/quizzes/$QD2/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 403 "an officer who sees a quiz outside its audience may not take it (403)"
is_error_envelope not_in_audience "... not_in_audience"
send outsider POST "/api/v1/quizzes/$Q/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 404 "the outsider starting the province's quiz: 404"
audited "$(hdr x-request-id)" "... and the refusal is in the audit log"

START=$(jq -cn --arg c "$(uuid)" '{client_id: $c}')
send member POST "/api/v1/quizzes/$Q/attempts" "$START"
is "$REQ_STATUS" 201 "the member starts an attempt"
A1=$(json .id)
a1_first=$REQ_BODY
is_json '"\(.state) \(.number) \(.max_score) \(.questions | length) \(.grace_seconds)"' "in_progress 1 4 4 10" \
    "... in progress, the first, 4 questions, 10 s of grace"
is_json '[.questions[].position] | join(",")' "1,2,3,4" "... numbered 1 to 4"
is_json '[.questions[] | .choices | map(.id) == [range(1; length + 1)]] | all' true \
    "... choices numbered 1..k in the order shown"
ok '! grep -qi "correct\|\"right\"\|\"answer\"\|\"score\"" "$REQ_BODY_FILE"' \
    "... and nothing says which choice is correct (no correct, right, answer or score in the raw body)"
is "$(fx_sql "SELECT count(DISTINCT qid) || ' ' || bool_and(document_id = $DOC_A) FROM quiz_attempt_questions WHERE attempt_id = $A1")" "4 true" \
    "... 4 different questions of A's bank drawn"
send member POST "/api/v1/quizzes/$Q/attempts" "$START"
is "$REQ_STATUS" 201 "the start retried: 201"
is "$REQ_BODY" "$a1_first" "... the same attempt, byte for byte"
is "$(fx_sql "SELECT count(*) FROM quiz_attempts WHERE quiz_id = $Q AND member_id = ${FX_ID[member]}")" 1 \
    "... stored once"
send member POST "/api/v1/quizzes/$QC/attempts" "$START"
is "$REQ_STATUS" 409 "the same client_id to start another quiz: 409"
is_error_envelope client_id_reused "... client_id_reused"
send member POST "/api/v1/quizzes/$Q/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 409 "another start while an attempt is in progress: 409"
is_error_envelope attempt_in_progress "... attempt_in_progress"

# Every read before submission, grepped for the answers.
send member GET "/api/v1/quiz-attempts/$A1"
is "$REQ_STATUS" 200 "the member reads the attempt back"
is "$(jq -c .questions "$REQ_BODY_FILE")" "$(jq -c .questions <<<"$a1_first")" "... the same questions and order"
send member GET "/api/v1/quiz-attempts/$A1?lang=km"
# Four of A's six questions are drawn; two of the six (a5, a6) fall back
# to Vietnamese, so at least two drawn ones are in Khmer, and any that is
# not is marked as a fallback. (Which one comes first is the draw's.)
is_json '[.questions[] | select(.lang == "km")] | length >= 2' true "... in Khmer when asked"
is_json 'all(.questions[]; .lang == "km" or .fallback == true)' true "... every question not in Khmer marked as a fallback"
send member GET "/api/v1/quizzes/$Q/attempts"
is "$REQ_STATUS" 200 "the member lists their attempts"
is_json '"\(.items | length) \(.items[0].state)"' "1 in_progress" "... one, in progress"
send member GET "/api/v1/quizzes/$Q"
is_json '"\(.mine.attempts) \(.mine.remaining) \(.mine.in_progress)"' "1 1 $A1" "the quiz shows the member's attempt in progress"
send member GET /api/v1/quizzes
send member GET "/api/v1/quizzes/$Q/results"
send secretary GET "/api/v1/quizzes/$Q/results"
send secretary GET "/api/v1/quizzes/$Q/leaderboard"
send admin GET "/api/v1/quizzes/$Q/statistics"
for who in secretary admin committee propaganda outsider; do
	send "$who" GET "/api/v1/quiz-attempts/$A1"
	is "$REQ_STATUS" 404 "$who reading the member's attempt: 404"
done
ok '[ -s "$BODIES" ] && ! grep -qi "correct" "$BODIES"' \
    "no response so far holds the word correct"
ok '! grep -q "\"right\"\|\"is_right\"\|\"answer\"" "$BODIES"' "... nor right, is_right or answer"

# Submitting ----------------------------------------------------------------

ANS=$(right_answers "$A1")
SUB=$(submit_body "$(uuid)" "$ANS")
send member POST "/api/v1/quiz-attempts/$A1/submit" "$(submit_body "$(uuid)" '[{"position": 5, "choice": 1}]')"
is_error_envelope invalid_answers "an answer to question 5 of 4: 422 invalid_answers"
send member POST "/api/v1/quiz-attempts/$A1/submit" "$(submit_body "$(uuid)" '[{"position": 1, "choice": 1}, {"position": 1, "choice": 2}]')"
is_error_envelope invalid_answers "question 1 answered twice: 422"
send member POST "/api/v1/quiz-attempts/$A1/submit" "$(submit_body "$(uuid)" '[{"position": 1, "choice": 9}]')"
is_error_envelope invalid_answers "choice 9: 422"
send member POST "/api/v1/quiz-attempts/$A1/submit" "$(submit_body "$(uuid)" '[{"position": 1, "choice": 1, "sure": true}]')"
is_error_envelope unknown_field "an unknown field in an answer: 422 unknown_field"
send member POST "/api/v1/quiz-attempts/$A1/submit" "$(submit_body "$(uuid)" '[{"position": "1", "choice": 1}]')"
is_error_envelope invalid_field "a position as a string: 422 invalid_field"
send member POST "/api/v1/quiz-attempts/$A1/submit" "$(jq -c '.answers = {}' <<<"$SUB")"
is_error_envelope invalid_field "answers as an object: 422 invalid_field"
send member POST "/api/v1/quiz-attempts/$A1/submit" '{"client_id": "'"$(uuid)"'", "answers": ['
is "$REQ_STATUS" 400 "a malformed submission: 400"
send secretary POST "/api/v1/quiz-attempts/$A1/submit" "$SUB"
is "$REQ_STATUS" 404 "the secretary submitting the member's attempt: 404"
is "$(fx_sql "SELECT state FROM quiz_attempts WHERE id = $A1")" in_progress "none of these changed the attempt"

send member POST "/api/v1/quiz-attempts/$A1/submit" "$SUB"
is "$REQ_STATUS" 200 "the member submits every answer right"
sub_first=$REQ_BODY
is_json '"\(.state) \(.score) \(.max_score) \(.all_right)"' "submitted 4 4 true" "... 4 of 4, all right"
is_json '[.questions[] | .right] | all' true "... each question right"
is_json '[.questions[] | .answer == .correct_choice] | all' true "... and its correct choice the one answered"
send member POST "/api/v1/quiz-attempts/$A1/submit" "$SUB"
is "$REQ_STATUS" 200 "the submission retried: 200"
is "$REQ_BODY" "$sub_first" "... answered byte for byte the same"
send member POST "/api/v1/quiz-attempts/$A1/submit" "$(jq -c '.answers = []' <<<"$SUB")"
is "$REQ_STATUS" 409 "the same client_id with other answers: 409"
is_error_envelope client_id_reused "... client_id_reused"
send member POST "/api/v1/quiz-attempts/$A1/submit" "$(submit_body "$(uuid)" '[]')"
is "$REQ_STATUS" 409 "a second submission: 409"
is_error_envelope attempt_submitted "... attempt_submitted"
is "$(fx_sql "SELECT score || ' ' || state FROM quiz_attempts WHERE id = $A1")" "4 submitted" "the score stays 4"
send member GET "/api/v1/quiz-attempts/$A1"
is_json '[.questions[] | has("correct_choice")] | all' true "once submitted, reading it shows the correct choices"

# A second attempt, every answer wrong but one unanswered.
send member POST "/api/v1/quizzes/$Q/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 201 "a second attempt"
A2=$(json .id)
is_json .number 2 "... number 2"
WRONG=$(wrong_answers "$A2" | jq -c '.[1:]')
send member POST "/api/v1/quiz-attempts/$A2/submit" "$(submit_body "$(uuid)" "$WRONG")"
is "$REQ_STATUS" 200 "submitted with three wrong answers and one left out"
is_json '"\(.score) \(.all_right)"' "0 false" "... 0 of 4"
is_json '.questions[0].answer' null "... the left-out question has no answer"
is_json '[.questions[] | .right] | any' false "... none right"
is_json "[.questions[] | .correct_choice] | map(tostring) | join(\",\")" \
    "$(right_answers "$A2" | jq -r 'map(.choice | tostring) | join(",")')" \
    "... the correct choices shown are the bank's, through the attempt's order"
send member POST "/api/v1/quizzes/$Q/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 409 "a third start on a quiz of 2 attempts: 409"
is_error_envelope attempt_limit_reached "... attempt_limit_reached"
is "$(fx_sql "SELECT count(*) FROM quiz_attempts WHERE quiz_id = $Q AND member_id = ${FX_ID[member]}")" 2 \
    "... nothing stored"

# Khmer and time ------------------------------------------------------------

send khmer POST "/api/v1/quizzes/$QC/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 201 "the Khmer reader starts the contest (their language by default)"
K1=$(json .id)
is_json '.questions | length' 10 "... all 10 questions"
ok '! grep -qi "correct" "$REQ_BODY_FILE"' "... without the answers"
is_json "[.questions[] | select(.lang == \"km\")] | length" 9 "... nine of them in Khmer"
is_json "[.questions[] | select(.lang == \"vi\" and .fallback)] | length" 1 "... one in Vietnamese, marked as a fallback"
pos_a6=$(fx_sql "SELECT position FROM quiz_attempt_questions WHERE attempt_id = $K1 AND qid = 'a6'")
is_json ".questions[] | select(.position == $pos_a6) | .text" "Đảng viên viết bài thu hoạch khi nào?" \
    "... the one without Khmer (a6)"
pos_a1=$(fx_sql "SELECT position FROM quiz_attempt_questions WHERE attempt_id = $K1 AND qid = 'a1'")
is_json ".questions[] | select(.position == $pos_a1) | .text" "តើចំណុចស្នូលនីមួយៗមានអ្វី?" "a1 in Khmer"
is_json ".questions[] | select(.position == $pos_a1) | .choices | map(.text) | sort | join(\"|\")" \
    "$(printf '%s\n' "ចំណងជើង និងសេចក្តីសង្ខេប" "តែរូបភាព" "គ្មានអ្វីទេ" | sort | paste -sd'|')" \
    "... with its choices in Khmer"
pos_a5=$(fx_sql "SELECT position FROM quiz_attempt_questions WHERE attempt_id = $K1 AND qid = 'a5'")
is_json ".questions[] | select(.position == $pos_a5) | \"\(.lang) \(.fallback) \(.choices | map(.text) | index(\"Thời tiết\") != null)\"" \
    "km true true" "a5: in Khmer, its choice without Khmer in Vietnamese, marked"
is "$(fx_sql "SELECT bool_and((SELECT array_agg(o ORDER BY o) FROM unnest(choice_order) o)
    = (SELECT array_agg((g - 1)::smallint ORDER BY g) FROM generate_series(1, cardinality(choice_order)) g))
    FROM quiz_attempt_questions WHERE attempt_id IN ($A1, $A2, $K1)")" t \
    "every stored choice order is a permutation of the bank's choices"

# Past the time limit (600 s) and the grace (10 s): refused, recorded.
fx_sql "UPDATE quiz_attempts SET started_at = now() - interval '611 seconds' WHERE id = $K1" >/dev/null
KSUB=$(submit_body "$(uuid)" "$(right_answers "$K1")")
send khmer POST "/api/v1/quiz-attempts/$K1/submit" "$KSUB"
is "$REQ_STATUS" 409 "a submission 611 s after the start of a 600 s attempt: 409"
is_error_envelope attempt_expired "... attempt_expired"
ok '! grep -qi "correct" "$REQ_BODY_FILE"' "... without the answers"
is "$(fx_sql "SELECT state || ' ' || coalesce(score::text, '-') || ' ' || (ended_at IS NOT NULL) FROM quiz_attempts WHERE id = $K1")" \
    "expired - true" "... recorded as expired, unscored"
is "$(fx_sql "SELECT count(*) FROM quiz_attempt_questions WHERE attempt_id = $K1 AND answer IS NOT NULL")" 0 \
    "... no answer stored"
send khmer POST "/api/v1/quiz-attempts/$K1/submit" "$KSUB"
is "$REQ_STATUS" 409 "retried: still 409"
send khmer GET "/api/v1/quiz-attempts/$K1"
is_json .state expired "reading it: expired"
ok '! grep -qi "correct" "$REQ_BODY_FILE"' "... and still without the answers"

# Within the grace: 605 s after the start of a 600 s attempt.
send khmer POST "/api/v1/quizzes/$QC/attempts" "{\"client_id\":\"$(uuid)\"}"
K2=$(json .id)
fx_sql "UPDATE quiz_attempts SET started_at = now() - interval '605 seconds' WHERE id = $K2" >/dev/null
send khmer POST "/api/v1/quiz-attempts/$K2/submit" "$(submit_body "$(uuid)" "$(right_answers "$K2")")"
is "$REQ_STATUS" 200 "605 s after the start, within the grace: accepted"
is_json '"\(.score) \(.seconds >= 605)"' "10 true" "... 10 of 10, in 605 s or more"

# Left in progress past its time: expired when the member next starts.
send khmer POST "/api/v1/quizzes/$QC/attempts" "{\"client_id\":\"$(uuid)\"}"
K3=$(json .id)
fx_sql "UPDATE quiz_attempts SET started_at = now() - interval '700 seconds' WHERE id = $K3" >/dev/null
send khmer GET "/api/v1/quizzes/$QC/attempts"
is_json "[.items[] | select(.id == $K3)][0].state" expired "an attempt left past its time shows as expired"
send khmer POST "/api/v1/quizzes/$QC/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 201 "... and the member may start another"
is "$(fx_sql "SELECT state FROM quiz_attempts WHERE id = $K3")" expired "... the old one recorded expired"
K4=$(json .id)
is "$(fx_sql "SELECT count(*) > 0 FROM quiz_attempt_questions x WHERE attempt_id IN ($K1, $K2, $K3, $K4)
    AND choice_order <> (SELECT array_agg((g - 1)::smallint ORDER BY g) FROM generate_series(1, cardinality(x.choice_order)) g)")" \
    t "choices are shuffled: over 40 questions some orders differ from the bank's"
send khmer POST "/api/v1/quizzes/$QC/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 409 "an attempt in progress blocks a new start"
fx_sql "UPDATE quiz_attempts SET started_at = now() - interval '1 hour' WHERE id = $K4" >/dev/null
send khmer POST "/api/v1/quizzes/$QC/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 201 "the fifth attempt of 5 (two of them expired)"
fx_sql "UPDATE quiz_attempts SET started_at = now() - interval '1 hour' WHERE id = $(json .id)" >/dev/null
send khmer POST "/api/v1/quizzes/$QC/attempts" "{\"client_id\":\"$(uuid)\"}"
is_error_envelope attempt_limit_reached "a sixth: 409 attempt_limit_reached (expired attempts count)"

# Six copies of a start at once, then six of a submission (a phone
# retrying on a bad line): one attempt, one scoring, identical answers.
parallel() {	# PATH BODY TAG
	local i
	printf '%s' "$2" >"$TEST_TMP/par-$3.json"
	for i in 1 2 3 4 5 6; do
		curl -s --cacert "$CACERT" --max-time 20 -H "Authorization: Bearer ${TOK[spare]}" \
		    -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/par-$3.json" \
		    -o "$TEST_TMP/par-$3.$i" -w '%{http_code}' "$BASE$1" >"$TEST_TMP/par-$3.$i.status" &
	done
	wait
}
parallel "/api/v1/quizzes/$Q/attempts" "{\"client_id\":\"$(uuid)\"}" start
is "$(cat "$TEST_TMP"/par-start.?.status | fold -w3 | sort -u | tr -d '\n')" 201 "six concurrent copies of a start: all 201"
is "$(md5sum "$TEST_TMP"/par-start.? | cut -d' ' -f1 | sort -u | wc -l)" 1 "... with the same answer"
is "$(fx_sql "SELECT count(*) FROM quiz_attempts WHERE quiz_id = $Q AND member_id = ${FX_ID[spare]}")" 1 "... one attempt stored"
S1=$(jq -r .id "$TEST_TMP/par-start.1")
parallel "/api/v1/quiz-attempts/$S1/submit" "$(submit_body "$(uuid)" "$(right_answers "$S1")")" submit
is "$(cat "$TEST_TMP"/par-submit.?.status | fold -w3 | sort -u | tr -d '\n')" 200 "six concurrent copies of a submission: all 200"
is "$(md5sum "$TEST_TMP"/par-submit.? | cut -d' ' -f1 | sort -u | wc -l)" 1 "... with the same answer"
is "$(jq -r '"\(.state) \(.score)"' "$TEST_TMP/par-submit.1")" "submitted 4" "... scored 4 of 4"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'quiz_attempt.submit' AND object = 'quiz_attempt:$S1'")" 1 \
    "... scored once (one submission in the audit log)"

# Open and close times.
send propaganda POST /api/v1/quizzes "$(quiz_body "$P" "[$DOC_A]" '.opens_at = "2099-01-01T08:00:00+07:00"')"
QF=$(json .id)
is_json .status upcoming "a quiz opening in 2099 is upcoming"
send member POST "/api/v1/quizzes/$QF/attempts" "{\"client_id\":\"$(uuid)\"}"
is_error_envelope quiz_not_open "starting it: 409 quiz_not_open"
fx_sql "UPDATE quizzes SET opens_at = now() - interval '2 hours', closes_at = now() - interval '1 hour' WHERE id = $QF" >/dev/null
send member POST "/api/v1/quizzes/$QF/attempts" "{\"client_id\":\"$(uuid)\"}"
is_error_envelope quiz_closed "after it closed: 409 quiz_closed"

ok '! grep -q "\"correct\"" "$BODIES"' "no response in this file ever held a bank's \"correct\" marker"

done_testing
