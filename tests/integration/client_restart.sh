#!/bin/bash
# The client library's push when the server goes away in the middle of it
# (issue 8): 3,000 reading events recorded in a journal (6 batches); while
# hb_push sends them, PostgreSQL is stopped once the first batch is stored,
# so the rest of the push gets 503s (retried, then HB_ERR_UNAVAILABLE) and
# its events stay pending; PostgreSQL comes back, the next push sends
# what is pending, and the database holds every event exactly once. The
# journal survives a client killed with SIGKILL in the middle of a push
# and replays. Every run is checked by valgrind.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"
. "$HB_REPO/tests/lib/client.sh"

if ! test_pg_embedded; then
	skip "restarting the database" "the stack uses an external database"
	done_testing
	exit $?
fi

fixture_org CLRS
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-client-restart"
sed -i 's/^id: test-bo-tai-lieu$/id: test-client-restart/' "$src/test-client-restart/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug = 'test-client-restart'\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
D=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-client-restart'")
V=$(fx_sql "SELECT current_version FROM documents WHERE id = $D")
M=${FX_ID[member]}
pg_ctl_status() { as_pg "$PG_BIN/pg_ctl" status -D "$(test_pg_data)" >/dev/null 2>&1; }
at_exit 'pg_ctl_status || test_pg_start || true'

check login "${FX_CARD[member]}" "${FX_PASSWORD[member]}"
is "$RC" 0 "login"
export HB_TOKEN
HB_TOKEN=$(field token)

J=$TEST_TMP/journal.hbj
N=3000
"$CHECK" record "$J" "$D" "$V" vi "$N" >"$TEST_TMP/record.out"
is "$(sed -n 's/^pending //p' "$TEST_TMP/record.out")" "$N" "$N events recorded"
stored() { fx_sql "SELECT count(*) || ' ' || count(DISTINCT id) FROM read_events WHERE member_id = $M"; }

# The push in the background; PostgreSQL stopped after its first batch.
HLOG=$HANDBOOK_VAR/log/haproxy.log
before=$(wc -l <"$HLOG")
( check push "$J"; printf '%s\n' "$OUT" >"$TEST_TMP/push1.out"; echo "$RC" >"$TEST_TMP/push1.rc" ) &
bg=$!
wait_for 120 '[ "$(fx_sql "SELECT count(*) FROM read_events WHERE member_id = $M")" -gt 0 ]' ||
	diag "no batch stored within 120 s"
test_pg_stop
wait "$bg" || true
OUT=$(cat "$TEST_TMP/push1.out")
RC=$(cat "$TEST_TMP/push1.rc")
diag "first push: $(field sent), status $RC"
is "$RC" 10 "the push interrupted by the database stopping: HB_ERR_UNAVAILABLE"
sleep 0.5	# HAProxy logs asynchronously
n503=$(tail -n +$((before + 1)) "$HLOG" | grep 'POST "/api/v1/events" HTTP/1.1' | grep -c ' 503 ' || true)
ok '[ "$n503" -ge 2 ] && [ "$n503" -le 3 ]' \
	"... after trying the failing batch again: $n503 answers 503 (3 attempts in all, the first maybe cut off)"
pending=$(printf '%s\n' "$OUT" | sed -n 's/^sent .* pending //p')
ok '[ "$pending" -gt 0 ] && [ "$pending" -lt "$N" ]' "... with some events sent and $pending still pending"

test_pg_start
wait_for 30 '[ "$(curl -s --cacert "$CACERT" -o /dev/null -w "%{http_code}" "$BASE/healthz")" = 200 ]' ||
	diag "the service did not come back within 30 s"
check pending "$J"
like "$OUT" "^pending $pending rejected 0" "the journal still holds the $pending pending events after the failed push"

# A client killed in the middle of the next push leaves a journal that
# opens, and the push after it completes.
"$CHECK" push "$J" >/dev/null 2>&1 &
victim=$!
sleep 0.3
kill -KILL "$victim" 2>/dev/null || true
wait "$victim" 2>/dev/null || true
check pending "$J"
is "$RC" 0 "a journal whose client was killed mid-push opens"

check push "$J"
is "$RC" 0 "once the database is back, the next push: HB_OK"
is "$(field sent | sed 's/.* pending //')" 0 "... nothing left pending"
is "$(stored)" "$N $N" "every event stored exactly once ($N rows, $N ids)"
check push "$J"
is "$(field sent)" "0 accepted 0 duplicate 0 rejected 0 pending 0" "a push after that sends nothing"
is "$(stored)" "$N $N" "... and stores nothing more"

valgrind_clean
done_testing
