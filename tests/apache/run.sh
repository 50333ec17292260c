#!/usr/bin/env bash
# Debian 12's Apache httpd (apache2-bin, mod_ssl), unmodified, on the system OpenSSL ("sys") and
# on the drop-in libssl.so.3 ("ours"): the same configuration and the same real clients
# (Python's ssl, openssl s_client, curl) on both, each result compared, and OpenSSL's own result
# checked next to each comparison. Scenarios: SSLSessionCache shmcb with the event and the
# prefork MPM, and across a graceful restart; redis (a real redis-server) shared by two
# servers, with the entries' expiry; memcache (a real memcached) likewise; a mixed farm (Apache
# on OpenSSL and Apache on sesscache on one Redis); SSLSessionTicketKeyFile tickets crossing
# between the libraries; SNI virtual hosts; SSLVerifyClient require; SSLProtocol;
# SSLCipherSuite; an encrypted key with SSLPassPhraseDialog.
# Usage: run.sh BUILD_DIR (with certs/ and libssl/ made).
set -u
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/setup.sh"
. "$here/../nginx/setup.sh"
start_test
subject=Apache
client="python3 $here/../nginx/client.py"
certs=$build/certs

if ! apache=$(apache_binary); then
    echo "FAIL: Debian's apache2-bin package could not be fetched"
    summary
    exit 1
