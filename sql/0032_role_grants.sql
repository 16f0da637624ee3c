-- Who may do what, as data: one table of grants (role, action) read by
-- one function, actor_scope(), instead of a list of grants written into
-- the body of each migration's own scope function.
--
-- Until now 0004 (actor_scope: units, members, roles), 0020 (study_scope:
-- study sessions), 0024 (essay_scope) and 0025 (quiz_scope) each carried
-- the same query with its own VALUES list, because replacing actor_scope()
-- to add a feature's actions would have silently dropped the actions that
-- another migration added the same way. With the grants in a table, a
-- feature adds its actions with an INSERT and replaces no function; the
-- rules stay where the README and the tables at the top of those files
-- say they are, and "which roles may review essays?" is one SELECT.
--
-- The rows below are those four lists, unchanged (tests/integration/
-- access_matrix.sh, study_sessions*.sh, essays*.sh and quizzes*.sh check
-- them through the API). study_scope(), essay_scope() and quiz_scope()
-- keep their names and signatures, since many functions call them, and
-- become views of actor_scope() for their actions. Action programmes
-- (0026) decide by role and unit depth in programme_scope(), which is not
-- a list of grants, and stay as they are.
--
-- strict: the grant covers the subtree strictly below the role's unit,
-- not the unit itself (a committee writes the units below its own).

CREATE TABLE role_grants (
	action		text NOT NULL,
	role		role_kind NOT NULL,
	strict		boolean NOT NULL DEFAULT false,
	PRIMARY KEY (action, role)
);

INSERT INTO role_grants (role, action, strict) VALUES
	('admin',			'unit.read',		false),
	('admin',			'unit.write',		false),
	('admin',			'member.read',		false),
	('admin',			'member.write',		false),
	('admin',			'role.grant',		false),
	('committee',		'unit.read',		false),
	('committee',		'unit.write',		true),
	('committee',		'member.read',		false),
	('committee',		'member.write',		false),
	('committee',		'role.grant',		true),
	('propaganda',		'unit.read',		false),
	('cell_secretary',	'unit.read',		false),
	('cell_secretary',	'member.read',		false),
	('cell_deputy',		'unit.read',		false),
	('cell_deputy',		'member.read',		false),
	('admin',			'study.schedule',	false),
	('committee',		'study.schedule',	false),
	('propaganda',		'study.schedule',	false),
	('cell_secretary',	'study.schedule',	false),
	('cell_deputy',		'study.schedule',	false),
	('admin',			'study.attendance',	false),
	('committee',		'study.attendance',	false),
	('cell_secretary',	'study.attendance',	false),
	('cell_deputy',		'study.attendance',	false),
	('admin',			'essay.read',		false),
	('committee',		'essay.read',		false),
	('cell_secretary',	'essay.read',		false),
	('cell_deputy',		'essay.read',		false),
	('committee',		'essay.review',		false),
	('cell_secretary',	'essay.review',		false),
	('cell_deputy',		'essay.review',		false),
	('admin',			'quiz.manage',		false),
	('committee',		'quiz.manage',		false),
	('propaganda',		'quiz.manage',		false),
	('admin',			'quiz.statistics',	false),
	('committee',		'quiz.statistics',	false),
	('propaganda',		'quiz.statistics',	false),
	('cell_secretary',	'quiz.statistics',	false),
	('cell_deputy',		'quiz.statistics',	false),
	('admin',			'quiz.results',		false),
	('committee',		'quiz.results',		false),
	('cell_secretary',	'quiz.results',		false),
	('cell_deputy',		'quiz.results',		false);

CREATE OR REPLACE FUNCTION actor_scope(actor bigint, action text)
RETURNS TABLE (path ltree, strict boolean)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(u.path, ''::ltree), g.strict
	FROM member_roles r
	JOIN members m ON m.id = r.member_id AND m.active
	LEFT JOIN org_units u ON u.id = r.unit_id
	JOIN role_grants g ON g.role = r.role AND g.action = actor_scope.action
	WHERE r.member_id = actor
$$;

CREATE OR REPLACE FUNCTION study_scope(actor bigint, action text)
RETURNS TABLE (path ltree)
LANGUAGE sql STABLE AS $$
	SELECT s.path FROM actor_scope(actor, action) s
$$;

CREATE OR REPLACE FUNCTION essay_scope(actor bigint, action text)
RETURNS TABLE (path ltree)
LANGUAGE sql STABLE AS $$
	SELECT s.path FROM actor_scope(actor, action) s
$$;

CREATE OR REPLACE FUNCTION quiz_scope(actor bigint, action text)
RETURNS TABLE (path ltree)
LANGUAGE sql STABLE AS $$
	SELECT s.path FROM actor_scope(actor, action) s
$$;
