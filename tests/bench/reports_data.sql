-- Data for tests/bench/reports.sh, generated inside PostgreSQL.
--
--   psql -v part=province -v doc=ID -v events=N -f reports_data.sql
--       the raw records of the benchmark province (BENCH-P, made first by
--       scripts/demo-data --scale province: ~5,000 cells, ~120,000
--       members): N reading events in read_events (default 20 million)
--       spread over its members and the published documents; progress as
--       those events would leave it (document doc read by 90% of the
--       members over 20 days, 60% to the end; the others by 30%); a
--       province-wide study session on doc (80% present, the rest absent)
--       and its make-up at each grassroots unit; a cell meeting per cell
--       that discussed doc (70% present). The report triggers are off
--       while it runs (report_rebuild's flag) and report_rebuild() then
--       computes the rollups from these records, timed.
--
--   psql -v part=country -v doc=ID -f reports_data.sql
--       a scaled simulation of the country: the real tree of units
--       (BENCH-R: 63 provinces x 12 districts x 17 grassroots x 20 cells,
--       257,040 cells, 5 levels) and the rollup rows a country's records
--       would leave for one document (members per cell, ~22; readers,
--       completers and the channels per cell; new readers per cell and
--       day over 30 days; and their zone rows), without the 5.6 million
--       members and 200 million events themselves: a report reads rollup
--       rows only, never raw records, so its time depends on these rows.
--       The row counts are printed.
--
-- Both replace what an earlier run made. Deterministic where it matters
-- (setseed).

\set ON_ERROR_STOP on
\timing on
SELECT setseed(0.7);

\if :{?events}
\else
\set events 20000000
\endif

SELECT :'part' = 'province' AS is_province \gset

\if :is_province

SELECT set_config('handbook.report_rebuild', 'on', false);

CREATE TEMP TABLE bm AS
SELECT row_number() OVER (ORDER BY m.id) AS n, m.id, m.cell_id
FROM members m JOIN org_units c ON c.id = m.cell_id
WHERE c.path <@ (SELECT path FROM org_units WHERE code = 'BENCH-P');
CREATE UNIQUE INDEX ON bm (n);
ANALYZE bm;
SELECT count(*) AS province_members FROM bm \gset

-- Earlier runs' records of these members.
DELETE FROM progress WHERE member_id IN (SELECT id FROM bm);
DELETE FROM study_sessions WHERE title = 'Hội nghị quán triệt (benchmark)';
DELETE FROM cell_meetings WHERE topic = 'Sinh hoạt chuyên đề (benchmark)';
TRUNCATE read_events;

\echo generating :events reading events
INSERT INTO read_events (id, member_id, document_id, received_at, occurred_at,
    version, seconds, kind, section, time_trusted, lang)
SELECT gen_random_uuid(), bm.id, d.ids[1 + (g % array_length(d.ids, 1))],
    t, t, 1, 30, CASE WHEN g % 7 = 0 THEN 'opened' ELSE 'section_read'
	END::read_event_kind,
    CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + g % 5 END, true, 'vi'
FROM generate_series(1, :events) g
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM documents
    WHERE state = 'published') d
JOIN bm ON bm.n = 1 + (g % :province_members)
CROSS JOIN LATERAL (SELECT now() - (g % 20) * interval '1 day' AS t) x;

\echo progress
INSERT INTO progress (member_id, document_id, first_opened_at,
    last_activity_at, last_received_at, completed_at, version, events)
SELECT bm.id, d.id, t, t, t,
    CASE WHEN random() < CASE WHEN d.id = :doc THEN 0.67 ELSE 0.5 END
	THEN t + interval '2 hours' END, 1, 10
FROM bm CROSS JOIN (SELECT id FROM documents WHERE state = 'published') d
CROSS JOIN LATERAL (SELECT now() - random() * interval '20 days'
    + bm.n * interval '0' AS t) x
-- (bm.n in the condition keeps it per row: alone it would be pushed down
-- to the scan of documents and drawn once per document.)
WHERE random() + bm.n * 0 < CASE WHEN d.id = :doc THEN 0.9 ELSE 0.3 END;

ANALYZE progress;
\echo a province-wide session, make-ups, meetings
INSERT INTO study_sessions (unit_id, title, mode, starts_at, ends_at)
SELECT id, 'Hội nghị quán triệt (benchmark)', 'online',
    now() - interval '10 days', now() - interval '10 days' + interval '3 hours'
