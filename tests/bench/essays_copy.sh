#!/bin/bash
# Benchmark: essay submissions over HTTPS, with copy detection, against
# 100,000 essays already stored on the same study (issue 6's target:
# under 200 ms per submission).
#
#   tests/bench/essays_copy.sh [TIMED]      (default 400 submissions)
#
# It starts a stack of its own (tests/bench/lib.sh) with the demo province
# and content/, adds the province benchmark dataset (scripts/demo-data
# --scale province: 120,000 members), and stores BENCH_ESSAYS (100,000)
# submitted essays on one published document, one per member, generated
# in C by tests/bench/essays_gen.c (Vietnamese-like text of 4 to 6
# paragraphs, 250 to 450 words, common words and stock phrases; 3% copies
# of earlier ones) and fingerprinted with the module's own shingles.c, then
# loaded with COPY (about 2 minutes). Then TIMED other members, each with
# a session written straight into `sessions`, submit an essay on the same
# document (half of them copies of stored essays, paragraphs shuffled and
# a word changed in each; half new): the first half one after the other on
# one kept-alive connection, the second half 4 at a time
# (curl --parallel), each submission timed by curl (%{time_total}); p50,
# p95, p99 and max per run, the CPU one submission costs Kore, HAProxy and
# PostgreSQL, and how many copies and originals were flagged. Not part of `make test`: figures are measured, not asserted.
set -eu

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
TIMED=${1:-400}
STORED=${BENCH_ESSAYS:-100000}
. "$HB_REPO/scripts/lib.sh"
HB_PROG=bench
. "$HB_REPO/tests/bench/lib.sh"

[ -x "$HB_REPO/build/handbook.so" ] || die "build the module first: make build"

trap bench_stack_down EXIT
bench_stack_up

say "adding the province benchmark dataset"
"$HB_REPO/scripts/demo-data" --scale province --force >"$VAR/demo-data.log" 2>&1 ||
	{ tail -n 20 "$VAR/demo-data.log"; exit 1; }

DOC=$(psql_app -At -c "SELECT id FROM documents WHERE state = 'published' AND unit_id IS NULL ORDER BY id LIMIT 1")
[ -n "$DOC" ] || die "no published document (content/ not imported?)"

GEN=$VAR/essays_gen
cc -std=gnu11 -O2 -Wall -Wextra -Werror $(cat /usr/share/kore/features) \
    -I/usr/include/postgresql -I"$HB_REPO/kore-app" -o "$GEN" \
    "$HB_REPO/tests/bench/essays_gen.c" "$HB_REPO/kore-app/shingles.c" \
    "$HB_REPO/kore-app/khmer.c" "$HB_REPO/kore-app/utf8.c" -ljansson -licuuc

say "generating $STORED stored essays and $TIMED submissions on document $DOC"
t0=$(date +%s)
mkdir -p "$VAR/gen"
psql_app -At -F $'\t' -c "SELECT id, cell_id FROM members m WHERE active AND NOT EXISTS (SELECT 1 FROM member_roles r WHERE r.member_id = m.id) ORDER BY id DESC LIMIT $((STORED + TIMED))" |
	"$GEN" "$DOC" "$STORED" "$TIMED" "$VAR/gen" 1
t1=$(date +%s)
psql_app <<EOF
CREATE TEMP TABLE stage (id bigint, member_id bigint, cell_id bigint, sections jsonb);
\\copy stage FROM '$VAR/gen/essays.tsv'
INSERT INTO essays (id, member_id, cell_id, document_id, state, version,
    submitted_version, first_submitted_at, submitted_at, similarity)
OVERRIDING SYSTEM VALUE
SELECT id, member_id, cell_id, $DOC, 'submitted', 1, 1, now(), now(), 0 FROM stage;
INSERT INTO essay_versions (essay_id, version, author_id, lang, sections,
    submitted, client_id, request_hash)
SELECT id, 1, member_id, 'vi', sections, true, gen_random_uuid(),
    sha256(convert_to(sections::text, 'UTF8'))
FROM stage;
SELECT setval(pg_get_serial_sequence('essays', 'id'), (SELECT max(id) FROM essays)) \\gset
\\copy essay_paragraphs FROM '$VAR/gen/paragraphs.tsv'
\\copy essay_lsh FROM '$VAR/gen/lsh.tsv'
EOF
psql_app -c "VACUUM ANALYZE essays, essay_versions, essay_paragraphs, essay_lsh" >/dev/null
t2=$(date +%s)
say "generated in $((t1 - t0)) s, loaded in $((t2 - t1)) s: $(psql_app -At -c "SELECT count(*) || ' essays, ' || (SELECT count(*) FROM essay_paragraphs) || ' paragraphs, ' || (SELECT count(*) FROM essay_lsh) || ' LSH rows (' || pg_size_pretty(pg_total_relation_size('essay_lsh')) || '), essay_paragraphs ' || pg_size_pretty(pg_total_relation_size('essay_paragraphs')) FROM essays WHERE document_id = $DOC")"

# Sessions for the authors of the timed submissions (a login costs 300 ms
# of Argon2id): 32 random bytes as base64url, stored as BLAKE2b-256.
: >"$VAR/sessions.tsv"
: >"$VAR/tokens"
while read -r n member _; do
	tok=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
	printf '%s\t%s\n' "$(printf '%s' "$tok" | b2sum -l 256 | cut -d' ' -f1)" "$member" >>"$VAR/sessions.tsv"
	echo "$n $tok" >>"$VAR/tokens"
