#!/usr/bin/env bash
# Resumed handshakes through Debian's Apache httpd (unmodified, event MPM, tickets off so that
# resumption goes through mod_ssl's session cache: session ids in TLS 1.2, stateful tickets in
# 1.3), with SSLSessionCache shmcb and with SSLSessionCache redis (a real redis-server), on the
# system OpenSSL and on the drop-in, driven by the same client: openssl s_time -www / over
# 127.0.0.1. For each row: connections/s as the client sees them (s_time's count over the wall
# time around it) and Apache's CPU (parent + children, user + system from /proc) per
# connection. The libraries alternate, ROUNDS times.
# Writes BUILD_DIR/apache-openssl.tsv and apache-sesscache.tsv; run alone (make bench-apache) it
# also puts them into bench/results.md.
# Usage: apache.sh BUILD_DIR [quick]
set -euo pipefail
shopt -s inherit_errexit
build=$(cd "${1:-build}" && pwd)
mode=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. tests/lib.sh
start_test
. tests/apache/setup.sh
apache=$(apache_binary)
apache_modules=$build/apache/usr/lib/apache2/modules
chmod 644 "$build"/certs/*.key
secs=5 rounds=3
[ "$mode" = quick ] && secs=2 rounds=1
tick=$(getconf CLK_TCK)

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
done
cleanup_more() {
    local d
    for d in "$tmp"/*/httpd.pid; do [ -f "$d" ] && kill "$(cat "$d")" 2>/dev/null; done
    return 0
}

declare -A port
for cache in shmcb redis; do
    for lib in sys ours; do
        p=$(free_port)
        port[$cache-$lib]=$p
        directive="SSLSessionCache shmcb:$tmp/$cache-$lib.scache(20480000)"
        [ "$cache" = redis ] && directive="SSLSessionCache redis:127.0.0.1:$redis_port"
        apache_start "$cache-$lib" "$lib" event "Listen 127.0.0.1:$p
SSLProtocol -all +TLSv1.2 +TLSv1.3
$directive
SSLSessionTickets off
$(vhost "$p")" || { echo "apache.sh: Apache on $lib with $cache did not start" >&2; exit 1; }
    done
done

# cpu NAME: the instance's CPU time so far (parent and children), in microseconds.
cpu() {
    local parent
    parent=$(cat "$tmp/$1/httpd.pid")
    for p in "$parent" $(pgrep -P "$parent"); do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null; done |
        awk -v t="$tick" '{ s += $1 } END { printf "%.0f", s * 1e6 / t }'
}

# stime NAME new|reuse VERSION SECS: "connections wall conns/s cpu_us/conn".
stime() {
    local name=$1 how=$2 v=$3 t0 t1 c0 c1 out n r
    c0=$(cpu "$name")
    t0=$(date +%s.%N)
    out=$(openssl s_time -connect "127.0.0.1:${port[$name]}" -www / -"$how" -tls"${v/./_}" -time "$4" 2>&1)
    t1=$(date +%s.%N)
    c1=$(cpu "$name")
    n=$(awk '/connections in [0-9.]+s;/ { print $1; exit }' <<<"$out")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "apache.sh: s_time against $name failed: $out" >&2; exit 1; }
    if [ "$how" = reuse ]; then
        r=$(tr -cd 'r' <<<"$out" | wc -c)
        [ "$r" -ge $((n / 2)) ] || { echo "apache.sh: $name resumed $r of $n" >&2; exit 1; }
    fi
    awk -v n="$n" -v t0="$t0" -v t1="$t1" -v c="$((c1 - c0))" \
        'BEGIN { printf "%d %.3f %.1f %.1f\n", n, t1 - t0, n / (t1 - t0), c / n }'
}

for name in "${!port[@]}"; do stime "$name" reuse 1.2 1 >/dev/null; done
: >"$build/apache-openssl.tsv"
: >"$build/apache-sesscache.tsv"
rows=("shmcb 1.2 new TLS 1.2 full handshake"
    "shmcb 1.2 reuse TLS 1.2 resumed (session id, shmcb)" "shmcb 1.3 reuse TLS 1.3 resumed (stateful ticket, shmcb)"
    "redis 1.2 reuse TLS 1.2 resumed (session id, Redis)" "redis 1.3 reuse TLS 1.3 resumed (stateful ticket, Redis)")
for round in $(seq "$rounds"); do
    for row in "${rows[@]}"; do
        read -r cache v how name <<<"$row"
        for lib in sys ours; do
            read -r n wall rate cpu_us <<<"$(stime "$cache-$lib" "$how" "$v" "$secs")"
            file=$build/apache-$([ "$lib" = sys ] && echo openssl || echo sesscache).tsv
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' tcp "$name" "$rate" "$cpu_us" "$n" "$wall" >>"$file"
            printf 'apache round %d/%d, %s, %s: %d connections in %s s, %s conns/s, Apache %s us CPU/conn\n' \
                "$round" "$rounds" "$name" "$lib" "$n" "$wall" "$rate" "$cpu_us" >&2
        done
    done
done
for name in "${!port[@]}"; do
    apache_crashed "$name" && { echo "apache.sh: a child of $name died" >&2; exit 1; }
    apache_stop "$name" "${name#*-}"
done
if [ "${APACHE_REPORT:-yes}" != no ]; then
    python3 bench/report.py --apache "$build/apache-openssl.tsv" "$build/apache-sesscache.tsv" --keep-main \
        "make bench-apache${mode:+ (quick)}"
fi
