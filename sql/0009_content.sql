-- Documents and their versions: what members read.
--
-- A document (a resolution, directive, regulation, conclusion or a study
-- outline) has versions; a published version never changes (a trigger
-- refuses it), an edit is a new version. Each version has a Vietnamese
-- text and usually a Khmer one, each made of sections, the core points.
-- A Khmer text records the Vietnamese version it translates, so that when
-- the Vietnamese text changes and the Khmer one does not, the Khmer one
-- shows as stale. Media (infographics) are stored once by content hash.
--
-- content/ is the source: tools/hbcontent.c checks it and hands it to
-- content_import() (below), which makes a new version only when something
-- changed, so importing twice changes nothing.

CREATE TYPE document_kind AS ENUM (
	'resolution', 'directive', 'regulation', 'conclusion', 'study_outline'
);
CREATE TYPE document_level AS ENUM (
	'central', 'province', 'district', 'grassroots'
);
CREATE TYPE publish_state AS ENUM ('draft', 'published', 'withdrawn');
CREATE TYPE translation_state AS ENUM ('missing', 'pending', 'reviewed',
	'stale');

CREATE TABLE documents (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug		text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,79}$'),
	-- Visibility: NULL for everyone, else the members under this unit
	-- (a district's study outline is for that district only).
	unit_id		bigint REFERENCES org_units (id),
	-- The document a study outline adapts.
	adapts_id	bigint REFERENCES documents (id),
	state		publish_state NOT NULL DEFAULT 'draft',
	-- The version members get; NULL until one is published.
	current_version	integer,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE document_versions (
	document_id	bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	version		integer NOT NULL CHECK (version > 0),
	state		publish_state NOT NULL DEFAULT 'draft',
	number		text NOT NULL CHECK (length(number) BETWEEN 1 AND 60),
	kind		document_kind NOT NULL,
	issuer		text NOT NULL,
	level		document_level NOT NULL,
	issued		date NOT NULL,
	tags		text[] NOT NULL DEFAULT '{}',
	audience	text[] NOT NULL DEFAULT '{}',
	sample		boolean NOT NULL,
	sources		text[] NOT NULL DEFAULT '{}',
	-- The hash of everything this version was made from; equal hashes
	-- mean nothing changed.
	source_sha256	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	created_by	bigint REFERENCES members (id),
	published_at	timestamptz,
	withdrawn_at	timestamptz,
	PRIMARY KEY (document_id, version)
);

CREATE TABLE document_texts (
	document_id		bigint NOT NULL,
	version			integer NOT NULL,
	lang			text NOT NULL CHECK (lang IN ('vi', 'km')),
	title			text NOT NULL CHECK (length(title) BETWEEN 1 AND 400),
	intro			text,
	-- The hash of the source text (content/<slug>/<lang>.md).
	source_sha256		text NOT NULL,
	-- Khmer only: pending, reviewed or stale, and the Vietnamese
	-- version it translates.
	translation		translation_state,
	translates_version	integer,
	PRIMARY KEY (document_id, version, lang),
	FOREIGN KEY (document_id, version)
	    REFERENCES document_versions ON DELETE CASCADE
);

CREATE TABLE document_sections (
	document_id	bigint NOT NULL,
	version		integer NOT NULL,
	lang		text NOT NULL,
	position	integer NOT NULL CHECK (position BETWEEN 1 AND 12),
	title		text NOT NULL,
	summary		text NOT NULL,
	details		text NOT NULL DEFAULT '',
	PRIMARY KEY (document_id, version, lang, position),
	FOREIGN KEY (document_id, version, lang)
	    REFERENCES document_texts ON DELETE CASCADE
);

-- The question bank of a version. The correct choice never leaves the
-- server before an attempt is submitted (quizzes are issue 6's).
CREATE TABLE quiz_questions (
	document_id	bigint NOT NULL,
	version		integer NOT NULL,
	qid		text NOT NULL,
	section		integer NOT NULL,
	question_vi	text NOT NULL,
	question_km	text,
	choices		jsonb NOT NULL,
	PRIMARY KEY (document_id, version, qid),
	FOREIGN KEY (document_id, version)
	    REFERENCES document_versions ON DELETE CASCADE
);

CREATE TABLE media (
	sha256		text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	content_type	text NOT NULL,
	bytes		bytea NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE document_media (
	document_id	bigint NOT NULL,
	version		integer NOT NULL,
	name		text NOT NULL,
	sha256		text NOT NULL REFERENCES media (sha256),
	PRIMARY KEY (document_id, version, name),
	FOREIGN KEY (document_id, version)
	    REFERENCES document_versions ON DELETE CASCADE
);

-- A published version is history: its rows never change. Only its state
-- may move on (published -> withdrawn).
CREATE FUNCTION document_versions_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.state <> 'draft' AND (to_jsonb(NEW) - 'state' - 'withdrawn_at')
	    IS DISTINCT FROM (to_jsonb(OLD) - 'state' - 'withdrawn_at') THEN
		RAISE EXCEPTION 'A published version cannot change; make a new version.'
		    USING ERRCODE = 'HB409', HINT = 'version_published';
	END IF;
	IF TG_OP = 'DELETE' AND OLD.state <> 'draft' THEN
		RAISE EXCEPTION 'A published version cannot be deleted.'
		    USING ERRCODE = 'HB409', HINT = 'version_published';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER document_versions_frozen
	BEFORE UPDATE OR DELETE ON document_versions
	FOR EACH ROW EXECUTE FUNCTION document_versions_frozen();

-- Texts, sections, questions and media of a published version likewise.
CREATE FUNCTION document_parts_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record := CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END;
BEGIN
	IF EXISTS (SELECT 1 FROM document_versions v
	    WHERE v.document_id = r.document_id AND v.version = r.version
	      AND v.state <> 'draft') THEN
		RAISE EXCEPTION 'A published version cannot change; make a new version.'
		    USING ERRCODE = 'HB409', HINT = 'version_published';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER document_texts_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON document_texts FOR EACH ROW EXECUTE FUNCTION document_parts_frozen();
CREATE TRIGGER document_sections_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON document_sections FOR EACH ROW EXECUTE FUNCTION document_parts_frozen();
CREATE TRIGGER quiz_questions_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON quiz_questions FOR EACH ROW EXECUTE FUNCTION document_parts_frozen();
CREATE TRIGGER document_media_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON document_media FOR EACH ROW EXECUTE FUNCTION document_parts_frozen();

-- Imports the content folder as tools/hbcontent.c hands it over:
-- {"documents": [{"slug", "number", "kind", "title_vi", "title_km",
-- "issuer", "level", "issued", "tags", "audience", "sample", "sources",
-- "unit", "adapts", "sha256", "texts": {"vi": {...}, "km": {...}},
-- "quiz": [...], "media": [{"name", "sha256", "content_type",
-- "base64"}]}]}, each text {"title", "intro", "sha256", "review",
-- "sections": [{"title", "summary", "details"}]}.
-- A document whose sha256 equals its current version's is left alone;
-- otherwise a new version is made and published. Returns one line per
-- document: {"slug", "version", "action": "created" | "updated" |
-- "unchanged", "km": translation state}.
CREATE FUNCTION content_import(payload jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	d jsonb;
	doc documents;
	cur document_versions;
	v integer;
	unit bigint;
	adapts bigint;
	lg text;		-- a language of the document
	t jsonb;
	km_state translation_state;
	km_translates integer;
	prev_km document_texts;
	prev_vi document_texts;
	results jsonb := '[]';
	action text;
BEGIN
	-- Two imports at once (two nodes starting) take turns.
	PERFORM pg_advisory_xact_lock(hashtext('handbook:content_import'));

	FOR d IN SELECT * FROM jsonb_array_elements(payload->'documents')
	    ORDER BY (value->>'adapts') IS NOT NULL, value->>'slug' LOOP
		unit := NULL;
		IF d->>'unit' IS NOT NULL THEN
			SELECT id INTO unit FROM org_units WHERE code = d->>'unit';
			IF unit IS NULL THEN
				-- The unit is demo data, absent from this database:
				-- import the document hidden rather than public.
				RAISE NOTICE '%: unit % not found; document kept as a draft',
				    d->>'slug', d->>'unit';
			END IF;
		END IF;
		adapts := (SELECT id FROM documents WHERE slug = d->>'adapts');

		SELECT * INTO doc FROM documents WHERE slug = d->>'slug';
		IF doc.id IS NULL THEN
			INSERT INTO documents (slug, unit_id, adapts_id)
			VALUES (d->>'slug', unit, adapts) RETURNING * INTO doc;
			action := 'created';
		ELSE
			UPDATE documents SET unit_id = unit, adapts_id = adapts
			WHERE id = doc.id AND (unit_id IS DISTINCT FROM unit OR
			    adapts_id IS DISTINCT FROM adapts);
			action := 'updated';
		END IF;

		SELECT * INTO cur FROM document_versions
		WHERE document_id = doc.id ORDER BY version DESC LIMIT 1;
		IF cur.version IS NOT NULL AND cur.source_sha256 = d->>'sha256' THEN
			results := results || jsonb_build_object('slug', doc.slug,
			    'version', cur.version, 'action', 'unchanged');
			CONTINUE;
		END IF;
		v := coalesce(cur.version, 0) + 1;

		INSERT INTO document_versions (document_id, version, number, kind,
		    issuer, level, issued, tags, audience, sample, sources,
		    source_sha256)
		VALUES (doc.id, v, d->>'number', (d->>'kind')::document_kind,
		    normalize(d->>'issuer', NFC), (d->>'level')::document_level,
		    (d->>'issued')::date,
		    ARRAY(SELECT jsonb_array_elements_text(coalesce(d->'tags', '[]'))),
		    ARRAY(SELECT jsonb_array_elements_text(coalesce(d->'audience', '[]'))),
		    coalesce((d->>'sample')::boolean, true),
		    ARRAY(SELECT jsonb_array_elements_text(coalesce(d->'sources', '[]'))),
		    d->>'sha256');

		SELECT * INTO prev_vi FROM document_texts
		WHERE document_id = doc.id AND version = cur.version AND lang = 'vi';
		SELECT * INTO prev_km FROM document_texts
		WHERE document_id = doc.id AND version = cur.version AND lang = 'km';

		FOR lg IN SELECT jsonb_object_keys(d->'texts') LOOP
			t := d->'texts'->lg;
			km_state := NULL;
			km_translates := NULL;
			IF lg = 'km' THEN
				IF prev_km.source_sha256 = t->>'sha256' AND
				    prev_vi.source_sha256 IS DISTINCT FROM
				    d->'texts'->'vi'->>'sha256' THEN
					-- Vietnamese changed, Khmer did not.
					km_state := 'stale';
					km_translates := prev_km.translates_version;
				ELSIF prev_km.source_sha256 = t->>'sha256' THEN
					km_state := prev_km.translation;
					km_translates := prev_km.translates_version;
				ELSE
					km_state := CASE WHEN t->>'review' = 'reviewed'
					    THEN 'reviewed' ELSE 'pending' END;
					km_translates := v;
				END IF;
			END IF;

			INSERT INTO document_texts (document_id, version, lang, title,
			    intro, source_sha256, translation, translates_version)
			VALUES (doc.id, v, lg, normalize(t->>'title', NFC),
			    nullif(normalize(coalesce(t->>'intro', ''), NFC), ''),
			    t->>'sha256', km_state, km_translates);

			INSERT INTO document_sections (document_id, version, lang,
			    position, title, summary, details)
			SELECT doc.id, v, lg, s.ord,
			    normalize(s.value->>'title', NFC),
			    normalize(s.value->>'summary', NFC),
			    normalize(coalesce(s.value->>'details', ''), NFC)
			FROM jsonb_array_elements(t->'sections')
			    WITH ORDINALITY AS s (value, ord);
		END LOOP;

		INSERT INTO quiz_questions (document_id, version, qid, section,
		    question_vi, question_km, choices)
		SELECT doc.id, v, q->>'id', (q->>'section')::integer,
		    normalize(q->>'question_vi', NFC),
		    normalize(q->>'question_km', NFC), q->'choices'
		FROM jsonb_array_elements(coalesce(d->'quiz', '[]')) AS q;

		INSERT INTO media (sha256, content_type, bytes)
		SELECT m->>'sha256', m->>'content_type', decode(m->>'base64', 'base64')
		FROM jsonb_array_elements(coalesce(d->'media', '[]')) AS m
		ON CONFLICT (sha256) DO NOTHING;
		INSERT INTO document_media (document_id, version, name, sha256)
		SELECT doc.id, v, m->>'name', m->>'sha256'
		FROM jsonb_array_elements(coalesce(d->'media', '[]')) AS m;

		-- The folder is the published source: publish this version,
		-- unless its audience unit is missing (then it stays a draft).
		IF d->>'unit' IS NULL OR unit IS NOT NULL THEN
			UPDATE document_versions SET state = 'published',
			    published_at = now()
			WHERE document_id = doc.id AND version = v;
			UPDATE documents SET state = 'published', current_version = v,
			    updated_at = now()
			WHERE id = doc.id;
		END IF;

		results := results || jsonb_build_object('slug', doc.slug,
		    'version', v, 'action', action,
		    'km', (SELECT translation FROM document_texts
			WHERE document_id = doc.id AND version = v AND lang = 'km'));
	END LOOP;

	RETURN results;
END
$$;
