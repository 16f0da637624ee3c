/*
 * The web pages (issue 9): the member reader at /, the board dashboard at
 * /board/, their shared scripts and styles at /app/, the Khmer font at
 * /fonts/, and the reader's service worker at /sw.js (a worker's scope is
 * the folder it is served from, so it must sit at the root to cover the
 * reader). Why a handler of ours rather than Kore's filemap or HAProxy:
 * the module already owns every path (one Kore route, routes.def), so 404
 * and 405 keep the JSON envelope and the OpenAPI test keeps one list;
 * Kore 4.1's filemap would need its own routes in kore.conf, stat()s files
 * on every request (newfstatat is outside Kore's seccomp filter) and sets
 * none of the headers below; HAProxy cannot serve a folder.
 *
 * At start (static_load, from handbook_onload, before the workers fork and
 * before seccomp) the files of assets/{reader,board,app,fonts}/ are read
 * into memory once, each with its type, a strong ETag and its cache rule;
 * a request only looks a path up in that map, so no request ever touches
 * the file system and no path can climb out of the folders (route_match
 * allows one segment of unreserved characters; static_type_of refuses
 * dot files and unknown types). Compression is HAProxy's (it gzips text
 * types and fonts for clients that ask). Pages carry a strict
 * Content-Security-Policy: scripts and styles from this origin only, no
 * inline script, no framing.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "handbook.h"

#define STATIC_FILES_MAX	256
#define STATIC_FILE_MAX		(8 * 1024 * 1024)

struct static_file {
	char		url[HB_ROUTE_PARAM_MAX + 16];
	const char	*type;
	int		longlived;
	char		*data;
	size_t		len;
	char		etag[40];
};

static struct static_file	files[STATIC_FILES_MAX];
static size_t			files_count;

/* The folders served, each under /<name>/. */
static const char *const folders[] = { "reader", "board", "app", "fonts" };

/* Entry points at addresses of their own: URL, file. */
static const struct {
	const char	*url;
	const char	*file;
} aliases[] = {
	{ "/",		"/reader/index.html" },
	{ "/board/",	"/board/index.html" },
	{ "/sw.js",	"/reader/sw.js" },
};

/*
 * No inline script or style, nothing from elsewhere, no framing; images
 * may be data: URLs (the chart is drawn as SVG elements, not images).
 */
#define STATIC_CSP	"default-src 'none'; script-src 'self'; " \
			"style-src 'self'; img-src 'self' data:; " \
			"font-src 'self'; connect-src 'self'; " \
			"worker-src 'self'; manifest-src 'self'; " \
			"base-uri 'none'; form-action 'self'; " \
			"frame-ancestors 'none'"

static int			load_file(const char *, const char *,
				    const char *);
static const struct static_file	*find(const char *);

static int
load_file(const char *path, const char *url, const char *name)
{
	struct static_file	*f;
	struct stat		st;
	FILE			*fp;
	const char		*type;
	int			longlived, n;

	if ((type = static_type_of(name, &longlived)) == NULL)
		return (KORE_RESULT_OK);	/* not ours to serve */
	if (files_count == STATIC_FILES_MAX) {
		kore_log(LOG_ERR, "static: more than %d files", STATIC_FILES_MAX);
		return (KORE_RESULT_ERROR);
	}
	if ((fp = fopen(path, "r")) == NULL) {
		kore_log(LOG_ERR, "static: cannot open %s", path);
		return (KORE_RESULT_ERROR);
	}
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > STATIC_FILE_MAX) {
		fclose(fp);
		kore_log(LOG_ERR, "static: %s is not a file we serve", path);
		return (KORE_RESULT_ERROR);
	}

	f = &files[files_count];
	n = snprintf(f->url, sizeof(f->url), "%s", url);
	if (n < 0 || (size_t)n >= sizeof(f->url)) {
		fclose(fp);
		return (KORE_RESULT_ERROR);
	}
	f->type = type;
	f->longlived = longlived;
	f->data = kore_malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	f->len = fread(f->data, 1, (size_t)st.st_size, fp);
	fclose(fp);
	if (f->len != (size_t)st.st_size) {
		kore_log(LOG_ERR, "static: short read of %s", path);
		kore_free(f->data);
		return (KORE_RESULT_ERROR);
	}
	etag_of(f->data, f->len, f->etag, sizeof(f->etag));
	files_count++;
	return (KORE_RESULT_OK);
}

