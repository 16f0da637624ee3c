#!/bin/bash
# GET /api/v1/search over HTTPS: Vietnamese is found with or without tone
# marks, in any case and in NFD; results are ranked (a title or summary
# match above a details match) with HTML-escaped snippets marking the
# words found; Khmer is found by words inside an unsegmented sentence,
# also when the word is typed with the marks of a cluster in another
# order; a document without Khmer answers Khmer searches in Vietnamese; a
# study outline of another unit never shows, to members or to a committee
# of another district, and a withdrawn document leaves the results at once
# and comes back when published again; when more than 100 sections match,
# the 100 of the newest documents are ranked and the answer says
# "truncated" (sql/0018_search_speed.sql), and the pages are exactly
# those of that definition however the candidates were found
# (sql/0022_search_narrow.sql); q is required and at most 200
# characters (code points, not bytes); SQL-looking input is just text.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org SRCH
src=$TEST_TMP/content
mkdir -p "$src"
# A: a document in both languages; O: a study outline of D1 adapting it;
# V: a document without a Khmer text.
A_SLUG=test-tim-kiem O_SLUG=test-tim-kiem-d1 V_SLUG=test-tim-kiem-vi
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN ('$O_SLUG', '$V_SLUG', '$A_SLUG')\" >/dev/null 2>&1 || true"

a=$src/$A_SLUG
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$a"
sed -i "s/^id: .*/id: $A_SLUG/; s/^title_vi: .*/title_vi: \"Tài liệu thử nghiệm tìm kiếm\"/; s/^title_km: .*/title_km: \"ឯកសារសាកល្បងការស្វែងរក\"/" \
    "$a/document.yaml"
# măng cụt: in the title of point 1, the summary of point 4 and the
# details of point 2. Point 2's details hold HTML, which must come back
# escaped.
cat >"$a/vi.md" <<'EOF'
# Tài liệu thử nghiệm tìm kiếm

Tài liệu này chỉ dùng cho kiểm thử tìm kiếm.

## Trồng măng cụt ở chi bộ
Mỗi điểm cốt lõi có một tiêu đề và một câu tóm tắt.

## Điểm thứ hai
Câu tóm tắt thứ hai.

Phần chi tiết nhắc đến cây măng cụt một lần, kèm <b>thẻ</b> & ký hiệu.

## Học tập Nghị quyết
Đảng viên học tập Nghị quyết của Đảng tại chi bộ.

## Điểm thứ tư
Vườn măng cụt của ấp là ví dụ.

## Điểm thứ năm
Tóm tắt thứ năm.
EOF
# ដឹកនាំ ("lead") inside the unsegmented sentence of point 2; សម្រាប់
# ("for") inside the introduction.
cat >"$a/km.md" <<'EOF'
<!-- review: pending -->
# ឯកសារសាកល្បងការស្វែងរក

ឯកសារនេះសម្រាប់តែការសាកល្បងស្វ័យប្រវត្តិ។

## ចំណុចទីមួយ
សេចក្តីសង្ខេបទីមួយ។

## ចំណុចទីពីរ
គណៈកម្មាធិការបក្សខេត្តបានដឹកនាំការសិក្សាសេចក្តីសម្រេចចិត្ត។

## ចំណុចទីបី
សេចក្តីសង្ខេបទីបី។

## ចំណុចទីបួន
សេចក្តីសង្ខេបទីបួន។

## ចំណុចទីប្រាំ
សេចក្តីសង្ខេបទីប្រាំ។
EOF

o=$src/$O_SLUG
cp -r "$a" "$o"
sed -i "s/^id: .*/id: $O_SLUG/; s/^kind: resolution\$/kind: study_outline\nunit: ${FX_CODE[D1]}\nadapts: $A_SLUG/" \
    "$o/document.yaml"
sed -i 's/măng cụt/chôm chôm/g' "$o/vi.md"

v=$src/$V_SLUG
cp -r "$a" "$v"
rm "$v/km.md"
sed -i "s/^id: .*/id: $V_SLUG/; /^title_km:/d" "$v/document.yaml"
sed -i 's/măng cụt/sầu riêng/g' "$v/vi.md"

"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"

id_of() { fx_sql "SELECT id FROM documents WHERE slug = '$1'"; }
A=$(id_of $A_SLUG) O=$(id_of $O_SLUG) V=$(id_of $V_SLUG)
login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok	# cell C1, under D1
login "${FX_CARD[khmer]}" "${FX_PASSWORD[khmer]}" ktok	# cell C2, under D2

