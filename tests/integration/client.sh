#!/bin/bash
# The C client library (client/, issue 8) against the real stack, through
# tests/client/client_check under valgrind: login with the right and the
# wrong password, two clients in one process, sync from scratch and from
# a cursor, keys, a bundle fetched and verified (and refused when
# tampered with or signed by an unknown key), 304 with the ETag, media by
# hash; the right pin accepted, a wrong pin and a CA that did not sign the
# server refused; reading events recorded into a journal and pushed, a
# second push storing nothing more, a push whose answer was lost (the
# journal put back as it was before the verdicts) stored once, rejected
# and duplicate events; an idle connection closed by HAProxy reopened;
# logout. Every run of the program must be clean under valgrind.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/fixtures.sh"
. "$HB_REPO/tests/lib/client.sh"

fixture_org CLNT
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-client"
sed -i 's/^id: test-bo-tai-lieu$/id: test-client/' "$src/test-client/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-client', 'test-client-2')\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
D=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-client'")
V=$(fx_sql "SELECT current_version FROM documents WHERE id = $D")
M=${FX_ID[member]}

# ---- session ----------------------------------------------------------
check login "${FX_CARD[member]}" "${FX_PASSWORD[member]}"
is "$RC" 0 "login with the right password: HB_OK"
TOKEN=$(field token)
like "$TOKEN" '^[A-Za-z0-9_-]{43}$' "... and the token is kept"
export HB_TOKEN=$TOKEN

check login "${FX_CARD[member]}" "wrong password ${FX_PASSWORD[member]}"
is "$RC" 8 "login with a wrong password: HB_ERR_UNAUTHORIZED"
is "$(field http)" 401 "... HTTP 401"
is "$(field code)" invalid_credentials "... the server's code"
like "$(field error)" '^HTTP 401: ' "... and its message"
fixture_throttle_clear CLNT

check twice "${FX_CARD[member]}" "${FX_PASSWORD[member]}" "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}"
is "$RC" 0 "two clients in one process log in, sync and log out independently"
is "$(field distinct)" 1 "... with tokens of their own"

# ---- sync ---------------------------------------------------------------
check sync
is "$RC" 0 "sync from the beginning: HB_OK"
ok 'printf "%s\n" "$OUT" | grep -q "^change [0-9]* $D test-client $V 0$"' \
	"... lists test-client, version $V"
C1=$(field cursor)
ok '[ -n "$C1" ]' "... and gives a cursor"
check sync "$C1"
is "$(field changes)" 0 "sync from that cursor: nothing new"
is "$(field cursor)" "$C1" "... the cursor stays"
cp -r "$src/test-client" "$src/test-client-2"
sed -i 's/^id: test-client$/id: test-client-2/' "$src/test-client-2/document.yaml"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
D2=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-client-2'")
check sync "$C1"
is "$(field changes)" 1 "after one more document, sync from the cursor: one change"
ok 'printf "%s\n" "$OUT" | grep -q "^change [0-9]* $D2 test-client-2 "' "... the new document"
check sync "not-a-cursor"
is "$RC" 9 "a malformed cursor: HB_ERR_REFUSED"
is "$(field code)" invalid_cursor "... invalid_cursor"

# ---- keys, bundles, media ----------------------------------------------
check keys "$TEST_TMP/keys.json"
is "$RC" 0 "keys: HB_OK"
ok '[ "$(field keys)" -ge 1 ]' "... at least one key"
req "$BASE/api/v1/keys"
ok 'cmp -s "$REQ_BODY_FILE" "$TEST_TMP/keys.json"' "... saved byte for byte as the server sent it"

check bundle "$D" km "$TEST_TMP/keys.json" "$TEST_TMP/b.json"
is "$RC" 0 "the Khmer bundle is fetched and verifies"
like "$(field bundle)" "^test-client $V km ed25519-" "... slug, version, language and key from the signed payload"
ETAG=$(field etag)
ok '[ -n "$ETAG" ]' "... with its ETag"
ok '"$HB_REPO/build/tools/hbverify" "$TEST_TMP/b.json" "$TEST_TMP/keys.json" >/dev/null' \
	"... and the reference verifier accepts what was saved"
check bundle "$D" km "$TEST_TMP/keys.json" "$TEST_TMP/b2.json" "$ETAG"
is "$RC" 12 "the same bundle with If-None-Match: HB_ERR_NOT_MODIFIED"
check bundle "$D" vi "$TEST_TMP/keys.json" "$TEST_TMP/bvi.json"
like "$(field bundle)" "^test-client $V vi " "the Vietnamese bundle verifies too"

