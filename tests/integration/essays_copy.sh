#!/bin/bash
# Copy detection over HTTPS. An original essay on a study is submitted;
# then copies of it: verbatim in the same cell, with the paragraphs
# reordered and the tone marks stripped (in capitals), verbatim from
# another district; a Khmer essay copied with its clusters typed in
# another order and its paragraphs reordered; an essay quoting the
# document's own text. Each copy is flagged, with the matching passages
# side by side for a reviewer who may read both essays, and only "an
# essay in another unit" for one who may not; an original essay on the
# same study is not flagged.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"
. "$HB_REPO/tests/lib/essays.sh"

fixture_org ESSCOPY
essays_setup ESSCOPY
declare -A TOK
for who in member khmer secretary committee propaganda admin spare; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done

A1="Qua đợt học tập Nghị quyết, tôi nhận thức rõ hơn rằng chi bộ phải là hạt nhân chính trị ở cơ sở, mỗi đảng viên phải gương mẫu, nói đi đôi với làm và gần gũi với bà con trong ấp."
A2="Ở ấp Tân Lập, nhiều hộ còn trồng lúa kém hiệu quả; tôi sẽ cùng tổ hợp tác vận động chuyển sang trồng rau sạch và nuôi cá, học hỏi kinh nghiệm từ các mô hình đã thành công ở xã bên."
A3="Tôi tự thấy việc đọc văn bản của mình còn hời hợt, nên từ nay mỗi tối sẽ dành nửa giờ đọc các điểm cốt lõi trên sổ tay điện tử và ghi chép những câu hỏi để nêu trong buổi sinh hoạt chi bộ."
A4="Tôi đề nghị chi bộ phân công đảng viên trẻ hướng dẫn người cao tuổi dùng điện thoại để theo dõi tài liệu, để không ai bị bỏ lại phía sau trong việc học tập nghị quyết của Đảng."
ORIG=$(jq -cn --arg a "$A1" --arg b "$A2" --arg c "$A3" --arg d "$A4" '{content: ($a + "\n" + $b + "\n\n" + $c + "\n" + $d)}')

send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$ORIG" true)"
is "$REQ_STATUS" 201 "the original essay is submitted"
E_ORIG=$(json .essay_id)

# Verbatim, same cell.
send propaganda POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$ORIG" true)"
is "$REQ_STATUS" 201 "a verbatim copy in the same cell is submitted"
E_VERB=$(json .essay_id)
send secretary GET "/api/v1/essays/$E_VERB/similarity"
is "$REQ_STATUS" 200 "the cell secretary reads its similarity"
is_json '"\(.score) \(.flagged) \(.threshold)"' "1 true 0.4" "... every shingle found: score 1, flagged at 0.4"
is_json '.matches[0] | "\(.source) \(.scope) \(.visible) \(.essay.id) \(.containment)"' "essay cell true $E_ORIG 1" "... the original, in the same cell, visible, contains all of it"
is_json '.matches[0].passages | length' 4 "... four passages"
is_json '[.matches[0].passages[] | .text == .source.text] | all' true "... each passage beside the same text in the original"
is_json '.matches[0].passages[0].source.line != null' true "... located by line"
send secretary GET "/api/v1/essays/$E_VERB"
is_json '.similarity | "\(.score) \(.flagged)"' "1 true" "the essay shows the reviewer its score and flag"
send propaganda GET "/api/v1/essays/$E_VERB/similarity"
is "$REQ_STATUS" 403 "its author does not see it: 403"

# Reordered paragraphs, tone marks stripped, in capitals.
strip() { fx_sql "SELECT upper(unaccent(:'t'))" -v t="$1"; }
REORD=$(jq -cn --arg a "$(strip "$A4")" --arg b "$(strip "$A2")" --arg c "$(strip "$A1")" --arg d "$(strip "$A3")" '{content: ($a + "\n" + $b + "\n" + $c + "\n" + $d)}')
like "$REORD" "HOC TAP NGHI QUYET" "the copy has no tone marks"
send admin POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$REORD" true)"
E_REORD=$(json .essay_id)
send secretary GET "/api/v1/essays/$E_REORD/similarity"
is_json '"\(.score) \(.flagged)"' "1 true" "paragraphs reordered and tone marks stripped: still score 1, flagged"
is_json '.matches[0].essay.id == '"$E_ORIG"' or .matches[0].essay.id == '"$E_VERB" true "... matching the original (or its verbatim copy)"
is_json '[.matches[0].passages[] | select(.line == 0) | .source.text] | .[0]' "$A4" "... its first line beside the original's fourth paragraph"

