/*
 * What the service accepts as a new password (pure). Length is what
 * matters against guessing (NIST SP 800-63B): at least 8 characters,
 * counted as Unicode code points so that a Vietnamese or Khmer passphrase
 * is measured as its owner sees it; at most 256, because every byte goes
 * through Argon2id. A password that is one character repeated is refused;
 * no other composition rules, which only push people to write passwords
 * down.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

static int	one_character_repeated(const char *);

/* 1 when pw is acceptable; else 0 with err filled (422 weak_password). */
int
password_acceptable(const char *pw, struct hb_error *err)
{
	size_t		n;

	n = utf8_code_points(pw);
	if (n < HB_PASSWORD_MIN || n > HB_PASSWORD_MAX) {
		err->status = 422;
		err->code = "weak_password";
		(void)snprintf(err->message, sizeof(err->message),
		    "A password has %d to %d characters.", HB_PASSWORD_MIN,
		    HB_PASSWORD_MAX);
		return (0);
	}

	if (one_character_repeated(pw)) {
		err->status = 422;
		err->code = "weak_password";
		(void)snprintf(err->message, sizeof(err->message),
		    "A password cannot be one character repeated.");
		return (0);
	}

	return (1);
}

/*
 * True when s is one character, however many bytes it takes in UTF-8,
 * written again and again ("ăăăăăăăă" as much as "aaaaaaaa").
 */
static int
one_character_repeated(const char *s)
{
	size_t		clen, len, i;

	len = strlen(s);
	if (len == 0)
		return (0);
	for (clen = 1; clen < len && ((unsigned char)s[clen] & 0xc0) == 0x80;
	    clen++)
		;
	if (len % clen != 0)
		return (0);
	for (i = clen; i < len; i += clen) {
		if (memcmp(s, s + i, clen) != 0)
			return (0);
	}

	return (1);
}