check verify "$TEST_TMP/b.json" "$TEST_TMP/keys.json"
is "$RC" 0 "hb_bundle_verify accepts the saved bundle"
jq -r .payload "$TEST_TMP/b.json" | base64 -d >"$TEST_TMP/payload"
sed 's/ចំណុចទីមួយ/ចំណុចទីពីរ/' "$TEST_TMP/payload" >"$TEST_TMP/tampered"
ok '! cmp -s "$TEST_TMP/payload" "$TEST_TMP/tampered"' "... (a Khmer word of the payload changed)"
jq --arg p "$(base64 -w 0 "$TEST_TMP/tampered")" '.payload = $p' "$TEST_TMP/b.json" >"$TEST_TMP/t.json"
check verify "$TEST_TMP/t.json" "$TEST_TMP/keys.json"
is "$RC" 11 "a tampered payload: HB_ERR_SIGNATURE"
jq '.key_id = "ed25519-20000101T000000Z"' "$TEST_TMP/b.json" >"$TEST_TMP/t.json"
check verify "$TEST_TMP/t.json" "$TEST_TMP/keys.json"
is "$RC" 11 "an unknown key: HB_ERR_SIGNATURE"

auth_req "$TOKEN" "$BASE/api/v1/documents/$D?lang=vi"
SHA=$(json '.media[] | select(.name == "infographic.svg") | .sha256')
like "$SHA" '^[0-9a-f]{64}$' "the document names its infographic by hash"
check media "$SHA" "$TEST_TMP/info.svg"
is "$RC" 0 "media fetched: HB_OK"
is "$(sha256sum "$TEST_TMP/info.svg" | cut -d' ' -f1)" "$SHA" "... the file has that hash"
ok '[ ! -e "$TEST_TMP/info.svg.part" ]' "... and no .part file is left"
check media "$(printf '0%.0s' $(seq 64))" "$TEST_TMP/none.svg"
is "$RC" 9 "media nobody published: HB_ERR_REFUSED (404)"
ok '[ ! -e "$TEST_TMP/none.svg" ] && [ ! -e "$TEST_TMP/none.svg.part" ]' "... and no file is made"

