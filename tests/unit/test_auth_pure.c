/*
 * Unit tests for the pure halves of authentication: session tokens
 * (token.c: making them, hashing them for the sessions table, finding
 * them in an Authorization header) and the rules for a new password
 * (password_rules.c: 8 to 256 characters counted as Unicode code points,
 * not one character repeated).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "handbook.h"

#define B64URL	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
		"0123456789-_"

/* A token-shaped string (43 base64url characters) fixed for the tests. */
#define KNOWN_TOKEN	"hbtok_Known-Token_0123456789abcdefghijKLMNO"
/*
 * BLAKE2b-256 of KNOWN_TOKEN's text, computed outside this code:
 *	printf %s 'hbtok_Known-Token_0123456789abcdefghijKLMNO' | b2sum -l 256
 */
#define KNOWN_HASH	"e26116bec1ca3747ba16a2f7a9cc5623" \
			"a036be1ccaa08e0a4963778dac9aca53"
/* printf %s '' | b2sum -l 256 */
#define EMPTY_HASH	"0e5751c026e543b2e8ab2eb06099daa1" \
			"d1e5df47778f7787faab45cdf12fe3a8"

static void
tokens_are_43_base64url_characters(void **state)
{
	char	a[HB_TOKEN_LEN + 1], b[HB_TOKEN_LEN + 1];

	(void)state;
	memset(a, 'x', sizeof(a));
	memset(b, 'x', sizeof(b));
	token_generate(a, sizeof(a));
	token_generate(b, sizeof(b));

	assert_int_equal(strlen(a), 43);
	assert_int_equal(strspn(a, B64URL), 43);
	assert_int_equal(strlen(b), 43);
	assert_int_equal(strspn(b, B64URL), 43);
	assert_string_not_equal(a, b);
}

