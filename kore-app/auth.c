/*
 * Logging in and out, the caller's own account (GET /api/v1/me), changing
 * one's password, and auth_or_reply(), the token check every protected
 * handler starts with.
 *
 * A login takes four steps, each a state of the handler (ctx->step):
 * read the body; ask the database who this is and whether they may try
 * now (auth_login_begin, which answers 429 for a throttled login or
 * address before any password work); check the password with Argon2id in
 * a task thread (pwhash.c), against a dummy hash when the account does
 * not exist so that both cases take the same time; then record the
 * outcome (auth_login_finish: session, throttling, audit) and answer. An
 * unknown login and a wrong password get the same 401, word for word.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

struct login_state {
	char	login[65];
	char	password[HB_PASSWORD_MAX * 4 + 1];
	char	new_password[HB_PASSWORD_MAX * 4 + 1];
	char	member_id[24];		/* "" for an unknown login */
	int	verified;
	char	new_hash[crypto_pwhash_STRBYTES];
	char	token[HB_TOKEN_LEN + 1];
	char	token_hash[HB_TOKEN_HASH_HEX + 1];
};

static const struct json_field login_fields[] = {
	{ "login", JSON_STRING, 1 },
	{ "password", JSON_STRING, 1 },
	{ NULL, 0, 0 },
};

static const struct json_field password_fields[] = {
	{ "current_password", JSON_STRING, 1 },
	{ "new_password", JSON_STRING, 1 },
	{ NULL, 0, 0 },
};

static struct login_state	*state_get(struct http_request *);
static void			state_free(void *);
static int			pw_wait(struct http_request *, int *);
static void			reply_member_json(struct http_request *,
				    struct db_query *);

/*
 * DB_DONE when the request carries a valid token (ctx->member_id is then
 * set), DB_PENDING while the database is asked, DB_REPLIED after a 401 or
 * a 503 has been sent.
 */
int
auth_or_reply(struct http_request *req)
{
	return (auth_with_or_reply(req, NULL, NULL));
}

/*
 * The token check and one more question in the same round trip, for the
 * hottest reads (a document: which version may this member read?). sql
 * takes the token hash as $1 and arg as $2 and answers one row whose
 * first two columns are those of auth_session_member(); no row, or a NULL
 * member, means the token is not valid. Alone, it asks
 * auth_session_member(), a PL/pgSQL function so that PostgreSQL plans its
 * query once per connection, not at every request (sql/0042: a third of
 * the cost). On DB_DONE the row stays in ctx->auth_query.result for the
 * caller to read its other columns and clear.
 */
int
auth_with_or_reply(struct http_request *req, const char *sql,
    const char *arg)
{
	struct request_ctx	*ctx;
	const char		*values[2];
	PGresult		*res;

	ctx = request_ctx_get(req);
	if (ctx->member_id > 0)
		return (DB_DONE);

	if (!auth_token_or_reply(req))
		return (DB_REPLIED);

	values[0] = ctx->token_hash;
	values[1] = arg;
	switch (db_query_or_reply(req, &ctx->auth_query, sql != NULL ? sql :
	    "SELECT member_id, lang FROM auth_session_member($1)",
	    sql != NULL ? 2 : 1, values)) {
	case DB_PENDING:
		return (DB_PENDING);
	case DB_REPLIED:
		return (DB_REPLIED);
	}

	res = ctx->auth_query.result;
	if (res == NULL || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		db_query_clear(&ctx->auth_query);
		/*
		 * A replica may not have replayed a login of a moment ago:
		 * only the primary may call a token unknown. The request
		 * then stays on the primary.
		 */
		if (ctx->db != NULL && !strcmp(ctx->db, HB_DB_READ)) {
			ctx->db = HB_DB;
			return (auth_with_or_reply(req, sql, arg));
		}
		auth_reply_invalid_token(req);
		return (DB_REPLIED);
	}

	ctx->member_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	/* The member's own choice, when a request names no language. */
	ctx->member_lang = strcmp(PQgetvalue(res, 0, 1), "km") == 0 ? "km" :
	    "vi";
	if (sql == NULL)
		db_query_clear(&ctx->auth_query);

	return (DB_DONE);
}

