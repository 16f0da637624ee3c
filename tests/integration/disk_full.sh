#!/bin/bash
# PostgreSQL's disk fills up: writes get 503, reads keep working, nothing
# acknowledged is missing afterwards (issue 11, faults).
#
# How the disk fills: a small tmpfs is mounted for a tablespace, the tables
# that reading events, notes and essays write (with their indexes, TOAST
# and the report rollups their triggers keep) are moved into it, and a
# file then takes every byte left. PostgreSQL can no longer extend those
# tables and answers SQLSTATE 53100 (disk_full, "could not extend file"),
# exactly as on a full data disk; what was already stored can still be
# read. WAL stays on the cluster's own disk: a full WAL disk makes
# PostgreSQL PANIC and restart, which is the fault events_restart.sh and
# client_restart.sh test; here the server stays up and must refuse cleanly.
# tmpfs rather than a loop ext4: no image file, no blocks reserved for
# root, no delayed allocation, so "full" means full for the postgres user
# at once; it needs root (mount), which CI is. Only the moved tables are
# on it, so the test says nothing of the catalogue or the sessions table
# filling up (logins and token checks would then fail too).
#
# The writes come from phones that keep a write until it is acknowledged
# and send the same body (same client UUIDs) again after a 503. During the
# fault each kind of write is sent until it is refused several times
# (writes that still fit in pages PostgreSQL already has succeed, as they
# would on a real full disk); reads are checked meanwhile; then the file
# is removed and the refused writes sent again, with nothing restarted.
# Every acknowledged write must be stored exactly once, and none refused
# may be even partly there. The tables go back to their tablespace and the
# mount goes away whatever happens, since later tests share this stack.
set -eu
. "$HB_REPO/tests/lib/assert.sh"
. "$HB_REPO/tests/lib/stack.sh"
. "$HB_REPO/tests/lib/fixtures.sh"
. "$HB_REPO/tests/lib/essays.sh"

if ! test_pg_embedded; then
	skip "a full disk under the tables" "the stack uses an external database (no tablespace of ours there)"
	done_testing
	exit $?
fi
if [ -n "${HANDBOOK_REPLICA:-}" ] && [ "${HANDBOOK_REPLICA}" != 0 ]; then
	# The replica would replay CREATE TABLESPACE into the same directory.
	skip "a full disk under the tables" "the stack runs a replica on this machine (HANDBOOK_TEST_REPLICA)"
	done_testing
	exit $?
fi
if ! is_root; then
	# CI runs as root: there the test runs. Say so loudly anywhere else.
	diag "************************************************************"
	diag "disk_full.sh NOT RUN: mounting a file system needs root, and"
	diag "nothing else fills a disk for PostgreSQL alone (ulimit -f is"
	diag "the shell's, not the postmaster's). Run tests/run as root."
	diag "************************************************************"
	skip "a full disk under the tables" "not root: cannot mount a tmpfs for the tablespace"
	done_testing
	exit $?
fi

PGUSER_OS=$(stat -c %U "$(test_pg_data)")
su_sql() {	# SQL as the cluster's superuser, in the handbook database
	PGPASSWORD=$(cat "$HANDBOOK_VAR/secrets/pg-superuser") psql -X -A -t -q \
	    -v ON_ERROR_STOP=1 "$@" \
	    "host=127.0.0.1 port=$HANDBOOK_PG_PORT user=postgres dbname=handbook connect_timeout=3"
}
KORE_LOG=$HANDBOOK_VAR/log/kore.log
phase() { diag "${SECONDS}s: $1"; }
kore_log_start=$(($(wc -l <"$KORE_LOG") + 1))

fixture_org DSKF
declare -A TOK
for who in member khmer admin committee; do
	login "${FX_CARD[$who]}" "${FX_PASSWORD[$who]}" t || bail_out "login $who"
	TOK[$who]=$t
done
essays_setup DSKF
P=${FX_UNIT[P]}

# --- Writes, as a phone keeps them -----------------------------------------

