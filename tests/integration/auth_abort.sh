#!/bin/bash
# Clients that hang up while their password is being checked. The check
# runs in a Kore task thread that writes into the request's memory until
# it finishes (kore-app/pwhash.c); a request freed under it would be a
# use-after-free. This test starts logins and drops them mid-check, many
# at once, then checks that the node still answers and logs in normally.
# The sanitizer build and tests/run's scan of the Kore log (no ASan
# report, no dead worker) are what would catch a mistake here.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org ABRT
body=$TEST_TMP/login.json
printf '{"login":"%s","password":"%s"}' "${FX_CARD[member]}" \
    "${FX_PASSWORD[member]}" >"$body"

kore_pid=$(test_kore_pid)
# The log is the whole suite's: count only what this test adds.
logins() { grep -c 'path=/api/v1/auth/login' "$HANDBOOK_VAR/log/kore.log" || true; }
before=$(logins)
pids=()
# Straight to Kore: HAProxy (without abortonclose) would wait for the
# answer on the client's behalf, and Kore would never see the hang-up.
for i in $(seq 1 12); do
	# Hang up after 100 ms: the Argon2id check takes far longer.
	curl -s -o /dev/null --max-time 0.1 -X POST \
	    -H 'Content-Type: application/json' --data-binary "@$body" \
	    "http://127.0.0.1:$HANDBOOK_KORE_PORT/api/v1/auth/login" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
# Let the abandoned checks finish in their threads.
sleep 2

req "$BASE/healthz"
is "$REQ_STATUS" 200 "the node answers after 12 abandoned logins"
# None of them got an answer written to the access log: each was freed
# while its check was running.
answered=$(($(logins) - before))
ok '[ "$answered" -lt 12 ]' "the hung-up logins were dropped mid-check ($answered of 12 answered)"
ok 'login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" tok' "a login right after works"
auth_req "$tok" "$BASE/api/v1/me"
is "$(json .id)" "${FX_ID[member]}" "... and its token too"
is "$(test_kore_pid)" "$kore_pid" "Kore was not restarted"

done_testing
