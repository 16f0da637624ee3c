-- Drafts saved through the API keep the Khmer copies that search needs,
-- like texts imported from content/: the C side adds "segmented" copies
-- to the Khmer text of the body (kore-app/documents.c, with khmer.c), and
-- this hands them to search_khmer_import() (0011) before the draft is
-- written. It returns the body unchanged, so that it wraps the argument:
-- api_document_draft_save(..., search_khmer_body($3::jsonb), ...).
-- When the draft is published, the index trigger (0011) finds the copies.

CREATE FUNCTION search_khmer_body(body jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	IF body->'texts' ? 'km' THEN
		PERFORM search_khmer_import(jsonb_build_object('documents',
		    jsonb_build_array(jsonb_build_object('slug', body->>'slug',
		    'texts', jsonb_build_object('km', body->'texts'->'km')))));
	END IF;
	RETURN body;
END
$$;
