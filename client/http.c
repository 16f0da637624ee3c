/*
 * http.c: HTTP/1.1 as the library speaks it, apart from any socket so
 * that the unit tests can feed it bytes. The writer makes a request head
 * (always with Host and Content-Length, never chunked: our bodies are
 * small JSON). The parser reads one response through a hb_reader: the
 * status line, the headers the library uses (Content-Length,
 * Transfer-Encoding, Connection, ETag, Retry-After, Content-Type), and
 * the body by Content-Length, chunked coding or up to the end of the
 * stream, refusing anything malformed or above a cap (a hostile or broken
 * server must not make a phone allocate without bound). Header names are
 * case-insensitive; obsolete line folding and conflicting lengths are
 * refused, as RFC 9112 says a client should.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client_internal.h"

static enum hb_status	read_line(struct hb_reader *, char *, size_t,
			    const char **);
static enum hb_status	read_exact(struct hb_reader *, unsigned char *,
			    size_t, const char **);
static enum hb_status	read_body(struct hb_reader *, struct hb_response *,
			    int64_t, int, size_t, const char **);
static int		parse_size(const char *, int, uint64_t *);
static enum hb_status	reserve(struct hb_response *, size_t *, size_t,
			    const char **);

void
hb_reader_init(struct hb_reader *r,
    ssize_t (*fn)(void *, void *, size_t, enum hb_status *), void *arg)
{
	r->read = fn;
	r->arg = arg;
	r->pos = r->len = 0;
	r->consumed = 0;
}

void
hb_response_clear(struct hb_response *resp)
{
	free(resp->etag);
	free(resp->content_type);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
}

/* Fills the buffer when empty. HB_OK with r->len == r->pos: end of stream. */
static enum hb_status
fill(struct hb_reader *r, const char **why)
{
	enum hb_status	st = HB_ERR_NETWORK;
	ssize_t		n;

	if (r->pos < r->len)
		return (HB_OK);
	r->pos = r->len = 0;
	n = r->read(r->arg, r->buf, sizeof(r->buf), &st);
	if (n < 0) {
		*why = "the connection failed while receiving";
		return (st);
	}
	r->len = (size_t)n;
	return (HB_OK);
}

