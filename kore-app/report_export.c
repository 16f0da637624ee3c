/*
 * The engagement report as a spreadsheet: CSV and XLSX made from the very
 * JSON the API answers (sql/0028_engagement_reports_api.sql), so the three
 * forms can never disagree. Boards open these in Excel and LibreOffice:
 * the CSV is UTF-8 with a byte order mark (without it Excel reads UTF-8 as
 * the ANSI code page and Vietnamese turns to mojibake), comma-separated,
 * CRLF lines, fields quoted when needed (RFC 4180); the XLSX has numbers
 * as numbers, rates formatted as percentages. Column headers are
 * Vietnamese. The first table is the unit and its child units; then the
 * days (a document report) and, at cell level for those who may see it,
 * the members: in the CSV as further tables after a blank line, in the
 * XLSX as further sheets.
 *
 * Pure: nothing from Kore. libxlsxwriter 1.1.4 (Debian 12) writes only to
 * a file, so the XLSX goes through a temporary file that is unlinked at
 * once after being read back.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "handbook.h"

/*
 * What a column shows: a text field, an integer, a rate, a yes/no, an
 * essay's state (in Vietnamese words: the JSON's are English codes).
 */
enum col_kind { COL_TEXT, COL_INT, COL_RATE, COL_MET, COL_BOOL, COL_NAME,
	COL_ESSAY };

struct col {
	const char	*header;
	const char	*field;
	enum col_kind	 kind;
};

static const struct col document_cols[] = {
	{ "Mã đơn vị", "code", COL_TEXT },
	{ "Tên đơn vị", NULL, COL_NAME },
	{ "Loại đơn vị", "kind", COL_TEXT },
	{ "Số đảng viên", "members", COL_INT },
	{ "Đã đọc", "readers", COL_INT },
	{ "Đọc hết", "completers", COL_INT },
	{ "Dự hội nghị học tập", "attended", COL_INT },
	{ "Dự sinh hoạt chi bộ", "at_meeting", COL_INT },
	{ "Đã tiếp cận", "reached", COL_INT },
	{ "Tỷ lệ đọc", "reading_rate", COL_RATE },
	{ "Tỷ lệ đọc hết", "completion_rate", COL_RATE },
	{ "Tỷ lệ dự học tập", "attendance_rate", COL_RATE },
	{ "Tỷ lệ tiếp cận", "reach_rate", COL_RATE },
	{ "Đã nộp bài thu hoạch", "essays_submitted", COL_INT },
	{ "Bài thu hoạch đạt", "essays_accepted", COL_INT },
	{ "Bài thu hoạch bị trả lại", "essays_returned", COL_INT },
	{ "Tỷ lệ nộp bài thu hoạch", "essay_rate", COL_RATE },
	{ "Dự thi trắc nghiệm", "quiz_participants", COL_INT },
	{ "Tỷ lệ dự thi", "quiz_participation_rate", COL_RATE },
	{ "Điểm trung bình", "quiz_mean_score", COL_RATE },
	{ "Chỉ tiêu", "target", COL_RATE },
	{ "Đạt chỉ tiêu", "target_met", COL_MET },
	{ NULL, NULL, 0 },
};

static const struct col session_cols[] = {
	{ "Mã đơn vị", "code", COL_TEXT },
	{ "Tên đơn vị", NULL, COL_NAME },
	{ "Loại đơn vị", "kind", COL_TEXT },
	{ "Số đảng viên", "members", COL_INT },
	{ "Có mặt", "present", COL_INT },
	{ "Đã học bù", "made_up", COL_INT },
	{ "Vắng", "absent", COL_INT },
	{ "Chưa ghi nhận", "unrecorded", COL_INT },
	{ "Đã dự", "attended", COL_INT },
	{ "Tỷ lệ dự", "attendance_rate", COL_RATE },
	{ "Đã nộp bài thu hoạch", "essays_submitted", COL_INT },
	{ "Bài thu hoạch đạt", "essays_accepted", COL_INT },
	{ "Bài thu hoạch bị trả lại", "essays_returned", COL_INT },
	{ "Tỷ lệ nộp bài thu hoạch", "essay_rate", COL_RATE },
	{ "Dự thi trắc nghiệm", "quiz_participants", COL_INT },
	{ "Tỷ lệ dự thi", "quiz_participation_rate", COL_RATE },
	{ "Điểm trung bình", "quiz_mean_score", COL_RATE },
	{ "Chỉ tiêu", "target", COL_RATE },
	{ "Đạt chỉ tiêu", "target_met", COL_MET },
	{ NULL, NULL, 0 },
};

static const struct col day_cols[] = {
	{ "Ngày", "day", COL_TEXT },
	{ "Người đọc mới", "new_readers", COL_INT },
	{ "Người đọc (lũy kế)", "readers", COL_INT },
	{ "Đọc hết mới", "new_completers", COL_INT },
	{ "Đọc hết (lũy kế)", "completers", COL_INT },
	{ NULL, NULL, 0 },
};

