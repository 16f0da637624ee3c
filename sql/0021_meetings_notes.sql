-- Cell meetings (sinh hoạt chi bộ) and members' notes: the SQL half of
-- /api/v1/meetings and /api/v1/notes (kore-app/meetings.c, notes.c).
--
-- A cell meeting is the cell's own record: its date, topic, the
-- documents discussed, who attended (or was absent, and why), discussion
-- notes per document section, and the decisions taken. The cell's
-- secretary or deputy secretary writes it (they run the meeting; the
-- roles exist in 0002). Every member of the cell reads it in full: they
-- were there. Committees and administrators whose scope covers the cell
-- (the same scope that lets them read its members, 0004) oversee it: they
-- see a summary (date, topic, documents, who attended, how many
-- discussion notes and decisions) but never the text written in the cell
-- (discussion, decisions, reasons for absence), nor its history.
-- Propaganda officers, and everyone above the cell, get numbers only,
-- from unit_meeting_counts() (GET /api/v1/units/{id}/meeting-counts), which
-- the engagement reports of issue 7 can call as well.
--
-- A note is a member's own: on a document (optionally one core point),
-- private (the author alone) or shared with the author's cell (the cell
-- they were in when they wrote it; it stays in that cell's feed if they
-- move). Nobody else reads a note: not the secretary, not an
-- administrator, not a committee; reports count notes and never show
-- them.
--
-- Writes come from phones that work offline and retry. A create carries a
-- client_id (a UUID the phone chose): a retry with the same client_id and
-- the same body is stored once and answered as the first one was (the
-- first version, re-rendered from the history, which is what the first
-- answer was made from); the same client_id with another body is 409
-- client_id_reused. client_ids are per author, so one member cannot reach
-- another's object by guessing theirs. An edit names the version it was
-- made from ("version" in the body): another current version is 409
-- version_conflict, unless the version after it is this very edit by this
-- very actor (a retry whose answer was lost), which is answered again.
--
-- Every version is kept (note_versions, cell_meeting_versions): the
-- history is for those who read the object in full. A note version that
-- was private is shown to its author only, even after the note was
-- shared. Deletion is soft: the row and its history stay in the database,
-- but a deleted note or meeting is gone from every list and read (404 to
-- everyone, its author included); deleting it again is answered 204 to
-- whoever could delete it, for the same retrying phones.
--
-- Text is stored NFC and measured in code points after NFC (a note: at
-- most 20,000, 422 note_too_long). Refusal messages never quote the
-- values sent (Kore logs the primary message of an error).

CREATE TYPE note_visibility AS ENUM ('private', 'cell');

CREATE TABLE cell_meetings (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	cell_id			bigint NOT NULL REFERENCES org_units (id)
				    ON DELETE CASCADE,
	held_on			date NOT NULL,
	topic			text NOT NULL CHECK (length(topic) BETWEEN 1 AND 500
				    AND topic IS NFC NORMALIZED),
	version			integer NOT NULL DEFAULT 1,
	-- Counted here so that reports need not open the history.
	discussion_count	integer NOT NULL DEFAULT 0,
	decision_count		integer NOT NULL DEFAULT 0,
	client_id		uuid NOT NULL,
	created_by		bigint REFERENCES members (id) ON DELETE SET NULL,
	create_hash		bytea NOT NULL,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	deleted_at		timestamptz,
	deleted_by		bigint REFERENCES members (id) ON DELETE SET NULL,
	UNIQUE (created_by, client_id)
);

CREATE INDEX cell_meetings_cell ON cell_meetings (cell_id, held_on DESC, id DESC)
	WHERE deleted_at IS NULL;
-- Counting per unit reads this index alone (unit_meeting_counts).
CREATE INDEX cell_meetings_counts ON cell_meetings (cell_id, held_on)
	INCLUDE (discussion_count, decision_count) WHERE deleted_at IS NULL;

-- The documents discussed, and who attended, as rows: reports join them
-- (reach "at a cell meeting", attendance per member).
CREATE TABLE cell_meeting_documents (
	meeting_id		bigint NOT NULL REFERENCES cell_meetings (id)
				    ON DELETE CASCADE,
	document_id		bigint NOT NULL REFERENCES documents (id)
				    ON DELETE CASCADE,
	document_version	integer NOT NULL,
	PRIMARY KEY (meeting_id, document_id)
);

CREATE INDEX cell_meeting_documents_document
	ON cell_meeting_documents (document_id);

CREATE TABLE cell_meeting_attendance (
	meeting_id	bigint NOT NULL REFERENCES cell_meetings (id)
			    ON DELETE CASCADE,
	member_id	bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	present		boolean NOT NULL,
	reason		text CHECK (length(reason) BETWEEN 1 AND 500
			    AND reason IS NFC NORMALIZED),
	CHECK (NOT (present AND reason IS NOT NULL)),
	PRIMARY KEY (meeting_id, member_id)
);

CREATE INDEX cell_meeting_attendance_member
	ON cell_meeting_attendance (member_id);

-- Every version of a meeting as its readers in the cell see it (the
-- discussion and the decisions live here only).
CREATE TABLE cell_meeting_versions (
	meeting_id	bigint NOT NULL REFERENCES cell_meetings (id)
			    ON DELETE CASCADE,
	version		integer NOT NULL,
	record		jsonb NOT NULL,
	edited_by	bigint REFERENCES members (id) ON DELETE SET NULL,
	edited_at	timestamptz NOT NULL DEFAULT now(),
	request_hash	bytea NOT NULL,
	PRIMARY KEY (meeting_id, version)
);

CREATE TABLE notes (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	author_id		bigint NOT NULL REFERENCES members (id)
				    ON DELETE CASCADE,
	-- The author's cell when the note was written: the cell it is
	-- shared with when its visibility is 'cell'.
	cell_id			bigint NOT NULL REFERENCES org_units (id)
				    ON DELETE CASCADE,
	document_id		bigint NOT NULL REFERENCES documents (id)
				    ON DELETE CASCADE,
	-- The version whose core point "section" numbers.
	document_version	integer NOT NULL,
	section			integer CHECK (section BETWEEN 1 AND 12),
	visibility		note_visibility NOT NULL,
	content			text NOT NULL CHECK (length(content)
				    BETWEEN 1 AND 20000
				    AND content IS NFC NORMALIZED),
	version			integer NOT NULL DEFAULT 1,
	client_id		uuid NOT NULL,
	create_hash		bytea NOT NULL,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	deleted_at		timestamptz,
	UNIQUE (author_id, client_id)
);

-- The feed of a cell, one's own notes, and both per document; newest
-- first (ids are given on arrival: the server's order, not the phone's
-- clock).
CREATE INDEX notes_cell_feed ON notes (cell_id, id DESC)
	WHERE visibility = 'cell' AND deleted_at IS NULL;
