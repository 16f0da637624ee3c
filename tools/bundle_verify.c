/*
 * Verifying a content bundle against the published keys, in memory: what
 * hbverify does with its two files, taken out of its main() so that the
 * fuzz target (tests/fuzz/fuzz_bundle_verify.c) runs the very code the
 * tests trust. The rules are hbverify's (see its opening comment): a
 * bundle {"format": "handbook-bundle/1", "key_id", "signature",
 * "payload"}, a key list {"keys": [{"id", "public_key"}]}, an Ed25519
 * signature over BUNDLE_DOMAIN followed by the payload's bytes, and a
 * payload that is JSON. Every path frees what it took (the fuzzer's leak
 * check holds it to that).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bundle_verify.h"

static int	refuse(const char **, const char *);

/*
 * Verifies bundle (blen bytes of JSON) against keys (klen bytes of JSON).
 * BUNDLE_OK: *doc is the signed document (a new reference) and key_id
 * (key_id_len bytes, may be NULL) the id of the key that signed it.
 * BUNDLE_REFUSED: *why says why, in words.
 */
int
bundle_verify(const char *bundle_text, size_t blen, const char *keys_text,
    size_t klen, json_t **doc, char *key_id_out, size_t key_id_len,
    const char **why)
{
	json_t		*bundle, *keys, *k;
	json_error_t	err;
	const char	*key_id, *sig64, *payload64, *pk64, *id, *format;
	unsigned char	pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	cand[crypto_sign_PUBLICKEYBYTES];
	unsigned char	sig[crypto_sign_BYTES];
	unsigned char	*msg;
	size_t		len, plen, i, dlen;
	int		found, rc;

	*doc = NULL;
	*why = NULL;
	if (key_id_out != NULL && key_id_len > 0)
		key_id_out[0] = '\0';
	msg = NULL;
	keys = NULL;
	if ((bundle = json_loadb(bundle_text, blen, 0, &err)) == NULL)
		return (refuse(why, "the bundle is not JSON"));
	if ((keys = json_loadb(keys_text, klen, 0, &err)) == NULL) {
		rc = refuse(why, "the key list is not JSON");
		goto out;
	}

	if (json_unpack(bundle, "{s:s,s:s,s:s}", "key_id", &key_id,
	    "signature", &sig64, "payload", &payload64) != 0) {
		rc = refuse(why, "key_id, signature and payload are required");
		goto out;
	}
	format = json_string_value(json_object_get(bundle, "format"));
	if (strcmp(format != NULL ? format : "", "handbook-bundle/1") != 0) {
		rc = refuse(why, "unknown format");
		goto out;
	}

	found = 0;
	json_array_foreach(json_object_get(keys, "keys"), i, k) {
		id = json_string_value(json_object_get(k, "id"));
		if (strcmp(id != NULL ? id : "", key_id) != 0)
			continue;
		/* Decoded aside, so that a malformed duplicate entry cannot
		 * spoil a good key found before it. */
		pk64 = json_string_value(json_object_get(k, "public_key"));
		if (pk64 != NULL && sodium_base642bin(cand, sizeof(cand), pk64,
		    strlen(pk64), NULL, &len, NULL,
		    sodium_base64_VARIANT_ORIGINAL) == 0 &&
		    len == sizeof(cand)) {
			memcpy(pk, cand, sizeof(pk));
			found = 1;
		}
	}
	if (!found) {
		rc = refuse(why, "signed with a key that is not published");
		goto out;
	}

	if (sodium_base642bin(sig, sizeof(sig), sig64, strlen(sig64), NULL,
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(sig)) {
		rc = refuse(why, "malformed signature");
		goto out;
	}

	dlen = strlen(BUNDLE_DOMAIN);
	plen = strlen(payload64);
	if ((msg = malloc(dlen + plen + 1)) == NULL) {
		rc = BUNDLE_NO_MEMORY;
		goto out;
	}
	memcpy(msg, BUNDLE_DOMAIN, dlen);
	if (sodium_base642bin(msg + dlen, plen + 1, payload64, plen, NULL,
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		rc = refuse(why, "malformed payload");
		goto out;
	}

	if (crypto_sign_verify_detached(sig, msg, dlen + len, pk) != 0) {
		rc = refuse(why, "the signature does not match the content");
		goto out;
	}

	if ((*doc = json_loadb((char *)msg + dlen, len, 0, &err)) == NULL) {
		rc = refuse(why, "the signed payload is not JSON");
		goto out;
	}
	if (key_id_out != NULL && key_id_len > 0)
		(void)snprintf(key_id_out, key_id_len, "%s", key_id);
	rc = BUNDLE_OK;

out:
	free(msg);
	json_decref(bundle);
	json_decref(keys);
	return (rc);
}

static int
refuse(const char **why, const char *reason)
{
	*why = reason;
	return (BUNDLE_REFUSED);
}
