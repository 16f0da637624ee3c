/*
 * Unit tests for khmer.c: Khmer typed with the marks of a cluster in
 * another order normalises to the same bytes, and ICU splits Khmer into
 * the words the search index holds. Reordered spellings are written with
 * \u escapes so that the order under test is visible; each is a way a
 * phone keyboard really lets people type the word.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "handbook.h"

/* Asserts that khmer_normalize(in) is want, byte for byte. */
static void
normalizes_to(const char *in, const char *want)
{
	char	out[256];

	assert_true(khmer_normalize(in, out, sizeof(out)));
	assert_string_equal(out, want);
}

static void
segment_into_words(void **state)
{
	char	out[512];

	(void)state;
	/* "party member's handbook": DESIGN.md's ICU 72 result. */
	assert_true(khmer_segment("សៀវភៅដៃសមាជិកបក្ស", " ", out,
	    sizeof(out)));
	assert_string_equal(out, "សៀវភៅ ដៃ សមាជិក បក្ស");

	assert_true(khmer_segment("គណៈកម្មាធិការបក្សខេត្តបានដឹកនាំ", " ",
	    out, sizeof(out)));
	assert_string_equal(out, "គណៈកម្មាធិការ បក្ស ខេត្ត បាន ដឹកនាំ");

	/* The importer's separator: ZWSP, invisible. */
	assert_true(khmer_segment("សៀវភៅដៃ", "\u200b", out, sizeof(out)));
	assert_string_equal(out, "សៀវភៅ\u200bដៃ");
}

static void
segment_leaves_other_text_alone(void **state)
{
	char	out[512];

	(void)state;
	/* No separator next to Latin, digits, spaces or Khmer full stops. */
	assert_true(khmer_segment("Nghị quyết 04-NQ/TW, សៀវភៅដៃ។ ok", " ",
	    out, sizeof(out)));
	assert_string_equal(out, "Nghị quyết 04-NQ/TW, សៀវភៅ ដៃ។ ok");
	assert_true(khmer_segment("", " ", out, sizeof(out)));
	assert_string_equal(out, "");
	assert_true(khmer_segment("' OR 1=1 --", " ", out, sizeof(out)));
	assert_string_equal(out, "' OR 1=1 --");
}

static void
segment_refuses_bad_input(void **state)
{
	char	out[64];

	(void)state;
	assert_false(khmer_segment("bad \xff", " ", out, sizeof(out)));
	/* Four words need three more separators than the 16 bytes hold. */
	assert_false(khmer_segment("សៀវភៅដៃសមាជិកបក្ស", " ", out, 52));
}

static void
vowel_typed_before_the_subscript(void **state)
{
	(void)state;
	/* សម្រាប់ "for": MO, COENG RO, AA; AA typed before COENG RO. */
	normalizes_to("\u179f\u1798\u17b6\u17d2\u179a\u1794\u17cb",
	    "សម្រាប់");
	normalizes_to("សម្រាប់", "សម្រាប់");
	/* ខ្ញុំ "I": COENG NYO, U, NIKAHIT in three orders. */
	normalizes_to("\u1781\u17bb\u17c6\u17d2\u1789", "ខ្ញុំ");
	normalizes_to("\u1781\u17c6\u17bb\u17d2\u1789", "ខ្ញុំ");
	normalizes_to("\u1781\u17d2\u1789\u17c6\u17bb", "ខ្ញុំ");
}

static void
shifter_and_signs_typed_after(void **state)
{
	(void)state;
	/* ម៉ឺន "ten thousand": the shifter typed after the vowel. */
	normalizes_to("\u1798\u17ba\u17c9\u1793", "ម៉ឺន");
	/* ដឹកនាំ "lead": NIKAHIT typed before AA. */
	normalizes_to("\u178a\u17b9\u1780\u1793\u17c6\u17b6", "ដឹកនាំ");
	/* A shifter typed before a subscript goes after it. */
	normalizes_to("\u1794\u17c9\u17d2\u179a\u17b7", "\u1794\u17d2\u179a"
	    "\u17c9\u17b7");
}

