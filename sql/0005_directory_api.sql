-- The SQL half of /api/v1/units and /api/v1/members: one function per
-- endpoint, each taking the acting member first and answering JSON, so
-- that the C handlers (kore-app/units.c, kore-app/members.c) stay thin and
-- every read and write is checked by the access rules of 0004_access.sql
-- in the same statement. Bodies arrive as jsonb already checked by the C
-- edge for unknown fields and JSON types; values are checked here, where
-- the constraints are, and refused with HB422 and a code. Text is stored
-- in Unicode NFC, whatever form the client sent.
--
-- Every change writes an audit_log row in the same transaction: who, what
-- object, which fields (names only, never values).

-- Raises HB422 with code and message.
CREATE FUNCTION api_refuse(code text, message text, status text DEFAULT '422')
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%', message USING ERRCODE = 'HB' || status, HINT = code;
END
$$;

-- Paging: limit 1..200 (default 50); the cursor is the last id seen.
CREATE FUNCTION api_limit(lim integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN lim IS NULL THEN 50 ELSE least(greatest(lim, 1), 200) END
$$;

-- A unit the actor can read: in a unit.read scope, or on the chain above
-- their own cell.
CREATE FUNCTION unit_readable(actor bigint, p ltree) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT path_in_scope(actor, 'unit.read', p) OR p @> actor_cell_path(actor)
$$;

-- A short form of a unit for lists.
CREATE FUNCTION unit_item(u org_units) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', u.id, 'kind', u.kind, 'code', u.code,
	    'name_vi', u.name_vi, 'name_km', u.name_km,
	    'parent_id', u.parent_id,
	    'children', (SELECT count(*) FROM org_units c
		WHERE c.parent_id = u.id))
$$;

