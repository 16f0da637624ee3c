#!/bin/bash
# Post-study essays over HTTPS: drafts and retries, submission, the review
# round trip (returned with a comment, revised, accepted), every version
# and review listed; the sections leading roles must write (422 naming the
# section); deadlines and late submissions; who reads and who reviews, for
# every role of the fixture and an outsider from another province; the
# threshold inherited down the tree; and bad bodies. Copy detection has
# its own file (essays_copy.sh).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"
. "$HB_REPO/tests/lib/essays.sh"

# The outsider first: fixture_org keeps one organisation in its arrays.
fixture_org ESSAYX
login "${FX_CARD[admin]}" "${FX_PASSWORD[admin]}" tok || bail_out "cannot log in the outsider"
declare -A TOK
TOK[outsider]=$tok
login "${FX_CARD[secretary]}" "${FX_PASSWORD[secretary]}" tok || bail_out "cannot log in the outsider"
TOK[outsider_secretary]=$tok

fixture_org ESSAY
essays_setup ESSAY
for who in member khmer secretary committee propaganda admin spare; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done

P1="Qua học tập Nghị quyết, tôi nhận thức sâu sắc hơn vai trò hạt nhân chính trị của chi bộ ở thôn ấp, nơi mỗi đảng viên phải gương mẫu trong lời nói và việc làm."
P2="Tôi sẽ vận động gia đình và bà con chuyển đổi cây trồng theo hướng hàng hóa, tham gia tổ hợp tác và giữ gìn vệ sinh môi trường nơi cư trú."
P3="Bản thân tôi còn hạn chế trong việc nghiên cứu văn bản, nên sẽ dành thời gian đọc tài liệu trên sổ tay điện tử mỗi tối và trao đổi trong sinh hoạt chi bộ."

# --- Drafts, retries -------------------------------------------------------
CID=$(uuid)
draft=$(essay_body "$CID" "$DOC" "{\"content\": $(jq -Rn --arg t "$P1" '$t')}")
send member POST /api/v1/essays "$draft"
is "$REQ_STATUS" 201 "a member saves a draft of their essay on a document"
first=$REQ_BODY
E=$(json .essay_id)
is_json '"\(.version) \(.submitted) \(.lang)"' "1 false vi" "... version 1, not submitted, in the member's language"
send member POST /api/v1/essays "$draft"
is "$REQ_STATUS" 201 "the same save retried: 201"
is "$REQ_BODY" "$first" "... answered byte for byte as the first"
is "$(fx_sql "SELECT count(*) FROM essay_versions WHERE client_id = '$CID'")" 1 "... stored once"
send member POST /api/v1/essays "$(jq -c '.sections.content = "Khác hẳn bản trước, một bản thảo mới."' <<<"$draft")"
is "$REQ_STATUS" 409 "the same client_id with another text: 409"
is_error_envelope client_id_reused "... client_id_reused"

# Non-NFC text is stored NFC (the decomposed "Nghị quyết").
nfd=$(printf 'Nghi\xcc\xa3 quy\xc3\xaa\xcc\x81t')
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$nfd" --arg b "$P1" '{content: ($a + "\n" + $b)}')")"
is "$REQ_STATUS" 201 "a draft typed in NFD: 201"
is "$(json '.sections.content' | head -1)" "Nghị quyết" "... stored NFC"
is_json .version 2 "... the essay's second version"

# --- Submission and the review round trip --------------------------------
send member GET "/api/v1/essays/$E"
is "$REQ_STATUS" 200 "the author reads their essay"
is_json '"\(.state) \(.mine) \(.similarity)"' "draft true null" "... a draft, theirs, no similarity for the author"

body=$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$P1" --arg b "$P2" --arg c "$P3" '{content: ($a + "\n\n" + $b + "\n" + $c)}')" true)
send member POST /api/v1/essays "$body"
is "$REQ_STATUS" 201 "the member submits"
is_json '"\(.version) \(.submitted) \(.late)"' "3 true false" "... version 3, submitted, not late (no deadline)"
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" '{"content": "Sửa thêm một chút trong lúc chờ duyệt bài."}')"
is "$REQ_STATUS" 409 "saving while it waits for review: 409"
is_error_envelope essay_under_review "... essay_under_review"

