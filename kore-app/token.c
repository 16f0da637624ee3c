/*
 * Session tokens (pure). A token is 32 random bytes, sent to the client as
 * 43 characters of unpadded base64url and back as "Authorization: Bearer
 * <token>". The server keeps only the BLAKE2b-256 hash of those characters,
 * as 64 hex digits, so a stolen copy of the sessions table opens nothing.
 */

#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "handbook.h"

/* Fills token (HB_TOKEN_LEN + 1 bytes) with a new random token. */
void
token_generate(char *token, size_t len)
{
	unsigned char	raw[HB_TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	(void)sodium_bin2base64(token, len, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/* Writes the hex hash of token into hex (HB_TOKEN_HASH_HEX + 1 bytes). */
void
token_hash_hex(const char *token, char *hex, size_t len)
{
	unsigned char	hash[32];

	crypto_generichash(hash, sizeof(hash), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	(void)sodium_bin2hex(hex, len, hash, sizeof(hash));
}

/*
 * Returns the token inside an Authorization header value, or NULL when the
 * value is not "Bearer " followed by exactly one well-formed token.
 */
const char *
token_from_header(const char *value)
{
	const char	*t;
	size_t		len;

	if (strncasecmp(value, "Bearer ", 7) != 0)
		return (NULL);

	t = value + 7;
	t += strspn(t, " ");
	len = strlen(t);
	if (len != HB_TOKEN_LEN)
		return (NULL);
	if (strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != len)
		return (NULL);

	return (t);
}
