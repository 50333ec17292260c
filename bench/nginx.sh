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
start_test
. tests/nginx/setup.sh
nginx=$(nginx_binary)
certs=$build/certs
secs=5 rounds=3
[ "$mode" = quick ] && secs=2 rounds=1
tick=$(getconf CLK_TCK)

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

# cpu LIB: nginx's CPU time so far (master and workers), in microseconds.
cpu() {
    local master
    master=$(cat "$tmp/bench-$1/master.pid")
    for p in "$master" $(pgrep -P "$master"); do awk '{ print $14 + $15 }' "/proc/$p/stat"; done |
        awk -v t="$tick" '{ s += $1 } END { printf "%.0f", s * 1e6 / t }'
}

# stime LIB new|reuse VERSION SECS: "connections wall conns/s cpu_us/conn".
stime() {
    local lib=$1 how=$2 v=$3 t0 t1 c0 c1 out n r
    c0=$(cpu "$lib")
    t0=$(date +%s.%N)
    out=$(openssl s_time -connect "127.0.0.1:${port[$lib]}" -www / -"$how" -tls"${v/./_}" -time "$4" 2>&1)
    t1=$(date +%s.%N)
    c1=$(cpu "$lib")
    n=$(awk '/connections in [0-9.]+s;/ { print $1; exit }' <<<"$out")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "nginx.sh: s_time against nginx on $lib failed: $out" >&2; exit 1; }
    if [ "$how" = reuse ]; then
        r=$(tr -cd 'r' <<<"$out" | wc -c)
        [ "$r" -ge $((n / 2)) ] || { echo "nginx.sh: nginx on $lib resumed $r of $n" >&2; exit 1; }
    fi
    awk -v n="$n" -v t0="$t0" -v t1="$t1" -v c="$((c1 - c0))" \
        'BEGIN { printf "%d %.3f %.1f %.1f\n", n, t1 - t0, n / (t1 - t0), c / n }'
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
