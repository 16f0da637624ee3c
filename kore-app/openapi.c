/*
 * GET /api/v1/openapi.json: the OpenAPI 3.1 description of every endpoint,
 * kept in assets/openapi.json and checked against routes.def by
 * tests/integration/openapi.sh. It is read and checked once when the module
 * loads (a broken document stops the server at start, not a client later)
 * and served from memory with a strong ETag.
 */

#include <stdio.h>

#include "handbook.h"

static char	*document;
static size_t	document_len;
static char	document_etag[40];

/* Loads and checks the document; returns KORE_RESULT_OK or _ERROR. */
int
openapi_load(const char *assets)
{
	char		path[PATH_MAX];
	json_error_t	jerr;
	json_t		*doc;
	FILE		*fp;
	long		size;
	int		n;

	n = snprintf(path, sizeof(path), "%s/openapi.json", assets);
	if (n < 0 || (size_t)n >= sizeof(path))
		return (KORE_RESULT_ERROR);

	if ((fp = fopen(path, "r")) == NULL) {
		kore_log(LOG_ERR, "cannot open %s", path);
		return (KORE_RESULT_ERROR);
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) <= 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		kore_log(LOG_ERR, "cannot read %s", path);
		return (KORE_RESULT_ERROR);
	}

	document = kore_malloc((size_t)size);
	document_len = fread(document, 1, (size_t)size, fp);
	fclose(fp);

	doc = json_loadb(document, document_len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL || !json_is_object(doc)) {
		kore_log(LOG_ERR, "%s:%d: %s", path, jerr.line, jerr.text);
		json_decref(doc);
		return (KORE_RESULT_ERROR);
	}
	json_decref(doc);

	etag_of(document, document_len, document_etag, sizeof(document_etag));
	return (KORE_RESULT_OK);
}

int
openapi_get(struct http_request *req)
{
	const char	*inm;

	http_response_header(req, "etag", document_etag);
	http_response_header(req, "cache-control", "no-cache");

	if (http_request_header(req, "if-none-match", &inm) &&
	    etag_matches(inm, document_etag)) {
		reply_bytes(req, HTTP_STATUS_NOT_MODIFIED, "application/json",
		    NULL, 0);
		return (KORE_RESULT_OK);
	}

	reply_bytes(req, HTTP_STATUS_OK, "application/json", document,
	    document_len);
	return (KORE_RESULT_OK);
}