static const struct col member_doc_cols[] = {
	{ "Số thẻ đảng viên", "card_number", COL_TEXT },
	{ "Họ và tên", "full_name", COL_TEXT },
	{ "Đã đọc", "read", COL_BOOL },
	{ "Đọc hết", "completed", COL_BOOL },
	{ "Dự hội nghị học tập", "attended_session", COL_BOOL },
	{ "Dự sinh hoạt chi bộ", "at_meeting", COL_BOOL },
	{ "Đã tiếp cận", "reached", COL_BOOL },
	{ "Bài thu hoạch", "essay_state", COL_ESSAY },
	{ "Nộp muộn", "essay_late", COL_BOOL },
	{ "Điểm trắc nghiệm cao nhất", "quiz_best_score", COL_RATE },
	{ NULL, NULL, 0 },
};

static const struct col member_session_cols[] = {
	{ "Số thẻ đảng viên", "card_number", COL_TEXT },
	{ "Họ và tên", "full_name", COL_TEXT },
	{ "Tình trạng", "state", COL_TEXT },
	{ "Đã dự", "attended", COL_BOOL },
	{ "Bài thu hoạch", "essay_state", COL_ESSAY },
	{ "Nộp muộn", "essay_late", COL_BOOL },
	{ "Điểm trắc nghiệm cao nhất", "quiz_best_score", COL_RATE },
	{ NULL, NULL, 0 },
};

static int	is_session(json_t *);
static const char *name_of(json_t *, const char *);
static const char *essay_state_vi(const char *);
static const char *text_of(json_t *, const struct col *, const char *,
		    char *, size_t);
static void	csv_field(FILE *, const char *);
static void	csv_table(FILE *, const struct col *, json_t *, json_t *,
		    const char *);
static int	xlsx_sheet(lxw_workbook *, const char *, const struct col *,
		    json_t *, json_t *, const char *);

static int
is_session(json_t *report)
{
	const char	*kind = json_string_value(json_object_get(report, "kind"));

	return (kind != NULL && strcmp(kind, "session") == 0);
}

/* The unit's name in the language asked for, Vietnamese when it has none. */
static const char *
name_of(json_t *line, const char *lang)
{
	const char	*km;

	if (strcmp(lang, "km") == 0 &&
	    (km = json_string_value(json_object_get(line, "name_km"))) != NULL)
		return (km);
	return (json_string_value(json_object_get(line, "name_vi")));
}

/* An essay state (essay_state of sql/0024, or none) in words. */
static const char *
essay_state_vi(const char *state)
{
	static const struct {
		const char	*code;
		const char	*vi;
	} words[] = {
		{ "none", "Chưa viết" },
		{ "draft", "Đang viết" },
		{ "submitted", "Đã nộp, chờ duyệt" },
		{ "returned", "Bị trả lại" },
		{ "accepted", "Đạt" },
	};
	size_t	i;

	if (state == NULL)
		return ("");
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].code, state) == 0)
			return (words[i].vi);
	return (state);
}

/* A cell's text for the CSV (numbers in JSON's own notation). */
static const char *
text_of(json_t *line, const struct col *c, const char *lang, char *buf,
    size_t len)
{
	json_t		*v;

	if (c->kind == COL_NAME)
		return (name_of(line, lang));
	v = json_object_get(line, c->field);
	if (v == NULL || json_is_null(v))
		return ("");
	switch (c->kind) {
	case COL_INT:
		(void)snprintf(buf, len, "%lld",
		    (long long)json_integer_value(v));
		return (buf);
	case COL_RATE:
		/* Four decimals at most, as the JSON has them. */
		(void)snprintf(buf, len, "%.4f", json_number_value(v));
		return (buf);
	case COL_MET:
		return (json_is_true(v) ? "Đạt" : "Chưa đạt");
	case COL_BOOL:
		return (json_is_true(v) ? "Có" : "Không");
	case COL_ESSAY:
		return (essay_state_vi(json_string_value(v)));
	default:
		return (json_is_string(v) ? json_string_value(v) : "");
	}
}

static void
csv_field(FILE *f, const char *s)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A header line, then first (if any) and each line of rows. */
static void
csv_table(FILE *f, const struct col *cols, json_t *first, json_t *rows,
    const char *lang)
{
	const struct col	*c;
	json_t			*line;
	size_t			 i, n;
	char			 buf[64];

	for (c = cols; c->header != NULL; c++) {
		if (c != cols)
			fputc(',', f);
		csv_field(f, c->header);
	}
	fputs("\r\n", f);

	n = json_is_array(rows) ? json_array_size(rows) : 0;
	for (i = (first != NULL) ? 0 : 1; i <= n; i++) {
		line = (i == 0) ? first : json_array_get(rows, i - 1);
		for (c = cols; c->header != NULL; c++) {
			if (c != cols)
				fputc(',', f);
			csv_field(f, text_of(line, c, lang, buf, sizeof(buf)));
		}
		fputs("\r\n", f);
	}
}

