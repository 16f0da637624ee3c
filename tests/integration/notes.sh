#!/bin/bash
# Members' notes over HTTPS. A note is on a document (optionally a core
# point), private or shared with the author's cell, at most 20,000
# characters counted as code points after NFC (Vietnamese and Khmer, whose
# bytes are 3 per character here), stored NFC. The cell's shared notes are
# a feed, newest first, paged by cursor. Only the author writes a note;
# edits keep every version (a version that was private stays the author's
# alone); deletion is soft. A retried create is stored once and answered
# the same. Nobody else reads a note: not the secretary, not the
# committees, not the administrator, not the propaganda board; another
# cell and another district get 404. Bad bodies: malformed JSON 400,
# invalid UTF-8 400, unknown fields and wrong types 422. And the note text
# never reaches the logs.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org NOTE
C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}
# The administrator and the propaganda officer of P move to C2: above C1,
# not in it.
fx_sql "UPDATE members SET cell_id = $C2 WHERE id IN (${FX_ID[propaganda]}, ${FX_ID[admin]})" >/dev/null

src=$TEST_TMP/content
mkdir -p "$src"
for slug in test-ghi-chu test-ghi-chu-hai; do
	cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/$slug"
	sed -i "s/^id: test-bo-tai-lieu\$/id: $slug/" "$src/$slug/document.yaml"
done
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-ghi-chu', 'test-ghi-chu-hai')\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-ghi-chu'")
DOC_B=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-ghi-chu-hai'")

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
uuid() { cat /proc/sys/kernel/random/uuid; }
note() {	# VISIBILITY TEXT [DOC [SECTION]]: a create body
	jq -cn --arg cid "$(uuid)" --arg v "$1" --arg t "$2" --argjson d "${3:-$DOC}" \
	    --arg s "${4:-}" '{client_id: $cid, document_id: $d, visibility: $v, text: $t}
	    + (if $s == "" then {} else {section: ($s | tonumber)} end)'
}

CANARY="canary-$(uuid)-ghi-chú-riêng"

# A private note and a shared one by the member of C1.
CID=$(uuid)
private_body=$(jq -cn --arg cid "$CID" --argjson d "$DOC" --arg t "Riêng tư: $CANARY" \
    '{client_id: $cid, document_id: $d, section: 2, visibility: "private", text: $t}')
send member POST /api/v1/notes "$private_body"
is "$REQ_STATUS" 201 "a member writes a private note on core point 2"
PRIV=$(json .id)
first=$REQ_BODY
is_json '"\(.visibility) \(.section) \(.version) \(.mine)"' "private 2 1 true" "... private, section 2, version 1, mine"
send member POST /api/v1/notes "$private_body"
is "$REQ_STATUS" 201 "the same create retried: 201"
is "$REQ_BODY" "$first" "... answered byte for byte as the first"
is "$(fx_sql "SELECT count(*) FROM notes WHERE client_id = '$CID'")" 1 "... stored once"
send member POST /api/v1/notes "$(jq -c '.text = "Khác hẳn"' <<<"$private_body")"
is "$REQ_STATUS" 409 "the same client_id with another text: 409"
is_error_envelope client_id_reused "... client_id_reused"
send khmer POST /api/v1/notes "$(jq -c '.text = "របស់ខ្ញុំ"' <<<"$private_body")"
is "$REQ_STATUS" 201 "another member using the same client_id gets a note of their own"
ok '[ "$(json .id)" != "$PRIV" ] && [[ $REQ_BODY != *"$CANARY"* ]]' "... not the first member's note"

# Six copies of one create at once (a phone retrying on a bad line): one
# note, six identical answers.
par_cid=$(uuid)
jq -cn --arg cid "$par_cid" --argjson d "$DOC" '{client_id: $cid, document_id: $d, text: "Gửi sáu lần cùng lúc"}' >"$TEST_TMP/par.json"
for i in 1 2 3 4 5 6; do
	curl -s --cacert "$CACERT" --max-time 15 -H "Authorization: Bearer ${TOK[member]}" \
	    -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/par.json" \
	    -o "$TEST_TMP/par.$i" -w '%{http_code}' "$BASE/api/v1/notes" >"$TEST_TMP/par.$i.status" &
