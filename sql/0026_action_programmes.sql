-- Action programmes (chương trình hành động): the SQL half of
-- /api/v1/programmes, /api/v1/tasks and /api/v1/me/tasks
-- (kore-app/programmes.c, programme_tasks.c, task_progress.c).
--
-- After a resolution is studied, each unit turns it into its own action
-- programme: a title, measurable targets, and tasks, each with an
-- assignee, a deadline, a status and progress notes. One programme per
-- unit and document (a second is 409 programme_exists: edit the first).
--
-- Who does what (the rules of 0004 extended with programme actions, kept
-- in programme_scope() and programme_writes() below rather than in
-- actor_scope(), so that this migration replaces no function of 0004 that
-- other migrations may also extend):
--
--   programme of        written by                       read by
--   a cell              its secretary or deputy;          the writers and the
--                       committee members and             members of the cell
--                       administrators above it
--   any other unit U    committee members, propaganda     the writers only
--                       officers and administrators
--                       of U or above
--
-- A task is read by the programme's readers and by its assignee (who may
-- not read the rest of the programme: a propaganda officer assigned a
-- task in a cell's programme sees that task, in /api/v1/me/tasks too).
-- Writers change everything in a task; the assignee changes its status
-- (not to or from "cancelled") and writes progress notes; a reader who is
-- neither gets 403, anyone else 404, as everywhere.
--
-- An assignee is an active member of the unit (their cell is the unit or
-- under it) or a committee member of the unit or a unit above it; else
-- 422 assignee_outside_unit.
--
-- Status: not_started, in_progress, done, cancelled are stored; "overdue"
-- is computed, never stored or sent: a task not done nor cancelled whose
-- deadline (a day in Vietnam, +07:00) has passed. The answer carries
-- "overdue": true beside the stored status, and lists filter with
-- ?status=overdue (and ?status=open: neither done nor cancelled). A task
-- done after its deadline says "completed_late": true.
--
-- History: every change of a task (status, deadline, assignee, title,
-- description) makes a new version that records who, when, and each field
-- changed from what to what (GET /api/v1/tasks/{id}/history); programme
-- edits keep every version too (GET /api/v1/programmes/{id}/versions).
-- Progress notes are append-only (a trigger refuses edits); they go only
-- when their unit is removed.
--
-- Writes are safe to retry, as in 0021: creates carry a client_id (a UUID
-- per author; the same body again is answered as the first time and
-- stored once, another body is 409 client_id_reused), edits name the
-- version they were made from (409 version_conflict, unless the next
-- version is this very edit by this very actor). Text is stored NFC and
-- counted in code points after NFC. Refusal messages never quote values.

CREATE TYPE task_status AS ENUM ('not_started', 'in_progress', 'done',
    'cancelled');

CREATE TABLE action_programmes (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	unit_id		bigint NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
	document_id	bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	title		text NOT NULL CHECK (length(title) BETWEEN 1 AND 500
			    AND title IS NFC NORMALIZED),
	-- [{"text", "target_value"?, "measure"?}], checked on the way in.
	targets		jsonb NOT NULL DEFAULT '[]',
	version		integer NOT NULL DEFAULT 1,
	client_id	uuid NOT NULL,
	created_by	bigint REFERENCES members (id) ON DELETE SET NULL,
	create_hash	bytea NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (unit_id, document_id),
	UNIQUE (created_by, client_id)
);

CREATE INDEX action_programmes_document ON action_programmes (document_id);

CREATE TABLE action_programme_versions (
	programme_id	bigint NOT NULL REFERENCES action_programmes (id)
			    ON DELETE CASCADE,
	version		integer NOT NULL,
	record		jsonb NOT NULL,		-- {"title", "targets"}
	edited_by	bigint REFERENCES members (id) ON DELETE SET NULL,
	edited_at	timestamptz NOT NULL DEFAULT now(),
	request_hash	bytea NOT NULL,
	PRIMARY KEY (programme_id, version)
);

CREATE TABLE programme_tasks (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	programme_id	bigint NOT NULL REFERENCES action_programmes (id)
			    ON DELETE CASCADE,
	title		text NOT NULL CHECK (length(title) BETWEEN 1 AND 500
			    AND title IS NFC NORMALIZED),
	description	text CHECK (length(description) BETWEEN 1 AND 5000
			    AND description IS NFC NORMALIZED),
	-- NULL only when the account was erased from the database (the API
	-- never removes members; it disables them).
	assignee_id	bigint REFERENCES members (id) ON DELETE SET NULL,
	deadline	date NOT NULL,
	status		task_status NOT NULL DEFAULT 'not_started',
	completed_at	timestamptz,
	version		integer NOT NULL DEFAULT 1,
	client_id	uuid NOT NULL,
	created_by	bigint REFERENCES members (id) ON DELETE SET NULL,
	create_hash	bytea NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK ((status = 'done') = (completed_at IS NOT NULL)),
	UNIQUE (created_by, client_id)
);

-- A programme's tasks and a member's own, both in deadline order.
CREATE INDEX programme_tasks_programme
	ON programme_tasks (programme_id, deadline, id);
CREATE INDEX programme_tasks_assignee
	ON programme_tasks (assignee_id, deadline, id);

-- Every version of a task: the record as it became, and what changed
-- from the version before (NULL for the first).
CREATE TABLE programme_task_versions (
	task_id		bigint NOT NULL REFERENCES programme_tasks (id)
			    ON DELETE CASCADE,
	version		integer NOT NULL,
	record		jsonb NOT NULL,
	changes		jsonb,		-- {"field": {"from", "to"}}
	edited_by	bigint REFERENCES members (id) ON DELETE SET NULL,
	edited_at	timestamptz NOT NULL DEFAULT now(),
	request_hash	bytea NOT NULL,
	PRIMARY KEY (task_id, version)
);