fi
apache_modules=$build/apache/usr/lib/apache2/modules
memcached=$(memcached_binary) || memcached=""
nginx_certs || { echo "FAIL: test certificates"; summary; exit 1; }
nc=$build/nginx-certs
chmod 644 "$nc"/*.key "$certs"/*.key 2>/dev/null
[ -f "$build/libssl/libssl.so.3" ] || { echo "FAIL: $build/libssl/libssl.so.3 is missing (make libssl)"; summary; exit 1; }
echo "apache: $("$apache" -v 2>&1 | head -n 1)"

redis_port=$(free_port)
redis_start || { echo "FAIL: redis-server did not start: $(tail -n 3 "$tmp/redis.log")"; summary; exit 1; }
memcached_port=$(free_port)
if [ -n "$memcached" ]; then
    "$memcached" -u nobody -l 127.0.0.1 -p "$memcached_port" -U 0 -m 16 >"$tmp/memcached.log" 2>&1 &
    pids+=($!)
fi
cleanup_more() { apache_kill_all; }

# contains_all NAME TEXT...: OpenSSL's output has each TEXT.
contains_all() {
    local name=$1 text
    shift
    for text in "$@"; do contains "$name" "$text" || return 1; done
}

# on_both NAME MPM "body with PORT" CLIENT...: the scenario on each library (PORT replaced by a
# free port); the client's output in $tmp/NAME.LIB.
on_both() {
    local name=$1 mpm=$2 body=$3 lib port
    shift 3
    for lib in sys ours; do
        port=$(free_port)
        local conf=${body//PORT/$port}
        # The instance's directory, for its cache files.
        conf=${conf//LIBDIR/$tmp/$name-$lib/cache}
        if ! apache_start "$name-$lib" "$lib" "$mpm" "$conf"; then
            { echo "Apache did not start:"; tail -3 "$tmp/$name-$lib/error.log" "$tmp/$name-$lib/stderr"; } >"$tmp/$name.$lib" 2>&1
            continue
        fi
        "${@//PORT/$port}" >"$tmp/$name.$lib" 2>&1
        apache_crashed "$name-$lib" && echo "a child died" >>"$tmp/$name.$lib"
        apache_stop "$name-$lib" "$lib"
    done
}

# resumptions PORT[,PORT...] COUNT: Python's ssl over TLS 1.2 and 1.3, COUNT connections spread
# over the ports in turn, each offering the previous session.
resumptions() {
    local ports=$1 count=$2 list="" i v
    IFS=, read -r -a each <<<"$ports"
    for i in $(seq 0 $((count - 1))); do list+="${each[$((i % ${#each[@]}))]},"; done
    for v in 1.2 1.3; do
        echo "python $v: $($client resume "${list%,}" $v | sed -n 1p)"
    done
}

common="Listen 127.0.0.1:PORT
SSLProtocol -all +TLSv1.2 +TLSv1.3"

# 1. shmcb with each MPM, tickets off and on.
for mpm in event prefork; do
    for tickets in off on; do
        name="shmcb-$mpm-tickets-$tickets"
        on_both "$name" "$mpm" "$common
SSLSessionCache shmcb:LIBDIR.scache(512000)
SSLSessionTickets $tickets
$(vhost PORT)" resumptions PORT 8
        check_once "shmcb, $mpm MPM, tickets $tickets: same resumptions as on OpenSSL" same "$name"
    done
    check_once "shmcb, $mpm MPM, tickets off: every TLS 1.2 and 1.3 connection resumed on OpenSSL (across children)" \
        contains "shmcb-$mpm-tickets-off" "python 1.3: - R R R R R R R"
done
check_once "shmcb, prefork, tickets off: TLS 1.2 resumed across children on OpenSSL" \
    contains "shmcb-prefork-tickets-off" "python 1.2: - R R R R R R R"

# get_session PORT VERSION FILE: one HTTP request with s_client, the session saved (the response
# read to its end, so that a TLS 1.3 ticket arrives).
get_session() {
    printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' |
        timeout 10 openssl s_client -connect "127.0.0.1:$1" -"$2" -sess_out "$3" -ign_eof >/dev/null 2>&1
}
reused_with() { # reused_with PORT VERSION FILE: 1 if s_client resumed the saved session
    echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" -"$2" -sess_in "$3" 2>&1 | grep -c '^Reused'
}

# 2. A graceful restart: Apache makes its shmcb cache anew, so sessions saved before do not
# resume after, on OpenSSL too; neither do tickets under SSLSessionTicketKeyFile (measured on
# OpenSSL); a Redis cache outlives it.
graceful_run() { # graceful_run NAME LIB PORT
    local v
    for v in tls1_2 tls1_3; do get_session "$3" $v "$tmp/g.$v"; done
    for v in tls1_2 tls1_3; do echo "$v before: $(reused_with "$3" $v "$tmp/g.$v")"; done
    apache_graceful "$1" "$2" || echo "graceful restart did not finish"
    for v in tls1_2 tls1_3; do echo "$v after apache2 -k graceful: $(reused_with "$3" $v "$tmp/g.$v")"; done
}
graceful_case() { # graceful_case NAME MPM CACHE_DIRECTIVES
    local name=$1 lib port
    for lib in sys ours; do
        port=$(free_port)
        redis-cli -p "$redis_port" flushall >/dev/null
        apache_start "$name-$lib" "$lib" "$2" "${common//PORT/$port}
${3//LIBDIR/$tmp/$name-$lib/cache}
$(vhost "$port")" && graceful_run "$name-$lib" "$lib" "$port" >"$tmp/$name.$lib" 2>&1
        apache_crashed "$name-$lib" && echo "a child died" >>"$tmp/$name.$lib"
        apache_stop "$name-$lib" "$lib"
    done
}
for mpm in event prefork; do
    graceful_case "graceful-shmcb-$mpm" $mpm "SSLSessionCache shmcb:LIBDIR.scache(512000)
SSLSessionTickets off"
    check_once "apache2 -k graceful, shmcb, $mpm MPM: same resumptions before and after it as on OpenSSL" same "graceful-shmcb-$mpm"
    check_once "apache2 -k graceful, shmcb, $mpm MPM: on OpenSSL the sessions resumed before it and not after (shmcb is made anew)" \
        contains_all "graceful-shmcb-$mpm" "tls1_2 before: 1" "tls1_3 before: 1" "tls1_2 after apache2 -k graceful: 0"
done
graceful_case graceful-redis event "SSLSessionCache redis:127.0.0.1:$redis_port
SSLSessionTickets off"
check_once "apache2 -k graceful, redis: same resumptions as on OpenSSL" same graceful-redis
check_once "apache2 -k graceful, redis: on OpenSSL both sessions resume after it" contains graceful-redis "tls1_3 after apache2 -k graceful: 1"
graceful_case graceful-tickets prefork "SSLSessionCache none
SSLSessionTicketKeyFile $nc/ticket48.key"
check_once "apache2 -k graceful, SSLSessionTicketKeyFile: same resumptions as on OpenSSL" same graceful-tickets
check_once "apache2 -k graceful, SSLSessionTicketKeyFile: on OpenSSL the tickets resumed before it" \
    contains_all graceful-tickets "tls1_2 before: 1" "tls1_3 before: 1"

# farm NAME LIB_A LIB_B CACHE [TIMEOUT]: servers A and B with one external cache, tickets off;
# each direction, both versions.
farm() {
    local name=$1 la=$2 lb=$3 cache=$4 timeout=${5:-300} pa pb v
    pa=$(free_port)
    pb=$(free_port)
    apache_start "$name-a" "$la" event "${common//PORT/$pa}
SSLSessionCache $cache
SSLSessionCacheTimeout $timeout
SSLSessionTickets off
$(vhost "$pa")" || echo "A on $la did not start: $(tail -2 "$tmp/$name-a/error.log")"
    apache_start "$name-b" "$lb" event "${common//PORT/$pb}
SSLSessionCache $cache
SSLSessionCacheTimeout $timeout
SSLSessionTickets off
$(vhost "$pb")" || echo "B on $lb did not start: $(tail -2 "$tmp/$name-b/error.log")"
    for v in 1.2 1.3; do
        echo "$v A,B,A,B: $($client resume "$pa,$pb,$pa,$pb" $v | sed -n 1p)"
        echo "$v B,A,B: $($client resume "$pb,$pa,$pb" $v | sed -n 1p)"
    done
    apache_crashed "$name-a" && echo "a child of A died"
    apache_crashed "$name-b" && echo "a child of B died"
    apache_stop "$name-a" "$la"
    apache_stop "$name-b" "$lb"
}

# 3. Redis: A and B on one redis-server; the entries expire with SSLSessionCacheTimeout.
redis_run() { # redis_run LIB
    redis-cli -p "$redis_port" flushall >/dev/null
    farm "redis-$1" "$1" "$1" "redis:127.0.0.1:$redis_port" 120
    local keys ttl
    keys=$(redis-cli -p "$redis_port" --scan --pattern 'mod_ssl-sess:*' | wc -l)
    echo "entries in Redis: $([ "$keys" -gt 0 ] && echo some || echo none)"
    ttl=$(redis-cli -p "$redis_port" ttl "$(redis-cli -p "$redis_port" --scan --pattern 'mod_ssl-sess:*' | head -n 1)")
    echo "an entry's TTL is within SSLSessionCacheTimeout 120: $([ "${ttl:-0}" -gt 60 ] && [ "${ttl:-0}" -le 120 ] && echo yes || echo "no ($ttl)")"
}
redis_run sys >"$tmp/redis.sys" 2>&1
redis_run ours >"$tmp/redis.ours" 2>&1
check_once "SSLSessionCache redis: two servers resume each other's sessions as on OpenSSL" same redis
check_once "SSLSessionCache redis: on OpenSSL a TLS 1.3 session made on A resumed on B" contains redis "1.3 A,B,A,B: - R R R"
check_once "SSLSessionCache redis: the entries' TTL follows SSLSessionCacheTimeout (OpenSSL)" contains redis "within SSLSessionCacheTimeout 120: yes"

# 4. A mixed farm: Apache on OpenSSL and Apache on sesscache on one Redis.
redis-cli -p "$redis_port" flushall >/dev/null
farm mixed sys sys "redis:127.0.0.1:$redis_port" >"$tmp/mixed.sys" 2>&1
for pair in "sys ours" "ours sys"; do
    redis-cli -p "$redis_port" flushall >/dev/null
    # shellcheck disable=SC2086 # two words: the libraries of A and B
    farm mixed $pair "redis:127.0.0.1:$redis_port" >"$tmp/mixed.ours" 2>&1
    check_once "mixed farm on Redis, A on ${pair% *}, B on ${pair#* }: resumes as two Apache on OpenSSL" same mixed
done

# 5. memcached.
if [ -n "$memcached" ]; then
    farm memcache-sys sys sys "memcache:127.0.0.1:$memcached_port" >"$tmp/memcache.sys" 2>&1
    farm memcache-ours ours ours "memcache:127.0.0.1:$memcached_port" >"$tmp/memcache.ours" 2>&1
    check_once "SSLSessionCache memcache: two servers resume each other's sessions as on OpenSSL" same memcache
    check_once "SSLSessionCache memcache: on OpenSSL a TLS 1.2 session made on A resumed on B" contains memcache "1.2 A,B,A,B: - R R R"
else
    check_once "memcached from Debian's package" false
fi

# 6. SSLSessionTicketKeyFile (48 bytes): tickets cross between the libraries.
tickets_run() { # tickets_run LIB_A LIB_B
    local pa pb v
    pa=$(free_port)
    pb=$(free_port)
    apache_start "tk-a" "$1" event "${common//PORT/$pa}
SSLSessionCache none
SSLSessionTicketKeyFile $nc/ticket48.key
$(vhost "$pa")" || echo "A did not start: $(tail -2 "$tmp/tk-a/error.log")"
    apache_start "tk-b" "$2" event "${common//PORT/$pb}
SSLSessionCache none
SSLSessionTicketKeyFile $nc/ticket48.key
$(vhost "$pb")" || echo "B did not start: $(tail -2 "$tmp/tk-b/error.log")"
    for v in 1.2 1.3; do echo "$v A,B,A,B: $($client resume "$pa,$pb,$pa,$pb" $v | sed -n 1p)"; done
    apache_crashed tk-a && echo "a child of A died"
    apache_crashed tk-b && echo "a child of B died"
    apache_stop tk-a "$1"
    apache_stop tk-b "$2"
}
tickets_run sys sys >"$tmp/tickets.sys" 2>&1
for pair in "sys ours" "ours sys" "ours ours"; do
    # shellcheck disable=SC2086 # two words: the libraries of A and B
    tickets_run $pair >"$tmp/tickets.ours" 2>&1
    check_once "SSLSessionTicketKeyFile, A on ${pair% *}, B on ${pair#* }: tickets resume as between two Apache on OpenSSL" same tickets
done
check_once "SSLSessionTicketKeyFile: OpenSSL's pair resumes every TLS 1.3 ticket" contains tickets "1.3 A,B,A,B: - R R R"

# 7. Name-based virtual hosts with different certificates (SNI).
sni_run() { # sni_run PORT
    local name
    for name in localhost other.test; do
        echo "$name: $(echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" -servername "$name" 2>/dev/null | grep -m1 '^subject=')"
    done
    echo "python resume with SNI other.test: $($client resume "$1,$1,$1" 1.2 --sni other.test | sed -n 1,2p | tr '\n' ' ')"
}
on_both sni event "$common
SSLSessionCache shmcb:LIBDIR.scache(512000)
SSLSessionTickets off
$(vhost PORT "" localhost "$nc/rsa.pem" "$nc/rsa.key")
$(vhost PORT "" other.test "$nc/other.pem" "$nc/other.key")" sni_run PORT
check_once "SNI: each name gets its certificate and resumes, as on OpenSSL" same sni
check_once "SNI: OpenSSL chose the ECDSA certificate for other.test" contains sni "other.test: subject=CN = other.test"

# 8. SSLVerifyClient require with a CA.
verify_run() { # verify_run PORT
    echo "trusted client: $($client resume "$1,$1" 1.2 --cert "$nc/client.pem" "$nc/client.key" 2>&1 | sed -n 1p)"
    echo "trusted client 1.3: $($client resume "$1,$1" 1.3 --cert "$nc/client.pem" "$nc/client.key" 2>&1 | sed -n 1p)"
    echo "no certificate: $(curl -sk --tlsv1.2 --tls-max 1.2 "https://127.0.0.1:$1/" -o /dev/null -w '%{http_code}' 2>&1)"
    echo "rogue certificate: $(curl -sk --tlsv1.2 --tls-max 1.2 --cert "$nc/rogue.pem" --key "$nc/rogue.key" "https://127.0.0.1:$1/" -o /dev/null -w '%{http_code}' 2>&1)"
}
on_both verify event "$common
SSLSessionCache shmcb:LIBDIR.scache(512000)
SSLSessionTickets off
$(vhost PORT "SSLVerifyClient require
    SSLVerifyDepth 2
    SSLCACertificateFile $certs/ca.pem")" verify_run PORT
check_once "SSLVerifyClient require: the same clients get in and resume as on OpenSSL" same verify
check_once "SSLVerifyClient require: on OpenSSL a trusted client resumes" contains verify "trusted client: - R"

# 9. SSLProtocol and SSLCipherSuite.
protocol_run() { # protocol_run PORT
    local v
    for v in tls1_2 tls1_3; do
        echo "$v: $(echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" -$v 2>&1 | grep -m1 -oE '^(New|Reused), [^,]*, Cipher is [^ ]*' || echo refused)"
    done
}
on_both protocol event "Listen 127.0.0.1:PORT
SSLProtocol -all +TLSv1.2
SSLCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256
SSLSessionCache none
$(vhost PORT)" protocol_run PORT
check_once "SSLProtocol TLSv1.2 and SSLCipherSuite: the same handshakes as on OpenSSL" same protocol
check_once "SSLCipherSuite: OpenSSL negotiated the one suite" contains protocol "tls1_2: New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"

# 10. An encrypted private key with SSLPassPhraseDialog exec: mod_ssl sees the key loader fail,
# asks the program for the pass phrase, decrypts the key itself and gives it as an object.
openssl pkey -in "$certs/server.key" -aes256 -passout pass:sesame -out "$tmp/encrypted.key" 2>/dev/null
printf '#!/bin/sh\necho sesame\n' >"$tmp/passphrase.sh"
chmod 755 "$tmp/passphrase.sh"
chmod 644 "$tmp/encrypted.key"
encrypted_run() { # encrypted_run PORT
    echo "served: $($client resume "$1,$1" 1.2 | sed -n 1,2p | tr '\n' ' ')"
}
on_both encrypted event "$common
SSLPassPhraseDialog exec:$tmp/passphrase.sh
SSLSessionCache shmcb:LIBDIR.scache(512000)
SSLSessionTickets off
$(vhost PORT "" localhost "$certs/server.pem" "$tmp/encrypted.key")" encrypted_run PORT
check_once "an encrypted key with SSLPassPhraseDialog exec: served and resumed as on OpenSSL" same encrypted
check_once "an encrypted key: OpenSSL's Apache started and served" contains encrypted "served: - R 200 hello encrypted"

summary
[ "$fail" -eq 0 ]
