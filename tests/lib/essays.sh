# Helpers for the essay scenarios (tests/integration/essays*.sh). Source
# after fixtures.sh and fixture_org; uses TOK (an associative array of
# tokens by fixture key, filled by the caller).
#
#   essays_setup PREFIX   imports two documents of this file's own (DOC,
#                         DOC_B; DOC_B's first core point carries the
#                         passage DOC_TEXT), sets C1 C2
#   send WHO METHOD PATH [BODY]
#   uuid
#   essay_body CLIENT_ID DOC SECTIONS_JSON [SUBMIT] [SESSION]

# shellcheck shell=bash disable=SC2034

DOC_TEXT="Các cấp ủy, tổ chức đảng phải gắn việc học tập nghị quyết với xây dựng chương trình hành động cụ thể, phân công rõ người, rõ việc, rõ thời gian hoàn thành và thường xuyên kiểm tra, giám sát việc thực hiện ở từng chi bộ."

essays_setup() {
	local prefix slug src
	prefix=$(printf '%s' "$1" | tr 'A-Z' 'a-z')
	src=$TEST_TMP/content
	mkdir -p "$src"
	for slug in "test-$prefix-a" "test-$prefix-b"; do
		cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/$slug"
		sed -i "s/^id: test-bo-tai-lieu\$/id: $slug/" "$src/$slug/document.yaml"
	done
	sed -i "s/^Phần chi tiết có thể dài hơn, gồm nhiều đoạn.\$/$DOC_TEXT/" \
	    "$src/test-$prefix-b/vi.md"
	at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('test-$prefix-a', 'test-$prefix-b')\" >/dev/null 2>&1 || true"
	"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
		bail_out "import failed: $(cat "$TEST_TMP/import.out")"
	DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-$prefix-a'")
	DOC_B=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-$prefix-b'")
	C1=${FX_UNIT[C1]}
	C2=${FX_UNIT[C2]}
}

send() {
	local who=$1 method=$2 path=$3
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/body.json"
		auth_req "${TOK[$who]}" -X "$method" -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$path"
	else
		auth_req "${TOK[$who]}" -X "$method" "$BASE$path"
	fi
}

uuid() { cat /proc/sys/kernel/random/uuid; }

essay_body() {
	jq -cn --arg cid "$1" --arg d "$2" --argjson s "$3" --arg sub "${4:-false}" \
	    --arg ses "${5:-}" '{client_id: $cid, sections: $s}
	    + (if $d == "" then {} else {document_id: ($d | tonumber)} end)
	    + (if $ses == "" then {} else {session_id: ($ses | tonumber)} end)
	    + (if $sub == "true" then {submit: true} else {} end)'
}
