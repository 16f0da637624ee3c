/*
 * Khmer text made comparable for search (pure). Khmer is written without
 * spaces between words, and the marks of one orthographic cluster (a
 * subscript consonant, a register shifter, a vowel, a sign) can be typed
 * in several orders that render the same; NFC does not fix that order
 * (only COENG and one sign have combining classes). So a word typed on a
 * phone may differ byte for byte from the same word in a document.
 *
 * khmer_normalize() puts the marks of each cluster in one order, in the
 * manner of SIL's khnormal (khmer-character-specification): every
 * character gets a category, the characters after a base are sorted by
 * category (stable, so a coeng keeps its consonant and two subscripts keep
 * their order), and a few equivalent spellings are mapped to one: a split
 * vowel typed in two parts, a second coeng, coeng RO typed before the other
 * subscript, coeng DA for coeng TA (they share a glyph). Khnormal's
 * rewriting of -u plus an upper vowel into a register shifter, which needs
 * the consonant series, is not done: the order is what a phone gets wrong.
 * ZWSP (U+200B) and the invisible U+17B4/U+17B5 are dropped.
 *
 * khmer_segment() splits runs of Khmer into words with ICU's dictionary
 * word break (Debian's libicu; ICU 72 gives សៀវភៅ|ដៃ|សមាជិក|បក្ស),
 * putting a separator between two words only where both sides are Khmer
 * letters, so that Vietnamese, digits and punctuation pass unchanged and
 * PostgreSQL's text search parser tokenises them exactly as before. The
 * importer segments with ZWSP, which the parser takes as a blank and a
 * reader does not see; the search handler with a space.
 */

#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include "handbook.h"

/* Sort keys: the order of the marks after a base in a normalised cluster. */
#define KC_OTHER	0
#define KC_BASE		1
#define KC_ROBAT	2
#define KC_COENG	3	/* U+17D2, and the consonant it subscripts */
#define KC_SHIFT	4
#define KC_ZWNJ		5
#define KC_VPRE		6
#define KC_VB		7
#define KC_VA		8
#define KC_VPOST	9
#define KC_MS		10
#define KC_MF		11
#define KC_ZWJ		12

/* A cluster longer than this is malformed: it is kept as typed, not sorted. */
#define CLUSTER_MAX	32

#define COENG		0x17d2

/* Passes of khmer_normalize() at most, after the first. */
#define KHMER_PASSES_MAX	8

struct kchar {
	u_int32_t	cp;
	int		cat;
};

static int	category(u_int32_t);
static int	invisible(u_int32_t);
static int	word_letter(u_int32_t);
static int	encode(u_int32_t, char *, size_t, size_t *);
static size_t	cluster_fix(struct kchar *, size_t);
static int	cluster_flush(struct kchar *, size_t, char *, size_t,
		    size_t *);
static void	cluster_drop(struct kchar *, size_t *, size_t);
static u_int32_t	cp_before(const char *, size_t);
static int	normalize_once(const char *, char *, size_t);

/*
 * Writes the normalised form of the UTF-8 string in into out; returns 1,
 * or 0 when in is not valid UTF-8 or the result (never longer than in)
 * does not fit.
 *
 * One pass is enough for any real word; a malformed cluster (a coeng with
 * no consonant after it, a ZWJ left at the end of a cluster) can come out
 * of a pass in an order that a second pass reads as other clusters, and a
 * query normalised once would then miss a text normalised twice. So the
 * pass is repeated until the text stops changing (the fuzzer found such
 * inputs: tests/fuzz/corpus/khmer/). Real text pays one more pass and a
 * comparison.
 */
int
khmer_normalize(const char *in, char *out, size_t outlen)
{
	char	*again;
	size_t	len;
	int	i, ok;

	if (!normalize_once(in, out, outlen))
		return (0);
	len = strlen(out);
	if ((again = malloc(len + 1)) == NULL)
		return (0);
	ok = 1;
	for (i = 0; i < KHMER_PASSES_MAX; i++) {
		if (!normalize_once(out, again, len + 1)) {
			ok = 0;
			break;
		}
		if (!strcmp(again, out))
			break;
		len = strlen(again);
		memcpy(out, again, len + 1);
	}
	free(again);

	return (ok);
}

