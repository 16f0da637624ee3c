#!/bin/bash
# POST /api/v1/auth/login, and GET /api/v1/me with the token it gives: a
# member logs in with their card number, or with their phone written in
# any usual way (0812 345 678, +84..., 84..., with dashes, dots or
# parentheses); the answer has a 43-character base64url token, expires_at
# about 30 days ahead and the member (cell, unit path from the province
# down, roles with the implied "member" of their cell); Vietnamese and
# Khmer names come back byte for byte. A wrong password and an unknown
# login get the same 401 invalid_credentials, word for word; so does a
# disabled member, whose earlier token stops working (401 invalid_token).
# Bad bodies get their codes (400 malformed_json, invalid_utf8,
# duplicate_key; 422 unknown_field, invalid_field, missing_field; 415).
# The audit log records auth.login and auth.login_failed, and neither it
# nor the servers' logs contain any password or token.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

LOGIN_URL=$BASE/api/v1/auth/login

if fixture_org AUTHL; then
	pass "fixture organisation AUTHL created"
else
	bail_out "could not create the fixture organisation"
fi
# This file fails a few logins on purpose; clear their counters at the end.
at_exit 'fixture_throttle_clear AUTHL'

secrets=()	# every password and token seen, to look for in logs below
for k in "${FX_KEYS[@]}"; do secrets+=("${FX_PASSWORD[$k]}"); done

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# Login by card number ------------------------------------------------------

login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" || true
is "$REQ_STATUS" 200 "login by card number is 200"
like "$(hdr content-type)" '^application/json' "... and JSON"
member_token=$TOKEN
secrets+=("$member_token")
login_rid=$(hdr x-request-id)
like "$member_token" '^[A-Za-z0-9_-]{43}$' "... the token is 43 characters of base64url"
exp=$(date -d "$(json .expires_at)" +%s 2>/dev/null || echo 0)
now=$(date +%s)
ok '[ $((exp - now)) -gt $((30 * 86400 - 300)) ] && [ $((exp - now)) -lt $((30 * 86400 + 300)) ]' \
	"... expires_at is about 30 days ahead ($(json .expires_at))"
is_json .member.id "${FX_ID[member]}" "... member.id is the member's"
is_json .member.card_number "${FX_CARD[member]}" "... member.card_number"
is_json .member.full_name "Nguyễn Văn Bình" "... member.full_name"
is_json .member.phone "${FX_PHONE[member]}" "... member.phone, normalised"
is_json '"\(.member.status) \(.member.lang) \(.member.active) \(.member.has_password)"' \
	"official vi true true" "... status, lang, active, has_password"
is_json '"\(.member.cell.id) \(.member.cell.code)"' "${FX_UNIT[C1]} AUTHL-C1" "... member.cell"
is_json '[.member.unit_path[].code] | join(" ")' "AUTHL-P AUTHL-D1 AUTHL-G1 AUTHL-C1" \
	"... member.unit_path runs from the province down to the cell"
is_json '.member.roles | tostring' "[{\"role\":\"member\",\"unit_id\":${FX_UNIT[C1]}}]" \
	"... roles: only the implied member of the cell"
is_json '[paths | map(tostring) | join(".") | select(test("password|hash"; "i"))
	| select(. != "member.has_password")] | length' 0 \
	"... no password or hash field anywhere in the answer"
ok '! grep -q argon2 "$REQ_BODY_FILE"' "... and no Argon2 hash in the body"

# The same token opens GET /api/v1/me.
auth_req "$member_token" "$BASE/api/v1/me"
is "$REQ_STATUS" 200 "GET /api/v1/me with the token is 200"
is_json '"\(.id) \(.card_number)"' "${FX_ID[member]} ${FX_CARD[member]}" "... the same member"

# Roles beyond the implied one, in the order member first.
login "${FX_CARD[secretary]}" "${FX_PASSWORD[secretary]}" || true
secrets+=("$TOKEN")
is_json '.member.roles | tostring' \
	"[{\"role\":\"member\",\"unit_id\":${FX_UNIT[C1]}},{\"role\":\"cell_secretary\",\"unit_id\":${FX_UNIT[C1]}}]" \
	"a cell secretary's roles: member and cell_secretary of the cell"
