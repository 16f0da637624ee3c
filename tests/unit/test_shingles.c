/*
 * Unit tests for shingles.c: the folding that makes a copy with its tone
 * marks stripped, or Khmer typed in another cluster order, give the same
 * shingles as the original; the shingle sets and bands of equal and of
 * unrelated paragraphs; the essay fingerprint's shape.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

static const char *para_vi =
    "Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng đã xác "
    "định đổi mới sáng tạo và chuyển đổi số là động lực phát triển.";
static const char *para_vi_bare =
    "nghi quyet dai hoi DAI BIEU toan quoc lan thu xiii cua dang da xac "
    "dinh doi moi sang tao va chuyen doi so la dong luc phat trien";
static const char *para_other =
    "Chi bộ tổ chức sinh hoạt chuyên đề hằng quý, mỗi đảng viên nhận "
    "một việc cụ thể gắn với nhiệm vụ của thôn ấp.";

static void
fold_vietnamese(void **state)
{
	char	*f;

	(void)state;
	f = shingle_fold("Đảng viên   ĐỌC, nghị-quyết!");
	assert_non_null(f);
	assert_string_equal(f, "dang vien doc nghi quyet");
	free(f);

	/* Decomposed input (NFD) folds the same. */
	f = shingle_fold("Nghi\xcc\xa3 quy\xc3\xaa\xcc\x81t");
	assert_non_null(f);
	assert_string_equal(f, "nghi quyet");
	free(f);

	assert_null(shingle_fold("bad \xff utf-8"));
}

static void
fold_khmer(void **state)
{
	char	*a, *b;

	(void)state;
	/* Words split; marks of a cluster typed in two orders. */
	a = shingle_fold("សៀវភៅដៃសមាជិកបក្ស។");
	assert_non_null(a);
	assert_string_equal(a, "សៀវភៅ ដៃ សមាជិក បក្ស");
	free(a);

	a = shingle_fold("បក្សបានដឹកនាំខ្ញុំ");
	b = shingle_fold("បក្សបានដឹកន\u17c6\u17b6ខ\u17bb\u17c6\u17d2\u1789");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void
hashes_equal_for_folded_copies(void **state)
{
	u_int64_t	*a, *b, *c;
	size_t		 na, nb, nc, i;

	(void)state;
	assert_true(shingle_hashes(para_vi, &a, &na));
	assert_true(shingle_hashes(para_vi_bare, &b, &nb));
	assert_true(shingle_hashes(para_other, &c, &nc));
	/* 29 words: 25 shingles, all distinct here. */
	assert_int_equal(na, 25);
	assert_int_equal(nb, na);
	for (i = 0; i < na; i++) {
		assert_true(a[i] == b[i]);
		if (i > 0)
			assert_true(a[i - 1] < a[i]);
	}
	free(a);
	free(b);
	free(c);
}

static int
cmp(const void *x, const void *y)
{
	u_int64_t	a = *(const u_int64_t *)x, b = *(const u_int64_t *)y;

	return (a < b ? -1 : a > b);
}

static void
unrelated_paragraphs_share_no_shingle(void **state)
{
	u_int64_t	*a, *c;
	size_t		 na, nc, i;

	(void)state;
	assert_true(shingle_hashes(para_vi, &a, &na));
	assert_true(shingle_hashes(para_other, &c, &nc));
	assert_true(nc > 10);
	for (i = 0; i < nc; i++)
		assert_null(bsearch(&c[i], a, na, sizeof(*a), cmp));
	free(a);
	free(c);
}

static void
short_paragraphs_have_none(void **state)
{
	u_int64_t	*h;
	size_t		 n;

	(void)state;
	assert_true(shingle_hashes("Kế hoạch hành động:", &h, &n));
	assert_int_equal(n, 0);
	assert_null(h);
	assert_true(shingle_hashes("một hai ba bốn năm", &h, &n));
	assert_int_equal(n, 1);
	free(h);
	/* Repeated words give one distinct shingle. */
	assert_true(shingle_hashes("a a a a a a a a", &h, &n));
	assert_int_equal(n, 1);
	free(h);
}

static void
bands_follow_the_text_and_the_study(void **state)
{
	u_int64_t	*a, *b, *c;
	u_int64_t	 ba[LSH_BANDS], bb[LSH_BANDS], bc[LSH_BANDS];
	u_int64_t	 bs[LSH_BANDS];
	size_t		 na, nb, nc, i, j, same;

	(void)state;
	assert_true(shingle_hashes(para_vi, &a, &na));
	assert_true(shingle_hashes(para_vi_bare, &b, &nb));
	assert_true(shingle_hashes(para_other, &c, &nc));
	shingle_bands(a, na, shingle_study_key(7, 0), ba);
	shingle_bands(b, nb, shingle_study_key(7, 0), bb);
	shingle_bands(c, nc, shingle_study_key(7, 0), bc);
	shingle_bands(a, na, shingle_study_key(0, 7), bs);
	same = 0;
	for (i = 0; i < LSH_BANDS; i++) {
		assert_true(ba[i] == bb[i]);
		for (j = 0; j < LSH_BANDS; j++) {
			same += ba[i] == bc[j];
			/* Another study (session 7, not document 7). */
			same += ba[i] == bs[j];
		}
	}
	assert_int_equal(same, 0);
	free(a);
	free(b);
	free(c);
}

static void
essay_json_numbers_paragraphs(void **state)
{
	json_t	*sections, *paras, *p;
	char	 text[1024];

	(void)state;
	(void)snprintf(text, sizeof(text), "%s\n\nNgắn thôi.\n%s", para_vi,
	    para_other);
	sections = json_object();
	json_object_set_new(sections, "content", json_string(text));
	json_object_set_new(sections, "action_plan", json_string(para_vi));
	paras = shingle_essay_json(sections, shingle_study_key(1, 0));
	assert_non_null(paras);
	assert_int_equal(json_array_size(paras), 3);
	p = json_array_get(paras, 0);
	assert_int_equal(json_integer_value(json_object_get(p, "p")), 100000);
	assert_int_equal(json_array_size(json_object_get(p, "h")), 25);
	assert_int_equal(json_array_size(json_object_get(p, "b")), LSH_BANDS);
	/* Line 3 of content (the blank line and the short one count). */
	p = json_array_get(paras, 1);
	assert_int_equal(json_integer_value(json_object_get(p, "p")), 100003);
	p = json_array_get(paras, 2);
	assert_int_equal(json_integer_value(json_object_get(p, "p")), 300000);
	assert_true(json_equal(json_object_get(p, "h"),
	    json_object_get(json_array_get(paras, 0), "h")));
	json_decref(paras);
	json_decref(sections);

	paras = shingle_lines_json("Một dòng quá ngắn\nHai ba bốn năm sáu bảy");
	assert_int_equal(json_array_size(paras), 1);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(paras, 0), "line")), 1);
	json_decref(paras);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fold_vietnamese),
		cmocka_unit_test(fold_khmer),
		cmocka_unit_test(hashes_equal_for_folded_copies),
		cmocka_unit_test(unrelated_paragraphs_share_no_shingle),
		cmocka_unit_test(short_paragraphs_have_none),
		cmocka_unit_test(bands_follow_the_text_and_the_study),
		cmocka_unit_test(essay_json_numbers_paragraphs),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
