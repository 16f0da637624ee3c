-- Study sessions (hội nghị học tập, quán triệt nghị quyết), their bridge
-- points (điểm cầu) and who attended: the SQL half of
-- kore-app/study_sessions.c and kore-app/attendance.c.
--
-- How it works in practice (../shared/seeds/): a province or district
-- board holds a conference, often online, to study a resolution; bridge
-- points in its districts and communes gather the members of the units
-- around them; the cells record who came; members who missed it study it
-- later in a make-up session (học bù), usually held by their grassroots
-- unit or cell, and the original then counts them as made up.
--
-- Who may do what (study_scope() below, in the manner of actor_scope() of
-- 0004_access.sql, kept apart so the two tables do not have to change
-- together):
--
--   role               schedules, edits, cancels    records attendance
--                      sessions; adds bridge points  per member; sees the
--                      and their counts              per-member lines
--   admin of U / all   organised at U or below       members under U
--   committee of U     organised at U or below       members under U
--   propaganda of U    organised at U or below       - (counts only)
--   cell secretary,    organised by their cell       members of their cell
--   deputy of a cell
--   every member       -                             - (their own line)
--
-- A committee may organise a session of its own unit (unlike unit.write,
-- which is strictly below): holding the unit's conference is its job. A
-- propaganda officer, who cannot read members (0004), organises but does
-- not record per-member attendance; the actual attendee count of a bridge
-- point is theirs to record, and also that of the officers of the bridge
-- point's unit (a commune's secretary reports how many came to the
-- commune's hall).
--
-- Who sees a session: every member it expects (their cell is under the
-- organising unit) and every officer whose subtree it touches: organised
-- inside the subtree, or above it (a district committee sees the
-- province's conference, whose audience includes its members). Anyone
-- else gets 404.
--
-- Who is expected: the active members whose cell is under the organising
-- unit. A make-up session expects those of them who were not present at
-- the original. A member's bridge point is the one whose unit is the
-- nearest above their cell. The audience is computed when asked, not
-- copied (a country-wide conference would be 5.6 million rows); an
-- attendance row keeps the cell the member was in when it was recorded,
-- so a line stays with that cell if the member moves later.
--
-- A member's state for a session: present, absent (with a reason),
-- made_up (not present, but present at a make-up session linked to it) or
-- unrecorded. study_session_states() is the one place that computes it:
-- the endpoints use it, and so will the engagement reports of issue 7
-- (the make-up list is its rows in state absent or unrecorded).
--
-- Time: a session may not be created to start in the past (five minutes
-- of grace for clocks): members are told of sessions before they happen,
-- and attendance is not invented afterwards. It can be changed or
-- cancelled until it starts; attendance and actual counts are recorded
-- once it has started.

CREATE TYPE study_mode AS ENUM ('online', 'in_person', 'both');
CREATE TYPE study_attendance_status AS ENUM ('present', 'absent');

CREATE TABLE study_sessions (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- The organising unit; its subtree is the audience. Sessions go
	-- with their unit (no endpoint deletes units; test fixtures do).
	unit_id		bigint NOT NULL REFERENCES org_units (id)
			ON DELETE CASCADE,
	title		text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
	mode		study_mode NOT NULL,
	starts_at	timestamptz NOT NULL,
	ends_at		timestamptz NOT NULL,
	-- The original this session makes up for (never a make-up itself).
	makeup_of	bigint REFERENCES study_sessions (id) ON DELETE CASCADE,
	cancelled_at	timestamptz,
	cancel_reason	text CHECK (length(cancel_reason) <= 500),
	-- A retried POST carries the same client_id: stored once.
	client_id	uuid UNIQUE,
	request_hash	text,
	created_by	bigint REFERENCES members (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (ends_at > starts_at)
);

CREATE INDEX study_sessions_unit ON study_sessions (unit_id, starts_at);
CREATE INDEX study_sessions_starts ON study_sessions (starts_at, id);
CREATE INDEX study_sessions_makeup ON study_sessions (makeup_of)
	WHERE makeup_of IS NOT NULL;

CREATE TABLE study_session_documents (
	session_id	bigint NOT NULL REFERENCES study_sessions (id)
			ON DELETE CASCADE,
	document_id	bigint NOT NULL REFERENCES documents (id)
			ON DELETE CASCADE,
	position	integer NOT NULL,
	PRIMARY KEY (session_id, document_id)
);

-- Reports per document (issue 7) find the sessions that studied it.
CREATE INDEX study_session_documents_document
	ON study_session_documents (document_id);

CREATE TABLE study_bridge_points (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	session_id		bigint NOT NULL REFERENCES study_sessions (id)
				ON DELETE CASCADE,
	unit_id			bigint NOT NULL REFERENCES org_units (id)
				ON DELETE CASCADE,
	name			text NOT NULL
				CHECK (length(name) BETWEEN 1 AND 200),
	address			text CHECK (length(address) <= 500),
	expected_count		integer CHECK (expected_count BETWEEN 0 AND 1000000),
	actual_count		integer CHECK (actual_count BETWEEN 0 AND 1000000),
	actual_recorded_by	bigint REFERENCES members (id) ON DELETE SET NULL,
	actual_recorded_at	timestamptz,
	client_id		uuid UNIQUE,
	request_hash		text,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (session_id, unit_id, name)
);

CREATE INDEX study_bridge_points_session ON study_bridge_points (session_id);

-- One row per member and session at most: a retried or corrected record
-- replaces the row (the natural key makes a retry harmless).
CREATE TABLE study_attendance (
	session_id	bigint NOT NULL REFERENCES study_sessions (id)
			ON DELETE CASCADE,
	member_id	bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	status		study_attendance_status NOT NULL,
	reason		text CHECK (length(reason) BETWEEN 1 AND 500),
	-- The member's cell when recorded: the line belongs to that cell.
	cell_id		bigint NOT NULL REFERENCES org_units (id)
			ON DELETE CASCADE,
	recorded_by	bigint REFERENCES members (id) ON DELETE SET NULL,
	recorded_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (session_id, member_id),
	CHECK ((status = 'absent') = (reason IS NOT NULL))
);

-- A member's sessions, and "was this member present at a make-up?".
CREATE INDEX study_attendance_member ON study_attendance (member_id, session_id);
CREATE INDEX study_attendance_cell ON study_attendance (cell_id, session_id);

-- The subtrees in which actor may do action ('study.schedule',
-- 'study.attendance'); see the table at the top.
CREATE FUNCTION study_scope(actor bigint, action text)
RETURNS TABLE (path ltree)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(u.path, ''::ltree)
	FROM member_roles r
	JOIN members m ON m.id = r.member_id AND m.active
	LEFT JOIN org_units u ON u.id = r.unit_id
	JOIN (VALUES
		('admin'::role_kind,	'study.schedule'),
		('committee',		'study.schedule'),
		('propaganda',		'study.schedule'),
		('cell_secretary',	'study.schedule'),
		('cell_deputy',		'study.schedule'),
		('admin',		'study.attendance'),
		('committee',		'study.attendance'),
		('cell_secretary',	'study.attendance'),
		('cell_deputy',		'study.attendance')
	) AS g (role, action) ON g.role = r.role
	WHERE r.member_id = actor AND g.action = study_scope.action
$$;

CREATE FUNCTION study_paths(actor bigint, action text) RETURNS ltree[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(path), '{}') FROM study_scope(actor, action)
$$;

-- May actor see a session organised at the unit with path op?
CREATE FUNCTION study_session_readable(actor bigint, op ltree)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT op @> actor_cell_path(actor) OR EXISTS (
		SELECT 1 FROM actor_scope(actor, 'unit.read') s
		WHERE s.path @> op OR op @> s.path)
$$;

-- 'ok', 'forbidden' or 'not_found' for action on a session: 'read',
-- 'schedule' (change it, its bridge points) or 'attendance' (record for
-- some of its members; which ones is checked per member).
CREATE FUNCTION study_session_access(actor bigint, sid bigint, action text)
RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN op IS NULL THEN 'not_found'
		WHEN NOT study_session_readable(actor, op) THEN 'not_found'
		WHEN action = 'read' THEN 'ok'
		WHEN action = 'schedule' AND op <@ study_paths(actor,
		    'study.schedule') THEN 'ok'
		WHEN action = 'attendance' AND EXISTS (
		    SELECT 1 FROM study_scope(actor, 'study.attendance') s
		    WHERE s.path @> op OR op @> s.path) THEN 'ok'
		ELSE 'forbidden'
	END
	FROM (SELECT (SELECT u.path FROM study_sessions s
	    JOIN org_units u ON u.id = s.unit_id WHERE s.id = sid) AS op) AS x
$$;

-- scheduled (not started), in_progress, held, or cancelled.
CREATE FUNCTION study_session_status(s study_sessions) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN s.cancelled_at IS NOT NULL THEN 'cancelled'
		WHEN now() < s.starts_at THEN 'scheduled'
		WHEN now() < s.ends_at THEN 'in_progress'
		ELSE 'held'
	END
$$;

-- Refuses a change to a session that has started or was cancelled.
CREATE FUNCTION study_session_require_unstarted(s study_sessions)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF s.cancelled_at IS NOT NULL THEN
		PERFORM api_refuse('session_cancelled',
		    'This session was cancelled.', '409');
	END IF;
	IF s.starts_at <= now() THEN
		PERFORM api_refuse('session_started', 'This session has already '
		    'started; it can no longer be changed.', '409');
	END IF;
END
$$;

-- Refuses a record for a session that has not started or was cancelled.
CREATE FUNCTION study_session_require_started(s study_sessions)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF s.cancelled_at IS NOT NULL THEN
		PERFORM api_refuse('session_cancelled',
		    'This session was cancelled.', '409');
	END IF;
	IF s.starts_at > now() THEN
		PERFORM api_refuse('session_not_started', 'This session has not '
		    'started yet; attendance is recorded once it has.', '409');
	END IF;
END
$$;

-- Every member a session concerns, with their state: the members it
-- expects (see the top) and anyone with a recorded line. within
-- restricts it to the lines of cells under these paths ('{""}' for all),
-- only_member to one member (NULL for all). Set-based throughout (hash
-- joins, no subquery per member): a province's conference has 120,000
-- lines. Issue 7's reports are meant to read this function (or the
-- roster below), so that a state means the same everywhere.
CREATE FUNCTION study_session_states(sid bigint, within ltree[],
    only_member bigint)
RETURNS TABLE (member_id bigint, cell_id bigint, state text, reason text,
    made_up_in bigint, recorded_at timestamptz)
LANGUAGE sql STABLE AS $$
	WITH s AS (
		SELECT ss.makeup_of, u.path AS op
		FROM study_sessions ss JOIN org_units u ON u.id = ss.unit_id
		WHERE ss.id = sid
	), cells AS (
		-- The cells asked for under the organiser, each path searched
		-- in the GiST index by the narrower of the two.
		SELECT DISTINCT c.id
		FROM s CROSS JOIN unnest(within) w
		JOIN org_units c ON c.path <@ (CASE WHEN w @> s.op THEN s.op
		    ELSE w END)
		WHERE only_member IS NULL AND c.kind = 'cell' AND c.path <@ s.op
		UNION
		-- One member: their cell, and the cell of their recorded line.
		SELECT c.id FROM s CROSS JOIN org_units c
		WHERE only_member IS NOT NULL AND c.id IN (SELECT m.cell_id
			FROM members m WHERE m.id = only_member
			UNION ALL
			SELECT a.cell_id FROM study_attendance a
			WHERE a.session_id = sid AND a.member_id = only_member)
		  AND c.path <@ s.op AND c.path <@ within
	), made AS (
		-- Present at a make-up of this session: the earliest one.
		SELECT DISTINCT ON (x.member_id) x.member_id, x.session_id
		FROM study_sessions k
		JOIN study_attendance x ON x.session_id = k.id
		WHERE k.makeup_of = sid AND k.cancelled_at IS NULL
		  AND x.status = 'present'
		  AND (only_member IS NULL OR x.member_id = only_member)
		ORDER BY x.member_id, k.starts_at, k.id
	), everyone AS (
		-- Expected and not recorded (a make-up: not present at the
		-- original either) ...
		SELECT m.id AS mid, m.cell_id AS cid
		FROM cells c JOIN members m ON m.cell_id = c.id AND m.active
		CROSS JOIN s
		WHERE (only_member IS NULL OR m.id = only_member)
		  AND NOT EXISTS (SELECT 1 FROM study_attendance a
			WHERE a.session_id = sid AND a.member_id = m.id)
		  AND (s.makeup_of IS NULL OR NOT EXISTS (SELECT 1
			FROM study_attendance o WHERE o.session_id = s.makeup_of
			  AND o.member_id = m.id AND o.status = 'present'))
		UNION ALL
		-- ... and every recorded line of these cells.
		SELECT a.member_id, a.cell_id
		FROM cells c JOIN study_attendance a ON a.cell_id = c.id
		WHERE a.session_id = sid
		  AND (only_member IS NULL OR a.member_id = only_member)
	)
	SELECT e.mid, e.cid,
	    CASE
		WHEN r.status = 'present' THEN 'present'
		WHEN mk.session_id IS NOT NULL THEN 'made_up'
		WHEN r.status = 'absent' THEN 'absent'
		ELSE 'unrecorded'
	    END,
	    r.reason, mk.session_id, r.recorded_at
	FROM everyone e
	LEFT JOIN study_attendance r ON r.session_id = sid
	    AND r.member_id = e.mid
	LEFT JOIN made mk ON mk.member_id = e.mid
$$;

-- The bridge point of a session nearest above a cell (NULL: none).
CREATE FUNCTION study_bridge_point_of(sid bigint, cell bigint)
RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT b.id FROM study_bridge_points b
	JOIN org_units bu ON bu.id = b.unit_id
	WHERE b.session_id = sid
	  AND bu.path @> (SELECT path FROM org_units WHERE id = cell)
	ORDER BY nlevel(bu.path) DESC, b.id LIMIT 1
$$;

-- The states with each member's bridge point, looked up once per cell.
CREATE FUNCTION study_session_roster(sid bigint, within ltree[],
    only_member bigint)
RETURNS TABLE (member_id bigint, cell_id bigint, bridge_point_id bigint,
    state text, reason text, made_up_in bigint, recorded_at timestamptz)
LANGUAGE sql STABLE AS $$
	WITH st AS (
		SELECT * FROM study_session_states(sid, within, only_member)
	), cells AS (
		-- Each cell against the session's few bridge points, nearest
		-- first.
		SELECT DISTINCT ON (c.id) c.id AS cid, b.id AS bp
		FROM org_units c
		JOIN study_bridge_points b ON b.session_id = sid
		JOIN org_units bu ON bu.id = b.unit_id AND bu.path @> c.path
		WHERE c.id IN (SELECT st.cell_id FROM st)
		ORDER BY c.id, nlevel(bu.path) DESC, b.id
	)
	SELECT st.member_id, st.cell_id, cells.bp, st.state, st.reason,
	    st.made_up_in, st.recorded_at
	FROM st LEFT JOIN cells ON cells.cid = st.cell_id
$$;

-- The counts of a session's roster, for everyone who may see the session.
CREATE FUNCTION study_session_summary(sid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'expected', count(*),
		'present', count(*) FILTER (WHERE r.state = 'present'),
		'absent', count(*) FILTER (WHERE r.state = 'absent'),
		'made_up', count(*) FILTER (WHERE r.state = 'made_up'),
		'unrecorded', count(*) FILTER (WHERE r.state = 'unrecorded'))
	FROM study_session_states(sid, '{""}', NULL) r
$$;

CREATE FUNCTION study_unit_ref(unit bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', u.id, 'kind', u.kind, 'code', u.code,
	    'name_vi', u.name_vi, 'name_km', u.name_km)
	FROM org_units u WHERE u.id = unit
$$;

CREATE FUNCTION study_bridge_point_json(b study_bridge_points) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', b.id, 'session_id', b.session_id,
	    'unit', study_unit_ref(b.unit_id), 'name', b.name,
	    'address', b.address, 'expected_count', b.expected_count,
	    'actual_count', b.actual_count,
	    'actual_recorded_at', b.actual_recorded_at)
