# Sourced by bench/nginx.sh and bench/apache.sh: one openssl s_time run against a server, with
# the server's CPU time over it.

# tree_cpu PIDFILE: the CPU time (user + system, from /proc) of the process in PIDFILE and of
# its children so far, in microseconds.
tree_cpu() {
    local parent p
    parent=$(cat "$1")
    for p in "$parent" $(pgrep -P "$parent"); do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null; done |
        awk -v t="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.0f", s * 1e6 / t }'
}

# stime_run PORT new|reuse VERSION SECS PIDFILE WHAT: s_time -www / against 127.0.0.1:PORT;
# prints "connections wall conns/s cpu_us/conn" (CPU of the server in PIDFILE). Exits when
# s_time fails, or when a reuse run did not resume most of its connections.
stime_run() {
    local port=$1 how=$2 v=$3 secs=$4 pidfile=$5 what=$6 t0 t1 c0 c1 out n r
    c0=$(tree_cpu "$pidfile")
    t0=$(date +%s.%N)
    out=$(openssl s_time -connect "127.0.0.1:$port" -www / -"$how" -tls"${v/./_}" -time "$secs" 2>&1)
    t1=$(date +%s.%N)
    c1=$(tree_cpu "$pidfile")
    n=$(awk '/connections in [0-9.]+s;/ { print $1; exit }' <<<"$out")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "s_time against $what failed: $out" >&2; exit 1; }
    if [ "$how" = reuse ]; then
        r=$(tr -cd 'r' <<<"$out" | wc -c)
        [ "$r" -ge $((n / 2)) ] || { echo "$what resumed $r of $n" >&2; exit 1; }
    fi
    awk -v n="$n" -v t0="$t0" -v t1="$t1" -v c="$((c1 - c0))" \
        'BEGIN { printf "%d %.3f %.1f %.1f\n", n, t1 - t0, n / (t1 - t0), c / n }'
}
