#!/bin/bash
# Benchmark: the SQL behind the action programme endpoints on the
# benchmark province (make demo-data SCALE=province: about 5,000 cells and
# 120,000 members) with one programme per cell, 8 tasks each (about
# 40,000), a version and two progress notes per task. Each API function
# is called 30 times on one connection (as a Kore worker holds one) and
# its median and p95 are printed, for a province administrator, a
# district committee member, a cell secretary and a member.
#
#   tests/bench/programmes.sh
#
# It starts a stack of its own (scripts/stack, temporary folder, free
# ports, 127.0.0.1 only) and stops it by PID at the end. Not part of
# `make test`: figures are measured, not asserted.
set -eu

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
. "$HB_REPO/scripts/lib.sh"
HB_PROG=bench
. "$HB_REPO/tests/bench/lib.sh"

trap bench_stack_down EXIT
bench_stack_up

say "generating the benchmark province"
HANDBOOK_DATABASE_URL= "$HB_REPO/scripts/demo-data" --scale province >"$VAR/demo.log" 2>&1 ||
	{ tail -n 20 "$VAR/demo.log"; exit 1; }

say "generating programmes, tasks and progress notes"
t0=$(date +%s)
psql_app >"$VAR/gen.log" 2>&1 <<'SQL' || { tail -n 20 "$VAR/gen.log"; exit 1; }
\set ON_ERROR_STOP 1
BEGIN;
CREATE TEMP TABLE bench_doc AS
	SELECT id FROM documents WHERE state = 'published' AND unit_id IS NULL
	ORDER BY id LIMIT 1;
INSERT INTO action_programmes (unit_id, document_id, title, targets,
    client_id, created_by, create_hash)
SELECT c.id, (SELECT id FROM bench_doc),
    'Chương trình hành động thực hiện nghị quyết — ' || c.code,
    '[{"text": "100% đảng viên được học tập nghị quyết", "target_value": 100, "measure": "%"}]',
    gen_random_uuid(), NULL, '\x00'
FROM org_units c WHERE c.kind = 'cell' AND c.code LIKE 'BENCH-P%';
INSERT INTO programme_tasks (programme_id, title, assignee_id, deadline,
    status, completed_at, client_id, created_by, create_hash)
SELECT p.id, 'Nhiệm vụ số ' || g || ': tuyên truyền nghị quyết đến từng hộ',
    (SELECT m.id FROM members m WHERE m.cell_id = p.unit_id ORDER BY m.id
	OFFSET g % 4 LIMIT 1),
    current_date + (g * 9 - 30),
    (ARRAY['not_started', 'in_progress', 'done', 'cancelled'])[1 + g % 4]::task_status,
    CASE WHEN g % 4 = 2 THEN now() END,
    gen_random_uuid(), NULL, '\x00'
FROM action_programmes p, generate_series(1, 8) AS g;
INSERT INTO programme_task_versions (task_id, version, record, request_hash)
SELECT t.id, 1, task_record(t), '\x00' FROM programme_tasks t;
INSERT INTO task_progress_notes (task_id, author_id, content, task_status,
    client_id, create_hash)
SELECT t.id, t.assignee_id, 'Đã tổ chức ' || n || ' buổi tuyên truyền tại ấp.',
    t.status, gen_random_uuid(), '\x00'
FROM programme_tasks t, generate_series(1, 2) AS n;
COMMIT;
VACUUM ANALYZE action_programmes, programme_tasks, programme_task_versions,
    task_progress_notes;
SQL
say "generated in $(($(date +%s) - t0)) s: $(psql_app -At -c "SELECT (SELECT count(*) FROM action_programmes) || ' programmes, ' || (SELECT count(*) FROM programme_tasks) || ' tasks, ' || (SELECT count(*) FROM task_progress_notes) || ' progress notes'")"

# The actors: members of the benchmark data given roles here.
psql_app >"$VAR/actors.log" 2>&1 <<'SQL' || { tail -n 20 "$VAR/actors.log"; exit 1; }
\set ON_ERROR_STOP 1
CREATE TABLE bench_actors AS
WITH p AS (SELECT id, path FROM org_units WHERE code = 'BENCH-P'),
d AS (SELECT u.id, u.path FROM org_units u, p WHERE u.parent_id = p.id
	AND u.kind = 'district' ORDER BY u.id LIMIT 1),
c AS (SELECT u.id FROM org_units u, d WHERE u.path <@ d.path
	AND u.kind = 'cell' ORDER BY u.id LIMIT 1)
SELECT 'admin' AS who, (SELECT m.id FROM members m, c WHERE m.cell_id = c.id ORDER BY m.id LIMIT 1 OFFSET 5) AS member_id, (SELECT id FROM p) AS unit_id
UNION ALL SELECT 'committee', (SELECT m.id FROM members m, c WHERE m.cell_id = c.id ORDER BY m.id LIMIT 1 OFFSET 6), (SELECT id FROM d)
UNION ALL SELECT 'secretary', (SELECT m.id FROM members m, c WHERE m.cell_id = c.id ORDER BY m.id LIMIT 1 OFFSET 7), (SELECT id FROM c)
UNION ALL SELECT 'member', (SELECT m.id FROM members m, c WHERE m.cell_id = c.id ORDER BY m.id LIMIT 1 OFFSET 1), (SELECT id FROM c);
INSERT INTO member_roles (member_id, role, unit_id)
SELECT member_id, (CASE who WHEN 'secretary' THEN 'cell_secretary' ELSE who END)::role_kind, unit_id
FROM bench_actors WHERE who <> 'member'
ON CONFLICT DO NOTHING;
SQL