send secretary GET "/api/v1/essays?scope=review&document=$DOC&state=submitted"
is "$REQ_STATUS" 200 "the cell secretary lists the essays waiting for review"
is_json "[.items[].id] | index($E) != null" true "... the member's essay is there"
send secretary GET "/api/v1/essays/$E"
is_json '"\(.state) \(.submitted_version) \(.similarity.flagged)"' "submitted 3 false" "... submitted, version 3, not flagged"
send secretary GET "/api/v1/essays/$E/similarity"
is "$REQ_STATUS" 200 "the secretary reads the similarity"
is_json '"\(.version) \(.score) \(.matches | length)"' "3 0 0" "... the first essay on the study matches nothing"

send secretary POST "/api/v1/essays/$E/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 3, decision: "return"}')"
is "$REQ_STATUS" 422 "returning without a comment: 422"
is_error_envelope comment_required "... comment_required"
send secretary POST "/api/v1/essays/$E/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 2, decision: "accept"}')"
is "$REQ_STATUS" 409 "reviewing a version that is not the one submitted: 409"
is_error_envelope version_conflict "... version_conflict"
send secretary POST "/api/v1/essays/$E/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 3, decision: "maybe"}')"
is "$REQ_STATUS" 422 "an unknown decision: 422"
is_error_envelope invalid_decision "... invalid_decision"
RCID=$(uuid)
ret=$(jq -cn --arg c "$RCID" '{client_id: $c, version: 3, decision: "return", comment: "Cần liên hệ cụ thể hơn với công việc ở ấp."}')
send secretary POST "/api/v1/essays/$E/reviews" "$ret"
is "$REQ_STATUS" 201 "the secretary returns it with a comment"
rfirst=$REQ_BODY
send secretary POST "/api/v1/essays/$E/reviews" "$ret"
is "$REQ_BODY" "$rfirst" "... a retried review is answered the same"
is "$(fx_sql "SELECT count(*) FROM essay_reviews WHERE essay_id = $E")" 1 "... and stored once"
send member GET "/api/v1/essays/$E"
is_json '"\(.state) \(.last_review.decision) \(.last_review.comment)"' "returned return Cần liên hệ cụ thể hơn với công việc ở ấp." "the member sees it returned, with the comment"

send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$P1" --arg b "$P2" --arg c "$P3" '{content: ($a + "\n" + $b + "\n" + $c + "\nCụ thể, tôi nhận giúp hai hộ nghèo trong ấp làm hồ sơ vay vốn trước tháng sáu.")}')")"
is "$REQ_STATUS" 201 "the member revises (a draft)"
send member GET "/api/v1/essays/$E"
is_json .state returned "... still returned until submitted"
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$P1" --arg b "$P2" --arg c "$P3" '{content: ($a + "\n" + $b + "\n" + $c + "\nCụ thể, tôi nhận giúp hai hộ nghèo trong ấp làm hồ sơ vay vốn trước tháng sáu.")}')" true)"
is "$REQ_STATUS" 201 "... and resubmits"
is_json .version 5 "... version 5"
send secretary POST "/api/v1/essays/$E/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 5, decision: "accept", comment: "Đạt yêu cầu."}')"
is "$REQ_STATUS" 201 "the secretary accepts version 5"
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" '{"content": "Một bản khác sau khi đã được duyệt xong."}')"
is "$REQ_STATUS" 409 "saving an accepted essay: 409"
is_error_envelope essay_accepted "... essay_accepted"
send member GET "/api/v1/essays/$E/versions"
is_json '[.items[] | "\(.version):\(.submitted)"] | join(" ")' "5:true 4:false 3:true 2:false 1:false" "every version is kept, newest first"
send member GET "/api/v1/essays/$E/reviews"
is_json '[.items[].decision] | join(" ")' "return accept" "every review is kept, oldest first"
send member GET "/api/v1/essays?document=$DOC"
is_json '[.items[] | "\(.id) \(.state)"] | join(",")' "$E accepted" "the member's own list"

