/*
 * Unit tests for client/http.c and client/retry.c: the response parser
 * fed from memory in pieces of every size (Content-Length, chunked with
 * extensions and trailers, to the end of the stream, 204/304/HEAD without
 * a body), malformed or oversized answers refused, Retry-After read, the
 * request head written; and the backoff's bounds and jitter.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client_internal.h"

/* Serves a string in pieces of at most `step` bytes. */
struct mem {
	const char	*data;
	size_t		 len, off, step;
};

static ssize_t
mem_read(void *arg, void *buf, size_t len, enum hb_status *st)
{
	struct mem	*m = arg;
	size_t		 n = m->len - m->off;

	(void)st;
	if (n > len)
		n = len;
	if (n > m->step)
		n = m->step;
	memcpy(buf, m->data + m->off, n);
	m->off += n;
	return ((ssize_t)n);
}

static enum hb_status
parse(const char *text, size_t step, int head, size_t cap,
    struct hb_response *resp)
{
	static struct hb_reader r;
	struct mem	m = { text, strlen(text), 0, step };
	const char	*why;

	hb_reader_init(&r, mem_read, &m);
	return (hb_http_read_response(&r, head, cap, resp, &why));
}

static const size_t steps[] = { 1, 2, 7, 100, 1 << 20 };

static void
content_length(void **state)
{
	struct hb_response resp;
	size_t		 i;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(parse("HTTP/1.1 200 OK\r\n"
		    "content-length: 26\r\nETag: \"v3-km\"\r\n"
		    "Retry-After: 7\r\n"
		    "Content-Type: application/json\r\n\r\n"
		    "{\"t\":\"Nghị quyết ស\"}extra", steps[i], 0, 1024, &resp),
		    HB_OK);
		assert_int_equal(resp.status, 200);
		assert_int_equal(resp.body_len, 26);
		assert_string_equal((char *)resp.body,
		    "{\"t\":\"Nghị quyết ស\"}");
		assert_string_equal(resp.etag, "\"v3-km\"");
		assert_string_equal(resp.content_type, "application/json");
		assert_int_equal(resp.retry_after, 7);
		assert_true(resp.keep_alive);
	}
	hb_response_clear(&resp);
}

static void
chunked(void **state)
{
	struct hb_response resp;
	size_t		 i;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(parse("HTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
		    "5;name=value\r\nhello\r\n"
		    "A\r\n, chunked!\r\n"
		    "0\r\nX-Trailer: yes\r\n\r\n", steps[i], 0, 1024, &resp),
		    HB_OK);
		assert_int_equal(resp.body_len, 15);
		assert_string_equal((char *)resp.body, "hello, chunked!");
		assert_false(resp.keep_alive);
	}
	/* An empty chunked body. */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 3, 0, 1024, &resp),
	    HB_OK);
	assert_int_equal(resp.body_len, 0);
	assert_string_equal((char *)resp.body, "");
	hb_response_clear(&resp);
}

static void
to_the_end_and_no_body(void **state)
{
	struct hb_response resp;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	assert_int_equal(parse("HTTP/1.0 200 OK\r\n\r\nall of it", 4, 0, 1024,
	    &resp), HB_OK);
	assert_string_equal((char *)resp.body, "all of it");
	assert_false(resp.keep_alive);
	assert_int_equal(parse("HTTP/1.1 304 Not Modified\r\n"
	    "ETag: \"x\"\r\nContent-Length: 50\r\n\r\n", 5, 0, 1024, &resp),
	    HB_OK);
	assert_int_equal(resp.status, 304);
	assert_int_equal(resp.body_len, 0);
	assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", 5, 0, 1024,
	    &resp), HB_OK);
	assert_int_equal(resp.body_len, 0);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
	    5, 1, 1024, &resp), HB_OK);
	assert_int_equal(resp.body_len, 0);
	/* A 100 Continue before the answer is skipped. */
	assert_int_equal(parse("HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 3, 0, 1024,
	    &resp), HB_OK);
	assert_int_equal(resp.status, 201);
	assert_string_equal((char *)resp.body, "ok");
	hb_response_clear(&resp);
}

