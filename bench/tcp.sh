#!/usr/bin/env bash
# Handshakes over real TCP on 127.0.0.1, both libraries driven by the same client, the system's
# `openssl s_time -www /`: bench/tcp_server.c built against the system OpenSSL and against
# sesscache, one server per library and protocol version. For each row: connections/s as the
# client sees them (s_time's count over the wall time around it) and the server's CPU time
# (getrusage user+system, read through SIGUSR1 before and after) per connection it handled.
# Writes BUILD_DIR/tcp-openssl.tsv and tcp-sesscache.tsv; run alone (make bench-tcp) it also
# puts them into bench/results.md and .svg (bench/run.sh sets TCP_REPORT=no and reports itself).
# Usage: tcp.sh BUILD_DIR [quick]
set -euo pipefail
# die in a function run by $(...) must stop the script too.
shopt -s inherit_errexit
build=${1:-build}
mode=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. tests/lib.sh
certs=$build/certs
for f in "$certs/chain.pem" "$certs/server.key" target/release/libsesscache.so; do
    [ -f "$f" ] || { echo "tcp.sh: $f is missing (make lib certs)" >&2; exit 1; }
done
# s_time -time T runs until the clock's second passes start+T: T to T+1 s per run.
secs=5 rounds=3
[ "$mode" = quick ] && secs=2 rounds=1

cflags=(-std=c11 -O2 -Wall -Wextra -Werror)
cc "${cflags[@]}" bench/tcp_server.c -o "$build/tcp_server-openssl" -lssl -lcrypto
cc "${cflags[@]}" -Iinclude bench/tcp_server.c -o "$build/tcp_server-sesscache" -Ltarget/release \
    -Wl,-rpath,"$root/target/release" -lsesscache

