#!/bin/bash
# sqlmap (Debian's sqlmap package) on EVERY parameter of every route of
# assets/openapi.json (issue 11): each path id, each query parameter the
# document lists for the route, and each field of the JSON body of the
# writes (every string and number leaf, in nested objects and in the
# first element of each list).
# Each is marked with sqlmap's custom injection marker "*", so that sqlmap
# tests exactly these places and counts them. Bounded: --batch --level=1
# --risk=1, at most SQLMAP_SECONDS (120) per route, 127.0.0.1 only, with
# a valid token of a member who may use the route (the objects of
# tests/lib/route_objects.sh, the same as the access matrix's). Fails if
# sqlmap reports any injection, if a route of the OpenAPI document that
# takes a parameter has no row below, or if sqlmap tested fewer places
# than were marked; prints parameters tested, routes, requests, findings
# and the time taken. SQLMAP_ONLY=REGEX limits the run to matching routes
# (for working on this file; the full run is what counts).
# Run by `make check-security` (tests/run --security).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/fixtures.sh"
. "$HB_REPO/tests/lib/route_objects.sh"

command -v sqlmap >/dev/null 2>&1 || bail_out "sqlmap is not installed (scripts/install-deps installs it)"
command -v python3 >/dev/null 2>&1 || bail_out "python3 is missing (sqlmap needs it too)"
PER_TARGET=${SQLMAP_SECONDS:-120}
ONLY=${SQLMAP_ONLY:-}

route_objects SQLI >/dev/null
OPENAPI=$HB_REPO/assets/openapi.json

# The value each query parameter gets (by name, as the OpenAPI document
# names them), before its marker. Unknown names fail the test: a new
# parameter must be given a value here.
declare -A QVAL=(
	[q]="ngh%E1%BB%8B+quy%E1%BA%BFt" [lang]=vi [limit]=5 [cursor]=1
	[parent]={p} [unit]={p} [cell]={c1} [document]={doc} [session]={ssxd1}
	[scope]=mine [since]=0 [kind]=resolution [level]=central [year]=2026
	[tag]=nghi-quyet [from]=2026-01-01 [to]=2026-12-31 [format]=json
	[status]=open [state]=submitted [mode]=valid [dry_run]=true [version]=1
)
V[ssxd1]=${OBJ[ssx.d1.id]}

