#!/bin/bash
# What comes out of a quiz, within the caller's scope: statistics per unit
# (attempts, participants, share with all answers right, mean score,
# difficulty per question, the child units), checked against counts made
# here directly from the tables and the bank (not through the functions
# under test); the leaderboard (best score, then shortest time; members
# outside the caller's reach never appear); results per member (one's own;
# a secretary's cell, with who has not taken it; paged). Every role of the
# fixture and an outsider from another province.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/fixtures.sh"

fixture_org QZSOUT
OUT_CARD=${FX_CARD[admin]} OUT_PW=${FX_PASSWORD[admin]}
fixture_org QZSTAT
P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} D2=${FX_UNIT[D2]} C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}

src=$TEST_TMP/content
mkdir -p "$src/test-quiz-stats"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu/." "$src/test-quiz-stats/"
sed -i "s/^id: test-bo-tai-lieu\$/id: test-quiz-stats/" "$src/test-quiz-stats/document.yaml"
{
	echo "questions:"
	for i in 1 2 3 4 5; do
		cat <<EOF
  - id: s$i
    section: $i
    question_vi: "Câu hỏi số $i về nghị quyết?"
    question_km: "សំណួរទី $i អំពីសេចក្តីសម្រេច?"
    choices:
      - { vi: "Đáp án thứ nhất $i", km: "ចម្លើយទីមួយ $i" }
      - { vi: "Đáp án thứ hai $i", km: "ចម្លើយទីពីរ $i", correct: true }
      - { vi: "Đáp án thứ ba $i", km: "ចម្លើយទីបី $i" }
EOF
	done
} >"$src/test-quiz-stats/quiz.yaml"
at_exit "fx_sql \"DELETE FROM documents WHERE slug = 'test-quiz-stats'\" >/dev/null 2>&1 || true"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = 'test-quiz-stats'")

declare -A TOK
for who in "${FX_KEYS[@]}"; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done
login "$OUT_CARD" "$OUT_PW" tok || bail_out "cannot log in as the outsider"
TOK[outsider]=$tok

send() {	# WHO METHOD PATH [BODY]
	local who=$1 method=$2 path=$3
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/body.json"
		auth_req "${TOK[$who]}" -X "$method" -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/body.json" "$BASE$path"
	else
		auth_req "${TOK[$who]}" -X "$method" "$BASE$path"
	fi
}
uuid() { cat /proc/sys/kernel/random/uuid; }
# take WHO RIGHT SECONDS: an attempt with RIGHT of its 3 answers right (the
# others wrong), submitted as if SECONDS after its start.
take() {
	local who=$1 right=$2 secs=$3 a answers
	send "$who" POST "/api/v1/quizzes/$Q/attempts" "{\"client_id\":\"$(uuid)\"}"
	[ "$REQ_STATUS" = 201 ] || { diag "take $who: start $REQ_STATUS"; return 1; }
	a=$(json .id)
	answers=$(fx_sql "SELECT json_agg(json_build_object('position', x.position,
	    'choice', CASE WHEN x.position <= $right
		THEN array_position(x.choice_order, 1::smallint)
		ELSE array_position(x.choice_order, 0::smallint) END) ORDER BY x.position)
	    FROM quiz_attempt_questions x WHERE x.attempt_id = $a")
	fx_sql "UPDATE quiz_attempts SET started_at = now() - make_interval(secs => $secs) WHERE id = $a" >/dev/null
	send "$who" POST "/api/v1/quiz-attempts/$a/submit" \
	    "$(jq -cn --arg c "$(uuid)" --argjson a "$answers" '{client_id: $c, answers: $a}')"
	LAST_STATUS=$REQ_STATUS
}

send propaganda POST /api/v1/quizzes "$(jq -cn --arg c "$(uuid)" --argjson u "$P" --argjson d "$DOC" \
    '{client_id: $c, title: "Thi trắc nghiệm", unit_id: $u, documents: [$d],
      questions_per_attempt: 3, time_limit_seconds: 300, max_attempts: 3}')"
is "$REQ_STATUS" 201 "the propaganda officer makes a quiz of 3 questions for the province"
Q=$(json .id)

