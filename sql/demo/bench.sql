-- Benchmark datasets, generated inside PostgreSQL:
--
--   psql -X -v ON_ERROR_STOP=1 -v scale=province -f sql/demo/bench.sql URL
--
--   scale=province  one province (unit BENCH-P): 12 districts (the last is
--                   a bloc), 252 grassroots committees, about 5,000 cells,
--                   about 120,000 members
--   scale=country   a country root (unit BENCH-VN) with 63 provinces of 12
--                   districts, 17 grassroots each: about 250,000 cells and
--                   5.6 million members
--
-- scripts/demo-data --scale runs it. Re-running replaces the dataset of
-- that scale (its members, their roles, roles on its units, its units,
-- deepest first), all in one transaction: it is there whole or not at all,
-- and a failed run leaves the previous one. The other scale, the demo
-- province and real data are not touched.
--
-- Everything is set-based (INSERT ... SELECT over generate_series), level
-- by level, so the org_units triggers still compute every path, and the
-- member and role triggers stay on (disabling the member trigger saved 7%:
-- not worth the exclusive lock). Measured on 2 cores: province 13 s,
-- country 14 min 40 s (units 8 s, members 13.5 min, roles 1 min) while
-- other work shared the machine. A NOTICE per stage says how far it got.
--
-- The data is deterministic (hashes of unit numbers, not random()): card
-- numbers BPnnnnnnnn / BVnnnnnnnn and phones +847... / +843... follow from
-- the place of the member in the tree, so a re-run makes the same
-- members. Names are drawn from the same kind of lists as the demo
-- province (about one member in ten in a few districts has a Khmer name
-- and reads Khmer). Benchmark members have no password: nobody can log in
-- as one of them.

\set ON_ERROR_STOP 1
\if :{?scale}
\else
DO $$ BEGIN RAISE EXCEPTION 'bench.sql: set the psql variable scale to province or country'; END $$;
\endif

