/*
 * Reads on a streaming replica, and the watch that decides whether it may
 * answer them. With HANDBOOK_DATABASE_READ_URL set, the reads marked
 * ROUTE_REPLICA in routes.def (published content and reports) go to the
 * database registered as HB_DB_READ while it keeps up; everything else,
 * and everything while it does not, goes to the primary (HB_DB). Without
 * the variable nothing changes: one database, as on a single node.
 *
 * Why a watch: a replica that stopped replaying (network cut, long query
 * holding replay, a server restarting) still answers, with old data. Each
 * worker asks, every HANDBOOK_READ_CHECK_MS (500 ms), the primary how far
 * its WAL is flushed and the replica how far it has replayed, on two libpq
 * connections of its own outside Kore's pool, driven by a timer without
 * ever blocking. The lag is the age of the oldest primary position the
 * replica has not yet replayed (0 when it has replayed everything the
 * primary had, which is what an idle primary gives: no clock comparison,
 * no false lag after a quiet night). Above HANDBOOK_READ_MAX_LAG_MS (2000)
 * or without an answer for that long, the replica is out of reads; it
 * comes back once a probe answers with a lag under half the limit (no
 * flapping around the limit). Each switch is logged once, per worker.
 *
 * The watch sees a stopped replica within a check or two; db.c does not
 * wait for it: a read whose statement fails on the replica for want of a
 * connection takes the replica out at once (replica_failed) and is run
 * again on the primary, so a client sees nothing of it.
 *
 * The resolution of the lag is the check interval: a sample is stamped
 * with the time it was asked, so the lag reported is an upper bound within
 * one interval.
 */

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

#define TICK_MS		100
#define SAMPLES_MAX	64

#define PRIMARY_SQL	"SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)" \
			"::bigint"
#define REPLICA_SQL	"SELECT pg_is_in_recovery(), " \
			"(pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"

/* One probe connection (per worker, per server). */
struct probe {
	const char			*name;
	const char			*url;
	const char			*sql;
	PGconn				*conn;
	int				 connecting;
	PostgresPollingStatusType	 polling;
	int				 busy;		/* a probe is out */
	u_int64_t			 sent;		/* when it was sent */
	u_int64_t			 tried;		/* last connect attempt */
	int				 warned;	/* one line per outage */
};

static void	tick(void *, u_int64_t);
static void	drive(struct probe *, u_int64_t);
static int	connect_step(struct probe *);
static void	answer(struct probe *, PGresult *);
static void	lost(struct probe *, const char *);
static void	decide(u_int64_t);
static void	set_in(int, const char *, long long);
static void	notice(void *, const char *);

static struct probe	primary = { .name = "primary", .sql = PRIMARY_SQL };
static struct probe	replica = { .name = "replica", .sql = REPLICA_SQL };

static int		configured;	/* a read URL was given */
static int		in_reads;	/* the replica answers reads now */
static u_int64_t	max_lag_ms;
static u_int64_t	check_ms;
static u_int64_t	last_check;

/* Primary positions not yet replayed, oldest first (LSNs only grow). */
static struct {
	u_int64_t	at;
	int64_t		lsn;
} samples[SAMPLES_MAX];
static int		nsamples;

static int64_t		replay_lsn = -1;
static int		recovering;	/* the replica is a standby */
static u_int64_t	answered;	/* send time of its last answer */
static u_int64_t	failed_at;	/* db.c's last connection failure */

/*
 * From handbook_onload(), in each worker: register the replica and start
 * the watch. read_url NULL or empty: one database, nothing to watch.
 */