done <"$VAR/gen/timed.tsv"
psql_app -c "CREATE TEMP TABLE s (h text, m bigint)" -c "\\copy s FROM '$VAR/sessions.tsv'" \
	-c "INSERT INTO sessions (token_hash, member_id, expires_at, client) SELECT decode(h, 'hex'), m, now() + interval '1 day', 'bench' FROM s" >/dev/null

# One curl configuration per run: a transfer per submission. The first
# transfer of a run pays the TLS handshake; the others reuse the
# connection (HTTP/2).
curl_config() {	# FIRST LAST
	awk -v a="$1" -v b="$2" -v base="$BASE" -v dir="$VAR/gen" -v ca="$CA" '
		$1 >= a && $1 <= b {
			if (k++ > 0) print "next"	# between transfers only
			printf "url = \"%s/api/v1/essays\"\n", base
			printf "cacert = \"%s\"\n", ca	# "next" forgets it
			printf "header = \"Authorization: Bearer %s\"\n", $2
			print "header = \"Content-Type: application/json\""
			printf "data-binary = \"@%s/body_%d.json\"\n", dir, $1
			print "output = \"/dev/null\""
			print "write-out = \"%{http_code} %{time_total}\\n\""
		}' "$VAR/tokens"
}
stats() {	# from "code seconds" lines: count, non-201, p50 p95 p99 max in ms
	awk '{ if ($1 != 201) bad++; print $2 * 1000 }
	    END { print "BAD", bad + 0 > "/dev/stderr" }' "$1" 2>"$1.bad" | sort -n >"$1.ms"
	n=$(wc -l <"$1.ms")
	printf '%6d %6s %8.1f %8.1f %8.1f %8.1f\n' "$n" "$(awk '{ print $2 }' "$1.bad")" \
	    "$(sed -n "$(( (50 * n + 99) / 100 ))p" "$1.ms")" \
	    "$(sed -n "$(( (95 * n + 99) / 100 ))p" "$1.ms")" \
	    "$(sed -n "$(( (99 * n + 99) / 100 ))p" "$1.ms")" "$(tail -n 1 "$1.ms")"
}

# CPU per submission of Kore, HAProxy and PostgreSQL (bench_cpu_snapshot
# in lib.sh): on a shared machine wall-clock latency follows the load of
# other people's processes; CPU per submission says what one costs.
cpu_per() {	# N K0 H0 P0 K1 H1 P1: ms of CPU per submission
	bench_cpu_per "$@" | awk '{ printf "# CPU per submission: Kore %.1f ms, HAProxy %.1f ms, PostgreSQL %.1f ms, total %.1f ms\n", $1 / 1000, $2 / 1000, $3 / 1000, $4 / 1000 }'
}

HALF=$((TIMED / 2))
echo "# essays_copy, $STORED stored essays on document $DOC, $TIMED submissions, $(nproc) cores, $(date -u +%FT%TZ)"
echo "# Kore $(kore -v 2>/dev/null | head -n 1), $(haproxy -v | head -n 1 | cut -d' ' -f1-3), $(psql_app -At -c 'SHOW server_version'), shared_buffers $(psql_app -At -c 'SHOW shared_buffers')"
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "\$ curl --cacert ca.pem --config <one transfer per submission> [--parallel --parallel-max 4]   # POST /api/v1/essays, submit: true"
printf '%-34s %6s %6s %8s %8s %8s %8s\n' run n non201 p50_ms p95_ms p99_ms max_ms
curl_config 0 $((HALF - 1)) >"$VAR/seq.cfg"
read -r k0 h0 p0 < <(bench_cpu_snapshot)
curl -s --cacert "$CA" --config "$VAR/seq.cfg" >"$VAR/seq.out"
read -r k1 h1 p1 < <(bench_cpu_snapshot)
printf '%-34s ' "one at a time, one connection"
stats "$VAR/seq.out"
cpu_seq=$(cpu_per "$HALF" "$k0" "$h0" "$p0" "$k1" "$h1" "$p1")
curl_config "$HALF" $((TIMED - 1)) >"$VAR/par.cfg"
curl -s --no-progress-meter --cacert "$CA" --parallel --parallel-max 4 --config "$VAR/par.cfg" >"$VAR/par.out"
printf '%-34s ' "4 at a time"
stats "$VAR/par.out"
echo "$cpu_seq (one at a time)"
echo "# statuses: $(cat "$VAR/seq.out" "$VAR/par.out" | awk '{ print $1 }' | sort | uniq -c | awk '{ printf "%s x%s ", $2, $1 }')"

echo
echo "# detection: flagged at the default threshold 0.4, among the timed submissions"
psql_app -At -F ' ' -c "CREATE TEMP TABLE t (n int, member bigint, kind text)" \
	-c "\\copy t FROM '$VAR/gen/timed.tsv'" -c "
	SELECT t.kind, count(*), count(*) FILTER (WHERE e.flagged),
	    round(avg(e.similarity)::numeric, 3),
	    round(min(e.similarity)::numeric, 3), round(max(e.similarity)::numeric, 3)
	FROM t JOIN essays e ON e.member_id = t.member AND e.document_id = $DOC
	GROUP BY 1 ORDER BY 1" | awk 'BEGIN { printf "%-6s %6s %8s %9s %9s %9s\n", "kind", "n", "flagged", "avg_score", "min", "max" }
	    { printf "%-6s %6s %8s %9s %9s %9s\n", $1, $2, $3, $4, $5, $6 }'
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
