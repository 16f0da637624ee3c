/*
 * Unit tests for csv_import.c and query.c: reading member lists as boards
 * export them (BOM, semicolons, Vietnamese column titles, quoted fields,
 * broken rows) and reading query strings (escapes, UTF-8).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static json_t	*csv_ok(const char *);
static void	csv_fails(const char *, const char *);

static json_t *
csv_ok(const char *text)
{
	struct hb_error	err;
	json_t		*doc;

	if (!member_csv_to_json(text, strlen(text), &doc, &err))
		fail_msg("refused: %s: %s", err.code, err.message);
	return (doc);
}

static void
csv_fails(const char *text, const char *code)
{
	struct hb_error	err;
	json_t		*doc;

	assert_false(member_csv_to_json(text, strlen(text), &doc, &err));
	assert_null(doc);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.code, code);
}

static void
excel_vietnamese_export_is_read(void **state)
{
	json_t		*doc, *row;

	(void)state;
	doc = csv_ok("\xef\xbb\xbfSố thẻ đảng viên;Họ và tên;Số điện thoại;"
	    "Mã chi bộ;Trạng thái\r\n"
	    "79001234;Thạch Thị Sa Rây;0912 345 678;CB-01;dự bị\r\n"
	    "79001235;\"Nguyễn Văn \"\"Út\"\"; ấp 3\";;CB-01;\r\n");
	assert_int_equal(json_array_size(json_object_get(doc, "rows")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "errors")), 0);

	row = json_array_get(json_object_get(doc, "rows"), 0);
	assert_string_equal(json_string_value(json_object_get(row,
	    "full_name")), "Thạch Thị Sa Rây");
	assert_string_equal(json_string_value(json_object_get(row,
	    "cell_code")), "CB-01");
	assert_string_equal(json_string_value(json_object_get(row, "status")),
	    "dự bị");
	assert_int_equal(json_integer_value(json_object_get(row, "line")), 2);

	row = json_array_get(json_object_get(doc, "rows"), 1);
	assert_string_equal(json_string_value(json_object_get(row,
	    "full_name")), "Nguyễn Văn \"Út\"; ấp 3");
	assert_int_equal(json_integer_value(json_object_get(row, "line")), 3);
	json_decref(doc);
}

static void
bad_rows_are_reported_with_their_row(void **state)
{
	json_t		*doc, *e;

	(void)state;
	doc = csv_ok("card_number,full_name,cell_code\n"
	    "1001,A,C1\n"
	    "1002,B\xff,C1\n"
	    "1003,C\n"
	    "1004,D,C1,extra\n"
	    "1005,E,C1\n");
	assert_int_equal(json_array_size(json_object_get(doc, "rows")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "errors")), 3);
	e = json_array_get(json_object_get(doc, "errors"), 0);
	assert_int_equal(json_integer_value(json_object_get(e, "line")), 3);
	assert_string_equal(json_string_value(json_object_get(e, "code")),
	    "invalid_utf8");
	e = json_array_get(json_object_get(doc, "errors"), 1);
	assert_int_equal(json_integer_value(json_object_get(e, "line")), 4);
	assert_string_equal(json_string_value(json_object_get(e, "code")),
	    "wrong_field_count");
	e = json_array_get(json_object_get(doc, "errors"), 2);
	assert_int_equal(json_integer_value(json_object_get(e, "line")), 5);
	json_decref(doc);
}

static void
unusable_files_are_refused_whole(void **state)
{
	(void)state;
	csv_fails("", "empty_file");
	csv_fails("card_number,full_name,cell_code,salary\n1,2,3,4\n",
	    "unknown_column");
	csv_fails("card_number,full_name\n1001,A\n", "missing_column");
	/* 17 known titles: more header positions than the importer maps. */
	csv_fails("card_number,full_name,cell_code,phone,status,lang,"
	    "card_number,full_name,cell_code,phone,status,lang,"
	    "card_number,full_name,cell_code,phone,status\n1\n",
	    "too_many_columns");
	csv_fails("card_number,full_name,cell_code\n1001,\"A,C1\n",
	    "malformed_csv");
}

static void
query_parameters(void **state)
{
	char	buf[32];

	(void)state;
	assert_int_equal(query_param("a=1&q=L%C3%AA+V%C4%83n&b=", "q", buf,
	    sizeof(buf)), 1);
	assert_string_equal(buf, "Lê Văn");
	assert_int_equal(query_param("a=1&b=", "b", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "");
	assert_int_equal(query_param("ab=1", "a", buf, sizeof(buf)), 0);
	assert_int_equal(query_param(NULL, "a", buf, sizeof(buf)), 0);
	assert_int_equal(query_param("a=%zz", "a", buf, sizeof(buf)), -1);
	assert_int_equal(query_param("a=%C3", "a", buf, sizeof(buf)), -1);
	assert_int_equal(query_param("a=%00", "a", buf, sizeof(buf)), -1);
	assert_int_equal(query_param("a=%C0%AF", "a", buf, sizeof(buf)), -1);
	assert_int_equal(query_param("a=0123456789012345678901234567890123",
	    "a", buf, sizeof(buf)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(excel_vietnamese_export_is_read),
		cmocka_unit_test(bad_rows_are_reported_with_their_row),
		cmocka_unit_test(unusable_files_are_refused_whole),
		cmocka_unit_test(query_parameters),
	};

	return (cmocka_run_group_tests_name("csv_import", tests, NULL, NULL));
}
