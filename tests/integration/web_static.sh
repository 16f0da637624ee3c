#!/bin/bash
# The web pages as files over HTTPS (kore-app/static.c): the reader at /,
# the board at /board/, the service worker at /sw.js (scope /), the shared
# files and the Khmer font; their types, ETags and 304s, cache rules,
# gzip, the security headers (a strict CSP without inline script, nosniff,
# no framing); every file a page or the service worker names is served;
# nothing outside the map is (dot-dot, encoded slashes, dot files, folders,
# a path without its slash), always in the JSON envelope.
set -eu
. "$HB_REPO/tests/lib/assert.sh"

req "$BASE/"
is "$REQ_STATUS" 200 "GET / (the reader) is 200"
is "$(hdr content-type)" "text/html; charset=utf-8" "... text/html in UTF-8"
csp=$(hdr content-security-policy)
like "$csp" "script-src 'self';" "... CSP: scripts from this origin only"
like "$csp" "frame-ancestors 'none'" "... CSP: no framing"
like "$csp" "default-src 'none'" "... CSP: nothing else by default"
ok '! grep -q "unsafe-" <<<"$csp"' "... CSP allows no unsafe-inline or unsafe-eval"
is "$(hdr x-content-type-options)" nosniff "... X-Content-Type-Options: nosniff"
is "$(hdr x-frame-options)" DENY "... X-Frame-Options: DENY (older browsers)"
is "$(hdr cache-control)" no-cache "... revalidated at each use (no-cache)"
etag=$(hdr etag)
like "$etag" '^"[0-9a-f]+"$' "... a strong ETag"
cp "$REQ_BODY_FILE" "$TEST_TMP/index.html"
ok '! grep -Eiq "<script>|<script[^>]*>[^<]+</script>| style=|on(click|load|submit)=" "$TEST_TMP/index.html"' \
	"... no inline script, style or handler in the page"

req -H "If-None-Match: $etag" "$BASE/"
is "$REQ_STATUS" 304 "If-None-Match with that ETag: 304"
req --head "$BASE/"
is "$REQ_STATUS" 200 "HEAD / is 200"
is "$(hdr content-length)" "$(wc -c <"$TEST_TMP/index.html" | tr -d ' ')" "... with the page's length"

req "$BASE/board/"
is "$REQ_STATUS" 200 "GET /board/ (the dashboard) is 200"
like "$REQ_BODY" 'src="/board/board.js"' "... the board page"
cp "$REQ_BODY_FILE" "$TEST_TMP/board.html"

req "$BASE/sw.js"
is "$REQ_STATUS" 200 "GET /sw.js is 200 (at the root: its scope covers the reader)"
is "$(hdr content-type)" "text/javascript; charset=utf-8" "... as JavaScript"
cp "$REQ_BODY_FILE" "$TEST_TMP/sw.js"

# Every file the pages and the service worker name is there, with its type.
{
	grep -Eo '(src|href)="/[^"]*"' "$TEST_TMP/index.html" "$TEST_TMP/board.html" | sed -E 's/.*="([^"]*)"/\1/'
	grep -Eo "'/[^']*'" "$TEST_TMP/sw.js" | tr -d "'"
} | grep -E '^/$|\.[a-z0-9]+$' | sort -u >"$TEST_TMP/named"
ok '[ "$(wc -l <"$TEST_TMP/named")" -ge 10 ]' "the pages and the worker name $(wc -l <"$TEST_TMP/named") files"
while read -r path; do
	req "$BASE$path" 2>/dev/null
	ok '[ "$REQ_STATUS" = 200 ] && [ -n "$(hdr content-type)" ] && [ -n "$(hdr etag)" ]' \
		"$path is served ($REQ_STATUS, $(hdr content-type))"
done <"$TEST_TMP/named"

req "$BASE/app/app.css"
is "$(hdr content-type)" "text/css; charset=utf-8" "/app/app.css is text/css"
req "$BASE/reader/manifest.webmanifest"
is "$(hdr content-type)" application/manifest+json "the manifest is application/manifest+json"

# The Khmer font: Debian's file byte for byte, cached for a week.
# (req keeps the body in a variable too: bash warns of the font's NUL bytes)
req "$BASE/fonts/NotoSansKhmer-Regular.ttf" 2>/dev/null
is "$REQ_STATUS" 200 "the Khmer font is served"
is "$(hdr content-type)" font/ttf "... as font/ttf"
like "$(hdr cache-control)" 'max-age=604800' "... cached for a week"
ok 'cmp -s "$REQ_BODY_FILE" /usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf' \
	"... the very file of Debian's fonts-noto-core"
req "$BASE/fonts/fonts-noto-core-copyright.txt"
like "$REQ_BODY" 'OFL-1.1' "its licence (SIL OFL 1.1) is served beside it"

# gzip for those who ask (HAProxy), the script and the font alike.
for path in /reader/reader.js /fonts/NotoSansKhmer-Regular.ttf; do
	req -H 'Accept-Encoding: gzip' "$BASE$path" 2>/dev/null
	is "$(hdr content-encoding)" gzip "$path is gzipped when asked"
	plain=$(curl -s --cacert "$CACERT" "$BASE$path" | wc -c)
	zipped=$(wc -c <"$REQ_BODY_FILE")
	diag "$path: $plain bytes, $zipped gzipped"
done

# Nothing outside the map, and always the JSON envelope.
for path in /app/nothing.js /app/.hidden /app/ /fonts/ /board /reader/ \
	/app/..%2f..%2fkore-app%2fmain.c /app/%2e%2e/openapi.json /openapi.json \
	/index.html /reader/../../etc/passwd /app/app.css/x; do
	req --path-as-is "$BASE$path"
	ok '[ "$REQ_STATUS" = 404 ] || [ "$REQ_STATUS" = 400 ]' "$path is not served ($REQ_STATUS)"
	if [ "$REQ_STATUS" = 404 ]; then is_error_envelope not_found "... in the JSON envelope"; fi
done

req -X POST -H 'Content-Type: application/json' --data-binary '{}' "$BASE/"
is "$REQ_STATUS" 405 "POST / is 405"
like "$(hdr allow)" 'GET' "... Allow names GET"

done_testing
