#!/bin/bash
# Hostile and broken clients are closed or refused at the documented
# limits, and the other clients do not notice (issue 11, "Faults").
#
# - Slow request heads (slowloris): 200 connections each sending a header
#   line a second and never finishing; HAProxy closes every one of them
#   at `timeout http-request` (10 s), and a member's requests made
#   meanwhile are all answered.
# - Slow bodies: a body trickled in after its head. Up to HAProxy's buffer
#   (16 kB) HAProxy waits for it (`wait-for-body time 10s`) and answers
#   408 without Kore; a larger body goes on to Kore, whose
#   http_body_timeout (20 s) closes it. Kore's workers stay alive.
# - Deeply nested, huge and many-keyed JSON within the size limit: refused
#   with the error envelope (400 too_deep, 413 too_many_events, 422
#   unknown_field), and the next request is served.
#
# Timings are limits the configuration documents, checked with a margin:
# this is not a speed test.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

SLOW="python3 $HB_REPO/tests/lib/slow_client.py"
PORT=${BASE##*:}
fixture_org SLOW
login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" TOKEN || bail_out "no login"
kore_pid=$(test_kore_pid)

# A member's ordinary requests, one every half second, while something
# else goes on; prints how many of them got 200 and the slowest time.
member_requests() { # COUNT OUTFILE
	local i n=0 worst=0 t
	for i in $(seq "$1"); do
		t=$(curl -s --cacert "$CACERT" -o /dev/null --max-time 10 \
		    -H "Authorization: Bearer $TOKEN" -w '%{http_code} %{time_total}' \
		    "$BASE/api/v1/me" || true)
		[ "${t%% *}" = 200 ] && n=$((n + 1))
		worst=$(awk -v a="$worst" -v b="${t#* }" 'BEGIN { print (b > a) ? b : a }')
		sleep 0.5
	done
	echo "$n $worst" >"$2"
}

# ---- slow heads
member_requests 20 "$TEST_TMP/during-heads" &
mp=$!
out=$($SLOW heads localhost "$PORT" "$CACERT" 200 14)
wait "$mp"
diag "slowloris: $out"
read -r _ total _ closed _ last _ statuses <<<"$out"
is "$total" 200 "200 slow-head connections were opened"
is "$closed" 200 "... HAProxy closed every one of them"
ok "awk -v l='$last' 'BEGIN { exit !(l >= 9 && l <= 13) }'" \
	"... at the 10 s request timeout (the last after $last s)"
like "$statuses" '^(0|408):' "... answering 408 or nothing ($statuses)"
read -r good worst <"$TEST_TMP/during-heads"
is "$good" 20 "a member's 20 requests meanwhile were all answered 200 (slowest $worst s)"

# ---- slow bodies
out=$($SLOW body localhost "$PORT" "$CACERT" /api/v1/auth/login 200 25)
diag "slow small body: $out"
read -r _ st _ after _ <<<"$out"
is "$st" 408 "a small body still incomplete after 10 s gets 408 from HAProxy"
ok "awk -v a='$after' 'BEGIN { exit !(a >= 9 && a <= 13) }'" "... after about 10 s ($after s)"

member_requests 10 "$TEST_TMP/during-body" &
mp=$!
out=$($SLOW body localhost "$PORT" "$CACERT" /api/v1/events 40000 40)
wait "$mp"
diag "slow large body: $out"
read -r _ st _ after _ sent _ <<<"$out"
ok "[ '$st' != 200 ] && [ '$st' != 202 ]" "a large body trickled in is not taken (status $st)"
ok "awk -v a='$after' 'BEGIN { exit !(a <= 35) }'" \
	"... the connection is ended within Kore's 20 s body timeout plus HAProxy's 10 s ($after s)"
read -r good worst <"$TEST_TMP/during-body"
is "$good" 10 "a member's 10 requests meanwhile were all answered 200 (slowest $worst s)"

# ---- nested, huge and many-keyed JSON
body=$TEST_TMP/body.json
send() { # DESCRIPTION: POSTs $body to /api/v1/events with the member's token
	req -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	    --data-binary "@$body" "$BASE/api/v1/events"
}
{ printf '{"events":'; head -c 200000 /dev/zero | tr '\0' '['; head -c 200000 /dev/zero | tr '\0' ']'; printf '}'; } >"$body"
send
is "$REQ_STATUS" 400 "200,000 nested arrays (400 kB) are refused with 400"
is_error_envelope too_deep "... code too_deep"

{ printf '{"events":['; seq 1 150000 | paste -sd, -; printf ']}'; } >"$body"
send
is "$REQ_STATUS" 413 "an array of 150,000 numbers (1 MB) is refused with 413"
is_error_envelope too_many_events "... code too_many_events (at most 500 a batch)"

{ printf '{'; seq 1 60000 | sed -e 's/.*/"k&":1/' | paste -sd, -; printf '}'; } >"$body"
send
is "$REQ_STATUS" 422 "an object of 60,000 keys is refused with 422"
is_error_envelope unknown_field "... code unknown_field"

{ printf '{"events":[{"id":"'; head -c 900000 /dev/zero | tr '\0' 'a'; printf '"}]}'; } >"$body"
send
is "$REQ_STATUS" 200 "an event whose id is a 900 kB string: the batch is read (200)"
is "$(json '.results[0].status')" rejected "... and that event rejected"
ok "[ \$(stat -c %s '$REQ_BODY_FILE') -lt 2000 ]" "... without the string echoed back ($(stat -c %s "$REQ_BODY_FILE") bytes)"

auth_req "$TOKEN" "$BASE/api/v1/me"
is "$REQ_STATUS" 200 "the next request is served"
is "$(test_kore_pid)" "$kore_pid" "Kore was not restarted"
ok 'pid_alive "$kore_pid" kore' "... and is alive"

done_testing
