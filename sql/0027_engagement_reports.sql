-- Engagement reports (issue 7): how far a document has reached, cell by
-- cell, rolled up the tree; the SQL half of kore-app/reports.c.
--
-- The figures come from the records of issue 5 and are kept current by
-- triggers as those records arrive, so that a report reads a few thousand
-- counter rows at most, never the raw events:
--
-- * report_reach: one row per member and document the member was reached
--   by, through any channel: read in the app (progress exists: its first
--   opening and its completion), attended a study session covering the
--   document (present at it, or at a make-up of it), present at a cell
--   meeting that discussed it. It carries the member's current cell and
--   whether they are active, so that figures always count the members a
--   unit has now: a member who moves takes their reach with them, one
--   who leaves stops counting (numerator and denominator alike).
-- * Counters per document and cell (report_cell, report_cell_day) are
--   bumped by a trigger on report_reach. So are the same counters per
--   zone (report_zone, report_zone_day), where a cell's zone is its
--   ancestor at depth 3 (a district in a country tree, a grassroots unit
--   in a province tree) or its parent if the cell is shallower. A report
--   for a unit at depth 3 or below sums the cell rows of one zone; above,
--   it sums zone rows (a few hundred for the country) and only the cells
--   directly under the unit. So the hottest row a first read touches is
--   its district's, never a province's or the root's: every first read in
--   the country does not queue on one row.
-- * Members per cell and zone (report_members_cell, report_members_zone)
--   are kept the same way by a trigger on members: the denominator.
--
-- The essay and quiz figures of issue 6 are to be added as sources of
-- their own: a per-member flag or state on report_reach (or a reach table
-- of their own), their counters beside these, and the report summing one
-- more source; nothing here depends on there being three channels.
--
-- Zones are keyed by unit id, so moving a district keeps its rows; a cell
-- whose zone changes (its grassroots unit moved to another district) moves
-- its counts from one zone row to the other in the same statement, by the
-- trigger on org_units. report_rebuild() recomputes everything from the
-- raw records (used by this migration, by the benchmark generator, and to
-- repair); tests/integration/reports_rollup.sh checks the incremental
-- figures against a brute-force recomputation.
--
-- Days are days in Vietnam (Asia/Ho_Chi_Minh, +07:00), as elsewhere in the
-- API when a date stands alone.

CREATE TABLE report_reach (
	member_id	bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	document_id	bigint NOT NULL REFERENCES documents (id)
			    ON DELETE CASCADE,
	cell_id		bigint NOT NULL,
	active		boolean NOT NULL,
	read_at		timestamptz,	-- progress.first_opened_at
	completed_at	timestamptz,	-- progress.completed_at
	session_seen	boolean NOT NULL DEFAULT false,
	meeting_seen	boolean NOT NULL DEFAULT false,
	PRIMARY KEY (member_id, document_id)
);

-- The member list of a cell for a document.
CREATE INDEX report_reach_cell ON report_reach (document_id, cell_id);

CREATE TABLE report_cell (
	document_id	bigint NOT NULL,
	cell_id		bigint NOT NULL,
	zone_id		bigint NOT NULL,
	readers		integer NOT NULL DEFAULT 0,
	completers	integer NOT NULL DEFAULT 0,
	attended	integer NOT NULL DEFAULT 0,	-- at a study session
	at_meeting	integer NOT NULL DEFAULT 0,	-- at a cell meeting
	reached		integer NOT NULL DEFAULT 0,	-- by any channel
	PRIMARY KEY (document_id, cell_id)
);

CREATE INDEX report_cell_zone ON report_cell (document_id, zone_id);
CREATE INDEX report_cell_cell ON report_cell (cell_id);

CREATE TABLE report_zone (
	document_id	bigint NOT NULL,
	zone_id		bigint NOT NULL,
	readers		bigint NOT NULL DEFAULT 0,
	completers	bigint NOT NULL DEFAULT 0,
	attended	bigint NOT NULL DEFAULT 0,
	at_meeting	bigint NOT NULL DEFAULT 0,
	reached		bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (document_id, zone_id)
);