int
replica_start(const char *read_url)
{
	if (read_url == NULL || *read_url == '\0')
		return (KORE_RESULT_OK);

	if (!kore_pgsql_register(HB_DB_READ, read_url)) {
		kore_log(LOG_ERR, "cannot register the read replica");
		return (KORE_RESULT_ERROR);
	}

	configured = 1;
	max_lag_ms = env_ms("HANDBOOK_READ_MAX_LAG_MS", 2000, 50, 3600000);
	check_ms = env_ms("HANDBOOK_READ_CHECK_MS", 500, 50, 3600000);
	primary.url = handbook_database_url();
	replica.url = read_url;
	(void)kore_timer_add(tick, TICK_MS, NULL, 0);
	kore_log(LOG_NOTICE, "read replica configured: content and report "
	    "reads go to it while it lags less than %llu ms (checked every "
	    "%llu ms)", (unsigned long long)max_lag_ms,
	    (unsigned long long)check_ms);

	return (KORE_RESULT_OK);
}

/*
 * The database for a request's statements, asked once per request (db.c)
 * so that its token check and its reads see the same server.
 */
const char *
replica_db_for(const struct route *route)
{
	if (configured && in_reads && route != NULL && route->replica)
		return (HB_DB_READ);
	return (HB_DB);
}

/*
 * db.c could not run a statement on the replica for want of a working
 * connection: out of reads at once, until a probe sent after this moment
 * answers well.
 */
void
replica_failed(const char *why)
{
	failed_at = kore_time_ms();
	if (in_reads)
		set_in(0, why, -1);
}

static void
tick(void *arg, u_int64_t now)
{
	(void)arg;

	drive(&primary, now);
	drive(&replica, now);

	if (now - last_check >= check_ms) {
		last_check = now;
		if (replica.conn != NULL && !replica.connecting &&
		    replica.busy && now - replica.sent > max_lag_ms)
			lost(&replica, "no answer within the lag limit");
		if (primary.conn != NULL && !primary.connecting &&
		    primary.busy && now - primary.sent > max_lag_ms)
			lost(&primary, "no answer within the lag limit");
		/* Ask both at the same moment. */
		if (primary.conn != NULL && !primary.connecting &&
		    !primary.busy) {
			if (PQsendQuery(primary.conn, primary.sql)) {
				primary.busy = 1;
				primary.sent = now;
				(void)PQflush(primary.conn);
			} else {
				lost(&primary, PQerrorMessage(primary.conn));
			}
		}
		if (replica.conn != NULL && !replica.connecting &&
		    !replica.busy) {
			if (PQsendQuery(replica.conn, replica.sql)) {
				replica.busy = 1;
				replica.sent = now;
				(void)PQflush(replica.conn);
			} else {
				lost(&replica, PQerrorMessage(replica.conn));
			}
		}
	}

	decide(now);
}

/* Connect, or read what came back; never blocks. */
static void
drive(struct probe *p, u_int64_t now)
{
	PGresult	*res;

	if (p->conn == NULL) {
		if (now - p->tried < check_ms)
			return;
		p->tried = now;
		if ((p->conn = PQconnectStart(p->url)) == NULL)
			return;
		if (PQstatus(p->conn) == CONNECTION_BAD) {
			lost(p, PQerrorMessage(p->conn));
			return;
		}
		PQsetNoticeProcessor(p->conn, notice, p);
		p->connecting = 1;
		p->polling = PGRES_POLLING_WRITING;
	}

	if (p->connecting) {
		if (!connect_step(p))
			return;
	}

	if (!p->busy)
		return;

	if (PQflush(p->conn) < 0 || !PQconsumeInput(p->conn)) {
		lost(p, PQerrorMessage(p->conn));
		return;
	}
	while (p->conn != NULL && !PQisBusy(p->conn)) {
		if ((res = PQgetResult(p->conn)) == NULL) {
			p->busy = 0;
			break;
		}
		answer(p, res);
		PQclear(res);
	}
}

