/*
 * content.c: what a phone reads, and how it knows it is genuine. Sync
 * walks GET /api/v1/sync page by page from a cursor; keys come from GET
 * /api/v1/keys (or a saved copy, for a phone offline); a bundle is
 * verified exactly as the reference verifier tools/hbverify.c does it
 * ("handbook-bundle/1" format, a published key, Ed25519 over
 * "handbook-bundle/1\n" followed by the payload bytes), and a bundle that
 * does not verify is never handed to the caller; media are fetched by
 * their SHA-256 and refused when the bytes hash to anything else, then
 * written to a temporary file, fsync'd and renamed so that a crash never
 * leaves half a picture under the final name.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "client_internal.h"

#define BUNDLE_FORMAT	"handbook-bundle/1"
#define BUNDLE_DOMAIN	"handbook-bundle/1\n"
#define SYNC_PAGE	200

struct hb_key {
	char		*id;
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
};

struct hb_keys {
	struct hb_key	*keys;
	size_t		 n;
	char		*json;		/* the list as received, to save */
	size_t		 json_len;
};

/* Percent-encodes everything but RFC 3986's unreserved characters. */
static char *
url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char		*out, *o;

	if ((out = malloc(strlen(s) * 3 + 1)) == NULL)
		return (NULL);
	for (o = out; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.' || ch == '~')
			*o++ = (char)ch;
		else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = '\0';
	return (out);
}

static json_t *
body_json(struct hb_client *c)
{
	json_t	*root;

	root = json_loadb((const char *)c->resp.body, c->resp.body_len, 0,
	    NULL);
	if (root == NULL)
		hb_fail(c, HB_ERR_PROTOCOL, "the answer is not JSON");
	return (root);
}

enum hb_status
hb_sync(struct hb_client *c, const char *since, hb_change_fn fn, void *arg,
    char **next_cursor)
{
	json_t		*root, *changes, *ch, *jv;
	struct hb_change change;
	enum hb_status	 st = HB_OK;
	char		*cursor = NULL, *esc, target[1024];
	const char	*next, *action;
	size_t		 i;
	int		 more;

	if (c == NULL || next_cursor == NULL)
		return (HB_ERR_ARGUMENT);
	*next_cursor = NULL;
	hb_clear_error(c);
	if (since != NULL && since[0] != '\0' &&
	    (cursor = strdup(since)) == NULL)
		return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
	for (;;) {
		if (cursor != NULL) {
			if ((esc = url_escape(cursor)) == NULL) {
				st = hb_fail(c, HB_ERR_MEMORY, "out of memory");
				break;
			}
			if ((size_t)snprintf(target, sizeof(target),
			    "/api/v1/sync?limit=%d&since=%s", SYNC_PAGE, esc) >=
			    sizeof(target)) {
				free(esc);
				st = hb_fail(c, HB_ERR_ARGUMENT,
				    "the cursor is too long");
				break;
			}
			free(esc);
		} else
			snprintf(target, sizeof(target),
			    "/api/v1/sync?limit=%d", SYNC_PAGE);
		st = hb_request(c, "GET", target, NULL, 0, NULL,
		    HB_REQ_AUTH | HB_REQ_RETRY);
		if (st != HB_OK)
			break;
		if ((root = body_json(c)) == NULL) {
			st = HB_ERR_PROTOCOL;
			break;
		}
		changes = json_object_get(root, "changes");
		next = json_string_value(json_object_get(root, "next_cursor"));
		more = json_is_true(json_object_get(root, "more"));
		if (!json_is_array(changes) || next == NULL) {
			json_decref(root);
			st = hb_fail(c, HB_ERR_PROTOCOL,
			    "the sync answer has no changes or next_cursor");
			break;
		}
		json_array_foreach(changes, i, ch) {
			memset(&change, 0, sizeof(change));
			change.seq = json_integer_value(json_object_get(ch, "seq"));
			change.document_id = json_integer_value(
			    json_object_get(ch, "document_id"));
			change.slug = json_string_value(json_object_get(ch, "slug"));
			jv = json_object_get(ch, "version");
			change.version = json_is_integer(jv) ?
			    json_integer_value(jv) : 0;
			action = json_string_value(json_object_get(ch, "action"));
			change.withdrawn = action != NULL &&
			    strcmp(action, "withdrawn") == 0;
			if (change.withdrawn)
				change.version = 0;
			change.at = json_string_value(json_object_get(ch, "at"));
			if (change.document_id <= 0 || change.slug == NULL ||
			    action == NULL || change.at == NULL) {
				st = hb_fail(c, HB_ERR_PROTOCOL,
				    "a malformed change in the sync answer");
				break;
			}
			if (fn != NULL && fn(arg, &change) != 0) {
				st = hb_fail(c, HB_ERR_ARGUMENT,
				    "sync stopped by the caller");
				break;
			}
		}
		if (st != HB_OK) {
			json_decref(root);
			break;
		}
		free(cursor);
		cursor = strdup(next);
		json_decref(root);
		if (cursor == NULL) {
			st = hb_fail(c, HB_ERR_MEMORY, "out of memory");
			break;
		}
		if (!more)
			break;
	}
	/* The cursor of the last page fully handled, whatever happened. */
	*next_cursor = cursor;
	return (st);
}

