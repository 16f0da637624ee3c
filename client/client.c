/*
 * client.c: the client object, its errors, one request with the retry
 * policy, and the session calls (log in, token, log out). Everything a
 * call needs lives in struct hb_client, so two clients in one process
 * never meet. A request goes over the kept-alive connection when there is
 * one; an idle connection the server closed (HAProxy drops them after
 * 10 s) is noticed before writing, and a request that dies on a reused
 * connection before any answer byte came is sent once more on a fresh
 * one, whatever its method: the server closed the connection between
 * requests and never saw it. Other failures follow the retry rules of
 * handbook_client.h: only what is safe to repeat is repeated.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "client_internal.h"

static ssize_t	reader_tls(void *, void *, size_t, enum hb_status *);
static int	parse_url(struct hb_client *, const char *);
static void	server_error(struct hb_client *);

const char *
hb_status_text(enum hb_status st)
{
	switch (st) {
	case HB_OK:			return ("ok");
	case HB_ERR_ARGUMENT:		return ("invalid argument");
	case HB_ERR_MEMORY:		return ("out of memory");
	case HB_ERR_NETWORK:		return ("network failure");
	case HB_ERR_TIMEOUT:		return ("timed out");
	case HB_ERR_TLS:		return ("TLS handshake failed");
	case HB_ERR_CERTIFICATE:	return ("certificate refused");
	case HB_ERR_PROTOCOL:		return ("malformed answer");
	case HB_ERR_UNAUTHORIZED:	return ("not logged in");
	case HB_ERR_REFUSED:		return ("refused by the server");
	case HB_ERR_UNAVAILABLE:	return ("service unavailable");
	case HB_ERR_SIGNATURE:		return ("signature or hash does not verify");
	case HB_ERR_NOT_MODIFIED:	return ("not modified");
	case HB_ERR_JOURNAL:		return ("journal damaged or unwritable");
	case HB_ERR_LOCKED:		return ("journal in use by another process");
	}
	return ("unknown status");
}

void
hb_config_init(struct hb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->connect_timeout_ms = 10000;
	cfg->io_timeout_ms = 30000;
	cfg->max_attempts = 4;
	cfg->backoff_base_ms = 500;
	cfg->backoff_max_ms = 30000;
	cfg->user_agent = "handbook-client/1";
}

/* "https://host[:port][/]", host a name or [IPv6]. */
static int
parse_url(struct hb_client *c, const char *url)
{
	const char	*h, *end, *colon;
	size_t		 hlen, len;

	if (strncmp(url, "https://", 8) != 0)
		return (-1);
	h = url + 8;
	len = strlen(h);
	if (len > 0 && h[len - 1] == '/')
		len--;
	if (len == 0 || memchr(h, '/', len) != NULL ||
	    strcspn(h, " \t\r\n?#@") < len)
		return (-1);
	if (h[0] == '[') {
		if ((end = memchr(h, ']', len)) == NULL)
			return (-1);
		hlen = (size_t)(end - h - 1);
		c->host = strndup(h + 1, hlen);
		colon = end + 1 < h + len && end[1] == ':' ? end + 1 : NULL;
		if (colon == NULL && end + 1 != h + len)
			return (-1);
	} else {
		colon = memchr(h, ':', len);
		hlen = colon ? (size_t)(colon - h) : len;
		c->host = strndup(h, hlen);
	}
	if (colon != NULL) {
		c->port = strndup(colon + 1, (size_t)(h + len - colon - 1));
		if (c->port == NULL || c->port[0] == '\0' ||
		    strspn(c->port, "0123456789") != strlen(c->port) ||
		    strlen(c->port) > 5)
			return (-1);
	} else
		c->port = strdup("443");
	c->host_header = strndup(h, len);
	if (c->host == NULL || c->port == NULL || c->host_header == NULL ||
	    c->host[0] == '\0')
		return (-1);
	return (0);
}

