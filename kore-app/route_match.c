/*
 * Matching request paths against the path templates of routes.def (pure).
 * A template is a literal path in which a segment may be "{name}"; such a
 * segment matches one non-empty path segment made of unreserved characters
 * only, so that a parameter can never smuggle a slash, a dot-dot trick or a
 * percent-escape into a handler. Matching is exact: no trailing slash, no
 * prefix matches, so that each resource has one address.
 */

#include <string.h>
#include <stdio.h>

#include "handbook.h"

static int	unreserved(int);

static int
unreserved(int ch)
{
	return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
	    ch == '~');
}

/*
 * Returns 1 when path matches template, filling params (which may be NULL);
 * 0 otherwise.
 */
int
route_match(const char *template, const char *path, struct route_params *params)
{
	const char	*t, *p, *close;
	size_t		nlen, vlen;
	int		count;

	t = template;
	p = path;
	count = 0;

	while (*t != '\0') {
		if (*t != '{') {
			if (*t != *p)
				return (0);
			t++;
			p++;
			continue;
		}

		if ((close = strchr(t, '}')) == NULL)
			return (0);
		nlen = (size_t)(close - t - 1);

		vlen = 0;
		while (p[vlen] != '\0' && p[vlen] != '/') {
			if (!unreserved((unsigned char)p[vlen]))
				return (0);
			vlen++;
		}
		if (vlen == 0 || vlen >= HB_ROUTE_PARAM_MAX)
			return (0);
		if (count == HB_ROUTE_PARAMS_MAX)
			return (0);

		if (params != NULL) {
			if (nlen >= sizeof(params->name[0]))
				return (0);
			memcpy(params->name[count], t + 1, nlen);
			params->name[count][nlen] = '\0';
			memcpy(params->value[count], p, vlen);
			params->value[count][vlen] = '\0';
		}

		count++;
		t = close + 1;
		p += vlen;
	}

	if (*p != '\0')
		return (0);

	if (params != NULL)
		params->count = count;

	return (1);
}

/*
 * Writes into buf the methods that routes offer for path, in the form of an
 * Allow header ("GET, HEAD, POST"); returns the number of routes whose
 * template matched the path, so 0 means "no such resource".
 */
size_t
route_allow_header(const struct route *routes, size_t nroutes,
    const char *path, char *buf, size_t buflen)
{
	static const struct {
		int		method;
		const char	*name;
	} order[] = {
		{ HTTP_METHOD_GET,	"GET" },
		{ HTTP_METHOD_HEAD,	"HEAD" },
		{ HTTP_METHOD_POST,	"POST" },
		{ HTTP_METHOD_PUT,	"PUT" },
		{ HTTP_METHOD_PATCH,	"PATCH" },
		{ HTTP_METHOD_DELETE,	"DELETE" },
	};
	size_t		i, j, matched, off;
	int		allowed[sizeof(order) / sizeof(order[0])];
	int		n;

	memset(allowed, 0, sizeof(allowed));
	matched = 0;

	for (i = 0; i < nroutes; i++) {
		if (!route_match(routes[i].path, path, NULL))
			continue;
		matched++;
		for (j = 0; j < sizeof(order) / sizeof(order[0]); j++) {
			if (order[j].method == routes[i].method)
				allowed[j] = 1;
			/* A GET route also answers HEAD. */
			if (routes[i].method == HTTP_METHOD_GET &&
			    order[j].method == HTTP_METHOD_HEAD)
				allowed[j] = 1;
		}
	}

	off = 0;
	if (buflen > 0)
		buf[0] = '\0';
	for (j = 0; j < sizeof(order) / sizeof(order[0]); j++) {
		if (!allowed[j])
			continue;
		n = snprintf(buf + off, buflen - off, "%s%s",
		    off == 0 ? "" : ", ", order[j].name);
		if (n < 0 || (size_t)n >= buflen - off)
			break;
		off += (size_t)n;
	}

	return (matched);
}
