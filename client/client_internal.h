/*
 * client_internal.h: what the files of the client library share and the
 * caller never sees (the public manual is handbook_client.h). It is the
 * map of client/: every function one file exports to the others, under
 * the file's name. The pure parts (the HTTP parser over a reader, the
 * backoff, the journal's line format) are declared here so that the unit
 * tests can reach them without a network.
 */

#ifndef HANDBOOK_CLIENT_INTERNAL_H
#define HANDBOOK_CLIENT_INTERNAL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "handbook_client.h"

/* The largest response body the library accepts (a bundle, a picture). */
#define HB_BODY_MAX		(64u * 1024 * 1024)
/* The longest status line or header line. */
#define HB_LINE_MAX		8192
/* Events in one POST /api/v1/events (the server's limit). */
#define HB_PUSH_BATCH		500

/* ---- tls.c -------------------------------------------------------- */

struct hb_tls {
	int			 fd;		/* -1: not connected */
	int			 io_timeout_ms;
	int			 connected;
	int			 used;		/* a request went over it */
	mbedtls_ssl_context	 ssl;
	mbedtls_ssl_config	 conf;
	mbedtls_x509_crt	 ca;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_entropy_context	 entropy;
	int			 have_ca;
	int			 verify_ca;	/* 0: pin only */
	unsigned char		 pin[32];
	int			 have_pin;
	char			 err[256];
};

/* Sets up the TLS configuration (no connection yet). */
enum hb_status	 hb_tls_init(struct hb_tls *t, const char *ca_file,
		    const unsigned char *pin, int verify_ca);
void		 hb_tls_cleanup(struct hb_tls *t);
enum hb_status	 hb_tls_connect(struct hb_tls *t, const char *host,
		    const char *port, int connect_timeout_ms, int io_timeout_ms);
void		 hb_tls_close(struct hb_tls *t);
/* 1 when an idle connection was closed by the peer (or has stray bytes). */
int		 hb_tls_stale(struct hb_tls *t);
enum hb_status	 hb_tls_write(struct hb_tls *t, const void *buf, size_t len);
/* Bytes read (>0), 0 at end of stream, -1 on error (t->err, *st). */
ssize_t		 hb_tls_read(struct hb_tls *t, void *buf, size_t len,
		    enum hb_status *st);
/* The SHA-256 of a certificate's SubjectPublicKeyInfo DER. */
int		 hb_spki_sha256(const mbedtls_x509_crt *crt,
		    unsigned char out[32]);

/* ---- http.c ------------------------------------------------------- */

/* Where the parser gets its bytes: TLS in the library, memory in tests. */
struct hb_reader {
	ssize_t		(*read)(void *arg, void *buf, size_t len,
			    enum hb_status *st);
	void		*arg;
	unsigned char	 buf[16384];
	size_t		 pos;
	size_t		 len;
	size_t		 consumed;	/* bytes handed to the parser so far */
};

struct hb_response {
	int		 status;
	int		 keep_alive;	/* 0: the server closes after this */
	int		 retry_after;	/* seconds; -1: none */
	char		*etag;
	char		*content_type;
	unsigned char	*body;		/* NUL-terminated for convenience */
	size_t		 body_len;
};

void		 hb_reader_init(struct hb_reader *r,
		    ssize_t (*fn)(void *, void *, size_t, enum hb_status *),
		    void *arg);
/*
 * Reads one response. head: the request was HEAD (no body whatever the
 * headers say). max_body: the cap. On error *why says what (static text).
 */
enum hb_status	 hb_http_read_response(struct hb_reader *r, int head,
		    size_t max_body, struct hb_response *resp,
		    const char **why);
void		 hb_response_clear(struct hb_response *resp);
/* Writes "METHOD target HTTP/1.1" and the headers into a malloc'd buffer. */
char		*hb_http_request_head(const char *method, const char *host,
		    const char *target, const char *user_agent,
		    const char *token, const char *content_type,
		    size_t body_len, const char *if_none_match, size_t *len);
/* Retry-After as seconds (delta or HTTP date); -1 when not understood. */
int		 hb_http_retry_after(const char *value, int64_t now);

/* ---- retry.c ------------------------------------------------------ */

/*
 * Milliseconds to wait before attempt number `attempt` (1: the first
 * retry): full jitter, uniform in [0, min(max, base * 2^(attempt-1))],
 * but at least retry_after_s seconds (capped at max) when the server
 * said so (retry_after_s < 0: it did not).
 */
int		 hb_backoff_ms(int attempt, int base_ms, int max_ms,
		    int retry_after_s);
void		 hb_sleep_ms(int ms);

/* ---- client.c ----------------------------------------------------- */

struct hb_client {
	struct hb_config cfg;		/* strings below are our copies */
	char		*base_url;
	char		*ca_file;
	char		*user_agent;
	char		*host;
	char		*port;
	char		*host_header;	/* host[:port] */
	char		*token;
	struct hb_tls	 tls;
	struct hb_reader reader;
	struct hb_response resp;	/* the last answer */
	int		 tls_ready;
	char		 error[512];
	char		 error_code[64];
	int		 http_status;
};

#define HB_REQ_RETRY	0x01	/* safe to repeat: retried on network/5xx */
#define HB_REQ_AUTH	0x02	/* send the token */

/*
 * One request with the client's retry policy; c->resp holds the answer.
 * Returns HB_OK for 2xx, HB_ERR_NOT_MODIFIED for 304, else the status
 * that says why (error text and code set).
 */
enum hb_status	 hb_request(struct hb_client *c, const char *method,
		    const char *target, const char *body, size_t body_len,
		    const char *if_none_match, int flags);
enum hb_status	 hb_fail(struct hb_client *c, enum hb_status st,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 hb_clear_error(struct hb_client *c);

/* ---- content.c ---------------------------------------------------- */

/* fsyncs the folder holding path (after a rename in it). */
int		 hb_fsync_dir(const char *path);

/* ---- journal.c ---------------------------------------------------- */

enum hb_jstate { HB_J_PENDING, HB_J_DONE, HB_J_REJECTED };

struct hb_jevent {
	char		 id[37];
	enum hb_event_kind kind;
	int64_t		 document_id;
	int64_t		 version;
	char		 lang[3];
	int		 section;
	int64_t		 occurred_at;
	int		 seconds;
	enum hb_jstate	 state;
	char		 reason[48];
};

/* A verdict to record (push.c): state and the server's reason. */
struct hb_verdict {
	size_t		 index;		/* into the journal's events */
	enum hb_jstate	 state;
	const char	*reason;
};

size_t		 hb_journal_count(const struct hb_journal *j);
const struct hb_jevent *hb_journal_event(const struct hb_journal *j,
		    size_t i);
/* Appends the verdict lines in one write and fsyncs. */
enum hb_status	 hb_journal_verdicts(struct hb_journal *j,
		    const struct hb_verdict *v, size_t n);
/* Rewrites the file without acknowledged events (write, fsync, rename). */
enum hb_status	 hb_journal_compact(struct hb_journal *j);
/* A UUIDv7 (time-ordered, random from libsodium) into out[37]. */
void		 hb_uuid7(char out[37]);
const char	*hb_event_kind_name(enum hb_event_kind k);

#endif