$$;

-- The documents of a session as actor may see them: a document withdrawn
-- since (or otherwise out of their reach) keeps its id and slug, with
-- available false and no title.
CREATE FUNCTION study_session_documents_json(sid bigint, actor bigint,
    want text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', d.id,
	    'slug', d.slug, 'available', document_visible(actor, d),
	    'number', CASE WHEN document_visible(actor, d) THEN v.number END,
	    'title', CASE WHEN document_visible(actor, d) THEN t.title END,
	    'lang', CASE WHEN document_visible(actor, d) THEN t.lang END)
	    ORDER BY sd.position), '[]')
	FROM study_session_documents sd
	JOIN documents d ON d.id = sd.document_id
	LEFT JOIN document_versions v ON v.document_id = d.id
	    AND v.version = d.current_version
	LEFT JOIN LATERAL document_text_for(d.id, d.current_version, want) t
	    ON true
	WHERE sd.session_id = sid
$$;

-- A session in a list.
CREATE FUNCTION study_session_item(s study_sessions) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', s.id, 'title', s.title,
	    'mode', s.mode, 'status', study_session_status(s),
	    'starts_at', s.starts_at, 'ends_at', s.ends_at,
	    'unit', study_unit_ref(s.unit_id), 'makeup_of', s.makeup_of,
	    'document_ids', (SELECT coalesce(jsonb_agg(sd.document_id
		ORDER BY sd.position), '[]') FROM study_session_documents sd
		WHERE sd.session_id = s.id),
	    'bridge_points', (SELECT count(*) FROM study_bridge_points b
		WHERE b.session_id = s.id),
	    'cancelled_at', s.cancelled_at)
