/*
 * Unit tests for sqlstate.c: the one mapping from PostgreSQL errors to
 * HTTP answers.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static void	expect(const char *, const char *, const char *, int,
		    const char *);

static void
expect(const char *state, const char *primary, const char *hint, int status,
    const char *code)
{
	struct hb_error	err;

	sqlstate_to_error(state, primary, hint, &err);
	assert_int_equal(err.status, status);
	assert_string_equal(err.code, code);
	assert_true(strlen(err.message) > 0);
}

static void
unreachable_database_is_503(void **state)
{
	(void)state;
	expect(NULL, NULL, NULL, 503, "database_unavailable");
	expect("08006", "x", NULL, 503, "database_unavailable");
	expect("57P01", "x", NULL, 503, "database_unavailable");
	expect("57P03", "x", NULL, 503, "database_unavailable");
	expect("25006", "x", NULL, 503, "database_unavailable");
	assert_true(sqlstate_is_unavailable(NULL));
	assert_false(sqlstate_is_unavailable("23505"));
	assert_string_equal(sqlstate_retry_after(NULL), HB_RETRY_AFTER_DB);
	assert_string_equal(sqlstate_retry_after("08006"), HB_RETRY_AFTER_DB);
}

/*
 * Class 53: the server is there but out of a resource. A full disk has
 * its own code and a longer wait; the others are a busy server. All of
 * them still count as "unavailable" for the replica (taken out of reads).
 */
static void
resources_exhausted_are_503(void **state)
{
	(void)state;
	expect("53100", "could not extend file", NULL, 503, "storage_full");
	expect("53200", "out of memory", NULL, 503, "database_busy");
	expect("53300", "too many connections", NULL, 503, "database_busy");
	expect("53400", "configuration limit", NULL, 503, "database_busy");
	/* A hint never turns class 53 into something else. */
	expect("53100", "x", "not_found", 503, "storage_full");
	assert_string_equal(sqlstate_retry_after("53100"), HB_RETRY_AFTER_FULL);
	assert_string_equal(sqlstate_retry_after("53300"), HB_RETRY_AFTER_DB);
	assert_string_equal(sqlstate_retry_after("40001"), HB_RETRY_AFTER_DB);
	assert_true(sqlstate_is_unavailable("53100"));
	assert_int_equal(sqlstate_replica_retry("53100"), 1);
	/* Not class 53, however it starts. */
	expect("5310", "x", NULL, 503, "database_unavailable");
}

static void
constraints_are_client_errors(void **state)
{
	(void)state;
	expect("23505", "duplicate key", NULL, 409, "conflict");
	expect("23503", "fk", NULL, 422, "invalid_reference");
	expect("23514", "check", NULL, 422, "invalid_value");
	expect("22P02", "syntax", NULL, 422, "invalid_value");
	expect("40001", "x", NULL, 503, "try_again");
	expect("57014", "x", NULL, 503, "database_timeout");
}

static void
our_functions_choose_status_code_and_message(void **state)
{
	struct hb_error	err;

	(void)state;
	sqlstate_to_error("HB404", "Không tìm thấy tài liệu.", "not_found",
	    &err);
	assert_int_equal(err.status, 404);
	assert_string_equal(err.code, "not_found");
	assert_string_equal(err.message, "Không tìm thấy tài liệu.");

	/* A hint that is not a code does not become one. */
	expect("HB422", "x", "Not A Code", 422, "request_refused");
	/* Only 4xx may be chosen this way. */
	expect("HB500", "x", "boom", 500, "internal_error");
}

static void
anything_else_is_500_without_details(void **state)
{
	struct hb_error	err;

	(void)state;
	sqlstate_to_error("42P01", "relation \"secret\" does not exist", NULL,
	    &err);
	assert_int_equal(err.status, 500);
	assert_null(strstr(err.message, "secret"));
}

/* A read the replica could not run goes to the primary; an answer stays. */
static void
replica_failures_go_to_the_primary(void **state)
{
	(void)state;
	/* Unreachable or stopping: retried, and the replica taken out. */
	assert_int_equal(sqlstate_replica_retry(NULL), 1);
	assert_int_equal(sqlstate_replica_retry("08006"), 1);
	assert_int_equal(sqlstate_replica_retry("57P01"), 1);
	assert_int_equal(sqlstate_replica_retry("57P03"), 1);
	assert_int_equal(sqlstate_replica_retry("53300"), 1);
	/* The replica is fine, this statement could not run there. */
	assert_int_equal(sqlstate_replica_retry("40001"), 2);
	assert_int_equal(sqlstate_replica_retry("25006"), 2);
	/* Answers: the same on the primary, so never retried. */
	assert_int_equal(sqlstate_replica_retry("HB404"), 0);
	assert_int_equal(sqlstate_replica_retry("HB403"), 0);
	assert_int_equal(sqlstate_replica_retry("22P02"), 0);
	assert_int_equal(sqlstate_replica_retry("23505"), 0);
	assert_int_equal(sqlstate_replica_retry("40P01"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unreachable_database_is_503),
		cmocka_unit_test(resources_exhausted_are_503),
		cmocka_unit_test(constraints_are_client_errors),
		cmocka_unit_test(our_functions_choose_status_code_and_message),
		cmocka_unit_test(anything_else_is_500_without_details),
		cmocka_unit_test(replica_failures_go_to_the_primary),
	};

	return (cmocka_run_group_tests_name("sqlstate", tests, NULL, NULL));
}
