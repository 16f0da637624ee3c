#!/bin/bash
# Documents served from memory, and dropped when they change: each Kore
# worker keeps rendered documents per document, version and language
# (kore-app/doc_cache.c) and LISTENs for changes (doc_cache_listen.c);
# HAProxy keeps public editions (conf/haproxy). Over HTTPS:
# - a member reads a study outline twice: same bytes, same strong ETag;
# - a new version is published: every worker logs that it dropped the
#   document, and the member reads version 2 at once; withdrawn: 404 at
#   once, though copies were cached;
# - GET /documents/{id}/versions/{v}: a document for everyone is answered
#   without a token, public and immutable, and the second time by
#   HAProxy's cache (Age header, <CACHE> in its log) unless the request
#   carries a token; a district's outline needs a member of the district;
#   unknown, unpublished and withdrawn editions are 404;
# - the LISTEN connections are killed in PostgreSQL: the workers switch
#   the cache off, connect again, and drop copies on the next change.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org DCACHE
at_exit "fx_sql \"DELETE FROM documents WHERE slug LIKE 'test-cache-%'\" >/dev/null 2>&1 || true"
# A document for everyone, imported as content/ is.
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-cache-tw"
sed -i 's/^id: test-bo-tai-lieu$/id: test-cache-tw/' "$src/test-cache-tw/document.yaml"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
login "${FX_CARD[propaganda]}" "${FX_PASSWORD[propaganda]}" ptok	# of P
login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok		# under D1
login "${FX_CARD[committee]}" "${FX_PASSWORD[committee]}" ctok	# of D2
KORE_LOG=$HANDBOOK_VAR/log/kore.log
WORKERS=$(awk '$1 == "workers" { print $2 }' "$HANDBOOK_VAR/run/kore.conf")

sections() {	# N WORD: N core points
	local i out=
	for i in $(seq 1 "$1"); do
		out="$out${out:+,}{\"title\":\"$2 $i\",\"summary\":\"Tóm tắt $i.\",\"details\":\"\"}"
	done
	echo "[$out]"
}
body() {	# WORD
	cat <<JSON
{"slug":"test-cache-d1","unit_id":${FX_UNIT[D1]},"number":"03-HD/BTGHU",
 "kind":"study_outline","issuer":"Ban Tuyên giáo Huyện ủy (thử)","level":"district",
 "issued":"2026-11-21","tags":["thu-nghiem"],"audience":["members"],
 "texts":{"vi":{"title":"Đề cương $1","sections":$(sections 5 "$1")},
          "km":{"title":"គម្រោងសិក្សា","sections":$(sections 5 ចំណុច)}}}
JSON
}
send() {	# TOKEN METHOD PATH [JSON]
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/body.json"
		auth_req "$1" -X "$2" -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$3"
	else
		auth_req "$1" -X "$2" "$BASE$3"
	fi
}
# Lines "document N changed, K cached copies dropped", one per worker.
drop_lines() { grep -E "document cache: document $1 changed" "$KORE_LOG" || true; }
workers_told() { drop_lines "$1" | sed -E 's/^\[wrk ([0-9]+)\].*/\1/' | sort -u | wc -l; }

# Every worker is listening before anything is cached (the cache is off
# until then): wait until a notification reaches them all.
for _ in $(seq 50); do
	fx_sql "NOTIFY handbook_documents, '0'" >/dev/null
	sleep 0.2
	[ "$(workers_told 0)" -lt "$WORKERS" ] || break
done
is "$(workers_told 0)" "$WORKERS" \
    "all $WORKERS workers hear announcements on handbook_documents"

# --- the member's GET /documents/{id} -------------------------------------
send "$ptok" POST /api/v1/documents "$(body Một)"
is "$REQ_STATUS" 201 "a study outline for D1 is drafted"
D=$(json .id)
send "$ptok" POST "/api/v1/documents/$D/publish"
is "$REQ_STATUS" 200 "... and published (version 1)"

auth_req "$mtok" "$BASE/api/v1/documents/$D?lang=vi"
is "$REQ_STATUS" 200 "a member under D1 reads it"
first_etag=$(hdr etag)
cp "$REQ_BODY_FILE" "$TEST_TMP/v1.json"
same=1
for _ in 1 2 3 4 5 6; do
	auth_req "$mtok" "$BASE/api/v1/documents/$D?lang=vi"
	[ "$REQ_STATUS" = 200 ] && [ "$(hdr etag)" = "$first_etag" ] &&
	    cmp -s "$REQ_BODY_FILE" "$TEST_TMP/v1.json" || same=0
