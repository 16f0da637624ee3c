/*
 * Unit tests for the small pure helpers at the edge: the access-log line
 * (accesslog.c), request ids (request_id.c), entity tags (etag.c) and NFC
 * (text_nfc.c).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "handbook.h"

static void
access_line_has_every_field(void **state)
{
	char	line[512];

	(void)state;
	assert_true(accesslog_format(line, sizeof(line), "GET", "/healthz",
	    200, 123, 0, "abc123", "127.0.0.1"));
	assert_string_equal(line, "access rid=abc123 client=127.0.0.1 "
	    "method=GET path=/healthz status=200 us=123 member=-");

	assert_true(accesslog_format(line, sizeof(line), "POST", "/x", 201,
	    5, 77, "r", "::1"));
	assert_non_null(strstr(line, " member=77"));
}

static void
access_line_cannot_be_forged_from_the_path(void **state)
{
	char	line[512];

	(void)state;
	(void)accesslog_format(line, sizeof(line), "GET",
	    "/a b\nstatus=200 \"x\"/tài-liệu", 404, 1, 0, "r", "c");
	assert_null(strchr(line, '\n'));
	assert_non_null(strstr(line,
	    "path=/a%20b%0Astatus=200%20%22x%22/t%C3%A0i-li%E1%BB%87u "));
	assert_non_null(strstr(line, " status=404 "));
}

static void
long_paths_are_cut(void **state)
{
	char	path[4096], line[1024];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	(void)accesslog_format(line, sizeof(line), "GET", path, 404, 1, 0,
	    "r", "c");
	assert_non_null(strstr(line, "..."));
	assert_non_null(strstr(line, " status=404"));
}

static void
request_ids(void **state)
{
	char	a[HB_REQUEST_ID_MAX + 1], b[HB_REQUEST_ID_MAX + 1];

	(void)state;
	request_id_generate(a, sizeof(a));
	request_id_generate(b, sizeof(b));
	assert_int_equal(strlen(a), 32);
	assert_string_not_equal(a, b);
	assert_true(request_id_valid(a));
	assert_true(request_id_valid("3f1c9a2e-6b1d-4c7e-9a55-0f2d8c1b7e44"));
	assert_false(request_id_valid("short"));
	assert_false(request_id_valid("abc def 1234"));
	assert_false(request_id_valid("12345678\r\nset-cookie: x"));
}

static void
etags(void **state)
{
	char	tag[40], other[40], list[128];

	(void)state;
	etag_of("abc", 3, tag, sizeof(tag));
	etag_of("abd", 3, other, sizeof(other));
	assert_int_equal(strlen(tag), 34);
	assert_int_equal(tag[0], '"');
	assert_string_not_equal(tag, other);

	assert_true(etag_matches(tag, tag));
	assert_true(etag_matches("*", tag));
	assert_false(etag_matches(other, tag));
	assert_false(etag_matches("", tag));

	(void)snprintf(list, sizeof(list), "%s, W/%s", other, tag);
	assert_true(etag_matches(list, tag));
	(void)snprintf(list, sizeof(list), " %s ,%s", other, other);
	assert_false(etag_matches(list, tag));
}

static void
nfc(void **state)
{
	char	out[64];

	(void)state;
	/* "mật khẩu" typed with combining marks becomes precomposed. */
	assert_true(text_nfc("ma\xcc\xa3\xcc\x82t kha\xcc\x82\xcc\x89u",
	    out, sizeof(out)));
	assert_string_equal(out, "mật khẩu");
	assert_true(text_nfc("mật khẩu", out, sizeof(out)));
	assert_string_equal(out, "mật khẩu");
	/* Khmer is left as it is (its order needs more than NFC). */
	assert_true(text_nfc("ពាក្យសម្ងាត់", out, sizeof(out)));
	assert_string_equal(out, "ពាក្យសម្ងាត់");
	assert_false(text_nfc("bad \xff", out, sizeof(out)));
	assert_false(text_nfc("too long for the buffer", out, 8));
}

static int
setup(void **state)
{
	(void)state;
	return (sodium_init() < 0 ? -1 : 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(access_line_has_every_field),
		cmocka_unit_test(access_line_cannot_be_forged_from_the_path),
		cmocka_unit_test(long_paths_are_cut),
		cmocka_unit_test(request_ids),
		cmocka_unit_test(etags),
		cmocka_unit_test(nfc),
	};

	return (cmocka_run_group_tests_name("edge", tests, setup, NULL));
}
