/*
 * Request ids (pure): checking the one HAProxy sends, and making one when
 * there is none. An id from outside is only reused when it is short and
 * made of letters, digits and dashes, because it is written into logs and
 * response headers verbatim.
 */

#include <string.h>

#include <sodium.h>

#include "handbook.h"

int
request_id_valid(const char *id)
{
	size_t		len;

	len = strlen(id);
	if (len < 8 || len > HB_REQUEST_ID_MAX)
		return (0);

	return (strspn(id, "0123456789abcdefABCDEF-") == len);
}

/* Writes 32 lowercase hex digits (128 random bits) into buf. */
void
request_id_generate(char *buf, size_t len)
{
	unsigned char	raw[16];

	if (len < sizeof(raw) * 2 + 1) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}

	randombytes_buf(raw, sizeof(raw));
	(void)sodium_bin2hex(buf, len, raw, sizeof(raw));
}
