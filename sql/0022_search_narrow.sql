-- Search: find the candidates in a narrow table (issue 4: p95 under
-- 20 ms on the sample corpus plus 10,000 generated documents;
-- tests/bench/search.sh).
--
-- After 0018, words of middling frequency (a few thousand matching
-- sections: "thanh long", "chuyển đổi số") were the slow case. Finding
-- the 101 newest matching sections reads either a few thousand rows in
-- issue order (the walk) or every match the GIN index gives, and each of
-- those reads went to a search_sections row of about 1.4 kB (the snippet
-- text, the weighted tsvector with its positions): five rows to a page,
-- 160 MB for 114,000 sections, more than shared_buffers held. Only the
-- 100 ranked sections and the page need those columns.
--
-- So the candidates are now found in search_match: one row per row of
-- search_sections with only what filtering and picking the newest need
-- (the key, the languages it serves, unit_id, issued) and the lexemes of
-- its tsvector without positions or weights (strip()): about half the
-- bytes, 80 MB where search_sections was 160 MB, and its rows are read
-- in issue order by search_match_recent. search_sections keeps the
-- snippet text and the weighted tsvector, read by primary key for the
-- (at most 100) ranked sections only: ts_rank_cd() still puts a title or
-- summary match above a details match. plainto_tsquery() makes only AND
-- queries of plain lexemes, which a stripped tsvector answers exactly
-- as the weighted one (no weights or phrases are asked for), and the GIN
-- index answers them without rechecking the heap.
--
-- Measured on the benchmark corpus (2 cores, other work running): the
-- walk reads about 0.3 to 0.5 us per row here (three times less than on
-- search_sections), while the GIN index costs 2 to 4 us per matching
-- section (one heap page each, in no useful order, after decoding the
-- posting lists of every word). The choice between them after the probe
-- of the 1,000 newest rows now weighs a match five times a walked row
-- (it was 1.5): a word found in more than about 1.3% of the sections is
-- walked to, fewer go to the index. When the walk goes on after the
-- probe, it starts from the last row the probe read (0018 began again
-- from the newest). The candidates, the ranking and "truncated" are the
-- same whichever way they are found; tests/integration/search.sh checks
-- pages against the definition computed the slow way. Among sections of
-- the same date and document, the walk now takes the key in descending
-- order (0018: language and position ascending), which only decides
-- which sections of one document are the 100th and 101st.
--
-- Not done: RUM (postgresql-15-rum), an index that returns matches in
-- issue order, would replace the walk and the GIN scan, but it needs a
-- superuser to CREATE EXTENSION (it is not trusted; migrations run as
-- the database's owner), so every external database would need its DBA
-- first, and what is left after this change is mostly not finding the
-- candidates: about 3 ms for the page's 20 ts_headline() snippets, 1 ms
-- for the caller's units, and the walk of a few thousand narrow rows for
-- the middling words (1 to 4 ms unloaded).

CREATE TABLE search_match (
	document_id	bigint NOT NULL,
	lang		text NOT NULL,
	position	integer NOT NULL,
	serves		text[] NOT NULL,
	unit_id		bigint,
	issued		date NOT NULL,
	-- strip(search_sections.tsv): the lexemes, for matching only.
	lexemes		tsvector NOT NULL,
	PRIMARY KEY (document_id, lang, position),
	-- Rebuilt with its search_sections row, gone with it.
	FOREIGN KEY (document_id, lang, position)
	    REFERENCES search_sections ON DELETE CASCADE
);

-- search_sections is no longer searched, only read by key.
DROP INDEX search_sections_tsv;
DROP INDEX search_sections_recent;

-- What is indexed already.
INSERT INTO search_match (document_id, lang, position, serves, unit_id,
    issued, lexemes)
SELECT s.document_id, s.lang, s.position, s.serves, s.unit_id, s.issued,
    strip(s.tsv)
FROM search_sections s;

-- Built after the rows are in: much faster than row by row.
CREATE INDEX search_match_lexemes ON search_match USING gin (lexemes)
	WITH (fastupdate = off);
-- The walk, newest first (read backwards): issue date, then the key.
CREATE INDEX search_match_recent ON search_match
	(issued, document_id, lang, position);

ANALYZE search_match;

CREATE OR REPLACE FUNCTION search_index_document(doc bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	ver integer;
	has_km boolean;
	doc_unit bigint;
	doc_issued date;
BEGIN
	-- search_match follows (ON DELETE CASCADE).
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

	INSERT INTO search_match (document_id, lang, position, serves,
	    unit_id, issued, lexemes)
	SELECT s.document_id, s.lang, s.position, s.serves, s.unit_id,
	    s.issued, strip(s.tsv)
	FROM search_sections s
	WHERE s.document_id = doc;
END
$$;

-- GET /api/v1/search?q=&lang=&limit=, as in 0018 (same arguments, same
-- answers), with the candidates found in search_match.
CREATE OR REPLACE FUNCTION api_search(actor bigint, query text, want text,
    lim integer)
RETURNS json
LANGUAGE plpgsql STABLE
-- The probe below must walk search_match_recent, not sort the table:
-- with the default (4, for disks) the planner sometimes prefers the sort.
SET random_page_cost = 1.1
AS $$
DECLARE
	n integer := least(greatest(coalesce(lim, 20), 1), 50);
	words text := normalize(coalesce(query, ''), NFC);
	-- How many matching sections are ranked at most.
	ranked_max constant integer := 100;
	-- How many of the newest sections the probe reads at most.
	probe_rows constant integer := 1000;
	-- What a section the GIN index finds costs, in rows walked (see
	-- the top of this file).
	match_cost constant float8 := 5;
	q tsquery;
	units bigint[];
	found integer;
	c_doc bigint[];
	c_lang text[];
	c_pos integer[];
	by_index boolean;
	-- Where the probe stopped, and what the walk found after it.
	last_issued date;
	last_doc bigint;
	last_lang text;
	last_pos integer;
	more integer;
	m_doc bigint[];
	m_lang text[];
	m_pos integer[];
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
	by_index := EXISTS (SELECT 1
	    FROM unnest(tsvector_to_array(to_tsvector('hb_search', words))) w
	    WHERE w <> ALL (coalesce((SELECT st.most_common_elems::text::text[]
		FROM pg_stats st
		WHERE st.schemaname = current_schema()
		  AND st.tablename = 'search_match'
		  AND st.attname = 'lexemes'),
		'{}')));

	-- Only common words: read the newest sections in issue order
	-- (search_match_recent) and stop at ranked_max + 1 hits, reading at
	-- most probe_rows: a word found in one section in ten or more is
	-- done there. The LIMIT inside keeps the filter out of the ordered
	-- scan, so that the planner cannot turn it back into a GIN scan and
	-- a sort.
	--
	-- Fewer hits than that among the newest probe_rows: either walk on
	-- in the same order from the last row the probe read or let the GIN
	-- index find every match and sort them, whichever costs less. With
	-- k hits in the probe, the walk reads about probe_rows *
	-- (ranked_max + 1) / k rows, the GIN index finds about k / probe_rows
	-- of the table's rows, each at match_cost rows' worth. (0018 probed
	-- 2,500 rows and walked on from the newest again; 1,000 tell the two
	-- cases apart as well.) The order is the primary key's, newest
	-- first, every column descending, so that where the probe stopped is
	-- one row comparison (search_match_recent read backwards).
	found := 0;
	IF NOT by_index THEN
		SELECT count(*), array_agg(h.document_id), array_agg(h.lang),
		    array_agg(h.position)
		INTO found, c_doc, c_lang, c_pos
		FROM (SELECT r.* FROM (
			SELECT m.document_id, m.lang, m.position, m.lexemes,
			    m.serves, m.unit_id
			FROM search_match m
			ORDER BY m.issued DESC, m.document_id DESC,
			    m.lang DESC, m.position DESC
			LIMIT probe_rows) r
		    WHERE r.lexemes @@ q AND want = ANY (r.serves)
		      AND (r.unit_id IS NULL OR r.unit_id = ANY (units))
		    LIMIT ranked_max + 1) h;
	END IF;
	IF NOT by_index AND found <= ranked_max THEN
		-- The last row the probe read; none when it read the whole
		-- table, and then its hits are all there is.
		SELECT m.issued, m.document_id, m.lang, m.position
		INTO last_issued, last_doc, last_lang, last_pos
		FROM search_match m
		ORDER BY m.issued DESC, m.document_id DESC, m.lang DESC,
		    m.position DESC
		OFFSET probe_rows - 1 LIMIT 1;
		IF last_doc IS NULL THEN
			NULL;
		ELSIF found = 0 OR
		    probe_rows::float8 * (ranked_max + 1) / found >=
		    match_cost * found * (SELECT greatest(c.reltuples, 0)
			FROM pg_class c
			WHERE c.oid = 'search_match'::regclass) / probe_rows THEN
			by_index := true;
		ELSE
			SELECT count(*), array_agg(h.document_id),
			    array_agg(h.lang), array_agg(h.position)
			INTO more, m_doc, m_lang, m_pos
			FROM (SELECT r.* FROM (
				SELECT m.document_id, m.lang, m.position,
				    m.lexemes, m.serves, m.unit_id
				FROM search_match m
				WHERE (m.issued, m.document_id, m.lang,
				    m.position) < (last_issued, last_doc,
				    last_lang, last_pos)
				ORDER BY m.issued DESC, m.document_id DESC,
				    m.lang DESC, m.position DESC
				LIMIT 2147483647) r
			    WHERE r.lexemes @@ q AND want = ANY (r.serves)
			      AND (r.unit_id IS NULL OR r.unit_id = ANY (units))
			    LIMIT ranked_max + 1 - found) h;
			found := found + more;
			c_doc := c_doc || m_doc;
			c_lang := c_lang || m_lang;
			c_pos := c_pos || m_pos;
		END IF;
	END IF;

	-- Rarer words: every match from the GIN index, the newest taken.
	-- Planned with the query's words (EXECUTE), not a generic plan.
	IF by_index THEN
		EXECUTE $q$
		WITH hit AS MATERIALIZED (
			SELECT m.document_id, m.lang, m.position, m.issued
			FROM search_match m
			WHERE m.lexemes @@ $1 AND $2 = ANY (m.serves)
			  AND (m.unit_id IS NULL OR m.unit_id = ANY ($3))
		)
		SELECT count(*), array_agg(h.document_id), array_agg(h.lang),
		    array_agg(h.position)
		FROM (SELECT * FROM hit
		    ORDER BY issued DESC, document_id DESC, lang DESC,
			position DESC
		    LIMIT $4 + 1) h
		$q$ INTO found, c_doc, c_lang, c_pos
		USING q, want, units, ranked_max;
	END IF;

	-- Rank the candidates (at most ranked_max) with their weighted
	-- tsvector and cut the snippets of the page only: the wide rows of
	-- search_sections, by primary key.
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
