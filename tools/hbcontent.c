/*
 * hbcontent: checks the content folder and imports it (content/README.md
 * is the format).
 *
 *	hbcontent check [DIR]	every problem as "file:line: message";
 *				exit 1 if there is any
 *	hbcontent import [DIR]	check, then hand everything to the SQL
 *				function content_import() in one statement:
 *				all of it or, on any problem, nothing
 *
 * import connects to $HANDBOOK_DATABASE_URL (scripts/content sets it).
 * YAML is read with libyaml (line numbers for every value), JSON written
 * with jansson, hashes made with libsodium. The Markdown texts are read
 * line by line here, because what is checked is their outline (title,
 * core points, the summary of each), and their lines are what an author
 * needs to hear about; rendering is the delivery's business.
 *
 * Khmer texts also go with a copy segmented into words for the search
 * index ("segmented", made by kore-app/khmer.c with ICU): PostgreSQL
 * cannot find Khmer word boundaries itself (sql/0011_search.sql).
 */

#define _GNU_SOURCE

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <yaml.h>

#include "handbook.h"

#define SECTIONS_MIN	5
#define SECTIONS_MAX	12
#define MEDIA_MAX	(2 * 1024 * 1024)
#define TEXT_MAX	(512 * 1024)

struct file {
	char		path[1024];
	char		*data;
	size_t		len;
};

static int	problems;

static void	problem(const char *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	file_read(struct file *, const char *, const char *, size_t);
static int	utf8_check(const struct file *);
static int	slug_ok(const char *);
static int	yaml_load(const char *, yaml_parser_t *, yaml_document_t *);
static yaml_node_t	*map_get(yaml_document_t *, yaml_node_t *,
			    const char *);
static const char	*scalar(yaml_node_t *);
static int	line_of(yaml_node_t *);
static int	keys_allowed(const char *, yaml_document_t *, yaml_node_t *,
		    const char *const *);
static json_t	*string_list(const char *, yaml_document_t *, yaml_node_t *,
		    const char *, const char *);
static json_t	*check_meta(const char *, const char *, int *);
static json_t	*check_text(const char *, const char *, struct file *, int *);
static json_t	*check_quiz(const char *, int);
static json_t	*check_media(const char *, crypto_hash_sha256_state *);
static json_t	*check_document(const char *, const char *);
static int	sentences(const char *);
static void	hash_hex(const unsigned char *, char *);
static void	khmer_words(const char *, json_t *, const char *const *);

static void
problem(const char *file, int line, const char *fmt, ...)
{
	va_list		ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	problems++;
}

/* Reads dir/name into f; 0 when absent (no problem reported). */
static int
file_read(struct file *f, const char *dir, const char *name, size_t max)
{
	FILE		*fp;
	struct stat	st;

	(void)snprintf(f->path, sizeof(f->path), "%s/%s", dir, name);
	f->data = NULL;
	f->len = 0;
	if (stat(f->path, &st) != 0)
		return (0);
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		problem(f->path, 1, "not a regular file of at most %zu bytes",
		    max);
		return (0);
	}
	if ((fp = fopen(f->path, "rb")) == NULL) {
		problem(f->path, 1, "cannot read: %s", strerror(errno));
		return (0);
	}
	f->data = malloc((size_t)st.st_size + 1);
	if (f->data == NULL)
		abort();
	f->len = fread(f->data, 1, (size_t)st.st_size, fp);
	f->data[f->len] = '\0';
	fclose(fp);

	return (1);
}

/* Strict UTF-8, no NUL (kore-app/utf8.c); reports the first bad line. */
static int
utf8_check(const struct file *f)
{
	const unsigned char	*s = (const unsigned char *)f->data;
	u_int32_t		cp;
	size_t			i;
	int			n, line;

	line = 1;
	for (i = 0; i < f->len; i += (size_t)n) {
		if ((n = utf8_decode(s, f->len, i, &cp)) <= 0) {
			problem(f->path, line, "not valid UTF-8");
			return (0);
		}
		if (cp == '\n')
			line++;
	}

	return (1);
}

