# Helpers shared by the shell tests (tests/interop, tests/redis, tests/tcp): sourced after
# the script sets pass=0, fail=0 and tmp (a scratch directory).

# check "description" command...: one PASS:/FAIL: line; a second attempt absorbs a slow
# machine's timing (and is said). On failure, the command's last "reason:" line (see why) and
# its output.
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
            if [ "$n" -eq 1 ]; then echo "PASS: $what"; else echo "PASS: $what (on the second attempt)"; fi
            pass=$((pass + 1))
            return 0
        fi
    done
    local reason
    reason=$(grep '^reason:' "$tmp/out" | tail -n 1 | sed 's/^reason: //')
    echo "FAIL: $what${reason:+: $reason}"
    sed 's/^/     | /' "$tmp/out" | grep -v '^     | reason:' | tail -n 15
    fail=$((fail + 1))
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

