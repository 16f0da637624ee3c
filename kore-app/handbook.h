/*
 * The map of the handbook module: every exported function, grouped under the
 * file that defines it. Start reading here. Files marked "pure" call nothing
 * from Kore, so the unit tests in tests/unit/ link them without a server;
 * they may still use Kore's headers for types and constants.
 */

#ifndef HANDBOOK_H
#define HANDBOOK_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#include <sodium.h>

#define HB_NAME			"handbook"
#define HB_DB			"db"	/* the primary: every write */
#define HB_DB_READ		"read"	/* a streaming replica (replica.c) */

/* Upper bounds applied at the edge, documented in the README. */
#define HB_JSON_MAX_DEPTH	32
#define HB_BODY_MAX		(1024 * 1024)
#define HB_REQUEST_ID_MAX	64
#define HB_ROUTE_PARAMS_MAX	4
#define HB_ROUTE_PARAM_MAX	128
#define HB_ID_MAX		24	/* a bigint as text, with its NUL */

/*
 * Seconds a client is told to wait when the database cannot be reached, or
 * when no connection to it came free in time (db.c).
 */
#define HB_RETRY_AFTER_DB	"2"
/* ... and when its disk is full (storage_full): an operator must act. */
#define HB_RETRY_AFTER_FULL	"30"

/*
 * How long a request may wait, in all, for a pooled database connection
 * before it is answered 503 database_busy (HANDBOOK_DB_WAIT_MS; db.c).
 */
#define HB_DB_WAIT_MS_DEFAULT	2000
#define HB_DB_WAIT_MS_MIN	50
#define HB_DB_WAIT_MS_MAX	60000

/* Sessions: 32 random bytes, 43 characters of base64url, kept 30 days. */
#define HB_TOKEN_BYTES		32
#define HB_TOKEN_LEN		43
#define HB_TOKEN_HASH_HEX	64
#define HB_TOKEN_TTL		(30 * 24 * 3600)

/* Passwords: see pwhash.c and password_rules.c. */
#define HB_PASSWORD_MIN		8
#define HB_PASSWORD_MAX		256
#define HB_PW_OPSLIMIT		crypto_pwhash_OPSLIMIT_INTERACTIVE
#define HB_PW_MEMLIMIT		crypto_pwhash_MEMLIMIT_INTERACTIVE

/*
 * An error as the API reports it: an HTTP status, a stable snake_case code
 * that clients switch on, and a sentence for people. Pure code fills one
 * in; reply_error() sends it.
 */
struct hb_error {
	int		status;
	const char	*code;
	char		message[256];
};

/* What a path template captured: "/documents/{id}" gives id. */
struct route_params {
	int	count;
	char	name[HB_ROUTE_PARAMS_MAX][32];
	char	value[HB_ROUTE_PARAMS_MAX][HB_ROUTE_PARAM_MAX];
};

/*
 * One entry of routes.def. replica: 1 for a ROUTE_REPLICA line, a read the
 * streaming replica may answer while it keeps up (replica.c).
 */
struct route {
	int		method;
	const char	*path;
	int		(*handler)(struct http_request *);
	int		replica;
};

/*
 * One statement on the database, run asynchronously for one request; see
 * db.c for the life cycle.
 */
struct db_query {
	int			started;
	const char		*db;		/* HB_DB or HB_DB_READ */
	struct kore_pgsql	sql;
	PGresult		*result;
	/* While queued behind the pool: since when, and the deadline's
	   timer (NULL once it fired or was removed). */
	struct http_request	*req;
	u_int64_t		wait_since;	/* kore_time_ms(); 0: not queued */
	struct kore_timer	*wait_timer;
};

/* What a pw_job does (pwhash.c). */
#define PW_VERIFY		1	/* password against hash (+ rehash) */
#define PW_VERIFY_AND_CHANGE	2	/* password against hash, then hash
					   new_password */
#define PW_HASH			3	/* hash password */

/*
 * One Argon2id job for a Kore task thread. The task must be the first
 * member: the thread gets a pointer to it and finds the job from there.
 */
