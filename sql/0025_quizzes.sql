-- Quizzes and contests (issue 6): the SQL half of kore-app/quizzes.c and
-- kore-app/quiz_attempts.c.
--
-- A quiz draws its questions from the question bank of published
-- documents (quiz_questions, sql/0009, imported from content/*/quiz.yaml:
-- choices is a JSON array of {"vi", "km", "correct": bool}, exactly one
-- correct). A quiz on one document is kind 'document'; across several it
-- is a 'contest' (cuộc thi tìm hiểu nghị quyết). The version of each
-- document is pinned when the quiz is made: published versions never
-- change, so every attempt of a quiz draws from the same bank and the
-- difficulty of a question means the same thing throughout the quiz.
--
-- Who may do what (quiz_scope() below, kept apart from actor_scope() of
-- 0004 like study_scope() of 0020, so the tables do not change together):
--
--   role               makes quizzes   statistics       results per member,
--                      for units       of units         leaderboard
--   admin of U / all   U and below     U and below      U and below
--   committee of U     U and below     U and below      U and below
--   propaganda of U    U and below     U and below      - (reads no members)
--   secretary, deputy  -               their cell       their cell
--   every member       -               -                their own
--
-- The audience of a quiz is the active members whose cell is under its
-- unit; they see it and take it. Officers whose scope touches the quiz
-- (it is organised inside their subtree, or above it and so concerns
-- their members) see it too. Anyone else gets 404.
--
-- An attempt: the member starts it and gets the questions drawn for it
-- (questions_per_attempt of the bank, at random per attempt) and the
-- choices of each in an order shuffled per attempt; choices are numbered
-- 1..k in the order shown, so a number says nothing about the bank's
-- order and the correct choice's number differs from attempt to attempt.
-- The bank's correct mark is read only to score an attempt and to show a
-- submitted one: quiz_attempt_json() renders answers and correct choices
-- only for an attempt whose stored state is 'submitted' (no parameter can
-- ask for them earlier).
--
-- Time: an attempt must be submitted by its deadline, the earlier of
-- started_at + time_limit_seconds and the quiz's closes_at, with 10
-- seconds of grace for the network (quiz_grace()). A submission later
-- than that is refused with 409 attempt_expired and the attempt is
-- recorded as expired in the same transaction (the function answers the
-- status rather than raising, so the record is not rolled back). An
-- attempt left unsubmitted past its deadline shows as expired and is
-- recorded so at the member's next start or submission. Every attempt
-- started counts towards max_attempts, whatever became of it.
--
-- For reports (issue 7): quiz_member_result(quiz, member) (attempts, best
-- and last submitted score; the view quiz_member_results has it for every
-- member who tried) through the unique index on (quiz_id, member_id,
-- number), and quiz_cell_counts(quiz, within) (per cell under a unit:
-- participants, submitted attempts, perfect ones, sums of scores) through
-- the index on (quiz_id, cell_id).

CREATE TABLE quizzes (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- The audience: members under this unit. Quizzes go with their unit
	-- (no endpoint deletes units; test fixtures do).
	unit_id			bigint NOT NULL REFERENCES org_units (id)
				ON DELETE CASCADE,
	kind			text NOT NULL CHECK (kind IN ('document', 'contest')),
	title			text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
	title_km		text CHECK (length(title_km) BETWEEN 1 AND 300),
	questions_per_attempt	integer NOT NULL
				CHECK (questions_per_attempt BETWEEN 1 AND 100),
	time_limit_seconds	integer NOT NULL
				CHECK (time_limit_seconds BETWEEN 30 AND 14400),
	max_attempts		integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 50),
	opens_at		timestamptz NOT NULL,
	closes_at		timestamptz,
	client_id		uuid NOT NULL,
	request_hash		bytea NOT NULL,
	created_by		bigint REFERENCES members (id) ON DELETE SET NULL,
	created_at		timestamptz NOT NULL DEFAULT now(),
	CHECK (closes_at > opens_at),
	UNIQUE (created_by, client_id)
);

CREATE INDEX quizzes_unit ON quizzes (unit_id, id);

CREATE TABLE quiz_documents (
	quiz_id		bigint NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
	document_id	bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	-- The published version whose bank the quiz draws from.
	version		integer NOT NULL,
	position	integer NOT NULL,
	PRIMARY KEY (quiz_id, document_id)
);

CREATE INDEX quiz_documents_document ON quiz_documents (document_id);

CREATE TABLE quiz_attempts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	quiz_id		bigint NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
	member_id	bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	-- The member's cell when they started: the attempt counts there.
	cell_id		bigint NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
	-- 1 for the member's first attempt on the quiz, and so on.
	number		integer NOT NULL CHECK (number >= 1),
	client_id	uuid NOT NULL,
	state		text NOT NULL DEFAULT 'in_progress'
			CHECK (state IN ('in_progress', 'submitted', 'expired')),
	started_at	timestamptz NOT NULL DEFAULT now(),
	-- When it was submitted, or found expired.
	ended_at	timestamptz,
	max_score	integer NOT NULL,
	score		integer,
	-- Milliseconds from start to submission (the leaderboard's tie-break).
	duration_ms	bigint,
	submit_client_id uuid,
	submit_hash	bytea,
	UNIQUE (member_id, client_id),
	UNIQUE (quiz_id, member_id, number),
	CHECK ((state = 'submitted') = (score IS NOT NULL))
);

-- Statistics and reports per unit: the attempts of a quiz by cell, with
-- what they need, read from the index alone (the cells under a unit come
-- first from the GiST index of org_units, then their attempts from here).
CREATE INDEX quiz_attempts_cell ON quiz_attempts (quiz_id, cell_id)
	INCLUDE (member_id, state, score, max_score, started_at, duration_ms);

CREATE TABLE quiz_attempt_questions (
	attempt_id	bigint NOT NULL REFERENCES quiz_attempts (id)
			ON DELETE CASCADE,
	position	integer NOT NULL,
	document_id	bigint NOT NULL,
	version		integer NOT NULL,
	qid		text NOT NULL,
	-- The bank's choice indexes (0-based) in the order shown: shown
	-- choice k is the bank's choice choice_order[k].
	choice_order	smallint[] NOT NULL,
	-- The shown number chosen (NULL: not answered), and whether it was
	-- right; both set at submission.
	answer		smallint,
	is_right	boolean,
	PRIMARY KEY (attempt_id, position),
	FOREIGN KEY (document_id, version, qid)
	    REFERENCES quiz_questions ON DELETE CASCADE
);

-- The subtrees in which actor may do action: 'quiz.manage' (make
-- quizzes for units there), 'quiz.statistics' (figures of units there),
-- 'quiz.results' (per-member results and the leaderboard of members of
-- cells there).
CREATE FUNCTION quiz_scope(actor bigint, action text)
RETURNS TABLE (path ltree)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(u.path, ''::ltree)
	FROM member_roles r
	JOIN members m ON m.id = r.member_id AND m.active
	LEFT JOIN org_units u ON u.id = r.unit_id
	JOIN (VALUES
		('admin'::role_kind,	'quiz.manage'),
		('committee',		'quiz.manage'),
		('propaganda',		'quiz.manage'),
		('admin',		'quiz.statistics'),
		('committee',		'quiz.statistics'),
		('propaganda',		'quiz.statistics'),
		('cell_secretary',	'quiz.statistics'),
		('cell_deputy',		'quiz.statistics'),
		('admin',		'quiz.results'),
		('committee',		'quiz.results'),
		('cell_secretary',	'quiz.results'),
		('cell_deputy',		'quiz.results')
	) AS g (role, action) ON g.role = r.role
	WHERE r.member_id = actor AND g.action = quiz_scope.action
$$;

CREATE FUNCTION quiz_paths(actor bigint, action text) RETURNS ltree[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(path), '{}') FROM quiz_scope(actor, action)
$$;

-- May actor see a quiz whose unit has path qp? Its audience (their cell
-- is under it) and officers whose subtree touches it.
CREATE FUNCTION quiz_readable(actor bigint, qp ltree) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT qp @> actor_cell_path(actor) OR EXISTS (
		SELECT 1 FROM actor_scope(actor, 'unit.read') s
		WHERE s.path @> qp OR qp @> s.path)
$$;

CREATE FUNCTION quiz_grace() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT interval '10 seconds' $$;

-- The moment an attempt must be submitted by (grace not included).
CREATE FUNCTION quiz_attempt_deadline(a quiz_attempts, q quizzes)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT least(a.started_at + make_interval(secs => q.time_limit_seconds),
	    q.closes_at)
$$;

-- The state as the API tells it: an attempt in progress past its
-- deadline and grace is expired, recorded or not yet.
CREATE FUNCTION quiz_attempt_state(a quiz_attempts, q quizzes) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN a.state = 'in_progress' AND
	    now() > quiz_attempt_deadline(a, q) + quiz_grace()
	    THEN 'expired' ELSE a.state END
$$;

CREATE FUNCTION quiz_status(q quizzes) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN now() < q.opens_at THEN 'upcoming'
		WHEN q.closes_at IS NOT NULL AND now() >= q.closes_at THEN 'closed'
		ELSE 'open'
	END
$$;

-- The bank index (0-based) of the correct choice of a question.
CREATE FUNCTION quiz_correct_index(choices jsonb) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
	SELECT (c.ord - 1)::smallint
	FROM jsonb_array_elements(choices) WITH ORDINALITY AS c (value, ord)
	WHERE c.value->>'correct' = 'true'
	LIMIT 1
$$;

-- The number of questions in a quiz's pinned banks.
CREATE FUNCTION quiz_bank_size(quiz bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT count(*)::integer FROM quiz_documents qd
	JOIN quiz_questions b ON b.document_id = qd.document_id
	    AND b.version = qd.version
	WHERE qd.quiz_id = quiz
$$;

-- A quiz as actor sees it, in language want (Khmer title falling back to
-- the Vietnamese one). Holds nothing of the answers.
CREATE FUNCTION quiz_json(quiz bigint, actor bigint, want text)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', q.id, 'kind', q.kind,
	    'title', CASE WHEN want = 'km' THEN coalesce(q.title_km, q.title)
		ELSE q.title END,
	    'title_vi', q.title, 'title_km', q.title_km,
	    'unit', study_unit_ref(q.unit_id), 'status', quiz_status(q),
	    'questions_per_attempt', q.questions_per_attempt,
	    'bank_size', quiz_bank_size(q.id),
	    'time_limit_seconds', q.time_limit_seconds,
	    'grace_seconds', extract(epoch FROM quiz_grace())::integer,
	    'max_attempts', q.max_attempts,
	    'opens_at', q.opens_at, 'closes_at', q.closes_at,
	    'documents', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		'id', d.id, 'slug', d.slug, 'version', qd.version,
		'title', t.title, 'lang', t.lang) ORDER BY qd.position), '[]')
		FROM quiz_documents qd JOIN documents d ON d.id = qd.document_id
		LEFT JOIN LATERAL document_text_for(d.id, qd.version, want) t
		    ON true
		WHERE qd.quiz_id = q.id),
	    'in_audience', coalesce(u.path @> actor_cell_path(actor), false),
	    'mine', CASE WHEN u.path @> actor_cell_path(actor) THEN (
		SELECT jsonb_build_object(
		    'attempts', count(*),
		    'remaining', greatest(q.max_attempts - count(*), 0),
		    'best_score', max(a.score),
		    'in_progress', (array_agg(a.id ORDER BY a.number DESC)
			FILTER (WHERE quiz_attempt_state(a, q) = 'in_progress'))[1])
		FROM quiz_attempts a
		WHERE a.quiz_id = q.id AND a.member_id = actor) END,
	    'created_at', q.created_at)
	FROM quizzes q JOIN org_units u ON u.id = q.unit_id
	WHERE q.id = quiz
$$;

-- An attempt in language want. Questions and choices in Khmer where the
-- bank has them, else Vietnamese (each question says which, and
-- "fallback" when it is not the one asked for). The answers (the
-- member's, whether right, the correct choice's number) and the score are
-- there only once the stored state is 'submitted'.
CREATE FUNCTION quiz_attempt_json(attempt bigint, want text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', a.id, 'quiz_id', a.quiz_id,
	    'number', a.number, 'state', quiz_attempt_state(a, q),
	    'started_at', a.started_at,
	    'deadline', quiz_attempt_deadline(a, q),
	    'grace_seconds', extract(epoch FROM quiz_grace())::integer,
	    'ended_at', a.ended_at,
	    'max_score', a.max_score)
	    || CASE WHEN a.state = 'submitted' THEN jsonb_build_object(
		'score', a.score,
		'all_right', a.score = a.max_score,
		'seconds', round(a.duration_ms / 1000.0, 1))
		ELSE '{}' END
	    || jsonb_build_object('questions', (
		SELECT coalesce(jsonb_agg(jsonb_build_object(
		    'position', x.position, 'document_id', x.document_id,
		    'section', b.section,
		    'lang', CASE WHEN want = 'km' AND b.question_km IS NOT NULL
			THEN 'km' ELSE 'vi' END,
		    'fallback', want = 'km' AND (b.question_km IS NULL OR
			EXISTS (SELECT 1 FROM unnest(x.choice_order) AS o (i)
			    WHERE b.choices->o.i->>'km' IS NULL)),
		    'text', CASE WHEN want = 'km'
			THEN coalesce(b.question_km, b.question_vi)
			ELSE b.question_vi END,
		    'choices', (SELECT jsonb_agg(jsonb_build_object(
			'id', o.k,
			'text', CASE WHEN want = 'km'
			    THEN coalesce(b.choices->o.i->>'km',
				b.choices->o.i->>'vi')
			    ELSE b.choices->o.i->>'vi' END) ORDER BY o.k)
			FROM unnest(x.choice_order) WITH ORDINALITY AS o (i, k)))
		    || CASE WHEN a.state = 'submitted' THEN jsonb_build_object(
			'answer', x.answer, 'right', x.is_right,
			'correct_choice', array_position(x.choice_order,
			    quiz_correct_index(b.choices)))
			ELSE '{}' END
		    ORDER BY x.position), '[]')
		FROM quiz_attempt_questions x
		JOIN quiz_questions b ON b.document_id = x.document_id
		    AND b.version = x.version AND b.qid = x.qid
		WHERE x.attempt_id = a.id))
	FROM quiz_attempts a JOIN quizzes q ON q.id = a.quiz_id
	WHERE a.id = attempt
$$;

-- Records as expired the actor's attempts on a quiz left in progress past
-- their deadline and grace.
CREATE FUNCTION quiz_expire_overdue(quiz bigint, actor bigint) RETURNS void
LANGUAGE sql AS $$
	UPDATE quiz_attempts a SET state = 'expired', ended_at = now()
	FROM quizzes q
	WHERE q.id = a.quiz_id AND a.quiz_id = quiz AND a.member_id = actor
	  AND a.state = 'in_progress'
	  AND now() > quiz_attempt_deadline(a, q) + quiz_grace()
$$;

-- A whole number field of a body within [lo, hi], or dflt when absent.
CREATE FUNCTION quiz_int(body jsonb, field text, lo integer, hi integer,
    dflt integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF NOT body ? field THEN
		IF dflt IS NULL THEN
			PERFORM api_refuse('missing_field',
			    format('Field "%s" is required.', field));
		END IF;
		RETURN dflt;
	END IF;
	IF jsonb_typeof(body->field) <> 'number' OR
	    (body->>field) !~ '^[0-9]{1,6}$' OR
	    (body->>field)::integer NOT BETWEEN lo AND hi THEN
		PERFORM api_refuse('invalid_' || field, format(
		    '%s is a whole number from %s to %s.', field, lo, hi));
	END IF;
	RETURN (body->>field)::integer;
END
$$;

-- POST /api/v1/quizzes {"client_id", "title", "title_km"?, "unit_id",
-- "documents", "kind"?, "questions_per_attempt"?, "time_limit_seconds"?,
-- "max_attempts"?, "opens_at"?, "closes_at"?}
CREATE FUNCTION api_quiz_create(actor bigint, want text, body jsonb,
    client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_cid uuid := api_client_id(body->>'client_id');
	v_hash bytea := request_hash(body);
	v_prev quizzes;
	v_unit bigint := (body->>'unit_id')::bigint;
	v_up ltree;
	v_docs bigint[];
	v_kind text;
	v_title text;
	v_title_km text;
	v_count integer;
	v_limit integer;
	v_max integer;
	v_opens timestamptz;
	v_closes timestamptz;
	v_bank integer;
	v_qid bigint;
BEGIN
	-- A retry is answered as the first request was.
	SELECT * INTO v_prev FROM quizzes
	WHERE created_by = actor AND client_id = v_cid;
	IF v_prev.id IS NOT NULL THEN
		IF v_prev.request_hash <> v_hash THEN
			PERFORM api_refuse('client_id_reused', 'This client_id '
			    'was used for another request.', '409');
		END IF;
		RETURN quiz_json(v_prev.id, actor, want)::json;
	END IF;

	IF v_unit IS NULL THEN
		PERFORM api_refuse('missing_field', 'Field "unit_id" is required.');
	END IF;
	SELECT path INTO v_up FROM org_units WHERE id = v_unit;
	IF v_up IS NULL OR NOT unit_readable(actor, v_up) THEN
		PERFORM access_require('not_found', 'unit');
	END IF;
	IF NOT v_up <@ quiz_paths(actor, 'quiz.manage') THEN
		PERFORM access_require('forbidden', 'unit');
	END IF;

	v_title := study_text(body, 'title', 300, true);
	v_title_km := study_text(body, 'title_km', 300, false);
	IF NOT body ? 'documents' THEN
		PERFORM api_refuse('missing_field',
		    'documents: the documents whose questions the quiz draws.');
	END IF;
	-- Published, readable by the caller, meant for every member of
	-- the audience (the rule of study sessions, 0020).
	v_docs := study_documents_check(actor, v_up, body->'documents');
	v_kind := coalesce(body->>'kind', CASE WHEN cardinality(v_docs) = 1
	    THEN 'document' ELSE 'contest' END);
	IF v_kind NOT IN ('document', 'contest') THEN
		PERFORM api_refuse('invalid_kind', 'kind is document or contest.');
	END IF;
	IF v_kind = 'document' AND cardinality(v_docs) <> 1 THEN
		PERFORM api_refuse('invalid_documents',
		    'A quiz of kind document is on exactly one document.');
	END IF;
	v_count := quiz_int(body, 'questions_per_attempt', 1, 100, 10);
	v_limit := quiz_int(body, 'time_limit_seconds', 30, 14400, 600);
	v_max := quiz_int(body, 'max_attempts', 1, 50, 3);
	v_opens := coalesce(study_time(body, 'opens_at'), now());
	v_closes := study_time(body, 'closes_at');
	IF v_closes IS NOT NULL AND v_closes <= v_opens THEN
		PERFORM api_refuse('invalid_time', 'closes_at is after opens_at.');
	END IF;
	IF v_closes IS NOT NULL AND v_closes <= now() THEN
		PERFORM api_refuse('invalid_time', 'closes_at is in the past.');
	END IF;

	SELECT count(*) INTO v_bank FROM documents d
	JOIN quiz_questions b ON b.document_id = d.id
	    AND b.version = d.current_version
	WHERE d.id = ANY (v_docs);
	IF v_bank < v_count THEN
		PERFORM api_refuse('not_enough_questions', format('The documents '
		    'have %s questions in their banks; questions_per_attempt is '
		    'at most that.', v_bank));
	END IF;

	INSERT INTO quizzes (unit_id, kind, title, title_km,
	    questions_per_attempt, time_limit_seconds, max_attempts, opens_at,
	    closes_at, client_id, request_hash, created_by)
	VALUES (v_unit, v_kind, v_title, v_title_km, v_count, v_limit, v_max,
	    v_opens, v_closes, v_cid, v_hash, actor)
	ON CONFLICT (created_by, client_id) DO NOTHING
	RETURNING id INTO v_qid;
	IF v_qid IS NULL THEN
		-- A twin of this request committed first.
		SELECT * INTO v_prev FROM quizzes
		WHERE created_by = actor AND client_id = v_cid;
		IF v_prev.request_hash <> v_hash THEN
			PERFORM api_refuse('client_id_reused', 'This client_id '
			    'was used for another request.', '409');
		END IF;
		RETURN quiz_json(v_prev.id, actor, want)::json;
	END IF;

	INSERT INTO quiz_documents (quiz_id, document_id, version, position)
	SELECT v_qid, d.id, d.current_version, x.i
	FROM unnest(v_docs) WITH ORDINALITY AS x (doc, i)
	JOIN documents d ON d.id = x.doc;

	PERFORM audit_write(actor, 'quiz.create', 'quiz:' || v_qid, client,
	    request_id, NULL);
	RETURN quiz_json(v_qid, actor, want)::json;
END
$$;

-- Refuses (404) a quiz actor may not see; returns it otherwise.
CREATE FUNCTION quiz_require_readable(actor bigint, quiz bigint)
RETURNS quizzes
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_q quizzes;
	v_path ltree;
BEGIN
	SELECT * INTO v_q FROM quizzes WHERE id = quiz;
	SELECT u.path INTO v_path FROM org_units u WHERE u.id = v_q.unit_id;
	IF v_q.id IS NULL OR NOT quiz_readable(actor, v_path) THEN
		PERFORM access_require('not_found', 'quiz');
	END IF;
	RETURN v_q;
END
$$;

-- GET /api/v1/quizzes/{id}
CREATE FUNCTION api_quiz_get(actor bigint, quiz bigint, want text)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM quiz_require_readable(actor, quiz);
	RETURN quiz_json(quiz, actor, want)::json;
END
$$;

-- GET /api/v1/quizzes?unit=&limit=&cursor=: the quizzes actor may see,
-- newest first (cursor: the last id seen); unit narrows to quizzes of
-- that unit or above or below it.
CREATE FUNCTION api_quizzes_list(actor bigint, unit bigint, lim integer,
    after bigint, want text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_n integer := api_limit(lim);
	v_up ltree;
	v_items jsonb;
	v_last bigint;
	v_more boolean;
BEGIN
	IF unit IS NOT NULL THEN
		PERFORM access_require(unit_access(actor, unit, 'unit.read'),
		    'unit');
		SELECT path INTO v_up FROM org_units WHERE id = unit;
	END IF;
	WITH page AS (
		SELECT q.id FROM quizzes q JOIN org_units u ON u.id = q.unit_id
		WHERE (after IS NULL OR q.id < after)
		  AND (v_up IS NULL OR u.path @> v_up OR u.path <@ v_up)
		  AND quiz_readable(actor, u.path)
		ORDER BY q.id DESC
		LIMIT v_n + 1
	)
	SELECT jsonb_agg(quiz_json(p.id, actor, want) ORDER BY p.id DESC)
		FILTER (WHERE p.rn <= v_n),
	    min(p.id) FILTER (WHERE p.rn <= v_n), count(*) > v_n
	INTO v_items, v_last, v_more
	FROM (SELECT id, row_number() OVER (ORDER BY id DESC) AS rn
	    FROM page) p;
	RETURN json_build_object('items', coalesce(v_items, '[]'),
	    'next_cursor', CASE WHEN v_more THEN v_last::text END);
END
$$;

-- The unit a statistic or a list is about: the one asked for, which must
-- be in the caller's scope for action (404 when they cannot see it, 403
-- when they see it but not its figures), and within the quiz's audience
-- (422 otherwise); without one, the quiz's unit when in scope, else the
-- widest unit of the caller's scope under it.
CREATE FUNCTION quiz_focus_unit(actor bigint, q quizzes, unit bigint,
    action text) RETURNS org_units
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_u org_units;
	v_qp ltree := (SELECT path FROM org_units WHERE id = q.unit_id);
BEGIN
	IF unit IS NOT NULL THEN
		SELECT * INTO v_u FROM org_units WHERE id = unit;
		IF v_u.id IS NULL OR NOT unit_readable(actor, v_u.path) THEN
			PERFORM access_require('not_found', 'unit');
		END IF;
		IF NOT v_u.path <@ v_qp THEN
			PERFORM api_refuse('unit_outside_quiz', 'That unit is not '
			    'under the quiz''s unit.');
		END IF;
	ELSE
		SELECT u.* INTO v_u FROM org_units u
		WHERE u.id = q.unit_id AND u.path <@ quiz_paths(actor, action);
		IF v_u.id IS NULL THEN
			SELECT u.* INTO v_u FROM quiz_scope(actor, action) s
			JOIN org_units u ON u.path = s.path
			WHERE s.path <@ v_qp
			ORDER BY nlevel(s.path), u.id LIMIT 1;
		END IF;
		IF v_u.id IS NULL THEN
			PERFORM access_require('forbidden', 'quiz');
		END IF;
	END IF;
	IF NOT v_u.path <@ quiz_paths(actor, action) THEN
		PERFORM access_require('forbidden', 'unit');
	END IF;
	RETURN v_u;
END
$$;

-- For reports: one member's attempts on a quiz, how many were started
-- and submitted, the best and last submitted score (the best one's time
-- breaking ties, as on the leaderboard). Read through the unique index on
-- (quiz_id, member_id, number): a few index entries per member.
CREATE FUNCTION quiz_member_result(quiz bigint, member bigint)
RETURNS TABLE (attempts bigint, submitted bigint, best_score integer,
    last_score integer, best_duration_ms bigint,
    last_submitted_at timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT count(*), count(*) FILTER (WHERE a.state = 'submitted'),
	    max(a.score),
	    (array_agg(a.score ORDER BY a.number DESC)
		FILTER (WHERE a.state = 'submitted'))[1],
	    (array_agg(a.duration_ms ORDER BY a.score DESC, a.duration_ms,
		a.number) FILTER (WHERE a.state = 'submitted'))[1],
	    max(a.ended_at) FILTER (WHERE a.state = 'submitted')
	FROM quiz_attempts a
	WHERE a.quiz_id = quiz AND a.member_id = member
$$;

-- The same for every member who started an attempt on a quiz.
CREATE VIEW quiz_member_results AS
	SELECT a.quiz_id, a.member_id, r.*
	FROM (SELECT DISTINCT quiz_id, member_id FROM quiz_attempts) a
	CROSS JOIN LATERAL quiz_member_result(a.quiz_id, a.member_id) r;

-- The attempts of a quiz made in the cells under path, read cells first
-- (a cell's figures come from a few index pages, the province's from all).
CREATE FUNCTION quiz_unit_attempts(quiz bigint, within ltree)
RETURNS TABLE (id bigint, member_id bigint, cell_id bigint, cell_path ltree,
    state text, score integer, max_score integer, started_at timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT a.id, a.member_id, a.cell_id, c.path, a.state, a.score,
	    a.max_score, a.started_at
	FROM org_units c
	JOIN quiz_attempts a ON a.quiz_id = quiz AND a.cell_id = c.id
	WHERE c.path <@ within AND c.kind = 'cell'
$$;

-- For reports: per cell (where the attempts were made) under within (all
-- of them by default), the participants (members with a submitted
-- attempt), submitted attempts, perfect ones and the members with one,
-- the sum of scores and of each member's best. Means are sums over counts.
CREATE FUNCTION quiz_cell_counts(quiz bigint, within ltree DEFAULT '')
RETURNS TABLE (cell_id bigint, participants bigint, submitted bigint,
    all_right bigint, all_right_members bigint, score_sum bigint,
    best_score_sum bigint)
LANGUAGE sql STABLE AS $$
	SELECT b.cell_id, count(*), sum(b.n)::bigint, sum(b.perfect)::bigint,
	    count(*) FILTER (WHERE b.perfect > 0), sum(b.total)::bigint,
	    sum(b.best)::bigint
	FROM (SELECT a.cell_id, a.member_id, count(*) AS n,
		count(*) FILTER (WHERE a.score = a.max_score) AS perfect,
		sum(a.score) AS total, max(a.score) AS best
	    FROM quiz_unit_attempts(quiz, within) a
	    WHERE a.state = 'submitted'
	    GROUP BY a.cell_id, a.member_id) b
	GROUP BY b.cell_id
$$;

-- GET /api/v1/quizzes/{id}/statistics?unit=: figures of the attempts
-- made in cells under the unit. An attempt left in progress past its
-- deadline counts as expired (quiz_attempt_state(), written out here so
-- that it is not a function call per attempt).
CREATE FUNCTION api_quiz_statistics(actor bigint, quiz bigint, unit bigint,
    want text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_q quizzes := quiz_require_readable(actor, quiz);
	v_u org_units := quiz_focus_unit(actor, v_q, unit, 'quiz.statistics');
	v_limit interval := make_interval(secs => v_q.time_limit_seconds);
BEGIN
	RETURN (WITH a AS MATERIALIZED (
		SELECT * FROM quiz_unit_attempts(quiz, v_u.path)
	), pm AS (
		-- Per member and cell: submitted, perfect, total, best.
		SELECT a.cell_id, a.cell_path, a.member_id, count(*) AS n,
		    count(*) FILTER (WHERE a.score = a.max_score) AS perfect,
		    sum(a.score) AS total, max(a.score) AS best
		FROM a WHERE a.state = 'submitted'
		GROUP BY a.cell_id, a.cell_path, a.member_id
	), qs AS (
		SELECT x.document_id, x.qid, count(*) AS asked,
		    count(*) FILTER (WHERE x.is_right) AS right_n
		FROM a JOIN quiz_attempt_questions x ON x.attempt_id = a.id
		WHERE a.state = 'submitted'
		GROUP BY x.document_id, x.qid
	), overdue AS (
		SELECT count(*) FILTER (WHERE a.state = 'expired' OR
			(a.state = 'in_progress' AND now() > least(a.started_at +
			v_limit, v_q.closes_at) + quiz_grace())) AS expired,
		    count(*) FILTER (WHERE a.state = 'in_progress' AND now() <=
			least(a.started_at + v_limit, v_q.closes_at) +
			quiz_grace()) AS running,
		    count(*) AS started
		FROM a
	), tot AS (
		SELECT count(DISTINCT pm.member_id) AS participants,
		    count(DISTINCT pm.member_id) FILTER (WHERE pm.perfect > 0)
			AS perfect_members,
		    coalesce(sum(pm.n), 0) AS submitted,
		    coalesce(sum(pm.perfect), 0) AS perfect,
		    sum(pm.total) AS total
		FROM pm
	), best AS (
		SELECT avg(b.best) AS mean_best FROM (SELECT pm.member_id,
		    max(pm.best) AS best FROM pm GROUP BY pm.member_id) b
	)
	SELECT jsonb_build_object(
	    'quiz_id', quiz, 'unit', study_unit_ref(v_u.id),
	    'members', (SELECT count(*) FROM org_units c
		JOIN members m ON m.cell_id = c.id AND m.active
		WHERE c.path <@ v_u.path AND c.kind = 'cell'),
	    'participants', tot.participants,
	    'attempts', jsonb_build_object('started', overdue.started,
		'submitted', tot.submitted, 'expired', overdue.expired,
		'in_progress', overdue.running),
	    'all_right', jsonb_build_object('attempts', tot.perfect,
		'participants', tot.perfect_members,
		'share', round(tot.perfect_members::numeric /
		    nullif(tot.participants, 0), 4)),
	    'max_score', v_q.questions_per_attempt,
	    'mean_score', round(tot.total::numeric / nullif(tot.submitted, 0), 3),
	    'mean_best_score', round(best.mean_best, 3),
	    'questions', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		'document_id', qs.document_id, 'qid', qs.qid,
		'section', b.section,
		'text', CASE WHEN want = 'km'
		    THEN coalesce(b.question_km, b.question_vi)
		    ELSE b.question_vi END,
		'asked', qs.asked, 'right', qs.right_n,
		'share_right', round(qs.right_n::numeric / qs.asked, 4))
		ORDER BY qs.right_n::numeric / qs.asked, qs.document_id, qs.qid),
		'[]')
		FROM qs JOIN quiz_documents qd ON qd.quiz_id = quiz
		    AND qd.document_id = qs.document_id
		JOIN quiz_questions b ON b.document_id = qs.document_id
		    AND b.version = qd.version AND b.qid = qs.qid),
	    'children', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		'unit', study_unit_ref(ch.id),
		'participants', coalesce(f.participants, 0),
		'submitted', coalesce(f.submitted, 0),
		'mean_score', round(f.score_sum::numeric /
		    nullif(f.submitted, 0), 3)) ORDER BY ch.code), '[]')
		FROM org_units ch
		LEFT JOIN LATERAL (SELECT count(DISTINCT pm.member_id)
			AS participants, sum(pm.n) AS submitted,
		    sum(pm.total) AS score_sum
		    FROM pm WHERE pm.cell_path <@ ch.path) f ON true
		WHERE ch.parent_id = v_u.id))::json
	FROM tot, overdue, best);
END
$$;

-- GET /api/v1/quizzes/{id}/leaderboard?unit=&limit=: the members of cells
-- under the unit within the caller's reach, ranked by their best
-- submitted attempt: score, then shortest time, then earliest.
CREATE FUNCTION api_quiz_leaderboard(actor bigint, quiz bigint, unit bigint,
    lim integer) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_q quizzes := quiz_require_readable(actor, quiz);
	v_u org_units := quiz_focus_unit(actor, v_q, unit, 'quiz.results');
	v_paths ltree[] := quiz_paths(actor, 'quiz.results');
	v_n integer := least(coalesce(lim, 20), 200);
BEGIN
	IF v_n < 1 THEN
		v_n := 1;
	END IF;
	RETURN (WITH best AS (
		SELECT DISTINCT ON (a.member_id) a.member_id, a.score,
		    a.max_score, a.duration_ms, a.ended_at
		FROM quiz_attempts a
		JOIN members m ON m.id = a.member_id
		JOIN org_units c ON c.id = m.cell_id
		WHERE a.quiz_id = quiz AND a.state = 'submitted'
		  AND c.path <@ v_u.path AND c.path <@ v_paths
		ORDER BY a.member_id, a.score DESC, a.duration_ms, a.ended_at
	), ranked AS (
		SELECT b.*, row_number() OVER (ORDER BY b.score DESC,
		    b.duration_ms, b.ended_at, b.member_id) AS rank
		FROM best b
	)
	SELECT json_build_object('quiz_id', quiz,
	    'unit', study_unit_ref(v_u.id),
	    'items', coalesce(json_agg(json_build_object('rank', r.rank,
		'member', json_build_object('id', m.id,
		    'full_name', m.full_name,
		    'cell', study_unit_ref(m.cell_id)),
		'score', r.score, 'max_score', r.max_score,
		'seconds', round(r.duration_ms / 1000.0, 1),
		'submitted_at', r.ended_at) ORDER BY r.rank), '[]'))
	FROM (SELECT * FROM ranked ORDER BY rank LIMIT v_n) r
	JOIN members m ON m.id = r.member_id);
END
$$;

-- GET /api/v1/quizzes/{id}/results?unit=&limit=&cursor=: per member, the
-- attempts and the best and last submitted score. The caller's own row
-- for a member of the audience; a secretary's cell, a committee's
-- subtree (every member of the audience in reach, with or without
-- attempts, so that who has not taken it shows), in member id order.
CREATE FUNCTION api_quiz_results(actor bigint, quiz bigint, unit bigint,
    lim integer, after bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_q quizzes := quiz_require_readable(actor, quiz);
	v_qp ltree := (SELECT path FROM org_units WHERE id = v_q.unit_id);
	v_u org_units;
	v_paths ltree[] := quiz_paths(actor, 'quiz.results');
	v_n integer := api_limit(lim);
	v_items json;
	v_last bigint;
	v_more boolean;
BEGIN
	IF unit IS NOT NULL OR EXISTS (SELECT 1 FROM unnest(v_paths) p
	    WHERE p <@ v_qp OR v_qp <@ p) THEN
		v_u := quiz_focus_unit(actor, v_q, unit, 'quiz.results');
	ELSE
		-- A member who reaches nobody else: their own row.
		v_paths := '{}';
		SELECT u.* INTO v_u FROM org_units u WHERE u.id = v_q.unit_id;
	END IF;
	WITH page AS (
		SELECT m.id, m.full_name, m.cell_id,
		    row_number() OVER (ORDER BY m.id) AS rn
		FROM members m JOIN org_units c ON c.id = m.cell_id
		WHERE m.active AND c.path <@ v_u.path
		  AND (c.path <@ v_paths OR m.id = actor)
		  AND (after IS NULL OR m.id > after)
		ORDER BY m.id
		LIMIT v_n + 1
	)
	SELECT json_agg(json_build_object('member', json_build_object(
		'id', p.id, 'full_name', p.full_name,
		'cell', study_unit_ref(p.cell_id)),
	    'attempts', r.attempts, 'submitted', r.submitted,
	    'best_score', r.best_score, 'last_score', r.last_score,
	    'best_seconds', round(r.best_duration_ms / 1000.0, 1),
	    'last_submitted_at', r.last_submitted_at,
	    'max_score', v_q.questions_per_attempt) ORDER BY p.id)
		FILTER (WHERE p.rn <= v_n),
	    max(p.id) FILTER (WHERE p.rn <= v_n), count(*) > v_n
	INTO v_items, v_last, v_more
	FROM page p
	CROSS JOIN LATERAL quiz_member_result(quiz, p.id) r;
	RETURN json_build_object('quiz_id', quiz,
	    'unit', study_unit_ref(v_u.id),
	    'items', coalesce(v_items, '[]'),
	    'next_cursor', CASE WHEN v_more THEN v_last::text END);
END
$$;

-- POST /api/v1/quizzes/{id}/attempts {"client_id"}: a member of the
-- audience starts an attempt and gets its questions.
CREATE FUNCTION api_quiz_attempt_start(actor bigint, quiz bigint,
    want text, body jsonb, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	v_cid uuid := api_client_id(body->>'client_id');
	v_prev quiz_attempts;
	v_q quizzes;
	v_cell bigint := actor_cell(actor);
	v_qp ltree;
	v_used integer;
	v_running bigint;
	v_aid bigint;
BEGIN
	-- One member's starts on one quiz take turns, so that two at once
	-- cannot both pass the attempt limit.
	PERFORM pg_advisory_xact_lock(hashtextextended(
	    'quiz_attempt:' || quiz || ':' || actor, 0));

	-- A retry: the same attempt, as it is now (while it is in progress,
	-- the very answer of the first time).
	SELECT * INTO v_prev FROM quiz_attempts
	WHERE member_id = actor AND client_id = v_cid;
	IF v_prev.id IS NOT NULL THEN
		IF v_prev.quiz_id <> quiz THEN
			PERFORM api_refuse('client_id_reused', 'This client_id '
			    'was used for another request.', '409');
		END IF;
		RETURN quiz_attempt_json(v_prev.id, want)::json;
	END IF;

	v_q := quiz_require_readable(actor, quiz);
	SELECT path INTO v_qp FROM org_units WHERE id = v_q.unit_id;
	IF v_cell IS NULL OR NOT v_qp @> actor_cell_path(actor) THEN
		RAISE EXCEPTION 'This quiz is for the members under its unit.'
		    USING ERRCODE = 'HB403', HINT = 'not_in_audience',
		    DETAIL = 'access_denied';
	END IF;
	IF quiz_status(v_q) = 'upcoming' THEN
		PERFORM api_refuse('quiz_not_open', 'This quiz has not opened '
		    'yet.', '409');
	END IF;
	IF quiz_status(v_q) = 'closed' THEN
		PERFORM api_refuse('quiz_closed', 'This quiz has closed.', '409');
	END IF;
	IF EXISTS (SELECT 1 FROM quiz_documents qd
	    JOIN documents d ON d.id = qd.document_id
	    WHERE qd.quiz_id = quiz AND d.state <> 'published') THEN
		PERFORM api_refuse('document_withdrawn', 'A document of this '
		    'quiz was withdrawn; it cannot be taken now.', '409');
	END IF;

	PERFORM quiz_expire_overdue(quiz, actor);
	SELECT count(*), max(id) FILTER (WHERE state = 'in_progress')
	INTO v_used, v_running
	FROM quiz_attempts WHERE quiz_id = quiz AND member_id = actor;
	IF v_running IS NOT NULL THEN
		PERFORM api_refuse('attempt_in_progress', format('Attempt %s is '
		    'in progress; submit it first.', v_running), '409');
	END IF;
	IF v_used >= v_q.max_attempts THEN
		PERFORM api_refuse('attempt_limit_reached', format('You have '
		    'used all %s attempts of this quiz.', v_q.max_attempts),
		    '409');
	END IF;

	INSERT INTO quiz_attempts (quiz_id, member_id, cell_id, number,
	    client_id, max_score)
	VALUES (quiz, actor, v_cell, v_used + 1, v_cid,
	    v_q.questions_per_attempt)
	RETURNING id INTO v_aid;

	-- The draw: questions_per_attempt of the pooled banks, at random,
	-- each with its choices in an order of its own.
	INSERT INTO quiz_attempt_questions (attempt_id, position, document_id,
	    version, qid, choice_order)
	SELECT v_aid, row_number() OVER (ORDER BY d.r), d.document_id,
	    d.version, d.qid,
	    ARRAY(SELECT (g.i - 1)::smallint
		FROM generate_series(1, jsonb_array_length(d.choices)) AS g (i)
		ORDER BY random())
	FROM (SELECT b.document_id, b.version, b.qid, b.choices,
		random() AS r
	    FROM quiz_documents qd
	    JOIN quiz_questions b ON b.document_id = qd.document_id
		AND b.version = qd.version
	    WHERE qd.quiz_id = quiz
	    ORDER BY r LIMIT v_q.questions_per_attempt) d;

	PERFORM audit_write(actor, 'quiz_attempt.start',
	    'quiz_attempt:' || v_aid, client, request_id,
	    jsonb_build_object('quiz', quiz));
	RETURN quiz_attempt_json(v_aid, want)::json;
END
$$;

-- Refuses (404) an attempt that is not actor's: attempts are seen by
-- their member alone (officers see results and figures).
CREATE FUNCTION quiz_attempt_require_own(actor bigint, attempt bigint)
RETURNS quiz_attempts
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_a quiz_attempts;
BEGIN
	SELECT * INTO v_a FROM quiz_attempts WHERE id = attempt;
	IF v_a.id IS NULL OR v_a.member_id <> actor THEN
		PERFORM access_require('not_found', 'quiz attempt');
	END IF;
	RETURN v_a;
END
$$;

-- GET /api/v1/quiz-attempts/{id}
CREATE FUNCTION api_quiz_attempt_get(actor bigint, attempt bigint,
    want text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM quiz_attempt_require_own(actor, attempt);
	RETURN quiz_attempt_json(attempt, want)::json;
END
$$;

-- GET /api/v1/quizzes/{id}/attempts: the caller's own attempts on the
-- quiz, latest first, without questions.
CREATE FUNCTION api_quiz_attempts_mine(actor bigint, quiz bigint)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_q quizzes := quiz_require_readable(actor, quiz);
BEGIN
	RETURN (SELECT json_build_object('quiz_id', quiz,
	    'max_attempts', v_q.max_attempts,
	    'items', coalesce(json_agg(json_build_object('id', a.id,
		'number', a.number, 'state', quiz_attempt_state(a, v_q),
		'started_at', a.started_at,
		'deadline', quiz_attempt_deadline(a, v_q),
		'ended_at', a.ended_at, 'score', a.score,
		'max_score', a.max_score,
		'seconds', round(a.duration_ms / 1000.0, 1))
		ORDER BY a.number DESC), '[]'))
	FROM quiz_attempts a WHERE a.quiz_id = quiz AND a.member_id = actor);
END
$$;

-- POST /api/v1/quiz-attempts/{id}/submit {"client_id", "answers":
-- [{"position", "choice"}]}: scores the attempt. Answers an HTTP status
-- (200 or 409) and a body rather than raising for an expired attempt, so
-- that its expiry is recorded (a raise would roll it back);
-- kore-app/quiz_attempts.c sends the body with the status.
CREATE FUNCTION api_quiz_attempt_submit(actor bigint, attempt bigint,
    want text, body jsonb, client text, request_id text,
    OUT out_status integer, OUT out_body json)
LANGUAGE plpgsql AS $$
DECLARE
	v_cid uuid := api_client_id(body->>'client_id');
	v_hash bytea := request_hash(body);
	v_a quiz_attempts;
	v_q quizzes;
	v_item jsonb;
	v_pos bigint;
	v_choice bigint;
	v_seen bigint[] := '{}';
	v_n integer;
	v_k integer;
BEGIN
	PERFORM quiz_attempt_require_own(actor, attempt);
	SELECT * INTO v_a FROM quiz_attempts WHERE id = attempt FOR UPDATE;
	SELECT * INTO v_q FROM quizzes WHERE id = v_a.quiz_id;

	IF v_a.state = 'submitted' THEN
		-- A retry of the submission is answered as the first one.
		IF v_a.submit_client_id = v_cid AND v_a.submit_hash = v_hash THEN
			out_status := 200;
			out_body := quiz_attempt_json(attempt, want);
			RETURN;
		END IF;
		IF v_a.submit_client_id = v_cid THEN
			PERFORM api_refuse('client_id_reused', 'This client_id '
			    'was used for another submission.', '409');
		END IF;
		PERFORM api_refuse('attempt_submitted',
		    'This attempt was submitted already.', '409');
	END IF;

	IF v_a.state = 'expired' OR
	    now() > quiz_attempt_deadline(v_a, v_q) + quiz_grace() THEN
		IF v_a.state = 'in_progress' THEN
			UPDATE quiz_attempts SET state = 'expired', ended_at = now()
			WHERE id = attempt;
			PERFORM audit_write(actor, 'quiz_attempt.expired',
			    'quiz_attempt:' || attempt, client, request_id, NULL);
		END IF;
		out_status := 409;
		out_body := json_build_object('error', json_build_object(
			'code', 'attempt_expired',
			'message', format('The time for this attempt ran out at '
			    '%s; it is recorded as expired and not scored.',
			    to_char(quiz_attempt_deadline(v_a, v_q) AT TIME ZONE
				'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))));
		RETURN;
	END IF;

	IF jsonb_typeof(body->'answers') IS DISTINCT FROM 'array' THEN
		PERFORM api_refuse('missing_field', 'Field "answers" is required: '
		    '[{"position", "choice"}].');
	END IF;
	SELECT count(*) INTO v_n FROM quiz_attempt_questions
	WHERE attempt_id = attempt;
	IF jsonb_array_length(body->'answers') > v_n THEN
		PERFORM api_refuse('invalid_answers', format('At most %s answers, '
		    'one per question.', v_n));
	END IF;
	FOR v_item IN SELECT * FROM jsonb_array_elements(body->'answers') LOOP
		PERFORM api_only_keys(v_item, ARRAY['position', 'choice'],
		    'answers');
		v_pos := api_int(v_item->'position', 'position');
		v_choice := api_int(v_item->'choice', 'choice');
		IF v_pos IS NULL OR v_choice IS NULL THEN
			PERFORM api_refuse('invalid_answers',
			    'Each answer is {"position", "choice"}.');
		END IF;
		IF v_pos = ANY (v_seen) THEN
			PERFORM api_refuse('invalid_answers', format(
			    'Question %s is answered twice.', v_pos));
		END IF;
		SELECT cardinality(choice_order) INTO v_k
		FROM quiz_attempt_questions
		WHERE attempt_id = attempt AND position = v_pos;
		IF v_k IS NULL THEN
			PERFORM api_refuse('invalid_answers', format(
			    'No question %s in this attempt.', v_pos));
		END IF;
		IF v_choice NOT BETWEEN 1 AND v_k THEN
			PERFORM api_refuse('invalid_answers', format(
			    'Question %s has choices 1 to %s.', v_pos, v_k));
		END IF;
		v_seen := v_seen || v_pos;
	END LOOP;

	-- Scoring: the shown number chosen maps through the attempt's order
	-- to the bank's choice; an unanswered question is wrong.
	UPDATE quiz_attempt_questions x SET
		answer = (SELECT (e->>'choice')::smallint
		    FROM jsonb_array_elements(body->'answers') e
		    WHERE (e->>'position')::integer = x.position)
	WHERE x.attempt_id = attempt;
	UPDATE quiz_attempt_questions x SET
		is_right = coalesce(x.choice_order[x.answer] =
		    quiz_correct_index(b.choices), false)
	FROM quiz_questions b
	WHERE x.attempt_id = attempt AND b.document_id = x.document_id
	  AND b.version = x.version AND b.qid = x.qid;

	UPDATE quiz_attempts SET state = 'submitted', ended_at = now(),
	    score = (SELECT count(*) FILTER (WHERE is_right)
		FROM quiz_attempt_questions WHERE attempt_id = attempt),
	    duration_ms = (extract(epoch FROM now() - started_at) * 1000)::bigint,
	    submit_client_id = v_cid, submit_hash = v_hash
	WHERE id = attempt;

	PERFORM audit_write(actor, 'quiz_attempt.submit',
	    'quiz_attempt:' || attempt, client, request_id, NULL);
	out_status := 200;
	out_body := quiz_attempt_json(attempt, want);
END
$$;