# An original essay by the committee member of D2 (in C2) is not flagged.
B1="Nghị quyết nhấn mạnh việc nâng cao chất lượng sinh hoạt chi bộ; ở huyện chúng tôi, nhiều chi bộ vùng đồng bào Khmer cần tài liệu song ngữ và cách sinh hoạt gần gũi hơn với phong tục của bà con."
B2="Là ủy viên ban thường vụ huyện phụ trách khối dân vận, tôi chịu trách nhiệm theo dõi các xã vùng sâu, nắm tình hình tư tưởng đảng viên và kịp thời đề xuất cách tháo gỡ khó khăn."
B3="Quý này tôi sẽ dự sinh hoạt ở sáu chi bộ ấp, mỗi tháng báo cáo thường vụ kết quả, và đến cuối năm bảo đảm chín mươi phần trăm đảng viên viết xong bài thu hoạch đúng hạn."
send committee POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -cn --arg a "$B1" --arg b "$B2" --arg c "$B3" '{content: $a, duties: $b, action_plan: $c}')" true)"
is "$REQ_STATUS" 201 "an original essay (a committee member's, with its three sections)"
E_B=$(json .essay_id)
send admin GET "/api/v1/essays/$E_B/similarity"
is_json '"\(.score) \(.flagged) \(.matches | length)"' "0 false 0" "... not flagged, nothing matched"

# Verbatim, another district: C2's reviewer may not read the original.
send spare POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$ORIG" true)"
E_FAR=$(json .essay_id)
send committee GET "/api/v1/essays/$E_FAR/similarity"
is "$REQ_STATUS" 200 "the committee of D2 reads the similarity of a C2 member's copy"
is_json '"\(.score) \(.flagged)"' "1 true" "... flagged"
is_json '[.matches[] | select(.source == "essay") | "\(.scope) \(.visible) \(.essay)"] | unique | join(",")' "elsewhere false null" "... matches only essays elsewhere, not visible to this reviewer"
is_json '[.matches[].passages[] | .source] | unique | .[0]' null "... without their text"
is_json '.matches[0].passages[0].text != null' true "... the copy's own passage is shown"
send admin GET "/api/v1/essays/$E_FAR/similarity"
is_json '[.matches[] | select(.source == "essay") | .visible] | all' true "the administrator of the province sees the sources"

# Khmer, clusters typed in another order, paragraphs reordered.
K1="ខ្ញុំបានសិក្សាសេចក្តីសម្រេចរបស់បក្សដោយយកចិត្តទុកដាក់ ហើយយល់ថាការដឹកនាំរបស់សាខាបក្សត្រូវតែជិតស្និទ្ធនឹងប្រជាជននៅក្នុងភូមិ។"
K2="ខ្ញុំនឹងចូលរួមក្នុងការងារអភិវឌ្ឍន៍សេដ្ឋកិច្ចគ្រួសារ និងជួយបងប្អូនអ្នកជិតខាងឱ្យយល់ពីគោលនយោបាយរបស់បក្សនិងរដ្ឋ។"
K3="សាខាបក្សបានដឹកនាំការប្រជុំប្រចាំខែ ហើយសមាជិកបក្សគ្រប់រូបត្រូវសរសេរអត្ថបទអំពីអ្វីដែលខ្លួនបានរៀនពីឯកសារ។"
send khmer POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" "$(jq -cn --arg a "$K1" --arg b "$K2" --arg c "$K3" '{content: ($a + "\n" + $b + "\n" + $c)}')" true)"
is "$REQ_STATUS" 201 "a Khmer essay is submitted"
E_K=$(json .essay_id)
# ដឹកនាំ with the sign before the vowel, ខ្ញុំ with -u and the nasal swapped.
reorder() { sed -e $'s/\u178a\u17b9\u1780\u1793\u17b6\u17c6/\u178a\u17b9\u1780\u1793\u17c6\u17b6/g' \
    -e $'s/\u1781\u17d2\u1789\u17bb\u17c6/\u1781\u17bb\u17c6\u17d2\u1789/g' <<<"$1"; }
