/*
 * Argon2id off the request path. Checking or hashing a password costs tens
 * of milliseconds of CPU and 64 MiB of memory by design; done in a Kore
 * worker's event loop it would stall every other request on that worker.
 * A pw_job runs in one of Kore's task threads instead, and the handler
 * that started it is woken when it finishes.
 *
 * The parameters are libsodium's INTERACTIVE limits (opslimit 2, memlimit
 * 64 MiB); README, "Passwords", has the figures measured on this 2-core
 * machine. When they change, crypto_pwhash_str_needs_rehash() flags the
 * old hashes and the login that proves the password stores a new one.
 * tools/pwhash.c, which makes the demo hashes, uses the same values.
 *
 * A job owns its memory: the request context points at it, and
 * request.c keeps the context alive while a job runs, because the task
 * thread writes into the job until it finishes.
 */

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "handbook.h"

static int	pw_task(struct kore_task *);

/*
 * A hash of a random password, made once per worker: a login for an
 * unknown account is checked against it, so that it takes as long as one
 * for a real account and the two cannot be told apart.
 */
static char	dummy_hash[crypto_pwhash_STRBYTES];

int
pw_init(void)
{
	char	pw[33];

	randombytes_buf(pw, sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	if (crypto_pwhash_str(dummy_hash, pw, sizeof(pw) - 1,
	    HB_PW_OPSLIMIT, HB_PW_MEMLIMIT) != 0)
		return (KORE_RESULT_ERROR);
	sodium_memzero(pw, sizeof(pw));

	return (KORE_RESULT_OK);
}

struct pw_job *
pw_job_alloc(int op, const char *password, const char *hash,
    const char *new_password)
{
	struct pw_job	*job;

	job = kore_calloc(1, sizeof(*job));
	job->op = op;
	/*
	 * Passwords are hashed in NFC (text_nfc.c says why). A string that
	 * cannot be normalised is taken as it is: it can only fail to match.
	 */
	if (password == NULL || !text_nfc(password, job->password,
	    sizeof(job->password)))
		(void)snprintf(job->password, sizeof(job->password), "%s",
		    password != NULL ? password : "");
	if (new_password == NULL || !text_nfc(new_password,
	    job->new_password, sizeof(job->new_password)))
		(void)snprintf(job->new_password, sizeof(job->new_password),
		    "%s", new_password != NULL ? new_password : "");
	(void)snprintf(job->hash, sizeof(job->hash), "%s",
	    hash != NULL && *hash != '\0' ? hash : dummy_hash);
	job->unknown = (hash == NULL || *hash == '\0');

	return (job);
}

/* Starts the job; Kore wakes req when it is done. */
void
pw_job_start(struct http_request *req, struct pw_job *job)
{
	kore_task_create(&job->task, pw_task);
	kore_task_bind_request(&job->task, req);
	kore_task_run(&job->task);
	job->started = 1;
}

/* True once the task thread is done with the job. */
int
pw_job_finished(struct pw_job *job)
{
	if (!job->started || job->destroyed)
		return (1);
	/* Kore closed the channel itself: the request went away. */
	if (job->task.fds[0] == -1)
		return (1);

	return (kore_task_finished(&job->task));
}

/*
 * The request's job (ctx->pw) once it has finished well, left in place
 * for the caller to read and free. NULL while it runs (*rc tells the
 * handler to return KORE_RESULT_RETRY; Kore wakes it when the task ends)
 * or after replying 500 with failure (*rc KORE_RESULT_OK; the job is
 * freed).
 */
struct pw_job *
pw_job_wait_or_reply(struct http_request *req, const char *failure, int *rc)
{
	struct request_ctx	*ctx;
	struct pw_job		*job;

	ctx = request_ctx_get(req);
	job = ctx->pw;

	if (!pw_job_finished(job)) {
		http_request_sleep(req);
		*rc = KORE_RESULT_RETRY;
		return (NULL);
	}

	if (kore_task_result(&job->task) != KORE_RESULT_OK) {
		ctx->pw = NULL;
		pw_job_free(job);
		reply_error(req, HTTP_STATUS_INTERNAL_ERROR, "internal_error",
		    "%s", failure);
		*rc = KORE_RESULT_OK;
		return (NULL);
	}

	return (job);
}

/* Wipes and frees a finished job. */
void
pw_job_free(struct pw_job *job)
{
	if (job == NULL)
		return;

	if (job->started && !job->destroyed && job->task.fds[0] != -1)
		kore_task_destroy(&job->task);

	sodium_memzero(job, sizeof(*job));
	kore_free(job);
}

/*
 * The task thread. It touches nothing but the job: libsodium is
 * thread-safe once sodium_init() has run (main.c).
 */
static int
pw_task(struct kore_task *t)
{
	struct pw_job	*job = (struct pw_job *)t;	/* task is first */
	int		ok;

	switch (job->op) {
	case PW_HASH:
		job->verified = 1;
		ok = crypto_pwhash_str(job->new_hash, job->password,
		    strlen(job->password), HB_PW_OPSLIMIT, HB_PW_MEMLIMIT) == 0;
		break;
	case PW_VERIFY:
	case PW_VERIFY_AND_CHANGE:
		job->verified = crypto_pwhash_str_verify(job->hash,
		    job->password, strlen(job->password)) == 0 &&
		    !job->unknown;
		ok = 1;
		if (!job->verified)
			break;
		if (job->op == PW_VERIFY_AND_CHANGE) {
			ok = crypto_pwhash_str(job->new_hash,
			    job->new_password, strlen(job->new_password),
			    HB_PW_OPSLIMIT, HB_PW_MEMLIMIT) == 0;
		} else if (crypto_pwhash_str_needs_rehash(job->hash,
		    HB_PW_OPSLIMIT, HB_PW_MEMLIMIT) != 0) {
			/* Older parameters: store a hash with today's. */
			ok = crypto_pwhash_str(job->new_hash, job->password,
			    strlen(job->password), HB_PW_OPSLIMIT,
			    HB_PW_MEMLIMIT) == 0;
		}
		break;
	default:
		ok = 0;
		break;
	}

	/* The plain passwords are not needed any more. */
	sodium_memzero(job->password, sizeof(job->password));
	sodium_memzero(job->new_password, sizeof(job->new_password));

	return (ok ? KORE_RESULT_OK : KORE_RESULT_ERROR);
}
