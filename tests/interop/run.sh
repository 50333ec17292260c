#!/usr/bin/env bash
# Real peers against the examples, on loopback, each step bounded in time:
#   openssl s_client against examples/server (TLS 1.2 session ids with -reconnect; TLS 1.3
#   tickets with -sess_out/-sess_in), examples/client against openssl s_server (TLS 1.2, 1.3,
#   with certificate verification), and Python's ssl module against examples/server.
# Usage: run.sh BUILD_DIR (holding server and client). Ends with "N passed, N failed".
set -u
build=${1:-build}
certs=$build/certs
. "$(dirname "$0")/../lib.sh"
start_test

wait_port() {
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

start_server() { # start_server PORT args... (our example server; SERVER=server-openssl for OpenSSL's)
    local port=$1
    shift
    "$build/${SERVER:-server}" "$port" --cert "$certs/chain.pem" --key "$certs/server.key" "$@" >"$tmp/server.$port.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do
        grep -q listening "$tmp/server.$port.log" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

start_s_server() { # start_s_server PORT args... (openssl s_server)
    local port=$1
    shift
    timeout 60 openssl s_server -accept "$port" -cert "$certs/server.pem" -key "$certs/server.key" -rev "$@" \
        >"$tmp/s_server.$port.log" 2>&1 </dev/null &
    pids+=($!)
    wait_port "$port"
}

reconnect_tls12() {
    local port
    port=$(free_port)
    start_server "$port" --tls12
    local out
    out=$(echo | timeout 30 openssl s_client -connect "127.0.0.1:$port" -reconnect -tls1_2 -no_ticket 2>/dev/null)
    echo "$out" | grep -E '^(New|Reused),'
    [ "$(echo "$out" | grep -c '^New,')" -eq 1 ] && [ "$(echo "$out" | grep -c '^Reused,')" -eq 5 ]
}

sess_in_tls13() { # TLS 1.3: s_client -reconnect leaves before the tickets arrive, so use files
    local port
    port=$(free_port)
    start_server "$port"
    (sleep 2; echo GET) | timeout 15 openssl s_client -connect "127.0.0.1:$port" -sess_out "$tmp/sess13.pem" 2>/dev/null \
        | grep -E '^(New|Reused),' | tee "$tmp/first"
    (sleep 2; echo GET) | timeout 15 openssl s_client -connect "127.0.0.1:$port" -sess_in "$tmp/sess13.pem" 2>/dev/null \
        | grep -E '^(New|Reused),' | tee "$tmp/second"
    grep -q '^New, TLSv1.3' "$tmp/first" && grep -q '^Reused, TLSv1.3' "$tmp/second"
}

client_vs_s_server() { # client_vs_s_server [s_server args] -- [client args]
    local port sargs=() cargs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do sargs+=("$1"); shift; done
    shift
    cargs=("$@")
    port=$(free_port)
    start_s_server "$port" "${sargs[@]}"
    timeout 30 "$build/client" 127.0.0.1 "$port" -n 3 "${cargs[@]}"
}

# A mixed fleet: two servers share one session store (files), one on OpenSSL, one on
# sesscache; a session made on the first resumes on the second.
mixed_fleet() { # mixed_fleet FIRST SECOND [--tls12]
    local first=$1 second=$2 p1 p2 store=$tmp/store.$RANDOM
    shift 2
    mkdir -p "$store"
    p1=$(free_port)
    SERVER=$first start_server "$p1" --store "$store" "$@"
    p2=$(free_port)
    SERVER=$second start_server "$p2" --store "$store" "$@"
    local sargs=()
    [ "${1:-}" = --tls12 ] && sargs=(-tls1_2 -no_ticket)
    (sleep 2; echo GET) | timeout 15 openssl s_client -connect "127.0.0.1:$p1" "${sargs[@]}" -sess_out "$store/s.pem" \
        2>/dev/null | grep -E '^(New|Reused),' | tee "$tmp/first"
    (sleep 2; echo GET) | timeout 15 openssl s_client -connect "127.0.0.1:$p2" "${sargs[@]}" -sess_in "$store/s.pem" \
        2>/dev/null | grep -E '^(New|Reused),' | tee "$tmp/second"
    grep -q '^New,' "$tmp/first" && grep -q '^Reused,' "$tmp/second"
}

# `openssl sess_id` reads the DER that sesscache writes and shows what our getters return.
sess_id_agrees() { # sess_id_agrees [--tls12]
    local port store=$tmp/sessid.$RANDOM
    mkdir -p "$store"
    port=$(free_port)
    start_server "$port" --store "$store" "$@"
    (sleep 2; echo GET) | timeout 15 openssl s_client -connect "127.0.0.1:$port" >/dev/null 2>&1
    local n=0
    for f in "$store"/*.der; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        openssl sess_id -inform DER -in "$f" -text -noout \
            | grep -E '^ +(Protocol|Cipher|Session-ID|Session-ID-ctx|Master-Key|Resumption PSK|Start Time|Timeout) *:' \
            >"$tmp/theirs" || return 1
        "$build/sess_fields" "$f" "$tmp/ours.pem" >"$tmp/ours" || return 1
        diff "$tmp/theirs" "$tmp/ours" || return 1
        # PEM both ways: openssl reads our PEM, we read openssl's.
        openssl sess_id -in "$tmp/ours.pem" -text -noout \
            | grep -E '^ +(Protocol|Cipher|Session-ID|Session-ID-ctx|Master-Key|Resumption PSK|Start Time|Timeout) *:' \
            | diff "$tmp/theirs" - || return 1
        openssl sess_id -inform DER -in "$f" -out "$tmp/theirs.pem" || return 1
        "$build/sess_fields" --pem "$tmp/theirs.pem" | diff "$tmp/theirs" - || return 1
    done
    echo "$n sessions compared"
    [ "$n" -gt 0 ]
}

# The same comparison for the sessions of our client (against openssl s_server).
client_sess_id_agrees() { # client_sess_id_agrees [client args]
    local port
    port=$(free_port)
    start_s_server "$port"
    timeout 30 "$build/client" 127.0.0.1 "$port" -n 2 --save "$tmp/client.der" "$@" || return 1
    openssl sess_id -inform DER -in "$tmp/client.der" -text -noout \
        | grep -E '^ +(Protocol|Cipher|Session-ID|Session-ID-ctx|Master-Key|Resumption PSK|Start Time|Timeout) *:' \
        >"$tmp/theirs" || return 1
    "$build/sess_fields" "$tmp/client.der" | diff "$tmp/theirs" -
}

python_client() {
    local port
    port=$(free_port)
    start_server "$port" "${@:2}"
    timeout 30 python3 "$(dirname "$0")/python_client.py" "$port" "$1"
}

check "openssl s_client -reconnect -tls1_2 -no_ticket resumes 5 times against examples/server" reconnect_tls12
check "openssl s_client -sess_out/-sess_in resumes a TLS 1.3 stateful ticket from examples/server" sess_in_tls13
check "examples/client resumes against openssl s_server (TLS 1.3 tickets)" client_vs_s_server --
check "examples/client resumes against openssl s_server (TLS 1.2 tickets)" client_vs_s_server -- --tls12
check "examples/client resumes against openssl s_server (TLS 1.2 ids, CA verification)" \
    client_vs_s_server -no_ticket -- --tls12 --verify "$certs/ca.pem"
check "Python ssl client resumes against examples/server (TLS 1.2)" python_client 1.2 --tls12
check "Python ssl client resumes against examples/server (TLS 1.3)" python_client 1.3
check "mixed fleet TLS 1.2: made on OpenSSL, resumed on sesscache" mixed_fleet server-openssl server --tls12
check "mixed fleet TLS 1.2: made on sesscache, resumed on OpenSSL" mixed_fleet server server-openssl --tls12
check "mixed fleet TLS 1.3 stateful: made on OpenSSL, resumed on sesscache" mixed_fleet server-openssl server
check "mixed fleet TLS 1.3 stateful: made on sesscache, resumed on OpenSSL" mixed_fleet server server-openssl
check "openssl sess_id reads sesscache's TLS 1.2 server sessions (DER, PEM) as our getters do" sess_id_agrees --tls12
check "openssl sess_id reads sesscache's TLS 1.3 server sessions (DER, PEM) as our getters do" sess_id_agrees
check "openssl sess_id reads sesscache's TLS 1.2 client sessions as our getters do" client_sess_id_agrees --tls12
check "openssl sess_id reads sesscache's TLS 1.3 client sessions as our getters do" client_sess_id_agrees
summary
[ "$fail" -eq 0 ]
