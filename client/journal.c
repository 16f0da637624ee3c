/*
 * journal.c: the reading journal, the part of the library that must not
 * lose what a member did while offline. One append-only text file, one
 * record per line, each line ending in a space and 16 hex digits: the
 * first 8 bytes of BLAKE2b (crypto_generichash) of the text before it.
 *
 *	H 1                                       format, first line
 *	E <uuid> <kind> <doc> <version> <lang> <section> <occurred_at> <seconds>
 *	A <uuid>                                  accepted: done
 *	D <uuid> <reason>                         duplicate: done, dropped
 *	R <uuid> <reason>                         rejected for good: kept
 *
 * A record is one write() followed by fdatasync() before the call
 * returns; a push's verdicts for one batch are one write() and one sync
 * before the next batch goes. Opening replays the file: a damaged last
 * line is what a crash in the middle of a write leaves (a prefix, or a
 * page of zeros), so it is cut off; a damaged line with a good one after
 * it cannot come from a crash and is refused (HB_ERR_JOURNAL) rather than
 * guessed at. A verdict for an unknown id, or an id recorded twice, is
 * damage too. Compaction writes the events still kept to a new file,
 * syncs it, renames it over the old one and syncs the folder, so that
 * either the old or the new file is found after a crash, whole. The lock
 * is an open-file-description lock (F_OFD_SETLK): it conflicts between
 * two opens even in one process, unlike classic fcntl locks, and is taken
 * on the new file before the rename so there is no moment without it.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "client_internal.h"

#define SUM_BYTES	8
#define LINE_MAX_J	512

struct hb_journal {
	char		*path;
	int		 fd;
	off_t		 size;		/* bytes of good records */
	struct hb_jevent *ev;
	size_t		 n, cap;
	size_t		*slots;		/* hash of ids: index + 1, 0 empty */
	size_t		 nslots;
	size_t		 pending, rejected, done;
};

static const char *kinds[] = { "opened", "section_read", "completed" };

const char *
hb_event_kind_name(enum hb_event_kind k)
{
	if ((unsigned)k > HB_EVENT_COMPLETED)
		return (NULL);
	return (kinds[k]);
}

void
hb_uuid7(char out[37])
{
	unsigned char	b[16];
	struct timespec	ts;
	uint64_t	ms;
	int		i, o = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	randombytes_buf(b + 6, sizeof(b) - 6);
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (8 * (5 - i)));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));	/* version 7 */
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));	/* RFC 4122 variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		snprintf(out + o, 3, "%02x", b[i]);
		o += 2;
	}
	out[36] = '\0';
}

/* 8-4-4-4-12 hex, turned to lower case in place. */
static int
uuid_ok(char *s)
{
	int	i;

	if (strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i]))
			return (0);
		else
			s[i] = (char)tolower((unsigned char)s[i]);
	}
	return (1);
}

/* ---- the id index --------------------------------------------------- */

static size_t
id_hash(const char *id)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return ((size_t)h);
}

static size_t
find(const struct hb_journal *j, const char *id)
{
	size_t	i;

	if (j->nslots == 0)
		return ((size_t)-1);
	for (i = id_hash(id) & (j->nslots - 1); j->slots[i] != 0;
	    i = (i + 1) & (j->nslots - 1))
		if (strcmp(j->ev[j->slots[i] - 1].id, id) == 0)
			return (j->slots[i] - 1);
	return ((size_t)-1);
}

static int
reindex(struct hb_journal *j, size_t want)
{
	size_t	n = 64, k, i;

	while (n < want * 2)
		n *= 2;
	free(j->slots);
	if ((j->slots = calloc(n, sizeof(*j->slots))) == NULL) {
		j->nslots = 0;
		return (-1);
	}
	j->nslots = n;
	for (k = 0; k < j->n; k++) {
		for (i = id_hash(j->ev[k].id) & (n - 1); j->slots[i] != 0;
		    i = (i + 1) & (n - 1))
			;
		j->slots[i] = k + 1;
	}
	return (0);
}

