/*
 * hbsync: the handbook on a computer or a reader without an app. It keeps
 * a folder in step with what the member may read (every published
 * document as its signed bundle plus the verified payload, and the media
 * they list), records reading events offline into a crash-safe journal,
 * and pushes the journal when the network is back. Everything it talks to
 * goes through the client library (client/handbook_client.h); this file
 * only adds the state folder, the files it writes and the command line.
 *
 * The state folder (--state DIR, else $HBSYNC_STATE, else ~/.hbsync):
 *
 *	config		server=, ca=, pin= lines (written by login)
 *	token		the session token, mode 0600
 *	cursor		the sync cursor of the last pull that finished
 *	documents.json	what was pulled: folder, language, and per document
 *			its id, slug, language, version, ETag and media;
 *			`read` finds documents here without the network
 *	journal.hbj	the reading events (the library's journal)
 *	keys.json	the published signing keys of the last pull, to check
 *			the saved bundles again offline
 *
 * Every file is written whole to a temporary name, fsync'd and renamed, so
 * a crash leaves the old file or the new one, never half of one; the
 * cursor is written last, after every bundle and medium of the pull is on
 * disk, so a pull that failed half-way starts again from the old cursor
 * (and the ETags make the second try cheap).
 *
 * A saved copy is checked (its bundle against the saved keys, its payload
 * file against the bundle) before it is revalidated with its ETag, and by
 * `hbsync verify`: a copy changed on disk is fetched again, never kept by
 * a 304.
 *
 * Exit codes (also in --help and client/README.md): 0 ok, 1 usage,
 * 2 not logged in or token refused, 3 network or server unavailable,
 * 4 certificate or pin refused, 5 signature refused, 6 local state or
 * journal error, 7 refused by the server (a 4xx other than 401).
 */

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "handbook_client.h"

#define EXIT_USAGE	1
#define EXIT_AUTH	2
#define EXIT_NETWORK	3
#define EXIT_CERT	4
#define EXIT_SIGNATURE	5
#define EXIT_LOCAL	6
#define EXIT_REFUSED	7

/* Options of every command, filled by main(). */
struct opts {
	const char	*state;
	const char	*server;
	const char	*ca;
	const char	*pin;
	const char	*password_file;
	const char	*lang;
	int64_t		 version;
	int		 opened;
	int		 completed;
	int		 seconds;
	int		 quiet;
	int		 full;
};

/* The config file. */
struct config {
	char		*server;
	char		*ca;
	char		*pin;
};

/* One change of the sync, copied out of the library's callback. */
struct change {
	int64_t		 document_id;
	char		*slug;
	int64_t		 version;
	int		 withdrawn;
};

struct changes {
	struct change	*v;
	size_t		 n;
	size_t		 cap;
};

/* Progress of a pull, shown on stderr. */
struct progress {
	int		 tty;
	int		 quiet;
	size_t		 total;
	size_t		 done;
	size_t		 fetched;
	size_t		 unchanged;
	size_t		 removed;
	size_t		 media;
	int		 dirty;		/* a \r line is on the terminal */
};

static const char	*prog = "hbsync";
static char		 state_dir[PATH_MAX];

static void		 usage(FILE *);
static void		 warnx_(const char *, ...)
			    __attribute__((format(printf, 1, 2)));
static int		 exit_for(enum hb_status);
static int		 client_fail(struct hb_client *, enum hb_status,
			    const char *);
static int		 state_path(char *, size_t, const char *);
static int		 state_init(const char *);
static int		 file_write_atomic(const char *, const void *, size_t,
			    mode_t);
static int		 file_read(const char *, char **, size_t *);
static int		 dir_sync(const char *);
static int		 config_load(struct config *);
static void		 config_free(struct config *);
static int		 config_save(const struct config *);
static char		*token_load(void);
static int		 client_open(const struct opts *, struct hb_client **,
			    int);
static json_t		*index_load(void);
static int		 index_save(json_t *);
static json_t		*index_find(json_t *, const char *, const char *);
static int		 safe_slug(const char *);
static int		 safe_sha256(const char *);
static int		 password_read(const struct opts *, char *, size_t);
static int		 change_add(void *, const struct hb_change *);
static void		 changes_free(struct changes *);
static void		 progress_show(struct progress *, const char *, ...)
			    __attribute__((format(printf, 2, 3)));
static void		 progress_end(struct progress *);
static int		 pull_document(struct hb_client *, const struct hb_keys *,
			    const char *, const char *, const struct change *,
			    json_t *, struct progress *);
static int		 remove_document(const char *, json_t *, int64_t,
			    struct progress *);
static void		 index_drop(json_t *, int64_t);
static void		 media_prune(const char *, json_t *);
static int		 keys_save(const struct hb_keys *);
static int		 journal_open(struct hb_journal **);

static int		 cmd_login(const struct opts *, int, char **);
static int		 cmd_logout(const struct opts *, int, char **);
static int		 cmd_pull(const struct opts *, int, char **);
static int		 cmd_read(const struct opts *, int, char **);
static int		 cmd_push(const struct opts *, int, char **);
static int		 cmd_status(const struct opts *, int, char **);
static int		 cmd_verify(const struct opts *, int, char **);
static enum hb_status	 saved_copy_check(const struct hb_keys *, const char *,
			    const char *);

static void
usage(FILE *f)
{
	fprintf(f,
"usage: hbsync [--state DIR] [--quiet] COMMAND [ARGS]\n"
"\n"
"Keeps a folder in step with the party-member handbook and sends what the\n"
"member read while offline.\n"
"\n"
"  hbsync login --server URL [--ca FILE] [--pin SHA256B64]\n"
"               [--password-file FILE] LOGIN\n"
"      Log in with a card number or phone. The password is read from the\n"
"      terminal without echo, or from $HBSYNC_PASSWORD or --password-file.\n"
"      --pin is the server key's SPKI SHA-256 in base64 (see client/README.md).\n"
"  hbsync logout\n"
"      Revoke the token on the server and forget it.\n"
"  hbsync pull DIR [--lang vi|km] [--full]\n"
"      Fetch what was published or withdrawn since the last pull: each\n"
"      document as DIR/<slug>.<lang>.bundle.json (signed, verified) and\n"
"      DIR/<slug>.<lang>.json (its text), media as DIR/media/<sha256>.\n"
"      --full revalidates every document (unchanged ones answer 304).\n"
"  hbsync read DOC SECTION... [--lang vi|km] [--version N] [--seconds S]\n"
"  hbsync read DOC --opened | --completed\n"
"      Record a reading event in the journal, offline. DOC is a slug or\n"
"      an id of a pulled document; SECTION a core point, 1 to 12 (one\n"
"      event per SECTION given). Prints each event's id.\n"
"  hbsync push\n"
"      Send the journal; prints accepted, duplicate, rejected, pending.\n"
"  hbsync status\n"
"      Server, login, cursor, documents pulled, pending and rejected events.\n"
"  hbsync verify\n"
"      Check the pulled folder again, offline: every saved bundle against\n"
"      the keys saved at the last pull, every payload file against its\n"
"      bundle (exit 5 when one was changed).\n"
"\n"
"State: --state DIR, else $HBSYNC_STATE, else ~/.hbsync.\n"
"\n"
"Exit codes:\n"
"  0  ok\n"
"  1  usage error\n"
"  2  not logged in, or the token was refused: run hbsync login\n"
"  3  network or server unavailable: try again later, nothing is lost\n"
"  4  the server's certificate or pin was refused\n"
"  5  a bundle's signature was refused (tampered): nothing was written\n"
"     (verify: a saved file was changed)\n"
"  6  local state or journal error (a file cannot be read or written,\n"
"     or another hbsync holds the journal)\n"
"  7  refused by the server (a 4xx other than 401)\n");
}

