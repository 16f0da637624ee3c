/*
 * Fingerprints of essay text for copy detection (pure). A copied essay
 * rarely arrives byte for byte: the copier strips the tone marks (typing
 * without them is common), reorders the paragraphs, or retypes Khmer with
 * the marks of a cluster in another order. So the text is first folded:
 * Khmer clusters put in one order and Khmer split into words with ICU
 * (khmer.c, the same code search uses), then NFD with the Latin combining
 * marks dropped, đ as d, lower case (what unaccent does for search,
 * sql/0011), and cut into words (runs of letters, digits and marks).
 *
 * Each line of a section is a paragraph. A paragraph's fingerprint is the
 * set of its word 5-shingles, each hashed to 64 bits; paragraphs are kept
 * apart so that reordered paragraphs still match and the matching
 * passages can be named (which line of which section). For finding
 * candidates among many essays quickly, each paragraph also gets a
 * MinHash signature of 24 values cut into 8 bands of 3; a band's key
 * mixes in the study, so only essays on the same study share keys. Two
 * paragraphs whose shingle sets have Jaccard similarity s share at least
 * one band with probability 1 - (1 - s^3)^8: 0.997 at s = 0.8, 0.86 at
 * 0.6, 0.5 at 0.45, 0.2 at 0.3. The exact comparison of shingle sets is
 * done on the candidates afterwards (sql/0024_essays.sql).
 *
 * The hashes are this file's own (FNV-1a, finished by splitmix64), fixed
 * forever: stored fingerprints are compared with new ones, so changing a
 * constant here means recomputing every stored essay.
 */

#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "handbook.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static u_int64_t	mix64(u_int64_t);
static int		word_char(UChar32);
static int		has_khmer(const char *);
static int		cmp_u64(const void *, const void *);
static json_t		*hashes_json(const u_int64_t *, size_t);

/* The section names an essay may have, in their order (para numbers). */
const char *const shingle_sections[] = {
	"content", "duties", "action_plan", NULL
};

/*
 * Folds the UTF-8 text in into lower-case words separated by single
 * spaces, in a new string (free() it); NULL when in is not valid UTF-8.
 */
