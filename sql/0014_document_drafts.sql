-- The board drafts documents through the API: a new document, or a new
-- version of one, is a draft until someone publishes it
-- (POST /api/v1/documents/{id}/publish, 0012). A draft can be saved as
-- often as needed; a published version never changes, so saving a draft
-- of a published document opens a new version. Translation states follow
-- the same rules as content_import(): a Khmer text left as it was while
-- the Vietnamese one changed is stale.
--
-- Who: those who may publish the document (document_may_publish, 0012):
-- propaganda officers and administrators of the document's unit or above.
--
-- The body (checked for unknown fields and JSON types by the C edge):
--   {"number", "kind", "issuer", "level", "issued", "tags", "audience",
--    "unit_id", "texts": {"vi": {"title", "intro", "sections": [{"title",
--    "summary", "details"}]}, "km": {... , "review": "pending" |
--    "reviewed"}}}

CREATE FUNCTION draft_check(body jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lg text;
	t jsonb;
	s jsonb;
	n integer;
BEGIN
	IF NOT (body->>'kind' = ANY (enum_range(NULL::document_kind)::text[])) THEN
		PERFORM api_refuse('invalid_kind', 'kind is resolution, directive, '
		    'regulation, conclusion or study_outline.');
	END IF;
	IF NOT (body->>'level' = ANY (enum_range(NULL::document_level)::text[])) THEN
		PERFORM api_refuse('invalid_level',
		    'level is central, province, district or grassroots.');
	END IF;
	IF body->>'issued' IS NULL OR body->>'issued' !~ '^\d{4}-\d{2}-\d{2}$' THEN
		PERFORM api_refuse('invalid_date', 'issued is a date, YYYY-MM-DD.');
	END IF;
	BEGIN
		PERFORM (body->>'issued')::date;
	EXCEPTION WHEN others THEN
		PERFORM api_refuse('invalid_date', 'issued is not a real date.');
	END;
	IF coalesce(length(body->>'number'), 0) NOT BETWEEN 1 AND 60 OR
	    coalesce(length(body->>'issuer'), 0) NOT BETWEEN 1 AND 200 THEN
		PERFORM api_refuse('missing_field', 'number and issuer are required.');
	END IF;
	IF jsonb_typeof(body->'texts'->'vi') IS DISTINCT FROM 'object' THEN
		PERFORM api_refuse('missing_field', 'texts.vi is required.');
	END IF;
	FOR lg, t IN SELECT * FROM jsonb_each(body->'texts') LOOP
		IF lg NOT IN ('vi', 'km') OR jsonb_typeof(t) <> 'object' THEN
			PERFORM api_refuse('invalid_field', 'texts has vi and km only.');
		END IF;
		IF coalesce(length(t->>'title'), 0) NOT BETWEEN 1 AND 400 THEN
			PERFORM api_refuse('missing_field',
			    format('texts.%s.title is required.', lg));
		END IF;
		IF jsonb_typeof(t->'sections') IS DISTINCT FROM 'array' THEN
			PERFORM api_refuse('missing_field',
			    format('texts.%s.sections is an array.', lg));
		END IF;
		n := jsonb_array_length(t->'sections');
		IF n NOT BETWEEN 1 AND 12 THEN
			PERFORM api_refuse('invalid_sections',
			    'A document has 1 to 12 core points while drafted, 5 to 12 to be published.');
		END IF;
		FOR s IN SELECT * FROM jsonb_array_elements(t->'sections') LOOP
			IF jsonb_typeof(s) <> 'object' OR
			    coalesce(length(s->>'title'), 0) = 0 OR
			    coalesce(length(s->>'summary'), 0) = 0 THEN
				PERFORM api_refuse('invalid_sections',
				    'Each core point has a title and a summary.');
			END IF;
		END LOOP;
	END LOOP;
	IF body->'texts' ? 'km' AND jsonb_array_length(body->'texts'->'km'->'sections')
	    <> jsonb_array_length(body->'texts'->'vi'->'sections') THEN
		PERFORM api_refuse('invalid_sections', 'The Khmer text has the '
		    'same core points, in the same order, as the Vietnamese one.');
	END IF;
END
$$;

-- Writes body into version v of doc (a draft row that exists or is made
-- here), with translation states judged against version prev.
CREATE FUNCTION draft_write(doc bigint, v integer, prev integer, body jsonb,
    actor bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lg text;
	t jsonb;
	hash text;
	prev_vi document_texts;
	prev_km document_texts;
	st translation_state;
	tr integer;
BEGIN
	SELECT * INTO prev_vi FROM document_texts
	WHERE document_id = doc AND version = prev AND lang = 'vi';
	SELECT * INTO prev_km FROM document_texts
	WHERE document_id = doc AND version = prev AND lang = 'km';

	DELETE FROM document_versions
	WHERE document_id = doc AND version = v AND state = 'draft';
	INSERT INTO document_versions (document_id, version, number, kind,
	    issuer, level, issued, tags, audience, sample, sources,
	    source_sha256, created_by)
	VALUES (doc, v, body->>'number', (body->>'kind')::document_kind,
	    normalize(body->>'issuer', NFC), (body->>'level')::document_level,
	    (body->>'issued')::date,
	    ARRAY(SELECT jsonb_array_elements_text(coalesce(body->'tags', '[]'))),
	    ARRAY(SELECT jsonb_array_elements_text(coalesce(body->'audience', '["members"]'))),
	    coalesce((body->>'sample')::boolean, false),
	    ARRAY(SELECT jsonb_array_elements_text(coalesce(body->'sources', '[]'))),
	    encode(sha256(convert_to(body::text, 'UTF8')), 'hex'), actor);

	FOR lg, t IN SELECT * FROM jsonb_each(body->'texts') LOOP
		hash := encode(sha256(convert_to((t - 'review')::text, 'UTF8')), 'hex');
		st := NULL;
		tr := NULL;
		IF lg = 'km' THEN
			IF prev_km.source_sha256 = hash AND prev_vi.source_sha256
			    IS DISTINCT FROM encode(sha256(convert_to(
			    ((body->'texts'->'vi') - 'review')::text, 'UTF8')), 'hex') THEN
				st := 'stale';
				tr := prev_km.translates_version;
			ELSIF prev_km.source_sha256 = hash THEN
				st := prev_km.translation;
				tr := prev_km.translates_version;
			ELSE
				st := CASE WHEN t->>'review' = 'reviewed'
				    THEN 'reviewed' ELSE 'pending' END;
				tr := v;
			END IF;
		END IF;
		INSERT INTO document_texts (document_id, version, lang, title,
		    intro, source_sha256, translation, translates_version)
		VALUES (doc, v, lg, normalize(t->>'title', NFC),
		    nullif(normalize(coalesce(t->>'intro', ''), NFC), ''),
		    hash, st, tr);
		INSERT INTO document_sections (document_id, version, lang,
		    position, title, summary, details)
		SELECT doc, v, lg, s.ord, normalize(s.value->>'title', NFC),
		    normalize(s.value->>'summary', NFC),
		    normalize(coalesce(s.value->>'details', ''), NFC)
		FROM jsonb_array_elements(t->'sections') WITH ORDINALITY AS s (value, ord);
	END LOOP;
END
$$;

-- The draft of a document as the board edits it: both texts side by
-- side with their translation state.
CREATE FUNCTION draft_json(doc bigint, v integer) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', d.id, 'slug', d.slug, 'version', dv.version,
	    'state', dv.state, 'unit_id', d.unit_id, 'number', dv.number,
	    'kind', dv.kind, 'issuer', dv.issuer, 'level', dv.level,
	    'issued', dv.issued, 'tags', dv.tags, 'audience', dv.audience,
	    'texts', (SELECT json_object_agg(t.lang, json_build_object(
		'title', t.title, 'intro', t.intro, 'translation', t.translation,
		'translates_version', t.translates_version,
		'sections', (SELECT json_agg(json_build_object('title', s.title,
		    'summary', s.summary, 'details', s.details) ORDER BY s.position)
		    FROM document_sections s WHERE s.document_id = d.id
		      AND s.version = dv.version AND s.lang = t.lang)))
		FROM document_texts t
		WHERE t.document_id = d.id AND t.version = dv.version))
	FROM documents d JOIN document_versions dv ON dv.document_id = d.id
	WHERE d.id = doc AND dv.version = v
$$;

-- POST /api/v1/documents: a new document, as a draft.
CREATE FUNCTION api_document_create(actor bigint, body jsonb, client text,
    request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	d documents;
	unit bigint := (body->>'unit_id')::bigint;
	new_slug text := body->>'slug';
BEGIN
	IF new_slug IS NULL OR new_slug !~ '^[a-z0-9][a-z0-9-]{1,79}$' THEN
		PERFORM api_refuse('invalid_slug', 'slug: 2 to 80 of a-z, 0-9 and dashes.');
	END IF;
	IF EXISTS (SELECT 1 FROM documents WHERE slug = new_slug) THEN
		PERFORM api_refuse('slug_taken', 'Another document has this slug.', '409');
	END IF;
	IF unit IS NOT NULL AND NOT EXISTS (SELECT 1 FROM org_units WHERE id = unit) THEN
		PERFORM access_require('not_found', 'unit');
	END IF;
	PERFORM draft_check(body);

	-- Judged on the document it would be.
	d.unit_id := unit;
	IF NOT document_may_publish(actor, d) THEN
		PERFORM access_require('forbidden', 'document');
	END IF;

	INSERT INTO documents (slug, unit_id) VALUES (new_slug, unit)
	RETURNING * INTO d;
	PERFORM draft_write(d.id, 1, NULL, body, actor);
	PERFORM audit_write(actor, 'document.create', 'document:' || d.id,
	    client, request_id, NULL);
	RETURN draft_json(d.id, 1);
END
$$;

-- PUT /api/v1/documents/{id}/draft: save the draft (a new version when
-- the latest one is published).
CREATE FUNCTION api_document_draft_save(actor bigint, doc bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	d documents;
	latest document_versions;
	v integer;
	prev integer;
BEGIN
	SELECT * INTO d FROM documents WHERE id = doc;
	IF d.id IS NULL OR NOT document_in_audience(actor, d) THEN
		PERFORM access_require('not_found', 'document');
	END IF;
	IF NOT document_may_publish(actor, d) THEN
		PERFORM access_require('forbidden', 'document');
	END IF;
	PERFORM draft_check(body);

	SELECT * INTO latest FROM document_versions
	WHERE document_id = doc ORDER BY version DESC LIMIT 1;
	IF latest.state = 'draft' THEN
		v := latest.version;
		prev := (SELECT max(version) FROM document_versions
		    WHERE document_id = doc AND version < v);
		-- Compare with what the draft had (draft_write reads it
		-- before it replaces it).
		IF EXISTS (SELECT 1 FROM document_texts WHERE document_id = doc
		    AND version = v) THEN
			prev := v;
		END IF;
	ELSE
		v := coalesce(latest.version, 0) + 1;
		prev := latest.version;
	END IF;

	PERFORM draft_write(doc, v, prev, body, actor);

	PERFORM audit_write(actor, 'document.draft', 'document:' || doc,
	    client, request_id, jsonb_build_object('version', v));
	RETURN draft_json(doc, v);
END
$$;

-- GET /api/v1/documents/{id}/draft
CREATE FUNCTION api_document_draft_get(actor bigint, doc bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	d documents;
	v integer;
BEGIN
	SELECT * INTO d FROM documents WHERE id = doc;
	IF d.id IS NULL OR NOT document_in_audience(actor, d) OR
	    NOT document_may_publish(actor, d) THEN
		PERFORM access_require('not_found', 'document');
	END IF;
	SELECT version INTO v FROM document_versions
	WHERE document_id = doc AND state = 'draft'
	ORDER BY version DESC LIMIT 1;
	IF v IS NULL THEN
		RAISE EXCEPTION 'This document has no draft.'
		    USING ERRCODE = 'HB404', HINT = 'no_draft';
	END IF;
	RETURN draft_json(doc, v);
END
$$;

-- Publishing needs a whole document: at least 5 core points in
-- Vietnamese, whichever path publishes it.
CREATE FUNCTION document_versions_publishable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.state = 'published' AND OLD.state = 'draft' AND
	    (SELECT count(*) FROM document_sections WHERE document_id =
	    NEW.document_id AND version = NEW.version AND lang = 'vi') < 5 THEN
		RAISE EXCEPTION 'A document is published with 5 to 12 core points.'
		    USING ERRCODE = 'HB422', HINT = 'too_few_sections';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER document_versions_publishable
	BEFORE UPDATE OF state ON document_versions
	FOR EACH ROW EXECUTE FUNCTION document_versions_publishable();
