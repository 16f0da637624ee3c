/*
 * Unit tests for the bundle verification of client/content.c, on bundles
 * made here with a fresh Ed25519 key exactly as kore-app/bundle.c makes
 * them: a good one verifies and gives its slug, version and language; a
 * payload with any byte changed, a signature by another key under the
 * same key id, a key id nobody published, another format, or a key list
 * that is not one are refused.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "client_internal.h"

static const char payload[] =
    "{\"slug\":\"nghi-quyet-thu\",\"version\":4,\"lang\":\"km\","
    "\"title\":\"សេចក្តីសម្រេច\",\"sections\":[{\"title\":\"Điểm một\"}]}";

static unsigned char	pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char	sk[crypto_sign_SECRETKEYBYTES];
static unsigned char	pk2[crypto_sign_PUBLICKEYBYTES];
static unsigned char	sk2[crypto_sign_SECRETKEYBYTES];

static char *
b64(const void *bin, size_t len)
{
	size_t	 n = sodium_base64_encoded_len(len,
		    sodium_base64_VARIANT_ORIGINAL);
	char	*out = malloc(n);

	assert_non_null(out);
	sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return (out);
}

/* A bundle of `body` signed with `key`, claiming key id `kid`. */
static char *
make_bundle(const char *format, const char *kid, const unsigned char *key,
    const char *body, size_t body_len)
{
	unsigned char	sig[crypto_sign_BYTES], *msg;
	char		*s64, *p64, *out;
	size_t		 dlen = strlen("handbook-bundle/1\n");

	msg = malloc(dlen + body_len);
	assert_non_null(msg);
	memcpy(msg, "handbook-bundle/1\n", dlen);
	memcpy(msg + dlen, body, body_len);
	crypto_sign_detached(sig, NULL, msg, dlen + body_len, key);
	s64 = b64(sig, sizeof(sig));
	p64 = b64(body, body_len);
	assert_true(asprintf(&out, "{\"format\":\"%s\",\"key_id\":\"%s\","
	    "\"signature\":\"%s\",\"payload\":\"%s\"}", format, kid, s64,
	    p64) > 0);
	free(msg);
	free(s64);
	free(p64);
	return (out);
}

static struct hb_keys *
keys_with(const unsigned char *key)
{
	struct hb_keys	*keys;
	char		*k64, *json;

	k64 = b64(key, crypto_sign_PUBLICKEYBYTES);
	assert_true(asprintf(&json, "{\"keys\":[{\"id\":\"ed25519-old\","
	    "\"algorithm\":\"ed25519\",\"public_key\":\"AAAA\"},"
	    "{\"id\":\"ed25519-test\",\"algorithm\":\"ed25519\","
	    "\"public_key\":\"%s\",\"retired_at\":null}]}", k64) > 0);
	assert_int_equal(hb_keys_parse(json, strlen(json), &keys), HB_OK);
	free(k64);
	free(json);
	return (keys);
}

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return (-1);
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	return (0);
}

static void
good_bundle_verifies(void **state)
{
	struct hb_keys	 *keys = keys_with(pk);
	struct hb_bundle *b;
	char		 *json;

	(void)state;
	/* The malformed key (AAAA) is skipped, the good one kept. */
	assert_int_equal(hb_keys_count(keys), 1);
	json = make_bundle("handbook-bundle/1", "ed25519-test", sk, payload,
	    strlen(payload));
	assert_int_equal(hb_bundle_verify(json, strlen(json), keys, &b), HB_OK);
	assert_string_equal(b->slug, "nghi-quyet-thu");
	assert_int_equal(b->version, 4);
	assert_string_equal(b->lang, "km");
	assert_string_equal(b->key_id, "ed25519-test");
	assert_int_equal(b->payload_len, strlen(payload));
	assert_memory_equal(b->payload, payload, strlen(payload));
	assert_int_equal(b->json_len, strlen(json));
	hb_bundle_free(b);
	free(json);
	hb_keys_free(keys);
}