# What the reports of issue 7 read.
is "$(fx_sql "SELECT essay_state_of(${FX_ID[member]}, $DOC, NULL)")" accepted "essay_state_of(): the member's essay on the document is accepted"
is "$(fx_sql "SELECT essay_state_of(${FX_ID[spare]}, $DOC, NULL) IS NULL")" t "... none for a member who did not begin one"
is "$(fx_sql "SELECT concat_ws(' ', drafts, submitted, returned, accepted, late, flagged) FROM essay_cell_counts($C1, $DOC, NULL)")" "0 0 0 1 0 0" "essay_cell_counts(): C1 has one accepted essay on the document"

# --- Who reads, who reviews ----------------------------------------------
for who in khmer committee propaganda spare outsider outsider_secretary; do
	send "$who" GET "/api/v1/essays/$E"
	is "$REQ_STATUS" 404 "$who cannot read the essay of a member of C1: 404"
	send "$who" GET "/api/v1/essays/$E/reviews"
	is "$REQ_STATUS" 404 "... nor its reviews"
done
send admin GET "/api/v1/essays/$E"
is "$REQ_STATUS" 200 "the administrator of the province reads it"
send admin GET "/api/v1/essays/$E/similarity"
is "$REQ_STATUS" 200 "... and its similarity"
send member GET "/api/v1/essays/$E/similarity"
is "$REQ_STATUS" 403 "the author does not see the similarity: 403"
send propaganda GET "/api/v1/essays?scope=review&document=$DOC"
is_json '.items | length' 0 "a propaganda officer's review list is empty"
send outsider GET "/api/v1/essays?scope=review&document=$DOC"
is_json '.items | length' 0 "so is an outsider's"

# The khmer member (C2) writes; the committee of D2 reviews, C1's secretary
# and the administrator of P may not review it.
K1="ខ្ញុំបានសិក្សាសេចក្តីសម្រេចរបស់បក្សដោយយកចិត្តទុកដាក់ ហើយយល់ថាការដឹកនាំរបស់សាខាបក្សត្រូវតែជិតស្និទ្ធនឹងប្រជាជន។"
send khmer POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$K1" '{content: $a}')" true)"
is "$REQ_STATUS" 201 "the khmer member submits an essay in Khmer"
is_json .lang km "... in Khmer, their language"
EK=$(json .essay_id)
send secretary GET "/api/v1/essays/$EK"
is "$REQ_STATUS" 404 "C1's secretary cannot read an essay of C2"
send secretary POST "/api/v1/essays/$EK/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 1, decision: "accept"}')"
is "$REQ_STATUS" 404 "... nor review it"
send admin POST "/api/v1/essays/$EK/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 1, decision: "accept"}')"
is "$REQ_STATUS" 403 "the administrator reads but does not review: 403"
send member POST "/api/v1/essays/$EK/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 1, decision: "accept"}')"
is "$REQ_STATUS" 404 "another member: 404"
send committee POST "/api/v1/essays/$EK/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 1, decision: "accept"}')"
is "$REQ_STATUS" 201 "the committee of D2 accepts it"
for _ in $(seq 1 50); do	# written after the answer, by the worker
	n=$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'access.denied' AND actor_id = ${FX_ID[admin]} AND object = 'POST /api/v1/essays/{id}/reviews'")
	[ "$n" = 0 ] || break
	sleep 0.1
done
is "$n" 1 "the refusal is in the audit log"