done
wait
is "$(for f in "$TEST_TMP"/par.?.status; do cat "$f"; echo; done | sort -u | tr -d '\n')" 201 "six concurrent copies of a create: all 201"
is "$(md5sum "$TEST_TMP"/par.? | cut -d' ' -f1 | sort -u | wc -l)" 1 "... with the same answer"
is "$(fx_sql "SELECT count(*) FROM notes WHERE client_id = '$par_cid'")" 1 "... and one note stored"

send member POST /api/v1/notes "$(note cell "Chia sẻ với chi bộ: $CANARY")"
is "$REQ_STATUS" 201 "a member shares a note with the cell"
SHARED=$(json .id)

# Who reads what.
send member GET "/api/v1/notes/$PRIV"
is "$REQ_STATUS" 200 "the author reads their private note"
for who in secretary khmer committee propaganda admin spare; do
	send "$who" GET "/api/v1/notes/$PRIV"
	is "$REQ_STATUS" 404 "$who: the private note does not exist (404)"
done
is_error_envelope not_found "... not_found"
send secretary GET "/api/v1/notes/$SHARED"
is "$REQ_STATUS" 200 "the secretary of C1 reads the shared note, as a member of C1"
is_json .mine false "... not theirs"
is_json .client_id null "... without the author's client_id"
for who in khmer committee propaganda admin spare; do
	send "$who" GET "/api/v1/notes/$SHARED"
	is "$REQ_STATUS" 404 "$who (not in C1): the shared note does not exist (404)"
done
for who in khmer committee propaganda admin spare; do
	send "$who" GET /api/v1/notes
	ok '[ "$REQ_STATUS" = 200 ] && [[ $REQ_BODY != *"$CANARY"* ]]' "$who's feed holds nothing of C1's"
done
send secretary PATCH "/api/v1/notes/$SHARED" '{"version":1,"text":"Sửa hộ"}'
is "$REQ_STATUS" 403 "the secretary may not edit a member's shared note (403)"
send secretary DELETE "/api/v1/notes/$SHARED"
is "$REQ_STATUS" 403 "... nor delete it"
send admin PATCH "/api/v1/notes/$PRIV" '{"version":1,"text":"x"}'
is "$REQ_STATUS" 404 "the administrator editing a private note: 404"
send secretary GET "/api/v1/notes/$PRIV/versions"
is "$REQ_STATUS" 404 "the secretary reading a private note's history: 404"

# Lengths: characters after NFC, not bytes, with 3-byte Vietnamese and
# Khmer characters (60,000 bytes for 20,000 characters).
vi10k=$(printf 'ệ%.0s' $(seq 1 10000))
km10k=$(printf 'ក%.0s' $(seq 1 10000))
send member POST /api/v1/notes "$(note private "$vi10k$km10k")"
is "$REQ_STATUS" 201 "exactly 20,000 characters (60,000 bytes) is accepted"
is_json '.text | length' 20000 "... and comes back whole"
send member POST /api/v1/notes "$(note private "$vi10k${km10k}ក")"
is "$REQ_STATUS" 422 "20,001 characters: 422"
is_error_envelope note_too_long "... note_too_long"
# The same 20,000 in NFD: each ệ is e + two combining marks (30,000 code
# points for the Vietnamese half), 20,000 after NFC: accepted, stored NFC.
vi10k_nfd=$(printf 'e\xcc\xa3\xcc\x82%.0s' $(seq 1 10000))
send member POST /api/v1/notes "$(note private "$vi10k_nfd$km10k")"
is "$REQ_STATUS" 201 "20,000 characters sent in NFD (40,000 code points) is accepted"
NFD=$(json .id)
ok '[ "$(json .text)" = "$vi10k$km10k" ]' "... the text is the NFC form"
is "$(fx_sql "SELECT content IS NFC NORMALIZED AND length(content) = 20000 FROM notes WHERE id = $NFD")" t \
    "... stored NFC, 20,000 characters"
send member POST /api/v1/notes "$(note private "   ")"
is_error_envelope note_empty "a blank note: 422 note_empty"

# Bad bodies.
send member POST /api/v1/notes '{"client_id": "'"$(uuid)"'", "text": '
is "$REQ_STATUS" 400 "malformed JSON: 400"
is_error_envelope malformed_json "... malformed_json"
printf '{"client_id":"%s","document_id":%s,"text":"ghi ch\xc3 \xff"}' "$(uuid)" "$DOC" >"$TEST_TMP/bad.json"
auth_req "${TOK[member]}" -X POST -H 'Content-Type: application/json' \
    --data-binary "@$TEST_TMP/bad.json" "$BASE/api/v1/notes"
