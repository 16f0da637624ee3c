-- Post-study essays (bài thu hoạch): drafts, submission, review, deadlines,
-- the sections leading members must write, and copy detection. The SQL
-- half of kore-app/essays.c, essay_reviews.c and essay_settings.c; the
-- fingerprints are computed in C (kore-app/shingles.c), because folding
-- Vietnamese and splitting Khmer into words needs ICU.
--
-- In practice (../shared/seeds/): after each study round every member
-- writes an essay; those holding a leading or managing post must link the
-- resolution to their own duties and write an action plan; weak essays go
-- back to be completed; copied essays and "general" ones are what boards
-- complain about most.
--
-- A study is a published document or a study session (0020). A member
-- has at most one essay per study (essays), made of versions
-- (essay_versions): each save is a version, a draft or a submission;
-- none is ever changed or removed. The essay's state is one of
--   draft      saved, never submitted (or saved again after a return)
--   submitted  waiting for review; the member cannot change it
--   returned   sent back with a comment; the member revises, resubmits
--   accepted   final; nothing more can be saved
-- and each review (essay_reviews) names the version it judged.
--
-- Sections: an essay's body is a JSON object of named sections, each a
-- string whose lines are paragraphs:
--   content      what the member understood (required on submission)
--   duties       the resolution linked to the member's own duties
--   action_plan  what the member will do, and by when
-- essay_role_rules says which roles must write which sections; submission
-- is refused with 422 missing_section naming the first section missing.
-- Leading roles here: cell secretary and deputy (bí thư, phó bí thư chi
-- bộ) and committee members (cấp ủy viên) of any unit. Administrators
-- (a technical role) and propaganda officers (staff of a board, not
-- holders of a leading post by that role) are not; a row in the table
-- changes that.
--
-- Who sees what (essay_scope(), in the manner of study_scope() of 0020):
--   author                 everything of their essay but the similarity
--   secretary/deputy of C  essays written in C: read, review, similarity
--   committee of U         essays written in cells under U: the same
--   admin of U / all       read and similarity, no review
--   propaganda, others     404 (reports count essays, issue 7)
-- The cell is the one the member was in when the essay was begun.
--
-- Deadlines (essay_deadlines): per study and unit, set by whoever may
-- schedule studies there (study_scope 'study.schedule' of 0020); for a
-- session only at its organising unit, by those who may change the
-- session. A member's deadline is the one of the nearest unit above their
-- cell. A submission after it is marked late (each version, and the
-- essay by its first submission).
--
-- Copy detection, at each submission: the essay's paragraphs (lines) are
-- folded and cut into word 5-shingles in C; candidates are the 100
-- paragraphs of other essays on the same study (latest submitted version)
-- sharing the most MinHash LSH bands with ours (essay_lsh, keyed by band
-- only: the study is mixed into the key), plus every paragraph of the
-- study's own documents (document_sections, fingerprinted once per
-- version and language by the first submission that needs them). The
-- score is the share of the essay's shingles found in any of them; each
-- source's containment and the matching passages (our paragraph, theirs,
-- shingles shared) are kept in essay_matches. Flagged when the score
-- reaches the threshold of the nearest unit above the cell that set one
-- (essay_settings), else 0.4: quotations of the resolution and stock
-- phrases ("Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng")
-- make up a fifth or so of an honest essay's 5-word sequences at most,
-- while a copied essay shares most of them; 0.4 leaves room for both.
--
-- For the reports (issue 7): essays is one row per member and study with
-- its state, cell, late flag and score; "member M's essay on study S" is
-- one probe of a unique index, and counts per cell and state read
-- essays_cell_document / essays_cell_session.

CREATE TYPE essay_state AS ENUM ('draft', 'submitted', 'returned', 'accepted');
CREATE TYPE essay_decision AS ENUM ('accept', 'return');

CREATE TABLE essay_role_rules (
	role		role_kind NOT NULL,
	section		text NOT NULL CHECK (section IN ('duties', 'action_plan')),
	PRIMARY KEY (role, section)
);

INSERT INTO essay_role_rules (role, section) VALUES
	('cell_secretary', 'duties'), ('cell_secretary', 'action_plan'),
	('cell_deputy', 'duties'), ('cell_deputy', 'action_plan'),
	('committee', 'duties'), ('committee', 'action_plan');

-- How a section is named to people (in messages and the API document).
CREATE FUNCTION essay_section_title(section text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE section
		WHEN 'content' THEN 'Nhận thức về nghị quyết (content)'
		WHEN 'duties' THEN 'Liên hệ với chức trách, nhiệm vụ (duties)'
		WHEN 'action_plan' THEN 'Kế hoạch hành động (action_plan)'
	END
$$;

CREATE TABLE essays (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	member_id		bigint NOT NULL REFERENCES members (id)
				ON DELETE CASCADE,
	-- The member's cell when the essay was begun: it stays there.
	cell_id			bigint NOT NULL REFERENCES org_units (id)
				ON DELETE CASCADE,
	document_id		bigint REFERENCES documents (id) ON DELETE CASCADE,
	session_id		bigint REFERENCES study_sessions (id)
				ON DELETE CASCADE,
	state			essay_state NOT NULL DEFAULT 'draft',
	version			integer NOT NULL DEFAULT 0,
	submitted_version	integer,
	first_submitted_at	timestamptz,
	submitted_at		timestamptz,
	-- The first submission came after the deadline.
	late			boolean NOT NULL DEFAULT false,
	-- Of the latest submitted version.
	similarity		real,
	flagged			boolean NOT NULL DEFAULT false,
	reviewed_at		timestamptz,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	CHECK ((document_id IS NULL) <> (session_id IS NULL))
);

CREATE UNIQUE INDEX essays_member_document ON essays (member_id, document_id)
	WHERE document_id IS NOT NULL;
CREATE UNIQUE INDEX essays_member_session ON essays (member_id, session_id)
	WHERE session_id IS NOT NULL;
CREATE INDEX essays_cell_document ON essays (cell_id, document_id, state)
	WHERE document_id IS NOT NULL;
CREATE INDEX essays_cell_session ON essays (cell_id, session_id, state)
	WHERE session_id IS NOT NULL;

CREATE TABLE essay_versions (
	essay_id	bigint NOT NULL REFERENCES essays (id) ON DELETE CASCADE,
	version		integer NOT NULL,
	author_id	bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	lang		text NOT NULL CHECK (lang IN ('vi', 'km')),
	sections	jsonb NOT NULL,
	submitted	boolean NOT NULL,
	late		boolean NOT NULL DEFAULT false,
	due_at		timestamptz,
	-- Copy detection (submitted versions).
	similarity	real,
	threshold	real,
	flagged		boolean,
	client_id	uuid NOT NULL,
	request_hash	bytea NOT NULL,
	saved_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (essay_id, version),
	UNIQUE (author_id, client_id)
);

-- The shingles of each paragraph of a submitted version; para is the
-- section's number (1 content, 2 duties, 3 action_plan) * 100000 + the
-- line (from 0), as kore-app/shingles.c numbers them.
CREATE TABLE essay_paragraphs (
	essay_id	bigint NOT NULL,
	version		integer NOT NULL,
	para		integer NOT NULL,
	shingles	bigint[] NOT NULL,
	PRIMARY KEY (essay_id, version, para),
	FOREIGN KEY (essay_id, version) REFERENCES essay_versions
	    ON DELETE CASCADE
);

-- LSH bands of the latest submitted version of each essay: the index
-- that finds candidates. A resubmission replaces its essay's rows (found
-- by essay_lsh_essay), so that a lookup needs no join to tell current
-- rows from stale ones. No foreign key: a submission's inserts touch only
-- these two indexes; rows of an essay deleted with its member stay until
-- removed (no endpoint deletes essays), and match nothing (the join with
-- essay_paragraphs in essay_compare() finds no row).
CREATE TABLE essay_lsh (
	band		bigint NOT NULL,
	essay_id	bigint NOT NULL,
	version		integer NOT NULL,
	para		integer NOT NULL
);
-- Covering: a lookup reads the index only (once vacuumed), not one heap
-- page per row of a band.
CREATE INDEX essay_lsh_band ON essay_lsh (band) INCLUDE (essay_id, version, para);
CREATE INDEX essay_lsh_essay ON essay_lsh (essay_id);

