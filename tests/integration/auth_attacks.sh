#!/bin/bash
# Two attacks on sessions and logins, over real HTTPS.
#
# Replay after logout: an administrator's token is sent to every route of
# kore-app/routes.def that needs one (read from the file, so a new route
# is covered the day it is added), with made-up ids and an empty JSON
# body, once before the logout (none may answer 401: the token was good
# there, and the made-up ids and empty bodies change nothing) and once
# after it: every one must answer 401 invalid_token, whatever the method,
# the resource, the body or the id. auth_tokens.sh checks the same on
# GET /api/v1/me across both Kore workers.
#
# Brute force from one address: auth_throttle.sh checks 5 wrong passwords
# for one login over HTTP and the 30-per-address limit through the SQL
# functions only (blocking 127.0.0.1 would block every other test file).
# Here the per-address limit is checked over HTTP: requests go to Kore's
# loopback port with X-Forwarded-For 192.0.2.9 (Kore trusts that header
# from a loopback peer only, where HAProxy puts it), trying 30 different
# logins (password spraying, which the per-login limit cannot see); the
# 31st attempt, for a real member with the right password, is 429
# too_many_requests with Retry-After, while the same member logs in
# through HAProxy from 127.0.0.1. Every throttling row is removed at the
# end.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

ADDR=192.0.2.9		# TEST-NET-1: no real client has it
KORE=http://127.0.0.1:$HANDBOOK_KORE_PORT

if fixture_org AUTHX; then
	pass "fixture organisation AUTHX created"
else
	bail_out "could not create the fixture organisation"
fi
at_exit "fx_sql \"DELETE FROM login_throttle WHERE key = 'addr:$ADDR'\" >/dev/null 2>&1 || true"
at_exit 'fixture_throttle_clear AUTHX'

# Replay after logout, on every route -------------------------------------

# Routes anyone may call without a token, and the logout itself (sent on
# purpose below); the web pages' files (handler static_get) are public too.
public='^(/api/v1/auth/logout|/healthz|/api/v1/version|/api/v1/openapi.json|/api/v1/auth/login|/api/v1/keys|/api/v1/media/\{sha256\}|/api/v1/documents/\{id\}/versions/\{version\})$'
routes=()
while read -r method path handler; do
	[[ $path =~ $public ]] && continue
	[ "$handler" = static_get ] && continue
	routes+=("$method $path")
done < <(sed -n 's/^ROUTE\(_REPLICA\)\?(\([A-Z]*\), *"\([^"]*\)", *\([a-z_0-9]*\)).*/\2 \3 \4/p' "$HB_REPO/kore-app/routes.def")
ok '[ ${#routes[@]} -ge 80 ]' "routes.def lists ${#routes[@]} routes that need a token"

# One request: the path's ids made up, {} as the body of a write (the
# member import takes CSV).
call() {	# TOKEN METHOD PATH
	local token=$1 method=$2 path=$3 url
	url=$BASE$(sed -e 's/{sha256}/00/g' -e 's/{[a-z]*}/987654321/g' <<<"$path")
	case $path in *\?*) ;; *) [ "$path" = /api/v1/search ] && url="$url?q=ngh%E1%BB%8B" ;; esac
	[ "$path" = /api/v1/reports/engagement ] && url="$url?unit=${FX_UNIT[P]}&document=987654321"
	case $method in
	GET | DELETE)
		auth_req "$token" -X "$method" "$url" ;;
	*)
		if [ "$path" = /api/v1/members/import ]; then
			auth_req "$token" -X "$method" -H 'Content-Type: text/csv' \
			    --data-binary $'card_number,full_name,cell_code\n' "$url"
		else
			auth_req "$token" -X "$method" -H 'Content-Type: application/json' \
			    --data-binary '{}' "$url"
		fi ;;
	esac
}

