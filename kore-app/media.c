/*
 * GET /api/v1/media/{sha256}: the infographics and images of documents,
 * addressed by the SHA-256 of their bytes. Content-addressed files never
 * change, so they are sent with a year-long, immutable cache policy: a
 * phone fetches each once, and a new infographic is a new address that
 * the document's new version names. No token is asked for: an address is
 * only known from a document the reader could open, and the files are
 * public illustrations of public documents.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

int
media_get(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*hash, *values[1], *inm;
	char			etag[72];
	unsigned char		*bytes;
	PGresult		*res;
	size_t			hexlen, len;

	ctx = request_ctx_get(req);
	hash = router_param(req, "sha256");
	if (hash == NULL || strlen(hash) != 64 ||
	    strspn(hash, "0123456789abcdef") != 64) {
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such file.");
		return (KORE_RESULT_OK);
	}

	(void)snprintf(etag, sizeof(etag), "\"%s\"", hash);
	if (http_request_header(req, "if-none-match", &inm) &&
	    etag_matches(inm, etag)) {
		http_response_header(req, "etag", etag);
		http_response_header(req, "cache-control",
		    "public, max-age=31536000, immutable");
		reply_bytes(req, HTTP_STATUS_NOT_MODIFIED, NULL, NULL, 0);
		return (KORE_RESULT_OK);
	}

	values[0] = hash;
	switch (db_query_or_reply(req, &ctx->query,
	    "SELECT content_type, encode(bytes, 'hex') FROM media "
	    "WHERE sha256 = $1", 1, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	res = ctx->query.result;
	if (res == NULL || PQntuples(res) != 1) {
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such file.");
		return (KORE_RESULT_OK);
	}

	/* Text results keep the layer simple; files here are small. */
	hexlen = (size_t)PQgetlength(res, 0, 1);
	bytes = kore_malloc(hexlen / 2 + 1);
	if (sodium_hex2bin(bytes, hexlen / 2 + 1, PQgetvalue(res, 0, 1),
	    hexlen, NULL, &len, NULL) != 0) {
		kore_free(bytes);
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The file could not be read.");
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "etag", etag);
	http_response_header(req, "cache-control",
	    "public, max-age=31536000, immutable");
	/* An SVG is shown as an image, never run as a page. */
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; style-src 'unsafe-inline'; sandbox");
	reply_bytes(req, HTTP_STATUS_OK, PQgetvalue(res, 0, 0), bytes, len);
	kore_free(bytes);
	db_query_clear(&ctx->query);

	return (KORE_RESULT_OK);
}