# Rows run in order. The login (the spare member's card and password)
# comes before the spare member's own password change: sqlmap's payloads
# in new_password are valid new passwords, so after that row the old one
# no longer logs in.
# Who asks, and with which object and body. Columns: who, method, path
# (as in the OpenAPI document), object (tests/lib/route_objects.sh; "+"
# made afresh for this route), body (the rest of the line; every leaf
# marked). Routes without any parameter nor body (health, version, keys,
# /me, logout, ...) have nothing to inject and need no row.
TARGETS=$(cat <<'EOF'
admin      GET    /api/v1/units                                   -
admin      POST   /api/v1/units                                   g1      {"kind":"cell","code":"SQLI-N{n}","name_vi":"Chi bộ ấp Mới","name_km":"សាខាថ្មី","parent_id":{unit}}
admin      GET    /api/v1/units/{id}                              c1
admin      PATCH  /api/v1/units/{id}                              g1      {"name_vi":"{name}","name_km":"ឃុំ"}
admin      POST   /api/v1/units/{id}/move                         g1      {"parent_id":{parent}}
admin      GET    /api/v1/members                                 -
admin      POST   /api/v1/members                                 c1      {"card_number":"9{h}{nn}","full_name":"Thạch Sóc Khem","cell_id":{unit},"phone":"0812345678","lang":"km"}
admin      GET    /api/v1/members/{id}                            m
admin      PATCH  /api/v1/members/{id}                            m       {"full_name":"Nguyễn Văn Bình","lang":"vi"}
admin      PUT    /api/v1/members/{id}/roles                      k       {"roles":[{"role":"cell_deputy","unit_id":{c2}}]}
admin      POST   /api/v1/members/import                          -
admin      PUT    /api/v1/members/{id}/password                   pw.c1   {"password":"mật khẩu mới 2026"}
anon       POST   /api/v1/auth/login                              -       {"login":"{card}","password":"{pw}"}
spare      POST   /api/v1/auth/password                           -       {"current_password":"{pw}","new_password":"{pw}"}
member     GET    /api/v1/documents                               -
member     GET    /api/v1/documents/{id}                          doc
anon       GET    /api/v1/documents/{id}/versions/{version}       doc
propaganda POST   /api/v1/documents/{id}/withdraw                 pub.d1+
propaganda POST   /api/v1/documents/{id}/publish                  wd.d1+
member     GET    /api/v1/sync                                    -
member     GET    /api/v1/documents/{id}/bundle                   doc
member     GET    /api/v1/search                                  -
anon       GET    /api/v1/media/{sha256}                          media
propaganda POST   /api/v1/documents                               d1      {"slug":"{slug}-n{n}","unit_id":{unit},"number":"08-HD/BTG","kind":"study_outline","issuer":"Ban Tuyên giáo (thử)","level":"district","issued":"2026-02-03","tags":["thu-nghiem"],"texts":{"vi":{"title":"Đề cương","sections":[{"title":"Ý 1","summary":"Một.","details":"Chi tiết."}]},"km":{"title":"គម្រោង","sections":[{"title":"ចំណុច ១","summary":"មួយ។"}]}}}
propaganda GET    /api/v1/documents/{id}/draft                    draft.d1
propaganda PUT    /api/v1/documents/{id}/draft                    draft.d1 {body}
secretary  POST   /api/v1/meetings                                c1      {"client_id":"{uuid}","cell_id":{unit},"held_on":"2026-03-06","topic":"Sinh hoạt thường kỳ","documents":[{doc}],"attendance":[{"member_id":{m},"status":"absent","reason":"Đi làm xa"}],"discussion":[{"document_id":{doc},"section":1,"text":"Thảo luận"}],"decisions":["Học tập"]}
secretary  GET    /api/v1/meetings                                -
secretary  GET    /api/v1/meetings/{id}                           mt.c1
secretary  PATCH  /api/v1/meetings/{id}                           mt.c1   {"version":1,"topic":"Sinh hoạt chuyên đề","decisions":["Học tập"]}
secretary  DELETE /api/v1/meetings/{id}                           mt.c1+
secretary  GET    /api/v1/meetings/{id}/versions                  mt.c1
admin      GET    /api/v1/units/{id}/meeting-counts               d1
member     POST   /api/v1/notes                                   doc     {"client_id":"{uuid}","document_id":{doc},"section":1,"visibility":"cell","text":"Ghi chú chung"}
member     GET    /api/v1/notes                                   -
member     GET    /api/v1/notes/{id}                              note.m
member     PATCH  /api/v1/notes/{id}                              note.m  {"version":1,"text":"{notetext}","section":1,"visibility":"private"}
member     DELETE /api/v1/notes/{id}                              note.m+
member     GET    /api/v1/notes/{id}/versions                     note.m
admin      GET    /api/v1/study-sessions                          -
admin      POST   /api/v1/study-sessions                          d1      {"client_id":"{uuid}","title":"Học tập chuyên đề","unit_id":{unit},"mode":"in_person","starts_at":"2031-05-05T08:00:00+07:00","duration_minutes":90,"documents":[{doc}],"bridge_points":[{"unit_id":{g1},"name":"Điểm cầu","address":"Hội trường","expected_count":3}]}
admin      GET    /api/v1/study-sessions/{id}                     ss.d1
admin      PATCH  /api/v1/study-sessions/{id}                     ss.d1   {"title":"Hội nghị học tập Nghị quyết","duration_minutes":120}
admin      POST   /api/v1/study-sessions/{id}/cancel              ss.d1+  {"reason":"Hoãn vì mưa bão"}
admin      POST   /api/v1/study-sessions/{id}/bridge-points       ss.d1   {"client_id":"{uuid}","unit_id":{bunit},"name":"Điểm cầu xã {n}","expected_count":2}
admin      PATCH  /api/v1/study-sessions/{id}/bridge-points/{point} ss.d1 {"name":"Điểm cầu","expected_count":3}
admin      DELETE /api/v1/study-sessions/{id}/bridge-points/{point} ss.d1+
admin      GET    /api/v1/study-sessions/{id}/attendance          ssx.d1
admin      PUT    /api/v1/study-sessions/{id}/attendance          ssx.d1  {"records":[{"member_id":{who},"status":"absent","reason":"Ốm"}]}
member     GET    /api/v1/me/sessions                             -
member     POST   /api/v1/events                                  doc     {"events":[{"id":"{uuid}","kind":"section_read","document_id":{doc},"version":1,"lang":"vi","section":1,"occurred_at":"{now}","seconds":30}]}
member     GET    /api/v1/me/progress                             -
admin      POST   /api/v1/quizzes                                 d1      {"client_id":"{uuid}","title":"Thi tìm hiểu","title_km":"ការប្រឡង","unit_id":{unit},"documents":[{doc}],"questions_per_attempt":2,"time_limit_seconds":600,"max_attempts":3}
admin      GET    /api/v1/quizzes                                 -
admin      GET    /api/v1/quizzes/{id}                            qz.d1
admin      GET    /api/v1/quizzes/{id}/statistics                 qz.d1
admin      GET    /api/v1/quizzes/{id}/leaderboard                qz.d1
admin      GET    /api/v1/quizzes/{id}/results                    qz.d1
member     POST   /api/v1/quizzes/{id}/attempts                   qz.d1   {"client_id":"{uuid}"}
member     GET    /api/v1/quizzes/{id}/attempts                   qz.d1
member     GET    /api/v1/quiz-attempts/{id}                      at.m
member     POST   /api/v1/quiz-attempts/{id}/submit               at.m+   {"client_id":"{uuid}","answers":[{"position":1,"choice":1}]}
admin      POST   /api/v1/programmes                              pdoc+   {"client_id":"{uuid}","unit_id":{c1},"document_id":{doc},"title":"Chương trình","targets":[{"text":"Tất cả đảng viên","target_value":100,"measure":"%"}]}
admin      GET    /api/v1/programmes                              -
admin      GET    /api/v1/programmes/{id}                         pg.c1
admin      PATCH  /api/v1/programmes/{id}                         pg.c1   {"version":1,"title":"Chương trình hành động"}
admin      GET    /api/v1/programmes/{id}/versions                pg.c1
admin      POST   /api/v1/programmes/{id}/tasks                   pg.c1   {"client_id":"{uuid}","title":"Việc mới","description":"Mô tả","assignee_id":{who},"deadline":"2030-06-30","status":"not_started"}
admin      GET    /api/v1/programmes/{id}/tasks                   pg.c1
admin      GET    /api/v1/tasks/{id}                              tk.c1
admin      PATCH  /api/v1/tasks/{id}                              tk.c1   {"version":1,"status":"not_started","title":"Tuyên truyền đến từng hộ"}
admin      GET    /api/v1/tasks/{id}/history                      tk.c1
admin      POST   /api/v1/tasks/{id}/notes                        tk.c1   {"client_id":"{uuid}","text":"Đã làm xong một nửa"}
admin      GET    /api/v1/tasks/{id}/notes                        tk.c1
member     GET    /api/v1/me/tasks                                -
admin      GET    /api/v1/reports/engagement                      -
admin      PUT    /api/v1/units/{id}/report-target                d1      {"target":0.9}
admin      DELETE /api/v1/units/{id}/report-target                d1
member     POST   /api/v1/essays                                  -       {"client_id":"{uuid}","document_id":{docp},"lang":"vi","sections":{"content":"Bản nháp.","duties":"Nhiệm vụ.","action_plan":"Kế hoạch."}}
member     GET    /api/v1/essays                                  -
member     GET    /api/v1/essays/{id}                             es.m
member     GET    /api/v1/essays/{id}/versions                    es.m
secretary  GET    /api/v1/essays/{id}/similarity                  es.m
secretary  POST   /api/v1/essays/{id}/reviews                     es.m+   {"client_id":"{uuid}","version":{version},"decision":"return","comment":"Cần cụ thể hơn."}
member     GET    /api/v1/essays/{id}/reviews                     es.m
admin      PUT    /api/v1/essay-deadlines                         d1      {"unit_id":{unit},"document_id":{docp},"due_at":"2031-01-01T00:00:00+07:00"}
admin      GET    /api/v1/units/{id}/essay-settings               d1
admin      PUT    /api/v1/units/{id}/essay-settings               d1      {"similarity_threshold":0.5}
EOF
)

