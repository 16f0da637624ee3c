#!/bin/bash
# GET /healthz: 200 {"status":"ok","database":"ok"} while PostgreSQL is up;
# 503 with the database_unavailable envelope and Retry-After once it is
# stopped (answered by the module: HAProxy keeps the node in rotation on
# 503); 200 again within seconds after PostgreSQL is back, without Kore
# being restarted.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"

req "$BASE/healthz"
is "$REQ_STATUS" 200 "GET /healthz is 200 while the database is up"
like "$(hdr content-type)" '^application/json' "... and JSON"
is_json .status ok "... status ok"
is_json .database ok "... database ok"

if ! test_pg_embedded; then
	skip "stopping the database" "the stack uses an external database"
	done_testing
	exit $?
fi

kore_pid=$(test_kore_pid)
ok '[ -n "$kore_pid" ]' "Kore's pid is known ($kore_pid)"

# Whatever happens below, PostgreSQL is up again when this script ends.
at_exit 'test_pg_embedded && ! pg_ctl_status >/dev/null 2>&1 && test_pg_start || true'
pg_ctl_status() { as_pg "$PG_BIN/pg_ctl" status -D "$(test_pg_data)"; }

if test_pg_stop; then
	pass "PostgreSQL stopped"
else
	bail_out "could not stop the test cluster"
fi

# The module may need a moment (a pooled connection has to fail first).
wait_for 10 'req "$BASE/healthz"; [ "$REQ_STATUS" = 503 ]' || true
is "$REQ_STATUS" 503 "GET /healthz is 503 with the database down"
like "$(hdr content-type)" '^application/json' "... and JSON"
is_error_envelope database_unavailable "... code database_unavailable (the module's answer, not HAProxy's)"
like "$(hdr retry-after)" '^[0-9]+$' "... with Retry-After"

# Other requests keep working in the meantime (not a hang, not a 502).
req "$BASE/no/such/path"
ok '[ "$REQ_STATUS" != 502 ] && [ "$REQ_STATUS" != 504 ] && [ "$REQ_STATUS" != 000 ]' \
	"the node still answers other requests (status $REQ_STATUS)"

if test_pg_start; then
	pass "PostgreSQL started again"
else
	bail_out "could not start the test cluster again"
fi

wait_for 10 'req "$BASE/healthz"; [ "$REQ_STATUS" = 200 ]' || true
is "$REQ_STATUS" 200 "GET /healthz is 200 again within 10 s"
is_json .database ok "... database ok"
is "$(test_kore_pid)" "$kore_pid" "... without Kore being restarted (same pid)"
ok 'pid_alive "$kore_pid" kore' "... and that Kore is alive"

done_testing
