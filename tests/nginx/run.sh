#!/usr/bin/env bash
# Debian 12's nginx, unmodified, on the system OpenSSL ("sys") and on the drop-in libssl.so.3
# ("ours") side by side: the same configuration and the same real clients (openssl s_client,
# curl, Python's ssl) on both, and every result compared. Scenarios: each ssl_session_cache
# kind with tickets on and off, TLS 1.2 and 1.3; the session timeout; four workers on a shared
# zone; a reload; ticket key files (48 and 80 bytes, several keys) with tickets crossing between
# nginx on OpenSSL and nginx on sesscache; the ssl variables; SNI with two certificates;
# HTTP/2; client certificates (on, optional); RSA and ECDSA certificates together; ssl_ciphers
# and ssl_conf_command; malformed ClientHellos (no worker may die, resumption still works).
# Usage: run.sh BUILD_DIR (with certs/ and libssl/ made). Ends with "N passed, N failed".
set -u
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/setup.sh"
start_test
subject=nginx
client="python3 $here/client.py"
certs=$build/certs
nc=$build/nginx-certs

if ! nginx=$(nginx_binary); then
    echo "FAIL: Debian's nginx package could not be fetched"
    summary
    exit 1
fi
nginx_certs || { echo "FAIL: test certificates"; summary; exit 1; }
[ -f "$build/libssl/libssl.so.3" ] || { echo "FAIL: $build/libssl/libssl.so.3 is missing (make libssl)"; summary; exit 1; }
echo "nginx: $("$nginx" -v 2>&1)"

# server PORT DIRECTIVES [NAME CERT KEY]: a server block returning the ssl variables.
server() {
    local port=$1 extra=$2 name=${3:-localhost} cert=${4:-$certs/server.pem} key=${5:-$certs/server.key}
    cat <<EOF
    server {
        listen 127.0.0.1:$port ssl http2;
        server_name $name;
        ssl_certificate $cert;
        ssl_certificate_key $key;
        $extra
        location / {
            return 200 "reused=\$ssl_session_reused proto=\$ssl_protocol cipher=\$ssl_cipher sni=\$ssl_server_name verify=\$ssl_client_verify dn=\$ssl_client_s_dn id_length=\$ssl_session_id\n";
        }
    }
EOF
}

# The variables, with the session id (random) reduced to its length.
normalize() {
    sed -E 's/id_length=([0-9a-f]*)/id_length=\1/' | awk '{
        for (i = 1; i <= NF; i++) if ($i ~ /^id_length=/) { v = substr($i, 11); $i = "id_length=" length(v) }
        print }'
}

# on_both NAME WORKERS "http body with PORT" CLIENT...: runs the scenario on each library
# (PORT replaced by a free port), the client's output (PORT replaced too) in $tmp/NAME.LIB.
on_both() {
    local name=$1 workers=$2 body=$3 lib port
    shift 3
    for lib in sys ours; do
        port=$(free_port)
        if ! nginx_start "$name-$lib" "$lib" "$workers" "${body//PORT/$port}"; then
            echo "nginx did not start:" >"$tmp/$name.$lib"
            tail -3 "$tmp/$name-$lib/error.log" >>"$tmp/$name.$lib" 2>/dev/null
            continue
        fi
        "${@//PORT/$port}" >"$tmp/$name.$lib" 2>&1
        nginx_crashed "$name-$lib" && echo "a worker died" >>"$tmp/$name.$lib"
        nginx_stop "$name-$lib"
    done
}

# resumptions PORT: Python's ssl over TLS 1.2 and 1.3, four connections each, each offering the
# previous session; then openssl s_client -reconnect (TLS 1.2: six connections).
resumptions() {
    local port=$1 v
    for v in 1.2 1.3; do
        echo "python $v: $($client resume "$port,$port,$port,$port" $v | sed -n 1p)"
    done
    echo "s_client -reconnect: $(echo | timeout 20 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -reconnect 2>&1 | grep -c '^Reused')"
}

# 1. Every session cache kind, tickets on and off.
for cache in "off" "none" "builtin" "builtin:1000" "shared:SSL:1m" "builtin:1000 shared:SSL:1m"; do
    for tickets in on off; do
        name="cache-${cache//[: ]/_}-tickets-$tickets"
        on_both "$name" 1 "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache $cache; ssl_session_tickets $tickets;
$(server PORT "")" resumptions PORT
        check_once "ssl_session_cache $cache, ssl_session_tickets $tickets: same resumptions as on OpenSSL" same "$name"
    done
done
check_once "shared cache, tickets off: TLS 1.2 and 1.3 resume (OpenSSL's result is not a failure)" \
    contains "cache-shared_SSL_1m-tickets-off" "python 1.3: - R R R"
