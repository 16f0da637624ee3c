-- The engagement report and report targets: GET /api/v1/reports/engagement
-- and PUT /api/v1/units/{id}/report-target (kore-app/reports.c; the CSV
-- and XLSX forms are made from this JSON by kore-app/report_export.c).
--
-- Who sees what: a report on unit U is for those whose unit.read scope
-- covers U (administrators, committees and propaganda officers of U or
-- above; a cell's secretary and deputy for their cell). Lines are numbers
-- only. At cell level those who read the cell's members (secretary,
-- deputy, committees and administrators above; not propaganda officers,
-- who read no members) also get the member list with each member's
-- status: the make-up list. Notes never appear, not even as counts.
--
-- A document report's figures are current (as of the request); from and
-- to bound the series of days only. The rates' denominator is the active
-- members under each unit now. A session report counts the session's
-- roster (study_session_states(), the one definition of a member's state)
-- under each unit.

-- The target of a unit: its own, else the nearest set above it, else 95%.
CREATE OR REPLACE FUNCTION report_target_of(p ltree) RETURNS numeric
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT t.target FROM report_targets t
	    JOIN org_units a ON a.id = t.unit_id
	    WHERE a.path @> p ORDER BY nlevel(a.path) DESC LIMIT 1), 0.95)
$$;

CREATE OR REPLACE FUNCTION report_rate(num bigint, den bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN den > 0 THEN round(num::numeric / den, 4) END
$$;

-- The ids of the units on p's path down to depth 3: the zones a cell
-- under p can belong to without its zone being strictly below p.
CREATE OR REPLACE FUNCTION report_upper_ids(p ltree) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT array_agg(x::bigint) FROM unnest(string_to_array(
	    subpath(p, 0, least(nlevel(p), report_zone_level()))::text, '.')) x
$$;

-- A document's figures per child unit of the unit at p (the unit itself
-- when it is a cell): zone rows for zones strictly below p, cell rows for
-- the cells under p whose zone is not (see 0027). The zone ids are written
-- as report_upper_ids(p), not read from the CTE, so that the planner sees
-- a constant array and uses the (document_id, zone_id) indexes.
CREATE OR REPLACE FUNCTION report_document_lines(p ltree, doc bigint)
RETURNS TABLE (grp bigint, members bigint, readers bigint,
    completers bigint, attended bigint, at_meeting bigint, reached bigint)
LANGUAGE sql STABLE AS $$
	WITH b AS (
		SELECT nlevel(p) AS lvl, report_upper_ids(p) AS ups,
		    subpath(p, nlevel(p) - 1, 1)::text::bigint AS self
	), counts AS (
		SELECT subpath(z.path, b.lvl, 1)::text::bigint AS g, 0::bigint AS m,
		    k.readers, k.completers, k.attended, k.at_meeting, k.reached
		FROM b, report_zone k JOIN org_units z ON z.id = k.zone_id
		WHERE b.lvl < report_zone_level() AND k.document_id = doc
		  AND z.path <@ p AND z.path <> p
		UNION ALL
		SELECT CASE WHEN c.path = p THEN b.self
		    ELSE subpath(c.path, b.lvl, 1)::text::bigint END, 0,
		    k.readers, k.completers, k.attended, k.at_meeting, k.reached
		FROM b, report_cell k JOIN org_units c ON c.id = k.cell_id
		WHERE k.document_id = doc AND k.zone_id = ANY (report_upper_ids(p))
		  AND c.path <@ p
		UNION ALL
		SELECT subpath(z.path, b.lvl, 1)::text::bigint, k.members,
		    0, 0, 0, 0, 0
		FROM b, report_members_zone k JOIN org_units z ON z.id = k.zone_id
		WHERE b.lvl < report_zone_level() AND z.path <@ p AND z.path <> p
		UNION ALL
		SELECT CASE WHEN c.path = p THEN b.self
		    ELSE subpath(c.path, b.lvl, 1)::text::bigint END, k.members,
		    0, 0, 0, 0, 0
		FROM b, report_members_cell k JOIN org_units c ON c.id = k.cell_id
		WHERE k.zone_id = ANY (report_upper_ids(p)) AND c.path <@ p
	)
	SELECT g, sum(m)::bigint, sum(readers)::bigint, sum(completers)::bigint,
	    sum(attended)::bigint, sum(at_meeting)::bigint, sum(reached)::bigint
	FROM counts GROUP BY g
