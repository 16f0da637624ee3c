/*
 * Which files under assets/ the web pages may be served from, and with what
 * Content-Type (pure). static.c builds its in-memory file map at start from
 * a few fixed folders; this file decides, by name alone, which entries of
 * those folders are served: only names made of unreserved URL characters,
 * not starting with a dot, with an extension we know. A name we do not know
 * the type of is left out rather than served as something a browser might
 * sniff; the list is short on purpose (what the pages are made of).
 */

#include <string.h>

#include "handbook.h"

static const struct {
	const char	*ext;
	const char	*type;
	int		immutable;	/* long-lived: fonts */
} types[] = {
	{ ".html",	"text/html; charset=utf-8",		0 },
	{ ".js",	"text/javascript; charset=utf-8",	0 },
	{ ".mjs",	"text/javascript; charset=utf-8",	0 },
	{ ".css",	"text/css; charset=utf-8",		0 },
	{ ".json",	"application/json",			0 },
	{ ".webmanifest", "application/manifest+json",		0 },
	{ ".svg",	"image/svg+xml",			0 },
	{ ".png",	"image/png",				0 },
	{ ".ttf",	"font/ttf",				1 },
	{ ".woff2",	"font/woff2",				1 },
	{ ".txt",	"text/plain; charset=utf-8",		0 },
};

/*
 * The Content-Type for a file name, or NULL when the name is not one we
 * serve. *longlived is set to 1 for files that may be cached for days
 * (fonts: they change only with the Debian package), else 0.
 */
const char *
static_type_of(const char *name, int *longlived)
{
	size_t		i, len, elen;
	const char	*p;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return (NULL);
	len = strlen(name);
	if (len >= HB_ROUTE_PARAM_MAX)
		return (NULL);
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return (NULL);
	}
	/* "a..b" is harmless as a map key, but nothing of ours looks so. */
	if (strstr(name, "..") != NULL)
		return (NULL);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		elen = strlen(types[i].ext);
		if (len > elen && !strcmp(name + len - elen, types[i].ext)) {
			if (longlived != NULL)
				*longlived = types[i].immutable;
			return (types[i].type);
		}
	}
	return (NULL);
}
