#!/bin/bash
# Old password hashes are upgraded at the next login: a member whose hash
# was made with other Argon2id parameters (libsodium's MODERATE profile
# here, standing for "the parameters before the last change") logs in as
# usual, and the stored hash is then one with today's parameters
# (INTERACTIVE: m=65536 KiB, t=2), with the upgrade noted in the audit log.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org RHSH
id=${FX_ID[spare]}
pw="mật khẩu cũ của tôi"
bin=$(fx_pwhash_bin)
old=$(printf '%s\n' "$pw" | "$bin" moderate)
like "$old" '^\$argon2id\$v=19\$m=262144,t=3,' "a hash with the old (MODERATE) parameters"
fx_sql "UPDATE members SET password_hash = :'h' WHERE id = $id" -v h="$old" >/dev/null

ok 'login "${FX_CARD[spare]}" "$pw" tok' "the member logs in with the old hash"
new=$(fx_sql "SELECT password_hash FROM members WHERE id = $id")
like "$new" '^\$argon2id\$v=19\$m=65536,t=2,' "the stored hash now has today's parameters"
ok '[ "$new" != "$old" ]' "... it was replaced"
is "$(fx_sql "SELECT count(*) FROM audit_log WHERE actor_id = $id AND action = 'auth.login' AND detail->>'rehashed' = 'true'")" 1 \
    "the upgrade is in the audit log"
ok 'login "${FX_CARD[spare]}" "$pw" tok' "the same password logs in against the new hash"
is "$(fx_sql "SELECT password_hash FROM members WHERE id = $id")" "$new" "... which is not replaced again"

done_testing
