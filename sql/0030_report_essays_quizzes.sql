-- The essay and quiz figures of the engagement report (issue 7 on top of
-- issue 6), and the report's speed at a province root.
--
-- Essays and quizzes are one more source of report_reach, the per-member
-- rollup of 0027, as its header planned: each (member, document) row now
-- also carries the member's essay on the document (its state, whether it
-- was ever submitted, whether the first submission was late) and the best
-- share of the points the member scored in a submitted attempt of any
-- quiz covering the document (quiz_best, 0..1, 4 decimals). The trigger
-- on report_reach bumps five more counters per document and cell and per
-- zone (report_cell, report_zone): essays submitted (ever handed in: now
-- waiting, returned or accepted), accepted, returned (sent back and not
-- handed in again), quiz participants and the sum of their best shares;
-- the report stays a sum of counter rows.
--
-- Kept by triggers on essays (document essays; a session's essays are
-- counted live in the session report, which reads the session's roster
-- anyway) and on quiz_attempts and quiz_documents (the best share of the
-- (member, document) pairs an attempt or a quiz's document list
-- touches, recomputed from the attempts: a few index entries each).
--
-- Like reading, these figures follow the member: a member's essay and
-- quiz results count in the cell the member is in now (and not at all
-- once they left), so that every figure of a line has the same
-- denominator. essays.cell_id and quiz_attempts.cell_id (where the work
-- was begun) serve the essays' and quizzes' own endpoints.
--
-- Mean quiz score = the mean over participants of their best share (the
-- sum of quiz_best over participants): quizzes differ in length, so
-- points are compared as shares of the maximum.

ALTER TABLE report_reach
	ADD COLUMN essay_state essay_state,
	ADD COLUMN essay_submitted boolean NOT NULL DEFAULT false,
	ADD COLUMN essay_late boolean NOT NULL DEFAULT false,
	ADD COLUMN quiz_best numeric(5,4);

ALTER TABLE report_cell
	ADD COLUMN essays_submitted integer NOT NULL DEFAULT 0,
	ADD COLUMN essays_accepted integer NOT NULL DEFAULT 0,
	ADD COLUMN essays_returned integer NOT NULL DEFAULT 0,
	ADD COLUMN quiz_participants integer NOT NULL DEFAULT 0,
	ADD COLUMN quiz_score_sum numeric NOT NULL DEFAULT 0;

ALTER TABLE report_zone
	ADD COLUMN essays_submitted bigint NOT NULL DEFAULT 0,
	ADD COLUMN essays_accepted bigint NOT NULL DEFAULT 0,
	ADD COLUMN essays_returned bigint NOT NULL DEFAULT 0,
	ADD COLUMN quiz_participants bigint NOT NULL DEFAULT 0,
	ADD COLUMN quiz_score_sum numeric NOT NULL DEFAULT 0;

-- What one reach row adds to its cell's counters, in the order of
-- report_count_v: readers, completers, attended, at_meeting, reached,
-- essays submitted, accepted, returned, quiz participants.
CREATE FUNCTION report_contrib(r report_reach) RETURNS integer[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY[(r.read_at IS NOT NULL)::integer,
	    (r.completed_at IS NOT NULL)::integer,
	    r.session_seen::integer, r.meeting_seen::integer,
	    (r.read_at IS NOT NULL OR r.session_seen OR
		r.meeting_seen)::integer,
	    r.essay_submitted::integer,
	    (r.essay_state IS NOT DISTINCT FROM 'accepted')::integer,
	    (r.essay_state IS NOT DISTINCT FROM 'returned')::integer,
	    (r.quiz_best IS NOT NULL)::integer]
$$;

CREATE FUNCTION report_delta(n integer[], o integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT array_agg(x.a - x.b ORDER BY x.i)
	FROM unnest(n, o) WITH ORDINALITY x(a, b, i)
$$;

-- Adds deltas d (see report_contrib) and dq (the quiz share sum) to a
-- document's counters of a cell and its zone; the zone row first, then
-- the cell's, as report_count of 0027 does (no deadlock between writers).
CREATE FUNCTION report_count_v(doc bigint, cell bigint, d integer[],
    dq numeric) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	z bigint;
BEGIN
	IF dq = 0 AND d = array_fill(0, ARRAY[9]) THEN
		RETURN;
	END IF;
	z := report_cell_zone(cell);
	IF z IS NULL THEN
		RETURN;		-- the cell is gone (a fixture deleting units)
	END IF;
	INSERT INTO report_zone AS k (document_id, zone_id, readers,
	    completers, attended, at_meeting, reached, essays_submitted,
	    essays_accepted, essays_returned, quiz_participants,
	    quiz_score_sum)
	VALUES (doc, z, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9],
	    dq)
	ON CONFLICT (document_id, zone_id) DO UPDATE SET
	    readers = k.readers + d[1], completers = k.completers + d[2],
	    attended = k.attended + d[3], at_meeting = k.at_meeting + d[4],
	    reached = k.reached + d[5],
	    essays_submitted = k.essays_submitted + d[6],
	    essays_accepted = k.essays_accepted + d[7],
	    essays_returned = k.essays_returned + d[8],
	    quiz_participants = k.quiz_participants + d[9],
	    quiz_score_sum = k.quiz_score_sum + dq;
	INSERT INTO report_cell AS k (document_id, cell_id, zone_id, readers,
	    completers, attended, at_meeting, reached, essays_submitted,
	    essays_accepted, essays_returned, quiz_participants,
	    quiz_score_sum)
	VALUES (doc, cell, z, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8],
	    d[9], dq)
	ON CONFLICT (document_id, cell_id) DO UPDATE SET
	    readers = k.readers + d[1], completers = k.completers + d[2],
	    attended = k.attended + d[3], at_meeting = k.at_meeting + d[4],
	    reached = k.reached + d[5],
	    essays_submitted = k.essays_submitted + d[6],
	    essays_accepted = k.essays_accepted + d[7],
	    essays_returned = k.essays_returned + d[8],
	    quiz_participants = k.quiz_participants + d[9],
	    quiz_score_sum = k.quiz_score_sum + dq;
