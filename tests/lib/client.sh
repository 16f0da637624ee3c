# Running the client library's test program for tests/integration/client*.sh.
#
# Source it after tests/lib/assert.sh. It sets HB_BASE and HB_CA for the
# test stack and defines:
#
#   check ARGS...    build/tests/client/client_check ARGS under valgrind
#                    (leaks and errors make it exit 99); sets OUT (its
#                    stdout) and RC (its exit status: an hb_status)
#   field KEY        the value of the first "KEY value" line of OUT
#   valgrind_clean   two assertions: no run exited 99, no valgrind log
#
# A leak or an error in any run fails the test file at the end.

# shellcheck shell=bash
CHECK=$HB_REPO/build/tests/client/client_check
[ -x "$CHECK" ] || bail_out "$CHECK is not built (make build-tests)"
export HB_BASE=$BASE HB_CA=$CACERT
VG=$TEST_TMP/vg
mkdir -p "$VG"
VG_FAILED=0

check() {
	set +e
	OUT=$(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--log-file="$VG/%p.log" "$CHECK" "$@" 2>"$TEST_TMP/check.err")
	RC=$?
	set -e
	if [ "$RC" = 99 ]; then
		diag "valgrind found errors in: client_check $*"
		VG_FAILED=1
	fi
}

field() { printf '%s\n' "$OUT" | sed -n "s/^$1 //p" | head -n 1; }

valgrind_clean() {
	local logs
	logs=$(cat "$VG"/*.log 2>/dev/null || true)
	is "$VG_FAILED" 0 "valgrind: no leak and no error in any run"
	ok '[ -z "$logs" ]' "... and nothing in its logs"
	[ -z "$logs" ] || diag "$(head -c 3000 <<<"$logs")"
}
