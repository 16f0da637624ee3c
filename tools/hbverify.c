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
 * same; this is the reference the tests use.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#define DOMAIN	"handbook-bundle/1\n"

static int
refuse(const char *why)
{
	fprintf(stderr, "hbverify: refused: %s\n", why);
	return (1);
}

int
main(int argc, char **argv)
{
	json_t		*bundle, *keys, *k, *doc;
	json_error_t	err;
	const char	*key_id, *sig64, *payload64, *pk64;
	unsigned char	pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	sig[crypto_sign_BYTES];
	unsigned char	*msg;
	size_t		len, plen, i, dlen;
	int		found;

	if (argc != 3) {
		fprintf(stderr, "usage: hbverify BUNDLE.json KEYS.json\n");
		return (2);
	}
	if (sodium_init() < 0)
		return (2);
	if ((bundle = json_load_file(argv[1], 0, &err)) == NULL)
		return (refuse("the bundle is not JSON"));
	if ((keys = json_load_file(argv[2], 0, &err)) == NULL)
		return (refuse("the key list is not JSON"));

	if (json_unpack(bundle, "{s:s,s:s,s:s}", "key_id", &key_id,
	    "signature", &sig64, "payload", &payload64) != 0)
		return (refuse("key_id, signature and payload are required"));
	if (strcmp(json_string_value(json_object_get(bundle, "format")) ?
	    json_string_value(json_object_get(bundle, "format")) : "",
	    "handbook-bundle/1") != 0)
		return (refuse("unknown format"));

	found = 0;
	json_array_foreach(json_object_get(keys, "keys"), i, k) {
		if (strcmp(json_string_value(json_object_get(k, "id")) ?
		    json_string_value(json_object_get(k, "id")) : "",
		    key_id) != 0)
			continue;
		pk64 = json_string_value(json_object_get(k, "public_key"));
		if (pk64 != NULL && sodium_base642bin(pk, sizeof(pk), pk64,
		    strlen(pk64), NULL, &len, NULL,
		    sodium_base64_VARIANT_ORIGINAL) == 0 && len == sizeof(pk))
			found = 1;
	}
	if (!found)
		return (refuse("signed with a key that is not published"));

	if (sodium_base642bin(sig, sizeof(sig), sig64, strlen(sig64), NULL,
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(sig))
		return (refuse("malformed signature"));

	dlen = strlen(DOMAIN);
	plen = strlen(payload64);
	if ((msg = malloc(dlen + plen)) == NULL)
		return (2);
	memcpy(msg, DOMAIN, dlen);
	if (sodium_base642bin(msg + dlen, plen, payload64, plen, NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return (refuse("malformed payload"));

	if (crypto_sign_verify_detached(sig, msg, dlen + len, pk) != 0)
		return (refuse("the signature does not match the content"));

	if ((doc = json_loadb((char *)msg + dlen, len, 0, &err)) == NULL)
		return (refuse("the signed payload is not JSON"));
	printf("ok %s version %lld (%s), key %s\n",
	    json_string_value(json_object_get(doc, "slug")),
	    (long long)json_integer_value(json_object_get(doc, "version")),
	    json_string_value(json_object_get(doc, "lang")), key_id);

	free(msg);
	json_decref(doc);
	json_decref(bundle);
	json_decref(keys);
	return (0);
}