static enum hb_status
read_line(struct hb_reader *r, char *line, size_t cap, const char **why)
{
	enum hb_status	st;
	size_t		n = 0;
	int		ch;

	for (;;) {
		if ((st = fill(r, why)) != HB_OK)
			return (st);
		if (r->pos == r->len) {
			*why = "the server closed the connection mid-answer";
			return (HB_ERR_NETWORK);
		}
		ch = r->buf[r->pos++];
		r->consumed++;
		if (ch == '\n')
			break;
		if (n + 1 >= cap) {
			*why = "a header line is too long";
			return (HB_ERR_PROTOCOL);
		}
		line[n++] = (char)ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	if (memchr(line, '\0', n) != NULL) {
		*why = "a NUL byte in the answer's head";
		return (HB_ERR_PROTOCOL);
	}
	return (HB_OK);
}

static enum hb_status
read_exact(struct hb_reader *r, unsigned char *out, size_t len,
    const char **why)
{
	enum hb_status	st;
	size_t		take;

	while (len > 0) {
		if ((st = fill(r, why)) != HB_OK)
			return (st);
		if (r->pos == r->len) {
			*why = "the server closed the connection mid-body";
			return (HB_ERR_NETWORK);
		}
		take = r->len - r->pos;
		if (take > len)
			take = len;
		memcpy(out, r->buf + r->pos, take);
		r->pos += take;
		r->consumed += take;
		out += take;
		len -= take;
	}
	return (HB_OK);
}

/* Decimal (or hex for chunk sizes), digits only, bounded. */
static int
parse_size(const char *s, int hex, uint64_t *out)
{
	uint64_t	v = 0;
	int		d, n = 0;

	for (; *s != '\0'; s++, n++) {
		if (hex && isxdigit((unsigned char)*s))
			d = isdigit((unsigned char)*s) ? *s - '0' :
			    (tolower((unsigned char)*s) - 'a' + 10);
		else if (!hex && isdigit((unsigned char)*s))
			d = *s - '0';
		else
			return (-1);
		if (n >= 15)
			return (-1);
		v = v * (hex ? 16 : 10) + (uint64_t)d;
	}
	if (n == 0)
		return (-1);
	*out = v;
	return (0);
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return (s);
}

/* Room for n more bytes and a final NUL (the caller checked the cap). */
static enum hb_status
reserve(struct hb_response *resp, size_t *cap, size_t n, const char **why)
{
	unsigned char	*nb;
	size_t		 want;

	if (resp->body != NULL && resp->body_len + n + 1 <= *cap)
		return (HB_OK);
	want = *cap ? *cap : 4096;
	while (want < resp->body_len + n + 1)
		want *= 2;
	if ((nb = realloc(resp->body, want)) == NULL) {
		*why = "out of memory";
		return (HB_ERR_MEMORY);
	}
	resp->body = nb;
	*cap = want;
	resp->body[resp->body_len] = '\0';
	return (HB_OK);
}

/* Appends bytes, keeping room for a final NUL. */
static enum hb_status
body_append(struct hb_response *resp, size_t *cap, const unsigned char *p,
    size_t n, size_t max_body, const char **why)
{
	enum hb_status	 st;

	if (resp->body_len + n > max_body) {
		*why = "the answer is larger than the library accepts";
		return (HB_ERR_PROTOCOL);
	}
	if ((st = reserve(resp, cap, n, why)) != HB_OK)
		return (st);
	memcpy(resp->body + resp->body_len, p, n);
	resp->body_len += n;
	resp->body[resp->body_len] = '\0';
	return (HB_OK);
}

static enum hb_status
read_body(struct hb_reader *r, struct hb_response *resp, int64_t clen,
    int chunked, size_t max_body, const char **why)
{
	enum hb_status	st;
	char		line[HB_LINE_MAX], *semi;
	uint64_t	size;
	size_t		cap = 0, take;

	if (chunked) {
		for (;;) {
			if ((st = read_line(r, line, sizeof(line), why)) != HB_OK)
				return (st);
			/* Chunk extensions are allowed and ignored. */
			if ((semi = strchr(line, ';')) != NULL)
				*semi = '\0';
			if (parse_size(trim(line), 1, &size) != 0) {
				*why = "a malformed chunk size";
				return (HB_ERR_PROTOCOL);
			}
			if (size == 0)
				break;
			if (size > max_body || resp->body_len + size > max_body) {
				*why = "the answer is larger than the library accepts";
				return (HB_ERR_PROTOCOL);
			}
			if ((st = reserve(resp, &cap, size, why)) != HB_OK)
				return (st);
			if ((st = read_exact(r, resp->body + resp->body_len,
			    size, why)) != HB_OK)
				return (st);
			resp->body_len += size;
			resp->body[resp->body_len] = '\0';
			if ((st = read_line(r, line, sizeof(line), why)) != HB_OK)
				return (st);
			if (line[0] != '\0') {
				*why = "a chunk is longer than its size";
				return (HB_ERR_PROTOCOL);
			}
		}
		/* Trailers, up to the empty line. */
		do {
			if ((st = read_line(r, line, sizeof(line), why)) != HB_OK)
				return (st);
		} while (line[0] != '\0');
		return (reserve(resp, &cap, 0, why));
	}
	if (clen >= 0) {
		if ((uint64_t)clen > max_body) {
			*why = "the answer is larger than the library accepts";
			return (HB_ERR_PROTOCOL);
		}
		if ((resp->body = malloc((size_t)clen + 1)) == NULL) {
			*why = "out of memory";
			return (HB_ERR_MEMORY);
		}
		if ((st = read_exact(r, resp->body, (size_t)clen, why)) != HB_OK)
			return (st);
		resp->body_len = (size_t)clen;
		resp->body[clen] = '\0';
		return (HB_OK);
	}
	/* Neither: the body runs to the end of the stream. */
	resp->keep_alive = 0;
	for (;;) {
		if ((st = fill(r, why)) != HB_OK)
			return (st);
		if (r->pos == r->len)
			break;
		take = r->len - r->pos;
		if ((st = body_append(resp, &cap, r->buf + r->pos, take,
		    max_body, why)) != HB_OK)
			return (st);
		r->pos += take;
		r->consumed += take;
	}
	return (reserve(resp, &cap, 0, why));
}

enum hb_status
hb_http_read_response(struct hb_reader *r, int head, size_t max_body,
    struct hb_response *resp, const char **why)
{
	enum hb_status	st;
	char		line[HB_LINE_MAX], *colon, *name, *value;
	uint64_t	v;
	int64_t		clen = -1;
	int		chunked = 0, minor, status, n = 0;
	char		sp;

	hb_response_clear(resp);
	*why = "";
	/* A 1xx answer (100 Continue) is skipped: we never ask for one. */
	do {
		if ((st = read_line(r, line, sizeof(line), why)) != HB_OK)
			return (st);
		if (sscanf(line, "HTTP/1.%1d %3d%c", &minor, &status, &sp) < 2 ||
		    strncmp(line, "HTTP/1.", 7) != 0 || status < 100 ||
		    status > 599 || (strlen(line) > 12 && line[12] != ' ') ||
		    !isdigit((unsigned char)line[9]) ||
		    !isdigit((unsigned char)line[10]) ||
		    !isdigit((unsigned char)line[11])) {
			*why = "a malformed status line";
			return (HB_ERR_PROTOCOL);
		}
		resp->status = status;
		resp->keep_alive = minor >= 1;
		for (;;) {
			if ((st = read_line(r, line, sizeof(line), why)) != HB_OK)
				return (st);
			if (line[0] == '\0')
				break;
			if (++n > 100) {
				*why = "too many header lines";
				return (HB_ERR_PROTOCOL);
			}
			if (line[0] == ' ' || line[0] == '\t' ||
			    (colon = strchr(line, ':')) == NULL ||
			    colon == line) {
				*why = "a malformed header line";
				return (HB_ERR_PROTOCOL);
			}
			*colon = '\0';
			name = line;
			if (strpbrk(name, " \t") != NULL) {
				*why = "a malformed header name";
				return (HB_ERR_PROTOCOL);
			}
			value = trim(colon + 1);
			if (strcasecmp(name, "Content-Length") == 0) {
				if (parse_size(value, 0, &v) != 0 ||
				    (clen >= 0 && (uint64_t)clen != v)) {
					*why = "a malformed Content-Length";
					return (HB_ERR_PROTOCOL);
				}
				clen = (int64_t)v;
			} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
				if (strcasecmp(value, "chunked") != 0) {
					*why = "a transfer coding other than chunked";
					return (HB_ERR_PROTOCOL);
				}
				chunked = 1;
			} else if (strcasecmp(name, "Connection") == 0) {
				if (strcasestr(value, "close") != NULL)
					resp->keep_alive = 0;
				else if (strcasestr(value, "keep-alive") != NULL)
					resp->keep_alive = 1;
			} else if (strcasecmp(name, "ETag") == 0) {
				free(resp->etag);
				if ((resp->etag = strdup(value)) == NULL)
					return (HB_ERR_MEMORY);
			} else if (strcasecmp(name, "Content-Type") == 0) {
				free(resp->content_type);
				if ((resp->content_type = strdup(value)) == NULL)
					return (HB_ERR_MEMORY);
			} else if (strcasecmp(name, "Retry-After") == 0) {
				resp->retry_after = hb_http_retry_after(value,
				    (int64_t)time(NULL));
			}
		}
	} while (resp->status >= 100 && resp->status < 200);

	/* RFC 9112 6.1: chunked wins, and the framing cannot be trusted. */
	if (chunked && clen >= 0) {
		*why = "both Content-Length and chunked";
		return (HB_ERR_PROTOCOL);
	}
	if (head || resp->status == 204 || resp->status == 304) {
		if ((resp->body = calloc(1, 1)) == NULL)
			return (HB_ERR_MEMORY);
		return (HB_OK);
	}
	return (read_body(r, resp, clen, chunked, max_body, why));
}

