-- Search fast enough on a large corpus (issue 4: p95 under 20 ms with
-- 10,000 generated documents; tests/bench/search.sh measures it).
--
-- api_search() of 0011 ranked every matching section with ts_rank_cd()
-- and called document_visible() on each before taking the first page: a
-- word found in most documents ("nghị quyết", "đảng viên") cost about a
-- second. Three things change here.
--
-- 1. Visibility is decided once per query, not once per row. The index
--    now holds only published documents (the trigger also runs when a
--    document's state or unit changes, so a withdrawal empties it at
--    once), and each row carries the document's unit_id. A row is
--    visible when unit_id is NULL (most documents: everyone) or is one of
--    the units the caller may read documents of, a short list computed
--    once from document_visible()'s own rule. Same answers, no join.
--
-- 2. The ranking is bounded. Of the sections that match, the 100 of the
--    most recently issued documents are taken (newest first), and only
--    those are ranked with ts_rank_cd(). When more sections match, the
--    response says "truncated": true; older documents then need a more
--    precise query. Recent resolutions replace older ones on the same
--    subject, so among thousands of equal matches the newest are the
--    ones a member is after; below 100 matches the ranking is exact.
--    Within the page the order is rank (title above summary above
--    details, as before), then the newer document. 100 is about ten
--    documents' worth of core points, five pages of the default size;
--    200 or 1,000 cost several ms more on 2 cores.
--
-- 3. How the 100 are found does not depend on the planner's guess of how
--    common the words are: it takes the words of a query as independent
--    and underestimates how often common words meet ("học tập nghị quyết
--    chi bộ": 2,000 rows expected, 19,000 found), and then chose the GIN
--    index and sorted all of them (230 ms). A query with a rare word (one
--    not among the most common lexemes in the table's statistics) goes
--    to the GIN index, which finds its few rows at once. Otherwise
--    api_search() reads the newest 2,500 sections in order
--    (search_sections_recent) and stops at 101 hits; with fewer, it
--    either walks on or uses the GIN index, whichever its count of hits
--    says reads fewer rows. The candidates are the same either way.
--
-- RUM (ordered full-text index scans) is packaged by Debian
-- (postgresql-15-rum), but its extension is not trusted, so it would need
-- a superuser in every database the handbook is deployed to (migrations
-- run as the database owner); it has not been tried yet. Words of middling
-- frequency (a few thousand sections) are still the slow case: see
-- tests/bench/README.md.

ALTER TABLE search_sections
	ADD COLUMN unit_id bigint,
	ADD COLUMN issued date;

-- What the bounded scan walks, newest first; the rest of the key is the
-- order of the page, so the first 100 are the same whatever the plan.
CREATE INDEX search_sections_recent ON search_sections
	(issued DESC, document_id DESC, lang, position);

-- The units that have documents of their own: few, and what the caller's
-- visible units are chosen among.
CREATE INDEX documents_unit ON documents (unit_id) WHERE unit_id IS NOT NULL;

CREATE OR REPLACE FUNCTION search_index_document(doc bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	ver integer;
	has_km boolean;
	doc_unit bigint;
	doc_issued date;
BEGIN
	DELETE FROM search_sections WHERE document_id = doc;
	SELECT d.current_version, d.unit_id, v.issued
	INTO ver, doc_unit, doc_issued
	FROM documents d
	JOIN document_versions v ON v.document_id = d.id
	    AND v.version = d.current_version
	WHERE d.id = doc AND d.state = 'published';
	IF ver IS NULL THEN
		RETURN;
	END IF;
	has_km := EXISTS (SELECT 1 FROM document_texts
	    WHERE document_id = doc AND version = ver AND lang = 'km');

	INSERT INTO search_sections (document_id, version, lang, position,
	    serves, snippet_text, tsv, unit_id, issued)
	SELECT t.document_id, t.version, t.lang, 0,
	    CASE WHEN t.lang = 'vi' AND NOT has_km THEN '{vi,km}'::text[]
		ELSE ARRAY[t.lang] END,
	    search_words(t.lang, coalesce(t.intro, t.title)),
	    setweight(to_tsvector('hb_search', v.number || ' ' ||
		search_words(t.lang, t.title)), 'A') ||
	    setweight(to_tsvector('hb_search',
		search_words(t.lang, coalesce(t.intro, ''))), 'B'),
	    doc_unit, doc_issued
	FROM document_texts t
	JOIN document_versions v ON v.document_id = t.document_id
	    AND v.version = t.version
	WHERE t.document_id = doc AND t.version = ver
	UNION ALL
	SELECT s.document_id, s.version, s.lang, s.position,
	    CASE WHEN s.lang = 'vi' AND NOT has_km THEN '{vi,km}'::text[]
		ELSE ARRAY[s.lang] END,
	    concat_ws(E'\n', search_words(s.lang, s.summary),
		nullif(search_words(s.lang, s.details), '')),
	    setweight(to_tsvector('hb_search',
		search_words(s.lang, s.title)), 'A') ||
	    setweight(to_tsvector('hb_search',
		search_words(s.lang, s.summary)), 'B') ||
	    setweight(to_tsvector('hb_search',
		search_words(s.lang, s.details)), 'C'),
	    doc_unit, doc_issued
	FROM document_sections s
	WHERE s.document_id = doc AND s.version = ver;
END
$$;

CREATE OR REPLACE FUNCTION search_documents_reindex() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' OR
	    OLD.current_version IS DISTINCT FROM NEW.current_version OR
	    OLD.state IS DISTINCT FROM NEW.state OR
	    OLD.unit_id IS DISTINCT FROM NEW.unit_id THEN
		PERFORM search_index_document(NEW.id);
	END IF;
	RETURN NULL;
END
$$;

DROP TRIGGER documents_search ON documents;
CREATE TRIGGER documents_search
	AFTER INSERT OR UPDATE OF current_version, state, unit_id ON documents
	FOR EACH ROW EXECUTE FUNCTION search_documents_reindex();

-- Everything again, with the new columns and without what is withdrawn.
DO $$
BEGIN
	PERFORM search_index_document(id) FROM documents;
END
$$;
ANALYZE search_sections;

-- The units whose documents actor may read, among the units that have
-- documents: the unit part of document_visible() (0010), once per query.
CREATE FUNCTION search_visible_units(actor bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(u.id), '{}')
	FROM org_units u
	WHERE u.id IN (SELECT DISTINCT d.unit_id FROM documents d
	    WHERE d.unit_id IS NOT NULL)
	  AND (actor_cell_path(actor) <@ u.path OR
	    path_in_scope(actor, 'unit.read', u.path))
$$;

-- GET /api/v1/search?q=&lang=&limit=, as in 0011 (same arguments, same
-- items), with "truncated": true when more sections matched than the
-- 100 that were ranked.
CREATE OR REPLACE FUNCTION api_search(actor bigint, query text, want text,
    lim integer)
RETURNS json
LANGUAGE plpgsql STABLE
-- The probe below must walk search_sections_recent, not sort the table:
-- with the default (4, for disks) the planner sometimes prefers the sort.
SET random_page_cost = 1.1
AS $$
DECLARE
	n integer := least(greatest(coalesce(lim, 20), 1), 50);
	words text := normalize(coalesce(query, ''), NFC);
	-- How many matching sections are ranked at most.
	ranked_max constant integer := 100;
	-- How many of the newest sections the probe reads at most.
	probe_rows constant integer := 2500;
	q tsquery;
	units bigint[];
	found integer;
	c_doc bigint[];
	c_lang text[];
	c_pos integer[];
	rare boolean;
	scan_rows integer;
	items json;
BEGIN
	-- Punctuation only: no word to look for. Checked first, because
	-- plainto_tsquery() would say so in a NOTICE.
	IF length(to_tsvector('hb_search', words)) = 0 THEN
		RETURN json_build_object('items', '[]'::json, 'truncated', false);
	END IF;
	q := plainto_tsquery('hb_search', words);
	units := search_visible_units(actor);

	-- The candidates: the first ranked_max + 1 matching sections, newest
	-- first. A word that is not among the most common lexemes of the
	-- index (ANALYZE keeps about a thousand, down to a few per thousand
	-- rows) is rare: the GIN index finds its few rows at once. Without
	-- statistics yet, every word counts as rare: right, only slower.
	rare := EXISTS (SELECT 1
	    FROM unnest(tsvector_to_array(to_tsvector('hb_search', words))) w
	    WHERE w <> ALL (coalesce((SELECT st.most_common_elems::text::text[]
		FROM pg_stats st
		WHERE st.schemaname = current_schema()
		  AND st.tablename = 'search_sections' AND st.attname = 'tsv'),
		'{}')));

	-- Only common words: they are found often among the newest
	-- sections, so read those in that order (search_sections_recent)
	-- and stop at ranked_max + 1 hits, reading at most probe_rows (see 3.
	-- above for why not the planner). The LIMIT inside keeps the filter
	-- out of the ordered scan, so that the planner cannot turn it back
	-- into a GIN scan and a sort.
	--
	-- Fewer hits than that among the newest probe_rows: either walk on
	-- in the same order (a second pass, without the bound on rows read)
	-- or let the GIN index find every match and sort them, whichever
	-- reads fewer rows. With k hits in the probe, the walk reads about
	-- probe_rows * (ranked_max + 1) / k rows, the GIN index about
	-- k / probe_rows of the table's rows, each at about 1.5 times the
	-- cost (measured). The candidates are the same whichever way they
	-- were found.
	found := 0;
	scan_rows := probe_rows;
	WHILE NOT rare LOOP
		SELECT count(*), array_agg(h.document_id), array_agg(h.lang),
		    array_agg(h.position)
		INTO found, c_doc, c_lang, c_pos
		FROM (SELECT r.* FROM (
			SELECT s.document_id, s.lang, s.position, s.tsv, s.serves,
			    s.unit_id
			FROM search_sections s
			ORDER BY s.issued DESC, s.document_id DESC, s.lang,
			    s.position
			LIMIT scan_rows) r
		    WHERE r.tsv @@ q AND want = ANY (r.serves)
		      AND (r.unit_id IS NULL OR r.unit_id = ANY (units))
		    LIMIT ranked_max + 1) h;
		EXIT WHEN found > ranked_max OR scan_rows > probe_rows;
		IF found = 0 OR probe_rows::float8 * (ranked_max + 1) / found >=
		    1.5 * found * (SELECT greatest(c.reltuples, 0) FROM pg_class c
			WHERE c.oid = 'search_sections'::regclass) / probe_rows THEN
			rare := true;
		END IF;
		scan_rows := 2147483647;
	END LOOP;

	-- Rare words: every match from the GIN index, the newest taken.
	-- Planned with the query's words (EXECUTE), not a generic plan.
	IF rare THEN
		EXECUTE $q$
		WITH m AS MATERIALIZED (
			SELECT s.document_id, s.lang, s.position, s.issued
			FROM search_sections s
			WHERE s.tsv @@ $1 AND $2 = ANY (s.serves)
			  AND (s.unit_id IS NULL OR s.unit_id = ANY ($3))
		)
		SELECT count(*), array_agg(h.document_id), array_agg(h.lang),
		    array_agg(h.position)
		FROM (SELECT * FROM m
		    ORDER BY issued DESC, document_id DESC, lang, position
		    LIMIT $4 + 1) h
		$q$ INTO found, c_doc, c_lang, c_pos
		USING q, want, units, ranked_max;
	END IF;

	-- Rank the candidates (at most ranked_max) and cut the snippets of
	-- the page only.
	WITH page AS (
		SELECT s.document_id, s.version, s.lang, s.position, s.issued,
		    s.snippet_text,
		    ts_rank_cd('{0.05, 0.1, 0.4, 1.0}', s.tsv, q) AS rank
		FROM unnest(c_doc, c_lang, c_pos) WITH ORDINALITY
		    AS c (document_id, lang, position, nth)
		JOIN search_sections s ON s.document_id = c.document_id
		    AND s.lang = c.lang AND s.position = c.position
		WHERE c.nth <= ranked_max
		ORDER BY rank DESC, s.issued DESC, s.document_id DESC, s.lang,
		    s.position
		LIMIT n
	)
	SELECT coalesce(json_agg(json_build_object(
		'document_id', p.document_id, 'slug', d.slug,
		'number', v.number, 'lang', p.lang, 'title', t.title,
		'section', nullif(p.position, 0), 'section_title', sec.title,
		'snippet', ts_headline('hb_search',
		    replace(replace(replace(replace(p.snippet_text,
			'&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'),
		    q, 'StartSel=<mark>, StopSel=</mark>, MaxFragments=2, '
		    'MaxWords=30, MinWords=10, ShortWord=1, '
		    'FragmentDelimiter=" … "'),
		'rank', round(p.rank::numeric, 4))
	    ORDER BY p.rank DESC, p.issued DESC, p.document_id DESC, p.lang,
		p.position), '[]')
	INTO items
	FROM page p
	JOIN documents d ON d.id = p.document_id
	JOIN document_versions v ON v.document_id = p.document_id
	    AND v.version = p.version
	JOIN document_texts t ON t.document_id = p.document_id
	    AND t.version = p.version AND t.lang = p.lang
	LEFT JOIN document_sections sec ON sec.document_id = p.document_id
	    AND sec.version = p.version AND sec.lang = p.lang
	    AND sec.position = p.position;

	RETURN json_build_object('items', items,
	    'truncated', found > ranked_max);
END
$$;
