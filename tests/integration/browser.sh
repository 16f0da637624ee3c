#!/bin/bash
# The member reader and the board dashboard in a real browser (issue 9):
# Debian's Chromium, headless, driven by playwright-core
# (tests/browser/reader_board.mjs). This script makes the data (a small
# organisation, a document with Vietnamese and Khmer texts published for
# it by the province's propaganda officer), runs the browser scenario,
# turns its PASS/FAIL lines into TAP, and checks in SQL what the browser
# sent. Screenshots are kept under var/test-artefacts/browser/ (git-
# ignored); the path is printed.
#
# Chromium trusts the test stack's self-signed certificate by its public
# key (--ignore-certificate-errors-spki-list), so the origin is a real
# secure context and the service worker registers as it would in the field.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

CHROMIUM=${HANDBOOK_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || bail_out "no $CHROMIUM (scripts/install-deps installs chromium)"
[ -f "$HB_REPO/node_modules/playwright-core/package.json" ] ||
	bail_out "no node_modules/playwright-core (make build-tests runs npm ci)"

fixture_org BRWS
at_exit "fx_sql \"DELETE FROM quizzes WHERE unit_id = ${FX_UNIT[P]}; DELETE FROM documents WHERE slug LIKE 'test-browser-%'\" >/dev/null 2>&1 || true"
login "${FX_CARD[propaganda]}" "${FX_PASSWORD[propaganda]}" ptok	# of P

# A study outline for the whole test province, in Vietnamese and Khmer
# (real words in both scripts: the Khmer has coeng subscripts and vowel
# signs that only a Khmer font shapes right).
cat >"$TEST_TMP/doc.json" <<JSON
{"slug":"test-browser-outline","unit_id":${FX_UNIT[P]},"number":"09-HD/BTGTU",
 "kind":"study_outline","issuer":"Ban Tuyên giáo Tỉnh ủy (thử)","level":"province",
 "issued":"2026-11-20","tags":["thu-nghiem"],"audience":["members"],
 "texts":{
  "vi":{"title":"Đề cương học tập Nghị quyết về chuyển đổi số","intro":"Tài liệu thử cho trình duyệt.",
   "sections":[
    {"title":"Mục tiêu chung","summary":"Đẩy mạnh chuyển đổi số trong toàn Đảng bộ.","details":"Mỗi chi bộ có kế hoạch cụ thể."},
    {"title":"Nhiệm vụ trọng tâm","summary":"Số hóa hồ sơ đảng viên và tài liệu sinh hoạt.","details":""},
    {"title":"Giải pháp","summary":"Bồi dưỡng kỹ năng số cho cán bộ, đảng viên.","details":""},
    {"title":"Tổ chức thực hiện","summary":"Các chi bộ quán triệt và báo cáo kết quả.","details":""},
    {"title":"Kiểm tra, giám sát","summary":"Ban Tuyên giáo theo dõi, đôn đốc hằng quý.","details":""}]},
  "km":{"title":"គម្រោងសិក្សាសេចក្តីសម្រេចស្តីពីការផ្លាស់ប្តូរឌីជីថល","intro":"ឯកសារសាកល្បងសម្រាប់កម្មវិធីរុករក។",
   "sections":[
    {"title":"គោលដៅរួម","summary":"ជំរុញការផ្លាស់ប្តូរឌីជីថលក្នុងអង្គការបក្សទាំងមូល។","details":"សាខាបក្សនីមួយៗមានផែនការជាក់លាក់។"},
    {"title":"ភារកិច្ចស្នូល","summary":"ធ្វើឌីជីថលូបនីយកម្មឯកសារសមាជិកបក្ស។","details":""},
    {"title":"ដំណោះស្រាយ","summary":"បណ្តុះបណ្តាលជំនាញឌីជីថលដល់កម្មាភិបាល និងសមាជិកបក្ស។","details":""},
    {"title":"ការអនុវត្ត","summary":"សាខាបក្សនានាសិក្សាស្វែងយល់ និងរាយការណ៍លទ្ធផល។","details":""},
    {"title":"ការត្រួតពិនិត្យ","summary":"គណៈឃោសនាអប់រំតាមដាន និងជំរុញរៀងរាល់ត្រីមាស។","details":""}],
   "review":"reviewed"}}}
JSON
auth_req "$ptok" -X POST -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/doc.json" "$BASE/api/v1/documents"
is "$REQ_STATUS" 201 "the propaganda officer drafts the outline (vi and km)"
DOC=$(json .id)
auth_req "$ptok" -X POST "$BASE/api/v1/documents/$DOC/publish"
is "$REQ_STATUS" 200 "... and publishes it"

# A study session on it for the whole province, tomorrow: the member's
# upcoming sessions list it.
starts=$(date -u -d 'tomorrow 01:00' +%Y-%m-%dT%H:%M:%SZ)
printf '{"client_id":"%s","title":"Hội nghị quán triệt đề cương chuyển đổi số","unit_id":%s,"mode":"both","starts_at":"%s","duration_minutes":120,"documents":[%s]}' \
	"$(cat /proc/sys/kernel/random/uuid)" "${FX_UNIT[P]}" "$starts" "$DOC" >"$TEST_TMP/session.json"
auth_req "$ptok" -X POST -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/session.json" "$BASE/api/v1/study-sessions"
is "$REQ_STATUS" 201 "... and schedules a study session on it for tomorrow"

# A document with a question bank, and a quiz on it for the province.
# Question banks come with the content (content/*/quiz.yaml, imported by
# scripts/content-import; the draft API has none), so this is done as
# tests/integration/quizzes.sh does: the test content imported under a
# slug of this file's own, then the quiz made through the API by the
# province's propaganda officer.
src=$TEST_TMP/content
mkdir -p "$src/test-browser-quiz"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu/." "$src/test-browser-quiz/"
sed -i 's/^id: test-bo-tai-lieu$/id: test-browser-quiz/' "$src/test-browser-quiz/document.yaml"
cat >"$src/test-browser-quiz/quiz.yaml" <<'EOF'
questions:
  - id: b1
    section: 1
    question_vi: "Mỗi điểm cốt lõi có gì?"
    question_km: "តើចំណុចស្នូលនីមួយៗមានអ្វី?"
    choices:
      - { vi: "Một tiêu đề và một tóm tắt", km: "ចំណងជើង និងសេចក្តីសង្ខេប", correct: true }
      - { vi: "Chỉ có hình ảnh", km: "តែរូបភាព" }
      - { vi: "Không có gì", km: "គ្មានអ្វីទេ" }
  - id: b2
    section: 2
    question_vi: "Ai chịu trách nhiệm trước hết?"
    question_km: "តើអ្នកណាទទួលខុសត្រូវជាដំបូង?"
    choices:
      - { vi: "Học sinh", km: "សិស្ស" }
      - { vi: "Người đứng đầu", km: "ប្រធាន", correct: true }
      - { vi: "Báo chí", km: "សារព័ត៌មាន" }
  - id: b3
    section: 3
    question_vi: "Chi bộ sinh hoạt mấy lần một tháng?"
    question_km: "តើសាខាបក្សប្រជុំប៉ុន្មានដងក្នុងមួយខែ?"
    choices:
      - { vi: "Một lần", km: "ម្តង", correct: true }
      - { vi: "Không lần nào", km: "មិនដែល" }
      - { vi: "Mười lần", km: "ដប់ដង" }
  - id: b4
    section: 4
    question_vi: "Nghị quyết được quán triệt ở đâu?"
    question_km: "តើសេចក្តីសម្រេចត្រូវបានផ្សព្វផ្សាយនៅឯណា?"
    choices:
      - { vi: "Ở hội nghị học tập", km: "នៅសន្និសីទសិក្សា", correct: true }
      - { vi: "Ở chợ", km: "នៅផ្សារ" }
EOF
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC_Q=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-browser-quiz'")
jq -cn --arg cid "$(cat /proc/sys/kernel/random/uuid)" --argjson u "${FX_UNIT[P]}" --argjson d "$DOC_Q" \
	'{client_id: $cid, title: "Thi tìm hiểu quy trình nhập nội dung", title_km: "ការប្រឡងស្វែងយល់អំពីការនាំចូលមាតិកា",
	  unit_id: $u, documents: [$d], questions_per_attempt: 4, time_limit_seconds: 600, max_attempts: 2}' >"$TEST_TMP/quiz.json"
