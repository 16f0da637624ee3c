/*
 * Fuzz target: bundle verification (tools/bundle_verify.c, what hbverify
 * and the tests trust; the client library's own hb_bundle_verify is
 * another engineer's, in client/). Two kinds of input, told by the first
 * byte:
 *
 *   even: a bundle and a key list as they might arrive, separated by a
 *         line "--keys--"; whatever they hold, verification must end
 *         with an answer, never a crash or a leak; an accepted bundle has
 *         a signature that verifies under a key of the list.
 *   odd:  the rest is a payload, signed here with a fixed key into a
 *         well-formed bundle: it must be accepted exactly when the payload
 *         is JSON, and refused once any one byte of the payload or the
 *         signature is changed (chosen from the input), or once the key
 *         id is another.
 */

#include <sodium.h>

#include "bundle_verify.h"
#include "fuzz.h"

static unsigned char	pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char	sk[crypto_sign_SECRETKEYBYTES];
static char		keys_json[256];

static void
setup(void)
{
	unsigned char	seed[crypto_sign_SEEDBYTES];
	char		pk64[sodium_base64_ENCODED_LEN(sizeof(pk),
			    sodium_base64_VARIANT_ORIGINAL)];

	if (sodium_init() < 0)
		abort();
	memset(seed, 0x5a, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_bin2base64(pk64, sizeof(pk64), pk, sizeof(pk),
	    sodium_base64_VARIANT_ORIGINAL);
	(void)snprintf(keys_json, sizeof(keys_json), "{\"keys\":[{\"id\":"
	    "\"k2026\",\"public_key\":\"%s\"},{\"id\":\"old\",\"public_key\":"
	    "\"AAAA\"}]}", pk64);
}

/* A bundle of payload (len bytes) signed with sk, as bundle.c makes it. */
static char *
bundle_of(const unsigned char *payload, size_t len, const char *key_id,
    int flip_sig)
{
	unsigned char	sig[crypto_sign_BYTES], *msg;
	char		sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES,
			    sodium_base64_VARIANT_ORIGINAL)];
	char		*p64, *out;
	size_t		dlen, p64len;
	json_t		*b;

	dlen = strlen(BUNDLE_DOMAIN);
	if ((msg = malloc(dlen + len + 1)) == NULL)
		abort();
	memcpy(msg, BUNDLE_DOMAIN, dlen);
	memcpy(msg + dlen, payload, len);
	crypto_sign_detached(sig, NULL, msg, dlen + len, sk);
	free(msg);
	if (flip_sig >= 0)
		sig[flip_sig % crypto_sign_BYTES] ^= 1;
	sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	p64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if ((p64 = malloc(p64len)) == NULL)
		abort();
	sodium_bin2base64(p64, p64len, payload, len,
	    sodium_base64_VARIANT_ORIGINAL);
	b = json_pack("{s:s,s:s,s:s,s:s}", "format", "handbook-bundle/1",
	    "key_id", key_id, "signature", sig64, "payload", p64);
	out = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	free(p64);
	return (out);
}

static int
verify(const char *bundle, const char *keys, json_t **doc)
{
	const char	*why;
	char		key_id[64];
	int		rc;

	rc = bundle_verify(bundle, strlen(bundle), keys, strlen(keys), doc,
	    key_id, sizeof(key_id), &why);
	FUZZ_CHECK(rc == BUNDLE_OK || rc == BUNDLE_REFUSED);
	FUZZ_CHECK(rc == BUNDLE_OK ? *doc != NULL : (*doc == NULL &&
	    why != NULL));
	return (rc);
}

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int	ready;
	const unsigned char *payload;
	unsigned char	*changed;
	json_t		*doc, *expect;
	const char	*split;
	char		*text, *bundle;
	size_t		plen, at;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size == 0)
		return (0);

	if ((data[0] & 1) == 0) {
		text = fuzz_cstring(data + 1, size - 1);
		if ((split = strstr(text, "\n--keys--\n")) != NULL) {
			text[split - text] = '\0';
			split += strlen("\n--keys--\n");
		} else {
			split = keys_json;
		}
		if (verify(text, split, &doc) == BUNDLE_OK)
			json_decref(doc);
		free(text);
		return (0);
	}

	payload = data + 1;
	plen = size - 1;
	expect = json_loadb((const char *)payload, plen, 0, NULL);

	bundle = bundle_of(payload, plen, "k2026", -1);
	FUZZ_CHECK(bundle != NULL);
	if (verify(bundle, keys_json, &doc) == BUNDLE_OK) {
		FUZZ_CHECK(expect != NULL);
		FUZZ_CHECK(json_equal(doc, expect));
		json_decref(doc);
	} else {
		FUZZ_CHECK(expect == NULL);
	}
	free(bundle);

	/* Signed by a key that is not the one named. */
	bundle = bundle_of(payload, plen, "old", -1);
	FUZZ_CHECK(verify(bundle, keys_json, &doc) == BUNDLE_REFUSED);
	free(bundle);

	/* One bit of the signature changed. */
	bundle = bundle_of(payload, plen, "k2026", data[size - 1]);
	FUZZ_CHECK(verify(bundle, keys_json, &doc) == BUNDLE_REFUSED);
	free(bundle);

	/* One byte of the payload changed after signing: sign the original,
	 * then swap the payload for the changed one with the same
	 * signature. */
	if (plen > 0) {
		json_t	*b;
		char	*p64;
		size_t	p64len;

		bundle = bundle_of(payload, plen, "k2026", -1);
		if ((changed = malloc(plen)) == NULL)
			abort();
		memcpy(changed, payload, plen);
		at = data[size - 1] % plen;
		changed[at] ^= (unsigned char)(1 + data[0] % 255);
		p64len = sodium_base64_ENCODED_LEN(plen,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((p64 = malloc(p64len)) == NULL)
			abort();
		sodium_bin2base64(p64, p64len, changed, plen,
		    sodium_base64_VARIANT_ORIGINAL);
		b = json_loads(bundle, 0, NULL);
		FUZZ_CHECK(b != NULL);
		json_object_set_new(b, "payload", json_string(p64));
		free(bundle);
		bundle = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		FUZZ_CHECK(verify(bundle, keys_json, &doc) == BUNDLE_REFUSED);
		free(bundle);
		free(p64);
		free(changed);
	}
	json_decref(expect);
	return (0);
}
