#!/bin/bash
# POST /api/v1/auth/password {"current_password", "new_password"}: with the
# right current password, 204; the old password no longer logs in and the
# new one does; the token used for the change keeps working while the
# member's other sessions (opened before) are refused. A wrong current
# password is 403 wrong_password and changes nothing; a new password under
# 8 characters (counted in code points: 8 Vietnamese letters pass, 7 Khmer
# code points do not, whatever their bytes) or one character repeated is
# 422 weak_password and changes nothing. Vietnamese and Khmer passphrases
# work. The change is audited (auth.password, and access.denied for the
# 403), without any password.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

PW_URL=$BASE/api/v1/auth/password

if fixture_org AUTHP; then
	pass "fixture organisation AUTHP created"
else
	bail_out "could not create the fixture organisation"
fi
at_exit 'fixture_throttle_clear AUTHP'

card=${FX_CARD[member]}
id=${FX_ID[member]}
old=${FX_PASSWORD[member]}
vi_pw="mật khẩu của tôi"
km_pw="ពាក្យសម្ងាត់ល្អ"
secrets=("$old" "$vi_pw" "$km_pw")

# change TOKEN CURRENT NEW: POST the change.
change() {
	post_json "$PW_URL" "$(jq -cn --arg c "$2" --arg n "$3" \
		'{current_password: $c, new_password: $n}')" -H "Authorization: Bearer $1"
}
stored_hash() { fx_sql "SELECT password_hash FROM members WHERE id = $id"; }

ok 'login "$card" "$old" before' "the member logs in (session 1)"
ok 'login "$card" "$old" current' "... and again (session 2, used for the change)"
secrets+=("$before" "$current")

# Without a token -----------------------------------------------------------

post_json "$PW_URL" "$(jq -cn --arg c "$old" --arg n "$vi_pw" '{current_password: $c, new_password: $n}')"
is "$REQ_STATUS" 401 "a change without a token is 401"
is_error_envelope unauthorized "... code unauthorized"

# Refusals that change nothing -------------------------------------------

hash0=$(stored_hash)
change "$current" "not my password" "$vi_pw"
is "$REQ_STATUS" 403 "a wrong current password is 403"
is_error_envelope wrong_password "... code wrong_password"
wrong_rid=$(hdr x-request-id)

weak() { # NEW DESC
	change "$current" "$old" "$1"
	is "$REQ_STATUS $(json .error.code)" "422 weak_password" "new password $2: 422 weak_password"
}
weak "short" '"short" (5 characters)'
weak "1234567" '"1234567" (7 characters)'
weak "aaaaaaaaaa" '"aaaaaaaaaa" (one character repeated)'
weak "សម្ងាត់" '"សម្ងាត់" (7 Khmer code points, 21 bytes)'
weak "$(printf 'x%.0s' $(seq 128))$(printf 'y%.0s' $(seq 129))" 'of 257 characters'
post_json "$PW_URL" "$(jq -cn --arg c "$old" '{current_password: $c}')" -H "Authorization: Bearer $current"
is "$REQ_STATUS $(json .error.code)" "422 missing_field" "no new_password: 422 missing_field"
post_json "$PW_URL" "$(jq -cn --arg c "$old" --arg n "$vi_pw" '{current_password: $c, new_password: $n, confirm: $n}')" \
	-H "Authorization: Bearer $current"
is "$REQ_STATUS $(json .error.code)" "422 unknown_field" "an extra field: 422 unknown_field"
is "$(stored_hash)" "$hash0" "none of these changed the stored password"
auth_req "$before" "$BASE/api/v1/me"
is "$REQ_STATUS" 200 "... nor ended the other session"

# The change ----------------------------------------------------------------

change "$current" "$old" "$vi_pw"
is "$REQ_STATUS" 204 "the right current password and a Vietnamese passphrase (\"$vi_pw\"): 204"
is "$REQ_BODY" "" "... with no body"
change_rid=$(hdr x-request-id)
ok '[ "$(stored_hash)" != "$hash0" ]' "... the stored hash changed"
like "$(stored_hash)" '^\$argon2id\$' "... to an Argon2id hash"

login "$card" "$old" || true
is "$REQ_STATUS $(json .error.code)" "401 invalid_credentials" "the old password no longer logs in"
ok 'login "$card" "$vi_pw" after' "the new Vietnamese passphrase logs in"
secrets+=("$after")
auth_req "$current" "$BASE/api/v1/me"
is "$REQ_STATUS" 200 "the token used for the change still works"
auth_req "$before" "$BASE/api/v1/me"
is "$REQ_STATUS $(json .error.code)" "401 invalid_token" "the member's earlier session is refused"
auth_req "$after" "$BASE/api/v1/me"
is "$REQ_STATUS" 200 "a session opened after the change works"

# Khmer ----------------------------------------------------------------------

change "$current" "$vi_pw" "$km_pw"
is "$REQ_STATUS" 204 "a Khmer passphrase (\"$km_pw\"): 204"
ok 'login "$card" "$km_pw" khmer' "the Khmer passphrase logs in"
secrets+=("$khmer")
login "$card" "$vi_pw" >/dev/null || true
is "$REQ_STATUS" 401 "... and the Vietnamese one no longer does"

# Length in code points: 8 of them with diacritics (14 bytes) are enough.
short_vi="Đường lố"
is "$(printf '%s' "$short_vi" | LC_ALL=C.UTF-8 wc -m) $(printf '%s' "$short_vi" | wc -c)" "8 14" \
	"(\"$short_vi\" is 8 code points, 14 bytes)"
secrets+=("$short_vi")
change "$current" "$km_pw" "$short_vi"
is "$REQ_STATUS" 204 "a new password of 8 Vietnamese code points (14 bytes): 204"
ok 'login "$card" "$short_vi"' "... and it logs in"

# One character repeated, when that character takes several bytes.
rep="ăăăăăăăăăă"
change "$current" "$short_vi" "$rep"
is "$REQ_STATUS $(json .error.code)" "422 weak_password" \
	"new password \"$rep\" (one 2-byte character repeated): 422 weak_password"
if [ "$REQ_STATUS" = 204 ]; then
	# The server took it; put back a known password for what follows.
	change "$current" "$rep" "$short_vi" >/dev/null
fi

# The audit log -------------------------------------------------------------

is "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'auth.password'
	AND actor_id = $id AND object = 'member:$id' AND request_id = :'r'" -v r="$change_rid")" 1 \
	"audit_log has the auth.password row of the change"
wait_for 5 '[ "$(fx_sql "SELECT count(*) FROM audit_log WHERE action = '\''access.denied'\''
	AND request_id = :'\''r'\''" -v r="$wrong_rid")" = 1 ]' || true
is "$(fx_sql "SELECT detail->>'status' || ' ' || (detail->>'code') || ' ' || actor_id
	FROM audit_log WHERE action = 'access.denied' AND request_id = :'r'" -v r="$wrong_rid")" \
	"403 wrong_password $id" "... and an access.denied row (403 wrong_password, the member) for the wrong current password"
is "$(fx_sql "SELECT count(*) FROM audit_log a, json_array_elements_text(:'s'::json) s
	WHERE strpos(a::text, s) > 0" -v s="$(printf '%s\n' "${secrets[@]}" | jq -R . | jq -cs .)")" 0 \
	"no password or token (${#secrets[@]} of them) appears in audit_log"

done_testing