auth_req "$ptok" -X POST -H 'Content-Type: application/json' --data-binary "@$TEST_TMP/quiz.json" "$BASE/api/v1/quizzes"
is "$REQ_STATUS" 201 "... and makes a quiz of 4 questions on a document with a question bank"
QUIZ=$(json .id)

# Chromium accepts the stack's certificate by the SHA-256 of its public key.
SPKI=$(openssl x509 -in "$HANDBOOK_VAR/tls/server.pem" -noout -pubkey |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)

ART=$HB_REPO/var/test-artefacts/browser
mkdir -p "$ART"
rm -f "$ART"/*.png "$ART"/*.csv "$ART"/*.xlsx

set +e
(
	cd "$HB_REPO" &&
	BASE=$BASE SPKI=$SPKI CHROMIUM=$CHROMIUM ART=$ART DOC=$DOC DOC_Q=$DOC_Q QUIZ=$QUIZ \
	COMMITTEE_LOGIN=${FX_CARD[committee]} COMMITTEE_PASSWORD=${FX_PASSWORD[committee]} \
	MEMBER_CARD=${FX_CARD[khmer]} MEMBER_NAME=${FX_NAME[khmer]} \
	UNIT_D2=${FX_UNIT[D2]} UNIT_G2=${FX_UNIT[G2]} UNIT_C2=${FX_UNIT[C2]} \
	MEMBER_LOGIN=${FX_CARD[khmer]} MEMBER_PASSWORD=${FX_PASSWORD[khmer]} \
	BOARD_LOGIN=${FX_CARD[propaganda]} BOARD_PASSWORD=${FX_PASSWORD[propaganda]} \
	UNIT_P=${FX_UNIT[P]} CODE_P=${FX_CODE[P]} CODE_C2=${FX_CODE[C2]} \
	node tests/browser/reader_board.mjs
) >"$TEST_TMP/browser.out" 2>&1
rc=$?
set -e
reported=0
while IFS= read -r line; do
	case $line in
	PASS\ *) pass "${line#PASS }"; reported=1 ;;
	FAIL\ *) fail "${line#FAIL }"; reported=1 ;;
	*) diag "$line" ;;
	esac
done <"$TEST_TMP/browser.out"
[ "$rc" = 0 ] || [ "$reported" = 1 ] && [ "$rc" = 0 ] ||
	fail "the browser scenario ran to its end (node exited with $rc)"

# What the browser sent, seen from the database: the Khmer member's
# reading of the outline, with the sections marked offline.
read_sections=$(fx_sql "SELECT array_to_string(progress_sections(sections_read), ',')
	FROM progress WHERE member_id = ${FX_ID[khmer]} AND document_id = $DOC")
is "$read_sections" "1,2,3,4" "the database has sections 1-3 (offline) and 4 (by keyboard) read by the Khmer member"
events=$(fx_sql "SELECT count(*) FROM read_event_ids WHERE member_id = ${FX_ID[khmer]}")
ok '[ "$events" -ge 5 ]' "... from at least 5 stored events (opened + 4 section_read: $events)"
is "$(fx_sql "SELECT count(*) FROM quiz_attempts WHERE quiz_id = $QUIZ AND member_id = ${FX_ID[khmer]} AND state = 'submitted'")" 1 \
	"the database has the Khmer member's one submitted quiz attempt"

diag "screenshots and downloads: $ART"
ls "$ART" | sed -e 's/^/# /'
done_testing