K1R=$(reorder "$K1") K3R=$(reorder "$K3") K2R=$(reorder "$K2")
ok '[ "$K1R" != "$K1" ] && [ "$K3R" != "$K3" ] && [ "$K2R" != "$K2" ]' "the copy's bytes differ from the original's"
send spare POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" "$(jq -cn --arg a "$K3R" --arg b "$K1R" --arg c "$K2R" '{content: ($a + "\n" + $b + "\n" + $c)}')" true)"
is "$REQ_STATUS" 201 "a Khmer copy in another cluster order is submitted"
E_KC=$(json .essay_id)
send committee GET "/api/v1/essays/$E_KC/similarity"
is_json '"\(.score) \(.flagged)"' "1 true" "... found: score 1, flagged"
is_json '.matches[0] | "\(.scope) \(.visible) \(.essay.id) \(.passages | length)"' "cell true $E_K 3" "... the Khmer original in the same cell, three passages"
is_json '[.matches[0].passages[] | select(.line == 0) | .source.line] | .[0]' 2 "... its first paragraph is the original's third"

# Quoting the document: matched with the document's own text.
send member POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC_B" "$(jq -cn --arg a "$DOC_TEXT" --arg b "$A3" '{content: ($b + "\n" + $a)}')" true)"
is "$REQ_STATUS" 201 "an essay quoting the document is submitted"
E_Q=$(json .essay_id)
send secretary GET "/api/v1/essays/$E_Q/similarity"
is_json '[.matches[] | select(.source == "document") | "\(.document.id) \(.document.lang) \(.passages[0].line) \(.passages[0].source.position) \(.passages[0].source.field)"] | .[0]' "$DOC_B vi 1 1 details" "... its second line matches core point 1 of the document"
is_json '[.matches[] | select(.source == "document") | .passages[0].source.text] | .[0]' "$DOC_TEXT" "... shown beside the document's text"
is "$(fx_sql "SELECT count(*) FROM essay_doc_fingerprinted WHERE document_id = $DOC_B")" 2 "the document was fingerprinted once per language"

# The threshold decides the flag: at 0.9 for C1, a half-copied essay is
# not flagged.
send admin PUT "/api/v1/units/$C1/essay-settings" '{"similarity_threshold": 0.9}'
X1="Chi bộ ấp chúng tôi có ba mươi hai đảng viên, phần đông làm nông, nên việc học tập phải bố trí vào buổi tối sau giờ đồng áng và ngắn gọn, dễ hiểu."
X2="Tôi thấy cần mời cán bộ khuyến nông của huyện về nói chuyện với bà con, vì nghị quyết chỉ đi vào cuộc sống khi người dân thấy lợi ích thiết thực."
half=$(jq -cn --arg a "$A1" --arg b "$A2" --arg c "$X1" --arg d "$X2" '{content: ($a + "\n" + $c + "\n" + $b + "\n" + $d)}')
send secretary POST /api/v1/essays "$(essay_body "$(uuid)" "$DOC" "$(jq -c '. + {duties: "Bí thư chi bộ chịu trách nhiệm chung về việc học tập nghị quyết của toàn chi bộ.", action_plan: "Họp chi bộ mở rộng vào ngày mùng năm hằng tháng để kiểm điểm việc thực hiện."}' <<<"$half")" true)"
E_H=$(json .essay_id)
send admin GET "/api/v1/essays/$E_H/similarity"
score=$(json .score)
ok "awk -v s=$score 'BEGIN { exit !(s > 0.3 && s < 0.9) }'" "a half-copied essay scores between 0.3 and 0.9 ($score)"
is_json '"\(.threshold) \(.flagged)"' "0.9 false" "... not flagged under C1's threshold of 0.9"

done_testing
