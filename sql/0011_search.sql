-- Full-text search over the published content: the SQL half of
-- GET /api/v1/search (kore-app/search.c).
--
-- One row of search_sections per (document, language, core point) of the
-- current version of every document, plus one row (position 0) for the
-- document's heading: its number, title and intro. The row keeps a
-- weighted tsvector (titles A, summaries and intros B, details C, so that
-- ts_rank_cd puts a title or summary match above one in the details) and
-- the text its snippet is cut from. Only current versions are indexed, so
-- the GIN index stays as small as the content members can read; rows are
-- rebuilt by a trigger whenever a document's current version changes,
-- whoever changes it (content_import(), the board's publish). Who may see
-- a document is decided at query time by document_visible(), as for
-- GET /api/v1/documents, so withdrawing or moving a document needs no
-- reindexing.
--
-- Vietnamese: users type without tone marks. The text search
-- configuration hb_search runs every word through the unaccent dictionary
-- (naming it, so nothing depends on search_path at index time) and then
-- lower-cases it: "Nghị quyết", "nghi quyet" and "NGHI QUYET" all give
-- 'nghi' & 'quyet', đ gives d. Folding inside the configuration rather
-- than with an unaccent() wrapper over a folded copy of the text is what
-- lets ts_headline() mark the words of the original, accented text. The
-- tsvector is stored, not an index expression, so unaccent() being STABLE
-- does not matter here (DESIGN.md, Text).
--
-- Khmer: no spaces between words, and the parser makes one token of a
-- whole Khmer phrase. ICU's word break is not in PostgreSQL, so the
-- importer (tools/hbcontent.c, with kore-app/khmer.c) sends, beside each
-- Khmer text, a copy with its cluster order normalised and ZWSP (U+200B,
-- a blank to the parser, invisible to a reader) between the words. Those
-- copies are kept in search_khmer_words by the SHA-256 of the stored
-- text, so content_import() is not touched: hbcontent calls
-- content_import(search_khmer_import(payload)), one statement. A Khmer text
-- without a copy (imported by SQL, say) is indexed as it is: found by
-- whole phrases only. The search handler normalises and segments the
-- query with the same code.

CREATE TEXT SEARCH CONFIGURATION hb_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION hb_search
	ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword,
	    hword_part, numword, numhword
	WITH unaccent, simple;

-- Segmented copies of Khmer texts, by the SHA-256 of the text as stored
-- (NFC). A copy depends only on the text, so one row serves every version
-- and document that has the same sentence.
CREATE TABLE search_khmer_words (
	sha256		bytea PRIMARY KEY,
	words		text NOT NULL
);

CREATE TABLE search_sections (
	document_id	bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	version		integer NOT NULL,
	lang		text NOT NULL,
	-- The core point, 1..12; 0 is the document's heading.
	position	integer NOT NULL,
	-- The languages whose searches this row answers: a Vietnamese text
	-- answers Khmer searches too when the document has no Khmer text,
	-- as GET /api/v1/documents falls back to it.
	serves		text[] NOT NULL,
	-- What the snippet is cut from (for Khmer, the segmented copy).
	snippet_text	text NOT NULL,
	tsv		tsvector NOT NULL,
	PRIMARY KEY (document_id, lang, position)
);

-- Reads far outnumber imports: no pending list for a search to scan.
CREATE INDEX search_sections_tsv ON search_sections USING gin (tsv)
	WITH (fastupdate = off);

-- The text the index sees: for Khmer, its segmented copy when there is one.
CREATE FUNCTION search_words(lang text, t text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN lang = 'km' AND t <> '' THEN coalesce(
	    (SELECT w.words FROM search_khmer_words w
	     WHERE w.sha256 = sha256(convert_to(t, 'UTF8'))), t)
	    ELSE t END
$$;

-- Rebuilds the rows of one document from its current version (none when
-- it has no current version).
CREATE FUNCTION search_index_document(doc bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	ver integer;
	has_km boolean;
BEGIN
	DELETE FROM search_sections WHERE document_id = doc;
	SELECT current_version INTO ver FROM documents WHERE id = doc;
	IF ver IS NULL THEN
		RETURN;
	END IF;
	has_km := EXISTS (SELECT 1 FROM document_texts
	    WHERE document_id = doc AND version = ver AND lang = 'km');

	INSERT INTO search_sections (document_id, version, lang, position,
	    serves, snippet_text, tsv)
	SELECT t.document_id, t.version, t.lang, 0,
	    CASE WHEN t.lang = 'vi' AND NOT has_km THEN '{vi,km}'::text[]
		ELSE ARRAY[t.lang] END,
	    search_words(t.lang, coalesce(t.intro, t.title)),
	    setweight(to_tsvector('hb_search', v.number || ' ' ||
		search_words(t.lang, t.title)), 'A') ||
	    setweight(to_tsvector('hb_search',
		search_words(t.lang, coalesce(t.intro, ''))), 'B')
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
		search_words(s.lang, s.details)), 'C')
	FROM document_sections s
	WHERE s.document_id = doc AND s.version = ver;
END
$$;

CREATE FUNCTION search_documents_reindex() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' OR
	    OLD.current_version IS DISTINCT FROM NEW.current_version THEN
		PERFORM search_index_document(NEW.id);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER documents_search
	AFTER INSERT OR UPDATE OF current_version ON documents
	FOR EACH ROW EXECUTE FUNCTION search_documents_reindex();

-- Keeps the segmented Khmer copies that tools/hbcontent.c puts in the
-- import payload ("segmented" beside each Khmer text and section:
-- {"title", "intro"} and {"title", "summary", "details"}) and returns the
-- payload, for content_import() to take in the same statement. The key is
-- the text as content_import() stores it (NFC). A document whose Khmer text
-- is unchanged but gets copies for the first time (imported before this
-- migration) is reindexed here, since content_import() will leave it alone.
CREATE FUNCTION search_khmer_import(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	added integer;
BEGIN
	WITH km AS (
		SELECT d->>'slug' AS slug, d->'texts'->'km' AS t
		FROM jsonb_array_elements(payload->'documents') AS d
		WHERE d->'texts'->'km' IS NOT NULL
	), pairs AS (
		SELECT km.slug, p.source, p.words
		FROM km, LATERAL (VALUES
		    (km.t->>'title', km.t->'segmented'->>'title'),
		    (km.t->>'intro', km.t->'segmented'->>'intro')) AS p (source, words)
		UNION ALL
		SELECT km.slug, p.source, p.words
		FROM km, jsonb_array_elements(km.t->'sections') AS s,
		    LATERAL (VALUES
			(s->>'title', s->'segmented'->>'title'),
			(s->>'summary', s->'segmented'->>'summary'),
			(s->>'details', s->'segmented'->>'details'))
		    AS p (source, words)
	), added AS (
		INSERT INTO search_khmer_words (sha256, words)
		SELECT DISTINCT ON (1)
		    sha256(convert_to(normalize(source, NFC), 'UTF8')),
		    normalize(words, NFC)
		FROM pairs
		WHERE source IS NOT NULL AND source <> '' AND words IS NOT NULL
		ORDER BY 1
		ON CONFLICT (sha256) DO NOTHING
		RETURNING 1
	)
	SELECT count(*) INTO added FROM added;

	IF added > 0 THEN
		PERFORM search_index_document(d.id) FROM documents d
		WHERE d.current_version IS NOT NULL AND d.slug IN (
		    SELECT e->>'slug'
		    FROM jsonb_array_elements(payload->'documents') AS e);
	END IF;

	RETURN payload;
END
$$;

-- What was published before this migration.
DO $$
BEGIN
	PERFORM search_index_document(id) FROM documents
	WHERE current_version IS NOT NULL;
END
$$;

-- GET /api/v1/search?q=&lang=&limit=: the sections of the documents the
-- actor may read that match every word of query (already NFC, Khmer
-- normalised and segmented by the handler), best first, in language want
-- (or Vietnamese where a document has no text in want), limit 1..50
-- (default 20). The snippet is HTML-escaped text with <mark> around the
-- matching words and nothing else, so a client may insert it as HTML.
CREATE FUNCTION api_search(actor bigint, query text, want text, lim integer)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	n integer := least(greatest(coalesce(lim, 20), 1), 50);
	words text := normalize(coalesce(query, ''), NFC);
	q tsquery;
BEGIN
	-- Punctuation only: no word to look for. Checked first, because
	-- plainto_tsquery() would say so in a NOTICE.
	IF length(to_tsvector('hb_search', words)) = 0 THEN
		RETURN json_build_object('items', '[]'::json);
	END IF;
	q := plainto_tsquery('hb_search', words);

	RETURN (
	WITH hits AS (
		SELECT s.document_id, s.version, s.lang, s.position,
		    s.snippet_text,
		    ts_rank_cd('{0.05, 0.1, 0.4, 1.0}', s.tsv, q) AS rank
		FROM search_sections s
		JOIN documents d ON d.id = s.document_id
		WHERE s.tsv @@ q AND want = ANY (s.serves)
		  AND document_visible(actor, d)
		ORDER BY rank DESC, s.document_id, s.lang, s.position
		LIMIT n
	)
	SELECT json_build_object('items', coalesce(json_agg(json_build_object(
		'document_id', h.document_id, 'slug', d.slug,
		'number', v.number, 'lang', h.lang, 'title', t.title,
		'section', nullif(h.position, 0), 'section_title', sec.title,
		'snippet', ts_headline('hb_search',
		    replace(replace(replace(replace(h.snippet_text,
			'&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'),
		    q, 'StartSel=<mark>, StopSel=</mark>, MaxFragments=2, '
		    'MaxWords=30, MinWords=10, ShortWord=1, '
		    'FragmentDelimiter=" … "'),
		'rank', round(h.rank::numeric, 4))
	    ORDER BY h.rank DESC, h.document_id, h.lang, h.position), '[]'))
	FROM hits h
	JOIN documents d ON d.id = h.document_id
	JOIN document_versions v ON v.document_id = h.document_id
	    AND v.version = h.version
	JOIN document_texts t ON t.document_id = h.document_id
	    AND t.version = h.version AND t.lang = h.lang
	LEFT JOIN document_sections sec ON sec.document_id = h.document_id
	    AND sec.version = h.version AND sec.lang = h.lang
	    AND sec.position = h.position);
END
$$;