/* 1 once connected; PQconnectPoll only when the socket is ready. */
static int
connect_step(struct probe *p)
{
	struct pollfd	pfd;

	for (;;) {
		if ((pfd.fd = PQsocket(p->conn)) < 0) {
			lost(p, "no socket");
			return (0);
		}
		pfd.events = p->polling == PGRES_POLLING_READING ?
		    POLLIN : POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 0)
			return (0);
		p->polling = PQconnectPoll(p->conn);
		if (p->polling == PGRES_POLLING_FAILED) {
			lost(p, PQerrorMessage(p->conn));
			return (0);
		}
		if (p->polling == PGRES_POLLING_OK)
			break;
	}

	if (PQsetnonblocking(p->conn, 1) != 0) {
		lost(p, PQerrorMessage(p->conn));
		return (0);
	}
	p->connecting = 0;
	if (p->warned)
		kore_log(LOG_NOTICE, "read replica watch: the %s answers "
		    "again", p->name);
	p->warned = 0;
	return (1);
}

static void
answer(struct probe *p, PGresult *res)
{
	int64_t		lsn;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		if (p == &replica)
			recovering = 0;
		return;
	}

	if (p == &primary) {
		if (PQgetisnull(res, 0, 0))
			return;
		lsn = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (nsamples > 0 && samples[nsamples - 1].lsn >= lsn)
			return;		/* nothing new since the last one */
		if (nsamples == SAMPLES_MAX)
			nsamples--;	/* keep the oldest: it is the lag */
		samples[nsamples].at = p->sent;
		samples[nsamples].lsn = lsn;
		nsamples++;
		return;
	}

	recovering = !strcmp(PQgetvalue(res, 0, 0), "t") &&
	    !PQgetisnull(res, 0, 1);
	if (!recovering)
		return;
	replay_lsn = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	answered = p->sent;
}

/* In or out of reads, from what the probes last said. */
static void
decide(u_int64_t now)
{
	long long	lag;
	int		i, n;

	if (!configured)
		return;

	/* Drop the positions the replica has replayed. */
	for (n = 0; n < nsamples && samples[n].lsn <= replay_lsn; n++)
		;
	if (n > 0) {
		for (i = n; i < nsamples; i++)
			samples[i - n] = samples[i];
		nsamples -= n;
	}
	lag = nsamples > 0 ? (long long)(now - samples[0].at) : 0;

	if (in_reads) {
		if (replica.conn == NULL || replica.connecting)
			set_in(0, "the replica cannot be reached", -1);
		else if (!recovering)
			set_in(0, "the replica is not a standby in recovery",
			    -1);
		else if (now - answered > max_lag_ms + check_ms)
			set_in(0, "the replica does not answer", -1);
		else if (lag > (long long)max_lag_ms)
			set_in(0, "the replica lags", lag);
		return;
	}

	if (replica.conn != NULL && !replica.connecting && recovering &&
	    answered > failed_at && now - answered <= check_ms * 2 &&
	    lag <= (long long)max_lag_ms / 2)
		set_in(1, "the replica keeps up", lag);
}

static void
set_in(int in, const char *why, long long lag)
{
	in_reads = in;
	if (lag >= 0)
		kore_log(LOG_NOTICE, "read replica %s: %s (lag %lld ms, limit "
		    "%llu ms)", in ? "in, reads go to it" :
		    "out, reads go to the primary", why, lag,
		    (unsigned long long)max_lag_ms);
	else
		kore_log(LOG_NOTICE, "read replica %s: %s", in ?
		    "in, reads go to it" : "out, reads go to the primary",
		    why);
}

static void
lost(struct probe *p, const char *why)
{
	char	line[256];

	if (!p->warned) {
		db_one_line(line, sizeof(line), why);
		kore_log(LOG_WARNING, "read replica watch: no answer from the "
		    "%s: %s", p->name, line);
		p->warned = 1;
	}
	if (p->conn != NULL)
		PQfinish(p->conn);
	p->conn = NULL;
	p->connecting = 0;
	p->busy = 0;
	if (p == &replica)
		recovering = 0;
}

static void
notice(void *arg, const char *message)
{
	char	line[256];

	db_one_line(line, sizeof(line), message);
	kore_log(LOG_NOTICE, "read replica watch (%s): %s",
	    ((struct probe *)arg)->name, line);
}
