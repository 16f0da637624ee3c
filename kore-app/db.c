/*
 * A small layer over Kore's asynchronous PostgreSQL client: one
 * parameterised statement per call, driven from a handler that Kore calls
 * again whenever the statement makes progress.
 *
 *	switch (db_query_or_reply(req, &ctx->query, SQL, n, values)) {
 *	case DB_PENDING:	return (KORE_RESULT_RETRY);
 *	case DB_REPLIED:	return (KORE_RESULT_OK);
 *	}
 *	... read ctx->query.result, reply, db_query_clear() ...
 *
 * A Kore pgsql connection returns to the pool when its statement completes,
 * so a transaction cannot span two calls: multi-step writes are one
 * statement (a CTE) or an SQL function in sql/.
 *
 * Kore 4.1 never drops a pooled connection that the server closed (after a
 * PostgreSQL restart every later statement on it fails). Before using a
 * connection we check it: an idle connection has nothing to read, so if its
 * socket is readable the server has said goodbye (or just closed it), and
 * libpq is given the chance to notice. A bad connection is reset: that is
 * what lets the service recover by itself once the database is back, and
 * why a statement is never sent down a connection already known dead. A
 * reset is a blocking connect, bounded by connect_timeout in the connection
 * string and quick on loopback; it only happens after the database went
 * away.
 *
 * Which server: the request's first statement picks the primary (HB_DB) or,
 * for a ROUTE_REPLICA read while the replica keeps up, the replica
 * (HB_DB_READ; replica.c), and the request's later statements follow it.
 * A read the replica cannot run (no connection, shutting down, cancelled
 * by a conflict with replay) is run again on the primary before anything
 * is answered: reads are idempotent, and a stopped replica then costs no
 * client a request.
 *
 * Waiting for a connection is bounded. Kore 4.1 queues a statement behind
 * pgsql_conn_max connections per worker with no timeout: the request
 * sleeps until a connection is handed back, so when statements hang (a
 * lock, a stalled server) every request behind them would hang too, each
 * holding its memory, until HAProxy's 30 s gives up on it and the client
 * retries into the same queue. A request may wait HANDBOOK_DB_WAIT_MS in
 * all (2 s by default); then it leaves the queue and is answered 503
 * database_busy with Retry-After, before anything of it was sent to the
 * database, so a write answered so was not stored and can be sent again.
 * A one-shot Kore timer per waiting statement wakes the request at its
 * deadline: a queued request sleeps and its handler is not called, so a
 * check in the handler alone would never run; the timer is removed when
 * the statement gets its connection or the request goes away
 * (db_query_clear() from request_free()). When Kore's queue itself is
 * full (pgsql_queue_limit), kore_pgsql_setup() fails at once with "no
 * available connection": that is answered the same way.
 */

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "handbook.h"

static int	fail(struct http_request *, struct db_query *);
static int	to_primary(struct http_request *, struct db_query *);
static int	connection_usable(struct kore_pgsql *);
static int	wait_more(struct http_request *, struct db_query *);
static void	wait_end(struct http_request *, struct db_query *);
static void	wait_timeout(void *, u_int64_t);
static int	busy(struct http_request *, struct db_query *, const char *);

/* HANDBOOK_DB_WAIT_MS, read once per worker by db_init(). */
static u_int64_t	db_wait_ms = HB_DB_WAIT_MS_DEFAULT;

/* Kore's error when its queue of waiting statements is full (pgsql.c). */
#define KORE_PGSQL_QUEUE_FULL	"no available connection"

/*
 * Called from handbook_onload() in each worker: how long a request may
 * wait for database connections.
 */
void
db_init(void)
{
	db_wait_ms = env_ms("HANDBOOK_DB_WAIT_MS", HB_DB_WAIT_MS_DEFAULT,
	    HB_DB_WAIT_MS_MIN, HB_DB_WAIT_MS_MAX);
}

int
db_query_or_reply(struct http_request *req, struct db_query *q,
    const char *sql, int nparams, const char **values)
{
	return (db_query_params_or_reply(req, q, sql, nparams, values, NULL,
	    NULL));
}

/*
 * The same with some parameters in PostgreSQL's binary format: formats[i]
 * 1 and lengths[i] its bytes (events.c sends its arrays so, sparing the
 * server the parsing of text). NULL lengths and formats: all text.
 */