# search TOKEN Q [LANG] [CURL ARGS...]: GET /api/v1/search, q encoded.
search() {
	local tok=$1 q=$2 lang=${3:-vi}
	shift 3 || shift $#
	auth_req "$tok" --get --data-urlencode "q=$q" --data-urlencode "lang=$lang" \
	    "$@" "$BASE/api/v1/search"
}
# The results as "document:section" words, in order.
hits() { json '[.items[] | "\(.document_id):\(.section)"] | join(" ")'; }
# Where A's point N is in the results (-1: absent).
pos_of() { json "[.items[] | \"\(.document_id):\(.section)\"] | index(\"$1\") // -1"; }

# Vietnamese without tone marks, with them, in capitals, in NFD.
search "$mtok" "nghi quyet"
is "$REQ_STATUS" 200 "GET /api/v1/search?q=nghi quyet is 200"
plain=$(hits)
like " $plain " " $A:3 " "... finds the point titled \"Học tập Nghị quyết\""
snip=$(json ".items[] | select(.document_id == $A and .section == 3) | .snippet")
like "$snip" '<mark>Nghị</mark> <mark>quyết</mark>' "... its snippet marks the words as written, with tone marks"
is "$(json ".items[] | select(.document_id == $A and .section == 3) | .section_title")" "Học tập Nghị quyết" "... with the point's title"
search "$mtok" "Nghị quyết"
is "$REQ_STATUS $(hits)" "200 $plain" "q=Nghị quyết finds the same, in the same order"
search "$mtok" "NGHI QUYET"
is "$REQ_STATUS $(hits)" "200 $plain" "q=NGHI QUYET finds the same"
search "$mtok" "$(printf 'Nghi\xcc\xa3 quye\xcc\x82\xcc\x81t')"
is "$REQ_STATUS $(hits)" "200 $plain" "q=Nghị quyết in NFD (combining marks) finds the same"

# Ranking: title (point 1) and summary (point 4) above details (point 2).
search "$mtok" "măng cụt"
p1=$(pos_of "$A:1") p4=$(pos_of "$A:4") p2=$(pos_of "$A:2")
ok '[ "$p1" -ge 0 ] && [ "$p4" -ge 0 ] && [ "$p2" -ge 0 ]' "q=măng cụt finds points 1, 4 and 2 ($(hits))"
ok '[ "$p1" -lt "$p2" ]' "... a title match ranks above a details match"
ok '[ "$p4" -lt "$p2" ]' "... a summary match ranks above a details match"
ok '[ "$(json "[.items[].rank] | . == (sort | reverse)")" = true ]' "... ranks in decreasing order"
is "$(json ".items[] | select(.document_id == $A and .section == 2) | .snippet | test(\"<mark>măng</mark> <mark>cụt</mark>\")")" \
    true "... the details match is marked in its snippet"
search "$mtok" "thẻ"
is "$(json ".items[] | select(.document_id == $A) | .snippet | test(\"&lt;b&gt;<mark>thẻ</mark>&lt;/b&gt; &amp; ký\")")" \
    true "HTML in the text comes back escaped in the snippet, only <mark> is markup"
search "$mtok" "măng cụt" vi --data-urlencode limit=1
is "$(json '.items | length')" 1 "limit=1 gives one result"

# Khmer: one word inside an unsegmented sentence.
search "$ktok" "ដឹកនាំ" km
is "$REQ_STATUS" 200 "a Khmer query (ដឹកនាំ, lang=km) is 200"
like " $(hits) " " $A:2 " "... finds the point whose sentence contains the word, unsegmented"
is "$(json ".items[] | select(.document_id == $A and .section == 2) | .lang")" km "... in Khmer"
like "$(json ".items[] | select(.document_id == $A and .section == 2) | .snippet")" '<mark>ដឹកនាំ</mark>' \
    "... its snippet marks the word"
# The same word typed with NIKAHIT before AA (ដឹកន + U+17C6 + U+17B6).
search "$ktok" "ដឹកន$(printf '\xe1\x9f\x86\xe1\x9e\xb6')" km
like " $(hits) " " $A:2 " "... and typed with its marks in another order (ំ before ា)"
# សម្រាប់ with AA typed before COENG RO, from the introduction.
search "$ktok" "សម$(printf '\xe1\x9e\xb6\xe1\x9f\x92\xe1\x9e\x9a')ប់" km
like " $(hits) " " $A:null " "សម្រាប់ typed with its vowel before the subscript finds the introduction"
search "$ktok" "សម្រាប់" km
like " $(hits) " " $A:null " "... as the correctly typed word does"

# A document without a Khmer text answers Khmer searches in Vietnamese.
search "$ktok" "sầu riêng" km
is "$(json "[.items[] | select(.document_id == $V) | .lang] | unique | join(\",\")")" vi \
    "a document without Khmer is found by a Khmer reader, in Vietnamese"