/* Adds an event in memory (state pending). */
static int
add_event(struct hb_journal *j, const struct hb_jevent *e)
{
	struct hb_jevent *nev;
	size_t		 i;

	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		if ((nev = realloc(j->ev, j->cap * sizeof(*nev))) == NULL)
			return (-1);
		j->ev = nev;
	}
	j->ev[j->n++] = *e;
	if (j->n * 2 > j->nslots)
		return (reindex(j, j->n));
	for (i = id_hash(e->id) & (j->nslots - 1); j->slots[i] != 0;
	    i = (i + 1) & (j->nslots - 1))
		;
	j->slots[i] = j->n;
	return (0);
}

/* ---- lines ------------------------------------------------------------ */

/* Appends " <sum>\n" to a record of len bytes in buf (room for 18 more). */
static size_t
seal(char *buf, size_t len)
{
	unsigned char	sum[SUM_BYTES];

	crypto_generichash(sum, sizeof(sum), (unsigned char *)buf, len, NULL, 0);
	buf[len++] = ' ';
	sodium_bin2hex(buf + len, 17, sum, sizeof(sum));
	len += 16;
	buf[len++] = '\n';
	return (len);
}

/* A line without its newline: checks the sum and cuts it off. */
static int
unseal(char *line, size_t len)
{
	unsigned char	sum[SUM_BYTES];
	char		hex[17];

	if (len < 18 || line[len - 17] != ' ' || memchr(line, '\0', len))
		return (-1);
	crypto_generichash(sum, sizeof(sum), (unsigned char *)line, len - 17,
	    NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	if (memcmp(hex, line + len - 16, 16) != 0)
		return (-1);
	line[len - 17] = '\0';
	return (0);
}

static size_t
format_event(char *buf, size_t cap, const struct hb_jevent *e)
{
	int	n;

	n = snprintf(buf, cap, "E %s %s %" PRId64 " %" PRId64 " %s %d %"
	    PRId64 " %d", e->id, kinds[e->kind], e->document_id, e->version,
	    e->lang, e->section, e->occurred_at, e->seconds);
	return (seal(buf, (size_t)n));
}

static size_t
format_verdict(char *buf, size_t cap, const struct hb_jevent *e)
{
	int	n;

	if (e->state == HB_J_DONE && e->reason[0] == '\0')
		n = snprintf(buf, cap, "A %s", e->id);
	else
		n = snprintf(buf, cap, "%c %s %s",
		    e->state == HB_J_DONE ? 'D' : 'R', e->id, e->reason);
	return (seal(buf, (size_t)n));
}

static int
valid_event(const struct hb_jevent *e)
{
	return ((unsigned)e->kind <= HB_EVENT_COMPLETED &&
	    e->document_id > 0 && e->version > 0 &&
	    (strcmp(e->lang, "vi") == 0 || strcmp(e->lang, "km") == 0) &&
	    e->section >= 0 && e->section <= 12 &&
	    (e->kind != HB_EVENT_SECTION_READ || e->section >= 1) &&
	    e->seconds >= 0 && e->seconds <= 14400 && e->occurred_at > 0);
}

/* Applies one checked line; -1 when it makes no sense (damage). */
static int
apply(struct hb_journal *j, char *line, int first)
{
	struct hb_jevent e;
	char		 id[64], kind[32], lang[8], reason[64];
	size_t		 k;
	int		 n = 0;

	if (first)
		return (strcmp(line, "H 1") == 0 ? 0 : -1);
	if (line[0] == 'E') {
		memset(&e, 0, sizeof(e));
		if (sscanf(line, "E %63s %31s %" SCNd64 " %" SCNd64 " %7s %d %"
		    SCNd64 " %d%n", id, kind, &e.document_id, &e.version, lang,
		    &e.section, &e.occurred_at, &e.seconds, &n) != 8 ||
		    line[n] != '\0' || !uuid_ok(id) || strlen(lang) != 2)
			return (-1);
		for (k = 0; k <= HB_EVENT_COMPLETED; k++)
			if (strcmp(kind, kinds[k]) == 0)
				break;
		if (k > HB_EVENT_COMPLETED)
			return (-1);
		e.kind = (enum hb_event_kind)k;
		memcpy(e.id, id, 37);
		memcpy(e.lang, lang, 3);
		e.state = HB_J_PENDING;
		if (!valid_event(&e) || find(j, e.id) != (size_t)-1)
			return (-1);
		if (add_event(j, &e) != 0)
			return (-2);
		j->pending++;
		return (0);
	}
	reason[0] = '\0';
	if (line[0] == 'A') {
		if (sscanf(line, "A %63s%n", id, &n) != 1 || line[n] != '\0')
			return (-1);
	} else if (line[0] == 'D' || line[0] == 'R') {
		if (sscanf(line + 1, " %63s %47s%n", id, reason, &n) != 2 ||
		    line[1 + n] != '\0')
			return (-1);
	} else
		return (-1);
	if (!uuid_ok(id) || (k = find(j, id)) == (size_t)-1 ||
	    j->ev[k].state != HB_J_PENDING)
		return (-1);
	j->pending--;
	if (line[0] == 'R') {
		j->ev[k].state = HB_J_REJECTED;
		j->rejected++;
	} else {
		j->ev[k].state = HB_J_DONE;
		j->done++;
	}
	snprintf(j->ev[k].reason, sizeof(j->ev[k].reason), "%s", reason);
	return (0);
}

static enum hb_status
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return (HB_ERR_JOURNAL);
		buf += w;
		len -= (size_t)w;
	}
	return (HB_OK);
}