check_once "no cache, tickets off: nothing resumes" contains "cache-off-tickets-off" "python 1.2: - - - -"

# 2. ssl_session_timeout: a session older than it is not resumed (s_client -sess_out, wait,
# -sess_in).
# get_session PORT VERSION FILE: one HTTP request with s_client, the session saved (the
# response is read to its end, so that a TLS 1.3 ticket arrives).
get_session() {
    printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' |
        timeout 10 openssl s_client -connect "127.0.0.1:$1" -"$2" -sess_out "$3" -ign_eof >/dev/null 2>&1
}

timeout_run() {
    local port=$1 v
    for v in tls1_2 tls1_3; do
        get_session "$port" $v "$tmp/t.sess"
        echo "$v at once: $(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" -$v -sess_in "$tmp/t.sess" 2>&1 | grep -cE '^Reused')"
        sleep 3
        echo "$v after 3 s: $(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" -$v -sess_in "$tmp/t.sess" 2>&1 | grep -cE '^Reused')"
    done
}
on_both timeout 1 "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:1m; ssl_session_tickets off; ssl_session_timeout 2s;
$(server PORT "")" timeout_run PORT
check "ssl_session_timeout 2s: resumed at once, not after 3 s, as on OpenSSL" same timeout
check_once "ssl_session_timeout 2s: OpenSSL resumed the fresh TLS 1.2 session" contains timeout "tls1_2 at once: 1"

# 3. Four workers sharing a zone: every connection resumes, whichever worker takes it.
workers_run() {
    local port=$1 ports v
    ports=$(printf "$port,%.0s" $(seq 16))
    for v in 1.2 1.3; do echo "python $v: $($client resume "${ports%,}" $v | sed -n 1p)"; done
}
for tickets in off on; do
    on_both "workers-$tickets" 4 "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:1m; ssl_session_tickets $tickets;
$(server PORT "")" workers_run PORT
    check_once "worker_processes 4, shared zone, tickets $tickets: same resumptions as on OpenSSL" same "workers-$tickets"
    check_once "worker_processes 4, tickets $tickets: all 15 resumed on OpenSSL" contains "workers-$tickets" "python 1.2: - R R R R R R R R R R R R R R R"
done

# 4. nginx -s reload (SIGHUP): new SSL_CTXs over the same zone; stored sessions resume after.
reload_run() { # reload_run NAME PORT
    local name=$1 port=$2 v
    for v in tls1_2 tls1_3; do
        get_session "$port" $v "$tmp/r.$v"
    done
    nginx_reload "$name" || echo "reload did not finish"
    for v in tls1_2 tls1_3; do
        echo "$v after reload: $(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" -$v -sess_in "$tmp/r.$v" 2>&1 | grep -c '^Reused')"
    done
}
for keys in "ssl_session_tickets off;" "ssl_session_ticket_key $nc/ticket80.key;" ""; do
    name="reload-$(echo "$keys" | tr -dc 'a-z0-9')"
    for lib in sys ours; do
        port=$(free_port)
        nginx_start "$name-$lib" "$lib" 2 "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:1m; $keys
$(server "$port" "")" && reload_run "$name-$lib" "$port" >"$tmp/$name.$lib" 2>&1
        nginx_crashed "$name-$lib" && echo "a worker died" >>"$tmp/$name.$lib"
        nginx_stop "$name-$lib"
    done
    check_once "reload with ${keys:-default ticket keys}: same resumptions after it as on OpenSSL" same "$name"
done
check_once "reload, shared zone, tickets off: the TLS 1.2 session resumed on OpenSSL" contains "reload-sslsessionticketsoff" "tls1_2 after reload: 1"
check_once "reload, ticket key file: the TLS 1.3 ticket resumed on OpenSSL" contains "reload-sslsessionticketkey$(echo "$nc" | tr -dc 'a-z0-9')ticket80key" "tls1_3 after reload: 1"