static void
warnx_(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The exit code of a library status (see the table in usage()). */
static int
exit_for(enum hb_status st)
{
	switch (st) {
	case HB_OK:
	case HB_ERR_NOT_MODIFIED:
		return (0);
	case HB_ERR_ARGUMENT:
		return (EXIT_USAGE);
	case HB_ERR_UNAUTHORIZED:
		return (EXIT_AUTH);
	case HB_ERR_NETWORK:
	case HB_ERR_TIMEOUT:
	case HB_ERR_UNAVAILABLE:
	case HB_ERR_PROTOCOL:
		return (EXIT_NETWORK);
	case HB_ERR_TLS:
	case HB_ERR_CERTIFICATE:
		return (EXIT_CERT);
	case HB_ERR_SIGNATURE:
		return (EXIT_SIGNATURE);
	case HB_ERR_REFUSED:
		return (EXIT_REFUSED);
	case HB_ERR_MEMORY:
	case HB_ERR_JOURNAL:
	case HB_ERR_LOCKED:
		return (EXIT_LOCAL);
	}
	return (EXIT_LOCAL);
}

/* Says what failed and what to do about it; returns the exit code. */
static int
client_fail(struct hb_client *c, enum hb_status st, const char *what)
{
	const char	*detail = c != NULL ? hb_client_error(c) : "";
	const char	*advice = "";

	switch (st) {
	case HB_ERR_UNAUTHORIZED:
		advice = "log in again: hbsync login";
		break;
	case HB_ERR_NETWORK:
	case HB_ERR_TIMEOUT:
	case HB_ERR_UNAVAILABLE:
	case HB_ERR_PROTOCOL:
		advice = "try again later; nothing was lost";
		break;
	case HB_ERR_TLS:
	case HB_ERR_CERTIFICATE:
		advice = "this may not be the handbook's server: check --ca "
		    "and --pin (hbsync login) before trusting it";
		break;
	case HB_ERR_SIGNATURE:
		advice = "the content was changed on the way or on disk; "
		    "nothing of it was kept";
		break;
	case HB_ERR_LOCKED:
		advice = "another hbsync is running; wait for it";
		break;
	default:
		break;
	}
	if (detail != NULL && *detail)
		warnx_("%s: %s (%s)", what, hb_status_text(st), detail);
	else
		warnx_("%s: %s", what, hb_status_text(st));
	if (*advice)
		fprintf(stderr, "%s: %s\n", prog, advice);
	return (exit_for(st));
}

/* ---- state folder -------------------------------------------------- */

static int
state_path(char *buf, size_t len, const char *name)
{
	int	n = snprintf(buf, len, "%s/%s", state_dir, name);

	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

static int
state_init(const char *arg)
{
	const char	*dir = arg, *home;
	int		 n;

	if (dir == NULL)
		dir = getenv("HBSYNC_STATE");
	if (dir != NULL && *dir) {
		n = snprintf(state_dir, sizeof(state_dir), "%s", dir);
	} else {
		if ((home = getenv("HOME")) == NULL || *home == '\0') {
			warnx_("no state folder: set HOME, HBSYNC_STATE or "
			    "--state");
			return (-1);
		}
		n = snprintf(state_dir, sizeof(state_dir), "%s/.hbsync",
		    home);
	}
	if (n < 0 || (size_t)n >= sizeof(state_dir) - 32) {
		warnx_("state folder name too long");
		return (-1);
	}
	/* 0700: the folder holds the token. */
	if (mkdir(state_dir, 0700) == -1 && errno != EEXIST) {
		warnx_("cannot create the state folder %s: %s", state_dir,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* The directory part of path, fsync'd so that a rename in it is durable. */
static int
dir_sync(const char *path)
{
	char	 dir[PATH_MAX];
	char	*slash;
	int	 fd, rc;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return (-1);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	rc = fsync(fd);
	close(fd);
	return (rc);
}

/*
 * Writes path whole: path.tmp.<pid>, fsync, rename, fsync of the folder.
 * A crash leaves the old file or the new one.
 */
static int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode)
{
	char		 tmp[PATH_MAX];
	const char	*p = data;
	ssize_t		 w;
	int		 fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		return (-1);
	/* The umask may have widened or narrowed it; the token needs 0600. */
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	return (dir_sync(path));
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return (-1);
}

/* Reads a whole file into a NUL-terminated buffer; -1 with errno. */
static int
file_read(const char *path, char **out, size_t *lenp)
{
	char		*buf = NULL, *nbuf;
	size_t		 len = 0, cap = 0;
	ssize_t		 r;
	int		 fd, saved;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nbuf;
		}
		if ((r = read(fd, buf + len, cap - len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	if (lenp != NULL)
		*lenp = len;
	return (0);
fail:
	saved = errno;
	close(fd);
	free(buf);
	errno = saved;
	return (-1);
}

/* 0: loaded; 1: no config (not logged in); -1: unreadable. */
static int
config_load(struct config *cfg)
{
	char	 path[PATH_MAX];
	char	*text, *line, *next, *eq;

	memset(cfg, 0, sizeof(*cfg));
	if (state_path(path, sizeof(path), "config") == -1)
		return (-1);
	if (file_read(path, &text, NULL) == -1) {
		if (errno == ENOENT)
			return (1);
		warnx_("cannot read %s: %s", path, strerror(errno));
		return (-1);
	}
	for (line = text; line != NULL && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq++ = '\0';
		if (*eq == '\0')
			continue;
		if (strcmp(line, "server") == 0 && cfg->server == NULL)
			cfg->server = strdup(eq);
		else if (strcmp(line, "ca") == 0 && cfg->ca == NULL)
			cfg->ca = strdup(eq);
		else if (strcmp(line, "pin") == 0 && cfg->pin == NULL)
			cfg->pin = strdup(eq);
	}
	free(text);
	if (cfg->server == NULL) {
		warnx_("%s names no server: run hbsync login", path);
		config_free(cfg);
		return (1);
	}
	return (0);
}

static void
config_free(struct config *cfg)
{
	free(cfg->server);
	free(cfg->ca);
	free(cfg->pin);
	memset(cfg, 0, sizeof(*cfg));
}

static int
config_save(const struct config *cfg)
{
	char	 path[PATH_MAX], text[3 * PATH_MAX];
	int	 n;

	if (state_path(path, sizeof(path), "config") == -1)
		return (-1);
	n = snprintf(text, sizeof(text),
	    "# hbsync configuration, written by hbsync login\n"
	    "server=%s\n%s%s%s%s%s%s", cfg->server,
	    cfg->ca ? "ca=" : "", cfg->ca ? cfg->ca : "", cfg->ca ? "\n" : "",
	    cfg->pin ? "pin=" : "", cfg->pin ? cfg->pin : "",
	    cfg->pin ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(text))
		return (-1);
	return (file_write_atomic(path, text, (size_t)n, 0600));
}

/* The saved token (malloc'd), or NULL when there is none. */
static char *
token_load(void)
{
	char	 path[PATH_MAX];
	char	*text;
	size_t	 len;

	if (state_path(path, sizeof(path), "token") == -1 ||
	    file_read(path, &text, &len) == -1)
		return (NULL);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	if (len == 0) {
		free(text);
		return (NULL);
	}
	return (text);
}

/*
 * A client for the configured server, with the saved token when
 * need_token. Returns 0 or the exit code (the message said).
 */
static int
client_open(const struct opts *o, struct hb_client **cp, int need_token)
{
	struct config	 cfg;
	struct hb_config hc;
	struct hb_client *c;
	char		*token;
	enum hb_status	 st;
	int		 rc;

	*cp = NULL;
	if ((rc = config_load(&cfg)) == -1)
		return (EXIT_LOCAL);
	if (rc == 1) {
		warnx_("not logged in: run hbsync login --server URL LOGIN");
		return (EXIT_AUTH);
	}
	hb_config_init(&hc);
	hc.base_url = cfg.server;
	hc.ca_file = cfg.ca;
	hc.pin_sha256 = cfg.pin;
	hc.user_agent = "hbsync/1";
	c = hb_client_new(&hc);
	config_free(&cfg);
	if (c == NULL) {
		warnx_("the saved configuration is not usable (server URL, "
		    "pin): run hbsync login again");
		return (EXIT_LOCAL);
	}
	if (need_token) {
		if ((token = token_load()) == NULL) {
			warnx_("not logged in: run hbsync login");
			hb_client_free(c);
			return (EXIT_AUTH);
		}
		st = hb_set_token(c, token);
		explicit_bzero(token, strlen(token));
		free(token);
		if (st != HB_OK) {
			rc = client_fail(c, st, "the saved token");
			hb_client_free(c);
			return (rc);
		}
	}
	*cp = c;
	return (0);
}

/* ---- the index of pulled documents ---------------------------------- */

/* documents.json, or an empty index; NULL when it cannot be read. */
static json_t *
index_load(void)
{
	char		 path[PATH_MAX];
	json_t		*idx;
	json_error_t	 err;

	if (state_path(path, sizeof(path), "documents.json") == -1)
		return (NULL);
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return (json_pack("{s:n, s:n, s:[]}", "dir", "lang",
		    "documents"));
	if ((idx = json_load_file(path, JSON_REJECT_DUPLICATES, &err)) ==
	    NULL || !json_is_array(json_object_get(idx, "documents"))) {
		warnx_("%s is damaged (%s): remove it and the cursor file, "
		    "then pull again", path, idx == NULL ? err.text :
		    "no documents list");
		json_decref(idx);
		return (NULL);
	}
	return (idx);
}

static int
index_save(json_t *idx)
{
	char	 path[PATH_MAX];
	char	*text;
	int	 rc;

	if (state_path(path, sizeof(path), "documents.json") == -1)
		return (-1);
	if ((text = json_dumps(idx, JSON_INDENT(1) | JSON_SORT_KEYS)) == NULL)
		return (-1);
	rc = file_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return (rc);
}

/*
 * The entry for DOC (a slug or a numeric id) in the wanted language (NULL:
 * the first one found). Borrowed reference.
 */
static json_t *
index_find(json_t *idx, const char *doc, const char *lang)
{
	json_t		*docs = json_object_get(idx, "documents"), *e;
	const char	*slug, *l;
	char		*end;
	long long	 id;
	size_t		 i;
	int		 numeric;

	errno = 0;
	id = strtoll(doc, &end, 10);
	numeric = *doc && *end == '\0' && errno == 0 && id > 0;
	json_array_foreach(docs, i, e) {
		slug = json_string_value(json_object_get(e, "slug"));
		l = json_string_value(json_object_get(e, "lang"));
		if (numeric ? json_integer_value(json_object_get(e, "id")) != id
		    : (slug == NULL || strcmp(slug, doc) != 0))
			continue;
		if (lang == NULL || (l != NULL && strcmp(l, lang) == 0))
			return (e);
	}
	return (NULL);
}

/*
 * Names that end up in file names come from signed payloads, but a file
 * name must still never climb out of the folder: a slug is lower-case
 * letters, digits and dashes; a medium is 64 hex digits.
 */
static int
safe_slug(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0' || *s == '-' || strlen(s) > 200)
		return (0);
	for (i = 0; s[i]; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return (0);
	return (1);
}

static int
safe_sha256(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != 64)
		return (0);
	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return (0);
	return (1);
}

/* ---- login, logout --------------------------------------------------- */

/* The password: --password-file, $HBSYNC_PASSWORD, or the terminal. */
static int
password_read(const struct opts *o, char *buf, size_t len)
{
	struct termios	 t, quiet;
	const char	*env;
	char		*text;
	size_t		 n;
	FILE		*tty;
	int		 echo_off = 0;

	if (o->password_file != NULL) {
		if (file_read(o->password_file, &text, &n) == -1) {
			warnx_("cannot read %s: %s", o->password_file,
			    strerror(errno));
			return (-1);
		}
		/* The first line, without its end. */
		text[strcspn(text, "\r\n")] = '\0';
		n = strlen(text);
		if (n >= len) {
			explicit_bzero(text, n);
			free(text);
			warnx_("the password is too long");
			return (-1);
		}
		memcpy(buf, text, n + 1);
		explicit_bzero(text, n);
		free(text);
		return (0);
	}
	if ((env = getenv("HBSYNC_PASSWORD")) != NULL) {
		if (strlen(env) >= len) {
			warnx_("the password is too long");
			return (-1);
		}
		strcpy(buf, env);
		return (0);
	}
	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		warnx_("no terminal to read the password from: use "
		    "HBSYNC_PASSWORD or --password-file");
		return (-1);
	}
	fprintf(tty, "Password: ");
	fflush(tty);
	if (tcgetattr(fileno(tty), &t) == 0) {
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		echo_off = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	if (fgets(buf, (int)len, tty) == NULL)
		buf[0] = '\0';
	if (echo_off)
		tcsetattr(fileno(tty), TCSAFLUSH, &t);
	fclose(tty);
	buf[strcspn(buf, "\r\n")] = '\0';
	return (0);
}

static int
cmd_login(const struct opts *o, int argc, char **argv)
{
	struct config	 cfg;
	struct hb_config hc;
	struct hb_client *c;
	char		 path[PATH_MAX], ca[PATH_MAX], password[1024];
	const char	*token;
	enum hb_status	 st;
	int		 rc;

	if (argc != 1 || o->server == NULL) {
		warnx_("usage: hbsync login --server URL [--ca FILE] "
		    "[--pin SHA256B64] [--password-file FILE] LOGIN");
		return (EXIT_USAGE);
	}
	memset(&cfg, 0, sizeof(cfg));
	/* The CA file by its full name: later commands run from anywhere. */
	if (o->ca != NULL && realpath(o->ca, ca) == NULL) {
		warnx_("cannot use the CA file %s: %s", o->ca, strerror(errno));
		return (EXIT_USAGE);
	}
	hb_config_init(&hc);
	hc.base_url = o->server;
	hc.ca_file = o->ca != NULL ? ca : NULL;
	hc.pin_sha256 = o->pin;
	hc.user_agent = "hbsync/1";
	if ((c = hb_client_new(&hc)) == NULL) {
		warnx_("cannot use this server URL, pin or CA file (the URL "
		    "must start with https:// and name a host, the pin be "
		    "44 base64 characters, the CA file be readable PEM)");
		return (EXIT_USAGE);
	}
	if (password_read(o, password, sizeof(password)) == -1) {
		hb_client_free(c);
		return (EXIT_USAGE);
	}
	st = hb_login(c, argv[0], password);
	explicit_bzero(password, sizeof(password));
	if (st != HB_OK) {
		if (st == HB_ERR_REFUSED || st == HB_ERR_UNAUTHORIZED) {
			warnx_("login refused: %s", hb_client_error(c));
			/* A wrong password is the member's to fix, not a 7. */
			rc = hb_client_http_status(c) == 401 ||
			    strcmp(hb_client_error_code(c),
			    "invalid_credentials") == 0 ? EXIT_AUTH :
			    exit_for(st);
		} else
			rc = client_fail(c, st, "login");
		hb_client_free(c);
		return (rc);
	}
	token = hb_token(c);
	cfg.server = (char *)(uintptr_t)o->server;
	cfg.ca = o->ca != NULL ? ca : NULL;
	cfg.pin = (char *)(uintptr_t)o->pin;
	rc = 0;
	if (config_save(&cfg) == -1 ||
	    state_path(path, sizeof(path), "token") == -1 ||
	    token == NULL ||
	    file_write_atomic(path, token, strlen(token), 0600) == -1) {
		warnx_("logged in, but cannot save the state in %s: %s",
		    state_dir, strerror(errno));
		rc = EXIT_LOCAL;
	}
	hb_client_free(c);
	if (rc == 0 && !o->quiet)
		fprintf(stderr, "%s: logged in to %s as %s\n", prog,
		    o->server, argv[0]);
	return (rc);
}

static int
cmd_logout(const struct opts *o, int argc, char **argv)
{
	struct hb_client *c;
	char		 path[PATH_MAX];
	enum hb_status	 st;
	int		 rc;

	if (argc != 0) {
		warnx_("usage: hbsync logout");
		return (EXIT_USAGE);
	}
	if ((rc = client_open(o, &c, 1)) != 0)
		return (rc);
	st = hb_logout(c);
	/*
	 * Unauthorized: the token was revoked or expired already, so there
	 * is nothing left to revoke. On a network failure the token stays
	 * saved, so that a later logout can still revoke it.
	 */
	if (st != HB_OK && st != HB_ERR_UNAUTHORIZED) {
		rc = client_fail(c, st, "logout");
		hb_client_free(c);
		return (rc);
	}
	hb_client_free(c);
	if (state_path(path, sizeof(path), "token") == -1 ||
	    (unlink(path) == -1 && errno != ENOENT)) {
		warnx_("cannot remove %s: %s", path, strerror(errno));
		return (EXIT_LOCAL);
	}
	dir_sync(path);
	if (!o->quiet)
		fprintf(stderr, "%s: logged out\n", prog);
	return (0);
}

/* ---- pull ------------------------------------------------------------ */

/*
 * The library's callback: copies each change (its strings live only
 * during the call). Documents are fetched after the sync, not from inside
 * the callback, so that the client is never used re-entrantly.
 */
static int
change_add(void *arg, const struct hb_change *ch)
{
	struct changes	*cs = arg;
	struct change	*nv;
	size_t		 i;

	/* Only the last change of a document matters. */
	for (i = 0; i < cs->n; i++) {
		if (cs->v[i].document_id != ch->document_id)
			continue;
		free(cs->v[i].slug);
		memmove(&cs->v[i], &cs->v[i + 1],
		    (cs->n - i - 1) * sizeof(cs->v[0]));
		cs->n--;
		break;
	}
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 64;
		if ((nv = realloc(cs->v, cs->cap * sizeof(*nv))) == NULL)
			return (1);
		cs->v = nv;
	}
	cs->v[cs->n].document_id = ch->document_id;
	cs->v[cs->n].version = ch->version;
	cs->v[cs->n].withdrawn = ch->withdrawn;
	if ((cs->v[cs->n].slug = strdup(ch->slug ? ch->slug : "")) == NULL)
		return (1);
	cs->n++;
	return (0);
}

static void
changes_free(struct changes *cs)
{
	size_t	i;

	for (i = 0; i < cs->n; i++)
		free(cs->v[i].slug);
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}

/*
 * On a terminal, one line rewritten with \r; otherwise (a log, a pipe) one
 * plain line per event, so a log reads as a list.
 */
static void
progress_show(struct progress *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->quiet)
		return;
	if (p->tty) {
		fprintf(stderr, "\r%s: %zu/%zu documents (%zu fetched, "
		    "%zu unchanged, %zu removed), %zu media\033[K", prog,
		    p->done, p->total, p->fetched, p->unchanged, p->removed,
		    p->media);
		p->dirty = 1;
		return;
	}
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
progress_end(struct progress *p)
{
	if (p->dirty) {
		fputc('\n', stderr);
		p->dirty = 0;
	}
}

static int
doc_paths(const char *dir, const char *slug, const char *lang,
    char *bundle, char *payload)
{
	int	a, b;

	a = snprintf(bundle, PATH_MAX, "%s/%s.%s.bundle.json", dir, slug,
	    lang);
	b = snprintf(payload, PATH_MAX, "%s/%s.%s.json", dir, slug, lang);
	return (a < 0 || a >= PATH_MAX || b < 0 || b >= PATH_MAX ? -1 : 0);
}

/*
 * Whether a saved copy still holds: the bundle verifies against keys and
 * the payload file is its payload, byte for byte. HB_OK, HB_ERR_SIGNATURE
 * (changed), or why it could not be read.
 */
static enum hb_status
saved_copy_check(const struct hb_keys *keys, const char *bundle,
    const char *payload)
{
	struct hb_bundle *b = NULL;
	char		*text = NULL, *saved = NULL;
	size_t		 len, plen;
	enum hb_status	 st;

	if (file_read(bundle, &text, &len) == -1)
		return (HB_ERR_JOURNAL);
	st = hb_bundle_verify(text, len, keys, &b);
	free(text);
	if (st == HB_OK && (file_read(payload, &saved, &plen) == -1 ||
	    plen != b->payload_len || memcmp(saved, b->payload, plen) != 0))
		st = HB_ERR_SIGNATURE;
	free(saved);
	hb_bundle_free(b);
	return (st);
}

/* Forgets a document's index entries (its files stay). */
static void
index_drop(json_t *idx, int64_t id)
{
	json_t	*docs = json_object_get(idx, "documents");
	size_t	 i;

	for (i = 0; i < json_array_size(docs); ) {
		if (json_integer_value(json_object_get(json_array_get(docs, i),
		    "id")) == id)
			json_array_remove(docs, i);
		else
			i++;
	}
}

/* Removes every index entry of a document and its files. */
static int
remove_document(const char *dir, json_t *idx, int64_t id,
    struct progress *p)
{
	json_t		*docs = json_object_get(idx, "documents"), *e;
	char		 bundle[PATH_MAX], payload[PATH_MAX];
	const char	*slug, *lang;
	size_t		 i;
	int		 removed = 0;

	for (i = 0; i < json_array_size(docs); ) {
		e = json_array_get(docs, i);
		if (json_integer_value(json_object_get(e, "id")) != id) {
			i++;
			continue;
		}
		slug = json_string_value(json_object_get(e, "slug"));
		lang = json_string_value(json_object_get(e, "lang"));
		if (safe_slug(slug) && lang != NULL &&
		    doc_paths(dir, slug, lang, bundle, payload) == 0) {
			if ((unlink(bundle) == -1 && errno != ENOENT) ||
			    (unlink(payload) == -1 && errno != ENOENT)) {
				warnx_("cannot remove %s: %s", bundle,
				    strerror(errno));
				return (EXIT_LOCAL);
			}
			removed = 1;
			progress_show(p, "removed %s (%s): withdrawn", slug,
			    lang);
		}
		json_array_remove(docs, i);
	}
	if (removed) {
		p->removed++;
		dir_sync(bundle);
	}
	return (0);
}

/*
 * Fetches one document's bundle (If-None-Match with the saved ETag),
 * writes the bundle and its payload, fetches the media it lists, and
 * updates its index entry. Returns 0 or an exit code.
 */
static int
pull_document(struct hb_client *c, const struct hb_keys *keys,
    const char *dir, const char *lang, const struct change *ch, json_t *idx,
    struct progress *p)
{
	struct hb_bundle *b = NULL;
	json_t		*entry, *payload = NULL, *media, *m, *shas = NULL;
	json_t		*docs = json_object_get(idx, "documents");
	json_error_t	 err;
	char		 idbuf[32], bundle_path[PATH_MAX];
	char		 payload_path[PATH_MAX], media_path[PATH_MAX];
	const char	*etag = NULL, *sha, *old_slug = NULL, *old_lang = NULL;
	enum hb_status	 st;
	size_t		 i, removed;
	int		 rc = 0;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)ch->document_id);
	entry = index_find(idx, idbuf, lang);
	if (entry != NULL) {
		old_slug = json_string_value(json_object_get(entry, "slug"));
		old_lang = json_string_value(json_object_get(entry, "lang"));
		etag = json_string_value(json_object_get(entry, "etag"));
		/*
		 * A copy deleted or changed on disk is fetched again, not
		 * revalidated: a 304 would keep it as it is.
		 */
		if (!safe_slug(old_slug) || doc_paths(dir, old_slug,
		    old_lang, bundle_path, payload_path) == -1 ||
		    saved_copy_check(keys, bundle_path, payload_path) != HB_OK)
			etag = NULL;
	}
	st = hb_bundle_fetch(c, ch->document_id, lang, keys, etag, &b);
	if (st == HB_ERR_NOT_MODIFIED) {
		p->unchanged++;
		progress_show(p, "unchanged %s", ch->slug);
		/* The media of the saved copy may still be missing. */
		shas = json_incref(json_object_get(entry, "media"));
		goto media;
	}
	if (st == HB_ERR_REFUSED && hb_client_http_status(c) == 404) {
		/*
		 * Published, then hidden from this member (moved to another
		 * cell, withdrawn since): as good as withdrawn here.
		 */
		return (remove_document(dir, idx, ch->document_id, p));
	}
	if (st != HB_OK) {
		progress_end(p);
		return (client_fail(c, st, ch->slug));
	}
	if (!safe_slug(b->slug) || b->lang == NULL ||
	    (strcmp(b->lang, "vi") != 0 && strcmp(b->lang, "km") != 0)) {
		progress_end(p);
		warnx_("document %lld: a slug or language that cannot be a "
		    "file name; skipped", (long long)ch->document_id);
		rc = EXIT_REFUSED;
		goto done;
	}
	if ((payload = json_loadb((const char *)b->payload, b->payload_len,
	    JSON_REJECT_DUPLICATES, &err)) == NULL) {
		progress_end(p);
		warnx_("%s: the signed payload is not JSON (%s)", b->slug,
		    err.text);
		rc = EXIT_NETWORK;
		goto done;
	}
	/*
	 * The document may have changed slug or language: files under the
	 * old names go; under the same names they are simply replaced.
	 */
	if (entry != NULL && (old_slug == NULL || strcmp(old_slug,
	    b->slug) != 0 || old_lang == NULL || strcmp(old_lang,
	    b->lang) != 0)) {
		removed = p->removed;
		if ((rc = remove_document(dir, idx, ch->document_id, p)) != 0)
			goto done;
		p->removed = removed;	/* replaced, not withdrawn */
	} else if (entry != NULL)
		index_drop(idx, ch->document_id);
	entry = NULL;
	if (doc_paths(dir, b->slug, b->lang, bundle_path, payload_path) ==
	    -1) {
		warnx_("%s: folder name too long", dir);
		rc = EXIT_LOCAL;
		goto done;
	}
	/* The payload first: a bundle on disk always has its text. */
	if (file_write_atomic(payload_path, b->payload, b->payload_len,
	    0644) == -1 ||
	    file_write_atomic(bundle_path, b->json, b->json_len, 0644) ==
	    -1) {
		progress_end(p);
		warnx_("cannot write %s: %s", bundle_path, strerror(errno));
		rc = EXIT_LOCAL;
		goto done;
	}
	if ((shas = json_array()) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	media = json_object_get(payload, "media");
	json_array_foreach(media, i, m) {
		sha = json_string_value(json_object_get(m, "sha256"));
		if (safe_sha256(sha))
			json_array_append_new(shas, json_string(sha));
	}
	entry = json_pack("{s:I, s:s, s:s, s:I, s:s?, s:O, s:I}",
	    "id", (json_int_t)ch->document_id, "slug", b->slug,
	    "lang", b->lang, "version", (json_int_t)b->version,
	    "etag", b->etag, "media", shas, "sections",
	    (json_int_t)json_array_size(json_object_get(payload, "sections")));
	if (entry == NULL || json_array_append_new(docs, entry) == -1) {
		rc = EXIT_LOCAL;
		goto done;
	}
	p->fetched++;
	progress_show(p, "fetched %s (%s) version %lld", b->slug, b->lang,
	    (long long)b->version);

media:
	json_array_foreach(shas, i, m) {
		sha = json_string_value(m);
		if (!safe_sha256(sha) || snprintf(media_path,
		    sizeof(media_path), "%s/media/%s", dir, sha) >=
		    (int)sizeof(media_path))
			continue;
		if (access(media_path, F_OK) == 0)
			continue;
		st = hb_media_fetch(c, sha, media_path);
		if (st != HB_OK) {
			progress_end(p);
			rc = client_fail(c, st, sha);
			goto done;
		}
		p->media++;
		progress_show(p, "fetched media/%s", sha);
	}
done:
	json_decref(shas);
	json_decref(payload);
	hb_bundle_free(b);
	return (rc);
}

/*
 * The published keys as fetched, so that the bundles in the folder can be
 * checked again offline (hbverify BUNDLE keys.json, or hb_keys_parse).
 */
static int
keys_save(const struct hb_keys *keys)
{
	char		 path[PATH_MAX];
	const char	*json;
	size_t		 len = 0;

	if ((json = hb_keys_json(keys, &len)) == NULL)
		return (0);
	if (state_path(path, sizeof(path), "keys.json") == -1 ||
	    file_write_atomic(path, json, len, 0644) == -1) {
		warnx_("cannot write %s: %s", path, strerror(errno));
		return (EXIT_LOCAL);
	}
	return (0);
}

/* Removes media no pulled document lists any more. */
static void
media_prune(const char *dir, json_t *idx)
{
	json_t		*docs = json_object_get(idx, "documents"), *e, *m;
	char		 path[PATH_MAX];
	struct dirent	*de;
	DIR		*d;
	size_t		 i, k;
	int		 used;

	if (snprintf(path, sizeof(path), "%s/media", dir) >=
	    (int)sizeof(path) || (d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!safe_sha256(de->d_name))
			continue;
		used = 0;
		json_array_foreach(docs, i, e) {
			json_array_foreach(json_object_get(e, "media"), k, m)
				if (json_string_value(m) != NULL &&
				    strcmp(json_string_value(m),
				    de->d_name) == 0)
					used = 1;
		}
		if (!used && snprintf(path, sizeof(path), "%s/media/%s", dir,
		    de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
}

static int
cmd_pull(const struct opts *o, int argc, char **argv)
{
	struct hb_client *c = NULL;
	struct hb_keys	*keys = NULL;
	struct changes	 cs;
	struct progress	 p;
	json_t		*idx = NULL;
	char		 dir[PATH_MAX], path[PATH_MAX], lockpath[PATH_MAX];
	char		*cursor = NULL, *next = NULL;
	const char	*old_dir, *old_lang;
	enum hb_status	 st;
	size_t		 i;
	int		 rc, lockfd = -1, same, keys_saved = 0;

	memset(&cs, 0, sizeof(cs));
	memset(&p, 0, sizeof(p));
	if (argc != 1) {
		warnx_("usage: hbsync pull DIR [--lang vi|km] [--full]");
		return (EXIT_USAGE);
	}
	if (o->lang != NULL && strcmp(o->lang, "vi") != 0 &&
	    strcmp(o->lang, "km") != 0) {
		warnx_("--lang is vi or km");
		return (EXIT_USAGE);
	}
	if ((mkdir(argv[0], 0755) == -1 && errno != EEXIST) ||
	    realpath(argv[0], dir) == NULL ||
	    snprintf(path, sizeof(path), "%s/media", dir) >=
	    (int)sizeof(path) ||
	    (mkdir(path, 0755) == -1 && errno != EEXIST)) {
		warnx_("cannot use the folder %s: %s", argv[0],
		    strerror(errno));
		return (EXIT_LOCAL);
	}
	/* Two pulls at once would race on the index and the cursor. */
	if (state_path(lockpath, sizeof(lockpath), "pull.lock") == -1 ||
	    (lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
	    -1 || flock(lockfd, LOCK_EX | LOCK_NB) == -1) {
		warnx_("cannot lock %s (%s): is another hbsync pull running?",
		    lockpath, strerror(errno));
		if (lockfd != -1)
			close(lockfd);
		return (EXIT_LOCAL);
	}
	if ((rc = client_open(o, &c, 1)) != 0)
		goto done;
	if ((idx = index_load()) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	/*
	 * The cursor is worth something only for the folder and language it
	 * was made for: another folder or language starts from the beginning
	 * (documents pulled before are revalidated by their ETags).
	 */
	old_dir = json_string_value(json_object_get(idx, "dir"));
	old_lang = json_string_value(json_object_get(idx, "lang"));
	same = old_dir != NULL && strcmp(old_dir, dir) == 0 &&
	    ((old_lang == NULL && o->lang == NULL) || (old_lang != NULL &&
	    o->lang != NULL && strcmp(old_lang, o->lang) == 0));
	if (!same) {
		json_decref(idx);
		idx = json_pack("{s:s, s:s?, s:[]}", "dir", dir, "lang",
		    o->lang, "documents");
		if (idx == NULL) {
			rc = EXIT_LOCAL;
			goto done;
		}
	}
	if (state_path(path, sizeof(path), "cursor") == -1) {
		rc = EXIT_LOCAL;
		goto done;
	}
	if (same && !o->full && file_read(path, &cursor, NULL) == 0)
		cursor[strcspn(cursor, "\r\n")] = '\0';
	else if (same && !o->full && errno != ENOENT) {
		warnx_("cannot read %s: %s", path, strerror(errno));
		rc = EXIT_LOCAL;
		goto done;
	}
	if (o->full) {
		/* Every document the member may read, revalidated. */
		free(cursor);
		cursor = NULL;
	}

	st = hb_sync(c, cursor, change_add, &cs, &next);
	if (st != HB_OK) {
		rc = client_fail(c, st, "sync");
		goto done;
	}
	p.tty = isatty(STDERR_FILENO);
	p.quiet = o->quiet;
	p.total = cs.n;
	for (i = 0; i < cs.n; i++) {
		if (cs.v[i].withdrawn) {
			rc = remove_document(dir, idx, cs.v[i].document_id,
			    &p);
		} else {
			if (keys == NULL &&
			    (st = hb_keys_fetch(c, &keys)) != HB_OK) {
				progress_end(&p);
				rc = client_fail(c, st, "signing keys");
				goto done;
			}
			if (!keys_saved && (rc = keys_save(keys)) != 0)
				goto done;
			keys_saved = 1;
			rc = pull_document(c, keys, dir, o->lang, &cs.v[i],
			    idx, &p);
		}
		if (rc != 0)
			goto done;
		p.done++;
		progress_show(&p, "%zu/%zu", p.done, p.total);
	}
	progress_end(&p);
	media_prune(dir, idx);
	/* The index before the cursor: a crash between them only re-asks. */
	if (index_save(idx) == -1 || file_write_atomic(path, next,
	    strlen(next), 0600) == -1) {
		warnx_("cannot save the state in %s: %s", state_dir,
		    strerror(errno));
		rc = EXIT_LOCAL;
		goto done;
	}
	if (!o->quiet)
		fprintf(stderr, "%s: %zu changes: %zu fetched, %zu unchanged, "
		    "%zu removed, %zu media\n", prog, cs.n, p.fetched,
		    p.unchanged, p.removed, p.media);
done:
	progress_end(&p);
	/*
	 * A failed pull keeps what it wrote (each file is whole and
	 * verified) and saves the index of it, but never the cursor: the
	 * next pull asks for the same changes again.
	 */
	if (rc != 0 && idx != NULL && cs.n > 0)
		index_save(idx);
	json_decref(idx);
	changes_free(&cs);
	hb_keys_free(keys);
	free(cursor);
	free(next);
	hb_client_free(c);
	close(lockfd);
	return (rc);
}

/* ---- journal: read, push, status ------------------------------------- */

static int
journal_open(struct hb_journal **j)
{
	char		 path[PATH_MAX];
	enum hb_status	 st;

	if (state_path(path, sizeof(path), "journal.hbj") == -1)
		return (EXIT_LOCAL);
	if ((st = hb_journal_open(path, j)) != HB_OK) {
		warnx_("journal %s: %s", path, hb_status_text(st));
		if (st == HB_ERR_LOCKED)
			fprintf(stderr, "%s: another hbsync is using it; "
			    "wait for it to finish\n", prog);
		else
			fprintf(stderr, "%s: the journal is damaged or cannot "
			    "be written; keep a copy of it before anything "
			    "else\n", prog);
		return (EXIT_LOCAL);
	}
	return (0);
}

static int
cmd_read(const struct opts *o, int argc, char **argv)
{
	struct hb_journal *j;
	struct hb_event	 ev;
	json_t		*idx, *e;
	const char	*lang;
	char		*end;
	long		 sections[12], n = 0, max;
	int64_t		 document_id, version;
	enum hb_status	 st;
	int		 i, rc;

	if (o->opened + o->completed > 1 || argc < 1 ||
	    ((o->opened || o->completed) ? argc != 1 : (argc < 2 ||
	    argc > 13))) {
		warnx_("usage: hbsync read DOC SECTION... [--lang vi|km] "
		    "[--version N] [--seconds S], or hbsync read DOC "
		    "--opened | --completed");
		return (EXIT_USAGE);
	}
	for (i = 1; i < argc; i++) {
		errno = 0;
		sections[n] = strtol(argv[i], &end, 10);
		if (*argv[i] == '\0' || *end != '\0' || sections[n] < 1 ||
		    sections[n] > 12) {
			warnx_("SECTION is a core point, 1 to 12");
			return (EXIT_USAGE);
		}
		n++;
	}
	if (o->seconds < 0 || o->seconds > 14400) {
		warnx_("--seconds is 0 to 14400");
		return (EXIT_USAGE);
	}
	if ((idx = index_load()) == NULL)
		return (EXIT_LOCAL);
	if ((e = index_find(idx, argv[0], o->lang)) == NULL) {
		warnx_("no pulled document %s%s%s: run hbsync pull first, or "
		    "check the name (hbsync status lists them)", argv[0],
		    o->lang ? " in " : "", o->lang ? o->lang : "");
		json_decref(idx);
		return (EXIT_USAGE);
	}
	/*
	 * The pulled text says how many core points there are: a section
	 * past them would only come back "unknown_section" at the next push,
	 * kept in the journal as rejected, so it is refused here. An event
	 * for another --version than the pulled one is not checked.
	 */
	max = (long)json_integer_value(json_object_get(e, "sections"));
	for (i = 0; i < n && o->version == 0 && max > 0; i++) {
		if (sections[i] > max) {
			warnx_("%s has %ld core points, not %ld", argv[0], max,
			    sections[i]);
			json_decref(idx);
			return (EXIT_USAGE);
		}
	}
	document_id = json_integer_value(json_object_get(e, "id"));
	version = o->version > 0 ? o->version :
	    json_integer_value(json_object_get(e, "version"));
	lang = json_string_value(json_object_get(e, "lang"));
	lang = lang != NULL && strcmp(lang, "km") == 0 ? "km" : "vi";
	json_decref(idx);

	if ((rc = journal_open(&j)) != 0)
		return (rc);
	/* One event per section read (one for --opened or --completed). */
	for (i = 0; i < (n > 0 ? n : 1); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = o->opened ? HB_EVENT_OPENED : o->completed ?
		    HB_EVENT_COMPLETED : HB_EVENT_SECTION_READ;
		ev.document_id = document_id;
		ev.version = version;
		ev.lang = lang;
		ev.section = n > 0 ? (int)sections[i] : 0;
		ev.seconds = o->seconds;
		ev.occurred_at = 0;	/* now */
		if ((st = hb_journal_record(j, &ev)) != HB_OK) {
			warnx_("cannot record the event: %s",
			    hb_status_text(st));
			hb_journal_close(j);
			return (EXIT_LOCAL);
		}
		/*
		 * The id of each event once it is on disk, for scripts that
		 * follow events: an id printed is an event kept.
		 */
		printf("%s\n", ev.id);
		if (fflush(stdout) == EOF) {
			hb_journal_close(j);
			return (EXIT_LOCAL);
		}
	}
	hb_journal_close(j);
	return (0);
}

/*
 * Checks the pulled folder again, offline: each document's saved bundle
 * against the keys saved at the last pull, and its payload file against
 * the bundle's verified payload. For a folder copied from a memory card,
 * or a disk one no longer trusts.
 */
static int
cmd_verify(const struct opts *o, int argc, char **argv)
{
	struct hb_keys	*keys = NULL;
	json_t		*idx = NULL, *e;
	char		 path[PATH_MAX], bundle[PATH_MAX], payload[PATH_MAX];
	char		*text = NULL;
	const char	*dir, *slug, *lang;
	size_t		 len, i, good = 0, bad = 0;
	enum hb_status	 st;
	int		 rc = 0;

	if (argc != 0) {
		warnx_("usage: hbsync verify");
		return (EXIT_USAGE);
	}
	if ((idx = index_load()) == NULL)
		return (EXIT_LOCAL);
	if ((dir = json_string_value(json_object_get(idx, "dir"))) == NULL) {
		warnx_("nothing pulled yet: run hbsync pull DIR");
		json_decref(idx);
		return (EXIT_USAGE);
	}
	if (state_path(path, sizeof(path), "keys.json") == -1 ||
	    file_read(path, &text, &len) == -1) {
		warnx_("cannot read %s: %s (pull again)", path,
		    strerror(errno));
		json_decref(idx);
		return (EXIT_LOCAL);
	}
	st = hb_keys_parse(text, len, &keys);
	free(text);
	text = NULL;
	if (st != HB_OK) {
		warnx_("%s: %s (pull again)", path, hb_status_text(st));
		json_decref(idx);
		return (EXIT_LOCAL);
	}
	json_array_foreach(json_object_get(idx, "documents"), i, e) {
		slug = json_string_value(json_object_get(e, "slug"));
		lang = json_string_value(json_object_get(e, "lang"));
		if (!safe_slug(slug) || lang == NULL ||
		    doc_paths(dir, slug, lang, bundle, payload) == -1)
			continue;
		st = saved_copy_check(keys, bundle, payload);
		if (st != HB_OK) {
			warnx_("%s (%s): %s", slug, lang, st == HB_ERR_SIGNATURE ?
			    "changed since it was signed (the bundle or its "
			    "payload file)" : st == HB_ERR_JOURNAL ?
			    "cannot be read" : hb_status_text(st));
			bad++;
			if (st == HB_ERR_SIGNATURE)
				rc = EXIT_SIGNATURE;
		} else
			good++;
	}
	hb_keys_free(keys);
	json_decref(idx);
	if (!o->quiet)
		fprintf(stderr, "%s: %zu verified, %zu refused\n", prog, good,
		    bad);
	if (bad > 0 && rc == 0)
		rc = EXIT_LOCAL;
	if (rc == EXIT_SIGNATURE)
		fprintf(stderr, "%s: pull with --full to fetch good copies\n",
		    prog);
	return (rc);
}

static int
cmd_push(const struct opts *o, int argc, char **argv)
{
	struct hb_client *c;
	struct hb_journal *j;
	struct hb_push_result r;
	enum hb_status	 st;
	int		 rc;

	if (argc != 0) {
		warnx_("usage: hbsync push");
		return (EXIT_USAGE);
	}
	if ((rc = client_open(o, &c, 1)) != 0)
		return (rc);
	if ((rc = journal_open(&j)) != 0) {
		hb_client_free(c);
		return (rc);
	}
	memset(&r, 0, sizeof(r));
	st = hb_push(c, j, &r);
	/* What happened is worth printing even when the push stopped. */
	printf("sent %zu: accepted %zu, duplicate %zu, rejected %zu, "
	    "pending %zu\n", r.sent, r.accepted, r.duplicate, r.rejected,
	    r.pending);
	fflush(stdout);
	rc = st == HB_OK ? 0 : client_fail(c, st, "push");
	if (st == HB_OK && r.rejected > 0 && !o->quiet)
		fprintf(stderr, "%s: %zu events were refused for good and are "
		    "kept in the journal (hbsync status counts them)\n", prog,
		    r.rejected);
	hb_journal_close(j);
	hb_client_free(c);
	return (rc);
}

static int
cmd_status(const struct opts *o, int argc, char **argv)
{
	struct config	 cfg;
	struct hb_journal *j;
	struct hb_event	 ev;
	json_t		*idx, *e;
	char		 path[PATH_MAX];
	char		*token, *cursor = NULL;
	const char	*reason;
	const char	*dir;
	size_t		 i, n = 0;
	int		 rc;

	if (argc != 0) {
		warnx_("usage: hbsync status");
		return (EXIT_USAGE);
	}
	if ((rc = config_load(&cfg)) == -1)
		return (EXIT_LOCAL);
	printf("state:     %s\n", state_dir);
	printf("server:    %s\n", rc == 0 ? cfg.server : "(none)");
	if (rc == 0 && cfg.pin != NULL)
		printf("pin:       %s\n", cfg.pin);
	config_free(&cfg);
	token = token_load();
	printf("logged in: %s\n", token != NULL ? "yes (token saved)" : "no");
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (state_path(path, sizeof(path), "cursor") == 0 &&
	    file_read(path, &cursor, NULL) == 0)
		cursor[strcspn(cursor, "\r\n")] = '\0';
	printf("cursor:    %s\n", cursor != NULL ? cursor : "(none)");
	free(cursor);
	if ((idx = index_load()) == NULL)
		return (EXIT_LOCAL);
	dir = json_string_value(json_object_get(idx, "dir"));
	printf("folder:    %s\n", dir != NULL ? dir : "(never pulled)");
	n = json_array_size(json_object_get(idx, "documents"));
	printf("documents: %zu\n", n);
	if (!o->quiet) {
		json_array_foreach(json_object_get(idx, "documents"), i, e)
			printf("  %lld %s (%s) version %lld\n",
			    (long long)json_integer_value(json_object_get(e,
			    "id")),
			    json_string_value(json_object_get(e, "slug")),
			    json_string_value(json_object_get(e, "lang")),
			    (long long)json_integer_value(json_object_get(e,
			    "version")));
	}
	json_decref(idx);
	if ((rc = journal_open(&j)) != 0)
		return (rc);
	printf("pending:   %zu\n", hb_journal_pending(j));
	printf("rejected:  %zu\n", hb_journal_rejected(j));
	for (i = 0; !o->quiet && i < hb_journal_rejected(j); i++) {
		if (hb_journal_rejected_get(j, i, &ev, &reason) != HB_OK)
			break;
		printf("  %s document %lld version %lld: %s\n", ev.id,
		    (long long)ev.document_id, (long long)ev.version,
		    reason != NULL ? reason : "");
	}
	hb_journal_close(j);
	return (fflush(stdout) == EOF ? EXIT_LOCAL : 0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state",		required_argument, NULL, 'S' },
		{ "server",		required_argument, NULL, 's' },
		{ "ca",			required_argument, NULL, 'c' },
		{ "pin",		required_argument, NULL, 'p' },
		{ "password-file",	required_argument, NULL, 'P' },
		{ "lang",		required_argument, NULL, 'l' },
		{ "version",		required_argument, NULL, 'v' },
		{ "seconds",		required_argument, NULL, 't' },
		{ "opened",		no_argument,	   NULL, 'o' },
		{ "completed",		no_argument,	   NULL, 'C' },
		{ "full",		no_argument,	   NULL, 'f' },
		{ "quiet",		no_argument,	   NULL, 'q' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 }
	};
	static const struct {
		const char	*name;
		int		(*fn)(const struct opts *, int, char **);
	} cmds[] = {
		{ "login", cmd_login }, { "logout", cmd_logout },
		{ "pull", cmd_pull }, { "read", cmd_read },
		{ "push", cmd_push }, { "status", cmd_status },
		{ "verify", cmd_verify },
	};
	struct opts	 o;
	char		*end;
	size_t		 i;
	int		 ch;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S': o.state = optarg; break;
		case 's': o.server = optarg; break;
		case 'c': o.ca = optarg; break;
		case 'p': o.pin = optarg; break;
		case 'P': o.password_file = optarg; break;
		case 'l': o.lang = optarg; break;
		case 'o': o.opened = 1; break;
		case 'C': o.completed = 1; break;
		case 'f': o.full = 1; break;
		case 'q': o.quiet = 1; break;
		case 'v':
			errno = 0;
			o.version = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    o.version < 1) {
				warnx_("--version is a version number");
				return (EXIT_USAGE);
			}
			break;
		case 't':
			errno = 0;
			o.seconds = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0) {
				warnx_("--seconds is a number of seconds");
				return (EXIT_USAGE);
			}
			break;
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return (EXIT_USAGE);
	}
	if (o.lang != NULL && strcmp(o.lang, "vi") != 0 &&
	    strcmp(o.lang, "km") != 0) {
		warnx_("--lang is vi or km");
		return (EXIT_USAGE);
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if (state_init(o.state) == -1)
			return (EXIT_LOCAL);
		return (cmds[i].fn(&o, argc - 1, argv + 1));
	}
	warnx_("unknown command %s (hbsync --help lists them)", argv[0]);
	return (EXIT_USAGE);
}
