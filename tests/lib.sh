# Helpers shared by the shell tests (tests/interop, tests/redis, tests/tcp) and bench/tcp.sh.

# start_test: pass=0, fail=0, tmp (a scratch directory) and pids (the test's background
# processes, killed at exit, when the scratch directory is removed; a script may define
# cleanup_more for the rest of its teardown).
start_test() {
    pass=0
    fail=0
    retried=0
    last_retried=0
    tmp=$(mktemp -d)
    pids=()
    trap cleanup EXIT
}

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    if declare -F cleanup_more >/dev/null; then cleanup_more; fi
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}

# check "description" command...: one PASS:/FAIL: line; a second attempt absorbs a slow
# machine's timing. A pass on the second attempt is said, counted in the summary, and a
# failure when the check before it also needed one. On failure, the command's last "reason:"
# line (see why) and its output.
check() {
    run_check 2 "$@"
}

# check_once "description" command...: as check, without a second attempt (for checks whose
# outcome does not depend on timing).
check_once() {
    run_check 1 "$@"
}

# run_check ATTEMPTS "description" command...
run_check() {
    local attempts=$1 what=$2 n
    shift 2
    for n in $(seq "$attempts"); do
        if "$@" >"$tmp/out" 2>&1; then
            if [ "$n" -eq 1 ]; then
                echo "PASS: $what"
                last_retried=0
            elif [ "$last_retried" -eq 1 ]; then
                echo "FAIL: $what: passed on the second attempt, as the check before it: not timing"
                fail=$((fail + 1))
                return 1
            else
                echo "PASS: $what (on the second attempt)"
                retried=$((retried + 1))
                last_retried=1
            fi
            pass=$((pass + 1))
            return 0
        fi
    done
    last_retried=0
    local reason
    reason=$(grep '^reason:' "$tmp/out" | tail -n 1 | sed 's/^reason: //')
    echo "FAIL: $what${reason:+: $reason}"
    sed 's/^/     | /' "$tmp/out" | grep -v '^     | reason:' | tail -n 15
    fail=$((fail + 1))
}

# summary: the retries, then the "N passed, N failed" line.
summary() {
    [ "$retried" -eq 0 ] || echo "$retried of $pass passes needed a second attempt"
    echo "$pass passed, $fail failed"
}

# why "reason": prints it for check's FAIL line, and fails.
why() {
    echo "reason: $*"
    return 1
}

# A TCP port free on 127.0.0.1 right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}


# stime_results COUNT: the openssl s_time outputs $tmp/client.1 .. COUNT: their connections
# summed in `total`, and in `failed` how many stopped at a failed connection (s_time says why).
stime_results() {
    local i n
    total=0
    failed=0
    for i in $(seq "$1"); do
        n=$(awk '/connections in [0-9.]+s;/ { print $1; exit }' "$tmp/client.$i")
        total=$((total + ${n:-0}))
        grep -qiE "error|failed|unable" "$tmp/client.$i" && failed=$((failed + 1))
    done
    return 0
}

# For the real-server tests (tests/nginx, tests/apache), whose outputs on each library are in
# $tmp/NAME.sys and $tmp/NAME.ours; `subject` names the server ("nginx", "Apache").
# same NAME: the two outputs agree.
same() {
    if ! cmp -s "$tmp/$1.sys" "$tmp/$1.ours"; then
        why "$subject on sesscache differs from $subject on OpenSSL"
        diff "$tmp/$1.sys" "$tmp/$1.ours" | head -20
        return 1
    fi
}

# contains NAME TEXT: OpenSSL's output has TEXT (so that agreeing on a failure cannot pass).
contains() {
    grep -qF -- "$2" "$tmp/$1.sys" || { why "expected '$2' from $subject on OpenSSL"; cat "$tmp/$1.sys"; return 1; }
}
