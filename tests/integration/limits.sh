#!/bin/bash
# Request limits HAProxy enforces in front of Kore, each answered in the
# project's JSON error envelope: too many or too large headers (431), a
# body over HANDBOOK_BODY_MAX (413), a body without Content-Length (411; a bodiless POST gets Content-Length: 0), an
# overlong URI (414); and X-Forwarded-For from the client is replaced.
set -eu
. "$HB_REPO/tests/lib/assert.sh"

BODY_MAX=${HANDBOOK_BODY_MAX:-1048576}

# curl itself sends Host, User-Agent and Accept: 3 header lines.
headers() { # N: N extra header arguments for curl
	local i
	for i in $(seq "$1"); do printf -- '-H\nX-Filler-%s: x\n' "$i"; done
}
mapfile -t h17 < <(headers 17)
mapfile -t h18 < <(headers 18)

for v in --http1.1 --http2; do
	req "$v" "${h17[@]}" "$BASE/healthz"
	ok '[ "$REQ_STATUS" != 431 ] && [ "$REQ_STATUS" != 000 ]' \
		"$v: 20 header lines pass (status $REQ_STATUS)"
	req "$v" "${h18[@]}" "$BASE/healthz"
	is "$REQ_STATUS" 431 "$v: 21 header lines get 431"
done
like "$(hdr content-type)" '^application/json' "431 is JSON"
is_error_envelope headers_too_large "431 carries the error envelope"

big=$(head -c 4100 /dev/zero | tr '\0' a)
req -H "X-Big: $big" "$BASE/healthz"
is "$REQ_STATUS" 431 "a 4 KiB header block gets 431"
is_error_envelope headers_too_large "... in the envelope"

req "$BASE/$(head -c 2100 /dev/zero | tr '\0' a)"
is "$REQ_STATUS" 414 "a 2 KiB URI gets 414"
is_error_envelope uri_too_long "... in the envelope"

# 413 on the announced length, before any byte of the body is read. Over
# HTTP/1.1: curl 7.88 reports an error instead of the answer when HTTP/2
# resets the stream it is still uploading on (the answer does arrive).
head -c $((BODY_MAX + 1)) /dev/zero >"$TEST_TMP/big"
req --http1.1 -H 'Content-Type: application/json' --data-binary @"$TEST_TMP/big" "$BASE/api/v1/anything"
is "$REQ_STATUS" 413 "a body of HANDBOOK_BODY_MAX+1 bytes gets 413"
like "$(hdr content-type)" '^application/json' "413 is JSON"
is_error_envelope payload_too_large "413 carries the error envelope"
like "$(hdr strict-transport-security)" '^max-age=' "413 carries HSTS"

req --http1.1 -H 'Content-Length: 99999999999' -H 'Content-Type: application/json' --data-binary '{}' "$BASE/api/v1/anything"
is "$REQ_STATUS" 413 "a huge announced Content-Length gets 413 at once"

head -c "$BODY_MAX" /dev/zero >"$TEST_TMP/max"
req --http1.1 -H 'Content-Type: application/json' --data-binary @"$TEST_TMP/max" "$BASE/api/v1/anything"
ok '[ "$REQ_STATUS" != 413 ] && [ "$REQ_STATUS" != 000 ]' \
	"a body of exactly HANDBOOK_BODY_MAX bytes passes HAProxy (status $REQ_STATUS)"

# No Content-Length: HTTP/1.1 chunked, and HTTP/2 DATA without the header.
req --http1.1 -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' --data-binary '{"a":1}' "$BASE/api/v1/anything"
is "$REQ_STATUS" 411 "a chunked HTTP/1.1 body gets 411"
is_error_envelope length_required "411 carries the error envelope"
req --http2 -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' --data-binary '{"a":1}' "$BASE/api/v1/anything"
is "$REQ_STATUS" 411 "an HTTP/2 body without Content-Length gets 411"
# A POST with no body and no Content-Length is a POST with an empty body:
# HAProxy says so to Kore (which would answer a bare 411), and the module
# answers it like any other (here: no such path).
req --http1.1 -X POST "$BASE/api/v1/anything"
is "$REQ_STATUS" 404 "a bodiless POST without Content-Length reaches the module"
is_error_envelope not_found "... and gets its answer in the envelope"
req --http2 -X POST "$BASE/api/v1/anything"
is "$REQ_STATUS" 404 "... over HTTP/2 too"

# X-Forwarded-For: HAProxy replaces what the client sent with the address
# it saw. Kore reads the first one, so a forged one must not survive. What
# Kore saw shows in the module's access log, if it writes one.
req -H 'X-Forwarded-For: 203.0.113.66' "$BASE/healthz"
ok '[ "$REQ_STATUS" != 000 ] && [ "$REQ_STATUS" != 400 ]' \
	"a request with a forged X-Forwarded-For works (status $REQ_STATUS)"
rid=$(hdr x-request-id)
sleep 0.5
if grep -q -- "$rid" "$HANDBOOK_VAR/log/kore.log" 2>/dev/null; then
	line=$(grep -- "$rid" "$HANDBOOK_VAR/log/kore.log" | head -n 1)
	ok '! grep -q 203.0.113.66 <<<"$line"' "the forged X-Forwarded-For does not reach Kore's log"
	like "$line" '(127\.0\.0\.1|::1)' "Kore logs the address HAProxy saw"
else
	skip "the forged X-Forwarded-For does not reach Kore's log" "Kore's log has no line with the request id"
	skip "Kore logs the address HAProxy saw" "no access log line"
fi

done_testing
