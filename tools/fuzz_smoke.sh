#!/usr/bin/env bash
# make fuzz-smoke: each fuzz target (fuzz/fuzz_targets) runs SECONDS (default 60) under
# libFuzzer from its seed corpus, on the stable toolchain (cargo fuzz -s none). Prints the
# executions per target and in total; ends with "N passed, N failed" (a target fails when it
# finds a crash, which is kept in fuzz/artifacts/).
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
for t in d2i der_decode cache_ops; do
    # The working corpus starts from the committed seeds (fuzz/seeds, which include sessions
    # written by OpenSSL) and grows in fuzz/corpus, which is not committed.
    mkdir -p "fuzz/corpus/$t"
    cp -n "fuzz/seeds/$t"/* "fuzz/corpus/$t"/ 2>/dev/null
    out=$(cargo fuzz run -s none --release "$t" "fuzz/corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1)
    runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -n 1)
    runs=${runs:-0}
    total=$((total + runs))
    if printf '%s\n' "$out" | grep -q 'SUMMARY: libFuzzer\|panicked'; then
        echo "FAIL $t: a crash after $runs executions"
        printf '%s\n' "$out" | grep -E 'panicked|SUMMARY|artifact' | head -n 5
        fail=$((fail + 1))
    else
        echo "ok   $t: $runs executions in $seconds s, no crash"
        pass=$((pass + 1))
    fi
done
echo "fuzzing: $total executions in total"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