done
is "$same" 1 "six more reads (from the workers' caches): the same bytes and ETag"
like "$first_etag" '^"[0-9a-f]{32}"$' "... a strong ETag"
is "$(hdr cache-control)" "private, no-cache" "... private, revalidated"
auth_req "$mtok" -H "If-None-Match: $first_etag" "$BASE/api/v1/documents/$D?lang=vi"
is "$REQ_STATUS" 304 "If-None-Match with it: 304"
auth_req "$mtok" "$BASE/api/v1/documents/$D?lang=km"
is "$(json .lang)/$(json .requested_lang)/$(hdr content-language)" "km/km/km" \
    "the Khmer rendering is kept apart from the Vietnamese one"
auth_req "$ctok" "$BASE/api/v1/documents/$D?lang=vi"
is "$REQ_STATUS" 404 "a committee member of D2 still gets 404 (access is asked every time)"
req "$BASE/api/v1/documents/$D"
is "$REQ_STATUS" 401 "no token: 401"
auth_req "$mtok" "$BASE/api/v1/documents/x1"
is "$REQ_STATUS" 404 "a non-numeric id: 404"

# A new version: every worker drops its copies, the member reads it at once.
send "$ptok" PUT "/api/v1/documents/$D/draft" "$(body Hai)"
is "$(json .version)" 2 "a second version is drafted"
auth_req "$mtok" "$BASE/api/v1/documents/$D?lang=vi"
is "$(json .version)/$(json .title)" "1/Đề cương Một" "... members still read version 1"
before=$(drop_lines "$D" | wc -l)
send "$ptok" POST "/api/v1/documents/$D/publish"
is "$(json .version)" 2 "... it is published"
auth_req "$mtok" "$BASE/api/v1/documents/$D?lang=vi"
is "$(json .version)/$(json .title)" "2/Đề cương Hai" "the member reads version 2 at once"
ok '[ "$(hdr etag)" != "$first_etag" ]' "... under another ETag"
auth_req "$mtok" -H "If-None-Match: $first_etag" "$BASE/api/v1/documents/$D?lang=vi"
is "$REQ_STATUS" 200 "... the old ETag no longer gives 304"
wait_for 5 '[ "$(drop_lines "$D" | wc -l)" -ge $((before + WORKERS)) ]' || true
is "$(drop_lines "$D" | tail -n "$WORKERS" | sed -E 's/^\[wrk ([0-9]+)\].*/\1/' | sort -u | wc -l)" "$WORKERS" \
    "every worker was told and dropped its copies of the document"
dropped=$(drop_lines "$D" | tail -n "$WORKERS" | sed -E 's/.*changed, ([0-9]+) cached.*/\1/' | awk '{ n += $1 } END { print n + 0 }')
ok '[ "$dropped" -ge 2 ]' "... $dropped cached copies in all (vi and km of version 1)"

# The edition URL of version 1 of a district's outline.
req "$BASE/api/v1/documents/$D/versions/1?lang=vi"
is "$REQ_STATUS" 404 "edition of a district's outline without a token: 404"
auth_req "$mtok" "$BASE/api/v1/documents/$D/versions/1?lang=vi"
is "$REQ_STATUS/$(json .version)/$(json .title)" "200/1/Đề cương Một" \
    "a member under D1 reads edition 1, as it was published"
is "$(hdr cache-control)" "private, max-age=31536000, immutable" "... private and immutable"
auth_req "$ctok" "$BASE/api/v1/documents/$D/versions/1?lang=vi"
is "$REQ_STATUS" 404 "... a committee member of D2: 404"
auth_req "$mtok" "$BASE/api/v1/documents/$D/versions/3?lang=vi"
is "$REQ_STATUS" 404 "an edition never published: 404"
auth_req "$mtok" "$BASE/api/v1/documents/$D/versions/0?lang=vi"
is "$REQ_STATUS" 404 "version 0: 404"
auth_req "$mtok" "$BASE/api/v1/documents/$D/versions/1?lang=fr"
is "$REQ_STATUS/$(json .error.code)" "400/unsupported_language" "?lang=fr: 400"

