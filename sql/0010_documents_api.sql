-- The SQL half of GET /api/v1/documents and GET /api/v1/documents/{id}
-- (kore-app/documents.c): what a member may read, in the language asked
-- for, falling back to Vietnamese when there is no Khmer text.
--
-- A published document with no unit is for every member. One with a unit
-- (a province's or district's study outline) is for the members under
-- that unit and for the officers whose scope covers it.

CREATE FUNCTION document_visible(actor bigint, d documents) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT d.state = 'published' AND d.current_version IS NOT NULL AND (
	    d.unit_id IS NULL OR EXISTS (
		SELECT 1 FROM org_units u WHERE u.id = d.unit_id AND (
		    actor_cell_path(actor) <@ u.path OR
		    path_in_scope(actor, 'unit.read', u.path))))
$$;

-- The text of a version in lang, or in Vietnamese when lang has none.
CREATE FUNCTION document_text_for(doc bigint, ver integer, want text)
RETURNS document_texts
LANGUAGE sql STABLE AS $$
	SELECT t.* FROM document_texts t
	WHERE t.document_id = doc AND t.version = ver AND t.lang IN (want, 'vi')
	ORDER BY t.lang = want DESC
	LIMIT 1
$$;

-- GET /api/v1/documents?kind=&level=&year=&tag=&lang=&limit=&cursor=
CREATE FUNCTION api_documents_list(actor bigint, want text, p_kind text,
    p_level text, p_year integer, p_tag text, lim integer, after bigint)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	items json;
	last_id bigint;
	n integer := api_limit(lim);
BEGIN
	WITH page AS (
		SELECT d, v, document_text_for(d.id, d.current_version, want) AS t
		FROM documents d
		JOIN document_versions v ON v.document_id = d.id
		    AND v.version = d.current_version
		WHERE document_visible(actor, d)
		  AND (p_kind IS NULL OR v.kind::text = p_kind)
		  AND (p_level IS NULL OR v.level::text = p_level)
		  AND (p_year IS NULL OR extract(year FROM v.issued) = p_year)
		  AND (p_tag IS NULL OR p_tag = ANY (v.tags))
		  AND (after IS NULL OR d.id > after)
		ORDER BY d.id
		LIMIT n
	)
	SELECT coalesce(json_agg(json_build_object(
		'id', (p.d).id, 'slug', (p.d).slug, 'number', (p.v).number,
		'kind', (p.v).kind, 'level', (p.v).level,
		'issued', (p.v).issued, 'tags', (p.v).tags,
		'version', (p.v).version, 'lang', (p.t).lang,
		'fallback', (p.t).lang <> want, 'title', (p.t).title,
		'sample', (p.v).sample)
	    ORDER BY (p.d).id), '[]'), max((p.d).id), count(*)
	INTO items, last_id, n
	FROM page p;

	RETURN json_build_object('items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_id::text END);
END
$$;

-- GET /api/v1/documents/{id}: one row (lang, json) or none.
CREATE FUNCTION api_document_get(actor bigint, doc bigint, want text,
    OUT lang text, OUT body json)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	d documents;
	v document_versions;
	t document_texts;
	km document_texts;
BEGIN
	SELECT * INTO d FROM documents WHERE id = doc;
	IF d.id IS NULL OR NOT document_visible(actor, d) THEN
		RAISE EXCEPTION 'No such document.'
		    USING ERRCODE = 'HB404', HINT = 'not_found';
	END IF;
	SELECT * INTO v FROM document_versions
	WHERE document_id = d.id AND version = d.current_version;
	t := document_text_for(d.id, v.version, want);
	SELECT * INTO km FROM document_texts
	WHERE document_id = d.id AND version = v.version AND document_texts.lang = 'km';

	lang := t.lang;
	body := json_build_object(
		'id', d.id, 'slug', d.slug, 'version', v.version,
		'number', v.number, 'kind', v.kind, 'level', v.level,
		'issuer', v.issuer, 'issued', v.issued, 'tags', v.tags,
		'audience', v.audience, 'sample', v.sample,
		'sources', v.sources, 'published_at', v.published_at,
		'lang', t.lang, 'requested_lang', want,
		'fallback', t.lang <> want,
		'translation', coalesce(km.translation, 'missing'),
		'title', t.title, 'intro', t.intro,
		'sections', (SELECT json_agg(json_build_object(
			'position', s.position, 'title', s.title,
			'summary', s.summary, 'details', s.details)
			ORDER BY s.position)
		    FROM document_sections s
		    WHERE s.document_id = d.id AND s.version = v.version
		      AND s.lang = t.lang),
		'media', (SELECT coalesce(json_agg(json_build_object(
			'name', m.name, 'sha256', m.sha256) ORDER BY m.name), '[]')
		    FROM document_media m
		    WHERE m.document_id = d.id AND m.version = v.version),
		'quiz_questions', (SELECT count(*) FROM quiz_questions q
		    WHERE q.document_id = d.id AND q.version = v.version),
		'adapts', (SELECT json_build_object('id', a.id, 'slug', a.slug)
		    FROM documents a WHERE a.id = d.adapts_id));
	RETURN;
END
$$;

-- Deleting a whole document (an administrator's cleanup, a test's) takes
-- its published versions with it; what stays forbidden is changing or
-- deleting a published version of a document that remains. When the
-- cascade from documents reaches these rows, the document row is gone.
CREATE OR REPLACE FUNCTION document_versions_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.state <> 'draft' AND EXISTS (SELECT 1 FROM documents
		    WHERE id = OLD.document_id) THEN
			RAISE EXCEPTION 'A published version cannot be deleted.'
			    USING ERRCODE = 'HB409', HINT = 'version_published';
		END IF;
		RETURN OLD;
	END IF;
	IF OLD.state <> 'draft' AND (to_jsonb(NEW) - 'state' - 'withdrawn_at')
	    IS DISTINCT FROM (to_jsonb(OLD) - 'state' - 'withdrawn_at') THEN
		RAISE EXCEPTION 'A published version cannot change; make a new version.'
		    USING ERRCODE = 'HB409', HINT = 'version_published';
	END IF;
	RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION document_parts_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record := CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END;
BEGIN
	IF EXISTS (SELECT 1 FROM document_versions v
	    WHERE v.document_id = r.document_id AND v.version = r.version
	      AND v.state <> 'draft')
	   AND (TG_OP <> 'DELETE' OR EXISTS (SELECT 1 FROM documents
	    WHERE id = r.document_id)) THEN
		RAISE EXCEPTION 'A published version cannot change; make a new version.'
		    USING ERRCODE = 'HB409', HINT = 'version_published';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
