#!/bin/bash
# The OpenAPI document served at /api/v1/openapi.json against what the
# server really does: it is OpenAPI 3.1 JSON; every route in
# kore-app/routes.def is in its .paths with that method and every operation
# in .paths is a route; and every route without a path parameter answers
# something other than 404 to its method.
set -eu
. "$HB_REPO/tests/lib/assert.sh"

ROUTES=$HB_REPO/kore-app/routes.def
[ -f "$ROUTES" ] || bail_out "no $ROUTES"

req "$BASE/api/v1/openapi.json"
is "$REQ_STATUS" 200 "GET /api/v1/openapi.json is 200"
like "$(hdr content-type)" '^application/json' "... and JSON by its Content-Type"
ok 'jq -e . "$REQ_BODY_FILE" >/dev/null 2>&1' "... and parses as JSON"
like "$(json .openapi)" '^3\.1(\.|$)' "... openapi is 3.1"
cp "$REQ_BODY_FILE" "$TEST_TMP/openapi.json"

# "get /healthz" lines from routes.def: ROUTE(GET, "/healthz", health_get),
# and the same from ROUTE_REPLICA(...) lines (reads the replica may answer).
sed -n -E 's/^[[:space:]]*ROUTE(_REPLICA)?\([[:space:]]*([A-Z]+)[[:space:]]*,[[:space:]]*"([^"]+)".*/\2 \3/p' "$ROUTES" |
	awk '{ print tolower($1), $2 }' | sort -u >"$TEST_TMP/routes"
ok '[ -s "$TEST_TMP/routes" ]' "routes.def lists routes ($(wc -l <"$TEST_TMP/routes"))"

# The same from the document; path-level keys (parameters, summary, ...)
# are not operations.
jq -r '.paths // {} | to_entries[] | .key as $p | .value | keys[]
	| select(IN("get","put","post","delete","options","head","patch","trace"))
	| "\(.) \($p)"' "$TEST_TMP/openapi.json" | sort -u >"$TEST_TMP/documented"

while read -r method path; do
	ok 'grep -qxF "$method $path" "$TEST_TMP/documented"' "routes.def $method $path is documented"
done <"$TEST_TMP/routes"

while read -r method path; do
	# A GET route also answers HEAD, so a documented HEAD is fine.
	if [ "$method" = head ] && grep -qxF "get $path" "$TEST_TMP/routes"; then
		pass "documented head $path is served (as GET's HEAD)"
		continue
	fi
	ok 'grep -qxF "$method $path" "$TEST_TMP/routes"' "documented $method $path is in routes.def"
done <"$TEST_TMP/documented"

# Each route without {parameters} is there: not 404 to its own method.
while read -r method path; do
	case $path in *"{"*) continue ;; esac
	args=(-X "$(tr '[:lower:]' '[:upper:]' <<<"$method")")
	case $method in
	post | put | patch) args+=(-H 'Content-Type: application/json' --data-binary '{}') ;;
	head) args=(--head) ;;
	esac
	req "${args[@]}" "$BASE$path"
	ok '[ "$REQ_STATUS" != 404 ] && [ "$REQ_STATUS" != 000 ]' \
		"$method $path is served (status $REQ_STATUS)"
done <"$TEST_TMP/routes"

done_testing