$$;

-- New readers and completers per day under the unit at p.
CREATE OR REPLACE FUNCTION report_document_days(p ltree, doc bigint)
RETURNS TABLE (day date, readers bigint, completers bigint)
LANGUAGE sql STABLE AS $$
	WITH b AS (
		SELECT nlevel(p) AS lvl, report_upper_ids(p) AS ups
	), rows AS (
		SELECT k.day, k.readers, k.completers
		FROM b, report_zone_day k JOIN org_units z ON z.id = k.zone_id
		WHERE b.lvl < report_zone_level() AND k.document_id = doc
		  AND z.path <@ p AND z.path <> p
		UNION ALL
		SELECT k.day, k.readers, k.completers
		FROM b, report_cell_day k JOIN org_units c ON c.id = k.cell_id
		WHERE k.document_id = doc AND k.zone_id = ANY (report_upper_ids(p))
		  AND c.path <@ p
	)
	SELECT day, sum(readers)::bigint, sum(completers)::bigint
	FROM rows GROUP BY day
$$;

-- A line of the report as JSON: the unit, its figures, its target.
CREATE OR REPLACE FUNCTION report_line_json(u org_units, f jsonb, rate numeric)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', u.id, 'kind', u.kind, 'code', u.code,
	    'name_vi', u.name_vi, 'name_km', u.name_km) || f ||
	    jsonb_build_object('target', t.target,
		'target_met', CASE WHEN rate IS NOT NULL THEN rate >= t.target END)
	FROM (SELECT report_target_of(u.path) AS target) t
$$;

CREATE OR REPLACE FUNCTION report_document_figures(m bigint, r bigint, c bigint,
    a bigint, mt bigint, x bigint) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('members', m, 'readers', r, 'completers', c,
	    'attended', a, 'at_meeting', mt, 'reached', x,
	    'reading_rate', report_rate(r, m),
	    'completion_rate', report_rate(c, m),
	    'attendance_rate', report_rate(a, m),
	    'reach_rate', report_rate(x, m))
$$;

CREATE OR REPLACE FUNCTION report_session_figures(m bigint, pr bigint, mu bigint,
    ab bigint, un bigint) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('members', m, 'present', pr, 'made_up', mu,
	    'absent', ab, 'unrecorded', un, 'attended', pr + mu,
	    'attendance_rate', report_rate(pr + mu, m))
$$;

