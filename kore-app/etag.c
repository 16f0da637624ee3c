/*
 * Strong entity tags and If-None-Match (pure). Content is cached on phones
 * and revalidated often over slow links, so a 304 must be exact: the tag is
 * a hash of the bytes served, and If-None-Match is read as RFC 9110 says
 * (a list, "*", and weak tags compared weakly, which GET allows).
 */

#include <string.h>

#include <sodium.h>

#include "handbook.h"

/* Writes "\"<32 hex digits>\"" for data into buf (at least 35 bytes). */
void
etag_of(const void *data, size_t len, char *buf, size_t buflen)
{
	unsigned char	hash[16];

	if (buflen < sizeof(hash) * 2 + 3) {
		if (buflen > 0)
			buf[0] = '\0';
		return;
	}

	crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
	buf[0] = '"';
	(void)sodium_bin2hex(buf + 1, buflen - 1, hash, sizeof(hash));
	buf[sizeof(hash) * 2 + 1] = '"';
	buf[sizeof(hash) * 2 + 2] = '\0';
}

/* True when the If-None-Match header value names etag (or is "*"). */
int
etag_matches(const char *header, const char *etag)
{
	const char	*p, *end;
	size_t		elen, len;

	elen = strlen(etag);
	p = header;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return (0);
		if (*p == '*')
			return (1);
		if (!strncmp(p, "W/", 2))
			p += 2;

		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;

		if (len == elen && !memcmp(p, etag, elen))
			return (1);
		p = end;
	}
}