is "$REQ_STATUS" 400 "invalid UTF-8: 400"
is_error_envelope invalid_utf8 "... invalid_utf8"
send member POST /api/v1/notes "$(note private "x" | jq -c '.colour = "đỏ"')"
is "$REQ_STATUS" 422 "an unknown field: 422"
is_error_envelope unknown_field "... unknown_field"
send member POST /api/v1/notes "$(note private "x" | jq -c '.document_id = "'"$DOC"'"')"
is_error_envelope invalid_field "document_id as a string: 422 invalid_field"
send member POST /api/v1/notes "$(note public "x")"
is_error_envelope invalid_visibility "visibility \"public\": 422 invalid_visibility"
send member POST /api/v1/notes "$(note private "x" 999999999)"
is_error_envelope unknown_document "an unknown document: 422 unknown_document"
send member POST /api/v1/notes "$(note private "x" "$DOC" 13)"
is_error_envelope unknown_section "core point 13: 422 unknown_section"
send member POST /api/v1/notes "$(note private "x" | jq -c 'del(.client_id)')"
is_error_envelope missing_field "no client_id: 422 missing_field"
send member POST /api/v1/notes "$(note private "x" | jq -c '.client_id = "12345"')"
is_error_envelope invalid_client_id "a client_id that is not a UUID: 422"
auth_req "${TOK[member]}" -X POST -H 'Content-Type: text/plain' --data-binary "x" "$BASE/api/v1/notes"
is "$REQ_STATUS" 415 "not JSON: 415"

# Edits and history.
send member PATCH "/api/v1/notes/$PRIV" '{"text":"x"}'
is_error_envelope missing_field "an edit without version: 422"
send member PATCH "/api/v1/notes/$PRIV" '{"version":1,"text":"x","document_id":5}'
is_error_envelope unknown_field "an edit moving the note to another document: 422 unknown_field"
edit=$(jq -cn --arg t "Đã chia sẻ: $CANARY" '{version: 1, visibility: "cell", text: $t}')
send member PATCH "/api/v1/notes/$PRIV" "$edit"
is "$REQ_STATUS" 200 "the author shares the private note, with a new text"
is_json '"\(.version) \(.visibility)"' "2 cell" "... version 2, shared"
second=$REQ_BODY
send member PATCH "/api/v1/notes/$PRIV" "$edit"
is "$REQ_STATUS" 200 "the same edit retried: 200"
is "$REQ_BODY" "$second" "... answered as the first time"
send member PATCH "/api/v1/notes/$PRIV" '{"version":1,"text":"Lạc hậu"}'
is "$REQ_STATUS" 409 "an edit of an old version: 409"
is_error_envelope version_conflict "... version_conflict"
send member PATCH "/api/v1/notes/$PRIV" '{"version":2,"section":4}'
is_json '"\(.version) \(.section)"' "3 4" "moved to core point 4: version 3"
send member GET "/api/v1/notes/$PRIV/versions"
is "$REQ_STATUS" 200 "the author reads the history"
is_json '[.items[] | "\(.version):\(.visibility)"] | join(",")' "3:cell,2:cell,1:private" "... all three versions"
is_json '.items[2].text' "Riêng tư: $CANARY" "... the first as it was"
send secretary GET "/api/v1/notes/$PRIV"
is "$REQ_STATUS" 200 "the secretary (C1) now reads the shared note"
send secretary GET "/api/v1/notes/$PRIV/versions"
is_json '[.items[].version] | join(",")' "3,2" "... and its shared versions only, not the private one"
ok '[[ $REQ_BODY != *"Riêng tư"* ]]' "... whose text does not appear"
send member PATCH "/api/v1/notes/$PRIV" '{"version":3,"visibility":"private"}'
is_json .version 4 "made private again: version 4"
send secretary GET "/api/v1/notes/$PRIV/versions"
is "$REQ_STATUS" 404 "... and the cell loses it, history and all (404)"

# The feed: the cell's shared notes, newest first, paged.
for i in 1 2 3 4 5; do
	send member POST /api/v1/notes "$(note cell "Ý kiến số $i về nghị quyết" "$DOC_B")"
