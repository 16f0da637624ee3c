#!/bin/bash
# hbsync (client/hbsync.c, on the client library) against the real stack
# over HTTPS. Login with a wrong password (exit 2) and the right one (with
# the CA and the server key's pin); a pull into an empty folder writes
# each document's verified bundle, its payload and its media; a second
# pull asks for nothing and a --full one is answered 304 for everything
# (counted in Kore's access log); a new version arrives by the delta; a
# withdrawn document is removed. Two HAProxy instances of this test's own
# stand between hbsync and the stack: a man in the middle with another
# key signed by the same CA, which answers every bundle with a tampered
# copy (exit 5, nothing written, cursor unchanged) and whose key does not
# match the pin (exit 4); and a relay with the stack's own certificate
# that holds the answer to each POST /api/v1/events for 1 s, so that it
# can be stopped in the middle of a push of 3,000 events after the server
# stored a batch and before hbsync heard so (exit 3; after it is back,
# the next push sends that batch again and every event is stored exactly
# once). Events are
# recorded with the relay down (read needs no network); a hbsync killed
# with SIGKILL in a loop of reads and in the middle of a push leaves a
# journal that replays, and nothing recorded before the kill is lost.
# verify checks the folder again offline and refuses a file changed on
# disk (exit 5). Last, every command under valgrind: no error, no leak.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

HBSYNC=$HB_REPO/build/client/hbsync
[ -x "$HBSYNC" ] || bail_out "$HBSYNC is not built (make build)"

fixture_org HBSYNC
MEMBER=${FX_ID[member]}
src=$TEST_TMP/content
mkdir -p "$src"
# A: a central resolution with an infographic; B: the study outline of
# the member's district adapting it (which the province's propaganda
# officer may withdraw, see sync_publish.sh).
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-hbsync-a"
sed -i 's/^id: test-bo-tai-lieu$/id: test-hbsync-a/' "$src/test-hbsync-a/document.yaml"
cp -r "$src/test-hbsync-a" "$src/test-hbsync-b"
sed -i "s/^id: test-hbsync-a\$/id: test-hbsync-b/; s/^kind: resolution\$/kind: study_outline\nunit: ${FX_CODE[D1]}\nadapts: test-hbsync-a/" \
	"$src/test-hbsync-b/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-hbsync-a', 'test-hbsync-b')\" >/dev/null 2>&1 || true"
import() {
	"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
		bail_out "import failed: $(cat "$TEST_TMP/import.out")"
}
import
A=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-hbsync-a'")
B=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-hbsync-b'")
SHA=$(fx_sql "SELECT dm.sha256 FROM document_media dm WHERE dm.document_id = $A LIMIT 1")

# The pin of the stack's key, as client/handbook_client.h describes it.
pin_of() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64
}
PIN=$(pin_of "$HANDBOOK_VAR/tls/server.crt")

S=$TEST_TMP/state	# the member's state folder
D=$TEST_TMP/hb		# the pulled folder
hb() { "$HBSYNC" --state "$S" "$@"; }
# run VAR CMD...: runs CMD, its exit code in VAR, its stderr in $TEST_TMP/err
run() {
	local var=$1
	shift
	set +e
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	printf -v "$var" '%s' "$?"
	set -e
}

# ---- help, login ------------------------------------------------------

run rc "$HBSYNC" --help
is "$rc" 0 "hbsync --help: exit 0"
like "$(cat "$TEST_TMP/out")" "5  a bundle's signature was refused" "... and it lists the exit codes"
run rc "$HBSYNC" frobnicate
is "$rc" 1 "an unknown command: exit 1"

run rc hb status
is "$rc" 0 "status before any login: exit 0"
like "$(cat "$TEST_TMP/out")" "logged in: no" "... says not logged in"
run rc hb push
is "$rc" 2 "push before any login: exit 2"
like "$(cat "$TEST_TMP/err")" "hbsync login" "... and says to log in"

printf 'not the password\n' >"$TEST_TMP/wrong"
run rc hb login --server "$BASE" --ca "$CACERT" --pin "$PIN" --password-file "$TEST_TMP/wrong" "${FX_CARD[member]}"
is "$rc" 2 "login with a wrong password: exit 2"
ok '[ ! -e "$S/token" ]' "... and no token saved"
fixture_throttle_clear HBSYNC