static int
normalize_once(const char *in, char *out, size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)in;
	struct kchar		cl[CLUSTER_MAX];
	size_t			len, i, j, n, o;
	u_int32_t		cp, prev;
	int			k, cat, prev_cat, overlong;

	len = strlen(in);
	overlong = 0;
	n = 0;
	o = 0;
	prev = 0;
	prev_cat = KC_OTHER;
	for (i = 0; i < len; i += (size_t)k) {
		if ((k = utf8_decode(s, len, i, &cp)) <= 0)
			return (0);
		if (invisible(cp))
			continue;

		cat = category(cp);
		/*
		 * The consonant (or ZWJ) after a coeng belongs to it, and so
		 * does the consonant after such a ZWJ; a ZWJ after any other
		 * ZWJ does not (taking it for a subscript made two spellings
		 * turn into each other pass after pass: the fuzzer's
		 * tests/fuzz/corpus/khmer/zwj_oscillation.txt).
		 */
		if ((prev == COENG && (cat == KC_BASE || cat == KC_ZWJ)) ||
		    (prev == 0x200d && prev_cat == KC_COENG &&
		    cat == KC_BASE))
			cat = KC_COENG;
		prev = cp;
		prev_cat = cat;

		if (cat > KC_BASE && overlong) {
			if (!encode(cp, out, outlen, &o))
				return (0);
			continue;
		}
		if (cat > KC_BASE && n > 0 && n < CLUSTER_MAX) {
			cl[n].cp = cp;
			cl[n++].cat = cat;
			continue;
		}
		if (cat > KC_BASE && n == CLUSTER_MAX) {
			/*
			 * No word has this many marks. The whole cluster is
			 * written as it came: sorting only part of it, or
			 * cutting it, gave a text that the next pass cut
			 * elsewhere, pass after pass (the fuzzer's
			 * tests/fuzz/corpus/khmer/overlong_cluster.txt).
			 * Written unchanged, it reads back as the same
			 * overlong cluster, so it stays a fixed point.
			 */
			for (j = 0; j < n; j++) {
				if (!encode(cl[j].cp, out, outlen, &o))
					return (0);
			}
			n = 0;
			overlong = 1;
			if (!encode(cp, out, outlen, &o))
				return (0);
			continue;
		}
		overlong = 0;
		if (!cluster_flush(cl, n, out, outlen, &o))
			return (0);
		n = 0;
		if (cat == KC_BASE) {
			cl[n].cp = cp;
			cl[n++].cat = cat;
		} else if (!encode(cp, out, outlen, &o)) {
			return (0);
		}
	}
	if (!cluster_flush(cl, n, out, outlen, &o))
		return (0);
	if (o >= outlen)
		return (0);
	out[o] = '\0';

	return (1);
}

/*
 * Writes in with sep between every two Khmer words into out; returns 1,
 * or 0 when in is not valid UTF-8, ICU fails or the result does not fit.
 */
int
khmer_segment(const char *in, const char *sep, char *out, size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)in;
	UErrorCode		status;
	UBreakIterator		*bi;
	UText			*ut;
	size_t			len, seplen, o, i;
	int32_t			b, prev;
	u_int32_t		cp;
	int			k, ok;

	len = strlen(in);
	seplen = strlen(sep);
	for (i = 0; i < len; i += (size_t)k) {
		if ((k = utf8_decode(s, len, i, &cp)) <= 0)
			return (0);
	}
	if (len >= outlen || len > INT32_MAX)
		return (0);

	status = U_ZERO_ERROR;
	ut = utext_openUTF8(NULL, in, (int64_t)len, &status);
	bi = ubrk_open(UBRK_WORD, "km", NULL, 0, &status);
	if (U_SUCCESS(status))
		ubrk_setUText(bi, ut, &status);
	ok = U_SUCCESS(status);

	o = 0;
	prev = 0;
	for (b = ok ? ubrk_next(bi) : UBRK_DONE; b != UBRK_DONE;
	    b = ubrk_next(bi)) {
		/* With a UTF-8 UText, boundaries are byte offsets. */
		if (b <= prev || (size_t)b > len) {
			ok = 0;
			break;
		}
		if (o + (size_t)(b - prev) >= outlen) {
			ok = 0;
			break;
		}
		memcpy(out + o, in + prev, (size_t)(b - prev));
		o += (size_t)(b - prev);
		if ((size_t)b < len && utf8_decode(s, len, (size_t)b, &cp) > 0 &&
		    word_letter(cp) && word_letter(cp_before(in, (size_t)b))) {
			if (o + seplen >= outlen) {
				ok = 0;
				break;
			}
			memcpy(out + o, sep, seplen);
			o += seplen;
		}
		prev = b;
	}
	if (ok && (size_t)prev != len)
		ok = 0;

	if (bi != NULL)
		ubrk_close(bi);
	if (ut != NULL)
		utext_close(ut);
	if (!ok)
		return (0);
	out[o] = '\0';

	return (1);
}