static void
equivalent_spellings(void **state)
{
	(void)state;
	/* ស្ត្រី "woman": COENG RO typed before COENG TA. */
	normalizes_to("\u179f\u17d2\u179a\u17d2\u178f\u17b8", "ស្ត្រី");
	/* Coeng DA and coeng TA share a glyph. */
	normalizes_to("\u179f\u17d2\u178a\u17d2\u179a\u17b8", "ស្ត្រី");
	/* ដើរ "walk": the split vowel OE typed as its halves E + II. */
	normalizes_to("\u178a\u17c1\u17b8\u179a", "ដើរ");
	/* A coeng typed twice counts once. */
	normalizes_to("\u1781\u17d2\u17d2\u1789\u17bb\u17c6", "ខ្ញុំ");
}

static void
invisible_characters_are_dropped(void **state)
{
	(void)state;
	normalizes_to("សៀវភៅ\u200bដៃ", "សៀវភៅដៃ");
	normalizes_to("\u1780\u17b4\u17b6\u17b5", "\u1780\u17b6");
}

static void
other_text_is_left_alone(void **state)
{
	char	out[8];

	(void)state;
	normalizes_to("Nghị quyết 04-NQ/TW, đảng viên", "Nghị quyết "
	    "04-NQ/TW, đảng viên");
	normalizes_to("", "");
	/* A mark without a base stays where it is. */
	normalizes_to("\u17b6\u1780", "\u17b6\u1780");
	assert_false(khmer_normalize("bad \xc3", out, sizeof(out)));
	assert_false(khmer_normalize("ខ្ញុំ", out, sizeof(out)));
}

static void
reordered_words_are_found_as_words(void **state)
{
	char	a[256], b[256], wa[512], wb[512];

	(void)state;
	/* A sentence as a document has it, and as a phone may send it. */
	assert_true(khmer_normalize("បក្សបានដឹកនាំសម្រាប់ខ្ញុំ", a,
	    sizeof(a)));
	assert_true(khmer_normalize("បក្សបានដឹកន\u17c6\u17b6"
	    "សម\u17b6\u17d2\u179aប់ខ\u17bb\u17c6\u17d2\u1789", b, sizeof(b)));
	assert_string_equal(a, b);
	assert_true(khmer_segment(a, " ", wa, sizeof(wa)));
	assert_true(khmer_segment(b, " ", wb, sizeof(wb)));
	assert_string_equal(wa, wb);
	assert_non_null(strstr(wa, " ដឹកនាំ "));
}

static void
overlong_cluster_is_kept_as_typed(void **state)
{
	char	in[512], out[512], again[512];
	size_t	i, o;

	(void)state;
	/*
	 * KA, then 40 marks: coengs typed twice and vowels before them. No
	 * word is like that; it stays as typed, and normalising it again
	 * changes nothing (cut at 32 marks, it never settled).
	 */
	o = 0;
	memcpy(in, "\u1780", 3);
	o += 3;
	for (i = 0; i < 10; i++) {
		memcpy(in + o, "\u17b7\u17d2\u17d2\u179a", 12);
		o += 12;
	}
	memcpy(in + o, "\u1780\u17b6", 7);
	in[o + 6] = '\0';
	assert_true(khmer_normalize(in, out, sizeof(out)));
	assert_memory_equal(out, in, o);
	/* The next cluster, of a normal length, is still normalised. */
	assert_string_equal(out + o, "\u1780\u17b6");
	assert_true(khmer_normalize(out, again, sizeof(again)));
	assert_string_equal(again, out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(segment_into_words),
		cmocka_unit_test(segment_leaves_other_text_alone),
		cmocka_unit_test(segment_refuses_bad_input),
		cmocka_unit_test(vowel_typed_before_the_subscript),
		cmocka_unit_test(shifter_and_signs_typed_after),
		cmocka_unit_test(equivalent_spellings),
		cmocka_unit_test(invisible_characters_are_dropped),
		cmocka_unit_test(other_text_is_left_alone),
		cmocka_unit_test(reordered_words_are_found_as_words),
		cmocka_unit_test(overlong_cluster_is_kept_as_typed),
	};

	return (cmocka_run_group_tests_name("khmer", tests, NULL, NULL));
}
