# TAP assertions and an HTTPS request helper for tests/integration/*.sh.
#
# Source it from a test script (after `set -eu`); each assertion prints one
# TAP line, "ok N - desc" or "not ok N - desc" plus "# " diagnostics, and
# never exits, so one failure does not hide the next. End the script with
# `done_testing`: it prints the plan "1..N" and exits 1 if anything failed.
# tests/run counts the lines; a script can be run alone too, given the
# environment tests/run exports (BASE, CACERT, HANDBOOK_* ...).
#
#   ok 'SHELL CONDITION' DESC      the condition is eval'ed: ok '[ -s "$f" ]' ...
#   is GOT WANT DESC               string equality
#   like GOT REGEX DESC            bash extended regex match
#   req [CURL ARGS...] URL         HTTPS request; sets REQ_STATUS, REQ_VERSION,
#                                  REQ_BODY, REQ_HEADERS (a file)
#   hdr NAME                       a header of the last response ("" if none)
#   json FILTER                    jq -r FILTER on the last body
#   is_json FILTER WANT DESC       is "$(json FILTER)" WANT DESC
#   diag MSG / skip DESC REASON / bail_out REASON / at_exit CMD

# shellcheck shell=bash disable=SC2034
TAP_N=0
TAP_FAILED=0

# A scratch directory per test script, removed when it exits.
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/handbook-test.XXXXXX")
# at_exit CMD: run CMD when the script ends, however it ends (a test that
# stops PostgreSQL restarts it there, so that later scripts find it up).
TAP_AT_EXIT=
at_exit() { TAP_AT_EXIT="$1; $TAP_AT_EXIT"; }
trap 'eval "$TAP_AT_EXIT"; rm -rf "$TEST_TMP"' EXIT

diag() { printf '# %s\n' "$*" | sed -e '2,$s/^/# /'; }

pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	local line
	for line in "$@"; do diag "$line"; done
}

ok() {
	local cond=$1 desc=$2
	if eval "$cond"; then pass "$desc"; else fail "$desc" "false: $cond"; fi
}

is() {
	local got=$1 want=$2 desc=$3
	if [ "$got" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc" "     got: '$got'" "expected: '$want'"
	fi
}

like() {
	local got=$1 re=$2 desc=$3
	if [[ $got =~ $re ]]; then
		pass "$desc"
	else
		fail "$desc" "     got: '$got'" "expected to match: $re"
	fi
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

# Stop the whole script: TAP's "Bail out!" plus a failure tests/run counts.
bail_out() {
	fail "bail out: $*"
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" = 0 ]
}

# req [CURL ARGS...] URL: one request through HAProxy, trusting our CA.
# Status "000" means no HTTP answer (connection or TLS failure).
REQ_HEADERS=$TEST_TMP/headers
REQ_BODY_FILE=$TEST_TMP/body
req() {
	local out
	: >"$REQ_HEADERS"
	: >"$REQ_BODY_FILE"
	out=$(curl -s --cacert "$CACERT" --max-time 15 -D "$REQ_HEADERS" \
		-o "$REQ_BODY_FILE" -w '%{http_code} %{http_version}' "$@" 2>/dev/null) || true
	REQ_STATUS=${out%% *}
	REQ_VERSION=${out#* }
	[ -n "$REQ_STATUS" ] || REQ_STATUS=000
	REQ_BODY=$(cat "$REQ_BODY_FILE")
}

# hdr NAME: value of the first NAME header of the final response (after a
# "100 Continue" the header file holds two blocks; keep the last).
hdr() {
	awk -v name="$1" '
		BEGIN { name = tolower(name) }
		{ sub(/\r$/, "") }
		/^HTTP\// { found = ""; next }
		{
			i = index($0, ":")
			if (i == 0) next
			k = tolower(substr($0, 1, i - 1))
			if (k == name && found == "") {
				v = substr($0, i + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
				found = v
			}
		}
		END { print found }
	' "$REQ_HEADERS"
}

json() { jq -r "$1" <"$REQ_BODY_FILE" 2>/dev/null || echo "(not JSON)"; }

is_json() { is "$(json "$1")" "$2" "$3"; }

# The body is JSON in the project's error envelope with this code.
is_error_envelope() {
	local code=$1 desc=$2
	if jq -e --arg c "$code" '(.error.code == $c) and (.error.message | type == "string")' \
		<"$REQ_BODY_FILE" >/dev/null 2>&1; then
		pass "$desc"
	else
		fail "$desc" "body: $(head -c 300 "$REQ_BODY_FILE")" "expected error.code '$code' and a message"
	fi
}
