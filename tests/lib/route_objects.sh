# Objects of every kind the API serves, made through the API by the roles
# that make them, for tests that go through every route: the access
# matrix (tests/integration/access_matrix_all.sh) and sqlmap
# (tests/security/sqlmap.sh). Source it after assert.sh and fixtures.sh.
#
#   route_objects PREFIX   fixture_org PREFIX, then: TOK[role] tokens of
#                          the fixture's members; OBJ[name.key] objects
#                          (documents, drafts, notes, meetings, sessions,
#                          quizzes, attempts, programmes, tasks, essays,
#                          units and members), inside and outside each
#                          role's scope; V[name] named values; fresh_NAME
#                          functions that make a new object NAME+ (for
#                          requests that change what they touch)
#   fill TEXT -> FILLED    every {name} in TEXT replaced by the value of
#                          OBJ[$CELL_OBJ.name], else V[name]; {uuid} a
#                          fresh UUID, {n} a fresh number ({nn} of two
#                          digits, for card numbers), {card} {pw} the
#                          login of $CELL_ROLE (the spare member's for anon)
#   as WHO METHOD PATH [BODY], must STATUS WHAT   setup requests
#
# Who makes what (the fixture's C2 gets the spare member as secretary):
#   documents for everyone (imported, with a quiz bank and media), for
#   D1, D2 and P (the propaganda officer of P), drafts of D1 and D2;
#   notes of the member (private, shared with C1) and of the Khmer member;
#   meetings of C1 (its secretary) and C2 (the spare member);
#   sessions of D1 (the administrator) and D2 (the committee of D2), each
#   with a bridge point, upcoming and started; quizzes of D1 and D2, a
#   submitted attempt of the member and of the Khmer member; programmes of
#   C1 (its secretary) and D2 (the committee), each with a task assigned
#   to the member, the Khmer member; submitted essays of both members.

# shellcheck shell=bash disable=SC2034
uuid() { cat /proc/sys/kernel/random/uuid; }
future() { date -u -d "+$1" +%Y-%m-%dT%H:%M:%SZ; }

declare -gA TOK V OBJ