printf '%s\n' "${FX_PASSWORD[member]}" >"$TEST_TMP/pw"
run rc hb login --server "$BASE" --ca "$CACERT" --pin "$PIN" --password-file "$TEST_TMP/pw" "${FX_CARD[member]}"
is "$rc" 0 "login with the right password, the CA and the pin: exit 0"
is "$(stat -c %a "$S/token")" 600 "... the token is saved with mode 0600"
ok 'grep -qxF "pin=$PIN" "$S/config"' "... the pin is in the config"
ok '! grep -rq -- "${FX_PASSWORD[member]}" "$S"' "... and the password is nowhere in the state"

# From a terminal (script(1) gives it one), without echo.
set +e
(sleep 1; printf '%s\n' "${FX_PASSWORD[member]}"; sleep 1) |
	script -qec "$HBSYNC --state $TEST_TMP/state-tty login --server $BASE --ca $CACERT ${FX_CARD[member]}" \
		/dev/null >"$TEST_TMP/tty-login.out" 2>&1
rc=$?
set -e
is "$rc" 0 "login with the password typed on a terminal: exit 0"
ok 'grep -q "Password:" "$TEST_TMP/tty-login.out" && ! grep -qF -- "${FX_PASSWORD[member]}" "$TEST_TMP/tty-login.out"' \
	"... it asked for it, and the password was not echoed"

# ---- pull ---------------------------------------------------------------

# What the member may read now, other test files' documents included:
# the last change of each document, published ones.
login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok
visible() {
	local cursor= all=
	for _ in $(seq 1 100); do
		auth_req "$mtok" "$BASE/api/v1/sync?limit=200${cursor:+&since=$cursor}"
		[ "$REQ_STATUS" = 200 ] || break
		all="$all$(json '.changes[] | "\(.document_id) \(.action)"')"$'\n'
		cursor=$(json .next_cursor)
		[ "$(json .more)" = true ] || break
	done
	printf '%s' "$all" | awk 'NF == 2 { last[$1] = $2 } END { for (d in last) if (last[d] == "published") n++; print n + 0 }'
}
NDOCS=$(visible)
ok '[ "$NDOCS" -ge 2 ]' "the member may read $NDOCS documents, A and B among them"

# count_bundles STATUS: Kore's access lines of this member's bundle requests.
count_bundles() {
	grep -c "method=GET path=/api/v1/documents/[0-9]*/bundle status=$1 .*member=$MEMBER\$" \
		"$HANDBOOK_VAR/log/kore.log" || true
}
b200=$(count_bundles 200)
run rc hb pull "$D" --lang vi
is "$rc" 0 "pull into an empty folder: exit 0"
ok '[ -s "$D/test-hbsync-a.vi.bundle.json" ] && [ -s "$D/test-hbsync-b.vi.bundle.json" ]' \
	"... both documents' bundles are there"
ok '"$HB_REPO/build/tools/hbverify" "$D/test-hbsync-a.vi.bundle.json" <(curl -s --cacert "$CACERT" "$BASE/api/v1/keys") >/dev/null' \
	"... and the reference verifier accepts the saved bundle"
is "$(jq -r .sections[0].title "$D/test-hbsync-a.vi.json")" "Điểm thứ nhất" "... the payload is the document, Vietnamese intact"
is "$(jq -r .version "$D/test-hbsync-a.vi.json")" 1 "... version 1"
ok '[ -n "$SHA" ] && [ "$(sha256sum <"$D/media/$SHA" | cut -d" " -f1)" = "$SHA" ]' \
	"... the infographic is in media/ under its hash"
ok '[ -s "$S/cursor" ]' "... the cursor is saved"
ok '! ls "$D" | grep -q tmp' "... and no temporary file is left"
is "$(($(count_bundles 200) - b200))" "$NDOCS" "... every bundle fetched once ($NDOCS)"
like "$(cat "$TEST_TMP/err")" "fetched test-hbsync-a \(vi\) version 1" "... progress as plain lines when stderr is not a terminal"

cursor=$(cat "$S/cursor")
b200=$(count_bundles 200)
b304=$(count_bundles 304)
run rc hb pull "$D" --lang vi
is "$rc" 0 "pull again: exit 0"
like "$(cat "$TEST_TMP/err")" "0 changes" "... nothing changed since the cursor"
is "$(($(count_bundles 200) - b200))/$(($(count_bundles 304) - b304))" 0/0 "... and no bundle was asked for"
run rc hb pull "$D" --lang vi --full
is "$rc" 0 "pull --full: exit 0"
is "$(($(count_bundles 200) - b200))/$(($(count_bundles 304) - b304))" "0/$NDOCS" \
	"... every bundle revalidated with its ETag and answered 304, none fetched"