CREATE TABLE task_progress_notes (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	task_id		bigint NOT NULL REFERENCES programme_tasks (id)
			    ON DELETE CASCADE,
	author_id	bigint REFERENCES members (id) ON DELETE SET NULL,
	content		text NOT NULL CHECK (length(content) BETWEEN 1 AND 20000
			    AND content IS NFC NORMALIZED),
	-- The task's status when the note was written, for the record.
	task_status	task_status NOT NULL,
	client_id	uuid NOT NULL,
	create_hash	bytea NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (author_id, client_id)
);

CREATE INDEX task_progress_notes_task ON task_progress_notes (task_id, id);

-- Append-only: a progress note is a record of what was reported, when.
-- (Rows still go with their task when a unit is removed: that is a
-- DELETE, which this trigger leaves alone.)
CREATE FUNCTION task_progress_notes_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'Progress notes are append-only.'
	    USING ERRCODE = 'HB409', HINT = 'append_only';
END
$$;

CREATE TRIGGER task_progress_notes_append_only
	BEFORE UPDATE ON task_progress_notes
	FOR EACH ROW EXECUTE FUNCTION task_progress_notes_frozen();

-- Access -----------------------------------------------------------------

-- The actor's roles that bear on programmes, with the subtree each covers
-- (an administrator of everything covers the empty path, the root of all).
CREATE FUNCTION programme_scope(actor bigint)
RETURNS TABLE (path ltree, role role_kind)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(u.path, ''::ltree), r.role
	FROM member_roles r
	JOIN members m ON m.id = r.member_id AND m.active
	LEFT JOIN org_units u ON u.id = r.unit_id
	WHERE r.member_id = actor
$$;

-- Does a role held over a unit let its holder write that unit's
-- programme? A cell's: its secretary or deputy, a committee member or
-- administrator above. Any other unit's: its committee, propaganda board
-- or administrators (and those of the units above).
CREATE FUNCTION programme_writes(r role_kind, k unit_kind) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT r IN ('admin', 'committee') OR CASE WHEN k = 'cell'
	    THEN r IN ('cell_secretary', 'cell_deputy')
	    ELSE r = 'propaganda' END
$$;

