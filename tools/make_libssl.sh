#!/usr/bin/env bash
# Builds the binary drop-in libssl.so.3 from the same code: the staticlib (feature
# libcrypto) linked with GNU ld and a version script, so that every exported symbol
# carries OPENSSL_3.0.0, the SONAME is libssl.so.3, and nothing else is exported (see
# ../shared/BUILD-NOTES.md). Exported: each function of ours that the system libssl.so.3
# also exports. Usage: make_libssl.sh OUT_DIR
set -euo pipefail
out=${1:-build/libssl}
root=$(cd "$(dirname "$0")/.." && pwd)
target=$root/target/libssl
mkdir -p "$out"
native=$(cd "$root" && cargo rustc --release --features libcrypto --target-dir "$target" --lib \
    --crate-type staticlib -- --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -n 1)
archive=$target/release/libsesscache.a
# (awk reads all of its input: an early exit would end ldconfig with SIGPIPE under pipefail.)
system_libssl=$(ldconfig -p | awk '/libssl\.so\.3 / && !found { print $NF; found = 1 }')
nm -g --defined-only "$archive" 2>/dev/null | awk '$2 == "T" { print $3 }' | sort -u >"$out/ours.txt"
nm -D --defined-only "$system_libssl" | awk '{ print $3 }' | sed 's/@.*//' | sort -u >"$out/openssl.txt"
comm -12 "$out/ours.txt" "$out/openssl.txt" >"$out/exported.txt"
{
    echo "OPENSSL_3.0.0 {"
    echo "  global:"
    sed 's/^/    /; s/$/;/' "$out/exported.txt"
    echo "  local: *;"
    echo "};"
} >"$out/ssl.map"
cc -shared -o "$out/libssl.so.3" -Wl,-soname,libssl.so.3 -Wl,--version-script="$out/ssl.map" \
    -Wl,--whole-archive "$archive" -Wl,--no-whole-archive -lcrypto $native
echo "built $out/libssl.so.3: $(wc -l <"$out/exported.txt") symbols versioned OPENSSL_3.0.0"
