#!/bin/bash
# The board drafting over HTTPS: a propaganda officer creates a study
# outline for a unit under it as a draft (invisible to members), reads it
# back with both texts and their translation states, saves it again,
# publishes it (members under the unit now read it), then saves a new
# draft: a new version, the published one unchanged, the Khmer text stale
# when only the Vietnamese one changed. Publishing needs 5 core points;
# outsiders and plain members may not draft; bad values are refused.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org DRFT
at_exit "fx_sql \"DELETE FROM documents WHERE slug LIKE 'test-draft-%'\" >/dev/null 2>&1 || true"
login "${FX_CARD[propaganda]}" "${FX_PASSWORD[propaganda]}" ptok	# of P
login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok		# under D1
login "${FX_CARD[committee]}" "${FX_PASSWORD[committee]}" ctok	# committee of D2

sections() {	# N LANG-PREFIX: N core points
	local i out=
	for i in $(seq 1 "$1"); do
		out="$out${out:+,}{\"title\":\"$2 $i\",\"summary\":\"Tóm tắt $i.\",\"details\":\"\"}"
	done
	echo "[$out]"
}
body() {	# VI-SECTIONS KM-SECTIONS VI-TITLE
	cat <<JSON
{"slug":"test-draft-d1","unit_id":${FX_UNIT[D1]},"number":"02-HD/BTGHU",
 "kind":"study_outline","issuer":"Ban Tuyên giáo Huyện ủy (thử)","level":"district",
 "issued":"2026-11-20","tags":["thu-nghiem"],"audience":["members"],
 "texts":{"vi":{"title":"$3","sections":$1},
          "km":{"title":"គម្រោងសិក្សា","sections":$2}}}
JSON
}
put() {	# TOKEN METHOD PATH JSON
	printf '%s' "$4" >"$TEST_TMP/body.json"
	auth_req "$1" -X "$2" -H 'Content-Type: application/json' \
	    --data-binary "@$TEST_TMP/body.json" "$BASE$3"
}

put "$mtok" POST /api/v1/documents "$(body "$(sections 5 Ý)" "$(sections 5 ចំណុច)" "Đề cương")"
is "$REQ_STATUS" 403 "a plain member may not create a document"
put "$ptok" POST /api/v1/documents "$(body "$(sections 3 Ý)" "$(sections 3 ចំណុច)" "Đề cương học tập")"
is "$REQ_STATUS" 201 "the province propaganda officer creates a draft for D1"
D=$(json .id)
is "$(json .state)" draft "... a draft"
is "$(json .texts.km.translation)" pending "... its Khmer text pending review"
auth_req "$mtok" "$BASE/api/v1/documents/$D"
is "$REQ_STATUS" 404 "members do not see a draft"

auth_req "$ptok" -X POST "$BASE/api/v1/documents/$D/publish"
is "$REQ_STATUS" 422 "publishing with 3 core points is refused"
is "$(json .error.code)" too_few_sections "... too_few_sections"

put "$ptok" PUT "/api/v1/documents/$D/draft" "$(body "$(sections 6 Ý)" "$(sections 6 ចំណុច)" "Đề cương học tập")"
is "$REQ_STATUS" 200 "saving the draft again"
is "$(json .version)" 1 "... still version 1"
is "$(json '.texts.vi.sections | length')" 6 "... now 6 core points"
auth_req "$ptok" "$BASE/api/v1/documents/$D/draft"
is "$(json '.texts.km.sections[5].title')" "ចំណុច 6" "GET the draft: both texts side by side"

auth_req "$ptok" -X POST "$BASE/api/v1/documents/$D/publish"
is "$REQ_STATUS" 200 "publishing it"
auth_req "$mtok" "$BASE/api/v1/documents/$D"
is "$REQ_STATUS" 200 "a member under D1 reads it"
is "$(json .sections[5].title)" "Ý 6" "... as published"

