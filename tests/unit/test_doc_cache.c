/*
 * Unit tests for doc_cache.c, the per-worker cache of rendered documents:
 * keys (document, version, language asked for), the ETag kept with the
 * bytes, dropping a document, the memory budget with least recently used
 * entries going first, and the cache switched off.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static int
setup(void **state)
{
	(void)state;
	doc_cache_configure(1u << 20);
	doc_cache_enable(1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	doc_cache_clear();
	return (0);
}

static void
keys_keep_versions_and_languages_apart(void **state)
{
	struct doc_cache_hit	hit;
	char			etag[40];
	const char		*vi = "{\"lang\":\"vi\",\"title\":\"Nghị quyết\"}";
	const char		*km = "{\"lang\":\"km\",\"title\":\"សេចក្តីសម្រេច\"}";

	(void)state;
	assert_int_equal(doc_cache_get(7, 1, "vi", &hit), 0);
	assert_int_equal(doc_cache_put(7, 1, "vi", "vi", vi, strlen(vi)), 1);
	assert_int_equal(doc_cache_put(7, 1, "km", "km", km, strlen(km)), 1);

	assert_int_equal(doc_cache_get(7, 1, "km", &hit), 1);
	assert_int_equal(hit.len, strlen(km));
	assert_memory_equal(hit.body, km, strlen(km));
	assert_string_equal(hit.lang, "km");
	etag_of(km, strlen(km), etag, sizeof(etag));
	assert_string_equal(hit.etag, etag);

	assert_int_equal(doc_cache_get(7, 1, "vi", &hit), 1);
	assert_memory_equal(hit.body, vi, strlen(vi));
	/* Another version or document is another entry. */
	assert_int_equal(doc_cache_get(7, 2, "vi", &hit), 0);
	assert_int_equal(doc_cache_get(8, 1, "vi", &hit), 0);
}

static void
khmer_asked_vietnamese_served(void **state)
{
	struct doc_cache_hit	hit;
	const char		*body = "{\"fallback\":true}";

	(void)state;
	assert_int_equal(doc_cache_put(3, 2, "km", "vi", body, strlen(body)),
	    1);
	assert_int_equal(doc_cache_get(3, 2, "km", &hit), 1);
	assert_string_equal(hit.lang, "vi");
	assert_int_equal(doc_cache_get(3, 2, "vi", &hit), 0);
}

static void
drop_takes_every_version_of_one_document(void **state)
{
	struct doc_cache_hit	hit;
	struct doc_cache_stats	st;

	(void)state;
	assert_int_equal(doc_cache_put(1, 1, "vi", "vi", "a", 1), 1);
	assert_int_equal(doc_cache_put(1, 2, "vi", "vi", "b", 1), 1);
	assert_int_equal(doc_cache_put(1, 2, "km", "km", "c", 1), 1);
	assert_int_equal(doc_cache_put(2, 1, "vi", "vi", "d", 1), 1);
	/* A second put of the same key keeps one entry. */
	assert_int_equal(doc_cache_put(2, 1, "vi", "vi", "d", 1), 1);
	doc_cache_stats_get(&st);
	assert_int_equal(st.entries, 4);

	assert_int_equal(doc_cache_drop(1), 3);
	assert_int_equal(doc_cache_drop(1), 0);
	assert_int_equal(doc_cache_get(1, 2, "km", &hit), 0);
	assert_int_equal(doc_cache_get(2, 1, "vi", &hit), 1);
	doc_cache_stats_get(&st);
	assert_int_equal(st.entries, 1);
}

static void
budget_evicts_least_recently_used(void **state)
{
	struct doc_cache_hit	hit;
	struct doc_cache_stats	st;
	static char		body[100000];
	int			i;

	(void)state;
	memset(body, 'x', sizeof(body));
	/* 1 MB: ten bodies of 100 kB do not all fit. */
	for (i = 1; i <= 9; i++)
		assert_int_equal(doc_cache_put(i, 1, "vi", "vi", body,
		    sizeof(body)), 1);
	/* Document 1 is read again: 2 is now the oldest. */
	assert_int_equal(doc_cache_get(1, 1, "vi", &hit), 1);
	assert_int_equal(doc_cache_put(10, 1, "vi", "vi", body, sizeof(body)),
	    1);
	assert_int_equal(doc_cache_put(11, 1, "vi", "vi", body, sizeof(body)),
	    1);

	doc_cache_stats_get(&st);
	assert_true(st.bytes <= (1u << 20));
	assert_true(st.evictions >= 1);
	assert_int_equal(doc_cache_get(1, 1, "vi", &hit), 1);
	assert_int_equal(doc_cache_get(2, 1, "vi", &hit), 0);
	assert_int_equal(doc_cache_get(11, 1, "vi", &hit), 1);

	/* A body over a quarter of the budget is served, never kept. */
	doc_cache_configure(200000);
	assert_int_equal(doc_cache_put(12, 1, "vi", "vi", body, sizeof(body)),
	    0);
	doc_cache_stats_get(&st);
	assert_true(st.bytes <= 200000);
	doc_cache_configure(1u << 20);
}

static void
off_means_nothing_found_nothing_kept(void **state)
{
	struct doc_cache_hit	hit;
	struct doc_cache_stats	st;

	(void)state;
	assert_int_equal(doc_cache_put(5, 1, "vi", "vi", "e", 1), 1);
	doc_cache_enable(0);
	assert_int_equal(doc_cache_enabled(), 0);
	assert_int_equal(doc_cache_get(5, 1, "vi", &hit), 0);
	assert_int_equal(doc_cache_put(5, 1, "vi", "vi", "e", 1), 0);
	doc_cache_stats_get(&st);
	assert_int_equal(st.entries, 0);

	/* On again: empty, since nothing said what changed meanwhile. */
	doc_cache_enable(1);
	assert_int_equal(doc_cache_get(5, 1, "vi", &hit), 0);
}

static void
many_documents_many_buckets(void **state)
{
	struct doc_cache_hit	hit;
	char			body[32];
	int			i, n;

	(void)state;
	for (i = 1; i <= 5000; i++) {
		n = snprintf(body, sizeof(body), "{\"id\":%d}", i);
		assert_int_equal(doc_cache_put(i, i % 3 + 1, i % 2 ? "vi" :
		    "km", "vi", body, (size_t)n), 1);
	}
	for (i = 1; i <= 5000; i++) {
		n = snprintf(body, sizeof(body), "{\"id\":%d}", i);
		assert_int_equal(doc_cache_get(i, i % 3 + 1, i % 2 ? "vi" :
		    "km", &hit), 1);
		assert_memory_equal(hit.body, body, (size_t)n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    keys_keep_versions_and_languages_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(khmer_asked_vietnamese_served,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    drop_takes_every_version_of_one_document, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    budget_evicts_least_recently_used, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    off_means_nothing_found_nothing_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(many_documents_many_buckets,
		    setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