/* The categories of SIL's khnormal, U+1780 to U+17DD plus ZWNJ and ZWJ. */
static int
category(u_int32_t cp)
{
	if (cp == 0x200c)
		return (KC_ZWNJ);
	if (cp == 0x200d)
		return (KC_ZWJ);
	if (cp < 0x1780 || cp > 0x17dd)
		return (KC_OTHER);
	if (cp <= 0x17a2 || (cp >= 0x17a5 && cp <= 0x17b3))
		return (KC_BASE);	/* consonants, independent vowels */
	if (cp == 0x17b6)
		return (KC_VPOST);
	if (cp >= 0x17b7 && cp <= 0x17ba)
		return (KC_VA);
	if (cp >= 0x17bb && cp <= 0x17bd)
		return (KC_VB);
	if (cp >= 0x17be && cp <= 0x17c5)
		return (KC_VPRE);
	if (cp == 0x17c7 || cp == 0x17c8)
		return (KC_MF);
	if (cp == 0x17c9 || cp == 0x17ca)
		return (KC_SHIFT);
	if (cp == 0x17cc)
		return (KC_ROBAT);
	if (cp == COENG)
		return (KC_COENG);
	if (cp == 0x17c6 || cp == 0x17cb || (cp >= 0x17cd && cp <= 0x17d1) ||
	    cp == 0x17d3 || cp == 0x17dd)
		return (KC_MS);
	return (KC_OTHER);	/* deprecated vowels, punctuation */
}

/* Characters that change nothing a reader sees, dropped before comparing. */
static int
invisible(u_int32_t cp)
{
	return (cp == 0x200b || cp == 0x17b4 || cp == 0x17b5);
}

/* Khmer letters, marks and digits: what a word is made of. */
static int
word_letter(u_int32_t cp)
{
	if (cp >= 0x19e0 && cp <= 0x19ff)
		return (1);	/* lunar date symbols */
	if (cp < 0x1780 || cp > 0x17ff)
		return (0);
	return (!(cp >= 0x17d4 && cp <= 0x17d6) &&
	    !(cp >= 0x17d8 && cp <= 0x17da));	/* punctuation */
}

/*
 * Sorts a cluster (insertion sort: stable, and clusters are short), fixes
 * it up and appends it to out at *o.
 */
static int
cluster_flush(struct kchar *cl, size_t n, char *out, size_t outlen,
    size_t *o)
{
	struct kchar	t;
	size_t		i, j;

	for (i = 1; i < n; i++) {
		t = cl[i];
		for (j = i; j > 0 && cl[j - 1].cat > t.cat; j--)
			cl[j] = cl[j - 1];
		cl[j] = t;
	}
	n = cluster_fix(cl, n);
	for (i = 0; i < n; i++) {
		if (!encode(cl[i].cp, out, outlen, o))
			return (0);
	}

	return (1);
}

