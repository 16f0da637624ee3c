#!/bin/bash
# scripts/migrate against the test stack's database: running it again
# changes nothing, and a migration that fails halfway leaves the database
# exactly as it was (no table, no schema_migrations row), while the script
# names the file and PostgreSQL's error and exits non-zero.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"

MIGRATE=$HB_REPO/scripts/migrate

# Schema and migration bookkeeping, for before/after comparisons.
pg_url_env "$HANDBOOK_DATABASE_URL"
snapshot() {
	# Comments and pg_dump's random \restrict key (new in 15.14) differ
	# from one dump to the next; the schema does not.
	pg_dump --schema-only --no-owner "$PG_URL" 2>&1 |
		grep -v -e '^--' -e '^\\restrict ' -e '^\\unrestrict ' || true
	psql -X -A -t "$PG_URL" -c "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version" 2>&1
}
sql() { psql -X -A -t -q "$PG_URL" -c "$1" 2>&1; }

snapshot >"$TEST_TMP/before"
ok '[ -s "$TEST_TMP/before" ] && grep -q schema_migrations "$TEST_TMP/before"' \
	"the test database has a schema_migrations table"

rc=0
out=$("$MIGRATE" 2>&1) || rc=$?
is "$rc" 0 "migrate runs again without error"
like "$out" 'nothing to apply' "... and says nothing was applied"
ok '! grep -q "^applied" <<<"$out"' "... and applies no file"
snapshot >"$TEST_TMP/after"
if cmp -s "$TEST_TMP/before" "$TEST_TMP/after"; then
	pass "... and the schema is byte for byte the same (pg_dump --schema-only)"
else
	fail "... and the schema is byte for byte the same (pg_dump --schema-only)" \
		"$(diff "$TEST_TMP/before" "$TEST_TMP/after" | head -n 20)"
fi

# A migration that creates a table, then fails.
dir=$TEST_TMP/sql
mkdir "$dir"
cp "$HB_REPO"/sql/*.sql "$dir"/ 2>/dev/null || true
probe=migration_probe_$$
cat >"$dir/9999_broken.sql" <<-EOF
	-- A migration that must leave no trace: its table is rolled back.
	CREATE TABLE $probe (id int PRIMARY KEY);
	INSERT INTO $probe VALUES (1);
	SELECT 1 / 0;
EOF

rc=0
out=$(HANDBOOK_SQL_DIR=$dir "$MIGRATE" 2>&1) || rc=$?
ok '[ "$rc" != 0 ]' "a failing migration makes migrate exit non-zero (status $rc)"
like "$out" '9999_broken\.sql' "... names the file"
like "$out" '9999_broken\.sql:4: ERROR: +division by zero' "... with the line and PostgreSQL's error"
is "$(sql "SELECT to_regclass('$probe') IS NULL")" t "... leaves no table behind"
is "$(sql "SELECT count(*) FROM schema_migrations WHERE version = '9999'")" 0 \
	"... and no schema_migrations row"
snapshot >"$TEST_TMP/after-broken"
ok 'cmp -s "$TEST_TMP/before" "$TEST_TMP/after-broken"' "... the schema is exactly as before"

# --dir works as well as HANDBOOK_SQL_DIR, and the failure repeats.
rc=0
out=$("$MIGRATE" --dir "$dir" 2>&1) || rc=$?
ok '[ "$rc" != 0 ] && grep -q 9999_broken <<<"$out"' "migrate --dir DIR fails the same way"

# An applied file that changed: a warning, and it is not applied again.
first=$(ls "$dir"/[0-9][0-9][0-9][0-9]_*.sql 2>/dev/null | head -n 1)
if [ -n "$first" ]; then
	rm -f "$dir/9999_broken.sql"
	echo "-- an edit after the fact" >>"$first"
	rc=0
	out=$("$MIGRATE" --dir "$dir" 2>&1) || rc=$?
	is "$rc" 0 "an edited, already applied migration is not an error"
	like "$out" 'warning: .*changed' "... but gets a warning"
	snapshot >"$TEST_TMP/after-edit"
	ok 'cmp -s "$TEST_TMP/before" "$TEST_TMP/after-edit"' "... and is not applied again"
else
	skip "an edited, already applied migration is not an error" "sql/ has no migration yet"
fi

done_testing