-- The shingles of the study documents' own text, per version, language,
-- core point, field and line.
CREATE TABLE essay_doc_paragraphs (
	document_id	bigint NOT NULL,
	version		integer NOT NULL,
	lang		text NOT NULL,
	position	integer NOT NULL,
	field		text NOT NULL CHECK (field IN ('summary', 'details')),
	line		integer NOT NULL,
	shingles	bigint[] NOT NULL,
	PRIMARY KEY (document_id, version, lang, position, field, line),
	FOREIGN KEY (document_id, version) REFERENCES document_versions
	    ON DELETE CASCADE
);

-- Which document texts have been fingerprinted (some have no line long
-- enough to give a shingle, and so no row above).
CREATE TABLE essay_doc_fingerprinted (
	document_id	bigint NOT NULL,
	version		integer NOT NULL,
	lang		text NOT NULL,
	PRIMARY KEY (document_id, version, lang),
	FOREIGN KEY (document_id, version) REFERENCES document_versions
	    ON DELETE CASCADE
);

-- What a submitted version was found to share, best source first.
CREATE TABLE essay_matches (
	essay_id		bigint NOT NULL,
	version			integer NOT NULL,
	rank			integer NOT NULL,
	source_essay_id		bigint,
	source_version		integer,
	source_document_id	bigint,
	source_doc_version	integer,
	source_lang		text,
	-- cell, grassroots, elsewhere (essays); document.
	scope			text NOT NULL,
	shared			integer NOT NULL,
	containment		real NOT NULL,
	-- [{"para", "source_para" | "position","field","line", "shared"}]
	passages		jsonb NOT NULL,
	PRIMARY KEY (essay_id, version, rank),
	FOREIGN KEY (essay_id, version) REFERENCES essay_versions
	    ON DELETE CASCADE
);

CREATE TABLE essay_reviews (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	essay_id	bigint NOT NULL REFERENCES essays (id) ON DELETE CASCADE,
	version		integer NOT NULL,
	reviewer_id	bigint REFERENCES members (id) ON DELETE SET NULL,
	decision	essay_decision NOT NULL,
	comment		text CHECK (length(comment) <= 5000),
	client_id	uuid NOT NULL,
	request_hash	bytea NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (reviewer_id, client_id)
);
CREATE INDEX essay_reviews_essay ON essay_reviews (essay_id, id);

CREATE TABLE essay_deadlines (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	unit_id		bigint NOT NULL REFERENCES org_units (id)
			ON DELETE CASCADE,
	document_id	bigint REFERENCES documents (id) ON DELETE CASCADE,
	session_id	bigint REFERENCES study_sessions (id) ON DELETE CASCADE,
	due_at		timestamptz NOT NULL,
	set_by		bigint REFERENCES members (id) ON DELETE SET NULL,
	set_at		timestamptz NOT NULL DEFAULT now(),
	CHECK ((document_id IS NULL) <> (session_id IS NULL))
);
CREATE UNIQUE INDEX essay_deadlines_document
	ON essay_deadlines (document_id, unit_id) WHERE document_id IS NOT NULL;
CREATE UNIQUE INDEX essay_deadlines_session
	ON essay_deadlines (session_id, unit_id) WHERE session_id IS NOT NULL;

CREATE TABLE essay_settings (
	unit_id			bigint PRIMARY KEY REFERENCES org_units (id)
				ON DELETE CASCADE,
	similarity_threshold	real NOT NULL
				CHECK (similarity_threshold > 0 AND
				    similarity_threshold <= 1),
	updated_by		bigint REFERENCES members (id)
				ON DELETE SET NULL,
	updated_at		timestamptz NOT NULL DEFAULT now()
);

-- The subtrees in which actor may do action on essays ('essay.read',
-- 'essay.review'); see the table at the top.
CREATE FUNCTION essay_scope(actor bigint, action text)
RETURNS TABLE (path ltree)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(u.path, ''::ltree)
	FROM member_roles r
	JOIN members m ON m.id = r.member_id AND m.active
	LEFT JOIN org_units u ON u.id = r.unit_id
	JOIN (VALUES
		('admin'::role_kind,	'essay.read'),
		('committee',		'essay.read'),
		('cell_secretary',	'essay.read'),
		('cell_deputy',		'essay.read'),
		('committee',		'essay.review'),
		('cell_secretary',	'essay.review'),
		('cell_deputy',		'essay.review')
	) AS g (role, action) ON g.role = r.role
	WHERE r.member_id = actor AND g.action = essay_scope.action
$$;

CREATE FUNCTION essay_paths(actor bigint, action text) RETURNS ltree[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(path), '{}') FROM essay_scope(actor, action)
$$;