int
db_query_params_or_reply(struct http_request *req, struct db_query *q,
    const char *sql, int nparams, const char **values, int *lengths,
    int *formats)
{
	struct request_ctx	*ctx;

	if (!q->started) {
		ctx = request_ctx_get(req);
		if (ctx->db == NULL)
			ctx->db = replica_db_for(ctx->route);
		q->db = ctx->db;
		kore_pgsql_init(&q->sql);
		kore_pgsql_bind_request(&q->sql, req);
		q->started = 1;
		q->result = NULL;
		q->req = req;
		q->wait_since = 0;
		q->wait_timer = NULL;
	}

	if (q->sql.state == KORE_PGSQL_STATE_INIT) {
		if (q->wait_since != 0) {
			/*
			 * Queued before. Kore took us out of its queue if it
			 * woke us for a free connection, but not if our
			 * deadline did; asking again while still queued
			 * would queue us twice, and the second entry would
			 * outlive the request. Leave the queue first.
			 */
			db_sql_cleanup(&q->sql);
			kore_pgsql_init(&q->sql);
			kore_pgsql_bind_request(&q->sql, req);
		}
		if (!kore_pgsql_setup(&q->sql, q->db, KORE_PGSQL_ASYNC)) {
			/* Still INIT: queued until a connection is free. */
			if (q->sql.state == KORE_PGSQL_STATE_INIT) {
				if (wait_more(req, q))
					return (DB_PENDING);
				return (busy(req, q, "no connection came free "
				    "in time"));
			}
			if (q->sql.conn == NULL && q->sql.error != NULL &&
			    !strcmp(q->sql.error, KORE_PGSQL_QUEUE_FULL))
				return (busy(req, q, "the queue for "
				    "connections is full"));
			wait_end(req, q);
			goto failed;
		}
		wait_end(req, q);
		if (!connection_usable(&q->sql))
			goto failed;
		if (!kore_pgsql_query_param_fields(&q->sql, sql, 0, nparams,
		    values, lengths, formats))
			goto failed;
	}

	for (;;) {
		switch (q->sql.state) {
		case KORE_PGSQL_STATE_WAIT:
			return (DB_PENDING);
		case KORE_PGSQL_STATE_RESULT:
			/* Keep the first result set; continue() frees it. */
			if (q->result == NULL) {
				q->result = q->sql.result;
				q->sql.result = NULL;
			}
			kore_pgsql_continue(&q->sql);
			break;
		case KORE_PGSQL_STATE_DONE:
			if (q->result == NULL && q->sql.result != NULL) {
				q->result = q->sql.result;
				q->sql.result = NULL;
			}
			/* Hands the connection back; state becomes COMPLETE. */
			kore_pgsql_continue(&q->sql);
			break;
		case KORE_PGSQL_STATE_COMPLETE:
			/*
			 * Every statement sent ends with a result, rows or an
			 * error. None at all means libpq found nothing left on
			 * the connection: it went away under the statement (a
			 * replica stopped, seen twice in 27,000 reads of
			 * multinode.sh). That is a failure like a lost
			 * connection, not an empty answer (it was a 404).
			 */
			if (q->result == NULL)
				goto failed;
			db_sql_cleanup(&q->sql);
			return (DB_DONE);
		case KORE_PGSQL_STATE_ERROR:
			goto failed;
		default:
			/* NOTIFY and anything new: let Kore move on. */
			kore_pgsql_continue(&q->sql);
			break;
		}
	}

failed:
	if (to_primary(req, q))
		return (db_query_params_or_reply(req, q, sql, nparams, values,
		    lengths, formats));
	return (fail(req, q));
}

/*
 * A statement failed on the replica: 1 when it should run on the primary
 * instead (q is then cleared and the request moved there for good), 0 when
 * its error is the answer.
 */
static int
to_primary(struct http_request *req, struct db_query *q)
{
	struct request_ctx	*ctx;
	PGresult		*res;
	const char		*state, *primary;
	char			why[256];
	int			kind;

	if (q->db == NULL || strcmp(q->db, HB_DB_READ))
		return (0);

	ctx = request_ctx_get(req);
	res = q->sql.result;
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if ((kind = sqlstate_replica_retry(state)) == 0)
		return (0);

	primary = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	db_one_line(why, sizeof(why), primary != NULL ? primary :
	    (q->sql.error != NULL ? q->sql.error : "connection lost"));
	if (state != NULL && !strcmp(state, "25006")) {
		/* A ROUTE_REPLICA read that writes: fix the route or SQL. */
		kore_log(LOG_ERR, "rid=%s the read replica refused a write on "
		    "%s (move the write out or make the route a ROUTE): %s",
		    ctx->id, ctx->route != NULL ? ctx->route->path : "-", why);
	} else {
		kore_log(LOG_NOTICE, "rid=%s read failed on the replica "
		    "(sqlstate=%s: %s); run on the primary", ctx->id,
		    state != NULL ? state : "-", why);
	}
	if (kind == 1)
		replica_failed(why);

	db_query_clear(q);
	ctx->db = HB_DB;
	return (1);
}