like "$(cat "$TEST_TMP/err")" "0 fetched, $NDOCS unchanged" "... hbsync says so"

# On a terminal (script(1) gives it one): one counter line rewritten
# with \r, not a line per document.
script -qec "$HBSYNC --state $S pull $D --lang vi --full" /dev/null >"$TEST_TMP/tty.out" 2>&1 || true
CR=$'\r'
ok 'grep -q "${CR}hbsync: [0-9]*/$NDOCS documents" "$TEST_TMP/tty.out"' \
	"on a terminal, progress is a counter rewritten with \\r"
ok '! grep -q "unchanged test-hbsync" "$TEST_TMP/tty.out"' "... and not a line per document"

# A new version of A arrives by the delta, and only A is asked for.
sed -i 's/^Tóm tắt thứ ba\.$/Tóm tắt thứ ba, đã sửa cho phiên bản hai./' "$src/test-hbsync-a/vi.md"
import
is "$(fx_sql "SELECT current_version FROM documents WHERE id = $A")" 2 "the board publishes version 2 of A"
b200=$(count_bundles 200)
run rc hb pull "$D" --lang vi
is "$rc" 0 "pull after it: exit 0"
is "$(jq -r .version "$D/test-hbsync-a.vi.json")" 2 "... the folder holds version 2"
like "$(jq -r '.sections[2].summary' "$D/test-hbsync-a.vi.json")" "phiên bản hai" "... with its new text"
is "$(($(count_bundles 200) - b200))" 1 "... and only that bundle was fetched"
ok '[ "$(cat "$S/cursor")" != "$cursor" ]' "... the cursor moved on"

# B is withdrawn: removed from the folder.
login "${FX_CARD[propaganda]}" "${FX_PASSWORD[propaganda]}" ptok
auth_req "$ptok" -X POST "$BASE/api/v1/documents/$B/withdraw"
is "$REQ_STATUS" 200 "the province's propaganda officer withdraws B"
run rc hb pull "$D" --lang vi
is "$rc" 0 "pull after it: exit 0"
ok '[ ! -e "$D/test-hbsync-b.vi.bundle.json" ] && [ ! -e "$D/test-hbsync-b.vi.json" ]' "... B's files are gone"
ok '[ -s "$D/test-hbsync-a.vi.bundle.json" ]' "... A's are still there"
like "$(cat "$TEST_TMP/err")" "removed test-hbsync-b" "... hbsync says it removed B"
run rc hb status
like "$(cat "$TEST_TMP/out")" "documents: $((NDOCS - 1))" "status counts one pulled document less"

# verify: the folder checked again offline, against the saved keys.
run rc hb verify
is "$rc" 0 "verify: the pulled folder checks out against the keys saved by the pull"
cp "$D/test-hbsync-a.vi.json" "$TEST_TMP/a.json.keep"
cp "$D/test-hbsync-a.vi.bundle.json" "$TEST_TMP/a.bundle.keep"
sed -i 's/Điểm thứ nhất/Điểm thứ nhầt/' "$D/test-hbsync-a.vi.json"
run rc hb verify
is "$rc" 5 "verify: a payload file changed on disk (one tone mark): exit 5"
like "$(cat "$TEST_TMP/err")" "test-hbsync-a \(vi\): changed since it was signed" "... naming the document"
b200=$(count_bundles 200)
run rc hb pull "$D" --lang vi --full
is "$rc" 0 "pull --full after it: exit 0"
is "$(($(count_bundles 200) - b200))" 1 "... the changed copy is fetched again (not revalidated into a 304)"
ok 'cmp -s "$TEST_TMP/a.json.keep" "$D/test-hbsync-a.vi.json"' "... and the payload file is the signed one again"
jq -r .payload "$TEST_TMP/a.bundle.keep" | base64 -d | sed 's/Điểm thứ nhất/Điểm thứ nhầt/' >"$TEST_TMP/p2"
jq --arg p "$(base64 -w 0 "$TEST_TMP/p2")" '.payload = $p' "$TEST_TMP/a.bundle.keep" >"$D/test-hbsync-a.vi.bundle.json"
run rc hb verify
is "$rc" 5 "verify: a saved bundle whose payload was changed: exit 5"
cp "$TEST_TMP/a.bundle.keep" "$D/test-hbsync-a.vi.bundle.json"
run rc hb verify
is "$rc" 0 "verify: restored, it checks out again"

