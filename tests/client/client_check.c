/*
 * client_check: drives the client library against the real stack for
 * tests/integration/client.sh, one command per run, so that the script
 * can check the database between steps and run every step under
 * valgrind. It prints what it saw as "key value" lines and exits with
 * the hb_status of the call under test (0: HB_OK).
 *
 * Environment: HB_BASE (https://localhost:PORT), HB_CA (a CA file; unset:
 * the system store), HB_PIN (an SPKI pin), HB_TOKEN (a token for the
 * calls that need one), HB_TIMEOUT_MS (connect and I/O timeouts).
 *
 *	login CARD PASSWORD          prints "token T"
 *	logout                       revokes HB_TOKEN, then tries a sync
 *	sync [SINCE]                 "change SEQ DOC SLUG VERSION WITHDRAWN",
 *	                             then "cursor C"
 *	keys OUT                     saves the key list, prints "keys N"
 *	bundle DOC LANG KEYS OUT [ETAG]   fetches, verifies, saves; prints
 *	                             "bundle SLUG VERSION LANG KEY" and "etag E"
 *	verify BUNDLE KEYS           hb_bundle_verify on files
 *	media SHA256 PATH            fetches into PATH
 *	record JOURNAL DOC VERSION LANG N [ID]   N section_read events
 *	                             (sections 1..5 in turn: the test document
 *	                             has five core points; or one with ID)
 *	pending JOURNAL              prints "pending P rejected R" and each
 *	                             rejected event's reason
 *	push JOURNAL                 prints the push result
 *	twice                        two clients in one process, both log in
 *	                             (CARD1 PW1 CARD2 PW2 as arguments)
 *	keepalive N                  N GETs of /api/v1/keys on one client,
 *	                             sleeping HB_SLEEP_MS between them
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handbook_client.h"

/* An environment variable, NULL when unset or empty. */
static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && v[0] != '\0' ? v : NULL);
}

static struct hb_client *
client(void)
{
	struct hb_config cfg;
	struct hb_client *c;

	hb_config_init(&cfg);
	cfg.base_url = env("HB_BASE");
	cfg.ca_file = env("HB_CA");
	cfg.pin_sha256 = env("HB_PIN");
	if (env("HB_TIMEOUT_MS") != NULL)
		cfg.connect_timeout_ms = cfg.io_timeout_ms =
		    atoi(env("HB_TIMEOUT_MS"));
	cfg.max_attempts = 3;
	cfg.backoff_base_ms = 100;
	cfg.backoff_max_ms = 1000;
	if ((c = hb_client_new(&cfg)) == NULL) {
		fprintf(stderr, "client_check: hb_client_new refused the config\n");
		exit(100);
	}
	if (getenv("HB_TOKEN") != NULL &&
	    hb_set_token(c, getenv("HB_TOKEN")) != HB_OK) {
		fprintf(stderr, "client_check: bad HB_TOKEN\n");
		exit(100);
	}
	return (c);
}

static int
report(struct hb_client *c, enum hb_status st)
{
	printf("status %d %s\n", st, hb_status_text(st));
	if (c != NULL && st != HB_OK) {
		printf("http %d\n", hb_client_http_status(c));
		printf("code %s\n", hb_client_error_code(c));
		printf("error %s\n", hb_client_error(c));
	}
	return (st);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "client_check: cannot read %s\n", path);
		exit(100);
	}
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "client_check: cannot read %s\n", path);
		exit(100);
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return (buf);
}

static void
save(const char *path, const void *buf, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, len, f) != len ||
	    fclose(f) != 0) {
		fprintf(stderr, "client_check: cannot write %s\n", path);
		exit(100);
	}
}

static int
print_change(void *arg, const struct hb_change *ch)
{
	int	*count = arg;

	printf("change %" PRId64 " %" PRId64 " %s %" PRId64 " %d\n", ch->seq,
	    ch->document_id, ch->slug, ch->version, ch->withdrawn);
	(*count)++;
	return (0);
}

static struct hb_keys *
load_keys(const char *path)
{
	struct hb_keys	*keys;
	char		*json;
	size_t		 len;

	json = slurp(path, &len);
	if (hb_keys_parse(json, len, &keys) != HB_OK) {
		fprintf(stderr, "client_check: %s is no key list\n", path);
		exit(100);
	}
	free(json);
	return (keys);
}

static struct hb_journal *
journal(const char *path)
{
	struct hb_journal *j;
	enum hb_status	 st;

	if ((st = hb_journal_open(path, &j)) != HB_OK) {
		printf("status %d %s\n", st, hb_status_text(st));
		exit(st);
	}
	return (j);
}

