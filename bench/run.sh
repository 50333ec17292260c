#!/usr/bin/env bash
# make bench: builds bench/bench.c against the system OpenSSL and against sesscache (release),
# runs both in this one invocation, and writes bench/results.md and bench/results.svg.
# Usage: run.sh BUILD_DIR [quick]
set -euo pipefail
build=${1:-build}
mode=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cflags=(-std=c11 -O2 -Wall -Wextra -Werror -Ictests)
cc "${cflags[@]}" bench/bench.c -o "$build/bench-openssl" -lssl -lcrypto -pthread
cc "${cflags[@]}" -Iinclude bench/bench.c -o "$build/bench-sesscache" -Ltarget/release \
    -Wl,-rpath,"$root/target/release" -lsesscache -pthread
n=1000000
[ "$mode" = quick ] && n=100000
echo "== OpenSSL"
"$build/bench-openssl" $mode | tee "$build/bench-openssl.tsv"
"$build/bench-openssl" mem "$n" | tee "$build/mem-openssl.tsv"
echo "== sesscache"
"$build/bench-sesscache" $mode | tee "$build/bench-sesscache.tsv"
"$build/bench-sesscache" mem "$n" | tee "$build/mem-sesscache.tsv"
python3 bench/report.py "$build/bench-openssl.tsv" "$build/bench-sesscache.tsv" \
    "$build/mem-openssl.tsv" "$build/mem-sesscache.tsv" "make bench${mode:+ (quick)}"