login "${FX_CARD[admin]}" "${FX_PASSWORD[admin]}" || true
secrets+=("$TOKEN")
is_json '.member.roles | tostring' \
	"[{\"role\":\"member\",\"unit_id\":${FX_UNIT[C1]}},{\"role\":\"admin\",\"unit_id\":${FX_UNIT[P]}}]" \
	"a province admin's roles: member of the cell and admin of the province"

# Login by phone, as people write it ---------------------------------------

p=${FX_PHONE[khmer]#+84}	# 9 digits: 81HHHHHNN
for form in "0${p:0:3} ${p:3:3} ${p:6:3}" "0$p" "+84$p" "84$p" \
	"+84 ${p:0:2} ${p:2:3} ${p:5:4}" "+84-${p:0:3}-${p:3:3}-${p:6:3}" \
	"(0${p:0:3}) ${p:3:3}.${p:6:3}"; do
	login "$form" "${FX_PASSWORD[khmer]}" || true
	is "$REQ_STATUS $(json .member.id)" "200 ${FX_ID[khmer]}" "login by phone written \"$form\" is 200, same member"
	secrets+=("$TOKEN")
done
khmer_token=$TOKEN

# Vietnamese and Khmer text, byte for byte ---------------------------------

auth_req "$khmer_token" "$BASE/api/v1/me"
is "$REQ_STATUS" 200 "GET /api/v1/me for the Khmer member is 200"
name=$(json .full_name)
is "$(hex "$name")" "$(hex "Thạch Thị Sa Rây")" "... full_name is \"Thạch Thị Sa Rây\", byte for byte"
is_json .lang km "... lang km"
commune=$(json '.unit_path[] | select(.kind == "grassroots") | .name_km')
is "$(hex "$commune")" "$(hex "ឃុំឡៃហ័រ")" "... the commune's name_km is \"ឃុំឡៃហ័រ\", byte for byte"
cell_km=$(json .cell.name_km)
is "$(hex "$cell_km")" "$(hex "សាខាបក្សភូមិស្រុកឫស្សី")" "... the cell's name_km, byte for byte"
is "$(hex "$(json .cell.name_vi)")" "$(hex "Chi bộ ấp Sóc Tre")" "... the cell's name_vi, byte for byte"
ok 'grep -qF "Thạch Thị Sa Rây" "$REQ_BODY_FILE" && grep -qF "ឃុំឡៃហ័រ" "$REQ_BODY_FILE"' \
	"... sent as UTF-8 in the body, not as \\u escapes"
stored=$(fx_sql "SELECT full_name FROM members WHERE id = ${FX_ID[khmer]}")
is "$(hex "$name")" "$(hex "$stored")" "... the same bytes as in the database"

# Wrong password, unknown login: the same answer ----------------------------

wrong="wrong password AUTHL 1"
secrets+=("$wrong")
login "${FX_CARD[member]}" "$wrong" || true
wrong_status=$REQ_STATUS wrong_body=$REQ_BODY wrong_type=$(hdr content-type)
wrong_rid=$(hdr x-request-id)
is "$wrong_status" 401 "a wrong password is 401"
is_error_envelope invalid_credentials "... code invalid_credentials"

login AUTHL-NOBODY "$wrong" || true
unknown_rid=$(hdr x-request-id)
is "$REQ_STATUS" "$wrong_status" "an unknown login gets the same status"
is "$REQ_BODY" "$wrong_body" "... the same body, word for word"
is "$(hdr content-type)" "$wrong_type" "... the same Content-Type"

# Bad bodies ----------------------------------------------------------------

bad_body() { # STATUS CODE BODY DESC [CURL ARGS...]
	local status=$1 code=$2 body=$3 desc=$4
	shift 4
	post_json "$LOGIN_URL" "$body" "$@"
	is "$REQ_STATUS" "$status" "$desc is $status"
	is_error_envelope "$code" "... code $code"
}
bad_body 400 malformed_json '{"login": "x", "password": ' "malformed JSON"
bad_body 400 invalid_utf8 $'{"login": "\xff\xfe", "password": "abcdefgh"}' "invalid UTF-8"
bad_body 400 duplicate_key '{"login": "a", "login": "b", "password": "abcdefgh"}' "a duplicate key"
bad_body 422 unknown_field '{"login": "a", "password": "abcdefgh", "remember": true}' "an unknown field"
bad_body 422 invalid_field '{"login": 91000001, "password": "abcdefgh"}' "a number for login"
bad_body 422 invalid_field '{"login": "a", "password": null}' "null for password"
bad_body 422 missing_field '{"login": "a"}' "no password"
bad_body 422 missing_field '{"password": "abcdefgh"}' "no login"
bad_body 422 invalid_field '{"login": "", "password": "abcdefgh"}' "an empty login"
bad_body 422 invalid_field "{\"login\": \"$(printf 'x%.0s' $(seq 65))\", \"password\": \"abcdefgh\"}" \
	"a login of 65 characters"
printf '%s' '{"login": "a", "password": "abcdefgh"}' >"$TEST_TMP/body.json"
req -X POST -H 'Content-Type: text/plain' --data-binary "@$TEST_TMP/body.json" "$LOGIN_URL"
is "$REQ_STATUS" 415 "a JSON body sent as Content-Type: text/plain is 415"
is_error_envelope unsupported_media_type "... code unsupported_media_type"
bad_body 400 malformed_json '["login", "password"]' "an array instead of an object"

# A disabled member ---------------------------------------------------------

login "${FX_CARD[spare]}" "${FX_PASSWORD[spare]}" || true
spare_token=$TOKEN
secrets+=("$spare_token")
is "$REQ_STATUS" 200 "the spare member logs in while active"
auth_req "$spare_token" "$BASE/api/v1/me"
is "$REQ_STATUS" 200 "... and their token works"
fx_sql "UPDATE members SET active = false WHERE id = ${FX_ID[spare]}" >/dev/null
login "${FX_CARD[spare]}" "${FX_PASSWORD[spare]}" || true
is "$REQ_STATUS" 401 "once disabled, the right password is 401"
is "$REQ_BODY" "$wrong_body" "... with the same body as a wrong password"
auth_req "$spare_token" "$BASE/api/v1/me"
is "$REQ_STATUS" 401 "... and their earlier token is refused"
is_error_envelope invalid_token "... code invalid_token"

# The audit log -------------------------------------------------------------

is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'auth.login'
	AND actor_id = ${FX_ID[member]} AND object = 'member:${FX_ID[member]}'
	AND request_id = :'rid'" -v rid="$login_rid")" 1 \
	"audit_log has the auth.login row of the card login (its request id)"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'
	AND request_id = :'rid'" -v rid="$wrong_rid")" 1 \
	"... an auth.login_failed row for the wrong password"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'
	AND actor_id IS NULL AND request_id = :'rid'" -v rid="$unknown_rid")" 1 \
	"... and one without actor for the unknown login"

secrets_json=$(printf '%s\n' "${secrets[@]}" | jq -R . | jq -cs .)
look_for() { # JSON array of strings: how many audit rows contain one
	fx_sql "SELECT count(*) FROM audit_log a, json_array_elements_text(:'s'::json) s
		WHERE strpos(a::text, s) > 0" -v s="$1"
}
ok '[ "$(look_for "[\"auth.login_failed\", \"$wrong_rid\"]")" -ge 2 ]' \
	"(the search over audit_log::text finds what is there)"
is "$(look_for "$secrets_json")" 0 \
	"no password or token (${#secrets[@]} of them) appears anywhere in audit_log"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE audit_log::text ~ 'argon2'")" 0 \
	"... nor any password hash"

# Nor in the servers' logs.
printf '%s\n' "${secrets[@]}" >"$TEST_TMP/secrets"
ok 'grep -qF "$login_rid" "$HANDBOOK_VAR/log/kore.log"' "(kore.log has the login's request id)"
for log in kore haproxy postgresql; do
	f=$HANDBOOK_VAR/log/$log.log
	if [ ! -f "$f" ]; then
		skip "no password or token in $log.log" "no such log (external database?)"
		continue
	fi
	ok '! grep -qF -f "$TEST_TMP/secrets" "$f"' "no password or token in $log.log"
done

done_testing
