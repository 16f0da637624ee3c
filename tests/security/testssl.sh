#!/bin/bash
# testssl.sh (Debian's testssl.sh package) against the stack's HTTPS port
# on 127.0.0.1, all its default checks (protocols, ciphers, server
# preferences, certificate, HTTP headers, known vulnerabilities), trusting
# the stack's own CA (var/tls/ca.pem) so that a local certificate is not a
# finding in itself. Fails on any finding rated HIGH or CRITICAL; prints
# the count of findings per severity and every finding rated LOW or above.
#
# No finding is excused: the development certificate names its CA's
# revocation list (scripts/stack serves it at /pki/ca.crl), so the
# certificate is not rated HIGH for lacking one, and the test checks that
# the list is there, parses, is signed by the CA and lists nothing.
# Run by `make check-security` (tests/run --security).
set -eu
. "$HB_REPO/tests/lib/assert.sh"

command -v testssl >/dev/null 2>&1 || bail_out "testssl is not installed (scripts/install-deps installs testssl.sh)"
out=$TEST_TMP/testssl.json
set +e
# --ip: the name stays localhost (the certificate's), the address is the
# loopback one; --warnings batch: never wait for an answer.
testssl --quiet --color 0 --warnings batch --add-ca "$CACERT" \
	--ip 127.0.0.1 --jsonfile "$out" "localhost:$HANDBOOK_PORT" >"$TEST_TMP/testssl.out" 2>&1
rc=$?
set -e
ok '[ -s "$out" ] && jq -e "length > 0" "$out" >/dev/null' "testssl ran (exit status $rc) and wrote its findings"
[ -s "$out" ] || { sed -e 's/^/# /' "$TEST_TMP/testssl.out" | tail -n 30; done_testing; exit 0; }

for sev in CRITICAL HIGH MEDIUM LOW WARN INFO OK; do
	n=$(jq --arg s "$sev" '[.[] | select(.severity == $s)] | length' "$out")
	diag "$(printf '%-8s %4d findings' "$sev" "$n")"
	eval "count_$sev=$n"
done
jq -r '.[] | select(.severity | IN("CRITICAL", "HIGH", "MEDIUM", "LOW", "WARN"))
	| "\(.severity) \(.id): \(.finding)"' "$out" | sed -e 's/^/# /'
jq -r '.[] | select(.id | test("^cert_(crlDistributionPoints|revocation)")) | "\(.id): \(.finding)"' \
	"$out" | sed -e 's/^/# /'
crl=$TEST_TMP/ca.crl
code=$(curl -s --cacert "$CACERT" -o "$crl" -w '%{http_code}' \
	--resolve "localhost:$HANDBOOK_PORT:127.0.0.1" \
	"https://localhost:$HANDBOOK_PORT/pki/ca.crl")
is "$code" 200 "the revocation list named in the certificate is served"
ok 'openssl crl -inform DER -in "$crl" -CAfile "$CACERT" -noout 2>&1 | grep -q "verify OK"' \
	"it is signed by the stack's CA"
ok '! openssl crl -inform DER -in "$crl" -noout -text | grep -q "Serial Number"' \
	"it revokes nothing"
ok '[ "$(jq "[.[] | select(.id | test(\"^(TLS1_2|TLS1_3)$\"))] | length" "$out")" = 2 ]' \
	"the scan reached the server (TLS 1.2 and 1.3 were tested)"
is "$count_CRITICAL" 0 "no finding rated CRITICAL"
is "$count_HIGH" 0 "no finding rated HIGH"

done_testing
