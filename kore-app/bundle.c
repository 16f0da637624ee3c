/*
 * Signed bundles: a document version as one self-contained file that a
 * phone can check came from the handbook unchanged, even when it arrived
 * by memory card or chat app instead of from this server.
 *
 * GET /api/v1/documents/{id}/bundle?lang= answers
 *	{"format": "handbook-bundle/1", "key_id": ..., "signature": ...,
 *	 "payload": ...}
 * where payload is the document exactly as GET /api/v1/documents/{id}
 * gives it (text, metadata, the hashes of its media), serialised
 * canonically (keys sorted, no spaces, UTF-8) and base64-encoded, and the
 * signature is Ed25519 (libsodium) over "handbook-bundle/1\n" and those
 * bytes. Shipping the signed bytes themselves, not an object to be
 * re-serialised, spares every verifier from reproducing our JSON writer.
 * GET /api/v1/keys lists every public key ever used, retired ones
 * included, so old bundles keep verifying after a rotation
 * (scripts/signing-key). tools/hbverify.c is the reference verifier.
 *
 * The secret key is read once, at module load, from the newest
 * HANDBOOK_SIGNING_DIR/<key id>.sk; without one, bundles answer 503.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

#define BUNDLE_FORMAT	"handbook-bundle/1"
#define BUNDLE_DOMAIN	BUNDLE_FORMAT "\n"

static unsigned char	secret_key[crypto_sign_SECRETKEYBYTES];
static char		key_id[64];
static int		key_loaded;

static int	keyfile(const struct dirent *);
static int	key_or_reply(struct http_request *);

/* Loads the newest key of dir; KORE_RESULT_OK even without one. */
int
bundle_keys_load(const char *dir)
{
	struct dirent	**names;
	FILE		*fp;
	char		path[PATH_MAX], hex[crypto_sign_SECRETKEYBYTES * 2 + 8];
	size_t		len;
	int		n, i;

	if (dir == NULL || (n = scandir(dir, &names, keyfile, alphasort)) <= 0) {
		kore_log(LOG_WARNING, "no signing key in %s: bundles will "
		    "answer 503 (scripts/signing-key ensure)",
		    dir != NULL ? dir : "(HANDBOOK_SIGNING_DIR unset)");
		return (KORE_RESULT_OK);
	}

	(void)snprintf(path, sizeof(path), "%s/%s", dir, names[n - 1]->d_name);
	len = strlen(names[n - 1]->d_name) - 3;
	(void)snprintf(key_id, sizeof(key_id), "%.*s", (int)len,
	    names[n - 1]->d_name);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);

	if ((fp = fopen(path, "r")) == NULL) {
		kore_log(LOG_ERR, "cannot read %s", path);
		return (KORE_RESULT_ERROR);
	}
	len = fread(hex, 1, sizeof(hex) - 1, fp);
	fclose(fp);
	hex[len] = '\0';
	if (sodium_hex2bin(secret_key, sizeof(secret_key), hex, len, "\n",
	    &len, NULL) != 0 || len != sizeof(secret_key)) {
		sodium_memzero(hex, sizeof(hex));
		kore_log(LOG_ERR, "%s is not an Ed25519 secret key", path);
		return (KORE_RESULT_ERROR);
	}
	sodium_memzero(hex, sizeof(hex));
	key_loaded = 1;
	kore_log(LOG_NOTICE, "signing bundles with key %s", key_id);

	return (KORE_RESULT_OK);
}

static int
keyfile(const struct dirent *d)
{
	size_t	len = strlen(d->d_name);

	return (len > 3 && !strcmp(d->d_name + len - 3, ".sk") &&
	    !strncmp(d->d_name, "ed25519-", 8));
}

/* A node without a key answers 503 before asking the database. */
static int
key_or_reply(struct http_request *req)
{
	if (key_loaded)
		return (1);
	http_response_header(req, "retry-after", "60");
	reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE, "signing_unavailable",
	    "This node has no signing key.");
	return (0);
}

/* GET /api/v1/documents/{id}/bundle?lang= */
int
documents_bundle(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*inm;
	char			etag[40];
	unsigned char		sig[crypto_sign_BYTES], *msg;
	char			sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES,
				    sodium_base64_VARIANT_ORIGINAL)];
	char			*payload, *payload64;
	json_t			*doc;
	json_error_t		jerr;
	PGresult		*res;
	size_t			plen, dlen, len64;

	switch (document_fetch_or_reply(req, key_or_reply)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}
	ctx = request_ctx_get(req);

	res = ctx->query.result;
	doc = NULL;
	if (res != NULL && PQntuples(res) == 1 && !PQgetisnull(res, 0, 1))
		doc = json_loads(PQgetvalue(res, 0, 1), 0, &jerr);
	if (doc == NULL) {
		db_query_clear(&ctx->query);
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such document.");
		return (KORE_RESULT_OK);
	}
	http_response_header(req, "content-language", PQgetvalue(res, 0, 0));
	db_query_clear(&ctx->query);

	/* The canonical bytes: sorted keys, no spaces, UTF-8 as is. */
	payload = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (payload == NULL) {
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "The bundle could not be written.");
		return (KORE_RESULT_OK);
	}
	plen = strlen(payload);
	dlen = strlen(BUNDLE_DOMAIN);

	msg = kore_malloc(dlen + plen);
	memcpy(msg, BUNDLE_DOMAIN, dlen);
	memcpy(msg + dlen, payload, plen);
	crypto_sign_detached(sig, NULL, msg, dlen + plen, secret_key);
	kore_free(msg);
	(void)sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);

	len64 = sodium_base64_ENCODED_LEN(plen, sodium_base64_VARIANT_ORIGINAL);
	payload64 = kore_malloc(len64);
	(void)sodium_bin2base64(payload64, len64, (unsigned char *)payload,
	    plen, sodium_base64_VARIANT_ORIGINAL);
	free(payload);

	/* Same document, same key: same bundle, same tag. */
	etag_of(sig, sizeof(sig), etag, sizeof(etag));
	http_response_header(req, "etag", etag);
	http_response_header(req, "cache-control", "private, no-cache");
	http_response_header(req, "vary", "Accept-Language, Authorization");
	if (http_request_header(req, "if-none-match", &inm) &&
	    etag_matches(inm, etag)) {
		kore_free(payload64);
		reply_bytes(req, HTTP_STATUS_NOT_MODIFIED, NULL, NULL, 0);
		return (KORE_RESULT_OK);
	}

	reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s,s:s,s:s}",
	    "format", BUNDLE_FORMAT, "key_id", key_id, "signature", sig64,
	    "payload", payload64));
	kore_free(payload64);

	return (KORE_RESULT_OK);
}

/* GET /api/v1/keys: public, like the keys themselves. */
int
keys_get(struct http_request *req)
{
	return (db_reply_json(req, HTTP_STATUS_OK, "SELECT api_keys()::text",
	    0, NULL));
}
