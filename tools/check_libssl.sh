#!/usr/bin/env bash
# Checks the drop-in library: SONAME libssl.so.3, every exported symbol versioned
# OPENSSL_3.0.0, nothing else exported, and no dependency on a libssl. Ends with
# "N passed, N failed". Usage: check_libssl.sh DIR (holding libssl.so.3 and exported.txt)
set -u
dir=${1:-build/libssl}
lib=$dir/libssl.so.3
pass=0
fail=0
check() {
    if eval "$2"; then
        echo "ok   $1"
        pass=$((pass + 1))
    else
        echo "FAIL $1"
        fail=$((fail + 1))
    fi
}
defined=$(objdump -T "$lib" | awk '$4 != "*UND*" && ($3 == "DF" || $3 == "DO" || $2 == "g") && NF >= 7 { print $(NF-1), $NF }')
check "SONAME is libssl.so.3" '[ "$(readelf -d "$lib" | sed -n "s/.*Library soname: \[\(.*\)\]/\1/p")" = libssl.so.3 ]'
check "every exported symbol is versioned OPENSSL_3.0.0" \
    '[ -z "$(printf "%s\n" "$defined" | awk "\$1 != \"OPENSSL_3.0.0\"" | grep -v "^$")" ]'
check "exactly the listed functions are exported" \
    '[ "$(printf "%s\n" "$defined" | awk "{print \$2}" | grep -v "^OPENSSL_3.0.0$" | sort -u)" = "$(sort -u "$dir/exported.txt")" ]'
check "the version node OPENSSL_3.0.0 is defined" 'readelf -V "$lib" | grep -q "Name: OPENSSL_3.0.0"'
check "it does not depend on a libssl" '! readelf -d "$lib" | grep NEEDED | grep -q libssl'
# The promised list is committed: a function that is no longer implemented would vanish from
# the library and from exported.txt alike.
promised=$(grep -v '^#' "$(dirname "$0")/libssl_exports.txt" | sort -u)
actual=$(printf "%s\n" "$defined" | awk '{print $2}' | grep -v "^OPENSSL_3.0.0$" | sort -u)
missing=$(comm -23 <(printf '%s\n' "$promised") <(printf '%s\n' "$actual") | tr '\n' ' ')
extra=$(comm -13 <(printf '%s\n' "$promised") <(printf '%s\n' "$actual") | tr '\n' ' ')
check "every function in tools/libssl_exports.txt is exported${missing:+ (missing: $missing)}" '[ -z "$missing" ]'
check "nothing beyond tools/libssl_exports.txt is exported${extra:+ (new: $extra; add them to the list)}" '[ -z "$extra" ]'
check "the session-cache API is exported" \
    '(for f in SSL_CTX_sess_set_new_cb SSL_CTX_sess_set_get_cb SSL_CTX_sess_set_remove_cb SSL_CTX_ctrl SSL_CTX_add_session SSL_accept d2i_SSL_SESSION OPENSSL_init_ssl; do grep -qx "$f" "$dir/exported.txt" || exit 1; done)'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