static int
slug_ok(const char *s)
{
	size_t	len = strlen(s);

	return (len >= 2 && len <= 80 && (islower((unsigned char)s[0]) ||
	    isdigit((unsigned char)s[0])) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len);
}

static int
yaml_load(const char *path, yaml_parser_t *parser, yaml_document_t *doc)
{
	FILE	*fp;
	int	ok;

	if ((fp = fopen(path, "rb")) == NULL)
		return (0);
	yaml_parser_initialize(parser);
	yaml_parser_set_input_file(parser, fp);
	ok = yaml_parser_load(parser, doc);
	fclose(fp);
	if (!ok) {
		problem(path, (int)parser->problem_mark.line + 1, "YAML: %s",
		    parser->problem != NULL ? parser->problem : "cannot parse");
		yaml_parser_delete(parser);
		return (0);
	}
	yaml_parser_delete(parser);
	if (yaml_document_get_root_node(doc) == NULL ||
	    yaml_document_get_root_node(doc)->type != YAML_MAPPING_NODE) {
		problem(path, 1, "expected a mapping (key: value lines)");
		yaml_document_delete(doc);
		return (0);
	}

	return (1);
}

static yaml_node_t *
map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return (NULL);
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return (yaml_document_get_node(doc, p->value));
	}

	return (NULL);
}

static const char *
scalar(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return (NULL);
	return ((const char *)n->data.scalar.value);
}

static int
line_of(yaml_node_t *n)
{
	return (n != NULL ? (int)n->start_mark.line + 1 : 1);
}

/* Reports keys of map that are not in allowed (NULL-terminated). */
static int
keys_allowed(const char *path, yaml_document_t *doc, yaml_node_t *map,
    const char *const *allowed)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k;
	size_t			i;
	int			ok;

	ok = 1;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		for (i = 0; allowed[i] != NULL; i++) {
			if (scalar(k) != NULL && !strcmp(scalar(k), allowed[i]))
				break;
		}
		if (allowed[i] == NULL) {
			problem(path, line_of(k), "unknown key \"%s\"",
			    scalar(k) != NULL ? scalar(k) : "?");
			ok = 0;
		}
	}

	return (ok);
}

/* A YAML list of strings matching charset (NULL: any) as a JSON array. */
static json_t *
string_list(const char *path, yaml_document_t *doc, yaml_node_t *n,
    const char *key, const char *charset)
{
	yaml_node_item_t	*it;
	yaml_node_t		*v;
	json_t			*arr;
	const char		*s;

	arr = json_array();
	if (n == NULL)
		return (arr);
	if (n->type != YAML_SEQUENCE_NODE) {
		problem(path, line_of(n), "%s: expected a list", key);
		return (arr);
	}
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		v = yaml_document_get_node(doc, *it);
		if ((s = scalar(v)) == NULL || *s == '\0' || (charset != NULL &&
		    strspn(s, charset) != strlen(s))) {
			problem(path, line_of(v), "%s: bad item \"%s\"", key,
			    s != NULL ? s : "?");
			continue;
		}
		json_array_append_new(arr, json_string(s));
	}

	return (arr);
}

