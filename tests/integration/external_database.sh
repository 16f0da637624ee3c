#!/bin/bash
# HANDBOOK_DATABASE_URL: a second stack, on its own ports and var dir,
# pointed at the test stack's database instead of a cluster of its own. It
# must create no cluster, start no PostgreSQL, apply nothing new (the
# migrations are already there), answer over HTTPS, and on `down` leave the
# database it borrowed running.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"


var2=$TEST_TMP/var
mkdir -p "$var2"
chmod 755 "$TEST_TMP" "$var2"
test_free_ports 1 port2 kore2 || bail_out "no free port"

# HANDBOOK_REPLICA=0: under HANDBOOK_TEST_REPLICA the suite's stack has a
# replica of its embedded cluster; a stack on a borrowed database has none
# to make (scripts/stack refuses the two together).
second() {
	HANDBOOK_VAR=$var2 HANDBOOK_PORT=$port2 HANDBOOK_KORE_PORT=$kore2 \
	    HANDBOOK_REPLICA=0 HANDBOOK_DATABASE_URL=$HANDBOOK_DATABASE_URL \
	    "$HB_REPO/scripts/stack" "$@"
}
at_exit "second down >/dev/null 2>&1 || true"

if second up >"$TEST_TMP/up.out" 2>&1; then
	pass "a stack starts on an existing database"
else
	fail "a stack starts on an existing database" "$(tail -n 20 "$TEST_TMP/up.out")"
	done_testing
fi

ok '[ ! -e "$var2/pg" ]' "... and creates no cluster of its own"
ok '! grep -q "^applied" "$TEST_TMP/up.out"' "... and applies no migration twice"

code=$(curl -s -o "$TEST_TMP/h.json" -w '%{http_code}' --cacert "$var2/tls/ca.pem" \
    "https://localhost:$port2/healthz")
is "$code" 200 "... and answers /healthz over HTTPS"
is "$(jq -r .database "$TEST_TMP/h.json")" ok "... with its database reachable"

second down >"$TEST_TMP/down.out" 2>&1
req "$BASE/healthz"
is "$REQ_STATUS" 200 "stopping it leaves the borrowed database running"

done_testing
