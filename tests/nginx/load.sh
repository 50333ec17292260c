#!/usr/bin/env bash
# Load on nginx on the drop-in: parallel openssl s_time clients (new and resumed handshakes,
# TLS 1.2 and 1.3, shared session zone, a ticket key file) for DURATION seconds while nginx is
# reloaded every RELOAD seconds. Checks that every client connection was answered, that no
# worker died, and that the master's and the workers' private memory (RssAnon: the shared zone's
# pages are not theirs) stay flat after warm-up; prints the figures.
# Usage: load.sh BUILD_DIR [DURATION=30] [RELOAD=5] [CLIENTS=4]. Ends with "N passed, N failed".
set -u
build=$(cd "${1:-build}" && pwd)
duration=${2:-30}
every=${3:-5}
clients=${4:-4}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/setup.sh"
start_test
nginx=$(nginx_binary) || { echo "FAIL: nginx could not be fetched"; summary; exit 1; }
nginx_certs
certs=$build/certs
port=$(free_port)

nginx_start load ours 4 "ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    ssl_session_ticket_key $build/nginx-certs/ticket80.key;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $certs/server.pem;
        ssl_certificate_key $certs/server.key;
        location / { return 200 \"ok\\n\"; }
    }" || { echo "FAIL: nginx on sesscache did not start"; tail -3 "$tmp/load/error.log"; summary; exit 1; }
master=$(cat "$tmp/load/master.pid")

# Private memory (RssAnon): the shared session zone's pages count in VmRSS as workers touch them.
rss() { awk '/^RssAnon/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
workers() { pgrep -P "$master" | tr '\n' ' '; }

# The clients: s_time, new and resumed, both versions, each for the whole run.
modes=("-new -tls1_2" "-reuse -tls1_2" "-new -tls1_3" "-reuse -tls1_3")
for i in $(seq "$clients"); do
    mode=${modes[$(((i - 1) % 4))]}
    # shellcheck disable=SC2086
    openssl s_time -connect "127.0.0.1:$port" -www / $mode -time "$duration" >"$tmp/client.$i" 2>&1 &
    pids+=($!)
    client_pids+=($!)
done

# Reloads, and memory samples once a second (master; sum of the current workers).
: >"$tmp/memory"
reloads=0
for t in $(seq "$duration"); do
    sleep 1
    echo "$t $(rss "$master") $(for w in $(workers); do rss "$w"; done | awk '{ s += $1 } END { print s + 0 }') $(workers | wc -w)" >>"$tmp/memory"
    if [ $((t % every)) -eq 0 ] && [ "$t" -lt "$duration" ]; then
        kill -HUP "$master" && reloads=$((reloads + 1))
    fi
done
for p in "${client_pids[@]}"; do wait "$p"; done

stime_results "$clients"
warm=$((duration / 3 > 1 ? duration / 3 : 1))
read -r _ m_warm w_warm _ < <(sed -n "${warm}p" "$tmp/memory")
read -r _ m_end w_end nw_end < <(tail -n 1 "$tmp/memory")
m_max=$(awk -v from="$warm" '$1 >= from && $2 > m { m = $2 } END { print m + 0 }' "$tmp/memory")
echo "load: $clients s_time clients for $duration s, $reloads reloads: $total connections"
for i in $(seq "$clients"); do echo "  client $i (${modes[$(((i - 1) % 4))]}): $(grep -m1 'connections in' "$tmp/client.$i")"; done
echo "  master private memory (RssAnon): ${m_warm} kB at ${warm} s, at most ${m_max} kB after, ${m_end} kB at the end"
echo "  workers' private memory (RssAnon, sum): ${w_warm} kB at ${warm} s, ${w_end} kB at the end ($nw_end workers)"

check_once "every s_time client ran to its end without a failed connection ($total connections)" \
    bash -c "[ $failed -eq 0 ] && [ $total -gt 0 ]"
check_once "no worker died" bash -c "! grep -q 'exited on signal' '$tmp/load/error.log'"
check_once "the master's private memory is flat after warm-up (at most 512 kB and 10% above ${m_warm} kB)" \
    bash -c "[ $m_max -le $((m_warm + m_warm / 10 + 512)) ]"
check_once "the workers' private memory is flat after warm-up (at most 2 MiB and 25% above ${w_warm} kB)" \
    bash -c "[ $w_end -le $((w_warm + w_warm / 4 + 2048)) ]"
nginx_stop load
summary
[ "$fail" -eq 0 ]
