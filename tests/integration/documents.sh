#!/bin/bash
# GET /api/v1/documents and /api/v1/documents/{id} over HTTPS: the list
# holds what the member may read; a document comes in Vietnamese or Khmer
# by ?lang= or Accept-Language, with Content-Language, falls back to
# Vietnamese (marked) when there is no Khmer text, refuses an unknown
# language with 400, and revalidates with a strong ETag (304). A study
# outline of a unit is for the members under that unit only.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org DOCS
src=$TEST_TMP/content
cp -r "$HB_REPO/tests/data/content" "$src"
# A second document without a Khmer text, and a study outline for D1.
cp -r "$src/test-bo-tai-lieu" "$src/test-chi-tieng-viet"
rm "$src/test-chi-tieng-viet/km.md"
sed -i 's/^id: test-bo-tai-lieu$/id: test-chi-tieng-viet/; /^title_km:/d' "$src/test-chi-tieng-viet/document.yaml"
cp -r "$src/test-bo-tai-lieu" "$src/test-de-cuong-d1"
sed -i "s/^id: test-bo-tai-lieu\$/id: test-de-cuong-d1/; s/^kind: resolution\$/kind: study_outline\nunit: ${FX_CODE[D1]}\nadapts: test-bo-tai-lieu/" \
    "$src/test-de-cuong-d1/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-de-cuong-d1', 'test-chi-tieng-viet', 'test-bo-tai-lieu')\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"

id_of() { fx_sql "SELECT id FROM documents WHERE slug = '$1'"; }
A=$(id_of test-bo-tai-lieu) V=$(id_of test-chi-tieng-viet) O=$(id_of test-de-cuong-d1)
login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok	# cell C1, under D1
login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" ktok	# cell C2, under D2

auth_req "$mtok" "$BASE/api/v1/documents?limit=200"
is "$REQ_STATUS" 200 "GET /api/v1/documents is 200"
like "$(json "[.items[].id] | index($A)")" '^[0-9]+$' "... lists the central document"
like "$(json "[.items[].id] | index($O)")" '^[0-9]+$' "... and D1's study outline for a member under D1"
auth_req "$ktok" "$BASE/api/v1/documents?limit=200"
is "$(json "[.items[].id] | index($O)")" null "a member under D2 does not get D1's study outline in the list"
auth_req "$ktok" "$BASE/api/v1/documents/$O"
is "$REQ_STATUS" 404 "... nor by its id"
auth_req "$mtok" "$BASE/api/v1/documents?kind=study_outline"
is "$(json '[.items[].kind] | unique | join(",")')" study_outline "filtering by kind"

auth_req "$mtok" "$BASE/api/v1/documents/$A?lang=vi"
is "$REQ_STATUS" 200 "GET a document in Vietnamese"
is "$(hdr content-language)" vi "... Content-Language: vi"
is "$(json '.sections | length')" 5 "... with its 5 core points"
is "$(json .sections[4].summary)" "Tóm tắt thứ năm, có dấu đầy đủ: Nghị quyết, đảng viên, chi bộ." "... intact"
is "$(json .translation)" pending "... and says its Khmer text is pending review"
etag=$(hdr etag)
like "$etag" '^"[0-9a-f]{32}"$' "... with a strong ETag"
auth_req "$mtok" -H "If-None-Match: $etag" "$BASE/api/v1/documents/$A?lang=vi"
is "$REQ_STATUS" 304 "If-None-Match with that ETag gives 304"

auth_req "$mtok" "$BASE/api/v1/documents/$A?lang=km"
is "$(hdr content-language)" km "?lang=km gives Khmer"
is "$(json .sections[0].title)" "ចំណុចទីមួយ" "... Khmer text intact"
is "$(json .fallback)" false "... not a fallback"
ok '[ "$(hdr etag)" != "$etag" ]' "... with another ETag"
auth_req "$mtok" -H 'Accept-Language: km-KH, vi;q=0.5' "$BASE/api/v1/documents/$A"
is "$(hdr content-language)" km "Accept-Language: km-KH picks Khmer"
auth_req "$mtok" -H 'Accept-Language: km;q=0.2, vi;q=0.9' "$BASE/api/v1/documents/$A"
is "$(hdr content-language)" vi "... q values are respected"

# A Khmer reader (the account says km) gets Khmer without asking, even
# from a phone that sends a Vietnamese Accept-Language.
auth_req "$ktok" "$BASE/api/v1/documents/$A"
is "$(hdr content-language)" km "a member whose account says Khmer gets Khmer by default"
auth_req "$ktok" -H 'Accept-Language: vi-VN,vi;q=0.9' "$BASE/api/v1/documents/$A"
is "$(hdr content-language)" km "... even from a phone set to Vietnamese"
auth_req "$ktok" "$BASE/api/v1/documents/$A?lang=vi"
is "$(hdr content-language)" vi "... and Vietnamese when asking for it"

auth_req "$mtok" "$BASE/api/v1/documents/$V?lang=km"
is "$REQ_STATUS" 200 "a document without Khmer asked for in Khmer: 200"
is "$(hdr content-language)" vi "... in Vietnamese"
is "$(json .fallback)" true "... marked as a fallback"
is "$(json .translation)" missing "... the translation missing"

auth_req "$mtok" "$BASE/api/v1/documents/$A?lang=fr"
is "$REQ_STATUS" 400 "?lang=fr is 400"
is "$(json .error.code)" unsupported_language "... unsupported_language"
like "$(json .error.message)" 'vi.*km' "... naming the supported ones"
# gzip when asked (HAProxy compresses; the ETag turns weak and still
# revalidates).
auth_req "$mtok" -H 'Accept-Encoding: gzip' "$BASE/api/v1/documents/$A?lang=km"
is "$(hdr content-encoding)" gzip "a client that accepts gzip gets gzip"
zetag=$(hdr etag)
like "$zetag" '^W/"' "... with a weak ETag"
auth_req "$mtok" -H 'Accept-Encoding: gzip' -H "If-None-Match: $zetag" "$BASE/api/v1/documents/$A?lang=km"
is "$REQ_STATUS" 304 "... which revalidates (304)"
auth_req "$mtok" "$BASE/api/v1/documents/$A?lang=km"
is "$(hdr content-encoding)" "" "a client that does not ask gets plain JSON"

# The infographic, by the hash the document gives.
auth_req "$mtok" "$BASE/api/v1/documents/$A"
sha=$(json '.media[] | select(.name == "infographic.svg") | .sha256')
req "$BASE/api/v1/media/$sha"
is "$REQ_STATUS" 200 "the infographic by its hash"
is "$(hdr content-type)" image/svg+xml "... as SVG"
like "$(hdr cache-control)" 'max-age=31536000, immutable' "... cached for a year, immutable"
is "$(sha256sum <"$REQ_BODY_FILE" | cut -d' ' -f1)" "$sha" "... and its bytes have that hash"
req -H "If-None-Match: \"$sha\"" "$BASE/api/v1/media/$sha"
is "$REQ_STATUS" 304 "... revalidates with 304"
req "$BASE/api/v1/media/$(printf '0%.0s' $(seq 64))"
is "$REQ_STATUS" 404 "an unknown hash: 404"

auth_req "$mtok" "$BASE/api/v1/documents?cursor=abc"
is "$REQ_STATUS" 400 "a bad cursor is 400"
req "$BASE/api/v1/documents/$A"
is "$REQ_STATUS" 401 "without a token: 401"

done_testing