struct hb_client *
hb_client_new(const struct hb_config *cfg)
{
	struct hb_client *c;
	unsigned char	 pin[32];
	size_t		 pinlen;
	int		 have_pin = 0;

	if (cfg == NULL || cfg->base_url == NULL)
		return (NULL);
	if (sodium_init() < 0)
		return (NULL);
	if (cfg->pin_sha256 != NULL) {
		if (sodium_base642bin(pin, sizeof(pin), cfg->pin_sha256,
		    strlen(cfg->pin_sha256), NULL, &pinlen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    pinlen != sizeof(pin))
			return (NULL);
		have_pin = 1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->tls.fd = -1;
	c->cfg = *cfg;
	if (c->cfg.connect_timeout_ms <= 0)
		c->cfg.connect_timeout_ms = 10000;
	if (c->cfg.io_timeout_ms <= 0)
		c->cfg.io_timeout_ms = 30000;
	if (c->cfg.max_attempts <= 0)
		c->cfg.max_attempts = 1;
	c->base_url = strdup(cfg->base_url);
	c->ca_file = cfg->ca_file ? strdup(cfg->ca_file) : NULL;
	c->user_agent = strdup(cfg->user_agent ? cfg->user_agent :
	    "handbook-client/1");
	c->resp.retry_after = -1;
	if (c->base_url == NULL || c->user_agent == NULL ||
	    (cfg->ca_file != NULL && c->ca_file == NULL) ||
	    parse_url(c, cfg->base_url) != 0 ||
	    strpbrk(c->user_agent, "\r\n") != NULL) {
		hb_client_free(c);
		return (NULL);
	}
	c->cfg.base_url = c->base_url;
	c->cfg.ca_file = c->ca_file;
	c->cfg.user_agent = c->user_agent;
	c->cfg.pin_sha256 = NULL;
	/* The CA check applies unless a pin alone was given. */
	c->tls_ready = 1;	/* hb_tls_init initialises before it can fail */
	if (hb_tls_init(&c->tls, c->ca_file, have_pin ? pin : NULL,
	    !have_pin || c->ca_file != NULL) != HB_OK) {
		hb_client_free(c);
		return (NULL);
	}
	return (c);
}

void
hb_client_free(struct hb_client *c)
{
	if (c == NULL)
		return;
	if (c->tls_ready)
		hb_tls_cleanup(&c->tls);
	hb_response_clear(&c->resp);
	if (c->token != NULL) {
		sodium_memzero(c->token, strlen(c->token));
		free(c->token);
	}
	free(c->base_url);
	free(c->ca_file);
	free(c->user_agent);
	free(c->host);
	free(c->port);
	free(c->host_header);
	free(c);
}

const char *
hb_client_error(const struct hb_client *c)
{
	return (c->error);
}

int
hb_client_http_status(const struct hb_client *c)
{
	return (c->http_status);
}

const char *
hb_client_error_code(const struct hb_client *c)
{
	return (c->error_code);
}

void
hb_clear_error(struct hb_client *c)
{
	c->error[0] = '\0';
	c->error_code[0] = '\0';
	c->http_status = 0;
}

enum hb_status
hb_fail(struct hb_client *c, enum hb_status st, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return (st);
}

static ssize_t
reader_tls(void *arg, void *buf, size_t len, enum hb_status *st)
{
	return (hb_tls_read(arg, buf, len, st));
}

/* The server's {"error":{"code","message"}}, when the body is one. */
static void
server_error(struct hb_client *c)
{
	json_t		*root;
	const char	*code = NULL, *msg = NULL;

	root = json_loadb((const char *)c->resp.body, c->resp.body_len, 0,
	    NULL);
	if (root != NULL)
		(void)json_unpack(root, "{s:{s?s,s?s}}", "error", "code",
		    &code, "message", &msg);
	snprintf(c->error_code, sizeof(c->error_code), "%s",
	    code ? code : "");
	snprintf(c->error, sizeof(c->error), "HTTP %d%s%s", c->resp.status,
	    msg ? ": " : "", msg ? msg : "");
	json_decref(root);
}

/*
 * One exchange on the connection. *fresh_retry is set when the request
 * died on a reused connection before any answer byte: send it again.
 */
static enum hb_status
exchange(struct hb_client *c, const char *method, const char *head,
    size_t head_len, const char *body, size_t body_len, int *fresh_retry)
{
	enum hb_status	st;
	const char	*why;
	int		reused;

	*fresh_retry = 0;
	/*
	 * Bytes left over from the last answer mean the server said more
	 * than it framed: nothing on that connection can be trusted.
	 */
	if (c->tls.connected && (hb_tls_stale(&c->tls) ||
	    c->reader.pos < c->reader.len))
		hb_tls_close(&c->tls);
	if (!c->tls.connected) {
		st = hb_tls_connect(&c->tls, c->host, c->port,
		    c->cfg.connect_timeout_ms, c->cfg.io_timeout_ms);
		if (st != HB_OK)
			return (hb_fail(c, st, "%s", c->tls.err));
		hb_reader_init(&c->reader, reader_tls, &c->tls);
	}
	reused = c->tls.used;
	c->reader.consumed = 0;
	if ((st = hb_tls_write(&c->tls, head, head_len)) != HB_OK ||
	    (body_len > 0 &&
	    (st = hb_tls_write(&c->tls, body, body_len)) != HB_OK)) {
		hb_fail(c, st, "%s", c->tls.err);
		hb_tls_close(&c->tls);
		*fresh_retry = reused;
		return (st);
	}
	st = hb_http_read_response(&c->reader, strcmp(method, "HEAD") == 0,
	    HB_BODY_MAX, &c->resp, &why);
	if (st != HB_OK) {
		hb_fail(c, st, "%s%s%s", why,
		    st == HB_ERR_TIMEOUT || st == HB_ERR_NETWORK ? ": " : "",
		    st == HB_ERR_TIMEOUT || st == HB_ERR_NETWORK ?
		    c->tls.err : "");
		*fresh_retry = reused && c->reader.consumed == 0 &&
		    st == HB_ERR_NETWORK;
		hb_tls_close(&c->tls);
		return (st);
	}
	if (!c->resp.keep_alive)
		hb_tls_close(&c->tls);
	return (HB_OK);
}

enum hb_status
hb_request(struct hb_client *c, const char *method, const char *target,
    const char *body, size_t body_len, const char *if_none_match, int flags)
{
	enum hb_status	st;
	char		*head;
	size_t		 head_len;
	int		 attempt, fresh, status, wait, stale_tries = 0;

	hb_clear_error(c);
	if ((flags & HB_REQ_AUTH) && c->token == NULL)
		return (hb_fail(c, HB_ERR_UNAUTHORIZED, "not logged in"));
	head = hb_http_request_head(method, c->host_header, target,
	    c->user_agent, (flags & HB_REQ_AUTH) ? c->token : NULL,
	    body != NULL ? "application/json" : NULL, body_len, if_none_match,
	    &head_len);
	if (head == NULL)
		return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));

	for (attempt = 1;; attempt++) {
		st = exchange(c, method, head, head_len, body, body_len, &fresh);
		if (st != HB_OK && fresh && stale_tries++ < 2) {
			/* Not an attempt: the server never saw it. */
			attempt--;
			continue;
		}
		wait = -1;
		if (st == HB_OK) {
			status = c->resp.status;
			c->http_status = status;
			if (status >= 200 && status < 300)
				break;
			if (status == 304) {
				st = HB_ERR_NOT_MODIFIED;
				snprintf(c->error, sizeof(c->error),
				    "HTTP 304: not modified");
				break;
			}
			server_error(c);
			if (status == 401) {
				st = HB_ERR_UNAUTHORIZED;
				break;
			}
			if (status < 500) {
				st = HB_ERR_REFUSED;
				break;
			}
			st = HB_ERR_UNAVAILABLE;
			if (status != 502 && status != 503 && status != 504)
				break;
			wait = c->resp.retry_after;
		} else if (st != HB_ERR_NETWORK && st != HB_ERR_TIMEOUT)
			break;	/* TLS, certificate, protocol: not transient */
		if (!(flags & HB_REQ_RETRY) || attempt >= c->cfg.max_attempts)
			break;
		hb_sleep_ms(hb_backoff_ms(attempt, c->cfg.backoff_base_ms,
		    c->cfg.backoff_max_ms, wait));
	}
	free(head);
	return (st);
}