static json_t *
check_meta(const char *dir, const char *slug, int *is_outline)
{
	static const char *const keys[] = { "id", "number", "kind",
	    "title_vi", "title_km", "issuer", "level", "issued", "tags",
	    "audience", "sample", "sources", "unit", "adapts", NULL };
	static const char *const kinds[] = { "resolution", "directive",
	    "regulation", "conclusion", "study_outline", NULL };
	static const char *const levels[] = { "central", "province",
	    "district", "grassroots", NULL };
	yaml_parser_t	parser;
	yaml_document_t	doc;
	yaml_node_t	*root, *n;
	json_t		*m, *list;
	struct tm	tm;
	const char	*s, *end;
	char		path[1024], back[16];
	size_t		i;

	(void)snprintf(path, sizeof(path), "%s/document.yaml", dir);
	if (!yaml_load(path, &parser, &doc)) {
		if (access(path, R_OK) != 0)
			problem(path, 1, "missing: every document folder has "
			    "a document.yaml");
		return (NULL);
	}
	root = yaml_document_get_root_node(&doc);
	(void)keys_allowed(path, &doc, root, keys);
	m = json_object();
	json_object_set_new(m, "slug", json_string(slug));

	if ((s = scalar(map_get(&doc, root, "id"))) == NULL ||
	    strcmp(s, slug) != 0)
		problem(path, line_of(map_get(&doc, root, "id")),
		    "id must be the folder name \"%s\"", slug);

#define REQUIRED(key, max)						\
	do {								\
		n = map_get(&doc, root, key);				\
		s = scalar(n);						\
		if (s == NULL || *s == '\0' || strlen(s) > (max))	\
			problem(path, line_of(n), "%s: required, at "	\
			    "most %d bytes", key, (int)(max));		\
		else							\
			json_object_set_new(m, key, json_string(s));	\
	} while (0)

	REQUIRED("number", 60);
	REQUIRED("title_vi", 400);
	REQUIRED("issuer", 200);
	REQUIRED("kind", 20);
	REQUIRED("level", 20);
	REQUIRED("issued", 10);
#undef REQUIRED

	if ((s = scalar(map_get(&doc, root, "title_km"))) != NULL)
		json_object_set_new(m, "title_km", json_string(s));

	n = map_get(&doc, root, "kind");
	for (i = 0; (s = scalar(n)) != NULL && kinds[i] != NULL; i++)
		if (!strcmp(s, kinds[i]))
			break;
	if (s != NULL && kinds[i] == NULL)
		problem(path, line_of(n), "kind: one of resolution, directive, "
		    "regulation, conclusion, study_outline");
	*is_outline = s != NULL && !strcmp(s, "study_outline");

	n = map_get(&doc, root, "level");
	for (i = 0; (s = scalar(n)) != NULL && levels[i] != NULL; i++)
		if (!strcmp(s, levels[i]))
			break;
	if (s != NULL && levels[i] == NULL)
		problem(path, line_of(n), "level: one of central, province, "
		    "district, grassroots");

	n = map_get(&doc, root, "issued");
	if ((s = scalar(n)) != NULL) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		/* timegm() normalises: 2024-02-30 comes back as 03-01. */
		if (end != NULL)
			(void)timegm(&tm);
		if (end == NULL || *end != '\0' || strftime(back, sizeof(back),
		    "%Y-%m-%d", &tm) == 0 || strcmp(back, s) != 0 ||
		    tm.tm_year < 30)
			problem(path, line_of(n), "issued: a date, YYYY-MM-DD");
	}

	n = map_get(&doc, root, "sample");
	if ((s = scalar(n)) == NULL || strcmp(s, "true") != 0)
		problem(path, line_of(n), "sample: must be true (this "
		    "repository holds sample content only)");
	json_object_set_new(m, "sample", json_true());

	json_object_set_new(m, "tags", string_list(path, &doc,
	    map_get(&doc, root, "tags"), "tags",
	    "abcdefghijklmnopqrstuvwxyz0123456789-"));
	list = string_list(path, &doc, map_get(&doc, root, "audience"),
	    "audience", NULL);
	for (i = 0; i < json_array_size(list); i++) {
		s = json_string_value(json_array_get(list, i));
		if (strcmp(s, "key_cadres") && strcmp(s, "members"))
			problem(path, line_of(map_get(&doc, root, "audience")),
			    "audience: key_cadres and/or members");
	}
	if (json_array_size(list) == 0)
		problem(path, line_of(map_get(&doc, root, "audience")),
		    "audience: required (key_cadres and/or members)");
	json_object_set_new(m, "audience", list);

	list = string_list(path, &doc, map_get(&doc, root, "sources"),
	    "sources", NULL);
	for (i = 0; i < json_array_size(list); i++) {
		s = json_string_value(json_array_get(list, i));
		if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
			problem(path, line_of(map_get(&doc, root, "sources")),
			    "sources: web addresses (http...)");
	}
	if (json_array_size(list) == 0)
		problem(path, line_of(map_get(&doc, root, "sources")),
		    "sources: say where the facts come from");
	json_object_set_new(m, "sources", list);

	n = map_get(&doc, root, "unit");
	if (n != NULL && (s = scalar(n)) != NULL)
		json_object_set_new(m, "unit", json_string(s));
	n = map_get(&doc, root, "adapts");
	if (n != NULL && (s = scalar(n)) != NULL) {
		if (!slug_ok(s))
			problem(path, line_of(n), "adapts: a document id");
		json_object_set_new(m, "adapts", json_string(s));
	}
	if (*is_outline && (map_get(&doc, root, "unit") == NULL ||
	    map_get(&doc, root, "adapts") == NULL))
		problem(path, line_of(root), "a study_outline names its unit "
		    "and the document it adapts");

	yaml_document_delete(&doc);
	return (m);
}