# as WHO METHOD PATH [BODY]: a setup request; the body goes through a file.
as() {
	local who=$1 method=$2 path=$3
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$TEST_TMP/setup.json"
		auth_req "${TOK[$who]}" -X "$method" -H 'Content-Type: application/json' \
		    --data-binary "@$TEST_TMP/setup.json" "$BASE$path"
	else
		auth_req "${TOK[$who]}" -X "$method" "$BASE$path"
	fi
}
# must WANT WHAT: the last setup request answered WANT, or the test stops.
must() {
	[ "$REQ_STATUS" = "$1" ] || bail_out "setup: $2 answered $REQ_STATUS, not $1: $(head -c 300 "$REQ_BODY_FILE")"
}
obj() {	# NAME key=value...
	local name=$1 kv
	shift
	for kv in "$@"; do OBJ[$name.${kv%%=*}]=${kv#*=}; done
}

# ro_remove_documents PREFIX: at exit, before fixture_remove (at_exit runs
# last in first), the documents made here: those of this file's slugs and
# any other a fixture member wrote a version of (sqlmap's payloads in the
# slug can make one with a slug of their own), so that the fixture's
# members can go.
ro_remove_documents() {
	local out
	out=$(fx_sql "
		DELETE FROM documents d
		WHERE d.slug LIKE :'slug' || '-%' OR EXISTS (
		    SELECT 1 FROM document_versions v
		    JOIN members m ON m.id = v.created_by
		    JOIN org_units c ON c.id = m.cell_id
		    JOIN org_units p ON c.path <@ p.path
		    WHERE v.document_id = d.id AND p.code = :'prefix' || '-P')
	" -v slug="$RO_SLUG" -v prefix="$1" 2>&1) || diag "ro_remove_documents $1: $out"
}

# The setup runs in this function (its variables are global on purpose:
# the tests read DOC, M, C1, ... and the helpers below).
route_objects() {
fixture_org "$1" || bail_out "could not create the fixture organisation"
RO_SLUG=test-${1,,}
for who in member khmer secretary committee propaganda admin spare; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" tok || bail_out "cannot log in as $who"
	TOK[$who]=$tok
done

P=${FX_UNIT[P]} D1=${FX_UNIT[D1]} D2=${FX_UNIT[D2]}
G1=${FX_UNIT[G1]} G2=${FX_UNIT[G2]} C1=${FX_UNIT[C1]} C2=${FX_UNIT[C2]}
M=${FX_ID[member]} K=${FX_ID[khmer]} SP=${FX_ID[spare]}
H=${FX_CARD[member]:1:5}	# this prefix's 5 digits of card numbers

# --- Content -------------------------------------------------------------
# A document for everyone with a quiz bank and an infographic, imported as
# the content pipeline does; documents of D1 and D2 only, and drafts.
src=$TEST_TMP/content
mkdir -p "$src"
cp -r "$HB_REPO/tests/data/content/test-bo-tai-lieu" "$src/$RO_SLUG-doc"
sed -i "s/^id: test-bo-tai-lieu$/id: $RO_SLUG-doc/" "$src/$RO_SLUG-doc/document.yaml"
at_exit "ro_remove_documents $1"
"$HB_REPO/scripts/content-import" "$src" >"$TEST_TMP/import.out" 2>&1 ||
	bail_out "import failed: $(cat "$TEST_TMP/import.out")"
DOC=$(fx_sql "SELECT id FROM documents WHERE slug = '$RO_SLUG-doc'")
SHA=$(fx_sql "SELECT m.sha256 FROM document_media dm JOIN media m ON m.sha256 = dm.sha256 WHERE dm.document_id = $DOC LIMIT 1")
[ -n "$DOC" ] && [ -n "$SHA" ] || bail_out "the imported document or its media is missing"

SECTIONS='[{"title":"Ý 1","summary":"Một."},{"title":"Ý 2","summary":"Hai."},{"title":"Ý 3","summary":"Ba."},{"title":"Ý 4","summary":"Bốn."},{"title":"Ý 5","summary":"Năm."}]'
NDOC=0
doc_body() {	# UNIT: a study outline of that unit, slug number NDOC
	jq -cn --arg slug "$RO_SLUG-$$-$NDOC" --argjson unit "$1" --argjson s "$SECTIONS" \
	    '{slug: $slug, unit_id: $unit, number: "07-HD/BTG", kind: "study_outline",
	      issuer: "Ban Tuyên giáo (thử)", level: "district", issued: "2026-02-03",
	      texts: {vi: {title: "Đề cương học tập", sections: $s},
	              km: {title: "គម្រោងសិក្សា", sections: $s}}}'
}
make_doc() {	# UNIT PUBLISH(yes|no) -> NEW_DOC, NEW_DOC_BODY
	NDOC=$((NDOC + 1))
	NEW_DOC_BODY=$(doc_body "$1")
	as propaganda POST /api/v1/documents "$NEW_DOC_BODY"
	must 201 "a draft for unit $1"
	NEW_DOC=$(json .id)
	if [ "$2" = yes ]; then
		as propaganda POST "/api/v1/documents/$NEW_DOC/publish"
		must 200 "publishing document $NEW_DOC"
	fi
}
make_doc "$D1" yes; DOC_D1=$NEW_DOC
make_doc "$D2" yes; DOC_D2=$NEW_DOC
make_doc "$P" yes; DOC_P=$NEW_DOC
make_doc "$D1" no; DRAFT_D1=$NEW_DOC; DRAFT_D1_BODY=$NEW_DOC_BODY
make_doc "$D2" no; DRAFT_D2=$NEW_DOC; DRAFT_D2_BODY=$NEW_DOC_BODY
obj doc id="$DOC" doc="$DOC" version=1
obj doc.d1 id="$DOC_D1" doc="$DOC_D1" version=1
obj doc.d2 id="$DOC_D2" doc="$DOC_D2"
obj draft.d1 id="$DRAFT_D1" body="$DRAFT_D1_BODY"
obj draft.d2 id="$DRAFT_D2" body="$DRAFT_D2_BODY"
obj media sha256="$SHA"
fresh_pub.d1() { make_doc "$D1" yes; obj pub.d1+ id="$NEW_DOC"; }
fresh_pub.d2() { make_doc "$D2" yes; obj pub.d2+ id="$NEW_DOC"; }
fresh_wd.d1() { make_doc "$D1" yes; as propaganda POST "/api/v1/documents/$NEW_DOC/withdraw"; must 200 withdraw; obj wd.d1+ id="$NEW_DOC"; }
fresh_wd.d2() { make_doc "$D2" yes; as propaganda POST "/api/v1/documents/$NEW_DOC/withdraw"; must 200 withdraw; obj wd.d2+ id="$NEW_DOC"; }
# A programme is one per unit and document: a new document for each try.
fresh_pdoc() { make_doc "$P" yes; obj pdoc+ doc="$NEW_DOC"; }

# --- Units and members -----------------------------------------------------
# The spare member of C2 becomes C2's secretary: C2's meetings and essays
# need one, and the Khmer member is then a plain member of a cell that has
# its own officers.
fx_sql "INSERT INTO member_roles (member_id, role, unit_id) VALUES ($SP, 'cell_secretary', $C2)" >/dev/null
as admin POST /api/v1/members "{\"card_number\":\"9${H}08\",\"full_name\":\"Phạm Thị Lan\",\"cell_id\":$C1}"
must 201 "a member of C1 whose password the matrix changes"
X1=$(json .id)
as admin POST /api/v1/members "{\"card_number\":\"9${H}09\",\"full_name\":\"Kim Thị Sô Phal\",\"cell_id\":$C2}"
must 201 "a member of C2 whose password the matrix changes"
X2=$(json .id)
for u in P D1 D2 G1 G2 C1 C2; do obj "${u,,}" id="${FX_UNIT[$u]}" unit="${FX_UNIT[$u]}"; done
obj g1 id="$G1" unit="$G1" parent="$D1" name="${FX_UNIT_VI[G1]}"
obj g2 id="$G2" unit="$G2" parent="$D2" name="${FX_UNIT_VI[G2]}"
obj m id="$M" lang=vi
obj k id="$K" lang=km
obj pw.c1 id="$X1"
obj pw.c2 id="$X2"
NCARD=50 NSEQ=100
V[card]=; V[pw]=

# --- Notes -----------------------------------------------------------------
note() {	# WHO VISIBILITY TEXT -> NOTE
	as "$1" POST /api/v1/notes "$(jq -cn --arg c "$(uuid)" --argjson d "$DOC" --arg v "$2" --arg t "$3" \
	    '{client_id: $c, document_id: $d, section: 1, visibility: $v, text: $t}')"
	must 201 "a note of $1"
	NOTE=$(json .id)
}
NOTE_TEXT="Ghi chú riêng: liên hệ với công việc ở ấp"
note member private "$NOTE_TEXT"; obj note.m id="$NOTE"
note member cell "$NOTE_TEXT"; obj note.mc id="$NOTE"
note khmer private "$NOTE_TEXT"; obj note.k id="$NOTE"
fresh_note.m() { note member private "$NOTE_TEXT"; obj note.m+ id="$NOTE"; }
fresh_note.k() { note khmer private "$NOTE_TEXT"; obj note.k+ id="$NOTE"; }
V[notetext]=$NOTE_TEXT

# --- Meetings ---------------------------------------------------------------
meeting() {	# WHO CELL MEMBER -> MEETING
	as "$1" POST /api/v1/meetings "$(jq -cn --arg c "$(uuid)" --argjson cell "$2" --argjson d "$DOC" --argjson m "$3" \
	    '{client_id: $c, cell_id: $cell, held_on: "2026-03-05", topic: "Sinh hoạt chuyên đề",
	      documents: [$d], attendance: [{member_id: $m, status: "present"}],
	      discussion: [{document_id: $d, section: 1, text: "Thảo luận"}], decisions: ["Học tập"]}')"
	must 201 "a meeting of cell $2"
	MEETING=$(json .id)
}
meeting secretary "$C1" "$M"; obj mt.c1 id="$MEETING" cell="$C1"
meeting spare "$C2" "$K"; obj mt.c2 id="$MEETING" cell="$C2"
fresh_mt.c1() { meeting secretary "$C1" "$M"; obj mt.c1+ id="$MEETING"; }
fresh_mt.c2() { meeting spare "$C2" "$K"; obj mt.c2+ id="$MEETING"; }

# --- Study sessions ------------------------------------------------------------
session() {	# WHO UNIT BRIDGE-UNIT -> SESSION, POINT
	as "$1" POST /api/v1/study-sessions "$(jq -cn --argjson u "$2" --argjson b "$3" --argjson d "$DOC" --arg st "$(future '2 days')" \
	    '{title: "Hội nghị học tập Nghị quyết", unit_id: $u, mode: "online", starts_at: $st,
	      duration_minutes: 120, documents: [$d],
	      bridge_points: [{unit_id: $b, name: "Điểm cầu", expected_count: 3}]}')"
	must 201 "a session of unit $2"
	SESSION=$(json .id)
	POINT=$(json '.bridge_points[0].id')
}
started() {
	fx_sql "UPDATE study_sessions SET starts_at = now() - interval '2 hours',
	    ends_at = now() - interval '1 hour' WHERE id = $1" >/dev/null
}
session admin "$D1" "$G1"; obj ss.d1 id="$SESSION" unit="$D1" point="$POINT" bunit="$G1"
session committee "$D2" "$G2"; obj ss.d2 id="$SESSION" unit="$D2" point="$POINT" bunit="$G2"
session admin "$D1" "$G1"; started "$SESSION"; obj ssx.d1 id="$SESSION" who="$M" unit="$D1"
session committee "$D2" "$G2"; started "$SESSION"; obj ssx.d2 id="$SESSION" who="$K" unit="$D2"
fresh_ss.d1() { session admin "$D1" "$G1"; obj ss.d1+ id="$SESSION" point="$POINT"; }
fresh_ss.d2() { session committee "$D2" "$G2"; obj ss.d2+ id="$SESSION" point="$POINT"; }

