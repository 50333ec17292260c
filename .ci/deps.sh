#!/usr/bin/env bash
# Installs what the build and tests need when it is missing (as root), or names the command.
set -eu
missing=()
[ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
# Real clients of the nginx tests (tests/nginx/).
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v pgrep >/dev/null 2>&1 || missing+=(procps)
# Libraries of Debian's Apache httpd and memcached, which tests/apache/ extracts from their
# packages (the libraries only: no service is installed).
dpkg -s libapr1 >/dev/null 2>&1 || missing+=(libapr1)
dpkg -s libaprutil1 >/dev/null 2>&1 || missing+=(libaprutil1)
dpkg -s libevent-2.1-7 >/dev/null 2>&1 || missing+=(libevent-2.1-7)
# The farm-wide session cache example (examples/redis_cache/) and its test (tests/redis/).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -f /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
    echo "missing packages; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