-- New readers and completers per day (first opening, completion).
CREATE TABLE report_cell_day (
	document_id	bigint NOT NULL,
	cell_id		bigint NOT NULL,
	day		date NOT NULL,
	zone_id		bigint NOT NULL,
	readers		integer NOT NULL DEFAULT 0,
	completers	integer NOT NULL DEFAULT 0,
	PRIMARY KEY (document_id, cell_id, day)
);

CREATE INDEX report_cell_day_zone ON report_cell_day (document_id, zone_id);
CREATE INDEX report_cell_day_cell ON report_cell_day (cell_id);

CREATE TABLE report_zone_day (
	document_id	bigint NOT NULL,
	zone_id		bigint NOT NULL,
	day		date NOT NULL,
	readers		bigint NOT NULL DEFAULT 0,
	completers	bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (document_id, zone_id, day)
);

CREATE TABLE report_members_cell (
	cell_id		bigint PRIMARY KEY,
	zone_id		bigint NOT NULL,
	members		integer NOT NULL DEFAULT 0
);

CREATE INDEX report_members_cell_zone ON report_members_cell (zone_id);

CREATE TABLE report_members_zone (
	zone_id		bigint PRIMARY KEY,
	members		bigint NOT NULL DEFAULT 0
);

-- The share of members a unit aims to reach, set by its board; a unit
-- without one inherits the nearest set above it, else 95%.
CREATE TABLE report_targets (
	unit_id		bigint PRIMARY KEY REFERENCES org_units (id)
			    ON DELETE CASCADE,
	target		numeric(5,4) NOT NULL CHECK (target > 0 AND target <= 1),
	set_by		bigint REFERENCES members (id) ON DELETE SET NULL,
	set_at		timestamptz NOT NULL DEFAULT now()
);

-- The depth of zones (see the top).
CREATE FUNCTION report_zone_level() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 3 $$;

-- The zone of a cell with path p: its ancestor at depth 3, or its parent.
CREATE FUNCTION report_zone_of(p ltree) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT subpath(p, least(report_zone_level(), nlevel(p) - 1) - 1,
	    1)::text::bigint
$$;

