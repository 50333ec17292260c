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
. bench/stime.sh
start_test
. tests/apache/setup.sh
apache=$(apache_binary)
apache_modules=$build/apache/usr/lib/apache2/modules
chmod 644 "$build"/certs/*.key
secs=5 rounds=3
[ "$mode" = quick ] && secs=2 rounds=1

redis_port=$(free_port)
redis_start || { echo "apache.sh: redis-server did not start" >&2; exit 1; }
cleanup_more() { apache_kill_all; }

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

# stime NAME new|reuse VERSION SECS: "connections wall conns/s cpu_us/conn" (Apache's CPU).
stime() {
    stime_run "${port[$1]}" "$2" "$3" "$4" "$tmp/$1/httpd.pid" "Apache $1"
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
