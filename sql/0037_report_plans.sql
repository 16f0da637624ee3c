-- The engagement report's helpers, made cheap to call (issue 7's speed).
--
-- Measured on the benchmark province with the country simulation beside
-- it (tests/bench/reports.sh, kept stack, a busy machine, the same
-- answers byte for byte before and after): api_report_engagement() took
-- 67 ms for a grassroots unit, 63 ms for the province root and 101 ms for
-- the country root; after these changes 14, 28 and 61 ms. Where the time
-- went, found with auto_explain's nested statements:
--
-- 1. The figure and line builders (report_document_figures,
--    report_study_figures, report_session_figures, report_line_json) were
--    not inlined, so PostgreSQL planned and ran each of them as a
--    statement of its own for every line, three times a line (the line is
--    used again in the ORDER BY). An SQL function declared IMMUTABLE is
--    never inlined when its body calls a STABLE function, and
--    jsonb_build_object is STABLE; they are STABLE now (they are pure, so
--    this only tells the truth). report_line_json had a FROM clause, which
--    also prevents inlining; it calls report_target_of() directly now.
--
-- 2. report_document_lines and report_document_days were SQL functions
--    called in FROM, which PostgreSQL plans anew at every call (a plan of
--    a dozen joins: 30 ms of planning under load for 1 ms of work). As
--    PL/pgSQL functions their plans are kept for the connection, and
--    api_report_engagement already runs with generic plans. The body of
--    report_document_lines is unchanged: the DO block below wraps the
--    text of 0030's definition in RETURN QUERY rather than repeating it
--    here.
--
-- 3. A generic plan of report_document_days joined the unit's zones to
--    every zone-day row of the document in the country (a hash join over
--    28,000 rows for the 5,300 a province needs). The zone-day rows are
--    now read zone by zone through the primary key (LATERAL ... OFFSET 0
--    keeps the planner from flattening it back into a hash join); for the
--    country root that is one index probe per zone, still cheaper.

ALTER FUNCTION report_document_figures(bigint, bigint, bigint, bigint,
    bigint, bigint, bigint, bigint, bigint, bigint, numeric) STABLE;
ALTER FUNCTION report_study_figures(bigint, bigint, bigint, bigint, bigint,
    numeric) STABLE;
ALTER FUNCTION report_session_figures(bigint, bigint, bigint, bigint,
    bigint) STABLE;

CREATE OR REPLACE FUNCTION report_line_json(u org_units, f jsonb, rate numeric)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', u.id, 'kind', u.kind, 'code', u.code,
	    'name_vi', u.name_vi, 'name_km', u.name_km) || f ||
	    jsonb_build_object('target', report_target_of(u.path),
		'target_met', CASE WHEN rate IS NOT NULL
		    THEN rate >= report_target_of(u.path) END)
$$;

DO $$
DECLARE
	f regprocedure := 'report_document_lines(ltree,bigint)';
	body text;
BEGIN
	SELECT prosrc INTO body FROM pg_proc WHERE oid = f;
	-- use_column: the OUT columns (readers, ...) share names with the
	-- columns the query sums.
	EXECUTE format('CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s '
	    'LANGUAGE plpgsql STABLE AS %L', f::regproc,
	    pg_get_function_identity_arguments(f), pg_get_function_result(f),
	    E'#variable_conflict use_column\nBEGIN\nRETURN QUERY\n' ||
	    rtrim(body, E' \t\n;') || E';\nEND');
END $$;

-- New readers and completers per day under the unit at p.
CREATE OR REPLACE FUNCTION report_document_days(p ltree, doc bigint)
RETURNS TABLE (day date, readers bigint, completers bigint)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH rows AS (
		SELECT k.day, k.readers, k.completers
		FROM report_zones_below(p) zs CROSS JOIN LATERAL (
			SELECT k.day, k.readers, k.completers
			FROM report_zone_day k
			WHERE k.document_id = doc AND k.zone_id = zs.zone_id
			OFFSET 0) k
		UNION ALL
		SELECT k.day, k.readers, k.completers
		FROM report_cell_day k JOIN org_units c ON c.id = k.cell_id
		WHERE k.document_id = doc AND k.zone_id = ANY (report_upper_ids(p))
		  AND c.path <@ p
	)
	SELECT day, sum(readers)::bigint, sum(completers)::bigint
	FROM rows GROUP BY day;
END
$$;