CREATE FUNCTION report_cell_zone(cell bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT report_zone_of(path) FROM org_units WHERE id = cell
$$;

CREATE FUNCTION report_day(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT (t AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
$$;

-- report_rebuild() sets this for its transaction: the triggers then leave
-- the counters alone, and it computes them in bulk.
CREATE FUNCTION report_rebuilding() RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(current_setting('handbook.report_rebuild', true), '')
	    = 'on'
$$;

-- Adds deltas to a document's counters of a cell and its zone.
CREATE FUNCTION report_count(doc bigint, cell bigint, d_read integer,
    d_done integer, d_att integer, d_meet integer, d_reach integer)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	z bigint;
BEGIN
	IF d_read = 0 AND d_done = 0 AND d_att = 0 AND d_meet = 0 AND
	    d_reach = 0 THEN
		RETURN;
	END IF;
	z := report_cell_zone(cell);
	IF z IS NULL THEN
		RETURN;		-- the cell is gone (a fixture deleting units)
	END IF;
	-- The zone row first, then the cell's: every writer takes them in
	-- that order (see report_reach_refresh), so two cannot deadlock here.
	INSERT INTO report_zone AS k (document_id, zone_id, readers,
	    completers, attended, at_meeting, reached)
	VALUES (doc, z, d_read, d_done, d_att, d_meet, d_reach)
	ON CONFLICT (document_id, zone_id) DO UPDATE SET
	    readers = k.readers + d_read, completers = k.completers + d_done,
	    attended = k.attended + d_att, at_meeting = k.at_meeting + d_meet,
	    reached = k.reached + d_reach;
	INSERT INTO report_cell AS k (document_id, cell_id, zone_id, readers,
	    completers, attended, at_meeting, reached)
	VALUES (doc, cell, z, d_read, d_done, d_att, d_meet, d_reach)
	ON CONFLICT (document_id, cell_id) DO UPDATE SET
	    readers = k.readers + d_read, completers = k.completers + d_done,
	    attended = k.attended + d_att, at_meeting = k.at_meeting + d_meet,
	    reached = k.reached + d_reach;
END
$$;

CREATE FUNCTION report_count_day(doc bigint, cell bigint, d date,
    d_read integer, d_done integer)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	z bigint;
BEGIN
	IF d IS NULL OR (d_read = 0 AND d_done = 0) THEN
		RETURN;
	END IF;
	z := report_cell_zone(cell);
	IF z IS NULL THEN
		RETURN;
	END IF;
	INSERT INTO report_zone_day AS k (document_id, zone_id, day, readers,
	    completers)
	VALUES (doc, z, d, d_read, d_done)
	ON CONFLICT (document_id, zone_id, day) DO UPDATE SET
	    readers = k.readers + d_read, completers = k.completers + d_done;
	INSERT INTO report_cell_day AS k (document_id, cell_id, day, zone_id,
	    readers, completers)
	VALUES (doc, cell, d, z, d_read, d_done)
	ON CONFLICT (document_id, cell_id, day) DO UPDATE SET
	    readers = k.readers + d_read, completers = k.completers + d_done;
END
$$;

-- A reach row changed: its contribution moves. The common cases (a first
-- read, a completion) touch one cell row, one zone row and one day row of
-- each.
CREATE FUNCTION report_reach_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o_on boolean := TG_OP <> 'INSERT' AND OLD.active;
	n_on boolean := TG_OP <> 'DELETE' AND NEW.active;
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	IF o_on AND n_on AND OLD.cell_id = NEW.cell_id THEN
		PERFORM report_count(NEW.document_id, NEW.cell_id,
		    (NEW.read_at IS NOT NULL)::integer -
			(OLD.read_at IS NOT NULL)::integer,
		    (NEW.completed_at IS NOT NULL)::integer -
			(OLD.completed_at IS NOT NULL)::integer,
		    NEW.session_seen::integer - OLD.session_seen::integer,
		    NEW.meeting_seen::integer - OLD.meeting_seen::integer,
		    (NEW.read_at IS NOT NULL OR NEW.session_seen OR
			NEW.meeting_seen)::integer -
		    (OLD.read_at IS NOT NULL OR OLD.session_seen OR
			OLD.meeting_seen)::integer);
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
		PERFORM report_count(OLD.document_id, OLD.cell_id,
		    -(OLD.read_at IS NOT NULL)::integer,
		    -(OLD.completed_at IS NOT NULL)::integer,
		    -OLD.session_seen::integer, -OLD.meeting_seen::integer,
		    -(OLD.read_at IS NOT NULL OR OLD.session_seen OR
			OLD.meeting_seen)::integer);
		PERFORM report_count_day(OLD.document_id, OLD.cell_id,
		    report_day(OLD.read_at), -1, 0);
		PERFORM report_count_day(OLD.document_id, OLD.cell_id,
		    report_day(OLD.completed_at), 0, -1);
	END IF;
	IF n_on THEN
		PERFORM report_count(NEW.document_id, NEW.cell_id,
		    (NEW.read_at IS NOT NULL)::integer,
		    (NEW.completed_at IS NOT NULL)::integer,
		    NEW.session_seen::integer, NEW.meeting_seen::integer,
		    (NEW.read_at IS NOT NULL OR NEW.session_seen OR
			NEW.meeting_seen)::integer);
		PERFORM report_count_day(NEW.document_id, NEW.cell_id,
		    report_day(NEW.read_at), 1, 0);
		PERFORM report_count_day(NEW.document_id, NEW.cell_id,
		    report_day(NEW.completed_at), 0, 1);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER report_reach_counts
	AFTER INSERT OR UPDATE OR DELETE ON report_reach
	FOR EACH ROW EXECUTE FUNCTION report_reach_counts();

-- Reading: progress (kept by api_events_post) gives the first opening and
-- the completion. Only those two matter here; the trigger's WHEN keeps
-- every other progress update (sections, seconds) free of any call.
CREATE FUNCTION report_progress_reach() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' THEN
		UPDATE report_reach SET read_at = NULL, completed_at = NULL
		WHERE member_id = OLD.member_id
		  AND document_id = OLD.document_id;
		RETURN NULL;
	END IF;
	INSERT INTO report_reach AS r (member_id, document_id, cell_id, active,
	    read_at, completed_at)
	SELECT NEW.member_id, NEW.document_id, m.cell_id, m.active,
	    NEW.first_opened_at, NEW.completed_at
	FROM members m WHERE m.id = NEW.member_id
	ON CONFLICT (member_id, document_id) DO UPDATE SET
	    read_at = excluded.read_at, completed_at = excluded.completed_at
	WHERE (r.read_at, r.completed_at) IS DISTINCT FROM
	    (excluded.read_at, excluded.completed_at);
	RETURN NULL;
END
$$;

CREATE TRIGGER report_progress_insert
	AFTER INSERT ON progress
	FOR EACH ROW EXECUTE FUNCTION report_progress_reach();
CREATE TRIGGER report_progress_update
	AFTER UPDATE ON progress
	FOR EACH ROW WHEN (OLD.first_opened_at IS DISTINCT FROM
	    NEW.first_opened_at OR OLD.completed_at IS DISTINCT FROM
	    NEW.completed_at)
	EXECUTE FUNCTION report_progress_reach();
CREATE TRIGGER report_progress_delete
	AFTER DELETE ON progress
	FOR EACH ROW EXECUTE FUNCTION report_progress_reach();

-- Did member m attend a study session covering doc: present at a session
-- that was not cancelled and lists it, or at a make-up of such a session
-- (a make-up studies what its original did, whatever else it lists).
CREATE FUNCTION report_session_seen(m bigint, doc bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (
		SELECT 1 FROM study_attendance a
		JOIN study_sessions s ON s.id = a.session_id
		    AND s.cancelled_at IS NULL
		LEFT JOIN study_sessions o ON o.id = s.makeup_of
		WHERE a.member_id = m AND a.status = 'present'
		  AND (o.id IS NULL OR o.cancelled_at IS NULL)
		  AND EXISTS (SELECT 1 FROM study_session_documents sd
			WHERE sd.document_id = doc
			  AND (sd.session_id = s.id OR sd.session_id = o.id)))
$$;

-- Was member m present at a (not deleted) cell meeting that discussed doc?
CREATE FUNCTION report_meeting_seen(m bigint, doc bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (
		SELECT 1 FROM cell_meeting_attendance a
		JOIN cell_meetings mt ON mt.id = a.meeting_id
		    AND mt.deleted_at IS NULL
		JOIN cell_meeting_documents md ON md.meeting_id = mt.id
		    AND md.document_id = doc
		WHERE a.member_id = m AND a.present)
$$;

-- Recomputes the session and meeting channels of these (member,
-- document) pairs from the records: whatever changed (a line recorded,
-- corrected or deleted, a session cancelled, a meeting deleted or its
-- documents replaced), asking again is always right, and the pairs a
-- change touches are few.
CREATE FUNCTION report_reach_refresh(ms bigint[], ds bigint[])
RETURNS void
LANGUAGE sql AS $$
	INSERT INTO report_reach AS r (member_id, document_id, cell_id, active,
	    session_seen, meeting_seen)
	SELECT x.m, x.d, mb.cell_id, mb.active, x.s, x.t
	FROM (SELECT p.m, p.d, report_session_seen(p.m, p.d) AS s,
		report_meeting_seen(p.m, p.d) AS t
	    FROM (SELECT DISTINCT u.m, u.d FROM unnest(ms, ds) AS u (m, d)
		WHERE u.m IS NOT NULL AND u.d IS NOT NULL) p) x
	JOIN members mb ON mb.id = x.m
	JOIN documents dd ON dd.id = x.d
	WHERE x.s OR x.t OR EXISTS (SELECT 1 FROM report_reach e
	    WHERE e.member_id = x.m AND e.document_id = x.d)
	-- Document first: row locks on the counters of one document are
	-- taken before the next document's, in the order the events' upserts
	-- take them (by document), which keeps deadlocks with them rare.
	ORDER BY x.d, x.m
	ON CONFLICT (member_id, document_id) DO UPDATE SET
	    session_seen = excluded.session_seen,
	    meeting_seen = excluded.meeting_seen
	WHERE (r.session_seen, r.meeting_seen) IS DISTINCT FROM
	    (excluded.session_seen, excluded.meeting_seen)
$$;

-- Attendance lines changed (a bulk PUT is one statement): the pairs of
-- their members and the documents their sessions cover.
CREATE FUNCTION report_study_attendance_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ms bigint[];
	ds bigint[];
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	WITH lines AS (
		SELECT session_id, member_id FROM changed_new
		UNION
		SELECT session_id, member_id FROM changed_old
	), pairs AS (
		SELECT DISTINCT l.member_id, sd.document_id
		FROM lines l JOIN study_sessions s ON s.id = l.session_id
		JOIN study_session_documents sd ON sd.session_id = s.id
		    OR sd.session_id = s.makeup_of
	)
	SELECT array_agg(member_id), array_agg(document_id) INTO ms, ds
	FROM pairs;
	PERFORM report_reach_refresh(ms, ds);
	RETURN NULL;
END
$$;

-- A transition table must exist under both names in each trigger; the
-- insert and delete triggers lend an empty one.
CREATE FUNCTION report_study_attendance_ins() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	PERFORM report_reach_refresh(array_agg(n.member_id),
	    array_agg(sd.document_id))
	FROM changed_new n JOIN study_sessions s ON s.id = n.session_id
	JOIN study_session_documents sd ON sd.session_id = s.id
	    OR sd.session_id = s.makeup_of;
	RETURN NULL;
END
$$;

CREATE FUNCTION report_study_attendance_del() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	PERFORM report_reach_refresh(array_agg(o.member_id),
	    array_agg(sd.document_id))
	FROM changed_old o JOIN study_sessions s ON s.id = o.session_id
	JOIN study_session_documents sd ON sd.session_id = s.id
	    OR sd.session_id = s.makeup_of;
	RETURN NULL;
END
$$;

CREATE TRIGGER report_study_attendance_insert
	AFTER INSERT ON study_attendance
	REFERENCING NEW TABLE AS changed_new
	FOR EACH STATEMENT EXECUTE FUNCTION report_study_attendance_ins();
CREATE TRIGGER report_study_attendance_update
	AFTER UPDATE ON study_attendance
	REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
	FOR EACH STATEMENT EXECUTE FUNCTION report_study_attendance_changed();
CREATE TRIGGER report_study_attendance_delete
	AFTER DELETE ON study_attendance
	REFERENCING OLD TABLE AS changed_old
	FOR EACH STATEMENT EXECUTE FUNCTION report_study_attendance_del();

-- A session cancelled (or its original changed) or its documents changed:
-- the lines present at it and at its make-ups. Before a session starts
-- there are none, which is when these changes are allowed; the trigger
-- keeps the figures right whatever a future endpoint allows.
CREATE FUNCTION report_session_refresh(sid bigint) RETURNS void
LANGUAGE sql AS $$
	SELECT report_reach_refresh(array_agg(a.member_id),
	    array_agg(sd.document_id))
	FROM study_sessions s
	JOIN study_attendance a ON a.session_id = s.id
	JOIN study_session_documents sd ON sd.session_id = s.id
	    OR sd.session_id = s.makeup_of
	WHERE s.id = sid OR s.makeup_of = sid
$$;

CREATE FUNCTION report_study_session_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	IF TG_TABLE_NAME = 'study_sessions' THEN
		PERFORM report_session_refresh(NEW.id);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM report_session_refresh(OLD.session_id);
		-- The pairs of the document dropped (no longer reachable
		-- through the session's document rows).
		PERFORM report_reach_refresh(array_agg(a.member_id),
		    array_agg(OLD.document_id))
		FROM study_attendance a JOIN study_sessions s
		    ON s.id = a.session_id
		WHERE s.id = OLD.session_id OR s.makeup_of = OLD.session_id;
	ELSE
		PERFORM report_session_refresh(NEW.session_id);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER report_study_session_changed
	AFTER UPDATE ON study_sessions
	FOR EACH ROW WHEN (OLD.cancelled_at IS DISTINCT FROM NEW.cancelled_at
	    OR OLD.makeup_of IS DISTINCT FROM NEW.makeup_of)
	EXECUTE FUNCTION report_study_session_changed();
CREATE TRIGGER report_study_session_documents
	AFTER INSERT OR DELETE ON study_session_documents
	FOR EACH ROW EXECUTE FUNCTION report_study_session_changed();

-- Cell meetings: attendance lines, the documents discussed, deletion.
CREATE FUNCTION report_meeting_refresh(mid bigint, extra_doc bigint)
RETURNS void
LANGUAGE sql AS $$
	SELECT report_reach_refresh(array_agg(a.member_id),
	    array_agg(d.document_id))
	FROM cell_meeting_attendance a
	CROSS JOIN LATERAL (SELECT md.document_id FROM cell_meeting_documents md
	    WHERE md.meeting_id = mid
	    UNION SELECT extra_doc WHERE extra_doc IS NOT NULL) d
	WHERE a.meeting_id = mid
$$;

CREATE FUNCTION report_meeting_attendance_ins() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	PERFORM report_reach_refresh(array_agg(n.member_id),
	    array_agg(md.document_id))
	FROM changed_new n JOIN cell_meeting_documents md
	    ON md.meeting_id = n.meeting_id;
	RETURN NULL;
END
$$;

CREATE FUNCTION report_meeting_attendance_del() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	PERFORM report_reach_refresh(array_agg(o.member_id),
	    array_agg(md.document_id))
	FROM changed_old o JOIN cell_meeting_documents md
	    ON md.meeting_id = o.meeting_id;
	RETURN NULL;
END
$$;

CREATE TRIGGER report_meeting_attendance_insert
	AFTER INSERT ON cell_meeting_attendance
	REFERENCING NEW TABLE AS changed_new
	FOR EACH STATEMENT EXECUTE FUNCTION report_meeting_attendance_ins();
CREATE TRIGGER report_meeting_attendance_update_new
	AFTER UPDATE ON cell_meeting_attendance
	REFERENCING NEW TABLE AS changed_new
	FOR EACH STATEMENT EXECUTE FUNCTION report_meeting_attendance_ins();
CREATE TRIGGER report_meeting_attendance_delete
	AFTER DELETE ON cell_meeting_attendance
	REFERENCING OLD TABLE AS changed_old
	FOR EACH STATEMENT EXECUTE FUNCTION report_meeting_attendance_del();

CREATE FUNCTION report_meeting_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	IF TG_TABLE_NAME = 'cell_meetings' THEN
		PERFORM report_meeting_refresh(NEW.id, NULL);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM report_meeting_refresh(OLD.meeting_id, OLD.document_id);
	ELSE
		PERFORM report_meeting_refresh(NEW.meeting_id, NULL);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER report_meeting_deleted
	AFTER UPDATE ON cell_meetings
	FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
	EXECUTE FUNCTION report_meeting_changed();
CREATE TRIGGER report_meeting_documents
	AFTER INSERT OR DELETE ON cell_meeting_documents
	FOR EACH ROW EXECUTE FUNCTION report_meeting_changed();

-- Members: the denominator, and their reach follows them.
-- Statement-level, with the rows each statement changed: a member import
-- or the benchmark generator inserts thousands of members in one
-- statement, and one upsert per cell (and per zone) is far cheaper than
-- two per member.
CREATE FUNCTION report_members_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	WITH delta AS (
		SELECT x.cell_id, sum(x.d)::integer AS d
		FROM (SELECT cell_id, 1 AS d FROM changed_new WHERE active
		    UNION ALL
		    SELECT cell_id, -1 FROM changed_old WHERE active) x
		GROUP BY x.cell_id
	), per_cell AS (
		SELECT d.cell_id, report_zone_of(c.path) AS zone_id, d.d
		FROM delta d JOIN org_units c ON c.id = d.cell_id
		WHERE d.d <> 0
	), cells AS (
		INSERT INTO report_members_cell AS k (cell_id, zone_id, members)
		SELECT cell_id, zone_id, d FROM per_cell ORDER BY cell_id
		ON CONFLICT (cell_id) DO UPDATE SET
		    members = k.members + excluded.members
	)
	INSERT INTO report_members_zone AS k (zone_id, members)
	SELECT zone_id, sum(d) FROM per_cell GROUP BY zone_id ORDER BY zone_id
	ON CONFLICT (zone_id) DO UPDATE SET
	    members = k.members + excluded.members;

	IF TG_OP = 'UPDATE' THEN
		-- Their reach goes with them (report_reach_counts moves it).
		UPDATE report_reach r SET cell_id = n.cell_id, active = n.active
		FROM changed_new n JOIN changed_old o ON o.id = n.id
		WHERE r.member_id = n.id
		  AND (o.cell_id, o.active) IS DISTINCT FROM (n.cell_id, n.active);
	END IF;
	RETURN NULL;
END
$$;

-- Inserts and deletes have one transition table each, hence functions
-- of their own.
CREATE FUNCTION report_members_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	WITH per_cell AS (
		SELECT n.cell_id, report_zone_of(c.path) AS zone_id,
		    count(*)::integer AS d
		FROM changed_new n JOIN org_units c ON c.id = n.cell_id
		WHERE n.active GROUP BY n.cell_id, c.path
	), cells AS (
		INSERT INTO report_members_cell AS k (cell_id, zone_id, members)
		SELECT cell_id, zone_id, d FROM per_cell ORDER BY cell_id
		ON CONFLICT (cell_id) DO UPDATE SET
		    members = k.members + excluded.members
	)
	INSERT INTO report_members_zone AS k (zone_id, members)
	SELECT zone_id, sum(d) FROM per_cell GROUP BY zone_id ORDER BY zone_id
	ON CONFLICT (zone_id) DO UPDATE SET
	    members = k.members + excluded.members;
	RETURN NULL;
END
$$;

CREATE FUNCTION report_members_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF report_rebuilding() THEN
		RETURN NULL;
	END IF;
	-- The cells may be going in the same statement (a fixture removing
	-- its organisation): then there is nothing left to count.
	WITH per_cell AS (
		SELECT o.cell_id, report_zone_of(c.path) AS zone_id,
		    -count(*)::integer AS d
		FROM changed_old o JOIN org_units c ON c.id = o.cell_id
		WHERE o.active GROUP BY o.cell_id, c.path
	), cells AS (
		UPDATE report_members_cell k SET members = k.members + p.d
		FROM per_cell p WHERE k.cell_id = p.cell_id
	)
	UPDATE report_members_zone k SET members = k.members + z.d
	FROM (SELECT zone_id, sum(d) AS d FROM per_cell GROUP BY zone_id) z
	WHERE k.zone_id = z.zone_id;
	RETURN NULL;
END
$$;

CREATE TRIGGER report_members_insert
	AFTER INSERT ON members
	REFERENCING NEW TABLE AS changed_new
	FOR EACH STATEMENT EXECUTE FUNCTION report_members_inserted();
CREATE TRIGGER report_members_update
	AFTER UPDATE ON members
	REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
	FOR EACH STATEMENT EXECUTE FUNCTION report_members_changed();
CREATE TRIGGER report_members_delete
	AFTER DELETE ON members
	REFERENCING OLD TABLE AS changed_old
	FOR EACH STATEMENT EXECUTE FUNCTION report_members_deleted();

-- A cell whose zone changed (a unit above it moved): its counts move from
-- the old zone's rows to the new one's.
CREATE FUNCTION report_cell_moved() RETURNS trigger
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
		    reached = z.reached - m.reached
		FROM moved m
		WHERE z.document_id = m.document_id AND z.zone_id = oz
	)
	INSERT INTO report_zone AS z (document_id, zone_id, readers, completers,
	    attended, at_meeting, reached)
	SELECT m.document_id, nz, m.readers, m.completers, m.attended,
	    m.at_meeting, m.reached FROM moved m
	ON CONFLICT (document_id, zone_id) DO UPDATE SET
	    readers = z.readers + excluded.readers,
	    completers = z.completers + excluded.completers,
	    attended = z.attended + excluded.attended,
	    at_meeting = z.at_meeting + excluded.at_meeting,
	    reached = z.reached + excluded.reached;

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

CREATE TRIGGER report_cell_moved
	AFTER UPDATE ON org_units
	FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path AND
	    NEW.kind = 'cell')
	EXECUTE FUNCTION report_cell_moved();

-- Every report table recomputed from the raw records, in bulk. Locks the
-- tables it reads against writes for its duration: maintenance work.
CREATE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	LOCK TABLE members, progress, study_attendance, study_sessions,
	    study_session_documents, cell_meetings, cell_meeting_documents,
	    cell_meeting_attendance IN SHARE MODE;
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
	    read_at, completed_at, session_seen, meeting_seen)
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
	), pairs AS (
		SELECT member_id, document_id FROM progress
		UNION SELECT * FROM ses
		UNION SELECT * FROM mee
	)
	SELECT p.member_id, p.document_id, m.cell_id, m.active,
	    pr.first_opened_at, pr.completed_at, s.member_id IS NOT NULL,
	    t.member_id IS NOT NULL
	FROM pairs p
	JOIN members m ON m.id = p.member_id
	LEFT JOIN progress pr ON pr.member_id = p.member_id
	    AND pr.document_id = p.document_id
	LEFT JOIN ses s ON s.member_id = p.member_id
	    AND s.document_id = p.document_id
	LEFT JOIN mee t ON t.member_id = p.member_id
	    AND t.document_id = p.document_id;

	INSERT INTO report_cell (document_id, cell_id, zone_id, readers,
	    completers, attended, at_meeting, reached)
	SELECT r.document_id, r.cell_id, report_zone_of(c.path),
	    count(r.read_at), count(r.completed_at),
	    count(*) FILTER (WHERE r.session_seen),
	    count(*) FILTER (WHERE r.meeting_seen),
	    count(*) FILTER (WHERE r.read_at IS NOT NULL OR r.session_seen OR
		r.meeting_seen)
	FROM report_reach r JOIN org_units c ON c.id = r.cell_id
	WHERE r.active
	GROUP BY r.document_id, r.cell_id, c.path;
	INSERT INTO report_zone (document_id, zone_id, readers, completers,
	    attended, at_meeting, reached)
	SELECT document_id, zone_id, sum(readers), sum(completers),
	    sum(attended), sum(at_meeting), sum(reached)
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