static void
malformed(void **state)
{
	struct hb_response resp;
	char		*big;
	size_t		 i;
	static const char *bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7D0\r\n",
	};

	(void)state;
	memset(&resp, 0, sizeof(resp));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], 3, 0, 1024, &resp) != HB_ERR_PROTOCOL)
			fail_msg("accepted: %s", bad[i]);
	}
	/* Over the cap without a length: to the end of the stream. */
	big = malloc(3000);
	assert_non_null(big);
	memset(big, 'x', 2999);
	big[2999] = '\0';
	memcpy(big, "HTTP/1.1 200 OK\r\n\r\n", 19);
	assert_int_equal(parse(big, 100, 0, 1024, &resp), HB_ERR_PROTOCOL);
	/* A header line longer than the library's line buffer. */
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(big + 20, 'y', 2900);
	big[2920] = '\0';
	{
		char	*huge = malloc(HB_LINE_MAX + 100);

		assert_non_null(huge);
		memcpy(huge, "HTTP/1.1 200 OK\r\nX: ", 20);
		memset(huge + 20, 'y', HB_LINE_MAX + 50);
		memcpy(huge + HB_LINE_MAX + 70, "\r\n\r\n", 5);
		assert_int_equal(parse(huge, 500, 0, 1024, &resp),
		    HB_ERR_PROTOCOL);
		free(huge);
	}
	free(big);
	hb_response_clear(&resp);
}

static void
truncated_is_a_network_error(void **state)
{
	struct hb_response resp;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
	    2, 0, 1024, &resp), HB_ERR_NETWORK);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\r\nab", 2, 0, 1024, &resp), HB_ERR_NETWORK);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Le", 2, 0, 1024,
	    &resp), HB_ERR_NETWORK);
	assert_int_equal(parse("", 2, 0, 1024, &resp), HB_ERR_NETWORK);
	hb_response_clear(&resp);
}

static void
retry_after(void **state)
{
	(void)state;
	assert_int_equal(hb_http_retry_after("120", 0), 120);
	assert_int_equal(hb_http_retry_after("0", 0), 0);
	assert_int_equal(hb_http_retry_after("999999999", 0), 86400);
	/* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example). */
	assert_int_equal(hb_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111777 - 30), 30);
	assert_int_equal(hb_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111777 + 30), 0);
	assert_int_equal(hb_http_retry_after("soon", 0), -1);
	assert_int_equal(hb_http_retry_after("-5", 0), -1);
	assert_int_equal(hb_http_retry_after("", 0), -1);
}

static void
request_head(void **state)
{
	char	*h;
	size_t	 len;

	(void)state;
	h = hb_http_request_head("POST", "localhost:8443", "/api/v1/events",
	    "handbook-client/1", "tok", "application/json", 12, NULL, &len);
	assert_non_null(h);
	assert_string_equal(h, "POST /api/v1/events HTTP/1.1\r\n"
	    "Host: localhost:8443\r\nUser-Agent: handbook-client/1\r\n"
	    "Accept: application/json\r\nAuthorization: Bearer tok\r\n"
	    "Content-Type: application/json\r\nContent-Length: 12\r\n\r\n");
	assert_int_equal(len, strlen(h));
	free(h);
	h = hb_http_request_head("GET", "h", "/k", "ua", NULL, NULL, 0,
	    "\"e\"", &len);
	assert_string_equal(h, "GET /k HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n"
	    "Accept: application/json\r\nIf-None-Match: \"e\"\r\n\r\n");
	free(h);
}