# mark_json JSON: the same JSON with sqlmap's marker after every string
# and number leaf ("abc" -> "abc*", 5 -> 5*; true, false and null stay).
# In a list only the first element is marked: the others have the same
# fields, and reach the same SQL (five core points of a draft would
# multiply sqlmap's time by five for nothing).
mark_json() {
	python3 -c '
import json, sys
def mark(v):
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, str):
        return json.dumps(v + "*", ensure_ascii=False)
    if isinstance(v, (int, float)):
        return json.dumps(v) + "*"
    if isinstance(v, list):
        return "[" + ",".join([mark(x) for x in v[:1]] + [json.dumps(x, ensure_ascii=False) for x in v[1:]]) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + mark(x) for k, x in v.items()) + "}"
sys.stdout.write(mark(json.loads(sys.stdin.read())))' <<<"$1"
}

# sqlmap talks to 127.0.0.1 only; the certificate is the stack's own.
B=https://127.0.0.1:$HANDBOOK_PORT
declare -A HAS_ROW
total_marked=0 total_tested=0 total_requests=0 targets=0 findings=0 total_dropped=0
started_at=$(date +%s)
while read -r who method template object body; do
	[ -n "$who" ] || continue
	HAS_ROW["$method $template"]=1
	if [ -n "$ONLY" ] && ! [[ "$method $template" =~ $ONLY ]]; then continue; fi
	CELL_ROLE=$who CELL_OBJ=$object
	[ "$CELL_OBJ" != - ] || CELL_OBJ=
	if [[ $object == *+ ]]; then "fresh_${object%+}"; fi
	# The path, each parameter's value followed by the marker.
	path= marked=0
	IFS=/ read -r -a segs <<<"${template#/}"
	for seg in "${segs[@]}"; do
		if [[ $seg =~ ^\{([a-z0-9_]+)\}$ ]]; then
			key=${BASH_REMATCH[1]}
			[ "$key" != version ] || key=one
			V[one]=1
			fill "{$key}"
			path="$path/$FILLED*"
			marked=$((marked + 1))
		else
			path="$path/$seg"
		fi
	done
	[[ $template != */ ]] || path="$path/"
	# The query parameters the OpenAPI document lists for this route.
	query=
	while read -r name; do
		[ -n "$name" ] || continue
		[ -n "${QVAL[$name]+x}" ] || { fail "no value for the query parameter '$name' of $method $template (QVAL)"; continue; }
		fill "${QVAL[$name]}"
		query="$query${query:+&}$name=$FILLED*"
		marked=$((marked + 1))
	done < <(jq -r --arg p "$template" --arg m "${method,,}" \
	    '.paths[$p][$m].parameters[]? | select(.in == "query") | .name' "$OPENAPI")
	args=(--method "$method")
	if [ -n "$body" ]; then
		fill "$body"
		data=$(mark_json "$FILLED") || { fail "the body of $method $template is not JSON"; continue; }
		marked=$((marked + $(grep -o '\*' <<<"$data" | wc -l)))
		args+=(--data "$data" -H 'Content-Type: application/json')
	elif [ "$template" = /api/v1/members/import ]; then
		# The CSV itself is parsed in C (fuzzed by fuzz_csv_import); its
		# query parameters reach SQL.
		args+=(--data "card_number,full_name,cell_code" -H 'Content-Type: text/csv')
	fi
	[ "$marked" -gt 0 ] || { fail "$method $template has a row but nothing to mark"; continue; }
	token=${TOK[$who]:-}
	[ -z "$token" ] || args+=(-H "Authorization: Bearer $token")
	url=$B$path${query:+?$query}
	targets=$((targets + 1))
	set +e
	# --ignore-code: a DELETE answers 404 once it is done (and an id
	# sqlmap mangles is 404); a login with a mangled password is 401.
	# Without them sqlmap gives up on the route at its first such answer.
	timeout -k 10 "$PER_TARGET" sqlmap --batch --level=1 --risk=1 --dbms=PostgreSQL --ignore-code=401,404 \
		--flush-session --disable-coloring --output-dir="$TEST_TMP/sqlmap" \
		-t "$TEST_TMP/traffic.txt" "${args[@]}" -u "$url" </dev/null 2>&1 |
		sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][A-Z0-9]//g' -e 's/\x1b[=>]//g' >"$TEST_TMP/sqlmap.out"
	rc=${PIPESTATUS[0]}
	set -e
	# One "testing for SQL injection on ... parameter" line per place:
	# names are not unique (with a marked path and a marked body, sqlmap
	# names the path's place after the body's first).
	tested=$(grep -cE "testing for SQL injection on .*parameter '" "$TEST_TMP/sqlmap.out" || true)
	# Under load a time-based test can look positive once; sqlmap then
	# checks it again and drops it ("false positive or unexploitable").
	# Only its final verdict counts as a finding.
	dropped=$(grep -cE "false positive or unexploitable injection point detected" "$TEST_TMP/sqlmap.out" || true)
	total_dropped=$((total_dropped + dropped))
	requests=$(grep -cE '^HTTP request \[#[0-9]+\]' "$TEST_TMP/traffic.txt" 2>/dev/null || true)
	statuses=$(grep -oE '^HTTP response \[#[0-9]+\] \([0-9]+' "$TEST_TMP/traffic.txt" 2>/dev/null |
		sed -E 's/.*\(//' | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
	rm -f "$TEST_TMP/traffic.txt"
	total_marked=$((total_marked + marked))
	total_tested=$((total_tested + tested))
	total_requests=$((total_requests + ${requests:-0}))
	name="$method $template"
	if grep -qE "identified the following injection point|parameter '[^']+' is vulnerable" "$TEST_TMP/sqlmap.out"; then
		findings=$((findings + 1))
		fail "sqlmap found an injection in $name" "$(grep -E -A 8 'injection point|injectable' "$TEST_TMP/sqlmap.out" | head -n 20)"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "sqlmap on $name did not finish within ${PER_TARGET}s (SQLMAP_SECONDS)" "$(tail -n 5 "$TEST_TMP/sqlmap.out")"
	elif [ "$rc" != 0 ] || [ "$tested" -lt "$marked" ]; then
		fail "sqlmap on $name tested $tested of $marked places (exit status $rc)" "$(grep -E '\[(WARNING|CRITICAL|ERROR)\]' "$TEST_TMP/sqlmap.out" | grep -vE 'outdated' | tail -n 8)"
	else
		note=
		[ "$dropped" = 0 ] || note="; $dropped candidate(s) dropped by sqlmap as false positives"
		pass "no injection in $name: $tested places (${requests:-?} requests; answers ${statuses%, }$note)"
	fi
done <<<"$TARGETS"

# Every route that takes a parameter or a body has a row.
missing=()
while read -r method path; do
	[ -n "${HAS_ROW["$method $path"]:-}" ] || missing+=("$method $path")
done < <(jq -r '.paths | to_entries[] | .key as $p | .value | to_entries[]
    | select(.key | test("^(get|post|put|patch|delete)$"))
    | select(((.value.parameters // []) | map(select(.in == "path" or .in == "query")) | length) > 0
             or .value.requestBody != null)
    | "\(.key | ascii_upcase) \($p)"' "$OPENAPI" |
    grep -vE ' /(reader|board|app|fonts)/')
is "${#missing[@]}" 0 "every route with a parameter or a body has a sqlmap row" "${missing[@]}"

elapsed=$(($(date +%s) - started_at))
diag "sqlmap: $total_tested parameters tested of $total_marked marked, in $targets routes, $total_requests requests, $findings findings ($total_dropped candidates dropped by sqlmap as false positives), ${elapsed}s"
ok '[ "$total_tested" -ge "$total_marked" ] && [ "$total_marked" -gt 0 ]' \
    "sqlmap tested every marked parameter ($total_tested of $total_marked)"

done_testing