tmp=$(mktemp -d)
declare -A pid port
cleanup() {
    for k in "${!pid[@]}"; do kill "${pid[$k]}" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
die() {
    echo "tcp.sh: FAIL: $*" >&2
    exit 1
}

# start LIB VERSION: a server on a free port, waiting for its "listening" line.
start() {
    local k=$1-$2
    port[$k]=$(free_port)
    "$build/tcp_server-$1" "${port[$k]}" "$2" --cert "$certs/chain.pem" --key "$certs/server.key" \
        >"$tmp/$k.out" 2>"$tmp/$k.err" &
    pid[$k]=$!
    for _ in $(seq 100); do
        grep -q '^listening' "$tmp/$k.out" && return 0
        kill -0 "${pid[$k]}" 2>/dev/null || break
        sleep 0.05
    done
    die "the $1 server (TLS $2) did not start: $(cat "$tmp/$k.err")"
}

# stats KEY: "conns resumed failed cpu_us" from the server's SIGUSR1 line.
stats() {
    local out=$tmp/$1.out n
    n=$(wc -l <"$out")
    kill -USR1 "${pid[$1]}" 2>/dev/null || die "the $1 server is gone: $(cat "$tmp/$1.err")"
    for _ in $(seq 500); do
        [ "$(wc -l <"$out")" -gt "$n" ] && break
        sleep 0.01
    done
    [ "$(wc -l <"$out")" -gt "$n" ] || die "the $1 server did not answer SIGUSR1"
    tail -n 1 "$out" | sed -E 's/^conns=([0-9]+) resumed=([0-9]+) failed=([0-9]+) user_us=([0-9]+) sys_us=([0-9]+)$/\1 \2 \3 \4 \5/' |
        awk 'NF == 5 { print $1, $2, $3, $4 + $5; ok = 1 } END { exit !ok }' || die "bad SIGUSR1 line from $1"
}

# stime KEY new|reuse SECONDS: runs s_time against the server and prints "connections wall_s
# conns/s cpu_us/conn", after checking that -new never resumed, -reuse always did, and that the
# server saw the same.
stime() {
    local k=$1 how=$2 t=$3 v=${1##*-} out=$tmp/stime.out t0 t1 n marks r s b0 b1
    s=$(stats "$k")
    read -r -a b0 <<<"$s"
    t0=$EPOCHREALTIME
    openssl s_time -connect "127.0.0.1:${port[$k]}" "-$how" "-tls1_${v#1.}" -time "$t" -www / >"$out" 2>&1 ||
        die "s_time -$how against the $k server: $(tail -n 3 "$out" | tr '\n' ' ')"
    t1=$EPOCHREALTIME
    s=$(stats "$k")
    read -r -a b1 <<<"$s"
    n=$(sed -nE 's/^([0-9]+) connections in [0-9.]+s;.*/\1/p' "$out")
    [ -n "$n" ] && [ "$n" -gt 0 ] || die "no connection count from s_time -$how ($k): $(tail -n 3 "$out" | tr '\n' ' ')"
    # s_time's marks: one character per connection, r when it resumed.
    marks=$(grep -E '^[*rt3]+$' "$out" | tr -d '\n')
    r=$(tr -cd r <<<"$marks" | wc -c)
    local conns=$((b1[0] - b0[0])) resumed=$((b1[1] - b0[1])) failed=$((b1[2] - b0[2])) cpu=$((b1[3] - b0[3]))
    [ "$failed" -eq 0 ] || die "$k: $failed connections failed on the server during s_time -$how"
    [ "${#marks}" -eq "$n" ] || die "$k: s_time -$how printed ${#marks} marks for $n connections"
    if [ "$how" = reuse ]; then
        # s_time -reuse makes one uncounted full handshake first.
        [ "$r" -eq "$n" ] && [ "$resumed" -eq "$n" ] && [ "$conns" -eq $((n + 1)) ] ||
            die "$k: s_time -reuse did not resume: $r of $n resumed as s_time saw it, server $resumed of $conns"
    else
        [ "$r" -eq 0 ] && [ "$resumed" -eq 0 ] && [ "$conns" -eq "$n" ] ||
            die "$k: s_time -new: $n connections, $r resumed; server: $conns connections, $resumed resumed"
    fi
    awk -v n="$n" -v t0="$t0" -v t1="$t1" -v c="$conns" -v cpu="$cpu" \
        'BEGIN { printf "%d %.3f %.1f %.1f\n", n, t1 - t0, n / (t1 - t0), cpu / c }'
}

libs=(openssl sesscache)
for lib in "${libs[@]}"; do
    for v in 1.2 1.3; do start "$lib" "$v"; done
done
for lib in "${libs[@]}"; do
    for v in 1.2 1.3; do
        echo "== TCP warm-up: $lib, TLS $v" >&2
        res=$(stime "$lib-$v" new 1)
    done
done
: >"$build/tcp-openssl.tsv"
: >"$build/tcp-sesscache.tsv"
rows=("1.2 new TLS 1.2 full handshake" "1.2 reuse TLS 1.2 resumed (session id)"
    "1.3 new TLS 1.3 full handshake" "1.3 reuse TLS 1.3 resumed (stateful ticket)")
for round in $(seq "$rounds"); do
    for row in "${rows[@]}"; do
        read -r v how name <<<"$row"
        for lib in "${libs[@]}"; do
            res=$(stime "$lib-$v" "$how" "$secs")
            read -r n wall rate cpu <<<"$res"
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' tcp "$name" "$rate" "$cpu" "$n" "$wall" >>"$build/tcp-$lib.tsv"
            printf 'TCP round %d/%d, %s, %s: %d connections in %s s, %s conns/s, server %s us CPU/conn\n' \
                "$round" "$rounds" "$name" "$lib" "$n" "$wall" "$rate" "$cpu" >&2
        done
    done
done
for k in "${!pid[@]}"; do
    kill -TERM "${pid[$k]}"
    wait "${pid[$k]}" || die "the $k server exited with status $?"
    unset "pid[$k]"
done
if [ "${TCP_REPORT:-yes}" != no ]; then
    python3 bench/report.py --tcp "$build/tcp-openssl.tsv" "$build/tcp-sesscache.tsv" --keep-main \
        "make bench-tcp${mode:+ (quick)}"
fi