# Withdrawn: 404 at once from every worker, though copies were cached.
before=$(drop_lines "$D" | wc -l)
send "$ptok" POST "/api/v1/documents/$D/withdraw"
is "$REQ_STATUS" 200 "the outline is withdrawn"
gone=1
for _ in 1 2 3 4 5 6; do
	auth_req "$mtok" "$BASE/api/v1/documents/$D?lang=vi"
	[ "$REQ_STATUS" = 404 ] || gone=0
	auth_req "$mtok" "$BASE/api/v1/documents/$D/versions/2?lang=vi"
	[ "$REQ_STATUS" = 404 ] || gone=0
done
is "$gone" 1 "... every read of it and of its editions is 404 at once"
wait_for 5 '[ "$(drop_lines "$D" | wc -l)" -ge $((before + WORKERS)) ]' || true
ok '[ "$(drop_lines "$D" | wc -l)" -ge $((before + WORKERS)) ]' "... and every worker dropped it"

# --- a public edition and HAProxy's cache ---------------------------------
P=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-cache-tw'")
PV=$(fx_sql "SELECT current_version FROM documents WHERE slug = 'test-cache-tw'")
ok '[ -n "$P" ] && [ "$P" != null ]' "a central document to read: $P version $PV"
EDITION="$BASE/api/v1/documents/$P/versions/$PV?lang=km"
req "$EDITION"
is "$REQ_STATUS" 200 "its edition without a token: 200"
is "$(hdr cache-control)" "public, max-age=31536000, immutable" "... public, a year, immutable"
is "$(hdr vary)" "" "... no Vary (?lang= names the language)"
is "$(json .id)/$(json .version)/$(json .requested_lang)" "$P/$PV/km" "... the edition asked for"
etag=$(hdr etag)
req "$EDITION"
ok '[ -n "$(hdr age)" ]' "the second request is answered by HAProxy's cache (Age: $(hdr age))"
is "$(hdr etag)" "$etag" "... with the same ETag"
rid=$(hdr x-request-id)
ok 'grep -F "$rid" "$HANDBOOK_VAR/log/haproxy.log" | grep -qF "<CACHE>"' "... which HAProxy's log shows as <CACHE>"
req --compressed "$EDITION"
is "$(hdr content-encoding)/$(json .id)" "gzip/$P" "... gzip when asked, from the cache too"
auth_req "$mtok" "$EDITION"
is "$REQ_STATUS/$(hdr age)" "200/" "with a token the cache is bypassed (Kore answers)"
req -H "If-None-Match: $etag" "$EDITION"
is "$REQ_STATUS" 304 "If-None-Match: 304"
req "$BASE/api/v1/documents/$P/versions/$((PV + 1))?lang=km"
is "$REQ_STATUS" 404 "a later version that does not exist: 404"
req "$BASE/api/v1/documents/$P/versions/$PV"
is "$(hdr vary)" "Accept-Language, Authorization" "without ?lang= the answer varies (and is not shared)"
req -H "Authorization: Bearer nonsense" "$EDITION"
is "$REQ_STATUS" 401 "a token that is not valid: 401, not the public copy"

# --- the LISTEN connection lost and found again ---------------------------
# Counted from here: earlier tests (health.sh, client_restart.sh) stop
# PostgreSQL, so the log already holds reconnections, and a NOTIFY sent
# before every worker listens again would be missed by the late ones.
n_off=$(grep -c 'document cache off until' "$KORE_LOG" || true)
n_on=$(grep -c 'listening again, cache on' "$KORE_LOG" || true)
fx_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'LISTEN handbook_documents'" >/dev/null
wait_for 10 '[ "$(grep -c "listening again, cache on" "$KORE_LOG" || true)" -ge $((n_on + WORKERS)) ]' || true
ok '[ "$(grep -c "document cache off until" "$KORE_LOG")" -ge $((n_off + WORKERS)) ]' \
    "LISTEN connections killed: every worker turns its cache off"
ok '[ "$(grep -c "listening again, cache on" "$KORE_LOG")" -ge $((n_on + WORKERS)) ]' \
    "... and listens again by itself"
auth_req "$mtok" "$BASE/api/v1/documents/$P?lang=vi"
is "$REQ_STATUS" 200 "reads work meanwhile"
before=$(drop_lines "$P" | wc -l)
fx_sql "NOTIFY handbook_documents, '$P'" >/dev/null
wait_for 5 '[ "$(drop_lines "$P" | wc -l)" -ge $((before + WORKERS)) ]' || true
ok '[ "$(drop_lines "$P" | wc -l)" -ge $((before + WORKERS)) ]' "announcements reach every worker again"

done_testing