FROM org_units WHERE code = 'BENCH-P';
INSERT INTO study_session_documents
SELECT id, :doc, 1 FROM study_sessions
WHERE title = 'Hội nghị quán triệt (benchmark)' AND makeup_of IS NULL;
INSERT INTO study_attendance (session_id, member_id, status, reason, cell_id)
SELECT s.id, bm.id, x.st, CASE WHEN x.st = 'absent'
    THEN 'Vắng (benchmark)' END, bm.cell_id
FROM bm CROSS JOIN LATERAL (SELECT (CASE WHEN random() < 0.8 THEN 'present'
    ELSE 'absent' END)::study_attendance_status AS st, bm.n * 0 AS z) x,
    study_sessions s
WHERE s.title = 'Hội nghị quán triệt (benchmark)' AND s.makeup_of IS NULL;
ANALYZE study_attendance, study_sessions;
INSERT INTO study_sessions (unit_id, title, mode, starts_at, ends_at, makeup_of)
SELECT g.id, 'Hội nghị quán triệt (benchmark)', 'in_person',
    now() - interval '3 days', now() - interval '3 days' + interval '2 hours', s.id
FROM org_units g, study_sessions s
WHERE g.kind = 'grassroots' AND g.path <@ (SELECT path FROM org_units
    WHERE code = 'BENCH-P')
  AND s.title = 'Hội nghị quán triệt (benchmark)' AND s.makeup_of IS NULL;
INSERT INTO study_attendance (session_id, member_id, status, reason, cell_id)
SELECT k.id, a.member_id, 'present', NULL, a.cell_id
FROM study_attendance a
JOIN study_sessions s ON s.id = a.session_id AND s.makeup_of IS NULL
    AND s.title = 'Hội nghị quán triệt (benchmark)'
JOIN org_units c ON c.id = a.cell_id
-- The make-up of the cell's grassroots unit (its parent in this tree); by
-- id, not by path: a planner fooled by fresh tables otherwise tries every
-- line against every make-up.
JOIN study_sessions k ON k.makeup_of = s.id AND k.unit_id = c.parent_id
WHERE a.status = 'absent' AND random() + a.member_id * 0 < 0.6;
INSERT INTO cell_meetings (cell_id, held_on, topic, client_id, create_hash)
SELECT c.id, current_date - 5, 'Sinh hoạt chuyên đề (benchmark)',
    gen_random_uuid(), '\x00'
FROM org_units c WHERE c.kind = 'cell'
  AND c.path <@ (SELECT path FROM org_units WHERE code = 'BENCH-P');
INSERT INTO cell_meeting_documents
SELECT id, :doc, 1 FROM cell_meetings
WHERE topic = 'Sinh hoạt chuyên đề (benchmark)';
INSERT INTO cell_meeting_attendance (meeting_id, member_id, present)
SELECT mt.id, bm.id, random() < 0.7
FROM cell_meetings mt JOIN bm ON bm.cell_id = mt.cell_id
WHERE mt.topic = 'Sinh hoạt chuyên đề (benchmark)';

SELECT set_config('handbook.report_rebuild', 'off', false);
\echo report_rebuild()
SELECT report_rebuild();
ANALYZE;

SELECT (SELECT count(*) FROM read_events) AS read_events,
    (SELECT count(*) FROM progress) AS progress,
    (SELECT count(*) FROM study_attendance) AS attendance_lines,
    (SELECT count(*) FROM cell_meeting_attendance) AS meeting_lines,
    (SELECT count(*) FROM report_reach) AS reach_rows,
    (SELECT count(*) FROM report_cell) AS cell_rows,
    (SELECT count(*) FROM report_cell_day) AS cell_day_rows,
    (SELECT count(*) FROM report_zone) AS zone_rows,
    (SELECT count(*) FROM report_zone_day) AS zone_day_rows;

\else

-- The country tree, level by level (the triggers compute the paths).
DELETE FROM report_members_cell WHERE cell_id IN (SELECT id FROM org_units
    WHERE code LIKE 'BENCH-R%');
DELETE FROM org_units WHERE code LIKE 'BENCH-R%';
\echo units
INSERT INTO org_units (kind, code, name_vi, name_km)
VALUES ('central', 'BENCH-R', 'Trung ương (mô phỏng)', 'មជ្ឈិម (ការក្លែងធ្វើ)');
INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT 'province', 'BENCH-R' || p, 'Tỉnh mô phỏng ' || p, 'ខេត្ត ' || p,
    (SELECT id FROM org_units WHERE code = 'BENCH-R')
