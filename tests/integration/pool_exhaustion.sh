#!/bin/bash
# The database connection pool exhausted for real (README, "Configuration":
# HANDBOOK_DB_WAIT_MS, HANDBOOK_PG_QUEUE_LIMIT; kore-app/db.c). This test
# starts a stack of its own with scripts/stack, in a scratch var dir on free
# ports, with a small pool: 2 Kore workers of 2 connections each, at most 6
# statements queued per worker, and a 1500 ms wait budget; it stops it by
# its PIDs (scripts/stack down) however it ends.
#
# The blocker is what makes pools run dry in production: a lock. psql takes
# an EXCLUSIVE lock on read_event_ids (every reading event writes there) and
# holds it a few seconds, so the first event posts take every connection
# and hang on the lock, and the requests behind them queue. Then 60
# requests at once (reading events with fresh UUIDs, and GET /me), three
# times over. It shows that:
# - requests queued longer than HANDBOOK_DB_WAIT_MS, and those that find
#   Kore's queue full, are answered 503 with Retry-After and the error
#   envelope (code database_busy), both paths seen in Kore's log;
# - no request waits much longer than the budget (p50/p99/max printed),
#   except the event posts that held the connections and waited for the
#   lock itself (at most one per connection);
# - the workers' memory (RSS) stays within a bound across the rounds;
# - once the lock is gone every request succeeds again, on the same
#   workers (no restart);
# - no write answered 503 was stored: an event answered 503 and not sent
#   again is absent, one sent again later is accepted and stored once.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"

WAIT_MS=1500	# not the default (2000), to show the setting is read
CONN_MAX=2
QUEUE_LIMIT=6
WORKERS=2
BURST=60	# requests per round, all at once against the blocked pool
# The load the pool serves comfortably, even with statements slowed to a
# few hundred ms by a busy machine: as many requests in flight as there
# are connections. The warm-up, the events sent again and the load after
# the blocker keep to it.
FITS=$((WORKERS * CONN_MAX))
ROUNDS=3
HOLD=5		# seconds the lock is held per round
MARGIN_MS=1000	# on top of WAIT_MS: TLS, HAProxy, curl, a busy machine
# Both workers together: the ASan quarantine (8 MB each, px_env) may fill
# with what the rounds freed; anything beyond it and some slack is a leak.
RSS_BOUND_KB=$((24 * 1024))

# --- The stack of this test ------------------------------------------------

PX_VAR=$(mktemp -d "${TMPDIR:-/tmp}/handbook-pool.XXXXXX")
chmod 755 "$PX_VAR"
test_free_ports 1 PX_PORT PX_KORE_PORT PX_PG_PORT || bail_out "no free port"
# A small ASan quarantine: freed memory held back by the sanitizer build
# would otherwise count as growth in the RSS figures.
px_env() {
	HANDBOOK_VAR=$PX_VAR HANDBOOK_PORT=$PX_PORT HANDBOOK_KORE_PORT=$PX_KORE_PORT \
		HANDBOOK_PG_PORT=$PX_PG_PORT HANDBOOK_KORE_NODES=1 HANDBOOK_REPLICA=0 \
		HANDBOOK_WORKERS=$WORKERS HANDBOOK_PG_CONN_MAX=$CONN_MAX \
		HANDBOOK_PG_QUEUE_LIMIT=$QUEUE_LIMIT HANDBOOK_DB_WAIT_MS=$WAIT_MS \
		ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:abort_on_error=1:quarantine_size_mb=8 \
		HANDBOOK_DEMO_DATA=0 HANDBOOK_CONTENT=0 HANDBOOK_DATABASE_URL= "$@"
}
px_down() {
	px_env "$HB_REPO/scripts/stack" down 2>&1 | sed -e 's/^/# /' || true
	if [ "${HANDBOOK_TEST_KEEP:-0}" = 1 ]; then
		diag "kept $PX_VAR"
	else
		if [ -L "$PX_VAR/pg" ]; then
			case $(readlink -f -- "$PX_VAR/pg") in /tmp/handbook-pg-*) rm -rf -- "$(readlink -f -- "$PX_VAR/pg")" ;; esac
		fi
		rm -rf -- "$PX_VAR"
	fi
}
at_exit px_down
if ! px_env "$HB_REPO/scripts/stack" up >"$TEST_TMP/up.out" 2>&1; then
	sed -e 's/^/# /' "$TEST_TMP/up.out"
	bail_out "the stack with a small pool did not start"
