#!/usr/bin/env bash
# A farm of two TLS servers sharing one real redis-server through the session callbacks
# (examples/redis_cache/): two processes, two SSL_CTX, two ports, one Redis on 127.0.0.1 on a
# free port with persistence off.
#   - a full handshake on server A, then a resumption on server B (TLS 1.2 session ids, TLS 1.3
#     stateful tickets), B's resumption coming from Redis (its GET hit counter);
#   - the stored value: i2d bytes under the farm's key, expiring with the session's lifetime;
#   - Redis stopped, then frozen (SIGSTOP): both servers keep serving (full handshakes) and count
#     the errors; Redis restarted: resumption across servers works again;
#   - a connection on A that ends without close_notify: A's remove callback DELetes its session,
#     which then no longer resumes on B.
# The scenario runs on examples/server built on sesscache, then on the same program built on
# the system OpenSSL (build/server-openssl), which must behave the same; and once as a mixed
# farm. The client is examples/client built on OpenSSL (build/client-openssl): it reads a session
# saved by another process and offers it.
# Usage: run.sh BUILD_DIR. One line per check (PASS:/FAIL:), ending with "N passed, N failed".
set -u
build=${1:-build}
certs=$build/certs
client=$build/client-openssl
redis_pid=""
redis_port=""
. "$(dirname "$0")/../lib.sh"
start_test
cleanup_more() {
    [ -n "$redis_pid" ] && kill -CONT "$redis_pid" 2>/dev/null && kill "$redis_pid" 2>/dev/null
    wait 2>/dev/null
}

redis_up() { [ "$(timeout 2 redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ]; }

start_redis() {
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        >>"$tmp/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 100); do
        redis_up && return 0
        sleep 0.1
    done
    why "redis-server did not answer on port $redis_port: $(tail -n 3 "$tmp/redis.log")"
}

stop_redis() {
    [ -n "$redis_pid" ] || return 0
    kill -CONT "$redis_pid" 2>/dev/null
    kill "$redis_pid" 2>/dev/null
    wait "$redis_pid" 2>/dev/null
    redis_pid=""
}

start_server() { # start_server NAME BINARY PORT args...: log in $tmp/NAME.log
    local name=$1 bin=$2 port=$3
    shift 3
    "$build/$bin" "$port" --cert "$certs/chain.pem" --key "$certs/server.key" \
        --cache "redis://127.0.0.1:$redis_port" --redis-timeout 150 --redis-retry 300 "$@" >"$tmp/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
        grep -q listening "$tmp/$name.log" 2>/dev/null && return 0
        sleep 0.1
    done
    why "$bin did not start: $(cat "$tmp/$name.log")"
}

stat_of() { # stat_of NAME FIELD: the server's last "redis:" counter FIELD (gets, hits, errors, ...)
    grep '  redis:' "$tmp/$1.log" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo 0
}

connect() { # connect PORT OUTFILE client-args...: one connection; prints and stores its line
    local port=$1 out=$2
    shift 2
    timeout 20 "$client" 127.0.0.1 "$port" -n 1 "$@" 2>&1 | grep '^client connection' | tee "$out"
    [ -s "$out" ] || why "no connection to port $port"
}

# A full handshake on A saved to a file, then that session offered to B: resumed there, by a hit
# in Redis (B's GET hit counter moves).
across() { # across A_PORT A_NAME B_PORT B_NAME [--tls12]
    local ap=$1 an=$2 bp=$3 bn=$4 f=$tmp/s.$RANDOM.der hits
    shift 4
    connect "$ap" "$tmp/c1" "$@" --save "$f" || return 1
    grep -q 'full handshake' "$tmp/c1" || why "first connection on $an was not a full handshake" || return 1
    hits=$(stat_of "$bn" hits)
    connect "$bp" "$tmp/c2" "$@" --load "$f" || return 1
    grep -q ': resumed' "$tmp/c2" || why "the session made on $an did not resume on $bn" || return 1
    [ "$(stat_of "$bn" hits)" -gt "$hits" ] || why "$bn resumed without a Redis hit" || return 1
}

# Each value is the session's i2d bytes under tls:sess:<hex id context>:<hex id>, expiring with
# the session (timeout 7200 s): openssl sess_id reads it and its id is the key's.
stored_value() { # stored_value A_PORT [--tls12]
    local ap=$1 key ttl id
    shift
    redis-cli -p "$redis_port" flushall >/dev/null
    connect "$ap" "$tmp/c1" "$@" || return 1
    key=$(redis-cli -p "$redis_port" --scan --pattern 'tls:sess:*' | head -n 1)
    echo "key: $key"
    [[ $key =~ ^tls:sess:6578616d706c652d6661726d:[0-9a-f]{64}$ ]] \
        || why "key '$key' is not tls:sess:hex(\"example-farm\"):hex(id)" || return 1
    ttl=$(redis-cli -p "$redis_port" ttl "$key")
    echo "ttl: $ttl"
    [ "$ttl" -gt 7100 ] && [ "$ttl" -le 7200 ] || why "TTL $ttl is not the remaining lifetime (~7200 s)" || return 1
    python3 - "$redis_port" "$key" "$tmp/value.der" <<'EOF' || why "cannot read the value" || return 1
import socket, sys
port, key, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key))
data = b""
while b"\r\n" not in data:
    data += s.recv(65536)
n = int(data[1:data.index(b"\r\n")])
body = data[data.index(b"\r\n") + 2:]
while len(body) < n:
    body += s.recv(65536)
open(out, "wb").write(body[:n])
EOF
    id=$(openssl sess_id -inform DER -in "$tmp/value.der" -noout -text | sed -n 's/^ *Session-ID: *//p')
    echo "Session-ID: $id"
    [ "tls:sess:6578616d706c652d6661726d:${id,,}" = "$key" ] \
        || why "the stored DER's Session-ID ($id) is not the key's" || return 1
}

