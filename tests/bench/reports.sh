#!/bin/bash
# Benchmark: GET /api/v1/reports/engagement over HTTPS through HAProxy and
# Kore (issue 7's targets: p95 under 50 ms for a province of 5,000 cells,
# 120,000 members and 20 million events; under 500 ms for the country
# root), with the same SQL timed in psql in the same run.
#
#   tests/bench/reports.sh [SECONDS]      (default 5 per report)
#
# It starts a stack of its own (temporary folder, free ports, 127.0.0.1
# only) with the demo province and content/, generates the benchmark
# province (scripts/demo-data --scale province) and its records
# (tests/bench/reports_data.sql: BENCH_EVENTS reading events, default 20
# million, progress, a province-wide session with make-ups, a meeting per
# cell; then report_rebuild(), timed), and the scaled simulation of the
# country: its real tree of 257,040 cells with the rollup rows of one
# document at full scale (no raw records: a report reads rollup rows
# only). Then for reports at each level (root, a district, a grassroots
# unit, a cell) it runs wrk (1 thread, 2 connections) and prints
# p50/p95/p99 and requests/s, and api_report_engagement() in psql (median
# and p95 of 30 calls). Figures are measured, not asserted; not part of
# `make test`. BENCH_KEEP=1 keeps the stack and its data;
# BENCH_REUSE=/tmp/handbook-bench.XXXXXX measures again on such a stack
# (at a quieter moment, say) without generating anything.
set -eu

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_EACH=${1:-5}
EVENTS=${BENCH_EVENTS:-20000000}
. "$HB_REPO/scripts/lib.sh"
HB_PROG=bench
. "$HB_REPO/tests/bench/lib.sh"

bench_install wrk

if [ -n "${BENCH_REUSE:-}" ]; then
	# A stack an earlier run kept (BENCH_KEEP=1) with its data: measure
	# again, at a quieter moment, without generating anything; the stack
	# stays up.
	VAR=$BENCH_REUSE
	. "$VAR/run/stack.env"
	HANDBOOK_VAR=$VAR HANDBOOK_PORT=$PORT HANDBOOK_KORE_PORT=$KORE_PORT HANDBOOK_PG_PORT=$PG_PORT
	export HANDBOOK_VAR HANDBOOK_PORT HANDBOOK_KORE_PORT HANDBOOK_PG_PORT
	BASE=https://localhost:$HANDBOOK_PORT
	CA=$VAR/tls/ca.pem
	DOC=$(psql_app -At -c "SELECT min(id) FROM documents WHERE state = 'published'")
	say "measuring again on the kept stack in $VAR"
else
trap bench_stack_down EXIT
bench_stack_up

say "generating the benchmark province"
"$HB_REPO/scripts/demo-data" --scale province >"$VAR/province.log" 2>&1 ||
	{ tail -n 20 "$VAR/province.log"; exit 1; }
DOC=$(psql_app -At -c "SELECT min(id) FROM documents WHERE state = 'published'")
say "generating its records ($EVENTS reading events) and the rollups"
t0=$(date +%s)
psql_app -v part=province -v doc="$DOC" -v events="$EVENTS" \
    -f "$HB_REPO/tests/bench/reports_data.sql" >"$VAR/records.log" 2>&1 ||
	{ tail -n 20 "$VAR/records.log"; exit 1; }
say "done in $(($(date +%s) - t0)) s"
say "generating the country simulation"
t0=$(date +%s)
psql_app -v part=country -v doc="$DOC" \
    -f "$HB_REPO/tests/bench/reports_data.sql" >"$VAR/country.log" 2>&1 ||
	{ tail -n 20 "$VAR/country.log"; exit 1; }
say "done in $(($(date +%s) - t0)) s"
fi

TOKEN=$(curl -s --cacert "$CA" -H 'Content-Type: application/json' \
    -d '{"login":"10000001","password":"handbook-demo"}' "$BASE/api/v1/auth/login" | jq -r .token)
ADMIN=$(psql_app -At -c "SELECT id FROM members WHERE card_number = '10000001'")