# With no draft under way, the editors' GET of the draft gives the latest
# version as the next save starts from it, with the document's unit (the
# public document JSON has none) and the translation states (sql/0038).
auth_req "$ptok" "$BASE/api/v1/documents/$D/draft"
is "$REQ_STATUS" 200 "GET the draft of a published document without one: 200"
is "$(json .state)" published "... the latest version, published"
is "$(json .version)" 1 "... version 1"
is "$(json .unit_id)" "${FX_UNIT[D1]}" "... with the document's unit (D1)"
is "$(json .texts.km.translation)" pending "... and the Khmer text's translation state"
is "$(json '.texts.vi.sections[5].title')" "Ý 6" "... and its texts"
shaped=$(jq --slurpfile api "$HB_REPO/assets/openapi.json" \
    '($api[0].components.schemas.DocumentDraft) as $s
     | (keys - ($s.properties | keys)) == [] and ($s.required - keys) == []' "$REQ_BODY_FILE")
is "$shaped" true "... shaped as the OpenAPI document's DocumentDraft"
auth_req "$mtok" "$BASE/api/v1/documents/$D/draft"
is "$REQ_STATUS" 404 "a member who reads it may not open it in the editor (404)"
auth_req "$ctok" "$BASE/api/v1/documents/$D/draft"
is "$REQ_STATUS" 404 "nor may a committee member of another district (404)"

# Only the Vietnamese text changes: version 2, Khmer stale.
put "$ptok" PUT "/api/v1/documents/$D/draft" "$(body "$(sections 6 Điểm)" "$(sections 6 ចំណុច)" "Đề cương học tập (sửa)")"
is "$(json .version)" 2 "a draft of a published document is version 2"
is "$(json .texts.km.translation)" stale "... the untouched Khmer text is stale"
auth_req "$mtok" "$BASE/api/v1/documents/$D"
is "$(json .sections[5].title)" "Ý 6" "members still read version 1"

put "$ctok" PUT "/api/v1/documents/$D/draft" "$(body "$(sections 6 Ý)" "$(sections 6 ចំណុច)" "x")"
is "$REQ_STATUS" 404 "a committee member of another district does not see it"
bad=$(body "$(sections 6 Ý)" "$(sections 5 ចំណុច)" "x")
put "$ptok" PUT "/api/v1/documents/$D/draft" "$bad"
is "$(json .error.code)" invalid_sections "a Khmer text with other core points than the Vietnamese: refused"
put "$ptok" PUT "/api/v1/documents/$D/draft" "$(body "$(sections 6 Ý)" "$(sections 6 ចំណុច)" "x" | sed 's/2026-11-20/2026-02-30/')"
is "$(json .error.code)" invalid_date "an impossible date: refused"
put "$ptok" PUT "/api/v1/documents/$D/draft" "$(body "$(sections 6 Ý)" "$(sections 6 ចំណុច)" "x" | sed 's/"tags"/"colour":"red","tags"/')"
is "$(json .error.code)" unknown_field "an unknown field: refused"
auth_req "$ptok" "$BASE/api/v1/documents/$D/draft"
is "$(json .texts.vi.title)" "Đề cương học tập (sửa)" "... and the refused saves changed nothing"

# Khmer drafted through the API is found by its words, like imported
# Khmer: the summary is one unspaced run, the query one word of it.
km_sections='[{"title":"ចំណុច 1","summary":"សៀវភៅដៃសមាជិកបក្សសម្រាប់ភូមិ។"}'
for i in 2 3 4 5; do km_sections="$km_sections,{\"title\":\"ចំណុច $i\",\"summary\":\"សង្ខេប $i។\"}"; done
km_sections="$km_sections]"
put "$ptok" POST /api/v1/documents "$(body "$(sections 5 Ý)" "$km_sections" "Đề cương có tiếng Khmer" | sed 's/test-draft-d1/test-draft-km/')"
is "$REQ_STATUS" 201 "a draft with a Khmer text"
K=$(json .id)
auth_req "$ptok" -X POST "$BASE/api/v1/documents/$K/publish"
is "$REQ_STATUS" 200 "... published"
auth_req "$mtok" "$BASE/api/v1/search?lang=km&q=%E1%9E%9F%E1%9E%98%E1%9E%B6%E1%9E%87%E1%9E%B7%E1%9E%80"
ok '[ "$(json "[.items[] | select(.document_id == $K)] | length")" -ge 1 ]' \
    "... and a member finds it by one Khmer word (សមាជិក) inside an unspaced sentence"

done_testing
