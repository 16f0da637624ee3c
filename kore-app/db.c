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
 */

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "handbook.h"

static int	fail(struct http_request *, struct db_query *);
static int	to_primary(struct http_request *, struct db_query *);
static int	connection_usable(struct kore_pgsql *);

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
	}

	if (q->sql.state == KORE_PGSQL_STATE_INIT) {
		if (!kore_pgsql_setup(&q->sql, q->db, KORE_PGSQL_ASYNC)) {
			/* Still INIT: queued until a connection is free. */
			if (q->sql.state == KORE_PGSQL_STATE_INIT)
				return (DB_PENDING);
			goto failed;
		}
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
			kore_pgsql_cleanup(&q->sql);
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
		kore_pgsql_cleanup(&q->sql);
	if (q->result != NULL)
		PQclear(q->result);

	q->result = NULL;
	q->started = 0;
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

	kore_pgsql_cleanup(sql);
	sql->state = KORE_PGSQL_STATE_ERROR;
	return (0);
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
