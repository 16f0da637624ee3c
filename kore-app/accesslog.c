/*
 * One access-log line per request, written when the response is sent:
 * request id, client, method, path, status, duration in microseconds and
 * the member when known. Never the query string, headers or body: they can
 * hold tokens, passwords, search terms and note text. This file only
 * formats (pure, so tests/unit/ can check the escaping); reply.c writes the
 * line when it sends the response.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

static size_t	escape(char *, size_t, const char *);

/*
 * Formats the line into buf; returns 0 when it did not fit (the line is
 * then cut, still terminated).
 */
int
accesslog_format(char *buf, size_t len, const char *method, const char *path,
    int status, u_int64_t duration_us, int64_t member_id, const char *rid,
    const char *client)
{
	char		epath[512], member[24];
	int		n;

	(void)escape(epath, sizeof(epath), path);

	if (member_id > 0)
		(void)snprintf(member, sizeof(member), "%lld",
		    (long long)member_id);
	else
		(void)snprintf(member, sizeof(member), "-");

	n = snprintf(buf, len,
	    "access rid=%s client=%s method=%s path=%s status=%d us=%llu "
	    "member=%s", rid, client, method, epath, status,
	    (unsigned long long)duration_us, member);

	return (n >= 0 && (size_t)n < len);
}

/*
 * Copies s into buf, percent-encoding everything but printable ASCII other
 * than space, '%' and '"', so that one request stays one line and a field
 * cannot be forged from inside a path. Long paths are cut with "...".
 */
static size_t
escape(char *buf, size_t len, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			off;
	unsigned char		ch;

	off = 0;
	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if (ch > 0x20 && ch < 0x7f && ch != '%' && ch != '"') {
			if (off + 1 >= len - 3)
				break;
			buf[off++] = (char)ch;
		} else {
			if (off + 3 >= len - 3)
				break;
			buf[off++] = '%';
			buf[off++] = hex[ch >> 4];
			buf[off++] = hex[ch & 0x0f];
		}
	}

	if (*s != '\0') {
		memcpy(buf + off, "...", 3);
		off += 3;
	}
	buf[off] = '\0';

	return (off);
}
