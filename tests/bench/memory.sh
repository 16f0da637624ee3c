#!/bin/bash
# Benchmark: the memory of each Kore worker under load. A mixed load of
# reads (document list, documents in Vietnamese and Khmer, search, own
# progress) at 64 connections for SECONDS, while every Kore worker's
# resident memory (VmRSS) is sampled each second from /proc; printed per
# worker: before the load, its peak (VmHWM) and after. A worker whose
# memory keeps growing between two equal runs leaks; so the load runs
# twice and both ends are printed. Figures for HAProxy and PostgreSQL's
# processes are printed too, as the reference the workers sit beside.
#
#   tests/bench/memory.sh [SECONDS]     (default 20 per run, two runs)
#
# It starts a stack of its own (scripts/stack, temporary folder, free
# ports, 127.0.0.1 only) with the demo province and content/, and stops it
# by PID at the end. Not part of `make test`: figures are measured, not
# asserted.
set -eu

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_RUN=${1:-20}
. "$HB_REPO/scripts/lib.sh"
HB_PROG=bench
. "$HB_REPO/tests/bench/lib.sh"

bench_install wrk

trap bench_stack_down EXIT
bench_stack_up

TOKEN=$(curl -s --cacert "$CA" -H 'Content-Type: application/json' \
    -d '{"login":"10000006","password":"handbook-demo"}' "$BASE/api/v1/auth/login" | jq -r .token)
DOCS=$(curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/documents?limit=50" |
    jq -r '[.items[].id | tostring] | join(",")')
{
	echo "token = \"$TOKEN\""
	echo "docs = { $DOCS }"
	# Vietnamese with and without tone marks, and Khmer, URL-encoded.
	echo 'queries = { "ngh%E1%BB%8B%20quy%E1%BA%BFt", "nghi%20quyet", "chuy%E1%BB%83n%20%C4%91%E1%BB%95i%20s%E1%BB%91", "%E1%9E%82%E1%9E%8E%E1%9F%88%E1%9E%94%E1%9E%80%E1%9F%92%E1%9E%9F" }'
	cat "$HB_REPO/tests/bench/memory.lua"
} >"$VAR/memory.lua"

KORE_MAIN=$(cat "$VAR/run/kore.pid")
workers() { pgrep -P "$KORE_MAIN" | sort -n; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
total_kb() { # sum of VmRSS over the processes named $1
	local s=0 p
	for p in $(pgrep -x "$1"); do s=$((s + $(rss "$p"))); done
	echo "$s"
}

echo "# Kore worker memory under a mixed read load, $(nproc) cores, $(date -u +%FT%TZ)"
echo "# Kore $(kore -v 2>/dev/null | head -n 1); workers: $(workers | tr '\n' ' ')"
declare -A before
for w in $(workers); do before[$w]=$(rss "$w"); done
for run in 1 2; do
	echo "\$ wrk -t1 -c64 -d${SECONDS_RUN}s -s memory.lua $BASE   (run $run)"
	wrk -t1 -c64 -d"${SECONDS_RUN}s" --timeout 10s -s "$VAR/memory.lua" "$BASE" >"$VAR/wrk$run.out" 2>&1 &
	wp=$!
	peak_total=0
	while kill -0 "$wp" 2>/dev/null; do
		t=0
		for w in $(workers); do t=$((t + $(rss "$w"))); done
		[ "$t" -gt "$peak_total" ] && peak_total=$t
		sleep 1
	done
	wait "$wp" || true
	grep '^MIX' "$VAR/wrk$run.out" | sed -e 's/^MIX/  requests (ms):/'
	for w in $(workers); do
		echo "  worker $w: before $((${before[$w]:-0} / 1024)) MiB, peak $(($(hwm "$w") / 1024)) MiB, after run $run $(($(rss "$w") / 1024)) MiB"
	done
	echo "  all workers together, highest sample in the run: $((peak_total / 1024)) MiB"
done
echo "# a worker's peak (VmHWM) counts the 64 MiB an Argon2id check takes in its task thread at a login (this run's login included); the samples taken during the load do not"
echo "# beside them: HAProxy $(($(total_kb haproxy) / 1024)) MiB, PostgreSQL (all its processes, shared buffers counted in each) $(($(total_kb postgres) / 1024)) MiB"
