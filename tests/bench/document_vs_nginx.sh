#!/bin/bash
# Benchmark: one published document over HTTPS through HAProxy, against
# nginx serving the very same bytes over HTTPS, in the same run, on the
# same machine (issue 4's target: at least 0.75 of nginx's requests per
# second, p99 under 10 ms, at 64 connections).
#
#   tests/bench/document_vs_nginx.sh [SECONDS]     (default 10 per line)
#
# It starts a stack of its own (scripts/stack, temporary folder, free
# ports, 127.0.0.1 only), imports content/, logs in as a demo member, and
# measures with wrk (2 threads, 64 connections, keep-alive):
#   nginx      the edition's bytes as a static file, same certificate;
#   edition    GET /api/v1/documents/{id}/versions/{v}?lang=vi without a
#              token: the cached document, answered by HAProxy's cache
#              after the first request (the figure the target is about);
#   kore-edition  the same URL with Cache-Control: no-cache, which
#              HAProxy's cache passes on: Kore's cache of rendered
#              documents, after one PostgreSQL question (is the edition
#              published?) per request;
#   member     GET /api/v1/documents/{id}?lang=vi with a member's token:
#              Kore's cache after the token check and the version
#              question (one PostgreSQL round trip) per request.
# Each line also gives the CPU per request of Kore, HAProxy and PostgreSQL
# (of nginx for the reference), read from /proc before and after.
# Everything it started is stopped by PID at the end. Not part of
# `make test`: figures are measured, not asserted.
set -eu

HB_REPO=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_EACH=${1:-10}
. "$HB_REPO/scripts/lib.sh"
HB_PROG=bench
. "$HB_REPO/tests/bench/lib.sh"

bench_install nginx-light wrk
# Debian starts the packaged nginx on port 80; this benchmark runs its own.

NGINX_PID=
cleanup() {
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
	bench_stack_down
}
trap cleanup EXIT
bench_stack_up
NGINX_PORT=$(bench_free_port)
TOKEN=$(curl -s --cacert "$CA" -H 'Content-Type: application/json' \
    -d '{"login":"10000005","password":"handbook-demo"}' "$BASE/api/v1/auth/login" | jq -r .token)
DOC=$(curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/documents" | jq -r '.items[0].id')
URL="$BASE/api/v1/documents/$DOC?lang=vi"
VER=$(curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$URL" | jq -r .version)
EDITION="$BASE/api/v1/documents/$DOC/versions/$VER?lang=vi"
curl -s --cacert "$CA" -o "$VAR/doc.json" "$EDITION"
BYTES=$(stat -c %s "$VAR/doc.json")

mkdir -p "$VAR/nginx/html" "$VAR/nginx/tmp"
cp "$VAR/doc.json" "$VAR/nginx/html/doc.json"
cat >"$VAR/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $VAR/nginx/nginx.pid;
error_log $VAR/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $VAR/nginx/tmp;
	proxy_temp_path $VAR/nginx/tmp;
	fastcgi_temp_path $VAR/nginx/tmp;
	uwsgi_temp_path $VAR/nginx/tmp;
	scgi_temp_path $VAR/nginx/tmp;
	server {
		listen 127.0.0.1:$NGINX_PORT ssl http2;
		ssl_certificate $VAR/tls/server.pem;
		ssl_certificate_key $VAR/tls/server.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $VAR/nginx/html;
		default_type application/json;
	}
}
EOF
nginx -c "$VAR/nginx/nginx.conf" &
NGINX_PID=$!
sleep 1

# One wrk run, its figures, and the CPU each process spent per request
# (bench_cpu_snapshot): what conf/CAPACITY.md charges a document read to
# Kore, HAProxy and PostgreSQL. wrk's own CPU is not counted.
run() {
	local name=$1 k0 h0 p0 k1 h1 p1 n0 n1 requests
	shift
	echo "# $name"
	echo "\$ $*" | sed -e "s/$TOKEN/<token>/"
	read -r k0 h0 p0 < <(bench_cpu_snapshot)
	n0=$(bench_cpu_ticks "$NGINX_PID")
	"$@" >"$VAR/$name.out" 2>&1
	read -r k1 h1 p1 < <(bench_cpu_snapshot)
	n1=$(bench_cpu_ticks "$NGINX_PID")
	awk '/Requests\/sec/ { print "  requests/s " $2 } / 99%/ { print "  p99 " $2 } /Non-2xx/ { print "  non-2xx " $NF }' "$VAR/$name.out"
	requests=$(awk '/ requests in / { print $1 }' "$VAR/$name.out")
	if [ "$name" = nginx ]; then
		echo "  CPU us/request: nginx $(bench_cpu_per "$requests" 0 "$n0" 0 0 "$n1" 0 | cut -d' ' -f2)"
	else
		echo "  CPU us/request: kore haproxy postgres total $(bench_cpu_per "$requests" "$k0" "$h0" "$p0" "$k1" "$h1" "$p1")"
	fi
}

echo "# one document ($BYTES bytes), $SECONDS_EACH s each, $(nproc) cores, $(date -u +%FT%TZ)"
echo "# Kore $(kore -v 2>/dev/null | head -n 1), $(haproxy -v | head -n 1 | cut -d' ' -f1-3), $(nginx -v 2>&1)"
run nginx wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency "https://localhost:$NGINX_PORT/doc.json"
run edition wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency "$EDITION"
run kore-edition wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency \
    -H "Cache-Control: no-cache" "$EDITION"
run member wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency \
    -H "Authorization: Bearer $TOKEN" "$URL"

n=$(awk '/Requests\/sec/ { print $2 }' "$VAR/nginx.out")
for name in edition kore-edition member; do
	h=$(awk '/Requests\/sec/ { print $2 }' "$VAR/$name.out")
	echo "# $name / nginx = $(awk -v h="$h" -v n="$n" 'BEGIN { printf "%.2f", h / n }') (target 0.75 for edition)"
done
# How the requests were answered: HAProxy logs <CACHE> as the server of
# an answer from its cache.
echo "# HAProxy log: $(grep -c '<CACHE>' "$VAR/log/haproxy.log") answers from its cache, $(grep -c 'kore/kore1' "$VAR/log/haproxy.log") from Kore"
