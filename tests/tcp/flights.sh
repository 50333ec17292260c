#!/usr/bin/env bash
# Each TLS flight leaves in one system call, over real TCP on 127.0.0.1: the example server and
# client run under an LD_PRELOAD counter of send calls (count_writes.c) with a real peer on the
# system OpenSSL (Python's ssl, peer.py), and the calls each connection took are compared with
# a fixed expectation and with the same program built on the system OpenSSL in the same run.
# A flight split into a record per write() waits for the peer's delayed ACK under Nagle's
# algorithm (about 40 ms per handshake).
# Usage: flights.sh BUILD_DIR (holding server, server-openssl, client, client-openssl and certs).
set -u
build=${1:-build}
certs=$build/certs
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
start_test

cc -shared -fPIC -O2 -Wall -Wextra -Werror "$here/count_writes.c" -o "$tmp/count_writes.so" -ldl || {
    echo "FAIL: cannot build the send counter"
    echo "0 passed, 1 failed"
    exit 1
}

# per_connection LOG: the number of calls that sent data, one number per connection (in the
# order the connections were closed).
per_connection() {
    awk '$1 == "send" && $3 > 0 { c[$2]++ } $1 == "close" && ($2 in c) { printf "%s%d", sep, c[$2]; sep = " "; delete c[$2] }' "$1"
}

wait_line() { # wait_line FILE TEXT
    for _ in $(seq 100); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# server_calls PROGRAM VERSION ARGS...: three connections from peer.py (full, resumed, resumed)
# to the example server under the counter; prints the server's calls per connection.
server_calls() {
    local prog=$1 version=$2 port log
    shift 2
    port=$(free_port)
    log=$tmp/$prog.$port.log
    COUNT_WRITES_LOG=$log LD_PRELOAD=$tmp/count_writes.so "$build/$prog" "$port" --cert "$certs/chain.pem" \
        --key "$certs/server.key" --cache internal --count 3 "$@" >"$tmp/server.out" 2>&1 &
    local pid=$!
    pids+=("$pid")
    wait_line "$tmp/server.out" listening || { why "$prog did not start"; return 1; }
    python3 "$here/peer.py" client "$port" --version "$version" -n 3 >"$tmp/peer.out" 2>&1 ||
        { why "peer.py did not resume: $(tr '\n' ' ' <"$tmp/peer.out")"; return 1; }
    wait "$pid" || { why "$prog exited with status $?"; return 1; }
    per_connection "$log"
}

# client_calls PROGRAM ARGS...: the example client's calls per connection for three connections
# (full, resumed, resumed) to peer.py's server.
client_calls() {
    local prog=$1 port log
    shift
    port=$(free_port)
    log=$tmp/$prog.$port.log
    python3 "$here/peer.py" server "$port" --cert "$certs/chain.pem" --key "$certs/server.key" -n 3 \
        >"$tmp/peer.out" 2>&1 &
    local pid=$!
    pids+=("$pid")
    wait_line "$tmp/peer.out" ready || { why "peer.py server did not start"; return 1; }
    COUNT_WRITES_LOG=$log LD_PRELOAD=$tmp/count_writes.so "$build/$prog" "$port" -n 3 "$@" >"$tmp/client.out" 2>&1 ||
        { why "$prog: $(tail -n 1 "$tmp/client.out")"; return 1; }
    wait "$pid"
    per_connection "$log"
}

# expect_calls WHAT EXPECTED OURS_CMD... : ours must be EXPECTED exactly, and no connection may
# take more calls than the same program on OpenSSL (the command with PROGRAM-openssl).
expect_calls() {
    local expected=$1 role=$2 prog=$3
    shift 3
    local ours theirs
    ours=$("${role}_calls" "$prog" "$@") || { echo "$ours"; return 1; }
    theirs=$("${role}_calls" "$prog-openssl" "$@") || { echo "$theirs"; return 1; }
    echo "calls per connection: sesscache $ours, OpenSSL $theirs (expected $expected)"
    [ "$ours" = "$expected" ] || { why "sesscache's $prog made $ours calls per connection, expected $expected"; return 1; }
    local a b i
    read -ra a <<<"$ours"
    read -ra b <<<"$theirs"
    [ "${#a[@]}" -eq "${#b[@]}" ] || { why "OpenSSL's $prog closed ${#b[@]} connections, not ${#a[@]}"; return 1; }
    for i in "${!a[@]}"; do
        [ "${a[$i]}" -le "${b[$i]}" ] || { why "connection $((i + 1)): ${a[$i]} calls, OpenSSL ${b[$i]}"; return 1; }
    done
}

# Server: per connection its flights, the reply (SSL_write) and close_notify (SSL_shutdown).
# TLS 1.2 full: ServerHello..ServerHelloDone, then [NewSessionTicket] ChangeCipherSpec Finished;
# resumed: ServerHello..Finished. TLS 1.3: ServerHello..Finished, then both NewSessionTickets
# (OpenSSL writes each ticket with its own call).
check_once "server, TLS 1.2 session ids: 2 flights (full), 1 (resumed)" expect_calls "4 3 3" server server 1.2 --tls12
check_once "server, TLS 1.2 tickets: 2 flights (full), 1 (resumed)" expect_calls "4 3 3" server server 1.2 --tls12 --tickets
check_once "server, TLS 1.3 stateful tickets: 1 flight + 1 for the tickets" expect_calls "4 4 4" server server 1.3
check_once "server, TLS 1.3 stateless tickets: 1 flight + 1 for the tickets" expect_calls "4 4 4" server server 1.3 --tickets
# Client: ClientHello, then its second flight (ClientKeyExchange/ChangeCipherSpec/Finished in
# TLS 1.2, ChangeCipherSpec/Finished in TLS 1.3 and in a TLS 1.2 resumption), the request,
# close_notify.
check_once "client, TLS 1.2: ClientHello, 1 flight, request, close_notify" expect_calls "4 4 4" client client --tls12
check_once "client, TLS 1.3: ClientHello, 1 flight, request, close_notify" expect_calls "4 4 4" client client

summary
[ "$fail" -eq 0 ]