/* Counts sentences: ends of . ! ? … or Khmer ។ followed by a space or
 * the end. A text without any counts as one. */
static int
sentences(const char *s)
{
	int		n;
	const char	*p;

	n = 0;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.' || *p == '!' || *p == '?') {
			if (p[1] == '\0' || p[1] == ' ' || p[1] == '\n')
				n++;
		} else if (!strncmp(p, "\xe2\x80\xa6", 3) ||
		    !strncmp(p, "\xe1\x9f\x94", 3)) {
			if (p[3] == '\0' || p[3] == ' ' || p[3] == '\n')
				n++;
			p += 2;
		}
	}

	return (n == 0 ? 1 : n);
}

/*
 * Reads vi.md or km.md into {"title", "intro", "review", "sha256",
 * "sections": [{"title", "summary", "details"}]}; *nsections gets the
 * number of sections. NULL when the file is absent.
 */
static json_t *
check_text(const char *dir, const char *lang, struct file *f, int *nsections)
{
	json_t		*text, *sections, *sec;
	char		name[8], *line, *next, *review;
	unsigned char	hash[crypto_hash_sha256_BYTES];
	char		hex[crypto_hash_sha256_BYTES * 2 + 1];
	int		lineno, sec_line, state;
	size_t		len;

	(void)snprintf(name, sizeof(name), "%s.md", lang);
	*nsections = 0;
	if (!file_read(f, dir, name, TEXT_MAX))
		return (NULL);
	if (!utf8_check(f))
		return (NULL);

	crypto_hash_sha256(hash, (unsigned char *)f->data, f->len);
	hash_hex(hash, hex);
	text = json_object();
	json_object_set_new(text, "sha256", json_string(hex));
	sections = json_array();
	sec = NULL;
	review = NULL;
	sec_line = 0;
	/* 0: before the title, 1: intro, 2: summary, 3: details */
	state = 0;

	for (lineno = 1, line = f->data; line != NULL && *line != '\0';
	    lineno++, line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';

		if (lineno == 1 && !strncmp(line, "<!--", 4)) {
			if (strstr(line, "review: pending") != NULL)
				review = "pending";
			else if (strstr(line, "review: reviewed") != NULL)
				review = "reviewed";
			else
				problem(f->path, lineno, "expected "
				    "<!-- review: pending --> or "
				    "<!-- review: reviewed -->");
			continue;
		}
		if (state == 0) {
			if (len == 0)
				continue;
			if (strncmp(line, "# ", 2) != 0) {
				problem(f->path, lineno, "the text starts "
				    "with its title: \"# Title\"");
				break;
			}
			json_object_set_new(text, "title",
			    json_string(line + 2));
			state = 1;
			continue;
		}
		if (!strncmp(line, "## ", 3)) {
			if (sec != NULL && json_object_get(sec, "summary") ==
			    NULL)
				problem(f->path, sec_line, "a core point "
				    "needs a summary paragraph under its title");
			sec = json_pack("{s:s,s:s}", "title", line + 3,
			    "details", "");
			json_array_append_new(sections, sec);
			sec_line = lineno;
			state = 2;
			continue;
		}
		if (!strncmp(line, "# ", 2) || !strncmp(line, "### ", 4)) {
			problem(f->path, lineno, "only one \"# \" title and "
			    "\"## \" core points are used");
			continue;
		}

#define APPEND(obj, key, s)						\
	do {								\
		const char *old = json_string_value(			\
		    json_object_get(obj, key));				\
		char *joined;						\
		if (old == NULL || *old == '\0') {			\
			json_object_set_new(obj, key, json_string(s));	\
		} else {						\
			if (asprintf(&joined, "%s\n%s", old, s) < 0)	\
				abort();				\
			json_object_set_new(obj, key,			\
			    json_string(joined));			\
			free(joined);					\
		}							\
	} while (0)

		if (state == 1) {
			if (len > 0)
				APPEND(text, "intro", line);
		} else if (state == 2) {
			if (len == 0) {
				if (json_object_get(sec, "summary") != NULL)
					state = 3;
				continue;
			}
			APPEND(sec, "summary", line);
		} else {
			APPEND(sec, "details", line);
		}
#undef APPEND
	}

	if (json_object_get(text, "title") == NULL)
		problem(f->path, 1, "no \"# Title\" line");
	if (sec != NULL && json_object_get(sec, "summary") == NULL)
		problem(f->path, sec_line, "a core point needs a summary "
		    "paragraph under its title");

	*nsections = (int)json_array_size(sections);
	if (*nsections < SECTIONS_MIN || *nsections > SECTIONS_MAX)
		problem(f->path, 1, "%d core points (\"## \" sections); a "
		    "document has %d to %d", *nsections, SECTIONS_MIN,
		    SECTIONS_MAX);

	{
		size_t	i;
		json_t	*s;

		json_array_foreach(sections, i, s) {
			const char *sum = json_string_value(
			    json_object_get(s, "summary"));
			if (sum != NULL && sentences(sum) > 3)
			{
				const char *t = json_string_value(
				    json_object_get(s, "title"));
				problem(f->path, 1, "core point %zu (\"%.*s\"): "
				    "the summary has %d sentences; keep one to "
				    "three", i + 1, utf8_prefix(t, 40), t,
				    sentences(sum));
			}
		}
	}

	if (!strcmp(lang, "km") && review == NULL)
		problem(f->path, 1, "a Khmer text starts with "
		    "<!-- review: pending --> until a translator has checked it");
	if (review != NULL)
		json_object_set_new(text, "review", json_string(review));
	json_object_set_new(text, "sections", sections);

	if (!strcmp(lang, "km")) {
		static const char *const tkeys[] = { "title", "intro", NULL };
		static const char *const skeys[] = { "title", "summary",
		    "details", NULL };
		size_t	i;
		json_t	*s;

		khmer_words(f->path, text, tkeys);
		json_array_foreach(sections, i, s)
			khmer_words(f->path, s, skeys);
	}

	return (text);
}

