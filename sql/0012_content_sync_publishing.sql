-- What phones need to catch up after weeks offline, and the board's
-- publish and withdraw.
--
-- content_changes records, in order, every time a document's published
-- version changes or it is withdrawn; GET /api/v1/sync?since=CURSOR reads
-- it from a cursor (the last seq a phone has seen), so a phone resumes
-- where it stopped, however long ago. The rows are written by a trigger
-- on documents, so content_import(), the board endpoints and any later
-- path all leave the same trail.
--
-- Publishing and withdrawing are for propaganda officers and
-- administrators, for the documents of their subtree: a study outline of
-- a unit under them; a document for everyone (no unit) needs an
-- administrator or propaganda officer of everything.

CREATE TABLE content_changes (
	seq		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	document_id	bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	version		integer,
	action		text NOT NULL CHECK (action IN ('published', 'withdrawn')),
	at		timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX content_changes_document ON content_changes (document_id);

CREATE FUNCTION documents_record_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.state = 'published' AND NEW.current_version IS NOT NULL AND
	    (TG_OP = 'INSERT' OR OLD.state <> 'published' OR
	     OLD.current_version IS DISTINCT FROM NEW.current_version) THEN
		INSERT INTO content_changes (document_id, version, action)
		VALUES (NEW.id, NEW.current_version, 'published');
	ELSIF NEW.state = 'withdrawn' AND TG_OP = 'UPDATE' AND
	    OLD.state <> 'withdrawn' THEN
		INSERT INTO content_changes (document_id, version, action)
		VALUES (NEW.id, NEW.current_version, 'withdrawn');
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER documents_changes
	AFTER INSERT OR UPDATE OF state, current_version ON documents
	FOR EACH ROW EXECUTE FUNCTION documents_record_change();

-- What was already published before this migration.
INSERT INTO content_changes (document_id, version, action)
SELECT id, current_version, 'published' FROM documents
WHERE state = 'published' AND current_version IS NOT NULL ORDER BY id;

-- The audience of a document, whatever its state: who would see it.
CREATE FUNCTION document_in_audience(actor bigint, d documents)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT d.unit_id IS NULL OR EXISTS (
		SELECT 1 FROM org_units u WHERE u.id = d.unit_id AND (
		    actor_cell_path(actor) <@ u.path OR
		    path_in_scope(actor, 'unit.read', u.path)))
$$;

-- GET /api/v1/sync?since=&limit=: the changes after since the actor
-- should know of, oldest first, one per document within a page (its
-- latest), and the cursor to ask from next time.
CREATE FUNCTION api_sync(actor bigint, cursor_text text, lim integer)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	n integer := least(greatest(coalesce(lim, 200), 1), 1000);
	since bigint;
	page_last bigint;
	page_count integer;
	items json;
BEGIN
	-- The cursor is what the last answer said; a phone that never
	-- synced sends none.
	IF cursor_text IS NOT NULL AND cursor_text !~ '^[0-9]{1,18}$' THEN
		PERFORM api_refuse('invalid_cursor', 'since is a cursor from '
		    'an earlier answer (next_cursor).', '400');
	END IF;
	since := coalesce(cursor_text::bigint, 0);

	WITH page AS (
		SELECT c.* FROM content_changes c
		JOIN documents d ON d.id = c.document_id
		WHERE c.seq > since AND document_in_audience(actor, d)
		ORDER BY c.seq
		LIMIT n
	), latest AS (
		SELECT DISTINCT ON (p.document_id) p.*
		FROM page p ORDER BY p.document_id, p.seq DESC
	)
	SELECT (SELECT max(seq) FROM page), (SELECT count(*) FROM page),
	    (SELECT coalesce(json_agg(json_build_object(
		'seq', l.seq, 'document_id', l.document_id, 'slug', d.slug,
		'version', l.version, 'action', l.action, 'at', l.at)
		ORDER BY l.seq), '[]')
	     FROM latest l JOIN documents d ON d.id = l.document_id)
	INTO page_last, page_count, items;

	RETURN json_build_object('changes', items,
	    'next_cursor', coalesce(page_last, since, 0)::text,
	    'more', page_count = n);
END
$$;

-- May actor publish or withdraw document d?
CREATE FUNCTION document_may_publish(actor bigint, d documents)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (
		SELECT 1 FROM member_roles r
		JOIN members m ON m.id = r.member_id AND m.active
		LEFT JOIN org_units ru ON ru.id = r.unit_id
		WHERE r.member_id = actor
		  AND r.role IN ('propaganda', 'admin')
		  AND (r.unit_id IS NULL OR (d.unit_id IS NOT NULL AND
		      (SELECT path FROM org_units WHERE id = d.unit_id) <@ ru.path)))
$$;

-- POST /api/v1/documents/{id}/withdraw and /publish. Withdrawing keeps
-- every version (published versions are history); publishing again puts
-- the latest version back.
CREATE FUNCTION api_document_set_state(actor bigint, doc bigint,
    new_state text, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	d documents;
	latest integer;
BEGIN
	SELECT * INTO d FROM documents WHERE id = doc;
	IF d.id IS NULL OR NOT document_in_audience(actor, d) THEN
		PERFORM access_require('not_found', 'document');
	END IF;
	IF NOT document_may_publish(actor, d) THEN
		PERFORM access_require('forbidden', 'document');
	END IF;

	IF new_state = 'withdrawn' THEN
		IF d.state <> 'published' THEN
			PERFORM api_refuse('not_published',
			    'Only a published document can be withdrawn.', '409');
		END IF;
		UPDATE document_versions SET state = 'withdrawn',
		    withdrawn_at = now()
		WHERE document_id = doc AND version = d.current_version;
		UPDATE documents SET state = 'withdrawn', updated_at = now()
		WHERE id = doc;
	ELSE
		SELECT max(version) INTO latest FROM document_versions
		WHERE document_id = doc;
		IF latest IS NULL THEN
			PERFORM api_refuse('no_version',
			    'This document has no version to publish.', '409');
		END IF;
		IF d.state = 'published' AND d.current_version = latest THEN
			RETURN json_build_object('id', doc, 'state', 'published',
			    'version', latest);
		END IF;
		UPDATE document_versions SET state = 'published',
		    published_at = coalesce(published_at, now()),
		    withdrawn_at = NULL
		WHERE document_id = doc AND version = latest;
		UPDATE documents SET state = 'published', current_version = latest,
		    updated_at = now()
		WHERE id = doc;
	END IF;

	PERFORM audit_write(actor, 'document.' || CASE new_state
	    WHEN 'withdrawn' THEN 'withdraw' ELSE 'publish' END,
	    'document:' || doc, client, request_id, NULL);
	RETURN (SELECT json_build_object('id', id, 'state', state,
	    'version', current_version) FROM documents WHERE id = doc);
END
$$;
