/*
 * The one place where a PostgreSQL error becomes an HTTP answer (pure).
 *
 * Three kinds of error reach a request. The database may be out of reach
 * (no SQLSTATE at all, connection class 08, shutting down) or out of a
 * resource (class 53: disk full, out of memory, too many connections):
 * the client gets 503 and is told when to come back. A full disk gets a
 * code of its own, storage_full, and a longer Retry-After: it lasts until
 * an operator frees space, while reads go on working (what is stored can
 * still be read), so a phone should keep its queue and wait, not hammer;
 * tests/integration/disk_full.sh fills a real file system under the
 * tables.
 * A constraint may refuse a write the handler could not foresee (a unique
 * key taken by a concurrent request): the client gets 409 or 422. Or an SQL
 * function of ours refuses on purpose, with RAISE ... USING ERRCODE =
 * 'HBnnn', HINT = 'snake_case_code': the status is nnn, the code is the
 * hint and the message is the function's own sentence, written for people.
 * Everything else is our bug: 500, and the details stay in the server log.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "handbook.h"

static void	set(struct hb_error *, int, const char *, const char *);
static int	snake_case(const char *);

/* True when the error means "the database is not there right now". */
int
sqlstate_is_unavailable(const char *state)
{
	if (state == NULL || strlen(state) != 5)
		return (1);

	return (!strncmp(state, "08", 2) ||	/* connection exception */
	    !strcmp(state, "57P01") ||		/* admin_shutdown */
	    !strcmp(state, "57P02") ||		/* crash_shutdown */
	    !strcmp(state, "57P03") ||		/* cannot_connect_now */
	    !strncmp(state, "53", 2) ||		/* disk full, out of memory,
						   too many connections */
	    !strcmp(state, "25006"));		/* read_only_sql_transaction:
						   a replica took a write */
}

/*
 * Whether a read that failed on the read replica (replica.c, db.c) should
 * be run again on the primary. NULL is no answer at all. 1: the replica
 * is unreachable, shutting down or full (it is then taken out of reads);
 * 2: the replica is well but could not run this statement: cancelled by a
 * conflict with replay (40001), or a write (25006, a ROUTE_REPLICA
 * route's bug, logged as such); 0: a real answer to pass on (a 404, a
 * 422...).
 */
int
sqlstate_replica_retry(const char *state)
{
	if (state == NULL || strlen(state) != 5)
		return (1);
	if (!strcmp(state, "40001") || !strcmp(state, "25006"))
		return (2);
	return (sqlstate_is_unavailable(state) ? 1 : 0);
}

void
sqlstate_to_error(const char *state, const char *primary, const char *hint,
    struct hb_error *err)
{
	int		status;

	/*
	 * Class 53 before the general "unavailable": the server is there
	 * but lacks room (53100) or memory or connections (53200, 53300,
	 * 53400), which clients and operators tell apart.
	 */
	if (state != NULL && !strcmp(state, "53100")) {
		set(err, 503, "storage_full",
		    "The database has no room to store this right now; "
		    "try again later.");
		return;
	}
	if (state != NULL && strlen(state) == 5 && !strncmp(state, "53", 2)) {
		set(err, 503, "database_busy",
		    "The database is overloaded; try again shortly.");
		return;
	}

	if (sqlstate_is_unavailable(state)) {
		set(err, 503, "database_unavailable",
		    "The database cannot be reached; try again shortly.");
		return;
	}

	/* Our own refusals: 'HB' followed by an HTTP status. */
	if (state[0] == 'H' && state[1] == 'B' && isdigit((unsigned char)state[2])
	    && isdigit((unsigned char)state[3]) &&
	    isdigit((unsigned char)state[4])) {
		status = (state[2] - '0') * 100 + (state[3] - '0') * 10 +
		    (state[4] - '0');
		if (status >= 400 && status < 500) {
			set(err, status,
			    hint != NULL && snake_case(hint) ? hint :
			    "request_refused",
			    primary != NULL ? primary : "Request refused.");
			return;
		}
	}

	if (!strcmp(state, "40001") || !strcmp(state, "40P01")) {
		set(err, 503, "try_again",
		    "The request collided with another one; try again.");
		return;
	}

	if (!strcmp(state, "57014")) {
		set(err, 503, "database_timeout",
		    "The database took too long to answer; try again.");
		return;
	}

	if (!strcmp(state, "23505")) {
		set(err, 409, "conflict",
		    "This conflicts with something that already exists.");
		return;
	}

	if (!strcmp(state, "23503")) {
		set(err, 422, "invalid_reference",
		    "The request refers to something that does not exist.");
		return;
	}

	if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2)) {
		set(err, 422, "invalid_value",
		    "A value in the request is not acceptable.");
		return;
	}

	set(err, 500, "internal_error",
	    "An internal error occurred; it has been logged.");
}

/*
 * The Retry-After of a 503 caused by this SQLSTATE, in seconds: a full disk
 * does not empty itself in two seconds; everything else that is 503
 * (a restart, a collision, a busy server) usually passes that fast.
 */
const char *
sqlstate_retry_after(const char *state)
{
	if (state != NULL && !strcmp(state, "53100"))
		return (HB_RETRY_AFTER_FULL);
	return (HB_RETRY_AFTER_DB);
}

static void
set(struct hb_error *err, int status, const char *code, const char *msg)
{
	err->status = status;
	err->code = code;
	(void)snprintf(err->message, sizeof(err->message), "%s", msg);
}

static int
snake_case(const char *s)
{
	size_t		len;

	len = strlen(s);
	if (len == 0 || len > 48)
		return (0);

	return (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == len);
}
