#!/usr/bin/env bash
# Runs C test programs, shows their output, and ends with the total "N passed, N failed".
# A program that crashes or exits non-zero without reporting failures counts as one failure.
set -u
total_pass=0
total_fail=0
for prog in "$@"; do
    echo "== $prog"
    # shellcheck disable=SC2086 # a program may come with its arguments
    out=$(timeout 300 $prog 2>&1)
    status=$?
    printf '%s\n' "$out" | grep -v '^ok ' || true
    summary=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$summary" ]; then
        echo "FAIL $prog: no summary line (exit status $status)"
        total_fail=$((total_fail + 1))
        continue
    fi
    p=${summary%% passed*}
    f=${summary#*, }
    f=${f%% failed}
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $prog: exit status $status (sanitizer report above?)"
        total_fail=$((total_fail + 1))
    fi
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
