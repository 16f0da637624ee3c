-- Access bugs found by the role x object x action matrix on every route
-- (tests/integration/access_matrix_all.sh, issue 11). Forward-only: each
-- function below replaces an earlier migration's, which stays as it was
-- applied; the comment at each says what was wrong.

-- 1. PUT /api/v1/members/{id}/roles asked only that the caller READ the
--    member (sql/0005), then checked each role of the body with
--    role_may_grant(). A body that grants nothing ({"roles": []}) was
--    therefore answered 200 to anyone who reads the member: a plain
--    member about themselves, a cell secretary about any member of the
--    cell. Nothing was removed (the DELETE keeps the roles the caller may
--    not grant), but a write was acknowledged to someone with no right to
--    it, and audit_log recorded a "member.roles" change by them. It is
--    now 403 for whoever reads the member but may not change it (404 for
--    anyone else, as before), like PATCH /api/v1/members/{id}: granting
--    roles is changing the member, and only 'member.write' holders
--    (administrators, committees) have 'role.grant' at all.
CREATE OR REPLACE FUNCTION api_member_roles_set(actor bigint, member bigint,
    body jsonb, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	item jsonb;
	r role_kind;
	u bigint;
BEGIN
	PERFORM access_require(member_access(actor, member, 'member.write'),
	    'member');
	IF jsonb_typeof(body->'roles') IS DISTINCT FROM 'array' THEN
		PERFORM api_refuse('invalid_field', 'roles is an array.');
	END IF;

	FOR item IN SELECT * FROM jsonb_array_elements(body->'roles') LOOP
		IF jsonb_typeof(item) <> 'object' OR NOT (item->>'role' =
		    ANY (enum_range(NULL::role_kind)::text[])) THEN
			PERFORM api_refuse('invalid_role', 'Each role is '
			    '{"role": ..., "unit_id": ...} with a known role.');
		END IF;
		r := (item->>'role')::role_kind;
		u := (item->>'unit_id')::bigint;
		IF u IS NOT NULL AND NOT EXISTS (SELECT 1 FROM org_units
		    WHERE id = u) THEN
			PERFORM access_require('not_found', 'unit');
		END IF;
		IF NOT role_may_grant(actor, r, u) THEN
			PERFORM access_require('forbidden', 'role');
		END IF;
	END LOOP;

	DELETE FROM member_roles mr
	WHERE mr.member_id = member AND role_may_grant(actor, mr.role, mr.unit_id)
	  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(body->'roles') i
	    WHERE i->>'role' = mr.role::text
	      AND (i->>'unit_id')::bigint IS NOT DISTINCT FROM mr.unit_id);

	INSERT INTO member_roles (member_id, role, unit_id, granted_by)
	SELECT member, (i->>'role')::role_kind, (i->>'unit_id')::bigint, actor
	FROM jsonb_array_elements(body->'roles') i
	ON CONFLICT DO NOTHING;

	PERFORM audit_write(actor, 'member.roles', 'member:' || member, client,
	    request_id, jsonb_build_object('roles', body->'roles'));
	RETURN member_json(member);
END
$$;

-- 2. PUT /api/v1/documents/{id}/draft and POST .../withdraw, .../publish
--    (sql/0014, sql/0012) answered 404 only to those outside the
--    document's audience (document_in_audience(), which looks at the unit
--    and not at the state), and 403 to everyone else who may not publish
--    it. A plain member of a district therefore got 403 for a draft that
--    was never published, or for a withdrawn document, where GET
--    /api/v1/documents/{id} and GET .../draft answer 404: the 403 told
--    them that an unpublished document of their district exists at that
--    id. Those who may not publish a document now see it exactly as GET
--    does: 404 unless it is published and theirs to read (then 403, as
--    before); the board is unchanged. The functions are long and only
--    this test changes, so each is redefined from its own text with that
--    one condition replaced (as sql/0037 does), and the migration fails
--    if the text is not found.
DO $$
DECLARE
	f text;
	def text;
	fixed text;
BEGIN
	FOREACH f IN ARRAY ARRAY['api_document_set_state(bigint,bigint,text,text,text)',
	    'api_document_draft_save(bigint,bigint,jsonb,text,text)'] LOOP
		def := pg_get_functiondef(f::regprocedure);
		fixed := replace(def,
		    'IF d.id IS NULL OR NOT document_in_audience(actor, d) THEN',
		    'IF d.id IS NULL OR NOT (document_visible(actor, d) OR document_may_publish(actor, d)) THEN');
		IF fixed = def THEN
			RAISE EXCEPTION '0041: the access test of % was not found', f;
		END IF;
		EXECUTE fixed;
	END LOOP;
END
$$;
