# Helpers for integration tests that act on the running test stack itself:
# stop and start its PostgreSQL, find Kore's PID, wait for a condition.
#
# Source it after tests/lib/assert.sh. It relies on what tests/run exports:
# HANDBOOK_VAR (the stack's var dir) and HB_REPO (the checkout).

# shellcheck shell=bash
# shellcheck source=scripts/lib.sh
. "$HB_REPO/scripts/lib.sh"

PG_BIN=/usr/lib/postgresql/15/bin

# True when the stack runs its own cluster (not HANDBOOK_TEST_DATABASE_URL).
test_pg_embedded() { [ -e "$HANDBOOK_VAR/pg/PG_VERSION" ]; }

# The real data directory ($VAR/pg may be a symlink to /tmp, see stack).
test_pg_data() { readlink -f -- "$HANDBOOK_VAR/pg"; }

# test_free_ports SPAN VAR...: sets each VAR to a TCP port free on this
# machine, with the SPAN-1 ports after it free too (a stack of several
# Kore nodes or with a replica takes the next ones), all distinct from one
# another and from the suite's own stack. Run in the calling shell, not in
# $(...), so that one call's ports are known to the next pick.
test_free_ports() {
	local span=$1 var p i ok taken
	shift
	taken=" ${HANDBOOK_PORT:-} ${HANDBOOK_KORE_PORT:-} ${HANDBOOK_PG_PORT:-} "
	for var in "$@"; do
		ok=0
		for _ in $(seq 200); do
			p=$((20000 + RANDOM % 40000))
			ok=1
			for ((i = 0; i < span; i++)); do
				case $taken in *" $((p + i)) "*) ok=0 ;; esac
				[ "$ok" = 1 ] && ! port_free $((p + i)) && ok=0
			done
			[ "$ok" = 1 ] && break
		done
		[ "$ok" = 1 ] || return 1
		for ((i = 0; i < span; i++)); do taken="$taken$((p + i)) "; done
		printf -v "$var" '%s' "$p"
	done
}

# Stop the stack's PostgreSQL, as scripts/stack would (fast shutdown).
test_pg_stop() {
	as_pg "$PG_BIN/pg_ctl" stop -D "$(test_pg_data)" -m fast -w -t 30 \
		>>"$HANDBOOK_VAR/log/postgresql.log" 2>&1
}

# Start it again with the settings scripts/stack wrote (handbook.conf).
test_pg_start() {
	as_pg "$PG_BIN/pg_ctl" start -D "$(test_pg_data)" -w -t 30 \
		</dev/null >>"$HANDBOOK_VAR/log/postgresql.log" 2>&1
}

test_kore_pid() { head -n 1 "$HANDBOOK_VAR/run/kore.pid" 2>/dev/null || true; }

# wait_for SECONDS 'SHELL CONDITION': poll every 0.2 s until the condition
# holds; false if it still does not after SECONDS.
wait_for() {
	local tenths=$(($1 * 5)) cond=$2
	until eval "$cond"; do
		[ "$tenths" -gt 0 ] || return 1
		tenths=$((tenths - 1))
		sleep 0.2
	done
}
