/*
 * Each worker's ear on the database: a libpq connection of its own that
 * LISTENs on channel handbook_documents, where a trigger announces every
 * document whose version, state or unit changes (sql/0017_document_cache.sql).
 * On each announcement the worker drops its cached copies of that document
 * (doc_cache.c), so every worker of every node lets go of the old text
 * once a new version is published or a document is withdrawn.
 *
 * Kore's own pool cannot hold a LISTEN: its connections go back to the
 * pool between queries and are shared by requests. This connection is
 * outside the pool and woven into Kore's event loop: its socket is
 * registered with kore_platform_schedule_read() with a struct kore_event
 * of its own, whose handle() is called when PostgreSQL sends something.
 * Connecting is non-blocking too, driven by a timer, so a database that is
 * down never stalls a worker.
 *
 * While the worker cannot hear announcements (at start, and from the
 * moment the connection breaks until LISTEN is in place again) the cache
 * is off and empty: a message missed in that window would otherwise leave
 * a copy that nobody tells the worker to drop. Cached bodies are keyed by
 * version and never wrong, so this is about memory and about the promise
 * that an old version is let go, not about serving stale text.
 */

#include <poll.h>
#include <stdlib.h>

#include "handbook.h"

#define CHANNEL_SQL	"LISTEN handbook_documents"
#define TICK_MS		250
#define CONNECT_MS	5
#define EVT_TYPE	0x4842		/* ours; Kore only calls handle() */

enum listen_state {
	LISTEN_DOWN,		/* no connection: try at the next tick */
	LISTEN_CONNECTING,	/* PQconnectPoll() until it says OK */
	LISTEN_ASKED,		/* LISTEN sent, waiting for its answer */
	LISTEN_ON,		/* announcements arrive */
};

/* evt first: Kore hands handle() the pointer it was registered with. */
static struct {
	struct kore_event	evt;
	PGconn			*conn;
	enum listen_state	state;
	PostgresPollingStatusType polling;	/* what libpq waits for */
	int			warned;	/* one log line per outage */
	int			resume_pending;	/* a one-shot timer is set */
} ear;

static void	tick(void *, u_int64_t);
static void	resume(void *, u_int64_t);
static void	connect_step(void);
static void	on_event(void *, int);
static void	drain(void);
static void	lost(const char *);
static void	notice(void *, const char *);

/*
 * In each worker, from handbook_onload(). HANDBOOK_DOC_CACHE_MB sets the
 * memory for cached bodies (64 MB per worker by default; 0 turns the
 * cache off, and no connection is made).
 */
void
doc_cache_listen_start(void)
{
	const char	*mb;
	long		 n;

	n = 64;
	if ((mb = getenv("HANDBOOK_DOC_CACHE_MB")) != NULL && *mb != '\0')
		n = strtol(mb, NULL, 10);
	if (n <= 0) {
		kore_log(LOG_NOTICE, "document cache off "
		    "(HANDBOOK_DOC_CACHE_MB=%s)", mb);
		return;
	}
	doc_cache_configure((size_t)n << 20);
	doc_cache_enable(0);

	(void)kore_timer_add(tick, TICK_MS, NULL, 0);
	connect_step();
}

static void
tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;

	switch (ear.state) {
	case LISTEN_DOWN:
		connect_step();
		break;
	case LISTEN_CONNECTING:
		connect_step();
		break;
	case LISTEN_ASKED:
	case LISTEN_ON:
		/*
		 * The socket is edge-triggered: should a read ever leave
		 * data behind, this picks it up; it also notices a peer that
		 * vanished without a word.
		 */
		drain();
		break;
	}
}

/* The one-shot timer of connect_step(). */
static void
resume(void *arg, u_int64_t now)
{
	ear.resume_pending = 0;
	if (ear.state == LISTEN_CONNECTING)
		connect_step();
	(void)arg;
	(void)now;
}

/*
 * Start, or carry on with, a non-blocking connection: PQconnectPoll() is
 * called only when the socket is ready for what it last asked, and while
 * connecting a one-shot timer comes back every few milliseconds, so the
 * few round trips of a login take milliseconds, not ticks.
 */