/*
 * Reads the served folders of assets into memory. A missing folder is
 * fine (a checkout without the pages still serves the API), and so is a
 * missing font (`make` copies it from Debian's package), which is logged.
 */
int
static_load(const char *assets)
{
	char		path[PATH_MAX], url[HB_ROUTE_PARAM_MAX + 16];
	DIR		*dir;
	struct dirent	*de;
	size_t		i, j, before;
	int		n;

	for (i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		n = snprintf(path, sizeof(path), "%s/%s", assets, folders[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			return (KORE_RESULT_ERROR);
		if ((dir = opendir(path)) == NULL)
			continue;
		before = files_count;
		while ((de = readdir(dir)) != NULL) {
			if (static_type_of(de->d_name, NULL) == NULL)
				continue;
			n = snprintf(path, sizeof(path), "%s/%s/%s", assets,
			    folders[i], de->d_name);
			if (n < 0 || (size_t)n >= sizeof(path))
				continue;
			n = snprintf(url, sizeof(url), "/%s/%s", folders[i],
			    de->d_name);
			if (n < 0 || (size_t)n >= sizeof(url))
				continue;
			if (load_file(path, url, de->d_name) != KORE_RESULT_OK) {
				closedir(dir);
				return (KORE_RESULT_ERROR);
			}
		}
		closedir(dir);
		if (!strcmp(folders[i], "fonts") && files_count == before)
			kore_log(LOG_WARNING, "static: no font in %s/fonts "
			    "(run make): Khmer falls back to system fonts",
			    assets);
	}

	/* The aliases share the bytes of the file they stand for. */
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		for (j = 0; j < files_count; j++) {
			if (!strcmp(files[j].url, aliases[i].file))
				break;
		}
		if (j == files_count || files_count == STATIC_FILES_MAX)
			continue;
		files[files_count] = files[j];
		snprintf(files[files_count].url, sizeof(files[0].url), "%s",
		    aliases[i].url);
		files_count++;
	}

	kore_log(LOG_NOTICE, "static: %zu web files from %s", files_count,
	    assets);
	return (KORE_RESULT_OK);
}

static const struct static_file *
find(const char *url)
{
	size_t		i;

	for (i = 0; i < files_count; i++) {
		if (!strcmp(files[i].url, url))
			return (&files[i]);
	}
	return (NULL);
}

/*
 * GET (and HEAD) of every web route in routes.def. The pages and scripts
 * are revalidated at each use (no-cache plus ETag: a 304 costs a round
 * trip but never serves a stale script after a deploy; the reader's
 * service worker keeps its own copies for offline use); fonts keep a week.
 */
int
static_get(struct http_request *req)
{
	const struct static_file	*f;
	const char			*inm;

	if ((f = find(req->path)) == NULL) {
		reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "No resource at this path.");
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "etag", f->etag);
	http_response_header(req, "cache-control", f->longlived ?
	    "public, max-age=604800" : "no-cache");
	http_response_header(req, "content-security-policy", STATIC_CSP);
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "referrer-policy", "no-referrer");

	if (http_request_header(req, "if-none-match", &inm) &&
	    etag_matches(inm, f->etag)) {
		reply_bytes(req, HTTP_STATUS_NOT_MODIFIED, f->type, NULL, 0);
		return (KORE_RESULT_OK);
	}
	reply_bytes(req, HTTP_STATUS_OK, f->type, f->data, f->len);
	return (KORE_RESULT_OK);
}