# The attempts: in C1 the member (3 right in 50 s, then 1 right), the
# secretary (3 right in 100 s), the administrator (2 right), the
# propaganda officer (one expired); in C2 the Khmer reader (3 right in
# 50 s and 70 s: the same best as the member, a shorter time wins, then
# the earlier), the committee member (0 right), and the spare member
# (one left in progress).
take member 3 50 && is "$LAST_STATUS" 200 "member: 3 of 3 in 50 s"
take member 1 20 && is "$LAST_STATUS" 200 "member: then 1 of 3"
take secretary 3 100 && is "$LAST_STATUS" 200 "secretary: 3 of 3 in 100 s"
take admin 2 40 && is "$LAST_STATUS" 200 "admin: 2 of 3"
take propaganda 3 400 && is "$LAST_STATUS" 409 "propaganda: 400 s on a 300 s quiz, expired"
take khmer 3 70 && is "$LAST_STATUS" 200 "khmer: 3 of 3 in 70 s"
take khmer 3 45 && is "$LAST_STATUS" 200 "khmer: 3 of 3 in 45 s"
take committee 0 30 && is "$LAST_STATUS" 200 "committee: 0 of 3"
send spare POST "/api/v1/quizzes/$Q/attempts" "{\"client_id\":\"$(uuid)\"}"
is "$REQ_STATUS" 201 "spare: an attempt left in progress"