struct pw_job {
	struct kore_task	task;
	int			op;
	int			started;
	int			destroyed;
	int			unknown;	/* no such account: dummy hash */
	int			verified;
	char			password[HB_PASSWORD_MAX * 4 + 1];
	char			new_password[HB_PASSWORD_MAX * 4 + 1];
	char			hash[crypto_pwhash_STRBYTES];
	char			new_hash[crypto_pwhash_STRBYTES];
};

/*
 * What the module knows about a request beyond Kore's struct: created on
 * the first call of router_dispatch(), freed with the request.
 */
struct request_ctx {
	char			id[HB_REQUEST_ID_MAX + 1];
	char			client[64];
	u_int64_t		start_us;
	int64_t			member_id;	/* 0 until a token is checked */
	const char		*member_lang;	/* "vi" or "km", with member_id */
	char			token_hash[HB_TOKEN_HASH_HEX + 1];
	const struct route	*route;
	struct route_params	params;
	const char		*db;	/* HB_DB or HB_DB_READ, chosen at the
					   request's first statement */
	struct db_query		auth_query;	/* the token check */
	struct db_query		query;		/* the handler's statements */
	int			step;		/* the handler's state */
	void			*state;		/* the handler's data */
	void			(*state_free)(void *);
	struct pw_job		*pw;
	char			*body_text;	/* body_text_or_reply() */
	int			replied;
	u_int64_t		db_waited_ms;	/* queued for connections, in
						   all, so far (db.c) */
};

/*
 * An endpoint that is one SQL function call (endpoint.c): the SQL, the
 * status on success, which path parameter is the object's id (and which
 * one names a part of it, as in /sessions/{id}/points/{point}), which query
 * parameters it takes (NULL-terminated lists), the body's fields (NULL: no
 * body), and whether the client address and request id go along (for the
 * audit log).
 */
struct endpoint {
	const char		*sql;
	int			status;
	const char		*path_id;
	const char		*path_part;	/* a second path id, or NULL */
	const char		*query_ids[5];
	const char		*query_texts[4];
	const struct json_field	*body;
	int			audit;
	int			lang;	/* append the negotiated language */
	/* Adds to a checked body before it goes to SQL (may be NULL). */
	void			(*body_prepare)(json_t *);
};

/* Results of db_query_or_reply(). */
#define DB_PENDING	0	/* come back when Kore wakes the request */
#define DB_DONE		1	/* q->result holds the rows (or NULL) */
#define DB_REPLIED	2	/* failed; the error reply has been sent */

/* main.c */
int		handbook_onload(int);
u_int64_t	env_ms(const char *, u_int64_t, u_int64_t, u_int64_t);
const char	*handbook_database_url(void);
const char	*handbook_assets_dir(void);

/* router.c */
int		router_dispatch(struct http_request *);
const char	*router_param(struct http_request *, const char *);
int		router_check(void);

/* replica.c */
int		replica_start(const char *);
const char	*replica_db_for(const struct route *);
void		replica_failed(const char *);

/* route_match.c (pure) */
int		route_match(const char *, const char *, struct route_params *);
size_t		route_allow_header(const struct route *, size_t, const char *,
		    char *, size_t);

/* request.c */
struct request_ctx	*request_ctx_get(struct http_request *);
u_int64_t		request_now_us(void);

/* request_id.c (pure) */
int		request_id_valid(const char *);
void		request_id_generate(char *, size_t);

/* reply.c */
void		reply_json(struct http_request *, int, json_t *);
void		reply_json_text(struct http_request *, int, const char *,
		    size_t);
void		reply_bytes(struct http_request *, int, const char *,
		    const void *, size_t);
