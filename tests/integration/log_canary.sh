#!/bin/bash
# No secret in any log. A password, a token and a note text carrying a
# unique canary string go through the API: a password change to a
# passphrase holding the canary (Vietnamese and Khmer words around it), a
# login with it, a failed login with the canary in a wrong password, a
# login attempt for an account that does not exist with the canary as the
# password, a note whose text holds the canary, the real token sent in a
# query string (twice, under two names clients use) besides the
# Authorization header, a well-formed made-up token in Authorization and in
# a query string, the logout, and the token replayed after it. Then every
# file of the stack's log folder (Kore, HAProxy, PostgreSQL) and the
# audit_log table are searched for the canary, the password, the token and
# the made-up token: none may appear. The same strings are written to
# $HANDBOOK_VAR/canaries, and tests/run searches the logs for them again
# after the whole suite, when the stack has stopped and flushed them.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

uuid() { cat /proc/sys/kernel/random/uuid; }

if fixture_org LOGC; then
	pass "fixture organisation LOGC created"
else
	bail_out "could not create the fixture organisation"
fi
at_exit 'fixture_throttle_clear LOGC'

src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-log-canary"
sed -i 's/^id: test-bo-tai-lieu$/id: test-log-canary/' "$src/test-log-canary/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug = 'test-log-canary'\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-log-canary'")

# The canary: unique to this run, in the scripts members type.
CANARY="cnry$(uuid | tr -d -)"
PASSWORD="mật khẩu $CANARY ពាក្យសម្ងាត់"
NOTE_TEXT="Ghi chú riêng $CANARY: chi bộ cần bàn lại"
# A well-formed token (43 base64url characters) nobody was given.
FAKE_TOKEN=$(printf 'C%s' "$(head -c 64 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')" | cut -c1-43)
is "${#FAKE_TOKEN}" 43 "the made-up token has a real token's shape"

# The member sets the canary passphrase, then logs in with it.
ok 'login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" first' "the member logs in"
post_json "$BASE/api/v1/auth/password" "$(jq -cn --arg c "${FX_PASSWORD[member]}" \
	--arg n "$PASSWORD" '{current_password: $c, new_password: $n}')" \
	-H "Authorization: Bearer $first"
like "$REQ_STATUS" '^20[04]$' "the member changes the password to the canary passphrase"
ok 'login "${FX_CARD[member]}" "$PASSWORD" TOKEN' "... and logs in with it"
[ -n "$TOKEN" ] || bail_out "no token"

# Everything that must not be logged, for this file and for tests/run.
printf '%s\n' "$CANARY" "$TOKEN" "$FAKE_TOKEN" "$first" >>"$HANDBOOK_VAR/canaries"

# A wrong password holding the canary, and an unknown account.
post_json "$BASE/api/v1/auth/login" "$(jq -cn --arg l "${FX_CARD[member]}" \
	--arg p "sai $CANARY" '{login: $l, password: $p}')"
is "$REQ_STATUS" 401 "a wrong password with the canary is 401"
post_json "$BASE/api/v1/auth/login" "$(jq -cn --arg p "$PASSWORD" \
	'{login: "LOGC-khong-co", password: $p}')"
is "$REQ_STATUS" 401 "the canary passphrase for an account that does not exist is 401"

# A note holding the canary.
body=$(jq -cn --arg cid "$(uuid)" --argjson d "$DOC" --arg t "$NOTE_TEXT" \
	'{client_id: $cid, document_id: $d, visibility: "private", text: $t}')
post_json "$BASE/api/v1/notes" "$body" -H "Authorization: Bearer $TOKEN"
is "$REQ_STATUS" 201 "a note with the canary in its text is stored"
NOTE=$(json .id)
auth_req "$TOKEN" "$BASE/api/v1/notes/$NOTE"
ok '[[ $(json .text) == *"$CANARY"* ]]' "... and read back by its author"

# The token where it does not belong: in query strings.
auth_req "$TOKEN" "$BASE/api/v1/me?access_token=$TOKEN"
is "$REQ_STATUS" 200 "the token in a query string beside the header changes nothing"
req "$BASE/api/v1/me?token=$TOKEN"
is "$REQ_STATUS" 401 "a token in the query string alone is not taken (401)"
req "$BASE/api/v1/search?q=$CANARY&access_token=$FAKE_TOKEN"
is "$REQ_STATUS" 401 "the made-up token in a query string is 401"
auth_req "$FAKE_TOKEN" "$BASE/api/v1/notes?q=$CANARY"
is "$REQ_STATUS" 401 "the made-up token in Authorization is 401 invalid_token"
is_error_envelope invalid_token "... code invalid_token"

# Logout, then the token replayed.
auth_req "$TOKEN" -X POST "$BASE/api/v1/auth/logout"
is "$REQ_STATUS" 204 "logout is 204"
auth_req "$TOKEN" "$BASE/api/v1/notes/$NOTE"
is "$REQ_STATUS" 401 "the token replayed after logout is 401"

# The audit log ------------------------------------------------------------

for name in CANARY TOKEN FAKE_TOKEN first; do
	is "$(fx_sql "SELECT count(*) FROM audit_log WHERE audit_log::text LIKE '%' || :'s' || '%'" \
		-v s="${!name}")" 0 "the audit log holds no $name"
done
ok '[ "$(fx_sql "SELECT count(*) FROM audit_log WHERE action LIKE '"'"'auth.%'"'"' AND at > now() - interval '"'"'10 minutes'"'"'")" -gt 0 ]' \
	"... though it recorded the logins of this file"

# Every log file -----------------------------------------------------------

logs=$(find "$HANDBOOK_VAR/log" -type f | sort)
ok '[ -n "$logs" ]' "the stack has log files ($(echo $logs | wc -w))"
ok 'grep -qF "/api/v1/notes" "$HANDBOOK_VAR/log/kore.log"' "kore.log recorded this file's requests"
ok 'grep -qF "/api/v1/notes" "$HANDBOOK_VAR/log/haproxy.log"' "haproxy.log recorded them too"
for name in CANARY TOKEN FAKE_TOKEN first; do
	found=$(grep -rlF -- "${!name}" $logs 2>/dev/null || true)
	ok '[ -z "$found" ]' "no log holds the $name${found:+ (found in: ${found//$'\n'/ })}"
done
found=$(grep -rlF -- "ពាក្យសម្ងាត់" $logs 2>/dev/null || true)
ok '[ -z "$found" ]' "no log holds the Khmer words of the password${found:+ (found in: $found)}"

done_testing
