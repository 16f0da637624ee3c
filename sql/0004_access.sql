-- Who may do what to which object: the one place that decides.
--
-- Every handler that touches a unit or a member calls unit_access() or
-- member_access() (or, for lists, filters with actor_paths()) inside the
-- same statement that reads or writes, so no handler can forget the check
-- and no race can slip between check and use. The rules:
--
--   role              reads units      reads members    writes units    writes members, roles
--   admin (no unit)   all              all              all             all
--   admin of U        U and below      U and below      U and below     U and below
--   committee of U    U and below      U and below      below U         U and below (roles: below U)
--   propaganda of U   U and below      -                -               -
--   secretary/deputy  their cell       their cell       -               -
--   everyone          own cell and     themselves       -               -
--                     its ancestors
--
-- An object the actor may not read answers "not_found" (its existence is
-- not revealed); one they may read but not change answers "forbidden".
-- Both raise with DETAIL 'access_denied', which kore-app/db.c writes to
-- the audit log.

-- The subtrees in which actor may do action. strict: only strictly below
-- the path, not the unit at the path itself.
CREATE FUNCTION actor_scope(actor bigint, action text)
RETURNS TABLE (path ltree, strict boolean)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(u.path, ''::ltree), g.strict
	FROM member_roles r
	JOIN members m ON m.id = r.member_id AND m.active
	LEFT JOIN org_units u ON u.id = r.unit_id
	JOIN (VALUES
		('admin'::role_kind,	'unit.read',	false),
		('admin',		'unit.write',	false),
		('admin',		'member.read',	false),
		('admin',		'member.write',	false),
		('admin',		'role.grant',	false),
		('committee',		'unit.read',	false),
		('committee',		'unit.write',	true),
		('committee',		'member.read',	false),
		('committee',		'member.write',	false),
		('committee',		'role.grant',	true),
		('propaganda',		'unit.read',	false),
		('cell_secretary',	'unit.read',	false),
		('cell_secretary',	'member.read',	false),
		('cell_deputy',		'unit.read',	false),
		('cell_deputy',		'member.read',	false)
	) AS g (role, action, strict) ON g.role = r.role
	WHERE r.member_id = actor AND g.action = actor_scope.action
$$;

-- The same as an array, for list queries: `u.path <@ ANY (actor_paths(...))`.
-- Strictness is left out: it only matters for writes, which go through
-- the *_access() functions.
CREATE FUNCTION actor_paths(actor bigint, action text) RETURNS ltree[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(path), '{}') FROM actor_scope(actor, action)
$$;

CREATE FUNCTION path_in_scope(actor bigint, action text, p ltree)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM actor_scope(actor, action) s
	    WHERE p <@ s.path AND NOT (s.strict AND p = s.path))
$$;

CREATE FUNCTION actor_cell_path(actor bigint) RETURNS ltree
LANGUAGE sql STABLE AS $$
	SELECT u.path FROM members m JOIN org_units u ON u.id = m.cell_id
	WHERE m.id = actor AND m.active
$$;

-- 'ok', 'forbidden' or 'not_found' for action ('unit.read', 'unit.write')
-- on a unit.
CREATE FUNCTION unit_access(actor bigint, unit bigint, action text)
RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN p IS NULL THEN 'not_found'
		WHEN NOT (path_in_scope(actor, 'unit.read', p) OR
		    p @> actor_cell_path(actor)) THEN 'not_found'
		WHEN action = 'unit.read' THEN 'ok'
		WHEN path_in_scope(actor, action, p) THEN 'ok'
		ELSE 'forbidden'
	END
	FROM (SELECT (SELECT path FROM org_units WHERE id = unit) AS p) AS x
$$;

-- The same for a member ('member.read', 'member.write', 'role.grant'),
-- judged by the path of the member's cell.
CREATE FUNCTION member_access(actor bigint, member bigint, action text)
RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN p IS NULL THEN 'not_found'
		WHEN NOT (path_in_scope(actor, 'member.read', p) OR
		    member = actor) THEN 'not_found'
		WHEN action = 'member.read' THEN 'ok'
		WHEN path_in_scope(actor, action, p) THEN 'ok'
		ELSE 'forbidden'
	END
	FROM (SELECT (SELECT u.path FROM members m
	    JOIN org_units u ON u.id = m.cell_id WHERE m.id = member) AS p) AS x
$$;

-- Raises the API's 404 or 403 unless verdict is 'ok'.
CREATE FUNCTION access_require(verdict text, what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF verdict = 'not_found' THEN
		RAISE EXCEPTION 'No such %.', what
		    USING ERRCODE = 'HB404', HINT = 'not_found',
		    DETAIL = 'access_denied';
	ELSIF verdict <> 'ok' THEN
		RAISE EXCEPTION 'You may not do this to this %.', what
		    USING ERRCODE = 'HB403', HINT = 'forbidden',
		    DETAIL = 'access_denied';
	END IF;
END
$$;

-- A unit as the API shows it, with the chain of its ancestors.
CREATE FUNCTION unit_json(unit bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', u.id, 'kind', u.kind, 'code', u.code,
		'name_vi', u.name_vi, 'name_km', u.name_km,
		'parent_id', u.parent_id, 'depth', nlevel(u.path),
		'ancestors', (SELECT coalesce(json_agg(json_build_object(
			'id', a.id, 'kind', a.kind, 'code', a.code,
			'name_vi', a.name_vi, 'name_km', a.name_km)
			ORDER BY nlevel(a.path)), '[]')
		    FROM org_units a WHERE a.path @> u.path AND a.id <> u.id),
		'updated_at', u.updated_at)
	FROM org_units u WHERE u.id = unit
$$;

-- A member as the API shows it: their cell, the path of units above it,
-- and their roles (the implied "member" of their own cell first).
CREATE FUNCTION member_json(member bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', m.id, 'card_number', m.card_number,
		'full_name', m.full_name, 'phone', m.phone,
		'status', m.status, 'lang', m.lang, 'active', m.active,
		'has_password', m.password_hash IS NOT NULL,
		'cell', json_build_object('id', c.id, 'code', c.code,
		    'name_vi', c.name_vi, 'name_km', c.name_km),
		'unit_path', (SELECT json_agg(json_build_object(
			'id', a.id, 'kind', a.kind, 'code', a.code,
			'name_vi', a.name_vi, 'name_km', a.name_km)
			ORDER BY nlevel(a.path))
		    FROM org_units a WHERE a.path @> c.path),
		'roles', (SELECT json_agg(json_build_object('role', r.role,
			'unit_id', r.unit_id) ORDER BY r.ord, r.unit_id)
		    FROM (SELECT 0 AS ord, 'member' AS role, c.id AS unit_id
			UNION ALL
			SELECT 1, mr.role::text, mr.unit_id
			FROM member_roles mr WHERE mr.member_id = m.id) AS r),
		'updated_at', m.updated_at)
	FROM members m JOIN org_units c ON c.id = m.cell_id
	WHERE m.id = member
$$;