/*
 * The CSV of a report; *out is malloc'ed (free it), NULL on failure (out
 * of memory).
 */
int
report_export_csv(json_t *report, const char *lang, char **out, size_t *len)
{
	FILE		*f;
	json_t		*members, *days;
	int		 session;

	*out = NULL;
	*len = 0;
	if ((f = open_memstream(out, len)) == NULL)
		return (-1);

	session = is_session(report);
	fputs("\xEF\xBB\xBF", f);
	csv_table(f, session ? session_cols : document_cols,
	    json_object_get(report, "unit"),
	    json_object_get(report, "children"), lang);

	days = json_object_get(report, "days");
	if (!session && json_is_array(days)) {
		fputs("\r\n", f);
		csv_table(f, day_cols, NULL, days, lang);
	}
	members = json_object_get(report, "members");
	if (json_is_array(members)) {
		fputs("\r\n", f);
		csv_table(f, session ? member_session_cols : member_doc_cols,
		    NULL, members, lang);
	}

	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return (-1);
	}
	return (0);
}

static int
xlsx_sheet(lxw_workbook *wb, const char *title, const struct col *cols,
    json_t *first, json_t *rows, const char *lang)
{
	lxw_worksheet		*ws;
	lxw_format		*bold, *pct;
	const struct col	*c;
	json_t			*line, *v;
	size_t			 i, n;
	lxw_row_t		 r;
	lxw_col_t		 k;
	char			 buf[64];

	if ((ws = workbook_add_worksheet(wb, title)) == NULL)
		return (-1);
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	pct = workbook_add_format(wb);
	format_set_num_format(pct, "0.00%");

	for (c = cols, k = 0; c->header != NULL; c++, k++) {
		worksheet_write_string(ws, 0, k, c->header, bold);
		worksheet_set_column(ws, k, k, (c->kind == COL_NAME ||
		    (c->field != NULL && strcmp(c->field, "full_name") == 0)) ?
		    36 : 14, NULL);
	}

	n = json_is_array(rows) ? json_array_size(rows) : 0;
	r = 1;
	for (i = (first != NULL) ? 0 : 1; i <= n; i++, r++) {
		line = (i == 0) ? first : json_array_get(rows, i - 1);
		for (c = cols, k = 0; c->header != NULL; c++, k++) {
			v = c->field != NULL ? json_object_get(line, c->field) :
			    NULL;
			switch (c->kind) {
			case COL_INT:
				if (json_is_number(v))
					worksheet_write_number(ws, r, k,
					    json_number_value(v), NULL);
				break;
			case COL_RATE:
				if (json_is_number(v))
					worksheet_write_number(ws, r, k,
					    json_number_value(v), pct);
				break;
			default:
				worksheet_write_string(ws, r, k,
				    text_of(line, c, lang, buf, sizeof(buf)),
				    NULL);
				break;
			}
		}
	}
	worksheet_freeze_panes(ws, 1, 0);
	return (0);
}

/*
 * The XLSX of a report, made in dir (a temporary file there, unlinked
 * before returning); *out is malloc'ed. -1 on failure.
 */
int
report_export_xlsx(json_t *report, const char *lang, const char *dir,
    char **out, size_t *len)
{
	lxw_workbook	*wb;
	FILE		*f;
	json_t		*members, *days;
	char		 path[256];
	long		 size;
	int		 fd, session, rc;

	*out = NULL;
	*len = 0;
	rc = -1;
	(void)snprintf(path, sizeof(path), "%s/handbook-report-XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1)
		return (-1);
	(void)close(fd);

	session = is_session(report);
	if ((wb = workbook_new(path)) == NULL)
		goto done;
	if (xlsx_sheet(wb, "Đơn vị", session ? session_cols : document_cols,
	    json_object_get(report, "unit"),
	    json_object_get(report, "children"), lang) == -1) {
		(void)workbook_close(wb);
		goto done;
	}
	days = json_object_get(report, "days");
	if (!session && json_is_array(days) &&
	    xlsx_sheet(wb, "Theo ngày", day_cols, NULL, days, lang) == -1) {
		(void)workbook_close(wb);
		goto done;
	}
	members = json_object_get(report, "members");
	if (json_is_array(members) && xlsx_sheet(wb, "Đảng viên",
	    session ? member_session_cols : member_doc_cols, NULL, members,
	    lang) == -1) {
		(void)workbook_close(wb);
		goto done;
	}
	if (workbook_close(wb) != LXW_NO_ERROR)
		goto done;

	if ((f = fopen(path, "rb")) == NULL)
		goto done;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (*out = malloc((size_t)size)) != NULL) {
		if (fread(*out, 1, (size_t)size, f) == (size_t)size) {
			*len = (size_t)size;
			rc = 0;
		} else {
			free(*out);
			*out = NULL;
		}
	}
	(void)fclose(f);

done:
	(void)unlink(path);
	return (rc);
}