# The Khmer reader pulls in Khmer into a state of their own.
SK=$TEST_TMP/state-km
DK=$TEST_TMP/hb-km
printf '%s\n' "${FX_PASSWORD[khmer]}" >"$TEST_TMP/pw-km"
run rc "$HBSYNC" --state "$SK" login --server "$BASE" --ca "$CACERT" --password-file "$TEST_TMP/pw-km" "${FX_CARD[khmer]}"
is "$rc" 0 "the Khmer reader logs in (CA only)"
run rc "$HBSYNC" --state "$SK" pull "$DK" --lang km
is "$rc" 0 "... pulls in Khmer: exit 0"
is "$(jq -r .sections[0].title "$DK/test-hbsync-a.km.json")" "ចំណុចទីមួយ" "... the Khmer payload, Khmer text intact"
ok '[ ! -e "$DK/test-hbsync-b.km.json" ]' "... the district study outline of another district is not there"
run rc "$HBSYNC" --state "$SK" read test-hbsync-a 1 2 --seconds 30
is "$rc" 0 "... reads two core points"
run rc "$HBSYNC" --state "$SK" push
is "$rc" 0 "... pushes them: exit 0"
is "$(fx_sql "SELECT string_agg(lang || section || ':' || seconds, ',' ORDER BY section) FROM read_events WHERE member_id = ${FX_ID[khmer]}")" \
	"km1:30,km2:30" "... stored as read in Khmer, with the time spent"

# ---- our own HAProxy instances ----------------------------------------

