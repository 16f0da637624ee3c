#!/bin/bash
# The content folder: tools/hbcontent checks it (every problem as
# file:line: message) and imports it through content_import() (sql/0009):
# importing twice changes nothing; an edited Vietnamese text makes a new
# version and marks the untouched Khmer text stale; a published version
# never changes; a folder with problems is refused whole, every problem
# listed, nothing imported. The shipped sample corpus passes the check.
# Test data: tests/data/content/ (a made-up document).
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

bin=$HB_REPO/build/tools/hbcontent
src=$TEST_TMP/content
cp -r "$HB_REPO/tests/data/content" "$src"
slug=test-bo-tai-lieu
at_exit "fx_sql \"DELETE FROM documents WHERE slug = '$slug'\" >/dev/null 2>&1 || true"

versions() { fx_sql "SELECT count(*) FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE d.slug = '$slug'"; }
km_state() { fx_sql "SELECT t.translation || '/' || t.translates_version FROM document_texts t JOIN documents d ON d.id = t.document_id WHERE d.slug = '$slug' AND t.lang = 'km' AND t.version = d.current_version"; }

ok '"$bin" check "$src" >"$TEST_TMP/check.out" 2>&1' "the test document passes the check"
ok '"$bin" check "$HB_REPO/content" >"$TEST_TMP/corpus.out" 2>&1' \
    "the shipped sample corpus passes the check ($(tail -n 1 "$TEST_TMP/corpus.out" 2>/dev/null || true))"
if [ -s "$TEST_TMP/corpus.out" ]; then diag "$(head -n 20 "$TEST_TMP/corpus.out")"; fi

ok '"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/imp1.out" 2>&1' "import"
is "$(versions)" 1 "... makes version 1"
is "$(fx_sql "SELECT state || '/' || current_version FROM documents WHERE slug = '$slug'")" "published/1" "... published"
is "$(km_state)" "pending/1" "... the Khmer text is pending review, translating version 1"
is "$(fx_sql "SELECT count(*) FROM document_sections s JOIN documents d ON d.id = s.document_id WHERE d.slug = '$slug' AND s.lang = 'vi'")" 5 "... 5 Vietnamese core points"
is "$(fx_sql "SELECT summary FROM document_sections s JOIN documents d ON d.id = s.document_id WHERE d.slug = '$slug' AND s.lang = 'vi' AND position = 5")" \
    "Tóm tắt thứ năm, có dấu đầy đủ: Nghị quyết, đảng viên, chi bộ." "... text intact, in NFC"
is "$(fx_sql "SELECT count(*) FROM quiz_questions q JOIN documents d ON d.id = q.document_id WHERE d.slug = '$slug'")" 2 "... 2 quiz questions"
is "$(fx_sql "SELECT m.content_type FROM document_media dm JOIN media m USING (sha256) JOIN documents d ON d.id = dm.document_id WHERE d.slug = '$slug'")" \
    "image/svg+xml" "... the infographic"

ok '"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/imp2.out" 2>&1' "importing again"
like "$(cat "$TEST_TMP/imp2.out")" '"action" *: *"unchanged"' "... says unchanged"
is "$(versions)" 1 "... and makes no new version"

# The Vietnamese text changes, the Khmer one does not: version 2, Khmer stale.
sed -i 's/^Tóm tắt thứ ba\.$/Tóm tắt thứ ba, đã sửa./' "$src/$slug/vi.md"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/imp3.out" 2>&1
is "$(versions)" 2 "an edited Vietnamese text makes version 2"
is "$(km_state)" "stale/1" "... and the untouched Khmer text is stale (still translating version 1)"
is "$(fx_sql "SELECT summary FROM document_sections s JOIN documents d ON d.id = s.document_id WHERE d.slug = '$slug' AND s.lang = 'vi' AND s.version = 1 AND position = 3")" \
    "Tóm tắt thứ ba." "... version 1 keeps its text"

# Published versions never change.
out=$(fx_sql "UPDATE document_sections SET summary = 'x' WHERE document_id = (SELECT id FROM documents WHERE slug = '$slug') AND version = 1" 2>&1 || true)
like "$out" 'published version cannot change' "a published version's text cannot be changed"
out=$(fx_sql "UPDATE document_versions SET number = 'x' WHERE document_id = (SELECT id FROM documents WHERE slug = '$slug') AND version = 1" 2>&1 || true)
like "$out" 'published version cannot change' "... nor its metadata"

# The translation is updated: version 3, pending again, translating 3.
sed -i 's/^សេចក្តីសង្ខេបទីបី។$/សេចក្តីសង្ខេបទីបី ដែលបានកែ។/' "$src/$slug/km.md"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/imp4.out" 2>&1
is "$(versions)" 3 "an updated Khmer text makes version 3"
is "$(km_state)" "pending/3" "... pending review again, translating version 3"

# A folder with problems: every one listed with file:line, nothing imported.
bad=$TEST_TMP/bad
cp -r "$HB_REPO/tests/data/content" "$bad"
b=$bad/$slug
sed -i 's/^issued: 2024-05-17$/issued: 2024-02-30/; s/^sample: true$/sample: true\ncolour: red/' "$b/document.yaml"
sed -i '/^## Điểm thứ năm$/,$d' "$b/vi.md"
sed -i 's/^Tóm tắt thứ tư\.$/Một. Hai. Ba. Bốn./' "$b/vi.md"
sed -i 's/{ vi: "Chỉ có hình ảnh", km: "តែរូបភាព" }/{ vi: "Chỉ có hình ảnh", correct: true }/' "$b/quiz.yaml"
printf '\xff\n' >>"$b/km.md"
cp -r "$b" "$bad/Bad_Name"
before=$(versions)
if "$HB_REPO/scripts/content-import" "$bad" >"$TEST_TMP/bad.out" 2>&1; then
	fail "a folder with problems is refused"
else
	pass "a folder with problems is refused"
fi
out=$(cat "$TEST_TMP/bad.out")
like "$out" "$slug/document.yaml:10: issued: a date" "... the impossible date, with its line"
like "$out" "$slug/document.yaml:14: unknown key \"colour\"" "... the unknown key, with its line"
like "$out" "$slug/vi.md:1: 4 core points" "... too few core points"
like "$out" "$slug/vi.md:1: core point 4 .*4 sentences" "... a summary of 4 sentences"
like "$out" "$slug/km.md:[0-9]+: not valid UTF-8" "... invalid UTF-8, with its line"
like "$out" "$slug/quiz.yaml:[0-9]+: exactly one choice is correct \(2 are\)" "... two correct choices"
like "$out" "Bad_Name:1: a document folder is named" "... a badly named folder"
like "$out" "nothing imported" "... and says nothing was imported"
is "$(versions)" "$before" "... and nothing was"

done_testing
