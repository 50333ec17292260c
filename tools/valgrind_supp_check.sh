#!/usr/bin/env bash
# The test of ctests/valgrind.supp: it may hide only ring's own AEAD tag comparison. Checks that
# (1) it has no other suppression, and (2) an uninitialised buffer handed to SSL_write is still
# reported by memcheck through the library, with the suppressions in force, while the same
# program with a defined buffer is clean. Run by `make valgrind` (the library from valgrindlib).
set -u
cd "$(dirname "$0")/.."
lib=target/valgrind/release
pass=0
fail=0
check() { # check CONDITION_STATUS MESSAGE
    if [ "$1" -eq 0 ]; then
        pass=$((pass + 1))
        echo "ok   $2"
    else
        fail=$((fail + 1))
        echo "FAIL $2"
    fi
}
names=$(awk '/^\{/ { getline; gsub(/^[ \t]+/, ""); print }' ctests/valgrind.supp | tr '\n' ' ')
[ "$names" = "ring-aead-open-tag-check " ]
check $? "valgrind.supp holds only ring-aead-open-tag-check (it holds: $names)"
! grep -q 'write\|ChunkVecBuffer\|Param' ctests/valgrind.supp
check $? "no suppression covers the library's writes"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build() { # build OUT [CFLAGS...]
    local out=$1
    shift
    cc -std=c11 -g -O0 "$@" -Iinclude -Ictests tools/valgrind_probe.c -o "$out" \
        -L"$lib" -Wl,-rpath,"$(pwd)/$lib" -lsesscache
}
build "$tmp/probe" || { check 1 "the probe builds"; echo "$pass passed, $fail failed"; exit 1; }
valgrind -q --error-exitcode=9 --suppressions=ctests/valgrind.supp "$tmp/probe" >"$tmp/out" 2>&1
status=$?
[ "$status" -eq 9 ] && grep -q "uninitialised" "$tmp/out"
check $? "an uninitialised SSL_write buffer is reported through the library (valgrind status $status)"
grep -q "SSL_write" "$tmp/out"
check $? "the report's stack names SSL_write"
sed 's/malloc(64); \/\* never written \*\//calloc(1, 64);/' tools/valgrind_probe.c >"$tmp/defined.c"
cc -std=c11 -g -O0 -Iinclude -Ictests -Itools "$tmp/defined.c" -o "$tmp/defined" \
    -L"$lib" -Wl,-rpath,"$(pwd)/$lib" -lsesscache
valgrind -q --error-exitcode=9 --suppressions=ctests/valgrind.supp "$tmp/defined" >"$tmp/out2" 2>&1
status=$?
[ "$status" -eq 0 ]
check $? "the same probe with a defined buffer is clean (valgrind status $status)"
[ "$status" -eq 0 ] || head -40 "$tmp/out2"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