END
$$;

-- The trigger of 0027 on report_reach, now with every source.
CREATE OR REPLACE FUNCTION report_reach_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o_on boolean := TG_OP <> 'INSERT' AND OLD.active;
	n_on boolean := TG_OP <> 'DELETE' AND NEW.active;
	zero integer[] := array_fill(0, ARRAY[9]);
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	IF o_on AND n_on AND OLD.cell_id = NEW.cell_id THEN
		PERFORM report_count_v(NEW.document_id, NEW.cell_id,
		    report_delta(report_contrib(NEW), report_contrib(OLD)),
		    coalesce(NEW.quiz_best, 0) - coalesce(OLD.quiz_best, 0));
		IF report_day(OLD.read_at) IS DISTINCT FROM
		    report_day(NEW.read_at) THEN
			PERFORM report_count_day(NEW.document_id, NEW.cell_id,
			    report_day(OLD.read_at), -1, 0);
			PERFORM report_count_day(NEW.document_id, NEW.cell_id,
			    report_day(NEW.read_at), 1, 0);
		END IF;
		IF report_day(OLD.completed_at) IS DISTINCT FROM
		    report_day(NEW.completed_at) THEN
			PERFORM report_count_day(NEW.document_id, NEW.cell_id,
			    report_day(OLD.completed_at), 0, -1);
			PERFORM report_count_day(NEW.document_id, NEW.cell_id,
			    report_day(NEW.completed_at), 0, 1);
		END IF;
		RETURN NULL;
	END IF;
	-- Moved, joined, left: all out of the old cell, all into the new.
	IF o_on THEN
		PERFORM report_count_v(OLD.document_id, OLD.cell_id,
		    report_delta(zero, report_contrib(OLD)),
		    -coalesce(OLD.quiz_best, 0));
		PERFORM report_count_day(OLD.document_id, OLD.cell_id,
		    report_day(OLD.read_at), -1, 0);
		PERFORM report_count_day(OLD.document_id, OLD.cell_id,
		    report_day(OLD.completed_at), 0, -1);
	END IF;
	IF n_on THEN
		PERFORM report_count_v(NEW.document_id, NEW.cell_id,
		    report_contrib(NEW), coalesce(NEW.quiz_best, 0));
		PERFORM report_count_day(NEW.document_id, NEW.cell_id,
		    report_day(NEW.read_at), 1, 0);
		PERFORM report_count_day(NEW.document_id, NEW.cell_id,
		    report_day(NEW.completed_at), 0, 1);
	END IF;
	RETURN NULL;
END
$$;

-- Essays on a document: the member's row takes the essay's state.
CREATE FUNCTION report_essay_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' THEN
		UPDATE report_reach SET essay_state = NULL,
		    essay_submitted = false, essay_late = false
		WHERE member_id = OLD.member_id
		  AND document_id = OLD.document_id;
		RETURN NULL;
	END IF;
	INSERT INTO report_reach AS r (member_id, document_id, cell_id, active,
	    essay_state, essay_submitted, essay_late)
	SELECT NEW.member_id, NEW.document_id, m.cell_id, m.active, NEW.state,
	    NEW.first_submitted_at IS NOT NULL, NEW.late
	FROM members m WHERE m.id = NEW.member_id
	ON CONFLICT (member_id, document_id) DO UPDATE SET
	    essay_state = excluded.essay_state,
	    essay_submitted = excluded.essay_submitted,
	    essay_late = excluded.essay_late
	WHERE (r.essay_state, r.essay_submitted, r.essay_late) IS DISTINCT FROM
	    (excluded.essay_state, excluded.essay_submitted,
	    excluded.essay_late);
	RETURN NULL;
END
$$;

CREATE TRIGGER report_essay_insert
	AFTER INSERT ON essays
	FOR EACH ROW WHEN (NEW.document_id IS NOT NULL)
	EXECUTE FUNCTION report_essay_changed();
CREATE TRIGGER report_essay_update
	AFTER UPDATE ON essays
	FOR EACH ROW WHEN (NEW.document_id IS NOT NULL AND
	    (OLD.state, OLD.first_submitted_at, OLD.late) IS DISTINCT FROM
	    (NEW.state, NEW.first_submitted_at, NEW.late))
	EXECUTE FUNCTION report_essay_changed();
CREATE TRIGGER report_essay_delete
	AFTER DELETE ON essays
	FOR EACH ROW WHEN (OLD.document_id IS NOT NULL)
	EXECUTE FUNCTION report_essay_changed();