# --- Sections of leading roles -------------------------------------------
SEC_CONTENT="Nghị quyết đặt ra yêu cầu nâng cao năng lực lãnh đạo và sức chiến đấu của chi bộ, gắn với việc giải quyết những vấn đề bức xúc của nhân dân trong ấp."
send secretary POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$SEC_CONTENT" '{content: $a, action_plan: "Tháng tới họp chi bộ chuyên đề, phân công từng đảng viên phụ trách nhóm hộ."}')" true)"
is "$REQ_STATUS" 422 "a cell secretary submitting without the duties section: 422"
is_error_envelope missing_section "... missing_section"
like "$(json .error.message)" "duties" "... the message names the section"
like "$(json .error.message)" "cell secretary" "... and the role"
send secretary POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$SEC_CONTENT" '{content: $a, duties: "Là bí thư chi bộ, tôi chịu trách nhiệm đôn đốc từng đảng viên thực hiện nghị quyết và báo cáo kết quả với đảng ủy xã."}')" true)"
is "$REQ_STATUS" 422 "... without the action plan: 422"
like "$(json .error.message)" "action_plan" "... naming action_plan"
send secretary POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$SEC_CONTENT" '{content: $a, duties: "Là bí thư chi bộ, tôi chịu trách nhiệm đôn đốc từng đảng viên thực hiện nghị quyết và báo cáo kết quả với đảng ủy xã.", action_plan: "Tháng tới họp chi bộ chuyên đề, phân công từng đảng viên phụ trách nhóm hộ."}')" true)"
is "$REQ_STATUS" 201 "... with both: submitted"
ES=$(json .essay_id)
send secretary POST "/api/v1/essays/$ES/reviews" "$(jq -cn --arg c "$(uuid)" '{client_id: $c, version: 1, decision: "accept"}')"
is "$REQ_STATUS" 403 "a secretary cannot review their own essay: 403"
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" '{"duties": "Chỉ có phần liên hệ, thiếu phần nhận thức chung về nghị quyết."}' true)"
is "$REQ_STATUS" 422 "anyone's submission without content: 422"
like "$(json .error.message)" "content" "... naming content"

# --- Deadlines -------------------------------------------------------------
send member PUT /api/v1/essay-deadlines "$(jq -cn --argjson u "$C1" --argjson d "$DOC_B" '{unit_id: $u, document_id: $d, due_at: "2026-01-01T00:00:00+07:00"}')"
is "$REQ_STATUS" 403 "a member cannot set a deadline: 403"
send outsider PUT /api/v1/essay-deadlines "$(jq -cn --argjson u "$C1" --argjson d "$DOC_B" '{unit_id: $u, document_id: $d, due_at: "2026-01-01T00:00:00+07:00"}')"
is "$REQ_STATUS" 404 "an outsider: 404"
send secretary PUT /api/v1/essay-deadlines "$(jq -cn --argjson u "$C1" --argjson d "$DOC_B" '{unit_id: $u, document_id: $d, due_at: "2020-01-01T00:00:00+07:00"}')"
is "$REQ_STATUS" 200 "the secretary sets C1's deadline (in the past)"
send admin PUT /api/v1/essay-deadlines "$(jq -cn --argjson u "${FX_UNIT[P]}" --argjson d "$DOC_B" '{unit_id: $u, document_id: $d, due_at: "2099-01-01T00:00:00+07:00"}')"
is "$REQ_STATUS" 200 "the administrator sets the province's (far ahead)"
send admin PUT /api/v1/essay-deadlines "$(jq -cn --argjson u "${FX_UNIT[P]}" --argjson d "$DOC_B" '{unit_id: $u, document_id: $d, due_at: "tomorrow"}')"
is "$REQ_STATUS" 422 "a due_at that is not RFC 3339: 422"
send propaganda POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" "$(jq -cn --arg a "$P2" '{content: $a}')" true)"
is_json '"\(.late) \(.due_at)"' "true 2019-12-31T17:00:00+00:00" "a member of C1 submitting after C1's deadline is late"
send khmer POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" "$(jq -cn --arg a "$K1" '{content: $a}')" true)"
is_json '.late' false "a member of C2 has the province's deadline: not late"
send propaganda GET "/api/v1/essays?document=$DOC_B"
is_json '.items[0].late' true "the essay is marked late"