# The figures of a unit, computed here from the tables and the bank.
expected_stats() {	# UNIT
	fx_sql "WITH a AS (
		SELECT a.* FROM quiz_attempts a JOIN org_units c ON c.id = a.cell_id
		WHERE a.quiz_id = $Q AND c.path <@ (SELECT path FROM org_units WHERE id = $1)
	), s AS (SELECT * FROM a WHERE state = 'submitted'),
	best AS (SELECT member_id, max(score) AS best FROM s GROUP BY member_id),
	q AS (
		SELECT x.qid, count(*) AS asked, count(*) FILTER (WHERE
		    (b.choices->(x.choice_order[x.answer]))->>'correct' = 'true') AS right_n
		FROM s JOIN quiz_attempt_questions x ON x.attempt_id = s.id
		JOIN quiz_questions b ON (b.document_id, b.version, b.qid) = (x.document_id, x.version, x.qid)
		GROUP BY x.qid)
	SELECT json_build_object(
	    'members', (SELECT count(*) FROM members m JOIN org_units c ON c.id = m.cell_id
		WHERE m.active AND c.path <@ (SELECT path FROM org_units WHERE id = $1)),
	    'participants', (SELECT count(DISTINCT member_id) FROM s),
	    'started', (SELECT count(*) FROM a),
	    'submitted', (SELECT count(*) FROM s),
	    'expired', (SELECT count(*) FROM a WHERE state = 'expired'),
	    'in_progress', (SELECT count(*) FROM a WHERE state = 'in_progress'),
	    'all_right_participants', (SELECT count(DISTINCT member_id) FROM s WHERE score = 3),
	    'all_right_attempts', (SELECT count(*) FROM s WHERE score = 3),
	    'share', (SELECT round(count(DISTINCT member_id) FILTER (WHERE score = 3)::numeric
		/ nullif(count(DISTINCT member_id), 0), 4) FROM s),
	    'mean_score', (SELECT round(avg(score), 3) FROM s),
	    'mean_best_score', (SELECT round(avg(best), 3) FROM best),
	    'questions', (SELECT coalesce(json_object_agg(qid, right_n || '/' || asked), '{}') FROM q))"
}
got_stats() {
	json '{members, participants, started: .attempts.started,
	    submitted: .attempts.submitted, expired: .attempts.expired,
	    in_progress: .attempts.in_progress,
	    all_right_participants: .all_right.participants,
	    all_right_attempts: .all_right.attempts, share: .all_right.share,
	    mean_score, mean_best_score,
	    questions: (.questions | map({(.qid): "\(.right)/\(.asked)"}) | add // {})}'
}
norm() { jq -S -c .; }

# Statistics ---------------------------------------------------------------

send admin GET "/api/v1/quizzes/$Q/statistics"
is "$REQ_STATUS" 200 "the administrator of P reads the statistics (the province by default)"
is_json .unit.id "$P" "... of P"
is "$(got_stats | norm)" "$(expected_stats "$P" | norm)" "... equal to the counts made directly"
is_json '"\(.participants) \(.attempts.started) \(.attempts.submitted) \(.attempts.expired) \(.attempts.in_progress)"' \
    "5 9 7 1 1" "... 5 participants; 9 attempts: 7 submitted, 1 expired, 1 in progress"
is_json '"\(.all_right.participants) \(.all_right.share)"' "3 0.6" "... 3 of 5 participants with all answers right"
is_json '[.questions[] | .share_right] | . == sort' true "... questions hardest first"
is_json '[.children[] | "\(.unit.id):\(.participants)"] | join(",")' "$D1:3,$D2:2" "... per district: 3 and 2 participants"
send admin GET "/api/v1/quizzes/$Q/statistics?unit=$C2"
is "$REQ_STATUS" 200 "... and of the cell C2"
is "$(got_stats | norm)" "$(expected_stats "$C2" | norm)" "... equal to the direct counts for C2"
send committee GET "/api/v1/quizzes/$Q/statistics"
is "$REQ_STATUS" 200 "the committee of D2 reads them"
is_json .unit.id "$D2" "... for D2, its scope, by default"
is "$(got_stats | norm)" "$(expected_stats "$D2" | norm)" "... equal to the direct counts for D2"
send committee GET "/api/v1/quizzes/$Q/statistics?unit=$D1"
is "$REQ_STATUS" 404 "... D1 is out of its sight (404)"
send committee GET "/api/v1/quizzes/$Q/statistics?unit=$P"
is "$REQ_STATUS" 403 "... P above it: 403"
send secretary GET "/api/v1/quizzes/$Q/statistics"
is "$REQ_STATUS" 200 "the secretary of C1 reads them"
is_json .unit.id "$C1" "... for C1"
is "$(got_stats | norm)" "$(expected_stats "$C1" | norm)" "... equal to the direct counts for C1"
send secretary GET "/api/v1/quizzes/$Q/statistics?unit=$P"
is "$REQ_STATUS" 403 "... not P's (403)"
send propaganda GET "/api/v1/quizzes/$Q/statistics"
is "$REQ_STATUS" 200 "the propaganda officer reads the province's"
for who in member khmer spare; do
	send "$who" GET "/api/v1/quizzes/$Q/statistics"
	is "$REQ_STATUS" 403 "$who: no statistics (403)"
done
send outsider GET "/api/v1/quizzes/$Q/statistics"
is "$REQ_STATUS" 404 "the outsider's administrator: 404"
send admin GET "/api/v1/quizzes/$Q/statistics?unit=999999999"
is "$REQ_STATUS" 404 "an unknown unit: 404"

# Leaderboard --------------------------------------------------------------

board_expected() {	# PATH-UNIT: the order made here, best score, then time, then earliest
	fx_sql "SELECT string_agg(member_id || ':' || score, ',' ORDER BY score DESC, duration_ms, ended_at)
	    FROM (SELECT DISTINCT ON (a.member_id) a.member_id, a.score, a.duration_ms, a.ended_at
		FROM quiz_attempts a JOIN members m ON m.id = a.member_id
		JOIN org_units c ON c.id = m.cell_id
		WHERE a.quiz_id = $Q AND a.state = 'submitted'
		  AND c.path <@ (SELECT path FROM org_units WHERE id = $1)
		ORDER BY a.member_id, a.score DESC, a.duration_ms, a.ended_at) b"
}
send admin GET "/api/v1/quizzes/$Q/leaderboard"
is "$REQ_STATUS" 200 "the administrator reads the leaderboard"
is_json '[.items[] | "\(.member.id):\(.score)"] | join(",")' "$(board_expected "$P")" "... in the order made directly"
is_json '[.items[0:3][] | .member.id] | map(tostring) | join(",")' \
    "${FX_ID[khmer]},${FX_ID[member]},${FX_ID[secretary]}" \
    "... three at 3 of 3: 45 s, 50 s, 100 s"
is_json '[.items[].rank] | map(tostring) | join(",")' "1,2,3,4,5" "... ranked 1 to 5"
is_json "[.items[] | select(.member.id == ${FX_ID[propaganda]} or .member.id == ${FX_ID[spare]})] | length" 0 \
    "... nobody without a submitted attempt"
send admin GET "/api/v1/quizzes/$Q/leaderboard?limit=2"
is_json '.items | length' 2 "limit=2: the first two"
send committee GET "/api/v1/quizzes/$Q/leaderboard"
is "$REQ_STATUS" 200 "the committee of D2 reads D2's"
is_json '[.items[] | "\(.member.id):\(.score)"] | join(",")' "$(board_expected "$D2")" "... its own members only"
is_json "[.items[] | .member.cell.id] | unique | map(tostring) | join(\",\")" "$C2" "... all of C2"
send secretary GET "/api/v1/quizzes/$Q/leaderboard"
is_json '[.items[] | "\(.member.id):\(.score)"] | join(",")' "$(board_expected "$C1")" "the secretary: C1's members only"
send secretary GET "/api/v1/quizzes/$Q/leaderboard?unit=$D2"
is "$REQ_STATUS" 404 "... D2 is out of their sight (404)"
for who in propaganda member khmer spare; do
	send "$who" GET "/api/v1/quizzes/$Q/leaderboard"
	is "$REQ_STATUS" 403 "$who: no leaderboard (403)"
done
send outsider GET "/api/v1/quizzes/$Q/leaderboard"
is "$REQ_STATUS" 404 "the outsider: 404"

# Results per member ---------------------------------------------------------

send member GET "/api/v1/quizzes/$Q/results"
is "$REQ_STATUS" 200 "a member reads the results"
is_json '[.items[] | .member.id] | map(tostring) | join(",")' "${FX_ID[member]}" "... their own row only"
is_json '.items[0] | "\(.attempts) \(.submitted) \(.best_score) \(.last_score) \(.best_seconds >= 50 and .best_seconds < 60)"' "2 2 3 1 true" \
    "... 2 attempts, best 3 (in 50 s), last 1"
is "$(fx_sql "SELECT attempts || ' ' || best_score || ' ' || last_score FROM quiz_member_results WHERE quiz_id = $Q AND member_id = ${FX_ID[member]}")" \
    "2 3 1" "quiz_member_results, for the reports, says the same"
send khmer GET "/api/v1/quizzes/$Q/results"
is_json '[.items[] | .member.id] | map(tostring) | join(",")' "${FX_ID[khmer]}" "the Khmer reader: their own row"
send secretary GET "/api/v1/quizzes/$Q/results"
is "$REQ_STATUS" 200 "the secretary reads C1's results"
is_json '[.items[] | .member.id] | map(tostring) | join(",")' \
    "$(fx_sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM members WHERE cell_id = $C1")" \
    "... every member of C1, with or without attempts"
