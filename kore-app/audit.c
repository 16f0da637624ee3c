/*
 * Writing denied requests to the audit log (the SQL function audit_write,
 * sql/0003_auth.sql) without holding up the answer. The refusal has
 * already been sent when this runs; the insert goes out on its own pgsql
 * statement bound to a callback instead of the request, so it completes
 * even after the request is gone, and a failure to write it is logged but
 * never turns the client's 403 into a 500.
 *
 * Logins and their failures are audited by the SQL that handles them, in
 * the same transaction; administrative changes likewise.
 */

#include <stdio.h>
#include <string.h>

#include "handbook.h"

struct audit_job {
	struct kore_pgsql	sql;
	char			actor[24];
	char			object[320];
	char			client[64];
	char			rid[HB_REQUEST_ID_MAX + 1];
	char			detail[128];
};

static void	audit_send(struct audit_job *);
static void	audit_cb(struct kore_pgsql *, void *);
static void	audit_done(struct audit_job *);

void
audit_denied(struct http_request *req, int status, const char *code)
{
	struct request_ctx	*ctx;
	struct audit_job	*job;

	ctx = request_ctx_get(req);
	job = kore_calloc(1, sizeof(*job));

	if (ctx->member_id > 0)
		(void)snprintf(job->actor, sizeof(job->actor), "%lld",
		    (long long)ctx->member_id);
	/* The route template, not the path: no ids from outside in here. */
	(void)snprintf(job->object, sizeof(job->object), "%s %s",
	    http_method_text(req->method),
	    ctx->route != NULL ? ctx->route->path : "-");
	(void)snprintf(job->client, sizeof(job->client), "%s", ctx->client);
	(void)snprintf(job->rid, sizeof(job->rid), "%s", ctx->id);
	(void)snprintf(job->detail, sizeof(job->detail),
	    "{\"status\": %d, \"code\": \"%s\"}", status, code);

	kore_pgsql_init(&job->sql);
	kore_pgsql_bind_callback(&job->sql, audit_cb, job);
	audit_send(job);
}

static void
audit_send(struct audit_job *job)
{
	const char	*values[5];

	if (!kore_pgsql_setup(&job->sql, HB_DB, KORE_PGSQL_ASYNC)) {
		/* Queued for a connection: audit_cb() is called again. */
		if (job->sql.state == KORE_PGSQL_STATE_INIT)
			return;
		audit_done(job);
		return;
	}

	values[0] = job->actor[0] != '\0' ? job->actor : NULL;
	values[1] = job->object;
	values[2] = job->client;
	values[3] = job->rid;
	values[4] = job->detail;
	if (!kore_pgsql_query_param_fields(&job->sql,
	    "SELECT audit_write($1::bigint, 'access.denied', $2, $3, $4, "
	    "$5::jsonb)", 0, 5, values, NULL, NULL))
		audit_done(job);
}

static void
audit_cb(struct kore_pgsql *sql, void *arg)
{
	struct audit_job	*job = arg;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		audit_send(job);
		break;
	case KORE_PGSQL_STATE_WAIT:
		break;
	case KORE_PGSQL_STATE_COMPLETE:
	case KORE_PGSQL_STATE_ERROR:
		audit_done(job);
		break;
	default:
		kore_pgsql_continue(sql);
		break;
	}
}

static void
audit_done(struct audit_job *job)
{
	if (job->sql.state == KORE_PGSQL_STATE_ERROR)
		kore_log(LOG_WARNING, "rid=%s audit record not written: %s",
		    job->rid, job->sql.error != NULL ? job->sql.error : "?");

	/*
	 * Releasing the connection calls the callback again (COMPLETE):
	 * unhook it first so the job is freed once.
	 */
	job->sql.cb = NULL;
	db_sql_cleanup(&job->sql);
	kore_free(job);
}
