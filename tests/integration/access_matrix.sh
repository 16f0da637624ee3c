#!/bin/bash
# Who may do what to which object, as the API answers it over HTTPS: a
# table of role x object x action, each row a request and the status it
# must get, then every list endpoint checked to return no row outside the
# caller's scope. The rules are those of sql/0004_access.sql:
#
#   an object the caller may not read is 404 (its existence not revealed),
#   one they may read but not change is 403;
#   a member reads themselves, a secretary their cell, a committee its
#   subtree, a propaganda officer the units of its subtree (not members),
#   an administrator of a unit everything below it; committees write
#   strictly below their unit, administrators within theirs.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org ACCM

declare -A TOKEN_OF
for who in member khmer secretary committee propaganda admin; do
	if login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok; then
		TOKEN_OF[$who]=$tok
	else
		bail_out "cannot log in as $who (status $REQ_STATUS)"
	fi
done

# expect WHO METHOD PATH STATUS [JSON BODY]
expect() {
	local who=$1 method=$2 path=$3 want=$4 body=${5:-}
	if [ -n "$body" ]; then
		printf '%s' "$body" >"$TEST_TMP/body.json"
		auth_req "${TOKEN_OF[$who]}" -X "$method" \
		    -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$path"
	else
		auth_req "${TOKEN_OF[$who]}" -X "$method" "$BASE$path"
	fi
	is "$REQ_STATUS" "$want" "$who: $method $path -> $want"
	if [ "$REQ_STATUS" != "$want" ]; then diag "$(head -c 300 "$REQ_BODY_FILE")"; fi
}

P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} D2=${FX_UNIT[D2]}
G1=${FX_UNIT[G1]} G2=${FX_UNIT[G2]} C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}
M=${FX_ID[member]} K=${FX_ID[khmer]} S=${FX_ID[secretary]}
CM=${FX_ID[committee]} SP=${FX_ID[spare]}

# A plain member (cell C1): themselves, their cell and the units above it.
expect member GET "/api/v1/members/$M" 200
expect member GET "/api/v1/members/$S" 404
expect member GET "/api/v1/members/$K" 404
expect member GET "/api/v1/units/$C1" 200
expect member GET "/api/v1/units/$G1" 200
expect member GET "/api/v1/units/$P" 200
expect member GET "/api/v1/units/$C2" 404
expect member GET "/api/v1/units/$D2" 404
expect member PATCH "/api/v1/units/$C1" 403 '{"name_vi":"Đổi tên"}'
expect member PATCH "/api/v1/units/$C2" 404 '{"name_vi":"Đổi tên"}'
expect member PATCH "/api/v1/members/$M" 403 '{"lang":"km"}'
expect member POST "/api/v1/members" 403 \
    "{\"card_number\":\"ACCM0001\",\"full_name\":\"X\",\"cell_id\":$C1}"

# The secretary of C1: the members of C1, nothing to change.
expect secretary GET "/api/v1/members/$M" 200
expect secretary GET "/api/v1/members/$K" 404
expect secretary GET "/api/v1/units/$C1" 200
expect secretary GET "/api/v1/units/$C2" 404
expect secretary PATCH "/api/v1/members/$M" 403 '{"lang":"km"}'
expect secretary PUT "/api/v1/members/$M/roles" 403 \
    "{\"roles\":[{\"role\":\"cell_deputy\",\"unit_id\":$C1}]}"

# A committee member of D2: everything under D2, nothing under D1; writes
# strictly below D2.
expect committee GET "/api/v1/members/$K" 200
expect committee GET "/api/v1/members/$M" 404
expect committee GET "/api/v1/units/$G2" 200
expect committee GET "/api/v1/units/$G1" 404
expect committee GET "/api/v1/units/$C1" 404
expect committee PATCH "/api/v1/units/$G2" 200 '{"name_vi":"Đảng bộ xã Thử Nghiệm"}'
expect committee PATCH "/api/v1/units/$D2" 403 '{"name_vi":"Không được"}'
expect committee PATCH "/api/v1/units/$G1" 404 '{"name_vi":"Không được"}'
expect committee POST "/api/v1/units" 201 \
    "{\"kind\":\"cell\",\"code\":\"ACCM-C9\",\"name_vi\":\"Chi bộ ấp Mới\",\"parent_id\":$G2}"
expect committee POST "/api/v1/units" 404 \
    "{\"kind\":\"cell\",\"code\":\"ACCM-C8\",\"name_vi\":\"Chi bộ\",\"parent_id\":$G1}"
expect committee POST "/api/v1/units/$G2/move" 404 "{\"parent_id\":$D1}"
expect committee PATCH "/api/v1/members/$K" 200 '{"lang":"km"}'
expect committee PATCH "/api/v1/members/$M" 404 '{"lang":"km"}'
expect committee POST "/api/v1/members" 404 \
    "{\"card_number\":\"ACCM0002\",\"full_name\":\"X\",\"cell_id\":$C1}"
expect committee PUT "/api/v1/members/$SP/roles" 200 \
    "{\"roles\":[{\"role\":\"cell_deputy\",\"unit_id\":$C2}]}"
