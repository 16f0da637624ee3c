/*
 * hbverify: what a phone does with a bundle that reached it by any road
 * (the API, a memory card, a chat app): check that it was signed by one of
 * the handbook's published keys and that not one byte changed.
 *
 *	hbverify BUNDLE.json KEYS.json
 *
 * BUNDLE.json is GET /api/v1/documents/{id}/bundle's answer:
 * {"format", "key_id", "signature", "payload"}, the payload the canonical
 * document bytes in base64. KEYS.json is GET /api/v1/keys. The signature
 * is Ed25519 over "handbook-bundle/1\n" followed by the payload bytes
 * (kore-app/bundle.c). Prints the document's slug and version and exits 0,
 * or says why not and exits 1. The C client library (issue 8) does the
 * same; this is the reference the tests use. The checking itself is in
 * bundle_verify.c, which the fuzz target runs too.
 */

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>
#include <sodium.h>

#include "bundle_verify.h"

/* The whole file in a new buffer (*len bytes), or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf, *bigger;
	size_t	cap, n;

	if ((fp = fopen(path, "rb")) == NULL)
		return (NULL);
	cap = 65536;
	*len = 0;
	buf = NULL;
	for (;;) {
		if ((bigger = realloc(buf, cap)) == NULL) {
			free(buf);
			fclose(fp);
			return (NULL);
		}
		buf = bigger;
		n = fread(buf + *len, 1, cap - *len, fp);
		*len += n;
		if (*len < cap)
			break;
		cap *= 2;
	}
	fclose(fp);
	return (buf);
}

int
main(int argc, char **argv)
{
	json_t		*doc;
	const char	*why;
	char		*bundle, *keys, key_id[256];
	size_t		blen, klen;
	int		rc;

	if (argc != 3) {
		fprintf(stderr, "usage: hbverify BUNDLE.json KEYS.json\n");
		return (2);
	}
	if (sodium_init() < 0)
		return (2);
	/* An unreadable file is "not JSON", as json_load_file said. */
	if ((bundle = slurp(argv[1], &blen)) == NULL)
		blen = 0;
	if ((keys = slurp(argv[2], &klen)) == NULL)
		klen = 0;

	rc = bundle_verify(bundle != NULL ? bundle : "", blen,
	    keys != NULL ? keys : "", klen, &doc, key_id, sizeof(key_id), &why);
	free(bundle);
	free(keys);
	if (rc == BUNDLE_NO_MEMORY)
		return (2);
	if (rc != BUNDLE_OK) {
		fprintf(stderr, "hbverify: refused: %s\n", why);
		return (1);
	}

	printf("ok %s version %lld (%s), key %s\n",
	    json_string_value(json_object_get(doc, "slug")),
	    (long long)json_integer_value(json_object_get(doc, "version")),
	    json_string_value(json_object_get(doc, "lang")), key_id);
	json_decref(doc);
	return (0);
}