# 5. Ticket key files: tickets cross between nginx on OpenSSL and nginx on sesscache. A has keys
# [k1, k2] (k1 encrypts), B has [k2] only.
cross_run() { # cross_run KEYS_A KEYS_B: prints resumption marks for sys/ours pairs
    local a=$1 b=$2 pa pb la lb
    for la in sys ours; do
        for lb in sys ours; do
            pa=$(free_port)
            pb=$(free_port)
            nginx_start "x-a" "$la" 1 "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; $a
$(server "$pa" "")" || echo "A on $la did not start"
            nginx_start "x-b" "$lb" 1 "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; $b
$(server "$pb" "")" || echo "B on $lb did not start"
            for v in 1.2 1.3; do
                echo "$la->$lb $v A,B,A,B: $($client resume "$pa,$pb,$pa,$pb" $v | sed -n 1p)"
                echo "$la->$lb $v B,A,A: $($client resume "$pb,$pa,$pa" $v | sed -n 1p)"
            done
            nginx_crashed x-a && echo "a worker of A died"
            nginx_crashed x-b && echo "a worker of B died"
            nginx_stop x-a
            nginx_stop x-b
        done
    done
}
for size in 80 48; do
    cross_run "ssl_session_ticket_key $nc/ticket$size.key;" "ssl_session_ticket_key $nc/ticket$size.key;" >"$tmp/cross$size.out" 2>&1
    grep '^sys->sys' "$tmp/cross$size.out" | sed 's/^sys->sys //' >"$tmp/cross$size.sys"
    for pair in sys-\>ours ours-\>sys ours-\>ours; do
        grep "^$pair" "$tmp/cross$size.out" | sed "s/^$pair //" >"$tmp/cross$size.ours"
        check_once "$size-byte ticket key, nginx $pair: tickets resume as between two nginx on OpenSSL" same "cross$size"
    done
    check_once "$size-byte ticket key: OpenSSL's nginx pair resumes every TLS 1.3 ticket" contains "cross$size" "1.3 A,B,A,B: - R R R"
done
cross_run "ssl_session_ticket_key $nc/ticket80.key; ssl_session_ticket_key $nc/ticket80b.key;" \
    "ssl_session_ticket_key $nc/ticket80b.key;" >"$tmp/multi.out" 2>&1
grep '^sys->sys' "$tmp/multi.out" | sed 's/^sys->sys //' >"$tmp/multi.sys"
for pair in sys-\>ours ours-\>sys ours-\>ours; do
    grep "^$pair" "$tmp/multi.out" | sed "s/^$pair //" >"$tmp/multi.ours"
    check_once "two keys on A (the first encrypts), the second alone on B, nginx $pair: as on OpenSSL" same multi
done
check_once "several keys: B's ticket resumes on A, A's is not B's (OpenSSL)" contains multi "1.2 B,A,A: - R R"

# 6. The ssl variables, SNI with two certificates, HTTP/2 and client certificates.
vars_run() {
    local port=$1 v name
    for v in 1.2 1.3; do
        $client resume "$port" $v | tail -n 1 | normalize
        $client resume "$port" $v --cert "$nc/client.pem" "$nc/client.key" | tail -n 1 | normalize
        $client resume "$port" $v --cert "$nc/rogue.pem" "$nc/rogue.key" | tail -n 1 | normalize
        $client resume "$port,$port" $v --sni other.test | normalize
    done
    for name in localhost other.test; do
        echo "$name: $(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername $name 2>/dev/null |
            openssl x509 -noout -subject 2>/dev/null)"
    done
    echo "h2: $(curl -sk --http2 -o /dev/null -w '%{http_version}' --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/")"
    echo "http/1.1: $(curl -sk --http1.1 -o /dev/null -w '%{http_version}' --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/")"
    curl -sk --resolve "other.test:$port:127.0.0.1" "https://other.test:$port/" | normalize
}
on_both vars 1 "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:1m;
$(server PORT "ssl_client_certificate $certs/ca.pem; ssl_verify_client optional;")
$(server PORT "ssl_client_certificate $certs/ca.pem; ssl_verify_client optional;" other.test "$nc/other.pem" "$nc/other.key")" vars_run PORT
check_once "variables, SNI, HTTP/2 and optional client certificates: same as on OpenSSL" same vars
check_once "the client certificate's DN reaches \$ssl_client_s_dn (OpenSSL)" contains vars "verify=SUCCESS dn=CN=test client,O=sesscache"
check_once "SNI picks the other certificate (OpenSSL)" contains vars "other.test: subject=CN = other.test"
check_once "HTTP/2 over ALPN (OpenSSL)" contains vars "h2: 2"

required_run() {
    local port=$1 v
    for v in 1.2 1.3; do
        $client resume "$port" $v 2>&1 | tail -n 1
        $client resume "$port" $v --cert "$nc/client.pem" "$nc/client.key" | tail -n 1 | normalize
        $client resume "$port" $v --cert "$nc/rogue.pem" "$nc/rogue.key" 2>&1 | tail -n 1
    done
}
on_both required 1 "ssl_protocols TLSv1.2 TLSv1.3;
$(server PORT "ssl_client_certificate $certs/ca.pem; ssl_verify_client on;")" required_run PORT
check_once "ssl_verify_client on: same answers as on OpenSSL (no certificate, good, untrusted)" same required
check_once "ssl_verify_client on: nginx on OpenSSL answers 400 without a certificate" contains required "400 400 No required SSL certificate was sent"
check_once "ssl_verify_client on: nginx on OpenSSL refuses the untrusted certificate" contains required "400 400 The SSL certificate error"

