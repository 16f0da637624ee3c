#!/bin/bash
# Reading events survive PostgreSQL going away under load. Three clients
# post batches of events without pause while the test stops PostgreSQL
# (a fast shutdown) and starts it again, and later kills it outright (an
# immediate shutdown: a crash, recovered from the WAL). Like a phone, a
# client keeps a batch until it gets a 200 and sends the very same batch
# again after a 503, a 502 or a broken connection. At the end the tables
# hold every event that was acknowledged, each exactly once, and nothing
# else: were a first try stored and its answer lost, the retry would be
# answered "accepted" and not stored again; and an acknowledged event
# is not lost in the crash (each batch commits to disk before its 200).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

if ! test_pg_embedded; then
	skip "restarting the database" "the stack uses an external database"
	done_testing
	exit $?
fi

fixture_org EVR
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-events-restart"
sed -i 's/^id: test-bo-tai-lieu$/id: test-events-restart/' "$src/test-events-restart/document.yaml"
cleanup_doc() {
	fx_sql "DELETE FROM documents WHERE slug = 'test-events-restart'" >/dev/null 2>&1 || true
}
cleanup_doc
at_exit cleanup_doc
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-events-restart'")

tokens=()
ids=()
for key in member khmer secretary; do
	login "${FX_CARD[$key]}" "${FX_PASSWORD[$key]}" tok || bail_out "login $key"
	tokens+=("$tok")
	ids+=("${FX_ID[$key]}")
done
members=$(IFS=,; echo "${ids[*]}")

# PostgreSQL is up again when this script ends, whatever happens.
pg_ctl_status() { as_pg "$PG_BIN/pg_ctl" status -D "$(test_pg_data)" >/dev/null 2>&1; }
at_exit 'pg_ctl_status || test_pg_start || true'

# client N TOKEN: posts batches of 20 new events until $TEST_TMP/stop
# exists, each batch again and again until it gets a 200. Writes the ids
# of accepted events to acked-N, and counts what failed.
client() {
	local n=$1 token=$2 body status tries i id kind sec events
	local out=$TEST_TMP/client-$n.out now
	: >"$TEST_TMP/acked-$n"
	: >"$TEST_TMP/failed-$n"
	: >"$TEST_TMP/posted-$n"
	while [ ! -e "$TEST_TMP/stop" ]; do
		now=$(date -u +%FT%TZ)
		events=
		for i in $(seq 1 20); do
			id=$(cat /proc/sys/kernel/random/uuid)
			echo "$id" >>"$TEST_TMP/posted-$n"
			kind=section_read sec=",\"section\":$((i % 5 + 1))"
			[ "$i" = 1 ] && kind=opened sec=
			events="$events${events:+,}{\"id\":\"$id\",\"kind\":\"$kind\",\"document_id\":$DOC,\"version\":1,\"lang\":\"vi\"$sec,\"occurred_at\":\"$now\",\"seconds\":3}"
		done
		body="{\"events\":[$events]}"
		tries=0
		while :; do
			tries=$((tries + 1))
			status=$(curl -s --cacert "$CACERT" --max-time 10 -o "$out" -w '%{http_code}' \
				-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
				--data-binary "$body" "$BASE/api/v1/events" 2>/dev/null) || true
			if [ "$status" = 200 ]; then
				jq -r '.results[] | select(.status == "accepted") | .id' "$out" >>"$TEST_TMP/acked-$n"
				break
			fi
			echo "${status:-000}" >>"$TEST_TMP/failed-$n"
			[ "$tries" -lt 300 ] || { echo "gave up" >>"$TEST_TMP/failed-$n"; return 1; }
			sleep 0.1
		done
	done
}

rm -f "$TEST_TMP/stop"
pids=()
for n in 0 1 2; do
	client "$n" "${tokens[$n]}" &
	pids+=($!)
done
acked() { cat "$TEST_TMP"/acked-* | wc -l; }

wait_for 20 '[ "$(acked)" -ge 200 ]' || true
ok '[ "$(acked)" -ge 200 ]' "the clients are posting ($(acked) events acknowledged)"

test_pg_stop && pass "PostgreSQL stopped (fast shutdown) under load" || bail_out "could not stop PostgreSQL"
sleep 2
test_pg_start && pass "... and started again" || bail_out "could not start PostgreSQL"
before=$(acked)
wait_for 30 '[ "$(acked)" -ge $((before + 200)) ]' || true
ok '[ "$(acked)" -ge $((before + 200)) ]' "the clients go on ($(acked) acknowledged)"

as_pg "$PG_BIN/pg_ctl" stop -D "$(test_pg_data)" -m immediate -w -t 30 \
	>>"$HANDBOOK_VAR/log/postgresql.log" 2>&1 && pass "PostgreSQL killed (immediate shutdown) under load" ||
	bail_out "could not kill PostgreSQL"
sleep 2
test_pg_start && pass "... and recovered" || bail_out "could not start PostgreSQL after the crash"
before=$(acked)
wait_for 30 '[ "$(acked)" -ge $((before + 200)) ]' || true
ok '[ "$(acked)" -ge $((before + 200)) ]' "the clients go on after the crash ($(acked) acknowledged)"

touch "$TEST_TMP/stop"
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
is "$rc" 0 "every client got every batch acknowledged in the end"

failures=$(cat "$TEST_TMP"/failed-* | wc -l)
ok '[ "$failures" -gt 0 ]' "requests failed while PostgreSQL was away and were sent again ($failures: $(cat "$TEST_TMP"/failed-* | sort | uniq -c | tr -s ' ' | tr '\n' ',' ))"
ok '! grep -q "gave up" "$TEST_TMP"/failed-*' "... no client gave up"

# What was acknowledged against what is stored.
cat "$TEST_TMP"/acked-* | sort >"$TEST_TMP/acked"
cat "$TEST_TMP"/posted-* | sort >"$TEST_TMP/posted"
fx_sql "SELECT id FROM read_events WHERE member_id IN ($members) ORDER BY id" | LC_ALL=C sort >"$TEST_TMP/stored"
LC_ALL=C sort -o "$TEST_TMP/acked" "$TEST_TMP/acked"
LC_ALL=C sort -o "$TEST_TMP/posted" "$TEST_TMP/posted"
is "$(sort -u "$TEST_TMP/acked" | wc -l)" "$(wc -l <"$TEST_TMP/acked")" "no event was acknowledged twice"
is "$(wc -l <"$TEST_TMP/acked")" "$(wc -l <"$TEST_TMP/posted")" "every event posted was acknowledged ($(wc -l <"$TEST_TMP/acked"))"
is "$(LC_ALL=C comm -23 "$TEST_TMP/acked" "$TEST_TMP/stored" | wc -l)" 0 "every acknowledged event is stored"
is "$(uniq -d "$TEST_TMP/stored" | wc -l)" 0 "... exactly once (no duplicates)"
is "$(wc -l <"$TEST_TMP/stored")" "$(wc -l <"$TEST_TMP/acked")" "... and nothing else is stored"
is "$(fx_sql "SELECT count(*) FROM read_event_ids WHERE member_id IN ($members)")" "$(wc -l <"$TEST_TMP/acked")" \
	"the ledger holds as many"
is "$(fx_sql "SELECT sum(events) FROM progress WHERE member_id IN ($members) AND document_id = $DOC")" \
	"$(wc -l <"$TEST_TMP/acked")" "progress counted each event once"

done_testing