/* One spelling for spellings that render the same; returns the new length. */
static size_t
cluster_fix(struct kchar *cl, size_t n)
{
	struct kchar	t;
	size_t		i, k;
	int		moved;

	for (i = 0; i < n; i++) {
		/* A coeng typed twice, or followed by ZWNJ/ZWJ: once. */
		while (cl[i].cp == COENG && i + 1 < n &&
		    (cl[i + 1].cp == COENG || cl[i + 1].cp == 0x200c ||
		    cl[i + 1].cp == 0x200d))
			cluster_drop(cl, &n, i + 1);
		/* Coeng DA and coeng TA have one glyph. */
		if (cl[i].cp == COENG && i + 1 < n && cl[i + 1].cp == 0x178a)
			cl[i + 1].cp = 0x178f;
	}

	for (i = 0; i + 1 < n; i++) {
		/* OE + AA looks like OO + II. */
		if (cl[i].cp == 0x17be && cl[i + 1].cp == 0x17b6) {
			cl[i].cp = 0x17c4;
			cl[i + 1].cp = 0x17b8;
		}
		/* A split vowel typed as its two halves: E + II is OE, E +
		 * AA is OO, with a lower vowel between them kept. */
		if (cl[i].cp == 0x17c1) {
			k = i + 1;
			if (k < n && cl[k].cat == KC_VB)
				k++;
			if (k < n && (cl[k].cp == 0x17b8 ||
			    cl[k].cp == 0x17b6)) {
				cl[i].cp = cl[k].cp == 0x17b8 ? 0x17be : 0x17c4;
				cl[i].cat = KC_VPRE;
				cluster_drop(cl, &n, k);
			}
		}
	}

	/*
	 * Coeng RO goes after the other subscripts: moved one place at a
	 * time until none is left before another subscript. One pass was
	 * not enough with two of them (RO, RO, TA gave RO, TA, RO, which a
	 * second normalisation changed again: the fuzzer found it, see
	 * tests/fuzz/corpus/khmer/coeng_ro_twice.txt).
	 */
	for (moved = 1; moved; ) {
		moved = 0;
		for (i = 0; i + 3 < n; i++) {
			if (cl[i].cp == COENG && cl[i + 1].cp == 0x179a &&
			    cl[i + 2].cp == COENG &&
			    cl[i + 3].cat == KC_COENG &&
			    cl[i + 3].cp != COENG && cl[i + 3].cp != 0x179a) {
				t = cl[i + 1];
				cl[i + 1] = cl[i + 3];
				cl[i + 3] = t;
				moved = 1;
			}
		}
	}

	return (n);
}

static void
cluster_drop(struct kchar *cl, size_t *n, size_t i)
{
	memmove(cl + i, cl + i + 1, (*n - i - 1) * sizeof(*cl));
	(*n)--;
}

static int
encode(u_int32_t cp, char *out, size_t outlen, size_t *o)
{
	unsigned char	b[4];
	size_t		n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*o + n >= outlen)
		return (0);
	memcpy(out + *o, b, n);
	*o += n;

	return (1);
}

/* The code point ending just before s[i] (i > 0, s valid UTF-8). */
static u_int32_t
cp_before(const char *s, size_t i)
{
	const unsigned char	*u = (const unsigned char *)s;
	u_int32_t		cp;
	size_t			j;

	j = i - 1;
	while (j > 0 && (u[j] & 0xc0) == 0x80)
		j--;
	if (utf8_decode(u, i, j, &cp) <= 0)
		return (0);

	return (cp);
}

/*
 * Adds to obj {"segmented": {key: words, ...}} for each string member of
 * obj named in keys (NULL-terminated): the text with its clusters in one
 * order and ZWSP (invisible, a blank to PostgreSQL's text search parser)
 * between its words, as the search index wants it (sql/0011_search.sql).
 * The content importer and the board's drafts both use it. Returns 0 when
 * a text could not be split (it is then left out).
 */
int
khmer_words_json(json_t *obj, const char *const *keys)
{
	json_t		*seg;
	const char	*s;
	char		*norm, *words;
	size_t		i, len;
	int		ok;

	ok = 1;
	seg = json_object();
	for (i = 0; keys[i] != NULL; i++) {
		if ((s = json_string_value(json_object_get(obj, keys[i]))) ==
		    NULL)
			continue;
		/*
		 * Never longer normalised; at most one separator (3 bytes)
		 * per Khmer letter (3 bytes) segmented.
		 */
		len = strlen(s);
		if ((norm = malloc(len + 1)) == NULL ||
		    (words = malloc(len * 2 + 1)) == NULL)
			abort();
		if (khmer_normalize(s, norm, len + 1) &&
		    khmer_segment(norm, "\xe2\x80\x8b", words, len * 2 + 1))
			json_object_set_new(seg, keys[i], json_string(words));
		else
			ok = 0;
		free(norm);
		free(words);
	}
	json_object_set_new(obj, "segmented", seg);

	return (ok);
}