-- 'writer', 'reader' (a member of the cell whose programme it is) or
-- NULL for the programmes of a unit.
CREATE FUNCTION programme_role(actor bigint, unit bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN EXISTS (SELECT 1 FROM programme_scope(actor) s
		    WHERE u.path <@ s.path AND programme_writes(s.role, u.kind))
		    THEN 'writer'
		WHEN u.kind = 'cell' AND u.id = actor_cell(actor) THEN 'reader'
	END
	FROM org_units u WHERE u.id = unit
$$;

-- 'ok', 'forbidden' or 'not_found' for 'programme.read' or
-- 'programme.write'.
CREATE FUNCTION programme_access(actor bigint, p action_programmes,
    action text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN p.id IS NULL OR r IS NULL THEN 'not_found'
		WHEN action = 'programme.read' OR r = 'writer' THEN 'ok'
		ELSE 'forbidden'
	END
	FROM (SELECT programme_role(actor, p.unit_id) AS r) AS x
$$;

-- What actor is to a task: 'writer' (writes its programme), 'assignee',
-- 'reader' (reads its programme) or NULL. A writer who is also the
-- assignee is a writer.
CREATE FUNCTION task_role(actor bigint, t programme_tasks) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN t.id IS NULL THEN NULL
		WHEN r = 'writer' THEN 'writer'
		WHEN t.assignee_id = actor AND EXISTS (SELECT 1 FROM members m
		    WHERE m.id = actor AND m.active) THEN 'assignee'
		ELSE r
	END
	FROM (SELECT programme_role(actor, (SELECT p.unit_id
	    FROM action_programmes p WHERE p.id = t.programme_id)) AS r) AS x
$$;

-- 'ok', 'forbidden' or 'not_found' for 'task.read', 'task.progress'
-- (status and progress notes: the assignee and the writers) and
-- 'task.write' (everything: the writers).
CREATE FUNCTION task_access(actor bigint, t programme_tasks, action text)
RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN r IS NULL THEN 'not_found'
		WHEN action = 'task.read' OR r = 'writer' THEN 'ok'
		WHEN action = 'task.progress' AND r = 'assignee' THEN 'ok'
		ELSE 'forbidden'
	END
	FROM (SELECT task_role(actor, t) AS r) AS x
$$;

-- May member be assigned a task of unit's programme? An active member of
-- the unit (their cell at or under it), or a committee member of the
-- unit or of a unit above it.
CREATE FUNCTION programme_assignable(unit bigint, member bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM members m
	    JOIN org_units c ON c.id = m.cell_id, org_units u
	    WHERE m.id = member AND m.active AND u.id = unit
	      AND (c.path <@ u.path OR EXISTS (SELECT 1 FROM member_roles r
		  JOIN org_units ru ON ru.id = r.unit_id
		  WHERE r.member_id = m.id AND r.role = 'committee'
		    AND ru.path @> u.path)))
$$;

-- Time -------------------------------------------------------------------

-- Today in Vietnam (+07:00, no daylight saving): deadlines are days there.
CREATE FUNCTION programme_today() RETURNS date
LANGUAGE sql STABLE AS $$
	SELECT ((now() AT TIME ZONE 'UTC') + interval '7 hours')::date
$$;

CREATE FUNCTION task_overdue(t programme_tasks) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT t.status IN ('not_started', 'in_progress') AND
	    t.deadline < programme_today()
$$;

-- A deadline: a date YYYY-MM-DD between 2000-01-01 and ten years ahead
-- (a programme may be recorded after the fact), else 422 invalid_date.
CREATE FUNCTION task_deadline(v jsonb) RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
	d date;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) <> 'string' THEN
		PERFORM api_refuse('invalid_date',
		    'deadline must be a date written YYYY-MM-DD.');
	END IF;
	d := api_date(v #>> '{}', 'deadline');
	IF d < date '2000-01-01' OR d > programme_today() + interval '10 years' THEN
		PERFORM api_refuse('invalid_date',
		    'deadline must be between 2000-01-01 and ten years from today.');
	END IF;
	RETURN d;
END
$$;

-- Input ------------------------------------------------------------------

-- A stored status a client may send, or 422 invalid_status ("overdue" is
-- computed, never sent).
CREATE FUNCTION task_status_of(v jsonb) RETURNS task_status
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF v IS NULL OR jsonb_typeof(v) <> 'string' OR v #>> '{}' NOT IN
	    ('not_started', 'in_progress', 'done', 'cancelled') THEN
		PERFORM api_refuse('invalid_status',
		    'status is not_started, in_progress, done or cancelled '
		    '(overdue is computed from the deadline).');
	END IF;
	RETURN (v #>> '{}')::task_status;
END
$$;

-- The targets of a programme as stored: at most 50, each
-- {"text" (1000 characters), "target_value"? (a number >= 0),
-- "measure"? (100 characters: "%", "đảng viên", ...)}.
CREATE FUNCTION programme_targets(v jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	item jsonb;
	out_items jsonb := '[]';
	one jsonb;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN '[]';
	END IF;
	IF jsonb_typeof(v) <> 'array' OR jsonb_array_length(v) > 50 THEN
		PERFORM api_refuse('invalid_targets',
		    'targets is a list of at most 50 {text, target_value, measure}.');
	END IF;
	FOR item IN SELECT * FROM jsonb_array_elements(v) LOOP
		PERFORM api_only_keys(item, ARRAY['text', 'target_value',
		    'measure'], 'targets');
		IF jsonb_typeof(item->'text') IS DISTINCT FROM 'string' THEN
			PERFORM api_refuse('invalid_targets',
			    'Each target has a text.');
		END IF;
		one := jsonb_build_object('text',
		    api_text(item->>'text', 1000, 'target'));
		IF coalesce(jsonb_typeof(item->'target_value'), 'null') <> 'null' THEN
			IF jsonb_typeof(item->'target_value') <> 'number' OR
			    (item->>'target_value')::numeric < 0 OR
			    (item->>'target_value')::numeric > 1e12 THEN
				PERFORM api_refuse('invalid_targets',
				    'target_value is a number from 0 to 10^12.');
			END IF;
			one := one || jsonb_build_object('target_value',
			    item->'target_value');
		ELSE
			one := one || '{"target_value": null}';
		END IF;
		IF coalesce(jsonb_typeof(item->'measure'), 'null') <> 'null' THEN
			IF jsonb_typeof(item->'measure') <> 'string' THEN
				PERFORM api_refuse('invalid_targets',
				    'measure is a string.');
			END IF;
			one := one || jsonb_build_object('measure',
			    api_text(item->>'measure', 100, 'measure'));
		ELSE
			one := one || '{"measure": null}';
		END IF;
		out_items := out_items || jsonb_build_array(one);
	END LOOP;
	RETURN out_items;
END
$$;

-- An optional text field of a body: NULL when absent or null, else
-- checked by api_text (a string, or 422 invalid_field).
CREATE FUNCTION programme_text_or_null(v jsonb, max integer, what text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) <> 'string' THEN
		PERFORM api_refuse('invalid_field',
		    format('%s must be a string.', what));
	END IF;
	RETURN api_text(v #>> '{}', max, what);
END
$$;

-- JSON -------------------------------------------------------------------

CREATE FUNCTION programme_member(member bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', m.id, 'full_name', m.full_name)
	FROM members m WHERE m.id = member
$$;

-- Counts of a programme's tasks by state (overdue ones are also counted
-- under their stored status).
CREATE FUNCTION programme_task_counts(prog bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'total', count(*),
		'not_started', count(*) FILTER (WHERE t.status = 'not_started'),
		'in_progress', count(*) FILTER (WHERE t.status = 'in_progress'),
		'done', count(*) FILTER (WHERE t.status = 'done'),
		'cancelled', count(*) FILTER (WHERE t.status = 'cancelled'),
		'overdue', count(*) FILTER (WHERE task_overdue(t)))
	FROM programme_tasks t WHERE t.programme_id = prog
$$;

CREATE FUNCTION programme_json(p action_programmes, actor bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', p.id,
		'unit', (SELECT json_build_object('id', u.id, 'kind', u.kind,
		    'code', u.code, 'name_vi', u.name_vi, 'name_km', u.name_km)
		    FROM org_units u WHERE u.id = p.unit_id),
		'document', (SELECT json_build_object('id', d.id,
		    'slug', d.slug) FROM documents d WHERE d.id = p.document_id),
		'title', p.title, 'targets', p.targets, 'version', p.version,
		'tasks', programme_task_counts(p.id),
		'can_write', programme_role(actor, p.unit_id) = 'writer',
		'created_by', programme_member(p.created_by),
		'client_id', CASE WHEN p.created_by = actor THEN p.client_id END,
		'created_at', p.created_at, 'updated_at', p.updated_at)
$$;

CREATE FUNCTION task_json(t programme_tasks, actor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', t.id,
		'programme', (SELECT json_build_object('id', p.id,
		    'title', p.title, 'unit_id', p.unit_id,
		    'document_id', p.document_id)
		    FROM action_programmes p WHERE p.id = t.programme_id),
		'title', t.title, 'description', t.description,
		'assignee', programme_member(t.assignee_id),
		'deadline', t.deadline, 'status', t.status,
		'overdue', task_overdue(t),
		'completed_at', t.completed_at,
		'completed_late', CASE WHEN t.status = 'done' THEN
		    (t.completed_at AT TIME ZONE 'UTC' + interval '7 hours')::date
		    > t.deadline END,
		'progress_notes', (SELECT count(*) FROM task_progress_notes n
		    WHERE n.task_id = t.id),
		'version', t.version,
		'may', CASE task_role(actor, t) WHEN 'writer' THEN 'edit'
		    WHEN 'assignee' THEN 'progress' ELSE 'read' END,
		'created_by', programme_member(t.created_by),
		'client_id', CASE WHEN t.created_by = actor THEN t.client_id END,
		'created_at', t.created_at, 'updated_at', t.updated_at)
$$;

CREATE FUNCTION task_record(t programme_tasks) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('title', t.title,
	    'description', t.description, 'assignee_id', t.assignee_id,
	    'deadline', t.deadline, 'status', t.status)
$$;

-- Cursors of task lists: "<deadline>_<id>" of the last item.
CREATE FUNCTION task_cursor(raw text, OUT after_day date, OUT after_id bigint)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF raw IS NULL THEN
		RETURN;
	END IF;
	IF raw ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}_[1-9][0-9]{0,17}$' THEN
		BEGIN
			after_day := split_part(raw, '_', 1)::date;
			after_id := split_part(raw, '_', 2)::bigint;
			RETURN;
		EXCEPTION WHEN datetime_field_overflow OR
		    invalid_datetime_format THEN
			NULL;
		END;
	END IF;
	PERFORM api_refuse('invalid_parameter',
	    'cursor is the next_cursor of the previous page.', '400');
END
$$;

-- The status filter of task lists: a stored status, "open" (neither done
-- nor cancelled) or "overdue"; NULL for all.
CREATE FUNCTION task_filter_check(raw text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF raw IS NOT NULL AND raw NOT IN ('not_started', 'in_progress',
	    'done', 'cancelled', 'open', 'overdue') THEN
		PERFORM api_refuse('invalid_parameter',
		    'status is not_started, in_progress, done, cancelled, open '
		    'or overdue.', '400');
	END IF;
	RETURN raw;
END
$$;

CREATE FUNCTION task_filter_match(t programme_tasks, want text)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN want IS NULL THEN true
		WHEN want = 'open' THEN t.status IN ('not_started', 'in_progress')
		WHEN want = 'overdue' THEN task_overdue(t)
		ELSE t.status::text = want
	END
$$;

-- Programmes ---------------------------------------------------------------

-- POST /api/v1/programmes {"client_id", "unit_id"? (default: the actor's
-- cell), "document_id", "title", "targets"?}
CREATE FUNCTION api_programme_create(actor bigint, body jsonb, client text,
    request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cid uuid := api_client_id(body->>'client_id');
	h bytea := request_hash(body);
	prior action_programmes;
	p action_programmes;
	unit bigint := coalesce(api_int(body->'unit_id', 'unit_id'),
	    actor_cell(actor));
	doc bigint := api_int(body->'document_id', 'document_id');
	d documents;
	r text;
	new_title text;
	new_targets jsonb;
	existing bigint;
BEGIN
	SELECT * INTO prior FROM action_programmes
	WHERE created_by = actor AND client_id = cid;
	IF prior.id IS NULL THEN
		r := programme_role(actor, unit);
		IF r IS NULL AND unit_access(actor, unit, 'unit.read') <> 'ok' THEN
			PERFORM access_require('not_found', 'unit');
		ELSIF r IS DISTINCT FROM 'writer' THEN
			PERFORM access_require('forbidden', 'unit');
		END IF;
		IF doc IS NULL THEN
			PERFORM api_refuse('missing_field',
			    'Field "document_id" is required.');
		END IF;
		SELECT * INTO d FROM documents WHERE id = doc;
		IF d.id IS NULL OR NOT document_visible(actor, d) OR
		    NOT document_readable_in_cell(d, unit) THEN
			PERFORM api_refuse('unknown_document',
			    'No published document with this document_id that you '
			    'and the unit may read.');
		END IF;
		new_title := api_text(body->>'title', 500, 'title');
		new_targets := programme_targets(body->'targets');

		INSERT INTO action_programmes (unit_id, document_id, title,
		    targets, client_id, created_by, create_hash)
		VALUES (unit, doc, new_title, new_targets, cid, actor, h)
		ON CONFLICT DO NOTHING
		RETURNING * INTO p;
		IF p.id IS NOT NULL THEN
			INSERT INTO action_programme_versions (programme_id,
			    version, record, edited_by, request_hash)
			VALUES (p.id, 1, jsonb_build_object('title', new_title,
			    'targets', new_targets), actor, h);
			PERFORM audit_write(actor, 'programme.create',
			    'programme:' || p.id, client, request_id, NULL);
			RETURN programme_json(p, actor);
		END IF;
		-- Either a twin of this request committed first (a retry), or
		-- the unit has a programme for this document already.
		SELECT * INTO prior FROM action_programmes
		WHERE created_by = actor AND client_id = cid;
		IF prior.id IS NULL THEN
			SELECT ap.id INTO existing FROM action_programmes ap
			WHERE ap.unit_id = unit AND ap.document_id = doc;
			RAISE EXCEPTION 'The unit has an action programme for this '
			    'document already (id %): edit it.', existing
			    USING ERRCODE = 'HB409', HINT = 'programme_exists';
		END IF;
	END IF;

	IF prior.create_hash <> h THEN
		PERFORM api_refuse('client_id_reused',
		    'This client_id was used for another programme; choose a new '
		    'UUID for each new programme.', '409');
	END IF;
	RETURN programme_json(prior, actor);
END
$$;

-- GET /api/v1/programmes/{id}
CREATE FUNCTION api_programme_get(actor bigint, prog bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	p action_programmes;
BEGIN
	SELECT * INTO p FROM action_programmes WHERE id = prog;
	PERFORM access_require(programme_access(actor, p, 'programme.read'),
	    'programme');
	RETURN programme_json(p, actor);
END
$$;

-- GET /api/v1/programmes?unit=&document=&limit=&cursor=: the programmes
-- the actor may read, of the unit and the units under it (default: all),
-- newest first; the cursor is the last id. Two branches, so that each
-- uses an index and stops after a page: the programmes of the actor's
-- own cell (by unit), and those their roles cover (walking ids downwards,
-- filtered by the subtrees, computed once, in which they write: every
-- kind of unit, cells only, or all but cells).
CREATE FUNCTION api_programmes_list(actor bigint, unit bigint, doc bigint,
    lim integer, after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	sub ltree;
	my_cell bigint := actor_cell(actor);
	any_kind ltree[];
	cells_only ltree[];
	but_cells ltree[];
	items json;
	last_id bigint;
	n integer := api_limit(lim);
BEGIN
	IF unit IS NOT NULL THEN
		SELECT path INTO sub FROM org_units WHERE id = unit;
		IF sub IS NULL OR unit_access(actor, unit, 'unit.read') <> 'ok' THEN
			PERFORM access_require('not_found', 'unit');
		END IF;
	END IF;
	SELECT coalesce(array_agg(s.path) FILTER (WHERE
		    programme_writes(s.role, 'cell') AND
		    programme_writes(s.role, 'grassroots')), '{}'),
	    coalesce(array_agg(s.path) FILTER (WHERE
		    programme_writes(s.role, 'cell') AND
		    NOT programme_writes(s.role, 'grassroots')), '{}'),
	    coalesce(array_agg(s.path) FILTER (WHERE
		    NOT programme_writes(s.role, 'cell') AND
		    programme_writes(s.role, 'grassroots')), '{}')
	INTO any_kind, cells_only, but_cells
	FROM programme_scope(actor) s;

	WITH page AS (
		(SELECT ap FROM action_programmes ap
		JOIN org_units u ON u.id = ap.unit_id
		WHERE ap.unit_id = my_cell AND u.kind = 'cell'
		  AND (sub IS NULL OR u.path <@ sub)
		  AND (doc IS NULL OR ap.document_id = doc)
		  AND (after IS NULL OR ap.id < after)
		ORDER BY ap.id DESC
		LIMIT n)
		UNION
		(SELECT ap FROM action_programmes ap
		JOIN org_units u ON u.id = ap.unit_id
		WHERE cardinality(any_kind || cells_only || but_cells) > 0
		  AND (u.path <@ any_kind OR
		       (u.kind = 'cell' AND u.path <@ cells_only) OR
		       (u.kind <> 'cell' AND u.path <@ but_cells))
		  AND (sub IS NULL OR u.path <@ sub)
		  AND (doc IS NULL OR ap.document_id = doc)
		  AND (after IS NULL OR ap.id < after)
		ORDER BY ap.id DESC
		LIMIT n)
	), top AS (
		SELECT pg.ap FROM page pg ORDER BY (pg.ap).id DESC LIMIT n
	)
	SELECT coalesce(json_agg(programme_json(t.ap, actor)
	    ORDER BY (t.ap).id DESC), '[]'), min((t.ap).id), count(*)
	INTO items, last_id, n
	FROM top t;

	RETURN json_build_object('items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_id::text END);
END
$$;

-- PATCH /api/v1/programmes/{id} {"version", "title"?, "targets"?}: the
-- writers; each part given replaces the current one.
CREATE FUNCTION api_programme_update(actor bigint, prog bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	p action_programmes;
	base integer;
	h bytea := request_hash(body);
	done_ver integer;
	new_title text;
	new_targets jsonb;
BEGIN
	SELECT * INTO p FROM action_programmes WHERE id = prog FOR UPDATE;
	PERFORM access_require(programme_access(actor, p, 'programme.write'),
	    'programme');
	base := api_int(body->'version', 'version');
	IF base IS NULL THEN
		PERFORM api_refuse('missing_field',
		    'Field "version" (the version you edited) is required.');
	END IF;
	IF base <> p.version THEN
		SELECT v.version INTO done_ver FROM action_programme_versions v
		WHERE v.programme_id = prog AND v.version = base + 1
		  AND v.edited_by = actor AND v.request_hash = h;
		IF done_ver IS NOT NULL AND done_ver = p.version THEN
			RETURN programme_json(p, actor);
		END IF;
		PERFORM api_refuse('version_conflict', format(
		    'The programme is at version %s, not %s: read it again and '
		    'redo the change.', p.version, base), '409');
	END IF;

	new_title := CASE WHEN body ? 'title'
	    THEN api_text(body->>'title', 500, 'title') ELSE p.title END;
	new_targets := CASE WHEN body ? 'targets'
	    THEN programme_targets(body->'targets') ELSE p.targets END;
	IF new_title = p.title AND new_targets = p.targets THEN
		RETURN programme_json(p, actor);	-- nothing changes
	END IF;

	UPDATE action_programmes SET title = new_title, targets = new_targets,
	    version = p.version + 1, updated_at = now()
	WHERE id = prog
	RETURNING * INTO p;
	INSERT INTO action_programme_versions (programme_id, version, record,
	    edited_by, request_hash)
	VALUES (prog, p.version, jsonb_build_object('title', new_title,
	    'targets', new_targets), actor, h);
	PERFORM audit_write(actor, 'programme.update', 'programme:' || prog,
	    client, request_id, jsonb_build_object('version', p.version,
	    'fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys(body) AS k
		WHERE k <> 'version')));
	RETURN programme_json(p, actor);
END
$$;

-- GET /api/v1/programmes/{id}/versions?limit=&cursor=: newest first.
CREATE FUNCTION api_programme_versions(actor bigint, prog bigint,
    lim integer, after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	p action_programmes;
	items json;
	last_v integer;
	n integer := api_limit(lim);
BEGIN
	SELECT * INTO p FROM action_programmes WHERE id = prog;
	PERFORM access_require(programme_access(actor, p, 'programme.read'),
	    'programme');
	WITH page AS (
		SELECT v.* FROM action_programme_versions v
		WHERE v.programme_id = prog AND (after IS NULL OR v.version < after)
		ORDER BY v.version DESC
		LIMIT n
	)
	SELECT coalesce(json_agg(json_build_object('version', pg.version,
	    'title', pg.record->'title', 'targets', pg.record->'targets',
	    'edited_by', programme_member(pg.edited_by), 'edited_at', pg.edited_at)
	    ORDER BY pg.version DESC), '[]'), min(pg.version), count(*)
	INTO items, last_v, n
	FROM page pg;
	RETURN json_build_object('id', p.id, 'items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_v::text END);
END
$$;

-- Tasks --------------------------------------------------------------------

-- The assignee of a task body, checked against the programme's unit.
CREATE FUNCTION task_assignee(p action_programmes, v jsonb) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	who bigint := api_int(v, 'assignee_id');
BEGIN
	IF who IS NULL THEN
		PERFORM api_refuse('missing_field',
		    'Field "assignee_id" is required.');
	END IF;
	IF NOT programme_assignable(p.unit_id, who) THEN
		PERFORM api_refuse('assignee_outside_unit',
		    'The assignee must be an active member of the unit or a '
		    'committee member of it or of a unit above it.');
	END IF;
	RETURN who;
END
$$;

-- POST /api/v1/programmes/{id}/tasks {"client_id", "title",
-- "description"?, "assignee_id", "deadline", "status"?}: the writers.
CREATE FUNCTION api_task_create(actor bigint, prog bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cid uuid := api_client_id(body->>'client_id');
	h bytea := request_hash(body);
	prior programme_tasks;
	t programme_tasks;
	p action_programmes;
	st task_status;
BEGIN
	SELECT * INTO prior FROM programme_tasks
	WHERE created_by = actor AND client_id = cid;
	IF prior.id IS NULL THEN
		-- Serialises task creation per programme with its edits.
		SELECT * INTO p FROM action_programmes WHERE id = prog FOR SHARE;
		PERFORM access_require(programme_access(actor, p,
		    'programme.write'), 'programme');
		st := CASE WHEN body ? 'status' THEN task_status_of(body->'status')
		    ELSE 'not_started' END;
		INSERT INTO programme_tasks (programme_id, title, description,
		    assignee_id, deadline, status, completed_at, client_id,
		    created_by, create_hash)
		VALUES (prog, api_text(body->>'title', 500, 'title'),
		    programme_text_or_null(body->'description', 5000, 'description'),
		    task_assignee(p, body->'assignee_id'),
		    task_deadline(body->'deadline'), st,
		    CASE WHEN st = 'done' THEN now() END, cid, actor, h)
		ON CONFLICT (created_by, client_id) DO NOTHING
		RETURNING * INTO t;
		IF t.id IS NOT NULL THEN
			INSERT INTO programme_task_versions (task_id, version,
			    record, edited_by, request_hash)
			VALUES (t.id, 1, task_record(t), actor, h);
			PERFORM audit_write(actor, 'task.create', 'task:' || t.id,
			    client, request_id, jsonb_build_object('programme', prog));
			RETURN task_json(t, actor);
		END IF;
		SELECT * INTO prior FROM programme_tasks
		WHERE created_by = actor AND client_id = cid;
	END IF;

	IF prior.create_hash <> h OR prior.programme_id <> prog THEN
		PERFORM api_refuse('client_id_reused',
		    'This client_id was used for another task; choose a new '
		    'UUID for each new task.', '409');
	END IF;
	RETURN task_json(prior, actor);
END
$$;

-- GET /api/v1/tasks/{id}
CREATE FUNCTION api_task_get(actor bigint, task bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t programme_tasks;
BEGIN
	SELECT * INTO t FROM programme_tasks WHERE id = task;
	PERFORM access_require(task_access(actor, t, 'task.read'), 'task');
	RETURN task_json(t, actor);
END
$$;

-- GET /api/v1/programmes/{id}/tasks?status=&limit=&cursor=: the tasks of
-- a programme its readers see, by deadline then id.
CREATE FUNCTION api_programme_tasks(actor bigint, prog bigint, lim integer,
    want text, cursor_text text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	p action_programmes;
	c record;
	f text := task_filter_check(want);
	items json;
	last_item text;
	n integer := api_limit(lim);
BEGIN
	SELECT * INTO p FROM action_programmes WHERE id = prog;
	PERFORM access_require(programme_access(actor, p, 'programme.read'),
	    'programme');
	c := task_cursor(cursor_text);

	WITH page AS (
		SELECT t FROM programme_tasks t
		WHERE t.programme_id = prog AND task_filter_match(t, f)
		  AND (c.after_day IS NULL OR
		       (t.deadline, t.id) > (c.after_day, c.after_id))
		ORDER BY t.deadline, t.id
		LIMIT n
	)
	SELECT coalesce(json_agg(task_json(pg.t, actor)
	    ORDER BY (pg.t).deadline, (pg.t).id), '[]'),
	    (SELECT (x.t).deadline || '_' || (x.t).id FROM page x
		ORDER BY (x.t).deadline DESC, (x.t).id DESC LIMIT 1),
	    count(*)
	INTO items, last_item, n
	FROM page pg;
	RETURN json_build_object('programme_id', prog, 'items', items,
	    'next_cursor', CASE WHEN n = api_limit(lim) THEN last_item END);
END
$$;

-- GET /api/v1/me/tasks?status=&limit=&cursor=: the tasks assigned to the
-- actor, by deadline then id.
CREATE FUNCTION api_my_tasks(actor bigint, lim integer, want text,
    cursor_text text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c record;
	f text := task_filter_check(want);
	items json;
	last_item text;
	n integer := api_limit(lim);
BEGIN
	c := task_cursor(cursor_text);
	WITH page AS (
		SELECT t FROM programme_tasks t
		WHERE t.assignee_id = actor AND task_filter_match(t, f)
		  AND (c.after_day IS NULL OR
		       (t.deadline, t.id) > (c.after_day, c.after_id))
		ORDER BY t.deadline, t.id
		LIMIT n
	)
	SELECT coalesce(json_agg(task_json(pg.t, actor)
	    ORDER BY (pg.t).deadline, (pg.t).id), '[]'),
	    (SELECT (x.t).deadline || '_' || (x.t).id FROM page x
		ORDER BY (x.t).deadline DESC, (x.t).id DESC LIMIT 1),
	    count(*)
	INTO items, last_item, n
	FROM page pg;
	RETURN json_build_object('items', items,
	    'next_cursor', CASE WHEN n = api_limit(lim) THEN last_item END);
END
$$;

-- PATCH /api/v1/tasks/{id} {"version", "status"?, "deadline"?,
-- "assignee_id"?, "title"?, "description"?}: the writers change any of
-- them; the assignee the status only, and not to or from cancelled.
CREATE FUNCTION api_task_update(actor bigint, task bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	t programme_tasks;
	p action_programmes;
	r text;
	base integer;
	h bytea := request_hash(body);
	done_ver integer;
	k text;
	nt programme_tasks;
	diff jsonb := '{}';
	old_rec jsonb;
	new_rec jsonb;
BEGIN
	SELECT * INTO t FROM programme_tasks WHERE id = task FOR UPDATE;
	PERFORM access_require(task_access(actor, t, 'task.progress'), 'task');
	r := task_role(actor, t);
	base := api_int(body->'version', 'version');
	IF base IS NULL THEN
		PERFORM api_refuse('missing_field',
		    'Field "version" (the version you edited) is required.');
	END IF;
	IF base <> t.version THEN
		SELECT v.version INTO done_ver FROM programme_task_versions v
		WHERE v.task_id = task AND v.version = base + 1
		  AND v.edited_by = actor AND v.request_hash = h;
		IF done_ver IS NOT NULL AND done_ver = t.version THEN
			RETURN task_json(t, actor);
		END IF;
		PERFORM api_refuse('version_conflict', format(
		    'The task is at version %s, not %s: read it again and '
		    'redo the change.', t.version, base), '409');
	END IF;

	IF r <> 'writer' THEN
		FOR k IN SELECT jsonb_object_keys(body) LOOP
			IF k NOT IN ('version', 'status') THEN
				PERFORM access_require('forbidden', 'task');
			END IF;
		END LOOP;
	END IF;

	nt := t;
	IF body ? 'status' THEN
		nt.status := task_status_of(body->'status');
		IF r <> 'writer' AND nt.status <> t.status AND
		    'cancelled' IN (nt.status, t.status) THEN
			-- Cancelling (or reviving) a task is the programme's
			-- writers' decision, not the assignee's.
			PERFORM access_require('forbidden', 'task');
		END IF;
	END IF;
	IF body ? 'deadline' THEN
		nt.deadline := task_deadline(body->'deadline');
	END IF;
	IF body ? 'title' THEN
		nt.title := api_text(body->>'title', 500, 'title');
	END IF;
	IF body ? 'description' THEN
		nt.description := programme_text_or_null(body->'description', 5000,
		    'description');
	END IF;
	IF body ? 'assignee_id' THEN
		SELECT * INTO p FROM action_programmes WHERE id = t.programme_id;
		nt.assignee_id := task_assignee(p, body->'assignee_id');
	END IF;

	old_rec := task_record(t);
	new_rec := task_record(nt);
	SELECT coalesce(jsonb_object_agg(e.key, jsonb_build_object(
	    'from', old_rec->e.key, 'to', e.value)), '{}')
	INTO diff
	FROM jsonb_each(new_rec) e
	WHERE e.value IS DISTINCT FROM old_rec->e.key;
	IF diff = '{}' THEN
		RETURN task_json(t, actor);	-- nothing changes: no version
	END IF;

	UPDATE programme_tasks SET title = nt.title,
	    description = nt.description, assignee_id = nt.assignee_id,
	    deadline = nt.deadline, status = nt.status,
	    completed_at = CASE WHEN nt.status <> 'done' THEN NULL
		WHEN t.status = 'done' THEN t.completed_at ELSE now() END,
	    version = t.version + 1, updated_at = now()
	WHERE id = task
	RETURNING * INTO nt;
	INSERT INTO programme_task_versions (task_id, version, record, changes,
	    edited_by, request_hash)
	VALUES (task, nt.version, new_rec, diff, actor, h);
	-- Field names only: titles and descriptions stay out of the log.
	PERFORM audit_write(actor, 'task.update', 'task:' || task, client,
	    request_id, jsonb_build_object('version', nt.version,
	    'fields', (SELECT jsonb_agg(x) FROM jsonb_object_keys(diff) AS x)));
	RETURN task_json(nt, actor);
END
$$;

-- GET /api/v1/tasks/{id}/history?limit=&cursor=: every version, newest
-- first, with who changed what and when; for whoever reads the task.
CREATE FUNCTION api_task_history(actor bigint, task bigint, lim integer,
    after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t programme_tasks;
	items json;
	last_v integer;
	n integer := api_limit(lim);
BEGIN
	SELECT * INTO t FROM programme_tasks WHERE id = task;
	PERFORM access_require(task_access(actor, t, 'task.read'), 'task');
	WITH page AS (
		SELECT v.* FROM programme_task_versions v
		WHERE v.task_id = task AND (after IS NULL OR v.version < after)
		ORDER BY v.version DESC
		LIMIT n
	)
	SELECT coalesce(json_agg(json_build_object('version', pg.version,
	    'edited_by', programme_member(pg.edited_by), 'edited_at', pg.edited_at,
	    'changes', pg.changes, 'record', pg.record)
	    ORDER BY pg.version DESC), '[]'), min(pg.version), count(*)
	INTO items, last_v, n
	FROM page pg;
	RETURN json_build_object('id', t.id, 'items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_v::text END);
END
$$;

-- Progress notes -------------------------------------------------------------

CREATE FUNCTION task_note_json(n task_progress_notes, actor bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', n.id, 'task_id', n.task_id,
	    'author', programme_member(n.author_id), 'text', n.content,
	    'task_status', n.task_status, 'mine', n.author_id = actor,
	    'client_id', CASE WHEN n.author_id = actor THEN n.client_id END,
	    'created_at', n.created_at)
$$;

-- POST /api/v1/tasks/{id}/notes {"client_id", "text"}: the assignee and
-- the writers; text at most 20,000 characters after NFC.
CREATE FUNCTION api_task_note_create(actor bigint, task bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cid uuid := api_client_id(body->>'client_id');
	h bytea := request_hash(body);
	prior task_progress_notes;
	nn task_progress_notes;
	t programme_tasks;
BEGIN
	SELECT * INTO prior FROM task_progress_notes
	WHERE author_id = actor AND client_id = cid;
	IF prior.id IS NULL THEN
		SELECT * INTO t FROM programme_tasks WHERE id = task;
		PERFORM access_require(task_access(actor, t, 'task.progress'),
		    'task');
		INSERT INTO task_progress_notes (task_id, author_id, content,
		    task_status, client_id, create_hash)
		VALUES (task, actor, api_text(body->>'text', 20000, 'note'),
		    t.status, cid, h)
		ON CONFLICT (author_id, client_id) DO NOTHING
		RETURNING * INTO nn;
		IF nn.id IS NOT NULL THEN
			PERFORM audit_write(actor, 'task.note', 'task:' || task,
			    client, request_id, jsonb_build_object('note', nn.id));
			RETURN task_note_json(nn, actor);
		END IF;
		SELECT * INTO prior FROM task_progress_notes
		WHERE author_id = actor AND client_id = cid;
	END IF;
	IF prior.create_hash <> h OR prior.task_id <> task THEN
		PERFORM api_refuse('client_id_reused',
		    'This client_id was used for another progress note; choose a '
		    'new UUID for each new note.', '409');
	END IF;
	RETURN task_note_json(prior, actor);
END
$$;

-- GET /api/v1/tasks/{id}/notes?limit=&cursor=: oldest first (a progress
-- report reads in order); the cursor is the last id.
CREATE FUNCTION api_task_notes(actor bigint, task bigint, lim integer,
    after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t programme_tasks;
	items json;
	last_id bigint;
	n integer := api_limit(lim);
BEGIN
	SELECT * INTO t FROM programme_tasks WHERE id = task;
	PERFORM access_require(task_access(actor, t, 'task.read'), 'task');
	WITH page AS (
		SELECT nt FROM task_progress_notes nt
		WHERE nt.task_id = task AND (after IS NULL OR nt.id > after)
		ORDER BY nt.id
		LIMIT n
	)
	SELECT coalesce(json_agg(task_note_json(pg.nt, actor)
	    ORDER BY (pg.nt).id), '[]'), max((pg.nt).id), count(*)
	INTO items, last_id, n
	FROM page pg;
	RETURN json_build_object('task_id', t.id, 'items', items,
	    'next_cursor', CASE WHEN n = api_limit(lim) THEN last_id::text END);
END
$$;