$$;

-- A session in full, as actor sees it (make-ups they cannot see left
-- out).
CREATE FUNCTION study_session_json(sid bigint, actor bigint, want text)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT study_session_item(s) || jsonb_build_object(
	    'documents', study_session_documents_json(s.id, actor, want),
	    'bridge_points', (SELECT coalesce(jsonb_agg(
		study_bridge_point_json(b) ORDER BY b.id), '[]')
		FROM study_bridge_points b WHERE b.session_id = s.id),
	    'makeups', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		'id', k.id, 'unit', study_unit_ref(k.unit_id),
		'starts_at', k.starts_at, 'status', study_session_status(k))
		ORDER BY k.starts_at, k.id), '[]')
		FROM study_sessions k JOIN org_units ku ON ku.id = k.unit_id
		WHERE k.makeup_of = s.id
		  AND study_session_readable(actor, ku.path)),
	    'cancel_reason', s.cancel_reason,
	    'created_at', s.created_at, 'updated_at', s.updated_at)
	FROM study_sessions s WHERE s.id = sid
$$;

-- A timestamp field of a body: RFC 3339 with an offset (a time without
-- one is ambiguous across a country's members and servers).
CREATE FUNCTION study_time(body jsonb, field text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_text text := body->>field;
	v_at timestamptz;
BEGIN
	IF v_text IS NULL THEN
		RETURN NULL;
	END IF;
	IF v_text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})$'
	THEN
		BEGIN
			v_at := v_text::timestamptz;
		EXCEPTION WHEN datetime_field_overflow OR
		    invalid_datetime_format THEN
			v_at := NULL;
		END;
	END IF;
	IF v_at IS NULL THEN
		PERFORM api_refuse('invalid_time', format('%s is a date and '
		    'time with its offset, as 2026-03-05T08:00:00+07:00.',
		    field));
	END IF;
	RETURN v_at;
END
$$;

-- A client_id: a UUID, or NULL when absent.
CREATE FUNCTION study_client_id(body jsonb) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF body->>'client_id' IS NULL THEN
		RETURN NULL;
	END IF;
	IF body->>'client_id' !~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' THEN
		PERFORM api_refuse('invalid_client_id',
		    'client_id is a UUID chosen by the client.');
	END IF;
	RETURN (body->>'client_id')::uuid;
END
$$;

-- Text of a body: trimmed, NFC, within max characters; NULL when absent
-- or empty unless required.
CREATE FUNCTION study_text(body jsonb, field text, max integer,
    required boolean) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_text text := nullif(normalize(btrim(body->>field), NFC), '');
BEGIN
	IF v_text IS NULL AND required THEN
		PERFORM api_refuse('invalid_' || field,
		    format('%s cannot be empty.', field));
	END IF;
	IF length(v_text) > max THEN
		PERFORM api_refuse('invalid_' || field,
		    format('%s has at most %s characters.', field, max));
	END IF;
	RETURN v_text;
END
$$;

-- The documents of a body for a session organised at op: 1 to 20
-- published documents that actor may read and that are meant for every
-- member of the audience (for everyone, or for a unit above or at the
-- organiser). Refuses with 422, never 404: the path names the session,
-- the body only refers to documents.
CREATE FUNCTION study_documents_check(actor bigint, op ltree, docs jsonb)
RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_item jsonb;
	v_doc documents;
	v_ids bigint[] := '{}';
	v_unit_path ltree;
BEGIN
	IF jsonb_typeof(docs) IS DISTINCT FROM 'array' OR
	    jsonb_array_length(docs) NOT BETWEEN 1 AND 20 THEN
		PERFORM api_refuse('invalid_documents',
		    'documents is an array of 1 to 20 document ids.');
	END IF;
	FOR v_item IN SELECT * FROM jsonb_array_elements(docs) LOOP
		IF jsonb_typeof(v_item) <> 'number' OR
		    v_item::text !~ '^[1-9][0-9]{0,17}$' THEN
			PERFORM api_refuse('invalid_documents',
			    'documents is an array of document ids.');
		END IF;
		IF v_item::text::bigint = ANY (v_ids) THEN
			PERFORM api_refuse('invalid_documents',
			    format('Document %s is listed twice.', v_item));
		END IF;
		SELECT * INTO v_doc FROM documents WHERE id = v_item::text::bigint;
		IF v_doc.id IS NULL OR NOT document_visible(actor, v_doc) THEN
			PERFORM api_refuse('unknown_document', format('No '
			    'published document %s that you may read.', v_item));
		END IF;
		IF v_doc.unit_id IS NOT NULL THEN
			SELECT path INTO v_unit_path FROM org_units
			WHERE id = v_doc.unit_id;
			IF NOT op <@ v_unit_path THEN
				PERFORM api_refuse('document_not_for_audience',
				    format('Document %s is not meant for every '
				    'member this session expects.', v_item));
			END IF;
		END IF;
		v_ids := v_ids || v_doc.id;
	END LOOP;
	RETURN v_ids;
END
$$;

-- Checks one bridge point of a body for a session organised at op and
-- returns it as a row ready to insert (session_id and ids left empty).
CREATE FUNCTION study_bridge_point_check(actor bigint, op ltree, item jsonb,
    in_create boolean)
RETURNS study_bridge_points
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_row study_bridge_points;
	v_key text;
	v_path ltree;
