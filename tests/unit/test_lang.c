/*
 * Unit tests for lang.c: choosing Vietnamese or Khmer from ?lang= and
 * Accept-Language.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static void
query_parameter_wins_and_is_checked(void **state)
{
	(void)state;
	assert_string_equal(lang_negotiate("km", "vi"), "km");
	assert_string_equal(lang_negotiate("vi", "km"), "vi");
	assert_null(lang_negotiate("fr", NULL));
	assert_null(lang_negotiate("KM", NULL));
	assert_null(lang_negotiate("vi-VN", NULL));
}

static void
accept_language(void **state)
{
	(void)state;
	assert_string_equal(lang_negotiate("", NULL), "vi");
	assert_string_equal(lang_negotiate(NULL, "km"), "km");
	assert_string_equal(lang_negotiate("", "km-KH,km;q=0.9,vi;q=0.8"),
	    "km");
	assert_string_equal(lang_negotiate("", "km;q=0.2, vi;q=0.9"), "vi");
	assert_string_equal(lang_negotiate("", "en-US,en;q=0.9"), "vi");
	assert_string_equal(lang_negotiate("", "en, km;q=0.5"), "km");
	assert_string_equal(lang_negotiate("", "kmr, vi;q=0.1"), "vi");
	assert_string_equal(lang_negotiate("", "km;q=0"), "vi");
	assert_string_equal(lang_negotiate("", "VI-vn, KM;q=0.3"), "vi");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_parameter_wins_and_is_checked),
		cmocka_unit_test(accept_language),
	};

	return (cmocka_run_group_tests_name("lang", tests, NULL, NULL));
}
