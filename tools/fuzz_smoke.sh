#!/usr/bin/env bash
# make fuzz-smoke: each fuzz target (fuzz/fuzz_targets) runs SECONDS (default 60) under
# libFuzzer from its seed corpus, on the stable toolchain (cargo fuzz -s none). Prints the
# executions per target and in total; ends with "N passed, N failed". A target fails when it
# finds a crash (kept in fuzz/artifacts/), when cargo fuzz exits non-zero, or when it ran no
# executions; the targets are the ones cargo fuzz lists, and each file in fuzz/fuzz_targets
# must be one.
set -u
seconds=${1:-60}
cd "$(dirname "$0")/.."
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz || exit 1
fi
cargo fuzz build -s none --release >/dev/null 2>&1 || { echo "fuzz build failed"; echo "0 passed, 1 failed"; exit 1; }
pass=0
fail=0
total=0
# Every target cargo fuzz knows (fuzz/Cargo.toml), and every file in fuzz/fuzz_targets must be
# one of them: a target cannot drop out of the smoke run unnoticed.
targets=$(cargo fuzz list 2>/dev/null)
for f in fuzz/fuzz_targets/*.rs; do
    name=$(basename "$f" .rs)
    if ! printf '%s\n' "$targets" | grep -qx "$name"; then
        echo "FAIL $name: fuzz/fuzz_targets/$name.rs is not a target in fuzz/Cargo.toml"
        fail=$((fail + 1))
    fi
done
[ -n "$targets" ] || { echo "FAIL: cargo fuzz lists no target"; fail=$((fail + 1)); }
for t in $targets; do
    # The working corpus starts from the committed seeds (fuzz/seeds, which include sessions
    # written by OpenSSL) and grows in fuzz/corpus, which is not committed.
    mkdir -p "fuzz/corpus/$t"
    cp -n "fuzz/seeds/$t"/* "fuzz/corpus/$t"/ 2>/dev/null
    out=$(cargo fuzz run -s none --release "$t" "fuzz/corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1)
    status=$?
    runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -n 1)
    runs=${runs:-0}
    total=$((total + runs))
    if printf '%s\n' "$out" | grep -q 'SUMMARY: libFuzzer\|panicked'; then
        echo "FAIL $t: a crash after $runs executions"
        printf '%s\n' "$out" | grep -E 'panicked|SUMMARY|artifact' | head -n 5
        fail=$((fail + 1))
    elif [ "$status" -ne 0 ]; then
        echo "FAIL $t: cargo fuzz run exited with status $status"
        printf '%s\n' "$out" | tail -n 5
        fail=$((fail + 1))
    elif [ "$runs" -eq 0 ]; then
        echo "FAIL $t: no executions (the target did not run)"
        printf '%s\n' "$out" | tail -n 5
        fail=$((fail + 1))
    else
        echo "ok   $t: $runs executions in $seconds s, no crash"
        pass=$((pass + 1))
    fi
done
echo "fuzzing: $total executions in total"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
