#!/bin/bash
# The engagement report's rollups against a brute-force recomputation from
# the raw records, on random data: a tree with cells at several depths (a
# cell straight under the province, one under a district, cells under a
# sub-unit), random members, reads and completions (progress, as
# api_events_post writes it), study sessions with a make-up and a
# cancellation, cell meetings, essays in random states, quizzes (one on
# A, a contest on A and B) with random attempts; every figure of every
# line and every day
# of the series compared, for every unit and both documents. Then more
# records arrive and others change (reads back-dated, completions,
# deletions, members moving and leaving, units moving so that cells
# change zone, attendance corrected, a session cancelled, a meeting
# deleted, essays reviewed, resubmitted or deleted, attempts submitted,
# added or deleted) and everything is compared again; finally report_rebuild()
# must find the very counters the triggers kept.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org RRU
SEED=${REPORTS_SEED:-$((RANDOM % 1000))}
diag "random seed $SEED (REPORTS_SEED=$SEED reproduces this run)"

src=$TEST_TMP/content
mkdir -p "$src"
for slug in test-rollup-a test-rollup-b; do
	cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/$slug"
	sed -i "s/^id: test-bo-tai-lieu\$/id: $slug/" "$src/$slug/document.yaml"
done
cleanup_docs() {
	fx_sql "DELETE FROM progress WHERE document_id IN (SELECT id FROM documents WHERE slug LIKE 'test-rollup-%');
		DELETE FROM documents WHERE slug LIKE 'test-rollup-%'" >/dev/null 2>&1 || true
}
cleanup_docs
at_exit cleanup_docs
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
A=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-rollup-a'")
B=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-rollup-b'")
login "${FX_CARD[admin]}" "${FX_PASSWORD[admin]}" atok || bail_out "no admin login"
P=${FX_UNIT[P]}

# More units: C3 straight under D1, a sub-unit S under G2 with C4 and C5,
# C6 straight under P, G3 under D2 with C7.
fx_sql "
	INSERT INTO org_units (kind, code, name_vi, name_km, parent_id) VALUES
	    ('cell', 'RRU-C3', 'Chi bộ Cơ quan Huyện', 'សាខាបក្ស ៣', ${FX_UNIT[D1]}),
	    ('subunit', 'RRU-S', 'Đảng bộ bộ phận ấp Mới', 'អង្គការ ស', ${FX_UNIT[G2]}),
	    ('cell', 'RRU-C6', 'Chi bộ Văn phòng Tỉnh ủy', 'សាខាបក្ស ៦', $P),
	    ('grassroots', 'RRU-G3', 'Đảng bộ xã Sóc Xoài', 'ឃុំ ស្រះ', ${FX_UNIT[D2]});
	INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
	SELECT 'cell', c, 'Chi bộ ' || c, 'សាខា ' || c, (SELECT id FROM org_units WHERE code = p)
	FROM (VALUES ('RRU-C4', 'RRU-S'), ('RRU-C5', 'RRU-S'), ('RRU-C7', 'RRU-G3')) v (c, p);
	SELECT setseed($SEED / 1000.0);
	INSERT INTO members (card_number, full_name, cell_id, lang)
	SELECT 'RRU' || lpad(g::text, 5, '0'),
	    CASE WHEN g % 3 = 0 THEN 'ថាច់ សុភា ' || g ELSE 'Nguyễn Thị Ánh ' || g END,
	    (SELECT id FROM org_units WHERE path <@ (SELECT path FROM org_units WHERE id = $P)
		AND kind = 'cell' ORDER BY random() + g * 0 LIMIT 1),
	    CASE WHEN g % 3 = 0 THEN 'km' ELSE 'vi' END
	FROM generate_series(1, 90) g;" >/dev/null
declare -A U
while IFS='|' read -r code id; do U[$code]=$id; done < <(fx_sql "SELECT code, id FROM org_units WHERE code LIKE 'RRU-%'")
ok "[ ${#U[@]} -eq 14 ]" "a tree of 14 units, cells at depths 2 to 5, and $(fx_sql "SELECT count(*) FROM members m JOIN org_units c ON c.id = m.cell_id WHERE c.code LIKE 'RRU-%'") members"