CREATE FUNCTION pg_temp.bench_generate(scale text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
	country		boolean;
	root_code	text;
	prefix		text;	-- card number prefix
	phone_prefix	text;
	n_prov		integer;	-- provinces (country) or 1
	n_dist		integer := 12;	-- districts per province, the last a bloc
	n_grass		integer;	-- grassroots committees per district
	cells_lo	integer := 10;	-- cells per grassroots committee
	cells_hi	integer;
	size_lo		integer := 5;	-- members per cell
	size_hi		integer;
	root_path	ltree;
	t0		timestamptz := clock_timestamp();
	t_stage		timestamptz;
	n		bigint;
	total		bigint := 0;
	chunk		record;
	done		integer := 0;
	last_note	timestamptz;
	lvl		integer;

	-- Names. Repetition is weight (see sql/demo/demo_province.sql).
	vi_family text[] := array_fill('Nguyễn'::text, ARRAY[31])
	    || array_fill('Trần'::text, ARRAY[11]) || array_fill('Lê'::text, ARRAY[10])
	    || array_fill('Phạm'::text, ARRAY[6]) || array_fill('Huỳnh'::text, ARRAY[5])
	    || array_fill('Võ'::text, ARRAY[5]) || array_fill('Phan'::text, ARRAY[4])
	    || array_fill('Hoàng'::text, ARRAY[3]) || array_fill('Vũ'::text, ARRAY[3])
	    || ARRAY['Trương', 'Trương', 'Đặng', 'Đặng', 'Bùi', 'Bùi', 'Hồ',
		'Hồ', 'Ngô', 'Ngô', 'Đỗ', 'Đỗ', 'Dương', 'Lý', 'Đinh', 'Lâm',
		'Mai', 'Tô', 'Cao', 'Lưu', 'Châu', 'Tạ', 'Hà', 'Đoàn', 'Lương',
		'Thái', 'Quách', 'Trịnh', 'Nông', 'Kiều'];
	vi_middle_m text[] := array_fill('Văn'::text, ARRAY[8]) || ARRAY['Minh',
	    'Minh', 'Thanh', 'Tấn', 'Hữu', 'Quốc', 'Đức', 'Công', 'Hoàng',
	    'Thành', 'Trung', 'Ngọc', 'Xuân', 'Duy', 'Phước', 'Chí', 'Đình',
	    'Mạnh', 'Quang', 'Tiến'];
	vi_middle_f text[] := array_fill('Thị'::text, ARRAY[10]) || ARRAY['Ngọc',
	    'Ngọc', 'Kim', 'Mỹ', 'Thanh', 'Thu', 'Bích', 'Hồng', 'Phương',
	    'Thị Ngọc', 'Thị Kim', 'Thị Thu', 'Thị Mỹ', 'Thị Thanh', 'Thùy',
	    'Minh', 'Hải'];
	vi_given_m text[] := ARRAY['Hùng', 'Dũng', 'Tuấn', 'Hải', 'Sơn',
	    'Phong', 'Long', 'Nam', 'Khoa', 'Tài', 'Phúc', 'Lộc', 'Nghĩa',
	    'Trí', 'Hiếu', 'Tâm', 'Bình', 'Cường', 'Quang', 'Thắng', 'Toàn',
	    'Vinh', 'Đạt', 'Khánh', 'Hậu', 'Tín', 'Thiện', 'Kiệt', 'Nhân',
	    'Hưng', 'Thịnh', 'Bảo', 'Phát', 'Sang', 'Lợi', 'Tùng', 'Hòa',
	    'Thuận', 'Việt', 'Định', 'Luân', 'Nhựt', 'An', 'Huy', 'Trung',
	    'Kiên', 'Đông', 'Thành', 'Hiển', 'Quý'];
	vi_given_f text[] := ARRAY['Lan', 'Hương', 'Hoa', 'Mai', 'Hạnh',
	    'Hằng', 'Thảo', 'Trang', 'Linh', 'Nhung', 'Yến', 'Thủy', 'Loan',
	    'Phượng', 'Diệu', 'Quyên', 'Uyên', 'Vy', 'Nhi', 'Hiền', 'Hà',
	    'Thúy', 'Tuyết', 'Xuân', 'Oanh', 'Trinh', 'Ngân', 'Diễm', 'Cúc',
	    'Đào', 'Lệ', 'Dung', 'Tiên', 'Châu', 'My', 'Huyền', 'Giang',
	    'Thơ', 'Nga', 'Liên', 'Duyên', 'Hân', 'Anh', 'Vân', 'Nhàn'];
	km_family text[] := ARRAY['Thạch', 'Thạch', 'Thạch', 'Sơn', 'Sơn',
	    'Sơn', 'Kim', 'Kim', 'Danh', 'Danh', 'Lâm', 'Lâm', 'Trà', 'Châu',
	    'Lý', 'Triệu', 'Kiên'];
	km_middle_m text[] := ARRAY['', '', '', '', 'Văn', 'Văn', 'Minh',
	    'Ngọc'];
	km_middle_f text[] := ARRAY['', '', 'Thị', 'Thị', 'Thị', 'Thị',
	    'Ngọc'];
	km_given_m text[] := ARRAY['Sa Rinh', 'Đa Ra', 'Sô Phal', 'Sóc Khai',
	    'Chanh', 'Kha', 'Sết', 'Phol', 'Ri', 'Sô Khum', 'Chăn Thu',
	    'Sa Vanh', 'Som', 'Sang', 'Thươl', 'Út', 'Thắng', 'Hùng', 'Tài',
	    'Phúc', 'Tâm', 'Bình', 'Dũng'];
	km_given_f text[] := ARRAY['Sa Rây', 'Sô Phia', 'Bô Pha', 'Chanh Đa',
	    'Sa Ly', 'Sa Mây', 'Sa Rươl', 'Ni', 'Chanh Thy', 'Sô Kha',
	    'Sa Phon', 'Mây', 'Sa Vy', 'Ra Ny', 'Hồng', 'Lan', 'Hương',
	    'Thu', 'Mai', 'Thảo', 'Loan'];
BEGIN
	IF scale = 'province' THEN
		country := false; root_code := 'BENCH-P'; prefix := 'BP';
		phone_prefix := '+847'; n_prov := 1; n_grass := 21;
		cells_hi := 30; size_hi := 43;
	ELSIF scale = 'country' THEN
		country := true; root_code := 'BENCH-VN'; prefix := 'BV';
		phone_prefix := '+843'; n_prov := 63; n_grass := 17;
		cells_hi := 29; size_hi := 40;
	ELSE
		RAISE EXCEPTION 'bench.sql: scale must be province or country, not %', scale;
	END IF;

	-- One generator at a time on this database.
	PERFORM pg_advisory_xact_lock(hashtext('handbook:demo-data'));

	-- 1. The previous dataset of this scale goes.
	SELECT path INTO root_path FROM org_units WHERE code = root_code;
	IF FOUND THEN
		t_stage := clock_timestamp();
		CREATE TEMP TABLE bench_old_units ON COMMIT DROP AS
		    SELECT id, kind, nlevel(path) AS depth
		    FROM org_units WHERE path <@ root_path;
		CREATE TEMP TABLE bench_old_members ON COMMIT DROP AS
		    SELECT m.id FROM members m
		    WHERE m.cell_id IN (SELECT id FROM bench_old_units
			WHERE kind = 'cell');
		ANALYZE bench_old_units;
		ANALYZE bench_old_members;
		-- Deleting a member makes PostgreSQL look for member_roles
		-- rows granted by them; without an index on granted_by that is
		-- a scan of member_roles per member (measured: 90% of the
		-- time, 15 minutes for the country). If the schema has no such
		-- index, one lives for this transaction only.
		IF NOT EXISTS (SELECT 1 FROM pg_index i
		    JOIN pg_attribute a ON a.attrelid = i.indrelid
			AND a.attnum = i.indkey[0]
		    WHERE i.indrelid = 'member_roles'::regclass
			AND a.attname = 'granted_by') THEN
			CREATE INDEX bench_tmp_member_roles_granted_by
			    ON member_roles (granted_by);
		END IF;
		DELETE FROM member_roles
		WHERE unit_id IN (SELECT id FROM bench_old_units)
		    OR member_id IN (SELECT id FROM bench_old_members);
		UPDATE member_roles SET granted_by = NULL
		WHERE granted_by IN (SELECT id FROM bench_old_members);
		DELETE FROM members WHERE id IN (SELECT id FROM bench_old_members);
		GET DIAGNOSTICS n = ROW_COUNT;
		FOR lvl IN SELECT DISTINCT depth FROM bench_old_units
		    ORDER BY depth DESC LOOP
			DELETE FROM org_units WHERE id IN (SELECT id
			    FROM bench_old_units WHERE depth = lvl);
		END LOOP;
		RAISE NOTICE 'bench %: removed the previous dataset (% units, % members) in % s',
		    scale, (SELECT count(*) FROM bench_old_units), n,
		    round(extract(epoch FROM clock_timestamp() - t_stage)::numeric, 1);
		DROP TABLE bench_old_units, bench_old_members;
		DROP INDEX IF EXISTS bench_tmp_member_roles_granted_by;
	END IF;

	-- 2. The units, level by level (the path trigger needs each parent
	-- in the table before its children).
	t_stage := clock_timestamp();
	IF country THEN
		INSERT INTO org_units (kind, code, name_vi, name_km)
		VALUES ('central', root_code, 'Trung ương (dữ liệu thử tải)',
		    'មជ្ឈិម (ទិន្នន័យសាកល្បងបន្ទុក)');
		INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
		SELECT 'province', root_code || '-P' || lpad(p::text, 2, '0'),
		    'Đảng bộ tỉnh Thử tải ' || lpad(p::text, 2, '0'),
		    'អង្គការបក្សខេត្តសាកល្បង ' || translate(lpad(p::text, 2, '0'),
			'0123456789', '០១២៣៤៥៦៧៨៩'),
		    r.id
		FROM org_units r, generate_series(1, n_prov) AS p
		WHERE r.code = root_code
		ORDER BY p;
	ELSE
		INSERT INTO org_units (kind, code, name_vi, name_km)
		VALUES ('province', root_code,
		    'Đảng bộ tỉnh Thử tải (dữ liệu thử tải)',
		    'អង្គការបក្សខេត្តសាកល្បង (ទិន្នន័យសាកល្បងបន្ទុក)');
	END IF;
	SELECT path INTO root_path FROM org_units WHERE code = root_code;

	-- Districts under every province (country) or under the root.
	INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
	SELECT CASE WHEN d = n_dist THEN 'bloc' ELSE 'district' END::unit_kind,
	    p.code || '-D' || lpad(d::text, 2, '0'),
	    CASE WHEN d = n_dist
		THEN 'Đảng ủy Khối Cơ quan và Doanh nghiệp'
		ELSE 'Đảng bộ huyện Thử tải ' || lpad(d::text, 2, '0') END,
	    CASE WHEN d = n_dist
		THEN 'គណៈបក្សប្លុកស្ថាប័ន និងសហគ្រាស'
		ELSE 'អង្គការបក្សស្រុកសាកល្បង ' || translate(lpad(d::text, 2, '0'),
		    '0123456789', '០១២៣៤៥៦៧៨៩') END,
	    p.id
	FROM org_units p, generate_series(1, n_dist) AS d
	WHERE p.path <@ root_path AND p.kind = 'province'
	ORDER BY p.code, d;

	INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
	SELECT 'grassroots', d.code || '-G' || lpad(g::text, 2, '0'),
	    CASE WHEN d.kind = 'bloc'
		THEN 'Đảng bộ cơ quan ' || lpad(g::text, 2, '0')
		ELSE 'Đảng bộ xã ' || lpad(g::text, 2, '0') END,
	    CASE WHEN d.kind = 'bloc'
		THEN 'អង្គការបក្សស្ថាប័ន '
		ELSE 'អង្គការបក្សឃុំ ' END || translate(lpad(g::text, 2, '0'),
		    '0123456789', '០១២៣៤៥៦៧៨៩'),
	    d.id
	FROM org_units d, generate_series(1, n_grass) AS g
	WHERE d.path <@ root_path AND d.kind IN ('district', 'bloc')
	ORDER BY d.code, g;

	-- Cells: 10 to 29 or 30 per grassroots committee, by a hash of its
	-- code.
	INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
	SELECT 'cell', g.code || '-C' || lpad(c::text, 2, '0'),
	    CASE WHEN g.code ~ '-D12-' THEN 'Chi bộ phòng '
		ELSE 'Chi bộ ấp ' END || lpad(c::text, 2, '0'),
	    'សាខាបក្សភូមិ ' || translate(lpad(c::text, 2, '0'),
		'0123456789', '០១២៣៤៥៦៧៨៩'),
	    g.id
	FROM org_units g
	CROSS JOIN LATERAL generate_series(1, cells_lo + (hashtext(g.code)
	    & 1023) % (cells_hi - cells_lo + 1)) AS c
	WHERE g.path <@ root_path AND g.kind = 'grassroots'
	ORDER BY g.code, c;

	SELECT count(*) INTO n FROM org_units WHERE path <@ root_path;
	RAISE NOTICE 'bench %: % units (% cells) in % s', scale, n,
	    (SELECT count(*) FROM org_units WHERE path <@ root_path
		AND kind = 'cell'),
	    round(extract(epoch FROM clock_timestamp() - t_stage)::numeric, 1);

	-- 3. Members, one province (country) or one district (province) at a
	-- time, for the progress line. A cell's number comes from its code
	-- (P, D, G, C numbers packed in 6+4+5+5 bits), a member's number is
	-- cell * 64 + k: card and phone follow, unique and repeatable.
	t_stage := clock_timestamp();
	last_note := t_stage;
	FOR chunk IN SELECT u.path, row_number() OVER (ORDER BY u.code) AS i,
	    count(*) OVER () AS nchunks
	    FROM org_units u
	    WHERE u.path <@ root_path
		AND u.kind = CASE WHEN country THEN 'province'::unit_kind
		    ELSE 'district'::unit_kind END
		OR (NOT country AND u.path <@ root_path AND u.kind = 'bloc')
	    ORDER BY u.code
	LOOP
		INSERT INTO members (card_number, full_name, phone, cell_id,
		    status, lang, active)
		SELECT prefix || lpad(num::text, 8, '0'),
		    concat_ws(' ', fam,
			nullif(CASE WHEN khmer THEN
			    CASE WHEN female THEN km_middle_f[1 + (h >> 8) % array_length(km_middle_f, 1)]
			    ELSE km_middle_m[1 + (h >> 8) % array_length(km_middle_m, 1)] END
			ELSE
			    CASE WHEN female THEN vi_middle_f[1 + (h >> 8) % array_length(vi_middle_f, 1)]
			    ELSE vi_middle_m[1 + (h >> 8) % array_length(vi_middle_m, 1)] END
			END, ''),
			CASE WHEN khmer THEN
			    CASE WHEN female THEN km_given_f[1 + (h >> 16) % array_length(km_given_f, 1)]
			    ELSE km_given_m[1 + (h >> 16) % array_length(km_given_m, 1)] END
			ELSE
			    CASE WHEN female THEN vi_given_f[1 + (h >> 16) % array_length(vi_given_f, 1)]
			    ELSE vi_given_m[1 + (h >> 16) % array_length(vi_given_m, 1)] END
			END),
		    phone_prefix || lpad(num::text, 8, '0'),
		    cell_id,
		    CASE WHEN k > 5 AND (h >> 32) % 100 < 10
			THEN 'probationary' ELSE 'official' END::member_status,
		    CASE WHEN khmer THEN 'km' ELSE 'vi' END,
		    NOT (k > 5 AND (h >> 40) % 100 = 0)
		FROM (
			SELECT x.*, CASE WHEN khmer
			    THEN km_family[1 + h % array_length(km_family, 1)]
			    ELSE vi_family[1 + h % array_length(vi_family, 1)]
			    END AS fam
			FROM (
				SELECT c.id AS cell_id, k, num, h,
				    (h >> 24) % 100 < 38 AS female,
				    -- Khmer names in one district in four.
				    (h >> 48) % 100 < CASE WHEN cn.d % 4 = 3
					THEN 40 ELSE 2 END AS khmer
				FROM org_units c
				CROSS JOIN LATERAL (SELECT
				    coalesce(substring(c.code from '-P([0-9]+)-')::int, 1) AS p,
				    substring(c.code from '-D([0-9]+)-')::int AS d,
				    substring(c.code from '-G([0-9]+)-')::int AS g,
				    substring(c.code from '-C([0-9]+)$')::int AS cc) AS cn
				CROSS JOIN LATERAL generate_series(1, size_lo
				    + (hashtext(c.code) & 1023) % (size_hi - size_lo + 1)) AS k
				CROSS JOIN LATERAL (SELECT
				    ((((cn.p::bigint * 16 + cn.d) * 32 + cn.g) * 32 + cn.cc)
					* 64 + k) AS num) AS nu
				CROSS JOIN LATERAL (SELECT hashint8extended(nu.num,
				    CASE WHEN country THEN 2 ELSE 1 END)
				    & 9223372036854775807 AS h) AS hh
				WHERE c.path <@ chunk.path AND c.kind = 'cell'
			) AS x
		) AS y;
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
		done := done + 1;
		IF clock_timestamp() - last_note > interval '10 seconds'
		    OR done = chunk.nchunks THEN
			RAISE NOTICE 'bench %: % members (% of % %), % s', scale,
			    total, done, chunk.nchunks,
			    CASE WHEN country THEN 'provinces' ELSE 'districts' END,
			    round(extract(epoch FROM clock_timestamp() - t_stage)::numeric, 1);
			last_note := clock_timestamp();
		END IF;
	END LOOP;

	-- 4. Roles, by place in the tree: every cell's first member is its
	-- secretary, the second its deputy when the cell has ten members or
	-- more; a grassroots committee has the secretaries of its first five
	-- cells; a district the third member of the first cell of each
	-- grassroots committee; a province the fourth member of the first
	-- cell of each district's first grassroots committee; propaganda
	-- officers are the fifth members of the first cells of the first two
	-- grassroots committees of each district (the first for the province
	-- board, the second for the district's).
	t_stage := clock_timestamp();
	CREATE TEMP TABLE bench_seats ON COMMIT DROP AS
	SELECT c.id AS cell_id, c.parent_id AS grass_id, g.parent_id AS dist_id,
	    d.parent_id AS prov_id, cn.g, cn.cc,
	    size_lo + (hashtext(c.code) & 1023) % (size_hi - size_lo + 1) AS size,
	    (((coalesce(cn.p, 1)::bigint * 16 + cn.d) * 32 + cn.g) * 32 + cn.cc) * 64 AS base
	FROM org_units c
	JOIN org_units g ON g.id = c.parent_id
	JOIN org_units d ON d.id = g.parent_id
	CROSS JOIN LATERAL (SELECT
	    substring(c.code from '-P([0-9]+)-')::int AS p,
	    substring(c.code from '-D([0-9]+)-')::int AS d,
	    substring(c.code from '-G([0-9]+)-')::int AS g,
	    substring(c.code from '-C([0-9]+)$')::int AS cc) AS cn
	WHERE c.path <@ root_path AND c.kind = 'cell';
	ANALYZE bench_seats;

	INSERT INTO member_roles (member_id, role, unit_id)
	SELECT m.id, r.role, r.unit_id
	FROM (
		SELECT base + 1 AS num, 'cell_secretary'::role_kind AS role,
		    cell_id AS unit_id FROM bench_seats
		UNION ALL
		SELECT base + 2, 'cell_deputy', cell_id FROM bench_seats
		WHERE size >= 10
		UNION ALL
		SELECT base + 1, 'committee', grass_id FROM bench_seats
		WHERE cc <= 5
		UNION ALL
		SELECT base + 3, 'committee', dist_id FROM bench_seats
		WHERE cc = 1
		UNION ALL
		SELECT base + 4, 'committee', prov_id FROM bench_seats
		WHERE cc = 1 AND g = 1
		UNION ALL
		SELECT base + 5, 'propaganda', prov_id FROM bench_seats
		WHERE cc = 1 AND g = 1
		UNION ALL
		SELECT base + 5, 'propaganda', dist_id FROM bench_seats
		WHERE cc = 1 AND g = 2
	) AS r
	JOIN members m ON m.card_number = prefix || lpad(r.num::text, 8, '0');
	GET DIAGNOSTICS n = ROW_COUNT;
	RAISE NOTICE 'bench %: % roles in % s', scale, n,
	    round(extract(epoch FROM clock_timestamp() - t_stage)::numeric, 1);
	DROP TABLE bench_seats;

	RAISE NOTICE 'bench %: generated in % s; committing', scale,
	    round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
END
$fn$;

\timing off
SELECT clock_timestamp() AS bench_t0 \gset
SELECT pg_temp.bench_generate(:'scale') \gset bench_
-- Fresh statistics, or the first queries on the new rows plan blind.
ANALYZE org_units;
ANALYZE members;
ANALYZE member_roles;
SELECT format('bench %s: done in %s s (with ANALYZE): %s units, %s cells, %s members, %s roles',
    :'scale', round(extract(epoch FROM clock_timestamp() - :'bench_t0'::timestamptz)::numeric, 1),
    count(*), count(*) FILTER (WHERE u.kind = 'cell'),
    (SELECT count(*) FROM members m JOIN org_units c ON c.id = m.cell_id
	WHERE c.path <@ r.path),
    (SELECT count(*) FROM member_roles mr JOIN org_units x ON x.id = mr.unit_id
	WHERE x.path <@ r.path)) AS bench_summary
FROM org_units r JOIN org_units u ON u.path <@ r.path
WHERE r.code = CASE :'scale' WHEN 'country' THEN 'BENCH-VN' ELSE 'BENCH-P' END
GROUP BY r.path \gset
\echo :bench_summary
