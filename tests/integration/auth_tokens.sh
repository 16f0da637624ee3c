#!/bin/bash
# Bearer tokens on a protected endpoint (GET /api/v1/me): no token is 401
# unauthorized with WWW-Authenticate: Bearer; a malformed Authorization
# value (another scheme, a token too short or too long, characters outside
# base64url, junk after it) is 401 too; a well-formed but unknown token is
# 401 invalid_token. The database keeps only the BLAKE2b-256 hash of a
# token, never its text. After POST /api/v1/auth/logout (204) the token is
# refused by every Kore worker: many requests, each a new connection from
# its own curl process, all get 401 invalid_token, and Kore's access log
# shows both workers answering them. A token whose session has expired is
# refused; the member's other token still works. Every 401 leaves an
# access.denied row in the audit log, without the token.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

ME=$BASE/api/v1/me

if fixture_org AUTHT; then
	pass "fixture organisation AUTHT created"
else
	bail_out "could not create the fixture organisation"
fi

denied_rids=()		# request ids of 401 answers, looked up in audit_log

# No token, malformed tokens ----------------------------------------------

req "$ME"
is "$REQ_STATUS" 401 "GET /api/v1/me without a token is 401"
is_error_envelope unauthorized "... code unauthorized"
is "$(hdr www-authenticate)" Bearer "... with WWW-Authenticate: Bearer"
denied_rids+=("$(hdr x-request-id)")

ok 'login "${FX_CARD[member]}" "${FX_PASSWORD[member]}"' "the member logs in"
token=$TOKEN

auth_req "$token" "$ME"
is "$REQ_STATUS" 200 "GET /api/v1/me with the token is 200"
is_json .id "${FX_ID[member]}" "... the member's own account"
req -H "Authorization: bearer $token" "$ME"
is "$REQ_STATUS" 200 "the scheme is case-insensitive (\"bearer\")"