-- The best share member m scored on document doc: over the submitted
-- attempts of the quizzes covering doc (NULL: none submitted).
CREATE FUNCTION report_quiz_best(m bigint, doc bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
	SELECT round(max(a.score::numeric / a.max_score), 4)
	FROM quiz_attempts a
	JOIN quiz_documents qd ON qd.quiz_id = a.quiz_id AND qd.document_id = doc
	WHERE a.member_id = m AND a.state = 'submitted' AND a.max_score > 0
$$;

-- Recomputes quiz_best of these (member, document) pairs.
CREATE FUNCTION report_quiz_refresh(ms bigint[], ds bigint[]) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO report_reach AS r (member_id, document_id, cell_id, active,
	    quiz_best)
	SELECT x.m, x.d, mm.cell_id, mm.active, report_quiz_best(x.m, x.d)
	FROM (SELECT DISTINCT m, d FROM unnest(ms, ds) u(m, d)
	    WHERE m IS NOT NULL AND d IS NOT NULL) x
	JOIN members mm ON mm.id = x.m
	JOIN documents dd ON dd.id = x.d
	ORDER BY x.d, x.m
	ON CONFLICT (member_id, document_id) DO UPDATE SET
	    quiz_best = excluded.quiz_best
	WHERE r.quiz_best IS DISTINCT FROM excluded.quiz_best
$$;

CREATE FUNCTION report_quiz_attempt_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	a quiz_attempts := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	PERFORM report_quiz_refresh(array_agg(a.member_id),
	    array_agg(qd.document_id))
	FROM quiz_documents qd WHERE qd.quiz_id = a.quiz_id;
	RETURN NULL;
END
$$;

-- Only what changes a best share: a submission, a score, a submitted
-- attempt removed.
CREATE TRIGGER report_quiz_attempt_insert
	AFTER INSERT ON quiz_attempts
	FOR EACH ROW WHEN (NEW.state = 'submitted')
	EXECUTE FUNCTION report_quiz_attempt_changed();
CREATE TRIGGER report_quiz_attempt_update
	AFTER UPDATE ON quiz_attempts
	FOR EACH ROW WHEN ((OLD.state, OLD.score, OLD.max_score, OLD.quiz_id,
	    OLD.member_id) IS DISTINCT FROM (NEW.state, NEW.score,
	    NEW.max_score, NEW.quiz_id, NEW.member_id))
	EXECUTE FUNCTION report_quiz_attempt_changed();
CREATE TRIGGER report_quiz_attempt_delete
	AFTER DELETE ON quiz_attempts
	FOR EACH ROW WHEN (OLD.state = 'submitted')
	EXECUTE FUNCTION report_quiz_attempt_changed();

-- A quiz's document list changed (quizzes are made with theirs, before
-- any attempt; a fixture deleting a quiz removes them): the members with
-- a submitted attempt on it, for that document.
CREATE FUNCTION report_quiz_documents_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	q quiz_documents := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	PERFORM report_quiz_refresh(array_agg(a.member_id),
	    array_agg(q.document_id))
	FROM quiz_attempts a
	WHERE a.quiz_id = q.quiz_id AND a.state = 'submitted';
	RETURN NULL;
END
$$;

CREATE TRIGGER report_quiz_documents_changed
	AFTER INSERT OR DELETE ON quiz_documents
	FOR EACH ROW EXECUTE FUNCTION report_quiz_documents_changed();

-- A cell whose zone changed: the counts move, the new ones too.
CREATE OR REPLACE FUNCTION report_cell_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	oz bigint := report_zone_of(OLD.path);
	nz bigint := report_zone_of(NEW.path);
BEGIN
	IF report_rebuilding() OR oz = nz THEN
		RETURN NULL;
	END IF;
	WITH moved AS (
		UPDATE report_cell SET zone_id = nz WHERE cell_id = NEW.id
		RETURNING *
	), old_zone AS (
		UPDATE report_zone z SET readers = z.readers - m.readers,
		    completers = z.completers - m.completers,
		    attended = z.attended - m.attended,
		    at_meeting = z.at_meeting - m.at_meeting,
		    reached = z.reached - m.reached,
		    essays_submitted = z.essays_submitted - m.essays_submitted,
		    essays_accepted = z.essays_accepted - m.essays_accepted,
		    essays_returned = z.essays_returned - m.essays_returned,
		    quiz_participants = z.quiz_participants -
			m.quiz_participants,
		    quiz_score_sum = z.quiz_score_sum - m.quiz_score_sum
		FROM moved m
		WHERE z.document_id = m.document_id AND z.zone_id = oz
	)
	INSERT INTO report_zone AS z (document_id, zone_id, readers, completers,
	    attended, at_meeting, reached, essays_submitted, essays_accepted,
	    essays_returned, quiz_participants, quiz_score_sum)
	SELECT m.document_id, nz, m.readers, m.completers, m.attended,
	    m.at_meeting, m.reached, m.essays_submitted, m.essays_accepted,
	    m.essays_returned, m.quiz_participants, m.quiz_score_sum
	FROM moved m
	ON CONFLICT (document_id, zone_id) DO UPDATE SET
	    readers = z.readers + excluded.readers,
	    completers = z.completers + excluded.completers,
	    attended = z.attended + excluded.attended,
	    at_meeting = z.at_meeting + excluded.at_meeting,
	    reached = z.reached + excluded.reached,
	    essays_submitted = z.essays_submitted + excluded.essays_submitted,
	    essays_accepted = z.essays_accepted + excluded.essays_accepted,
	    essays_returned = z.essays_returned + excluded.essays_returned,
	    quiz_participants = z.quiz_participants +
		excluded.quiz_participants,
	    quiz_score_sum = z.quiz_score_sum + excluded.quiz_score_sum;

	WITH moved AS (
		UPDATE report_cell_day SET zone_id = nz WHERE cell_id = NEW.id
		RETURNING *
	), old_zone AS (
		UPDATE report_zone_day z SET readers = z.readers - m.readers,
		    completers = z.completers - m.completers
		FROM moved m
		WHERE z.document_id = m.document_id AND z.zone_id = oz
		  AND z.day = m.day
	)
	INSERT INTO report_zone_day AS z (document_id, zone_id, day, readers,
	    completers)
	SELECT m.document_id, nz, m.day, m.readers, m.completers FROM moved m
	ON CONFLICT (document_id, zone_id, day) DO UPDATE SET
	    readers = z.readers + excluded.readers,
	    completers = z.completers + excluded.completers;

	WITH moved AS (
		UPDATE report_members_cell SET zone_id = nz WHERE cell_id = NEW.id
		RETURNING *
	), old_zone AS (
		UPDATE report_members_zone z SET members = z.members - m.members
		FROM moved m WHERE z.zone_id = oz
	)
	INSERT INTO report_members_zone AS z (zone_id, members)
	SELECT nz, m.members FROM moved m
	ON CONFLICT (zone_id) DO UPDATE SET
	    members = z.members + excluded.members;
	RETURN NULL;