static void
connect_step(void)
{
	struct pollfd	pfd;

	if (ear.state == LISTEN_DOWN) {
		if ((ear.conn = PQconnectStart(handbook_database_url())) ==
		    NULL)
			return;
		if (PQstatus(ear.conn) == CONNECTION_BAD) {
			lost(PQerrorMessage(ear.conn));
			return;
		}
		ear.state = LISTEN_CONNECTING;
		/* Notices and the server's goodbye go to Kore's log, not to
		 * stderr. */
		PQsetNoticeProcessor(ear.conn, notice, NULL);
		/* libpq's manual: behave as if it had said WRITING. */
		ear.polling = PGRES_POLLING_WRITING;
	}

	for (;;) {
		if ((pfd.fd = PQsocket(ear.conn)) < 0) {
			lost("no socket");
			return;
		}
		pfd.events = ear.polling == PGRES_POLLING_READING ?
		    POLLIN : POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 0) {
			if (!ear.resume_pending) {
				ear.resume_pending = 1;
				(void)kore_timer_add(resume, CONNECT_MS, NULL,
				    KORE_TIMER_ONESHOT);
			}
			return;
		}
		ear.polling = PQconnectPoll(ear.conn);
		if (ear.polling == PGRES_POLLING_FAILED) {
			lost(PQerrorMessage(ear.conn));
			return;
		}
		if (ear.polling == PGRES_POLLING_OK)
			break;
	}

	if (PQsetnonblocking(ear.conn, 1) != 0 ||
	    !PQsendQuery(ear.conn, CHANNEL_SQL)) {
		lost(PQerrorMessage(ear.conn));
		return;
	}
	ear.state = LISTEN_ASKED;
	ear.evt.type = EVT_TYPE;
	ear.evt.flags = 0;
	ear.evt.handle = on_event;
	kore_platform_schedule_read(PQsocket(ear.conn), &ear);
	/* The send may not have gone out in full. */
	(void)PQflush(ear.conn);
}

static void
on_event(void *arg, int error)
{
	(void)arg;

	ear.evt.flags &= ~KORE_EVENT_READ;
	if (error) {
		lost("connection closed");
		return;
	}
	drain();
}

/* Read what PostgreSQL sent: the answer to LISTEN, then announcements. */
static void
drain(void)
{
	PGresult	*res;
	PGnotify	*n;
	size_t		 dropped;
	int64_t		 doc;

	if (PQflush(ear.conn) < 0 || !PQconsumeInput(ear.conn)) {
		lost(PQerrorMessage(ear.conn));
		return;
	}

	while (!PQisBusy(ear.conn) && (res = PQgetResult(ear.conn)) != NULL) {
		if (ear.state == LISTEN_ASKED &&
		    PQresultStatus(res) == PGRES_COMMAND_OK) {
			ear.state = LISTEN_ON;
			/* Nothing was announced to us before now. */
			doc_cache_enable(1);
			if (ear.warned)
				kore_log(LOG_NOTICE, "document cache: "
				    "listening again, cache on");
			ear.warned = 0;
		} else if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			PQclear(res);
			lost(PQerrorMessage(ear.conn));
			return;
		}
		PQclear(res);
	}

	while ((n = PQnotifies(ear.conn)) != NULL) {
		doc = strtoll(n->extra, NULL, 10);
		dropped = doc_cache_drop(doc);
		kore_log(LOG_INFO, "document cache: document %lld changed, "
		    "%zu cached copies dropped", (long long)doc, dropped);
		PQfreemem(n);
	}
}

/* The connection is gone or never came: cache off, retry at next tick. */
static void
lost(const char *why)
{
	char	line[256];

	if (!ear.warned) {
		db_one_line(line, sizeof(line), why);
		kore_log(LOG_WARNING, "document cache off until the "
		    "database can be heard again: %s", line);
		ear.warned = 1;
	}
	doc_cache_enable(0);

	/*
	 * Not kore_platform_disable_read(): libpq may already have closed
	 * the socket (it does on a read that finds the connection gone), and
	 * Kore treats a failed EPOLL_CTL_DEL as fatal for the whole server.
	 * Closing the socket (PQfinish) removes it from epoll by itself.
	 */
	if (ear.conn != NULL) {
		PQfinish(ear.conn);
		ear.conn = NULL;
	}
	ear.state = LISTEN_DOWN;
}

static void
notice(void *arg, const char *message)
{
	char	line[256];

	(void)arg;
	db_one_line(line, sizeof(line), message);
	kore_log(LOG_NOTICE, "document cache: %s", line);
}
