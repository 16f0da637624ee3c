/*
 * handbook_client.h: the handbook's client library, for phones, low-cost
 * readers and the hbsync command. This header is its manual.
 *
 * What it does: talks HTTPS (TLS 1.2 on mbedTLS 2.28, ECDHE with AES-GCM
 * or ChaCha20-Poly1305 only) to the handbook service, checks the server's
 * certificate against a CA file or a pinned public key, keeps one HTTP/1.1
 * connection alive between calls, and retries what is safe to retry with
 * exponential backoff and jitter. On top of that: log in, catch up with
 * what was published or withdrawn since a cursor, fetch a document's
 * signed bundle and verify its Ed25519 signature against the published
 * keys, fetch media by hash, record reading events into a local journal
 * while offline, and push the journal when the network is back.
 *
 * Nothing here is global: every call takes its client or journal, so two
 * clients (two accounts, two servers) can live in one process. A client
 * is not thread-safe; use one per thread. The library allocates with
 * malloc and frees everything it allocated when the owning object is
 * freed; strings returned by accessors belong to the object and live
 * until the next call on it.
 *
 * Errors: every call that can fail returns an enum hb_status (HB_OK is 0).
 * hb_client_error() then says in one line, in English, what went wrong
 * (the server's own message when the server refused), and
 * hb_client_http_status() / hb_client_error_code() give the HTTP status
 * and the server's error code ("invalid_credentials", ...) if there was
 * one.
 *
 * Retries: a call whose request failed on the network (connect, reset,
 * timeout) or got 502, 503 or 504 is tried again, up to max_attempts in
 * all, waiting base * 2^n milliseconds (at most backoff_max_ms) with full
 * jitter, and honouring Retry-After (as a floor, capped by
 * backoff_max_ms). Only requests that are safe to repeat are retried:
 * GETs, logout, pushes of journal events (the server stores an event id
 * once), and login on the network or 502/503/504 only: a 4xx is never
 * retried (failed logins are throttled). Whatever the method, a request
 * that fails on a kept-alive connection before any byte of answer came
 * (the server closed it while idle) is sent again on a new connection,
 * once, without counting as an attempt.
 *
 * Typical use:
 *
 *	struct hb_config cfg;
 *	hb_config_init(&cfg);
 *	cfg.base_url = "https://localhost:8443";
 *	cfg.ca_file = "var/tls/ca.pem";
 *	struct hb_client *c = hb_client_new(&cfg);
 *	if (hb_login(c, "10000005", "handbook-demo") != HB_OK)
 *		fprintf(stderr, "%s\n", hb_client_error(c));
 *	...
 *	struct hb_journal *j;
 *	hb_journal_open("journal.hbj", &j);
 *	hb_journal_record(j, &event, NULL);	// offline: only the disk
 *	hb_push(c, j, &result);			// online: sends what is pending
 *	hb_journal_close(j);
 *	hb_client_free(c);
 */

#ifndef HANDBOOK_CLIENT_H
#define HANDBOOK_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum hb_status {
	HB_OK = 0,
	HB_ERR_ARGUMENT,	/* a caller's argument is invalid */
	HB_ERR_MEMORY,		/* out of memory */
	HB_ERR_NETWORK,		/* resolve, connect, send or receive failed */
	HB_ERR_TIMEOUT,		/* connect or I/O timeout */
	HB_ERR_TLS,		/* the TLS handshake failed */
	HB_ERR_CERTIFICATE,	/* not signed by the CA, wrong name, or pin mismatch */
	HB_ERR_PROTOCOL,	/* the server's HTTP or JSON is malformed */
	HB_ERR_UNAUTHORIZED,	/* 401: no token, expired or revoked; log in again */
	HB_ERR_REFUSED,		/* another 4xx: see hb_client_error_code() */
	HB_ERR_UNAVAILABLE,	/* 5xx after every retry */
	HB_ERR_SIGNATURE,	/* a bundle's signature or key does not verify */
	HB_ERR_NOT_MODIFIED,	/* 304: the caller's copy is current (not a failure) */
	HB_ERR_JOURNAL,		/* the local journal could not be read or written */
	HB_ERR_LOCKED,		/* the journal is open in another process */
};

/* A short English name for a status ("certificate refused", ...). */
const char	*hb_status_text(enum hb_status);

/* ---- client ------------------------------------------------------- */