# --- Quizzes and attempts ----------------------------------------------------------
quiz() {	# WHO UNIT -> QUIZ
	as "$1" POST /api/v1/quizzes "$(jq -cn --arg c "$(uuid)" --argjson u "$2" --argjson d "$DOC" \
	    '{client_id: $c, title: "Thi tìm hiểu Nghị quyết", unit_id: $u, documents: [$d],
	      questions_per_attempt: 2, max_attempts: 50}')"
	must 201 "a quiz of unit $2"
	QUIZ=$(json .id)
}
attempt() {	# WHO QUIZ SUBMIT(yes|no) -> ATTEMPT
	as "$1" POST "/api/v1/quizzes/$2/attempts" "{\"client_id\":\"$(uuid)\"}"
	must 201 "an attempt of $1"
	ATTEMPT=$(json .id)
	if [ "$3" = yes ]; then
		as "$1" POST "/api/v1/quiz-attempts/$ATTEMPT/submit" "{\"client_id\":\"$(uuid)\",\"answers\":[]}"
		must 200 "submitting attempt $ATTEMPT"
	fi
}
quiz admin "$D1"; QZ_D1=$QUIZ; obj qz.d1 id="$QUIZ" unit="$D1"
quiz committee "$D2"; QZ_D2=$QUIZ; obj qz.d2 id="$QUIZ" unit="$D2"
quiz admin "$D1"; QZ_D1B=$QUIZ
quiz committee "$D2"; QZ_D2B=$QUIZ
attempt member "$QZ_D1" yes; obj at.m id="$ATTEMPT"
attempt khmer "$QZ_D2" yes; obj at.k id="$ATTEMPT"
# A running attempt to submit, for each role's try; the one before is
# submitted by its owner first (one attempt at a time).
LAST_AT_M= LAST_AT_K=
fresh_at.m() {
	[ -z "$LAST_AT_M" ] || as member POST "/api/v1/quiz-attempts/$LAST_AT_M/submit" "{\"client_id\":\"$(uuid)\",\"answers\":[]}"
	attempt member "$QZ_D1B" no; LAST_AT_M=$ATTEMPT; obj at.m+ id="$ATTEMPT"
}
fresh_at.k() {
	[ -z "$LAST_AT_K" ] || as khmer POST "/api/v1/quiz-attempts/$LAST_AT_K/submit" "{\"client_id\":\"$(uuid)\",\"answers\":[]}"
	attempt khmer "$QZ_D2B" no; LAST_AT_K=$ATTEMPT; obj at.k+ id="$ATTEMPT"
}