static void
many_tokens_differ_and_pass_the_header_check(void **state)
{
	static char	tokens[500][HB_TOKEN_LEN + 1];
	char		header[64];
	size_t		i, j;

	(void)state;
	for (i = 0; i < 500; i++) {
		token_generate(tokens[i], sizeof(tokens[i]));
		(void)snprintf(header, sizeof(header), "Bearer %s", tokens[i]);
		assert_non_null(token_from_header(header));
		assert_string_equal(token_from_header(header), tokens[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(tokens[i], tokens[j]);
	}
}

static void
token_hash_is_blake2b_256_hex(void **state)
{
	char	hex[HB_TOKEN_HASH_HEX + 1];

	(void)state;
	token_hash_hex(KNOWN_TOKEN, hex, sizeof(hex));
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
	assert_string_equal(hex, KNOWN_HASH);

	token_hash_hex("", hex, sizeof(hex));
	assert_string_equal(hex, EMPTY_HASH);
}

static void
token_hash_is_deterministic_and_tells_tokens_apart(void **state)
{
	char	t1[HB_TOKEN_LEN + 1], t2[HB_TOKEN_LEN + 1];
	char	h1[HB_TOKEN_HASH_HEX + 1], h1again[HB_TOKEN_HASH_HEX + 1];
	char	h2[HB_TOKEN_HASH_HEX + 1];

	(void)state;
	token_generate(t1, sizeof(t1));
	token_hash_hex(t1, h1, sizeof(h1));
	token_hash_hex(t1, h1again, sizeof(h1again));
	assert_string_equal(h1, h1again);

	/* One character apart. */
	memcpy(t2, t1, sizeof(t2));
	t2[42] = t2[42] == 'A' ? 'B' : 'A';
	token_hash_hex(t2, h2, sizeof(h2));
	assert_string_not_equal(h1, h2);

	/* The hash is not the token, nor contains it. */
	assert_null(strstr(h1, t1));
}

static void
header_with_a_token_is_accepted(void **state)
{
	const char	*v;

	(void)state;
	v = "Bearer " KNOWN_TOKEN;
	assert_ptr_equal(token_from_header(v), v + 7);
	assert_string_equal(token_from_header("bearer " KNOWN_TOKEN),
	    KNOWN_TOKEN);
	assert_string_equal(token_from_header("BEARER " KNOWN_TOKEN),
	    KNOWN_TOKEN);
	assert_string_equal(token_from_header("BeArEr " KNOWN_TOKEN),
	    KNOWN_TOKEN);
	/* RFC 6750: "Bearer" 1*SP b64token. */
	assert_string_equal(token_from_header("Bearer   " KNOWN_TOKEN),
	    KNOWN_TOKEN);
}

static void
header_without_a_proper_token_is_refused(void **state)
{
	/* 42 and 44 characters, each otherwise well formed. */
	const char	*short42 = "hbtok_Known-Token_0123456789abcdefghijKLMN";
	const char	*bad[] = {
		"",
		"Bearer",
		"Bearer ",
		"Bearer  ",
		KNOWN_TOKEN,				/* no scheme */
		"Bearer" KNOWN_TOKEN,			/* no space */
		"Basic " KNOWN_TOKEN,
		"Token " KNOWN_TOKEN,
		"Bearerx " KNOWN_TOKEN,
		" Bearer " KNOWN_TOKEN,			/* leading space */
		"Bearer " KNOWN_TOKEN "A",		/* 44 characters */
		"Bearer " KNOWN_TOKEN " ",		/* trailing space */
		"Bearer " KNOWN_TOKEN "\t",
		"Bearer " KNOWN_TOKEN " junk",
		"Bearer " KNOWN_TOKEN "," KNOWN_TOKEN,
		"Bearer \"" KNOWN_TOKEN "\"",
		"Bearer\t" KNOWN_TOKEN,
		/* Standard base64 and padding are not base64url. */
		"Bearer hbtok+Known-Token_0123456789abcdefghijKLMNO",
		"Bearer hbtok/Known-Token_0123456789abcdefghijKLMNO",
		"Bearer hbtok_Known-Token_0123456789abcdefghijKLMN=",
		"Bearer hbtok.Known-Token_0123456789abcdefghijKLMNO",
		"Bearer hbtok Known-Token_0123456789abcdefghijKLMNO",
		"Bearer hbtok\xc3\xa0nown-Token_0123456789abcdefghijKLMNO",
		NULL,
	};
	char		buf[128];
	size_t		i;

	(void)state;
	(void)snprintf(buf, sizeof(buf), "Bearer %s", short42);
	assert_int_equal(strlen(short42), 42);
	assert_null(token_from_header(buf));

	for (i = 0; bad[i] != NULL; i++) {
		if (token_from_header(bad[i]) != NULL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

/* Checks the verdict, and that a refusal is a 422 weak_password. */
static void
check_password(const char *pw, int want)
{
	struct hb_error	err;
	int		got;

	memset(&err, 0, sizeof(err));
	got = password_acceptable(pw, &err);
	if (got != want)
		fail_msg("password_acceptable(\"%.40s%s\") (%zu bytes) is %d, "
		    "expected %d", pw, strlen(pw) > 40 ? "..." : "",
		    strlen(pw), got, want);
	if (!want) {
		assert_int_equal(err.status, 422);
		assert_string_equal(err.code, "weak_password");
		assert_true(strlen(err.message) > 0);
	}
}

/* n copies of the string c into buf. */
static char *
repeat(char *buf, size_t len, const char *c, size_t n)
{
	size_t	i, used, clen;

	buf[0] = '\0';
	used = 0;
	clen = strlen(c);
	for (i = 0; i < n; i++) {
		assert_true(used + clen < len);
		memcpy(buf + used, c, clen + 1);
		used += clen;
	}
	return (buf);
}

static void
password_length_is_counted_in_code_points(void **state)
{
	char	buf[2048];

	(void)state;
	check_password("", 0);
	check_password("abcdefg", 0);
	check_password("abcdefgh", 1);

	/* 8 code points, 14 bytes: long enough. */
	assert_int_equal(strlen("\xc4\x90\xc6\xb0\xe1\xbb\x9dngL\xe1\xbb\x91i"),
	    14);
	check_password("Đường lố", 1);
	check_password("\xc4\x90\xc6\xb0\xe1\xbb\x9dngL\xe1\xbb\x91i", 1);
	/* 7 Khmer code points, 21 bytes: too short. */
	assert_int_equal(strlen("សម្ងាត់"), 21);
	check_password("សម្ងាត់", 0);
	check_password("ពាក្យសម្ងាត់ល្អ", 1);
	check_password("mật khẩu của tôi", 1);

	/* At most 256 code points, whatever their bytes. */
	check_password(repeat(buf, sizeof(buf), "ab", 128), 1);
	check_password(strcat(repeat(buf, sizeof(buf), "ab", 128), "c"), 0);
	check_password(repeat(buf, sizeof(buf), "ơi", 128), 1);	/* 384 bytes */
	check_password(strcat(repeat(buf, sizeof(buf), "ơi", 128), "a"), 0);
	check_password(repeat(buf, sizeof(buf), "កខ", 128), 1);	/* 768 bytes */
	check_password(strcat(repeat(buf, sizeof(buf), "កខ", 128), "គ"), 0);
}

static void
one_character_repeated_is_refused(void **state)
{
	(void)state;
	check_password("aaaaaaaaaa", 0);
	check_password("        ", 0);
	check_password("aaaaaaaaab", 1);
	check_password("baaaaaaaaa", 1);
}

/*
 * The same rule for a character of several bytes. password_rules.c
 * compares bytes with the first byte (strspn), so "ăăăăăăăă"
 * (c4 83 c4 83 ...) stops at the second byte and passes.
 */
static void
one_multibyte_character_repeated_is_refused(void **state)
{
	(void)state;
	check_password("ăăăăăăăă", 0);
	check_password("កកកកកកកក", 0);
	check_password("ăăăăăăăăâ", 1);
}

static int
setup(void **state)
{
	(void)state;
	return (sodium_init() < 0 ? -1 : 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tokens_are_43_base64url_characters),
		cmocka_unit_test(many_tokens_differ_and_pass_the_header_check),
		cmocka_unit_test(token_hash_is_blake2b_256_hex),
		cmocka_unit_test(token_hash_is_deterministic_and_tells_tokens_apart),
		cmocka_unit_test(header_with_a_token_is_accepted),
		cmocka_unit_test(header_without_a_proper_token_is_refused),
		cmocka_unit_test(password_length_is_counted_in_code_points),
		cmocka_unit_test(one_character_repeated_is_refused),
		cmocka_unit_test(one_multibyte_character_repeated_is_refused),
	};

	return (cmocka_run_group_tests_name("auth_pure", tests, setup, NULL));
}
