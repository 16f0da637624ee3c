/*
 * Unit tests for static_names.c: which file names of assets/ are served
 * and with what Content-Type; the web routes of routes.def against paths a
 * browser (or an attacker) sends.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static void
known_types(void **state)
{
	int	longlived = -1;

	(void)state;
	assert_string_equal(static_type_of("index.html", &longlived),
	    "text/html; charset=utf-8");
	assert_int_equal(longlived, 0);
	assert_string_equal(static_type_of("reader.js", NULL),
	    "text/javascript; charset=utf-8");
	assert_string_equal(static_type_of("app.css", NULL),
	    "text/css; charset=utf-8");
	assert_string_equal(static_type_of("manifest.webmanifest", NULL),
	    "application/manifest+json");
	assert_string_equal(static_type_of("icon.svg", NULL), "image/svg+xml");
	assert_string_equal(static_type_of("NotoSansKhmer-Regular.ttf",
	    &longlived), "font/ttf");
	assert_int_equal(longlived, 1);
	assert_string_equal(static_type_of("fonts-noto-core-copyright.txt",
	    NULL), "text/plain; charset=utf-8");
}

static void
refused_names(void **state)
{
	char	longname[HB_ROUTE_PARAM_MAX + 8];

	(void)state;
	assert_null(static_type_of(NULL, NULL));
	assert_null(static_type_of("", NULL));
	assert_null(static_type_of(".htaccess", NULL));
	assert_null(static_type_of(".js", NULL));	/* a dot file */
	assert_null(static_type_of("..", NULL));
	assert_null(static_type_of("a..js", NULL));
	assert_null(static_type_of("x.js.orig", NULL));	/* unknown type */
	assert_null(static_type_of("README", NULL));
	assert_null(static_type_of("x.JS", NULL));	/* case matters */
	assert_null(static_type_of("a b.js", NULL));
	assert_null(static_type_of("a/b.js", NULL));
	assert_null(static_type_of("a%2fb.js", NULL));
	assert_null(static_type_of("sw.js~", NULL));
	assert_null(static_type_of("tiếng.js", NULL));
	assert_null(static_type_of("html", NULL));	/* no name before it */

	memset(longname, 'a', sizeof(longname) - 4);
	memcpy(longname + sizeof(longname) - 4, ".js", 4);
	assert_null(static_type_of(longname, NULL));
}

static void
web_routes_match_one_segment(void **state)
{
	struct route_params	p;

	(void)state;
	assert_true(route_match("/", "/", NULL));
	assert_false(route_match("/", "/index.html", NULL));
	assert_true(route_match("/board/", "/board/", NULL));
	assert_false(route_match("/board/", "/board", NULL));
	memset(&p, 0, sizeof(p));
	assert_true(route_match("/app/{file}", "/app/api.js", &p));
	assert_string_equal(p.value[0], "api.js");
	assert_false(route_match("/app/{file}", "/app/", NULL));
	assert_false(route_match("/app/{file}", "/app/x/y.js", NULL));
	assert_false(route_match("/app/{file}", "/app/%2e%2e", NULL));
	assert_false(route_match("/fonts/{file}", "/fonts/../x", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_types),
		cmocka_unit_test(refused_names),
		cmocka_unit_test(web_routes_match_one_segment),
	};

	return (cmocka_run_group_tests_name("static_names", tests, NULL, NULL));
}
