#!/bin/bash
# The module's own error answers, in the project's envelope: 404 for an
# unknown path, 405 with an Allow header for a known path and the wrong
# method; HEAD answered wherever GET is.
set -eu
. "$HB_REPO/tests/lib/assert.sh"

req "$BASE/no/such/path"
is "$REQ_STATUS" 404 "GET /no/such/path is 404"
like "$(hdr content-type)" '^application/json' "... and JSON"
is_error_envelope not_found "... code not_found"

# A POST needs a Content-Length to get past HAProxy (411): send an empty body.
req -X POST -H 'Content-Type: application/json' --data-binary '' "$BASE/healthz"
is "$REQ_STATUS" 405 "POST /healthz is 405"
like "$(hdr content-type)" '^application/json' "... and JSON"
is "$(hdr allow)" "GET, HEAD" "... with Allow: GET, HEAD"
is_error_envelope method_not_allowed "... code method_not_allowed"

req -X DELETE "$BASE/healthz"
is "$REQ_STATUS" 405 "DELETE /healthz is 405"
is_error_envelope method_not_allowed "... code method_not_allowed"

# With --head curl writes the response head where the body would go, and
# would report a body that came after it as an error.
req --head "$BASE/healthz"
is "$REQ_STATUS" 200 "HEAD /healthz is 200 (a GET route answers HEAD)"
ok '! grep -q "{" "$REQ_BODY_FILE"' "... without a body"

done_testing
