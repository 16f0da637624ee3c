#!/bin/bash
# The production configuration (README, "Production"; issue 11): Kore's
# workers run as the unprivileged system user `handbook`, chrooted in
# $HANDBOOK_VAR/kore-root, with the seccomp filter on, and everything the
# service does works so.
#
# This test starts a stack of its own twice, with scripts/stack in the
# production layout (HANDBOOK_KORE_CHROOT=1), on its own ports and var dir,
# on the test stack's database (nothing is migrated again; the suite's
# signing key is copied in, so no key is added): once with seccomp tracing
# (a system call outside the filter is logged as "seccomp violation"
# instead of killing), once enforcing, as production runs (a call outside
# the filter kills the worker or the thread). Each time it checks the
# processes (parent root, workers uid/gid handbook, no capabilities,
# seccomp filter mode, /proc/PID/root the chroot), what the chroot holds
# and who may write there, then sends a representative set of requests:
# health, login (Argon2id in a task thread), /me, documents in Vietnamese
# and Khmer, gzip, a public edition, search in both languages (ICU in the
# worker), reading events, progress, a note, the engagement report as JSON,
# CSV and XLSX (a temporary file in the chroot's /tmp), the signed bundle
# checked by the reference verifier, sync, keys, the OpenAPI document, the
# web pages and the Khmer font, logout. Every answer must be the documented
# success; afterwards the log must hold no "seccomp violation", no dead
# worker, and the workers must be the same processes as before.
#
# Root only (Kore cannot chroot or change user otherwise): as anybody else
# the whole file is skipped.
set -eu
. "$HB_REPO/tests/lib/assert.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP the production layout needs root (chroot, runas)"
	exit 0
fi

. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

KUSER=handbook

# --- Data on the suite's database -------------------------------------------
fixture_org PRODC
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/test-prodconf"
sed -i 's/^id: test-bo-tai-lieu$/id: test-prodconf/' "$src/test-prodconf/document.yaml"
cleanup_docs() {
	fx_sql "DELETE FROM progress WHERE document_id IN (SELECT id FROM documents WHERE slug = 'test-prodconf');
		DELETE FROM documents WHERE slug = 'test-prodconf'" >/dev/null 2>&1 || true
}
cleanup_docs
at_exit cleanup_docs
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
D=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-prodconf'")