is_json "[.items[] | select(.member.id == ${FX_ID[propaganda]})][0] | \"\(.attempts) \(.submitted) \(.best_score)\"" \
    "1 0 null" "... the propaganda officer: one attempt, expired, no score"
send committee GET "/api/v1/quizzes/$Q/results"
is_json '[.items[] | .member.id] | map(tostring) | join(",")' \
    "$(fx_sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM members WHERE cell_id = $C2")" \
    "the committee of D2: C2's members"
send admin GET "/api/v1/quizzes/$Q/results?limit=4"
is_json '.items | length' 4 "the administrator, 4 a page"
cursor=$(json .next_cursor)
page1=$(json '[.items[] | .member.id] | map(tostring) | join(",")')
send admin GET "/api/v1/quizzes/$Q/results?limit=4&cursor=$cursor"
is_json .next_cursor null "... the second page is the last"
is "$page1,$(json '[.items[] | .member.id] | map(tostring) | join(",")')" \
    "$(printf '%s\n' "${FX_ID[@]}" | sort -n | paste -sd,)" "... together, all seven members in id order"
send propaganda GET "/api/v1/quizzes/$Q/results"
is_json '[.items[] | .member.id] | map(tostring) | join(",")' "${FX_ID[propaganda]}" \
    "the propaganda officer, who reads no members: their own row"
send outsider GET "/api/v1/quizzes/$Q/results"
is "$REQ_STATUS" 404 "the outsider: 404"

# For the reports: per cell, from the function issue 7 reads.
is "$(fx_sql "SELECT string_agg(cell_id || ':' || participants || '/' || submitted || '/' || all_right_members, ',' ORDER BY cell_id) FROM quiz_cell_counts($Q)")" \
    "$(fx_sql "SELECT string_agg(x, ',' ORDER BY c) FROM (SELECT cell_id AS c, cell_id || ':' || count(DISTINCT member_id) || '/' || count(*) || '/' || count(DISTINCT member_id) FILTER (WHERE score = max_score) AS x FROM quiz_attempts WHERE quiz_id = $Q AND state = 'submitted' GROUP BY cell_id) t")" \
    "quiz_cell_counts agrees with a direct count per cell"

done_testing