struct hb_config {
	const char	*base_url;	/* "https://host[:port]"; required */
	const char	*ca_file;	/* PEM CA certificates; NULL: system store */
	/*
	 * SHA-256 of the server certificate's SubjectPublicKeyInfo (DER),
	 * in standard base64 (44 characters), as
	 *   openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
	 *   openssl dgst -sha256 -binary | base64
	 * prints it. When set, a server whose leaf key does not match is
	 * refused (HB_ERR_CERTIFICATE) whatever the CA says; the CA check
	 * still applies when ca_file is also set.
	 */
	const char	*pin_sha256;
	int		 connect_timeout_ms;	/* default 10000 */
	int		 io_timeout_ms;		/* per read or write; default 30000 */
	int		 max_attempts;		/* in all, first one included; default 4 */
	int		 backoff_base_ms;	/* default 500 */
	int		 backoff_max_ms;	/* default 30000 */
	const char	*user_agent;		/* default "handbook-client/1" */
};

/* Fills cfg with the defaults above (base_url NULL). */
void		 hb_config_init(struct hb_config *cfg);

/*
 * A new client; it connects lazily, at the first call. NULL when out of
 * memory or when cfg is invalid (no base_url, not https, a path after the
 * host, bad pin, a CA file that cannot be read). The strings of cfg are
 * copied. Trust: ca_file (or the system store when NULL) with the host
 * name checked; with pin_sha256 and no ca_file, the pin alone; with both,
 * both. Use a host name: mbedTLS 2.28 does not match IP addresses against
 * a certificate's IP names, so https://127.0.0.1 is refused.
 */
struct hb_client *hb_client_new(const struct hb_config *cfg);
void		 hb_client_free(struct hb_client *c);

const char	*hb_client_error(const struct hb_client *c);
int		 hb_client_http_status(const struct hb_client *c); /* 0: none */
const char	*hb_client_error_code(const struct hb_client *c);  /* "" : none */

/* ---- session ------------------------------------------------------ */

/* Logs in (card number or phone); the token is kept in the client. */
enum hb_status	 hb_login(struct hb_client *c, const char *login,
		    const char *password);
/* Uses a token saved from an earlier hb_login (NULL forgets it). */
enum hb_status	 hb_set_token(struct hb_client *c, const char *token);
/* The token in use, or NULL. */
const char	*hb_token(const struct hb_client *c);
/* Revokes the token on the server and forgets it. */
enum hb_status	 hb_logout(struct hb_client *c);

/* ---- content ------------------------------------------------------ */

/* One entry of GET /api/v1/sync. */
struct hb_change {
	int64_t		 seq;
	int64_t		 document_id;
	const char	*slug;
	int64_t		 version;	/* 0 when withdrawn */
	int		 withdrawn;	/* 1: the document was withdrawn */
	const char	*at;		/* ISO 8601, the server's time */
};

/*
 * Called once per change, oldest first; return nonzero to stop (hb_sync
 * then returns HB_ERR_ARGUMENT and *next_cursor is not advanced past the
 * page).
 */
typedef int	(*hb_change_fn)(void *arg, const struct hb_change *change);

/*
 * Asks for every change since `since` (NULL or "": from the beginning),
 * page after page until no more, calling fn for each (the strings of a
 * change live until fn returns). On HB_OK, *next_cursor (malloc'd; the
 * caller frees it) is the cursor to save for the next sync. On failure
 * *next_cursor is the cursor after the last page fully handled (NULL if
 * none was), so a caller may save that progress too.
 */
enum hb_status	 hb_sync(struct hb_client *c, const char *since,
		    hb_change_fn fn, void *arg, char **next_cursor);

/* The published signing keys (GET /api/v1/keys), retired ones included. */
struct hb_keys;
enum hb_status	 hb_keys_fetch(struct hb_client *c, struct hb_keys **keys);
/* Keys from a saved copy of GET /api/v1/keys's JSON (for offline use). */
enum hb_status	 hb_keys_parse(const char *json, size_t len,
		    struct hb_keys **keys);
/* How many usable keys the list holds. */
size_t		 hb_keys_count(const struct hb_keys *keys);
/* The list's JSON as received or parsed: save it for hb_keys_parse. */
const char	*hb_keys_json(const struct hb_keys *keys, size_t *len);
void		 hb_keys_free(struct hb_keys *keys);

/* A verified bundle. */
struct hb_bundle {
	char		*json;		/* the bundle as received (to store) */
	size_t		 json_len;
	unsigned char	*payload;	/* the signed document bytes (JSON) */
	size_t		 payload_len;
	char		*key_id;	/* the key that signed it */
	char		*etag;		/* the server's ETag, or NULL */
	char		*slug;		/* from the payload */
	int64_t		 version;	/* from the payload */
	char		*lang;		/* from the payload: "vi" or "km" */
};

/*
 * Fetches GET /api/v1/documents/{id}/bundle?lang= (lang NULL: the
 * server's choice) and verifies it against keys. etag, when not NULL, is
 * sent as If-None-Match: HB_ERR_NOT_MODIFIED then means the stored copy
 * is current. A bundle that does not verify is HB_ERR_SIGNATURE and is
 * not returned.
 */