fi
pass "a stack of its own: $WORKERS workers x $CONN_MAX connections, queue $QUEUE_LIMIT, wait budget $WAIT_MS ms"

# From here on, the helpers talk to this stack.
export BASE=https://localhost:$PX_PORT CACERT=$PX_VAR/tls/ca.pem
HANDBOOK_DATABASE_URL=$(cat "$PX_VAR/secrets/database-url")
export HANDBOOK_DATABASE_URL
. "$HB_REPO/tests/lib/fixtures.sh"
KLOG=$PX_VAR/log/kore.log

fixture_org PX
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-pool"
sed -i 's/^id: test-bo-tai-lieu$/id: test-pool/' "$src/test-pool/document.yaml"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-pool'")
login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" ETOKEN || bail_out "login member"
login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" RTOKEN || bail_out "login khmer"

# --- Helpers ---------------------------------------------------------------

# The Kore main process and its workers' PIDs and total RSS (kB).
KORE_MAIN=$(head -n 1 "$PX_VAR/run/kore.pid")
workers() { pgrep -P "$KORE_MAIN" | sort -n | tr '\n' ' '; }
rss_kb() {
	local p total=0 kb
	for p in $(workers); do
		kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
		total=$((total + ${kb:-0}))
	done
	echo "$total"
}

RES=$TEST_TMP/res
mkdir -p "$RES"

# prepare TAG PARALLEL [UUIDS]: writes the curl configuration of BURST
# requests, alternately a reading event with a fresh UUID and GET /me; or,
# given a file of UUIDs, those events again, byte for byte. Shell builtins
# only, and done before the blocker is in place: on a busy machine a
# process per request would take seconds. fire TAG then sends them from one
# curl, PARALLEL at a time (--parallel, a connection each, as from as many
# phones), and leaves $RES/TAG-N.{json,hdr[,uuid,body]} and $RES/TAG.w, one
# line per request: "TAG-N kind status seconds".
prepare() {
	local tag=$1 ids=${3:-} n=0 id f kind cfg=$RES/$1.curl now body
	local -a resend=()
	if [ -n "$ids" ]; then mapfile -t resend <"$ids"; fi
	printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1
	echo "$2" >"$RES/$tag.parallel"
	: >"$cfg"
	while :; do
		n=$((n + 1))
		if [ -n "$ids" ]; then
			[ "$n" -le ${#resend[@]} ] || break
			kind=event
		else
			[ "$n" -le "$BURST" ] || break
			if [ $((n % 2)) = 1 ]; then kind=event; else kind=me; fi
		fi
		f=$RES/$tag-$n
		# Options apply to one transfer each, up to the next "next".
		[ "$n" = 1 ] || echo next >>"$cfg"
		if [ "$kind" = event ]; then
			if [ -n "$ids" ]; then
				id=${resend[$((n - 1))]}
				body=$(<"$RES/body-$id")
			else
				read -r id </proc/sys/kernel/random/uuid
				printf -v body '{"events":[{"id":"%s","kind":"opened","document_id":%s,"version":1,"lang":"vi","occurred_at":"%s","seconds":3}]}' \
					"$id" "$DOC" "$now"
				printf '%s' "$body" >"$RES/body-$id"
			fi
			printf '%s' "$body" >"$f.body"
			echo "$id" >"$f.uuid"
			printf '%s\n' "url = \"$BASE/api/v1/events\"" \
				"header = \"Authorization: Bearer $ETOKEN\"" \
				'header = "Content-Type: application/json"' \
				"data-binary = \"@$f.body\"" >>"$cfg"
		else
			printf '%s\n' "url = \"$BASE/api/v1/me\"" \
				"header = \"Authorization: Bearer $RTOKEN\"" >>"$cfg"
		fi
		printf '%s\n' http1.1 silent "cacert = \"$CACERT\"" "max-time = 30" \
			"output = \"$f.json\"" "dump-header = \"$f.hdr\"" \
			"write-out = \"$tag-$n $kind %{http_code} %{time_total}\\\\n\"" >>"$cfg"
	done
}
fire() {
	curl --parallel --parallel-immediate --parallel-max "$(cat "$RES/$1.parallel")" \
		-K "$RES/$1.curl" >"$RES/$1.w" 2>/dev/null || true
}
burst() { prepare "$@" && fire "$1"; }

# summary TAG: one line per request, "TAG-N kind status ms retry-after
# code" (status 000: no answer), from three processes whatever the count.
summary() {
	local tag=$1
	{
		grep -i -H '^retry-after:' "$RES/$tag"-*.hdr 2>/dev/null |
			sed -E 's|^.*/([^/]+)\.hdr:[^:]*: *([^[:space:]]*).*$|R \1 \2|' || true
		jq -r '"C \(input_filename) \(.error.code // "-")"' "$RES/$tag"-*.json 2>/dev/null |
			sed -E 's|^C .*/([^/]+)\.json |C \1 |' || true
		sed -e 's/^/W /' "$RES/$tag.w"
	} | awk '
		$1 == "R" { ra[$2] = $3; next }
		$1 == "C" { code[$2] = $3; next }
		$1 == "W" { printf "%s %s %s %d %s %s\n", $2, $3, $4, $5 * 1000,
			($2 in ra) ? ra[$2] : "-", ($2 in code) ? code[$2] : "-" }'
}

# statuses FILE: "status×count ..." of a summary, for the diagnostics.
statuses() { awk '{ print $3 "/" $6 }' "$1" | sort | uniq -c | awk '{ printf "%s×%s ", $2, $1 }'; }

# percentiles FILE: p50 p99 max of the numbers in FILE (one per line).
percentiles() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - -"; exit }
		i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
		print v[i50], v[i99], v[NR] }'
}