CREATE INDEX notes_cell_feed_document ON notes (cell_id, document_id, id DESC)
	WHERE visibility = 'cell' AND deleted_at IS NULL;
CREATE INDEX notes_author ON notes (author_id, id DESC)
	WHERE deleted_at IS NULL;
CREATE INDEX notes_document ON notes (document_id);
-- Counting per unit reads this index alone (unit_meeting_counts).
CREATE INDEX notes_counts ON notes (cell_id, created_at)
	INCLUDE (visibility, document_id) WHERE deleted_at IS NULL;

-- Every version of a note, the current one included.
CREATE TABLE note_versions (
	note_id			bigint NOT NULL REFERENCES notes (id)
				    ON DELETE CASCADE,
	version			integer NOT NULL,
	document_version	integer NOT NULL,
	section			integer,
	visibility		note_visibility NOT NULL,
	content			text NOT NULL,
	edited_at		timestamptz NOT NULL DEFAULT now(),
	request_hash		bytea NOT NULL,
	PRIMARY KEY (note_id, version)
);

-- Helpers shared by both -----------------------------------------------

-- The hash that tells a retry (same body) from a reuse (another body):
-- jsonb's text form is canonical (key order, spacing).
CREATE FUNCTION request_hash(body jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT sha256(convert_to(body::text, 'UTF8'))
$$;

-- The client's UUID, or 422.
CREATE FUNCTION api_client_id(raw text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF raw IS NULL OR raw !~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' THEN
		PERFORM api_refuse('invalid_client_id',
		    'client_id must be a UUID chosen by the client '
		    '(8-4-4-4-12 hexadecimal digits).');
	END IF;
	RETURN raw::uuid;
END
$$;

-- Text as stored: NFC, at most max code points (counted after NFC), not
-- blank, no control characters but tab and line breaks. what names the
-- field in the codes (<what>_empty, <what>_too_long, <what>_invalid).
CREATE FUNCTION api_text(raw text, max integer, what text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	t text := normalize(raw, NFC);
BEGIN
	IF t IS NULL OR btrim(t, E' \t\r\n') = '' THEN
		PERFORM api_refuse(what || '_empty',
		    format('The %s is empty.', what));
	END IF;
	IF length(t) > max THEN
		PERFORM api_refuse(what || '_too_long',
		    format('The %s is longer than %s characters.', what, max));
	END IF;
	IF t ~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F]' THEN
		PERFORM api_refuse(what || '_invalid', format(
		    'The %s contains control characters.', what));
	END IF;
	RETURN t;
END
$$;

-- Refuses an object with keys other than allowed (422 unknown_field), as
-- the C edge does for the top level of a body.
CREATE FUNCTION api_only_keys(obj jsonb, allowed text[], what text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	k text;
BEGIN
	IF jsonb_typeof(obj) <> 'object' THEN
		PERFORM api_refuse('invalid_field',
		    format('Each item of %s must be an object.', what));
	END IF;
	FOR k IN SELECT jsonb_object_keys(obj) LOOP
		IF NOT k = ANY (allowed) THEN
			PERFORM api_refuse('unknown_field', format(
			    'Unknown field in %s (allowed: %s).', what,
			    array_to_string(allowed, ', ')));
		END IF;
	END LOOP;
END
$$;

-- An integer field of a nested object (NULL when absent or null), or 422.
CREATE FUNCTION api_int(v jsonb, what text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) <> 'number' OR v::text !~ '^[0-9]{1,18}$' THEN
		PERFORM api_refuse('invalid_field',
		    format('%s must be a positive integer.', what));
	END IF;
	RETURN v::text::bigint;
END
$$;

-- A date written YYYY-MM-DD that exists, or 422 invalid_date.
CREATE FUNCTION api_date(raw text, what text) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF raw ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		BEGIN
			RETURN raw::date;
		EXCEPTION WHEN datetime_field_overflow OR
		    invalid_datetime_format THEN
			NULL;
		END;
	END IF;
	PERFORM api_refuse('invalid_date',
	    format('%s must be a date written YYYY-MM-DD.', what));
	RETURN NULL;
END
$$;

-- The actor's own cell (NULL for an inactive account).
CREATE FUNCTION actor_cell(actor bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT cell_id FROM members WHERE id = actor AND active
$$;

-- May the members of a cell read document d? Published, and for
-- everyone or for a unit above the cell.
CREATE FUNCTION document_readable_in_cell(d documents, cell bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT d.state = 'published' AND d.current_version IS NOT NULL AND (
	    d.unit_id IS NULL OR EXISTS (
		SELECT 1 FROM org_units u, org_units c
		WHERE u.id = d.unit_id AND c.id = cell AND c.path <@ u.path))
$$;

-- The core point position exists in that version of the document.
CREATE FUNCTION document_has_section(doc bigint, ver integer, pos bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM document_sections s
	    WHERE s.document_id = doc AND s.version = ver AND s.lang = 'vi'
	      AND s.position = pos)
$$;

-- Notes ----------------------------------------------------------------

-- 'ok', 'forbidden' or 'not_found' for action ('note.read',
-- 'note.write') on note n. Only its author writes it; they and, for a
-- shared note, the members of its cell read it. Nobody else, whatever
-- their roles.
CREATE FUNCTION note_access(actor bigint, n notes, action text)
RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN n.id IS NULL OR n.deleted_at IS NOT NULL THEN 'not_found'
		WHEN NOT (n.author_id = actor OR (n.visibility = 'cell' AND
		    n.cell_id = actor_cell(actor))) THEN 'not_found'
		WHEN action = 'note.read' OR n.author_id = actor THEN 'ok'
		ELSE 'forbidden'
	END
$$;

-- A note as of one of its versions, for actor.
CREATE FUNCTION note_json(n notes, v note_versions, actor bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', n.id, 'document_id', n.document_id,
		'document_version', v.document_version, 'section', v.section,
		'visibility', v.visibility, 'text', v.content,
		'version', v.version,
		'author', (SELECT json_build_object('id', m.id,
		    'full_name', m.full_name) FROM members m
		    WHERE m.id = n.author_id),
		'cell_id', n.cell_id, 'mine', n.author_id = actor,
		'client_id', CASE WHEN n.author_id = actor THEN n.client_id END,
		'created_at', n.created_at, 'updated_at', v.edited_at)
$$;

CREATE FUNCTION note_json_at(note bigint, ver integer, actor bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT note_json(n, v, actor) FROM notes n
	JOIN note_versions v ON v.note_id = n.id AND v.version = ver
	WHERE n.id = note
$$;

-- The document (visible to actor, else 422 unknown_document) and
-- optionally its core point; returns the document's current version.
CREATE FUNCTION note_check_document(actor bigint, doc bigint, pos bigint)
RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
	d documents;
BEGIN
	SELECT * INTO d FROM documents WHERE id = doc;
	IF d.id IS NULL OR NOT document_visible(actor, d) THEN
		PERFORM api_refuse('unknown_document',
		    'No published document with this document_id that you may read.');
	END IF;
	IF pos IS NOT NULL AND NOT document_has_section(doc,
	    d.current_version, pos) THEN
		PERFORM api_refuse('unknown_section',
		    'The document has no core point at this section position.');
	END IF;
	RETURN d.current_version;
END
$$;

CREATE FUNCTION note_visibility_of(raw text) RETURNS note_visibility
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF raw IS NULL OR raw NOT IN ('private', 'cell') THEN
		PERFORM api_refuse('invalid_visibility',
		    'visibility is "private" (you alone) or "cell" (your cell).');
	END IF;
	RETURN raw::note_visibility;
END
$$;

-- POST /api/v1/notes {"client_id", "document_id", "section"?,
-- "visibility"? (default private), "text"}
CREATE FUNCTION api_note_create(actor bigint, body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cid uuid := api_client_id(body->>'client_id');
	h bytea := request_hash(body);
	prior notes;
	my_cell bigint := actor_cell(actor);
	doc bigint := api_int(body->'document_id', 'document_id');
	pos bigint := api_int(body->'section', 'section');
	vis note_visibility;
	doc_ver integer;
	txt text;
	new_id bigint;
BEGIN
	-- A retry: answered as the first one was.
	SELECT * INTO prior FROM notes WHERE author_id = actor AND client_id = cid;
	IF prior.id IS NULL THEN
		IF my_cell IS NULL THEN
			PERFORM access_require('forbidden', 'note');
		END IF;
		vis := note_visibility_of(coalesce(body->>'visibility', 'private'));
		IF doc IS NULL THEN
			PERFORM api_refuse('missing_field', 'Field "document_id" is required.');
		END IF;
		doc_ver := note_check_document(actor, doc, pos);
		txt := api_text(body->>'text', 20000, 'note');

		INSERT INTO notes (author_id, cell_id, document_id,
		    document_version, section, visibility, content, client_id,
		    create_hash)
		VALUES (actor, my_cell, doc, doc_ver, pos, vis, txt, cid, h)
		ON CONFLICT (author_id, client_id) DO NOTHING
		RETURNING id INTO new_id;
		IF new_id IS NOT NULL THEN
			INSERT INTO note_versions (note_id, version,
			    document_version, section, visibility, content,
			    request_hash)
			VALUES (new_id, 1, doc_ver, pos, vis, txt, h);
			RETURN note_json_at(new_id, 1, actor);
		END IF;
		-- A twin of this request committed first: it is the retry's
		-- first answer.
		SELECT * INTO prior FROM notes
		WHERE author_id = actor AND client_id = cid;
	END IF;

	IF prior.create_hash <> h THEN
		PERFORM api_refuse('client_id_reused',
		    'This client_id was used for another note; choose a new UUID '
		    'for each new note.', '409');
	END IF;
	RETURN note_json_at(prior.id, 1, actor);
END
$$;

-- GET /api/v1/notes/{id}
CREATE FUNCTION api_note_get(actor bigint, note bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	n notes;
BEGIN
	SELECT * INTO n FROM notes WHERE id = note;
	PERFORM access_require(note_access(actor, n, 'note.read'), 'note');
	RETURN note_json_at(n.id, n.version, actor);
END
$$;

-- GET /api/v1/notes?scope=cell|mine&document=&limit=&cursor=: the feed
-- of the actor's cell (its shared notes, theirs included) or the actor's
-- own notes, newest first; the cursor is the last id of a page.
CREATE FUNCTION api_notes_list(actor bigint, doc bigint, lim integer,
    after bigint, scope text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	my_cell bigint := actor_cell(actor);
	want text := coalesce(scope, 'cell');
	items json;
	last_id bigint;
	n integer := api_limit(lim);
BEGIN
	IF want NOT IN ('cell', 'mine') THEN
		PERFORM api_refuse('invalid_parameter',
		    'scope is "cell" (your cell''s shared notes) or "mine".', '400');
	END IF;

	-- One branch per scope, so that each walks its own index in id
	-- order and stops after a page, however long the feed.
	WITH page AS (
		(SELECT nt FROM notes nt
		WHERE want = 'cell' AND nt.cell_id = my_cell
		  AND nt.visibility = 'cell' AND nt.deleted_at IS NULL
		  AND (doc IS NULL OR nt.document_id = doc)
		  AND (after IS NULL OR nt.id < after)
		ORDER BY nt.id DESC
		LIMIT n)
		UNION ALL
		(SELECT nt FROM notes nt
		WHERE want = 'mine' AND nt.author_id = actor
		  AND nt.deleted_at IS NULL
		  AND (doc IS NULL OR nt.document_id = doc)
		  AND (after IS NULL OR nt.id < after)
		ORDER BY nt.id DESC
		LIMIT n)
	)
	SELECT coalesce(json_agg(note_json(p.nt, v, actor)
	    ORDER BY (p.nt).id DESC), '[]'), min((p.nt).id), count(*)
	INTO items, last_id, n
	FROM page p
	JOIN note_versions v ON v.note_id = (p.nt).id AND v.version = (p.nt).version;

	RETURN json_build_object('items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_id::text END);
END
$$;

-- PATCH /api/v1/notes/{id} {"version", "text"?, "visibility"?,
-- "section"?}: the author only.
CREATE FUNCTION api_note_update(actor bigint, note bigint, body jsonb)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cur notes;
	done note_versions;
	base integer;
	h bytea := request_hash(body);
	vis note_visibility;
	pos bigint;
	doc_ver integer;
	txt text;
BEGIN
	SELECT * INTO cur FROM notes WHERE id = note FOR UPDATE;
	PERFORM access_require(note_access(actor, cur, 'note.write'), 'note');
	base := api_int(body->'version', 'version');
	IF base IS NULL THEN
		PERFORM api_refuse('missing_field',
		    'Field "version" (the version you edited) is required.');
	END IF;

	IF base <> cur.version THEN
		SELECT * INTO done FROM note_versions
		WHERE note_id = note AND version = base + 1 AND request_hash = h;
		IF done.note_id IS NOT NULL THEN
			RETURN note_json(cur, done, actor);
		END IF;
		PERFORM api_refuse('version_conflict', format(
		    'The note is at version %s, not %s: read it again and '
		    'redo the change.', cur.version, base), '409');
	END IF;

	vis := CASE WHEN body ? 'visibility'
	    THEN note_visibility_of(body->>'visibility') ELSE cur.visibility END;
	txt := CASE WHEN body ? 'text' THEN api_text(body->>'text', 20000, 'note')
	    ELSE cur.content END;
	pos := cur.section;
	doc_ver := cur.document_version;
	IF body ? 'section' THEN
		pos := api_int(body->'section', 'section');
		IF pos IS DISTINCT FROM cur.section THEN
			-- Numbered in the document's version of today.
			doc_ver := note_check_document(actor, cur.document_id, pos);
		END IF;
	END IF;

	IF vis = cur.visibility AND txt = cur.content AND
	    pos IS NOT DISTINCT FROM cur.section THEN
		-- Nothing changes: no new version.
		RETURN note_json_at(cur.id, cur.version, actor);
	END IF;

	UPDATE notes SET visibility = vis, content = txt, section = pos,
	    document_version = doc_ver, version = cur.version + 1,
	    updated_at = now()
	WHERE id = note;
	INSERT INTO note_versions (note_id, version, document_version, section,
	    visibility, content, request_hash)
	VALUES (note, cur.version + 1, doc_ver, pos, vis, txt, h);
	RETURN note_json_at(note, cur.version + 1, actor);
END
$$;

-- DELETE /api/v1/notes/{id}: soft; the author only.
CREATE FUNCTION api_note_delete(actor bigint, note bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cur notes;
BEGIN
	SELECT * INTO cur FROM notes WHERE id = note FOR UPDATE;
	IF cur.deleted_at IS NOT NULL AND cur.author_id = actor THEN
		RETURN NULL;	-- a retried delete
	END IF;
	PERFORM access_require(note_access(actor, cur, 'note.write'), 'note');
	UPDATE notes SET deleted_at = now() WHERE id = note;
	RETURN NULL;
END
$$;

-- GET /api/v1/notes/{id}/versions?limit=&cursor=: newest first; a
-- version that was private only to the author.
CREATE FUNCTION api_note_versions(actor bigint, note bigint, lim integer,
    after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	cur notes;
	items json;
	last_v integer;
	n integer := api_limit(lim);
BEGIN
	SELECT * INTO cur FROM notes WHERE id = note;
	PERFORM access_require(note_access(actor, cur, 'note.read'), 'note');

	WITH page AS (
		SELECT v FROM note_versions v
		WHERE v.note_id = note
		  AND (v.visibility = 'cell' OR cur.author_id = actor)
		  AND (after IS NULL OR v.version < after)
		ORDER BY v.version DESC
		LIMIT n
	)
	SELECT coalesce(json_agg(json_build_object(
		'version', (p.v).version, 'visibility', (p.v).visibility,
		'document_version', (p.v).document_version,
		'section', (p.v).section, 'text', (p.v).content,
		'edited_at', (p.v).edited_at)
	    ORDER BY (p.v).version DESC), '[]'), min((p.v).version), count(*)
	INTO items, last_v, n
	FROM page p;

	RETURN json_build_object('id', cur.id, 'items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_v::text END);
END
$$;

-- Meetings -------------------------------------------------------------

-- What actor is to the meetings of a cell: 'writer' (its secretary or
-- deputy), 'member' (of the cell), 'overseer' (a committee member or
-- administrator whose scope covers the cell), or NULL (nothing: they do
-- not learn that a meeting exists).
CREATE FUNCTION meeting_role(actor bigint, cell bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN c.id IS NULL THEN NULL
		WHEN EXISTS (SELECT 1 FROM member_roles r
		    JOIN members m ON m.id = r.member_id AND m.active
		    WHERE r.member_id = actor AND r.unit_id = c.id
		      AND r.role IN ('cell_secretary', 'cell_deputy'))
		    THEN 'writer'
		WHEN actor_cell(actor) = c.id THEN 'member'
		WHEN path_in_scope(actor, 'member.read', c.path) THEN 'overseer'
	END
	FROM (SELECT (SELECT id FROM org_units WHERE id = cell AND kind = 'cell')
	    AS id, (SELECT path FROM org_units WHERE id = cell) AS path) AS c
$$;

-- 'ok', 'forbidden' or 'not_found' for 'meeting.read' (full or summary),
-- 'meeting.text' (the full record and its history) or 'meeting.write'.
CREATE FUNCTION meeting_access(actor bigint, mt cell_meetings, action text)
RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN mt.id IS NULL OR mt.deleted_at IS NOT NULL OR r IS NULL
		    THEN 'not_found'
		WHEN action = 'meeting.read' THEN 'ok'
		WHEN action = 'meeting.text' AND r IN ('writer', 'member')
		    THEN 'ok'
		WHEN action = 'meeting.write' AND r = 'writer' THEN 'ok'
		ELSE 'forbidden'
	END
	FROM (SELECT meeting_role(actor, mt.cell_id) AS r) AS x
$$;

-- What the overseers above the cell see of a record: no text written in
-- the cell (discussion, decisions, reasons for absence), only counts.
CREATE FUNCTION meeting_summary(rec jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT (rec - 'discussion' - 'decisions') || jsonb_build_object(
		'attendance', (SELECT coalesce(jsonb_agg(a - 'reason'
		    ORDER BY o), '[]') FROM jsonb_array_elements(rec->'attendance')
		    WITH ORDINALITY AS x (a, o)),
		'view', 'summary')
$$;

-- A version of a meeting as actor may see it (the caller has checked
-- that they may read it at all): in full for the cell, else a summary.
CREATE FUNCTION meeting_view(mt cell_meetings, ver integer, actor bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT (CASE WHEN meeting_role(actor, mt.cell_id) IN ('writer', 'member')
	    THEN v.record || '{"view": "full"}'
	    ELSE meeting_summary(v.record) END)::json
	FROM cell_meeting_versions v
	WHERE v.meeting_id = mt.id AND v.version = ver
$$;

-- Checks the parts of a meeting body against the cell and writes the
-- meeting's rows (documents, attendance) from what is given, keeping
-- the current ones for what is not; returns the record of the new
-- version. cur_rec is the current version's record (NULL for a new
-- meeting).
CREATE FUNCTION meeting_write(actor bigint, mt cell_meetings, body jsonb,
    cur_rec jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	item jsonb;
	d documents;
	doc bigint;
	ver integer;
	mem bigint;
	pos bigint;
	st text;
	why text;
	doc_ids bigint[] := '{}';
	doc_vers integer[] := '{}';
	mem_ids bigint[] := '{}';
	presents boolean[] := '{}';
	reasons text[] := '{}';
	docs jsonb;
	disc jsonb := '[]';
	decs jsonb := '[]';
BEGIN
	-- Documents: published and readable in the cell. One already in the
	-- meeting keeps the version it was discussed in (the discussion's
	-- section positions number that version), and may stay even if it
	-- was withdrawn since.
	IF cur_rec IS NULL OR body ? 'documents' THEN
		IF jsonb_typeof(coalesce(body->'documents', '[]')) <> 'array' OR
		    jsonb_array_length(coalesce(body->'documents', '[]')) > 20 THEN
			PERFORM api_refuse('invalid_documents',
			    'documents is a list of at most 20 document ids.');
		END IF;
		FOR item IN SELECT * FROM jsonb_array_elements(
		    coalesce(body->'documents', '[]')) LOOP
			doc := api_int(item, 'Each document');
			IF doc IS NULL OR doc = ANY (doc_ids) THEN
				PERFORM api_refuse('invalid_documents',
				    'documents lists document ids, each once.');
			END IF;
			SELECT md.document_version INTO ver
			FROM cell_meeting_documents md
			WHERE md.meeting_id = mt.id AND md.document_id = doc;
			IF ver IS NULL THEN
				SELECT * INTO d FROM documents WHERE id = doc;
				IF d.id IS NULL OR
				    NOT document_readable_in_cell(d, mt.cell_id) THEN
					PERFORM api_refuse('unknown_document',
					    'A document is not one the cell may read.');
				END IF;
				ver := d.current_version;
			END IF;
			doc_ids := doc_ids || doc;
			doc_vers := doc_vers || ver;
		END LOOP;
		DELETE FROM cell_meeting_documents WHERE meeting_id = mt.id;
		INSERT INTO cell_meeting_documents (meeting_id, document_id,
		    document_version)
		SELECT mt.id, x.i, x.v FROM unnest(doc_ids, doc_vers) AS x (i, v);
	END IF;

	-- Attendance: members of the cell (one already recorded may stay
	-- after moving away), each once, present or absent with an optional
	-- reason.
	IF cur_rec IS NULL OR body ? 'attendance' THEN
		IF jsonb_typeof(coalesce(body->'attendance', '[]')) <> 'array' OR
		    jsonb_array_length(coalesce(body->'attendance', '[]')) > 1000 THEN
			PERFORM api_refuse('invalid_attendance',
			    'attendance is a list of {member_id, status, reason}.');
		END IF;
		FOR item IN SELECT * FROM jsonb_array_elements(
		    coalesce(body->'attendance', '[]')) LOOP
			PERFORM api_only_keys(item, ARRAY['member_id', 'status',
			    'reason'], 'attendance');
			mem := api_int(item->'member_id', 'member_id');
			st := item->>'status';
			IF mem IS NULL OR st IS NULL OR
			    st NOT IN ('present', 'absent') THEN
				PERFORM api_refuse('invalid_attendance',
				    'Each attendance item needs member_id and a '
				    'status, "present" or "absent".');
			END IF;
			why := NULL;
			IF coalesce(jsonb_typeof(item->'reason'), 'null') <> 'null' THEN
				IF jsonb_typeof(item->'reason') <> 'string' THEN
					PERFORM api_refuse('invalid_field',
					    'reason must be a string.');
				END IF;
				IF st = 'present' THEN
					PERFORM api_refuse('invalid_attendance',
					    'A reason is given for an absence only.');
				END IF;
				why := api_text(item->>'reason', 500, 'reason');
			END IF;
			IF mem = ANY (mem_ids) THEN
				PERFORM api_refuse('invalid_attendance',
				    'A member is listed twice in the attendance.');
			END IF;
			IF NOT EXISTS (SELECT 1 FROM members m WHERE m.id = mem
			    AND m.active AND m.cell_id = mt.cell_id) AND
			    NOT EXISTS (SELECT 1 FROM cell_meeting_attendance a
			    WHERE a.meeting_id = mt.id AND a.member_id = mem) THEN
				PERFORM api_refuse('invalid_attendance',
				    'An attendance item names someone who is not a '
				    'member of this cell.');
			END IF;
			mem_ids := mem_ids || mem;
			presents := presents || (st = 'present');
			reasons := reasons || why;
		END LOOP;
		DELETE FROM cell_meeting_attendance WHERE meeting_id = mt.id;
		INSERT INTO cell_meeting_attendance (meeting_id, member_id,
		    present, reason)
		SELECT mt.id, x.i, x.p, x.r
		FROM unnest(mem_ids, presents, reasons) AS x (i, p, r);
	END IF;

	-- Discussion notes: on a document of this meeting, optionally one of
	-- its core points; checked again when the documents change.
	IF body ? 'discussion' THEN
		IF jsonb_typeof(body->'discussion') <> 'array' OR
		    jsonb_array_length(body->'discussion') > 200 THEN
			PERFORM api_refuse('invalid_discussion',
			    'discussion is a list of at most 200 '
			    '{document_id, section, text}.');
		END IF;
		FOR item IN SELECT * FROM jsonb_array_elements(body->'discussion') LOOP
			PERFORM api_only_keys(item, ARRAY['document_id', 'section',
			    'text'], 'discussion');
			IF jsonb_typeof(item->'text') IS DISTINCT FROM 'string' THEN
				PERFORM api_refuse('invalid_discussion',
				    'Each discussion note has a text.');
			END IF;
			disc := disc || jsonb_build_array(jsonb_build_object(
			    'document_id', api_int(item->'document_id', 'document_id'),
			    'section', api_int(item->'section', 'section'),
			    'text', api_text(item->>'text', 20000, 'discussion')));
		END LOOP;
	ELSIF cur_rec IS NOT NULL THEN
		disc := cur_rec->'discussion';
	END IF;
	FOR item IN SELECT * FROM jsonb_array_elements(disc) LOOP
		doc := (item->>'document_id')::bigint;
		pos := (item->>'section')::bigint;
		SELECT md.document_version INTO ver FROM cell_meeting_documents md
		WHERE md.meeting_id = mt.id AND md.document_id = doc;
		IF ver IS NULL THEN
			PERFORM api_refuse('invalid_discussion',
			    'Each discussion note is on one of the meeting''s '
			    'documents.');
		END IF;
		IF pos IS NOT NULL AND NOT document_has_section(doc, ver, pos) THEN
			PERFORM api_refuse('unknown_section',
			    'A discussion note names a core point its document '
			    'does not have.');
		END IF;
	END LOOP;

	IF body ? 'decisions' THEN
		IF jsonb_typeof(body->'decisions') <> 'array' OR
		    jsonb_array_length(body->'decisions') > 100 THEN
			PERFORM api_refuse('invalid_decisions',
			    'decisions is a list of at most 100 texts.');
		END IF;
		FOR item IN SELECT * FROM jsonb_array_elements(body->'decisions') LOOP
			IF jsonb_typeof(item) <> 'string' THEN
				PERFORM api_refuse('invalid_decisions',
				    'Each decision is a string.');
			END IF;
			decs := decs || to_jsonb(api_text(item #>> '{}', 2000,
			    'decision'));
		END LOOP;
	ELSIF cur_rec IS NOT NULL THEN
		decs := cur_rec->'decisions';
	END IF;

	SELECT coalesce(jsonb_agg(jsonb_build_object('document_id',
	    md.document_id, 'document_version', md.document_version)
	    ORDER BY md.document_id), '[]')
	INTO docs
	FROM cell_meeting_documents md WHERE md.meeting_id = mt.id;

	RETURN jsonb_build_object(
		'id', mt.id,
		'cell', (SELECT jsonb_build_object('id', c.id, 'code', c.code,
		    'name_vi', c.name_vi, 'name_km', c.name_km)
		    FROM org_units c WHERE c.id = mt.cell_id),
		'held_on', mt.held_on, 'topic', mt.topic,
		'documents', docs,
		'attendance', (SELECT coalesce(jsonb_agg(jsonb_build_object(
			'member_id', a.member_id, 'full_name', m.full_name,
			'status', CASE WHEN a.present THEN 'present'
			    ELSE 'absent' END,
			'reason', a.reason) ORDER BY a.member_id), '[]')
		    FROM cell_meeting_attendance a
		    JOIN members m ON m.id = a.member_id
		    WHERE a.meeting_id = mt.id),
		'attendance_summary', (SELECT jsonb_build_object(
			'present', count(*) FILTER (WHERE a.present),
			'absent', count(*) FILTER (WHERE NOT a.present),
			'cell_members', (SELECT count(*) FROM members m
			    WHERE m.cell_id = mt.cell_id AND m.active))
		    FROM cell_meeting_attendance a WHERE a.meeting_id = mt.id),
		'discussion', disc,
		'discussion_count', jsonb_array_length(disc),
		'decisions', decs,
		'decision_count', jsonb_array_length(decs),
		'recorded_by', (SELECT jsonb_build_object('id', m.id,
		    'full_name', m.full_name) FROM members m
		    WHERE m.id = mt.created_by),
		'created_at', mt.created_at,
		'edited_by', (SELECT jsonb_build_object('id', m.id,
		    'full_name', m.full_name) FROM members m WHERE m.id = actor));
END
$$;

-- Stores a new version: its record (with the version and when), and the
-- counts on the meeting row.
CREATE FUNCTION meeting_version_add(mt cell_meetings, ver integer,
    rec jsonb, actor bigint, h bytea) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO cell_meeting_versions (meeting_id, version, record,
	    edited_by, edited_at, request_hash)
	VALUES (mt.id, ver, rec || jsonb_build_object('version', ver,
	    'edited_at', now()), actor, now(), h);
	UPDATE cell_meetings SET version = ver,
	    discussion_count = jsonb_array_length(rec->'discussion'),
	    decision_count = jsonb_array_length(rec->'decisions'),
	    updated_at = now()
	WHERE id = mt.id;
$$;

-- POST /api/v1/meetings {"client_id", "cell_id"? (default: the actor's
-- own cell), "held_on", "topic", "documents"?, "attendance"?,
-- "discussion"?, "decisions"?}
CREATE FUNCTION api_meeting_create(actor bigint, body jsonb, client text,
    request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cid uuid := api_client_id(body->>'client_id');
	h bytea := request_hash(body);
	prior cell_meetings;
	mt cell_meetings;
	cell bigint := coalesce(api_int(body->'cell_id', 'cell_id'),
	    actor_cell(actor));
	role text;
	day date;
	rec jsonb;
BEGIN
	SELECT * INTO prior FROM cell_meetings
	WHERE created_by = actor AND client_id = cid;
	IF prior.id IS NULL THEN
		role := meeting_role(actor, cell);
		IF role IS NULL THEN
			PERFORM access_require('not_found', 'cell');
		ELSIF role <> 'writer' THEN
			PERFORM access_require('forbidden', 'cell');
		END IF;
		day := api_date(body->>'held_on', 'held_on');
		IF day < date '1930-01-01' OR day > current_date + 366 THEN
			PERFORM api_refuse('invalid_date',
			    'held_on is too far in the past or the future.');
		END IF;

		INSERT INTO cell_meetings (cell_id, held_on, topic, client_id,
		    created_by, create_hash)
		VALUES (cell, day, api_text(body->>'topic', 500, 'topic'), cid,
		    actor, h)
		ON CONFLICT (created_by, client_id) DO NOTHING
		RETURNING * INTO mt;
		IF mt.id IS NOT NULL THEN
			rec := meeting_write(actor, mt, body, NULL);
			PERFORM meeting_version_add(mt, 1, rec, actor, h);
			PERFORM audit_write(actor, 'meeting.create',
			    'meeting:' || mt.id, client, request_id, NULL);
			RETURN meeting_view(mt, 1, actor);
		END IF;
		SELECT * INTO prior FROM cell_meetings
		WHERE created_by = actor AND client_id = cid;
	END IF;

	IF prior.create_hash <> h THEN
		PERFORM api_refuse('client_id_reused',
		    'This client_id was used for another meeting; choose a new '
		    'UUID for each new meeting.', '409');
	END IF;
	RETURN meeting_view(prior, 1, actor);
END
$$;

-- GET /api/v1/meetings/{id}: in full for the cell, a summary above it.
CREATE FUNCTION api_meeting_get(actor bigint, meeting bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	mt cell_meetings;
BEGIN
	SELECT * INTO mt FROM cell_meetings WHERE id = meeting;
	PERFORM access_require(meeting_access(actor, mt, 'meeting.read'),
	    'meeting');
	RETURN meeting_view(mt, mt.version, actor);
END
$$;

-- PATCH /api/v1/meetings/{id} {"version", and any of "held_on", "topic",
-- "documents", "attendance", "discussion", "decisions"}: each given part
-- replaces the current one whole.
CREATE FUNCTION api_meeting_update(actor bigint, meeting bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	mt cell_meetings;
	base integer;
	h bytea := request_hash(body);
	cur_rec jsonb;
	rec jsonb;
	done_ver integer;
	content_keys text[] := ARRAY['held_on', 'topic', 'documents',
	    'attendance', 'discussion', 'decisions'];
BEGIN
	SELECT * INTO mt FROM cell_meetings WHERE id = meeting FOR UPDATE;
	PERFORM access_require(meeting_access(actor, mt, 'meeting.write'),
	    'meeting');
	base := api_int(body->'version', 'version');
	IF base IS NULL THEN
		PERFORM api_refuse('missing_field',
		    'Field "version" (the version you edited) is required.');
	END IF;

	IF base <> mt.version THEN
		SELECT version INTO done_ver FROM cell_meeting_versions
		WHERE meeting_id = meeting AND version = base + 1
		  AND edited_by = actor AND request_hash = h;
		IF done_ver IS NOT NULL THEN
			RETURN meeting_view(mt, done_ver, actor);
		END IF;
		PERFORM api_refuse('version_conflict', format(
		    'The meeting is at version %s, not %s: read it again and '
		    'redo the change.', mt.version, base), '409');
	END IF;

	SELECT record INTO cur_rec FROM cell_meeting_versions
	WHERE meeting_id = meeting AND version = mt.version;

	IF body ? 'held_on' THEN
		mt.held_on := api_date(body->>'held_on', 'held_on');
		IF mt.held_on < date '1930-01-01' OR
		    mt.held_on > current_date + 366 THEN
			PERFORM api_refuse('invalid_date',
			    'held_on is too far in the past or the future.');
		END IF;
	END IF;
	IF body ? 'topic' THEN
		mt.topic := api_text(body->>'topic', 500, 'topic');
	END IF;
	UPDATE cell_meetings SET held_on = mt.held_on, topic = mt.topic
	WHERE id = meeting;

	rec := meeting_write(actor, mt, body, cur_rec);

	-- Nothing changed: no new version (the rows written equal the old).
	IF (SELECT jsonb_object_agg(k, rec->k) FROM unnest(content_keys) AS k) =
	    (SELECT jsonb_object_agg(k, cur_rec->k) FROM unnest(content_keys) AS k) THEN
		RETURN meeting_view(mt, mt.version, actor);
	END IF;

	PERFORM meeting_version_add(mt, mt.version + 1, rec, actor, h);
	PERFORM audit_write(actor, 'meeting.update', 'meeting:' || meeting,
	    client, request_id, jsonb_build_object('version', mt.version + 1,
	    'fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys(body) AS k
		WHERE k <> 'version')));
	RETURN meeting_view(mt, mt.version + 1, actor);
END
$$;

-- DELETE /api/v1/meetings/{id}: soft; the cell's secretary or deputy.
CREATE FUNCTION api_meeting_delete(actor bigint, meeting bigint, client text,
    request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	mt cell_meetings;
BEGIN
	SELECT * INTO mt FROM cell_meetings WHERE id = meeting FOR UPDATE;
	IF mt.deleted_at IS NOT NULL AND
	    meeting_role(actor, mt.cell_id) = 'writer' THEN
		RETURN NULL;	-- a retried delete
	END IF;
	PERFORM access_require(meeting_access(actor, mt, 'meeting.write'),
	    'meeting');
	UPDATE cell_meetings SET deleted_at = now(), deleted_by = actor
	WHERE id = meeting;
	PERFORM audit_write(actor, 'meeting.delete', 'meeting:' || meeting,
	    client, request_id, NULL);
	RETURN NULL;
END
$$;

-- GET /api/v1/meetings?cell=&limit=&cursor=: the meetings of a cell
-- (default: the actor's own), latest held first. An item holds no text
-- written in the cell but the topic, so it is the same for every reader.
-- The cursor is "<held_on>_<id>" of the last item.
CREATE FUNCTION api_meetings_list(actor bigint, cell bigint, lim integer,
    cursor_text text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c bigint := coalesce(cell, actor_cell(actor));
	after_day date;
	after_id bigint;
	items json;
	last_item text;
	n integer := api_limit(lim);
BEGIN
	IF meeting_role(actor, c) IS NULL THEN
		PERFORM access_require('not_found', 'cell');
	END IF;
	IF cursor_text IS NOT NULL THEN
		IF cursor_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}_[1-9][0-9]{0,17}$' THEN
			PERFORM api_refuse('invalid_parameter',
			    'cursor is the next_cursor of the previous page.', '400');
		END IF;
		BEGIN
			after_day := split_part(cursor_text, '_', 1)::date;
		EXCEPTION WHEN datetime_field_overflow OR
		    invalid_datetime_format THEN
			PERFORM api_refuse('invalid_parameter',
			    'cursor is the next_cursor of the previous page.', '400');
		END;
		after_id := split_part(cursor_text, '_', 2)::bigint;
	END IF;

	WITH page AS (
		SELECT mt FROM cell_meetings mt
		WHERE mt.cell_id = c AND mt.deleted_at IS NULL
		  AND (after_day IS NULL OR
		       (mt.held_on, mt.id) < (after_day, after_id))
		ORDER BY mt.held_on DESC, mt.id DESC
		LIMIT n
	), numbered AS (
		SELECT p.mt, row_number() OVER (ORDER BY (p.mt).held_on DESC,
		    (p.mt).id DESC) AS o
		FROM page p
	)
	SELECT coalesce(json_agg(json_build_object(
		'id', (x.mt).id, 'held_on', (x.mt).held_on,
		'topic', (x.mt).topic, 'version', (x.mt).version,
		'documents', (SELECT coalesce(json_agg(md.document_id
		    ORDER BY md.document_id), '[]') FROM cell_meeting_documents md
		    WHERE md.meeting_id = (x.mt).id),
		'present', (SELECT count(*) FROM cell_meeting_attendance a
		    WHERE a.meeting_id = (x.mt).id AND a.present),
		'absent', (SELECT count(*) FROM cell_meeting_attendance a
		    WHERE a.meeting_id = (x.mt).id AND NOT a.present),
		'discussion_count', (x.mt).discussion_count,
		'decision_count', (x.mt).decision_count,
		'updated_at', (x.mt).updated_at) ORDER BY x.o), '[]'),
	    (SELECT (y.mt).held_on || '_' || (y.mt).id FROM numbered y
		ORDER BY y.o DESC LIMIT 1),
	    count(*)
	INTO items, last_item, n
	FROM numbered x;

	RETURN json_build_object('cell_id', c, 'items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_item END);
END
$$;

-- GET /api/v1/meetings/{id}/versions?limit=&cursor=: every version in
-- full, newest first, for those who read the meeting in full.
CREATE FUNCTION api_meeting_versions(actor bigint, meeting bigint,
    lim integer, after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	mt cell_meetings;
	items json;
	last_v integer;
	n integer := api_limit(lim);
BEGIN
	SELECT * INTO mt FROM cell_meetings WHERE id = meeting;
	PERFORM access_require(meeting_access(actor, mt, 'meeting.text'),
	    'meeting');

	WITH page AS (
		SELECT v.version, v.record FROM cell_meeting_versions v
		WHERE v.meeting_id = meeting
		  AND (after IS NULL OR v.version < after)
		ORDER BY v.version DESC
		LIMIT n
	)
	SELECT coalesce(json_agg(p.record ORDER BY p.version DESC), '[]'),
	    min(p.version), count(*)
	INTO items, last_v, n
	FROM page p;

	RETURN json_build_object('id', mt.id, 'items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_v::text END);
END
$$;

-- Counting, for reports --------------------------------------------------

-- For each child of unit (or the unit itself when it is a cell): how many
-- cells it has, how many of them held a meeting, the meetings, their
-- discussion notes and decisions, members' notes and how many of those
-- are shared; meetings by held_on and notes by their day of arrival
-- (UTC) within [from_day, to_day] (NULL: unbounded), optionally on one
-- document. Numbers only: no text, no member. Deleted meetings and notes
-- do not count. For reports (issue 7) and GET
-- /api/v1/units/{id}/meeting-counts; it checks no access itself.
CREATE FUNCTION unit_meeting_counts(unit bigint, from_day date, to_day date,
    doc bigint)
RETURNS TABLE (unit_id bigint, cells bigint, cells_with_meetings bigint,
    meetings bigint, discussion_notes bigint, decisions bigint,
    notes bigint, shared_notes bigint)
LANGUAGE sql STABLE AS $$
	WITH base AS (
		SELECT u.id, u.path, u.kind, nlevel(u.path) AS lvl
		FROM org_units u WHERE u.id = unit
	), groups AS (
		SELECT ch.id FROM org_units ch, base b WHERE ch.parent_id = b.id
		UNION ALL
		SELECT b.id FROM base b WHERE b.kind = 'cell'
	), cells_in AS (
		SELECT c.id AS cell,
		    CASE WHEN c.id = b.id THEN b.id
			ELSE subpath(c.path, b.lvl, 1)::text::bigint END AS grp
		FROM org_units c, base b
		WHERE c.path <@ b.path AND c.kind = 'cell'
	), mt AS (
		SELECT ci.grp, count(*) AS meetings,
		    count(DISTINCT m.cell_id) AS cells_with_meetings,
		    sum(m.discussion_count) AS discussion_notes,
		    sum(m.decision_count) AS decisions
		FROM cell_meetings m JOIN cells_in ci ON ci.cell = m.cell_id
		WHERE m.deleted_at IS NULL
		  AND (from_day IS NULL OR m.held_on >= from_day)
		  AND (to_day IS NULL OR m.held_on <= to_day)
		  AND (doc IS NULL OR EXISTS (SELECT 1 FROM cell_meeting_documents
		      md WHERE md.meeting_id = m.id AND md.document_id = doc))
		GROUP BY ci.grp
	), nt AS (
		SELECT ci.grp, count(*) AS notes,
		    count(*) FILTER (WHERE n.visibility = 'cell') AS shared_notes
		FROM notes n JOIN cells_in ci ON ci.cell = n.cell_id
		WHERE n.deleted_at IS NULL
		  AND (from_day IS NULL OR n.created_at >= from_day::timestamp AT TIME ZONE 'UTC')
		  AND (to_day IS NULL OR n.created_at < (to_day + 1)::timestamp AT TIME ZONE 'UTC')
		  AND (doc IS NULL OR n.document_id = doc)
		GROUP BY ci.grp
	), cc AS (
		SELECT grp, count(*) AS cells FROM cells_in GROUP BY grp
	)
	SELECT g.id, coalesce(cc.cells, 0), coalesce(mt.cells_with_meetings, 0),
	    coalesce(mt.meetings, 0), coalesce(mt.discussion_notes, 0),
	    coalesce(mt.decisions, 0), coalesce(nt.notes, 0),
	    coalesce(nt.shared_notes, 0)
	FROM groups g
	LEFT JOIN cc ON cc.grp = g.id
	LEFT JOIN mt ON mt.grp = g.id
	LEFT JOIN nt ON nt.grp = g.id
$$;

-- GET /api/v1/units/{id}/meeting-counts?document=&from=&to=: the unit's
-- totals and one line per child unit. For those whose scope covers the
-- unit (a secretary: their cell; committees, propaganda officers and
-- administrators: their subtree); a member who only sees the unit as one
-- above their cell gets 403.
CREATE FUNCTION api_meeting_counts(actor bigint, unit bigint, doc bigint,
    from_text text, to_text text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	p ltree;
	d documents;
	from_day date;
	to_day date;
BEGIN
	SELECT path INTO p FROM org_units WHERE id = unit;
	IF p IS NULL OR NOT unit_readable(actor, p) THEN
		PERFORM access_require('not_found', 'unit');
	END IF;
	IF NOT path_in_scope(actor, 'unit.read', p) THEN
		PERFORM access_require('forbidden', 'unit');
	END IF;
	IF doc IS NOT NULL THEN
		SELECT * INTO d FROM documents WHERE id = doc;
		IF d.id IS NULL OR NOT document_in_audience(actor, d) THEN
			PERFORM api_refuse('not_found', 'No such document.', '404');
		END IF;
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

	RETURN (
		WITH lines AS (
			SELECT c.*, u.kind, u.code, u.name_vi, u.name_km
			FROM unit_meeting_counts(unit, from_day, to_day, doc) c
			JOIN org_units u ON u.id = c.unit_id
		)
		SELECT json_build_object(
			'unit', (SELECT json_build_object('id', u.id,
			    'kind', u.kind, 'code', u.code, 'name_vi', u.name_vi,
			    'name_km', u.name_km,
			    'cells', coalesce(sum(r.cells), 0),
			    'cells_with_meetings',
				coalesce(sum(r.cells_with_meetings), 0),
			    'meetings', coalesce(sum(r.meetings), 0),
			    'discussion_notes', coalesce(sum(r.discussion_notes), 0),
			    'decisions', coalesce(sum(r.decisions), 0),
			    'notes', coalesce(sum(r.notes), 0),
			    'shared_notes', coalesce(sum(r.shared_notes), 0))
			    FROM org_units u LEFT JOIN lines r ON true
			    WHERE u.id = unit GROUP BY u.id),
			'children', (SELECT coalesce(json_agg(json_build_object(
			    'id', r.unit_id, 'kind', r.kind, 'code', r.code,
			    'name_vi', r.name_vi, 'name_km', r.name_km,
			    'cells', r.cells,
			    'cells_with_meetings', r.cells_with_meetings,
			    'meetings', r.meetings,
			    'discussion_notes', r.discussion_notes,
			    'decisions', r.decisions, 'notes', r.notes,
			    'shared_notes', r.shared_notes) ORDER BY r.unit_id),
			    '[]') FROM lines r WHERE r.unit_id <> unit),
			'document_id', doc, 'from', from_day, 'to', to_day));
END
$$;
