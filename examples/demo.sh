#!/usr/bin/env bash
# make demo: the example server (external session cache through the callbacks) on 127.0.0.1,
# the example client connecting 4 times with session reuse, for TLS 1.3 and TLS 1.2; then the
# server prints its counters and stops.
set -eu
build=${1:-build}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 14433)
for version in "TLS 1.3" "TLS 1.2"; do
    flag=""
    [ "$version" = "TLS 1.2" ] && flag="--tls12"
    echo "=== $version: examples/server on 127.0.0.1:$port, examples/client connects 4 times"
    "$build/server" "$port" --cert "$build/certs/chain.pem" --key "$build/certs/server.key" --count 4 $flag \
        > "$build/demo-server.log" 2>&1 &
    server=$!
    # Wait for the listening line (a probe connection would count as one of the four).
    for _ in $(seq 50); do grep -q listening "$build/demo-server.log" 2>/dev/null && break; sleep 0.1; done
    status=0
    timeout 30 "$build/client" 127.0.0.1 "$port" -n 4 $flag || status=$?
    wait "$server" || true
    echo "--- server side:"
    cat "$build/demo-server.log"
    [ "$status" -eq 0 ] || { echo "demo: the client did not resume as expected"; exit 1; }
    echo
done
