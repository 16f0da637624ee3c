/*
 * Unit tests for client/journal.c: the reading journal replays what was
 * recorded, cuts a torn last line, refuses other damage, compacts, locks
 * against a second open, and keeps every event whose record returned
 * even when the process is killed with SIGKILL in the middle of writing.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "client_internal.h"

static char	dir[64];
static char	path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hbj-test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return (-1);
	snprintf(path, sizeof(path), "%s/journal.hbj", dir);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static struct hb_event
event(int section)
{
	struct hb_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = HB_EVENT_SECTION_READ;
	ev.document_id = 42;
	ev.version = 3;
	ev.lang = "km";
	ev.section = section;
	ev.occurred_at = 1790000000;
	ev.seconds = 95;
	return (ev);
}

static char *
slurp(size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return (buf);
}

static void
append_raw(const char *bytes, size_t len)
{
	int	fd = open(path, O_WRONLY | O_APPEND);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
}

/* A record line with a right checksum, as the library would seal it. */
static void
append_sealed(const char *text)
{
	unsigned char	sum[8];
	char		line[256], hex[17];

	crypto_generichash(sum, sizeof(sum), (const unsigned char *)text,
	    strlen(text), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	snprintf(line, sizeof(line), "%s %s\n", text, hex);
	append_raw(line, strlen(line));
}

static void
record_n(int n, char ids[][37])
{
	struct hb_journal *j;
	struct hb_event	 ev;
	int		 i;

	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	for (i = 0; i < n; i++) {
		ev = event(i % 12 + 1);
		assert_int_equal(hb_journal_record(j, &ev), HB_OK);
		if (ids != NULL)
			memcpy(ids[i], ev.id, 37);
	}
	hb_journal_close(j);
}

static void
replay_keeps_every_event(void **state)
{
	struct hb_journal *j;
	char		 ids[3][37];
	const struct hb_jevent *e;

	(void)state;
	record_n(3, ids);
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	assert_int_equal(hb_journal_pending(j), 3);
	assert_int_equal(hb_journal_count(j), 3);
	e = hb_journal_event(j, 2);
	assert_string_equal(e->id, ids[2]);
	assert_int_equal(e->kind, HB_EVENT_SECTION_READ);
	assert_int_equal(e->document_id, 42);
	assert_int_equal(e->version, 3);
	assert_string_equal(e->lang, "km");
	assert_int_equal(e->section, 3);
	assert_int_equal(e->occurred_at, 1790000000);
	assert_int_equal(e->seconds, 95);
	hb_journal_close(j);
}

static void
torn_last_line_is_cut(void **state)
{
	struct hb_journal *j;
	size_t		 len0, len1;
	char		*a, *b;

	(void)state;
	record_n(2, NULL);
	a = slurp(&len0);
	/* A crash mid-write: a prefix of a record, no newline. */
	append_raw("E 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b section_read 4",
	    52);
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	assert_int_equal(hb_journal_pending(j), 2);
	hb_journal_close(j);
	b = slurp(&len1);
	assert_int_equal(len1, len0);
	assert_memory_equal(a, b, len0);
	free(b);
	/* Or the page of zeros a lost data block leaves, then a newline. */
	append_raw("\0\0\0\0\0\0\0\0\n", 9);
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	assert_int_equal(hb_journal_pending(j), 2);
	/* And recording goes on after the cut. */
	{
		struct hb_event ev = event(5);

		assert_int_equal(hb_journal_record(j, &ev), HB_OK);
	}
	hb_journal_close(j);
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	assert_int_equal(hb_journal_pending(j), 3);
	hb_journal_close(j);
	free(a);
}

static void
damaged_middle_line_is_refused(void **state)
{
	struct hb_journal *j;
	size_t		 len, len2;
	char		*buf, *second, *after;
	int		 fd;

	(void)state;
	record_n(3, NULL);
	buf = slurp(&len);
	/* Line 3 is the second event: change one digit of it. */
	second = strchr(strchr(buf, '\n') + 1, '\n') + 1;
	second[40] = second[40] == '1' ? '2' : '1';
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	assert_int_equal(hb_journal_open(path, &j), HB_ERR_JOURNAL);
	/* Refused, and left as it was for someone to look at. */
	after = slurp(&len2);
	assert_int_equal(len2, len);
	assert_memory_equal(after, buf, len);
	free(after);
	free(buf);
}

static void
senseless_whole_lines_are_refused(void **state)
{
	struct hb_journal *j;

	(void)state;
	record_n(1, NULL);
	/* A verdict for an id never recorded, with a right checksum. */
	append_sealed("A 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	assert_int_equal(hb_journal_open(path, &j), HB_ERR_JOURNAL);
}

static void
wrong_header_is_refused(void **state)
{
	struct hb_journal *j;
	int		 fd;

	(void)state;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(fd);
	append_sealed("H 2");
	append_sealed("A 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	assert_int_equal(hb_journal_open(path, &j), HB_ERR_JOURNAL);
}

static void
compaction_keeps_only_what_is_not_done(void **state)
{
	struct hb_journal *j;
	struct hb_verdict v[3];
	struct hb_event	 ev;
	const char	*reason;
	char		 ids[3][37], *buf;
	size_t		 len;

	(void)state;
	record_n(3, ids);
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	memset(v, 0, sizeof(v));
	v[0].index = 0;
	v[0].state = HB_J_DONE;
	v[1].index = 1;
	v[1].state = HB_J_REJECTED;
	v[1].reason = "unknown_document";
	v[2].index = 2;
	v[2].state = HB_J_DONE;
	v[2].reason = "id_reused";
	assert_int_equal(hb_journal_verdicts(j, v, 3), HB_OK);
	assert_int_equal(hb_journal_pending(j), 0);
	assert_int_equal(hb_journal_rejected(j), 1);
	/* A verdict twice for one event is refused. */
	assert_int_equal(hb_journal_verdicts(j, v, 1), HB_ERR_ARGUMENT);
	assert_int_equal(hb_journal_compact(j), HB_OK);
	assert_int_equal(hb_journal_count(j), 1);
	/* Still writable after the rename. */
	ev = event(7);
	assert_int_equal(hb_journal_record(j, &ev), HB_OK);
	hb_journal_close(j);

	buf = slurp(&len);
	assert_null(strstr(buf, ids[0]));
	assert_null(strstr(buf, ids[2]));
	assert_non_null(strstr(buf, ids[1]));
	assert_non_null(strstr(buf, ev.id));
	free(buf);
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	assert_int_equal(hb_journal_pending(j), 1);
	assert_int_equal(hb_journal_rejected(j), 1);
	assert_int_equal(hb_journal_rejected_get(j, 0, &ev, &reason), HB_OK);
	assert_string_equal(ev.id, ids[1]);
	assert_string_equal(reason, "unknown_document");
	assert_int_equal(hb_journal_rejected_get(j, 1, &ev, &reason),
	    HB_ERR_ARGUMENT);
	hb_journal_close(j);
}

static void
open_compacts_what_a_crash_left(void **state)
{
	struct hb_journal *j;
	char		 ids[2][37];
	char		 line[64];
	size_t		 len;
	char		*buf;

	(void)state;
	record_n(2, ids);
	/* Verdicts on disk, then a crash before the compaction. */
	snprintf(line, sizeof(line), "A %s", ids[0]);
	append_sealed(line);
	snprintf(line, sizeof(line), "A %s", ids[1]);
	append_sealed(line);
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	assert_int_equal(hb_journal_pending(j), 0);
	assert_int_equal(hb_journal_count(j), 0);
	hb_journal_close(j);
	buf = slurp(&len);
	assert_null(strchr(strchr(buf, '\n') + 1, '\n'));	/* one line */
	free(buf);
}

static void
second_open_is_locked(void **state)
{
	struct hb_journal *j, *j2;

	(void)state;
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	assert_int_equal(hb_journal_open(path, &j2), HB_ERR_LOCKED);
	assert_int_equal(hb_journal_compact(j), HB_OK);
	assert_int_equal(hb_journal_open(path, &j2), HB_ERR_LOCKED);
	hb_journal_close(j);
	assert_int_equal(hb_journal_open(path, &j2), HB_OK);
	hb_journal_close(j2);
}

static void
invalid_events_are_refused(void **state)
{
	struct hb_journal *j;
	struct hb_event	 ev;

	(void)state;
	assert_int_equal(hb_journal_open(path, &j), HB_OK);
	ev = event(0);		/* section_read needs a section */
	assert_int_equal(hb_journal_record(j, &ev), HB_ERR_ARGUMENT);
	ev = event(13);
	assert_int_equal(hb_journal_record(j, &ev), HB_ERR_ARGUMENT);
	ev = event(1);
	ev.lang = "fr";
	assert_int_equal(hb_journal_record(j, &ev), HB_ERR_ARGUMENT);
	ev = event(1);
	ev.seconds = 14401;
	assert_int_equal(hb_journal_record(j, &ev), HB_ERR_ARGUMENT);
	ev = event(1);
	snprintf(ev.id, sizeof(ev.id), "not-a-uuid");
	assert_int_equal(hb_journal_record(j, &ev), HB_ERR_ARGUMENT);
	ev = event(1);
	snprintf(ev.id, sizeof(ev.id), "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B");
	assert_int_equal(hb_journal_record(j, &ev), HB_OK);
	assert_string_equal(ev.id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	/* The same id again: refused, the journal holds it already. */
	assert_int_equal(hb_journal_record(j, &ev), HB_ERR_ARGUMENT);
	ev = event(0);
	ev.kind = HB_EVENT_OPENED;
	ev.occurred_at = 0;	/* now */
	assert_int_equal(hb_journal_record(j, &ev), HB_OK);
	assert_true(hb_journal_event(j, 1)->occurred_at >= time(NULL) - 5);
	assert_int_equal(hb_journal_pending(j), 2);
	hb_journal_close(j);
}

static void
uuid7_is_well_formed_and_ordered(void **state)
{
	char	a[37], b[37];
	int	i;

	(void)state;
	for (i = 0; i < 100; i++) {
		hb_uuid7(a);
		assert_int_equal(strlen(a), 36);
		assert_int_equal(a[14], '7');
		assert_non_null(strchr("89ab", a[19]));
		assert_int_equal(a[8], '-');
		usleep(1100);
		hb_uuid7(b);
		/* Time first: a later id sorts after an earlier one. */
		assert_true(strcmp(a, b) < 0);
	}
}

/*
 * A child records events as fast as it can and tells the parent each id
 * whose record returned; the parent kills it with SIGKILL at a random
 * moment. Every id told must be in the journal, which must open.
 */
static void
sigkill_while_recording_loses_nothing_recorded(void **state)
{
	struct hb_journal *j;
	char		 id[37], (*told)[37] = NULL;
	size_t		 ntold, k, m;
	int		 round, pfd[2], found;
	pid_t		 pid;
	FILE		*in;

	(void)state;
	for (round = 0; round < 6; round++) {
		assert_int_equal(pipe(pfd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct hb_event	ev;
			int		i;

			close(pfd[0]);
			if (hb_journal_open(path, &j) != HB_OK)
				_exit(3);
			for (i = 0;; i++) {
				ev = event(i % 12 + 1);
				if (hb_journal_record(j, &ev) != HB_OK)
					_exit(4);
				if (write(pfd[1], ev.id, 37) != 37)
					_exit(5);
			}
		}
		close(pfd[1]);
		/* 5 to 80 ms: a few records, mid-write more often than not. */
		usleep((useconds_t)(5000 + randombytes_uniform(75000)));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		in = fdopen(pfd[0], "r");
		assert_non_null(in);
		ntold = 0;
		while (fread(id, 1, 37, in) == 37) {
			told = realloc(told, (ntold + 1) * sizeof(*told));
			assert_non_null(told);
			memcpy(told[ntold++], id, 37);
		}
		fclose(in);
		assert_int_equal(hb_journal_open(path, &j), HB_OK);
		for (k = 0; k < ntold; k++) {
			found = 0;
			for (m = 0; m < hb_journal_count(j) && !found; m++)
				found = strcmp(hb_journal_event(j, m)->id,
				    told[k]) == 0;
			if (!found)
				fail_msg("round %d: event %s was recorded but "
				    "is not in the journal", round, told[k]);
		}
		/* Nothing is invented either: at most one more, the torn one
		 * whose record had not returned yet. */
		assert_true(hb_journal_count(j) >= ntold);
		hb_journal_close(j);
	}
	free(told);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replay_keeps_every_event, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(torn_last_line_is_cut, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(damaged_middle_line_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(senseless_whole_lines_are_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_header_is_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    compaction_keeps_only_what_is_not_done, setup, teardown),
		cmocka_unit_test_setup_teardown(open_compacts_what_a_crash_left,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(second_open_is_locked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(invalid_events_are_refused,
		    setup, teardown),
		cmocka_unit_test(uuid7_is_well_formed_and_ordered),
		cmocka_unit_test_setup_teardown(
		    sigkill_while_recording_loses_nothing_recorded, setup,
		    teardown),
	};

	return (cmocka_run_group_tests_name("client_journal", tests, NULL,
	    NULL));
}
