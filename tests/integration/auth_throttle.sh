#!/bin/bash
# Throttling of failed logins (throttle_limits() in sql/0003_auth.sql: 5
# failures for one login, or 30 from one address, within 15 minutes block
# it for 15 minutes). Five wrong passwords for one card number, and the
# next attempt gets 429 too_many_requests with Retry-After of about 900 s
# even with the right password (the block is checked before the
# password); another member logging in from the same address is not
# blocked. Once the block is over, the right password works again, and a
# success forgets the failures counted before it. The same login written
# in other ways (the phone as 0812 345 678, +84812345678, ...) is still
# one login and shares one count. The per-address limit is checked through
# the SQL functions with a made-up address (192.0.2.7), because blocking
# 127.0.0.1 would block every other test file; the HTTP path for both
# keys is the same code. Every throttling row this file makes is removed
# when it ends.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

ADDR=192.0.2.7		# TEST-NET-1: no real client has it

if fixture_org AUTHR; then
	pass "fixture organisation AUTHR created"
else
	bail_out "could not create the fixture organisation"
fi
# Whatever happens, leave no block behind for the files that run after.
at_exit "fx_sql \"DELETE FROM login_throttle WHERE key IN ('addr:$ADDR', 'addr:192.0.2.8')\" >/dev/null 2>&1 || true"
at_exit 'fixture_throttle_clear AUTHR'
fixture_throttle_clear AUTHR	# a clean start: no failures counted from 127.0.0.1

card=${FX_CARD[member]}
right=${FX_PASSWORD[member]}
id=${FX_ID[member]}
# The member's row in login_throttle, whether the server keys it by the
# login as typed (login:<card>) or by the account (login:...:<id>).
mine="key LIKE 'login:%' AND (strpos(lower(key), '$card') > 0 OR key ~ ':$id\$')"

# fail_logins N LOGIN DESC: N wrong passwords, each must be 401.
fail_logins() {
	local n=$1 who=$2 desc=$3 i statuses=
	for i in $(seq "$n"); do
		login "$who" "wrong password $i" 2>/dev/null >/dev/null || true
		statuses="$statuses $REQ_STATUS"
	done
	is "${statuses# }" "$(printf '401 %.0s' $(seq "$n") | sed 's/ $//')" "$desc"
}

# Five failures, then blocked --------------------------------------------

fail_logins 4 "$card" "4 wrong passwords for one card number: 401 each"
is "$(fx_sql "SELECT failures FROM login_throttle WHERE $mine")" 4 \
	"... counted in login_throttle (4 failures, no block yet)"
fail_logins 1 "$card" "the 5th wrong password is 401 as well"

login "$card" "$right" || true
is "$REQ_STATUS" 429 "the next attempt, with the RIGHT password, is 429"
is_error_envelope too_many_requests "... code too_many_requests"
like "$(hdr content-type)" '^application/json' "... JSON"
retry=$(hdr retry-after)
ok '[[ $retry =~ ^[0-9]+$ ]] && [ "$retry" -ge 880 ] && [ "$retry" -le 900 ]' \
	"... Retry-After is about 900 seconds ($retry)"
throttled_rid=$(hdr x-request-id)
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'auth.login_throttled'
	AND request_id = :'r'" -v r="$throttled_rid")" 1 "... audited as auth.login_throttled"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action IN ('auth.login', 'auth.login_failed')
	AND request_id = :'r'" -v r="$throttled_rid")" 0 "... neither a login nor a counted failure"
is "$(fx_sql "SELECT count(*) FROM sessions WHERE member_id = ${FX_ID[member]}")" 0 \
	"... and no session was made"
login "$card" "wrong password again" || true
is "$REQ_STATUS $(json .error.code)" "429 too_many_requests" "a wrong password is 429 too while blocked"

login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" || true
is "$REQ_STATUS" 200 "another member logs in from the same address meanwhile (the address is not blocked)"

# The block is over ---------------------------------------------------------

# A stand-in for waiting 15 minutes: end the block now.
is "$(fx_sql "WITH u AS (UPDATE login_throttle SET blocked_until = now() - interval '1 second'
	WHERE $mine AND blocked_until > now() RETURNING 1) SELECT count(*) FROM u")" 1 \
	"(the block, in login_throttle, ended by hand instead of waiting 15 minutes)"

fail_logins 3 "$card" "after the block, 3 wrong passwords: 401 each (counted anew)"
login "$card" "$right" || true
is "$REQ_STATUS" 200 "the right password logs in again"
is "$(fx_sql "SELECT count(*) FROM login_throttle WHERE $mine")" 0 \
	"... and the success cleared the login's failures"
# Without that reset, 3 + 2 more would reach 5 and block.
fail_logins 4 "$card" "4 more wrong passwords: 401 each, not 429"
login "$card" "$right" || true
is "$REQ_STATUS" 200 "... and the right password still works (3 before the success did not count)"

# One login, written differently -------------------------------------------

# The per-login count must not be dodged by writing the same phone number
# another way: all of these are the spare member's login.
p=${FX_PHONE[spare]#+84}
forms=("0${p:0:3} ${p:3:3} ${p:6:3}" "+84$p" "84$p" "0$p" "+84-${p:0:3}-${p:3:3}-${p:6:3}")
statuses=
for i in 0 1 2 3 4; do
	login "${forms[$i]}" "wrong password $i" >/dev/null 2>&1 || true
	statuses="$statuses $REQ_STATUS"
done
is "${statuses# }" "401 401 401 401 401" "5 wrong passwords for one phone, written 5 ways: 401 each"
login "(0${p:0:3}) ${p:3:3}.${p:6:3}" "${FX_PASSWORD[spare]}" || true
is "$REQ_STATUS" 429 "... then that login is blocked, however it is written (429)"

# The per-address limit, through SQL ---------------------------------------

fx_sql "DELETE FROM login_throttle WHERE key IN ('addr:$ADDR', 'addr:192.0.2.8')" >/dev/null
# fail_from N FIRST: N failed logins from $ADDR, each for another made-up
# login (AUTHR-ADDR-k), so that only the address key adds up.
fail_from() {
	local i
	for i in $(seq "$2" $(($2 + $1 - 1))); do
		echo "SELECT auth_login_finish(NULL, 'AUTHR-ADDR-$i', false, '$ADDR', 'fixture-$i', NULL, 0, NULL);"
	done | psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d "$PG_URL"
}
begin_wait() { # ADDRESS: retry_after of auth_login_begin for a fresh login
	fx_sql "SELECT retry_after FROM auth_login_begin('AUTHR-FRESH', :'a', 'fixture-begin')" -v a="$1"
}
ok 'fail_from 29 1' "29 failed logins from $ADDR through auth_login_finish"
is "$(fx_sql "SELECT throttle_wait('addr:$ADDR')")" 0 "... the address is not blocked yet"
is "$(begin_wait "$ADDR")" 0 "... auth_login_begin lets a login from it try (retry_after 0)"
ok 'fail_from 1 30' "the 30th failure from $ADDR"
wait_s=$(fx_sql "SELECT throttle_wait('addr:$ADDR')")
ok '[ "$wait_s" -ge 880 ] && [ "$wait_s" -le 900 ]' "... throttle_wait('addr:$ADDR') is about 900 s ($wait_s)"
wait_s=$(begin_wait "$ADDR")
ok '[ "$wait_s" -ge 880 ] && [ "$wait_s" -le 900 ]' \
	"... auth_login_begin for any login from it answers retry_after ~900 ($wait_s): the handler's 429"
is "$(begin_wait 192.0.2.8)" 0 "... another address is not blocked"

done_testing