enum hb_status
hb_login(struct hb_client *c, const char *login, const char *password)
{
	json_t		*req, *root;
	const char	*token;
	char		*body;
	size_t		 len;
	enum hb_status	 st;

	if (c == NULL || login == NULL || password == NULL)
		return (HB_ERR_ARGUMENT);
	hb_clear_error(c);
	req = json_pack("{s:s,s:s}", "login", login, "password", password);
	if (req == NULL)
		return (hb_fail(c, HB_ERR_ARGUMENT,
		    "login and password must be UTF-8"));
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (body == NULL)
		return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
	len = strlen(body);
	/*
	 * Retried on the network and on 502/503/504 only (the service says
	 * when the database is back); a 4xx is an answer, never repeated: the
	 * server throttles failed logins. A repeat after a lost answer at
	 * worst opens a second session.
	 */
	st = hb_request(c, "POST", "/api/v1/auth/login", body, len, NULL,
	    HB_REQ_RETRY);
	sodium_memzero(body, len);
	free(body);
	if (st != HB_OK)
		return (st);
	root = json_loadb((const char *)c->resp.body, c->resp.body_len, 0,
	    NULL);
	if (root == NULL || json_unpack(root, "{s:s}", "token", &token) != 0) {
		json_decref(root);
		return (hb_fail(c, HB_ERR_PROTOCOL,
		    "the login answer has no token"));
	}
	st = hb_set_token(c, token);
	json_decref(root);
	/* The answer held the token: do not keep it around. */
	sodium_memzero(c->resp.body, c->resp.body_len);
	return (st);
}