/* Appends bytes as one write and syncs; on failure cuts back. */
static enum hb_status
append(struct hb_journal *j, const char *buf, size_t len)
{
	if (write_all(j->fd, buf, len) != HB_OK || fdatasync(j->fd) != 0) {
		/* Leave no half record behind for the next open to judge. */
		(void)ftruncate(j->fd, j->size);
		(void)lseek(j->fd, j->size, SEEK_SET);
		return (HB_ERR_JOURNAL);
	}
	j->size += (off_t)len;
	return (HB_OK);
}

static int
lock_fd(int fd)
{
	struct flock	fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return (fcntl(fd, F_OFD_SETLK, &fl));
}

/* Reads the file and replays it; cuts a torn last line. */
static enum hb_status
replay(struct hb_journal *j)
{
	struct stat	 sb;
	char		*data = NULL, *p, *nl, *end;
	size_t		 len, off = 0, good = 0, lineno = 0;
	ssize_t		 r;
	enum hb_status	 st = HB_OK;
	int		 rc, bad = 0;

	if (fstat(j->fd, &sb) != 0)
		return (HB_ERR_JOURNAL);
	len = (size_t)sb.st_size;
	if ((data = malloc(len + 1)) == NULL)
		return (HB_ERR_MEMORY);
	while (off < len) {
		r = pread(j->fd, data + off, len - off, (off_t)off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(data);
			return (HB_ERR_JOURNAL);
		}
		off += (size_t)r;
	}
	end = data + len;
	for (p = data; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			/* No newline: the crash came mid-write. */
			bad = 1;
			break;
		}
		if (bad) {
			/* A damaged line followed by another one. */
			st = HB_ERR_JOURNAL;
			goto done;
		}
		if (unseal(p, (size_t)(nl - p)) != 0) {
			bad = 1;
			continue;
		}
		/* A whole line that makes no sense is no torn write. */
		if ((rc = apply(j, p, lineno == 0)) != 0) {
			st = rc == -2 ? HB_ERR_MEMORY : HB_ERR_JOURNAL;
			goto done;
		}
		lineno++;
		good = (size_t)(nl + 1 - data);
	}
	j->size = (off_t)good;
	if (good < len) {
		if (ftruncate(j->fd, (off_t)good) != 0 || fsync(j->fd) != 0) {
			st = HB_ERR_JOURNAL;
			goto done;
		}
	}
	if (lseek(j->fd, j->size, SEEK_SET) == -1) {
		st = HB_ERR_JOURNAL;
		goto done;
	}
	if (lineno == 0) {
		char	h[32];
		size_t	hl;

		/* A new (or torn new) journal: its format line first. */
		memcpy(h, "H 1", 3);
		hl = seal(h, 3);
		if (append(j, h, hl) != HB_OK || hb_fsync_dir(j->path) != 0)
			st = HB_ERR_JOURNAL;
	}
done:
	free(data);
	return (st);
}