# lock SECONDS: psql holds an EXCLUSIVE lock on read_event_ids that long
# (in the background; reads of the table go on, writes wait); returns once
# the lock is granted.
lock_granted() {
	[ "$(fx_sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'read_event_ids' AND l.mode = 'ExclusiveLock' AND l.granted")" = 1 ]
}
lock() {
	fx_sql "BEGIN; LOCK TABLE read_event_ids IN EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT;" \
		>/dev/null 2>&1 &
	LOCK_PID=$!
	wait_for 10 lock_granted
}

# --- Warm-up: the pool is enough for the same burst without a blocker -----

burst warm "$FITS"
summary warm >"$RES/warm.txt"
is "$(awk '$3 != 200' "$RES/warm.txt" | wc -l)" 0 "warm-up: $BURST requests, $FITS at a time, without a blocker: all 200 ($(statuses "$RES/warm.txt"))"
workers0=$(workers)
rss0=$(rss_kb)
diag "workers $workers0, RSS after the warm-up: $((rss0 / 1024)) MB"

# --- Rounds with the pool exhausted ----------------------------------------

: >"$RES/blocked.txt"
for r in $(seq 1 "$ROUNDS"); do
	prepare "r$r" "$BURST"
	lock "$HOLD" || bail_out "round $r: the lock was not granted"
	t0=$(date +%s%N)
	fire "r$r"
	wait "$LOCK_PID" || true
	t1=$(date +%s%N)
	summary "r$r" >>"$RES/blocked.txt"
	diag "round $r: $(awk '$3 == 503' "$RES/blocked.txt" | wc -l) 503s so far;" \
		"the lock was held $(((t1 - t0) / 1000000)) ms after the requests went out"
done
rss1=$(rss_kb)