END
$$;

-- report_rebuild() of 0027 with the essays and quizzes.
CREATE OR REPLACE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	LOCK TABLE members, progress, study_attendance, study_sessions,
	    study_session_documents, cell_meetings, cell_meeting_documents,
	    cell_meeting_attendance, essays, quiz_attempts, quiz_documents
	    IN SHARE MODE;
	PERFORM set_config('handbook.report_rebuild', 'on', true);
	TRUNCATE report_reach, report_cell, report_zone, report_cell_day,
	    report_zone_day, report_members_cell, report_members_zone;

	INSERT INTO report_members_cell (cell_id, zone_id, members)
	SELECT m.cell_id, report_zone_of(c.path), count(*)
	FROM members m JOIN org_units c ON c.id = m.cell_id
	WHERE m.active GROUP BY m.cell_id, c.path;
	INSERT INTO report_members_zone (zone_id, members)
	SELECT zone_id, sum(members) FROM report_members_cell GROUP BY zone_id;

	INSERT INTO report_reach (member_id, document_id, cell_id, active,
	    read_at, completed_at, session_seen, meeting_seen, essay_state,
	    essay_submitted, essay_late, quiz_best)
	WITH ses AS (
		SELECT DISTINCT a.member_id, sd.document_id
		FROM study_attendance a
		JOIN study_sessions s ON s.id = a.session_id
		    AND s.cancelled_at IS NULL
		LEFT JOIN study_sessions o ON o.id = s.makeup_of
		JOIN study_session_documents sd ON sd.session_id = s.id
		    OR sd.session_id = o.id
		WHERE a.status = 'present'
		  AND (o.id IS NULL OR o.cancelled_at IS NULL)
	), mee AS (
		SELECT DISTINCT a.member_id, md.document_id
		FROM cell_meeting_attendance a
		JOIN cell_meetings mt ON mt.id = a.meeting_id
		    AND mt.deleted_at IS NULL
		JOIN cell_meeting_documents md ON md.meeting_id = mt.id
		WHERE a.present
	), ess AS (
		SELECT member_id, document_id, state, first_submitted_at, late
		FROM essays WHERE document_id IS NOT NULL
	), qui AS (
		SELECT a.member_id, qd.document_id,
		    round(max(a.score::numeric / a.max_score), 4) AS best
		FROM quiz_attempts a
		JOIN quiz_documents qd ON qd.quiz_id = a.quiz_id
		WHERE a.state = 'submitted' AND a.max_score > 0
		GROUP BY a.member_id, qd.document_id
	), pairs AS (
		SELECT member_id, document_id FROM progress
		UNION SELECT * FROM ses
		UNION SELECT * FROM mee
		UNION SELECT member_id, document_id FROM ess
		UNION SELECT member_id, document_id FROM qui
	)
	SELECT p.member_id, p.document_id, m.cell_id, m.active,
	    pr.first_opened_at, pr.completed_at, s.member_id IS NOT NULL,
	    t.member_id IS NOT NULL, e.state,
	    coalesce(e.first_submitted_at IS NOT NULL, false),
	    coalesce(e.late, false), q.best
	FROM pairs p
	JOIN members m ON m.id = p.member_id
	LEFT JOIN progress pr ON pr.member_id = p.member_id
	    AND pr.document_id = p.document_id
	LEFT JOIN ses s ON s.member_id = p.member_id
	    AND s.document_id = p.document_id
	LEFT JOIN mee t ON t.member_id = p.member_id
	    AND t.document_id = p.document_id
	LEFT JOIN ess e ON e.member_id = p.member_id
	    AND e.document_id = p.document_id
	LEFT JOIN qui q ON q.member_id = p.member_id
	    AND q.document_id = p.document_id;

	INSERT INTO report_cell (document_id, cell_id, zone_id, readers,
	    completers, attended, at_meeting, reached, essays_submitted,
	    essays_accepted, essays_returned, quiz_participants,
	    quiz_score_sum)
	SELECT r.document_id, r.cell_id, report_zone_of(c.path),
	    count(r.read_at), count(r.completed_at),
	    count(*) FILTER (WHERE r.session_seen),
	    count(*) FILTER (WHERE r.meeting_seen),
	    count(*) FILTER (WHERE r.read_at IS NOT NULL OR r.session_seen OR
		r.meeting_seen),
	    count(*) FILTER (WHERE r.essay_submitted),
	    count(*) FILTER (WHERE r.essay_state = 'accepted'),
	    count(*) FILTER (WHERE r.essay_state = 'returned'),
	    count(r.quiz_best), coalesce(sum(r.quiz_best), 0)
	FROM report_reach r JOIN org_units c ON c.id = r.cell_id
	WHERE r.active
	GROUP BY r.document_id, r.cell_id, c.path;
	INSERT INTO report_zone (document_id, zone_id, readers, completers,
	    attended, at_meeting, reached, essays_submitted, essays_accepted,
	    essays_returned, quiz_participants, quiz_score_sum)
	SELECT document_id, zone_id, sum(readers), sum(completers),
	    sum(attended), sum(at_meeting), sum(reached),
	    sum(essays_submitted), sum(essays_accepted), sum(essays_returned),
	    sum(quiz_participants), sum(quiz_score_sum)
	FROM report_cell GROUP BY document_id, zone_id;

	INSERT INTO report_cell_day (document_id, cell_id, day, zone_id,
	    readers, completers)
	SELECT x.document_id, x.cell_id, x.day, report_zone_of(c.path),
	    sum(x.r), sum(x.c)
	FROM (SELECT document_id, cell_id, report_day(read_at) AS day,
		1 AS r, 0 AS c
	    FROM report_reach WHERE active AND read_at IS NOT NULL
	    UNION ALL
	    SELECT document_id, cell_id, report_day(completed_at), 0, 1
	    FROM report_reach WHERE active AND completed_at IS NOT NULL) x
	JOIN org_units c ON c.id = x.cell_id
	GROUP BY x.document_id, x.cell_id, x.day, c.path;
	INSERT INTO report_zone_day (document_id, zone_id, day, readers,
	    completers)
	SELECT document_id, zone_id, day, sum(readers), sum(completers)
	FROM report_cell_day GROUP BY document_id, zone_id, day;

	PERFORM set_config('handbook.report_rebuild', 'off', true);
