-- The demo province of `make run`: one fictional province (code DEMO) with
-- three districts and a bloc committee, 21 grassroots committees (two
-- sub-units in the hospital), 128 cells and about 3,000 members with
-- Vietnamese and Khmer names, the roles that go with them, and six
-- documented demo accounts (README, "Demo accounts").
--
--   psql -X -v ON_ERROR_STOP=1 -v demo_hash='$argon2id$...' -f sql/demo/demo_province.sql URL
--
-- scripts/demo-data runs it (it hands the hash over on stdin, not in argv).
-- demo_hash is a crypto_pwhash_str() string of the demo password made by
-- tools/pwhash; every demo member gets it, so all of them can log in with
-- that one password. This is demo data: it must never be loaded into a
-- production database (a global administrator with a published password).
--
-- Idempotent: when a unit with code DEMO exists, nothing is changed. The
-- data is deterministic (names, sizes, numbers come from md5 of fixed
-- strings, not from random()), so every load makes the same province; only
-- the ids and timestamps differ.
--
-- Everything is fictional. "Mẫu" (sample) names the province and its
-- districts; communes, hamlets and offices carry common generic names
-- (Tân Hòa, ấp Sóc Tre, Phường 1) and say nothing about any real place.
-- Khmer unit names (name_km) are rough: Khmer words for the unit kinds
-- (ខេត្ត, ស្រុក, ឃុំ, ភូមិ, សាខាបក្ស) with the Vietnamese proper names
-- transcribed or translated; good enough for a demo, not for publication.
-- Khmer members carry the names Khmer Vietnamese citizens use in
-- Vietnamese script (Thạch, Sơn, Kim, Danh, ...) and read Khmer (lang km).

\set ON_ERROR_STOP 1
\if :{?demo_hash}
\else
DO $$ BEGIN RAISE EXCEPTION 'demo_province.sql: the psql variable demo_hash (a crypto_pwhash_str() string) is not set'; END $$;
\endif
SELECT :'demo_hash' ~ '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$' AS demo_hash_ok \gset
\if :demo_hash_ok
\else
DO $$ BEGIN RAISE EXCEPTION 'demo_province.sql: demo_hash is not an Argon2id crypto_pwhash_str() string'; END $$;
\endif

BEGIN;
-- Two loaders started together: the second waits, then sees DEMO.
SELECT pg_advisory_xact_lock(hashtext('handbook:demo-data')) \gset
SELECT NOT EXISTS (SELECT 1 FROM org_units WHERE code = 'DEMO') AS demo_todo \gset
\if :demo_todo

-- Helpers, gone at the end of the session ----------------------------------

