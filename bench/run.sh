#!/usr/bin/env bash
# make bench: builds bench/bench.c against the system OpenSSL and against sesscache (release),
# runs both in this one invocation, then the Redis rows and the TCP rows (bench/tcp.sh), and
# writes bench/results.md and bench/results.svg.
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
# Each measurement runs for one library, then the other, three times over (once in quick mode);
# the report keeps each library's fastest run. Alternating spreads this VM's slow spells over
# both libraries instead of handing them to whichever ran second.
rounds=3
[ "$mode" = quick ] && rounds=1
: >"$build/bench-openssl.tsv"
: >"$build/bench-sesscache.tsv"
"$build/bench-openssl" keys | while IFS= read -r key; do
    r=$rounds
    # OpenSSL spends its whole 60 s budget on a million mixed-timeout adds: once is enough.
    [ "$key" = "add big mixed" ] && r=1
    for _ in $(seq "$r"); do
        for lib in openssl sesscache; do
            BENCH_ONLY=$key "$build/bench-$lib" $mode | sed "s/^/$lib\t/" | tee /dev/stderr \
                | cut -f2- >>"$build/bench-$lib.tsv"
        done
    done
done 2>&1
"$build/bench-openssl" mem "$n" | tee "$build/mem-openssl.tsv"
"$build/bench-sesscache" mem "$n" | tee "$build/mem-sesscache.tsv"
# Resumed handshakes with the farm-wide Redis cache (examples/redis_cache/, through the
# callbacks) against the internal cache, in one loop: each library against a throwaway
# redis-server.
redis_n=2000
[ "$mode" = quick ] && redis_n=200
redis_rows() { # redis_rows BINARY >> TSV: redis_bench's "name ops/s" lines as table rows
    ./tests/redis/with_redis.sh "$1" -n "$redis_n" | awk -v OFS='\t' '
        /^internal_resumed_tls12 / { n = "TLS 1.2 resumed, internal cache (loop of the Redis row)" }
        /^redis_resumed_tls12 /    { n = "TLS 1.2 resumed, Redis cache (callbacks, i2d/d2i)" }
        /^internal_resumed_tls13 / { n = "TLS 1.3 resumed, internal cache (loop of the Redis row)" }
        /^redis_resumed_tls13 /    { n = "TLS 1.3 resumed, Redis cache (callbacks, i2d/d2i)" }
        $2 > 0 { printf "op\t%s\t%.1f\t%.0f\n", n, 1e9 / $2, $2 }'
}
cc "${cflags[@]}" -Iexamples bench/redis_bench.c examples/redis_cache/redis_cache.c -o "$build/redis_bench-openssl" \
    -lssl -lcrypto -lhiredis -pthread
cc "${cflags[@]}" -Iinclude -Iexamples bench/redis_bench.c examples/redis_cache/redis_cache.c \
    -o "$build/redis_bench-sesscache" -Ltarget/release -Wl,-rpath,"$root/target/release" -lsesscache -lhiredis -pthread
for _ in $(seq "$rounds"); do
    for lib in openssl sesscache; do
        echo "== Redis cache: $lib"
        redis_rows "$build/redis_bench-$lib" | tee -a "$build/bench-$lib.tsv"
    done
done
# Handshakes over real TCP with openssl s_time as the client (bench/tcp.sh); reported below.
TCP_REPORT=no ./bench/tcp.sh "$build" ${mode:+"$mode"}
# Handshakes through Debian's nginx on each library (bench/nginx.sh); reported below.
make --no-print-directory libssl >&2
NGINX_REPORT=no ./bench/nginx.sh "$build" ${mode:+"$mode"}
# Resumed handshakes through Debian's Apache httpd with shmcb and Redis (bench/apache.sh).
APACHE_REPORT=no ./bench/apache.sh "$build" ${mode:+"$mode"}
python3 bench/report.py --tcp "$build/tcp-openssl.tsv" "$build/tcp-sesscache.tsv" \
    --nginx "$build/nginx-openssl.tsv" "$build/nginx-sesscache.tsv" \
    --apache "$build/apache-openssl.tsv" "$build/apache-sesscache.tsv" \
    "$build/bench-openssl.tsv" "$build/bench-sesscache.tsv" "$build/mem-openssl.tsv" "$build/mem-sesscache.tsv" \
    "make bench${mode:+ (quick)}"