int
main(int argc, char **argv)
{
	struct hb_client *c = NULL, *c2;
	struct hb_journal *j;
	struct hb_keys	*keys;
	struct hb_bundle *b;
	struct hb_event	 ev;
	struct hb_push_result res;
	enum hb_status	 st;
	const char	*cmd, *reason;
	char		*cursor, *json;
	size_t		 len, i;
	int		 n, count = 0, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: client_check COMMAND ARGS...\n");
		return (100);
	}
	cmd = argv[1];
	if (strcmp(cmd, "login") == 0 && argc == 4) {
		c = client();
		st = hb_login(c, argv[2], argv[3]);
		if (st == HB_OK)
			printf("token %s\n", hb_token(c));
		rc = report(c, st);
	} else if (strcmp(cmd, "logout") == 0) {
		c = client();
		st = hb_logout(c);
		printf("token_after %s\n", hb_token(c) ? "kept" : "forgotten");
		report(c, st);
		/* The revoked token must now be refused. */
		hb_set_token(c, getenv("HB_TOKEN"));
		st = hb_sync(c, NULL, NULL, NULL, &cursor);
		free(cursor);
		printf("after ");
		report(c, st);
		rc = 0;
	} else if (strcmp(cmd, "sync") == 0) {
		c = client();
		st = hb_sync(c, argc > 2 ? argv[2] : NULL, print_change, &count,
		    &cursor);
		printf("changes %d\n", count);
		if (cursor != NULL)
			printf("cursor %s\n", cursor);
		free(cursor);
		rc = report(c, st);
	} else if (strcmp(cmd, "keys") == 0 && argc == 3) {
		c = client();
		st = hb_keys_fetch(c, &keys);
		if (st == HB_OK) {
			printf("keys %zu\n", hb_keys_count(keys));
			json = (char *)(uintptr_t)hb_keys_json(keys, &len);
			save(argv[2], json, len);
			hb_keys_free(keys);
		}
		rc = report(c, st);
	} else if (strcmp(cmd, "bundle") == 0 && (argc == 6 || argc == 7)) {
		c = client();
		keys = load_keys(argv[4]);
		st = hb_bundle_fetch(c, strtoll(argv[2], NULL, 10), argv[3],
		    keys, argc == 7 ? argv[6] : NULL, &b);
		if (st == HB_OK) {
			printf("bundle %s %" PRId64 " %s %s\n", b->slug,
			    b->version, b->lang, b->key_id);
			printf("etag %s\n", b->etag ? b->etag : "");
			save(argv[5], b->json, b->json_len);
			hb_bundle_free(b);
		}
		hb_keys_free(keys);
		rc = report(c, st);
	} else if (strcmp(cmd, "verify") == 0 && argc == 4) {
		keys = load_keys(argv[3]);
		json = slurp(argv[2], &len);
		st = hb_bundle_verify(json, len, keys, &b);
		if (st == HB_OK) {
			printf("bundle %s %" PRId64 " %s %s\n", b->slug,
			    b->version, b->lang, b->key_id);
			hb_bundle_free(b);
		}
		free(json);
		hb_keys_free(keys);
		rc = report(NULL, st);
	} else if (strcmp(cmd, "media") == 0 && argc == 4) {
		c = client();
		rc = report(c, hb_media_fetch(c, argv[2], argv[3]));
	} else if (strcmp(cmd, "record") == 0 && (argc == 7 || argc == 8)) {
		j = journal(argv[2]);
		n = atoi(argv[6]);
		st = HB_OK;
		for (i = 0; i < (size_t)n && st == HB_OK; i++) {
			memset(&ev, 0, sizeof(ev));
			if (argc == 8)
				snprintf(ev.id, sizeof(ev.id), "%s", argv[7]);
			ev.kind = HB_EVENT_SECTION_READ;
			ev.document_id = strtoll(argv[3], NULL, 10);
			ev.version = strtoll(argv[4], NULL, 10);
			ev.lang = argv[5];
			ev.section = (int)(i % 5) + 1;
			ev.seconds = 30;
			if ((st = hb_journal_record(j, &ev)) == HB_OK)
				printf("recorded %s\n", ev.id);
		}
		printf("pending %zu\n", hb_journal_pending(j));
		hb_journal_close(j);
		rc = report(NULL, st);
	} else if (strcmp(cmd, "pending") == 0 && argc == 3) {
		j = journal(argv[2]);
		printf("pending %zu rejected %zu\n", hb_journal_pending(j),
		    hb_journal_rejected(j));
		for (i = 0; hb_journal_rejected_get(j, i, &ev, &reason) ==
		    HB_OK; i++)
			printf("rejected %s %s\n", ev.id, reason);
		hb_journal_close(j);
		rc = 0;
	} else if (strcmp(cmd, "push") == 0 && argc == 3) {
		c = client();
		j = journal(argv[2]);
		st = hb_push(c, j, &res);
		printf("sent %zu accepted %zu duplicate %zu rejected %zu "
		    "pending %zu\n", res.sent, res.accepted, res.duplicate,
		    res.rejected, res.pending);
		hb_journal_close(j);
		rc = report(c, st);
	} else if (strcmp(cmd, "twice") == 0 && argc == 6) {
		c = client();
		c2 = client();
		st = hb_login(c, argv[2], argv[3]);
		if (st == HB_OK)
			st = hb_login(c2, argv[4], argv[5]);
		printf("distinct %d\n", st == HB_OK &&
		    strcmp(hb_token(c), hb_token(c2)) != 0);
		if (st == HB_OK)
			st = hb_logout(c);
		/* c2 still works after c logged out. */
		if (st == HB_OK)
			st = hb_sync(c2, NULL, NULL, NULL, &cursor), free(cursor);
		if (st == HB_OK)
			st = hb_logout(c2);
		hb_client_free(c2);
		rc = report(c, st);
	} else if (strcmp(cmd, "keepalive") == 0 && argc == 3) {
		c = client();
		n = atoi(argv[2]);
		st = HB_OK;
		for (i = 0; i < (size_t)n && st == HB_OK; i++) {
			if (i > 0 && getenv("HB_SLEEP_MS") != NULL)
				usleep((useconds_t)atoi(getenv("HB_SLEEP_MS")) *
				    1000);
			st = hb_keys_fetch(c, &keys);
			hb_keys_free(keys);
		}
		printf("requests %zu\n", i);
		rc = report(c, st);
	} else {
		fprintf(stderr, "client_check: unknown command or arguments\n");
		return (100);
	}
	hb_client_free(c);
	return (rc);
}