enum hb_status
hb_keys_parse(const char *json, size_t len, struct hb_keys **keysp)
{
	struct hb_keys	*keys;
	json_t		*root, *list, *k;
	const char	*id, *pk64;
	size_t		 i, pklen;

	if (json == NULL || keysp == NULL)
		return (HB_ERR_ARGUMENT);
	*keysp = NULL;
	if (sodium_init() < 0)
		return (HB_ERR_MEMORY);
	if ((root = json_loadb(json, len, 0, NULL)) == NULL)
		return (HB_ERR_PROTOCOL);
	list = json_object_get(root, "keys");
	if (!json_is_array(list) || (keys = calloc(1, sizeof(*keys))) == NULL) {
		json_decref(root);
		return (json_is_array(list) ? HB_ERR_MEMORY : HB_ERR_PROTOCOL);
	}
	keys->keys = calloc(json_array_size(list) + 1, sizeof(*keys->keys));
	keys->json = malloc(len + 1);
	if (keys->keys == NULL || keys->json == NULL) {
		json_decref(root);
		hb_keys_free(keys);
		return (HB_ERR_MEMORY);
	}
	memcpy(keys->json, json, len);
	keys->json[len] = '\0';
	keys->json_len = len;
	json_array_foreach(list, i, k) {
		id = json_string_value(json_object_get(k, "id"));
		pk64 = json_string_value(json_object_get(k, "public_key"));
		/* A key we cannot read is skipped: it verifies nothing. */
		if (id == NULL || pk64 == NULL ||
		    sodium_base642bin(keys->keys[keys->n].pk,
		    sizeof(keys->keys[keys->n].pk), pk64, strlen(pk64), NULL,
		    &pklen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    pklen != crypto_sign_PUBLICKEYBYTES)
			continue;
		if ((keys->keys[keys->n].id = strdup(id)) == NULL) {
			json_decref(root);
			hb_keys_free(keys);
			return (HB_ERR_MEMORY);
		}
		keys->n++;
	}
	json_decref(root);
	*keysp = keys;
	return (HB_OK);
}

enum hb_status
hb_keys_fetch(struct hb_client *c, struct hb_keys **keys)
{
	enum hb_status	st;

	if (c == NULL || keys == NULL)
		return (HB_ERR_ARGUMENT);
	*keys = NULL;
	st = hb_request(c, "GET", "/api/v1/keys", NULL, 0, NULL, HB_REQ_RETRY);
	if (st != HB_OK)
		return (st);
	st = hb_keys_parse((const char *)c->resp.body, c->resp.body_len, keys);
	if (st != HB_OK)
		return (hb_fail(c, st, "the key list is malformed"));
	return (HB_OK);
}

size_t
hb_keys_count(const struct hb_keys *keys)
{
	return (keys != NULL ? keys->n : 0);
}

const char *
hb_keys_json(const struct hb_keys *keys, size_t *len)
{
	if (len != NULL)
		*len = keys->json_len;
	return (keys->json);
}

void
hb_keys_free(struct hb_keys *keys)
{
	size_t	i;

	if (keys == NULL)
		return;
	for (i = 0; i < keys->n; i++)
		free(keys->keys[i].id);
	free(keys->keys);
	free(keys->json);
	free(keys);
}

void
hb_bundle_free(struct hb_bundle *b)
{
	if (b == NULL)
		return;
	free(b->json);
	free(b->payload);
	free(b->key_id);
	free(b->etag);
	free(b->slug);
	free(b->lang);
	free(b);
}

/*
 * Verifies and fills a bundle; *why says why not (static text). The
 * checks and their order are those of tools/hbverify.c.
 */
static enum hb_status
verify(const char *json, size_t len, const struct hb_keys *keys,
    struct hb_bundle **bundlep, const char **why)
{
	struct hb_bundle *b = NULL;
	json_t		*root, *doc = NULL, *jv;
	const char	*format, *key_id, *sig64, *payload64;
	const unsigned char *pk = NULL;
	unsigned char	 sig[crypto_sign_BYTES], *msg = NULL;
	size_t		 i, slen, plen, dlen = strlen(BUNDLE_DOMAIN);
	enum hb_status	 st = HB_ERR_SIGNATURE;

	*bundlep = NULL;
	if ((root = json_loadb(json, len, 0, NULL)) == NULL) {
		*why = "the bundle is not JSON";
		return (HB_ERR_SIGNATURE);
	}
	format = json_string_value(json_object_get(root, "format"));
	if (json_unpack(root, "{s:s,s:s,s:s}", "key_id", &key_id,
	    "signature", &sig64, "payload", &payload64) != 0) {
		*why = "key_id, signature and payload are required";
		goto done;
	}
	if (format == NULL || strcmp(format, BUNDLE_FORMAT) != 0) {
		*why = "unknown bundle format";
		goto done;
	}
	for (i = 0; keys != NULL && i < keys->n; i++)
		if (strcmp(keys->keys[i].id, key_id) == 0)
			pk = keys->keys[i].pk;
	if (pk == NULL) {
		*why = "signed with a key that is not published";
		goto done;
	}
	if (sodium_base642bin(sig, sizeof(sig), sig64, strlen(sig64), NULL,
	    &slen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    slen != sizeof(sig)) {
		*why = "malformed signature";
		goto done;
	}
	plen = strlen(payload64);
	if ((msg = malloc(dlen + plen + 1)) == NULL) {
		st = HB_ERR_MEMORY;
		*why = "out of memory";
		goto done;
	}
	memcpy(msg, BUNDLE_DOMAIN, dlen);
	if (sodium_base642bin(msg + dlen, plen, payload64, plen, NULL, &plen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		*why = "malformed payload";
		goto done;
	}
	if (crypto_sign_verify_detached(sig, msg, dlen + plen, pk) != 0) {
		*why = "the signature does not match the content";
		goto done;
	}
	if ((doc = json_loadb((const char *)msg + dlen, plen, 0, NULL)) == NULL) {
		*why = "the signed payload is not JSON";
		goto done;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		st = HB_ERR_MEMORY;
		*why = "out of memory";
		goto done;
	}
	b->json = malloc(len + 1);
	b->payload = malloc(plen + 1);
	b->key_id = strdup(key_id);
	jv = json_object_get(doc, "slug");
	b->slug = strdup(json_is_string(jv) ? json_string_value(jv) : "");
	jv = json_object_get(doc, "lang");
	b->lang = strdup(json_is_string(jv) ? json_string_value(jv) : "");
	b->version = json_integer_value(json_object_get(doc, "version"));
	if (b->json == NULL || b->payload == NULL || b->key_id == NULL ||
	    b->slug == NULL || b->lang == NULL) {
		st = HB_ERR_MEMORY;
		*why = "out of memory";
		goto done;
	}
	memcpy(b->json, json, len);
	b->json[len] = '\0';
	b->json_len = len;
	memcpy(b->payload, msg + dlen, plen);
	b->payload[plen] = '\0';
	b->payload_len = plen;
	*bundlep = b;
	b = NULL;
	st = HB_OK;
done:
	hb_bundle_free(b);
	free(msg);
	json_decref(doc);
	json_decref(root);
	return (st);
}

enum hb_status
hb_bundle_verify(const char *json, size_t len, const struct hb_keys *keys,
    struct hb_bundle **bundle)
{
	const char	*why;

	if (json == NULL || bundle == NULL)
		return (HB_ERR_ARGUMENT);
	if (sodium_init() < 0)
		return (HB_ERR_MEMORY);
	return (verify(json, len, keys, bundle, &why));
}

enum hb_status
hb_bundle_fetch(struct hb_client *c, int64_t document_id, const char *lang,
    const struct hb_keys *keys, const char *etag, struct hb_bundle **bundle)
{
	enum hb_status	st;
	const char	*why;
	char		target[128];

	if (c == NULL || bundle == NULL || document_id <= 0 ||
	    (lang != NULL && strcmp(lang, "vi") != 0 &&
	    strcmp(lang, "km") != 0) ||
	    (etag != NULL && strpbrk(etag, "\r\n") != NULL))
		return (HB_ERR_ARGUMENT);
	*bundle = NULL;
	if (lang != NULL)
		snprintf(target, sizeof(target),
		    "/api/v1/documents/%" PRId64 "/bundle?lang=%s",
		    document_id, lang);
	else
		snprintf(target, sizeof(target),
		    "/api/v1/documents/%" PRId64 "/bundle", document_id);
	st = hb_request(c, "GET", target, NULL, 0, etag,
	    HB_REQ_AUTH | HB_REQ_RETRY);
	if (st != HB_OK)
		return (st);
	st = verify((const char *)c->resp.body, c->resp.body_len, keys, bundle,
	    &why);
	if (st != HB_OK)
		return (hb_fail(c, st, "bundle of document %" PRId64
		    " refused: %s", document_id, why));
	if (c->resp.etag != NULL &&
	    ((*bundle)->etag = strdup(c->resp.etag)) == NULL) {
		hb_bundle_free(*bundle);
		*bundle = NULL;
		return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
	}
	return (HB_OK);
}

/* fsyncs the folder holding path, so that a rename in it is durable. */
int
hb_fsync_dir(const char *path)
{
	char	*copy;
	int	 fd, rc;

	if ((copy = strdup(path)) == NULL)
		return (-1);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd == -1)
		return (-1);
	rc = fsync(fd);
	close(fd);
	return (rc);
}

enum hb_status
hb_media_fetch(struct hb_client *c, const char *sha256_hex, const char *path)
{
	unsigned char	 want[crypto_hash_sha256_BYTES];
	unsigned char	 got[crypto_hash_sha256_BYTES];
	char		 target[128], *part = NULL;
	size_t		 n, off;
	ssize_t		 w;
	enum hb_status	 st;
	int		 fd = -1;

	if (c == NULL || sha256_hex == NULL || path == NULL ||
	    strlen(sha256_hex) != 64 ||
	    strspn(sha256_hex, "0123456789abcdef") != 64 ||
	    sodium_hex2bin(want, sizeof(want), sha256_hex, 64, NULL, &n,
	    NULL) != 0 || n != sizeof(want))
		return (HB_ERR_ARGUMENT);
	hb_clear_error(c);
	snprintf(target, sizeof(target), "/api/v1/media/%s", sha256_hex);
	/* No token: media are public, and a cache may then answer. */
	st = hb_request(c, "GET", target, NULL, 0, NULL, HB_REQ_RETRY);
	if (st != HB_OK)
		return (st);
	crypto_hash_sha256(got, c->resp.body, c->resp.body_len);
	if (sodium_memcmp(got, want, sizeof(got)) != 0)
		return (hb_fail(c, HB_ERR_SIGNATURE,
		    "media %s: the bytes received have another SHA-256",
		    sha256_hex));
	if (asprintf(&part, "%s.part", path) == -1)
		return (hb_fail(c, HB_ERR_MEMORY, "out of memory"));
	if ((fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		st = hb_fail(c, HB_ERR_ARGUMENT, "cannot create %s: %s", part,
		    strerror(errno));
		goto done;
	}
	for (off = 0; off < c->resp.body_len; off += (size_t)w) {
		w = write(fd, c->resp.body + off, c->resp.body_len - off);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			st = hb_fail(c, HB_ERR_ARGUMENT, "cannot write %s: %s",
			    part, strerror(errno));
			goto done;
		}
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		st = hb_fail(c, HB_ERR_ARGUMENT, "cannot write %s: %s", part,
		    strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(part, path) != 0 || hb_fsync_dir(path) != 0) {
		st = hb_fail(c, HB_ERR_ARGUMENT, "cannot rename %s: %s", part,
		    strerror(errno));
		goto done;
	}
	st = HB_OK;
done:
	if (fd != -1)
		close(fd);
	if (st != HB_OK)
		(void)unlink(part);
	free(part);
	return (st);
}
