/*
 * retry.c: how long to wait before trying again. Exponential backoff with
 * "full jitter" (a uniform draw between 0 and the exponential bound): when
 * a district's phones all lose the server at the same moment, they come
 * back spread over the whole window instead of in synchronised waves. A
 * server's Retry-After is a floor (it knows when it will be back), capped
 * by the configured maximum so that a phone never sleeps for hours inside
 * one call. The randomness is libsodium's randombytes, which needs no
 * state of ours.
 */

#include <errno.h>
#include <time.h>

#include <sodium.h>

#include "client_internal.h"

int
hb_backoff_ms(int attempt, int base_ms, int max_ms, int retry_after_s)
{
	int64_t		bound;
	int		i, wait;

	if (attempt < 1)
		attempt = 1;
	if (base_ms < 0)
		base_ms = 0;
	if (max_ms < 0)
		max_ms = 0;
	bound = base_ms;
	for (i = 1; i < attempt && bound < max_ms; i++)
		bound *= 2;
	if (bound > max_ms)
		bound = max_ms;
	wait = bound > 0 ? (int)randombytes_uniform((uint32_t)bound + 1) : 0;
	if (retry_after_s >= 0) {
		int64_t	floor_ms = (int64_t)retry_after_s * 1000;

		if (floor_ms > max_ms)
			floor_ms = max_ms;
		if (wait < floor_ms)
			wait = (int)floor_ms;
	}
	return (wait);
}

void
hb_sleep_ms(int ms)
{
	struct timespec	ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
