#!/bin/bash
# Benchmark: POST /api/v1/events over HTTPS (HAProxy, Kore, PostgreSQL)
# in batches of 100 events, each request from another member, against a
# raw COPY of the same number of rows into read_events in the same run
# (issue 5's target: at least 50,000 events per second, durably
# committed, on this 2-core machine).
#
#   tests/bench/events_vs_copy.sh [SECONDS] [CONNECTIONS...]
#                                           (default 15 s; 16 and 64)
#
# It starts a stack of its own (scripts/stack, temporary folder, free
# ports, 127.0.0.1 only) with the demo province (3,100 members) and the
# published documents of content/, gives BENCH_MEMBERS members (256) a
# session straight in the sessions table (a login costs 300 ms of
# Argon2id; the tokens are random, only their hashes are stored, as the
# server does), then for each number of connections runs wrk (1 thread:
# the machine has 2 cores and the server needs them) with
# tests/bench/events.lua, which builds every request's 100 events with
# new UUIDs: opened, section_read of real sections, completed, for real
# documents and versions. Events per second are counted in the database
# (rows stored / seconds), not from wrk's replies. Each batch commits
# with synchronous_commit on (api_events_post() sets it for its
# transaction; conf/postgresql.conf has it off for tests): a durable
# commit, a WAL flush, per request.
#
# The reference is PostgreSQL alone: COPY of the same number of rows into
# read_events, and then into both tables an event writes (read_events and
# the read_event_ids ledger), from a file, on one connection, one
# transaction, synchronous_commit on. Everything it started is stopped by
# PID at the end. Not part of `make test`: figures are measured, not
# asserted.
set -eu

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=${1:-15}
shift || true
CONNS=${*:-16 64}
MEMBERS=${BENCH_MEMBERS:-256}
BATCH=${BENCH_BATCH:-100}
. "$HB_REPO/scripts/lib.sh"
HB_PROG=bench
. "$HB_REPO/tests/bench/lib.sh"

bench_install wrk
[ -x "$HB_REPO/build/handbook.so" ] || die "build the module first: make build"

trap bench_stack_down EXIT
bench_stack_up

# Sessions for MEMBERS members of the demo province: 32 random bytes as
# 43 characters of base64url, stored as BLAKE2b-256 of that text.
: >"$VAR/tokens"
: >"$VAR/sessions.tsv"
for id in $(psql_app -At -c "SELECT id FROM members WHERE active ORDER BY id LIMIT $MEMBERS"); do
	tok=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
	hash=$(printf '%s' "$tok" | b2sum -l 256 | cut -d' ' -f1)
	echo "$tok" >>"$VAR/tokens"
	printf '%s\t%s\n' "$hash" "$id" >>"$VAR/sessions.tsv"
done
psql_app -c "CREATE TEMP TABLE s (h text, m bigint)" -c "\\copy s FROM '$VAR/sessions.tsv'" \
	-c "INSERT INTO sessions (token_hash, member_id, expires_at, client) SELECT decode(h, 'hex'), m, now() + interval '1 day', 'bench' FROM s"

# The documents everyone may read: id, version, sections (Vietnamese).
psql_app -At -F ' ' -c "
	SELECT d.id, d.current_version, count(s.position)
	FROM documents d JOIN document_sections s ON s.document_id = d.id
	    AND s.version = d.current_version AND s.lang = 'vi'
	WHERE d.state = 'published' AND d.unit_id IS NULL
	GROUP BY d.id, d.current_version ORDER BY d.id" >"$VAR/documents"
[ -s "$VAR/documents" ] || die "no published documents (content/ not imported?)"

{
	echo "local tokens = {"
	sed 's/.*/"&",/' "$VAR/tokens"
	echo "}"
	echo "local documents = {"
	awk '{ printf "{%s, %s, %s},\n", $1, $2, $3 }' "$VAR/documents"
	echo "}"
	echo "local occurred_at = \"$(date -u -d '-2 minutes' +%FT%TZ)\""
} >"$VAR/events-data.lua"
# Each wrk run gets its own run number, the first part of its UUIDs.
script() {
	{
		cat "$VAR/events-data.lua"
		echo "local run = $((RANDOM * 32768 + RANDOM))"
		echo "batch_size = $BATCH"
		cat "$HB_REPO/tests/bench/events.lua"
	} >"$VAR/events.lua"
}

count() { psql_app -At -c "SELECT count(*) FROM read_events"; }

# CPU per event of each part of the stack (bench_cpu_snapshot in lib.sh),
# and of wrk: other people's processes on a shared machine make
# wall-clock rates noisy; CPU per event says what each part costs.
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