-- 'ok', 'forbidden' or 'not_found' for action on an essay: 'read',
-- 'write' (save, submit: the author only), 'review', 'similarity'
-- (readers other than the author).
CREATE FUNCTION essay_access(actor bigint, e essays, action text)
RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN e.id IS NULL THEN 'not_found'
		WHEN e.member_id = actor THEN
			CASE WHEN action IN ('read', 'write') THEN 'ok'
			ELSE 'forbidden' END
		WHEN NOT cp <@ essay_paths(actor, 'essay.read') THEN 'not_found'
		WHEN action IN ('read', 'similarity') THEN 'ok'
		WHEN action = 'review' AND cp <@ essay_paths(actor,
		    'essay.review') THEN 'ok'
		ELSE 'forbidden'
	END
	FROM (SELECT (SELECT path FROM org_units WHERE id = e.cell_id) AS cp) x
$$;

-- The deadline for members of cell on a study: the nearest unit's.
CREATE FUNCTION essay_due(cell bigint, doc bigint, ses bigint)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT dl.due_at FROM essay_deadlines dl
	JOIN org_units u ON u.id = dl.unit_id
	JOIN org_units c ON c.id = cell AND c.path <@ u.path
	WHERE (doc IS NOT NULL AND dl.document_id = doc)
	   OR (ses IS NOT NULL AND dl.session_id = ses)
	ORDER BY nlevel(u.path) DESC
	LIMIT 1
$$;

-- The similarity threshold for a unit: its own, the nearest above, 0.4.
CREATE FUNCTION essay_threshold_of(unit bigint, OUT threshold real,
    OUT from_unit bigint)
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT s.similarity_threshold FROM essay_settings s
	    JOIN org_units a ON a.id = s.unit_id
	    JOIN org_units c ON c.id = unit AND c.path <@ a.path
	    ORDER BY nlevel(a.path) DESC LIMIT 1), 0.4::real),
	    (SELECT s.unit_id FROM essay_settings s
	    JOIN org_units a ON a.id = s.unit_id
	    JOIN org_units c ON c.id = unit AND c.path <@ a.path
	    ORDER BY nlevel(a.path) DESC LIMIT 1)
$$;

-- The documents of a study.
CREATE FUNCTION essay_study_documents(doc bigint, ses bigint)
RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
	SELECT doc WHERE doc IS NOT NULL
	UNION ALL
	SELECT sd.document_id FROM study_session_documents sd
	WHERE ses IS NOT NULL AND sd.session_id = ses
$$;

-- A paragraph's text from a version's sections (para as in
-- essay_paragraphs).
CREATE FUNCTION essay_para_text(secs jsonb, para integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT (string_to_array(secs->>(ARRAY['content', 'duties',
	    'action_plan'])[para / 100000], E'\n'))[para % 100000 + 1]
$$;

CREATE FUNCTION essay_para_ref(para integer) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
	SELECT json_build_object('section', (ARRAY['content', 'duties',
	    'action_plan'])[para / 100000], 'line', para % 100000)
$$;

-- A version as its author saved it: the answer to a save, the same bytes
-- for a retry.
CREATE FUNCTION essay_version_json(e essays, v essay_versions)
RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'essay_id', e.id, 'version', v.version,
		'document_id', e.document_id, 'session_id', e.session_id,
		'lang', v.lang, 'sections', v.sections,
		'submitted', v.submitted, 'late', v.late, 'due_at', v.due_at,
		'client_id', v.client_id, 'saved_at', v.saved_at)
$$;

-- An essay as actor sees it: its latest version, the reviews' count and
-- the last one, and for readers other than the author the similarity of
-- the latest submission.
CREATE FUNCTION essay_json(e essays, actor bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', e.id, 'document_id', e.document_id,
		'session_id', e.session_id,
		'member', (SELECT json_build_object('id', m.id,
		    'full_name', m.full_name) FROM members m
		    WHERE m.id = e.member_id),
		'cell_id', e.cell_id, 'state', e.state,
		'version', e.version, 'submitted_version', e.submitted_version,
		'lang', v.lang, 'sections', v.sections,
		'first_submitted_at', e.first_submitted_at,
		'submitted_at', e.submitted_at, 'late', e.late,
		'due_at', essay_due(e.cell_id, e.document_id, e.session_id),
		'mine', e.member_id = actor,
		'similarity', CASE WHEN e.member_id <> actor AND
		    e.submitted_version IS NOT NULL THEN json_build_object(
		    'score', e.similarity, 'flagged', e.flagged) END,
		'last_review', (SELECT json_build_object('decision', r.decision,
		    'comment', r.comment, 'version', r.version,
		    'created_at', r.created_at)
		    FROM essay_reviews r WHERE r.essay_id = e.id
		    ORDER BY r.id DESC LIMIT 1),
		'created_at', e.created_at, 'updated_at', e.updated_at)
	FROM essay_versions v WHERE v.essay_id = e.id AND v.version = e.version
$$;

CREATE FUNCTION essay_review_json(r essay_reviews) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', r.id, 'essay_id', r.essay_id,
		'version', r.version, 'decision', r.decision,
		'comment', r.comment,
		'reviewer', (SELECT json_build_object('id', m.id,
		    'full_name', m.full_name) FROM members m
		    WHERE m.id = r.reviewer_id),
		'client_id', r.client_id, 'created_at', r.created_at)
$$;

-- A section's text as stored: NFC, at most 20,000 characters; blank is
-- absent.
CREATE FUNCTION essay_sections_of(raw jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	out_secs jsonb := '{}';
	k text;
	t text;
BEGIN
	IF raw IS NULL OR jsonb_typeof(raw) <> 'object' THEN
		PERFORM api_refuse('missing_field', 'Field "sections" is required.');
	END IF;
	FOR k, t IN SELECT key, value FROM jsonb_each_text(raw) LOOP
		IF k NOT IN ('content', 'duties', 'action_plan') THEN
			PERFORM api_refuse('unknown_section', format(
			    'Unknown section "%s": content, duties, action_plan.',
			    left(k, 40)));
		END IF;
		t := normalize(t, NFC);
		IF btrim(t, E' \t\r\n') = '' THEN
			CONTINUE;
		END IF;
		IF length(t) > 20000 THEN
			PERFORM api_refuse('section_too_long', format(
			    'The section "%s" is longer than 20000 characters.', k));
		END IF;
		IF t ~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F]' THEN
			PERFORM api_refuse('section_invalid', format(
			    'The section "%s" contains control characters.', k));
		END IF;
		out_secs := out_secs || jsonb_build_object(k, t);
	END LOOP;
	IF out_secs = '{}' THEN
		PERFORM api_refuse('essay_empty', 'The essay has no text.');
	END IF;
	RETURN out_secs;
END
$$;