char *
shingle_fold(const char *in)
{
	const UNormalizer2	*nfd;
	UErrorCode		 status;
	UChar			*src, *dst;
	char			*norm, *seg, *out;
	const char		*text;
	size_t			 len, o;
	int32_t			 srclen, dstlen, i;
	UChar32			 c;
	int			 inword;
	u_int8_t		 buf[4];
	int32_t			 k;

	len = strlen(in);
	if (!utf8_valid((const unsigned char *)in, len))
		return (NULL);

	norm = seg = NULL;
	text = in;
	if (has_khmer(in)) {
		/* Never longer normalised; a separator per letter at most. */
		if ((norm = malloc(len + 1)) == NULL ||
		    (seg = malloc(len * 2 + 2)) == NULL)
			abort();
		if (!khmer_normalize(in, norm, len + 1) ||
		    !khmer_segment(norm, " ", seg, len * 2 + 2)) {
			free(norm);
			free(seg);
			return (NULL);
		}
		text = seg;
		len = strlen(seg);
	}

	status = U_ZERO_ERROR;
	nfd = unorm2_getNFDInstance(&status);
	if ((src = calloc(len + 1, sizeof(UChar))) == NULL ||
	    (dst = calloc(len * 4 + 1, sizeof(UChar))) == NULL ||
	    (out = malloc(len * 4 + 2)) == NULL)
		abort();
	u_strFromUTF8(src, (int32_t)len + 1, &srclen, text, (int32_t)len,
	    &status);
	dstlen = 0;
	if (U_SUCCESS(status))
		dstlen = unorm2_normalize(nfd, src, srclen, dst,
		    (int32_t)len * 4 + 1, &status);
	free(norm);
	free(seg);
	free(src);
	if (U_FAILURE(status)) {
		free(dst);
		free(out);
		return (NULL);
	}

	o = 0;
	inword = 0;
	for (i = 0; i < dstlen; ) {
		U16_NEXT(dst, i, dstlen, c);
		/* Tone marks, breve, circumflex, horn: gone. */
		if (c >= 0x0300 && c <= 0x036f)
			continue;
		if (c == 0x0110 || c == 0x0111)
			c = 'd';
		if (!word_char(c)) {
			inword = 0;
			continue;
		}
		if (!inword && o > 0)
			out[o++] = ' ';
		inword = 1;
		c = u_tolower(c);
		k = 0;
		U8_APPEND_UNSAFE(buf, k, c);
		memcpy(out + o, buf, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	free(dst);

	return (out);
}

/*
 * The distinct hashes of the word 5-shingles of one paragraph, sorted, in
 * a new array (free() it) of *n; a paragraph of fewer than five words has
 * none (it is too short to tell a copy from a common phrase). Returns 0
 * when text is not valid UTF-8.
 */
int
shingle_hashes(const char *text, u_int64_t **out, size_t *n)
{
	char		*folded;
	size_t		 words, i, w, cap, j, k;
	size_t		*starts;
	u_int64_t	*h, v;
	const char	*p;

	*out = NULL;
	*n = 0;
	if ((folded = shingle_fold(text)) == NULL)
		return (0);

	/* Word starts; words are separated by exactly one space. */
	words = 0;
	cap = 16;
	if ((starts = malloc(cap * sizeof(*starts))) == NULL)
		abort();
	for (i = 0; folded[i] != '\0'; i++) {
		if (i == 0 || folded[i - 1] == ' ') {
			if (words == cap) {
				cap *= 2;
				if ((starts = realloc(starts,
				    cap * sizeof(*starts))) == NULL)
					abort();
			}
			starts[words++] = i;
		}
	}

	if (words < SHINGLE_WORDS) {
		free(starts);
		free(folded);
		return (1);
	}

	if ((h = malloc((words - SHINGLE_WORDS + 1) * sizeof(*h))) == NULL)
		abort();
	for (w = 0; w + SHINGLE_WORDS <= words; w++) {
		v = FNV_OFFSET;
		for (p = folded + starts[w]; *p != '\0'; p++) {
			if (*p == ' ' && w + SHINGLE_WORDS < words &&
			    (size_t)(p - folded) + 1 ==
			    starts[w + SHINGLE_WORDS])
				break;
			v ^= (unsigned char)*p;
			v *= FNV_PRIME;
		}
		h[w] = mix64(v);
	}
	k = words - SHINGLE_WORDS + 1;
	qsort(h, k, sizeof(*h), cmp_u64);
	for (i = 1, j = 1; i < k; i++) {
		if (h[i] != h[j - 1])
			h[j++] = h[i];
	}

	free(starts);
	free(folded);
	*out = h;
	*n = j;

	return (1);
}

/*
 * The LSH band keys of a paragraph's shingles (n > 0) for the study whose
 * key is study: MinHash over MINHASH_K hash functions (h xor a seed,
 * mixed), LSH_BANDS bands of LSH_ROWS values.
 */
void
shingle_bands(const u_int64_t *h, size_t n, u_int64_t study,
    u_int64_t bands[LSH_BANDS])
{
	u_int64_t	mins[MINHASH_K], seed, v, key;
	size_t		i, k, b, r;

	for (k = 0; k < MINHASH_K; k++) {
		seed = mix64(0x9e3779b97f4a7c15ULL * (k + 1));
		mins[k] = UINT64_MAX;
		for (i = 0; i < n; i++) {
			v = mix64(h[i] ^ seed);
			if (v < mins[k])
				mins[k] = v;
		}
	}

	for (b = 0; b < LSH_BANDS; b++) {
		key = mix64(study ^ mix64(b + 1));
		for (r = 0; r < LSH_ROWS; r++)
			key = mix64(key ^ mins[b * LSH_ROWS + r]);
		bands[b] = key;
	}
}

/* The study key of a document or a study session (never both). */
u_int64_t
shingle_study_key(int64_t document_id, int64_t session_id)
{
	return (document_id > 0 ? mix64((u_int64_t)document_id * 2) :
	    mix64((u_int64_t)session_id * 2 + 1));
}

/*
 * The fingerprint of an essay's sections (an object of strings named as
 * in shingle_sections) for the study key: an array of paragraphs
 * {"p": section number * 100000 + line, "h": [shingles], "b": [bands]},
 * only the paragraphs that have shingles. NULL when a text is not valid
 * UTF-8 (the body parser has checked that already).
 */
json_t *
shingle_essay_json(json_t *sections, u_int64_t study)
{
	json_t		*paras, *para;
	const char	*text, *line, *nl;
	char		*copy;
	u_int64_t	*h, bands[LSH_BANDS];
	size_t		 n, s, ln, len;

	paras = json_array();
	for (s = 0; shingle_sections[s] != NULL; s++) {
		text = json_string_value(json_object_get(sections,
		    shingle_sections[s]));
		if (text == NULL)
			continue;
		for (line = text, ln = 0; line != NULL; ln++) {
			nl = strchr(line, '\n');
			len = nl != NULL ? (size_t)(nl - line) : strlen(line);
			if ((copy = strndup(line, len)) == NULL)
				abort();
			line = nl != NULL ? nl + 1 : NULL;
			if (!shingle_hashes(copy, &h, &n)) {
				free(copy);
				json_decref(paras);
				return (NULL);
			}
			free(copy);
			if (n == 0)
				continue;
			shingle_bands(h, n, study, bands);
			para = json_object();
			json_object_set_new(para, "p",
			    json_integer((json_int_t)((s + 1) * 100000 + ln)));
			json_object_set_new(para, "h", hashes_json(h, n));
			json_object_set_new(para, "b",
			    hashes_json(bands, LSH_BANDS));
			json_array_append_new(paras, para);
			free(h);
		}
	}

	return (paras);
}

/*
 * The shingles of every line of text, as [{"line": n, "h": [...]}], for
 * a document's own text (no bands: a document is compared whole). NULL
 * when text is not valid UTF-8.
 */
json_t *
shingle_lines_json(const char *text)
{
	json_t		*lines, *item;
	const char	*line, *nl;
	char		*copy;
	u_int64_t	*h;
	size_t		 n, ln, len;

	lines = json_array();
	for (line = text, ln = 0; line != NULL; ln++) {
		nl = strchr(line, '\n');
		len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		if ((copy = strndup(line, len)) == NULL)
			abort();
		line = nl != NULL ? nl + 1 : NULL;
		if (!shingle_hashes(copy, &h, &n)) {
			free(copy);
			json_decref(lines);
			return (NULL);
		}
		free(copy);
		if (n == 0)
			continue;
		item = json_object();
		json_object_set_new(item, "line", json_integer((json_int_t)ln));
		json_object_set_new(item, "h", hashes_json(h, n));
		json_array_append_new(lines, item);
		free(h);
	}

	return (lines);
}

/* splitmix64's finaliser: every input bit moves every output bit. */
static u_int64_t
mix64(u_int64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;

	return (x);
}

/*
 * Letters, digits and the marks that belong to them (Khmer vowel signs
 * are marks, and are part of the word).
 */
static int
word_char(UChar32 c)
{
	int8_t	t;

	if (u_isalnum(c))
		return (1);
	t = u_charType(c);
	return (t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK);
}

/* Any code point of the Khmer block (U+1780..U+17FF: E1 9E or E1 9F). */
static int
has_khmer(const char *s)
{
	for (; (s = strchr(s, '\xe1')) != NULL; s++) {
		if (s[1] == '\x9e' || s[1] == '\x9f')
			return (1);
	}
	return (0);
}

static int
cmp_u64(const void *a, const void *b)
{
	u_int64_t	x = *(const u_int64_t *)a, y = *(const u_int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Hashes as JSON integers: bigint in PostgreSQL is signed. */
static json_t *
hashes_json(const u_int64_t *h, size_t n)
{
	json_t	*a;
	size_t	 i;

	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)h[i]));

	return (a);
}