done
send secretary POST /api/v1/notes "$(note cell "សេចក្តីណែនាំរបស់លេខា" "$DOC_B" 1)"
is "$REQ_STATUS" 201 "the secretary shares a note too (Khmer)"
send member POST /api/v1/notes "$(note private "Không chia sẻ" "$DOC_B")"
expected=$(fx_sql "SELECT string_agg(id::text, ',' ORDER BY id DESC) FROM notes WHERE cell_id = $C1 AND visibility = 'cell' AND deleted_at IS NULL")
got= cursor= pages=0
while :; do
	send secretary GET "/api/v1/notes?limit=3${cursor:+&cursor=$cursor}"
	[ "$REQ_STATUS" = 200 ] || break
	ids=$(json '[.items[].id] | join(",")')
	got=$got${got:+${ids:+,}}$ids
	pages=$((pages + 1))
	cursor=$(json '.next_cursor // empty')
	[ -n "$cursor" ] && [ "$pages" -lt 10 ] || break
done
is "$got" "$expected" "the feed in pages of 3: every shared note of C1, newest first, once"
is "$pages" 3 "... in 3 pages (7 notes)"
send member GET "/api/v1/notes?document=$DOC_B&limit=50"
is_json '.items | length' 6 "the feed on one document: its 6 shared notes"
is_json '[.items[].visibility] | unique | join(",")' cell "... shared ones only"
send member GET "/api/v1/notes?scope=mine&document=$DOC_B&limit=50"
is_json '.items | length' 6 "scope=mine: the member's own 6 notes on it, private included"
send secretary GET "/api/v1/notes?scope=everyone"
is "$REQ_STATUS" 400 "an unknown scope: 400"
send secretary GET "/api/v1/notes?cursor=abc"
is "$REQ_STATUS" 400 "a cursor that is not an id: 400"

# Soft deletion.
send secretary DELETE "/api/v1/notes/$SHARED"
is "$REQ_STATUS" 403 "the secretary may not delete a member's note"
send member DELETE "/api/v1/notes/$SHARED"
is "$REQ_STATUS" 204 "the author deletes the shared note"
send member DELETE "/api/v1/notes/$SHARED"
is "$REQ_STATUS" 204 "... a retried delete is 204 again"
send member GET "/api/v1/notes/$SHARED"
is "$REQ_STATUS" 404 "... gone for the author"
send secretary GET "/api/v1/notes/$SHARED"
is "$REQ_STATUS" 404 "... and for the cell"
send member GET "/api/v1/notes/$SHARED/versions"
is "$REQ_STATUS" 404 "... history included"
send member PATCH "/api/v1/notes/$SHARED" '{"version":1,"text":"hồi sinh"}'
is "$REQ_STATUS" 404 "... it cannot be edited"
send secretary GET "/api/v1/notes?limit=200"
is_json "[.items[].id] | index($SHARED)" null "... not in the feed"
is "$(fx_sql "SELECT (deleted_at IS NOT NULL) || ' ' || (SELECT count(*) FROM note_versions WHERE note_id = $SHARED) FROM notes WHERE id = $SHARED")" \
    "true 1" "... kept in the database with its history"

# Counts above the cell: numbers, never the text.
send propaganda GET "/api/v1/units/${FX_UNIT[P]}/meeting-counts"
is "$REQ_STATUS" 200 "the propaganda officer counts notes under P"
want=$(fx_sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE visibility = 'cell') FROM notes n JOIN org_units c ON c.id = n.cell_id JOIN org_units p ON c.path <@ p.path WHERE p.id = ${FX_UNIT[P]} AND n.deleted_at IS NULL")
is_json '"\(.unit.notes) \(.unit.shared_notes)"' "$want" "... notes and shared notes as in the database ($want)"
ok '[[ $REQ_BODY != *"$CANARY"* && $REQ_BODY != *"Ý kiến"* ]]' "... without any text"

# The text never reaches the logs or the audit log.
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE audit_log::text LIKE '%' || :'c' || '%'" -v c="$CANARY")" 0 \
    "note text is not in the audit log"
for log in kore.log haproxy.log postgresql.log; do
	f=$HANDBOOK_VAR/log/$log
	if [ -f "$f" ]; then
		# The log is the right one: it has this file's requests.
		[ "$log" = postgresql.log ] ||
			ok 'grep -qF "/api/v1/notes" "$f"' "$log records the requests to /api/v1/notes"
		ok '! grep -qF "$CANARY" "$f"' "note text never appears in $log"
		ok '! grep -qF "Riêng tư" "$f"' "... nor its Vietnamese words ($log)"
	else
		skip "note text never appears in $log" "no $log here"
	fi
done

done_testing
