/*
 * Member lists as boards export them from their spreadsheets (pure): CSV
 * in UTF-8, with or without the byte-order mark Excel writes, separated by
 * commas or, as Excel does under Vietnamese regional settings, by
 * semicolons. libcsv does the parsing (quotes, doubled quotes, newlines
 * inside quotes); this file maps the header to our fields and turns each
 * record into a JSON object for the SQL that checks and imports them
 * (api_members_import, sql/0006_member_import.sql).
 *
 * The header may use our field names, their Vietnamese spellings without
 * marks, or the Vietnamese column titles (see columns[] below). Records
 * are numbered as rows of the file, the header being row 1. A record that
 * is not valid UTF-8 or has the wrong number of fields is reported here;
 * everything about values is checked in SQL, next to the constraints.
 */

#include <stdio.h>
#include <string.h>

#include <csv.h>

#include "handbook.h"

#define CSV_FIELDS_MAX	16

static const struct {
	const char	*field;
	const char	*aliases[4];
} columns[] = {
	{ "card_number", { "so_the", "số thẻ", "số thẻ đảng viên", NULL } },
	{ "full_name", { "ho_ten", "họ tên", "họ và tên", NULL } },
	{ "phone", { "dien_thoai", "điện thoại", "số điện thoại", NULL } },
	{ "cell_code", { "ma_chi_bo", "mã chi bộ", "chi bộ", NULL } },
	{ "status", { "trang_thai", "trạng thái", NULL } },
	{ "lang", { "ngon_ngu", "ngôn ngữ", NULL } },
};

#define COLUMNS_COUNT	(sizeof(columns) / sizeof(columns[0]))

struct csv_state {
	int		row;		/* 1 is the header */
	int		nfields;	/* in the current record */
	int		ncolumns;	/* in the header */
	int		map[CSV_FIELDS_MAX];	/* header position -> column */
	int		bad_utf8;
	int		too_many;
	json_t		*record;
	json_t		*rows;
	json_t		*errors;
	struct hb_error	*err;
	int		failed;
};

static void	on_field(void *, size_t, void *);
static void	on_record(int, void *);
static int	header_column(const char *);
static void	reject(struct csv_state *, const char *, const char *);

/*
 * Parses data into *doc = {"rows": [{"line": n, field: value...}],
 * "errors": [{"line", "code", "message"}]} and returns 1; or returns 0
 * with err filled when the file as a whole is unusable (no header, an
 * unknown or missing column, broken quoting).
 */
int
member_csv_to_json(const void *data, size_t len, json_t **doc,
    struct hb_error *err)
{
	struct csv_parser	p;
	struct csv_state	st;
	const char		*s, *nl;
	size_t			commas, semis, i;

	*doc = NULL;
	s = data;
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		len -= 3;
	}

	memset(&st, 0, sizeof(st));
	st.row = 1;
	st.err = err;
	st.rows = json_array();
	st.errors = json_array();

	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI) != 0)
		goto broken;

	/* The header line tells the separator. */
	nl = memchr(s, '\n', len);
	commas = semis = 0;
	for (i = 0; i < (nl != NULL ? (size_t)(nl - s) : len); i++) {
		commas += s[i] == ',';
		semis += s[i] == ';';
	}
	csv_set_delim(&p, semis > commas ? ';' : ',');

	if (csv_parse(&p, s, len, on_field, on_record, &st) != len ||
	    csv_fini(&p, on_field, on_record, &st) != 0) {
		csv_free(&p);
		if (!st.failed) {
			err->status = 422;
			err->code = "malformed_csv";
			(void)snprintf(err->message, sizeof(err->message),
			    "The file is not valid CSV near row %d "
			    "(an unclosed quote?).", st.row);
		}
		goto fail;
	}
	csv_free(&p);

	if (st.failed)
		goto fail;
	if (st.ncolumns == 0) {
		err->status = 422;
		err->code = "empty_file";
		(void)snprintf(err->message, sizeof(err->message),
		    "The file has no header row.");
		goto fail;
	}

	*doc = json_pack("{s:o,s:o}", "rows", st.rows, "errors", st.errors);
	json_decref(st.record);
	return (*doc != NULL);

broken:
	err->status = 500;
	err->code = "internal_error";
	(void)snprintf(err->message, sizeof(err->message),
	    "The CSV parser could not start.");
fail:
	json_decref(st.record);
	json_decref(st.rows);
	json_decref(st.errors);
	return (0);
}

