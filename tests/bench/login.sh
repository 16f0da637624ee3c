#!/bin/bash
# Benchmark: POST /api/v1/auth/login over HTTPS through HAProxy and Kore,
# each request another demo member with the right password, so that every
# request pays a whole Argon2id verification with the parameters in use
# (read back from a stored hash: libsodium's INTERACTIVE limits, opslimit
# 2 and memlimit 64 MiB, as `kore-app/pwhash.c` hashes them). The
# reference in the same run is the verification alone: `crypto_pwhash_str_verify`
# timed in C on the same hash, one core, which is what a login cannot go
# below; the ratio says what HTTP, TLS, Kore's task threads and the
# session insert add.
#
#   tests/bench/login.sh [SECONDS] [CONNECTIONS]    (default 15 s, 4)
#
# It starts a stack of its own (scripts/stack, temporary folder, free
# ports, 127.0.0.1 only) with the demo province, and stops it by PID at
# the end. Not part of `make test`: figures are measured, not asserted.
set -eu

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_RUN=${1:-15}
CONNS=${2:-4}
. "$HB_REPO/scripts/lib.sh"
HB_PROG=bench
. "$HB_REPO/tests/bench/lib.sh"

bench_install wrk

trap bench_stack_down EXIT
bench_stack_up

HASH=$(psql_app -At -c "SELECT password_hash FROM members WHERE card_number = '10000005'")
PARAMS=$(printf '%s' "$HASH" | cut -d'$' -f2-4)
# The login throttle counts failures only; successful logins of distinct
# members are never throttled, so the run measures the hashing.
{
	printf 'logins = {'
	psql_app -At -c "SELECT string_agg(quote_literal(card_number), ',')
	    FROM (SELECT card_number FROM members
	          WHERE password_hash IS NOT NULL AND active
	          ORDER BY id LIMIT 2000) m" | tr "'" '"'
	printf '}\n'
	cat "$HB_REPO/tests/bench/login.lua"
} >"$VAR/login.lua"

# The reference: libsodium alone, the same hash, 10 verifications.
cat >"$VAR/verify.c" <<'C'
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
int main(int argc, char **argv) {
	struct timespec a, b;
	int i, n = 10;
	if (argc != 2 || sodium_init() < 0) return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (crypto_pwhash_str_verify(argv[1], "handbook-demo", strlen("handbook-demo")) != 0)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6) / n);
	return 0;
}
C
cc -O2 -o "$VAR/verify" "$VAR/verify.c" -lsodium
VERIFY_MS=$("$VAR/verify" "$HASH")

echo "# login throughput, $SECONDS_RUN s, $CONNS connections, $(nproc) cores, $(date -u +%FT%TZ)"
echo "# Argon2id parameters in use: $PARAMS (from a stored hash)"
echo "# reference: crypto_pwhash_str_verify alone, one core: $VERIFY_MS ms per verification" \
    "= $(awk -v m="$VERIFY_MS" -v c="$(nproc)" 'BEGIN { printf "%.1f", 1000 / m * c }') per second on $(nproc) cores at best"
echo "\$ wrk -t1 -c$CONNS -d${SECONDS_RUN}s -s login.lua $BASE/api/v1/auth/login"
wrk -t1 -c"$CONNS" -d"${SECONDS_RUN}s" --timeout 10s -s "$VAR/login.lua" "$BASE" >"$VAR/wrk.out" 2>&1
grep '^LOGIN' "$VAR/wrk.out" | sed -e 's/^LOGIN/  logins:/'
rps=$(awk '/^LOGIN/ { print $9 }' "$VAR/wrk.out")
echo "# logins per second / verification alone on every core = $(awk -v r="$rps" -v m="$VERIFY_MS" -v c="$(nproc)" 'BEGIN { printf "%.2f", r / (1000 / m * c) }')"
echo "# sessions made in the run: $(psql_app -At -c "SELECT count(*) FROM sessions WHERE created_at > now() - interval '$((SECONDS_RUN + 60)) seconds'")"
