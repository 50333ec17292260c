# Sourced by tests/nginx/run.sh and load.sh, and by bench/nginx.sh: Debian 12's nginx
# (unmodified, extracted from its package: no service is ever started), test certificates, and
# helpers that run an instance on the system OpenSSL ("sys") or on the drop-in ("ours").
# Needs: build (the build directory), tmp (a scratch directory), pids (an array).

# The nginx binary, extracted from Debian's package into $build/nginx on first use; the
# libraries it needs are installed when missing (libraries only).
nginx_binary() {
    local dir=$build/nginx bin=$build/nginx/usr/sbin/nginx
    if [ ! -x "$bin" ]; then
        mkdir -p "$dir/deb"
        if ! (cd "$dir/deb" && apt-get download nginx >/dev/null 2>&1); then
            apt-get update -qq >/dev/null 2>&1
            (cd "$dir/deb" && apt-get download nginx >/dev/null 2>&1) || {
                echo "nginx_binary: apt-get download nginx failed" >&2
                return 1
            }
        fi
        dpkg-deb -x "$dir"/deb/nginx_*.deb "$dir" || return 1
    fi
    if ldd "$bin" | grep -q "not found"; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpcre2-8-0 libcrypt1 zlib1g >/dev/null 2>&1
    fi
    echo "$bin"
}

# Test certificates in $build/nginx-certs: an RSA certificate for localhost, an ECDSA one for
# other.test, a client certificate from the test CA and a self-signed ("rogue") one.
nginx_certs() {
    local d=$build/nginx-certs ca=$build/certs
    [ -f "$d/done" ] && return 0
    mkdir -p "$d"
    (
        cd "$d" || exit 1
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout rsa.key -out rsa.csr 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >srv.ext
        openssl x509 -req -in rsa.csr -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -days 3650 \
            -extfile srv.ext -out rsa.pem 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=other.test" \
            -keyout other.key -out other.csr 2>/dev/null
        printf 'subjectAltName=DNS:other.test\nbasicConstraints=CA:FALSE\n' >other.ext
        openssl x509 -req -in other.csr -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -days 3650 \
            -extfile other.ext -out other.pem 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=sesscache/CN=test client" \
            -keyout client.key -out client.csr 2>/dev/null
        printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' >client.ext
        openssl x509 -req -in client.csr -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -days 3650 \
            -extfile client.ext -out client.pem 2>/dev/null
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
            -subj "/CN=rogue client" -keyout rogue.key -out rogue.pem 2>/dev/null
        openssl dhparam -dsaparam -out dh.pem 2048 2>/dev/null
        head -c 80 /dev/urandom >ticket80.key
        head -c 48 /dev/urandom >ticket48.key
        head -c 80 /dev/urandom >ticket80b.key
        rm -f ./*.csr ./*.ext ./*.srl
    ) && touch "$d/done"
}

# nginx_start NAME LIB WORKERS HTTP_BODY: runs nginx (master and WORKERS workers) with the given
# http{} contents in $tmp/NAME, on the system libssl (LIB=sys) or the drop-in (LIB=ours), and
# waits until every worker has started. Each server block listens where the caller wrote it.
nginx_start() {
    local name=$1 lib=$2 workers=$3 body=$4 dir=$tmp/$1 n
    rm -rf "$dir"
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
$body
}
EOF
    if [ "$lib" = ours ]; then
        LD_LIBRARY_PATH=$build/libssl "$nginx" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" 2>"$dir/stderr" &
    else
        "$nginx" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" 2>"$dir/stderr" &
    fi
    echo $! >"$dir/master.pid"
    pids+=($!)
    for _ in $(seq 100); do
        n=$(grep -c "start worker process " "$dir/error.log" 2>/dev/null)
        [ "${n:-0}" -ge "$workers" ] && return 0
        kill -0 "$(cat "$dir/master.pid")" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

nginx_stop() {
    local pid
    pid=$(cat "$tmp/$1/master.pid" 2>/dev/null) || return 0
    kill -QUIT "$pid" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null
}

# nginx_reload NAME: SIGHUP, then waits until the old workers are gone and the new ones run.
nginx_reload() {
    local dir=$tmp/$1 before
    before=$(grep -c "start worker process " "$dir/error.log")
    kill -HUP "$(cat "$dir/master.pid")"
    for _ in $(seq 100); do
        [ "$(grep -c "start worker process " "$dir/error.log")" -gt "$before" ] && sleep 0.3 && return 0
        sleep 0.05
    done
    return 1
}

# nginx_crashed NAME: true if a worker of NAME died on a signal.
nginx_crashed() {
    grep -q "exited on signal" "$tmp/$1/error.log" 2>/dev/null
}