MEMBERS="(SELECT m.id FROM members m JOIN org_units c ON c.id = m.cell_id WHERE c.path <@ (SELECT path FROM org_units WHERE id = $P))"

# Reads: progress rows as api_events_post upserts them (first opening
# within the last 10 days, half completed).
reads() {	# PROBABILITY
	fx_sql "
	INSERT INTO progress AS p (member_id, document_id, first_opened_at,
	    last_activity_at, last_received_at, completed_at, version)
	SELECT m.id, d.id, t, t, now(), CASE WHEN random() < 0.5 THEN t + interval '3 hours' END, 1
	FROM $MEMBERS m (id) CROSS JOIN (VALUES ($A), ($B)) d (id)
	CROSS JOIN LATERAL (SELECT now() - random() * interval '10 days' + m.id * interval '0' AS t) x
	WHERE random() + m.id * 0 + d.id * 0 < $1	-- per row, not per member or document
	ON CONFLICT (member_id, document_id) DO UPDATE SET
	    first_opened_at = least(p.first_opened_at, excluded.first_opened_at),
	    completed_at = least(p.completed_at, excluded.completed_at),
	    events = p.events + 1" >/dev/null
}

session() {	# UNIT MAKEUP_OF DOCS...: a session that started an hour ago
	local unit=$1 of=$2 id d
	shift 2
	id=$(fx_sql "INSERT INTO study_sessions (unit_id, title, mode, starts_at, ends_at, makeup_of)
		VALUES ($unit, 'Hội nghị học tập (thử)', 'both', now() - interval '1 hour',
		    now() - interval '10 minutes', $of) RETURNING id")
	for d in "$@"; do
		fx_sql "INSERT INTO study_session_documents VALUES ($id, $d, 1)" >/dev/null
	done
	echo "$id"
}
attend() {	# SESSION PROBABILITY: random lines for its audience
	fx_sql "
	INSERT INTO study_attendance (session_id, member_id, status, reason, cell_id)
	SELECT $1, m.id, s, CASE WHEN s = 'absent' THEN 'Bận việc gia đình' END, m.cell_id
	FROM members m JOIN org_units c ON c.id = m.cell_id
	CROSS JOIN LATERAL (SELECT (CASE WHEN random() < 0.7 THEN 'present' ELSE 'absent' END
	    )::study_attendance_status AS s, m.id * 0 AS z) x
	WHERE m.active AND c.path <@ (SELECT u.path FROM study_sessions ss
	    JOIN org_units u ON u.id = ss.unit_id WHERE ss.id = $1)
	  AND random() < $2
	ON CONFLICT (session_id, member_id) DO UPDATE SET status = excluded.status,
	    reason = excluded.reason" >/dev/null
}
meeting() {	# CELL DOCS...: a meeting with random attendance
	local cell=$1 id d
	shift
	id=$(fx_sql "INSERT INTO cell_meetings (cell_id, held_on, topic, client_id, create_hash)
		VALUES ($cell, current_date, 'Sinh hoạt chuyên đề', gen_random_uuid(), '\\x00')
		RETURNING id")
	for d in "$@"; do
		fx_sql "INSERT INTO cell_meeting_documents VALUES ($id, $d, 1)" >/dev/null
	done
	fx_sql "INSERT INTO cell_meeting_attendance (meeting_id, member_id, present)
		SELECT $id, m.id, random() < 0.8 FROM members m
		WHERE m.cell_id = $cell AND m.active AND random() < 0.9" >/dev/null
	echo "$id"
}

# Essays as api_essay_save and the reviews leave them: random states for
# random (member, document) pairs, handed in unless a draft never
# submitted, some late; a few on a session (never in a document's figures).
essays() {	# PROBABILITY
	fx_sql "
	INSERT INTO essays (member_id, cell_id, document_id, state, version,
	    first_submitted_at, late)
	SELECT m.id, mm.cell_id, d.id, x.st, 1,
	    CASE WHEN x.st <> 'draft' THEN now() - interval '1 day' END,
	    x.st <> 'draft' AND random() < 0.3
	FROM $MEMBERS m (id) JOIN members mm ON mm.id = m.id
	CROSS JOIN (VALUES ($A), ($B)) d (id)
	CROSS JOIN LATERAL (SELECT (ARRAY['draft', 'submitted', 'returned',
	    'accepted'])[1 + floor(random() * 4)::int + m.id * 0 + d.id * 0]::essay_state AS st) x
	WHERE random() + m.id * 0 + d.id * 0 < $1
	ON CONFLICT DO NOTHING;
	INSERT INTO essays (member_id, cell_id, session_id, state, version,
	    first_submitted_at)
	SELECT m.id, mm.cell_id, $S1, 'accepted', 1, now()
	FROM $MEMBERS m (id) JOIN members mm ON mm.id = m.id
	WHERE random() + m.id * 0 < 0.2
	ON CONFLICT DO NOTHING" >/dev/null
}
quiz() {	# DOCS...: a quiz on them, made by the province
	local id d n=0
	id=$(fx_sql "INSERT INTO quizzes (unit_id, kind, title, questions_per_attempt,
		time_limit_seconds, max_attempts, opens_at, client_id, request_hash)
		VALUES ($P, CASE WHEN $# > 1 THEN 'contest' ELSE 'document' END,
		    'Thi tìm hiểu (thử)', 4, 600, 5, now() - interval '1 day',
		    gen_random_uuid(), '\\x00') RETURNING id")
	for d in "$@"; do
		n=$((n + 1))
		fx_sql "INSERT INTO quiz_documents VALUES ($id, $d, 1, $n)" >/dev/null
	done
	echo "$id"
}
attempts() {	# QUIZ PROBABILITY: one more attempt for random members,
		# submitted with a random score, in progress or expired
	fx_sql "
	INSERT INTO quiz_attempts (quiz_id, member_id, cell_id, number, client_id,
	    state, max_score, score, ended_at)
	SELECT $1, m.id, mm.cell_id,
	    1 + (SELECT count(*) FROM quiz_attempts a WHERE a.quiz_id = $1 AND a.member_id = m.id),
	    gen_random_uuid(), x.st, 4, CASE WHEN x.st = 'submitted' THEN floor(random() * 5)::int END,
	    CASE WHEN x.st <> 'in_progress' THEN now() END
	FROM $MEMBERS m (id) JOIN members mm ON mm.id = m.id
	CROSS JOIN LATERAL (SELECT CASE WHEN random() + m.id * 0 < 0.7 THEN 'submitted'
	    WHEN random() < 0.5 THEN 'expired' ELSE 'in_progress' END AS st) x
	WHERE random() + m.id * 0 < $2" >/dev/null
}

# The figures the slow way, from the raw records only: for the unit and
# each child unit, id,members,readers,completers,attended,at_meeting,reached
# (attended: present at a session that was not cancelled and covers the
# document, or at a make-up of such a session), essays handed in,
# accepted, returned, quiz participants and mean best share.
brute_lines() {	# UNIT DOC
	fx_sql "
	WITH u AS (SELECT id, path FROM org_units WHERE id = $1),
	groups AS (SELECT id, path FROM u UNION ALL
	    SELECT c.id, c.path FROM org_units c, u WHERE c.parent_id = u.id),
	mem AS (SELECT m.id, c.path FROM members m JOIN org_units c ON c.id = m.cell_id
	    WHERE m.active),
	rd AS (SELECT member_id, completed_at FROM progress WHERE document_id = $2),
	ses AS (SELECT DISTINCT a.member_id FROM study_attendance a
	    JOIN study_sessions s ON s.id = a.session_id
	    LEFT JOIN study_sessions o ON o.id = s.makeup_of
	    WHERE a.status = 'present' AND s.cancelled_at IS NULL
	      AND (o.id IS NULL OR o.cancelled_at IS NULL)
	      AND EXISTS (SELECT 1 FROM study_session_documents sd
		WHERE sd.document_id = $2 AND sd.session_id IN (s.id, o.id))),
	mee AS (SELECT DISTINCT a.member_id FROM cell_meeting_attendance a
	    JOIN cell_meetings mt ON mt.id = a.meeting_id AND mt.deleted_at IS NULL
	    JOIN cell_meeting_documents md ON md.meeting_id = mt.id AND md.document_id = $2
	    WHERE a.present),
	ess AS (SELECT member_id, state, first_submitted_at FROM essays
	    WHERE document_id = $2),
	qui AS (SELECT a.member_id, round(max(a.score::numeric / a.max_score), 4) AS best
	    FROM quiz_attempts a JOIN quiz_documents qd ON qd.quiz_id = a.quiz_id
	    WHERE qd.document_id = $2 AND a.state = 'submitted' GROUP BY a.member_id)
	SELECT concat_ws(',', g.id, count(m.id), count(rd.member_id), count(rd.completed_at),
	    count(ses.member_id), count(mee.member_id),
	    count(m.id) FILTER (WHERE rd.member_id IS NOT NULL OR ses.member_id IS NOT NULL
		OR mee.member_id IS NOT NULL),
	    count(ess.first_submitted_at), count(*) FILTER (WHERE ess.state = 'accepted'),
	    count(*) FILTER (WHERE ess.state = 'returned'), count(qui.best),
	    coalesce(round(avg(qui.best), 4)::float8::text, 'null'))
	FROM groups g LEFT JOIN mem m ON m.path <@ g.path
	LEFT JOIN rd ON rd.member_id = m.id
	LEFT JOIN ses ON ses.member_id = m.id
	LEFT JOIN mee ON mee.member_id = m.id
	LEFT JOIN ess ON ess.member_id = m.id
	LEFT JOIN qui ON qui.member_id = m.id
	GROUP BY g.id ORDER BY g.id"
}
# day,new readers,readers so far,new completers,completers so far
brute_days() {	# UNIT DOC FROM TO
	fx_sql "
	WITH mem AS (SELECT m.id FROM members m JOIN org_units c ON c.id = m.cell_id
	    WHERE m.active AND c.path <@ (SELECT path FROM org_units WHERE id = $1)),
	p AS (SELECT (first_opened_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS r,
		(completed_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS c
	    FROM progress WHERE document_id = $2 AND member_id IN (SELECT id FROM mem))
	SELECT concat_ws(',', d::date,
	    (SELECT count(*) FROM p WHERE r = d::date), (SELECT count(*) FROM p WHERE r <= d::date),
	    (SELECT count(*) FROM p WHERE c = d::date), (SELECT count(*) FROM p WHERE c <= d::date))
	FROM generate_series('$3'::date, '$4'::date, interval '1 day') d ORDER BY d"
}
api_lines() {	# UNIT DOC
	auth_req "$atok" "$BASE/api/v1/reports/engagement?unit=$1&document=$2"
	[ "$REQ_STATUS" = 200 ] || { echo "status $REQ_STATUS"; return; }
	json '([.unit] + .children) | sort_by(.id)[] | [.id, .members, .readers, .completers, .attended, .at_meeting, .reached, .essays_submitted, .essays_accepted, .essays_returned, .quiz_participants, .quiz_mean_score] | map(tostring) | join(",")'
}
api_days() {	# UNIT DOC FROM TO
	auth_req "$atok" "$BASE/api/v1/reports/engagement?unit=$1&document=$2&from=$3&to=$4"
	json '.days[] | [.day, .new_readers, .readers, .new_completers, .completers] | map(tostring) | join(",")'
}

FROM=$(TZ=Asia/Ho_Chi_Minh date -d '12 days ago' +%F)
TO=$(TZ=Asia/Ho_Chi_Minh date -d 'tomorrow' +%F)
compare_all() {	# WHEN
	local code bad=0 lines=0 want got doc
	for code in "${!U[@]}"; do
		for doc in "$A" "$B"; do
			want=$(brute_lines "${U[$code]}" "$doc")
			got=$(api_lines "${U[$code]}" "$doc")
			lines=$((lines + $(printf '%s\n' "$want" | wc -l)))
			if [ "$want" != "$got" ]; then
				bad=$((bad + 1))
				diag "$code doc $doc: want"$'\n'"$want"$'\n'"got"$'\n'"$got"
			fi
		done
	done
	is "$bad" 0 "$1: every figure of $lines lines (14 units x 2 documents) equals the brute-force count"
	bad=0
	for code in RRU-P RRU-D1 RRU-D2 RRU-G2 RRU-S RRU-C1 RRU-C6; do
		want=$(brute_days "${U[$code]}" "$A" "$FROM" "$TO")
		got=$(api_days "${U[$code]}" "$A" "$FROM" "$TO")
		if [ "$want" != "$got" ]; then
			bad=$((bad + 1))
			diag "$code days: want"$'\n'"$want"$'\n'"got"$'\n'"$got"
		fi
	done
	is "$bad" 0 "$1: every day of the series (readers and completers, new and cumulative) equals the brute-force count"
}

# --- The first records -----------------------------------------------------
reads 0.5
S1=$(session "$P" NULL "$A")
S2=$(session "${FX_UNIT[D1]}" NULL "$A" "$B")
S3=$(session "${U[RRU-G2]}" "$S1")	# a make-up of S1: studies A through it
S4=$(session "$P" NULL "$B")
attend "$S1" 0.7
attend "$S2" 0.6
attend "$S3" 0.5
attend "$S4" 0.5
M1=$(meeting "${FX_UNIT[C1]}" "$A")
M2=$(meeting "${U[RRU-C4]}" "$A" "$B")
M3=$(meeting "${U[RRU-C6]}" "$B")
essays 0.6
Q1=$(quiz "$A")
Q2=$(quiz "$A" "$B")
attempts "$Q1" 0.5
attempts "$Q1" 0.3
attempts "$Q2" 0.4
ok "[ $(fx_sql "SELECT sum(essays_submitted) + sum(essays_accepted) + sum(quiz_participants) FROM report_zone WHERE document_id = $A") -gt 20 ]" \
	"random essays and quiz attempts recorded"
ok "[ $(fx_sql "SELECT count(*) FROM report_reach r JOIN members m ON m.id = r.member_id WHERE m.card_number LIKE 'RRU%'") -gt 20 ]" \
	"random reads, 4 sessions (one a make-up) and 3 meetings recorded"
compare_all "first report"

# --- More arrives, and things change ------------------------------------------
reads 0.3					# new readers, earlier first openings
fx_sql "UPDATE progress SET completed_at = first_opened_at + interval '1 day'
	WHERE document_id = $A AND completed_at IS NULL AND random() < 0.4;
	UPDATE progress SET first_opened_at = first_opened_at - interval '2 days'
	WHERE document_id = $B AND random() < 0.3;
	DELETE FROM progress WHERE document_id = $B AND random() < 0.1;
	UPDATE members SET cell_id = (SELECT id FROM org_units WHERE code = 'RRU-C7')
	WHERE id IN (SELECT id FROM $MEMBERS x (id) WHERE random() < 0.1);
	UPDATE members SET active = false	-- not the administrator asking
	WHERE id IN (SELECT id FROM $MEMBERS x (id) WHERE random() < 0.05)
	  AND id <> ${FX_ID[admin]};
	INSERT INTO members (card_number, full_name, cell_id)
	SELECT 'RRUN' || g, 'Lê Văn Mới ' || g, ${U[RRU-C5]} FROM generate_series(1, 4) g;
	UPDATE study_attendance SET status = 'present', reason = NULL
	WHERE session_id = $S1 AND status = 'absent' AND random() < 0.5;
	DELETE FROM study_attendance WHERE session_id = $S2 AND random() < 0.2;
	UPDATE study_sessions SET cancelled_at = now() WHERE id = $S4;
	UPDATE cell_meetings SET deleted_at = now() WHERE id = $M3;
	DELETE FROM cell_meeting_documents WHERE meeting_id = $M2 AND document_id = $B;
	UPDATE cell_meeting_attendance SET present = NOT present WHERE meeting_id = $M1;
	UPDATE essays SET state = CASE WHEN random() < 0.5 THEN 'accepted' ELSE 'returned' END::essay_state
	WHERE state = 'submitted' AND random() < 0.6;
	UPDATE essays SET state = 'submitted', first_submitted_at = coalesce(first_submitted_at, now())
	WHERE state IN ('draft', 'returned') AND random() < 0.4;
	DELETE FROM essays WHERE random() < 0.1;
	UPDATE quiz_attempts SET state = 'submitted', score = floor(random() * 5)::int, ended_at = now()
	WHERE state = 'in_progress' AND random() < 0.6;
	UPDATE quiz_attempts SET score = 4 WHERE state = 'submitted' AND random() < 0.1;
	DELETE FROM quiz_attempts WHERE random() < 0.1;
	DELETE FROM quiz_documents WHERE quiz_id = $Q2 AND document_id = $B;" >/dev/null
essays 0.3
attempts "$Q2" 0.3
attend "$S3" 0.5
M4=$(meeting "${U[RRU-C7]}" "$A")
# Units move: S (C4, C5) from G2 to G1 (its cells change zone), C3 from
# D1 into G2 (from zone D1 to zone G2), G3 (C7) from D2 to D1.
fx_sql "UPDATE org_units SET parent_id = ${FX_UNIT[G1]} WHERE id = ${U[RRU-S]};
	UPDATE org_units SET parent_id = ${U[RRU-G2]} WHERE id = ${U[RRU-C3]};
	UPDATE org_units SET parent_id = ${FX_UNIT[D1]} WHERE id = ${U[RRU-G3]};" >/dev/null
compare_all "after more records, moves and corrections"

# --- The triggers' counters are what a rebuild computes ---------------------------
snapshot() {
	fx_sql "SELECT 'cell', document_id, cell_id, zone_id, readers, completers, attended, at_meeting, reached
		FROM report_cell WHERE (readers, completers, attended, at_meeting, reached) <> (0, 0, 0, 0, 0)
		UNION ALL SELECT 'zone', document_id, zone_id, 0, readers, completers, attended, at_meeting, reached
		FROM report_zone WHERE (readers, completers, attended, at_meeting, reached) <> (0, 0, 0, 0, 0)
		UNION ALL SELECT 'cstudy', document_id, cell_id, zone_id, essays_submitted, essays_accepted,
		    essays_returned, quiz_participants, round(quiz_score_sum * 10000)
		FROM report_cell WHERE (essays_submitted, essays_accepted, essays_returned, quiz_participants) <> (0, 0, 0, 0)
		UNION ALL SELECT 'zstudy', document_id, zone_id, 0, essays_submitted, essays_accepted,
		    essays_returned, quiz_participants, round(quiz_score_sum * 10000)
		FROM report_zone WHERE (essays_submitted, essays_accepted, essays_returned, quiz_participants) <> (0, 0, 0, 0)
		UNION ALL SELECT 'rstudy', member_id, document_id, cell_id, active::int,
		    coalesce(array_position(enum_range(NULL::essay_state), essay_state), 0),
		    essay_submitted::int, essay_late::int, coalesce(round(quiz_best * 10000), -1)
		FROM report_reach WHERE essay_state IS NOT NULL OR quiz_best IS NOT NULL
		UNION ALL SELECT 'cday', document_id, cell_id, zone_id, readers, completers, extract(epoch FROM day), 0, 0
		FROM report_cell_day WHERE (readers, completers) <> (0, 0)
		UNION ALL SELECT 'zday', document_id, zone_id, 0, readers, completers, extract(epoch FROM day), 0, 0
		FROM report_zone_day WHERE (readers, completers) <> (0, 0)
		UNION ALL SELECT 'mcell', 0, cell_id, zone_id, members, 0, 0, 0, 0
		FROM report_members_cell WHERE members <> 0
		UNION ALL SELECT 'mzone', 0, zone_id, 0, members, 0, 0, 0, 0
		FROM report_members_zone WHERE members <> 0
		UNION ALL SELECT 'reach', member_id, document_id, cell_id, active::int, (read_at IS NOT NULL)::int,
		    (completed_at IS NOT NULL)::int, session_seen::int, meeting_seen::int
		FROM report_reach WHERE read_at IS NOT NULL OR session_seen OR meeting_seen
		ORDER BY 1, 2, 3, 4, 5, 6, 7"
}
snapshot >"$TEST_TMP/incremental"
fx_sql "SELECT report_rebuild()" >/dev/null
snapshot >"$TEST_TMP/rebuilt"
is "$(diff "$TEST_TMP/incremental" "$TEST_TMP/rebuilt" | head -20)" "" \
	"report_rebuild() finds the counters the triggers kept ($(wc -l <"$TEST_TMP/rebuilt") rows)"
ok "[ -z \"\$(fx_sql \"SELECT 1 FROM report_zone WHERE readers < 0 OR reached < 0 OR completers < 0 OR essays_submitted < 0 OR essays_returned < 0 OR quiz_participants < 0 OR quiz_score_sum < 0 UNION ALL SELECT 1 FROM report_members_zone WHERE members < 0\")\" ]" \
	"no counter went below zero"

done_testing
