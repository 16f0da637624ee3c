#!/bin/bash
# GET /api/v1/sync and the board's publish and withdraw over HTTPS: a
# phone with no cursor gets every document it may read; with the cursor
# it got, nothing new; after a propaganda officer withdraws a study
# outline, the members under that unit see "withdrawn" from their cursor
# and can no longer open it; publishing it again brings it back; members
# of other units never hear of it. Who may publish: propaganda officers
# and administrators for their subtree; a plain member may not.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org SYNC
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-sync-tw"
sed -i 's/^id: test-bo-tai-lieu$/id: test-sync-tw/' "$src/test-sync-tw/document.yaml"
cp -r "$src/test-sync-tw" "$src/test-sync-d1"
sed -i "s/^id: test-sync-tw\$/id: test-sync-d1/; s/^kind: resolution\$/kind: study_outline\nunit: ${FX_CODE[D1]}\nadapts: test-sync-tw/" \
    "$src/test-sync-d1/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-sync-d1', 'test-sync-tw')\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
TW=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-sync-tw'")
D1=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-sync-d1'")

login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok	# under D1
login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" ktok	# under D2
login "${FX_CARD[propaganda]}" "${FX_PASSWORD[propaganda]}" ptok	# of P

# A phone with no cursor gets everything it may read, across pages.
seen=" "
cursor=
for _ in $(seq 1 50); do
	auth_req "$mtok" "$BASE/api/v1/sync?limit=2${cursor:+&since=$cursor}"
	[ "$REQ_STATUS" = 200 ] || break
	seen="$seen$(json '[.changes[].document_id] | join(" ")') "
	cursor=$(json .next_cursor)
	[ "$(json .more)" = true ] || break
done
is "$REQ_STATUS" 200 "GET /api/v1/sync pages through everything"
like "$seen" " $TW " "... including the central document"
like "$seen" " $D1 " "... and the study outline of the member's district"
mcursor=$cursor
auth_req "$mtok" "$BASE/api/v1/sync?since=$mcursor"
is "$(json '.changes | length')" 0 "asked again from its cursor: nothing new"
is "$(json .next_cursor)" "$mcursor" "... and the same cursor"

auth_req "$ktok" "$BASE/api/v1/sync?limit=1000"
is "$(json "[.changes[].document_id] | index($D1)")" null "a member of another district never hears of the outline"
kcursor=$(json .next_cursor)

auth_req "$mtok" -X POST "$BASE/api/v1/documents/$TW/withdraw"
is "$REQ_STATUS" 403 "a plain member may not withdraw a document"
auth_req "$ptok" -X POST "$BASE/api/v1/documents/$TW/withdraw"
is "$REQ_STATUS" 403 "a province propaganda officer may not withdraw a document for everyone"
auth_req "$ptok" -X POST "$BASE/api/v1/documents/$D1/withdraw"
is "$REQ_STATUS" 200 "... but withdraws the study outline of a district under it"
is "$(json .state)" withdrawn "... now withdrawn"
auth_req "$ptok" -X POST "$BASE/api/v1/documents/$D1/withdraw"
is "$REQ_STATUS" 409 "withdrawing twice: 409"

auth_req "$mtok" "$BASE/api/v1/sync?since=$mcursor"
is "$(json "[.changes[] | select(.document_id == $D1) | .action] | join(\",\")")" withdrawn \
    "the member's phone hears it was withdrawn"
mcursor=$(json .next_cursor)
auth_req "$mtok" "$BASE/api/v1/documents/$D1"
is "$REQ_STATUS" 404 "... and can no longer open it"
auth_req "$ktok" "$BASE/api/v1/sync?since=$kcursor"
is "$(json '.changes | length')" 0 "the other district's phone hears nothing"

auth_req "$ptok" -X POST "$BASE/api/v1/documents/$D1/publish"
is "$(json .state)" published "publishing it again"
auth_req "$mtok" "$BASE/api/v1/sync?since=$mcursor"
is "$(json "[.changes[] | select(.document_id == $D1) | .action] | join(\",\")")" published \
    "... the phone hears it is back"
auth_req "$mtok" "$BASE/api/v1/documents/$D1"
is "$REQ_STATUS" 200 "... and opens it"

auth_req "$mtok" "$BASE/api/v1/sync?since=abc"
is "$REQ_STATUS" 400 "a bad cursor: 400"
is "$(json .error.code)" invalid_cursor "... invalid_cursor"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action IN ('document.withdraw', 'document.publish') AND object = 'document:$D1'")" 2 \
    "withdraw and publish are in the audit log"

done_testing
