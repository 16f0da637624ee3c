#!/bin/bash
# POST /api/v1/members/import over HTTPS: a board's CSV (as Excel saves it
# under Vietnamese settings: BOM, semicolons, Vietnamese column titles)
# with bad rows gets the exact report and changes nothing; the same file
# with mode=valid imports the good rows only; sending it again stores
# nothing twice; dry_run changes nothing; cells outside the caller's scope
# are refused like unknown ones; a file that is not CSV is refused whole.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org IMPT
login "${FX_CARD[committee]}" "${FX_PASSWORD[committee]}" tok ||
	bail_out "cannot log in as the committee member"

C1=${FX_CODE[C1]} C2=${FX_CODE[C2]}
count_members() { fx_sql "SELECT count(*) FROM members WHERE card_number LIKE 'IM%'"; }
at_exit "fx_sql \"DELETE FROM members WHERE card_number LIKE 'IM%'\" >/dev/null 2>&1 || true"
fx_sql "DELETE FROM members WHERE card_number LIKE 'IM%'" >/dev/null

import() {
	local query=$1 file=$2
	auth_req "$tok" -X POST -H 'Content-Type: text/csv' \
	    --data-binary "@$file" "$BASE/api/v1/members/import$query"
}

# Rows 2, 3 and 7 are good; the others each break one rule. C2 is under
# D2 (the committee's); C1 is under D1, outside its scope.
printf '\xef\xbb\xbfSố thẻ đảng viên;Họ và tên;Số điện thoại;Mã chi bộ;Trạng thái;Ngôn ngữ\r\n' >"$TEST_TMP/a.csv"
{
	printf 'IM000001;Thạch Thị Sa Rây;0981 000 001;%s;dự bị;km\r\n' "$C2"
	printf 'IM000002;"Nguyễn Văn ""Út""; ấp 3";;%s;chính thức;vi\r\n' "$C2"
	printf 'IM000003;Lê Văn Ba;12;%s;;\r\n' "$C2"
	printf 'IM000001;Trùng Số Thẻ;;%s;;\r\n' "$C2"
	printf 'IM000005;Ngoài Phạm Vi;;%s;;\r\n' "$C1"
	printf 'IM000006;Danh Sóc;;%s;;\r\n' "$C2"
	printf 'IM000007;Bad\xff;;%s;;\r\n' "$C2"
	printf 'IM000008;Trạng Thái Lạ;;%s;nghỉ;\r\n' "$C2"
	printf 'IM000009;Thiếu Cột;;%s\r\n' "$C2"
	printf ';Không Số Thẻ;;%s;;\r\n' "$C2"
} >>"$TEST_TMP/a.csv"

import "" "$TEST_TMP/a.csv"
is "$REQ_STATUS" 422 "all-or-nothing with bad rows: 422"
is "$(json .ok)" false "... ok is false"
is "$(json .imported)" 0 "... nothing imported"
is "$(json .rows)" 10 "... 10 rows read"
is "$(json .valid)" 3 "... 3 rows valid"
is "$(json '[.rejected[] | "\(.line):\(.code)"] | join(" ")')" \
    "4:invalid_phone 5:duplicate_card_number 6:unknown_cell 8:invalid_utf8 9:invalid_status 10:wrong_field_count 11:missing_field" \
    "... every rejected row with its row number and reason"
is "$(count_members)" 0 "... and the database is unchanged"

import "?dry_run=true&mode=valid" "$TEST_TMP/a.csv"
is "$REQ_STATUS" 200 "dry run of mode=valid: 200"
is "$(json .imported)" 0 "... imports nothing"
is "$(count_members)" 0 "... and the database is unchanged"

import "?mode=valid" "$TEST_TMP/a.csv"
is "$REQ_STATUS" 200 "mode=valid: 200"
is "$(json .imported)" 3 "... the 3 good rows imported"
is "$(count_members)" 3 "... 3 rows in the database"
is "$(fx_sql "SELECT full_name || '|' || coalesce(phone, '') || '|' || status || '|' || lang FROM members WHERE card_number = 'IM000001'")" \
    "Thạch Thị Sa Rây|+84981000001|probationary|km" "... names, phones, status and language as sent, normalised"
is "$(fx_sql "SELECT full_name FROM members WHERE card_number = 'IM000002'")" \
    'Nguyễn Văn "Út"; ấp 3' "... quoted fields with quotes and separators inside"

import "?mode=valid" "$TEST_TMP/a.csv"
is "$(json .imported)" 0 "sending it again imports nothing"
is "$(count_members)" 3 "... and stores nothing twice"

printf 'card_number,full_name,cell_code,salary\n1,2,3,4\n' >"$TEST_TMP/b.csv"
import "" "$TEST_TMP/b.csv"
is "$REQ_STATUS" 422 "an unknown column: 422"
is "$(json .error.code)" unknown_column "... unknown_column"
printf 'card_number,full_name,cell_code\nIM000010,"A,%s\n' "$C2" >"$TEST_TMP/c.csv"
import "" "$TEST_TMP/c.csv"
is "$(json .error.code)" malformed_csv "an unclosed quote: malformed_csv"

auth_req "$tok" -X POST -H 'Content-Type: application/json' --data-binary '{}' \
    "$BASE/api/v1/members/import"
is "$REQ_STATUS" 415 "JSON instead of CSV: 415"
import "?mode=some" "$TEST_TMP/a.csv"
is "$REQ_STATUS" 400 "an unknown mode: 400"

login "${FX_CARD[member]}" "${FX_PASSWORD[member]}" mtok
auth_req "$mtok" -X POST -H 'Content-Type: text/csv' \
    --data-binary "@$TEST_TMP/a.csv" "$BASE/api/v1/members/import?mode=valid"
is "$(json .imported)" 0 "a plain member imports nothing (every cell is unknown to them)"
is "$(count_members)" 3 "... and the database is unchanged"

done_testing