/*
 * The local half of the token check: ctx->token_hash from the
 * Authorization header, or 0 after the 401 for a request without a
 * token. A handler that asks the database about the token in its own
 * statement (events.c) calls this, then auth_reply_invalid_token() when
 * the database did not know the token.
 */
int
auth_token_or_reply(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*hdr, *token;

	ctx = request_ctx_get(req);
	if (ctx->token_hash[0] != '\0')
		return (1);

	if (!http_request_header(req, "authorization", &hdr) ||
	    (token = token_from_header(hdr)) == NULL) {
		http_response_header(req, "www-authenticate", "Bearer");
		reply_error(req, HTTP_STATUS_UNAUTHORIZED, "unauthorized",
		    "Log in first, then send Authorization: Bearer <token>.");
		audit_denied(req, HTTP_STATUS_UNAUTHORIZED, "unauthorized");
		return (0);
	}
	token_hash_hex(token, ctx->token_hash, sizeof(ctx->token_hash));

	return (1);
}

/* The 401 for a token that is unknown, expired or revoked. */
void
auth_reply_invalid_token(struct http_request *req)
{
	http_response_header(req, "www-authenticate",
	    "Bearer error=\"invalid_token\"");
	reply_error(req, HTTP_STATUS_UNAUTHORIZED, "invalid_token",
	    "The token is unknown, expired or revoked; log in again.");
	audit_denied(req, HTTP_STATUS_UNAUTHORIZED, "invalid_token");
}

/* POST /api/v1/auth/login */
int
auth_login(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct login_state	*st;
	json_t			*body, *answer;
	const char		*values[8], *login, *password;
	char			ttl[16], retry[16];
	PGresult		*res;
	int			n;

	ctx = request_ctx_get(req);

	switch (ctx->step) {
	case 0:
		if ((body = body_json_or_reply(req, login_fields)) == NULL)
			return (KORE_RESULT_OK);
		login = json_string_value(json_object_get(body, "login"));
		password = json_string_value(json_object_get(body, "password"));
		if (strlen(login) == 0 || strlen(login) > 64 ||
		    strlen(password) == 0 ||
		    strlen(password) > HB_PASSWORD_MAX * 4) {
			json_decref(body);
			reply_error(req, 422, "invalid_field", "Give a login "
			    "(card number or phone) and a password.");
			return (KORE_RESULT_OK);
		}
		st = state_get(req);
		(void)snprintf(st->login, sizeof(st->login), "%s", login);
		(void)snprintf(st->password, sizeof(st->password), "%s",
		    password);
		json_decref(body);
		ctx->step = 1;
		/* FALLTHROUGH */
	case 1:
		st = state_get(req);
		values[0] = st->login;
		values[1] = ctx->client;
		values[2] = ctx->id;
		switch (db_query_or_reply(req, &ctx->query,
		    "SELECT member_id, password_hash, retry_after "
		    "FROM auth_login_begin($1, $2, $3)", 3, values)) {
		case DB_PENDING:
			return (KORE_RESULT_RETRY);
		case DB_REPLIED:
			return (KORE_RESULT_OK);
		}
		res = ctx->query.result;
		if (res == NULL || PQntuples(res) != 1) {
			db_query_clear(&ctx->query);
			reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
			    "internal_error", "The login could not be checked.");
			return (KORE_RESULT_OK);
		}
		n = atoi(PQgetvalue(res, 0, 2));
		if (n > 0) {
			db_query_clear(&ctx->query);
			(void)snprintf(retry, sizeof(retry), "%d", n);
			http_response_header(req, "retry-after", retry);
			reply_error(req, 429, "too_many_requests",
			    "Too many failed logins; try again in %d seconds.",
			    n);
			return (KORE_RESULT_OK);
		}
		(void)snprintf(st->member_id, sizeof(st->member_id), "%s",
		    PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
		ctx->pw = pw_job_alloc(PW_VERIFY, st->password,
		    PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1),
		    NULL);
		sodium_memzero(st->password, sizeof(st->password));
		db_query_clear(&ctx->query);
		pw_job_start(req, ctx->pw);
		ctx->step = 2;
		return (KORE_RESULT_RETRY);
	case 2:
		if (!pw_wait(req, &n))
			return (n);
		st = state_get(req);
		if (st->verified) {
			token_generate(st->token, sizeof(st->token));
			token_hash_hex(st->token, st->token_hash,
			    sizeof(st->token_hash));
		}
		ctx->step = 3;
		/* FALLTHROUGH */
	case 3:
		st = state_get(req);
		(void)snprintf(ttl, sizeof(ttl), "%d", HB_TOKEN_TTL);
		values[0] = st->member_id[0] != '\0' ? st->member_id : NULL;
		values[1] = st->login;
		values[2] = st->verified ? "true" : "false";
		values[3] = ctx->client;
		values[4] = ctx->id;
		values[5] = st->verified ? st->token_hash : NULL;
		values[6] = ttl;
		values[7] = st->new_hash[0] != '\0' ? st->new_hash : NULL;
		switch (db_query_or_reply(req, &ctx->query,
		    "SELECT auth_login_finish($1::bigint, $2, $3::boolean, $4, "
		    "$5, $6, $7::integer, $8)::text", 8, values)) {
		case DB_PENDING:
			return (KORE_RESULT_RETRY);
		case DB_REPLIED:
			return (KORE_RESULT_OK);
		}
		res = ctx->query.result;
		if (res == NULL || PQntuples(res) != 1 ||
		    PQgetisnull(res, 0, 0)) {
			db_query_clear(&ctx->query);
			reply_error(req, HTTP_STATUS_UNAUTHORIZED,
			    "invalid_credentials",
			    "Wrong login or password.");
			return (KORE_RESULT_OK);
		}
		if ((answer = db_result_json_or_reply(req, &ctx->query,
		    "The session")) == NULL)
			return (KORE_RESULT_OK);
		/* The token itself never reaches the database. */
		json_object_set_new(answer, "token", json_string(st->token));
		reply_json(req, HTTP_STATUS_OK, answer);
		return (KORE_RESULT_OK);
	}

	reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
	    "Unexpected state.");
	return (KORE_RESULT_OK);
}

