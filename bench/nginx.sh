#!/usr/bin/env bash
# Handshakes through Debian's nginx (unmodified, one worker, a shared session zone, tickets off
# so that resumption goes through the cache: session ids in TLS 1.2, stateful tickets in 1.3),
# on the system OpenSSL and on the drop-in, driven by the same client: openssl s_time -www /
# over 127.0.0.1. For each row: connections/s as the client sees them (s_time's count over the
# wall time around it) and nginx's CPU (master + worker, user + system from /proc) per
# connection. The libraries alternate, ROUNDS times.
# Writes BUILD_DIR/nginx-openssl.tsv and nginx-sesscache.tsv (the rows of bench/tcp.sh's form);
# run alone (make bench-nginx) it also puts them into bench/results.md.
# Usage: nginx.sh BUILD_DIR [quick]
set -euo pipefail
shopt -s inherit_errexit
build=$(cd "${1:-build}" && pwd)
mode=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. tests/lib.sh
. bench/stime.sh
start_test
. tests/nginx/setup.sh
nginx=$(nginx_binary)
certs=$build/certs
secs=5 rounds=3
[ "$mode" = quick ] && secs=2 rounds=1

declare -A port
for lib in sys ours; do
    port[$lib]=$(free_port)
    nginx_start "bench-$lib" "$lib" 1 "ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:20m;
    ssl_session_tickets off;
    server {
        listen 127.0.0.1:${port[$lib]} ssl;
        ssl_certificate $certs/server.pem;
        ssl_certificate_key $certs/server.key;
        location / { return 200 \"ok\\n\"; }
    }" || { echo "nginx.sh: nginx on $lib did not start" >&2; exit 1; }
done

# stime LIB new|reuse VERSION SECS: "connections wall conns/s cpu_us/conn" (nginx's CPU).
stime() {
    stime_run "${port[$1]}" "$2" "$3" "$4" "$tmp/bench-$1/master.pid" "nginx on $1"
}

for lib in sys ours; do
    for v in 1.2 1.3; do stime "$lib" new "$v" 1 >/dev/null; done
done
: >"$build/nginx-openssl.tsv"
: >"$build/nginx-sesscache.tsv"
rows=("1.2 new TLS 1.2 full handshake" "1.2 reuse TLS 1.2 resumed (session id, shared zone)"
    "1.3 new TLS 1.3 full handshake" "1.3 reuse TLS 1.3 resumed (stateful ticket, shared zone)")
for round in $(seq "$rounds"); do
    for row in "${rows[@]}"; do
        read -r v how name <<<"$row"
        for lib in sys ours; do
            read -r n wall rate cpu_us <<<"$(stime "$lib" "$how" "$v" "$secs")"
            file=$build/nginx-$([ "$lib" = sys ] && echo openssl || echo sesscache).tsv
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' tcp "$name" "$rate" "$cpu_us" "$n" "$wall" >>"$file"
            printf 'nginx round %d/%d, %s, %s: %d connections in %s s, %s conns/s, nginx %s us CPU/conn\n' \
                "$round" "$rounds" "$name" "$lib" "$n" "$wall" "$rate" "$cpu_us" >&2
        done
    done
done
for lib in sys ours; do
    nginx_crashed "bench-$lib" && { echo "nginx.sh: a worker of nginx on $lib died" >&2; exit 1; }
    nginx_stop "bench-$lib"
done
if [ "${NGINX_REPORT:-yes}" != no ]; then
    python3 bench/report.py --nginx "$build/nginx-openssl.tsv" "$build/nginx-sesscache.tsv" --keep-main \
        "make bench-nginx${mode:+ (quick)}"
fi