echo "# events, batches of $BATCH, $(wc -l <"$VAR/tokens") members, $(wc -l <"$VAR/documents") documents, ${DURATION} s per run, $(nproc) cores, $(date -u +%FT%TZ)"
echo "# Kore $(kore -v 2>/dev/null | head -n 1), workers ${HANDBOOK_WORKERS:-2} x ${HANDBOOK_PG_CONN_MAX:-8} PostgreSQL connections, $(haproxy -v | head -n 1 | cut -d' ' -f1-3), $(psql_app -At -c 'SHOW server_version'), fsync $(psql_app -At -c 'SHOW fsync'), wal_sync_method $(psql_app -At -c 'SHOW wal_sync_method')"
echo "\$ wrk -t1 -cN -d${DURATION}s -s events.lua $BASE/api/v1/events"
printf '%-11s %9s %9s %7s %8s %8s %6s   %s\n' connections requests events/s req/s p50_ms p99_ms non2xx "CPU us/event: kore haproxy postgres wrk total"

# A short warm-up: plans cached, partitions and pages touched.
script
wrk -t1 -c8 -d3s -s "$VAR/events.lua" "$BASE/api/v1/events" >/dev/null 2>&1 </dev/null
total=0
for c in $CONNS; do
	script
	before=$(count)
	read -r k0 h0 p0 < <(bench_cpu_snapshot)
	# times: the CPU of this subshell's children, wrk, in seconds.
	(wrk -t1 -c"$c" -d"${DURATION}s" --latency -s "$VAR/events.lua" \
	    "$BASE/api/v1/events" >"$VAR/wrk.out" 2>&1 </dev/null; times) >"$VAR/times.out"
	read -r k1 h1 p1 < <(bench_cpu_snapshot)
	after=$(count)
	read -r p50 p99 rps non2xx secs < <(awk '/^REPORT/ { print $3, $5, $7, $9, $11 }' "$VAR/wrk.out")
	w=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$VAR/times.out")
	stored=$((after - before))
	[ "$stored" -gt 0 ] || stored=1
	total=$((total + stored))
	printf '%-11s %9s %9s %7s %8s %8s %6s   %s\n' "$c" "$((stored / BATCH))" \
	    "$(rate "$stored" "$secs")" "$rps" "$p50" "$p99" "$non2xx" \
	    "$(bench_cpu_per "$stored" "$k0" "$h0" "$p0" "$k1" "$h1" "$p1" |
	    awk -v w="$w" -v n="$stored" \
	    '{ wrk = w * 1e6 / n; printf "%s %s %s %.1f %.1f", $1, $2, $3, wrk, $4 + wrk }')"
done

# Every stored event has its ledger row and none is there twice.
psql_app -At -c "SELECT 'check: ' || (SELECT count(*) FROM read_events) || ' events, ' ||
	(SELECT count(*) FROM read_event_ids) || ' ledger rows, ' ||
	(SELECT count(*) FROM (SELECT 1 FROM read_events GROUP BY member_id, id HAVING count(*) > 1) d) || ' stored twice'"

# The reference: COPY of as many rows as the last run stored.
n=${stored:-100000}
[ "$n" -ge 10000 ] || n=10000
psql_app -c "\\copy (SELECT gen_random_uuid(), m.id, 1, now(), now() - interval '2 minutes', 1, 30, 'section_read', 1 + g % 6, true, 'vi' FROM generate_series(1, $n) g JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM members LIMIT $MEMBERS) m ON m.k = g % $MEMBERS) TO '$VAR/copy-events.tsv'"
awk -F '\t' 'BEGIN { OFS = "\t" } { print $2, $1, NR, $4, "t" }' "$VAR/copy-events.tsv" >"$VAR/copy-ids.tsv"
timed() {
	PGOPTIONS='-c synchronous_commit=on' psql_app -c '\timing on' "$@" 2>&1 |
	    awk '/^Time:/ { t += $2 } END { printf "%.3f", t / 1000 }'
}
t1=$(timed -c "\\copy read_events FROM '$VAR/copy-events.tsv'")
t2=$(timed -c 'BEGIN' -c "\\copy read_events FROM '$VAR/copy-events.tsv'" -c "\\copy read_event_ids FROM '$VAR/copy-ids.tsv'" -c 'COMMIT')
echo
echo "# reference: COPY of $n rows from a file, psql, one connection, one transaction, synchronous_commit on"
printf '%-40s %12s %10s\n' what rows/s seconds
printf '%-40s %12s %10s\n' "COPY read_events" "$(rate "$n" "$t1")" "$t1"
printf '%-40s %12s %10s\n' "COPY read_events + read_event_ids" "$(rate "$n" "$t2")" "$t2"