psql_app <<'SQL'
\set ON_ERROR_STOP 1
-- Median and p95 of n calls of q (in ms), on this one connection.
CREATE FUNCTION pg_temp.bench(label text, q text, n integer DEFAULT 30)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	ms double precision[] := '{}';
	i integer;
BEGIN
	EXECUTE q;	-- warm
	FOR i IN 1..n LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		ms := ms || extract(epoch FROM clock_timestamp() - t0) * 1000;
	END LOOP;
	RETURN format('%-58s median %6s ms  p95 %6s ms', label,
	    round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(ms) x)::numeric, 2),
	    round((SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY x) FROM unnest(ms) x)::numeric, 2));
END
$$;
\pset tuples_only on
\pset format unaligned
SELECT '# ' || who || ': member ' || member_id FROM bench_actors ORDER BY who;
-- The actors' ids as settings for the queries below; their answers unprinted.
\o /dev/null
SELECT set_config('bench.admin', (SELECT member_id FROM bench_actors WHERE who = 'admin')::text, false) IS NULL;
SELECT set_config('bench.committee', (SELECT member_id FROM bench_actors WHERE who = 'committee')::text, false) IS NULL;
SELECT set_config('bench.secretary', (SELECT member_id FROM bench_actors WHERE who = 'secretary')::text, false) IS NULL;
SELECT set_config('bench.member', (SELECT member_id FROM bench_actors WHERE who = 'member')::text, false) IS NULL;
SELECT set_config('bench.cellprog', (SELECT p.id FROM action_programmes p JOIN bench_actors a ON a.unit_id = p.unit_id AND a.who = 'secretary')::text, false) IS NULL;
SELECT set_config('bench.task', (SELECT t.id FROM programme_tasks t WHERE t.programme_id = current_setting('bench.cellprog')::bigint ORDER BY t.id LIMIT 1)::text, false) IS NULL;
\o
SELECT pg_temp.bench('list, province administrator, first page of 50',
    format('SELECT api_programmes_list(%s, NULL, NULL, NULL, NULL)', current_setting('bench.admin')));
SELECT pg_temp.bench('list, province administrator, page from the middle',
    format('SELECT api_programmes_list(%s, NULL, NULL, NULL, %s)', current_setting('bench.admin'),
    (SELECT id FROM action_programmes ORDER BY id OFFSET 2500 LIMIT 1)));
SELECT pg_temp.bench('list, district committee member, first page',
    format('SELECT api_programmes_list(%s, NULL, NULL, NULL, NULL)', current_setting('bench.committee')));
SELECT pg_temp.bench('list, member of a cell (one programme)',
    format('SELECT api_programmes_list(%s, NULL, NULL, NULL, NULL)', current_setting('bench.member')));
SELECT pg_temp.bench('get a cell programme, secretary',
    format('SELECT api_programme_get(%s, %s)', current_setting('bench.secretary'), current_setting('bench.cellprog')));
SELECT pg_temp.bench('get a cell programme, province administrator',
    format('SELECT api_programme_get(%s, %s)', current_setting('bench.admin'), current_setting('bench.cellprog')));
SELECT pg_temp.bench('tasks of a programme, member',
    format('SELECT api_programme_tasks(%s, %s, NULL, NULL, NULL)', current_setting('bench.member'), current_setting('bench.cellprog')));
SELECT pg_temp.bench('/me/tasks, member',
    format('SELECT api_my_tasks(%s, NULL, NULL, NULL)', current_setting('bench.member')));
SELECT pg_temp.bench('task history, member',
    format('SELECT api_task_history(%s, %s, NULL, NULL)', current_setting('bench.member'), current_setting('bench.task')));
SELECT pg_temp.bench('progress notes of a task, member',
    format('SELECT api_task_notes(%s, %s, NULL, NULL)', current_setting('bench.member'), current_setting('bench.task')));
-- Writes: each call a new task, a status change and a note, committed.
SELECT pg_temp.bench('create a task, secretary',
    format('SELECT api_task_create(%s, %s, jsonb_build_object(''client_id'', gen_random_uuid(), ''title'', ''Nhiệm vụ mới'', ''assignee_id'', %s, ''deadline'', (current_date + 30)::text), NULL, NULL)',
    current_setting('bench.secretary'), current_setting('bench.cellprog'), current_setting('bench.member')));
SELECT pg_temp.bench('change a task''s deadline, secretary',
    format('SELECT api_task_update(%s, %s, jsonb_build_object(''version'', (SELECT version FROM programme_tasks WHERE id = %s), ''deadline'', (current_date + (random() * 300)::int)::text), NULL, NULL)',
    current_setting('bench.secretary'), current_setting('bench.task'), current_setting('bench.task')));
SELECT pg_temp.bench('add a progress note, secretary',
    format('SELECT api_task_note_create(%s, %s, jsonb_build_object(''client_id'', gen_random_uuid(), ''text'', ''Đã họp tổ, phân công cụ thể.''), NULL, NULL)',
    current_setting('bench.secretary'), current_setting('bench.task')));
SQL