# ---- certificates -------------------------------------------------------
PIN=$(openssl x509 -in "$HANDBOOK_VAR/tls/server.pem" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
HB_PIN=$PIN check keys "$TEST_TMP/k.json"
is "$RC" 0 "the right pin (with the CA) is accepted"
HB_CA= HB_PIN=$PIN check keys "$TEST_TMP/k.json"
is "$RC" 0 "the right pin alone (no CA file) is accepted"
WRONG=$(printf 'another key' | openssl dgst -sha256 -binary | base64)
HB_PIN=$WRONG check keys "$TEST_TMP/k.json"
is "$RC" 6 "a wrong pin: HB_ERR_CERTIFICATE"
like "$(field error)" "does not match the pin" "... saying why"
HB_CA= HB_PIN=$WRONG check keys "$TEST_TMP/k.json"
is "$RC" 6 "a wrong pin without a CA file: HB_ERR_CERTIFICATE"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$TEST_TMP/other.key" -out "$TEST_TMP/other.pem" -days 2 \
	-subj "/CN=Some other CA" 2>/dev/null
HB_CA=$TEST_TMP/other.pem check keys "$TEST_TMP/k.json"
is "$RC" 6 "a CA that did not sign the server: HB_ERR_CERTIFICATE"
HB_BASE=https://127.0.0.1:$HANDBOOK_PORT check keys "$TEST_TMP/k.json"
is "$RC" 6 "a name the certificate does not carry for mbedTLS (an IP address): HB_ERR_CERTIFICATE"

# ---- journal and push ---------------------------------------------------
J=$TEST_TMP/journal.hbj
events() { fx_sql "SELECT count(*) FROM read_events WHERE member_id = $M"; }
check record "$J" "$D" "$V" vi 3
is "$RC" 0 "three events recorded offline"
is "$(field pending)" 3 "... three pending"
is "$(events)" 0 "... nothing on the server yet"
check push "$J"
is "$RC" 0 "push: HB_OK"
is "$(field sent)" "3 accepted 3 duplicate 0 rejected 0 pending 0" "... three sent and accepted"
is "$(events)" 3 "... three events stored"
check push "$J"
is "$(field sent)" "0 accepted 0 duplicate 0 rejected 0 pending 0" "a second push sends nothing"
is "$(events)" 3 "... still three events"
is "$(grep -c '^E ' "$J")" 0 "the journal was compacted (no acknowledged event left in it)"

# The answer is lost: the journal is put back as it was before the
# verdicts reached it, so the same events go again.
check record "$J" "$D" "$V" km 2
cp "$J" "$TEST_TMP/journal.before"
check push "$J"
is "$(field sent)" "2 accepted 2 duplicate 0 rejected 0 pending 0" "two more events pushed"
cp "$TEST_TMP/journal.before" "$J"
check pending "$J"
like "$OUT" "pending 2 " "the journal as before the answer: two pending"
check push "$J"
is "$(field sent)" "2 accepted 2 duplicate 0 rejected 0 pending 0" "pushed again: accepted again"
is "$(events)" 5 "... and stored once: five events in all"

# Refused for good, and an id reused with other content.
check record "$J" 999999999 1 vi 1
ID0=$(fx_sql "SELECT id FROM read_events WHERE member_id = $M ORDER BY received_at, id LIMIT 1")
check record "$J" "$D" "$V" vi 1 "$ID0"
is "$RC" 0 "an event under an id already stored with other content is recorded"
check push "$J"
is "$(field sent)" "2 accepted 0 duplicate 1 rejected 1 pending 0" \
	"push: one rejected (no such document), one duplicate"
check pending "$J"
like "$OUT" "pending 0 rejected 1" "the rejected event stays in the journal"
like "$OUT" "rejected [0-9a-f-]{36} unknown_document" "... with the server's reason"
check push "$J"
is "$(field sent)" "0 accepted 0 duplicate 0 rejected 0 pending 0" "a rejected event is never sent again"
is "$(events)" 5 "still five events"

# ---- keep-alive ---------------------------------------------------------
HLOG=$HANDBOOK_VAR/log/haproxy.log
before=$(wc -l <"$HLOG")
check keepalive 5
is "$RC" 0 "five requests on one client"
sleep 0.5	# HAProxy logs asynchronously
ports=$(tail -n +$((before + 1)) "$HLOG" | grep 'GET "/api/v1/keys" HTTP/1.1' |
	sed -E 's/^.*127\.0\.0\.1:([0-9]+) \[.*$/\1/' | sort -u | wc -l)
is "$ports" 1 "... over one kept-alive connection (one client port in HAProxy's log)"
before=$(wc -l <"$HLOG")
HB_SLEEP_MS=10700 check keepalive 2
is "$RC" 0 "a request after HAProxy closed the idle connection (10 s) goes through"
sleep 0.5
ports=$(tail -n +$((before + 1)) "$HLOG" | grep 'GET "/api/v1/keys" HTTP/1.1' |
	sed -E 's/^.*127\.0\.0\.1:([0-9]+) \[.*$/\1/' | sort -u | wc -l)
is "$ports" 2 "... on a new connection"

# ---- a silent server, a closed port ---------------------------------------
# A listener that accepts and never says a word: the handshake must time
# out (HB_ERR_TIMEOUT) after the configured time, each of the 3 attempts.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' >"$TEST_TMP/silent.port" &
silent=$!
at_exit "kill $silent 2>/dev/null || true"
wait_port() { [ -s "$TEST_TMP/silent.port" ]; }
for _ in $(seq 50); do wait_port && break; sleep 0.1; done
SPORT=$(cat "$TEST_TMP/silent.port")
t0=$(date +%s%N)
HB_BASE=https://localhost:$SPORT HB_TIMEOUT_MS=400 check keys "$TEST_TMP/k.json"
ms=$((($(date +%s%N) - t0) / 1000000))
is "$RC" 4 "a server that never answers the handshake: HB_ERR_TIMEOUT"
ok '[ "$ms" -ge 1200 ] && [ "$ms" -lt 10000 ]' "... after 3 attempts of 400 ms and their backoff ($ms ms, valgrind included)"
kill "$silent" 2>/dev/null || true
wait "$silent" 2>/dev/null || true
HB_BASE=https://localhost:$SPORT check keys "$TEST_TMP/k.json"
is "$RC" 3 "a closed port: HB_ERR_NETWORK"
like "$(field error)" "cannot connect" "... saying so"

# ---- logout -------------------------------------------------------------
check logout
is "$RC" 0 "logout"
like "$OUT" "token_after forgotten" "... forgets the token"
like "$OUT" "after status 8 " "... which the server now refuses (HB_ERR_UNAUTHORIZED)"

valgrind_clean

done_testing
