/*
 * The rendered documents a worker keeps in memory (pure: no Kore, no
 * libpq, so tests/unit/test_doc_cache.c can drive it). A document's JSON
 * is built by PostgreSQL from a dozen rows (sql/0017_document_cache.sql,
 * document_render); every member of a province asks for the same few
 * documents on the evening a resolution comes out, so each worker keeps
 * the bytes, with their ETag, keyed by document, version and the language
 * asked for (the body says whether it fell back to Vietnamese, so "km" and
 * "vi" are different bodies even when the Khmer text is missing).
 *
 * An entry never goes stale: a published version is frozen by the
 * database, and which version a caller gets is asked of the database on
 * every request. Entries are dropped to bound memory: the least recently
 * used go first when the budget (HANDBOOK_DOC_CACHE_MB, per worker) is
 * spent, and every entry of a document goes when the database announces
 * a new version or a withdrawal (doc_cache_listen.c). While that
 * announcement cannot be heard the cache is switched off (doc_cache_enable),
 * so that no worker holds copies nobody told it to drop.
 */

#include <stdlib.h>
#include <string.h>

#include "handbook.h"

#define BUCKETS		1024		/* a power of two */

struct doc_entry {
	int64_t			doc;
	int			version;
	char			want[4];
	char			lang[4];
	char			etag[40];
	char			*body;
	size_t			len;
	struct doc_entry	*next_in_bucket;
	struct doc_entry	*newer, *older;	/* the LRU list */
};

static struct doc_entry	*buckets[BUCKETS];
static struct doc_entry	*newest, *oldest;
static size_t		used_bytes;
static size_t		budget_bytes = 64u << 20;
static int		enabled;
static struct doc_cache_stats	stats;

static size_t	bucket_of(int64_t, int, const char *);
static void	unlink_entry(struct doc_entry *);
static size_t	entry_cost(size_t);

/* Memory allowed for bodies; 0 keeps nothing. Drops what no longer fits. */
void
doc_cache_configure(size_t max_bytes)
{
	budget_bytes = max_bytes;
	while (oldest != NULL && used_bytes > budget_bytes)
		unlink_entry(oldest);
}

/* Off: nothing is found or kept, and what was kept is dropped. */
void
doc_cache_enable(int on)
{
	if (!on)
		doc_cache_clear();
	enabled = on;
}

int
doc_cache_enabled(void)
{
	return (enabled);
}

/*
 * 1 and *hit filled when the body of (doc, version, want) is kept. The
 * pointers stay valid until the next doc_cache_put, drop or clear: reply
 * before calling any of them.
 */
int
doc_cache_get(int64_t doc, int version, const char *want,
    struct doc_cache_hit *hit)
{
	struct doc_entry	*e;

	if (!enabled) {
		stats.misses++;
		return (0);
	}

	for (e = buckets[bucket_of(doc, version, want)]; e != NULL;
	    e = e->next_in_bucket) {
		if (e->doc == doc && e->version == version &&
		    strcmp(e->want, want) == 0)
			break;
	}
	if (e == NULL) {
		stats.misses++;
		return (0);
	}

	/* Most recently used to the front of the list. */
	if (e != newest) {
		e->newer->older = e->older;
		if (e->older != NULL)
			e->older->newer = e->newer;
		else
			oldest = e->newer;
		e->newer = NULL;
		e->older = newest;
		newest->newer = e;
		newest = e;
	}

	stats.hits++;
	hit->body = e->body;
	hit->len = e->len;
	hit->etag = e->etag;
	hit->lang = e->lang;
	return (1);
}

/*
 * Keeps a copy of body as the rendering of (doc, version, want) in
 * language lang ("vi" or "km"). 0 when it is not kept: the cache is off,
 * the body alone would take more than a quarter of the budget, or memory
 * ran out; the caller serves its own copy either way.
 */
int
doc_cache_put(int64_t doc, int version, const char *want, const char *lang,
    const char *body, size_t len)
{
	struct doc_entry	*e;
	struct doc_cache_hit	 old;
	size_t			 b;

	if (!enabled || entry_cost(len) > budget_bytes / 4 ||
	    strlen(want) >= sizeof(e->want) || strlen(lang) >= sizeof(e->lang))
		return (0);
	/* Two requests that missed together both render; keep one. */
	if (doc_cache_get(doc, version, want, &old)) {
		stats.hits--;
		return (1);
	}

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (0);
	if ((e->body = malloc(len > 0 ? len : 1)) == NULL) {
		free(e);
		return (0);
	}
	memcpy(e->body, body, len);
	e->len = len;
	e->doc = doc;
	e->version = version;
	(void)strcpy(e->want, want);
	(void)strcpy(e->lang, lang);
	etag_of(body, len, e->etag, sizeof(e->etag));

	while (oldest != NULL && used_bytes + entry_cost(len) > budget_bytes) {
		unlink_entry(oldest);
		stats.evictions++;
	}

	b = bucket_of(doc, version, want);
	e->next_in_bucket = buckets[b];
	buckets[b] = e;
	e->older = newest;
	if (newest != NULL)
		newest->newer = e;
	newest = e;
	if (oldest == NULL)
		oldest = e;
	used_bytes += entry_cost(len);
	stats.entries++;
	stats.bytes = used_bytes;

	return (1);
}

/* Drops every version and language of doc; returns how many entries. */
size_t
doc_cache_drop(int64_t doc)
{
	struct doc_entry	*e, *older;
	size_t			 n;

	n = 0;
	for (e = newest; e != NULL; e = older) {
		older = e->older;
		if (e->doc == doc) {
			unlink_entry(e);
			n++;
		}
	}

	return (n);
}

void
doc_cache_clear(void)
{
	while (oldest != NULL)
		unlink_entry(oldest);
}

void
doc_cache_stats_get(struct doc_cache_stats *out)
{
	stats.bytes = used_bytes;
	*out = stats;
}

static void
unlink_entry(struct doc_entry *e)
{
	struct doc_entry	**p;

	for (p = &buckets[bucket_of(e->doc, e->version, e->want)]; *p != e;
	    p = &(*p)->next_in_bucket)
		;
	*p = e->next_in_bucket;

	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		oldest = e->newer;

	used_bytes -= entry_cost(e->len);
	stats.entries--;
	stats.bytes = used_bytes;
	free(e->body);
	free(e);
}

/* What an entry costs against the budget: its body and its bookkeeping. */
static size_t
entry_cost(size_t len)
{
	return (len + sizeof(struct doc_entry));
}

/* FNV-1a over the key: cheap, and ids are small consecutive numbers. */
static size_t
bucket_of(int64_t doc, int version, const char *want)
{
	u_int64_t	h;
	size_t		i;

	h = 14695981039346656037ULL;
	for (i = 0; i < sizeof(doc); i++) {
		h ^= (u_int64_t)(doc >> (i * 8)) & 0xff;
		h *= 1099511628211ULL;
	}
	for (i = 0; i < sizeof(version); i++) {
		h ^= ((u_int64_t)version >> (i * 8)) & 0xff;
		h *= 1099511628211ULL;
	}
	for (; *want != '\0'; want++) {
		h ^= (unsigned char)*want;
		h *= 1099511628211ULL;
	}

	return ((size_t)h & (BUCKETS - 1));
}