# Redis stopped: both servers still complete handshakes, all full (a session from before is not
# found), and count errors.
redis_down() { # redis_down A_PORT A_NAME B_PORT B_NAME [--tls12]
    local ap=$1 an=$2 bp=$3 bn=$4 f=$tmp/d.$RANDOM.der ea eb
    shift 4
    redis_up || start_redis || return 1
    connect "$ap" "$tmp/c0" "$@" --save "$f" || return 1
    stop_redis
    ea=$(stat_of "$an" errors)
    eb=$(stat_of "$bn" errors)
    connect "$ap" "$tmp/c1" "$@" || why "$an failed a handshake with Redis down" || return 1
    connect "$bp" "$tmp/c2" "$@" --load "$f" || why "$bn failed a handshake with Redis down" || return 1
    connect "$ap" "$tmp/c3" "$@" --load "$f" || why "$an failed a handshake with Redis down" || return 1
    grep -q 'full handshake' "$tmp/c1" && grep -q 'full handshake' "$tmp/c2" && grep -q 'full handshake' "$tmp/c3" \
        || why "a resumption without Redis" || return 1
    [ "$(stat_of "$an" errors)" -gt "$ea" ] && [ "$(stat_of "$bn" errors)" -gt "$eb" ] \
        || why "errors not counted (A: $ea -> $(stat_of "$an" errors), B: $eb -> $(stat_of "$bn" errors))" || return 1
}

# Redis frozen (SIGSTOP: connections are accepted, nothing answers): a handshake still
# completes, as a full handshake, within the command timeouts.
redis_frozen() { # redis_frozen A_PORT A_NAME B_PORT B_NAME [--tls12]
    local ap=$1 an=$2 bp=$3 bn=$4 f=$tmp/z.$RANDOM.der start elapsed e
    shift 4
    redis_up || start_redis || return 1
    sleep 0.4 # past any back-off left from an earlier check
    connect "$ap" "$tmp/c0" "$@" --save "$f" || return 1
    kill -STOP "$redis_pid"
    e=$(stat_of "$bn" errors)
    start=$(date +%s%N)
    connect "$bp" "$tmp/c1" "$@" --load "$f"
    local status=$?
    elapsed=$((($(date +%s%N) - start) / 1000000))
    kill -CONT "$redis_pid"
    echo "handshake with Redis frozen: ${elapsed} ms"
    [ $status -eq 0 ] || why "$bn failed a handshake with Redis frozen" || return 1
    grep -q 'full handshake' "$tmp/c1" || why "resumed although Redis was frozen" || return 1
    [ "$(stat_of "$bn" errors)" -gt "$e" ] || why "timeouts not counted as errors" || return 1
    [ "$elapsed" -lt 5000 ] || why "the handshake took ${elapsed} ms" || return 1
}

# Redis restarted (empty): once the servers' back-off (300 ms) has passed, a session made on A
# resumes on B again.
redis_back() { # redis_back A_PORT A_NAME B_PORT B_NAME [--tls12]
    stop_redis
    start_redis || return 1
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        sleep 0.5
        across "$@" && return 0
    done
    why "no resumption across servers after Redis came back"
}

