# Shared bash helpers for scripts/stack, scripts/migrate and tests/run.
#
# Source it after `set -eu`; it defines functions and the variable HB_REPO
# (the absolute path of this checkout, wherever it was cloned) and nothing
# else, so sourcing it has no side effects.

# shellcheck shell=bash disable=SC2034
HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

# Messages go to stderr so that commands whose stdout is parsed (status,
# tests) stay clean. HB_PROG names the calling script.
say() { printf '%s: %s\n' "${HB_PROG:-handbook}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# Run a command as the `postgres` system user when we are root, because
# initdb and postgres refuse to run as root; as anybody else, run it as is.
as_pg() {
	if is_root; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A random secret: 32 hex characters, so it needs no quoting or
# percent-encoding in URLs and conninfo strings.
random_secret() { openssl rand -hex 16; }

# Read a secret from FILE, creating it (0600, umask-proof) on first use.
secret_file() {
	local file=$1
	if [ ! -s "$file" ]; then
		(umask 077 && random_secret > "$file.tmp" && mv -f "$file.tmp" "$file")
	fi
	chmod 600 "$file"
	cat "$file"
}

# pid_alive PID NAME: true when PID is a live (not zombie) process whose
# command name is NAME. Checking the name guards against a stale pidfile
# whose number has since been reused by an unrelated process; checking the
# state matters because in containers PID 1 may be slow to reap orphans.
pid_alive() {
	local pid=$1 name=$2 comm state
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	[ -r "/proc/$pid/stat" ] || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[ "$comm" = "$name" ] || return 1
	# Field 3 of /proc/PID/stat is the state; the command name before it is
	# in parentheses and may contain spaces, so cut after the last ')'.
	state=$(sed -e 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ "$state" != Z ] && [ "$state" != X ]
}

# pidfile_alive FILE NAME: prints the PID and succeeds when FILE names a
# live NAME process. A stale file is left alone: its number may still lead
# to the dead process's children (see members in scripts/stack).
pidfile_alive() {
	local file=$1 name=$2 pid
	[ -f "$file" ] || return 1
	pid=$(head -n 1 "$file" 2>/dev/null | tr -dc 0-9)
	pid_alive "$pid" "$name" || return 1
	echo "$pid"
}

# port_free PORT: nothing listens on 127.0.0.1:PORT or [::1]:PORT. A
# refused connect is the portable test (bash's /dev/tcp needs no tools).
port_free() {
	local port=$1
	! (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null &&
		! (: </dev/tcp/::1/"$port") 2>/dev/null
}

# ipv6_loopback: the kernel has ::1 configured, so HAProxy can bind it too.
ipv6_loopback() {
	[ -r /proc/net/if_inet6 ] &&
		grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6
}

# pg_url_env URL: for libpq clients (psql, pg_dump) given a postgresql://
# URL, move the password out of the URL into PGPASSWORD, so that it does
# not show in `ps` to other users. Sets PG_URL to the URL without the
# password and exports PGPASSWORD; other URLs and key=value strings are
# left in PG_URL unchanged. Call it directly, not in $(...), or the export
# is lost with the subshell.
pg_url_env() {
	local url=$1 scheme rest userinfo hostpart pass
	PG_URL=$url
	case $url in
	postgresql://*@* | postgres://*@*) ;;
	*) return 0 ;;
	esac
	scheme=${url%%://*}
	rest=${url#*://}
	userinfo=${rest%%@*}
	hostpart=${rest#*@}
	case $userinfo in
	*:*)
		pass=${userinfo#*:}
		# Percent-decode (%41 -> A): turn each % into \x for printf %b.
		PGPASSWORD=$(printf '%b' "${pass//%/\\x}")
		export PGPASSWORD
		PG_URL="$scheme://${userinfo%%:*}@$hostpart"
		;;
	esac
}

# where_stuck PID...: what a process that does not stop is doing, printed
# before it is killed, so that a slow stop seen once (in CI, say) leaves
# its cause in the log: each thread's state and kernel wait channel, and
# with gdb every thread's stack (gdb attaches for a moment and detaches).
where_stuck() {
	local p t
	for p in "$@"; do
		for t in /proc/"$p"/task/*; do
			[ -r "$t/stat" ] || continue
			say "  pid $p thread ${t##*/} ($(cat "$t/comm" 2>/dev/null)): state $(awk '{ print $3 }' "$t/stat" 2>/dev/null), waiting in $(cat "$t/wchan" 2>/dev/null || echo '?')"
		done
		if command -v gdb >/dev/null 2>&1; then
			timeout 20 gdb -p "$p" -batch -nx -ex 'set pagination off' \
			    -ex 'thread apply all bt 25' 2>/dev/null |
			    grep -E '^(Thread|#)' | sed -e 's/^/    /' >&2 || true
		fi
	done
}