# --- The stack of this test ----------------------------------------------------
PV=$TEST_TMP/var
mkdir -p "$PV/secrets/signing"
chmod 755 "$TEST_TMP" "$PV"
chmod 700 "$PV/secrets" "$PV/secrets/signing"
# The suite's key: `signing-key ensure` then registers nothing new.
cp "$HANDBOOK_VAR"/secrets/signing/*.sk "$PV/secrets/signing/" 2>/dev/null || true
test_free_ports 1 P_PORT P_KORE || bail_out "no free port"
pv_env() {
	env "HANDBOOK_VAR=$PV" "HANDBOOK_PORT=$P_PORT" "HANDBOOK_KORE_PORT=$P_KORE" \
		"HANDBOOK_DATABASE_URL=$HANDBOOK_DATABASE_URL" HANDBOOK_KORE_CHROOT=1 \
		HANDBOOK_KORE_NODES=1 HANDBOOK_REPLICA=0 HANDBOOK_DATABASE_READ_URL= "$@"
}
pv_down() { pv_env "$HB_REPO/scripts/stack" down >>"$TEST_TMP/down.out" 2>&1 || true; }
at_exit pv_down
ROOT=$PV/kore-root
export BASE=https://localhost:$P_PORT CACERT=$PV/tls/ca.pem

# Worker PIDs of the running Kore (its session, without the parent).
workers() {
	local parent
	parent=$(head -n 1 "$PV/run/kore.pid")
	pgrep -s "$parent" -x kore | grep -vx "$parent" | sort -n | tr '\n' ' '
}
status_field() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"; }

uuid() { cat /proc/sys/kernel/random/uuid; }

# get_bin FILE [CURL ARGS...] URL: a binary answer (XLSX, font) to FILE;
# prints the status (req keeps bodies in a shell variable, which cannot
# hold NUL bytes).
get_bin() {
	local file=$1
	shift
	curl -s --cacert "$CACERT" --max-time 15 -o "$file" -w '%{http_code}' "$@" 2>/dev/null || echo 000
}

# The checks of one start; $1 says which (traced, enforcing).
one_pass() {
	local mode=$1 tracing parent ws w uid gid n t bad
	tracing=$([ "$mode" = traced ] && echo yes || echo no)
	: >"$TEST_TMP/up.out"
	if ! pv_env "HANDBOOK_SECCOMP_TRACING=$tracing" "$HB_REPO/scripts/stack" up >"$TEST_TMP/up.out" 2>&1; then
		sed -e 's/^/# /' "$TEST_TMP/up.out"
		bail_out "the production stack ($mode) did not start"
	fi
	pass "$mode: a production stack starts (seccomp_tracing $tracing)"
	like "$(cat "$TEST_TMP/up.out")" "production: workers run as $KUSER, chrooted in $ROOT" \
		"$mode: ... and says it runs in the production layout"
	is "$(grep -c '^seccomp_tracing' "$PV/run/kore.conf") $(awk '$1 == "seccomp_tracing" { print $2 }' "$PV/run/kore.conf")" \
		"1 $tracing" "$mode: kore.conf has seccomp_tracing $tracing"
	if [ "$mode" = traced ]; then
		ok 'grep -q "seccomp tracing enabled" "$PV/log/kore.log"' "$mode: Kore says seccomp tracing is enabled"
	else
		ok '! grep -q "seccomp tracing enabled" "$PV/log/kore.log"' "$mode: Kore does not trace: the filter kills"
	fi

	# --- The processes ---
	uid=$(id -u "$KUSER")
	gid=$(id -g "$KUSER")
	parent=$(head -n 1 "$PV/run/kore.pid")
	is "$(status_field "$parent" Uid | tr -s '\t ' ' ')" "0 0 0 0" "$mode: Kore's parent runs as root (it binds, forks, restarts workers)"
	is "$(readlink "/proc/$parent/root")" / "$mode: ... outside the chroot"
	ws=$(workers)
	is "$(echo "$ws" | wc -w)" 2 "$mode: two workers ($ws)"
	bad=
	for w in $ws; do
		[ "$(status_field "$w" Uid | tr -s '\t ' ' ')" = "$uid $uid $uid $uid" ] || bad="$bad $w:uid"
		[ "$(status_field "$w" Gid | tr -s '\t ' ' ')" = "$gid $gid $gid $gid" ] || bad="$bad $w:gid"
		[ "$(status_field "$w" Groups | tr -d ' \t')" = "$gid" ] || bad="$bad $w:groups"
		[ "$(status_field "$w" CapEff)" = 0000000000000000 ] || bad="$bad $w:caps"
		[ "$(status_field "$w" Seccomp)" = 2 ] || bad="$bad $w:seccomp"
		[ "$(readlink "/proc/$w/root")" = "$ROOT" ] || bad="$bad $w:root=$(readlink "/proc/$w/root")"
	done
	is "${bad# }" "" "$mode: every worker: uid and gid $KUSER ($uid/$gid) real, effective, saved; no other group; no capability; seccomp filter on; root $ROOT"

	# --- The chroot ---
	is "$(cd "$ROOT" && find . -mindepth 1 -maxdepth 1 | LC_ALL=C sort | tr '\n' ' ')" \
		"./assets ./signing ./tmp " "$mode: the chroot holds assets, signing and tmp only"
	is "$(find "$ROOT" -mindepth 1 \( -user "$KUSER" -o -perm -0002 -o \( -group "$KUSER" -perm -0020 \) \) -print | tr '\n' ' ')" \
		"$ROOT/tmp " "$mode: ... and the workers can write nowhere in it but tmp"
	is "$(find "$ROOT/signing" -type f | wc -l) $(stat -c '%U:%G %a' "$ROOT"/signing/*.sk 2>/dev/null)" \
		"1 root:$KUSER 640" "$mode: ... one secret key (the newest), root:$KUSER 0640"
	is "$(stat -c '%U %a' "$ROOT" "$ROOT/tmp" | tr '\n' ' ')" "root 755 $KUSER 700 " \
		"$mode: ... the chroot is root's; its tmp the workers' own, 0700"
	is "$(getent passwd "$KUSER" | cut -d: -f6,7)" "/nonexistent:/usr/sbin/nologin" \
		"$mode: $KUSER has no home and no shell"
	ok '[ ! -e /nonexistent ]' "$mode: ... and /nonexistent does not exist"

	# --- The requests ---
	req "$BASE/healthz"
	is "$REQ_STATUS $(json .database)" "200 ok" "$mode: /healthz: 200, the database reached by hostaddr from the chroot"
	login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok || true
	is "$REQ_STATUS" 200 "$mode: a member logs in (Argon2id in a task thread)"
	login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" ktok || true
	is "$REQ_STATUS" 200 "$mode: a Khmer reader logs in"
	login "${FX_CARD[admin]}" "${FX_PASSWORD[admin]}" atok || true
	is "$REQ_STATUS" 200 "$mode: an administrator logs in"
	auth_req "$mtok" "$BASE/api/v1/me"
	is "$REQ_STATUS $(json .id)" "200 ${FX_ID[member]}" "$mode: GET /api/v1/me"
	auth_req "$mtok" "$BASE/api/v1/documents"
	is "$REQ_STATUS $(json "[.items[] | select(.id == $D)] | length")" "200 1" \
		"$mode: GET /api/v1/documents lists the document"
	auth_req "$ktok" "$BASE/api/v1/documents/$D?lang=km"
	is "$REQ_STATUS $(json .title)" "200 ឯកសារសាកល្បងអំពីការនាំចូលមាតិកា" "$mode: the document in Khmer"
	auth_req "$mtok" --compressed -H 'Accept-Encoding: gzip' "$BASE/api/v1/documents/$D?lang=vi"
	is "$REQ_STATUS $(hdr content-encoding) $(json .title)" \
		"200 gzip Tài liệu thử nghiệm về quy trình nhập nội dung" "$mode: ... in Vietnamese, gzipped"
	req "$BASE/api/v1/documents/$D/versions/1?lang=vi"
	is "$REQ_STATUS" 200 "$mode: a public edition without a token"
	auth_req "$mtok" --get --data-urlencode "q=Nghị quyết đảng viên" "$BASE/api/v1/search"
	is "$REQ_STATUS $(json "[.items[] | select(.document_id == $D)] | length > 0")" "200 true" \
		"$mode: a Vietnamese search finds it"
	auth_req "$ktok" --get --data-urlencode "q=ចំណុចទីមួយ" --data-urlencode lang=km "$BASE/api/v1/search"
	is "$REQ_STATUS $(json "[.items[] | select(.document_id == $D)] | length > 0")" "200 true" \
		"$mode: a Khmer search finds it (ICU word break in the worker)"
	n=$(date -u +%FT%T.%3NZ)
	post_json "$BASE/api/v1/events" "$(jq -cn --arg a "$(uuid)" --arg b "$(uuid)" --arg at "$n" --argjson d "$D" \
		'{events: [{id: $a, kind: "opened", document_id: $d, version: 1, lang: "vi", occurred_at: $at},
		           {id: $b, kind: "section_read", document_id: $d, version: 1, lang: "vi", section: 1, occurred_at: $at, seconds: 30}]}')" \
		-H "Authorization: Bearer $mtok"
	is "$REQ_STATUS $(json .accepted)" "200 2" "$mode: POST /api/v1/events: both accepted"
	auth_req "$mtok" "$BASE/api/v1/me/progress?document=$D"
	is "$REQ_STATUS" 200 "$mode: GET /api/v1/me/progress"
	post_json "$BASE/api/v1/notes" "$(jq -cn --arg c "$(uuid)" --argjson d "$D" \
		'{client_id: $c, document_id: $d, visibility: "cell", text: "Ghi chú thử: chi bộ học tập Nghị quyết. កំណត់ចំណាំ"}')" \
		-H "Authorization: Bearer $mtok"
	is "$REQ_STATUS" 201 "$mode: POST /api/v1/notes: 201"
	auth_req "$mtok" "$BASE/api/v1/notes?scope=cell"
	is "$REQ_STATUS" 200 "$mode: GET /api/v1/notes"
	auth_req "$atok" "$BASE/api/v1/reports/engagement?unit=${FX_UNIT[P]}&document=$D"
	is "$REQ_STATUS $(json '.unit.readers >= 1')" "200 true" "$mode: the engagement report (JSON) counts the reader"
	auth_req "$atok" "$BASE/api/v1/reports/engagement?unit=${FX_UNIT[C1]}&document=$D&format=csv"
	is "$REQ_STATUS $(head -c 3 "$REQ_BODY_FILE" | od -An -tx1 | tr -d ' ')" "200 efbbbf" "$mode: ... as CSV (with its BOM)"
	t=$(get_bin "$TEST_TMP/r.xlsx" -H "Authorization: Bearer $atok" \
		"$BASE/api/v1/reports/engagement?unit=${FX_UNIT[C1]}&document=$D&format=xlsx")
	is "$t $(head -c 2 "$TEST_TMP/r.xlsx")" "200 PK" "$mode: ... as XLSX (written through the chroot's /tmp)"
	is "$(find "$ROOT/tmp" -mindepth 1 | wc -l)" 0 "$mode: ... whose temporary file is gone"
	req "$BASE/api/v1/keys"
	is "$REQ_STATUS" 200 "$mode: GET /api/v1/keys"
	cp "$REQ_BODY_FILE" "$TEST_TMP/keys.json"
	auth_req "$ktok" "$BASE/api/v1/documents/$D/bundle?lang=km"
	is "$REQ_STATUS" 200 "$mode: the signed bundle (key read from the chroot at start)"
	cp "$REQ_BODY_FILE" "$TEST_TMP/bundle.json"
	ok '"$HB_REPO/build/tools/hbverify" "$TEST_TMP/bundle.json" "$TEST_TMP/keys.json" >/dev/null 2>&1' \
		"$mode: ... which the reference verifier accepts"
	auth_req "$mtok" "$BASE/api/v1/sync?since=0"
	is "$REQ_STATUS" 200 "$mode: GET /api/v1/sync"
	req "$BASE/api/v1/openapi.json"
	is "$REQ_STATUS $(json .openapi | cut -c1-2)" "200 3." "$mode: the OpenAPI document (read into memory from the chroot)"
	bad=
	for t in /=reader/index.html /board/=board/index.html /sw.js=reader/sw.js \
		/fonts/NotoSansKhmer-Regular.ttf=fonts/NotoSansKhmer-Regular.ttf; do
		n=$(get_bin "$TEST_TMP/page" "$BASE${t%%=*}")
		[ "$n" = 200 ] && cmp -s "$TEST_TMP/page" "$HB_REPO/assets/${t#*=}" || bad="$bad ${t%%=*}:$n"
	done
	is "${bad# }" "" "$mode: the web pages, the service worker and the Khmer font: 200, the bytes of assets/"
	req -X POST -H "Authorization: Bearer $mtok" "$BASE/api/v1/auth/logout"
	like "$REQ_STATUS" '^20[04]$' "$mode: logout"
	auth_req "$mtok" "$BASE/api/v1/me"
	is "$REQ_STATUS" 401 "$mode: ... and the token is refused after it"

	# --- What the log says ---
	# Kore logs a violation or a death from the parent, at once.
	sleep 1
	is "$(grep -c 'seccomp violation' "$PV/log/kore.log" || true)" 0 "$mode: no \"seccomp violation\" in the Kore log"
	is "$(grep -cE 'sandbox violation|died|exited with status [^0]' "$PV/log/kore.log" || true)" 0 \
		"$mode: no worker died or was killed"
	grep -E 'seccomp violation|sandbox violation|died|exited' "$PV/log/kore.log" | head -n 5 | sed -e 's/^/# /' || true
	is "$(workers)" "$ws" "$mode: the same two workers are running"
	ok 'grep -q "path=/api/v1/reports/engagement.*status=200" "$PV/log/kore.log"' \
		"$mode: the access log has the requests"
	pv_down
	ok '[ ! -s "$PV/run/kore.pid" ] || ! pidfile_alive "$PV/run/kore.pid" kore >/dev/null' "$mode: the stack stops"
	# The next start writes a log of its own.
	mv "$PV/log/kore.log" "$PV/log/kore.$mode.log"
}

one_pass traced
one_pass enforcing

done_testing
