#!/usr/bin/env bash
# Load on Apache httpd on the drop-in, two servers sharing one real redis-server
# (SSLSessionCache redis:, tickets off): parallel openssl s_time clients (new and resumed,
# TLS 1.2 and 1.3) for DURATION seconds, a graceful restart of A every RELOAD seconds, and
# Redis stopped for the middle third of the run and started again. Checks that every client
# connection was answered (full handshakes while Redis is down), that no child died, and that
# a session made on one server resumes on the other once Redis is back; prints the figures.
# Usage: load.sh BUILD_DIR [DURATION=30] [RELOAD=5] [CLIENTS=4]. Ends with "N passed, N failed".
set -u
build=$(cd "${1:-build}" && pwd)
duration=${2:-30}
every=${3:-5}
clients=${4:-4}
lib=${LIB:-ours}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/setup.sh"
start_test
apache=$(apache_binary) || { echo "FAIL: Apache could not be fetched"; summary; exit 1; }
apache_modules=$build/apache/usr/lib/apache2/modules
client="python3 $here/../nginx/client.py"
chmod 644 "$build"/certs/*.key

redis_port=$(free_port)
redis_start || { echo "FAIL: redis-server did not start"; summary; exit 1; }
cleanup_more() {
    apache_stop a "$lib"
    apache_stop b "$lib"
}

ports=()
for s in a b; do
    port=$(free_port)
    ports+=("$port")
    apache_start "$s" "$lib" event "Listen 127.0.0.1:$port
SSLProtocol -all +TLSv1.2 +TLSv1.3
SSLSessionCache redis:127.0.0.1:$redis_port
SSLSessionTickets off
$(vhost "$port")" || { echo "FAIL: Apache $s on sesscache did not start"; tail -3 "$tmp/$s/error.log"; summary; exit 1; }
done

modes=("-new -tls1_2" "-reuse -tls1_2" "-new -tls1_3" "-reuse -tls1_3")
client_pids=()
for i in $(seq "$clients"); do
    mode=${modes[$(((i - 1) % 4))]}
    port=${ports[$((i % 2))]}
    # shellcheck disable=SC2086
    openssl s_time -connect "127.0.0.1:$port" -www / $mode -time "$duration" >"$tmp/client.$i" 2>&1 &
    pids+=($!)
    client_pids+=($!)
done

restarts=0
redis_down_at=$((duration / 3))
redis_up_at=$((2 * duration / 3))
for t in $(seq "$duration"); do
    sleep 1
    if [ "$t" -eq "$redis_down_at" ]; then
        kill "$redis_pid" && wait "$redis_pid" 2>/dev/null
        echo "redis stopped at $t s" >>"$tmp/events"
    fi
    if [ "$t" -eq "$redis_up_at" ]; then
        redis_start && echo "redis started again at $t s" >>"$tmp/events"
    fi
    if [ $((t % every)) -eq 0 ] && [ "$t" -lt "$duration" ]; then
        apache_ctl a "$lib" graceful 2>/dev/null && restarts=$((restarts + 1))
    fi
done
for p in "${client_pids[@]}"; do wait "$p"; done

stime_results "$clients"
echo "load: $clients s_time clients for $duration s on two Apache on one Redis, $restarts graceful restarts, $(tr '\n' ',' <"$tmp/events" | sed 's/,$//'): $total connections"
for i in $(seq "$clients"); do echo "  client $i (${modes[$(((i - 1) % 4))]}): $(grep -m1 'connections in' "$tmp/client.$i")"; done

check_once "every s_time client ran to its end without a failed connection ($total connections)" \
    bash -c "[ $failed -eq 0 ] && [ $total -gt 0 ]"
check_once "no child of either server died" bash -c "! grep -qE 'exit signal|seg fault' '$tmp/a/error.log' '$tmp/b/error.log'"
# mod_socache_redis retries a server it found dead only after a while (apr-util's retry
# period): poll, as a client would, for up to 90 s.
waited=0
for _ in $(seq 90); do
    after=$($client resume "${ports[0]},${ports[1]},${ports[0]}" 1.2 | sed -n 1p)
    after13=$($client resume "${ports[1]},${ports[0]},${ports[1]}" 1.3 | sed -n 1p)
    [ "$after" = "- R R" ] && [ "$after13" = "- R R" ] && break
    sleep 1
    waited=$((waited + 1))
done
echo "  after Redis came back (${waited} s of polling): TLS 1.2 A,B,A: $after; TLS 1.3 B,A,B: $after13"
check_once "once Redis is back, a session made on one server resumes on the other" \
    bash -c "[ '$after' = '- R R' ] && [ '$after13' = '- R R' ]"
summary
[ "$fail" -eq 0 ]
