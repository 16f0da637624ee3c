-- GET /api/v1/documents/{id}/draft answers for every document its editors
-- may open, not only for one with a draft under way: without a draft it
-- gives the latest version (published or withdrawn) in the same shape,
-- its "state" saying so, which is what the next save starts from (saving
-- a document whose latest version is not a draft makes the next version,
-- 0014). Before, it answered 404 no_draft and the board's editor rebuilt
-- the draft from the public document JSON, which has no unit: the unit a
-- document is for decides who reads it and who may publish it, and the
-- editor could neither show it nor keep it.
--
-- Why here and not in GET /api/v1/documents/{id}: that answer is the one
-- every reader gets, rendered once per version and language and cached
-- by every worker (0017) and, for public versions, by HAProxy; what only
-- editors need belongs with the editors' own resource, which already
-- checks document_may_publish() and carries the unit (draft_json).
-- The editor also gets the translation state and the version the Khmer
-- text translates, as for a draft, instead of the reader's summary.

CREATE OR REPLACE FUNCTION api_document_draft_get(actor bigint, doc bigint)
RETURNS json
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
	-- The draft under way if there is one (it is always the latest
	-- version), else the latest version whatever its state.
	SELECT version INTO v FROM document_versions
	WHERE document_id = doc
	ORDER BY (state = 'draft') DESC, version DESC LIMIT 1;
	IF v IS NULL THEN
		-- A document row without any version: only an interrupted
		-- import could leave one; it has nothing to edit.
		PERFORM access_require('not_found', 'document');
	END IF;
	RETURN draft_json(doc, v);
END
$$;