# --- Programmes and tasks --------------------------------------------------------------
programme() {	# WHO UNIT -> PROGRAMME
	as "$1" POST /api/v1/programmes "$(jq -cn --arg c "$(uuid)" --argjson u "$2" --argjson d "$DOC" \
	    '{client_id: $c, unit_id: $u, document_id: $d, title: "Chương trình hành động",
	      targets: [{text: "100% đảng viên được học tập", target_value: 100, measure: "%"}]}')"
	must 201 "a programme of unit $2"
	PROGRAMME=$(json .id)
}
task() {	# WHO PROGRAMME ASSIGNEE -> TASK
	as "$1" POST "/api/v1/programmes/$2/tasks" "$(jq -cn --arg c "$(uuid)" --argjson a "$3" \
	    '{client_id: $c, title: "Tuyên truyền đến từng hộ", assignee_id: $a, deadline: "2030-06-30"}')"
	must 201 "a task of programme $2"
	TASK=$(json .id)
}
programme secretary "$C1"; obj pg.c1 id="$PROGRAMME" unit="$C1" who="$M"
task secretary "$PROGRAMME" "$M"; obj tk.c1 id="$TASK"
programme committee "$D2"; obj pg.d2 id="$PROGRAMME" unit="$D2" who="$K"
task committee "$PROGRAMME" "$K"; obj tk.d2 id="$TASK"

