-- Generated documents for the search benchmark (tests/bench/search.sh):
-- :n published documents (slugs bench-00001, ...) made of the sentences
-- of the sample corpus already imported from content/, so that the words
-- and their frequencies are those of real core points, in Vietnamese and,
-- for one document in five, Khmer. They go through the real import path,
-- content_import(search_khmer_import(payload)) as tools/hbcontent.c calls
-- it, in batches of 500, so the search index is built by its trigger and
-- the Khmer texts come with segmented copies (those the importer made for
-- the sample texts, found by hash, joined the way they were joined).
--
-- What the queries of the benchmark meet: "nghị quyết", "đảng viên" and
-- "đảng" are in most documents (titles, summaries and details); a topic
-- is in the title of one document in forty and the details of a few
-- more; "thanh long" and the names of demo communes are rare; one document
-- in ten is a study outline of one demo district (DEMO-MB, DEMO-MN or
-- DEMO-TP), visible only under it. Deterministic (setseed).
--
--   psql -v n=10000 -f tests/bench/search_corpus.sql

SELECT set_config('hb.bench_docs', :'n', false);

DO $$
DECLARE
	n integer := current_setting('hb.bench_docs')::integer;
	-- Sentences of the sample corpus, in Vietnamese.
	vt text[]; vs text[]; vd text[]; vi_intro text[];
	-- Khmer sections, each field with its segmented copy.
	kt text[]; ks text[]; kd text[]; kt_w text[]; ks_w text[]; kd_w text[];
	km_intro text[]; km_intro_w text[]; km_doc text[]; km_doc_w text[];
	places text[];
	topics text[] := ARRAY[
	    'công tác xây dựng Đảng và hệ thống chính trị',
	    'chuyển đổi số trong cơ quan Đảng',
	    'phát triển kinh tế nông nghiệp bền vững',
	    'xây dựng nông thôn mới nâng cao',
	    'bảo vệ môi trường và ứng phó biến đổi khí hậu',
	    'phòng, chống tham nhũng, tiêu cực',
	    'công tác dân vận trong tình hình mới',
	    'phát triển giáo dục và đào tạo nguồn nhân lực',
	    'chăm sóc sức khỏe nhân dân',
	    'phát triển du lịch gắn với văn hóa địa phương',
	    'công tác dân tộc đối với đồng bào Khmer',
	    'bảo đảm quốc phòng, an ninh vùng biên giới',
	    'cải cách hành chính và nâng cao chỉ số năng lực cạnh tranh',
	    'công tác cán bộ và quy hoạch cán bộ',
	    'kết nạp đảng viên mới trong thanh niên',
	    'nâng cao chất lượng sinh hoạt chi bộ',
	    'phát triển kinh tế biển',
	    'giảm nghèo bền vững',
	    'phát triển hợp tác xã kiểu mới',
	    'xây dựng tổ chức cơ sở đảng trong doanh nghiệp'];
	-- Few documents have these.
	rare text[] := ARRAY['trồng thanh long xuất khẩu',
	    'nuôi tôm càng xanh luân canh trên ruộng lúa',
	    'bảo tồn chùa Khmer và lễ hội Ok Om Bok'];
	kinds text[] := ARRAY['resolution', 'directive', 'conclusion',
	    'regulation', 'study_outline'];
	kind_vi text[] := ARRAY['Nghị quyết', 'Chỉ thị', 'Kết luận',
	    'Quy định', 'Đề cương học tập Nghị quyết'];
	kind_code text[] := ARRAY['NQ', 'CT', 'KL', 'QĐ', 'HD'];
	districts text[];
	docs jsonb := '[]';
	i integer;
	k integer;
	j integer;
	nsec integer;
	r double precision;
	k_kind integer;
	topic text;
	num text;
	unit text;
	secs jsonb;
	ksecs jsonb;
	det text;
	texts jsonb;
	p integer;
	q integer;