-- A number from a string, the same on every run and every machine.
CREATE FUNCTION pg_temp.demo_h(s text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT ('x' || substr(md5(s), 1, 15))::bit(60)::bigint
$$;

-- One element of a list, chosen by the hash of key.
CREATE FUNCTION pg_temp.demo_pick(list text[], key text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT list[1 + pg_temp.demo_h(key) % array_length(list, 1)]
$$;

-- Name lists. A name written n times is picked n times as often. Kinh
-- family names follow their rough frequency in the south (Nguyễn about a
-- third; Huỳnh and Võ ahead of Hoàng and Vũ). Khmer Vietnamese citizens
-- mostly carry one of a few family names (Thạch, Sơn, Kim, Danh, Lâm,
-- ...), often no middle name, and given names from Khmer (Sa Rây =
-- Sarai, Sô Phal = Sophal, Bô Pha = Bopha) or Vietnamese.
CREATE TEMP TABLE demo_names (list text PRIMARY KEY, names text[] NOT NULL)
    ON COMMIT DROP;
INSERT INTO demo_names (list, names)
SELECT list, array_agg(name ORDER BY ord, i)
FROM (VALUES
	('vi_family', 'Nguyễn', 31), ('vi_family', 'Trần', 11),
	('vi_family', 'Lê', 10), ('vi_family', 'Phạm', 6),
	('vi_family', 'Huỳnh', 5), ('vi_family', 'Võ', 5),
	('vi_family', 'Phan', 4), ('vi_family', 'Trương', 2),
	('vi_family', 'Đặng', 2), ('vi_family', 'Bùi', 2),
	('vi_family', 'Hồ', 2), ('vi_family', 'Ngô', 2),
	('vi_family', 'Đỗ', 1), ('vi_family', 'Dương', 1),
	('vi_family', 'Lý', 1), ('vi_family', 'Đinh', 1),
	('vi_family', 'Lâm', 1), ('vi_family', 'Mai', 1),
	('vi_family', 'Tô', 1), ('vi_family', 'Cao', 1),
	('vi_family', 'Lưu', 1), ('vi_family', 'Châu', 1),
	('vi_family', 'Tạ', 1), ('vi_family', 'Hà', 1),
	('vi_family', 'Đoàn', 1), ('vi_family', 'Lương', 1),
	('vi_family', 'Hoàng', 1), ('vi_family', 'Vũ', 1),
	('vi_family', 'Thái', 1), ('vi_family', 'Quách', 1),
	('vi_middle_m', 'Văn', 8), ('vi_middle_m', 'Minh', 3),
	('vi_middle_m', 'Thanh', 2), ('vi_middle_m', 'Tấn', 2),
	('vi_middle_m', 'Hữu', 2), ('vi_middle_m', 'Quốc', 2),
	('vi_middle_m', 'Đức', 1), ('vi_middle_m', 'Công', 1),
	('vi_middle_m', 'Hoàng', 1), ('vi_middle_m', 'Thành', 1),
	('vi_middle_m', 'Trung', 1), ('vi_middle_m', 'Ngọc', 1),
	('vi_middle_m', 'Xuân', 1), ('vi_middle_m', 'Duy', 1),
	('vi_middle_m', 'Phước', 1), ('vi_middle_m', 'Chí', 1),
	('vi_middle_f', 'Thị', 10), ('vi_middle_f', 'Ngọc', 2),
	('vi_middle_f', 'Kim', 2), ('vi_middle_f', 'Mỹ', 2),
	('vi_middle_f', 'Thanh', 1), ('vi_middle_f', 'Thu', 1),
	('vi_middle_f', 'Bích', 1), ('vi_middle_f', 'Hồng', 1),
	('vi_middle_f', 'Phương', 1), ('vi_middle_f', 'Thị Ngọc', 1),
	('vi_middle_f', 'Thị Kim', 1), ('vi_middle_f', 'Thị Thu', 1),
	('vi_middle_f', 'Thị Mỹ', 1), ('vi_middle_f', 'Thị Bích', 1),
	('vi_middle_f', 'Thị Thanh', 1), ('vi_middle_f', 'Thị Hồng', 1),
	('km_family', 'Thạch', 6), ('km_family', 'Sơn', 5),
	('km_family', 'Kim', 4), ('km_family', 'Danh', 4),
	('km_family', 'Lâm', 3), ('km_family', 'Trà', 2),
	('km_family', 'Châu', 2), ('km_family', 'Lý', 2),
	('km_family', 'Triệu', 2), ('km_family', 'Kiên', 1),
	('km_middle_m', '', 6), ('km_middle_m', 'Văn', 3),
	('km_middle_m', 'Minh', 1), ('km_middle_m', 'Ngọc', 1),
	('km_middle_f', '', 3), ('km_middle_f', 'Thị', 6),
	('km_middle_f', 'Ngọc', 1)
) AS v (list, name, weight)
CROSS JOIN LATERAL generate_series(1, weight) AS i
CROSS JOIN LATERAL (SELECT 0 AS ord) AS o
GROUP BY list;

INSERT INTO demo_names (list, names) VALUES
	('vi_given_m', ARRAY['Hùng', 'Dũng', 'Tuấn', 'Hải', 'Sơn', 'Phong',
	    'Long', 'Nam', 'Khoa', 'Tài', 'Phúc', 'Lộc', 'Nghĩa', 'Trí',
	    'Hiếu', 'Tâm', 'Bình', 'Cường', 'Quang', 'Thắng', 'Toàn', 'Vinh',
	    'Đạt', 'Khánh', 'Hậu', 'Tín', 'Thiện', 'Kiệt', 'Nhân', 'Hưng',
	    'Thịnh', 'Bảo', 'Phát', 'Sang', 'Lợi', 'Tùng', 'Hòa', 'Thuận',
	    'Việt', 'Định', 'Luân', 'Nhựt', 'Phương', 'An', 'Minh']),
	('vi_given_f', ARRAY['Lan', 'Hương', 'Hoa', 'Mai', 'Hạnh', 'Hằng',
	    'Thảo', 'Trang', 'Linh', 'Nhung', 'Yến', 'Thủy', 'Loan', 'Phượng',
	    'Diệu', 'Quyên', 'Uyên', 'Vy', 'Nhi', 'Hiền', 'Hà', 'Thúy',
	    'Tuyết', 'Xuân', 'Oanh', 'Trinh', 'Ngân', 'Diễm', 'Cúc', 'Đào',
	    'Lệ', 'Dung', 'Tiên', 'Châu', 'My', 'Huyền', 'Giang', 'Thơ',
	    'Nga', 'Liên', 'Duyên', 'Hân']),
	('km_given_m', ARRAY['Sa Rinh', 'Đa Ra', 'Sô Phal', 'Sóc Khai',
	    'Chanh', 'Kha', 'Sết', 'Phol', 'Ri', 'Sô Khum', 'Chăn Thu',
	    'Sa Vanh', 'Som', 'Sang', 'Thươl', 'Út', 'Ngọc', 'Thắng', 'Hùng',
	    'Tài', 'Phúc', 'Tâm', 'Bình', 'Dũng', 'Hiền', 'Minh']),
	('km_given_f', ARRAY['Sa Rây', 'Sô Phia', 'Bô Pha', 'Chanh Đa',
	    'Sa Ly', 'Sa Mây', 'Sa Rươl', 'Ni', 'Chanh Thy', 'Sô Kha',
	    'Sa Phon', 'Mây', 'Sa Vy', 'Ra Ny', 'Hồng', 'Lan', 'Hương', 'Thu',
	    'Mai', 'Thảo', 'Loan', 'Ngọc Hân']);

-- The tree ------------------------------------------------------------------

-- Every unit above the cells. khmer is the share (percent) of members
-- with Khmer names in the unit's cells: many in huyện Mẫu Nam, few
-- elsewhere.
CREATE TEMP TABLE demo_units (code text PRIMARY KEY, parent_code text,
    kind unit_kind NOT NULL, name_vi text NOT NULL, name_km text,
    khmer integer NOT NULL) ON COMMIT DROP;
INSERT INTO demo_units VALUES
	('DEMO', NULL, 'province', 'Đảng bộ tỉnh Mẫu (dữ liệu minh họa)',
	    'អង្គការបក្សខេត្តគំរូ (ទិន្នន័យសាកល្បង)', 0),
	('DEMO-TP', 'DEMO', 'district', 'Đảng bộ thành phố Mẫu',
	    'អង្គការបក្សក្រុងគំរូ', 0),
	('DEMO-MB', 'DEMO', 'district', 'Đảng bộ huyện Mẫu Bắc',
	    'អង្គការបក្សស្រុកគំរូខាងជើង', 0),
	('DEMO-MN', 'DEMO', 'district', 'Đảng bộ huyện Mẫu Nam',
	    'អង្គការបក្សស្រុកគំរូខាងត្បូង', 0),
	('DEMO-K', 'DEMO', 'bloc', 'Đảng ủy Khối Cơ quan và Doanh nghiệp tỉnh',
	    'គណៈបក្សប្លុកស្ថាប័ន និងសហគ្រាសខេត្ត', 0),
	('DEMO-TP-CQ', 'DEMO-TP', 'grassroots', 'Đảng bộ Các cơ quan Đảng thành phố Mẫu', 'អង្គការបក្សស្ថាប័នបក្សក្រុងគំរូ', 5),
	('DEMO-TP-P1', 'DEMO-TP', 'grassroots', 'Đảng bộ Phường 1', 'អង្គការបក្សសង្កាត់លេខ១', 5),
	('DEMO-TP-P2', 'DEMO-TP', 'grassroots', 'Đảng bộ Phường 2', 'អង្គការបក្សសង្កាត់លេខ២', 5),
	('DEMO-TP-P3', 'DEMO-TP', 'grassroots', 'Đảng bộ Phường 3', 'អង្គការបក្សសង្កាត់លេខ៣', 8),
	('DEMO-TP-TH', 'DEMO-TP', 'grassroots', 'Đảng bộ xã Tân Hòa', 'អង្គការបក្សឃុំតឹនហ្វា', 5),
	('DEMO-MB-CQ', 'DEMO-MB', 'grassroots', 'Đảng bộ Các cơ quan Đảng huyện Mẫu Bắc', 'អង្គការបក្សស្ថាប័នបក្សស្រុកគំរូខាងជើង', 5),
	('DEMO-MB-TT', 'DEMO-MB', 'grassroots', 'Đảng bộ thị trấn Mẫu Bắc', 'អង្គការបក្សទីរួមគំរូខាងជើង', 5),
	('DEMO-MB-AP', 'DEMO-MB', 'grassroots', 'Đảng bộ xã An Phú', 'អង្គការបក្សឃុំអានភូ', 5),
	('DEMO-MB-LT', 'DEMO-MB', 'grassroots', 'Đảng bộ xã Long Thạnh', 'អង្គការបក្សឃុំឡុងថាញ់', 5),
	('DEMO-MB-MH', 'DEMO-MB', 'grassroots', 'Đảng bộ xã Mỹ Hưng', 'អង្គការបក្សឃុំមីហ៊ឹង', 25),
	('DEMO-MN-CQ', 'DEMO-MN', 'grassroots', 'Đảng bộ Các cơ quan Đảng huyện Mẫu Nam', 'អង្គការបក្សស្ថាប័នបក្សស្រុកគំរូខាងត្បូង', 30),
	('DEMO-MN-TT', 'DEMO-MN', 'grassroots', 'Đảng bộ thị trấn Mẫu Nam', 'អង្គការបក្សទីរួមគំរូខាងត្បូង', 25),
	('DEMO-MN-PH', 'DEMO-MN', 'grassroots', 'Đảng bộ xã Phước Hưng', 'អង្គការបក្សឃុំផឿកហ៊ឹង', 55),
	('DEMO-MN-HT', 'DEMO-MN', 'grassroots', 'Đảng bộ xã Hòa Tân', 'អង្គការបក្សឃុំហ្វាតឹន', 50),
	('DEMO-MN-TP', 'DEMO-MN', 'grassroots', 'Đảng bộ xã Thạnh Phú', 'អង្គការបក្សឃុំថាញ់ភូ', 40),
	('DEMO-MN-AT', 'DEMO-MN', 'grassroots', 'Đảng bộ xã An Thạnh', 'អង្គការបក្សឃុំអានថាញ់', 55),
	('DEMO-K-TU', 'DEMO-K', 'grassroots', 'Đảng bộ Cơ quan Tỉnh ủy', 'អង្គការបក្សស្ថាប័នគណៈបក្សខេត្ត', 5),
	('DEMO-K-GD', 'DEMO-K', 'grassroots', 'Đảng bộ Sở Giáo dục và Đào tạo', 'អង្គការបក្សមន្ទីរអប់រំ និងបណ្តុះបណ្តាល', 8),
	('DEMO-K-BV', 'DEMO-K', 'grassroots', 'Đảng bộ Bệnh viện Đa khoa tỉnh', 'អង្គការបក្សមន្ទីរពេទ្យពហុព្យាបាលខេត្ត', 5),
	('DEMO-K-BV-NOI', 'DEMO-K-BV', 'subunit', 'Đảng bộ bộ phận Khối Nội', 'អង្គការបក្សផ្នែកក្រុមផ្នែកវេជ្ជសាស្ត្រ', 5),
	('DEMO-K-BV-NGOAI', 'DEMO-K-BV', 'subunit', 'Đảng bộ bộ phận Khối Ngoại', 'អង្គការបក្សផ្នែកក្រុមផ្នែកវះកាត់', 5),
	('DEMO-K-DL', 'DEMO-K', 'grassroots', 'Đảng bộ Công ty Điện lực tỉnh Mẫu', 'អង្គការបក្សក្រុមហ៊ុនអគ្គិសនីខេត្តគំរូ', 5),
	('DEMO-K-CT', 'DEMO-K', 'grassroots', 'Đảng bộ Trường Chính trị tỉnh', 'អង្គការបក្សសាលានយោបាយខេត្ត', 5);

-- The cells: code, parent, names, the smallest and largest number of
-- members (hamlets and neighbourhoods are big, offices small), and the
-- share of Khmer names (hamlets with Khmer names: most).
CREATE TEMP TABLE demo_cells (code text PRIMARY KEY, parent_code text NOT NULL,
    name_vi text NOT NULL, name_km text, lo integer NOT NULL,
    hi integer NOT NULL, khmer integer NOT NULL) ON COMMIT DROP;
INSERT INTO demo_cells VALUES
	('DEMO-TP-CQ-01', 'DEMO-TP-CQ', 'Chi bộ Văn phòng Thành ủy', 'សាខាបក្សការិយាល័យគណៈបក្សក្រុង', 8, 14, 5),
	('DEMO-TP-CQ-02', 'DEMO-TP-CQ', 'Chi bộ Ban Tổ chức Thành ủy', 'សាខាបក្សគណៈកម្មការរៀបចំបក្សគណៈបក្សក្រុង', 6, 11, 5),
	('DEMO-TP-CQ-03', 'DEMO-TP-CQ', 'Chi bộ Ban Tuyên giáo Thành ủy', 'សាខាបក្សគណៈកម្មការឃោសនា និងអប់រំគណៈបក្សក្រុង', 6, 11, 5),
	('DEMO-TP-CQ-04', 'DEMO-TP-CQ', 'Chi bộ Ủy ban Kiểm tra Thành ủy', 'សាខាបក្សគណៈកម្មការត្រួតពិនិត្យគណៈបក្សក្រុង', 6, 10, 5),
	('DEMO-TP-CQ-05', 'DEMO-TP-CQ', 'Chi bộ Ban Dân vận Thành ủy', 'សាខាបក្សគណៈកម្មការចលនាមហាជនគណៈបក្សក្រុង', 5, 9, 5),
	('DEMO-TP-P1-01', 'DEMO-TP-P1', 'Chi bộ Khu phố 1', 'សាខាបក្សភូមិទី១', 22, 52, 5),
	('DEMO-TP-P1-02', 'DEMO-TP-P1', 'Chi bộ Khu phố 2', 'សាខាបក្សភូមិទី២', 22, 52, 5),
	('DEMO-TP-P1-03', 'DEMO-TP-P1', 'Chi bộ Khu phố 3', 'សាខាបក្សភូមិទី៣', 22, 52, 5),
	('DEMO-TP-P1-04', 'DEMO-TP-P1', 'Chi bộ Khu phố 4', 'សាខាបក្សភូមិទី៤', 22, 52, 5),
	('DEMO-TP-P1-05', 'DEMO-TP-P1', 'Chi bộ Khu phố 5', 'សាខាបក្សភូមិទី៥', 22, 52, 5),
	('DEMO-TP-P1-06', 'DEMO-TP-P1', 'Chi bộ Khu phố 6', 'សាខាបក្សភូមិទី៦', 22, 52, 5),
	('DEMO-TP-P1-07', 'DEMO-TP-P1', 'Chi bộ Công an phường', 'សាខាបក្សប៉ូលិសសង្កាត់', 6, 12, 5),
	('DEMO-TP-P2-01', 'DEMO-TP-P2', 'Chi bộ Khu phố 1', 'សាខាបក្សភូមិទី១', 22, 52, 5),
	('DEMO-TP-P2-02', 'DEMO-TP-P2', 'Chi bộ Khu phố 2', 'សាខាបក្សភូមិទី២', 22, 52, 5),
	('DEMO-TP-P2-03', 'DEMO-TP-P2', 'Chi bộ Khu phố 3', 'សាខាបក្សភូមិទី៣', 22, 52, 5),
	('DEMO-TP-P2-04', 'DEMO-TP-P2', 'Chi bộ Khu phố 4', 'សាខាបក្សភូមិទី៤', 22, 52, 5),
	('DEMO-TP-P2-05', 'DEMO-TP-P2', 'Chi bộ Khu phố 5', 'សាខាបក្សភូមិទី៥', 22, 52, 5),
	('DEMO-TP-P2-06', 'DEMO-TP-P2', 'Chi bộ Công an phường', 'សាខាបក្សប៉ូលិសសង្កាត់', 6, 12, 5),
	('DEMO-TP-P2-07', 'DEMO-TP-P2', 'Chi bộ Trường Tiểu học Phường 2', 'សាខាបក្សសាលាបឋមសិក្សាសង្កាត់លេខ២', 8, 15, 5),
	('DEMO-TP-P3-01', 'DEMO-TP-P3', 'Chi bộ Khu phố 1', 'សាខាបក្សភូមិទី១', 22, 52, 8),
	('DEMO-TP-P3-02', 'DEMO-TP-P3', 'Chi bộ Khu phố 2', 'សាខាបក្សភូមិទី២', 22, 52, 8),
	('DEMO-TP-P3-03', 'DEMO-TP-P3', 'Chi bộ Khu phố 3', 'សាខាបក្សភូមិទី៣', 22, 52, 8),
	('DEMO-TP-P3-04', 'DEMO-TP-P3', 'Chi bộ Khu phố 4', 'សាខាបក្សភូមិទី៤', 22, 52, 8),
	('DEMO-TP-P3-05', 'DEMO-TP-P3', 'Chi bộ Khu phố 5', 'សាខាបក្សភូមិទី៥', 22, 52, 8),
	('DEMO-TP-P3-06', 'DEMO-TP-P3', 'Chi bộ Công an phường', 'សាខាបក្សប៉ូលិសសង្កាត់', 6, 12, 8),
	('DEMO-TP-TH-01', 'DEMO-TP-TH', 'Chi bộ ấp Tân Lập', 'សាខាបក្សភូមិតឹនឡឹប', 22, 52, 5),
	('DEMO-TP-TH-02', 'DEMO-TP-TH', 'Chi bộ ấp Hòa Thuận', 'សាខាបក្សភូមិហ្វាធួន', 22, 52, 5),
	('DEMO-TP-TH-03', 'DEMO-TP-TH', 'Chi bộ ấp Bình An', 'សាខាបក្សភូមិប៊ិញអាន', 22, 52, 5),
	('DEMO-TP-TH-04', 'DEMO-TP-TH', 'Chi bộ ấp Phú Hữu', 'សាខាបក្សភូមិភូហ៊ូ', 22, 52, 5),
	('DEMO-TP-TH-05', 'DEMO-TP-TH', 'Chi bộ ấp Long Hậu', 'សាខាបក្សភូមិឡុងហៅ', 22, 52, 5),
	('DEMO-TP-TH-06', 'DEMO-TP-TH', 'Chi bộ Công an xã', 'សាខាបក្សប៉ូលិសឃុំ', 6, 12, 5),
	('DEMO-TP-TH-07', 'DEMO-TP-TH', 'Chi bộ Quân sự xã', 'សាខាបក្សយោធាឃុំ', 4, 9, 5),
	('DEMO-MB-CQ-01', 'DEMO-MB-CQ', 'Chi bộ Văn phòng Huyện ủy', 'សាខាបក្សការិយាល័យគណៈបក្សស្រុក', 8, 14, 5),
	('DEMO-MB-CQ-02', 'DEMO-MB-CQ', 'Chi bộ Ban Tổ chức Huyện ủy', 'សាខាបក្សគណៈកម្មការរៀបចំបក្សគណៈបក្សស្រុក', 6, 11, 5),
	('DEMO-MB-CQ-03', 'DEMO-MB-CQ', 'Chi bộ Ban Tuyên giáo Huyện ủy', 'សាខាបក្សគណៈកម្មការឃោសនា និងអប់រំគណៈបក្សស្រុក', 6, 11, 5),
	('DEMO-MB-CQ-04', 'DEMO-MB-CQ', 'Chi bộ Ủy ban Kiểm tra Huyện ủy', 'សាខាបក្សគណៈកម្មការត្រួតពិនិត្យគណៈបក្សស្រុក', 6, 10, 5),
	('DEMO-MB-CQ-05', 'DEMO-MB-CQ', 'Chi bộ Ban Dân vận Huyện ủy', 'សាខាបក្សគណៈកម្មការចលនាមហាជនគណៈបក្សស្រុក', 5, 9, 5),
	('DEMO-MB-TT-01', 'DEMO-MB-TT', 'Chi bộ Khóm 1', 'សាខាបក្សភូមិទី១', 22, 52, 5),
	('DEMO-MB-TT-02', 'DEMO-MB-TT', 'Chi bộ Khóm 2', 'សាខាបក្សភូមិទី២', 22, 52, 5),
	('DEMO-MB-TT-03', 'DEMO-MB-TT', 'Chi bộ Khóm 3', 'សាខាបក្សភូមិទី៣', 22, 52, 5),
	('DEMO-MB-TT-04', 'DEMO-MB-TT', 'Chi bộ Khóm 4', 'សាខាបក្សភូមិទី៤', 22, 52, 5),
	('DEMO-MB-TT-05', 'DEMO-MB-TT', 'Chi bộ Khóm 5', 'សាខាបក្សភូមិទី៥', 22, 52, 5),
	('DEMO-MB-TT-06', 'DEMO-MB-TT', 'Chi bộ Công an thị trấn', 'សាខាបក្សប៉ូលិសទីរួម', 6, 12, 5),
	('DEMO-MB-AP-01', 'DEMO-MB-AP', 'Chi bộ ấp An Bình', 'សាខាបក្សភូមិអានប៊ិញ', 22, 52, 5),
	('DEMO-MB-AP-02', 'DEMO-MB-AP', 'Chi bộ ấp An Lợi', 'សាខាបក្សភូមិអានឡើយ', 22, 52, 5),
	('DEMO-MB-AP-03', 'DEMO-MB-AP', 'Chi bộ ấp Phú Thạnh', 'សាខាបក្សភូមិភូថាញ់', 22, 52, 5),
	('DEMO-MB-AP-04', 'DEMO-MB-AP', 'Chi bộ ấp Phú Long', 'សាខាបក្សភូមិភូឡុង', 22, 52, 5),
	('DEMO-MB-AP-05', 'DEMO-MB-AP', 'Chi bộ ấp Cây Dương', 'សាខាបក្សភូមិដើមស្រល់', 22, 52, 5),
	('DEMO-MB-AP-06', 'DEMO-MB-AP', 'Chi bộ Công an xã', 'សាខាបក្សប៉ូលិសឃុំ', 6, 12, 5),
	('DEMO-MB-AP-07', 'DEMO-MB-AP', 'Chi bộ Quân sự xã', 'សាខាបក្សយោធាឃុំ', 4, 9, 5),
	('DEMO-MB-LT-01', 'DEMO-MB-LT', 'Chi bộ ấp Long Hòa', 'សាខាបក្សភូមិឡុងហ្វា', 22, 52, 5),
	('DEMO-MB-LT-02', 'DEMO-MB-LT', 'Chi bộ ấp Long Phú', 'សាខាបក្សភូមិឡុងភូ', 22, 52, 5),
	('DEMO-MB-LT-03', 'DEMO-MB-LT', 'Chi bộ ấp Thạnh Lợi', 'សាខាបក្សភូមិថាញ់ឡើយ', 22, 52, 5),
	('DEMO-MB-LT-04', 'DEMO-MB-LT', 'Chi bộ ấp Rạch Sen', 'សាខាបក្សភូមិព្រែកឈូក', 22, 52, 5),
	('DEMO-MB-LT-05', 'DEMO-MB-LT', 'Chi bộ ấp Kinh Mới', 'សាខាបក្សភូមិព្រែកថ្មី', 22, 52, 5),
	('DEMO-MB-LT-06', 'DEMO-MB-LT', 'Chi bộ Công an xã', 'សាខាបក្សប៉ូលិសឃុំ', 6, 12, 5),
	('DEMO-MB-LT-07', 'DEMO-MB-LT', 'Chi bộ Quân sự xã', 'សាខាបក្សយោធាឃុំ', 4, 9, 5),
	('DEMO-MB-MH-01', 'DEMO-MB-MH', 'Chi bộ ấp Mỹ Lợi', 'សាខាបក្សភូមិមីឡើយ', 22, 52, 25),
	('DEMO-MB-MH-02', 'DEMO-MB-MH', 'Chi bộ ấp Mỹ Thuận', 'សាខាបក្សភូមិមីធួន', 22, 52, 25),
	('DEMO-MB-MH-03', 'DEMO-MB-MH', 'Chi bộ ấp Hưng Phú', 'សាខាបក្សភូមិហ៊ឹងភូ', 22, 52, 25),
	('DEMO-MB-MH-04', 'DEMO-MB-MH', 'Chi bộ ấp Sóc Dừa', 'សាខាបក្សភូមិស្រុកដូង', 22, 52, 85),
	('DEMO-MB-MH-05', 'DEMO-MB-MH', 'Chi bộ ấp Bưng Sen', 'សាខាបក្សភូមិត្រពាំងឈូក', 22, 52, 25),
	('DEMO-MB-MH-06', 'DEMO-MB-MH', 'Chi bộ Công an xã', 'សាខាបក្សប៉ូលិសឃុំ', 6, 12, 25),
	('DEMO-MB-MH-07', 'DEMO-MB-MH', 'Chi bộ Quân sự xã', 'សាខាបក្សយោធាឃុំ', 4, 9, 25),
	('DEMO-MN-CQ-01', 'DEMO-MN-CQ', 'Chi bộ Văn phòng Huyện ủy', 'សាខាបក្សការិយាល័យគណៈបក្សស្រុក', 8, 14, 30),
	('DEMO-MN-CQ-02', 'DEMO-MN-CQ', 'Chi bộ Ban Tổ chức Huyện ủy', 'សាខាបក្សគណៈកម្មការរៀបចំបក្សគណៈបក្សស្រុក', 6, 11, 30),
	('DEMO-MN-CQ-03', 'DEMO-MN-CQ', 'Chi bộ Ban Tuyên giáo Huyện ủy', 'សាខាបក្សគណៈកម្មការឃោសនា និងអប់រំគណៈបក្សស្រុក', 6, 11, 30),
	('DEMO-MN-CQ-04', 'DEMO-MN-CQ', 'Chi bộ Ủy ban Kiểm tra Huyện ủy', 'សាខាបក្សគណៈកម្មការត្រួតពិនិត្យគណៈបក្សស្រុក', 6, 10, 30),
	('DEMO-MN-CQ-05', 'DEMO-MN-CQ', 'Chi bộ Ban Dân vận Huyện ủy', 'សាខាបក្សគណៈកម្មការចលនាមហាជនគណៈបក្សស្រុក', 5, 9, 30),
	('DEMO-MN-TT-01', 'DEMO-MN-TT', 'Chi bộ Khóm 1', 'សាខាបក្សភូមិទី១', 22, 52, 25),
	('DEMO-MN-TT-02', 'DEMO-MN-TT', 'Chi bộ Khóm 2', 'សាខាបក្សភូមិទី២', 22, 52, 25),
	('DEMO-MN-TT-03', 'DEMO-MN-TT', 'Chi bộ Khóm 3', 'សាខាបក្សភូមិទី៣', 22, 52, 25),
	('DEMO-MN-TT-04', 'DEMO-MN-TT', 'Chi bộ Khóm 4', 'សាខាបក្សភូមិទី៤', 22, 52, 25),
	('DEMO-MN-TT-05', 'DEMO-MN-TT', 'Chi bộ Công an thị trấn', 'សាខាបក្សប៉ូលិសទីរួម', 6, 12, 25),
	('DEMO-MN-PH-01', 'DEMO-MN-PH', 'Chi bộ ấp Phước Thọ', 'សាខាបក្សភូមិផឿកថូ', 22, 52, 55),
	('DEMO-MN-PH-02', 'DEMO-MN-PH', 'Chi bộ ấp Sóc Tre', 'សាខាបក្សភូមិស្រុកឫស្សី', 22, 52, 85),
	('DEMO-MN-PH-03', 'DEMO-MN-PH', 'Chi bộ ấp Giồng Chùa', 'សាខាបក្សភូមិទួលវត្ត', 22, 52, 85),
	('DEMO-MN-PH-04', 'DEMO-MN-PH', 'Chi bộ ấp Thốt Nốt', 'សាខាបក្សភូមិត្នោត', 22, 52, 55),
	('DEMO-MN-PH-05', 'DEMO-MN-PH', 'Chi bộ ấp Kinh Xáng', 'សាខាបក្សភូមិព្រែកជីក', 22, 52, 55),
	('DEMO-MN-PH-06', 'DEMO-MN-PH', 'Chi bộ Công an xã', 'សាខាបក្សប៉ូលិសឃុំ', 6, 12, 55),
	('DEMO-MN-PH-07', 'DEMO-MN-PH', 'Chi bộ Quân sự xã', 'សាខាបក្សយោធាឃុំ', 4, 9, 55),
	('DEMO-MN-PH-08', 'DEMO-MN-PH', 'Chi bộ Trường Tiểu học Phước Hưng', 'សាខាបក្សសាលាបឋមសិក្សាផឿកហ៊ឹង', 8, 15, 55),
	('DEMO-MN-HT-01', 'DEMO-MN-HT', 'Chi bộ ấp Sóc Mới', 'សាខាបក្សភូមិស្រុកថ្មី', 22, 52, 85),
	('DEMO-MN-HT-02', 'DEMO-MN-HT', 'Chi bộ ấp Hòa Lợi', 'សាខាបក្សភូមិហ្វាឡើយ', 22, 52, 50),
	('DEMO-MN-HT-03', 'DEMO-MN-HT', 'Chi bộ ấp Bưng Sen', 'សាខាបក្សភូមិត្រពាំងឈូក', 22, 52, 50),
	('DEMO-MN-HT-04', 'DEMO-MN-HT', 'Chi bộ ấp Tân Thạnh', 'សាខាបក្សភូមិតឹនថាញ់', 22, 52, 50),
	('DEMO-MN-HT-05', 'DEMO-MN-HT', 'Chi bộ ấp Giồng Tre', 'សាខាបក្សភូមិទួលឫស្សី', 22, 52, 50),
	('DEMO-MN-HT-06', 'DEMO-MN-HT', 'Chi bộ Công an xã', 'សាខាបក្សប៉ូលិសឃុំ', 6, 12, 50),
	('DEMO-MN-HT-07', 'DEMO-MN-HT', 'Chi bộ Quân sự xã', 'សាខាបក្សយោធាឃុំ', 4, 9, 50),
	('DEMO-MN-TP-01', 'DEMO-MN-TP', 'Chi bộ ấp Thạnh Hòa', 'សាខាបក្សភូមិថាញ់ហ្វា', 22, 52, 40),
	('DEMO-MN-TP-02', 'DEMO-MN-TP', 'Chi bộ ấp Sóc Xoài', 'សាខាបក្សភូមិស្រុកស្វាយ', 22, 52, 85),
	('DEMO-MN-TP-03', 'DEMO-MN-TP', 'Chi bộ ấp Phú Lợi', 'សាខាបក្សភូមិភូឡើយ', 22, 52, 40),
	('DEMO-MN-TP-04', 'DEMO-MN-TP', 'Chi bộ ấp Cây Da', 'សាខាបក្សភូមិដើមជ្រៃ', 22, 52, 40),
	('DEMO-MN-TP-05', 'DEMO-MN-TP', 'Chi bộ Công an xã', 'សាខាបក្សប៉ូលិសឃុំ', 6, 12, 40),
	('DEMO-MN-TP-06', 'DEMO-MN-TP', 'Chi bộ Quân sự xã', 'សាខាបក្សយោធាឃុំ', 4, 9, 40),
	('DEMO-MN-AT-01', 'DEMO-MN-AT', 'Chi bộ ấp An Hòa', 'សាខាបក្សភូមិអានហ្វា', 22, 52, 55),
	('DEMO-MN-AT-02', 'DEMO-MN-AT', 'Chi bộ ấp Sóc Lớn', 'សាខាបក្សភូមិស្រុកធំ', 22, 52, 85),
	('DEMO-MN-AT-03', 'DEMO-MN-AT', 'Chi bộ ấp Thạnh Mỹ', 'សាខាបក្សភូមិថាញ់មី', 22, 52, 55),
	('DEMO-MN-AT-04', 'DEMO-MN-AT', 'Chi bộ ấp Rạch Tre', 'សាខាបក្សភូមិព្រែកឫស្សី', 22, 52, 55),
	('DEMO-MN-AT-05', 'DEMO-MN-AT', 'Chi bộ Công an xã', 'សាខាបក្សប៉ូលិសឃុំ', 6, 12, 55),
	('DEMO-MN-AT-06', 'DEMO-MN-AT', 'Chi bộ Quân sự xã', 'សាខាបក្សយោធាឃុំ', 4, 9, 55),
	('DEMO-K-TU-01', 'DEMO-K-TU', 'Chi bộ Văn phòng Tỉnh ủy', 'សាខាបក្សការិយាល័យគណៈបក្សខេត្ត', 8, 14, 5),
	('DEMO-K-TU-02', 'DEMO-K-TU', 'Chi bộ Ban Tổ chức Tỉnh ủy', 'សាខាបក្សគណៈកម្មការរៀបចំបក្សគណៈបក្សខេត្ត', 6, 11, 5),
	('DEMO-K-TU-03', 'DEMO-K-TU', 'Chi bộ Ban Tuyên giáo Tỉnh ủy', 'សាខាបក្សគណៈកម្មការឃោសនា និងអប់រំគណៈបក្សខេត្ត', 6, 11, 5),
	('DEMO-K-TU-04', 'DEMO-K-TU', 'Chi bộ Ủy ban Kiểm tra Tỉnh ủy', 'សាខាបក្សគណៈកម្មការត្រួតពិនិត្យគណៈបក្សខេត្ត', 6, 10, 5),
	('DEMO-K-TU-05', 'DEMO-K-TU', 'Chi bộ Ban Dân vận Tỉnh ủy', 'សាខាបក្សគណៈកម្មការចលនាមហាជនគណៈបក្សខេត្ត', 5, 9, 5),
	('DEMO-K-GD-01', 'DEMO-K-GD', 'Chi bộ Văn phòng Sở', 'សាខាបក្សការិយាល័យមន្ទីរ', 6, 14, 8),
	('DEMO-K-GD-02', 'DEMO-K-GD', 'Chi bộ Phòng Giáo dục Trung học', 'សាខាបក្សការិយាល័យអប់រំមធ្យមសិក្សា', 6, 14, 8),
	('DEMO-K-GD-03', 'DEMO-K-GD', 'Chi bộ Phòng Giáo dục Dân tộc', 'សាខាបក្សការិយាល័យអប់រំជនជាតិ', 6, 14, 8),
	('DEMO-K-GD-04', 'DEMO-K-GD', 'Chi bộ Phòng Tổ chức cán bộ', 'សាខាបក្សការិយាល័យបុគ្គលិក', 6, 14, 8),
	('DEMO-K-GD-05', 'DEMO-K-GD', 'Chi bộ Phòng Kế hoạch - Tài chính', 'សាខាបក្សការិយាល័យផែនការ និងហិរញ្ញវត្ថុ', 6, 14, 8),
	('DEMO-K-BV-01', 'DEMO-K-BV-NOI', 'Chi bộ Khoa Nội tổng hợp', 'សាខាបក្សផ្នែកជំងឺទូទៅ', 8, 20, 5),
	('DEMO-K-BV-02', 'DEMO-K-BV-NOI', 'Chi bộ Khoa Nhi', 'សាខាបក្សផ្នែកកុមារ', 8, 20, 5),
	('DEMO-K-BV-03', 'DEMO-K-BV-NOI', 'Chi bộ Khoa Truyền nhiễm', 'សាខាបក្សផ្នែកជំងឺឆ្លង', 8, 20, 5),
	('DEMO-K-BV-04', 'DEMO-K-BV-NGOAI', 'Chi bộ Khoa Ngoại tổng hợp', 'សាខាបក្សផ្នែកវះកាត់ទូទៅ', 8, 20, 5),
	('DEMO-K-BV-05', 'DEMO-K-BV-NGOAI', 'Chi bộ Khoa Sản', 'សាខាបក្សផ្នែកសម្ភព', 8, 20, 5),
	('DEMO-K-BV-06', 'DEMO-K-BV-NGOAI', 'Chi bộ Khoa Gây mê hồi sức', 'សាខាបក្សផ្នែកថ្នាំសណ្តំ និងសង្គ្រោះ', 8, 20, 5),
	('DEMO-K-BV-07', 'DEMO-K-BV', 'Chi bộ Phòng Kế hoạch tổng hợp', 'សាខាបក្សការិយាល័យផែនការទូទៅ', 6, 12, 5),
	('DEMO-K-BV-08', 'DEMO-K-BV', 'Chi bộ Phòng Tổ chức cán bộ', 'សាខាបក្សការិយាល័យបុគ្គលិក', 6, 12, 5),
	('DEMO-K-DL-01', 'DEMO-K-DL', 'Chi bộ Phòng Kỹ thuật', 'សាខាបក្សការិយាល័យបច្ចេកទេស', 8, 20, 5),
	('DEMO-K-DL-02', 'DEMO-K-DL', 'Chi bộ Phòng Kinh doanh', 'សាខាបក្សការិយាល័យអាជីវកម្ម', 8, 20, 5),
	('DEMO-K-DL-03', 'DEMO-K-DL', 'Chi bộ Điện lực thành phố Mẫu', 'សាខាបក្សអគ្គិសនីក្រុងគំរូ', 8, 20, 5),
	('DEMO-K-DL-04', 'DEMO-K-DL', 'Chi bộ Điện lực Mẫu Bắc', 'សាខាបក្សអគ្គិសនីគំរូខាងជើង', 8, 20, 5),
	('DEMO-K-DL-05', 'DEMO-K-DL', 'Chi bộ Điện lực Mẫu Nam', 'សាខាបក្សអគ្គិសនីគំរូខាងត្បូង', 8, 20, 5),
	('DEMO-K-DL-06', 'DEMO-K-DL', 'Chi bộ Đội Quản lý vận hành lưới điện cao thế', 'សាខាបក្សក្រុមគ្រប់គ្រងបណ្តាញអគ្គិសនីតង់ស្យុងខ្ពស់', 8, 20, 5),
	('DEMO-K-CT-01', 'DEMO-K-CT', 'Chi bộ Khoa Lý luận cơ sở', 'សាខាបក្សមហាវិទ្យាល័យទ្រឹស្តីមូលដ្ឋាន', 6, 12, 5),
	('DEMO-K-CT-02', 'DEMO-K-CT', 'Chi bộ Khoa Xây dựng Đảng', 'សាខាបក្សមហាវិទ្យាល័យកសាងបក្ស', 6, 12, 5),
	('DEMO-K-CT-03', 'DEMO-K-CT', 'Chi bộ Phòng Tổ chức - Hành chính', 'សាខាបក្សការិយាល័យរៀបចំ និងរដ្ឋបាល', 6, 12, 5);

-- Level by level, so that each parent exists when its children come (the
-- trigger on org_units computes the paths).
INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT u.kind, u.code, normalize(u.name_vi, NFC), normalize(u.name_km, NFC), p.id
FROM demo_units u LEFT JOIN org_units p ON p.code = u.parent_code
WHERE u.kind = 'province';

INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT u.kind, u.code, normalize(u.name_vi, NFC), normalize(u.name_km, NFC), p.id
FROM demo_units u JOIN org_units p ON p.code = u.parent_code
WHERE u.kind IN ('district', 'bloc') ORDER BY u.code;

INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT u.kind, u.code, normalize(u.name_vi, NFC), normalize(u.name_km, NFC), p.id
FROM demo_units u JOIN org_units p ON p.code = u.parent_code
WHERE u.kind = 'grassroots' ORDER BY u.code;

INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT u.kind, u.code, normalize(u.name_vi, NFC), normalize(u.name_km, NFC), p.id
FROM demo_units u JOIN org_units p ON p.code = u.parent_code
WHERE u.kind = 'subunit' ORDER BY u.code;

INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
SELECT 'cell', c.code, normalize(c.name_vi, NFC), normalize(c.name_km, NFC), p.id
FROM demo_cells c JOIN org_units p ON p.code = c.parent_code
ORDER BY c.code;

-- The members ---------------------------------------------------------------

-- The six demo accounts (README): memorable card numbers and phones.
CREATE TEMP TABLE demo_accounts (card text PRIMARY KEY, phone text NOT NULL,
    full_name text NOT NULL, cell_code text NOT NULL, lang text NOT NULL,
    role role_kind, role_unit text) ON COMMIT DROP;
INSERT INTO demo_accounts VALUES
	('10000001', '+84900000001', 'Trần Minh Khoa', 'DEMO-K-TU-01', 'vi',
	    'admin', NULL),
	('10000002', '+84900000002', 'Lê Thị Thu Hà', 'DEMO-K-TU-03', 'vi',
	    'propaganda', 'DEMO'),
	('10000003', '+84900000003', 'Huỳnh Văn Tâm', 'DEMO-MN-PH-01', 'vi',
	    'committee', 'DEMO-MN'),
	('10000004', '+84900000004', 'Võ Thị Mỹ Linh', 'DEMO-MB-AP-01', 'vi',
	    'cell_secretary', 'DEMO-MB-AP-01'),
	('10000005', '+84900000005', 'Nguyễn Văn An', 'DEMO-MB-AP-01', 'vi',
	    NULL, NULL),
	('10000006', '+84900000006', 'Thạch Thị Sa Rây', 'DEMO-MN-PH-02', 'km',
	    NULL, NULL);

-- Everybody else: k-th member of each cell. The first five of a cell hold
-- its offices, so they are official and active; of the others about one
-- in ten is probationary, one in a hundred inactive (moved away), one in
-- twenty has no mobile phone. Card numbers are 8 digits from 2xxxxxxx
-- (7919 is prime to 10^7, so n -> card is one-to-one), phones +849 and
-- 8 digits from 10000000 up (104729 is prime to 9*10^7), so neither can
-- meet the demo accounts' 10000001.. and +84900000001...
CREATE TEMP TABLE demo_people ON COMMIT DROP AS
SELECT n, cell_code, k, size,
    '2' || lpad(((n * 7919 + 1234567) % 10000000)::text, 7, '0') AS card,
    CASE WHEN k > 5 AND pg_temp.demo_h(key || ':phone') % 20 = 0 THEN NULL
	ELSE '+849' || (10000000 + (n * 104729 + 2718281) % 90000000)::text
    END AS phone,
    pg_temp.demo_h(key || ':khmer') % 100 < khmer AS khmer,
    pg_temp.demo_h(key || ':female') % 100 < 38 AS female,
    CASE WHEN k > 5 AND pg_temp.demo_h(key || ':status') % 100 < 11
	THEN 'probationary' ELSE 'official' END::member_status AS status,
    NOT (k > 5 AND pg_temp.demo_h(key || ':active') % 100 = 0) AS active,
    key
FROM (
	SELECT row_number() OVER (ORDER BY c.code, k) AS n, c.code AS cell_code,
	    k, size, c.khmer, c.code || ':' || k AS key
	FROM demo_cells c
	CROSS JOIN LATERAL (SELECT c.lo + (pg_temp.demo_h(c.code || ':size')
	    % (c.hi - c.lo + 1))::int AS size) AS s
	CROSS JOIN LATERAL generate_series(1, size) AS k
) AS p;

-- Vietnamese: family, middle, given. Khmer: family, often no middle name,
-- given. Never the same word twice in a row (no "Nguyễn Minh Minh").
ALTER TABLE demo_people ADD COLUMN full_name text;
UPDATE demo_people p SET full_name = normalize(regexp_replace(
    concat_ws(' ', f.name, m.name, g.name), ' +', ' ', 'g'), NFC)
FROM demo_people q
CROSS JOIN LATERAL (SELECT CASE WHEN q.khmer THEN 'km' ELSE 'vi' END AS l,
    CASE WHEN q.female THEN 'f' ELSE 'm' END AS s) AS ls
CROSS JOIN LATERAL (SELECT pg_temp.demo_pick(names, q.key || ':family') AS name
    FROM demo_names WHERE list = ls.l || '_family') AS f
CROSS JOIN LATERAL (SELECT pg_temp.demo_pick(names, q.key || ':middle') AS name
    FROM demo_names WHERE list = ls.l || '_middle_' || ls.s) AS m
CROSS JOIN LATERAL (SELECT coalesce((SELECT x FROM unnest(names) WITH ORDINALITY
	AS u (x, i) WHERE x <> f.name AND x <> m.name
	    AND x <> split_part(m.name, ' ', 2)
	    AND split_part(x, ' ', 1) <> m.name
	ORDER BY pg_temp.demo_h(q.key || ':given:' || i) LIMIT 1), '') AS name
    FROM demo_names WHERE list = ls.l || '_given_' || ls.s) AS g
WHERE p.n = q.n;

INSERT INTO members (card_number, full_name, phone, cell_id, status, lang,
    active, password_hash)
SELECT a.card, normalize(a.full_name, NFC), a.phone, c.id, 'official',
    a.lang, true, :'demo_hash'
FROM demo_accounts a JOIN org_units c ON c.code = a.cell_code
ORDER BY a.card;

INSERT INTO members (card_number, full_name, phone, cell_id, status, lang,
    active, password_hash)
SELECT p.card, p.full_name, p.phone, c.id, p.status,
    CASE WHEN p.khmer THEN 'km' ELSE 'vi' END, p.active, :'demo_hash'
FROM demo_people p JOIN org_units c ON c.code = p.cell_code
ORDER BY p.n;

-- Roles ---------------------------------------------------------------------

-- The demo accounts' roles.
INSERT INTO member_roles (member_id, role, unit_id)
SELECT m.id, a.role, u.id
FROM demo_accounts a
JOIN members m ON m.card_number = a.card
LEFT JOIN org_units u ON u.code = a.role_unit
WHERE a.role IS NOT NULL
ORDER BY a.card;

-- Who holds the k-th place of a cell, with the cell's rank in its parent.
CREATE TEMP TABLE demo_seats ON COMMIT DROP AS
SELECT m.id AS member_id, p.k, p.size, c.id AS cell_id, c.code AS cell_code,
    par.id AS parent_id, par.code AS parent_code, par.kind AS parent_kind,
    par.parent_id AS grand_id,
    dense_rank() OVER (PARTITION BY par.id ORDER BY c.code) AS cell_rank
FROM demo_people p
JOIN members m ON m.card_number = p.card
JOIN org_units c ON c.code = p.cell_code
JOIN org_units par ON par.id = c.parent_id
WHERE p.k <= 5;

INSERT INTO member_roles (member_id, role, unit_id)
SELECT member_id, role::role_kind, unit_id FROM (
	-- Each cell: its secretary (but the demo secretary's cell has her),
	-- and a deputy in cells of nine members or more.
	SELECT member_id, 'cell_secretary' AS role, cell_id AS unit_id
	FROM demo_seats s WHERE k = 1 AND NOT EXISTS (
	    SELECT 1 FROM demo_accounts a
	    WHERE a.role = 'cell_secretary' AND a.role_unit = s.cell_code)
	UNION ALL
	SELECT member_id, 'cell_deputy', cell_id
	FROM demo_seats WHERE k = 2 AND size >= 9
	UNION ALL
	-- Each grassroots committee (đảng ủy cơ sở) and sub-unit: the
	-- secretaries of its first five cells and the deputy of the first.
	SELECT member_id, 'committee', parent_id
	FROM demo_seats
	WHERE (k = 1 AND cell_rank <= 5) OR (k = 2 AND cell_rank = 1)
	UNION ALL
	-- Each district and the bloc: the third member of the first cell of
	-- each grassroots committee below it.
	SELECT s.member_id, 'committee', s.grand_id
	FROM demo_seats s
	WHERE s.k = 3 AND s.cell_rank = 1 AND s.parent_kind = 'grassroots'
	UNION ALL
	-- The province committee: the heads of the Tỉnh ủy offices, and the
	-- fourth member of the first office cell of each district.
	SELECT member_id, 'committee', (SELECT id FROM org_units WHERE code = 'DEMO')
	FROM demo_seats
	WHERE (k = 1 AND parent_code = 'DEMO-K-TU')
	    OR (k = 4 AND cell_rank = 1 AND parent_code LIKE 'DEMO-__-CQ')
	UNION ALL
	-- Propaganda boards (Ban Tuyên giáo): three officers of the
	-- province's, three of each district's (their cells are the third
	-- office cell of DEMO-K-TU and of each DEMO-xx-CQ).
	SELECT member_id, 'propaganda',
	    CASE WHEN parent_code = 'DEMO-K-TU'
		THEN (SELECT id FROM org_units WHERE code = 'DEMO')
		ELSE grand_id END
	FROM demo_seats
	WHERE k <= 3 AND cell_code ~ '^DEMO-(K-TU|TP-CQ|MB-CQ|MN-CQ)-03$'
) AS r
ORDER BY unit_id, role, member_id
ON CONFLICT DO NOTHING;

SELECT format('demo province loaded: %s units (%s grassroots, %s cells), '
    '%s members (%s reading Khmer), %s roles', count(*),
    count(*) FILTER (WHERE u.kind = 'grassroots'),
    count(*) FILTER (WHERE u.kind = 'cell'),
    (SELECT count(*) FROM members m JOIN org_units c ON c.id = m.cell_id
	WHERE c.path <@ d.path),
    (SELECT count(*) FROM members m JOIN org_units c ON c.id = m.cell_id
	WHERE c.path <@ d.path AND m.lang = 'km'),
    (SELECT count(*) FROM member_roles r JOIN members m ON m.id = r.member_id
	JOIN org_units c ON c.id = m.cell_id WHERE c.path <@ d.path))
    AS demo_summary
FROM org_units d JOIN org_units u ON u.path <@ d.path
WHERE d.code = 'DEMO'
GROUP BY d.path \gset
\echo :demo_summary

\else
\echo 'demo province already loaded (unit DEMO exists): nothing changed'
\endif
COMMIT;