END
$$;

SELECT report_rebuild();

-- The report's SQL (0028) with the new figures.

DROP FUNCTION report_document_lines(ltree, bigint);
DROP FUNCTION report_document_figures(bigint, bigint, bigint, bigint, bigint,
    bigint);

-- Speed (issue 7, second round). The province root took 300 ms of SQL
-- (363 ms p50, 831 ms p95 over HTTPS) against 120 ms for the country root
-- with far more rows. EXPLAIN (ANALYZE, BUFFERS) of report_document_lines
-- at the province root: the zone rows (report_zone, report_members_zone)
-- were merge-joined to org_units read in id order through org_units_pkey
-- with path <@ p as a filter. The province's units have the low ids; once
-- its last zone was matched, the join still asked the filtered scan for
-- one more unit under p, and the scan walked the 270,869 units of the
-- country simulation after them to the end of the table to find none
-- (240 ms and 6,614 buffers for the counters, 45 ms more for the
-- members). At the country root the same plan stops after ~820 units:
-- its zones come first in its own id range and the zone side runs out.
-- So the cost depended on where a unit's ids sit in the table.
--
-- Now the zones below p are read first, from a GiST index of the units at
-- depth 3 or above (zones are never deeper: report_zone_of), a few hundred
-- index entries even for the country, materialized so that the planner
-- cannot turn them back into a filter on a walk of the table, and the
-- counter rows are joined to them. The same for the days.
CREATE INDEX org_units_upper_path ON org_units USING gist (path)
	WHERE nlevel(path) <= 3;

DROP FUNCTION report_document_days(ltree, bigint);

-- The zones strictly below the unit at p with the child of p each lies
-- under (none when p is at depth 3 or below: its cells' zone is p or
-- above it).
CREATE FUNCTION report_zones_below(p ltree)
RETURNS TABLE (zone_id bigint, grp bigint)
LANGUAGE sql STABLE AS $$
	SELECT z.id, subpath(z.path, nlevel(p), 1)::text::bigint
	FROM org_units z
	WHERE nlevel(p) < 3 AND z.path <@ p AND z.path <> p
	  AND nlevel(z.path) <= 3
$$;

-- A document's figures per child unit of the unit at p (the unit itself
-- when it is a cell): zone rows for zones strictly below p, cell rows for
-- the cells under p whose zone is not (see 0027).
CREATE FUNCTION report_document_lines(p ltree, doc bigint)
RETURNS TABLE (grp bigint, members bigint, readers bigint,
    completers bigint, attended bigint, at_meeting bigint, reached bigint,
    essays_submitted bigint, essays_accepted bigint, essays_returned bigint,
    quiz_participants bigint, quiz_score_sum numeric)
LANGUAGE sql STABLE AS $$
	WITH zs AS MATERIALIZED (
		SELECT * FROM report_zones_below(p)
	), b AS (
		SELECT nlevel(p) AS lvl,
		    subpath(p, nlevel(p) - 1, 1)::text::bigint AS self
	), counts AS (
		SELECT zs.grp AS g, 0::bigint AS m,
		    k.readers, k.completers, k.attended, k.at_meeting, k.reached,
		    k.essays_submitted, k.essays_accepted, k.essays_returned,
		    k.quiz_participants, k.quiz_score_sum
		FROM zs JOIN report_zone k ON k.document_id = doc
		    AND k.zone_id = zs.zone_id
		UNION ALL
		SELECT CASE WHEN c.path = p THEN b.self
		    ELSE subpath(c.path, b.lvl, 1)::text::bigint END, 0,
		    k.readers, k.completers, k.attended, k.at_meeting, k.reached,
		    k.essays_submitted, k.essays_accepted, k.essays_returned,
		    k.quiz_participants, k.quiz_score_sum
		FROM b, report_cell k JOIN org_units c ON c.id = k.cell_id
		WHERE k.document_id = doc AND k.zone_id = ANY (report_upper_ids(p))
		  AND c.path <@ p
		UNION ALL
		SELECT zs.grp, k.members, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
		FROM zs JOIN report_members_zone k ON k.zone_id = zs.zone_id
		UNION ALL
		SELECT CASE WHEN c.path = p THEN b.self
		    ELSE subpath(c.path, b.lvl, 1)::text::bigint END, k.members,
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0
		FROM b, report_members_cell k JOIN org_units c ON c.id = k.cell_id
		WHERE k.zone_id = ANY (report_upper_ids(p)) AND c.path <@ p
	)
	SELECT g, sum(m)::bigint, sum(readers)::bigint, sum(completers)::bigint,
	    sum(attended)::bigint, sum(at_meeting)::bigint, sum(reached)::bigint,
	    sum(essays_submitted)::bigint, sum(essays_accepted)::bigint,
	    sum(essays_returned)::bigint, sum(quiz_participants)::bigint,
	    sum(quiz_score_sum)
	FROM counts GROUP BY g
