#!/usr/bin/env bash
# with_redis.sh PROGRAM [ARGS...]: starts a throwaway redis-server on 127.0.0.1 on a free port
# (no persistence), runs PROGRAM ARGS... PORT, stops Redis and exits with PROGRAM's status.
set -u
command -v redis-server >/dev/null 2>&1 || { echo "redis-server is not installed (run ./.ci/deps.sh as root)" >&2; exit 1; }
. "$(dirname "$0")/../lib.sh"
port=$(free_port)
log=$(mktemp)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$log" 2>&1 &
redis=$!
trap 'kill "$redis" 2>/dev/null; wait "$redis" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
done
[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] || { echo "redis-server did not start:" >&2; cat "$log" >&2; exit 1; }
"$@" "$port"