# A connection on A that ends without close_notify: SSL_free on A calls the remove callback
# (DEL), and B then refuses the session. For TLS 1.3 the removed session is the connection's
# last ticket (what the client saved); the client here resumes first, then drops.
unclean_removes() { # unclean_removes A_PORT A_NAME B_PORT B_NAME [--tls12]
    local ap=$1 an=$2 bp=$3 bn=$4 f=$tmp/u.$RANDOM.der g=$tmp/v.$RANDOM.der dels
    shift 4
    connect "$ap" "$tmp/c1" "$@" --save "$f" || return 1
    dels=$(stat_of "$an" dels)
    connect "$ap" "$tmp/c2" "$@" --load "$f" --abort --save "$g" || return 1
    grep -q 'resumed.*dropped without close_notify' "$tmp/c2" || why "the dropped connection did not resume" || return 1
    sleep 0.2
    [ "$(stat_of "$an" dels)" -gt "$dels" ] || why "$an sent no DEL after the unclean end" || return 1
    connect "$bp" "$tmp/c3" "$@" --load "$g" || return 1
    grep -q 'full handshake' "$tmp/c3" || why "the session removed on $an still resumed on $bn" || return 1
}

scenario() { # scenario LABEL BINARY_A BINARY_B [full]
    local label=$1 bin_a=$2 bin_b=$3 ap bp
    ap=$(free_port)
    bp=$(free_port)
    start_server "$label-A" "$bin_a" "$ap" || { check "$label: server A starts" false; return; }
    start_server "$label-B" "$bin_b" "$bp" || { check "$label: server B starts" false; return; }
    local a=("$ap" "$label-A" "$bp" "$label-B")
    check "$label: TLS 1.2 session id made on A resumes on B" across "${a[@]}" --tls12
    check "$label: TLS 1.3 stateful ticket made on A resumes on B" across "${a[@]}"
    check "$label: TLS 1.2 session made on B resumes on A" across "$bp" "$label-B" "$ap" "$label-A" --tls12
    [ "${4:-}" = full ] || return 0
    check "$label: TLS 1.2 value in Redis: i2d bytes, farm key, expiry = remaining lifetime" stored_value "$ap" --tls12
    check "$label: TLS 1.3 value in Redis: i2d bytes, farm key, expiry = remaining lifetime" stored_value "$ap"
    check "$label: TLS 1.2 session removed on A (unclean close) no longer resumes on B" unclean_removes "${a[@]}" --tls12
    check "$label: TLS 1.3 ticket removed on A (unclean close) no longer resumes on B" unclean_removes "${a[@]}"
    # A server that calls SSL_shutdown even after the read failed: the unexpected EOF was a
    # fatal error, which already removed the session (OpenSSL's ssl3_send_alert), so the
    # shutdown flags set afterwards do not save it.
    local cp
    cp=$(free_port)
    if start_server "$label-C" "$bin_a" "$cp" --shutdown-after-error >"$tmp/out" 2>&1; then
        local c=("$cp" "$label-C" "$bp" "$label-B")
        check "$label: TLS 1.2 session dropped on a server that shuts down after the error no longer resumes" \
            unclean_removes "${c[@]}" --tls12
        check "$label: TLS 1.3 ticket dropped on a server that shuts down after the error no longer resumes" \
            unclean_removes "${c[@]}"
    else
        check "$label: server C (--shutdown-after-error) starts" false
    fi
    check "$label: Redis stopped: A and B keep serving full handshakes (TLS 1.2), errors counted" \
        redis_down "${a[@]}" --tls12
    check "$label: Redis restarted: TLS 1.2 resumption across servers works again" redis_back "${a[@]}" --tls12
    check "$label: Redis stopped: A and B keep serving full handshakes (TLS 1.3), errors counted" redis_down "${a[@]}"
    check "$label: Redis restarted: TLS 1.3 resumption across servers works again" redis_back "${a[@]}"
    check "$label: Redis frozen (SIGSTOP): B answers with a full handshake within the timeouts" \
        redis_frozen "${a[@]}" --tls12
    check "$label: after the freeze: resumption across servers works again" redis_back "${a[@]}" --tls12
}

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "FAIL: redis-server is not installed (run ./.ci/deps.sh as root)"
    echo "0 passed, 1 failed"
    exit 1
fi
for b in server server-openssl client-openssl; do
    [ -x "$build/$b" ] || { echo "FAIL: $build/$b is missing (make examples)"; echo "0 passed, 1 failed"; exit 1; }
done
redis_port=$(free_port)
if ! start_redis >"$tmp/out" 2>&1; then
    echo "FAIL: redis-server does not start: $(cat "$tmp/out")"
    echo "0 passed, 1 failed"
    exit 1
fi

scenario sesscache server server full
scenario openssl server-openssl server-openssl full
scenario mixed server server-openssl # A on sesscache, B on OpenSSL
summary
[ "$fail" -eq 0 ]
