-- POST /api/v1/events, made cheaper per event (issue 5's target: 50,000
-- events a second on a 2-core machine, tests/bench/events_vs_copy.sh).
-- What the batch does and means is unchanged (sql/0019_reading_events.sql
-- explains it); what changed is how much each batch costs PostgreSQL:
--
-- * One round trip per batch instead of two. The token check is part of
--   api_events_post(): it takes the token's hash, not the member, and
--   answers no row at all when the token is unknown, expired or revoked,
--   or the member disabled (the handler then answers 401, as every other
--   endpoint does). Before, the handler first asked auth_session_member(),
--   an SQL function PostgreSQL plans anew on every call (it cannot be
--   inlined: it returns one record, not a set): that question cost 8% of
--   PostgreSQL's time in the benchmark, plus a statement, a transaction
--   and a network round trip of its own. The rule lives in one place,
--   session_member() below, which both use; being a set-returning SQL
--   function it is inlined into the statement that calls it, so a
--   PL/pgSQL caller plans it once per connection.
-- * The arrays come in PostgreSQL's binary format (kore-app/event_batch.c
--   writes them): no text to parse per element. occurred_at comes as
--   timestamptz (the C edge parsed it already), the kind as its number in
--   read_event_kind (1 opened, 2 section_read, 3 completed), so nothing is
--   computed or looked up per event to turn them into column values.
--
-- The old api_events_post(actor, ...) goes: nothing else called it, and a
-- version that trusts its caller with the member id is one nobody should.

-- Who holds this token: the member and their language, when the session
-- is live and the account active; no row otherwise. token_hash is the
-- BLAKE2b-256 of the token in hex (auth.c), as auth_session_member takes.
CREATE FUNCTION session_member(token_hash text)
RETURNS TABLE (member_id bigint, lang text)
LANGUAGE sql STABLE AS $$
	SELECT s.member_id, m.lang
	FROM sessions s JOIN members m ON m.id = s.member_id
	WHERE s.token_hash = decode(session_member.token_hash, 'hex')
	    AND s.revoked_at IS NULL AND s.expires_at > now() AND m.active
$$;

-- The same rule for every other endpoint (auth.c, document_read.c), which
-- read one record (all NULL when there is no session).
CREATE OR REPLACE FUNCTION auth_session_member(token_hash text,
    OUT member_id bigint, OUT lang text)
LANGUAGE sql STABLE AS $$
	SELECT sm.member_id, sm.lang
	FROM session_member(auth_session_member.token_hash) sm
$$;

DROP FUNCTION api_events_post(bigint, uuid[], integer[], text[], bigint[],
    integer[], text[], integer[], bigint[], integer[], bigint[]);

-- The events the C edge found well-formed, as parallel arrays (idx: their
-- positions in the request; kinds: 1 opened, 2 section_read, 3 completed;
-- sects: NULL when the event names no section; digests: see
-- read_event_ids), for the holder of the session whose token hash is
-- token. The verdicts are those of sql/0019, told more briefly, because
-- nearly every event of a batch is new and accepted: one row, in which
-- member is NULL when the token is not valid (nothing was done), else
--   received_at  the batch's received_at (RFC 3339), which every newly
--                stored event has,
--   fresh        how many events were stored: accepted now, time trusted
--                unless their position is in untrusted,
--   retry_*      the events stored before with the same content: accepted,
--                with the received_at and time_trusted of the first time,
--   refused_*    the others, with their reason (id_reused: a duplicate).
-- Every position given is in exactly one of the three; the handler checks
-- that fresh + retries + refused is the number of events it sent.
-- One row of a few arrays instead of a row per event saves formatting and
-- sending a hundred rows, and the tuplestore of RETURN QUERY.
CREATE FUNCTION api_events_post(token text, ids uuid[], idx integer[],
    kinds smallint[], docs bigint[], vers integer[], langs text[],
    sects smallint[], occurred timestamptz[], durs integer[],
    digests bigint[], OUT member bigint, OUT received_at text,
    OUT fresh integer, OUT untrusted integer[], OUT retry_pos integer[],
    OUT retry_at text[], OUT retry_trusted boolean[],
    OUT refused_pos integer[], OUT refused_why text[])
LANGUAGE plpgsql AS $$
DECLARE
	actor bigint;
	rcv timestamptz := now();
	skew constant interval := interval '5 minutes';
BEGIN
	SELECT sm.member_id INTO actor FROM session_member(token) sm;
	IF actor IS NULL THEN
		RETURN;
	END IF;
	member := actor;
	received_at := to_json(rcv)#>>'{}';

	-- The phone deletes what we acknowledge: commit to disk first.
	PERFORM set_config('synchronous_commit', 'on', true);
	-- One batch of a member at a time (sql/0019). The statement below
	-- starts after the lock is ours, so it sees every batch of this
	-- member that committed before.
	PERFORM pg_advisory_xact_lock(hashtext('handbook:read_events'),
	    (actor % 2147483647)::integer);

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
		SELECT n.id, n.pos,
		    -- A constant array, folded when the plan is made.
		    ('{opened,section_read,completed}'::read_event_kind[])[
			n.kind] AS kind,
		    n.doc, n.ver, n.lang, n.section, n.dur, n.digest, n.occ,
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
		    coalesce(n.occ <= rcv + skew AND
			n.occ >= rcv - interval '1 year' AND
			n.occ >= r.published_at - skew, false) AS trusted
		FROM unnest(ids, idx, kinds, docs, vers, langs, sects, occurred,
		    durs, digests) AS n (id, pos, kind, doc, ver, lang, section,
		    occ, dur, digest)
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
	SELECT count(*) FILTER (WHERE c.why IS NULL AND NOT c.had),
	    coalesce(array_agg(c.pos) FILTER (WHERE c.why IS NULL AND
		NOT c.had AND NOT c.trusted), '{}'),
	    coalesce(array_agg(c.pos) FILTER (WHERE c.why IS NULL AND c.had),
		'{}'),
	    coalesce(array_agg(to_json(c.had_at)#>>'{}') FILTER (
		WHERE c.why IS NULL AND c.had), '{}'),
	    coalesce(array_agg(c.had_trusted) FILTER (
		WHERE c.why IS NULL AND c.had), '{}'),
	    coalesce(array_agg(c.pos) FILTER (WHERE c.why IS NOT NULL), '{}'),
	    coalesce(array_agg(c.why) FILTER (WHERE c.why IS NOT NULL), '{}')
	INTO fresh, untrusted, retry_pos, retry_at, retry_trusted,
	    refused_pos, refused_why
	FROM checked c;
END
$$;