-- GET /api/v1/reports/engagement?unit=&document=|session=&from=&to=.
CREATE OR REPLACE FUNCTION api_report_engagement(actor bigint, unit bigint, doc bigint,
    sid bigint, from_text text, to_text text, want text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	u org_units;
	d documents;
	from_day date;
	to_day date;
	first_day date;
	lines jsonb;
	total jsonb;
	series jsonb;
	channels jsonb;
	people jsonb;
	subject jsonb;
	total_rate numeric;
BEGIN
	IF unit IS NULL THEN
		PERFORM api_refuse('missing_parameter',
		    'unit is required.', '400');
	END IF;
	IF (doc IS NULL) = (sid IS NULL) THEN
		PERFORM api_refuse('invalid_parameter',
		    'Give either document or session, not both.', '400');
	END IF;
	BEGIN
		from_day := CASE WHEN from_text IS NOT NULL
		    THEN api_date(from_text, 'from') END;
		to_day := CASE WHEN to_text IS NOT NULL
		    THEN api_date(to_text, 'to') END;
	EXCEPTION WHEN SQLSTATE 'HB422' THEN
		PERFORM api_refuse('invalid_parameter',
		    'from and to are dates written YYYY-MM-DD.', '400');
	END;
	IF from_day > to_day THEN
		PERFORM api_refuse('invalid_range', 'from is after to.', '400');
	END IF;

	SELECT * INTO u FROM org_units WHERE id = unit;
	IF u.id IS NULL OR NOT unit_readable(actor, u.path) THEN
		PERFORM access_require('not_found', 'unit');
	END IF;
	IF NOT path_in_scope(actor, 'unit.read', u.path) THEN
		PERFORM access_require('forbidden', 'unit');
	END IF;

	IF doc IS NOT NULL THEN
		SELECT * INTO d FROM documents WHERE id = doc;
		IF d.id IS NULL OR d.current_version IS NULL OR
		    NOT document_in_audience(actor, d) THEN
			PERFORM api_refuse('not_found', 'No such document.',
			    '404');
		END IF;
		SELECT report_day(min(v.published_at)) INTO first_day
		FROM document_versions v
		WHERE v.document_id = doc AND v.published_at IS NOT NULL;
		from_day := coalesce(from_day, first_day, report_day(now()));
		to_day := coalesce(to_day, greatest(report_day(now()), from_day));
		IF from_day > to_day THEN
			PERFORM api_refuse('invalid_range', 'from is after to.',
			    '400');
		END IF;
		IF to_day - from_day > 731 THEN
			PERFORM api_refuse('range_too_long', 'A series covers '
			    'at most two years of days.', '400');
		END IF;

		WITH l AS (
			SELECT x.*, c AS u FROM org_units c
			LEFT JOIN report_document_lines(u.path, doc) x
			    ON x.grp = c.id
			WHERE c.parent_id = u.id
		), j AS (
			SELECT report_line_json(l.u, report_document_figures(
			    coalesce(l.members, 0), coalesce(l.readers, 0),
			    coalesce(l.completers, 0), coalesce(l.attended, 0),
			    coalesce(l.at_meeting, 0), coalesce(l.reached, 0)),
			    report_rate(l.reached, l.members)) AS line,
			    report_rate(l.reached, l.members) AS rate
			FROM l
		)
		SELECT coalesce(jsonb_agg(j.line ORDER BY
		    (j.line->>'target_met')::boolean NULLS LAST, j.rate NULLS LAST,
		    j.line->>'code'), '[]')
		INTO lines FROM j;

		SELECT report_document_figures(coalesce(sum(x.members), 0)::bigint,
		    coalesce(sum(x.readers), 0)::bigint,
		    coalesce(sum(x.completers), 0)::bigint,
		    coalesce(sum(x.attended), 0)::bigint,
		    coalesce(sum(x.at_meeting), 0)::bigint,
		    coalesce(sum(x.reached), 0)::bigint),
		    report_rate(coalesce(sum(x.reached), 0)::bigint,
			coalesce(sum(x.members), 0)::bigint),
		    jsonb_build_object('app', coalesce(sum(x.readers), 0),
			'study_session', coalesce(sum(x.attended), 0),
			'cell_meeting', coalesce(sum(x.at_meeting), 0),
			'any', coalesce(sum(x.reached), 0))
		INTO total, total_rate, channels
		FROM report_document_lines(u.path, doc) x;

		WITH days AS (
			SELECT * FROM report_document_days(u.path, doc)
		), cal AS (
			SELECT g::date AS day FROM generate_series(from_day,
			    to_day, interval '1 day') g
		), before AS (
			SELECT coalesce(sum(readers), 0) AS r,
			    coalesce(sum(completers), 0) AS c
			FROM days WHERE day < from_day
		), s AS (
			SELECT cal.day, coalesce(days.readers, 0) AS nr,
			    coalesce(days.completers, 0) AS nc,
			    before.r + sum(coalesce(days.readers, 0)) OVER w AS cr,
			    before.c + sum(coalesce(days.completers, 0)) OVER w
				AS cc
			FROM cal LEFT JOIN days ON days.day = cal.day, before
			WINDOW w AS (ORDER BY cal.day)
		)
		SELECT jsonb_agg(jsonb_build_object('day', s.day,
		    'new_readers', s.nr, 'readers', s.cr,
		    'new_completers', s.nc, 'completers', s.cc) ORDER BY s.day)
		INTO series
		FROM s;

		IF u.kind = 'cell' AND path_in_scope(actor, 'member.read',
		    u.path) THEN
			SELECT coalesce(jsonb_agg(jsonb_build_object(
			    'id', m.id, 'card_number', m.card_number,
			    'full_name', m.full_name,
			    'read', r.read_at IS NOT NULL, 'read_at', r.read_at,
			    'completed', r.completed_at IS NOT NULL,
			    'completed_at', r.completed_at,
			    'attended_session', coalesce(r.session_seen, false),
			    'at_meeting', coalesce(r.meeting_seen, false),
			    'reached', coalesce(r.read_at IS NOT NULL OR
				r.session_seen OR r.meeting_seen, false))
			    ORDER BY coalesce(r.read_at IS NOT NULL OR
				r.session_seen OR r.meeting_seen, false),
			    r.completed_at IS NOT NULL, m.full_name, m.id), '[]')
			INTO people
			FROM members m
			LEFT JOIN report_reach r ON r.member_id = m.id
			    AND r.document_id = doc
			WHERE m.cell_id = u.id AND m.active;
		END IF;

		subject := jsonb_build_object('id', d.id, 'slug', d.slug,
		    'state', d.state, 'title',
		    (document_text_for(d.id, d.current_version, want)).title,
		    'first_published_on', first_day);
		RETURN jsonb_build_object('kind', 'document',
		    'document', subject, 'from', from_day, 'to', to_day,
		    'target_metric', 'reach_rate',
		    'unit', report_line_json(u, total, total_rate),
		    'children', lines, 'channels', channels, 'days', series,
		    'members', people)::json;
	END IF;

	-- A study session.
	IF study_session_access(actor, sid, 'read') <> 'ok' THEN
		PERFORM api_refuse('not_found', 'No such study session.', '404');
	END IF;
	RETURN (
	WITH st AS MATERIALIZED (
		SELECT s.member_id, s.state, s.made_up_in, s.cell_id,
		    CASE WHEN c.path = u.path THEN u.id
			ELSE subpath(c.path, nlevel(u.path), 1)::text::bigint
		    END AS grp
		FROM study_session_states(sid, ARRAY[u.path], NULL) s
		JOIN org_units c ON c.id = s.cell_id
	), agg AS (
		SELECT grp, count(*) AS m,
		    count(*) FILTER (WHERE state = 'present') AS pr,
		    count(*) FILTER (WHERE state = 'made_up') AS mu,
		    count(*) FILTER (WHERE state = 'absent') AS ab,
		    count(*) FILTER (WHERE state = 'unrecorded') AS un
		FROM st GROUP BY grp
	), l AS (
		SELECT c AS cu, report_session_figures(coalesce(a.m, 0),
		    coalesce(a.pr, 0), coalesce(a.mu, 0), coalesce(a.ab, 0),
		    coalesce(a.un, 0)) AS f,
		    report_rate(coalesce(a.pr, 0) + coalesce(a.mu, 0),
			coalesce(a.m, 0)) AS rate
		FROM org_units c LEFT JOIN agg a ON a.grp = c.id
		WHERE c.parent_id = u.id
	), j AS (
		SELECT report_line_json(l.cu, l.f, l.rate) AS line, l.rate
		FROM l
	), tot AS (
		SELECT coalesce(sum(m), 0)::bigint AS m,
		    coalesce(sum(pr), 0)::bigint AS pr,
		    coalesce(sum(mu), 0)::bigint AS mu,
		    coalesce(sum(ab), 0)::bigint AS ab,
		    coalesce(sum(un), 0)::bigint AS un FROM agg
	)
	SELECT jsonb_build_object('kind', 'session',
	    'session', (SELECT jsonb_build_object('id', s.id, 'title', s.title,
		'starts_at', s.starts_at, 'ends_at', s.ends_at,
		'unit_id', s.unit_id, 'makeup_of', s.makeup_of,
		'status', study_session_status(s))
		FROM study_sessions s WHERE s.id = sid),
	    'from', from_day, 'to', to_day,
	    'target_metric', 'attendance_rate',
	    'unit', (SELECT report_line_json(u, report_session_figures(tot.m,
		tot.pr, tot.mu, tot.ab, tot.un),
		report_rate(tot.pr + tot.mu, tot.m)) FROM tot),
	    'children', (SELECT coalesce(jsonb_agg(j.line ORDER BY
		(j.line->>'target_met')::boolean NULLS LAST, j.rate NULLS LAST,
		j.line->>'code'), '[]') FROM j),
	    'members', CASE WHEN u.kind = 'cell' AND path_in_scope(actor,
		'member.read', u.path) THEN (
		SELECT coalesce(jsonb_agg(jsonb_build_object('id', m.id,
		    'card_number', m.card_number, 'full_name', m.full_name,
		    'state', st.state, 'made_up_in', st.made_up_in,
		    'attended', st.state IN ('present', 'made_up'))
		    ORDER BY st.state IN ('present', 'made_up'), m.full_name,
		    m.id), '[]')
		FROM st JOIN members m ON m.id = st.member_id) END)::json);
END
$$;

-- PUT /api/v1/units/{id}/report-target {"target": 0.9}: the board of a
-- unit (administrator, committee or propaganda officer of it or above)
-- sets the share it aims at; DELETE (body NULL here) goes back to
-- inheriting. Answers
-- the unit's own and effective targets. Idempotent: the same body again
-- changes nothing and answers the same.
CREATE OR REPLACE FUNCTION api_report_target_put(actor bigint, unit bigint, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	p ltree;
	v jsonb := body->'target';
	t numeric;
BEGIN
	SELECT path INTO p FROM org_units WHERE id = unit;
	IF p IS NULL OR NOT unit_readable(actor, p) THEN
		PERFORM access_require('not_found', 'unit');
	END IF;
	IF NOT EXISTS (SELECT 1 FROM member_roles r
	    JOIN members m ON m.id = r.member_id AND m.active
	    LEFT JOIN org_units a ON a.id = r.unit_id
	    WHERE r.member_id = actor
	      AND r.role IN ('admin', 'committee', 'propaganda')
	      AND (r.unit_id IS NULL OR a.path @> p)) THEN
		PERFORM access_require('forbidden', 'unit');
	END IF;
	IF body IS NULL THEN
		DELETE FROM report_targets WHERE unit_id = unit;
		IF FOUND THEN
			PERFORM audit_write(actor, 'report.target',
			    'unit:' || unit, client, request_id,
			    jsonb_build_object('target', null));
		END IF;
	ELSE
		-- The C edge let only a number through, re-written by jansson
		-- with 17 digits (0.7 arrives as 0.69999999999999996): what
		-- is within a hair of 4 decimals is taken as those.
		t := round(v::text::numeric, 4);
		IF t <= 0 OR t > 1 OR abs(t - v::text::numeric) > 1e-9 THEN
			PERFORM api_refuse('invalid_target', 'target is a share '
			    'above 0 and at most 1, with at most 4 decimals '
			    '(0.95 for 95%).');
		END IF;
		INSERT INTO report_targets AS r (unit_id, target, set_by)
		VALUES (unit, t, actor)
		ON CONFLICT (unit_id) DO UPDATE SET target = excluded.target,
		    set_by = excluded.set_by, set_at = now()
		WHERE r.target <> excluded.target;
		IF FOUND THEN
			PERFORM audit_write(actor, 'report.target',
			    'unit:' || unit, client, request_id,
			    jsonb_build_object('target', t));
		END IF;
	END IF;
	RETURN json_build_object('unit_id', unit,
	    'target', (SELECT target FROM report_targets WHERE unit_id = unit),
	    'effective_target', report_target_of(p));
END
$$;
