# Sourced by tests/apache/run.sh, load.sh and bench/apache.sh: Debian 12's Apache httpd
# (apache2-bin, unmodified, extracted from its package: no service is ever started), memcached
# (likewise), and helpers that run an instance on the system OpenSSL ("sys") or on the drop-in
# ("ours"). Needs: build (the build directory), tmp (a scratch directory), pids (an array).

# apache_binary: the apache2 binary, extracted from Debian's package into $build/apache on first
# use; the libraries it needs are installed when missing (libraries only, no service).
apache_binary() {
    local dir=$build/apache bin=$build/apache/usr/sbin/apache2
    extract_package apache2-bin "$dir" || return 1
    if ldd "$bin" "$dir/usr/lib/apache2/modules/mod_ssl.so" | grep -q "not found"; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libapr1 libaprutil1 >/dev/null 2>&1
    fi
    echo "$bin"
}

# memcached_binary: memcached from its package, extracted likewise (never started as a service).
memcached_binary() {
    local dir=$build/memcached bin=$build/memcached/usr/bin/memcached
    extract_package memcached "$dir" || return 1
    if ldd "$bin" | grep -q "not found"; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libevent-2.1-7 libsasl2-2 >/dev/null 2>&1
    fi
    echo "$bin"
}

# extract_package PACKAGE DIR: apt-get download + dpkg-deb -x, once.
extract_package() {
    local pkg=$1 dir=$2
    [ -f "$dir/.extracted" ] && return 0
    mkdir -p "$dir/deb"
    if ! (cd "$dir/deb" && apt-get download "$pkg" >/dev/null 2>&1); then
        apt-get update -qq >/dev/null 2>&1
        (cd "$dir/deb" && apt-get download "$pkg" >/dev/null 2>&1) || {
            echo "extract_package: apt-get download $pkg failed" >&2
            return 1
        }
    fi
    dpkg-deb -x "$dir"/deb/"$pkg"_*.deb "$dir" && touch "$dir/.extracted"
}

# apache_start NAME LIB MPM BODY: Apache with the MPM (event or prefork) and BODY (Listen lines,
# SSLSessionCache, virtual hosts) in $tmp/NAME, on the system libssl (sys) or the drop-in (ours);
# waits until it serves. DocumentRoot holds index.html ("hello NAME").
apache_start() {
    local name=$1 lib=$2 mpm=$3 body=$4 dir=$tmp/$1 m=$apache_modules
    rm -rf "$dir"
    mkdir -p "$dir/htdocs"
    # The same page on both libraries (NAME-sys and NAME-ours).
    echo "hello ${name%-*}" >"$dir/htdocs/index.html"
    chmod 755 "$tmp" "$dir" "$dir/htdocs"
    chmod 644 "$dir/htdocs/index.html"
    local mpm_conf="StartServers 2
ServerLimit 16
MinSpareThreads 2
MaxSpareThreads 64
ThreadsPerChild 8"
    [ "$mpm" = prefork ] && mpm_conf="StartServers 4
MinSpareServers 2
MaxSpareServers 8
MaxRequestWorkers 16"
    cat >"$dir/httpd.conf" <<EOC
ServerRoot $dir
PidFile $dir/httpd.pid
ErrorLog $dir/error.log
LogLevel info
Mutex file:$dir default
DefaultRuntimeDir $dir
User nobody
Group nogroup
ServerName localhost
LoadModule mpm_${mpm}_module $m/mod_mpm_${mpm}.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule dir_module $m/mod_dir.so
LoadModule headers_module $m/mod_headers.so
LoadModule socache_shmcb_module $m/mod_socache_shmcb.so
LoadModule socache_redis_module $m/mod_socache_redis.so
LoadModule socache_memcache_module $m/mod_socache_memcache.so
LoadModule ssl_module $m/mod_ssl.so
$mpm_conf
KeepAlive Off
DocumentRoot $dir/htdocs
DirectoryIndex index.html
<Directory $dir/htdocs>
    Require all granted
</Directory>
$body
EOC
    apache_ctl "$name" "$lib" start 2>"$dir/stderr" || return 1
    for _ in $(seq 100); do
        grep -q "resuming normal operations" "$dir/error.log" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# apache_ctl NAME LIB start|stop|graceful: apache2 -k, with the instance's library.
apache_ctl() {
    local dir=$tmp/$1
    if [ "$2" = ours ]; then
        LD_LIBRARY_PATH=$build/libssl "$apache" -d "$dir" -f "$dir/httpd.conf" -k "$3"
    else
        "$apache" -d "$dir" -f "$dir/httpd.conf" -k "$3"
    fi
}

# apache_stop NAME LIB: stops it and waits until the parent is gone.
apache_stop() {
    local dir=$tmp/$1 pid
    pid=$(cat "$dir/httpd.pid" 2>/dev/null) || return 0
    apache_ctl "$1" "$2" stop 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null
}

# apache_graceful NAME LIB: a graceful restart; waits for the new generation to serve.
apache_graceful() {
    local dir=$tmp/$1 before
    before=$(grep -c "resuming normal operations" "$dir/error.log")
    apache_ctl "$1" "$2" graceful 2>/dev/null || return 1
    for _ in $(seq 100); do
        [ "$(grep -c "resuming normal operations" "$dir/error.log")" -gt "$before" ] && sleep 0.3 && return 0
        sleep 0.05
    done
    return 1
}

# apache_crashed NAME: true if a child of NAME died on a signal.
apache_crashed() {
    grep -qE "exit signal (Segmentation|Aborted|Bus)|seg fault" "$tmp/$1/error.log" 2>/dev/null
}

# vhost PORT [EXTRA] [NAME CERT KEY]: an SSL virtual host.
vhost() {
    local port=$1 extra=${2:-} name=${3:-localhost} cert=${4:-$build/certs/server.pem} key=${5:-$build/certs/server.key}
    cat <<EOV
<VirtualHost 127.0.0.1:$port>
    ServerName $name
    SSLEngine on
    SSLCertificateFile $cert
    SSLCertificateKeyFile $key
    $extra
</VirtualHost>
EOV
}

# redis_start: a real redis-server on 127.0.0.1:$redis_port (no persistence), its pid in
# redis_pid and in pids; waits until it answers. Fails if it does not.
redis_start() {
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        >>"$tmp/redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    for _ in $(seq 50); do
        [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.1
    done
    return 1
}

# apache_kill_all: stops every instance still running in $tmp (at exit).
apache_kill_all() {
    local d
    for d in "$tmp"/*/httpd.pid; do
        [ -f "$d" ] && kill "$(cat "$d")" 2>/dev/null
    done
    return 0
}
