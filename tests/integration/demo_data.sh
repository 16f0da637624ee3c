#!/bin/bash
# The demo province that `make run` loads (scripts/demo-data): it loads
# into the test database, a second load changes nothing, each of the six
# demo accounts of the README logs in with the published password and has
# the role the README gives it, and the scopes hold on real-sized data
# (the district committee member sees a part of the province, the cell
# secretary one cell).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

# --force: other test files' fixtures are in this database too.
if "$HB_REPO/scripts/demo-data" --force >"$TEST_TMP/load.out" 2>&1; then
	pass "the demo province loads"
else
	fail "the demo province loads" "$(tail -n 20 "$TEST_TMP/load.out")"
	done_testing
fi
sums() {
	fx_sql "SELECT (SELECT count(*) FROM org_units WHERE path <@ (SELECT path FROM org_units WHERE code = 'DEMO')) || '/' || (SELECT count(*) FROM members m JOIN org_units c ON c.id = m.cell_id JOIN org_units d ON d.code = 'DEMO' WHERE c.path <@ d.path)"
}
first=$(sums)
like "$first" '^[0-9]{3}/[0-9]{4}$' "about 150 units and 3,000 members ($first)"
"$HB_REPO/scripts/demo-data" --force >"$TEST_TMP/load2.out" 2>&1
is "$(sums)" "$first" "a second load changes nothing"

# The README's table: login, the role /me must show.
while read -r login role; do
	if login "$login" handbook-demo tok; then
		pass "demo login $login works"
		auth_req "$tok" "$BASE/api/v1/me"
		like "$(json "[.roles[].role] | index(\"$role\")")" '^[0-9]+$' \
		    "... and $login has the role $role"
	else
		fail "demo login $login works" "status $REQ_STATUS"
	fi
done <<'LOGINS'
10000001 admin
10000002 propaganda
10000003 committee
10000004 cell_secretary
10000005 member
10000006 member
LOGINS

login 10000006 handbook-demo tok
auth_req "$tok" "$BASE/api/v1/me"
is "$(json .lang)" km "the Khmer reader's language is km"

login 10000003 handbook-demo tok
auth_req "$tok" "$BASE/api/v1/members?limit=200"
ok '[ "$(json ".items | length")" = 200 ] && [[ "$(json .next_cursor)" =~ ^[0-9]+$ ]]' \
    "the district committee member pages through many members"
login 10000004 handbook-demo tok
auth_req "$tok" "$BASE/api/v1/members?limit=200"
is "$(json '[.items[].cell.id] | unique | length')" 1 "the cell secretary sees one cell"

done_testing