static void
on_field(void *field, size_t len, void *arg)
{
	struct csv_state	*st = arg;
	const char		*text = field != NULL ? field : "";
	int			col;

	if (st->failed)
		return;

	if (st->nfields >= CSV_FIELDS_MAX) {
		st->too_many = 1;
		st->nfields++;
		return;
	}

	if (st->row == 1) {
		if ((col = header_column(text)) < 0) {
			st->failed = 1;
			st->err->status = 422;
			st->err->code = "unknown_column";
			/* Quoted only when it can be (the message is JSON). */
			if (strlen(text) == len && utf8_valid(
			    (const unsigned char *)text, len))
				(void)snprintf(st->err->message,
				    sizeof(st->err->message), "Unknown column "
				    "\"%.*s\" in the header.",
				    utf8_prefix(text, 60), text);
			else
				(void)snprintf(st->err->message,
				    sizeof(st->err->message), "A column title "
				    "in the header is not valid UTF-8; save the "
				    "file as \"CSV UTF-8\".");
			return;
		}
		st->map[st->nfields++] = col;
		return;
	}

	if (strlen(text) != len || !utf8_valid((const unsigned char *)text,
	    len)) {
		st->bad_utf8 = 1;
		st->nfields++;
		return;
	}

	if (st->record == NULL)
		st->record = json_object();
	if (st->nfields < st->ncolumns)
		json_object_set_new(st->record,
		    columns[st->map[st->nfields]].field, json_string(text));
	st->nfields++;
}

static void
on_record(int term, void *arg)
{
	struct csv_state	*st = arg;
	size_t			c;
	int			i, seen;

	(void)term;
	if (st->failed)
		return;

	if (st->row == 1 && st->too_many) {
		/*
		 * map[] holds CSV_FIELDS_MAX header positions: a longer header
		 * is refused before anything reads past it (found by
		 * tests/fuzz/fuzz_csv_import).
		 */
		st->failed = 1;
		st->err->status = 422;
		st->err->code = "too_many_columns";
		(void)snprintf(st->err->message, sizeof(st->err->message),
		    "The header has more than %d columns.", CSV_FIELDS_MAX);
		return;
	}

	if (st->row == 1) {
		st->ncolumns = st->nfields;
		/* The three a member cannot do without. */
		for (c = 0; c < 4; c++) {
			if (c == 2)
				continue;	/* phone is optional */
			for (seen = 0, i = 0; i < st->ncolumns; i++)
				seen |= st->map[i] == (int)c;
			if (!seen) {
				st->failed = 1;
				st->err->status = 422;
				st->err->code = "missing_column";
				(void)snprintf(st->err->message,
				    sizeof(st->err->message),
				    "The header has no \"%s\" column.",
				    columns[c].field);
				return;
			}
		}
	} else if (st->bad_utf8) {
		reject(st, "invalid_utf8", "This row is not valid UTF-8; "
		    "save the file as \"CSV UTF-8\".");
	} else if (st->too_many || st->nfields != st->ncolumns) {
		reject(st, "wrong_field_count",
		    "This row does not have one value per header column.");
	} else if (st->record != NULL) {
		json_object_set_new(st->record, "line", json_integer(st->row));
		json_array_append_new(st->rows, st->record);
		st->record = NULL;
	}

	json_decref(st->record);
	st->record = NULL;
	st->nfields = 0;
	st->bad_utf8 = 0;
	st->too_many = 0;
	st->row++;
}

/* The column a header title names, or -1. ASCII letters are compared
 * without case; titles are expected in lower case otherwise. */
static int
header_column(const char *title)
{
	char		low[128];
	size_t		i, j, len;

	len = strlen(title);
	while (len > 0 && title[len - 1] == ' ')
		len--;
	while (len > 0 && *title == ' ') {
		title++;
		len--;
	}
	if (len >= sizeof(low))
		return (-1);
	for (i = 0; i < len; i++)
		low[i] = (title[i] >= 'A' && title[i] <= 'Z') ?
		    (char)(title[i] + 32) : title[i];
	low[len] = '\0';

	for (i = 0; i < COLUMNS_COUNT; i++) {
		if (!strcmp(low, columns[i].field))
			return ((int)i);
		for (j = 0; columns[i].aliases[j] != NULL; j++) {
			if (!strcmp(low, columns[i].aliases[j]))
				return ((int)i);
		}
	}

	return (-1);
}

static void
reject(struct csv_state *st, const char *code, const char *message)
{
	json_array_append_new(st->errors, json_pack("{s:i,s:s,s:s}",
	    "line", st->row, "code", code, "message", message));
}