/* POST /api/v1/auth/logout: the token is refused from now on. */
int
auth_logout(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*values[3];

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	ctx = request_ctx_get(req);
	values[0] = ctx->token_hash;
	values[1] = ctx->client;
	values[2] = ctx->id;
	switch (db_query_or_reply(req, &ctx->query,
	    "SELECT auth_logout($1, $2, $3)", 3, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	db_query_clear(&ctx->query);
	reply_bytes(req, HTTP_STATUS_NO_CONTENT, NULL, NULL, 0);
	return (KORE_RESULT_OK);
}

/* GET /api/v1/me: the caller, their cell, its units up to the root, roles. */
int
me_get(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*values[1];
	char			id[24];

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	ctx = request_ctx_get(req);
	(void)snprintf(id, sizeof(id), "%lld", (long long)ctx->member_id);
	values[0] = id;
	switch (db_query_or_reply(req, &ctx->query,
	    "SELECT member_json($1::bigint)::text", 1, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	reply_member_json(req, &ctx->query);
	return (KORE_RESULT_OK);
}

/*
 * POST /api/v1/auth/password {"current_password", "new_password"}: the
 * current password is proved again (a borrowed phone with an open session
 * must not be enough), the new one stored, and every other session of the
 * member revoked.
 */
int
auth_password(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct login_state	*st;
	struct hb_error		err;
	json_t			*body;
	const char		*values[5], *cur, *next;
	char			id[24];
	PGresult		*res;
	int			rc;

	switch (auth_or_reply(req)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	ctx = request_ctx_get(req);
	(void)snprintf(id, sizeof(id), "%lld", (long long)ctx->member_id);

	switch (ctx->step) {
	case 0:
		if ((body = body_json_or_reply(req, password_fields)) == NULL)
			return (KORE_RESULT_OK);
		cur = json_string_value(json_object_get(body,
		    "current_password"));
		next = json_string_value(json_object_get(body, "new_password"));
		if (!password_acceptable(next, &err)) {
			json_decref(body);
			reply_hb_error(req, &err);
			return (KORE_RESULT_OK);
		}
		st = state_get(req);
		(void)snprintf(st->password, sizeof(st->password), "%s", cur);
		(void)snprintf(st->new_password, sizeof(st->new_password),
		    "%s", next);
		json_decref(body);
		ctx->step = 1;
		/* FALLTHROUGH */
	case 1:
		st = state_get(req);
		values[0] = id;
		switch (db_query_or_reply(req, &ctx->query,
		    "SELECT password_hash FROM members WHERE id = $1::bigint",
		    1, values)) {
		case DB_PENDING:
			return (KORE_RESULT_RETRY);
		case DB_REPLIED:
			return (KORE_RESULT_OK);
		}
		res = ctx->query.result;
		ctx->pw = pw_job_alloc(PW_VERIFY_AND_CHANGE, st->password,
		    res != NULL && PQntuples(res) == 1 &&
		    !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : NULL,
		    st->new_password);
		sodium_memzero(st->password, sizeof(st->password));
		sodium_memzero(st->new_password, sizeof(st->new_password));
		db_query_clear(&ctx->query);
		pw_job_start(req, ctx->pw);
		ctx->step = 2;
		return (KORE_RESULT_RETRY);
	case 2:
		if (!pw_wait(req, &rc))
			return (rc);
		st = state_get(req);
		if (!st->verified || st->new_hash[0] == '\0') {
			reply_error(req, HTTP_STATUS_FORBIDDEN, "wrong_password",
			    "The current password is not right.");
			audit_denied(req, HTTP_STATUS_FORBIDDEN,
			    "wrong_password");
			return (KORE_RESULT_OK);
		}
		ctx->step = 3;
		/* FALLTHROUGH */
	case 3:
		st = state_get(req);
		values[0] = id;
		values[1] = ctx->token_hash;
		values[2] = st->new_hash;
		values[3] = ctx->client;
		values[4] = ctx->id;
		switch (db_query_or_reply(req, &ctx->query,
		    "SELECT auth_password_set($1::bigint, $2, $3, $4, $5)",
		    5, values)) {
		case DB_PENDING:
			return (KORE_RESULT_RETRY);
		case DB_REPLIED:
			return (KORE_RESULT_OK);
		}
		db_query_clear(&ctx->query);
		reply_bytes(req, HTTP_STATUS_NO_CONTENT, NULL, NULL, 0);
		return (KORE_RESULT_OK);
	}

	reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
	    "Unexpected state.");
	return (KORE_RESULT_OK);
}

/*
 * Waits for ctx->pw. Returns 0 while it runs or after replying 500 (with
 * *rc the value for the handler to return), 1 once it finished, its
 * outcome copied into the state and the job freed.
 */
static int
pw_wait(struct http_request *req, int *rc)
{
	struct request_ctx	*ctx;
	struct login_state	*st;
	struct pw_job		*job;

	if ((job = pw_job_wait_or_reply(req,
	    "The password could not be checked.", rc)) == NULL)
		return (0);

	ctx = request_ctx_get(req);
	ctx->pw = NULL;
	st = state_get(req);
	st->verified = job->verified;
	(void)snprintf(st->new_hash, sizeof(st->new_hash), "%s",
	    job->new_hash);
	pw_job_free(job);

	return (1);
}

static void
reply_member_json(struct http_request *req, struct db_query *q)
{
	PGresult	*res;

	res = q->result;
	if (res == NULL || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		db_query_clear(q);
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such member.");
		return;
	}

	reply_json_text(req, HTTP_STATUS_OK, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
	db_query_clear(q);
}

static struct login_state *
state_get(struct http_request *req)
{
	struct request_ctx	*ctx;

	ctx = request_ctx_get(req);
	if (ctx->state == NULL) {
		ctx->state = kore_calloc(1, sizeof(struct login_state));
		ctx->state_free = state_free;
	}

	return (ctx->state);
}

/* Passwords, hashes and the token are wiped, not just freed. */
static void
state_free(void *p)
{
	sodium_memzero(p, sizeof(struct login_state));
	kore_free(p);
}