-- GET /api/v1/units[?parent=ID]: the children of a unit, or without
-- parent the top units the actor can see (their scopes' roots, else the
-- root above their own cell).
CREATE FUNCTION api_units_list(actor bigint, parent bigint, lim integer,
    after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	items json;
	last_id bigint;
	n integer := api_limit(lim);
BEGIN
	IF parent IS NOT NULL THEN
		PERFORM access_require(unit_access(actor, parent, 'unit.read'),
		    'unit');
	END IF;

	WITH scope AS (
		SELECT path FROM actor_scope(actor, 'unit.read')
	), tops AS (
		-- The roots of what the actor sees: their scopes, and the root
		-- above their own cell; a scope inside another is not a top.
		SELECT u.* FROM org_units u
		WHERE u.path IN (SELECT path FROM scope)
		   OR (u.parent_id IS NULL AND (
			EXISTS (SELECT 1 FROM scope WHERE path = '') OR
			u.path @> actor_cell_path(actor)))
	), page AS (
		SELECT u.* FROM org_units u
		WHERE ((parent IS NOT NULL AND u.parent_id = parent
			AND unit_readable(actor, u.path))
		   OR (parent IS NULL AND u.id IN (SELECT t.id FROM tops t
			WHERE NOT EXISTS (SELECT 1 FROM tops o
			    WHERE o.path @> t.path AND o.id <> t.id))))
		  AND (after IS NULL OR u.id > after)
		ORDER BY u.id
		LIMIT n
	)
	SELECT coalesce(json_agg(unit_item(page) ORDER BY page.id), '[]'),
	    max(page.id), count(*)
	INTO items, last_id, n
	FROM page;

	RETURN json_build_object('items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_id::text END);
END
$$;

-- GET /api/v1/units/{id}
CREATE FUNCTION api_unit_get(actor bigint, unit bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM access_require(unit_access(actor, unit, 'unit.read'), 'unit');
	RETURN (SELECT (unit_json(unit)::jsonb || jsonb_build_object(
		'children', (SELECT count(*) FROM org_units c
		    WHERE c.parent_id = unit),
		'members', (SELECT count(*) FROM members m
		    JOIN org_units c ON c.id = m.cell_id
		    WHERE c.path <@ u.path AND m.active)))::json
	    FROM org_units u WHERE u.id = unit);
END
$$;

-- May actor create a unit (or place one) under parent? Judged by the path
-- the new unit would have, so that a committee of U may add under U
-- (strictly below U) but not edit U itself.
CREATE FUNCTION unit_may_place_under(actor bigint, parent bigint)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
	p ltree;
BEGIN
	SELECT path INTO p FROM org_units WHERE id = parent;
	IF p IS NULL OR NOT unit_readable(actor, p) THEN
		PERFORM access_require('not_found', 'parent unit');
	END IF;
	IF NOT path_in_scope(actor, 'unit.write', p || '0') THEN
		PERFORM access_require('forbidden', 'parent unit');
	END IF;
END
$$;

CREATE FUNCTION unit_check_code(c text, self bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF c !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$' THEN
		PERFORM api_refuse('invalid_code', 'A unit code has 1 to 40 '
		    'letters, digits, dots, dashes or underscores.');
	END IF;
	IF EXISTS (SELECT 1 FROM org_units WHERE code = c
	    AND id IS DISTINCT FROM self) THEN
		PERFORM api_refuse('code_taken',
		    'Another unit already has this code.', '409');
	END IF;
END
$$;

-- POST /api/v1/units {"kind", "code", "name_vi", "name_km"?, "parent_id"}
CREATE FUNCTION api_unit_create(actor bigint, body jsonb, client text,
    request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	parent bigint := (body->>'parent_id')::bigint;
	new_id bigint;
	k unit_kind;
BEGIN
	IF body->>'kind' IS NULL OR body->>'code' IS NULL OR
	    body->>'name_vi' IS NULL THEN
		PERFORM api_refuse('missing_field',
		    'A unit needs kind, code and name_vi.');
	END IF;
	IF NOT (body->>'kind' = ANY (enum_range(NULL::unit_kind)::text[])) THEN
		PERFORM api_refuse('invalid_kind', 'Unknown unit kind.');
	END IF;
	k := (body->>'kind')::unit_kind;

	IF parent IS NULL THEN
		-- A new root: only an administrator of everything.
		IF NOT path_in_scope(actor, 'unit.write', ''::ltree) THEN
			PERFORM access_require('forbidden', 'organisation');
		END IF;
	ELSE
		PERFORM unit_may_place_under(actor, parent);
	END IF;
	PERFORM unit_check_code(body->>'code', NULL);

	INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
	VALUES (k, body->>'code', normalize(body->>'name_vi', NFC),
	    nullif(normalize(body->>'name_km', NFC), ''), parent)
	RETURNING id INTO new_id;

	PERFORM audit_write(actor, 'unit.create', 'unit:' || new_id, client,
	    request_id, NULL);
	RETURN unit_json(new_id);
END
$$;

-- PATCH /api/v1/units/{id} {"code"?, "name_vi"?, "name_km"?}
CREATE FUNCTION api_unit_update(actor bigint, unit bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM access_require(unit_access(actor, unit, 'unit.write'), 'unit');
	IF body ? 'code' THEN
		PERFORM unit_check_code(body->>'code', unit);
	END IF;
	IF body ? 'name_vi' AND coalesce(body->>'name_vi', '') = '' THEN
		PERFORM api_refuse('invalid_field', 'name_vi cannot be empty.');
	END IF;

	UPDATE org_units SET
		code = coalesce(body->>'code', code),
		name_vi = coalesce(normalize(body->>'name_vi', NFC), name_vi),
		name_km = CASE WHEN body ? 'name_km'
		    THEN nullif(normalize(body->>'name_km', NFC), '')
		    ELSE name_km END,
		updated_at = now()
	WHERE id = unit;

	PERFORM audit_write(actor, 'unit.update', 'unit:' || unit, client,
	    request_id, jsonb_build_object('fields',
	    (SELECT jsonb_agg(k) FROM jsonb_object_keys(body) AS k)));
	RETURN unit_json(unit);
END
$$;

-- POST /api/v1/units/{id}/move {"parent_id"}: the unit and everything
-- below it, in one statement (the triggers of 0002 rewrite the paths).
CREATE FUNCTION api_unit_move(actor bigint, unit bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	parent bigint := (body->>'parent_id')::bigint;
BEGIN
	IF parent IS NULL THEN
		PERFORM api_refuse('missing_field', 'Give the new parent_id.');
	END IF;
	PERFORM access_require(unit_access(actor, unit, 'unit.write'), 'unit');
	PERFORM unit_may_place_under(actor, parent);

	UPDATE org_units SET parent_id = parent, updated_at = now()
	WHERE id = unit;

	PERFORM audit_write(actor, 'unit.move', 'unit:' || unit, client,
	    request_id, jsonb_build_object('parent_id', parent));
	RETURN unit_json(unit);
END
$$;

-- A short form of a member for lists.
CREATE FUNCTION member_item(m members, c org_units) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', m.id, 'card_number', m.card_number,
	    'full_name', m.full_name, 'phone', m.phone, 'status', m.status,
	    'lang', m.lang, 'active', m.active,
	    'cell', json_build_object('id', c.id, 'code', c.code,
		'name_vi', c.name_vi, 'name_km', c.name_km))
$$;

-- GET /api/v1/members[?unit=ID][&q=TEXT]: members the actor may read
-- (themselves at least), under a unit if given, matching q against the
-- name without tone marks, the card number or the phone.
CREATE FUNCTION api_members_list(actor bigint, unit bigint, q text,
    lim integer, after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	scope ltree[] := actor_paths(actor, 'member.read');
	under ltree;
	items json;
	last_id bigint;
	n integer := api_limit(lim);
	folded text := lower(unaccent(normalize(coalesce(q, ''), NFC)));
BEGIN
	IF unit IS NOT NULL THEN
		PERFORM access_require(unit_access(actor, unit, 'unit.read'),
		    'unit');
		SELECT path INTO under FROM org_units WHERE id = unit;
	END IF;

	WITH page AS (
		SELECT m, c FROM members m JOIN org_units c ON c.id = m.cell_id
		WHERE (c.path <@ ANY (scope) OR m.id = actor)
		  AND (under IS NULL OR c.path <@ under)
		  AND (folded = '' OR
		       lower(unaccent(m.full_name)) LIKE '%' || folded || '%' OR
		       m.card_number = q OR m.phone = normalize_phone(q))
		  AND (after IS NULL OR m.id > after)
		ORDER BY m.id
		LIMIT n
	)
	SELECT coalesce(json_agg(member_item(page.m, page.c)
	    ORDER BY (page.m).id), '[]'), max((page.m).id), count(*)
	INTO items, last_id, n
	FROM page;

	RETURN json_build_object('items', items, 'next_cursor',
	    CASE WHEN n = api_limit(lim) THEN last_id::text END);
END
$$;

-- GET /api/v1/members/{id}
CREATE FUNCTION api_member_get(actor bigint, member bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM access_require(member_access(actor, member, 'member.read'),
	    'member');
	RETURN member_json(member);
END
$$;

-- Checks a cell the actor would put a member into.
CREATE FUNCTION member_may_place_in(actor bigint, cell bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c org_units;
BEGIN
	SELECT * INTO c FROM org_units WHERE id = cell;
	IF c.id IS NULL OR NOT unit_readable(actor, c.path) THEN
		PERFORM access_require('not_found', 'cell');
	END IF;
	IF c.kind <> 'cell' THEN
		PERFORM api_refuse('invalid_cell',
		    'A member belongs to a cell (chi bộ).');
	END IF;
	IF NOT path_in_scope(actor, 'member.write', c.path) THEN
		PERFORM access_require('forbidden', 'cell');
	END IF;
END
$$;

-- Checks and normalises the member fields of a body; raises on a bad one.
CREATE FUNCTION member_check_fields(body jsonb, self bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF body ? 'card_number' AND (body->>'card_number' IS NULL OR
	    body->>'card_number' !~ '^[0-9A-Za-z][0-9A-Za-z.-]{3,19}$') THEN
		PERFORM api_refuse('invalid_card_number', 'A party card number '
		    'has 4 to 20 letters, digits, dots or dashes.');
	END IF;
	IF body ? 'card_number' AND EXISTS (SELECT 1 FROM members
	    WHERE upper(card_number) = upper(body->>'card_number')
	    AND id IS DISTINCT FROM self) THEN
		PERFORM api_refuse('duplicate_card_number',
		    'Another member has this card number.', '409');
	END IF;
	IF body ? 'full_name' AND (body->>'full_name' IS NULL OR
	    length(btrim(body->>'full_name')) NOT BETWEEN 1 AND 120) THEN
		PERFORM api_refuse('invalid_field',
		    'full_name has 1 to 120 characters.');
	END IF;
	IF coalesce(body->>'phone', '') <> '' AND
	    normalize_phone(body->>'phone') IS NULL THEN
		PERFORM api_refuse('invalid_phone', 'This is not a phone number.');
	END IF;
	IF coalesce(body->>'phone', '') <> '' AND EXISTS (SELECT 1 FROM members
	    WHERE phone = normalize_phone(body->>'phone')
	    AND id IS DISTINCT FROM self) THEN
		PERFORM api_refuse('duplicate_phone',
		    'Another member has this phone number.', '409');
	END IF;
	IF body ? 'status' AND coalesce(body->>'status', '') NOT IN
	    ('official', 'probationary') THEN
		PERFORM api_refuse('invalid_field',
		    'status is official or probationary.');
	END IF;
	IF body ? 'lang' AND coalesce(body->>'lang', '') NOT IN ('vi', 'km') THEN
		PERFORM api_refuse('invalid_field', 'lang is vi or km.');
	END IF;
END
$$;

-- POST /api/v1/members {"card_number", "full_name", "cell_id", "phone"?,
-- "status"?, "lang"?}: an account without a password (see
-- PUT /api/v1/members/{id}/password).
CREATE FUNCTION api_member_create(actor bigint, body jsonb, client text,
    request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	new_id bigint;
BEGIN
	IF body->>'card_number' IS NULL OR body->>'full_name' IS NULL OR
	    body->>'cell_id' IS NULL THEN
		PERFORM api_refuse('missing_field',
		    'A member needs card_number, full_name and cell_id.');
	END IF;
	PERFORM member_may_place_in(actor, (body->>'cell_id')::bigint);
	PERFORM member_check_fields(body, NULL);

	INSERT INTO members (card_number, full_name, phone, cell_id, status,
	    lang)
	VALUES (body->>'card_number',
	    normalize(btrim(body->>'full_name'), NFC),
	    normalize_phone(nullif(body->>'phone', '')),
	    (body->>'cell_id')::bigint,
	    coalesce(body->>'status', 'official')::member_status,
	    coalesce(body->>'lang', 'vi'))
	RETURNING id INTO new_id;

	PERFORM audit_write(actor, 'member.create', 'member:' || new_id,
	    client, request_id, NULL);
	RETURN member_json(new_id);
END
$$;

-- PATCH /api/v1/members/{id} {"full_name"?, "phone"?, "cell_id"?,
-- "status"?, "lang"?, "active"?}. Disabling revokes every session.
CREATE FUNCTION api_member_update(actor bigint, member bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM access_require(member_access(actor, member, 'member.write'),
	    'member');
	IF body ? 'cell_id' THEN
		PERFORM member_may_place_in(actor, (body->>'cell_id')::bigint);
	END IF;
	IF body ? 'active' AND jsonb_typeof(body->'active') <> 'boolean' THEN
		PERFORM api_refuse('invalid_field', 'active is true or false.');
	END IF;
	PERFORM member_check_fields(body, member);

	UPDATE members SET
		card_number = coalesce(body->>'card_number', card_number),
		full_name = coalesce(normalize(btrim(body->>'full_name'), NFC),
		    full_name),
		phone = CASE WHEN body ? 'phone'
		    THEN normalize_phone(nullif(body->>'phone', ''))
		    ELSE phone END,
		cell_id = coalesce((body->>'cell_id')::bigint, cell_id),
		status = coalesce((body->>'status')::member_status, status),
		lang = coalesce(body->>'lang', lang),
		active = coalesce((body->>'active')::boolean, active),
		updated_at = now()
	WHERE id = member;

	IF (body->>'active')::boolean IS FALSE THEN
		UPDATE sessions SET revoked_at = now()
		WHERE member_id = member AND revoked_at IS NULL;
	END IF;

	PERFORM audit_write(actor, 'member.update', 'member:' || member,
	    client, request_id, jsonb_build_object('fields',
	    (SELECT jsonb_agg(k) FROM jsonb_object_keys(body) AS k)));
	RETURN member_json(member);
END
$$;

-- May actor grant role on unit? Administrators grant within their scope
-- (an administrator role only strictly below their own, or anywhere for an
-- administrator of everything); committees grant the other roles strictly
-- below their unit.
CREATE FUNCTION role_may_grant(actor bigint, r role_kind, unit bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN r = 'admin' THEN EXISTS (
			SELECT 1 FROM member_roles a
			LEFT JOIN org_units au ON au.id = a.unit_id
			JOIN members m ON m.id = a.member_id AND m.active
			WHERE a.member_id = actor AND a.role = 'admin' AND (
			    a.unit_id IS NULL OR (unit IS NOT NULL AND
			    (SELECT path FROM org_units WHERE id = unit) <@ au.path
			    AND unit <> a.unit_id)))
		WHEN unit IS NULL THEN false
		ELSE path_in_scope(actor, 'role.grant',
		    (SELECT path FROM org_units WHERE id = unit))
	END
$$;

-- PUT /api/v1/members/{id}/roles {"roles": [{"role", "unit_id"}, ...]}:
-- the member's roles become these, among those the actor may grant; roles
-- the actor could not grant are left as they are.
CREATE FUNCTION api_member_roles_set(actor bigint, member bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	item jsonb;
	r role_kind;
	u bigint;
BEGIN
	PERFORM access_require(member_access(actor, member, 'member.read'),
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

-- PUT /api/v1/members/{id}/password: an administrator or committee sets a
-- member's password (a new account, a forgotten password). The C code
-- hashed it; every session of the member is revoked.
CREATE FUNCTION api_member_password_set(actor bigint, member bigint,
    new_hash text, client text, request_id text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM access_require(member_access(actor, member, 'member.write'),
	    'member');
	UPDATE members SET password_hash = new_hash,
	    password_changed_at = now(), updated_at = now()
	WHERE id = member;
	UPDATE sessions SET revoked_at = now()
	WHERE member_id = member AND revoked_at IS NULL;
	PERFORM audit_write(actor, 'member.password_reset', 'member:' || member,
	    client, request_id, NULL);
END
$$;