W=$TEST_TMP/writes
mkdir -p "$W"
nwrites=0
VI_TEXT="Chi bộ thảo luận việc học tập nghị quyết, liên hệ với nhiệm vụ của từng đảng viên; ý kiến được ghi lại đầy đủ để thực hiện trong tháng tới."
KM_TEXT="សាខាបក្សនីមួយៗមានផែនការជាក់លាក់។ ជំរុញការផ្លាស់ប្តូរឌីជីថលក្នុងអង្គការបក្សទាំងមូល។"

# A text of about LEN characters, different from every other one: the
# sentence, then random words, so that it hardly compresses and each write
# takes its full room (a text that compresses well takes long to fill a
# page).
text_of() {	# BASE LEN
	local base=$1 len=$2 out
	out="$base"
	while [ "${#out}" -lt "$len" ]; do
		printf -v out '%s %04x%04x %04x' "$out" "$RANDOM" "$RANDOM" "$RANDOM"
	done
	printf '%s (#%s)' "${out:0:$len}" "$nwrites"
}

# The body of a new write of KIND by WHO.
new_body() {	# KIND WHO
	local kind=$1 who=$2 i id kinds events now sec doc lang base
	now=$(date -u +%FT%TZ)
	lang=vi base=$VI_TEXT
	[ "$who" = khmer ] && lang=km base=$KM_TEXT
	case $kind in
	events)
		# 100 events: pages fill fast (read_events, read_event_ids).
		events=
		for ((i = 1; i <= 100; i++)); do
			read -r id </proc/sys/kernel/random/uuid
			kinds=section_read sec=",\"section\":$((i % 5 + 1))"
			[ "$i" = 1 ] && kinds=opened sec=
			events="$events${events:+,}{\"id\":\"$id\",\"kind\":\"$kinds\",\"document_id\":$DOC,\"version\":1,\"lang\":\"vi\"$sec,\"occurred_at\":\"$now\",\"seconds\":3}"
		done
		printf '{"events":[%s]}' "$events"
		;;
	notes)
		jq -cn --arg cid "$(uuid)" --argjson d "$DOC" --arg t "$(text_of "$base" 1500)" \
		    --arg v "$([ $((nwrites % 2)) = 0 ] && echo cell || echo private)" \
		    '{client_id: $cid, document_id: $d, visibility: $v, text: $t}'
		;;
	essays)
		# Drafts: every save is a new version of the member's one essay.
		doc=$DOC
		[ "$who" = khmer ] && doc=$DOC_B
		essay_body "$(uuid)" "$doc" "$(jq -cn --arg c "$(text_of "$base" 2500)" \
		    --arg p "$(text_of "$base" 600)" '{content: $c, action_plan: $p}')" |
		    jq -c --arg l "$lang" '. + {lang: $l}'
		;;
	esac
}

# send_write N: sends write N (its body as first made) and records the
# answer: W/N.status, W/N.answer, W/N.headers; also W/N.log, one line per
# try.
send_write() {
	local n=$1 kind who
	read -r kind who <"$W/$n.what"
	auth_req "${TOK[$who]}" -X POST -H 'Content-Type: application/json' \
	    --data-binary "@$W/$n.body" "$BASE/api/v1/$kind"
	echo "$REQ_STATUS" >"$W/$n.status"
	echo "$REQ_STATUS" >>"$W/$n.log"
	cp "$REQ_BODY_FILE" "$W/$n.answer"
	cp "$REQ_HEADERS" "$W/$n.headers"
	if judge "$n"; then echo 1 >"$W/$n.acked"; else echo 0 >"$W/$n.acked"; fi
}

# new_write KIND WHO: makes a write, sends it once; sets WN to its number.
new_write() {
	nwrites=$((nwrites + 1))
	WN=$nwrites
	echo "$1 $2" >"$W/$WN.what"
	echo "$3" >"$W/$WN.phase"
	new_body "$1" "$2" >"$W/$WN.body"
	send_write "$WN"
}

