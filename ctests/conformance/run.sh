#!/usr/bin/env bash
# Conformance: each scenario in ctests/conformance/s*.c is built against the system OpenSSL
# 3.0 and against sesscache (source form: -Iinclude -lsesscache; and, when BUILD/libssl/
# libssl.so.3 exists, binary form: the OpenSSL-built program run with LD_LIBRARY_PATH pointing
# at sesscache's libssl.so.3). A scenario passes when every output is byte-identical to
# OpenSSL's. Prints a table and ends with "N passed, N failed".
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
cflags=(-std=c11 -Wall -Wextra -Werror -g -O1 -I"$root/ctests")
known_file="$here/KNOWN_DIFFERENCES"
pass=0
fail=0
printf '%-44s %-10s %s\n' scenario result "first difference"
for src in "${scenarios[@]}"; do
    name=$(basename "$src" .c)
    ok=1
    note=""
    if ! cc "${cflags[@]}" "$src" -o "$out/$name.openssl" -lssl -lcrypto 2>"$out/$name.build.log" \
        || ! cc "${cflags[@]}" -I"$root/include" "$src" -o "$out/$name.sesscache" \
            -L"$root/target/debug" -Wl,-rpath,"$root/target/debug" -lsesscache 2>>"$out/$name.build.log"; then
        ok=0
        note="build failed: $(head -n 1 "$out/$name.build.log")"
    else
        (cd "$root" && timeout 60 "$out/$name.openssl") >"$out/$name.openssl.txt" 2>&1
        (cd "$root" && timeout 60 "$out/$name.sesscache") >"$out/$name.sesscache.txt" 2>&1
        forms=(sesscache)
        if [ -f "$build/libssl/libssl.so.3" ]; then
            libdir=$(cd "$build/libssl" && pwd)
            (cd "$root" && LD_LIBRARY_PATH="$libdir" timeout 60 "$out/$name.openssl") >"$out/$name.binary.txt" 2>&1
            forms+=(binary)
        fi
        for form in "${forms[@]}"; do
            if ! cmp -s "$out/$name.openssl.txt" "$out/$name.$form.txt"; then
                ok=0
                line=$(diff "$out/$name.openssl.txt" "$out/$name.$form.txt" | grep -m1 '^[<>]' || true)
                note="$form: $(diff "$out/$name.openssl.txt" "$out/$name.$form.txt" | head -n 3 | tr '\n' ' ')"
                [ -n "$line" ] || note="$form: outputs differ"
                break
            fi
        done
    fi
    if [ "$ok" -eq 1 ]; then
        printf '%-44s %-10s\n' "$name" identical
        pass=$((pass + 1))
    elif [ -f "$known_file" ] && grep -q "^$name:" "$known_file"; then
        printf '%-44s %-10s %s\n' "$name" known "$(grep "^$name:" "$known_file" | cut -d: -f2-)"
        pass=$((pass + 1))
    else
        printf '%-44s %-10s %s\n' "$name" DIFFERENT "$note"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