expect committee PUT "/api/v1/members/$SP/roles" 403 \
    "{\"roles\":[{\"role\":\"committee\",\"unit_id\":$D2}]}"
expect committee PUT "/api/v1/members/$SP/roles" 403 \
    "{\"roles\":[{\"role\":\"admin\",\"unit_id\":$G2}]}"
expect committee PUT "/api/v1/members/$SP/password" 204 '{"password":"mật khẩu mới 2026"}'
expect committee PUT "/api/v1/members/$M/password" 404 '{"password":"mật khẩu mới 2026"}'

# The propaganda officer of P: every unit under P, no member's details.
expect propaganda GET "/api/v1/units/$C1" 200
expect propaganda GET "/api/v1/units/$C2" 200
expect propaganda GET "/api/v1/members/$K" 404
expect propaganda PATCH "/api/v1/units/$G1" 403 '{"name_vi":"Không được"}'

# The administrator of P: everything under P, P itself included; an
# administrator role only strictly below P.
expect admin GET "/api/v1/members/$K" 200
expect admin GET "/api/v1/members/$M" 200
expect admin PATCH "/api/v1/units/$P" 200 '{"name_km":"ខេត្តសាកល្បង"}'
expect admin POST "/api/v1/units/$G1/move" 200 "{\"parent_id\":$D2}"
expect admin GET "/api/v1/units/$G1" 200
is "$(json .ancestors[-1].id)" "$D2" "... G1 now sits under D2"
expect admin POST "/api/v1/units/$G1/move" 200 "{\"parent_id\":$D1}"
expect admin POST "/api/v1/units/$G1/move" 422 "{\"parent_id\":$C1}"
expect admin PUT "/api/v1/members/$SP/roles" 200 \
    "{\"roles\":[{\"role\":\"admin\",\"unit_id\":$D2}]}"
expect admin PUT "/api/v1/members/$SP/roles" 403 \
    "{\"roles\":[{\"role\":\"admin\",\"unit_id\":$P}]}"
expect admin PUT "/api/v1/members/$SP/roles" 403 \
    "{\"roles\":[{\"role\":\"admin\",\"unit_id\":null}]}"

# Moving G1 under D2 and back moved C1 with it: the paths are right again.
ok '[ "$(fx_sql "SELECT count(*) FROM org_units c JOIN org_units g ON g.id = c.parent_id WHERE c.id = $C1 AND c.path = g.path || c.id::text")" = 1 ]' \
    "the cell's path follows its moved parent"

# Lists: every row inside the caller's scope. The allowed cells per
# caller, from the fixture: member -> themselves only; secretary -> C1;
# committee -> cells under D2 (C2 and the new one); admin -> all of P's.
list_members() {
	auth_req "${TOKEN_OF[$1]}" "$BASE/api/v1/members?limit=200"
	is "$REQ_STATUS" 200 "$1: GET /api/v1/members -> 200"
}
list_members member
is "$(json '[.items[].id] | join(",")')" "$M" "member: the list holds themselves only"
list_members secretary
is "$(json "[.items[] | select(.cell.id != $C1)] | length")" 0 "secretary: every listed member is in C1"
ok '[ "$(json "[.items[] | select(.id == $M)] | length")" = 1 ]' "secretary: ... and the cell's members are there"
list_members committee
in_d2=$(fx_sql "SELECT string_agg(c.id::text, ',') FROM org_units c, org_units d WHERE d.id = $D2 AND c.path <@ d.path")
is "$(json "[.items[] | select((.cell.id | tostring) as \$c | \"$in_d2\" | split(\",\") | index(\$c) | not)] | length")" 0 \
    "committee: every listed member is under D2"
ok '[ "$(json "[.items[] | select(.id == $K)] | length")" = 1 ]' "committee: ... and the Khmer member of C2 is there"
list_members propaganda
is "$(json '[.items[].id] | join(",")')" "${FX_ID[propaganda]}" "propaganda: no member but themselves"
list_members admin
under_p=$(fx_sql "SELECT count(*) FROM members m JOIN org_units c ON c.id = m.cell_id, org_units p WHERE p.id = $P AND c.path <@ p.path")
is "$(json '.items | length')" "$under_p" "admin: every member under P, and only those"

auth_req "${TOKEN_OF[committee]}" "$BASE/api/v1/units?parent=$P"
is "$(json '[.items[].id] | join(",")')" "$D2" "committee: the children of P it sees are D2 only"
auth_req "${TOKEN_OF[committee]}" "$BASE/api/v1/units?parent=$D1"
is "$REQ_STATUS" 404 "committee: listing under D1 is 404"

# Searching without tone marks finds the Vietnamese name.
auth_req "${TOKEN_OF[committee]}" "$BASE/api/v1/members?q=thach%20thi"
is "$(json '.items[0].full_name')" "${FX_NAME[khmer]}" "search without tone marks finds ${FX_NAME[khmer]}"

# Every refusal above is in the audit log.
denied=$(fx_sql "SELECT count(*) FROM audit_log WHERE action = 'access.denied' AND at > now() - interval '10 minutes' AND (detail->>'status')::int IN (403, 404)")
ok '[ "$denied" -ge 20 ]' "the refusals are in the audit log ($denied)"

done_testing