# An answer acknowledges the write: 201 (or 200 for a retried note or
# essay), and for events 200 with every event accepted. Decided once per
# answer (send_write), read from W/N.acked.
judge() {	# N
	local n=$1 kind who st
	read -r kind who <"$W/$n.what"
	st=$(cat "$W/$n.status")
	case $kind in
	events) [ "$st" = 200 ] && [ "$(jq -r .accepted "$W/$n.answer")" = 100 ] ;;
	*) [ "$st" = 201 ] || [ "$st" = 200 ] ;;
	esac
}
acked() { [ "$(cat "$W/$1.acked")" = 1 ]; }

# A 503 for a full disk: the envelope, storage_full, Retry-After 30.
refused_full() {	# N
	local n=$1
	[ "$(cat "$W/$n.status")" = 503 ] &&
	    jq -e '.error.code == "storage_full" and (.error.message | type == "string")' \
	    "$W/$n.answer" >/dev/null 2>&1 &&
	    [ "$(REQ_HEADERS=$W/$n.headers hdr retry-after)" = 30 ]
}

# The client ids of write N (events: each event's id).
ids_of() {	# N
	local kind who
	read -r kind who <"$W/$1.what"
	case $kind in
	events) jq -r '.events[].id' "$W/$1.body" ;;
	*) jq -r .client_id "$W/$1.body" ;;
	esac
}

# --- Before the fault -------------------------------------------------------

phase 'before the fault'

before_ok=0
for who in member khmer; do
	for kind in events notes essays; do
		new_write "$kind" "$who" before
		if acked "$WN"; then before_ok=$((before_ok + 1)); else
			diag "before: $kind by $who: $(cat "$W/$WN.status") $(head -c 200 "$W/$WN.answer")"
		fi
	done
done
is "$before_ok" 6 "before the fault: events, notes and essays by a Vietnamese and a Khmer member are acknowledged"