/*
 * For a handler whose whole answer is the one JSON value a statement
 * returns: sends it with status (204 sends no body), or 404 when the
 * statement returned no row or NULL. Returns what the handler returns.
 */
int
db_reply_json(struct http_request *req, int status, const char *sql,
    int nparams, const char **values)
{
	struct request_ctx	*ctx;
	PGresult		*res;

	ctx = request_ctx_get(req);
	switch (db_query_or_reply(req, &ctx->query, sql, nparams, values)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_REPLIED:
		return (KORE_RESULT_OK);
	}

	res = ctx->query.result;
	if (status == HTTP_STATUS_NO_CONTENT) {
		reply_bytes(req, status, NULL, NULL, 0);
	} else if (res == NULL || PQntuples(res) != 1 || PQnfields(res) != 1 ||
	    PQgetisnull(res, 0, 0)) {
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No such resource.");
	} else {
		reply_json_text(req, status, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	}
	db_query_clear(&ctx->query);

	return (KORE_RESULT_OK);
}

/*
 * The one JSON value a finished statement returned, parsed, for a handler
 * that looks inside it before answering (a report whose "ok" decides the
 * status, a session to add the token to). q is cleared either way. NULL
 * after a 500 naming what could not be read (no row, NULL, not JSON).
 */
json_t *
db_result_json_or_reply(struct http_request *req, struct db_query *q,
    const char *what)
{
	json_t		*value;
	json_error_t	 jerr;
	PGresult	*res;

	res = q->result;
	value = NULL;
	if (res != NULL && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		value = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
	db_query_clear(q);
	if (value == NULL)
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "%s could not be read.", what);

	return (value);
}

/* Frees the result and any statement in flight; q can be used again. */
void
db_query_clear(struct db_query *q)
{
	if (q->started)
		db_sql_cleanup(&q->sql);
	if (q->result != NULL)
		PQclear(q->result);
	/* The timer points at q, which may be freed after this. */
	if (q->wait_timer != NULL)
		kore_timer_remove(q->wait_timer);

	q->result = NULL;
	q->started = 0;
	q->wait_since = 0;
	q->wait_timer = NULL;
}

/*
 * A statement is queued for a connection: 1 to go on waiting (the deadline
 * timer is set on the first wait), 0 when the request has waited its
 * HANDBOOK_DB_WAIT_MS. The budget is per request, not per statement, so a
 * request of three statements cannot wait three times as long.
 */
static int
wait_more(struct http_request *req, struct db_query *q)
{
	struct request_ctx	*ctx;
	u_int64_t		 now, waited;

	ctx = request_ctx_get(req);
	now = kore_time_ms();

	if (q->wait_since == 0) {
		q->wait_since = now;
		if (ctx->db_waited_ms >= db_wait_ms)
			return (0);
		q->wait_timer = kore_timer_add(wait_timeout,
		    db_wait_ms - ctx->db_waited_ms, q, KORE_TIMER_ONESHOT);
		return (1);
	}

	/* The timer has fired (it is NULL then), or the clock says so. */
	waited = ctx->db_waited_ms + (now - q->wait_since);
	return (q->wait_timer != NULL && waited < db_wait_ms);
}

/* The statement has its connection (or failed): stop the clock. */
static void
wait_end(struct http_request *req, struct db_query *q)
{
	struct request_ctx	*ctx;

	if (q->wait_timer != NULL) {
		kore_timer_remove(q->wait_timer);
		q->wait_timer = NULL;
	}
	if (q->wait_since != 0) {
		ctx = request_ctx_get(req);
		ctx->db_waited_ms += kore_time_ms() - q->wait_since;
		q->wait_since = 0;
	}
}

/*
 * The deadline of a queued statement: wake its request, whose handler then
 * finds it still without a connection (or takes one just freed). Kore frees
 * a one-shot timer after this returns.
 */
static void
wait_timeout(void *arg, u_int64_t now)
{
	struct db_query		*q = arg;

	(void)now;
	q->wait_timer = NULL;
	http_request_wakeup(q->req);
}

/*
 * No connection for this request: 503 with Retry-After. Nothing of the
 * statement was sent, and the pgsql leaves Kore's queue and the request's
 * list (db_sql_cleanup() in db_query_clear()), so Kore can never hand
 * it a connection afterwards.
 */
static int
busy(struct http_request *req, struct db_query *q, const char *why)
{
	struct request_ctx	*ctx;
	u_int64_t		 waited;

	ctx = request_ctx_get(req);
	waited = ctx->db_waited_ms;
	if (q->wait_since != 0)
		waited += kore_time_ms() - q->wait_since;
	kore_log(LOG_NOTICE, "rid=%s database busy: %s (waited %llu ms, "
	    "limit %llu ms)", ctx->id, why, (unsigned long long)waited,
	    (unsigned long long)db_wait_ms);

	db_query_clear(q);
	ctx->db_waited_ms = waited;

	/*
	 * Kore put the request to sleep when it queued the statement; a
	 * request answered while on the sleeping list would be freed from
	 * the wrong list.
	 */
	http_request_wakeup(req);
	http_response_header(req, "retry-after", HB_RETRY_AFTER_DB);
	reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE, "database_busy",
	    "The server is busy; try again shortly.");
	return (DB_REPLIED);
}

