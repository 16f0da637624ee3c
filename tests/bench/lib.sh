# Shared by the benchmarks in tests/bench/ (sourced after scripts/lib.sh):
# the Debian packages a benchmark needs, and a whole stack of its own in a
# temporary folder on free ports, 127.0.0.1 only, stopped by PID at the end.
#
#   bench_install PKG...   installs what is missing (apt-get)
#   bench_free_port        a free TCP port on 127.0.0.1
#   bench_stack_up         makes VAR, exports HANDBOOK_VAR and the three
#                          HANDBOOK_*_PORT, runs scripts/stack up and sets
#                          BASE (the HTTPS URL) and CA (its certificate)
#   bench_stack_down       scripts/stack down and the folder removed, for
#                          the script's EXIT trap; BENCH_KEEP=1 leaves the
#                          stack running and says where it is
#   psql_app ARGS...       psql into the stack's database as the app role
#   bench_cpu_snapshot     CPU used so far (clock ticks, user + system) by
#                          Kore, HAProxy and PostgreSQL: three numbers
#   bench_cpu_per N K0 H0 P0 K1 H1 P1
#                          from two snapshots, the CPU per unit of work in
#                          microseconds: "kore haproxy postgres total"

bench_install() {
	local pkg
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
			say "installing $pkg"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
		fi
	done
}

bench_free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		port_free "$p" && { echo "$p"; return; }
	done
	exit 1
}

bench_stack_up() {
	VAR=$(mktemp -d /tmp/handbook-bench.XXXXXX)
	chmod 755 "$VAR"
	HANDBOOK_VAR=$VAR
	HANDBOOK_PORT=$(bench_free_port)
	HANDBOOK_KORE_PORT=$(bench_free_port)
	HANDBOOK_PG_PORT=$(bench_free_port)
	export HANDBOOK_VAR HANDBOOK_PORT HANDBOOK_KORE_PORT HANDBOOK_PG_PORT
	say "starting a stack in $VAR"
	"$HB_REPO/scripts/stack" up >"$VAR/up.log" 2>&1 || { tail -n 30 "$VAR/up.log"; exit 1; }
	BASE=https://localhost:$HANDBOOK_PORT
	CA=$VAR/tls/ca.pem
}

bench_stack_down() {
	[ -n "${VAR:-}" ] || return 0
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "kept the stack running: HANDBOOK_VAR=$VAR HANDBOOK_PORT=$HANDBOOK_PORT HANDBOOK_KORE_PORT=$HANDBOOK_KORE_PORT HANDBOOK_PG_PORT=$HANDBOOK_PG_PORT"
		return 0
	fi
	"$HB_REPO/scripts/stack" down >/dev/null 2>&1 || true
	rm -rf "$VAR"
}

psql_app() { "$HB_REPO/scripts/stack" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# CPU per unit of work, by process. On a shared machine wall-clock rates
# follow other people's load; the CPU each part of the stack spends per
# request (or per event) says what it costs, and is what conf/CAPACITY.md
# builds on. Kore counts its main process and workers, HAProxy its
# process, PostgreSQL the postmaster and every backend and helper.
bench_cpu_ticks() { # PID...: their utime + stime, and their children's
	local p c
	for p in "$@"; do
		for c in $p $(pgrep -P "$p" 2>/dev/null); do
			awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || true
		done
	done | awk '{ t += $1 } END { print t + 0 }'
}
bench_cpu_snapshot() {
	echo "$(bench_cpu_ticks $(cat "$VAR/run/kore.pid")) $(bench_cpu_ticks $(cat "$VAR/run/haproxy.pid")) $(bench_cpu_ticks "$(head -n 1 "$(readlink -f "$VAR/pg")/postmaster.pid")")"
}
bench_cpu_per() { # N K0 H0 P0 K1 H1 P1
	awk -v n="$1" -v k=$(($5 - $2)) -v h=$(($6 - $3)) -v p=$(($7 - $4)) -v hz="$(getconf CLK_TCK)" \
	    'BEGIN { if (n < 1) n = 1; f = 1e6 / hz / n; printf "%.1f %.1f %.1f %.1f", k * f, h * f, p * f, (k + h + p) * f }'
}
