-- The token check of every request, and a member's document read, planned
-- once per database connection instead of at every request.
--
-- Kore sends each statement with its parameters but unprepared (PQsend-
-- QueryParams), so PostgreSQL parses and plans it every time. For the
-- token check that planning was most of the work: session_member() is
-- inlined into the caller's statement (sql/0023), so the join of sessions
-- and members was planned anew per request, and document_head() and
-- document_visible(), SQL functions that cannot be inlined, planned their
-- own queries at every call. PL/pgSQL keeps the plans of the statements in
-- a function for the life of the connection, and Kore's workers hold
-- theirs open. Measured with pgbench on one connection (2026-11-28,
-- extended protocol as Kore sends, 4 s runs, machine busy):
--   token check alone: SELECT ... FROM session_member($1)   0.26-0.53 ms
--                      auth_session_member($1), below       0.10-0.19 ms
--   token and document: the statement of document_read.c  0.82-0.84 ms
--                      document_head_for_session($1, $2)  0.29-0.33 ms
-- The rule itself is unchanged and stays in one place: session_member()
-- (who holds a live session) and document_visible() (who may read a
-- document). tests/bench/document_vs_nginx.sh shows the effect on a read.

-- Who holds this token: the member and their language; both NULL when the
-- session is unknown, expired or revoked, or the account disabled. Was an
-- SQL function (sql/0015, sql/0023) that PostgreSQL planned at every call.
CREATE OR REPLACE FUNCTION auth_session_member(token_hash text,
    OUT member_id bigint, OUT lang text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	SELECT sm.member_id, sm.lang
	INTO auth_session_member.member_id, auth_session_member.lang
	FROM session_member(auth_session_member.token_hash) sm;
END
$$;

-- GET /api/v1/documents/{id} with a token (kore-app/document_read.c), in
-- one round trip: who holds the token (as auth_session_member()) and the
-- version of document doc that member may read now (as document_head():
-- NULL when the document is unknown, not published or not theirs).
CREATE FUNCTION document_head_for_session(token_hash text, doc bigint,
    OUT member_id bigint, OUT lang text, OUT version integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	SELECT sm.member_id, sm.lang
	INTO document_head_for_session.member_id,
	    document_head_for_session.lang
	FROM session_member(document_head_for_session.token_hash) sm;
	IF document_head_for_session.member_id IS NULL THEN
		RETURN;
	END IF;
	SELECT d.current_version INTO document_head_for_session.version
	FROM documents d
	WHERE d.id = document_head_for_session.doc
	    AND document_visible(document_head_for_session.member_id, d);
END
$$;
