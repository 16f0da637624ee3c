#!/bin/bash
# Signed bundles over HTTPS: GET /api/v1/documents/{id}/bundle gives a
# bundle that the reference verifier (tools/hbverify.c) accepts against
# GET /api/v1/keys; a bundle with a byte changed anywhere in its payload,
# a changed signature, or an unknown key is refused; after a key rotation
# (scripts/signing-key rotate) the old key is still listed, retired, and
# the old bundle still verifies.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

verify=$HB_REPO/build/tools/hbverify
fixture_org BNDL
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-bundle"
sed -i 's/^id: test-bo-tai-lieu$/id: test-bundle/' "$src/test-bundle/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug = 'test-bundle'\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
D=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-bundle'")
login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" tok

req "$BASE/api/v1/keys"
is "$REQ_STATUS" 200 "GET /api/v1/keys without a token: 200 (public keys are public)"
cp "$REQ_BODY_FILE" "$TEST_TMP/keys.json"
ok '[ "$(json ".keys | length")" -ge 1 ]' "... at least one key"

auth_req "$tok" "$BASE/api/v1/documents/$D/bundle?lang=km"
is "$REQ_STATUS" 200 "GET the Khmer bundle"
cp "$REQ_BODY_FILE" "$TEST_TMP/b.json"
is "$(json .format)" handbook-bundle/1 "... its format"
is "$(hdr content-language)" km "... Content-Language: km"
out=$("$verify" "$TEST_TMP/b.json" "$TEST_TMP/keys.json" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "the verifier accepts it"
like "$out" "^ok test-bundle version 1 \(km\)" "... and names the document, version and language"
jq -r .payload "$TEST_TMP/b.json" | base64 -d >"$TEST_TMP/payload"
ok 'jq -e ".sections[0].title == \"ចំណុចទីមួយ\"" "$TEST_TMP/payload" >/dev/null' \
    "the payload is the document, Khmer text intact"

# Change one byte of the payload, at the start, in the middle (inside
# Khmer text) and at the end: each must be refused.
size=$(stat -c %s "$TEST_TMP/payload")
for at in 0 $((size / 2)) $((size - 1)); do
	{
		head -c "$at" "$TEST_TMP/payload"
		# The byte at $at, plus one (mod 256).
		b=$(tail -c +$((at + 1)) "$TEST_TMP/payload" | head -c 1 | od -An -tu1 | tr -d ' ')
		printf "\\$(printf '%03o' $(((b + 1) % 256)))"
		tail -c +$((at + 2)) "$TEST_TMP/payload"
	} >"$TEST_TMP/tampered"
	jq --arg p "$(base64 -w 0 "$TEST_TMP/tampered")" '.payload = $p' "$TEST_TMP/b.json" >"$TEST_TMP/t.json"
	out=$("$verify" "$TEST_TMP/t.json" "$TEST_TMP/keys.json" 2>&1) && rc=0 || rc=$?
	is "$rc" 1 "a payload with byte $at of $size changed is refused"
done
like "$out" "does not match" "... because the signature does not match"

# Replace the first base64 character by another one: "A" unless it is
# already "A" (one signature in 64 starts with it, and replacing it with
# itself would change nothing).
jq '.signature = ((if .signature[0:1] == "A" then "B" else "A" end) + .signature[1:])' \
    "$TEST_TMP/b.json" >"$TEST_TMP/t.json"
ok '! cmp -s "$TEST_TMP/b.json" "$TEST_TMP/t.json"' "... the signature was changed"
ok '! "$verify" "$TEST_TMP/t.json" "$TEST_TMP/keys.json" >/dev/null 2>&1' "a changed signature is refused"
jq '.key_id = "ed25519-20000101T000000Z"' "$TEST_TMP/b.json" >"$TEST_TMP/t.json"
out=$("$verify" "$TEST_TMP/t.json" "$TEST_TMP/keys.json" 2>&1) || true
like "$out" "not published" "an unknown key is refused"

etag=$(hdr etag)
auth_req "$tok" -H "If-None-Match: $etag" "$BASE/api/v1/documents/$D/bundle?lang=km"
is "$REQ_STATUS" 304 "the same bundle revalidates: 304"

HANDBOOK_DATABASE_URL=$HANDBOOK_DATABASE_URL "$HB_REPO/scripts/signing-key" rotate >"$TEST_TMP/rot.out" 2>&1
req "$BASE/api/v1/keys"
is "$(json '.keys | length')" 2 "after a rotation both keys are listed"
is "$(json '[.keys[] | select(.retired_at != null)] | length')" 1 "... the old one retired"
cp "$REQ_BODY_FILE" "$TEST_TMP/keys2.json"
ok '"$verify" "$TEST_TMP/b.json" "$TEST_TMP/keys2.json" >/dev/null 2>&1' "... and the old bundle still verifies"

req "$BASE/api/v1/documents/$D/bundle"
is "$REQ_STATUS" 401 "a bundle needs a token"
auth_req "$tok" "$BASE/api/v1/documents/999999999/bundle"
is "$REQ_STATUS" 404 "an unknown document: 404"

done_testing