BEGIN
	IF jsonb_typeof(item) IS DISTINCT FROM 'object' THEN
		PERFORM api_refuse('invalid_bridge_point', 'A bridge point is '
		    '{"unit_id", "name", "address"?, "expected_count"?}.');
	END IF;
	FOR v_key IN SELECT jsonb_object_keys(item) LOOP
		IF v_key NOT IN ('unit_id', 'name', 'address', 'expected_count')
		    AND (in_create OR v_key <> 'client_id') THEN
			PERFORM api_refuse('unknown_field', format('Unknown '
			    'field "%s" in a bridge point.', left(v_key, 64)));
		END IF;
	END LOOP;
	IF jsonb_typeof(item->'unit_id') IS DISTINCT FROM 'number' OR
	    (item->>'unit_id') !~ '^[1-9][0-9]{0,17}$' THEN
		PERFORM api_refuse('invalid_bridge_point',
		    'A bridge point needs the unit_id of its site.');
	END IF;
	IF jsonb_typeof(item->'name') IS DISTINCT FROM 'string' OR
	    (item ? 'address' AND jsonb_typeof(item->'address') <> 'string')
	    THEN
		PERFORM api_refuse('invalid_bridge_point', 'A bridge point '
		    'needs a name; name and address are strings.');
	END IF;
	IF item ? 'expected_count' AND (
	    jsonb_typeof(item->'expected_count') <> 'number' OR
	    (item->>'expected_count') !~ '^[0-9]{1,7}$' OR
	    (item->>'expected_count')::integer > 1000000) THEN
		PERFORM api_refuse('invalid_count', 'expected_count is a whole '
		    'number from 0 to 1000000.');
	END IF;

	SELECT path INTO v_path FROM org_units
	WHERE id = (item->>'unit_id')::bigint;
	IF v_path IS NULL OR NOT unit_readable(actor, v_path) THEN
		PERFORM api_refuse('unknown_unit', format('No unit %s.',
		    item->>'unit_id'));
	END IF;
	IF NOT v_path <@ op THEN
		PERFORM api_refuse('bridge_point_outside', 'A bridge point is '
		    'in the organising unit or a unit under it.');
	END IF;

	v_row.unit_id := (item->>'unit_id')::bigint;
	v_row.name := study_text(item, 'name', 200, true);
	v_row.address := study_text(item, 'address', 500, false);
	v_row.expected_count := (item->>'expected_count')::integer;
	RETURN v_row;
END
$$;

