#!/usr/bin/env bash
# The ABI table: for each libssl-linked program of Debian 12 that uses a session cache, how
# many libssl functions it imports and how many the drop-in provides, read from the binaries
# themselves (nm -D). Binaries are extracted from their Debian packages into BUILD/abi (no
# package is installed, no service started); Python's _ssl and libcurl are used where installed.
# Usage: abi_matrix.sh BUILD_DIR [--missing]. Prints a Markdown table (and the missing names).
set -u
build=$(cd "${1:-build}" && pwd)
show_missing=${2:-}
dir=$build/abi
lib=$build/libssl/libssl.so.3
[ -f "$lib" ] || { echo "abi_matrix: $lib is missing (make libssl)" >&2; exit 1; }
mkdir -p "$dir"
system=$(ldconfig -p | awk '/libssl\.so\.3 / && !found { print $NF; found = 1 }')

# fetch PACKAGE: extracts the package into $dir/PACKAGE (once).
fetch() {
    [ -d "$dir/$1" ] && return 0
    (cd "$dir" && apt-get download "$1" >/dev/null 2>&1) ||
        { apt-get update -qq >/dev/null 2>&1 && (cd "$dir" && apt-get download "$1" >/dev/null 2>&1); } || return 1
    dpkg-deb -x "$dir"/"$1"_*.deb "$dir/$1"
}

defined() { nm -D --defined-only "$1" | awk '{ print $3 }' | sed 's/@.*//' | sort -u; }
defined "$system" >"$dir/libssl.system"
defined "$lib" >"$dir/libssl.ours"

row() { # row NAME BINARY
    local name=$1 bin=$2 imports provided
    if [ ! -f "$bin" ]; then
        echo "| $name | (not available: $bin) | |"
        return
    fi
    nm -D --undefined-only "$bin" | awk '{ print $2 }' | sed 's/@.*//' | sort -u | comm -12 - "$dir/libssl.system" >"$dir/$name.imports"
    imports=$(wc -l <"$dir/$name.imports")
    provided=$(comm -12 "$dir/$name.imports" "$dir/libssl.ours" | wc -l)
    echo "| $name | $imports | $provided |"
    if [ -n "$show_missing" ] && [ "$provided" -lt "$imports" ]; then
        echo "|   missing: $(comm -23 "$dir/$name.imports" "$dir/libssl.ours" | tr '\n' ' ') | | |"
    fi
}

fetch nginx
fetch apache2-bin
fetch haproxy
fetch stunnel4
fetch libcurl4
echo "| program (Debian 12) | libssl functions imported | provided by the drop-in |"
echo "|---|---|---|"
row "nginx $(ls "$dir"/nginx_*.deb 2>/dev/null | sed 's/.*nginx_\([^-+]*\).*/\1/')" "$dir/nginx/usr/sbin/nginx"
row "Apache mod_ssl" "$dir/apache2-bin/usr/lib/apache2/modules/mod_ssl.so"
row "HAProxy" "$dir/haproxy/usr/sbin/haproxy"
row "stunnel" "$dir/stunnel4/usr/bin/stunnel4"
row "libcurl" "$dir/libcurl4/usr/lib/x86_64-linux-gnu/libcurl.so.4"
row "Python _ssl" "$(ls /usr/lib/python3*/lib-dynload/_ssl.*.so 2>/dev/null | head -n 1)"