total=$(wc -l <"$RES/blocked.txt")
n503=$(awk '$3 == 503' "$RES/blocked.txt" | wc -l)
n200=$(awk '$3 == 200' "$RES/blocked.txt" | wc -l)
is "$total" $((ROUNDS * BURST)) "$ROUNDS rounds of $BURST requests against an exhausted pool, all answered"
is "$(awk '$3 != 200 && $3 != 503' "$RES/blocked.txt" | wc -l)" 0 "... each 200 or 503 ($n200 were 200, $n503 were 503)"
ok "[ $n503 -ge $((ROUNDS * BURST / 2)) ]" "... at least half of them 503 ($n503)"
is "$(awk '$3 == 503 && !($5 ~ /^[1-9][0-9]*$/)' "$RES/blocked.txt" | wc -l)" 0 \
	"every 503 carries Retry-After in seconds ($(awk '$3 == 503 { print $5 }' "$RES/blocked.txt" | sort -u | tr '\n' ' '))"
is "$(awk '$3 == 503 && $6 != "database_busy"' "$RES/blocked.txt" | wc -l)" 0 "every 503 is the envelope with code database_busy"
f=$RES/$(awk '$3 == 503 { print $1; exit }' "$RES/blocked.txt").json
ok "jq -e '(.error | keys) == [\"code\", \"message\"] and (.error.message | type == \"string\")' '$f' >/dev/null" \
	"... with a message ($(jq -c . "$f"))"

deadline=$(grep -c 'database busy: no connection came free in time' "$KLOG" || true)
full=$(grep -c 'database busy: the queue for connections is full' "$KLOG" || true)
ok "[ $deadline -gt 0 ]" "requests queued past the $WAIT_MS ms budget were answered 503 ($deadline in Kore's log)"
ok "[ $full -gt 0 ]" "requests that found Kore's queue of $QUEUE_LIMIT full were answered 503 at once ($full)"
ok "[ $((deadline + full)) -ge $n503 ]" "... and those are all the 503s (HAProxy's health checks got some of the others)"
waited=$(sed -n -E 's/.*no connection came free in time \(waited ([0-9]+) ms.*/\1/p' "$KLOG" | sort -n | tail -n 1)
# Within 400 ms of the budget: the timer fires on time, and the setting is
# read (the default would be 2000).
ok "[ ${waited:-0} -ge $WAIT_MS ] && [ ${waited:-0} -le $((WAIT_MS + 400)) ]" \
	"the longest wait Kore logged is the budget ($waited ms)"

# Latency: every answer within the budget plus a margin, except the event
# posts that held a connection and waited for the lock itself.
awk '{ print $4 }' "$RES/blocked.txt" >"$RES/ms-all"
awk '$3 == 503 { print $4 }' "$RES/blocked.txt" >"$RES/ms-503"
read -r p50 p99 max <<<"$(percentiles "$RES/ms-all")"
diag "all $total answers: p50 $p50 ms, p99 $p99 ms, max $max ms"
read -r p50 p99 max <<<"$(percentiles "$RES/ms-503")"
diag "the $n503 503s: p50 $p50 ms, p99 $p99 ms, max $max ms"
ok "[ $max -le $((WAIT_MS + MARGIN_MS)) ]" "no 503 took longer than $WAIT_MS + $MARGIN_MS ms (max $max ms)"
slow=$(awk -v lim=$((WAIT_MS + MARGIN_MS)) '$4 > lim' "$RES/blocked.txt")
is "$(printf '%s' "$slow" | awk '$2 != "event" || $3 != 200' | grep -c . || true)" 0 \
	"every slower answer is an event post answered 200 after the lock ($(printf '%s' "$slow" | grep -c . || true))"
ok "[ $(printf '%s' "$slow" | grep -c . || true) -le $((ROUNDS * WORKERS * CONN_MAX)) ]" \
	"... at most one per connection per round ($((WORKERS * CONN_MAX)) connections)"

# --- Afterwards ------------------------------------------------------------