-- The study's document texts that have no fingerprint yet, for the C
-- side to fingerprint before it submits (kore-app/essays.c): the current
-- version's core points in each language, of the documents the actor's
-- cell may read. Usually empty: only the first submission on a new
-- version pays.
CREATE FUNCTION api_essay_sources(actor bigint, body jsonb) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT coalesce(json_agg(json_build_object('document_id', s.document_id,
	    'version', s.version, 'lang', s.lang, 'position', s.position,
	    'summary', s.summary, 'details', s.details)), '[]')
	FROM documents d
	JOIN document_sections s ON s.document_id = d.id
	    AND s.version = d.current_version
	WHERE d.id IN (SELECT essay_study_documents(
	    api_int(body->'document_id', 'document_id'),
	    api_int(body->'session_id', 'session_id')))
	  AND document_readable_in_cell(d, actor_cell(actor))
	  AND NOT EXISTS (SELECT 1 FROM essay_doc_fingerprinted f
	    WHERE f.document_id = s.document_id AND f.version = s.version
	      AND f.lang = s.lang)
$$;

-- Stores the document fingerprints the C side computed (see above).
CREATE FUNCTION essay_sources_store(src jsonb) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO essay_doc_paragraphs (document_id, version, lang,
	    position, field, line, shingles)
	SELECT (s->>'document_id')::bigint, (s->>'version')::integer,
	    s->>'lang', (s->>'position')::integer, s->>'field',
	    (l->>'line')::integer,
	    ARRAY(SELECT jsonb_array_elements_text(l->'h')::bigint)
	FROM jsonb_array_elements(coalesce(src, '[]')) s,
	    jsonb_array_elements(s->'lines') l
	ON CONFLICT DO NOTHING;
	INSERT INTO essay_doc_fingerprinted (document_id, version, lang)
	SELECT DISTINCT (s->>'document_id')::bigint, (s->>'version')::integer,
	    s->>'lang'
	FROM jsonb_array_elements(coalesce(src, '[]')) s
	ON CONFLICT DO NOTHING;
$$;

-- Compares a submitted version (its fingerprint fp, as shingles.c makes
-- it) with the other essays on the study and with the study's documents;
-- stores the matches and returns the score.
CREATE FUNCTION essay_compare(e essays, ver integer, fp jsonb)
RETURNS real
LANGUAGE plpgsql AS $$
DECLARE
	total integer;
	hit integer;
	cell_path ltree := (SELECT path FROM org_units WHERE id = e.cell_id);
	grassroots ltree;