enum hb_status
hb_set_token(struct hb_client *c, const char *token)
{
	char	*copy = NULL;

	if (c == NULL)
		return (HB_ERR_ARGUMENT);
	if (token != NULL) {
		/* It goes into a header line: printable ASCII only. */
		if (token[0] == '\0' || strlen(token) > 512)
			return (hb_fail(c, HB_ERR_ARGUMENT, "invalid token"));
		for (const char *p = token; *p != '\0'; p++)
			if (*p <= ' ' || *p > '~')
				return (hb_fail(c, HB_ERR_ARGUMENT,
				    "invalid token"));
		if ((copy = strdup(token)) == NULL)
			return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
	}
	if (c->token != NULL) {
		sodium_memzero(c->token, strlen(c->token));
		free(c->token);
	}
	c->token = copy;
	return (HB_OK);
}

const char *
hb_token(const struct hb_client *c)
{
	return (c->token);
}

enum hb_status
hb_logout(struct hb_client *c)
{
	enum hb_status	st;

	if (c == NULL)
		return (HB_ERR_ARGUMENT);
	if (c->token == NULL)
		return (HB_OK);
	/* Repeating a logout is harmless: retried like a GET. */
	st = hb_request(c, "POST", "/api/v1/auth/logout", "", 0, NULL,
	    HB_REQ_AUTH | HB_REQ_RETRY);
	/* A 401: the token was already dead. Forget it either way. */
	if (st == HB_OK || st == HB_ERR_UNAUTHORIZED) {
		hb_set_token(c, NULL);
		st = HB_OK;
	}
	return (st);
}
