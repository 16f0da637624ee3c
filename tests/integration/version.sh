#!/bin/bash
# GET /api/v1/version: 200 JSON with the strings name, version, commit and
# schema_version, the last equal to the highest migration version applied
# to the database (schema_migrations).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"

req "$BASE/api/v1/version"
is "$REQ_STATUS" 200 "GET /api/v1/version is 200"
like "$(hdr content-type)" '^application/json' "... and JSON"
for field in name version commit schema_version; do
	is "$(json "(.$field | type)")" string "... $field is a string"
	ok '[ -n "$(json ".$field // empty")" ]' "... $field is not empty"
done

pg_url_env "$HANDBOOK_DATABASE_URL"
want=$(psql -X -A -t -q "$PG_URL" -c "SELECT max(version) FROM schema_migrations" 2>&1)
is "$(json .schema_version)" "$want" "schema_version is the highest applied migration ($want)"

done_testing