char *
hb_http_request_head(const char *method, const char *host,
    const char *target, const char *user_agent, const char *token,
    const char *content_type, size_t body_len, const char *if_none_match,
    size_t *len)
{
	char	*out = NULL;
	size_t	 size = 0;
	FILE	*f;

	if ((f = open_memstream(&out, &size)) == NULL)
		return (NULL);
	fprintf(f, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
	    "Accept: application/json\r\n", method, target, host, user_agent);
	if (token != NULL)
		fprintf(f, "Authorization: Bearer %s\r\n", token);
	if (if_none_match != NULL)
		fprintf(f, "If-None-Match: %s\r\n", if_none_match);
	if (content_type != NULL)
		fprintf(f, "Content-Type: %s\r\n", content_type);
	if (body_len > 0 || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0)
		fprintf(f, "Content-Length: %zu\r\n", body_len);
	fputs("\r\n", f);
	if (fclose(f) != 0) {
		free(out);
		return (NULL);
	}
	*len = size;
	return (out);
}

int
hb_http_retry_after(const char *value, int64_t now)
{
	struct tm	tm;
	uint64_t	v;
	const char	*end;
	time_t		at;

	if (parse_size(value, 0, &v) == 0)
		return (v > 86400 ? 86400 : (int)v);
	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return (-1);
	at = timegm(&tm);
	if ((int64_t)at <= now)
		return (0);
	return ((int64_t)at - now > 86400 ? 86400 : (int)((int64_t)at - now));
}