ok 'login "${FX_CARD[admin]}" "${FX_PASSWORD[admin]}" TOKEN' "the administrator logs in"
admin=$TOKEN
ok 'login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" TOKEN' "a member logs in (a second session, to log out)"
member=$TOKEN

bad=()
for r in "${routes[@]}"; do
	call "$admin" $r
	[ "$REQ_STATUS" != 401 ] || bad+=("$r")
done
ok '[ ${#bad[@]} -eq 0 ]' "with a live token no route answers 401${bad[*]:+ (401 on: ${bad[*]})}"

auth_req "$admin" -X POST "$BASE/api/v1/auth/logout"
is "$REQ_STATUS" 204 "the administrator logs out"

bad=()
for r in "${routes[@]}"; do
	call "$admin" $r
	if [ "$REQ_STATUS" != 401 ] || [ "$(json .error.code)" != invalid_token ]; then
		bad+=("$r=$REQ_STATUS/$(json .error.code)")
	fi
done
ok '[ ${#bad[@]} -eq 0 ]' "after logout all ${#routes[@]} routes answer 401 invalid_token to the replayed token${bad[*]:+ (not on: ${bad[*]})}"
auth_req "$member" "$BASE/api/v1/me"
is "$REQ_STATUS" 200 "... and another member's session is untouched"
auth_req "$admin" -H 'X-Forwarded-For: 10.0.0.1' "$BASE/api/v1/me"
is "$REQ_STATUS" 401 "... nor does another claimed address help the replay"

# Brute force from one address, over HTTP ----------------------------------

fx_sql "DELETE FROM login_throttle WHERE key = 'addr:$ADDR'" >/dev/null
codes=()
for i in $(seq 1 30); do
	jq -cn --arg l "AUTHX-spray-$i" '{login: $l, password: "mật khẩu đoán thử"}' >"$TEST_TMP/spray.json"
	req -X POST -H 'Content-Type: application/json' -H "X-Forwarded-For: $ADDR" \
	    --data-binary "@$TEST_TMP/spray.json" "$KORE/api/v1/auth/login"
	codes+=("$REQ_STATUS")
done
ok '[ "$(printf "%s\n" "${codes[@]}" | sort -u | tr "\n" " ")" = "401 " ]' \
	"30 logins tried from $ADDR, each another account: all 401 (got $(printf '%s\n' "${codes[@]}" | sort | uniq -c | tr -s ' \n' ' '))"
# (The count starts again from 0 once the key is blocked.)
is "$(fx_sql "SELECT blocked_until > now() + interval '14 minutes' FROM login_throttle WHERE key = 'addr:$ADDR'")" t \
	"... counted against the address Kore was told by the loopback proxy: blocked for 15 minutes"

jq -cn --arg l "${FX_CARD[spare]}" --arg p "${FX_PASSWORD[spare]}" '{login: $l, password: $p}' >"$TEST_TMP/right.json"
req -X POST -H 'Content-Type: application/json' -H "X-Forwarded-For: $ADDR" \
    --data-binary "@$TEST_TMP/right.json" "$KORE/api/v1/auth/login"
is "$REQ_STATUS" 429 "the 31st attempt from $ADDR is 429, even with a right password"
is_error_envelope too_many_requests "... code too_many_requests"
retry=$(hdr retry-after)
ok '[ -n "$retry" ] && [ "$retry" -gt 800 ] && [ "$retry" -le 900 ]' "... with Retry-After of about 15 minutes ($retry)"
ok '[ -z "$(json .token)" ] || [ "$(json .token)" = null ]' "... and no token"
rm -f "$TEST_TMP/right.json" "$TEST_TMP/spray.json"

ok 'login "${FX_CARD[spare]}" "${FX_PASSWORD[spare]}" TOKEN' \
	"the same member logs in from 127.0.0.1 through HAProxy: the block is the address's"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'auth.login_throttled' AND client = :'a' AND at > now() - interval '10 minutes'" -v a="$ADDR")" 1 \
	"the refusal is in the audit log with the address"

done_testing