enum hb_status	 hb_bundle_fetch(struct hb_client *c, int64_t document_id,
		    const char *lang, const struct hb_keys *keys,
		    const char *etag, struct hb_bundle **bundle);
/*
 * Verifies a bundle that reached the device by any road (a file, a
 * memory card): "handbook-bundle/1" format, a published key, and the
 * Ed25519 signature over "handbook-bundle/1\n" followed by the payload.
 */
enum hb_status	 hb_bundle_verify(const char *json, size_t len,
		    const struct hb_keys *keys, struct hb_bundle **bundle);
void		 hb_bundle_free(struct hb_bundle *bundle);

/*
 * Fetches GET /api/v1/media/{sha256} into path (written to path.part,
 * fsync'd, then renamed), refusing bytes whose SHA-256 is not the one
 * asked for (HB_ERR_SIGNATURE).
 */
enum hb_status	 hb_media_fetch(struct hb_client *c, const char *sha256_hex,
		    const char *path);

/* ---- reading journal ---------------------------------------------- */

/*
 * The journal keeps the reading events a member made while offline until
 * the server has them. It is one append-only file: each record is one
 * line ending in a checksum, written with write() and fsync()'d before
 * hb_journal_record returns, so an event that was recorded survives a
 * crash or a pulled battery. Opening replays the file: a torn last line
 * (the crash came mid-write) is cut off, every other damaged line is an
 * error. Events carry a UUID made on the device, so pushing the same
 * event twice (the answer was lost) stores it once on the server. When
 * every event has been acknowledged the file is compacted (a new file,
 * fsync'd, renamed over the old one). One process at a time may open a
 * journal (an fcntl lock; HB_ERR_LOCKED otherwise).
 */
struct hb_journal;

enum hb_event_kind {
	HB_EVENT_OPENED,
	HB_EVENT_SECTION_READ,
	HB_EVENT_COMPLETED,
};

struct hb_event {
	char		 id[37];	/* UUID (v7); made by hb_journal_record when "" */
	enum hb_event_kind kind;
	int64_t		 document_id;
	int64_t		 version;
	const char	*lang;		/* "vi" or "km" */
	int		 section;	/* core point 1..12: required for SECTION_READ; 0: none */
	int64_t		 occurred_at;	/* Unix seconds, device clock; 0: now */
	int		 seconds;	/* time spent reading, 0..14400 */
};

enum hb_status	 hb_journal_open(const char *path, struct hb_journal **j);
void		 hb_journal_close(struct hb_journal *j);
/*
 * Appends an event and fsyncs; on HB_OK ev->id holds its UUID (lower
 * case). HB_ERR_ARGUMENT for an invalid event (kind, document_id and
 * version > 0, lang "vi"/"km", section 0..12 and >= 1 for SECTION_READ,
 * seconds 0..14400) or an id the journal holds already.
 */
enum hb_status	 hb_journal_record(struct hb_journal *j, struct hb_event *ev);
/* Events recorded and not yet acknowledged by the server. */
size_t		 hb_journal_pending(const struct hb_journal *j);
/* Events the server refused for good (kept for the member to see). */
size_t		 hb_journal_rejected(const struct hb_journal *j);

/*
 * The i-th event refused for good (0 <= i < hb_journal_rejected()), with
 * the server's reason ("unknown_document", ...); the strings belong to
 * the journal and live until its next change. HB_ERR_ARGUMENT past the end.
 */
enum hb_status	 hb_journal_rejected_get(const struct hb_journal *j, size_t i,
		    struct hb_event *ev, const char **reason);

struct hb_push_result {
	size_t		 sent;		/* events sent in this push */
	size_t		 accepted;	/* stored now or already stored before */
	/* (on HB_OK, sent = accepted + duplicate + rejected) */
	size_t		 duplicate;	/* id reused with other content: dropped */
	size_t		 rejected;	/* refused for good, with a reason */
	size_t		 pending;	/* still waiting after the push */
};

/*
 * Sends every pending event, in batches of at most 500, oldest first,
 * and records each verdict in the journal (fsync'd) before the next
 * batch. Stops at the first batch that cannot be sent (the rest stays
 * pending and the status says why: HB_ERR_UNAVAILABLE, HB_ERR_NETWORK,
 * HB_ERR_UNAUTHORIZED, ...). When nothing is left pending the journal is
 * compacted. result may be NULL.
 */
enum hb_status	 hb_push(struct hb_client *c, struct hb_journal *j,
		    struct hb_push_result *result);

#ifdef __cplusplus
}
#endif

#endif