# relay_start NAME CONFIG: starts HAProxy in the foreground, its PID in
# RELAY_PID[NAME]; relay_stop NAME stops it by that PID.
declare -A RELAY_PID
relay_start() {
	haproxy -db -f "$2" >>"$TEST_TMP/$1.log" 2>&1 &
	RELAY_PID[$1]=$!
	wait_for 10 "curl -s -o /dev/null --cacert '$CACERT' https://localhost:$3/healthz" ||
		bail_out "HAProxy $1 did not start: $(tail -n 5 "$TEST_TMP/$1.log")"
}
relay_stop() {
	local pid=${RELAY_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	RELAY_PID[$1]=
}
at_exit 'relay_stop mitm; relay_stop relay'

# relay_config PORT CERT EXTRA: a front on PORT with CERT, in front of the
# stack's HAProxy (verified against the CA), with EXTRA rules.
relay_config() {
	cat <<-EOF
	global
		lua-load $TEST_TMP/delay.lua
	defaults
		mode http
		timeout connect 3s
		timeout client 30s
		timeout server 30s
	frontend front
		bind 127.0.0.1:$1 ssl crt $2
		$3
		default_backend stack
	backend stack
		server stack 127.0.0.1:$HANDBOOK_PORT ssl verify required ca-file $CACERT sni str(localhost)
	EOF
}
cat >"$TEST_TMP/delay.lua" <<-'EOF'
	-- Holds an answer for 1 s: a slow network, so that a push lasts
	-- long enough to be interrupted between the server's commit of a
	-- batch and the client's reading of the answer.
	core.register_action("hbdelay", { "http-res" }, function(txn)
		core.msleep(1000)
	end)
EOF

# The man in the middle: a key of its own, signed by the stack's CA (so
# only the pin tells it apart), every bundle answered with a copy whose
# payload has one byte changed and whose signature is the original one.
test_free_ports 1 MITM_PORT || bail_out "no free port"
(
	cd "$TEST_TMP"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout mitm.key -out mitm.csr -subj "/CN=localhost" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >mitm.ext
	openssl x509 -req -in mitm.csr -CA "$HANDBOOK_VAR/tls/ca.pem" \
		-CAkey "$HANDBOOK_VAR/tls/ca.key" -CAcreateserial -CAserial mitm.srl \
		-days 2 -sha256 -extfile mitm.ext -out mitm.crt 2>/dev/null
	cat mitm.crt mitm.key >mitm.pem
) || bail_out "could not make the man in the middle's certificate"
auth_req "$mtok" "$BASE/api/v1/documents/$A/bundle?lang=vi"
jq -r .payload "$REQ_BODY_FILE" | base64 -d | sed 's/Điểm thứ nhất/Điểm thứ nhầt/' >"$TEST_TMP/payload"
jq --arg p "$(base64 -w 0 "$TEST_TMP/payload")" '.payload = $p' "$REQ_BODY_FILE" >"$TEST_TMP/tampered.json"
ok '! cmp -s <(jq -r .payload "$REQ_BODY_FILE") <(jq -r .payload "$TEST_TMP/tampered.json")' "the tampered copy differs from the bundle"
relay_config "$MITM_PORT" "$TEST_TMP/mitm.pem" \
	"http-request return status 200 content-type application/json file $TEST_TMP/tampered.json if { path_reg ^/api/v1/documents/[0-9]+/bundle\$ }" \
	>"$TEST_TMP/mitm.cfg"
relay_start mitm "$TEST_TMP/mitm.cfg" "$MITM_PORT"

S2=$TEST_TMP/state-mitm
run rc "$HBSYNC" --state "$S2" login --server "https://localhost:$MITM_PORT" --ca "$CACERT" --pin "$PIN" \
	--password-file "$TEST_TMP/pw" "${FX_CARD[member]}"
is "$rc" 4 "login through a man in the middle whose key does not match the pin: exit 4"
like "$(cat "$TEST_TMP/err")" "certificate" "... the message names the certificate"
ok '[ ! -e "$S2/token" ]' "... and no token was sent or saved"

run rc "$HBSYNC" --state "$S2" login --server "https://localhost:$MITM_PORT" --ca "$CACERT" \
	--password-file "$TEST_TMP/pw" "${FX_CARD[member]}"
is "$rc" 0 "without a pin, the CA alone lets the man in the middle through (login: exit 0)"
run rc "$HBSYNC" --state "$S2" pull "$TEST_TMP/hb-mitm" --lang vi
is "$rc" 5 "... but its tampered bundle is refused: pull exits 5"
like "$(cat "$TEST_TMP/err")" "signature" "... the message says the signature was refused"
is "$(find "$TEST_TMP/hb-mitm" -name '*.json' | wc -l)" 0 "... nothing was written"
ok '[ ! -e "$S2/cursor" ]' "... and no cursor saved"
relay_stop mitm

# ---- events: offline, a stop in the middle of a push --------------------

test_free_ports 1 RELAY_PORT || bail_out "no free port"
relay_config "$RELAY_PORT" "$HANDBOOK_VAR/tls/server.pem" \
	'http-request set-var(txn.events) bool(true) if { path /api/v1/events }
		http-response lua.hbdelay if { var(txn.events) -m bool }' >"$TEST_TMP/relay.cfg"
relay_start relay "$TEST_TMP/relay.cfg" "$RELAY_PORT"
# The member's state now goes through the relay (same certificate: the
# pin still holds).
sed -i "s|^server=.*|server=https://localhost:$RELAY_PORT|" "$S/config"

stored() {
	fx_sql "SELECT count(*) FROM read_events WHERE member_id = $MEMBER"
}
ids_file=$TEST_TMP/ids
: >"$ids_file"
relay_stop relay
run rc hb read test-hbsync-a 2
is "$rc" 0 "hbsync read with the server unreachable: exit 0 (no network needed)"
like "$(cat "$TEST_TMP/out")" '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$' "... prints the event's UUID (v7)"
cat "$TEST_TMP/out" >>"$ids_file"
hb read "$A" --opened >>"$ids_file"
hb read test-hbsync-a --completed --seconds 120 >>"$ids_file"
run rc hb read test-hbsync-a 13
is "$rc" 1 "a section outside 1..12: exit 1"
run rc hb read test-hbsync-a 6
is "$rc" 1 "a section past the pulled document's five core points: exit 1"
like "$(cat "$TEST_TMP/err")" "has 5 core points" "... and it says so"
run rc hb read no-such-document 1
is "$rc" 1 "a document never pulled: exit 1"
run rc hb push
is "$rc" 3 "push with the server unreachable: exit 3"
like "$(cat "$TEST_TMP/err")" "try again later" "... and says to try again later"
relay_start relay "$TEST_TMP/relay.cfg" "$RELAY_PORT"
run rc hb push
is "$rc" 0 "push once it is back: exit 0"
like "$(cat "$TEST_TMP/out")" "accepted 3, duplicate 0, rejected 0, pending 0" "... three accepted"
is "$(stored)" 3 "read_events holds the three events"
is "$(fx_sql "SELECT string_agg(kind || ':' || coalesce(section::text, '-'), ',' ORDER BY kind::text) FROM read_events WHERE member_id = $MEMBER")" \
	"completed:-,opened:-,section_read:2" "... the right kinds and section"
is "$(fx_sql "SELECT DISTINCT version || lang FROM read_events WHERE member_id = $MEMBER")" 2vi "... of version 2, in Vietnamese"
run rc hb push
like "$(cat "$TEST_TMP/out")" "sent 0" "pushing again sends nothing"

# 3,000 events (six batches), the relay stopped after the first stored.
diag "$SECONDS s: recording"
# Twelve sections per hbsync (one event each, each core point read
# twice or three times): starting a process costs more than recording an
# event on this busy machine.
TWELVE="1 2 3 4 5 1 2 3 4 5 1 2"
N=3000
start=$(date +%s.%N)
for i in $(seq 1 $((N / 12))); do
	hb read test-hbsync-a $TWELVE >>"$ids_file" || break
done
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
is "$(wc -l <"$ids_file")" $((N + 3)) "$N events recorded offline ($((N / 12)) processes, $secs s)"
run rc hb status
like "$(cat "$TEST_TMP/out")" "pending:   $N" "status: $N pending"

before=$(stored)
diag "$SECONDS s: pushing $N events through the relay"
# The binary itself in the background (not the hb function, whose
# subshell would be what $! names and what a kill would hit).
"$HBSYNC" --state "$S" push >"$TEST_TMP/push.out" 2>"$TEST_TMP/push.err" &
push_pid=$!
wait_for 60 '[ "$(stored)" -gt "$before" ]' || true
relay_stop relay
set +e
wait "$push_pid"
rc=$?
set -e
mid=$(stored)
is "$rc" 3 "the relay stopped in the middle of the push: exit 3"
ok '[ "$mid" -gt "$before" ] && [ "$mid" -lt $((before + N)) ]' \
	"... some events were stored before the stop, not all ($((mid - before)) of $N)"
diag "push said: $(cat "$TEST_TMP/push.out") / $(tail -n 2 "$TEST_TMP/push.err" | tr '\n' ' ')"
run rc hb status
like "$(cat "$TEST_TMP/out")" "pending:   [1-9]" "status: events still pending"
pending=$(sed -n 's/^pending: *//p' "$TEST_TMP/out")
ok '[ $((pending + mid - before)) -gt "$N" ]' \
	"... among them events the server stored but whose answer was lost ($((pending + mid - before - N)))"
relay_start relay "$TEST_TMP/relay.cfg" "$RELAY_PORT"
run rc hb push
is "$rc" 0 "push after the relay is back: exit 0"
diag "push said: $(cat "$TEST_TMP/out")"
like "$(cat "$TEST_TMP/out")" "pending 0" "... nothing pending"
is "$(stored)" $((N + 3)) "read_events holds every event recorded ($((N + 3)))"
is "$(fx_sql "SELECT count(DISTINCT id) FROM read_events WHERE member_id = $MEMBER")" $((N + 3)) "... each once"
fx_sql "SELECT id FROM read_events WHERE member_id = $MEMBER" | LC_ALL=C sort >"$TEST_TMP/stored-ids"
is "$(LC_ALL=C sort "$ids_file" | LC_ALL=C comm -3 - "$TEST_TMP/stored-ids" | wc -l)" 0 \
	"... and they are exactly the ids hbsync printed"

# ---- SIGKILL ------------------------------------------------------------
diag "$SECONDS s: SIGKILL"

# A loop of reads; one hbsync of it is killed with SIGKILL mid-way.
: >"$TEST_TMP/loop-ids"
rm -f "$TEST_TMP/stop"
(
	while [ ! -e "$TEST_TMP/stop" ]; do
		"$HBSYNC" --state "$S" read test-hbsync-a 5 >>"$TEST_TMP/loop-ids" 2>/dev/null || echo killed >>"$TEST_TMP/loop-rc"
	done
) &
loop_pid=$!
wait_for 30 '[ "$(wc -l <"$TEST_TMP/loop-ids")" -ge 100 ]' || true
killed=0
for _ in $(seq 200); do
	child=$(pgrep -P "$loop_pid" -x hbsync || true)
	if [ -n "$child" ] && kill -KILL "$child" 2>/dev/null; then
		killed=1
		break
	fi
	sleep 0.01
done
touch "$TEST_TMP/stop"
wait "$loop_pid" || true
is "$killed" 1 "a hbsync recording events was killed with SIGKILL"
# A write torn by the kill looks like this: a last line without its end.
printf '{"torn' >>"$S/journal.hbj"
run rc hb status
is "$rc" 0 "status after the kill and a torn last line: exit 0 (the journal replays)"
recorded=$(wc -l <"$TEST_TMP/loop-ids")
pending=$(sed -n 's/^pending: *//p' "$TEST_TMP/out")
ok '[ "$pending" -ge "$recorded" ] && [ "$pending" -le $((recorded + 1)) ]' \
	"... every event recorded before the kill is pending ($recorded printed, $pending pending)"
before=$(stored)
run rc hb push
is "$rc" 0 "push after the kill: exit 0"
is "$(($(stored) - before))" "$pending" "... stored every pending event"
fx_sql "SELECT id FROM read_events WHERE member_id = $MEMBER" | LC_ALL=C sort >"$TEST_TMP/stored-ids"
is "$(LC_ALL=C sort "$TEST_TMP/loop-ids" | LC_ALL=C comm -23 - "$TEST_TMP/stored-ids" | wc -l)" 0 \
	"... including each one whose id was printed"

# SIGKILL in the middle of a push: the next push sends the rest, once.
: >"$TEST_TMP/ids2"
for i in $(seq 1 125); do hb read test-hbsync-a $TWELVE >>"$TEST_TMP/ids2"; done
before=$(stored)
"$HBSYNC" --state "$S" push >/dev/null 2>&1 &
push_pid=$!
wait_for 60 '[ "$(stored)" -gt "$before" ]' || true
# While it runs, the journal is its alone.
run rc hb status
is "$rc" 6 "status while a push holds the journal: exit 6"
like "$(cat "$TEST_TMP/err")" "another hbsync" "... and it says another hbsync is running"
kill -KILL "$push_pid" 2>/dev/null && k=1 || k=0
wait "$push_pid" 2>/dev/null || true
is "$k" 1 "a push killed with SIGKILL after its first batch was stored ($(($(stored) - before)) of 1500)"
ok '[ "$(($(stored) - before))" -lt 1500 ]' "... before the last one was"
run rc hb status
is "$rc" 0 "status after it: exit 0"
run rc hb push
is "$rc" 0 "the next push: exit 0"
is "$(($(stored) - before))" 1500 "... every one of the 1500 events is stored"
is "$(fx_sql "SELECT count(*) - count(DISTINCT id) FROM read_events WHERE member_id = $MEMBER")" 0 \
	"... and no event twice"

# ---- valgrind -----------------------------------------------------------
diag "$SECONDS s: valgrind"

vg() {
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
		--error-exitcode=99 --log-file="$TEST_TMP/vg.log" "$HBSYNC" --state "$S" "$@"
}
vg_case() {
	local desc=$1 want=$2
	shift 2
	run rc vg "$@"
	is "$rc" "$want" "valgrind: $desc exits $want, no error and no leak"
	[ "$rc" = "$want" ] || diag "$(head -n 40 "$TEST_TMP/vg.log")"
}
vg_case "pull into a new folder" 0 pull "$TEST_TMP/hb-vg" --lang vi
vg_case "pull --full (304)" 0 pull "$TEST_TMP/hb-vg" --lang vi --full
vg_case "read" 0 read test-hbsync-a 3
vg_case "push" 0 push
vg_case "status" 0 status
vg_case "verify" 0 verify
relay_stop relay
vg_case "read (offline)" 0 read test-hbsync-a 4 5
vg_case "push with the server unreachable" 3 push
vg_case "logout with the server unreachable" 3 logout
relay_start relay "$TEST_TMP/relay.cfg" "$RELAY_PORT"
vg_case "push once it is back" 0 push
vg_case "logout" 0 logout
ok '[ ! -e "$S/token" ]' "logout removes the token"
run rc hb push
is "$rc" 2 "push after logout: exit 2"

diag "$SECONDS s: done"
done_testing
