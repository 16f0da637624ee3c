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
	assert_string_equal(lang_negotiate("km", "vi", NULL), "km");
	assert_string_equal(lang_negotiate("vi", "km", NULL), "vi");
	assert_null(lang_negotiate("fr", NULL, NULL));
	assert_null(lang_negotiate("KM", NULL, NULL));
	assert_null(lang_negotiate("vi-VN", NULL, NULL));
}

static void
accept_language(void **state)
{
	(void)state;
	assert_string_equal(lang_negotiate("", NULL, NULL), "vi");
	assert_string_equal(lang_negotiate(NULL, "km", NULL), "km");
	assert_string_equal(lang_negotiate("", "km-KH,km;q=0.9,vi;q=0.8", NULL),
	    "km");
	assert_string_equal(lang_negotiate("", "km;q=0.2, vi;q=0.9", NULL), "vi");
	assert_string_equal(lang_negotiate("", "en-US,en;q=0.9", NULL), "vi");
	assert_string_equal(lang_negotiate("", "en, km;q=0.5", NULL), "km");
	assert_string_equal(lang_negotiate("", "kmr, vi;q=0.1", NULL), "vi");
	assert_string_equal(lang_negotiate("", "km;q=0", NULL), "vi");
	assert_string_equal(lang_negotiate("", "VI-vn, KM;q=0.3", NULL), "vi");
}

static void
member_preference_comes_after_the_request(void **state)
{
	(void)state;
	assert_string_equal(lang_negotiate("", NULL, "km"), "km");
	assert_string_equal(lang_negotiate(NULL, NULL, "vi"), "vi");
	assert_string_equal(lang_negotiate("", "en-US", "km"), "km");
	assert_string_equal(lang_negotiate("", "vi-VN", "km"), "km");
	assert_string_equal(lang_negotiate("", "km", "vi"), "km");
	assert_string_equal(lang_negotiate("vi", NULL, "km"), "vi");
	assert_null(lang_negotiate("fr", NULL, "km"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_parameter_wins_and_is_checked),
		cmocka_unit_test(accept_language),
		cmocka_unit_test(member_preference_comes_after_the_request),
	};

	return (cmocka_run_group_tests_name("lang", tests, NULL, NULL));
}
