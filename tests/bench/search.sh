#!/bin/bash
# Benchmark: GET /api/v1/search over HTTPS through HAProxy and Kore on the
# sample corpus plus 10,000 generated documents (issue 4's target: p95
# under 20 ms for every query), with the same SQL timed directly in psql
# in the same run, so that what HTTP, TLS and Kore add is visible.
#
#   tests/bench/search.sh [SECONDS]     (default 5 per query, 15 mixed)
#
# It starts a stack of its own (scripts/stack, temporary folder, free
# ports, 127.0.0.1 only) with the demo province and content/, generates
# the documents through content_import() (tests/bench/search_corpus.sql,
# about 2 minutes), logs in as the demo members who read Vietnamese
# (10000005) and Khmer (10000006), then for each query runs wrk (1
# thread, 2 connections, a Lua script for p95) and prints p50/p95/p99 and
# requests/s, then all queries mixed, then api_search() in psql (median
# and p95 of 30 calls on one connection, as a Kore worker holds one).
# Everything it started is stopped by PID at the end. Not part of `make
# test`: figures are measured, not asserted. BENCH_DOCS=N changes the
# number of generated documents.
set -eu

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_EACH=${1:-5}
DOCS=${BENCH_DOCS:-10000}
. "$HB_REPO/scripts/lib.sh"
HB_PROG=bench
. "$HB_REPO/tests/bench/lib.sh"

bench_install wrk

trap bench_stack_down EXIT
bench_stack_up

say "generating $DOCS documents through content_import()"
t0=$(date +%s)
psql_app -v n="$DOCS" -f "$HB_REPO/tests/bench/search_corpus.sql" >"$VAR/corpus.log" 2>&1 ||
	{ tail -n 20 "$VAR/corpus.log"; exit 1; }
psql_app -c 'VACUUM ANALYZE search_sections, search_match' >/dev/null
say "generated in $(($(date +%s) - t0)) s: $(psql_app -At -c "SELECT count(*) || ' documents, ' || (SELECT count(*) FROM search_sections) || ' indexed sections; search_match ' || pg_size_pretty(pg_total_relation_size('search_match')) || ', search_sections ' || pg_size_pretty(pg_total_relation_size('search_sections')) FROM documents WHERE state = 'published'")"

login() {
	curl -s --cacert "$CA" -H 'Content-Type: application/json' \
	    -d "{\"login\":\"$1\",\"password\":\"handbook-demo\"}" "$BASE/api/v1/auth/login" | jq -r .token
}
TOKEN_VI=$(login 10000005)
TOKEN_KM=$(login 10000006)
MEMBER_VI=$(psql_app -At -c "SELECT id FROM members WHERE card_number = '10000005'")
MEMBER_KM=$(psql_app -At -c "SELECT id FROM members WHERE card_number = '10000006'")

# name|lang|q as typed|the words api_search() gets (Khmer split into
# words by the handler, ICU; Vietnamese as typed).
QUERIES="rare: Ok Om Bok|vi|Ok Om Bok|Ok Om Bok
rare: tôm càng xanh|vi|tôm càng xanh|tôm càng xanh
common: nghị quyết|vi|nghị quyết|nghị quyết
common: nghi quyet|vi|nghi quyet|nghi quyet
common: đảng viên|vi|đảng viên|đảng viên
common: dang|vi|dang|dang
two words: chuyển đổi số|vi|chuyển đổi số|chuyển đổi số
two words: thanh long|vi|thanh long|thanh long
multi: học tập nghị quyết chi bộ|vi|học tập nghị quyết chi bộ|học tập nghị quyết chi bộ
multi: nâng cao chất lượng sinh hoạt chi bộ|vi|nâng cao chất lượng sinh hoạt chi bộ|nâng cao chất lượng sinh hoạt chi bộ
khmer common: បក្ស|km|បក្ស|បក្ស
khmer two words: សេចក្តីសម្រេច|km|សេចក្តីសម្រេច|សេចក្តី សម្រេច
khmer two words: សមាជិកបក្ស|km|សមាជិកបក្ស|សមាជិក បក្ស
khmer rare: ឥទ្ធិពល|km|ឥទ្ធិពល|ឥទ្ធិពល
no hit: xyzzy quux|vi|xyzzy quux|xyzzy quux"

uri() { jq -rn --arg v "$1" '$v | @uri'; }

# p50, p95, p99 in ms and requests/s, from wrk's own histogram.
cat >"$VAR/report.lua" <<'EOF'
done = function(summary, latency, requests)
	io.write(string.format("REPORT p50 %.2f p95 %.2f p99 %.2f rps %.0f non2xx %d\n",
	    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
	    latency:percentile(99) / 1000,
	    summary.requests / (summary.duration / 1e6),
	    summary.errors.status + summary.errors.timeout))
