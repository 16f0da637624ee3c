/*
 * Unit tests for route_match.c: path templates, parameter capture, and the
 * Allow header built for a 405.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static int	dummy(struct http_request *);

static int
dummy(struct http_request *req)
{
	(void)req;
	return (0);
}

static const struct route table[] = {
	{ HTTP_METHOD_GET, "/healthz", dummy, 0 },
	{ HTTP_METHOD_GET, "/api/v1/documents/{id}", dummy, 0 },
	{ HTTP_METHOD_PUT, "/api/v1/documents/{id}", dummy, 0 },
	{ HTTP_METHOD_POST, "/api/v1/documents", dummy, 0 },
	{ HTTP_METHOD_DELETE, "/api/v1/notes/{note}/versions/{v}", dummy, 0 },
};

static void
literal_paths_match_exactly(void **state)
{
	(void)state;
	assert_true(route_match("/healthz", "/healthz", NULL));
	assert_false(route_match("/healthz", "/healthz/", NULL));
	assert_false(route_match("/healthz", "/health", NULL));
	assert_false(route_match("/healthz", "/healthzz", NULL));
	assert_false(route_match("/healthz", "", NULL));
}

static void
parameters_are_captured(void **state)
{
	struct route_params	p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_true(route_match("/api/v1/notes/{note}/versions/{v}",
	    "/api/v1/notes/42/versions/3", &p));
	assert_int_equal(p.count, 2);
	assert_string_equal(p.name[0], "note");
	assert_string_equal(p.value[0], "42");
	assert_string_equal(p.name[1], "v");
	assert_string_equal(p.value[1], "3");
}

static void
parameters_refuse_slashes_escapes_and_empties(void **state)
{
	(void)state;
	assert_false(route_match("/d/{id}", "/d/", NULL));
	assert_false(route_match("/d/{id}", "/d/1/2", NULL));
	assert_false(route_match("/d/{id}", "/d/%2e%2e", NULL));
	assert_false(route_match("/d/{id}", "/d/a b", NULL));
	assert_true(route_match("/d/{id}",
	    "/d/8c2b0a52-7f2e-4d55-9d0c-2f9a1f4d9e10", NULL));
}

static void
overlong_parameter_is_refused(void **state)
{
	char	path[HB_ROUTE_PARAM_MAX + 8];

	(void)state;
	memset(path, 'a', sizeof(path));
	memcpy(path, "/d/", 3);
	path[sizeof(path) - 1] = '\0';
	assert_false(route_match("/d/{id}", path, NULL));
}

static void
allow_header_lists_methods_of_the_path(void **state)
{
	char	buf[64];

	(void)state;
	assert_int_equal(route_allow_header(table, 5, "/api/v1/documents/7",
	    buf, sizeof(buf)), 2);
	assert_string_equal(buf, "GET, HEAD, PUT");

	assert_int_equal(route_allow_header(table, 5, "/api/v1/documents",
	    buf, sizeof(buf)), 1);
	assert_string_equal(buf, "POST");

	assert_int_equal(route_allow_header(table, 5, "/nowhere",
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_paths_match_exactly),
		cmocka_unit_test(parameters_are_captured),
		cmocka_unit_test(parameters_refuse_slashes_escapes_and_empties),
		cmocka_unit_test(overlong_parameter_is_refused),
		cmocka_unit_test(allow_header_lists_methods_of_the_path),
	};

	return (cmocka_run_group_tests_name("route_match", tests, NULL, NULL));
}
