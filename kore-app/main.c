/*
 * Where Kore meets the module: handbook_onload() runs in each worker as
 * it starts (Kore 4.1 calls module onloads from kore_worker_entry(), not
 * in the parent), and sets up what that worker needs: libsodium, the
 * database registration (the primary, and a read replica when
 * HANDBOOK_DATABASE_READ_URL names one: replica.c), the OpenAPI document
 * and signing keys served from memory, password hashing, and the document
 * cache with its LISTEN connection (doc_cache_listen.c). The seccomp
 * filter below adds the system calls that Debian's glibc and libpq need and
 * that Kore 4.1's built-in list predates (../shared/KORE-4.1-NOTES.md,
 * item 2); a missing one shows as "sandbox violation" in the Kore log.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include <kore/hooks.h>
#include <kore/seccomp.h>

#include "handbook.h"

KORE_SECCOMP_FILTER("handbook",
	/* glibc's stat(), fstat() and fopen() use newfstatat. */
	KORE_SYSCALL_ALLOW(newfstatat),
	/* libpq: connecting, reading its socket options, ~/.pgpass. */
	KORE_SYSCALL_ALLOW(socket),
	KORE_SYSCALL_ALLOW(connect),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(getuid),
	KORE_SYSCALL_ALLOW(geteuid),
	KORE_SYSCALL_ALLOW(statx),
	/* OpenSSL (inside libpq) lists its certificate directories. */
	KORE_SYSCALL_ALLOW(getdents64),
	/*
	 * glibc's pthread_create (Kore's task threads, pwhash.c) tries
	 * clone3 first and falls back to clone on ENOSYS; each new thread
	 * then registers with rseq. A denied rseq kills only that thread,
	 * silently: the task never runs and its request hangs.
	 */
	KORE_SYSCALL_DENY(clone3, ENOSYS),
	KORE_SYSCALL_ALLOW(rseq),
	/*
	 * AddressSanitizer's runtime (the test build preloads it) asks for
	 * each new thread's id and CPU affinity. Both only read; one filter
	 * per module, so they are allowed in every build.
	 */
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(sched_getaffinity)
);

static const char	*database_url;
static const char	*assets_dir;

static void	worker_exit_now(int, void *);

int
handbook_onload(int action)
{
	if (action != KORE_MODULE_LOAD)
		return (KORE_RESULT_OK);

	/* Before anything that could fail and exit: see worker_exit_now(). */
	if (on_exit(worker_exit_now, NULL) != 0) {
		kore_log(LOG_ERR, "cannot register the worker's exit");
		return (KORE_RESULT_ERROR);
	}

	if (sodium_init() < 0) {
		kore_log(LOG_ERR, "libsodium could not be initialised");
		return (KORE_RESULT_ERROR);
	}

	if ((database_url = getenv("HANDBOOK_DATABASE_URL")) == NULL ||
	    *database_url == '\0') {
		kore_log(LOG_ERR, "HANDBOOK_DATABASE_URL is not set "
		    "(scripts/stack sets it; see the README)");
		return (KORE_RESULT_ERROR);
	}

	if ((assets_dir = getenv("HANDBOOK_ASSETS")) == NULL ||
	    *assets_dir == '\0')
		assets_dir = "assets";

	/* How long a request may wait for a pooled connection (db.c). */
	db_init();

	if (!kore_pgsql_register(HB_DB, database_url)) {
		kore_log(LOG_ERR, "cannot register the database");
		return (KORE_RESULT_ERROR);
	}

	/* Reads on a streaming replica, when one is named (replica.c). */
	if (replica_start(getenv("HANDBOOK_DATABASE_READ_URL")) !=
	    KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);

	if (router_check() != KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);

	if (openapi_load(assets_dir) != KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);

	if (static_load(assets_dir) != KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);

	if (bundle_keys_load(getenv("HANDBOOK_SIGNING_DIR")) != KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);

	if (pw_init() != KORE_RESULT_OK) {
		kore_log(LOG_ERR, "cannot prepare password hashing");
		return (KORE_RESULT_ERROR);
	}

	doc_cache_listen_start();

	kore_log(LOG_NOTICE, "handbook module loaded (assets in %s)",
	    assets_dir);
	return (KORE_RESULT_OK);
}

/*
 * How a worker ends. exit() goes on to the libraries' destructors, and
 * p11-kit's (pulled in by libpq's dependencies) can wait forever in
 * freelocale() on a lock that is never released: gdb showed such a
 * worker, alive and serving nothing, which its parent would neither
 * restart nor stop ("did not stop in 10 s" at teardown; multinode.sh).
 * A process's memory, descriptors and sockets go with it, so a worker
 * ends with _exit() once stdio is flushed, on both ways out:
 *  - kore_worker_teardown(), Kore's hook when a worker stops normally,
 *    after it has left its loop and before it unloads this module (an
 *    exit handler in the module would then be unmapped code): the
 *    database connections are closed first, so PostgreSQL sees a goodbye
 *    rather than a dropped link;
 *  - worker_exit_now(), registered with on_exit() in handbook_onload(),
 *    for an exit() while the module is loaded: Kore's fatal() (seen:
 *    epoll_ctl() on a socket libpq had closed, see db_sql_cleanup() in
 *    db.c), which must end the worker so that its parent starts another.
 */
void
kore_worker_teardown(void)
{
	kore_pgsql_sys_cleanup();
	(void)fflush(NULL);
	_exit(0);
}

static void
worker_exit_now(int status, void *arg)
{
	(void)arg;
	(void)fflush(NULL);
	_exit(status);
}

const char *
handbook_database_url(void)
{
	return (database_url);
}

const char *
handbook_assets_dir(void)
{
	return (assets_dir);
}

/*
 * A setting in milliseconds from the environment, between min and max; a
 * bad value is logged and dflt used, so a typo never stops a worker
 * (HANDBOOK_DB_WAIT_MS in db.c, the replica watch's in replica.c).
 */
u_int64_t
env_ms(const char *name, u_int64_t dflt, u_int64_t min, u_int64_t max)
{
	const char	*v;
	char		*end;
	long long	 n;

	if ((v = getenv(name)) == NULL || *v == '\0')
		return (dflt);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < (long long)min ||
	    n > (long long)max) {
		kore_log(LOG_WARNING, "%s=%s is not a number of milliseconds "
		    "between %llu and %llu; using %llu", name, v,
		    (unsigned long long)min, (unsigned long long)max,
		    (unsigned long long)dflt);
		return (dflt);
	}
	return ((u_int64_t)n);
}