BEGIN
	PERFORM setseed(0.4242);

	SELECT array_agg(s.title ORDER BY s.document_id, s.position),
	    array_agg(s.summary ORDER BY s.document_id, s.position),
	    array_agg(CASE WHEN s.details = '' THEN s.summary ELSE s.details END
		ORDER BY s.document_id, s.position)
	INTO vt, vs, vd
	FROM document_sections s JOIN documents d ON d.id = s.document_id
	WHERE s.lang = 'vi' AND s.version = d.current_version
	  AND d.slug NOT LIKE 'bench-%';
	SELECT array_agg(t.intro ORDER BY t.document_id) INTO vi_intro
	FROM document_texts t JOIN documents d ON d.id = t.document_id
	WHERE t.lang = 'vi' AND t.version = d.current_version
	  AND t.intro IS NOT NULL AND d.slug NOT LIKE 'bench-%';

	SELECT array_agg(s.title ORDER BY s.document_id, s.position),
	    array_agg(s.summary ORDER BY s.document_id, s.position),
	    array_agg(s.details ORDER BY s.document_id, s.position),
	    array_agg(search_words('km', s.title) ORDER BY s.document_id, s.position),
	    array_agg(search_words('km', s.summary) ORDER BY s.document_id, s.position),
	    array_agg(search_words('km', s.details) ORDER BY s.document_id, s.position)
	INTO kt, ks, kd, kt_w, ks_w, kd_w
	FROM document_sections s JOIN documents d ON d.id = s.document_id
	WHERE s.lang = 'km' AND s.version = d.current_version
	  AND d.slug NOT LIKE 'bench-%';
	SELECT array_agg(t.intro ORDER BY t.document_id),
	    array_agg(search_words('km', t.intro) ORDER BY t.document_id),
	    array_agg(t.title ORDER BY t.document_id),
	    array_agg(search_words('km', t.title) ORDER BY t.document_id)
	INTO km_intro, km_intro_w, km_doc, km_doc_w
	FROM document_texts t JOIN documents d ON d.id = t.document_id
	WHERE t.lang = 'km' AND t.version = d.current_version
	  AND t.intro IS NOT NULL AND d.slug NOT LIKE 'bench-%';

	IF vt IS NULL OR kt IS NULL THEN
		RAISE EXCEPTION 'import content/ first: the generator reuses its sentences';
	END IF;

	SELECT coalesce(array_agg(name_vi ORDER BY code), '{}') INTO places
	FROM org_units WHERE kind = 'grassroots';
	SELECT coalesce(array_agg(code ORDER BY code), '{}') INTO districts
	FROM org_units WHERE kind = 'district';

	FOR i IN 1..n LOOP
		r := random();
		k_kind := CASE WHEN r < 0.45 THEN 1 WHEN r < 0.60 THEN 2
		    WHEN r < 0.72 THEN 3 WHEN r < 0.84 THEN 4 ELSE 5 END;
		unit := NULL;
		-- A study outline belongs to a district (when the demo
		-- province is there); two in three others to everybody.
		IF k_kind = 5 AND cardinality(districts) > 0 AND random() < 0.6 THEN
			unit := districts[1 + (i % cardinality(districts))];
		END IF;
		topic := CASE WHEN random() < 0.006
		    THEN rare[1 + (i % cardinality(rare))]
		    ELSE topics[1 + floor(random() * cardinality(topics))::int] END;
		num := (1 + i % 97)::text || '-' || kind_code[k_kind] || '/' ||
		    (ARRAY['TU', 'HU', 'ĐU'])[1 + i % 3];

		nsec := 5 + floor(random() * 8)::int;
		secs := '[]';
		FOR k IN 1..nsec LOOP
			p := 1 + floor(random() * cardinality(vt))::int;
			q := 1 + floor(random() * cardinality(vd))::int;
			det := vd[q];
			IF random() < 0.5 THEN
				det := det || ' ' || vd[1 + floor(random() * cardinality(vd))::int];
			END IF;
			-- The topic and a place come back in some details.
			IF random() < 0.25 THEN
				det := det || ' Các chi bộ gắn việc học tập với ' ||
				    topic || CASE WHEN cardinality(places) > 0 AND random() < 0.3
				    THEN ' ở ' || places[1 + floor(random() * cardinality(places))::int]
				    ELSE '' END || '.';
			END IF;
			secs := secs || jsonb_build_object('title', vt[p],
			    'summary', vs[1 + floor(random() * cardinality(vs))::int],
			    'details', det);
		END LOOP;

		texts := jsonb_build_object('vi', jsonb_build_object(
		    'title', kind_vi[k_kind] || ' số ' || num || ' về ' || topic,
		    'intro', vi_intro[1 + i % cardinality(vi_intro)],
		    'sha256', md5('vi' || i), 'sections', secs));

		-- One document in five has a Khmer text (the provinces where
		-- members read Khmer).
		IF random() < 0.2 THEN
			ksecs := '[]';
			FOR k IN 1..nsec LOOP
				p := 1 + floor(random() * cardinality(kt))::int;
				q := 1 + floor(random() * cardinality(kt))::int;
				ksecs := ksecs || jsonb_build_object('title', kt[p],
				    'summary', ks[q], 'details', kd[p],
				    'segmented', jsonb_build_object('title', kt_w[p],
					'summary', ks_w[q], 'details', kd_w[p]));
			END LOOP;
			j := 1 + i % cardinality(km_doc);
			texts := texts || jsonb_build_object('km', jsonb_build_object(
			    'title', num || ' ' || km_doc[j],
			    'intro', km_intro[j], 'review', 'pending',
			    'sha256', md5('km' || i), 'sections', ksecs,
			    'segmented', jsonb_build_object(
				'title', num || ' ' || km_doc_w[j],
				'intro', km_intro_w[j])));
		END IF;

		docs := docs || jsonb_build_object(
		    'slug', 'bench-' || lpad(i::text, 5, '0'),
		    'number', num, 'kind', kinds[k_kind],
		    'title_vi', texts->'vi'->>'title',
		    'issuer', 'Ban Thường vụ (dữ liệu benchmark)',
		    'level', (ARRAY['province', 'district', 'grassroots'])[1 + i % 3],
		    'issued', (date '2015-01-01' + (i * 7919) % 3650)::text,
		    'tags', jsonb_build_array('benchmark'), 'audience',
		    jsonb_build_array('members'), 'sample', true,
		    'unit', unit, 'sha256', md5('doc' || i), 'texts', texts);

		IF i % 500 = 0 OR i = n THEN
			PERFORM content_import(search_khmer_import(
			    jsonb_build_object('documents', docs)));
			docs := '[]';
		END IF;
	END LOOP;
END
$$;

ANALYZE search_sections;
ANALYZE search_match;
ANALYZE documents;
