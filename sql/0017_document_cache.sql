-- What the per-worker cache of rendered documents (kore-app/doc_cache.c)
-- needs from the database: a cheap question before each cached answer,
-- one renderer for every version, and a NOTIFY when a document changes.
--
-- A cached body is keyed by document, version and language and never
-- goes stale: a published version never changes (0010's frozen
-- triggers). What does change is which version members get and who may
-- see it, so that question is still asked on every request, in the same
-- round trip as the token check (document_head, a primary-key lookup and
-- the visibility rule of document_visible()), and only the rendering --
-- the sections gathered into JSON, the bulk of the work and of the bytes
-- -- comes from memory. The NOTIFY on channel handbook_documents (payload:
-- the document id) is how every worker of every node drops its copies of
-- a document when a new version is published or it is withdrawn, so that
-- memory holds what members read now.
--
-- GET /api/v1/documents/{id}/versions/{version} serves one version by
-- number: the URL of an edition that never changes. For a document meant
-- for everyone (no unit), it is answered without a token and may be kept
-- by any cache (HAProxy's, a phone's) for a year; see document_edition().

-- The version a caller gets of a document, or NULL when there is none
-- they may read (unknown, unpublished, withdrawn, outside their subtree).
CREATE FUNCTION document_head(actor bigint, doc bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT d.current_version FROM documents d
	WHERE d.id = doc AND document_visible(actor, d)
$$;

-- One published edition: open is true when anyone may read it without
-- logging in (the document is for everyone); no row when the version was
-- never published, is a later draft, or the document is withdrawn or not
-- the caller's (actor NULL: nobody logged in).
CREATE FUNCTION document_edition(actor bigint, doc bigint, ver integer,
    OUT open boolean)
LANGUAGE sql STABLE AS $$
	SELECT d.unit_id IS NULL
	FROM documents d
	JOIN document_versions v ON v.document_id = d.id AND v.version = ver
	WHERE d.id = doc AND d.state = 'published'
	  AND v.published_at IS NOT NULL AND ver <= d.current_version
	  AND (d.unit_id IS NULL OR (actor IS NOT NULL AND document_visible(actor, d)))
$$;

-- The body of GET /api/v1/documents/{id} for one version, asked in
-- language want: Vietnamese when the asked text is missing, marked by
-- lang, requested_lang and fallback. No access check: callers ask
-- document_head() or document_edition() first.
CREATE FUNCTION document_render(doc bigint, ver integer, want text,
    OUT lang text, OUT body json)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	d documents;
	v document_versions;
	t document_texts;
	km document_texts;
BEGIN
	SELECT * INTO d FROM documents WHERE id = doc;
	SELECT * INTO v FROM document_versions
	WHERE document_id = doc AND version = ver;
	IF d.id IS NULL OR v.version IS NULL THEN
		RAISE EXCEPTION 'No such document.'
		    USING ERRCODE = 'HB404', HINT = 'not_found';
	END IF;
	t := document_text_for(doc, ver, want);
	SELECT * INTO km FROM document_texts
	WHERE document_id = doc AND version = ver AND document_texts.lang = 'km';

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
		    WHERE s.document_id = doc AND s.version = ver
		      AND s.lang = t.lang),
		'media', (SELECT coalesce(json_agg(json_build_object(
			'name', m.name, 'sha256', m.sha256) ORDER BY m.name), '[]')
		    FROM document_media m
		    WHERE m.document_id = doc AND m.version = ver),
		'quiz_questions', (SELECT count(*) FROM quiz_questions q
		    WHERE q.document_id = doc AND q.version = ver),
		'adapts', (SELECT json_build_object('id', a.id, 'slug', a.slug)
		    FROM documents a WHERE a.id = d.adapts_id));
END
$$;

-- The current version as the caller may read it: what the bundle endpoint
-- signs. One renderer for both, so a bundle and a cached document can
-- never disagree.
CREATE OR REPLACE FUNCTION api_document_get(actor bigint, doc bigint,
    want text, OUT lang text, OUT body json)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	ver integer := document_head(actor, doc);
BEGIN
	IF ver IS NULL THEN
		RAISE EXCEPTION 'No such document.'
		    USING ERRCODE = 'HB404', HINT = 'not_found';
	END IF;
	SELECT r.lang, r.body INTO lang, body FROM document_render(doc, ver, want) r;
END
$$;

-- Tell every listening worker which document changed. pg_notify() is
-- transactional: the message leaves at commit, after the change is
-- visible to the query a worker makes next, and not at all on rollback.
-- Identical messages of one transaction are folded into one.
CREATE FUNCTION documents_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('handbook_documents',
	    (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
	RETURN NULL;
END
$$;

CREATE TRIGGER documents_notify
	AFTER UPDATE OF state, current_version, unit_id OR DELETE ON documents
	FOR EACH ROW EXECUTE FUNCTION documents_notify_change();