# Each of these is one mistake away from the valid token above, so that a
# lax parser would let it through.
malformed=(
	"Basic $token"
	"Token $token"
	"$token"
	"Bearer"
	"Bearer "
	"Bearer${token}"
	"Bearer ${token:0:42}"
	"Bearer ${token}A"
	"Bearer ${token:0:42}+"
	"Bearer ${token:0:42}/"
	"Bearer ${token:0:42}="
	"Bearer ${token:0:42}."
	"Bearer ${token} x"
	"Bearer ${token},Bearer ${token}"
	"Bearer \"${token}\""
)
for value in "${malformed[@]}"; do
	req -H "Authorization: $value" "$ME"
	shown=${value//$token/<token>}
	shown=${shown//${token:0:42}/<42 chars>}
	ok '[ "$REQ_STATUS" = 401 ] && [ "$(json .error.code)" = unauthorized ]' \
		"Authorization: \"$shown\" is 401 unauthorized (got $REQ_STATUS $(json .error.code))"
done
denied_rids+=("$(hdr x-request-id)")

unknown=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
auth_req "$unknown" "$ME"
is "$REQ_STATUS" 401 "a well-formed token nobody was given is 401"
is_error_envelope invalid_token "... code invalid_token"
like "$(hdr www-authenticate)" '^Bearer error="invalid_token"' "... WWW-Authenticate: Bearer error=\"invalid_token\""
denied_rids+=("$(hdr x-request-id)")

# Only the hash is stored ---------------------------------------------------

token_hash=$(fx_token_hash "$token")
# The token's 32 bytes, as hex: they must not be stored either.
token_raw=$(printf '%s' "$token" | tr -- '-_' '+/' | { cat; echo '='; } | base64 -d 2>/dev/null | od -An -tx1 | tr -d ' \n')
is "$(fx_sql "SELECT count(*) FROM sessions
	WHERE token_hash = decode(:'h', 'hex') AND member_id = ${FX_ID[member]}
	AND revoked_at IS NULL" -v h="$token_hash")" 1 \
	"sessions has a row whose token_hash is BLAKE2b-256 of the token"
is "${#token_raw}" 64 "(the token decodes to 32 bytes)"
is "$(fx_sql "SELECT count(*) FROM sessions s
	WHERE strpos(s::text, :'t') > 0 OR strpos(s::text, :'r') > 0
	    OR strpos(encode(s.token_hash, 'hex'), :'r') > 0" \
	-v t="$token" -v r="$token_raw")" 0 \
	"... and neither the token's text nor its bytes appear in the sessions table"

# Logout, then the token is refused by every worker ----------------------

# A second session of the same member, to show logout ends only its own.
ok 'login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" other' "the member logs in a second time"

auth_req "$token" -X POST "$BASE/api/v1/auth/logout"
is "$REQ_STATUS" 204 "POST /api/v1/auth/logout is 204"
is "$REQ_BODY" "" "... with no body"
is "$(fx_sql "SELECT count(*) FROM sessions WHERE token_hash = decode(:'h', 'hex')
	AND revoked_at IS NOT NULL" -v h="$token_hash")" 1 "... the session is marked revoked"

# burst N URL: N requests with the logged-out token at once, each from its
# own curl process, so each on a new connection. Appends "STATUS CODE RID"
# lines to $TEST_TMP/burst.
burst() {
	local n=$1 url=$2 i pids=()
	for i in $(seq "$n"); do
		(
			out=$TEST_TMP/burst.$i
			status=$(curl -s --cacert "$CACERT" --max-time 15 -D "$out.h" \
				-o "$out.b" -w '%{http_code}' \
				-H "Authorization: Bearer $token" "$url" 2>/dev/null) || true
			rid=$(tr -d '\r' <"$out.h" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *//p' | head -n 1)
			code=$(jq -r .error.code <"$out.b" 2>/dev/null || echo -)
			echo "${status:-000} ${code:--} ${rid:--}" >"$out.r"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq "$n"); do
		cat "$TEST_TMP/burst.$i.r" >>"$TEST_TMP/burst"
		rm -f "$TEST_TMP/burst.$i".*
	done
}

# The worker of each request id in the bursts, from Kore's access lines
# ("[wrk N]: access rid=ID ..."): "ID N" lines.
workers_of_bursts() {
	cut -d' ' -f3 "$TEST_TMP/burst" | sort -u >"$TEST_TMP/rids"
	sed -n -E 's/^\[wrk ([0-9]+)\]: access rid=([^ ]+) .*/\2 \1/p' \
		"$HANDBOOK_VAR/log/kore.log" | sort -u | join "$TEST_TMP/rids" -
}
all_logged() { [ "$(workers_of_bursts | wc -l)" = "$(wc -l <"$TEST_TMP/burst")" ]; }

# Kore 4.1 lets one worker hold the accept lock until it is full
# (worker_max_connections, or http_request_limit requests in flight), so at
# test load one worker may accept every new connection for a long while;
# and HAProxy sends most requests down the connections it keeps to Kore.
# So: first 20 requests through HAProxy, the way clients come; then
# requests straight to Kore's port, each on a new connection, while idle
# connections to Kore pile up 32 at a time until the lock moves (at the
# latest when its holder is full) and a request is answered by the other
# worker; then 5 more. The idle connections are closed at once.
: >"$TEST_TMP/burst"
KORE_ME=http://127.0.0.1:$HANDBOOK_KORE_PORT/api/v1/me
burst 20 "$ME"

# probe: one request straight to Kore; prints the worker that answered it.
probe() {
	local rid
	burst 1 "$KORE_ME"
	rid=$(tail -n 1 "$TEST_TMP/burst" | cut -d' ' -f3)
	wait_for 5 '[ -n "$(grep -F "access rid=$rid " "$HANDBOOK_VAR/log/kore.log")" ]' || true
	sed -n -E "s/^\[wrk ([0-9]+)\]: access rid=$rid .*/\1/p" "$HANDBOOK_VAR/log/kore.log" | head -n 1
}
idle_fds=()
close_idle() {
	local fd
	for fd in ${idle_fds[@]+"${idle_fds[@]}"}; do exec {fd}>&-; done
	idle_fds=()
}
at_exit close_idle
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=8192
ulimit -Sn $((hard < 8192 ? hard : 8192)) 2>/dev/null || true
first=$(probe)
for _ in 1 2 3 4 5; do probe >/dev/null; done
moved=
# worker_max_connections is 1024 (conf/kore.conf.in): never need more.
max_idle=$(($(ulimit -Sn) - 200))
[ "$max_idle" -le 1100 ] || max_idle=1100
[ -n "$first" ] || max_idle=0
while [ ${#idle_fds[@]} -lt "$max_idle" ]; do
	for _ in $(seq 32); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$HANDBOOK_KORE_PORT" 2>/dev/null || break 2
		idle_fds+=("$fd")
	done
	w=$(probe)
	if [ -n "$w" ] && [ -n "$first" ] && [ "$w" != "$first" ]; then
		moved=$w
		break
	fi
done
diag "the accept lock moved from worker $first to worker ${moved:-?} after ${#idle_fds[@]} idle connections"
close_idle
if [ -n "$moved" ]; then
	for _ in 1 2 3 4 5; do probe >/dev/null; done
fi

# The access lines reach the log file a moment after the answers.
wait_for 5 all_logged || true
n=$(wc -l <"$TEST_TMP/burst")
is "$(grep -c '^401 invalid_token ' "$TEST_TMP/burst")" "$n" \
	"all $n requests with the logged-out token, each on a new connection, are 401 invalid_token"
grep -v '^401 invalid_token ' "$TEST_TMP/burst" | head -n 5 | while read -r line; do diag "got: $line"; done
is "$(workers_of_bursts | wc -l)" "$n" \
	"... each has its access line in kore.log (matched by X-Request-Id)"
diag "requests per worker: $(workers_of_bursts | cut -d' ' -f2 | sort | uniq -c | tr -s ' \n' ' ')"
kore_workers=$(sed -n -E 's/^workers[[:space:]]+([0-9]+).*/\1/p' "$HANDBOOK_VAR/run/kore.conf" 2>/dev/null)
if [ "${kore_workers:-2}" != 2 ]; then
	skip "both Kore workers answered some of them" "Kore runs ${kore_workers} worker(s), not 2"
else
	is "$(workers_of_bursts | cut -d' ' -f2 | sort -u | tr '\n' ' ')" "1 2 " \
		"... and both Kore workers ([wrk 1] and [wrk 2]) answered some of them"
fi
denied_rids+=("$(head -n 1 "$TEST_TMP/burst" | cut -d' ' -f3)")

auth_req "$token" -X POST "$BASE/api/v1/auth/logout"
is "$REQ_STATUS" 401 "logging out again with the revoked token is 401"
is_error_envelope invalid_token "... code invalid_token"

auth_req "$other" "$ME"
is "$REQ_STATUS" 200 "the member's other session still works after the logout"

# An expired session ---------------------------------------------------------

ok 'login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" expiring' "another member logs in"
ok 'login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" lasting' "... and once more"
auth_req "$expiring" "$ME"
is "$REQ_STATUS" 200 "... the first token works before it expires"
# Expire that one session, found by the hash the server computes.
is "$(fx_sql "WITH e AS (UPDATE sessions SET expires_at = now() - interval '1 second'
	WHERE token_hash = decode(:'h', 'hex') RETURNING 1) SELECT count(*) FROM e" \
	-v h="$(fx_token_hash "$expiring")")" 1 \
	"(its session, found by BLAKE2b-256 of the token, now ended a second ago)"
auth_req "$expiring" "$ME"
is "$REQ_STATUS" 401 "an expired token is 401"
is_error_envelope invalid_token "... code invalid_token"
denied_rids+=("$(hdr x-request-id)")
auth_req "$lasting" "$ME"
is "$REQ_STATUS" 200 "... while the same member's other token still works"

# The audit log -------------------------------------------------------------

# audit_denied() writes after the answer has gone: give it a moment.
rids_json=$(printf '%s\n' "${denied_rids[@]}" | jq -R . | jq -cs .)
count_denied() {
	fx_sql "SELECT count(DISTINCT request_id) FROM audit_log
		WHERE action = 'access.denied' AND object = 'GET /api/v1/me'
		    AND (detail->>'status') = '401'
		    AND detail->>'code' IN ('unauthorized', 'invalid_token')
		    AND request_id IN (SELECT json_array_elements_text(:'r'::json))" \
		-v r="$rids_json"
}
wait_for 5 '[ "$(count_denied)" = ${#denied_rids[@]} ]' || true
is "$(count_denied)" "${#denied_rids[@]}" \
	"audit_log has an access.denied row (401, GET /api/v1/me) for each kind of refusal (${#denied_rids[@]})"
is "$(fx_sql "SELECT detail->>'code' FROM audit_log WHERE request_id = :'r'
	AND action = 'access.denied'" -v r="${denied_rids[0]}")" unauthorized \
	"... code unauthorized for the request without a token"
is "$(fx_sql "SELECT count(*) FROM audit_log
	WHERE strpos(audit_log::text, :'t') > 0 OR strpos(audit_log::text, :'u') > 0
	    OR strpos(audit_log::text, :'e') > 0" \
	-v t="$token" -v u="$unknown" -v e="$expiring")" 0 \
	"... and no token text in audit_log"

done_testing
