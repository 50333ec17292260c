#!/usr/bin/env bash
# Conformance: each scenario in ctests/conformance/s*.c is built against the system OpenSSL
# 3.0 and against sesscache (source form: -Iinclude -lsesscache; binary form: the OpenSSL-built
# program run with LD_LIBRARY_PATH pointing at sesscache's BUILD/libssl/libssl.so.3), all with
# ASan and UBSan. A scenario passes when every run exits 0 and every output is byte-identical to
# OpenSSL's. A scenario listed in KNOWN_DIFFERENCES (with its reason) passes when its outputs
# differ from OpenSSL's by exactly the diff committed in known/NAME.diff, and no other line.
# A scenario that does not build, crashes, exits non-zero or times out fails, known or not.
# Prints a table and ends with "N passed, N failed".
# Usage: run.sh BUILD_DIR [scenario.c ...]
set -u
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$build/conformance
mkdir -p "$out"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=("$here"/s*.c)
cflags=(-std=c11 -Wall -Wextra -Werror -g -O1 -I"$root/ctests"
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
# Leaks are valgrind's job (make valgrind); here a sanitizer report is a failure.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
known_file="$here/KNOWN_DIFFERENCES"
pass=0
fail=0
# Both libraries would print the same failure without the test PKI: refuse to compare that.
if [ ! -f "$root/$build/certs/chain.pem" ] && [ ! -f "$build/certs/chain.pem" ]; then
    echo "FAIL: no certificates in $build/certs (make certs)"
    echo "0 passed, 1 failed"
    exit 1
fi
libssl=""
if [ -f "$build/libssl/libssl.so.3" ]; then
    libssl=$(cd "$build/libssl" && pwd)
else
    echo "FAIL: $build/libssl/libssl.so.3 is missing (make libssl): the binary form cannot run"
    fail=$((fail + 1))
fi
# run NAME FORM PROGRAM [LD_LIBRARY_PATH]: the output in $out/NAME.FORM.txt; "" or why it failed.
run() {
    local name=$1 form=$2 prog=$3 lib=${4:-} status
    if [ -n "$lib" ]; then
        (cd "$root" && LD_LIBRARY_PATH="$lib" timeout 60 "$prog") >"$out/$name.$form.txt" 2>&1
    else
        (cd "$root" && timeout 60 "$prog") >"$out/$name.$form.txt" 2>&1
    fi
    status=$?
    [ "$status" -eq 0 ] && return 0
    [ "$status" -eq 124 ] && echo "$form: timed out" && return 0
    echo "$form: exit status $status"
}
printf '%-44s %-10s %s\n' scenario result "first difference"
for src in "${scenarios[@]}"; do
    name=$(basename "$src" .c)
    note=""
    verdict=identical
    reason=$(grep "^$name:" "$known_file" 2>/dev/null | cut -d: -f2-)
    if ! cc "${cflags[@]}" "$src" -o "$out/$name.openssl" -lssl -lcrypto 2>"$out/$name.build.log" \
        || ! cc "${cflags[@]}" -I"$root/include" "$src" -o "$out/$name.sesscache" \
            -L"$root/target/debug" -Wl,-rpath,"$root/target/debug" -lsesscache 2>>"$out/$name.build.log"; then
        verdict=DIFFERENT
        note="build failed: $(head -n 1 "$out/$name.build.log")"
    else
        forms=(sesscache)
        crash=$(run "$name" openssl "$out/$name.openssl")
        crash+=$(run "$name" sesscache "$out/$name.sesscache")
        if [ -n "$libssl" ]; then
            crash+=$(run "$name" binary "$out/$name.openssl" "$libssl")
            forms+=(binary)
        fi
        if [ -n "$crash" ]; then
            verdict=DIFFERENT
            note="$crash"
        fi
        for form in "${forms[@]}"; do
            [ "$verdict" = DIFFERENT ] && break
            diff "$out/$name.openssl.txt" "$out/$name.$form.txt" >"$out/$name.$form.diff"
            [ -s "$out/$name.$form.diff" ] || continue
            if [ -n "$reason" ] && [ -f "$here/known/$name.diff" ] && cmp -s "$here/known/$name.diff" "$out/$name.$form.diff"; then
                verdict=known
                note=$reason
                continue
            fi
            verdict=DIFFERENT
            if [ -n "$reason" ]; then
                note="$form: differs from OpenSSL otherwise than known/$name.diff: $(diff "$here/known/$name.diff" "$out/$name.$form.diff" 2>&1 | head -n 3 | tr '\n' ' ')"
            else
                note="$form: $(head -n 3 "$out/$name.$form.diff" | tr '\n' ' ')"
            fi
        done
    fi
    printf '%-44s %-10s %s\n' "$name" "$verdict" "$note"
    if [ "$verdict" = DIFFERENT ]; then
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
