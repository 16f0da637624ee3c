-- Reading events from phones, and each member's progress per document.
--
-- Phones read offline and send what happened in bursts of up to 500
-- events (POST /api/v1/events, kore-app/events.c): opened, section_read,
-- completed, each with a UUID the phone chose. None may be lost or counted
-- twice, and a country's members may send millions an evening, so:
--
-- * read_events is append-only and partitioned by month of received_at
--   (the server's clock: a phone's clock can say anything). It has no
--   index and no foreign key: every row would pay for them, and the rows
--   are checked against documents in the statement that inserts them.
--   Old months can be detached or dropped whole.
-- * PostgreSQL cannot enforce a unique index on a partitioned table
--   without the partition key in it, and (id, received_at) would let a
--   retry arriving next month in as a second row. So uniqueness lives in
--   read_event_ids, a narrow ledger with one row per event: who sent it,
--   its UUID, a digest of its content, when it was received and whether
--   its device time was trusted. Its key is (member_id, id), not the UUID
--   alone: an event is the member's, a retry comes from the member's own
--   phone, and another member's phone using the same UUID cannot be a
--   retry of it. The key also makes the index cheap at volume: a batch is
--   one member's, so its 100 keys land in one or two leaf pages, where a
--   key of random UUIDs alone touches a hundred pages anywhere in the index
--   and (measured here) writes a full-page image to the WAL for most of
--   them after each checkpoint: 600 kB of WAL for 100 events.
-- * A batch first takes a transaction lock on its member, so two batches
--   of one member (a phone retrying while its first try is still being
--   stored) run one after the other; each then sees what the other
--   stored, and a plain lookup in the ledger decides: an event already
--   there with the same digest is a retry, answered "accepted" with the
--   first received_at and not stored again; with another digest the UUID
--   was reused, "duplicate". The primary key is the safety net: it makes a
--   double insert an error, never a second row.
-- * progress (member x document) is kept current from the events in the
--   same statement, one upsert per document of the batch, so the reports
--   of issue 7 read progress and never scan events.
-- * Each batch commits durably (synchronous_commit on for that
--   transaction, whatever the server's default): an event the phone was
--   told is accepted survives a crash, and the phone may delete it.
--
-- Device time: occurred_at is kept as sent. It is trusted when it is not
-- more than 5 minutes in the future of received_at, not more than a year
-- before it, and not more than 5 minutes before the version was published
-- (nobody reads a text before it exists). A trusted occurred_at is the
-- time the reading happened (a member who read on Monday offline read on
-- Monday); an untrusted one is kept but never used: received_at stands in
-- for it. Either way received_at orders what the server saw.

CREATE TYPE read_event_kind AS ENUM ('opened', 'section_read', 'completed');

CREATE TABLE read_event_ids (
	member_id	bigint NOT NULL,
	id		uuid NOT NULL,
	-- BLAKE2b (64 bits) of kind, document, version, lang, section,
	-- occurred_at (microseconds) and seconds (kore-app/event_batch.c):
	-- equal digests mean a retry.
	digest		bigint NOT NULL,
	received_at	timestamptz NOT NULL,
	time_trusted	boolean NOT NULL,
	PRIMARY KEY (member_id, id)
);

CREATE TABLE read_events (
	id		uuid NOT NULL,
	member_id	bigint NOT NULL,
	document_id	bigint NOT NULL,
	received_at	timestamptz NOT NULL,
	occurred_at	timestamptz NOT NULL,
	version		integer NOT NULL,
	seconds		integer NOT NULL,
	kind		read_event_kind NOT NULL,
	section		smallint,
	time_trusted	boolean NOT NULL,
	lang		text NOT NULL
) PARTITION BY RANGE (received_at);

-- Rows for a month that has no partition yet land here, so an insert never
-- fails for want of one; read_events_maintain() moves them out.
CREATE TABLE read_events_default PARTITION OF read_events DEFAULT;

CREATE TABLE progress (
	member_id		bigint NOT NULL REFERENCES members (id)
				    ON DELETE CASCADE,
	document_id		bigint NOT NULL REFERENCES documents (id)
				    ON DELETE CASCADE,
	-- "at" below is occurred_at when trusted, else received_at.
	first_opened_at		timestamptz NOT NULL,	-- earliest event
	last_activity_at	timestamptz NOT NULL,	-- latest event
	last_received_at	timestamptz NOT NULL,	-- server time, latest batch
	completed_at		timestamptz,		-- earliest "completed"
	completed_version	integer,		-- highest version completed
	-- The highest version the member has read, and which of its
	-- sections (bit n-1 for section n; sections are 1..12): a new version
	-- starts a new set, because its core points are new.
	version			integer NOT NULL,
	sections_read		integer NOT NULL DEFAULT 0,
	seconds			bigint NOT NULL DEFAULT 0,
	events			integer NOT NULL DEFAULT 0,
	PRIMARY KEY (member_id, document_id)
);

-- Issue 7's reports count per document.
CREATE INDEX progress_document ON progress (document_id);

-- The partition of read_events for the month holding day, made if missing.
-- Rows of that month already in the default partition are moved into it
-- in the same transaction (ATTACH refuses a range the default partition
-- holds rows for). Takes a lock that makes inserts wait: maintenance work,
-- never done by a request.
CREATE FUNCTION read_events_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	lo date := date_trunc('month', day)::date;
	hi date := (date_trunc('month', day) + interval '1 month')::date;
	part text := format('read_events_y%sm%s', to_char(lo, 'YYYY'),
	    to_char(lo, 'MM'));
BEGIN
	IF to_regclass(part) IS NOT NULL THEN
		RETURN part;
	END IF;
	PERFORM pg_advisory_xact_lock(hashtext('handbook:read_events_partition'));
	IF to_regclass(part) IS NOT NULL THEN
		RETURN part;
	END IF;
	EXECUTE format('CREATE TABLE %I (LIKE read_events)', part);
	EXECUTE format('LOCK TABLE read_events_default IN ACCESS EXCLUSIVE MODE');
	EXECUTE format('WITH moved AS (DELETE FROM read_events_default '
	    'WHERE received_at >= %L AND received_at < %L RETURNING *) '
	    'INSERT INTO %I SELECT * FROM moved', lo, hi, part);
	EXECUTE format('ALTER TABLE read_events ATTACH PARTITION %I '
	    'FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
	RETURN part;
END
$$;

-- What a monthly maintenance job runs (issue 11 schedules it): the
-- partitions of this month and the next months_ahead, with any rows the
-- default partition caught moved into theirs. Returns their names.
CREATE FUNCTION read_events_maintain(months_ahead integer DEFAULT 3)
RETURNS SETOF text
LANGUAGE sql AS $$
	SELECT read_events_partition(m::date)
	FROM generate_series(date_trunc('month', now()),
	    date_trunc('month', now()) + make_interval(months => months_ahead),
	    interval '1 month') AS m
	UNION
	SELECT read_events_partition(d.m)
	FROM (SELECT DISTINCT date_trunc('month', received_at)::date AS m
	    FROM read_events_default) AS d
$$;

-- A year of partitions from now; read_events_maintain() keeps ahead.
DO $$ BEGIN PERFORM count(*) FROM read_events_maintain(12); END $$;

-- The sections of a section bitmask, as the API lists them.
CREATE FUNCTION progress_sections(mask integer) RETURNS integer[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(s ORDER BY s), '{}') FROM generate_series(1, 12) s
	WHERE mask & (1 << (s - 1)) <> 0
$$;

-- POST /api/v1/events, after the C edge (kore-app/event_batch.c) checked
-- each event's fields and dropped the repeats of an id within the batch:
-- the events it found well-formed, as parallel arrays, with idx their
-- positions in the request. occurred is microseconds since 1970 (UTC),
-- exact; digests is the BLAKE2b digest of each event's content (kind,
-- document, version, lang, section, occurred_at, seconds), made there
-- because it is cheaper in C. Answers one row per event given: its
-- position, status (accepted, duplicate, rejected), reason, received_at
-- and time_trusted (for accepted events; for a retry, those of the first
-- time). Rejected here: unknown_document (unknown, not published,
-- withdrawn or not the member's to read: they are not told apart),
-- unknown_version (never published, or newer than the current one),
-- unknown_section (not a section of that version in lang, or in
-- Vietnamese when it has no text in lang). Duplicate: id_reused (the
-- member stored another event under this id).
--
-- Written for speed (tests/bench/events_vs_copy.sh): one statement, each
-- array read once, documents judged once per batch, one index probe per
-- event for retries, and no join between the CTEs but the small refs.
CREATE FUNCTION api_events_post(actor bigint, ids uuid[], idx integer[],
    kinds text[], docs bigint[], vers integer[], langs text[],
    sects integer[], occurred bigint[], durs integer[], digests bigint[])
RETURNS TABLE (ev_pos integer, ev_status text, ev_reason text,
    ev_received_at text, ev_time_trusted boolean)
LANGUAGE plpgsql AS $$
DECLARE
	rcv timestamptz := now();
	rcv_text text := to_json(now())#>>'{}';
	skew constant interval := interval '5 minutes';
BEGIN
	-- The phone deletes what we acknowledge: commit to disk first.
	PERFORM set_config('synchronous_commit', 'on', true);
	-- One batch of a member at a time (see the top of this file). The
	-- statement below starts after the lock is ours, so it sees every
	-- batch of this member that committed before. Two int keys: a lock
	-- space apart from the one-bigint locks of other functions.
	PERFORM pg_advisory_xact_lock(hashtext('handbook:read_events'),
	    (actor % 2147483647)::integer);

	RETURN QUERY
	WITH refs AS MATERIALIZED (
		-- Each document and version of the batch, judged once, by
		-- index lookups (LATERAL), whatever the planner guesses of
		-- the arrays' lengths.
		SELECT r.doc, r.ver, x.published_at,
		    coalesce(x.visible AND x.readable, false) AS ok,
		    coalesce(x.visible, false) AS visible,
		    x.sections_vi, x.sections_km
		FROM (SELECT DISTINCT u.doc, u.ver
		    FROM unnest(docs, vers) AS u (doc, ver)) r
		LEFT JOIN LATERAL (
			SELECT v.published_at,
			    -- document_visible() asks nothing more of a
			    -- document for everyone; not calling it saves
			    -- planning its SQL anew for every batch.
			    d.state = 'published' AND
				d.current_version IS NOT NULL AND
				(d.unit_id IS NULL OR
				 document_visible(actor, d)) AS visible,
			    v.published_at IS NOT NULL AND
				r.ver <= d.current_version AS readable,
			    ARRAY(SELECT s.position FROM document_sections s
				WHERE s.document_id = r.doc AND s.version = r.ver
				  AND s.lang = 'vi') AS sections_vi,
			    ARRAY(SELECT s.position FROM document_sections s
				WHERE s.document_id = r.doc AND s.version = r.ver
				  AND s.lang = 'km') AS sections_km
			FROM documents d
			LEFT JOIN document_versions v
			    ON v.document_id = d.id AND v.version = r.ver
			WHERE d.id = r.doc) x ON true
	), checked AS MATERIALIZED (
		SELECT n.id, n.pos, n.kind::read_event_kind AS kind, n.doc,
		    n.ver, n.lang, n.section, n.dur, n.digest, o.occ,
		    e.received_at AS had_at, e.time_trusted AS had_trusted,
		    e.digest IS NOT NULL AS had,
		    CASE
			-- A retry is answered as the first time, even if the
			-- document was withdrawn since.
			WHEN e.digest = n.digest THEN NULL
			WHEN e.digest IS NOT NULL THEN 'id_reused'
			WHEN NOT r.visible THEN 'unknown_document'
			WHEN NOT r.ok THEN 'unknown_version'
			WHEN n.section IS NOT NULL AND NOT n.section = ANY (
			    CASE WHEN n.lang = 'km' AND r.sections_km <> '{}'
			    THEN r.sections_km ELSE r.sections_vi END)
			    THEN 'unknown_section'
		    END AS why,
		    coalesce(o.occ <= rcv + skew AND
			o.occ >= rcv - interval '1 year' AND
			o.occ >= r.published_at - skew, false) AS trusted
		FROM unnest(ids, idx, kinds, docs, vers, langs, sects, occurred,
		    durs, digests) AS n (id, pos, kind, doc, ver, lang, section,
		    occ_us, dur, digest)
		CROSS JOIN LATERAL (SELECT to_timestamp(n.occ_us / 1000000) +
		    (n.occ_us % 1000000) * interval '1 microsecond' AS occ) o
		JOIN refs r ON r.doc = n.doc AND r.ver = n.ver
		LEFT JOIN LATERAL (SELECT l.digest, l.received_at,
			l.time_trusted
		    FROM read_event_ids l
		    WHERE l.member_id = actor AND l.id = n.id) e ON true
	), fresh AS (
		-- What this batch stores: well-formed and new.
		SELECT c.*, CASE WHEN c.trusted THEN c.occ ELSE rcv END AS at
		FROM checked c WHERE c.why IS NULL AND NOT c.had
	), ledger AS (
		INSERT INTO read_event_ids (member_id, id, digest, received_at,
		    time_trusted)
		SELECT actor, f.id, f.digest, rcv, f.trusted FROM fresh f
	), stored AS (
		INSERT INTO read_events (id, member_id, document_id, received_at,
		    occurred_at, version, seconds, kind, section, time_trusted,
		    lang)
		SELECT f.id, actor, f.doc, rcv, f.occ, f.ver, f.dur, f.kind,
		    f.section, f.trusted, f.lang
		FROM fresh f
	), per_document AS (
		SELECT f.doc, min(f.at) AS first_at, max(f.at) AS last_at,
		    min(f.at) FILTER (WHERE f.kind = 'completed') AS done_at,
		    max(f.ver) FILTER (WHERE f.kind = 'completed') AS done_ver,
		    f.top,
		    coalesce(bit_or(1 << (f.section - 1)) FILTER (
			WHERE f.kind = 'section_read' AND f.ver = f.top), 0)
			AS mask,
		    sum(f.dur) AS total, count(*) AS n
		FROM (SELECT fr.*, max(fr.ver) OVER (PARTITION BY fr.doc) AS top
		    FROM fresh fr) f
		GROUP BY f.doc, f.top
	), upserted AS (
		-- In document order: the same order for every batch of a
		-- member, were two ever to run at once.
		INSERT INTO progress AS p (member_id, document_id,
		    first_opened_at, last_activity_at, last_received_at,
		    completed_at, completed_version, version, sections_read,
		    seconds, events)
		SELECT actor, pd.doc, pd.first_at, pd.last_at, rcv, pd.done_at,
		    pd.done_ver, pd.top, pd.mask, pd.total, pd.n
		FROM per_document pd ORDER BY pd.doc
		ON CONFLICT (member_id, document_id) DO UPDATE SET
		    first_opened_at = least(p.first_opened_at,
			excluded.first_opened_at),
		    last_activity_at = greatest(p.last_activity_at,
			excluded.last_activity_at),
		    last_received_at = excluded.last_received_at,
		    completed_at = least(p.completed_at, excluded.completed_at),
		    completed_version = greatest(p.completed_version,
			excluded.completed_version),
		    version = greatest(p.version, excluded.version),
		    sections_read = CASE
			WHEN excluded.version > p.version
			    THEN excluded.sections_read
			WHEN excluded.version = p.version
			    THEN p.sections_read | excluded.sections_read
			ELSE p.sections_read END,
		    seconds = p.seconds + excluded.seconds,
		    events = p.events + excluded.events
	)
	-- (ledger, stored and upserted run to completion although nothing
	-- reads them: PostgreSQL completes every data-modifying CTE.)
	SELECT c.pos,
	    CASE WHEN c.why = 'id_reused' THEN 'duplicate'
		WHEN c.why IS NOT NULL THEN 'rejected' ELSE 'accepted' END,
	    c.why,
	    CASE WHEN c.had THEN to_json(c.had_at)#>>'{}'
		WHEN c.why IS NULL THEN rcv_text END,
	    CASE WHEN c.had THEN c.had_trusted
		WHEN c.why IS NULL THEN c.trusted END
	FROM checked c;
END
$$;

-- GET /api/v1/me/progress?document=&lang=&limit=&cursor=: the caller's
-- own progress, one item per document they have events for, by document
-- id. Nobody else's progress is reachable here: actor is the caller.
CREATE FUNCTION api_progress_list(actor bigint, doc bigint, lim integer,
    after bigint, want text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	n integer := api_limit(lim);
	items json;
	last_id bigint;
	got integer;
BEGIN
	WITH page AS (
		SELECT p.* FROM progress p
		WHERE p.member_id = actor
		  AND (doc IS NULL OR p.document_id = doc)
		  AND (after IS NULL OR p.document_id > after)
		ORDER BY p.document_id
		LIMIT n
	)
	SELECT coalesce(json_agg(json_build_object(
		'document_id', p.document_id, 'slug', d.slug,
		'title', (document_text_for(p.document_id, p.version, want)).title,
		'version', p.version,
		'current_version', d.current_version,
		'sections_read', progress_sections(p.sections_read),
		'sections_total', (SELECT count(*) FROM document_sections s
		    WHERE s.document_id = p.document_id AND s.version = p.version
		      AND s.lang = 'vi'),
		'first_opened_at', p.first_opened_at,
		'last_activity_at', p.last_activity_at,
		'last_received_at', p.last_received_at,
		'completed', p.completed_at IS NOT NULL,
		'completed_at', p.completed_at,
		'completed_version', p.completed_version,
		'seconds', p.seconds, 'events', p.events)
	    ORDER BY p.document_id), '[]'), max(p.document_id), count(*)
	INTO items, last_id, got
	FROM page p JOIN documents d ON d.id = p.document_id;

	RETURN json_build_object('items', items, 'next_cursor',
	    CASE WHEN got = n THEN last_id::text END);
END
$$;