-- The start and end of a body (either ends_at or duration_minutes, not
-- both), defaulting to the session's own when it is a change.
CREATE FUNCTION study_times(body jsonb, old study_sessions,
    OUT t_start timestamptz, OUT t_end timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_minutes integer;
BEGIN
	IF body ? 'ends_at' AND body ? 'duration_minutes' THEN
		PERFORM api_refuse('conflicting_fields',
		    'Give ends_at or duration_minutes, not both.');
	END IF;
	IF body ? 'duration_minutes' THEN
		IF (body->>'duration_minutes') !~ '^[0-9]{1,5}$' OR
		    (body->>'duration_minutes')::integer NOT BETWEEN 1 AND 10080
		    THEN
			PERFORM api_refuse('invalid_duration', 'duration_minutes '
			    'is from 1 to 10080 (a week).');
		END IF;
		v_minutes := (body->>'duration_minutes')::integer;
	END IF;

	t_start := coalesce(study_time(body, 'starts_at'), old.starts_at);
	IF t_start IS NULL THEN
		PERFORM api_refuse('missing_field', 'starts_at is required.');
	END IF;
	t_end := CASE
		WHEN body ? 'ends_at' THEN study_time(body, 'ends_at')
		WHEN v_minutes IS NOT NULL
		    THEN t_start + make_interval(mins => v_minutes)
		-- A change of start keeps the length.
		WHEN old.id IS NOT NULL THEN t_start + (old.ends_at - old.starts_at)
	END;
	IF t_end IS NULL THEN
		PERFORM api_refuse('missing_field',
		    'Give ends_at or duration_minutes.');
	END IF;
	IF t_end <= t_start THEN
		PERFORM api_refuse('invalid_time', 'ends_at is after starts_at.');
	END IF;
	IF t_end > t_start + interval '7 days' THEN
		PERFORM api_refuse('invalid_duration',
		    'A session lasts at most a week.');
	END IF;
	IF (body ? 'starts_at' OR old.id IS NULL) AND
	    t_start < now() - interval '5 minutes' THEN
		PERFORM api_refuse('starts_in_past',
		    'A session is scheduled before it starts.');
	END IF;
END
$$;

-- POST /api/v1/study-sessions {"title", "unit_id", "mode", "starts_at",
-- "ends_at" | "duration_minutes", "documents"?, "makeup_of"?,
-- "bridge_points"?, "client_id"?}
CREATE FUNCTION api_study_session_create(actor bigint, want text,
    body jsonb, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_cid uuid := study_client_id(body);
	v_hash text := md5(body::text);
	v_prev study_sessions;
	v_unit bigint := (body->>'unit_id')::bigint;
	v_op ltree;
	v_orig study_sessions;
	v_orig_path ltree;
	v_title text;
	v_mode study_mode;
	v_times record;
	v_docs bigint[];
	v_points study_bridge_points[] := '{}';
	v_item jsonb;
	v_sid bigint;
BEGIN
	-- A retry is answered as the first request was, even when the
	-- session has started since.
	IF v_cid IS NOT NULL THEN
		SELECT * INTO v_prev FROM study_sessions WHERE client_id = v_cid;
		IF v_prev.id IS NOT NULL THEN
			IF v_prev.created_by IS DISTINCT FROM actor OR
			    v_prev.request_hash <> v_hash THEN
				PERFORM api_refuse('client_id_reused', 'This '
				    'client_id was used for another request.',
				    '409');
			END IF;
			RETURN study_session_json(v_prev.id, actor, want)::json;
		END IF;
	END IF;

	SELECT path INTO v_op FROM org_units WHERE id = v_unit;
	IF v_op IS NULL OR NOT unit_readable(actor, v_op) THEN
		PERFORM access_require('not_found', 'unit');
	END IF;
	IF NOT v_op <@ study_paths(actor, 'study.schedule') THEN
		PERFORM access_require('forbidden', 'unit');
	END IF;

	v_title := study_text(body, 'title', 300, true);
	IF NOT (body->>'mode' = ANY (enum_range(NULL::study_mode)::text[])) THEN
		PERFORM api_refuse('invalid_mode',
		    'mode is online, in_person or both.');
	END IF;
	v_mode := (body->>'mode')::study_mode;
	SELECT * INTO v_times FROM study_times(body, NULL::study_sessions);

	IF body ? 'makeup_of' THEN
		SELECT s.* INTO v_orig FROM study_sessions s
		WHERE s.id = (body->>'makeup_of')::bigint;
		SELECT path INTO v_orig_path FROM org_units
		WHERE id = v_orig.unit_id;
		IF v_orig.id IS NULL OR
		    NOT study_session_readable(actor, v_orig_path) THEN
			PERFORM api_refuse('unknown_session', format(
			    'No session %s.', body->>'makeup_of'));
		END IF;
		-- A make-up of a make-up makes up for the same original.
		IF v_orig.makeup_of IS NOT NULL THEN
			SELECT s.* INTO v_orig FROM study_sessions s
			WHERE s.id = v_orig.makeup_of;
			SELECT path INTO v_orig_path FROM org_units
			WHERE id = v_orig.unit_id;
		END IF;
		IF v_orig.cancelled_at IS NOT NULL THEN
			PERFORM api_refuse('invalid_makeup',
			    'That session was cancelled: nothing to make up.');
		END IF;
		IF NOT v_op <@ v_orig_path THEN
			PERFORM api_refuse('invalid_makeup', 'A make-up session is '
			    'organised within the original''s audience.');
		END IF;
		IF v_times.t_start <= v_orig.starts_at THEN
			PERFORM api_refuse('invalid_makeup', 'A make-up session '
			    'starts after the original.');
		END IF;
	END IF;

	IF body ? 'documents' THEN
		v_docs := study_documents_check(actor, v_op, body->'documents');
	ELSIF v_orig.id IS NOT NULL THEN
		-- A make-up studies what the original studied.
		SELECT array_agg(document_id ORDER BY position) INTO v_docs
		FROM study_session_documents WHERE session_id = v_orig.id;
	ELSE
		PERFORM api_refuse('missing_field',
		    'documents: what the session studies.');
	END IF;

	IF body ? 'bridge_points' THEN
		IF jsonb_typeof(body->'bridge_points') <> 'array' OR
		    jsonb_array_length(body->'bridge_points') > 500 THEN
			PERFORM api_refuse('invalid_bridge_point',
			    'bridge_points is an array of at most 500.');
		END IF;
		FOR v_item IN SELECT * FROM jsonb_array_elements(
		    body->'bridge_points') LOOP
			v_points := v_points ||
			    study_bridge_point_check(actor, v_op, v_item, true);
		END LOOP;
		IF (SELECT count(DISTINCT (p.unit_id, p.name)) FROM
		    unnest(v_points) p) < cardinality(v_points) THEN
			PERFORM api_refuse('bridge_point_exists', 'Two bridge '
			    'points with the same unit and name.', '409');
		END IF;
	END IF;

	INSERT INTO study_sessions (unit_id, title, mode, starts_at, ends_at,
	    makeup_of, client_id, request_hash, created_by)
	VALUES (v_unit, v_title, v_mode, v_times.t_start, v_times.t_end,
	    v_orig.id, v_cid, CASE WHEN v_cid IS NOT NULL THEN v_hash END,
	    actor)
	ON CONFLICT (client_id) DO NOTHING
	RETURNING id INTO v_sid;
	IF v_sid IS NULL THEN
		-- The same client_id committed meanwhile by a racing retry.
		SELECT * INTO v_prev FROM study_sessions WHERE client_id = v_cid;
		IF v_prev.created_by IS DISTINCT FROM actor OR
		    v_prev.request_hash <> v_hash THEN
			PERFORM api_refuse('client_id_reused', 'This client_id '
			    'was used for another request.', '409');
		END IF;
		RETURN study_session_json(v_prev.id, actor, want)::json;
	END IF;

	INSERT INTO study_session_documents (session_id, document_id, position)
	SELECT v_sid, d, i FROM unnest(v_docs) WITH ORDINALITY AS x (d, i);
	INSERT INTO study_bridge_points (session_id, unit_id, name, address,
	    expected_count)
	SELECT v_sid, p.unit_id, p.name, p.address, p.expected_count
	FROM unnest(v_points) p;

	PERFORM audit_write(actor, 'study_session.create',
	    'study_session:' || v_sid, client, request_id, NULL);
	RETURN study_session_json(v_sid, actor, want)::json;
END
$$;

-- GET /api/v1/study-sessions/{id}: the session, its bridge points, the
-- counts of its roster, and the caller's own line when it expects them.
CREATE FUNCTION api_study_session_get(actor bigint, sid bigint, want text)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM access_require(study_session_access(actor, sid, 'read'),
	    'study session');
	RETURN (study_session_json(sid, actor, want) || jsonb_build_object(
	    'attendance', study_session_summary(sid),
	    'my_attendance', (SELECT jsonb_build_object('state', r.state,
		'reason', r.reason, 'bridge_point_id', r.bridge_point_id,
		'made_up_in', r.made_up_in, 'recorded_at', r.recorded_at)
		FROM study_session_roster(sid, '{""}', actor) r)))::json;
END
$$;

-- PATCH /api/v1/study-sessions/{id} {"title"?, "mode"?, "starts_at"?,
-- "ends_at"?, "duration_minutes"?, "documents"?}: before it starts.
CREATE FUNCTION api_study_session_update(actor bigint, sid bigint,
    want text, body jsonb, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_s study_sessions;
	v_op ltree;
	v_times record;
	v_docs bigint[];
	v_orig_start timestamptz;
BEGIN
	PERFORM access_require(study_session_access(actor, sid, 'schedule'),
	    'study session');
	SELECT * INTO v_s FROM study_sessions WHERE id = sid FOR UPDATE;
	PERFORM study_session_require_unstarted(v_s);
	SELECT path INTO v_op FROM org_units WHERE id = v_s.unit_id;

	IF body ? 'mode' AND NOT (body->>'mode' =
	    ANY (enum_range(NULL::study_mode)::text[])) THEN
		PERFORM api_refuse('invalid_mode',
		    'mode is online, in_person or both.');
	END IF;
	SELECT * INTO v_times FROM study_times(body, v_s);
	IF v_s.makeup_of IS NOT NULL THEN
		SELECT starts_at INTO v_orig_start FROM study_sessions
		WHERE id = v_s.makeup_of;
		IF v_times.t_start <= v_orig_start THEN
			PERFORM api_refuse('invalid_makeup', 'A make-up session '
			    'starts after the original.');
		END IF;
	END IF;
	IF body ? 'documents' THEN
		v_docs := study_documents_check(actor, v_op, body->'documents');
		DELETE FROM study_session_documents WHERE session_id = sid;
		INSERT INTO study_session_documents (session_id, document_id,
		    position)
		SELECT sid, d, i FROM unnest(v_docs) WITH ORDINALITY AS x (d, i);
	END IF;

	UPDATE study_sessions SET
		title = CASE WHEN body ? 'title'
		    THEN study_text(body, 'title', 300, true) ELSE title END,
		mode = coalesce((body->>'mode')::study_mode, mode),
		starts_at = v_times.t_start,
		ends_at = v_times.t_end,
		updated_at = now()
	WHERE id = sid;

	PERFORM audit_write(actor, 'study_session.update',
	    'study_session:' || sid, client, request_id, jsonb_build_object(
	    'fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys(body) AS k)));
	RETURN study_session_json(sid, actor, want)::json;
END
$$;

-- POST /api/v1/study-sessions/{id}/cancel {"reason"?}: before it starts.
-- It stays, marked cancelled; its make-ups (which start later) are
-- cancelled with it. Cancelling again answers the same.
CREATE FUNCTION api_study_session_cancel(actor bigint, sid bigint,
    want text, body jsonb, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_s study_sessions;
	v_reason text := study_text(body, 'reason', 500, false);
BEGIN
	PERFORM access_require(study_session_access(actor, sid, 'schedule'),
	    'study session');
	SELECT * INTO v_s FROM study_sessions WHERE id = sid FOR UPDATE;
	IF v_s.cancelled_at IS NOT NULL THEN
		RETURN study_session_json(sid, actor, want)::json;
	END IF;
	PERFORM study_session_require_unstarted(v_s);

	UPDATE study_sessions SET cancelled_at = now(),
	    cancel_reason = v_reason, updated_at = now()
	WHERE (id = sid OR makeup_of = sid) AND cancelled_at IS NULL;

	PERFORM audit_write(actor, 'study_session.cancel',
	    'study_session:' || sid, client, request_id, NULL);
	RETURN study_session_json(sid, actor, want)::json;
END
$$;

-- GET /api/v1/study-sessions?unit=&document=&from=&to=&limit=&cursor=:
-- the sessions the caller may see (see the top), newest start first;
-- unit: organised at that unit or below it; from/to: the start, from
-- inclusive, to exclusive; a date alone is a day in Vietnam (+07:00) and
-- `to` then includes that day.
CREATE FUNCTION api_study_sessions_list(actor bigint, unit bigint,
    doc bigint, lim integer, from_text text, to_text text,
    cursor_text text, want text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_scope ltree[] := actor_paths(actor, 'unit.read');
	v_cell ltree := actor_cell_path(actor);
	v_under ltree;
	v_from timestamptz;
	v_to timestamptz;
	v_after_at timestamptz;
	v_after_id bigint;
	v_n integer := api_limit(lim);
	v_items json;
	v_count integer;
	v_last text;
	v_d documents;
BEGIN
	IF unit IS NOT NULL THEN
		PERFORM access_require(unit_access(actor, unit, 'unit.read'),
		    'unit');
		SELECT path INTO v_under FROM org_units WHERE id = unit;
	END IF;
	IF doc IS NOT NULL THEN
		SELECT * INTO v_d FROM documents WHERE id = doc;
		IF v_d.id IS NULL OR NOT document_in_audience(actor, v_d) THEN
			PERFORM access_require('not_found', 'document');
		END IF;
	END IF;
	v_from := study_bound(from_text, 'from', false);
	v_to := study_bound(to_text, 'to', true);
	IF v_from >= v_to THEN
		PERFORM api_refuse('invalid_range', 'from is before to.', '400');
	END IF;
	IF cursor_text IS NOT NULL THEN
		IF cursor_text !~ '^-?[0-9]{1,18}\.[1-9][0-9]{0,17}$' THEN
			PERFORM api_refuse('invalid_cursor', 'cursor is the '
			    'next_cursor of an earlier answer.', '400');
		END IF;
		-- Exact to the microsecond (a double would round).
		v_after_at := 'epoch'::timestamptz + split_part(cursor_text,
		    '.', 1)::bigint * interval '1 microsecond';
		v_after_id := split_part(cursor_text, '.', 2)::bigint;
	END IF;

	WITH page AS (
		SELECT s.* FROM study_sessions s
		JOIN org_units u ON u.id = s.unit_id
		WHERE (u.path @> v_cell OR u.path <@ v_scope OR u.path @> v_scope)
		  AND (v_under IS NULL OR u.path <@ v_under)
		  AND (doc IS NULL OR EXISTS (SELECT 1 FROM study_session_documents sd
			WHERE sd.session_id = s.id AND sd.document_id = doc))
		  AND (v_from IS NULL OR s.starts_at >= v_from)
		  AND (v_to IS NULL OR s.starts_at < v_to)
		  AND (v_after_id IS NULL OR (s.starts_at, s.id) <
			(v_after_at, v_after_id))
		ORDER BY s.starts_at DESC, s.id DESC
		LIMIT v_n
	)
	SELECT coalesce(json_agg(study_session_item(p)
	    ORDER BY p.starts_at DESC, p.id DESC), '[]'), count(*),
	    (array_agg((extract(epoch FROM p.starts_at) * 1000000)::bigint
		|| '.' || p.id ORDER BY p.starts_at, p.id))[1]
	INTO v_items, v_count, v_last
	FROM page p;

	RETURN json_build_object('items', v_items, 'next_cursor',
	    CASE WHEN v_count = v_n THEN v_last END);
END
$$;

-- A from or to parameter: RFC 3339, or a date (a day in +07:00; for
-- `to`, the day after, so that the day is included).
CREATE FUNCTION study_bound(v_text text, field text, upper_end boolean)
RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_day date;
BEGIN
	IF v_text IS NULL THEN
		RETURN NULL;
	END IF;
	IF v_text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		BEGIN
			v_day := v_text::date;
		EXCEPTION WHEN datetime_field_overflow OR
		    invalid_datetime_format THEN
			PERFORM api_refuse('invalid_parameter', format('%s is '
			    'a date (2026-03-05) or a date and time with its '
			    'offset.', field), '400');
		END;
		RETURN ((v_day + CASE WHEN upper_end THEN 1 ELSE 0 END)::text
		    || 'T00:00:00+07:00')::timestamptz;
	END IF;
	BEGIN
		RETURN study_time(jsonb_build_object(field, v_text), field);
	EXCEPTION WHEN SQLSTATE 'HB422' THEN
		PERFORM api_refuse('invalid_parameter', format('%s is a date '
		    '(2026-03-05) or a date and time with its offset.', field),
		    '400');
	END;
	RETURN NULL;
END
$$;

-- POST /api/v1/study-sessions/{id}/bridge-points {"unit_id", "name",
-- "address"?, "expected_count"?, "client_id"?}: before the session
-- starts, by those who may change it.
CREATE FUNCTION api_study_bridge_point_add(actor bigint, sid bigint,
    body jsonb, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_cid uuid := study_client_id(body);
	v_hash text := md5(body::text);
	v_prev study_bridge_points;
	v_s study_sessions;
	v_op ltree;
	v_p study_bridge_points;
	v_id bigint;
BEGIN
	PERFORM access_require(study_session_access(actor, sid, 'schedule'),
	    'study session');
	IF v_cid IS NOT NULL THEN
		SELECT * INTO v_prev FROM study_bridge_points
		WHERE client_id = v_cid;
		IF v_prev.id IS NOT NULL THEN
			IF v_prev.session_id <> sid OR
			    v_prev.request_hash <> v_hash THEN
				PERFORM api_refuse('client_id_reused', 'This '
				    'client_id was used for another request.',
				    '409');
			END IF;
			RETURN study_bridge_point_json(v_prev)::json;
		END IF;
	END IF;

	SELECT * INTO v_s FROM study_sessions WHERE id = sid FOR UPDATE;
	PERFORM study_session_require_unstarted(v_s);
	SELECT path INTO v_op FROM org_units WHERE id = v_s.unit_id;
	v_p := study_bridge_point_check(actor, v_op, body, false);
	IF EXISTS (SELECT 1 FROM study_bridge_points WHERE session_id = sid
	    AND unit_id = v_p.unit_id AND name = v_p.name) THEN
		PERFORM api_refuse('bridge_point_exists', 'This session already '
		    'has a bridge point of that name in that unit.', '409');
	END IF;

	INSERT INTO study_bridge_points (session_id, unit_id, name, address,
	    expected_count, client_id, request_hash)
	VALUES (sid, v_p.unit_id, v_p.name, v_p.address, v_p.expected_count,
	    v_cid, CASE WHEN v_cid IS NOT NULL THEN v_hash END)
	RETURNING id INTO v_id;
	UPDATE study_sessions SET updated_at = now() WHERE id = sid;

	PERFORM audit_write(actor, 'study_session.bridge_point_add',
	    'study_bridge_point:' || v_id, client, request_id, NULL);
	RETURN (SELECT study_bridge_point_json(b)::json FROM study_bridge_points b
	    WHERE b.id = v_id);
END
$$;

-- PATCH /api/v1/study-sessions/{id}/bridge-points/{point} {"name"?,
-- "address"?, "expected_count"?, "actual_count"?}. The plan (name,
-- address, expected_count) changes before the session starts, by those
-- who may change the session; actual_count is recorded once it has
-- started, by them or by the officers of the bridge point's unit.
CREATE FUNCTION api_study_bridge_point_update(actor bigint, sid bigint,
    bp bigint, body jsonb, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_s study_sessions;
	v_p study_bridge_points;
	v_site ltree;
	v_plan boolean := body ?| ARRAY['name', 'address', 'expected_count'];
	v_check jsonb;
BEGIN
	PERFORM access_require(study_session_access(actor, sid, 'read'),
	    'study session');
	SELECT * INTO v_p FROM study_bridge_points
	WHERE id = bp AND session_id = sid FOR UPDATE;
	IF v_p.id IS NULL THEN
		PERFORM access_require('not_found', 'bridge point');
	END IF;
	SELECT * INTO v_s FROM study_sessions WHERE id = sid;
	SELECT path INTO v_site FROM org_units WHERE id = v_p.unit_id;

	IF v_plan THEN
		PERFORM access_require(study_session_access(actor, sid,
		    'schedule'), 'study session');
		PERFORM study_session_require_unstarted(v_s);
		-- The same checks as a new point, on the merged values.
		v_check := jsonb_build_object('unit_id', v_p.unit_id,
		    'name', coalesce(body->'name', to_jsonb(v_p.name)))
		    || CASE WHEN body ? 'address' THEN jsonb_build_object(
			'address', body->'address') WHEN v_p.address IS NOT NULL
			THEN jsonb_build_object('address', v_p.address)
			ELSE '{}' END
		    || CASE WHEN body ? 'expected_count' THEN jsonb_build_object(
			'expected_count', body->'expected_count')
			ELSE '{}' END;
		v_check := to_jsonb(study_bridge_point_check(actor,
		    (SELECT path FROM org_units WHERE id = v_s.unit_id),
		    v_check, false));
	END IF;
	IF body ? 'actual_count' THEN
		IF NOT (study_session_access(actor, sid, 'schedule') = 'ok' OR
		    v_site <@ study_paths(actor, 'study.schedule')) THEN
			PERFORM access_require('forbidden', 'bridge point');
		END IF;
		PERFORM study_session_require_started(v_s);
		IF jsonb_typeof(body->'actual_count') <> 'number' OR
		    (body->>'actual_count') !~ '^[0-9]{1,7}$' OR
		    (body->>'actual_count')::integer > 1000000 THEN
			PERFORM api_refuse('invalid_count', 'actual_count is a '
			    'whole number from 0 to 1000000.');
		END IF;
	END IF;

	UPDATE study_bridge_points SET
		name = CASE WHEN v_plan THEN v_check->>'name' ELSE name END,
		address = CASE WHEN v_plan THEN v_check->>'address'
		    ELSE address END,
		expected_count = CASE WHEN body ? 'expected_count'
		    THEN (body->>'expected_count')::integer
		    ELSE expected_count END,
		actual_count = CASE WHEN body ? 'actual_count'
		    THEN (body->>'actual_count')::integer ELSE actual_count END,
		actual_recorded_by = CASE WHEN body ? 'actual_count' THEN actor
		    ELSE actual_recorded_by END,
		actual_recorded_at = CASE WHEN body ? 'actual_count' THEN now()
		    ELSE actual_recorded_at END,
		updated_at = now()
	WHERE id = bp;

	PERFORM audit_write(actor, 'study_session.bridge_point_update',
	    'study_bridge_point:' || bp, client, request_id, jsonb_build_object(
	    'fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys(body) AS k)));
	RETURN (SELECT study_bridge_point_json(b)::json FROM study_bridge_points b
	    WHERE b.id = bp);
END
$$;

-- Why one attendance record of a request cannot be stored, or NULL.
-- scope: the actor's study.attendance subtrees.
CREATE FUNCTION study_attendance_row_error(s study_sessions, op ltree,
    scope ltree[], r jsonb, twice boolean) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_key text;
	v_member members;
	v_cell ltree;
BEGIN
	IF jsonb_typeof(r) IS DISTINCT FROM 'object' THEN
		RETURN 'invalid_record';
	END IF;
	FOR v_key IN SELECT jsonb_object_keys(r) LOOP
		IF v_key NOT IN ('member_id', 'status', 'reason') THEN
			RETURN 'unknown_field';
		END IF;
	END LOOP;
	IF jsonb_typeof(r->'member_id') IS DISTINCT FROM 'number' OR
	    (r->>'member_id') !~ '^[1-9][0-9]{0,17}$' THEN
		RETURN 'invalid_member_id';
	END IF;
	SELECT * INTO v_member FROM members WHERE id = (r->>'member_id')::bigint;
	SELECT path INTO v_cell FROM org_units WHERE id = v_member.cell_id;
	-- A member the actor may not record for is as unknown as one that
	-- does not exist.
	IF v_member.id IS NULL OR NOT v_cell <@ scope THEN
		RETURN 'unknown_member';
	END IF;
	IF twice THEN
		RETURN 'duplicate_member';
	END IF;
	IF jsonb_typeof(r->'status') IS DISTINCT FROM 'string' OR
	    r->>'status' NOT IN ('present', 'absent') THEN
		RETURN 'invalid_status';
	END IF;
	IF r ? 'reason' AND jsonb_typeof(r->'reason') NOT IN ('string', 'null')
	    THEN
		RETURN 'invalid_reason';
	END IF;
	IF NOT v_member.active OR NOT v_cell <@ op THEN
		RETURN 'not_expected';
	END IF;
	IF s.makeup_of IS NOT NULL AND EXISTS (SELECT 1 FROM study_attendance o
	    WHERE o.session_id = s.makeup_of AND o.member_id = v_member.id
	      AND o.status = 'present') THEN
		RETURN 'attended_original';
	END IF;
	IF r->>'status' = 'absent' AND
	    coalesce(btrim(r->>'reason'), '') = '' THEN
		RETURN 'missing_reason';
	END IF;
	IF r->>'status' = 'present' AND coalesce(r->>'reason', '') <> '' THEN
		RETURN 'reason_not_allowed';
	END IF;
	IF length(normalize(btrim(r->>'reason'), NFC)) > 500 THEN
		RETURN 'reason_too_long';
	END IF;
	RETURN NULL;
END
$$;

-- PUT /api/v1/study-sessions/{id}/attendance {"records": [{"member_id",
-- "status": "present" | "absent", "reason"?}, ...]}: up to 1000 records,
-- all or nothing. Any bad record and nothing is stored: the answer is the
-- error envelope (invalid_records) with every rejected record's index,
-- member_id and code, and the C handler sends it as 422. A record
-- replaces the member's earlier one for this session; the same request
-- sent again changes nothing and gets the same answer.
CREATE FUNCTION api_study_attendance_record(actor bigint, sid bigint,
    body jsonb, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_s study_sessions;
	v_op ltree;
	v_scope ltree[] := study_paths(actor, 'study.attendance');
	v_rejected jsonb;
	v_n integer;
BEGIN
	PERFORM access_require(study_session_access(actor, sid, 'attendance'),
	    'study session');
	SELECT * INTO v_s FROM study_sessions WHERE id = sid;
	PERFORM study_session_require_started(v_s);
	SELECT path INTO v_op FROM org_units WHERE id = v_s.unit_id;
	IF jsonb_typeof(body->'records') IS DISTINCT FROM 'array' OR
	    jsonb_array_length(body->'records') = 0 THEN
		PERFORM api_refuse('invalid_field',
		    'records is a non-empty array.');
	END IF;
	v_n := jsonb_array_length(body->'records');
	IF v_n > 1000 THEN
		PERFORM api_refuse('too_many_records',
		    'At most 1000 records in one request.', '413');
	END IF;

	WITH rows AS (
		SELECT i - 1 AS idx, r,
		    count(*) OVER (PARTITION BY CASE WHEN jsonb_typeof(r) =
			'object' THEN r->'member_id' END) > 1
			AND jsonb_typeof(r) = 'object' AS twice
		FROM jsonb_array_elements(body->'records')
		    WITH ORDINALITY AS e (r, i)
	), checked AS (
		SELECT idx, r, study_attendance_row_error(v_s, v_op, v_scope,
		    r, twice) AS code
		FROM rows
	)
	SELECT jsonb_agg(jsonb_build_object('index', idx,
	    'member_id', CASE WHEN jsonb_typeof(r) = 'object'
		THEN r->'member_id' END,
	    'code', code) ORDER BY idx)
	INTO v_rejected
	FROM checked WHERE code IS NOT NULL;

	IF v_rejected IS NOT NULL THEN
		RETURN json_build_object('error', json_build_object(
		    'code', 'invalid_records',
		    'message', format('%s of %s records cannot be stored; '
			'nothing was stored.', jsonb_array_length(v_rejected),
			v_n)),
		    'rejected', v_rejected);
	END IF;

	INSERT INTO study_attendance AS a (session_id, member_id, status,
	    reason, cell_id, recorded_by)
	SELECT sid, m.id, (r->>'status')::study_attendance_status,
	    CASE WHEN r->>'status' = 'absent'
		THEN normalize(btrim(r->>'reason'), NFC) END,
	    m.cell_id, actor
	FROM jsonb_array_elements(body->'records') AS e (r)
	JOIN members m ON m.id = (r->>'member_id')::bigint
	ON CONFLICT (session_id, member_id) DO UPDATE SET
		status = EXCLUDED.status, reason = EXCLUDED.reason,
		cell_id = EXCLUDED.cell_id, recorded_by = EXCLUDED.recorded_by,
		recorded_at = now()
	WHERE (a.status, a.reason) IS DISTINCT FROM
	    (EXCLUDED.status, EXCLUDED.reason);

	PERFORM audit_write(actor, 'study_session.attendance',
	    'study_session:' || sid, client, request_id,
	    jsonb_build_object('records', v_n));
	RETURN json_build_object('session_id', sid, 'records', (
	    SELECT json_agg(json_build_object('member_id', a.member_id,
		'status', a.status, 'reason', a.reason, 'cell_id', a.cell_id,
		'recorded_at', a.recorded_at) ORDER BY a.member_id)
	    FROM study_attendance a
	    WHERE a.session_id = sid AND a.member_id IN (
		SELECT (r->>'member_id')::bigint
		FROM jsonb_array_elements(body->'records') AS e (r))));
END
$$;

-- GET /api/v1/study-sessions/{id}/attendance?unit=&status=&limit=&cursor=:
-- the per-member lines the caller may see: those of the cells in their
-- member.read scope (a cell's secretary: the cell; a committee: its
-- subtree), and their own. status: present, absent, made_up,
-- unrecorded, or missing (absent or unrecorded: the make-up list).
CREATE FUNCTION api_study_attendance_list(actor bigint, sid bigint,
    unit bigint, lim integer, after bigint, want_state text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_scope ltree[] := actor_paths(actor, 'member.read');
	v_under ltree;
	v_n integer := api_limit(lim);
	v_items json;
	v_count integer;
	v_last bigint;
BEGIN
	PERFORM access_require(study_session_access(actor, sid, 'read'),
	    'study session');
	IF want_state IS NOT NULL AND want_state NOT IN ('present', 'absent',
	    'made_up', 'unrecorded', 'missing') THEN
		PERFORM api_refuse('invalid_parameter', 'status is present, '
		    'absent, made_up, unrecorded or missing.', '400');
	END IF;
	IF unit IS NOT NULL THEN
		PERFORM access_require(unit_access(actor, unit, 'unit.read'),
		    'unit');
		SELECT path INTO v_under FROM org_units WHERE id = unit;
		-- Only the part of the scope under the unit.
		SELECT coalesce(array_agg(CASE WHEN p <@ v_under THEN p
		    ELSE v_under END), '{}') INTO v_scope
		FROM unnest(v_scope) p WHERE p <@ v_under OR p @> v_under;
	END IF;

	WITH lines AS (
		SELECT r.* FROM study_session_states(sid, v_scope, NULL) r
		UNION
		-- The caller's own line, wherever it is.
		SELECT r.* FROM study_session_states(sid, '{""}', actor) r
		WHERE v_under IS NULL OR (SELECT path FROM org_units
		    WHERE id = r.cell_id) <@ v_under
	), page AS (
		SELECT l.* FROM lines l
		WHERE (want_state IS NULL OR l.state = want_state OR
		    (want_state = 'missing' AND l.state IN ('absent',
		    'unrecorded')))
		  AND (after IS NULL OR l.member_id > after)
		ORDER BY l.member_id
		LIMIT v_n
	)
	SELECT coalesce(json_agg(json_build_object(
		'member', json_build_object('id', m.id,
		    'full_name', m.full_name, 'card_number', m.card_number),
		'cell', study_unit_ref(p.cell_id),
		'state', p.state, 'reason', p.reason,
		'bridge_point_id', study_bridge_point_of(sid, p.cell_id),
		'made_up_in', p.made_up_in, 'recorded_at', p.recorded_at)
	    ORDER BY p.member_id), '[]'), count(*), max(p.member_id)
	INTO v_items, v_count, v_last
	FROM page p JOIN members m ON m.id = p.member_id;

	RETURN json_build_object('items', v_items, 'next_cursor',
	    CASE WHEN v_count = v_n THEN v_last::text END);
END
$$;

-- GET /api/v1/me/sessions?limit=&cursor=: the sessions that expect the
-- caller, those not yet over first (soonest first), then past ones (most
-- recent first), each with the caller's bridge point and, once it has
-- started, their own attendance state. Cancelled ones stay, marked. The
-- cursor is "group.key.id" (group 0 upcoming, 1 past); a session that
-- ends between two pages may be seen twice or skipped.
CREATE FUNCTION api_me_study_sessions(actor bigint, lim integer,
    cursor_text text, want text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_cell ltree := actor_cell_path(actor);
	v_n integer := least(greatest(coalesce(lim, 20), 1), 100);
	v_g integer;
	v_k bigint;
	v_id bigint;
	v_items json;
	v_count integer;
	v_last text;
BEGIN
	IF cursor_text IS NOT NULL THEN
		IF cursor_text !~ '^[01]\.-?[0-9]{1,18}\.[1-9][0-9]{0,17}$' THEN
			PERFORM api_refuse('invalid_cursor', 'cursor is the '
			    'next_cursor of an earlier answer.', '400');
		END IF;
		v_g := split_part(cursor_text, '.', 1)::integer;
		v_k := split_part(cursor_text, '.', 2)::bigint;
		v_id := split_part(cursor_text, '.', 3)::bigint;
	END IF;

	WITH mine AS (
		SELECT s.*, CASE WHEN s.ends_at > now() THEN 0 ELSE 1 END AS g
		FROM study_sessions s
		WHERE s.unit_id IN (SELECT a.id FROM org_units a
			WHERE a.path @> v_cell)
		  AND (s.makeup_of IS NULL OR NOT EXISTS (
			SELECT 1 FROM study_attendance o
			WHERE o.session_id = s.makeup_of AND o.member_id = actor
			  AND o.status = 'present'))
	), keyed AS (
		SELECT m.*, CASE WHEN m.g = 0 THEN 1 ELSE -1 END *
		    (extract(epoch FROM m.starts_at) * 1000000)::bigint AS k
		FROM mine m
	), page AS (
		SELECT * FROM keyed x
		WHERE v_g IS NULL OR (x.g, x.k, x.id) > (v_g, v_k, v_id)
		ORDER BY x.g, x.k, x.id
		LIMIT v_n
	)
	SELECT coalesce(json_agg(study_session_item(s) || jsonb_build_object(
		'documents', study_session_documents_json(s.id, actor, want),
		'bridge_point', (SELECT study_bridge_point_json(b)
		    FROM study_bridge_points b
		    JOIN org_units bu ON bu.id = b.unit_id
		    WHERE b.session_id = p.id AND bu.path @> v_cell
		    ORDER BY nlevel(bu.path) DESC, b.id LIMIT 1),
		'attendance', CASE WHEN p.starts_at <= now() AND
		    p.cancelled_at IS NULL THEN (
		    SELECT jsonb_build_object('state', r.state,
			'reason', r.reason, 'made_up_in', r.made_up_in)
		    FROM study_session_roster(p.id, '{""}', actor) r) END)
	    ORDER BY p.g, p.k, p.id), '[]'), count(*),
	    (array_agg(p.g || '.' || p.k || '.' || p.id
		ORDER BY p.g DESC, p.k DESC, p.id DESC))[1]
	INTO v_items, v_count, v_last
	FROM page p JOIN study_sessions s ON s.id = p.id;

	RETURN json_build_object('items', v_items, 'next_cursor',
	    CASE WHEN v_count = v_n THEN v_last END);
END
$$;
