/*
 * Unit tests for report_export.c: the CSV of an engagement report (byte
 * order mark, Vietnamese headers, RFC 4180 quoting, numbers as JSON has
 * them, the unit before its children, the days and members tables, unit
 * names in Khmer when asked, essay and quiz columns, essay states in
 * Vietnamese words) and the XLSX (a zip that libxlsxwriter
 * wrote, no temporary file left behind).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static const char *report_json =
    "{\"kind\":\"document\",\"document\":{\"id\":7},"
    "\"unit\":{\"id\":1,\"kind\":\"district\",\"code\":\"D1\","
    "\"name_vi\":\"Huyện \\\"Mẫu\\\", Nam\",\"name_km\":\"ស្រុក\","
    "\"members\":10,\"readers\":9,\"completers\":3,\"attended\":0,"
    "\"at_meeting\":1,\"reached\":9,\"reading_rate\":0.9,"
    "\"completion_rate\":0.3,\"attendance_rate\":0,\"reach_rate\":0.9,"
    "\"essays_submitted\":5,\"essays_accepted\":2,\"essays_returned\":1,"
    "\"essay_rate\":0.5,\"quiz_participants\":4,"
    "\"quiz_participation_rate\":0.4,\"quiz_mean_score\":0.6875,"
    "\"target\":0.95,\"target_met\":false},"
    "\"children\":[{\"id\":2,\"kind\":\"cell\",\"code\":\"C1\","
    "\"name_vi\":\"Chi bộ ấp An Bình\",\"name_km\":null,\"members\":0,"
    "\"readers\":0,\"completers\":0,\"attended\":0,\"at_meeting\":0,"
    "\"reached\":0,\"reading_rate\":null,\"completion_rate\":null,"
    "\"attendance_rate\":null,\"reach_rate\":null,\"target\":0.95,"
    "\"target_met\":null}],"
    "\"days\":[{\"day\":\"2026-11-27\",\"new_readers\":4,\"readers\":4,"
    "\"new_completers\":1,\"completers\":1}],"
    "\"members\":[{\"card_number\":\"90000001\",\"full_name\":\"Thạch Sa Rây\","
    "\"read\":true,\"completed\":false,\"attended_session\":false,"
    "\"at_meeting\":true,\"reached\":true,\"essay_state\":\"returned\","
    "\"essay_late\":true,\"quiz_best_score\":0.75}]}";

static json_t *
report(void)
{
	json_error_t	 err;
	json_t		*r = json_loads(report_json, 0, &err);

	assert_non_null(r);
	return (r);
}

static void
csv_lines(void **state)
{
	json_t	*r = report();
	char	*out;
	size_t	 len;

	(void)state;
	assert_int_equal(report_export_csv(r, "vi", &out, &len), 0);
	assert_int_equal(len, strlen(out));
	assert_memory_equal(out, "\xEF\xBB\xBFMã đơn vị,Tên đơn vị,Loại đơn vị,"
	    "Số đảng viên,Đã đọc,", 58);
	assert_non_null(strstr(out, "\r\nD1,\"Huyện \"\"Mẫu\"\", Nam\",district,"
	    "10,9,3,0,1,9,0.9000,0.3000,0.0000,0.9000,"
	    "5,2,1,0.5000,4,0.4000,0.6875,0.9500,Chưa đạt\r\n"
	    "C1,Chi bộ ấp An Bình,cell,0,0,0,0,0,0,,,,,,,,,,,,0.9500,\r\n\r\n"));
	assert_non_null(strstr(out, ",Đã nộp bài thu hoạch,Bài thu hoạch đạt,"));
	assert_non_null(strstr(out, "\r\n2026-11-27,4,4,1,1\r\n"));
	assert_non_null(strstr(out, "Số thẻ đảng viên,Họ và tên,"));
	assert_non_null(strstr(out, "\r\n90000001,Thạch Sa Rây,Có,Không,Không,"
	    "Có,Có,Bị trả lại,Có,0.7500\r\n"));
	free(out);

	/* Khmer names where a unit has one, Vietnamese where it has none. */
	assert_int_equal(report_export_csv(r, "km", &out, &len), 0);
	assert_non_null(strstr(out, "\r\nD1,ស្រុក,district,"));
	assert_non_null(strstr(out, "\r\nC1,Chi bộ ấp An Bình,cell,"));
	free(out);
	json_decref(r);
}

static void
csv_session(void **state)
{
	json_t	*r;
	char	*out;
	size_t	 len;

	(void)state;
	r = json_loads("{\"kind\":\"session\",\"session\":{\"id\":3},"
	    "\"unit\":{\"code\":\"P\",\"name_vi\":\"Tỉnh\",\"kind\":\"province\","
	    "\"members\":7,\"present\":1,\"made_up\":1,\"absent\":1,"
	    "\"unrecorded\":4,\"attended\":2,\"attendance_rate\":0.2857,"
	    "\"target\":0.95,\"target_met\":false},\"children\":[],"
	    "\"members\":null}", 0, NULL);
	assert_non_null(r);
	assert_int_equal(report_export_csv(r, "vi", &out, &len), 0);
	assert_non_null(strstr(out, "Có mặt,Đã học bù,Vắng,Chưa ghi nhận"));
	assert_non_null(strstr(out, "\r\nP,Tỉnh,province,7,1,1,1,4,2,0.2857,"
	    ",,,,,,,0.9500,Chưa đạt\r\n"));
	assert_null(strstr(out, "Ngày"));
	free(out);
	json_decref(r);
}

static int
leftovers(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "handbook-report-", 16) == 0)
			n++;
	closedir(d);
	return (n);
}

static void
xlsx_file(void **state)
{
	json_t	*r = report();
	char	 dir[] = "/tmp/test-report-export-XXXXXX";
	char	*out;
	size_t	 len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(report_export_xlsx(r, "vi", dir, &out, &len), 0);
	assert_true(len > 1000);
	assert_memory_equal(out, "PK\x03\x04", 4);
	assert_int_equal(leftovers(dir), 0);
	free(out);
	/* A folder that cannot be written: an error, not a crash. */
	assert_int_equal(report_export_xlsx(r, "vi", "/nonexistent-dir", &out,
	    &len), -1);
	assert_null(out);
	assert_int_equal(rmdir(dir), 0);
	json_decref(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_lines),
		cmocka_unit_test(csv_session),
		cmocka_unit_test(xlsx_file),
	};

	return (cmocka_run_group_tests_name("report_export", tests, NULL, NULL));
}
