#!/bin/bash
# TLS and HTTP protocol policy of the HTTPS front (HAProxy): TLS 1.2 and
# 1.3 only, ECDHE with AEAD ciphers only, HTTP/2 and HTTP/1.1 both
# answered, HSTS on every response (HAProxy's own errors included) and an
# X-Request-Id on every response.
set -eu
. "$HB_REPO/tests/lib/assert.sh"

HOSTPORT=localhost:$HANDBOOK_PORT

# handshake ARGS...: "yes" when openssl completes a handshake with these
# options (and verifies our certificate), else "no".
handshake() {
	if openssl s_client -connect "$HOSTPORT" -servername localhost \
		-CAfile "$CACERT" -verify_return_error "$@" </dev/null >"$TEST_TMP/s_client" 2>&1; then
		echo yes
	else
		echo no
	fi
}

# Old protocols: OpenSSL 3 refuses them at its default security level, so
# lower it on our side to be sure it is the server that says no.
is "$(handshake -tls1 -cipher 'DEFAULT:@SECLEVEL=0')" no "TLS 1.0 is refused"
is "$(handshake -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')" no "TLS 1.1 is refused"

is "$(handshake -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)" yes \
	"TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 is accepted"
is "$(handshake -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305)" yes \
	"TLS 1.2 with ECDHE-ECDSA-CHACHA20-POLY1305 is accepted"
is "$(handshake -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384')" no \
	"TLS 1.2 with CBC suites only is refused"
is "$(handshake -tls1_2 -cipher 'AES128-GCM-SHA256:AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256')" no \
	"TLS 1.2 without ECDHE (static RSA, DHE) is refused"
is "$(handshake -tls1_3)" yes "TLS 1.3 is accepted"
like "$(grep -E 'Protocol|Cipher is' "$TEST_TMP/s_client" | tr '\n' ' ')" 'TLSv1\.3' \
	"the TLS 1.3 handshake really is TLS 1.3"
# Session tickets weaken forward secrecy unless their keys rotate: none.
handshake -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 >/dev/null
ok '! grep -q "TLS session ticket:" "$TEST_TMP/s_client"' "no TLS session tickets (TLS 1.2)"

req --http2 "$BASE/healthz"
is "$REQ_VERSION" 2 "HTTP/2 is negotiated (ALPN h2)"
ok '[ "$REQ_STATUS" != 000 ]' "HTTP/2 request answered (status $REQ_STATUS)"
like "$(hdr strict-transport-security)" '^max-age=63072000' "HSTS on a normal response"
like "$(hdr x-request-id)" '^[0-9a-f-]{36}$' "X-Request-Id on a normal response"

req --http1.1 "$BASE/healthz"
is "$REQ_VERSION" 1.1 "HTTP/1.1 still works"
ok '[ "$REQ_STATUS" != 000 ]' "HTTP/1.1 request answered (status $REQ_STATUS)"
like "$(hdr x-request-id)" '^[0-9a-f-]{36}$' "X-Request-Id over HTTP/1.1"

# An error answered by HAProxy itself (431: too many headers).
many=()
for i in $(seq 30); do many+=(-H "X-Filler-$i: x"); done
req "${many[@]}" "$BASE/healthz"
is "$REQ_STATUS" 431 "HAProxy answers 431 itself"
like "$(hdr strict-transport-security)" '^max-age=63072000' "HSTS on HAProxy's own error"
like "$(hdr x-request-id)" '^[0-9a-f-]{36}$' "X-Request-Id on HAProxy's own error"

# A client-sent id is replaced by ours.
req -H 'X-Request-Id: chosen-by-client' "$BASE/healthz"
like "$(hdr x-request-id)" '^[0-9a-f-]{36}$' "a client's X-Request-Id is replaced"

# HAProxy listens on ::1 too when the machine has IPv6 on loopback.
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	req --ipv6 "$BASE/healthz"
	ok '[ "$REQ_STATUS" != 000 ]' "HTTPS answers on [::1] (status $REQ_STATUS)"
	req --ipv4 "$BASE/healthz"
	ok '[ "$REQ_STATUS" != 000 ]' "HTTPS answers on 127.0.0.1 (status $REQ_STATUS)"
else
	skip "HTTPS answers on [::1]" "no IPv6 loopback"
fi

# Plain HTTP on the HTTPS port gets no answer in clear text.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://localhost:$HANDBOOK_PORT/healthz" || true)
ok '[ "$code" != 200 ]' "plain HTTP on the TLS port is not served (got $code)"

done_testing