FROM generate_series(1, 63) p;
INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT 'district', u.code || '-' || d, 'Huyện mô phỏng ' || d, 'ស្រុក ' || d, u.id
FROM org_units u, generate_series(1, 12) d
WHERE u.parent_id = (SELECT id FROM org_units WHERE code = 'BENCH-R');
INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT 'grassroots', u.code || '-' || g, 'Xã mô phỏng ' || g, 'ឃុំ ' || g, u.id
FROM org_units u, generate_series(1, 17) g
WHERE u.kind = 'district' AND u.code LIKE 'BENCH-R%';
INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT 'cell', u.code || '-' || c, 'Chi bộ mô phỏng ' || c, 'សាខា ' || c, u.id
FROM org_units u, generate_series(1, 20) c
WHERE u.kind = 'grassroots' AND u.code LIKE 'BENCH-R%';

\echo rollup rows at full scale
CREATE TEMP TABLE rc AS
SELECT c.id AS cell_id, report_zone_of(c.path) AS zone_id,
    18 + (random() * 9)::int AS members
FROM org_units c WHERE c.kind = 'cell' AND c.code LIKE 'BENCH-R%';
INSERT INTO report_members_cell (cell_id, zone_id, members)
SELECT cell_id, zone_id, members FROM rc;
INSERT INTO report_members_zone AS z (zone_id, members)
SELECT zone_id, sum(members) FROM rc GROUP BY zone_id
ON CONFLICT (zone_id) DO UPDATE SET members = excluded.members;
DELETE FROM report_cell WHERE document_id = :doc
  AND cell_id IN (SELECT cell_id FROM rc);
INSERT INTO report_cell (document_id, cell_id, zone_id, readers, completers,
    attended, at_meeting, reached)
SELECT :doc, cell_id, zone_id, r, (r * 0.7)::int, (members * 0.8)::int,
    (members * 0.6)::int, greatest(r, (members * 0.8)::int)
FROM rc CROSS JOIN LATERAL (SELECT (members * (0.75 + random() * 0.25))::int
    + cell_id * 0 AS r) x;
DELETE FROM report_cell_day WHERE document_id = :doc
  AND cell_id IN (SELECT cell_id FROM rc);
-- Each cell's readers arrive on 8 of the 30 days.
INSERT INTO report_cell_day (document_id, cell_id, day, zone_id, readers,
    completers)
SELECT :doc, k.cell_id, current_date - ((k.cell_id + d * 3) % 30)::integer, k.zone_id,
    greatest(k.readers / 8, 1), greatest(k.completers / 8, 0)
FROM report_cell k, generate_series(1, 8) d
WHERE k.document_id = :doc AND k.cell_id IN (SELECT cell_id FROM rc)
ON CONFLICT DO NOTHING;
INSERT INTO report_zone AS z (document_id, zone_id, readers, completers,
    attended, at_meeting, reached)
SELECT document_id, zone_id, sum(readers), sum(completers), sum(attended),
    sum(at_meeting), sum(reached)
FROM report_cell WHERE document_id = :doc AND cell_id IN (SELECT cell_id FROM rc)
GROUP BY document_id, zone_id
ON CONFLICT (document_id, zone_id) DO UPDATE SET readers = excluded.readers,
    completers = excluded.completers, attended = excluded.attended,
    at_meeting = excluded.at_meeting, reached = excluded.reached;
INSERT INTO report_zone_day AS z (document_id, zone_id, day, readers,
    completers)
SELECT document_id, zone_id, day, sum(readers), sum(completers)
FROM report_cell_day WHERE document_id = :doc
  AND cell_id IN (SELECT cell_id FROM rc)
GROUP BY document_id, zone_id, day
ON CONFLICT (document_id, zone_id, day) DO UPDATE SET
    readers = excluded.readers, completers = excluded.completers;
ANALYZE;

SELECT (SELECT count(*) FROM rc) AS cells,
    (SELECT sum(members) FROM rc) AS members,
    (SELECT count(*) FROM report_cell WHERE document_id = :doc) AS cell_rows,
    (SELECT count(*) FROM report_cell_day WHERE document_id = :doc) AS cell_day_rows,
    (SELECT count(*) FROM report_zone WHERE document_id = :doc) AS zone_rows,
    (SELECT count(*) FROM report_zone_day WHERE document_id = :doc) AS zone_day_rows;

\endif