static json_t *
check_quiz(const char *dir, int nsections)
{
	static const char *const qkeys[] = { "id", "section", "question_vi",
	    "question_km", "choices", NULL };
	static const char *const ckeys[] = { "vi", "km", "correct", NULL };
	yaml_parser_t		parser;
	yaml_document_t		doc;
	yaml_node_t		*root, *qs, *q, *cs, *c, *n;
	yaml_node_item_t	*it, *ci;
	json_t			*quiz, *jq, *choices, *seen;
	const char		*s;
	char			path[1024];
	int			correct, section;

	(void)snprintf(path, sizeof(path), "%s/quiz.yaml", dir);
	if (access(path, F_OK) != 0)
		return (json_array());
	if (!yaml_load(path, &parser, &doc))
		return (NULL);

	quiz = json_array();
	seen = json_object();
	root = yaml_document_get_root_node(&doc);
	qs = map_get(&doc, root, "questions");
	if (qs == NULL || qs->type != YAML_SEQUENCE_NODE) {
		problem(path, line_of(root), "expected \"questions:\", a list");
		goto done;
	}
	for (it = qs->data.sequence.items.start;
	    it < qs->data.sequence.items.top; it++) {
		q = yaml_document_get_node(&doc, *it);
		if (q->type != YAML_MAPPING_NODE) {
			problem(path, line_of(q), "a question is a mapping");
			continue;
		}
		(void)keys_allowed(path, &doc, q, qkeys);
		jq = json_object();
		if ((s = scalar(map_get(&doc, q, "id"))) == NULL || *s == '\0')
			problem(path, line_of(q), "question: id required");
		else if (json_object_get(seen, s) != NULL)
			problem(path, line_of(map_get(&doc, q, "id")),
			    "question id \"%s\" used twice", s);
		else {
			json_object_set_new(seen, s, json_true());
			json_object_set_new(jq, "id", json_string(s));
		}
		n = map_get(&doc, q, "section");
		section = scalar(n) != NULL ? atoi(scalar(n)) : 0;
		if (section < 1 || section > nsections)
			problem(path, line_of(n != NULL ? n : q), "section: a "
			    "core point number, 1 to %d", nsections);
		json_object_set_new(jq, "section", json_integer(section));
		if ((s = scalar(map_get(&doc, q, "question_vi"))) == NULL ||
		    *s == '\0')
			problem(path, line_of(q), "question_vi required");
		else
			json_object_set_new(jq, "question_vi", json_string(s));
		if ((s = scalar(map_get(&doc, q, "question_km"))) != NULL)
			json_object_set_new(jq, "question_km", json_string(s));

		cs = map_get(&doc, q, "choices");
		choices = json_array();
		correct = 0;
		if (cs == NULL || cs->type != YAML_SEQUENCE_NODE) {
			problem(path, line_of(q), "choices: a list");
		} else {
			for (ci = cs->data.sequence.items.start;
			    ci < cs->data.sequence.items.top; ci++) {
				c = yaml_document_get_node(&doc, *ci);
				if (c->type != YAML_MAPPING_NODE ||
				    (s = scalar(map_get(&doc, c, "vi"))) ==
				    NULL) {
					problem(path, line_of(c), "a choice "
					    "is { vi: ..., km: ..., correct: "
					    "true }");
					continue;
				}
				(void)keys_allowed(path, &doc, c, ckeys);
				n = map_get(&doc, c, "correct");
				if (scalar(n) != NULL &&
				    !strcmp(scalar(n), "true"))
					correct++;
				json_array_append_new(choices, json_pack(
				    "{s:s,s:s?,s:b}", "vi", s, "km",
				    scalar(map_get(&doc, c, "km")), "correct",
				    scalar(n) != NULL &&
				    !strcmp(scalar(n), "true")));
			}
			if (json_array_size(choices) < 2 ||
			    json_array_size(choices) > 6)
				problem(path, line_of(cs), "2 to 6 choices");
			if (correct != 1)
				problem(path, line_of(cs), "exactly one "
				    "choice is correct (%d are)", correct);
		}
		json_object_set_new(jq, "choices", choices);
		json_array_append_new(quiz, jq);
	}

done:
	json_decref(seen);
	yaml_document_delete(&doc);
	return (quiz);
}