enum hb_status
hb_journal_open(const char *path, struct hb_journal **jp)
{
	struct hb_journal *j;
	enum hb_status	 st;

	if (path == NULL || jp == NULL)
		return (HB_ERR_ARGUMENT);
	*jp = NULL;
	if (sodium_init() < 0)
		return (HB_ERR_MEMORY);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return (HB_ERR_MEMORY);
	j->fd = -1;
	if ((j->path = strdup(path)) == NULL || reindex(j, 0) != 0) {
		hb_journal_close(j);
		return (HB_ERR_MEMORY);
	}
	if ((j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		hb_journal_close(j);
		return (HB_ERR_JOURNAL);
	}
	if (lock_fd(j->fd) != 0) {
		st = (errno == EAGAIN || errno == EACCES) ? HB_ERR_LOCKED :
		    HB_ERR_JOURNAL;
		hb_journal_close(j);
		return (st);
	}
	if ((st = replay(j)) != HB_OK) {
		hb_journal_close(j);
		return (st);
	}
	/* Left over from a crash between a push and its compaction. */
	if (j->pending == 0 && j->done > 0 &&
	    (st = hb_journal_compact(j)) != HB_OK) {
		hb_journal_close(j);
		return (st);
	}
	*jp = j;
	return (HB_OK);
}

void
hb_journal_close(struct hb_journal *j)
{
	if (j == NULL)
		return;
	if (j->fd != -1)
		close(j->fd);	/* releases the lock */
	free(j->path);
	free(j->ev);
	free(j->slots);
	free(j);
}

enum hb_status
hb_journal_record(struct hb_journal *j, struct hb_event *ev)
{
	struct hb_jevent e;
	char		 line[LINE_MAX_J];
	size_t		 len;
	enum hb_status	 st;

	if (j == NULL || ev == NULL || ev->lang == NULL)
		return (HB_ERR_ARGUMENT);
	memset(&e, 0, sizeof(e));
	if (ev->id[0] == '\0')
		hb_uuid7(e.id);
	else {
		if (strnlen(ev->id, sizeof(ev->id)) != 36)
			return (HB_ERR_ARGUMENT);
		memcpy(e.id, ev->id, 37);
		if (!uuid_ok(e.id) || find(j, e.id) != (size_t)-1)
			return (HB_ERR_ARGUMENT);
	}
	e.kind = ev->kind;
	e.document_id = ev->document_id;
	e.version = ev->version;
	if (strlen(ev->lang) != 2)
		return (HB_ERR_ARGUMENT);
	memcpy(e.lang, ev->lang, 3);
	e.section = ev->section;
	e.occurred_at = ev->occurred_at ? ev->occurred_at :
	    (int64_t)time(NULL);
	e.seconds = ev->seconds;
	e.state = HB_J_PENDING;
	if (!valid_event(&e))
		return (HB_ERR_ARGUMENT);
	len = format_event(line, sizeof(line), &e);
	/* Memory first, so that a full disk leaves both unchanged. */
	if (add_event(j, &e) != 0)
		return (HB_ERR_MEMORY);
	if ((st = append(j, line, len)) != HB_OK) {
		j->n--;
		(void)reindex(j, j->n);
		return (st);
	}
	j->pending++;
	memcpy(ev->id, e.id, 37);
	return (HB_OK);
}

size_t
hb_journal_pending(const struct hb_journal *j)
{
	return (j->pending);
}

size_t
hb_journal_rejected(const struct hb_journal *j)
{
	return (j->rejected);
}

size_t
hb_journal_count(const struct hb_journal *j)
{
	return (j->n);
}

const struct hb_jevent *
hb_journal_event(const struct hb_journal *j, size_t i)
{
	return (i < j->n ? &j->ev[i] : NULL);
}

enum hb_status
hb_journal_rejected_get(const struct hb_journal *j, size_t i,
    struct hb_event *ev, const char **reason)
{
	size_t	k, seen = 0;

	if (j == NULL || ev == NULL)
		return (HB_ERR_ARGUMENT);
	for (k = 0; k < j->n; k++) {
		if (j->ev[k].state != HB_J_REJECTED)
			continue;
		if (seen++ != i)
			continue;
		memset(ev, 0, sizeof(*ev));
		memcpy(ev->id, j->ev[k].id, 37);
		ev->kind = j->ev[k].kind;
		ev->document_id = j->ev[k].document_id;
		ev->version = j->ev[k].version;
		ev->lang = j->ev[k].lang;
		ev->section = j->ev[k].section;
		ev->occurred_at = j->ev[k].occurred_at;
		ev->seconds = j->ev[k].seconds;
		if (reason != NULL)
			*reason = j->ev[k].reason;
		return (HB_OK);
	}
	return (HB_ERR_ARGUMENT);
}

/* The server's reason as one word we can store: [a-z0-9_], else "other". */
static void
clean_reason(char *out, size_t cap, const char *reason)
{
	size_t	i;

	if (reason == NULL || reason[0] == '\0' ||
	    strspn(reason, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
	    strlen(reason) || strlen(reason) >= cap) {
		snprintf(out, cap, "other");
		return;
	}
	for (i = 0; reason[i] != '\0'; i++)
		out[i] = reason[i];
	out[i] = '\0';
}

enum hb_status
hb_journal_verdicts(struct hb_journal *j, const struct hb_verdict *v,
    size_t n)
{
	struct hb_jevent tmp;
	char		*buf;
	size_t		 i, len = 0;
	enum hb_status	 st;

	if (n == 0)
		return (HB_OK);
	if ((buf = malloc(n * LINE_MAX_J)) == NULL)
		return (HB_ERR_MEMORY);
	for (i = 0; i < n; i++) {
		if (v[i].index >= j->n ||
		    j->ev[v[i].index].state != HB_J_PENDING ||
		    v[i].state == HB_J_PENDING) {
			free(buf);
			return (HB_ERR_ARGUMENT);
		}
		tmp = j->ev[v[i].index];
		tmp.state = v[i].state;
		tmp.reason[0] = '\0';
		if (v[i].reason != NULL)
			clean_reason(tmp.reason, sizeof(tmp.reason),
			    v[i].reason);
		len += format_verdict(buf + len, LINE_MAX_J, &tmp);
	}
	st = append(j, buf, len);
	free(buf);
	if (st != HB_OK)
		return (st);
	/* On disk: now the memory may say so. */
	for (i = 0; i < n; i++) {
		struct hb_jevent *e = &j->ev[v[i].index];

		e->state = v[i].state;
		e->reason[0] = '\0';
		if (v[i].reason != NULL)
			clean_reason(e->reason, sizeof(e->reason), v[i].reason);
		j->pending--;
		if (e->state == HB_J_REJECTED)
			j->rejected++;
		else
			j->done++;
	}
	return (HB_OK);
}

enum hb_status
hb_journal_compact(struct hb_journal *j)
{
	char		*tmp = NULL, *buf = NULL;
	size_t		 len, k, w, cap;
	enum hb_status	 st = HB_ERR_JOURNAL;
	int		 fd = -1;

	if (j->done == 0)
		return (HB_OK);
	if (asprintf(&tmp, "%s.compact", j->path) == -1)
		return (HB_ERR_MEMORY);
	cap = 64 + (j->n - j->done) * 2 * LINE_MAX_J;
	if ((buf = malloc(cap)) == NULL) {
		st = HB_ERR_MEMORY;
		goto done;
	}
	memcpy(buf, "H 1", 3);
	len = seal(buf, 3);
	for (k = 0; k < j->n; k++) {
		if (j->ev[k].state == HB_J_DONE)
			continue;
		len += format_event(buf + len, LINE_MAX_J, &j->ev[k]);
		if (j->ev[k].state == HB_J_REJECTED)
			len += format_verdict(buf + len, LINE_MAX_J, &j->ev[k]);
	}
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		goto done;
	/* Locked before it takes the name: never a moment unlocked. */
	if (lock_fd(fd) != 0 || write_all(fd, buf, len) != HB_OK ||
	    fsync(fd) != 0 || rename(tmp, j->path) != 0) {
		(void)unlink(tmp);
		goto done;
	}
	(void)hb_fsync_dir(j->path);
	close(j->fd);
	j->fd = fd;
	fd = -1;
	j->size = (off_t)len;
	(void)lseek(j->fd, j->size, SEEK_SET);
	for (k = w = 0; k < j->n; k++)
		if (j->ev[k].state != HB_J_DONE)
			j->ev[w++] = j->ev[k];
	j->n = w;
	j->done = 0;
	st = reindex(j, j->n) == 0 ? HB_OK : HB_ERR_MEMORY;
done:
	if (fd != -1)
		close(fd);
	free(buf);
	free(tmp);
	return (st);
}