$$;

-- New readers and completers per day under the unit at p.
CREATE FUNCTION report_document_days(p ltree, doc bigint)
RETURNS TABLE (day date, readers bigint, completers bigint)
LANGUAGE sql STABLE AS $$
	WITH zs AS MATERIALIZED (
		SELECT * FROM report_zones_below(p)
	), rows AS (
		SELECT k.day, k.readers, k.completers
		FROM zs JOIN report_zone_day k ON k.document_id = doc
		    AND k.zone_id = zs.zone_id
		UNION ALL
		SELECT k.day, k.readers, k.completers
		FROM report_cell_day k JOIN org_units c ON c.id = k.cell_id
		WHERE k.document_id = doc AND k.zone_id = ANY (report_upper_ids(p))
		  AND c.path <@ p
	)
	SELECT day, sum(readers)::bigint, sum(completers)::bigint
	FROM rows GROUP BY day
$$;

-- The essay and quiz figures of a line (document and session reports).
CREATE FUNCTION report_study_figures(m bigint, es bigint, ea bigint,
    er bigint, qp bigint, qs numeric) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('essays_submitted', es,
	    'essays_accepted', ea, 'essays_returned', er,
	    'essay_rate', report_rate(es, m),
	    'quiz_participants', qp,
	    'quiz_participation_rate', report_rate(qp, m),
	    'quiz_mean_score', CASE WHEN qp > 0 THEN round(qs / qp, 4) END)
$$;

CREATE FUNCTION report_document_figures(m bigint, r bigint, c bigint,
    a bigint, mt bigint, x bigint, es bigint, ea bigint, er bigint,
    qp bigint, qs numeric) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('members', m, 'readers', r, 'completers', c,
	    'attended', a, 'at_meeting', mt, 'reached', x,
	    'reading_rate', report_rate(r, m),
	    'completion_rate', report_rate(c, m),
	    'attendance_rate', report_rate(a, m),
	    'reach_rate', report_rate(x, m)) ||
	    report_study_figures(m, es, ea, er, qp, qs)
$$;

-- A member's essay state for the member lists: none when not begun.
CREATE FUNCTION report_essay_state(s essay_state) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(s::text, 'none')
$$;