# 7. RSA and ECDSA certificates in one server: the client's suites and signature algorithms pick.
keytypes_run() {
    local port=$1 args
    for args in "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256" "-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384" \
        "-tls1_3 -sigalgs rsa_pss_rsae_sha256" "-tls1_3 -sigalgs ecdsa_secp256r1_sha256" "-tls1_2" "-tls1_3"; do
        # shellcheck disable=SC2086
        echo "$args: $(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" $args 2>/dev/null |
            grep -E '^(Peer signature type|    Cipher is|New, )' | tr '\n' ' ')"
    done
}
on_both keytypes 1 "ssl_protocols TLSv1.2 TLSv1.3;
$(server PORT "ssl_certificate $nc/rsa.pem; ssl_certificate_key $nc/rsa.key;")" keytypes_run PORT
check_once "RSA and ECDSA certificates together: the same certificate and suite for each client as on OpenSSL" same keytypes
check_once "RSA and ECDSA: OpenSSL serves RSA to an RSA-only TLS 1.3 client" contains keytypes "Peer signature type: RSA-PSS"

# 8. ssl_ciphers, server preference, ssl_conf_command.
ciphers_run() {
    local port=$1 args
    for args in "-tls1_2" "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305" "-tls1_3"; do
        # shellcheck disable=SC2086
        echo "$args: $(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" $args 2>/dev/null | grep -E '^New, ' | tr '\n' ' ')"
    done
}
n=0
for conf in "ssl_ciphers ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256; ssl_prefer_server_ciphers on;" \
    "ssl_ciphers HIGH:!aNULL:!MD5:+AES128; ssl_prefer_server_ciphers off;" \
    "ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256; ssl_conf_command Options ServerPreference;" \
    "ssl_conf_command Groups P-384;"; do
    n=$((n + 1))
    name=ciphers-$n
    on_both "$name" 1 "ssl_protocols TLSv1.2 TLSv1.3;
$(server PORT "$conf")" ciphers_run PORT
    check_once "$conf: same suites negotiated as on OpenSSL" same "$name"
done
check_once "ssl_prefer_server_ciphers on: OpenSSL's nginx picks its own first suite" \
    contains ciphers-1 "Cipher is ECDHE-ECDSA-CHACHA20-POLY1305"

# Accepted without effect: DH parameters (rustls has no DHE suite), OCSP stapling (not
# supported: no response is stapled). Both nginx start and serve.
on_both accepted 1 "ssl_protocols TLSv1.2 TLSv1.3;
$(server PORT "ssl_dhparam $nc/dh.pem; ssl_stapling on;")" resumptions PORT
check_once "ssl_dhparam and ssl_stapling on: nginx on sesscache starts and resumes as on OpenSSL" same accepted

# What rustls cannot express fails at start with a clear error in nginx's log (OpenSSL's nginx
# starts): CBC-only suites, signature algorithm lists.
for conf in "ssl_ciphers AES128-SHA;" "ssl_conf_command SignatureAlgorithms RSA+SHA256;"; do
    port=$(free_port)
    if nginx_start unsupported ours 1 "$(server "$port" "$conf")"; then
        check_once "$conf: nginx on sesscache refuses to start" false
    else
        check_once "$conf: nginx on sesscache stops at start with the reason in its log" \
            grep -qE "(no cipher match|bad value)" "$tmp/unsupported/error.log"
    fi
    nginx_stop unsupported
done

# 9. Malformed ClientHellos: no worker dies, and the server still answers and resumes after
# them. (Which of them get an alert before the close differs from OpenSSL's record layer in
# places; the answers are printed, not compared.)
garbage_run() {
    local port=$1
    $client garbage "$port"
    echo "then TLS 1.2: $($client resume "$port,$port" 1.2 | sed -n 1p)"
    echo "then TLS 1.3: $($client resume "$port,$port" 1.3 | sed -n 1p)"
}
on_both garbage 2 "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:1m;
$(server PORT "")" garbage_run PORT
check_once "malformed ClientHellos: no worker of nginx on sesscache died" bash -c "! grep -q 'exited on signal' '$tmp/garbage-ours/error.log'"
for lib in sys ours; do
    echo "  malformed hellos, nginx on $lib: $(grep -v '^then' "$tmp/garbage.$lib" | tr '\n' ';')"
    grep '^then' "$tmp/garbage.$lib" >"$tmp/garbage-after.$lib"
done
check_once "malformed ClientHellos: resumption works after them as on OpenSSL" same garbage-after
check_once "after them nginx on OpenSSL resumes" contains garbage-after "then TLS 1.3: - R"

summary
[ "$fail" -eq 0 ]
