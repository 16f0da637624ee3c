/*
 * Engagement reports (issue 7): how far a document or a study session has
 * reached under a unit, for the unit and each child unit, with the
 * members' status at cell level for those who may see them; and the
 * target a unit's board aims at. The figures, the access rules and the
 * JSON are in sql/0027_engagement_reports.sql (the rollups the triggers
 * keep) and sql/0028_engagement_reports_api.sql; this file reads the
 * parameters, asks once, and answers JSON, CSV or XLSX
 * (report_export.c), chosen by ?format= or else by Accept.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

#define XLSX_TYPE \
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

enum report_format { FORMAT_JSON, FORMAT_CSV, FORMAT_XLSX };

static int	format_or_reply(struct http_request *, enum report_format *);
static void	send_export(struct http_request *, json_t *,
		    enum report_format, const char *);

/* PUT /api/v1/units/{id}/report-target {"target": 0.9} */
static const struct json_field target_fields[] = {
	{ "target", JSON_REAL, 1 },
	{ NULL, 0, 0 },
};

static const struct endpoint target_ep = {
	.sql = "SELECT api_report_target_put($1::bigint, $2::bigint, $3::jsonb, "
	    "$4, $5)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.body = target_fields,
	.audit = 1,
};

/* DELETE /api/v1/units/{id}/report-target: inherit again. */
static const struct endpoint target_delete_ep = {
	.sql = "SELECT api_report_target_put($1::bigint, $2::bigint, NULL, "
	    "$3, $4)::text",
	.status = HTTP_STATUS_OK,
	.path_id = "id",
	.audit = 1,
};

int
reports_target_put(struct http_request *req)
{
	return (endpoint_run(req, &target_ep));
}

int
reports_target_delete(struct http_request *req)
{
	return (endpoint_run(req, &target_delete_ep));
}

/*
 * ?format=json|csv|xlsx wins; else an Accept naming text/csv or the XLSX
 * type; else JSON. 400 for a format we do not make.
 */
static int
format_or_reply(struct http_request *req, enum report_format *fmt)
{
	const char	*accept;
	char		 f[8];

	if (!query_text_or_reply(req, "format", f, sizeof(f)))
		return (0);
	if (f[0] == '\0') {
		*fmt = FORMAT_JSON;
		if (http_request_header(req, "accept", &accept)) {
			if (strstr(accept, "text/csv") != NULL)
				*fmt = FORMAT_CSV;
			else if (strstr(accept, XLSX_TYPE) != NULL)
				*fmt = FORMAT_XLSX;
		}
		return (1);
	}
	if (strcmp(f, "json") == 0)
		*fmt = FORMAT_JSON;
	else if (strcmp(f, "csv") == 0)
		*fmt = FORMAT_CSV;
	else if (strcmp(f, "xlsx") == 0)
		*fmt = FORMAT_XLSX;
	else {
		reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_parameter",
		    "format is json, csv or xlsx.");
		return (0);
	}
	return (1);
}

/*
 * The file's name says what it is: bao-cao-<unit code>-tai-lieu-<id> or
 * -hoi-nghi-<id> (unit codes are [A-Za-z0-9._-], safe in a header).
 */
static void
send_export(struct http_request *req, json_t *report, enum report_format fmt,
    const char *lang)
{
	json_t		*subject;
	const char	*code, *what;
	char		*bytes, disposition[160];
	size_t		 len;
	int		 rc;

	code = json_string_value(json_object_get(json_object_get(report,
	    "unit"), "code"));
	if ((subject = json_object_get(report, "document")) != NULL)
		what = "tai-lieu";
	else {
		subject = json_object_get(report, "session");
		what = "hoi-nghi";
	}

	if (fmt == FORMAT_CSV)
		rc = report_export_csv(report, lang, &bytes, &len);
	else
		rc = report_export_xlsx(report, lang, "/tmp", &bytes, &len);
	if (rc == -1) {
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The report could not be written.");
		return;
	}

	(void)snprintf(disposition, sizeof(disposition),
	    "attachment; filename=\"bao-cao-%s-%s-%lld.%s\"",
	    code != NULL ? code : "don-vi", what,
	    (long long)json_integer_value(json_object_get(subject, "id")),
	    fmt == FORMAT_CSV ? "csv" : "xlsx");
	http_response_header(req, "content-disposition", disposition);
	http_response_header(req, "cache-control", "private, no-store");
	reply_bytes(req, HTTP_STATUS_OK, fmt == FORMAT_CSV ?
	    "text/csv; charset=utf-8" : XLSX_TYPE, bytes, len);
	free(bytes);
}

/* GET /api/v1/reports/engagement?unit=&document=|session=&from=&to=&format= */
int
reports_engagement(struct http_request *req)
{
	struct request_ctx	*ctx;
	enum report_format	 fmt;
	json_t			*report;
	const char		*values[7], *lang;
	char			 actor[HB_ID_MAX], unit[HB_ID_MAX];
	char			 doc[HB_ID_MAX], sid[HB_ID_MAX];
	char			 from[16], to[16];
	PGresult		*res;

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}
	ctx = request_ctx_get(req);

	if (!query_id_or_reply(req, "unit", unit) ||
	    !query_id_or_reply(req, "document", doc) ||
	    !query_id_or_reply(req, "session", sid) ||
	    !query_text_or_reply(req, "from", from, sizeof(from)) ||
	    !query_text_or_reply(req, "to", to, sizeof(to)) ||
	    !format_or_reply(req, &fmt) ||
	    (lang = lang_or_reply(req)) == NULL)
		return (KORE_RESULT_OK);

	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)ctx->member_id);
	values[0] = actor;
	values[1] = unit[0] != '\0' ? unit : NULL;
	values[2] = doc[0] != '\0' ? doc : NULL;
	values[3] = sid[0] != '\0' ? sid : NULL;
	values[4] = from[0] != '\0' ? from : NULL;
	values[5] = to[0] != '\0' ? to : NULL;
	values[6] = lang;

	switch (db_query_or_reply(req, &ctx->query,
	    "SELECT api_report_engagement($1::bigint, $2::bigint, $3::bigint, "
	    "$4::bigint, $5, $6, $7)::text", 7, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	if (fmt == FORMAT_JSON) {
		res = ctx->query.result;
		if (res != NULL && PQntuples(res) == 1 &&
		    !PQgetisnull(res, 0, 0))
			reply_json_text(req, HTTP_STATUS_OK,
			    PQgetvalue(res, 0, 0),
			    (size_t)PQgetlength(res, 0, 0));
		else
			reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
			    "internal_error", "The report could not be read.");
		db_query_clear(&ctx->query);
		return (KORE_RESULT_OK);
	}

	if ((report = db_result_json_or_reply(req, &ctx->query,
	    "The report")) == NULL)
		return (KORE_RESULT_OK);
	send_export(req, report, fmt, lang);
	json_decref(report);
	return (KORE_RESULT_OK);
}