static json_t *
check_media(const char *dir, crypto_hash_sha256_state *all)
{
	struct dirent	**names;
	struct file	f;
	json_t		*media;
	unsigned char	hash[crypto_hash_sha256_BYTES];
	char		hex[crypto_hash_sha256_BYTES * 2 + 1], mdir[700];
	const char	*type, *dot;
	char		*b64;
	size_t		b64len;
	int		i, n, infographic;

	media = json_array();
	infographic = 0;
	(void)snprintf(mdir, sizeof(mdir), "%s/media", dir);
	if ((n = scandir(mdir, &names, NULL, alphasort)) < 0) {
		problem(mdir, 1, "missing: media/infographic.svg is required");
		return (media);
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] == '.')
			goto next;
		if (strspn(names[i]->d_name,
		    "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
		    strlen(names[i]->d_name)) {
			problem(mdir, 1, "\"%s\": file names use a-z, 0-9, "
			    ". _ -", names[i]->d_name);
			goto next;
		}
		dot = strrchr(names[i]->d_name, '.');
		type = dot == NULL ? NULL : !strcmp(dot, ".svg") ?
		    "image/svg+xml" : !strcmp(dot, ".png") ? "image/png" :
		    !strcmp(dot, ".jpg") ? "image/jpeg" :
		    !strcmp(dot, ".webp") ? "image/webp" : NULL;
		if (type == NULL) {
			problem(mdir, 1, "\"%s\": svg, png, jpg or webp only",
			    names[i]->d_name);
			goto next;
		}
		if (!file_read(&f, mdir, names[i]->d_name, MEDIA_MAX))
			goto next;
		if (!strcmp(type, "image/svg+xml") && (strstr(f.data,
		    "<script") != NULL || strstr(f.data, "href=\"http") !=
		    NULL || strstr(f.data, "<svg") == NULL))
			problem(f.path, 1, "an SVG without scripts or external "
			    "references");
		if (!strcmp(names[i]->d_name, "infographic.svg"))
			infographic = 1;

		crypto_hash_sha256(hash, (unsigned char *)f.data, f.len);
		hash_hex(hash, hex);
		crypto_hash_sha256_update(all,
		    (const unsigned char *)names[i]->d_name,
		    strlen(names[i]->d_name) + 1);
		crypto_hash_sha256_update(all, hash, sizeof(hash));

		b64len = sodium_base64_ENCODED_LEN(f.len,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((b64 = malloc(b64len)) == NULL)
			abort();
		(void)sodium_bin2base64(b64, b64len, (unsigned char *)f.data,
		    f.len, sodium_base64_VARIANT_ORIGINAL);
		json_array_append_new(media, json_pack("{s:s,s:s,s:s,s:s}",
		    "name", names[i]->d_name, "sha256", hex, "content_type",
		    type, "base64", b64));
		free(b64);
		free(f.data);
next:
		free(names[i]);
	}
	free(names);
	if (!infographic)
		problem(mdir, 1, "missing: infographic.svg (one per document)");

	return (media);
}