# A study session: its deadline is set at its organising unit.
SES=$(fx_sql "INSERT INTO study_sessions (unit_id, title, mode, starts_at, ends_at)
    VALUES (${FX_UNIT[G1]}, 'Hội nghị học tập chuyên đề', 'online', now() + interval '1 hour', now() + interval '3 hours') RETURNING id;
    INSERT INTO study_session_documents (session_id, document_id, position) SELECT currval(pg_get_serial_sequence('study_sessions', 'id')), $DOC, 1;" | head -1)
send secretary PUT /api/v1/essay-deadlines "$(jq -cn --argjson s "$SES" '{session_id: $s, due_at: "2099-01-01T00:00:00+07:00"}')"
is "$REQ_STATUS" 403 "a cell secretary cannot set the deadline of a commune's session: 403"
send admin PUT /api/v1/essay-deadlines "$(jq -cn --argjson s "$SES" '{session_id: $s, due_at: "2099-01-01T00:00:00+07:00"}')"
is "$REQ_STATUS" 200 "the administrator sets it"
is_json .unit_id "${FX_UNIT[G1]}" "... at the organising unit"
send member POST /api/v1/essays "$(essay_body "$(uuid)" "" "$(jq -cn --arg a "$P3" '{content: $a}')" true "$SES")"
is "$REQ_STATUS" 201 "a member submits an essay on the session"
is_json '"\(.session_id) \(.late) \(.due_at)"' "$SES false 2098-12-31T17:00:00+00:00" "... with the session's deadline"
send khmer POST /api/v1/essays "$(essay_body "$(uuid)" "" "$(jq -cn --arg a "$K1" '{content: $a}')" true "$SES")"
is "$REQ_STATUS" 422 "a member of a cell the session does not expect: 422"
is_error_envelope unknown_session "... unknown_session"

# --- Threshold per unit ----------------------------------------------------
send member GET "/api/v1/units/$C1/essay-settings"
is_json '"\(.similarity_threshold) \(.own) \(.inherited_from)"' "0.4 false null" "the default threshold is 0.4"
send secretary PUT "/api/v1/units/$C1/essay-settings" '{"similarity_threshold": 0.5}'
is "$REQ_STATUS" 403 "a secretary cannot change it: 403"
send outsider PUT "/api/v1/units/$C1/essay-settings" '{"similarity_threshold": 0.5}'
is "$REQ_STATUS" 404 "an outsider: 404"
send admin PUT "/api/v1/units/${FX_UNIT[P]}/essay-settings" '{"similarity_threshold": 0.7}'
is "$REQ_STATUS" 200 "the administrator of P sets 0.7"
send committee PUT "/api/v1/units/${FX_UNIT[D2]}/essay-settings" '{"similarity_threshold": 2}'
is "$REQ_STATUS" 422 "a threshold above 1: 422"
send committee PUT "/api/v1/units/${FX_UNIT[D2]}/essay-settings" '{"similarity_threshold": 0.25}'
is "$REQ_STATUS" 200 "the committee of D2 sets 0.25 for D2"
send member GET "/api/v1/units/$C1/essay-settings"
is_json '"\(.similarity_threshold) \(.inherited_from)"' "0.7 ${FX_UNIT[P]}" "C1 inherits P's"
send khmer GET "/api/v1/units/$C2/essay-settings"
is_json '"\(.similarity_threshold) \(.inherited_from)"' "0.25 ${FX_UNIT[D2]}" "C2 inherits D2's"
send committee PUT "/api/v1/units/${FX_UNIT[D2]}/essay-settings" '{"inherit": true}'
is_json '"\(.similarity_threshold) \(.inherited_from)"' "0.7 ${FX_UNIT[P]}" "D2 inherits again"
send admin PUT "/api/v1/units/${FX_UNIT[P]}/essay-settings" '{"inherit": true}'

# --- Bad input ------------------------------------------------------------
send member POST /api/v1/essays '{"client_id": '
is "$REQ_STATUS" 400 "malformed JSON: 400"
is_error_envelope malformed_json "... malformed_json"
printf '{"client_id":"%s","document_id":%s,"sections":{"content":"b\xc3i thu ho\xff"}}' "$(uuid)" "$DOC_B" >"$TEST_TMP/bad.json"
auth_req "${TOK[member]}" -X POST -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/bad.json" "$BASE/api/v1/essays"
is "$REQ_STATUS" 400 "invalid UTF-8: 400"
send member POST /api/v1/essays "$(jq -c '.sectons = {}' <<<"$(essay_body "$(uuid)" "$DOC_B" '{"content": "x"}')")"
is "$REQ_STATUS" 422 "an unknown field: 422"
is_error_envelope unknown_field "... unknown_field"
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" '{"conclusion": "Kết luận của tôi."}')"
is "$REQ_STATUS" 422 "an unknown section: 422"
is_error_envelope unknown_field "... unknown_field"
send member POST /api/v1/essays "$(jq -c '.document_id = "1"' <<<"$(essay_body "$(uuid)" "$DOC_B" '{"content": "x"}')")"
is "$REQ_STATUS" 422 "document_id as a string: 422"
is_error_envelope invalid_field "... invalid_field"
send member POST /api/v1/essays "$(jq -c '.submit = "yes"' <<<"$(essay_body "$(uuid)" "$DOC_B" '{"content": "x"}')")"
is "$REQ_STATUS" 422 "submit as a string: 422"
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" '{"content": 5}')"
is "$REQ_STATUS" 422 "a section that is not a string: 422"
send member POST /api/v1/essays "$(essay_body "not-a-uuid" "$DOC_B" '{"content": "x"}')"
is "$REQ_STATUS" 422 "client_id not a UUID: 422"
is_error_envelope invalid_client_id "... invalid_client_id"
send member POST /api/v1/essays "$(jq -c ".session_id = $SES" <<<"$(essay_body "$(uuid)" "$DOC_B" '{"content": "x"}')")"
is "$REQ_STATUS" 422 "both a document and a session: 422"
is_error_envelope invalid_study "... invalid_study"
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" '{"content": "  \n "}')"
is "$REQ_STATUS" 422 "an empty essay: 422"
is_error_envelope essay_empty "... essay_empty"
long=$(printf 'Đảng %.0s' $(seq 1 4001))
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" "$(jq -cn --arg a "$long" '{content: $a}')" true)"
is "$REQ_STATUS" 422 "a section over 20,000 characters: 422"
is_error_envelope section_too_long "... section_too_long"
head -c 1100000 /dev/zero | tr '\0' 'a' | jq -Rc --arg c "$(uuid)" --argjson d "$DOC_B" '{client_id: $c, document_id: $d, sections: {content: .}}' >"$TEST_TMP/big.json"
# Over HTTP/1.1: curl reports the reset upload, not the answer, on HTTP/2
# (see limits.sh).
auth_req "${TOK[member]}" --http1.1 -X POST -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/big.json" "$BASE/api/v1/essays"
is "$REQ_STATUS" 413 "a body over 1 MiB: 413"
send member POST /api/v1/essays "$(essay_body "$(uuid)" 999999999 '{"content": "Bài viết về một văn bản không tồn tại."}')"
is "$REQ_STATUS" 422 "an unknown document: 422"
is_error_envelope unknown_document "... unknown_document"
send member GET "/api/v1/essays/999999999"
is "$REQ_STATUS" 404 "an unknown essay: 404"
send member GET "/api/v1/essays?scope=everyone"
is "$REQ_STATUS" 400 "an unknown scope: 400"
is "$(fx_sql "SELECT count(*) FROM essays e JOIN essay_versions v ON v.essay_id = e.id WHERE e.member_id = ${FX_ID[member]} AND e.document_id = $DOC_B")" 0 "nothing of the refused saves was stored"

done_testing