-- GET /api/v1/reports/engagement?unit=&document=|session=&from=&to=.
CREATE OR REPLACE FUNCTION api_report_engagement(actor bigint, unit bigint, doc bigint,
    sid bigint, from_text text, to_text text, want text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	u org_units;
	d documents;
	from_day date;
	to_day date;
	first_day date;
	lines jsonb;
	total jsonb;
	series jsonb;
	channels jsonb;
	people jsonb;
	subject jsonb;
	total_rate numeric;
BEGIN
	IF unit IS NULL THEN
		PERFORM api_refuse('missing_parameter',
		    'unit is required.', '400');
	END IF;
	IF (doc IS NULL) = (sid IS NULL) THEN
		PERFORM api_refuse('invalid_parameter',
		    'Give either document or session, not both.', '400');
	END IF;
	BEGIN
		from_day := CASE WHEN from_text IS NOT NULL
		    THEN api_date(from_text, 'from') END;
		to_day := CASE WHEN to_text IS NOT NULL
		    THEN api_date(to_text, 'to') END;
	EXCEPTION WHEN SQLSTATE 'HB422' THEN
		PERFORM api_refuse('invalid_parameter',
		    'from and to are dates written YYYY-MM-DD.', '400');
	END;
	IF from_day > to_day THEN
		PERFORM api_refuse('invalid_range', 'from is after to.', '400');
	END IF;

	SELECT * INTO u FROM org_units WHERE id = unit;
	IF u.id IS NULL OR NOT unit_readable(actor, u.path) THEN
		PERFORM access_require('not_found', 'unit');
	END IF;
	IF NOT path_in_scope(actor, 'unit.read', u.path) THEN
		PERFORM access_require('forbidden', 'unit');
	END IF;

	IF doc IS NOT NULL THEN
		SELECT * INTO d FROM documents WHERE id = doc;
		IF d.id IS NULL OR d.current_version IS NULL OR
		    NOT document_in_audience(actor, d) THEN
			PERFORM api_refuse('not_found', 'No such document.',
			    '404');
		END IF;
		SELECT report_day(min(v.published_at)) INTO first_day
		FROM document_versions v
		WHERE v.document_id = doc AND v.published_at IS NOT NULL;
		from_day := coalesce(from_day, first_day, report_day(now()));
		to_day := coalesce(to_day, greatest(report_day(now()), from_day));
		IF from_day > to_day THEN
			PERFORM api_refuse('invalid_range', 'from is after to.',
			    '400');
		END IF;
		IF to_day - from_day > 731 THEN
			PERFORM api_refuse('range_too_long', 'A series covers '
			    'at most two years of days.', '400');
		END IF;

		WITH l AS (
			SELECT x.*, c AS u FROM org_units c
			LEFT JOIN report_document_lines(u.path, doc) x
			    ON x.grp = c.id
			WHERE c.parent_id = u.id
		), j AS (
			SELECT report_line_json(l.u, report_document_figures(
			    coalesce(l.members, 0), coalesce(l.readers, 0),
			    coalesce(l.completers, 0), coalesce(l.attended, 0),
			    coalesce(l.at_meeting, 0), coalesce(l.reached, 0),
			    coalesce(l.essays_submitted, 0),
			    coalesce(l.essays_accepted, 0),
			    coalesce(l.essays_returned, 0),
			    coalesce(l.quiz_participants, 0),
			    coalesce(l.quiz_score_sum, 0)),
			    report_rate(l.reached, l.members)) AS line,
			    report_rate(l.reached, l.members) AS rate
			FROM l
		)
		SELECT coalesce(jsonb_agg(j.line ORDER BY
		    (j.line->>'target_met')::boolean NULLS LAST, j.rate NULLS LAST,
		    j.line->>'code'), '[]')
		INTO lines FROM j;

		SELECT report_document_figures(coalesce(sum(x.members), 0)::bigint,
		    coalesce(sum(x.readers), 0)::bigint,
		    coalesce(sum(x.completers), 0)::bigint,
		    coalesce(sum(x.attended), 0)::bigint,
		    coalesce(sum(x.at_meeting), 0)::bigint,
		    coalesce(sum(x.reached), 0)::bigint,
		    coalesce(sum(x.essays_submitted), 0)::bigint,
		    coalesce(sum(x.essays_accepted), 0)::bigint,
		    coalesce(sum(x.essays_returned), 0)::bigint,
		    coalesce(sum(x.quiz_participants), 0)::bigint,
		    coalesce(sum(x.quiz_score_sum), 0)),
		    report_rate(coalesce(sum(x.reached), 0)::bigint,
			coalesce(sum(x.members), 0)::bigint),
		    jsonb_build_object('app', coalesce(sum(x.readers), 0),
			'study_session', coalesce(sum(x.attended), 0),
			'cell_meeting', coalesce(sum(x.at_meeting), 0),
			'any', coalesce(sum(x.reached), 0))
		INTO total, total_rate, channels
		FROM report_document_lines(u.path, doc) x;

		WITH days AS (
			SELECT * FROM report_document_days(u.path, doc)
		), cal AS (
			SELECT g::date AS day FROM generate_series(from_day,
			    to_day, interval '1 day') g
		), before AS (
			SELECT coalesce(sum(readers), 0) AS r,
			    coalesce(sum(completers), 0) AS c
			FROM days WHERE day < from_day
		), s AS (
			SELECT cal.day, coalesce(days.readers, 0) AS nr,
			    coalesce(days.completers, 0) AS nc,
			    before.r + sum(coalesce(days.readers, 0)) OVER w AS cr,
			    before.c + sum(coalesce(days.completers, 0)) OVER w
				AS cc
			FROM cal LEFT JOIN days ON days.day = cal.day, before
			WINDOW w AS (ORDER BY cal.day)
		)
		SELECT jsonb_agg(jsonb_build_object('day', s.day,
		    'new_readers', s.nr, 'readers', s.cr,
		    'new_completers', s.nc, 'completers', s.cc) ORDER BY s.day)
		INTO series
		FROM s;

		IF u.kind = 'cell' AND path_in_scope(actor, 'member.read',
		    u.path) THEN
			SELECT coalesce(jsonb_agg(jsonb_build_object(
			    'id', m.id, 'card_number', m.card_number,
			    'full_name', m.full_name,
			    'read', r.read_at IS NOT NULL, 'read_at', r.read_at,
			    'completed', r.completed_at IS NOT NULL,
			    'completed_at', r.completed_at,
			    'attended_session', coalesce(r.session_seen, false),
			    'at_meeting', coalesce(r.meeting_seen, false),
			    'reached', coalesce(r.read_at IS NOT NULL OR
				r.session_seen OR r.meeting_seen, false),
			    'essay_state', report_essay_state(r.essay_state),
			    'essay_late', coalesce(r.essay_late, false),
			    'quiz_best_score', r.quiz_best)
			    ORDER BY coalesce(r.read_at IS NOT NULL OR
				r.session_seen OR r.meeting_seen, false),
			    r.completed_at IS NOT NULL, m.full_name, m.id), '[]')
			INTO people
			FROM members m
			LEFT JOIN report_reach r ON r.member_id = m.id
			    AND r.document_id = doc
			WHERE m.cell_id = u.id AND m.active;
		END IF;

		subject := jsonb_build_object('id', d.id, 'slug', d.slug,
		    'state', d.state, 'title',
		    (document_text_for(d.id, d.current_version, want)).title,
		    'first_published_on', first_day);
		RETURN jsonb_build_object('kind', 'document',
		    'document', subject, 'from', from_day, 'to', to_day,
		    'target_metric', 'reach_rate',
		    'unit', report_line_json(u, total, total_rate),
		    'children', lines, 'channels', channels, 'days', series,
		    'members', people)::json;
	END IF;

	-- A study session.
	IF study_session_access(actor, sid, 'read') <> 'ok' THEN
		PERFORM api_refuse('not_found', 'No such study session.', '404');
	END IF;
	RETURN (
	WITH st AS MATERIALIZED (
		SELECT s.member_id, s.state, s.made_up_in, s.cell_id,
		    CASE WHEN c.path = u.path THEN u.id
			ELSE subpath(c.path, nlevel(u.path), 1)::text::bigint
		    END AS grp
		FROM study_session_states(sid, ARRAY[u.path], NULL) s
		JOIN org_units c ON c.id = s.cell_id
	), ess AS MATERIALIZED (
		-- The essays written on this session as their study.
		SELECT e.member_id, e.state, e.late,
		    e.first_submitted_at IS NOT NULL AS handed_in
		FROM essays e WHERE e.session_id = sid
	), qui AS MATERIALIZED (
		-- The best share per member over the quizzes covering the
		-- session's documents (its original's, for a make-up).
		SELECT a.member_id,
		    round(max(a.score::numeric / a.max_score), 4) AS best
		FROM quiz_attempts a
		JOIN quiz_documents qd ON qd.quiz_id = a.quiz_id
		WHERE a.state = 'submitted' AND a.max_score > 0
		  AND qd.document_id IN (SELECT sd.document_id
		    FROM study_session_documents sd JOIN study_sessions s
			ON sd.session_id = coalesce(s.makeup_of, s.id)
		    WHERE s.id = sid)
		GROUP BY a.member_id
	), stx AS (
		SELECT st.*, e.state AS essay, coalesce(e.late, false) AS late,
		    coalesce(e.handed_in, false) AS handed_in, q.best
		FROM st LEFT JOIN ess e ON e.member_id = st.member_id
		LEFT JOIN qui q ON q.member_id = st.member_id
	), agg AS (
		SELECT grp, count(*) AS m,
		    count(*) FILTER (WHERE state = 'present') AS pr,
		    count(*) FILTER (WHERE state = 'made_up') AS mu,
		    count(*) FILTER (WHERE state = 'absent') AS ab,
		    count(*) FILTER (WHERE state = 'unrecorded') AS un,
		    count(*) FILTER (WHERE handed_in) AS es,
		    count(*) FILTER (WHERE essay = 'accepted') AS ea,
		    count(*) FILTER (WHERE essay = 'returned') AS er,
		    count(best) AS qp, coalesce(sum(best), 0) AS qs
		FROM stx GROUP BY grp
	), l AS (
		SELECT c AS cu, report_session_figures(coalesce(a.m, 0),
		    coalesce(a.pr, 0), coalesce(a.mu, 0), coalesce(a.ab, 0),
		    coalesce(a.un, 0)) || report_study_figures(coalesce(a.m, 0),
		    coalesce(a.es, 0), coalesce(a.ea, 0), coalesce(a.er, 0),
		    coalesce(a.qp, 0), coalesce(a.qs, 0)) AS f,
		    report_rate(coalesce(a.pr, 0) + coalesce(a.mu, 0),
			coalesce(a.m, 0)) AS rate
		FROM org_units c LEFT JOIN agg a ON a.grp = c.id
		WHERE c.parent_id = u.id
	), j AS (
		SELECT report_line_json(l.cu, l.f, l.rate) AS line, l.rate
		FROM l
	), tot AS (
		SELECT coalesce(sum(m), 0)::bigint AS m,
		    coalesce(sum(pr), 0)::bigint AS pr,
		    coalesce(sum(mu), 0)::bigint AS mu,
		    coalesce(sum(ab), 0)::bigint AS ab,
		    coalesce(sum(un), 0)::bigint AS un,
		    coalesce(sum(es), 0)::bigint AS es,
		    coalesce(sum(ea), 0)::bigint AS ea,
		    coalesce(sum(er), 0)::bigint AS er,
		    coalesce(sum(qp), 0)::bigint AS qp,
		    coalesce(sum(qs), 0) AS qs FROM agg
	)
	SELECT jsonb_build_object('kind', 'session',
	    'session', (SELECT jsonb_build_object('id', s.id, 'title', s.title,
		'starts_at', s.starts_at, 'ends_at', s.ends_at,
		'unit_id', s.unit_id, 'makeup_of', s.makeup_of,
		'status', study_session_status(s))
		FROM study_sessions s WHERE s.id = sid),
	    'from', from_day, 'to', to_day,
	    'target_metric', 'attendance_rate',
	    'unit', (SELECT report_line_json(u, report_session_figures(tot.m,
		tot.pr, tot.mu, tot.ab, tot.un) || report_study_figures(tot.m,
		tot.es, tot.ea, tot.er, tot.qp, tot.qs),
		report_rate(tot.pr + tot.mu, tot.m)) FROM tot),
	    'children', (SELECT coalesce(jsonb_agg(j.line ORDER BY
		(j.line->>'target_met')::boolean NULLS LAST, j.rate NULLS LAST,
		j.line->>'code'), '[]') FROM j),
	    'members', CASE WHEN u.kind = 'cell' AND path_in_scope(actor,
		'member.read', u.path) THEN (
		SELECT coalesce(jsonb_agg(jsonb_build_object('id', m.id,
		    'card_number', m.card_number, 'full_name', m.full_name,
		    'state', st.state, 'made_up_in', st.made_up_in,
		    'attended', st.state IN ('present', 'made_up'),
		    'essay_state', report_essay_state(st.essay),
		    'essay_late', st.late, 'quiz_best_score', st.best)
		    ORDER BY st.state IN ('present', 'made_up'), m.full_name,
		    m.id), '[]')
		FROM stx st JOIN members m ON m.id = st.member_id) END)::json);
END
$$;


-- Planning cost more than running: with the fixes above, EXPLAIN ANALYZE
-- of the children's lines at the province root shows 27 to 49 ms of
-- planning (ltree selectivity and index probes of the inlined functions)
-- for 3 to 9 ms of execution; PL/pgSQL re-plans each statement with the
-- parameters' values (custom plans) because the generic plan's estimate
-- looks costlier. The generic plans are as good here (the same index
-- scans: the zones come from a materialized CTE, the cell rows from
-- (document_id, zone_id)), so each connection plans the report once.
ALTER FUNCTION api_report_engagement(bigint, bigint, bigint, bigint, text,
    text, text) SET plan_cache_mode = force_generic_plan;
