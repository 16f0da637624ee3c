-- GET /api/v1/documents/{id}/bundle (and every caller of
-- api_document_get(), kore-app/documents.c) refused a document the member
-- may not read with a plain HB404, which kore-app/db.c does not audit:
-- only access_require()'s refusals carry DETAIL 'access_denied', and those
-- are written to audit_log. tests/integration/access_matrix_all.sh found
-- the bundle of a district's document refused to a member and a committee
-- member of another district without a row. Same function as 0017's, the
-- refusal now made by access_require(), as everywhere else. (The cached
-- read path, GET /api/v1/documents/{id}, asks document_head() and audits
-- its 404 in C: kore-app/document_read.c.)

CREATE OR REPLACE FUNCTION api_document_get(actor bigint, doc bigint,
    want text, OUT lang text, OUT body json)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	ver integer := document_head(actor, doc);
BEGIN
	IF ver IS NULL THEN
		PERFORM access_require('not_found', 'document');
	END IF;
	SELECT r.lang, r.body INTO lang, body FROM document_render(doc, ver, want) r;
END
$$;
