/*
 * Fuzz target: the content importer's checks (tools/hbcontent.c): the
 * document.yaml, vi.md, km.md and quiz.yaml of one document folder,
 * through check_document(), the function `hbcontent check` and `import`
 * run on each folder. hbcontent.c is compiled into this file as it is
 * (its main() renamed, its stderr sent to /dev/null), so the fuzzer runs
 * exactly the importer's code, libyaml, the Markdown outline reader and
 * the Khmer word splitting included.
 *
 * The input is the folder's files one after the other, each starting
 * with a line "=== NAME" (document.yaml, vi.md, km.md, quiz.yaml,
 * infographic.svg); they are written to a folder under $TMPDIR (the
 * importer reads files) before each run. Properties: a document accepted
 * without problems has 5 to 12 core points in Vietnamese, as many in
 * Khmer, quiz questions on existing core points, a segmented copy of each
 * Khmer text, and can be written as JSON (jansson refuses invalid
 * UTF-8, so every text in it is valid); whatever the input, a document
 * that comes back can be written as JSON.
 */

#define _GNU_SOURCE

#include <stdio.h>

#include <jansson.h>

#include "fuzz.h"

/* The importer's messages go nowhere: the fuzzer's output stays legible. */
static FILE	*fuzz_quiet;
#undef stderr
#define stderr	fuzz_quiet
#define main	hbcontent_main
int		hbcontent_main(int, char **);

#include "../../tools/hbcontent.c"

#undef main
#undef stderr

#define SLUG	"nq-fuzz-2026"

static char	root[512];

static void	remove_all(void);

static const char *const names[] = {
	"document.yaml", "vi.md", "km.md", "quiz.yaml", "media/infographic.svg",
	NULL
};

/* The folder goes when the fuzzer ends (libFuzzer exits through exit()). */
static void
cleanup(void)
{
	char	path[700];

	remove_all();
	(void)snprintf(path, sizeof(path), "%s/%s/media", root, SLUG);
	(void)rmdir(path);
	(void)snprintf(path, sizeof(path), "%s/%s", root, SLUG);
	(void)rmdir(path);
	(void)rmdir(root);
}

static void
setup(void)
{
	const char	*tmp;
	char		path[700];

	if ((fuzz_quiet = fopen("/dev/null", "w")) == NULL)
		abort();
	if (sodium_init() < 0)
		abort();
	tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	(void)snprintf(root, sizeof(root), "%s/hbfuzz-content.XXXXXX", tmp);
	if (mkdtemp(root) == NULL)
		abort();
	(void)snprintf(path, sizeof(path), "%s/%s", root, SLUG);
	if (mkdir(path, 0700) != 0)
		abort();
	(void)snprintf(path, sizeof(path), "%s/%s/media", root, SLUG);
	if (mkdir(path, 0700) != 0)
		abort();
	atexit(cleanup);
}

static void
put(const char *name, const char *data, size_t len)
{
	char	path[700];
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "%s/%s/%s", root, SLUG, name);
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (len > 0 && fwrite(data, 1, len, fp) != len)
		abort();
	fclose(fp);
}

static void
remove_all(void)
{
	char	path[700];
	size_t	i;

	for (i = 0; names[i] != NULL; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s/%s", root, SLUG,
		    names[i]);
		(void)unlink(path);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int	ready;
	const char	*p, *end, *next, *body;
	json_t		*doc, *vi, *km, *q, *sec;
	char		*text, name[64];
	size_t		i, j, nvi;
	int		svg;

	if (!ready) {
		setup();
		ready = 1;
	}
	remove_all();

	/* Split into files at lines "=== NAME". */
	svg = 0;
	text = fuzz_cstring(data, size);
	end = text + strlen(text);
	for (p = strstr(text, "=== "); p != NULL; p = next) {
		body = strchr(p, '\n');
		if (body == NULL)
			break;
		(void)snprintf(name, sizeof(name), "%.*s",
		    (int)(body - p - 4), p + 4);
		body++;
		next = strstr(body, "\n=== ");
		for (i = 0; names[i] != NULL; i++) {
			if (!strcmp(name, names[i]) || (i == 4 &&
			    !strcmp(name, "infographic.svg")))
				break;
		}
		if (names[i] != NULL) {
			put(names[i], body, (size_t)((next != NULL ? next + 1 :
			    end) - body));
			svg |= i == 4;
		}
		if (next != NULL)
			next++;
	}
	if (!svg)
		put("media/infographic.svg", "<svg xmlns=\"http://www.w3.org/"
		    "2000/svg\"/>\n", 41);
	free(text);

	problems = 0;
	doc = check_document(root, SLUG);
	if (doc != NULL) {
		text = json_dumps(doc, JSON_COMPACT);
		FUZZ_CHECK(text != NULL);
		free(text);
	}
	if (doc != NULL && problems == 0) {
		vi = json_object_get(json_object_get(doc, "texts"), "vi");
		km = json_object_get(json_object_get(doc, "texts"), "km");
		nvi = json_array_size(json_object_get(vi, "sections"));
		FUZZ_CHECK(nvi >= SECTIONS_MIN && nvi <= SECTIONS_MAX);
		if (km != NULL) {
			FUZZ_CHECK(json_array_size(json_object_get(km,
			    "sections")) == nvi);
			FUZZ_CHECK(json_object_get(km, "segmented") != NULL);
			json_array_foreach(json_object_get(km, "sections"), j,
			    sec)
				FUZZ_CHECK(json_object_get(sec, "segmented"));
		}
		json_array_foreach(json_object_get(doc, "quiz"), j, q) {
			FUZZ_CHECK(json_integer_value(json_object_get(q,
			    "section")) >= 1);
			FUZZ_CHECK((size_t)json_integer_value(json_object_get(q,
			    "section")) <= nvi);
		}
	}
	json_decref(doc);
	return (0);
}