search "$ktok" "măng cụt" km
is "$(json "[.items[] | select(.document_id == $A)] | length")" 0 "... but a document with Khmer is searched in Khmer"

# A study outline of D1: its member finds it, a member under D2 never does.
search "$mtok" "chôm chôm"
like " $(hits) " " $O:1 " "a member under D1 finds D1's study outline"
seen=
for q in "chôm chôm" "nghi quyet" "măng cụt" "ដឹកនាំ"; do
	for lang in vi km; do
		search "$ktok" "$q" "$lang"
		if [ "$REQ_STATUS" != 200 ] || [ "$(json "[.items[] | select(.document_id == $O)] | length")" != 0 ]; then
			seen="$seen $q/$lang:$REQ_STATUS"
		fi
	done
done
is "$seen" "" "a member under D2 never gets D1's study outline, whatever the query"

login "${FX_CARD[committee]}" "${FX_PASSWORD[committee]}" ctok	# committee of D2
search "$ctok" "chôm chôm"
is "$REQ_STATUS $(json "[.items[] | select(.document_id == $O)] | length")" "200 0" \
    "a committee member of D2 does not get D1's study outline either"
search "$mtok" "chôm chôm"
is "$(json .truncated)" false "a search with few matches is not truncated"

# Withdrawn: gone from the results at once; published again: back.
fx_sql "UPDATE documents SET state = 'withdrawn' WHERE id = $O" >/dev/null
search "$mtok" "chôm chôm"
is "$REQ_STATUS $(json "[.items[] | select(.document_id == $O)] | length")" "200 0" \
    "a withdrawn document is not found"
is "$(fx_sql "SELECT (SELECT count(*) FROM search_sections WHERE document_id = $O) + (SELECT count(*) FROM search_match WHERE document_id = $O)")" 0 \
    "... its rows are gone from search_sections and search_match (sql/0022)"
fx_sql "UPDATE documents SET state = 'published' WHERE id = $O" >/dev/null
search "$mtok" "chôm chôm"
like " $(hits) " " $O:1 " "... and is found again when published again"

# search_match (sql/0022_search_narrow.sql), where the candidates are
# found: one row per search_sections row, with its lexemes.
is "$(fx_sql "SELECT count(*) FROM search_sections s FULL JOIN search_match m USING (document_id, lang, position) WHERE s.document_id IN ($A, $O, $V) OR m.document_id IN ($A, $O, $V)")" \
    "$(fx_sql "SELECT count(*) FROM search_sections WHERE document_id IN ($A, $O, $V)")" \
    "search_match has exactly the rows of search_sections"
is "$(fx_sql "SELECT count(*) FROM search_sections s JOIN search_match m USING (document_id, lang, position) WHERE s.document_id IN ($A, $O, $V) AND m.lexemes = strip(s.tsv) AND m.serves = s.serves AND m.issued = s.issued AND m.unit_id IS NOT DISTINCT FROM s.unit_id")" \
    "$(fx_sql "SELECT count(*) FROM search_sections WHERE document_id IN ($A, $O, $V)")" \
    "... with the same lexemes, languages, unit and date"

# More than 100 matching sections: 21 documents with "vải thiều" in the
# summary of each of their 5 points, issued a day apart. The 100 ranked
# come from the newest documents; the oldest one is left out.
many=$TEST_TMP/many
mkdir -p "$many"
M_SLUGS=
for i in $(seq -w 1 21); do
	m=$many/test-tim-kiem-nhieu-$i
	cp -r "$a" "$m"
	rm "$m/km.md"
	sed -i "s/^id: .*/id: test-tim-kiem-nhieu-$i/; /^title_km:/d; s/^issued: .*/issued: 2020-01-$i/" "$m/document.yaml"
	sed -i "s/măng cụt/vải thiều/g; s/^\(Mỗi điểm\|Câu tóm tắt thứ hai\|Đảng viên học tập\|Vườn\|Tóm tắt thứ năm\)/Vải thiều lần $i. &/" "$m/vi.md"
	M_SLUGS="$M_SLUGS,'test-tim-kiem-nhieu-$i'"
done
at_exit "fx_sql \"DELETE FROM documents WHERE slug IN (${M_SLUGS#,})\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$many" >"$TEST_TMP/import-many.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import-many.out")"
NEWEST=$(id_of test-tim-kiem-nhieu-21) OLDEST=$(id_of test-tim-kiem-nhieu-01)
is "$(fx_sql "SELECT count(*) FROM search_sections s JOIN documents d ON d.id = s.document_id WHERE d.slug LIKE 'test-tim-kiem-nhieu-%' AND s.tsv @@ plainto_tsquery('hb_search', 'vai thieu')")" \
    105 "21 documents put 105 sections with vải thiều in the index"