# --- Essays ----------------------------------------------------------------------------
essay() {	# WHO SUBMIT -> ESSAY (a 409 under review is fine: still submitted)
	as "$1" POST /api/v1/essays "$(jq -cn --arg c "$(uuid)" --argjson d "$DOC" --argjson s "$2" \
	    '{client_id: $c, document_id: $d, submit: $s,
	      sections: {content: "Nghị quyết đặt ra nhiệm vụ cụ thể cho chi bộ.\nTôi sẽ tuyên truyền đến từng hộ."}}')"
	[ "$REQ_STATUS" = 201 ] || [ "$REQ_STATUS" = 409 ] || must 201 "an essay of $1"
}
essay_version() {	# WHO ESSAY: its submitted version
	as "$1" GET "/api/v1/essays/$2"
	json .submitted_version
}
essay member true; ES_M=$(json .essay_id); obj es.m id="$ES_M"
essay khmer true; ES_K=$(json .essay_id); obj es.k id="$ES_K"
# A review changes the essay: each role reviews a freshly submitted one
# (a return, so that its author may submit again).
fresh_es.m() { essay member true; obj es.m+ id="$ES_M" version="$(essay_version member "$ES_M")"; }
fresh_es.k() { essay khmer true; obj es.k+ id="$ES_K" version="$(essay_version khmer "$ES_K")"; }

# --- Sessions of one's own (logout) --------------------------------------------------------
fresh_session() {	# a token of this cell's role of its own, for logout
	CELL_TOKEN=
	if [ "$CELL_ROLE" != anon ]; then
		login "${FX_CARD[$CELL_ROLE]}" "${FX_PASSWORD[$CELL_ROLE]}" CELL_TOKEN || bail_out "cannot log in again as $CELL_ROLE"
	fi
}

# --- The matrix --------------------------------------------------------------------------
# fill TEXT -> FILLED: every {name} replaced by the object's value, else V's; {uuid}
# a fresh UUID, {n} a fresh number, {nn} a fresh two-digit one, {card} {pw} the role's own login
# (the spare member's for the role without a token).
CELL_OBJ=
fill() {
	local s=$1 key val
	while [[ $s =~ \{([a-z0-9_]+)\} ]]; do
		key=${BASH_REMATCH[1]}
		case $key in
		uuid) val=$(uuid) ;;
		n) NSEQ=$((NSEQ + 1)); val=$NSEQ ;;
		nn) NCARD=$((NCARD + 1)); val=$NCARD ;;	# two digits: card numbers
		card | pw)
			local r=$CELL_ROLE
			[ "$r" != anon ] || r=spare
			if [ "$key" = card ]; then val=${FX_CARD[$r]}; else val=${FX_PASSWORD[$r]}; fi
			;;
		*)
			if [ -n "$CELL_OBJ" ] && [ -n "${OBJ[$CELL_OBJ.$key]+x}" ]; then
				val=${OBJ[$CELL_OBJ.$key]}
			elif [ -n "${V[$key]+x}" ]; then
				val=${V[$key]}
			else
				bail_out "the table names {$key}, which object '$CELL_OBJ' and V do not define"
			fi
			;;
		esac
		s=${s/"{$key}"/"$val"}
	done
	FILLED=$s
}
V+=([doc]=$DOC [docd1]=$DOC_D1 [docp]=$DOC_P [m]=$M [k]=$K [c1]=$C1 [c2]=$C2
    [d1]=$D1 [d2]=$D2 [g1]=$G1 [g2]=$G2 [p]=$P [h]=$H [c1code]=${FX_CODE[C1]}
    [slug]=$RO_SLUG [now]=$(date -u +%Y-%m-%dT%H:%M:%SZ))

# Words a refusal must never carry: the fixture's people and units.
SECRETS=()
for key in "${FX_KEYS[@]}"; do SECRETS+=("${FX_NAME[$key]}"); done
for u in P D1 D2 G1 G2 C1 C2; do SECRETS+=("${FX_UNIT_VI[$u]}" "${FX_UNIT_KM[$u]}"); done
}