BEGIN
	-- The grassroots unit (đảng bộ cơ sở) above the cell, if any.
	SELECT u.path INTO grassroots FROM org_units u
	WHERE u.path @> cell_path AND u.kind = 'grassroots'
	ORDER BY nlevel(u.path) DESC LIMIT 1;

	-- One statement: our shingles, the candidate paragraphs (LSH) and
	-- the documents' lines, the shingles they share with ours, the
	-- matches stored, and the number of our shingles found anywhere.
	WITH mine AS MATERIALIZED (
		SELECT (p->>'p')::integer AS para, h::bigint AS h
		FROM jsonb_array_elements(fp) p,
		    jsonb_array_elements_text(p->'h') h
	), bands AS (
		SELECT DISTINCT b::bigint AS band
		FROM jsonb_array_elements(fp) p,
		    jsonb_array_elements_text(p->'b') b
	), cand AS (
		-- Paragraphs sharing the most bands first: a copied paragraph
		-- shares several, while two essays that merely use the same
		-- stock phrase ("Nghị quyết Đại hội đại biểu toàn quốc lần
		-- thứ XIII của Đảng") share one now and then; among 100,000
		-- essays such chance hits are many, and only the best 100
		-- are compared exactly.
		SELECT l.essay_id, l.version, l.para, count(*) AS nb
		FROM bands
		JOIN essay_lsh l ON l.band = bands.band
		WHERE l.essay_id <> e.id
		GROUP BY 1, 2, 3
		ORDER BY nb DESC, l.essay_id DESC, l.para
		LIMIT 100
	), src AS (
		SELECT 'essay' AS kind, c.essay_id, c.version, c.para,
		    NULL::bigint AS doc, NULL::integer AS dver,
		    NULL::text AS lang, NULL::integer AS pos,
		    NULL::text AS field, NULL::integer AS line,
		    unnest(ep.shingles) AS h
		FROM cand c
		JOIN essay_paragraphs ep ON ep.essay_id = c.essay_id
		    AND ep.version = c.version AND ep.para = c.para
		UNION ALL
		SELECT 'document', NULL, NULL, NULL, dp.document_id,
		    dp.version, dp.lang, dp.position, dp.field, dp.line,
		    unnest(dp.shingles)
		FROM documents d
		JOIN essay_doc_paragraphs dp ON dp.document_id = d.id
		    AND dp.version = d.current_version
		WHERE d.id IN (SELECT essay_study_documents(e.document_id,
		    e.session_id))
	), hits AS MATERIALIZED (
		SELECT m.para, m.h, s.kind, s.essay_id AS src_essay,
		    s.version AS src_version, s.para AS src_para,
		    s.doc AS src_doc, s.dver AS src_doc_version,
		    s.lang AS src_lang, s.pos AS src_pos, s.field AS src_field,
		    s.line AS src_line
		FROM src s JOIN mine m ON m.h = s.h
	), sources AS (
		SELECT kind, src_essay, src_version, src_doc, src_doc_version,
		    src_lang, count(DISTINCT (para, h)) AS shared
		FROM hits
		GROUP BY 1, 2, 3, 4, 5, 6
		ORDER BY 7 DESC, 2, 4, 6 LIMIT 10
	), stored AS (
		INSERT INTO essay_matches (essay_id, version, rank,
		    source_essay_id, source_version, source_document_id,
		    source_doc_version, source_lang, scope, shared,
		    containment, passages)
		SELECT e.id, ver, row_number() OVER (ORDER BY g.shared DESC,
		    g.src_essay, g.src_doc, g.src_lang),
		    g.src_essay, g.src_version, g.src_doc, g.src_doc_version,
		    g.src_lang,
		    CASE WHEN g.kind = 'document' THEN 'document'
			WHEN o.cell_id = e.cell_id THEN 'cell'
			WHEN grassroots IS NOT NULL AND oc.path <@ grassroots
			    THEN 'grassroots'
			ELSE 'elsewhere' END,
		    g.shared, g.shared::real / (SELECT count(*) FROM mine),
		    coalesce((SELECT jsonb_agg(x ORDER BY x.shared DESC, x.para)
			FROM (SELECT h2.para, h2.src_para AS source_para,
			    h2.src_pos AS position, h2.src_field AS field,
			    h2.src_line AS line, count(*) AS shared
			FROM hits h2
			WHERE h2.kind = g.kind
			  AND h2.src_essay IS NOT DISTINCT FROM g.src_essay
			  AND h2.src_doc IS NOT DISTINCT FROM g.src_doc
			  AND h2.src_lang IS NOT DISTINCT FROM g.src_lang
			GROUP BY 1, 2, 3, 4, 5
			HAVING count(*) >= 2
			ORDER BY count(*) DESC, 1 LIMIT 50) x), '[]')
		FROM sources g
		LEFT JOIN essays o ON o.id = g.src_essay
		LEFT JOIN org_units oc ON oc.id = o.cell_id
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM mine),
	    (SELECT count(*) FROM (SELECT DISTINCT para, h FROM hits) x)
	    + 0 * (SELECT count(*) FROM stored)
	INTO total, hit;

	RETURN CASE WHEN total = 0 THEN 0 ELSE hit::real / total END;
END
$$;

-- POST /api/v1/essays: saves a version of the actor's essay on a study, a
-- draft or (submit: true) a submission; the first save begins the essay.
-- body has been checked by kore-app/essays.c, which added the
-- fingerprint (and the fingerprints of document texts not seen before)
-- on submission.
CREATE FUNCTION api_essay_save(actor bigint, body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cid uuid := api_client_id(body->>'client_id');
	h bytea := request_hash(body - 'fingerprint' - 'sources');
	prior essay_versions;
	v_doc bigint := api_int(body->'document_id', 'document_id');
	v_ses bigint := api_int(body->'session_id', 'session_id');
	v_submit boolean := coalesce((body->>'submit')::boolean, false);
	my_cell bigint := actor_cell(actor);
	v_lang text;
	secs jsonb;
	d documents;
	s study_sessions;
	e essays;
	v essay_versions;
	missing text;
	role_name text;
	v_due timestamptz;
	v_score real;
	v_threshold real;
BEGIN
	SELECT * INTO prior FROM essay_versions
	WHERE author_id = actor AND client_id = cid;
	IF prior.essay_id IS NOT NULL THEN
		IF prior.request_hash <> h THEN
			PERFORM api_refuse('client_id_reused',
			    'This client_id was used for another save; choose '
			    'a new UUID for each save.', '409');
		END IF;
		SELECT * INTO e FROM essays WHERE id = prior.essay_id;
		RETURN essay_version_json(e, prior);
	END IF;

	IF my_cell IS NULL THEN
		PERFORM access_require('forbidden', 'essay');
	END IF;
	IF (v_doc IS NULL) = (v_ses IS NULL) THEN
		PERFORM api_refuse('invalid_study',
		    'Give exactly one of document_id and session_id: the study '
		    'the essay is on.');
	END IF;
	IF v_doc IS NOT NULL THEN
		SELECT * INTO d FROM documents WHERE id = v_doc;
		IF d.id IS NULL OR NOT document_readable_in_cell(d, my_cell) THEN
			PERFORM api_refuse('unknown_document',
			    'No published document with this document_id that '
			    'your cell studies.');
		END IF;
	ELSE
		SELECT * INTO s FROM study_sessions WHERE id = v_ses;
		IF s.id IS NULL OR s.cancelled_at IS NOT NULL OR NOT EXISTS (
		    SELECT 1 FROM org_units u, org_units c
		    WHERE u.id = s.unit_id AND c.id = my_cell
		      AND c.path <@ u.path) THEN
			PERFORM api_refuse('unknown_session',
			    'No study session with this session_id that expects '
			    'your cell.');
		END IF;
	END IF;

	v_lang := coalesce(body->>'lang', (SELECT m.lang FROM members m
	    WHERE m.id = actor), 'vi');
	IF v_lang NOT IN ('vi', 'km') THEN
		PERFORM api_refuse('invalid_lang', 'lang is "vi" or "km".');
	END IF;
	secs := essay_sections_of(body->'sections');

	-- One essay per member and study; the row lock orders concurrent
	-- saves of the same essay.
	SELECT * INTO e FROM essays
	WHERE member_id = actor AND document_id IS NOT DISTINCT FROM v_doc
	  AND session_id IS NOT DISTINCT FROM v_ses
	FOR UPDATE;
	IF e.id IS NULL THEN
		INSERT INTO essays (member_id, cell_id, document_id, session_id)
		VALUES (actor, my_cell, v_doc, v_ses)
		ON CONFLICT DO NOTHING
		RETURNING * INTO e;
		IF e.id IS NULL THEN
			SELECT * INTO e FROM essays
			WHERE member_id = actor
			  AND document_id IS NOT DISTINCT FROM v_doc
			  AND session_id IS NOT DISTINCT FROM v_ses
			FOR UPDATE;
		END IF;
	END IF;

	-- A twin of this request may have committed while we waited.
	SELECT * INTO prior FROM essay_versions
	WHERE author_id = actor AND client_id = cid;
	IF prior.essay_id IS NOT NULL THEN
		IF prior.request_hash <> h THEN
			PERFORM api_refuse('client_id_reused',
			    'This client_id was used for another save; choose '
			    'a new UUID for each save.', '409');
		END IF;
		RETURN essay_version_json(e, prior);
	END IF;

	IF e.state = 'accepted' THEN
		PERFORM api_refuse('essay_accepted',
		    'This essay has been accepted; it cannot change.', '409');
	ELSIF e.state = 'submitted' THEN
		PERFORM api_refuse('essay_under_review',
		    'This essay is waiting for review; it can be revised once '
		    'it is returned.', '409');
	END IF;

	IF v_submit THEN
		SELECT r.section, r.role::text INTO missing, role_name
		FROM (SELECT 'content' AS section, NULL::role_kind AS role
		    UNION ALL
		    SELECT er.section, er.role FROM essay_role_rules er
		    JOIN member_roles mr ON mr.role = er.role
		    WHERE mr.member_id = actor) r
		WHERE NOT secs ? r.section
		ORDER BY array_position(ARRAY['content', 'duties',
		    'action_plan'], r.section)
		LIMIT 1;
		IF missing IS NOT NULL THEN
			PERFORM api_refuse('missing_section', CASE
			    WHEN role_name IS NULL THEN format(
				'The essay needs the section %s.',
				essay_section_title(missing))
			    ELSE format('As %s you must include the section %s.',
				CASE role_name
				WHEN 'cell_secretary' THEN 'a cell secretary'
				WHEN 'cell_deputy' THEN 'a deputy cell secretary'
				WHEN 'committee' THEN 'a committee member'
				ELSE role_name END,
				essay_section_title(missing)) END);
		END IF;
		IF jsonb_typeof(body->'fingerprint') IS DISTINCT FROM 'array' THEN
			RAISE EXCEPTION 'api_essay_save: a submission without '
			    'its fingerprint';
		END IF;
		v_due := essay_due(my_cell, v_doc, v_ses);
	END IF;

	INSERT INTO essay_versions (essay_id, version, author_id, lang,
	    sections, submitted, late, due_at, client_id, request_hash)
	VALUES (e.id, e.version + 1, actor, v_lang, secs, v_submit,
	    v_submit AND v_due IS NOT NULL AND now() > v_due, v_due, cid, h)
	RETURNING * INTO v;

	IF NOT v_submit THEN
		UPDATE essays SET version = v.version, state = CASE
		    WHEN state = 'returned' THEN 'returned'::essay_state
		    ELSE 'draft' END, updated_at = now()
		WHERE id = e.id RETURNING * INTO e;
		RETURN essay_version_json(e, v);
	END IF;

	PERFORM essay_sources_store(body->'sources');

	INSERT INTO essay_paragraphs (essay_id, version, para, shingles)
	SELECT e.id, v.version, (p->>'p')::integer,
	    ARRAY(SELECT jsonb_array_elements_text(p->'h')::bigint)
	FROM jsonb_array_elements(body->'fingerprint') p;

	v_score := essay_compare(e, v.version, body->'fingerprint');
	v_threshold := (essay_threshold_of(e.cell_id)).threshold;

	DELETE FROM essay_lsh WHERE essay_id = e.id;
	INSERT INTO essay_lsh (band, essay_id, version, para)
	SELECT b::bigint, e.id, v.version, (p->>'p')::integer
	FROM jsonb_array_elements(body->'fingerprint') p,
	    jsonb_array_elements_text(p->'b') b;

	UPDATE essay_versions SET similarity = v_score,
	    threshold = v_threshold, flagged = v_score >= v_threshold
	WHERE essay_id = e.id AND version = v.version;

	UPDATE essays SET version = v.version, state = 'submitted',
	    submitted_version = v.version, submitted_at = v.saved_at,
	    first_submitted_at = coalesce(first_submitted_at, v.saved_at),
	    late = CASE WHEN first_submitted_at IS NULL THEN v.late
		ELSE late END,
	    similarity = v_score, flagged = v_score >= v_threshold,
	    updated_at = now()
	WHERE id = e.id RETURNING * INTO e;

	RETURN essay_version_json(e, v);
END
$$;

-- For the reports (issue 7): the state of member's essay on a study
-- (NULL: none begun), one probe of essays_member_document or
-- essays_member_session.
CREATE FUNCTION essay_state_of(member bigint, doc bigint, ses bigint)
RETURNS essay_state
LANGUAGE sql STABLE AS $$
	SELECT e.state FROM essays e
	WHERE e.member_id = member
	  AND ((doc IS NOT NULL AND e.document_id = doc)
	    OR (ses IS NOT NULL AND e.session_id = ses))
$$;

-- For the reports: the essays of one cell on a study by state, with the
-- late and flagged ones (read from essays_cell_document or
-- essays_cell_session). Members who have not begun one are the cell's
-- members less these (the make-up list).
CREATE FUNCTION essay_cell_counts(cell bigint, doc bigint, ses bigint,
    OUT drafts integer, OUT submitted integer, OUT returned integer,
    OUT accepted integer, OUT late integer, OUT flagged integer)
LANGUAGE sql STABLE AS $$
	SELECT count(*) FILTER (WHERE e.state = 'draft'),
	    count(*) FILTER (WHERE e.state = 'submitted'),
	    count(*) FILTER (WHERE e.state = 'returned'),
	    count(*) FILTER (WHERE e.state = 'accepted'),
	    count(*) FILTER (WHERE e.late),
	    count(*) FILTER (WHERE e.flagged)
	FROM essays e
	WHERE e.cell_id = cell
	  AND ((doc IS NOT NULL AND e.document_id = doc)
	    OR (ses IS NOT NULL AND e.session_id = ses))
$$;

-- GET /api/v1/essays/{id}
CREATE FUNCTION api_essay_get(actor bigint, eid bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e essays;
BEGIN
	SELECT * INTO e FROM essays WHERE id = eid;
	PERFORM access_require(essay_access(actor, e, 'read'), 'essay');
	RETURN essay_json(e, actor);
END
$$;

-- GET /api/v1/essays?scope=mine|review&document=&session=&state=
-- &limit=&cursor=: the actor's own essays, or those they may read as a
-- reviewer (filtered by scope in the query), newest first by id.
CREATE FUNCTION api_essays_list(actor bigint, doc bigint, ses bigint,
    lim integer, after bigint, scope text, want_state text)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	want text := coalesce(scope, 'mine');
	n integer := api_limit(lim);
	paths ltree[] := essay_paths(actor, 'essay.read');
	items json;
	last_id bigint;
BEGIN
	IF want NOT IN ('mine', 'review') THEN
		PERFORM api_refuse('invalid_parameter',
		    'scope is "mine" (your essays) or "review".', '400');
	END IF;
	IF want_state IS NOT NULL AND want_state NOT IN ('draft', 'submitted',
	    'returned', 'accepted') THEN
		PERFORM api_refuse('invalid_parameter', 'state is draft, '
		    'submitted, returned or accepted.', '400');
	END IF;

	WITH page AS (
		SELECT e FROM essays e
		WHERE (CASE WHEN want = 'mine' THEN e.member_id = actor
		    ELSE e.member_id <> actor AND EXISTS (
			SELECT 1 FROM org_units c WHERE c.id = e.cell_id
			AND c.path <@ paths) END)
		  AND (doc IS NULL OR e.document_id = doc)
		  AND (ses IS NULL OR e.session_id = ses)
		  AND (want_state IS NULL OR e.state = want_state::essay_state)
		  AND (after IS NULL OR e.id < after)
		ORDER BY e.id DESC
		LIMIT n
	)
	SELECT coalesce(json_agg(essay_json(p.e, actor) ORDER BY (p.e).id DESC),
	    '[]'), min((p.e).id)
	INTO items, last_id FROM page p;

	RETURN json_build_object('items', items, 'next_cursor',
	    CASE WHEN json_array_length(items) = n THEN last_id::text END);
END
$$;

-- GET /api/v1/essays/{id}/versions: every version, newest first.
CREATE FUNCTION api_essay_versions(actor bigint, eid bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e essays;
BEGIN
	SELECT * INTO e FROM essays WHERE id = eid;
	PERFORM access_require(essay_access(actor, e, 'read'), 'essay');
	RETURN json_build_object('items', (SELECT json_agg(
	    json_build_object('version', v.version, 'lang', v.lang,
		'sections', v.sections, 'submitted', v.submitted,
		'late', v.late, 'due_at', v.due_at, 'saved_at', v.saved_at,
		'similarity', CASE WHEN e.member_id <> actor AND v.submitted
		    THEN json_build_object('score', v.similarity,
			'threshold', v.threshold, 'flagged', v.flagged) END)
	    ORDER BY v.version DESC)
	    FROM essay_versions v WHERE v.essay_id = e.id));
END
$$;

-- GET /api/v1/essays/{id}/reviews: every review, oldest first.
CREATE FUNCTION api_essay_reviews(actor bigint, eid bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e essays;
BEGIN
	SELECT * INTO e FROM essays WHERE id = eid;
	PERFORM access_require(essay_access(actor, e, 'read'), 'essay');
	RETURN json_build_object('items', coalesce((SELECT json_agg(
	    essay_review_json(r) ORDER BY r.id)
	    FROM essay_reviews r WHERE r.essay_id = e.id), '[]'));
END
$$;

-- POST /api/v1/essays/{id}/reviews {client_id, version, decision,
-- comment}: accept the submitted version or return it with a comment.
CREATE FUNCTION api_essay_review(actor bigint, eid bigint, body jsonb)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	cid uuid := api_client_id(body->>'client_id');
	h bytea := request_hash(body);
	prior essay_reviews;
	e essays;
	r essay_reviews;
	v_ver bigint := api_int(body->'version', 'version');
	v_decision text := body->>'decision';
	v_comment text;
BEGIN
	SELECT * INTO e FROM essays WHERE id = eid FOR UPDATE;
	PERFORM access_require(essay_access(actor, e, 'review'), 'essay');

	SELECT * INTO prior FROM essay_reviews
	WHERE reviewer_id = actor AND client_id = cid;
	IF prior.id IS NOT NULL THEN
		IF prior.request_hash <> h OR prior.essay_id <> e.id THEN
			PERFORM api_refuse('client_id_reused',
			    'This client_id was used for another review; choose '
			    'a new UUID for each review.', '409');
		END IF;
		RETURN essay_review_json(prior);
	END IF;

	IF v_decision IS NULL OR v_decision NOT IN ('accept', 'return') THEN
		PERFORM api_refuse('invalid_decision',
		    'decision is "accept" or "return".');
	END IF;
	IF v_ver IS NULL THEN
		PERFORM api_refuse('missing_field', 'Field "version" is required.');
	END IF;
	IF body->>'comment' IS NOT NULL THEN
		v_comment := normalize(body->>'comment', NFC);
		IF btrim(v_comment, E' \t\r\n') = '' THEN
			v_comment := NULL;
		ELSIF length(v_comment) > 5000 THEN
			PERFORM api_refuse('comment_too_long',
			    'The comment is longer than 5000 characters.');
		END IF;
	END IF;
	IF v_decision = 'return' AND v_comment IS NULL THEN
		PERFORM api_refuse('comment_required',
		    'Say what to revise: a returned essay needs a comment.');
	END IF;
	IF e.state <> 'submitted' THEN
		PERFORM api_refuse('essay_not_submitted', format(
		    'This essay is %s, not waiting for review.', e.state), '409');
	END IF;
	IF v_ver <> e.submitted_version THEN
		PERFORM api_refuse('version_conflict', format(
		    'Version %s is not the one waiting for review (%s).',
		    v_ver, e.submitted_version), '409');
	END IF;

	INSERT INTO essay_reviews (essay_id, version, reviewer_id, decision,
	    comment, client_id, request_hash)
	VALUES (e.id, v_ver, actor, v_decision::essay_decision, v_comment,
	    cid, h)
	RETURNING * INTO r;
	UPDATE essays SET state = CASE WHEN v_decision = 'accept'
	    THEN 'accepted'::essay_state ELSE 'returned' END,
	    reviewed_at = now(), updated_at = now()
	WHERE id = e.id;

	RETURN essay_review_json(r);
END
$$;

-- GET /api/v1/essays/{id}/similarity?version=: the score of a submitted
-- version (default the latest) and its matches, the passages side by
-- side; another essay's text only when the actor may read that essay,
-- else only that it matches an essay in another unit.
CREATE FUNCTION api_essay_similarity(actor bigint, eid bigint, ver bigint)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e essays;
	v essay_versions;
BEGIN
	SELECT * INTO e FROM essays WHERE id = eid;
	PERFORM access_require(essay_access(actor, e, 'similarity'), 'essay');
	SELECT * INTO v FROM essay_versions
	WHERE essay_id = e.id AND version = coalesce(ver, e.submitted_version)
	  AND submitted;
	IF v.essay_id IS NULL THEN
		PERFORM api_refuse('not_submitted',
		    'This version was never submitted: it has no similarity.',
		    '404');
	END IF;

	RETURN json_build_object('essay_id', e.id, 'version', v.version,
	    'score', v.similarity, 'threshold', v.threshold,
	    'flagged', v.flagged,
	    'matches', coalesce((SELECT json_agg(json_build_object(
		'source', CASE WHEN m.source_document_id IS NOT NULL
		    THEN 'document' ELSE 'essay' END,
		'scope', m.scope, 'shared', m.shared,
		'containment', m.containment,
		'visible', m.source_document_id IS NOT NULL OR ok,
		'essay', CASE WHEN ok THEN json_build_object(
		    'id', m.source_essay_id, 'version', m.source_version,
		    'member', (SELECT json_build_object('id', mm.id,
			'full_name', mm.full_name) FROM members mm
			WHERE mm.id = o.member_id)) END,
		'document', CASE WHEN m.source_document_id IS NOT NULL THEN
		    json_build_object('id', m.source_document_id,
		    'version', m.source_doc_version, 'lang', m.source_lang) END,
		'passages', (SELECT json_agg(json_build_object(
		    'section', (essay_para_ref((p->>'para')::integer))->>'section',
		    'line', (p->>'para')::integer % 100000,
		    'text', essay_para_text(v.sections, (p->>'para')::integer),
		    'shared', (p->>'shared')::integer,
		    'source', CASE
			WHEN m.source_document_id IS NOT NULL THEN
			    json_build_object('position', p->'position',
			    'field', p->'field', 'line', p->'line',
			    'text', (string_to_array(CASE p->>'field'
				WHEN 'summary' THEN ds.summary
				ELSE ds.details END, E'\n'))
				[(p->>'line')::integer + 1])
			WHEN ok THEN json_build_object(
			    'section', (essay_para_ref(
				(p->>'source_para')::integer))->>'section',
			    'line', (p->>'source_para')::integer % 100000,
			    'text', essay_para_text(ov.sections,
				(p->>'source_para')::integer))
			END)
		    ORDER BY (p->>'shared')::integer DESC, (p->>'para')::integer)
		    FROM jsonb_array_elements(m.passages) p
		    LEFT JOIN document_sections ds
			ON ds.document_id = m.source_document_id
			AND ds.version = m.source_doc_version
			AND ds.lang = m.source_lang
			AND ds.position = (p->>'position')::integer))
		ORDER BY m.rank)
	    FROM essay_matches m
	    LEFT JOIN essays o ON o.id = m.source_essay_id
	    LEFT JOIN essay_versions ov ON ov.essay_id = m.source_essay_id
		AND ov.version = m.source_version
	    CROSS JOIN LATERAL (SELECT m.source_essay_id IS NOT NULL AND
		essay_access(actor, o, 'read') = 'ok' AS ok) a
	    WHERE m.essay_id = e.id AND m.version = v.version), '[]'));
END
$$;

-- PUT /api/v1/essay-deadlines {unit_id?, document_id | session_id,
-- due_at}: the deadline for the members under the unit (moved by setting
-- it again; a unit's deadline is never removed, only moved).
CREATE FUNCTION api_essay_deadline_set(actor bigint, body jsonb,
    client text, request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_doc bigint := api_int(body->'document_id', 'document_id');
	v_ses bigint := api_int(body->'session_id', 'session_id');
	v_unit bigint := api_int(body->'unit_id', 'unit_id');
	v_due timestamptz;
	s study_sessions;
	d documents;
	upath ltree;
	dl essay_deadlines;
BEGIN
	IF (v_doc IS NULL) = (v_ses IS NULL) THEN
		PERFORM api_refuse('invalid_study',
		    'Give exactly one of document_id and session_id.');
	END IF;
	IF v_ses IS NOT NULL THEN
		SELECT * INTO s FROM study_sessions WHERE id = v_ses;
		PERFORM access_require(study_session_access(actor, v_ses,
		    'schedule'), 'study session');
		IF v_unit IS NOT NULL AND v_unit <> s.unit_id THEN
			PERFORM api_refuse('invalid_unit', 'A session''s essay '
			    'deadline is set at its organising unit.');
		END IF;
		v_unit := s.unit_id;
	ELSE
		IF v_unit IS NULL THEN
			PERFORM api_refuse('missing_field',
			    'Field "unit_id" is required with document_id.');
		END IF;
		PERFORM access_require(unit_access(actor, v_unit, 'unit.read'),
		    'unit');
		upath := (SELECT path FROM org_units WHERE id = v_unit);
		IF NOT upath <@ study_paths(actor, 'study.schedule') THEN
			PERFORM access_require('forbidden', 'unit');
		END IF;
		SELECT * INTO d FROM documents WHERE id = v_doc;
		IF d.id IS NULL OR NOT document_visible(actor, d) THEN
			PERFORM api_refuse('unknown_document',
			    'No published document with this document_id that '
			    'you may read.');
		END IF;
	END IF;

	v_due := study_time(body, 'due_at');
	UPDATE essay_deadlines SET due_at = v_due, set_by = actor,
	    set_at = now()
	WHERE unit_id = v_unit AND document_id IS NOT DISTINCT FROM v_doc
	  AND session_id IS NOT DISTINCT FROM v_ses
	RETURNING * INTO dl;
	IF dl.id IS NULL THEN
		-- Two boards setting it at once: the unique index keeps one
		-- row, and the later statement's time wins.
		INSERT INTO essay_deadlines (unit_id, document_id, session_id,
		    due_at, set_by)
		VALUES (v_unit, v_doc, v_ses, v_due, actor)
		ON CONFLICT DO NOTHING;
		UPDATE essay_deadlines SET due_at = v_due, set_by = actor,
		    set_at = now()
		WHERE unit_id = v_unit AND document_id IS NOT DISTINCT FROM v_doc
		  AND session_id IS NOT DISTINCT FROM v_ses;
	END IF;
	PERFORM audit_write(actor, 'essay.deadline', 'unit:' || v_unit, client,
	    request_id, jsonb_build_object('document_id', v_doc,
	    'session_id', v_ses));

	RETURN json_build_object('unit_id', v_unit, 'document_id', v_doc,
	    'session_id', v_ses, 'due_at', v_due);
END
$$;

-- GET /api/v1/units/{id}/essay-settings: the threshold in force for
-- essays written under the unit, and where it comes from.
CREATE FUNCTION api_essay_settings_get(actor bigint, unit bigint)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t record;
BEGIN
	PERFORM access_require(unit_access(actor, unit, 'unit.read'), 'unit');
	SELECT * INTO t FROM essay_threshold_of(unit);
	RETURN json_build_object('unit_id', unit,
	    'similarity_threshold', t.threshold,
	    'own', coalesce(t.from_unit = unit, false),
	    'inherited_from', CASE WHEN t.from_unit <> unit
		THEN t.from_unit END,
	    'default', 0.4::real);
END
$$;

-- PUT /api/v1/units/{id}/essay-settings {similarity_threshold: 0.05..1}
-- or {inherit: true}: for committees and administrators of the unit or
-- above.
CREATE FUNCTION api_essay_settings_set(actor bigint, unit bigint,
    body jsonb, client text, request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v jsonb := body->'similarity_threshold';
	upath ltree;
BEGIN
	PERFORM access_require(unit_access(actor, unit, 'unit.read'), 'unit');
	upath := (SELECT path FROM org_units WHERE id = unit);
	IF NOT EXISTS (SELECT 1 FROM member_roles r
	    JOIN members m ON m.id = r.member_id AND m.active
	    LEFT JOIN org_units u ON u.id = r.unit_id
	    WHERE r.member_id = actor AND r.role IN ('committee', 'admin')
	      AND upath <@ coalesce(u.path, ''::ltree)) THEN
		PERFORM access_require('forbidden', 'unit');
	END IF;
	IF (v IS NOT NULL) = coalesce((body->>'inherit')::boolean, false) THEN
		PERFORM api_refuse('invalid_settings',
		    'Give similarity_threshold, or "inherit": true to use the '
		    'threshold of the units above.');
	END IF;
	IF v IS NULL THEN
		DELETE FROM essay_settings WHERE unit_id = unit;
	ELSE
		IF v::text::numeric < 0.05 OR v::text::numeric > 1 THEN
			PERFORM api_refuse('invalid_threshold',
			    'similarity_threshold is a number from 0.05 to 1.');
		END IF;
		INSERT INTO essay_settings (unit_id, similarity_threshold,
		    updated_by)
		VALUES (unit, v::text::real, actor)
		ON CONFLICT (unit_id) DO UPDATE SET
		    similarity_threshold = excluded.similarity_threshold,
		    updated_by = actor, updated_at = now();
	END IF;
	PERFORM audit_write(actor, 'essay.settings', 'unit:' || unit, client,
	    request_id, jsonb_build_object('fields',
	    jsonb_build_array('similarity_threshold')));
	RETURN api_essay_settings_get(actor, unit);
END
$$;