static json_t *
check_document(const char *root, const char *slug)
{
	crypto_hash_sha256_state	all;
	struct file			vi, km, meta;
	unsigned char			hash[crypto_hash_sha256_BYTES];
	char				hex[crypto_hash_sha256_BYTES * 2 + 1];
	char				dir[600], qpath[16];
	json_t				*doc, *tvi, *tkm, *quiz, *media, *texts;
	struct file			qf;
	int				nvi, nkm, outline;

	(void)snprintf(dir, sizeof(dir), "%s/%s", root, slug);
	if (!slug_ok(slug)) {
		problem(dir, 1, "a document folder is named with a-z, 0-9 "
		    "and dashes");
		return (NULL);
	}

	outline = 0;
	doc = check_meta(dir, slug, &outline);
	tvi = check_text(dir, "vi", &vi, &nvi);
	if (tvi == NULL && vi.data == NULL)
		problem(dir, 1, "missing: vi.md (the Vietnamese text)");
	tkm = check_text(dir, "km", &km, &nkm);
	if (tvi != NULL && tkm != NULL && nkm != nvi)
		problem(km.path, 1, "%d core points, but vi.md has %d: the "
		    "translation has the same sections in the same order",
		    nkm, nvi);
	quiz = check_quiz(dir, nvi);

	crypto_hash_sha256_init(&all);
	if (file_read(&meta, dir, "document.yaml", TEXT_MAX)) {
		crypto_hash_sha256_update(&all, (unsigned char *)meta.data,
		    meta.len + 1);
		free(meta.data);
	}
	if (vi.data != NULL)
		crypto_hash_sha256_update(&all, (unsigned char *)"vi", 3);
	if (tvi != NULL)
		crypto_hash_sha256_update(&all, (const unsigned char *)
		    json_string_value(json_object_get(tvi, "sha256")), 64);
	if (tkm != NULL)
		crypto_hash_sha256_update(&all, (const unsigned char *)
		    json_string_value(json_object_get(tkm, "sha256")), 64);
	(void)snprintf(qpath, sizeof(qpath), "quiz.yaml");
	if (file_read(&qf, dir, qpath, TEXT_MAX)) {
		crypto_hash_sha256_update(&all, (unsigned char *)qf.data,
		    qf.len + 1);
		free(qf.data);
	}
	media = check_media(dir, &all);
	crypto_hash_sha256_final(&all, hash);
	hash_hex(hash, hex);

	free(vi.data);
	free(km.data);
	if (doc == NULL || tvi == NULL || quiz == NULL) {
		json_decref(doc);
		json_decref(tvi);
		json_decref(tkm);
		json_decref(quiz);
		json_decref(media);
		return (NULL);
	}

	if (json_object_get(doc, "title_km") != NULL && km.path[0] != '\0' &&
	    access(km.path, F_OK) != 0)
		problem(dir, 1, "title_km is set but there is no km.md");
	texts = json_pack("{s:o}", "vi", tvi);
	if (tkm != NULL)
		json_object_set_new(texts, "km", tkm);
	json_object_set_new(doc, "texts", texts);
	json_object_set_new(doc, "quiz", quiz);
	json_object_set_new(doc, "media", media);
	json_object_set_new(doc, "sha256", json_string(hex));

	return (doc);
}

