#!/bin/bash
# `make bench`: every benchmark of tests/bench/, one after the other, each
# on a stack of its own (127.0.0.1 only, stopped by PID), each load run
# bounded in time. Writes what it prints to var/bench/bench-<UTC time>.txt
# as well as the terminal: first the machine (cores, memory, CPU, kernel)
# and the versions of everything measured, then for each benchmark the
# command that ran it, its own figures (each benchmark prints its
# reference measured in the same run: nginx for documents, COPY for
# events, libsodium alone for logins, psql for search and reports), how
# long it took and whether it finished.
#
#   tests/bench/all.sh [NAME...]     (default: all, in the order below)
#
# The whole run takes about 35 to 45 minutes on 2 cores, most of it
# generating data (20 million reading events, 100,000 essays, the
# country's tree). Figures depend on what else the machine is doing: the
# load average is printed before and after each benchmark. Nothing here
# asserts a figure; tests/bench/README.md keeps the ones quoted.
set -u

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$HB_REPO"

# name, then the command line: seconds per load run kept short enough for
# the whole to finish within the hour.
BENCHES=(
	"document:tests/bench/document_vs_nginx.sh 10"
	"search:tests/bench/search.sh 5"
	"events:tests/bench/events_vs_copy.sh 15 16 64"
	"login:tests/bench/login.sh 15 4"
	"reports:tests/bench/reports.sh 5"
	"memory:tests/bench/memory.sh 20"
	"essays:tests/bench/essays_copy.sh 200"
	"programmes:tests/bench/programmes.sh"
)

mkdir -p var/bench
OUT=var/bench/bench-$(date -u +%Y%m%dT%H%M%SZ).txt

version_of() { # what a command prints of its own version, first line
	"$@" 2>&1 | head -n 1 || true
}

machine() {
	echo "# make bench, $(date -u +%FT%TZ), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "# machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), memory $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "# kore: $(dpkg-query -W -f='${Version}' kore 2>/dev/null)"
	echo "# haproxy: $(version_of haproxy -v)"
	echo "# postgresql: $(version_of /usr/lib/postgresql/15/bin/postgres --version)"
	echo "# nginx: $(dpkg-query -W -f='${Version}' nginx-light 2>/dev/null || echo 'not installed yet')"
	echo "# wrk: $(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo 'not installed yet')"
	echo "# openssl: $(version_of openssl version)"
	echo "# libsodium: $(dpkg-query -W -f='${Version}' libsodium23 2>/dev/null)"
	echo "# jansson: $(dpkg-query -W -f='${Version}' libjansson4 2>/dev/null)"
	echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

want() { # is benchmark $1 asked for?
	[ ${#SELECTED[@]} -eq 0 ] && return 0
	local s
	for s in "${SELECTED[@]}"; do [ "$s" = "$1" ] && return 0; done
	return 1
}

SELECTED=("$@")
for s in "${SELECTED[@]}"; do
	found=0
	for b in "${BENCHES[@]}"; do [ "${b%%:*}" = "$s" ] && found=1; done
	[ $found = 1 ] || { echo "bench: unknown benchmark '$s' (known: $(printf '%s ' "${BENCHES[@]%%:*}"))" >&2; exit 2; }
done

make -s build >/dev/null || { echo "bench: make build failed" >&2; exit 1; }

failed=0
{
	machine
	for b in "${BENCHES[@]}"; do
		name=${b%%:*}
		cmd=${b#*:}
		want "$name" || continue
		echo
		echo "## $name"
		echo "\$ $cmd"
		echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
		t0=$(date +%s)
		# shellcheck disable=SC2086  # the command line is split on purpose
		if $cmd 2>&1; then status=finished; else status="FAILED (exit $?)"; failed=$((failed + 1)); fi
		echo "# $name: $status in $(($(date +%s) - t0)) s; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	done
	echo
	echo "# $failed benchmark(s) failed; results written to $OUT"
	exit "$failed"
} 2>&1 | tee "$OUT"
exit $(( ${PIPESTATUS[0]} ))
