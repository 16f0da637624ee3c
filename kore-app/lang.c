/*
 * Choosing the language of a text (pure): ?lang= when given (vi or km,
 * anything else is refused so that a typo is not silently served in
 * Vietnamese); else Khmer for a member whose account says Khmer, because
 * most phones sold in Viet Nam send a Vietnamese Accept-Language whatever
 * their owner reads; else the best of vi and km in Accept-Language by its
 * q values (an account's "vi" is also the default, so it is a weaker
 * signal than the phone's); else Vietnamese. Whether a Khmer text exists
 * is the database's to say: it falls back to Vietnamese and marks the
 * answer.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handbook.h"

/*
 * "vi", "km", or NULL when query_lang names another language. preferred
 * is the member's choice (NULL when unknown).
 */
const char *
lang_negotiate(const char *query_lang, const char *accept,
    const char *preferred)
{
	const char	*p, *end, *semi, *best;
	double		q, best_q;
	size_t		tlen;

	if (query_lang != NULL && *query_lang != '\0') {
		if (!strcmp(query_lang, "vi") || !strcmp(query_lang, "km"))
			return (query_lang[0] == 'v' ? "vi" : "km");
		return (NULL);
	}

	if (preferred != NULL && !strcmp(preferred, "km"))
		return ("km");

	best = "vi";
	best_q = -1.0;
	for (p = accept; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		p += strspn(p, " ");
		semi = memchr(p, ';', (size_t)(end - p));
		tlen = (size_t)((semi != NULL ? semi : end) - p);
		while (tlen > 0 && p[tlen - 1] == ' ')
			tlen--;

		q = 1.0;
		if (semi != NULL) {
			semi += strspn(semi + 1, " ") + 1;
			if (!strncasecmp(semi, "q=", 2))
				q = strtod(semi + 2, NULL);
		}
		/* "km", "km-KH", "vi", "vi-VN": the primary subtag counts. */
		if ((tlen == 2 || (tlen > 2 && p[2] == '-')) && q > best_q &&
		    q > 0.0) {
			if (!strncasecmp(p, "km", 2)) {
				best = "km";
				best_q = q;
			} else if (!strncasecmp(p, "vi", 2)) {
				best = "vi";
				best_q = q;
			}
		}
	}

	return (best);
}