/* The Khmer copies for search (khmer_words_json, kore-app/khmer.c). */
static void
khmer_words(const char *path, json_t *obj, const char *const *keys)
{
	if (!khmer_words_json(obj, keys))
		problem(path, 1, "cannot split the Khmer text into words");
}

static void
hash_hex(const unsigned char *hash, char *hex)
{
	(void)sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, hash,
	    crypto_hash_sha256_BYTES);
}

int
main(int argc, char **argv)
{
	struct dirent	**names;
	const char	*cmd, *root, *url;
	json_t		*docs, *doc, *payload, *slugs;
	char		*text;
	const char	*values[1];
	PGconn		*conn;
	PGresult	*res;
	struct stat	st;
	char		path[1024];
	size_t		i;
	int		n, k;

	if (argc < 2 || (strcmp(argv[1], "check") && strcmp(argv[1],
	    "import"))) {
		fprintf(stderr, "usage: hbcontent check|import [DIR]\n");
		return (2);
	}
	cmd = argv[1];
	root = argc > 2 ? argv[2] : "content";
	if (sodium_init() < 0)
		return (2);

	if ((n = scandir(root, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, "%s: %s\n", root, strerror(errno));
		return (2);
	}
	docs = json_array();
	slugs = json_object();
	for (k = 0; k < n; k++) {
		(void)snprintf(path, sizeof(path), "%s/%s", root,
		    names[k]->d_name);
		if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			if ((doc = check_document(root, names[k]->d_name)) !=
			    NULL) {
				json_array_append_new(docs, doc);
				json_object_set_new(slugs, names[k]->d_name,
				    json_true());
			}
		}
		free(names[k]);
	}
	free(names);

	/* A study outline adapts a document of this folder. */
	json_array_foreach(docs, i, doc) {
		const char *a = json_string_value(json_object_get(doc, "adapts"));
		if (a != NULL && json_object_get(slugs, a) == NULL)
			problem(json_string_value(json_object_get(doc, "slug")),
			    1, "adapts \"%s\", which is not in this folder", a);
	}
	json_decref(slugs);

	printf("%zu documents, %d problem%s\n", json_array_size(docs),
	    problems, problems == 1 ? "" : "s");
	if (problems > 0) {
		if (!strcmp(cmd, "import"))
			fprintf(stderr, "nothing imported: fix the problems "
			    "above first\n");
		json_decref(docs);
		return (1);
	}
	if (!strcmp(cmd, "check")) {
		json_decref(docs);
		return (0);
	}

	if ((url = getenv("HANDBOOK_DATABASE_URL")) == NULL) {
		fprintf(stderr, "import: HANDBOOK_DATABASE_URL is not set\n");
		return (2);
	}
	payload = json_pack("{s:o}", "documents", docs);
	text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "import: %s", PQerrorMessage(conn));
		return (1);
	}
	values[0] = text;
	/* The Khmer words are kept first, in the same statement. */
	res = PQexecParams(conn, "SELECT content_import("
	    "search_khmer_import($1::jsonb))::text", 1, NULL, values, NULL,
	    NULL, 0);
	free(text);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "import: nothing imported: %s",
		    PQresultErrorMessage(res));
		PQclear(res);
		PQfinish(conn);
		return (1);
	}
	printf("%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);

	return (0);
}