static void
tampered_payload_is_refused(void **state)
{
	struct hb_keys	 *keys = keys_with(pk);
	struct hb_bundle *b;
	unsigned char	  sig[crypto_sign_BYTES], *msg;
	char		 *good, *s, *p64, *json, copy[sizeof(payload)];
	size_t		  i, dlen = strlen("handbook-bundle/1\n");

	(void)state;
	/* The signature of the true payload... */
	msg = malloc(dlen + strlen(payload));
	memcpy(msg, "handbook-bundle/1\n", dlen);
	memcpy(msg + dlen, payload, strlen(payload));
	crypto_sign_detached(sig, NULL, msg, dlen + strlen(payload), sk);
	free(msg);
	s = b64(sig, sizeof(sig));
	/* ...over a payload with one byte changed, at every position. */
	for (i = 0; i < strlen(payload); i++) {
		memcpy(copy, payload, sizeof(payload));
		copy[i] = (char)(copy[i] ^ 0x01);
		p64 = b64(copy, strlen(payload));
		assert_true(asprintf(&json, "{\"format\":\"handbook-bundle/1\","
		    "\"key_id\":\"ed25519-test\",\"signature\":\"%s\","
		    "\"payload\":\"%s\"}", s, p64) > 0);
		b = (struct hb_bundle *)1;
		assert_int_equal(hb_bundle_verify(json, strlen(json), keys, &b),
		    HB_ERR_SIGNATURE);
		assert_null(b);
		free(p64);
		free(json);
	}
	/* The untouched one still passes with that signature. */
	p64 = b64(payload, strlen(payload));
	assert_true(asprintf(&good, "{\"format\":\"handbook-bundle/1\","
	    "\"key_id\":\"ed25519-test\",\"signature\":\"%s\","
	    "\"payload\":\"%s\"}", s, p64) > 0);
	assert_int_equal(hb_bundle_verify(good, strlen(good), keys, &b), HB_OK);
	hb_bundle_free(b);
	free(good);
	free(p64);
	free(s);
	hb_keys_free(keys);
}

static void
wrong_key_is_refused(void **state)
{
	struct hb_keys	 *keys = keys_with(pk);
	struct hb_bundle *b;
	char		 *json;

	(void)state;
	/* Signed by another key under the published key's id. */
	json = make_bundle("handbook-bundle/1", "ed25519-test", sk2, payload,
	    strlen(payload));
	assert_int_equal(hb_bundle_verify(json, strlen(json), keys, &b),
	    HB_ERR_SIGNATURE);
	free(json);
	hb_keys_free(keys);
	/* The right signer, but the key list holds another key. */
	keys = keys_with(pk2);
	json = make_bundle("handbook-bundle/1", "ed25519-test", sk, payload,
	    strlen(payload));
	assert_int_equal(hb_bundle_verify(json, strlen(json), keys, &b),
	    HB_ERR_SIGNATURE);
	free(json);
	hb_keys_free(keys);
}

static void
unknown_key_and_bad_shapes_are_refused(void **state)
{
	struct hb_keys	 *keys = keys_with(pk);
	struct hb_bundle *b;
	char		 *json;

	(void)state;
	json = make_bundle("handbook-bundle/1", "ed25519-nobody", sk, payload,
	    strlen(payload));
	assert_int_equal(hb_bundle_verify(json, strlen(json), keys, &b),
	    HB_ERR_SIGNATURE);
	free(json);
	assert_int_equal(hb_bundle_verify(json = make_bundle("handbook-bundle/1",
	    "ed25519-test", sk, payload, strlen(payload)), 10, keys, &b),
	    HB_ERR_SIGNATURE);	/* cut short: not JSON */
	free(json);
	json = make_bundle("handbook-bundle/2", "ed25519-test", sk, payload,
	    strlen(payload));
	assert_int_equal(hb_bundle_verify(json, strlen(json), keys, &b),
	    HB_ERR_SIGNATURE);
	free(json);
	/* Signed, but the payload is not JSON. */
	json = make_bundle("handbook-bundle/1", "ed25519-test", sk, "not json",
	    8);
	assert_int_equal(hb_bundle_verify(json, strlen(json), keys, &b),
	    HB_ERR_SIGNATURE);
	free(json);
	/* No keys at all. */
	json = make_bundle("handbook-bundle/1", "ed25519-test", sk, payload,
	    strlen(payload));
	assert_int_equal(hb_bundle_verify(json, strlen(json), NULL, &b),
	    HB_ERR_SIGNATURE);
	free(json);
	hb_keys_free(keys);
	assert_int_equal(hb_keys_parse("[]", 2, &keys), HB_ERR_PROTOCOL);
	assert_int_equal(hb_keys_parse("{\"keys\":", 8, &keys), HB_ERR_PROTOCOL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_bundle_verifies),
		cmocka_unit_test(tampered_payload_is_refused),
		cmocka_unit_test(wrong_key_is_refused),
		cmocka_unit_test(unknown_key_and_bad_shapes_are_refused),
	};

	return (cmocka_run_group_tests_name("client_bundle", tests, setup,
	    NULL));
}