static void
backoff_bounds_and_jitter(void **state)
{
	int	attempt, i, w, bound, lo, hi;

	(void)state;
	for (attempt = 1; attempt <= 12; attempt++) {
		bound = 500 << (attempt - 1 > 10 ? 10 : attempt - 1);
		if (bound > 30000)
			bound = 30000;
		lo = bound;
		hi = 0;
		for (i = 0; i < 2000; i++) {
			w = hb_backoff_ms(attempt, 500, 30000, -1);
			assert_true(w >= 0 && w <= bound);
			if (w < lo)
				lo = w;
			if (w > hi)
				hi = w;
		}
		/* Full jitter: the draws spread over the whole window. */
		assert_true(lo < bound / 10);
		assert_true(hi > bound * 9 / 10);
	}
	/* Retry-After is a floor, capped by the maximum. */
	for (i = 0; i < 200; i++) {
		w = hb_backoff_ms(1, 500, 30000, 5);
		assert_true(w >= 5000 && w <= 30000);
		assert_int_equal(hb_backoff_ms(1, 500, 30000, 100), 30000);
	}
	assert_int_equal(hb_backoff_ms(3, 0, 0, -1), 0);
}

static void
client_config(void **state)
{
	struct hb_config cfg;
	struct hb_client *c;
	static const char *bad_urls[] = {
		"http://localhost:8443", "https://", "https://host/api",
		"https://host:", "https://host:84x3", "https://host:123456",
		"https://[::1", "https://us er@host", "localhost:8443",
	};
	size_t		 i;

	(void)state;
	hb_config_init(&cfg);
	assert_int_equal(cfg.connect_timeout_ms, 10000);
	assert_int_equal(cfg.max_attempts, 4);
	assert_null(hb_client_new(&cfg));		/* no base_url */
	for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		cfg.base_url = bad_urls[i];
		if ((c = hb_client_new(&cfg)) != NULL) {
			hb_client_free(c);
			fail_msg("accepted %s", bad_urls[i]);
		}
	}
	cfg.base_url = "https://localhost:8443/";
	cfg.pin_sha256 = "not base64 at all";
	assert_null(hb_client_new(&cfg));
	cfg.pin_sha256 = "AAAA";			/* 3 bytes, not 32 */
	assert_null(hb_client_new(&cfg));
	cfg.pin_sha256 = NULL;
	cfg.ca_file = "/nonexistent/ca.pem";
	assert_null(hb_client_new(&cfg));
	/* The system store; then a pin alone; then [IPv6]:port. */
	cfg.ca_file = NULL;
	c = hb_client_new(&cfg);
	assert_non_null(c);
	assert_string_equal(c->host, "localhost");
	assert_string_equal(c->port, "8443");
	assert_string_equal(c->host_header, "localhost:8443");
	assert_null(hb_token(c));
	assert_int_equal(hb_set_token(c, "bad token"), HB_ERR_ARGUMENT);
	assert_int_equal(hb_set_token(c, "abc_DEF-123"), HB_OK);
	assert_string_equal(hb_token(c), "abc_DEF-123");
	/* Not connected, no token needed: nothing is sent. */
	assert_int_equal(hb_set_token(c, NULL), HB_OK);
	assert_int_equal(hb_logout(c), HB_OK);
	hb_client_free(c);
	cfg.pin_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
	cfg.base_url = "https://[::1]:9443";
	c = hb_client_new(&cfg);
	assert_non_null(c);
	assert_string_equal(c->host, "::1");
	assert_string_equal(c->port, "9443");
	assert_false(c->tls.verify_ca);
	hb_client_free(c);
	cfg.base_url = "https://example.org";
	cfg.pin_sha256 = NULL;
	c = hb_client_new(&cfg);
	assert_non_null(c);
	assert_string_equal(c->port, "443");
	assert_true(c->tls.verify_ca);
	hb_client_free(c);
	assert_string_equal(hb_status_text(HB_ERR_CERTIFICATE),
	    "certificate refused");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(content_length),
		cmocka_unit_test(chunked),
		cmocka_unit_test(to_the_end_and_no_body),
		cmocka_unit_test(malformed),
		cmocka_unit_test(truncated_is_a_network_error),
		cmocka_unit_test(retry_after),
		cmocka_unit_test(request_head),
		cmocka_unit_test(backoff_bounds_and_jitter),
		cmocka_unit_test(client_config),
	};

	return (cmocka_run_group_tests_name("client_http", tests, NULL, NULL));
}