end
EOF

echo "# search, $(($(psql_app -At -c "SELECT count(*) FROM documents"))) documents, $SECONDS_EACH s per query, $(nproc) cores, $(date -u +%FT%TZ)"
echo "# Kore $(kore -v 2>/dev/null | head -n 1), $(haproxy -v | head -n 1 | cut -d' ' -f1-3), $(psql_app -At -c 'SHOW server_version'), shared_buffers $(psql_app -At -c 'SHOW shared_buffers')"
# Other work on the machine moves these figures a lot: say how much there was.
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "\$ wrk -t1 -c2 -d${SECONDS_EACH}s --timeout 10s --latency -s report.lua -H 'Authorization: Bearer <token>' '$BASE/api/v1/search?lang=LANG&q=Q'"
printf '%-48s %6s %5s %8s %8s %8s %8s\n' query items trunc p50_ms p95_ms p99_ms req/s
paths_vi= paths_km=
while IFS='|' read -r name lang q _; do
	tok=$TOKEN_VI
	[ "$lang" = km ] && tok=$TOKEN_KM
	path="/api/v1/search?lang=$lang&q=$(uri "$q")"
	if [ "$lang" = km ]; then paths_km="$paths_km $path"; else paths_vi="$paths_vi $path"; fi
	curl -s --cacert "$CA" -H "Authorization: Bearer $tok" -o "$VAR/one.json" "$BASE$path" </dev/null
	items=$(jq '.items | length' "$VAR/one.json")
	trunc=$(jq '.truncated' "$VAR/one.json")
	wrk -t1 -c2 -d"${SECONDS_EACH}s" --timeout 10s --latency -s "$VAR/report.lua" \
	    -H "Authorization: Bearer $tok" "$BASE$path" </dev/null >"$VAR/wrk.out" 2>&1
	read -r p50 p95 p99 rps non2xx < <(awk '/^REPORT/ { print $3, $5, $7, $9, $11 }' "$VAR/wrk.out")
	printf '%-48s %6s %5s %8s %8s %8s %8s%s\n' "$name" "$items" "$trunc" "$p50" "$p95" "$p99" "$rps" \
	    "$([ "$non2xx" = 0 ] || echo "  ($non2xx non-2xx or timeouts)")"
done <<<"$QUERIES"

# All the Vietnamese queries mixed, round robin on each connection (the
# Khmer ones need the other member's token; they ran above).
{
	echo 'local paths = {'
	for p in $paths_vi; do echo "\"$p\","; done
	echo '}'
	echo 'local n = 0'
	echo 'request = function() n = n + 1; return wrk.format(nil, paths[(n % #paths) + 1]) end'
	cat "$VAR/report.lua"
} >"$VAR/mixed.lua"
MIXED=$((SECONDS_EACH * 3))
for c in 2 8; do
	wrk -t1 -c$c -d"${MIXED}s" --timeout 10s --latency -s "$VAR/mixed.lua" \
	    -H "Authorization: Bearer $TOKEN_VI" "$BASE/" >"$VAR/wrk.out" 2>&1
	read -r p50 p95 p99 rps non2xx < <(awk '/^REPORT/ { print $3, $5, $7, $9, $11 }' "$VAR/wrk.out")
	printf '%-48s %6s %5s %8s %8s %8s %8s%s\n' "all Vietnamese queries mixed, -c$c ${MIXED}s" - - "$p50" "$p95" "$p99" "$rps" \
	    "$([ "$non2xx" = 0 ] || echo "  ($non2xx non-2xx or timeouts)")"
done

# The reference: the same function in psql, on one connection, without
# HTTP. 5 calls to warm up, then 30 timed (\timing), median and p95.
echo
echo "# reference: SELECT api_search(member, words, lang, 20) in psql, one connection, 30 calls after 5"
printf '%-48s %8s %8s\n' query p50_ms p95_ms
while IFS='|' read -r name lang _ words; do
	member=$MEMBER_VI
	[ "$lang" = km ] && member=$MEMBER_KM
	{
		echo '\o /dev/null'
		for _ in 1 2 3 4 5; do echo "SELECT api_search($member, :'w', '$lang', 20);"; done
		echo '\timing on'
		for _ in $(seq 30); do echo "SELECT api_search($member, :'w', '$lang', 20);"; done
	} >"$VAR/ref.sql"
	psql_app -v w="$words" -f "$VAR/ref.sql" </dev/null 2>&1 | awk '/^Time:/ { print $2 }' | sort -n >"$VAR/ref.out"
	printf '%-48s %8s %8s\n' "$name" "$(sed -n 15p "$VAR/ref.out")" "$(sed -n 29p "$VAR/ref.out")"
done <<<"$QUERIES"
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