# The events answered 503: every other one is sent again, as a phone would,
# in a burst of its own with the lock gone; the rest never.
awk '$3 == 503 && $2 == "event" { print $1 }' "$RES/blocked.txt" >"$RES/ev503"
: >"$RES/retried"
: >"$RES/dropped"
i=0
for k in $(cat "$RES/ev503"); do
	id=$(cat "$RES/$k.uuid")
	if [ $((i % 2)) = 0 ]; then echo "$id" >>"$RES/retried"; else echo "$id" >>"$RES/dropped"; fi
	i=$((i + 1))
done
burst again "$FITS" "$RES/retried"
summary again >"$RES/again.txt"
nretried=$(wc -l <"$RES/retried")
ok "[ $nretried -gt 0 ]" "$nretried events answered 503 are sent again with the lock gone ($(wc -l <"$RES/dropped") are not)"
is "$(awk '$3 == 200' "$RES/again.txt" | wc -l)" "$nretried" "... every one answered 200 ($(statuses "$RES/again.txt"))"
accepted=0
for f in "$RES"/again-*.json; do
	[ "$(jq -r '.results[0].status' "$f" 2>/dev/null)" = accepted ] && accepted=$((accepted + 1))
done
is "$accepted" "$nretried" "... and accepted, not duplicate: the first try was never stored"

burst after "$FITS"
summary after >"$RES/after.txt"
is "$(awk '$3 != 200' "$RES/after.txt" | wc -l)" 0 "with the blocker gone, $BURST requests, $FITS at a time, all succeed again ($(statuses "$RES/after.txt"))"
is "$(workers)" "$workers0" "... on the same workers: nothing was restarted"
is "$(head -n 1 "$PX_VAR/run/kore.pid")" "$KORE_MAIN" "... under the same Kore"
req "$BASE/healthz"
is "$REQ_STATUS" 200 "/healthz 200"

rss2=$(rss_kb)
diag "workers' RSS: $((rss0 / 1024)) MB after the warm-up, $((rss1 / 1024)) MB after $ROUNDS exhausted rounds, $((rss2 / 1024)) MB at the end"
ok "[ $((rss2 - rss0)) -le $RSS_BOUND_KB ]" \
	"the workers' memory grew by at most $((RSS_BOUND_KB / 1024)) MB ($(((rss2 - rss0) / 1024)) MB, $(((rss2 - rss0))) kB)"

# What was stored against what was answered.
ids_sql() { # FILE: a SQL list of the UUIDs in FILE
	if [ -s "$1" ]; then sed -e "s/.*/'&'/" "$1" | paste -sd, -; else echo "NULL"; fi
}
stored_count() { fx_sql "SELECT count(*) FROM read_events WHERE member_id = ${FX_ID[member]} AND id::text IN ($(ids_sql "$1"))"; }
is "$(stored_count "$RES/dropped")" 0 "no event answered 503 and not sent again is stored"
is "$(stored_count "$RES/retried")" "$nretried" "each event sent again after its 503 is stored"
awk '$3 == 200 && $2 == "event" { print $1 }' "$RES/blocked.txt" | while read -r k; do
	cat "$RES/$k.uuid"
done >"$RES/ok-blocked"
is "$(stored_count "$RES/ok-blocked")" "$(wc -l <"$RES/ok-blocked")" \
	"each event answered 200 during the rounds is stored ($(wc -l <"$RES/ok-blocked"))"
cat "$RES"/warm-*.uuid "$RES"/after-*.uuid "$RES/ok-blocked" "$RES/retried" >"$RES/all-ok"
is "$(fx_sql "SELECT count(*) FROM read_events WHERE member_id = ${FX_ID[member]}")" "$(wc -l <"$RES/all-ok")" \
	"the member has exactly the events answered 200, each once ($(wc -l <"$RES/all-ok"))"
is "$(fx_sql "SELECT count(*) FROM read_event_ids WHERE member_id = ${FX_ID[member]}")" "$(wc -l <"$RES/all-ok")" \
	"... and the ledger as many"

ok '! grep -E "sanitizer|AddressSanitizer|runtime error|worker .* died" "$KLOG"' \
	"no sanitizer report and no worker death in Kore's log"

done_testing