# Reads, each an HTTP GET that must answer 200 (and the names, for the
# figures).
READS=(
	"member /api/v1/documents"
	"member /api/v1/documents/$DOC"
	"khmer /api/v1/documents/$DOC_B?lang=km"
	"member /api/v1/search?q=ngh%E1%BB%8B%20quy%E1%BA%BFt"
	"khmer /api/v1/search?q=%E1%9E%9F%E1%9E%B6%E1%9E%81%E1%9E%B6&lang=km"
	"admin /api/v1/reports/engagement?unit=$P&document=$DOC"
	"member /api/v1/me/progress?document=$DOC"
	"member /api/v1/notes?scope=mine"
	"khmer /api/v1/essays"
)
reads_ok=0
reads_failed=0
read_all() {	# PHASE
	local r who path
	for r in "${READS[@]}"; do
		who=${r%% *} path=${r#* }
		auth_req "${TOK[$who]}" "$BASE$path"
		if [ "$REQ_STATUS" = 200 ]; then
			reads_ok=$((reads_ok + 1))
		else
			reads_failed=$((reads_failed + 1))
			echo "$1 GET $path: $REQ_STATUS $(head -c 200 "$REQ_BODY_FILE")" >>"$TEST_TMP/read-failures"
		fi
	done
}
read_all before
is "$reads_failed" 0 "before the fault: ${#READS[@]} reads answer 200 (documents, search in both languages, report, progress, notes, essays)"

# --- The tablespace on a small file system ---------------------------------

phase 'filling the disk'

# The tables these writes touch: events (every partition), progress, the
# report rollups kept by triggers on progress, notes, essays.
TABLES_RE='^(read_event|progress$|notes$|note_versions$|essay|report_)'
FS=$(mktemp -d /tmp/handbook-diskfull.XXXXXX)
chmod 755 "$FS"
MNT=$FS/mnt
TS=handbook_diskfull_test
mkdir "$MNT"

# Undo everything, whatever state it is in: free the space, move every
# relation of the tablespace back (tables take their TOAST along; each
# statement on its own, so that one failure does not stop the others),
# drop it, unmount. Idempotent. The file system is unmounted only once the
# tablespace is gone: unmounting it under live tables would lose them
# (tried: the checkpointer then fails and PostgreSQL stops). Returns 1
# and leaves the mount when something could not be moved.
in_ts() {
	su_sql -c "SELECT count(*) FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace
	    WHERE t.spcname = '$TS'" 2>/dev/null || echo unknown
}
restore() {
	rm -f "$MNT/fill" 2>/dev/null || true
	su_sql -v ON_ERROR_STOP=0 <<-SQL >/dev/null 2>>"$TEST_TMP/restore.err" || true
		SELECT format('ALTER %s %s SET TABLESPACE pg_default',
		    CASE WHEN c.relkind = 'i' THEN 'INDEX' ELSE 'TABLE' END,
		    c.oid::regclass)
		  FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE t.spcname = '$TS' AND c.relkind IN ('r', 'i')
		   AND n.nspname = 'public'
		 ORDER BY c.relkind DESC \gexec
	SQL
	if [ "$(in_ts)" != 0 ]; then
		diag "restore: relations left in tablespace $TS, mount $MNT kept: $(cat "$TEST_TMP/restore.err" 2>/dev/null)"
		return 1
	fi
	su_sql -c "DROP TABLESPACE IF EXISTS $TS" >/dev/null 2>>"$TEST_TMP/restore.err" || {
		diag "restore: DROP TABLESPACE failed, mount $MNT kept: $(cat "$TEST_TMP/restore.err")"
		return 1
	}
	if mountpoint -q "$MNT"; then
		umount "$MNT" || return 1
	fi
	rmdir "$MNT" "$FS" 2>/dev/null || true
}
at_exit 'restore || true'

# What is to move: its size now, so that the file system holds it twice
# (VACUUM FULL below writes a copy before it drops the old one) with room
# for a little more, then is filled.
moving=$(su_sql -c "SELECT count(*), coalesce(sum(pg_total_relation_size(c.oid)), 0)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ '$TABLES_RE'" -F ' ')
read -r n_tables bytes <<<"$moving"
size_mb=$((2 * bytes / 1048576 + 16))
if mount -t tmpfs -o "size=${size_mb}m,mode=0700,uid=$(id -u "$PGUSER_OS"),gid=$(id -g "$PGUSER_OS")" \
    handbook-diskfull "$MNT" 2>"$TEST_TMP/mount.err"; then
	pass "a ${size_mb} MB tmpfs is mounted for the tablespace"
else
	# Root and yet no mount (a container without CAP_SYS_ADMIN): fail,
	# this test is meant to run wherever the suite runs as root.
	bail_out "root, but mount -t tmpfs failed: $(cat "$TEST_TMP/mount.err")"
fi
runuser -u "$PGUSER_OS" -- mkdir "$MNT/ts"
su_sql -c "CREATE TABLESPACE $TS LOCATION '$MNT/ts'" >/dev/null ||
	bail_out "CREATE TABLESPACE failed"
su_sql <<-SQL >"$TEST_TMP/move.out" 2>&1 || bail_out "moving the tables failed: $(cat "$TEST_TMP/move.out")"
	SELECT format('ALTER TABLE %s SET TABLESPACE $TS', c.oid::regclass)
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ '$TABLES_RE' \gexec
	SELECT format('ALTER INDEX %s SET TABLESPACE $TS', i.indexrelid::regclass)
	  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
	  JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ '$TABLES_RE' \gexec
SQL
# Pack them: the whole suite shares this stack, and rows other tests
# deleted leave room in pages PostgreSQL already has, which would take
# this test's writes for a long while before any needs a new page.
# VACUUM FULL rewrites each table (in the tablespace) without that room.
su_sql <<-SQL >"$TEST_TMP/vacuum.out" 2>&1 || bail_out "VACUUM FULL failed: $(cat "$TEST_TMP/vacuum.out")"
	SELECT format('VACUUM FULL %s', c.oid::regclass)
	  FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace
	 WHERE t.spcname = '$TS' AND c.relkind = 'r' \gexec
SQL
moved=$(su_sql -c "SELECT count(*) FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace
    WHERE t.spcname = '$TS' AND c.relkind IN ('r', 't')")
is "$moved" "$((n_tables + $(su_sql -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_class r ON r.oid = c.reltoastrelid
   WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ '$TABLES_RE'")))" \
	"$n_tables tables ($((bytes / 1024)) kB), their TOAST and indexes are in the tablespace"

# Fill it: a file takes every byte PostgreSQL could have had.
dd if=/dev/zero of="$MNT/fill" bs=1M status=none 2>/dev/null || true
dd if=/dev/zero of="$MNT/fill" bs=4096 oflag=append conv=notrunc status=none 2>/dev/null || true
is "$(df --output=avail -B1 "$MNT" | tail -n 1 | tr -d ' ')" 0 \
	"the file system is full ($(du -m "$MNT/fill" | cut -f1) MB of filler)"

# --- During the fault ------------------------------------------------------

phase 'the fault'

# Each kind by each writer, again and again, until it has been refused
# three times (at most 60 tries: the last pages PostgreSQL has fill up
# first); after each, every read.
reads_ok=0 reads_failed=0
fault_start=$SECONDS
for who in member khmer; do
	for kind in events notes essays; do
		refusals=0 tries=0
		while [ "$refusals" -lt 3 ] && [ "$tries" -lt 60 ]; do
			tries=$((tries + 1))
			new_write "$kind" "$who" during
			if [ "$(cat "$W/$WN.status")" = 503 ]; then
				refusals=$((refusals + 1))
			fi
		done
		echo "$kind $who $tries $refusals" >>"$TEST_TMP/during"
		read_all during
	done
done
reads_during=$reads_ok

during=$(grep -l during "$W"/*.phase | sed 's/\.phase$//' | xargs -n1 basename)
n_during=0 n_acked=0 n_refused=0 n_bad=0
for n in $during; do
	n_during=$((n_during + 1))
	if acked "$n"; then
		n_acked=$((n_acked + 1))
	elif refused_full "$n"; then
		n_refused=$((n_refused + 1))
		echo "$n" >>"$TEST_TMP/refused"
	else
		n_bad=$((n_bad + 1))
		diag "write $n ($(cat "$W/$n.what")): $(cat "$W/$n.status") $(head -c 200 "$W/$n.answer")"
	fi
done
while read -r kind who tries refusals; do
	is "$refusals" 3 "during the fault: POST /api/v1/$kind by the $who member refused 3 times in $tries tries"
done <"$TEST_TMP/during"
is "$n_bad" 0 "every write during the fault is acknowledged or refused with 503 storage_full, the envelope and Retry-After: 30 ($n_acked acknowledged while pages had room, $n_refused refused)"
is "$reads_failed" 0 "reads keep working: $reads_during GETs answered 200 during the fault, none failed"
[ ! -s "$TEST_TMP/read-failures" ] || diag "$(head -n 5 "$TEST_TMP/read-failures")"
like "$(sed -n "${kore_log_start},\$p" "$KORE_LOG" | grep -c 'sqlstate=53100' || true)" '^[1-9]' \
	"Kore logged the refusals as sqlstate=53100 (a real disk_full, not another error)"

# Nothing of a refused write is in the database, not even part of it.
# (Read now, on the full disk: reads work.)
: >"$TEST_TMP/refused-ids"
: >"$TEST_TMP/refused-events"
while read -r n; do
	read -r kind who <"$W/$n.what"
	case $kind in
	events) ids_of "$n" >>"$TEST_TMP/refused-events" ;;
	*) ids_of "$n" >>"$TEST_TMP/refused-ids" ;;
	esac
done < <(cat "$TEST_TMP/refused" 2>/dev/null)
ids_sql() {	# FILE: an SQL list of uuids
	if [ -s "$1" ]; then sed -e "s/.*/'&'::uuid/" "$1" | paste -sd,; else echo "NULL::uuid"; fi
}
members="${FX_ID[member]},${FX_ID[khmer]}"
half=$(fx_sql "SELECT (SELECT count(*) FROM read_event_ids WHERE member_id IN ($members) AND id IN ($(ids_sql "$TEST_TMP/refused-events")))
    + (SELECT count(*) FROM read_events WHERE member_id IN ($members) AND id IN ($(ids_sql "$TEST_TMP/refused-events")))
    + (SELECT count(*) FROM notes WHERE author_id IN ($members) AND client_id IN ($(ids_sql "$TEST_TMP/refused-ids")))
    + (SELECT count(*) FROM essay_versions WHERE author_id IN ($members) AND client_id IN ($(ids_sql "$TEST_TMP/refused-ids")))")
is "$half" 0 "none of the $n_refused refused writes ($(wc -l <"$TEST_TMP/refused-events") events, $(wc -l <"$TEST_TMP/refused-ids") notes and essays) is even partly stored"

# Progress, read during the fault, shows exactly what was acknowledged
# (3 seconds per event).
acked_events() { # the member's acknowledged events so far
	local n c=0
	for n in $(ls "$W" | sed -n 's/\.what$//p'); do
		grep -q '^events member' "$W/$n.what" && acked "$n" && c=$((c + 100))
	done
	echo "$c"
}
auth_req "${TOK[member]}" "$BASE/api/v1/me/progress?document=$DOC"
is "$(json '.items[0].seconds')" "$(($(acked_events) * 3))" \
	"GET /me/progress during the fault counts every acknowledged event and no refused one ($(acked_events) events)"

# --- Space again: the same writes, nothing restarted ------------------------

phase 'space again'

kore_pid=$(test_kore_pid)
pg_pid=$(head -n 1 "$(test_pg_data)/postmaster.pid")
rm -f "$MNT/fill"
fault_seconds=$((SECONDS - fault_start))
retried_ok=0
for n in $(cat "$TEST_TMP/refused" 2>/dev/null); do
	send_write "$n"
	if acked "$n"; then retried_ok=$((retried_ok + 1)); else
		diag "retry of $n ($(cat "$W/$n.what")): $(cat "$W/$n.status") $(head -c 200 "$W/$n.answer")"
	fi
done
is "$retried_ok" "$n_refused" "space freed: each refused write sent again (same client UUIDs) is acknowledged"
after_ok=0
for who in member khmer; do
	for kind in events notes essays; do
		new_write "$kind" "$who" after
		acked "$WN" && after_ok=$((after_ok + 1))
	done
done
is "$after_ok" 6 "... and new writes of every kind too"
# A retry of a write acknowledged during the fault is answered, not stored
# again (checked below with the rest).
for n in $during; do
	if ! grep -qx "$n" "$TEST_TMP/refused" 2>/dev/null; then
		cp "$W/$n.status" "$W/$n.first-status"
		send_write "$n"
		acked "$n" || diag "replay of $n: $(cat "$W/$n.status")"
		break
	fi
done
reads_ok=0 reads_failed=0
read_all after
is "$reads_failed" 0 "reads answer 200 after the fault"
is "$(test_kore_pid)" "$kore_pid" "... with the same Kore (not restarted)"
is "$(head -n 1 "$(test_pg_data)/postmaster.pid")" "$pg_pid" "... and the same PostgreSQL"

# --- Every acknowledged write is there exactly once -------------------------

phase 'checking what is stored'

: >"$TEST_TMP/acked-events"
: >"$TEST_TMP/acked-notes"
: >"$TEST_TMP/acked-essays"
for n in $(ls "$W" | sed -n 's/\.what$//p'); do
	read -r kind who <"$W/$n.what"
	if acked "$n"; then ids_of "$n" >>"$TEST_TMP/acked-$kind"; fi
done
not_acked=$(for n in $(ls "$W" | sed -n 's/\.what$//p'); do acked "$n" || echo "$n"; done | wc -l)
is "$not_acked" 0 "every write made in this test ended acknowledged ($nwrites writes)"

LC_ALL=C sort -o "$TEST_TMP/acked-events" "$TEST_TMP/acked-events"
fx_sql "SELECT id FROM read_event_ids WHERE member_id IN ($members)" | LC_ALL=C sort >"$TEST_TMP/stored-ids"
fx_sql "SELECT id FROM read_events WHERE member_id IN ($members)" | LC_ALL=C sort >"$TEST_TMP/stored-events"
is "$(wc -l <"$TEST_TMP/acked-events")" "$(sort -u "$TEST_TMP/acked-events" | wc -l)" \
	"events: $(wc -l <"$TEST_TMP/acked-events") acknowledged, each id once"
is "$(LC_ALL=C comm -3 "$TEST_TMP/acked-events" "$TEST_TMP/stored-ids" | wc -l)" 0 "... the ledger holds exactly those"
is "$(LC_ALL=C comm -3 "$TEST_TMP/acked-events" "$TEST_TMP/stored-events" | wc -l)" 0 "... read_events holds exactly those, once each"
is "$(fx_sql "SELECT coalesce(sum(events), 0) FROM progress WHERE member_id IN ($members)")" \
	"$(wc -l <"$TEST_TMP/acked-events")" "... and progress counted each once"

for kind in notes essays; do
	case $kind in
	notes) q="SELECT client_id FROM notes WHERE author_id IN ($members)" ;;
	essays) q="SELECT client_id FROM essay_versions WHERE author_id IN ($members)" ;;
	esac
	LC_ALL=C sort -o "$TEST_TMP/acked-$kind" "$TEST_TMP/acked-$kind"
	fx_sql "$q" | LC_ALL=C sort >"$TEST_TMP/stored-$kind"
	is "$(LC_ALL=C comm -3 "$TEST_TMP/acked-$kind" "$TEST_TMP/stored-$kind" | wc -l)" 0 \
		"$kind: the $(wc -l <"$TEST_TMP/acked-$kind") acknowledged are stored, once each, and nothing else"
done
is "$(fx_sql "SELECT count(*) FROM note_versions v JOIN notes n ON n.id = v.note_id WHERE n.author_id IN ($members)")" \
	"$(wc -l <"$TEST_TMP/acked-notes")" "... one version per note"
is "$(fx_sql "SELECT count(*) FROM essays WHERE member_id IN ($members)")" 2 \
	"... one essay per member and study, each save a version of it"
is "$(fx_sql "SELECT string_agg(version::text, ',' ORDER BY member_id) FROM essays WHERE member_id IN ($members)")" \
	"$(fx_sql "SELECT string_agg(n::text, ',' ORDER BY author_id) FROM (SELECT author_id, count(*) n FROM essay_versions WHERE author_id IN ($members) GROUP BY author_id) x")" \
	"... whose current version counts the versions stored"

# --- Back as it was ----------------------------------------------------------

phase 'restoring'

ok restore "the tables are back in their tablespace, the test's one is dropped"
is "$(su_sql -c "SELECT count(*) FROM pg_tablespace WHERE spcname = '$TS'")" 0 "... it is gone"
ok '! mountpoint -q "$MNT" 2>/dev/null && [ ! -e "$FS" ]' "... the tmpfs is unmounted and removed"
is "$(su_sql -c "SELECT count(*) FROM pg_class WHERE reltablespace <> 0 AND relkind IN ('r', 'i', 't')
     AND reltablespace <> (SELECT oid FROM pg_tablespace WHERE spcname = 'pg_global')")" 0 \
	"... no relation is left outside the default tablespace"
new_write events member after
ok 'acked "$WN"' "... and the tables take writes on their own disk again (later tests share this stack)"
is "$(sed -n "${kore_log_start},\$p" "$KORE_LOG" | grep -cE 'died|exited with status [^0]' || true)" 0 \
	"no Kore worker died during the test"
diag "figures: the fault lasted ${fault_seconds} s; $n_during writes during it, $n_refused refused (503 storage_full), $n_acked acknowledged; $reads_during reads served during it; $(($(wc -l <"$TEST_TMP/acked-events"))) events, $(wc -l <"$TEST_TMP/acked-notes") notes, $(wc -l <"$TEST_TMP/acked-essays") essay versions acknowledged in all"

done_testing