void		reply_error(struct http_request *, int, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
void		reply_hb_error(struct http_request *, const struct hb_error *);

/* accesslog.c (pure) */
int		accesslog_format(char *, size_t, const char *, const char *,
		    int, u_int64_t, int64_t, const char *, const char *);

/* etag.c (pure) */
void		etag_of(const void *, size_t, char *, size_t);
int		etag_matches(const char *, const char *);

/* doc_cache.c (pure) */
struct doc_cache_hit {
	const char	*body;
	size_t		len;
	const char	*etag;
	const char	*lang;		/* the language of the text served */
};
struct doc_cache_stats {
	u_int64_t	hits, misses, evictions;
	size_t		entries, bytes;
};
void		doc_cache_configure(size_t);
void		doc_cache_enable(int);
int		doc_cache_enabled(void);
int		doc_cache_get(int64_t, int, const char *, struct doc_cache_hit *);
int		doc_cache_put(int64_t, int, const char *, const char *,
		    const char *, size_t);
size_t		doc_cache_drop(int64_t);
void		doc_cache_clear(void);
void		doc_cache_stats_get(struct doc_cache_stats *);

/* doc_cache_listen.c */
void		doc_cache_listen_start(void);

/* json.c (pure) */
int		hb_json_parse(const void *, size_t, json_t **,
		    struct hb_error *);
size_t		hb_json_depth(json_t *);

/* json_fields.c (pure) */
struct json_field {
	const char	*name;
	int		type;		/* JSON_STRING, JSON_INTEGER, ... */
	int		required;
};
int		hb_json_check_fields(json_t *,
		    const struct json_field *, struct hb_error *);

/* event_batch.c (pure) */
#define EVENTS_MAX		500	/* events in one POST /api/v1/events */
#define EVENT_SECTION_MAX	12	/* sections are 1..12 (sql/0009) */
#define EVENT_SECONDS_MAX	14400	/* 4 hours of reading in one event */
struct event_item {
	char		id[37];		/* as sent, when a UUID; else "" */
	char		key[37];	/* the same in lower case */
	const char	*reason;	/* why refused; NULL when sent on */
	const char	*kind;
	int		kind_no;	/* 1.. in the order of read_event_kind */
	const char	*lang;
	int64_t		document_id;
	int		version;
	int		section;	/* 0: none */
	int64_t		occurred_us;	/* since 1970, UTC */
	int		seconds;
	/* The database's answer (events.c). */
	const char	*status;
	char		received_at[40];
	int		trusted;	/* -1: not said */
};
struct event_array {
	unsigned char	*data;
	int		len;		/* bytes, header included */
	int		n;		/* elements */
	int		nulls;		/* any NULL among them */
	uint32_t	oid;		/* of the element type */
};
struct event_batch {
	size_t			count;	/* events in the request */
	size_t			sent;	/* of them, passed on to the database */
	struct event_item	*items;
	/* The events passed on, in order, as PostgreSQL arrays in binary
	 * format: uuid[], integer[] (positions), smallint[] (kinds),
	 * bigint[], integer[], text[], smallint[] (NULL: no section),
	 * timestamptz[], integer[], bigint[] (digests). */
	struct event_array	ids, idx, kinds, docs, versions, langs;
	struct event_array	sections, occurred, seconds, digests;
};
int		event_uuid_valid(const char *);
int		event_time_parse(const char *, int64_t *);
int		event_batch_parse(json_t *, struct event_batch *,
		    struct hb_error *);
void		event_batch_free(struct event_batch *);
char		*event_batch_answer(struct event_batch *, size_t *);

/* body.c */
json_t		*body_json_or_reply(struct http_request *,
		    const struct json_field *);
json_t		*body_json(struct http_request *, const struct json_field *,
		    struct hb_error *);
const char	*body_text_or_reply(struct http_request *,
		    const struct json_field *, void (*)(json_t *));
struct kore_buf	*body_raw_or_reply(struct http_request *, const char *);

/* query.c (pure) */
int		query_param(const char *, const char *, char *, size_t);

/* utf8.c (pure) */
int		utf8_decode(const unsigned char *, size_t, size_t, u_int32_t *);
int		utf8_valid(const unsigned char *, size_t);
size_t		utf8_code_points(const char *);
int		utf8_prefix(const char *, size_t);

/* csv_import.c (pure) */
int		member_csv_to_json(const void *, size_t, json_t **,
		    struct hb_error *);

/* params.c */
int		param_id_valid(struct http_request *, const char *);
int		param_id_or_reply(struct http_request *, const char *, char *);
int		query_id_or_reply(struct http_request *, const char *, char *);
int		query_text_or_reply(struct http_request *, const char *,
		    char *, size_t);

/* endpoint.c */
int		endpoint_run(struct http_request *, const struct endpoint *);
const char	*lang_or_reply(struct http_request *);

/* lang.c (pure) */
const char	*lang_negotiate(const char *, const char *, const char *);

/* sqlstate.c (pure) */
void		sqlstate_to_error(const char *, const char *, const char *,
		    struct hb_error *);
int		sqlstate_is_unavailable(const char *);
int		sqlstate_replica_retry(const char *);
const char	*sqlstate_retry_after(const char *);

/* db.c */
void		db_init(void);
int		db_query_or_reply(struct http_request *, struct db_query *,
		    const char *, int, const char **);
int		db_query_params_or_reply(struct http_request *,
		    struct db_query *, const char *, int, const char **,
		    int *, int *);
int		db_reply_json(struct http_request *, int, const char *, int,
		    const char **);
void		db_query_clear(struct db_query *);
void		db_sql_cleanup(struct kore_pgsql *);
json_t		*db_result_json_or_reply(struct http_request *,
		    struct db_query *, const char *);
void		db_one_line(char *, size_t, const char *);

/* token.c (pure) */
void		token_generate(char *, size_t);
void		token_hash_hex(const char *, char *, size_t);
const char	*token_from_header(const char *);

/* text_nfc.c (pure) */
int		text_nfc(const char *, char *, size_t);

/* khmer.c (pure) */
int		khmer_normalize(const char *, char *, size_t);
int		khmer_segment(const char *, const char *, char *, size_t);
int		khmer_words_json(json_t *, const char *const *);

/* shingles.c (pure) */
#define SHINGLE_WORDS	5	/* words in a shingle */
#define MINHASH_K	24	/* MinHash values per paragraph */
#define LSH_BANDS	8	/* ... cut into 8 bands */
#define LSH_ROWS	3	/* of 3 values */
extern const char *const shingle_sections[];
char		*shingle_fold(const char *);
int		shingle_hashes(const char *, u_int64_t **, size_t *);
void		shingle_bands(const u_int64_t *, size_t, u_int64_t,
		    u_int64_t[LSH_BANDS]);
u_int64_t	shingle_study_key(int64_t, int64_t);
json_t		*shingle_essay_json(json_t *, u_int64_t);
json_t		*shingle_lines_json(const char *);

/* password_rules.c (pure) */
int		password_acceptable(const char *, struct hb_error *);

/* pwhash.c */
int		pw_init(void);
struct pw_job	*pw_job_alloc(int, const char *, const char *, const char *);
void		pw_job_start(struct http_request *, struct pw_job *);
int		pw_job_finished(struct pw_job *);
struct pw_job	*pw_job_wait_or_reply(struct http_request *, const char *,
		    int *);
void		pw_job_free(struct pw_job *);

/* audit.c */
void		audit_denied(struct http_request *, int, const char *);

/* auth.c */
int		auth_or_reply(struct http_request *);
int		auth_with_or_reply(struct http_request *, const char *,
		    const char *);
int		auth_token_or_reply(struct http_request *);
void		auth_reply_invalid_token(struct http_request *);
int		auth_login(struct http_request *);
int		auth_logout(struct http_request *);
int		auth_password(struct http_request *);
int		me_get(struct http_request *);

/* units.c */
int		units_list(struct http_request *);
int		units_get(struct http_request *);
int		units_create(struct http_request *);
int		units_update(struct http_request *);
int		units_move(struct http_request *);

/* members.c */
int		members_list(struct http_request *);
int		members_get(struct http_request *);
int		members_create(struct http_request *);
int		members_update(struct http_request *);
int		members_roles_set(struct http_request *);
int		members_import(struct http_request *);
int		members_password_set(struct http_request *);

/* documents.c */
int		document_fetch_or_reply(struct http_request *,
		    int (*)(struct http_request *));
int		documents_list(struct http_request *);
int		documents_get(struct http_request *);
int		documents_edition(struct http_request *);
int		documents_withdraw(struct http_request *);
int		documents_publish(struct http_request *);
int		documents_create(struct http_request *);
int		documents_draft_save(struct http_request *);
int		documents_draft_get(struct http_request *);

/* bundle.c */
int		bundle_keys_load(const char *);
int		documents_bundle(struct http_request *);
int		keys_get(struct http_request *);

/* media.c */
int		media_get(struct http_request *);

/* sync.c */
int		sync_get(struct http_request *);

/* events.c */
int		events_post(struct http_request *);

/* progress.c */
int		progress_get(struct http_request *);

/* essays.c */
int		essays_save(struct http_request *);
int		essays_list(struct http_request *);
int		essays_get(struct http_request *);
int		essays_versions(struct http_request *);
int		essays_similarity(struct http_request *);

/* essay_reviews.c */
int		essay_reviews_create(struct http_request *);
int		essay_reviews_list(struct http_request *);

/* essay_deadlines.c */
int		essay_deadlines_set(struct http_request *);

/* essay_settings.c */
int		essay_settings_get(struct http_request *);
int		essay_settings_set(struct http_request *);

/* search.c */
int		search_get(struct http_request *);

/* meetings.c */
int		meetings_create(struct http_request *);
int		meetings_list(struct http_request *);
int		meetings_get(struct http_request *);
int		meetings_update(struct http_request *);
int		meetings_delete(struct http_request *);
int		meetings_versions(struct http_request *);
int		meetings_counts(struct http_request *);

/* reports.c */
int		reports_engagement(struct http_request *);
int		reports_target_put(struct http_request *);
int		reports_target_delete(struct http_request *);

/* report_export.c (pure) */
int		report_export_csv(json_t *, const char *, char **, size_t *);
int		report_export_xlsx(json_t *, const char *, const char *,
		    char **, size_t *);

/* notes.c */
int		notes_create(struct http_request *);
int		notes_list(struct http_request *);
int		notes_get(struct http_request *);
int		notes_update(struct http_request *);
int		notes_delete(struct http_request *);
int		notes_versions(struct http_request *);

/* study_sessions.c */
int		study_sessions_list(struct http_request *);
int		study_sessions_create(struct http_request *);
int		study_sessions_get(struct http_request *);
int		study_sessions_update(struct http_request *);
int		study_sessions_cancel(struct http_request *);
int		study_sessions_point_add(struct http_request *);
int		study_sessions_point_update(struct http_request *);
int		study_sessions_point_remove(struct http_request *);
int		study_sessions_mine(struct http_request *);

/* attendance.c */
int		study_attendance_list(struct http_request *);
int		study_attendance_record(struct http_request *);

/* quizzes.c */
int		quizzes_create(struct http_request *);
int		quizzes_list(struct http_request *);
int		quizzes_get(struct http_request *);
int		quizzes_statistics(struct http_request *);
int		quizzes_leaderboard(struct http_request *);
int		quizzes_results(struct http_request *);

/* quiz_attempts.c */
int		quiz_attempts_start(struct http_request *);
int		quiz_attempts_mine(struct http_request *);
int		quiz_attempts_get(struct http_request *);
int		quiz_attempts_submit(struct http_request *);

/* programmes.c */
int		programmes_create(struct http_request *);
int		programmes_list(struct http_request *);
int		programmes_get(struct http_request *);
int		programmes_update(struct http_request *);
int		programmes_versions(struct http_request *);

/* programme_tasks.c */
int		programme_tasks_create(struct http_request *);
int		programme_tasks_list(struct http_request *);
int		programme_tasks_get(struct http_request *);
int		programme_tasks_update(struct http_request *);
int		programme_tasks_history(struct http_request *);
int		programme_tasks_mine(struct http_request *);

/* task_progress.c */
int		task_progress_create(struct http_request *);
int		task_progress_list(struct http_request *);

/* health.c */
int		health_get(struct http_request *);

/* version.c */
int		version_get(struct http_request *);

/* openapi.c */
int		openapi_load(const char *);
int		openapi_get(struct http_request *);

/* static.c */
int		static_load(const char *);
int		static_get(struct http_request *);

/* static_names.c (pure) */
const char	*static_type_of(const char *, int *);

#endif /* !HANDBOOK_H */