static int
fail(struct http_request *req, struct db_query *q)
{
	struct request_ctx	*ctx;
	struct hb_error		err;
	PGresult		*res;
	const char		*state, *primary, *hint, *detail;
	char			why[256];

	ctx = request_ctx_get(req);
	res = q->sql.result;

	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	primary = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	hint = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) :
	    NULL;

	/*
	 * The primary message names objects, never values (those are in
	 * DETAIL, which is not logged); Kore's own text is for connection
	 * errors.
	 */
	db_one_line(why, sizeof(why), primary != NULL ? primary :
	    (q->sql.error != NULL ? q->sql.error : "connection lost"));
	kore_log(LOG_WARNING, "rid=%s db error sqlstate=%s: %s", ctx->id,
	    state != NULL ? state : "-", why);

	sqlstate_to_error(state, primary, hint, &err);
	if (err.status == HTTP_STATUS_SERVICE_UNAVAILABLE)
		http_response_header(req, "retry-after",
		    sqlstate_retry_after(state));
	reply_hb_error(req, &err);

	/* access_require() (sql/0004_access.sql) marks its refusals. */
	detail = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) :
	    NULL;
	if (detail != NULL && !strcmp(detail, "access_denied"))
		audit_denied(req, err.status, err.code);

	db_query_clear(q);
	return (DB_REPLIED);
}

static int
connection_usable(struct kore_pgsql *sql)
{
	PGconn		*conn;
	struct pollfd	pfd;

	if (sql->conn == NULL || (conn = sql->conn->db) == NULL)
		return (0);

	if (PQstatus(conn) == CONNECTION_OK) {
		pfd.fd = PQsocket(conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) == 0)
			return (1);
		/* Reads the goodbye; the status turns bad on EOF. */
		(void)PQconsumeInput(conn);
		if (PQstatus(conn) == CONNECTION_OK)
			return (1);
	}

	PQreset(conn);
	if (PQstatus(conn) == CONNECTION_OK) {
		kore_log(LOG_NOTICE, "database connection re-established");
		return (1);
	}

	db_sql_cleanup(sql);
	sql->state = KORE_PGSQL_STATE_ERROR;
	return (0);
}

/*
 * kore_pgsql_cleanup(), safe on a connection libpq has already dropped.
 * Kore 4.1 takes an async statement's socket out of epoll when it hands
 * the connection back, by the descriptor PQsocket() gives. Once the server
 * has ended the session under a statement (a replica stopped: 57P01; any
 * lost connection), libpq has closed that socket and PQsocket() is -1:
 * epoll_ctl() fails with EBADF and Kore calls fatal(), so the worker
 * exited in the middle of its requests (a sanitizer build even hung in
 * exit(), see main.c; multinode.sh caught both, gdb showed where). A
 * closed descriptor has left epoll by itself: tell Kore the statement is
 * not scheduled, so it neither removes it nor cancels on a dead link. The
 * connection goes back to Kore's pool as it is; connection_usable()
 * reconnects it before its next statement.
 */
void
db_sql_cleanup(struct kore_pgsql *sql)
{
	if (sql->conn != NULL && sql->conn->db != NULL &&
	    PQsocket(sql->conn->db) < 0)
		sql->flags &= ~KORE_PGSQL_SCHEDULED;
	kore_pgsql_cleanup(sql);
}

/* libpq's messages span lines; a log record must not. */
void
db_one_line(char *buf, size_t len, const char *msg)
{
	size_t		i;

	(void)snprintf(buf, len, "%s", msg);
	for (i = 0; buf[i] != '\0'; i++) {
		if (buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r')
			buf[i] = ' ';
	}
	while (i > 0 && buf[i - 1] == ' ')
		buf[--i] = '\0';
}
