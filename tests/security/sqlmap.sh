#!/bin/bash
# sqlmap (Debian's sqlmap package), bounded (--batch --level=1 --risk=1,
# a time limit per target, only 127.0.0.1), with a member's token, against
# the parameters that reach SQL as text or ids: search (q, lang, limit),
# a document id in the path, the engagement report (unit, document), the
# members list filters (q, unit, limit, cursor), the notes feed (scope,
# document, cursor). Fails if sqlmap reports any injection; prints the
# parameters it tested and the requests it sent.
# Run by `make check-security` (tests/run --security).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

command -v sqlmap >/dev/null 2>&1 || bail_out "sqlmap is not installed (scripts/install-deps installs it)"
PER_TARGET=${SQLMAP_SECONDS:-240}

fixture_org SQLI >/dev/null || bail_out "could not create the fixture organisation"
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-sqlmap"
sed -i 's/^id: test-bo-tai-lieu$/id: test-sqlmap/' "$src/test-sqlmap/document.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug = 'test-sqlmap'\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-sqlmap'")
login "${FX_CARD[admin]}" "${FX_PASSWORD[admin]}" TOKEN || bail_out "cannot log in"
P=${FX_UNIT[P]}

# sqlmap talks to 127.0.0.1 only; the certificate is the stack's own.
B=https://127.0.0.1:$HANDBOOK_PORT/api/v1
targets=(
	"$B/search?q=ngh%E1%BB%8B+quy%E1%BA%BFt&lang=vi&limit=5"
	"$B/documents/$DOC*"
	"$B/reports/engagement?unit=$P&document=$DOC"
	"$B/members?q=Nguy%E1%BB%85n&unit=$P&limit=10"
	"$B/notes?scope=mine&document=$DOC&cursor=1"
)
total_params=0
total_requests=0
for url in "${targets[@]}"; do
	name=${url#"$B"}
	set +e
	timeout -k 10 "$PER_TARGET" sqlmap --batch --level=1 --risk=1 --dbms=PostgreSQL \
		--flush-session --disable-coloring --output-dir="$TEST_TMP/sqlmap" \
		-t "$TEST_TMP/traffic.txt" \
		-H "Authorization: Bearer $TOKEN" -u "$url" </dev/null 2>&1 |
		sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][A-Z0-9]//g' -e 's/\x1b[=>]//g' >"$TEST_TMP/sqlmap.out"
	rc=${PIPESTATUS[0]}
	set -e
	tested=$(grep -oE "(GET|URI) parameter '[^']+'" "$TEST_TMP/sqlmap.out" | sort -u | sed -E "s/.*'([^']+)'/\1/" | tr '\n' ' ')
	nparams=$(wc -w <<<"$tested")
	# Every request sqlmap sent is in its traffic file.
	requests=$(grep -cE '^HTTP request \[#[0-9]+\]' "$TEST_TMP/traffic.txt" 2>/dev/null || echo 0)
	statuses=$(grep -oE '^HTTP response \[#[0-9]+\] \([0-9]+' "$TEST_TMP/traffic.txt" 2>/dev/null |
		sed -E 's/.*\(//' | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
	rm -f "$TEST_TMP/traffic.txt"
	total_params=$((total_params + nparams))
	total_requests=$((total_requests + ${requests:-0}))
	if grep -qE "identified the following injection point|is vulnerable|appears to be .* injectable" "$TEST_TMP/sqlmap.out"; then
		fail "sqlmap found an injection in $name" "$(grep -E -A 8 'injection point|injectable' "$TEST_TMP/sqlmap.out" | head -n 20)"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "sqlmap on $name did not finish within ${PER_TARGET}s (SQLMAP_SECONDS)"
	elif [ "$nparams" = 0 ] || [ "$rc" != 0 ]; then
		fail "sqlmap on $name tested no parameter (exit status $rc)" "$(tail -n 15 "$TEST_TMP/sqlmap.out")"
	else
		pass "no injection in $name: parameters $tested(${requests:-?} requests; answers ${statuses%, })"
	fi
	grep -E "\[(WARNING|CRITICAL)\]" "$TEST_TMP/sqlmap.out" | grep -vE "outdated|output directory|statistical model" | head -n 5 | sed -e 's/^/#   /' || true
done
diag "sqlmap: $total_params parameters tested in ${#targets[@]} targets, $total_requests requests"
ok '[ "$total_params" -ge 12 ]' "at least 12 parameters were tested ($total_params)"

done_testing