search "$mtok" "vải thiều" vi --data-urlencode limit=50
is "$REQ_STATUS $(json .truncated)" "200 true" "q=vải thiều (105 sections): truncated is true"
is "$(json '.items | length')" 50 "... with a full page of 50"
ok '[ "$(json "[.items[].rank] | . == (sort | reverse)")" = true ]' "... ranked in decreasing order"
like " $(json '[.items[].document_id] | unique | join(" ")') " " $NEWEST " "... the newest document is among them"
is "$(json "[.items[] | select(.document_id == $OLDEST)] | length")" 0 "... the oldest is not (not among the 100 ranked)"
is "$(json '[.items[] | select(.section != null)] | .[0:5] | map(.snippet | test("<mark>Vải</mark> <mark>thiều</mark>")) | all')" true \
    "... snippets mark the words"

# Whichever way api_search() finds its candidates (the newest sections
# walked in order or the GIN index, sql/0022), the page is the definition:
# of the matching sections the member may read, the 100 of the newest
# documents (newest first by issue date, then by key, descending), ranked,
# then the newer document. Computed here the slow way, from
# search_sections and document_visible().
reference() { # MEMBER_ID Q LANG LIMIT
	fx_sql "SELECT coalesce(string_agg(document_id || ':' || position, ' ' ORDER BY rank DESC, issued DESC, document_id DESC, lang, position), '')
	FROM (SELECT * FROM (
		SELECT s.document_id, s.lang, s.position, s.issued,
		    round(ts_rank_cd('{0.05, 0.1, 0.4, 1.0}', s.tsv, q)::numeric, 4) AS rank,
		    ts_rank_cd('{0.05, 0.1, 0.4, 1.0}', s.tsv, q) AS exact
		FROM search_sections s JOIN documents d ON d.id = s.document_id,
		    plainto_tsquery('hb_search', '$2') q
		WHERE s.tsv @@ q AND '$3' = ANY (s.serves) AND document_visible($1, d)
		ORDER BY s.issued DESC, s.document_id DESC, s.lang DESC, s.position DESC
		LIMIT 100) c
	    ORDER BY exact DESC, issued DESC, document_id DESC, lang, position
	    LIMIT $4) p"
}
# "document:position" with 0 for the heading, as reference() gives them.
keys() { json '[.items[] | "\(.document_id):\(.section // 0)"] | join(" ")'; }
bad=
for q in "vải thiều" "nghi quyet" "chi bo" "dang vien" "măng cụt" "tai lieu thu nghiem"; do
	search "$mtok" "$q" vi --data-urlencode limit=50
	[ "$(keys)" = "$(reference "${FX_ID[member]}" "$q" vi 50)" ] || bad="$bad [$q]"
done
search "$ktok" "sầu riêng" km --data-urlencode limit=50
[ "$(keys)" = "$(reference "${FX_ID[khmer]}" "sau rieng" km 50)" ] || bad="$bad [sầu riêng/km]"
is "$bad" "" "the pages are those of the definition, computed from search_sections (vi and km, members of D1 and D2)"

# Bad input.
search "$mtok" "$(printf 'a%.0s' {1..201})"
is "$REQ_STATUS" 400 "q of 201 characters is 400"
is "$(json .error.code)" query_too_long "... query_too_long"
search "$ktok" "$(printf 'ក%.0s' {1..201})" km
is "$(json .error.code)" query_too_long "201 Khmer characters: query_too_long"
search "$ktok" "$(printf 'ក%.0s' {1..200})" km
is "$REQ_STATUS" 200 "200 Khmer characters (600 bytes) are allowed: characters, not bytes"
auth_req "$mtok" "$BASE/api/v1/search?lang=vi"
is "$REQ_STATUS" 400 "no q is 400"
is "$(json .error.code)" missing_parameter "... missing_parameter"
search "$mtok" "   "
is "$(json .error.code)" missing_parameter "a blank q is missing_parameter"
search "$mtok" "măng cụt" vi --data-urlencode limit=abc
is "$(json .error.code)" invalid_parameter "limit=abc is invalid_parameter"
search "$mtok" "măng cụt" fr
is "$(json .error.code)" unsupported_language "lang=fr is unsupported_language"
req --get --data-urlencode "q=nghi quyet" "$BASE/api/v1/search"
is "$REQ_STATUS" 401 "without a token: 401"

# Text that looks like SQL or query syntax is only text.
for q in "' OR 1=1 --" "%" '\' "'; DROP TABLE documents; --" "!(a & b) | c:*" "<script>"; do
	search "$mtok" "$q"
	is "$REQ_STATUS/$(json '.items | type')" "200/array" "q=$q is 200 with a list"
done
is "$(id_of $A_SLUG)" "$A" "... and the documents are still there"

done_testing