cat >"$VAR/report.lua" <<'EOF'
done = function(summary, latency, requests)
	io.write(string.format("REPORT p50 %.2f p95 %.2f p99 %.2f rps %.0f non2xx %d\n",
	    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
	    latency:percentile(99) / 1000,
	    summary.requests / (summary.duration / 1e6),
	    summary.errors.status + summary.errors.timeout))
end
EOF

unit() { psql_app -At -c "SELECT id FROM org_units WHERE code = '$1'"; }
first_child() { psql_app -At -c "SELECT min(id) FROM org_units WHERE parent_id = $1"; }
PR=$(unit BENCH-P); PD=$(first_child "$PR"); PG=$(first_child "$PD"); PC=$(first_child "$PG")
CR=$(unit BENCH-R); CP=$(unit BENCH-R1); CD=$(unit BENCH-R1-1); CG=$(unit BENCH-R1-1-1); CC=$(unit BENCH-R1-1-1-1)
TARGETS="province root (BENCH-P)|$PR
province: a district|$PD
province: a grassroots unit|$PG
province: a cell (with member list)|$PC
country root (BENCH-R, simulation)|$CR
country: a province|$CP
country: a district|$CD
country: a grassroots unit|$CG
country: a cell|$CC"

echo "# reports, document $DOC, $SECONDS_EACH s per report, $(nproc) cores, $(date -u +%FT%TZ)"
echo "# $(psql_app -At -c 'SHOW server_version'), shared_buffers $(psql_app -At -c 'SHOW shared_buffers')"
echo "# province records: $(tail -n 3 "$VAR/records.log" | head -n 1 | tr -s ' ')"
echo "#   (columns: $(tail -n 4 "$VAR/records.log" | head -n 1 | tr -s ' '))"
echo "# report_rebuild() of the whole database: $(grep -A8 '^report_rebuild()' "$VAR/records.log" | awk '/^Time:/ { print $2, $3 }' | tail -n 1)"
echo "# country simulation: $(tail -n 3 "$VAR/country.log" | head -n 1 | tr -s ' ')"
echo "#   (columns: $(tail -n 4 "$VAR/country.log" | head -n 1 | tr -s ' '))"
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "\$ wrk -t1 -c2 -d${SECONDS_EACH}s --latency -s report.lua -H 'Authorization: Bearer <token>' '$BASE/api/v1/reports/engagement?unit=U&document=$DOC'"
printf '%-40s %8s %8s %8s %8s %8s %8s %8s\n' report children members p50_ms p95_ms p99_ms req/s sql_p95
while IFS='|' read -r name u; do
	path="/api/v1/reports/engagement?unit=$u&document=$DOC"
	curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" -o "$VAR/one.json" "$BASE$path" </dev/null
	children=$(jq '.children | length' "$VAR/one.json")
	members=$(jq '.unit.members' "$VAR/one.json")
	wrk -t1 -c2 -d"${SECONDS_EACH}s" --timeout 10s --latency -s "$VAR/report.lua" \
	    -H "Authorization: Bearer $TOKEN" "$BASE$path" </dev/null >"$VAR/wrk.out" 2>&1
	read -r p50 p95 p99 rps non2xx < <(awk '/^REPORT/ { print $3, $5, $7, $9, $11 }' "$VAR/wrk.out")
	{
		echo '\o /dev/null'
		for _ in 1 2 3 4 5; do echo "SELECT api_report_engagement($ADMIN, $u, $DOC, NULL, NULL, NULL, 'vi');"; done
		echo '\timing on'
		for _ in $(seq 30); do echo "SELECT api_report_engagement($ADMIN, $u, $DOC, NULL, NULL, NULL, 'vi');"; done
	} >"$VAR/ref.sql"
	psql_app -f "$VAR/ref.sql" </dev/null 2>&1 | awk '/^Time:/ { print $2 }' | sort -n >"$VAR/ref.out"
	printf '%-40s %8s %8s %8s %8s %8s %8s %8s%s\n' "$name" "$children" "$members" "$p50" "$p95" "$p99" "$rps" \
	    "$(sed -n 29p "$VAR/ref.out")" "$([ "$non2xx" = 0 ] || echo "  ($non2xx non-2xx or timeouts)")"
done <<<"$TARGETS"
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
