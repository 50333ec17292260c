#!/usr/bin/env bash
# Every function the C API promises is exported by the shared library, and a program that uses
# only those functions compiles with -Iinclude and links with -lsesscache.
# Usage: check_exports.sh <libdir>
set -u
libdir=${1:-target/debug}
lib="$libdir/libsesscache.so"
required="
TLS_method TLS_server_method TLS_client_method
SSL_CTX_new SSL_CTX_up_ref SSL_CTX_free SSL_new SSL_free SSL_clear SSL_get_SSL_CTX
SSL_SESSION_new SSL_SESSION_up_ref SSL_SESSION_free SSL_SESSION_dup SSL_SESSION_get_id
SSL_SESSION_set1_id SSL_SESSION_get0_id_context SSL_SESSION_set1_id_context
SSL_SESSION_get_time SSL_SESSION_set_time SSL_SESSION_get_timeout SSL_SESSION_set_timeout
SSL_SESSION_is_resumable SSL_SESSION_get_protocol_version SSL_SESSION_set_protocol_version
SSL_CTX_sess_set_new_cb SSL_CTX_sess_set_remove_cb SSL_CTX_sess_set_get_cb
SSL_CTX_sess_get_new_cb SSL_CTX_sess_get_remove_cb SSL_CTX_sess_get_get_cb
SSL_CTX_ctrl SSL_CTX_set_timeout SSL_CTX_get_timeout SSL_CTX_add_session
SSL_CTX_remove_session SSL_CTX_flush_sessions SSL_CTX_set_session_id_context
SSL_set_session_id_context SSL_has_matching_session_id SSL_set_session SSL_get_session
SSL_get1_session SSL_session_reused SSL_set_shutdown SSL_get_shutdown
SSL_set_quiet_shutdown SSL_get_quiet_shutdown
SSL_CTX_get_ex_new_index SSL_get_ex_new_index SSL_CTX_set_ex_data SSL_CTX_get_ex_data
SSL_set_ex_data SSL_get_ex_data i2d_SSL_SESSION d2i_SSL_SESSION
SSL_CTX_use_certificate_chain_file SSL_CTX_use_certificate_file SSL_CTX_use_PrivateKey_file
SSL_CTX_check_private_key SSL_CTX_set_verify SSL_CTX_load_verify_locations
SSL_CTX_set_options SSL_CTX_clear_options SSL_CTX_get_options SSL_set_options SSL_clear_options
SSL_get_options SSL_CTX_set_num_tickets SSL_CTX_get_num_tickets SSL_set_fd SSL_set_rfd SSL_set_wfd
SSL_get_fd SSL_set_connect_state SSL_set_accept_state SSL_connect SSL_accept SSL_do_handshake
SSL_read SSL_write SSL_pending SSL_shutdown SSL_get_error SSL_version SSL_get_version SSL_is_server
SSL_in_init SSL_is_init_finished SSL_ctrl SSL_get_servername SSL_get_current_cipher
SSL_CIPHER_get_name ERR_get_error ERR_peek_error ERR_clear_error ERR_error_string_n
"
pass=0
fail=0
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }')
for f in $required; do
    if printf '%s\n' "$exported" | grep -qx "$f"; then
        pass=$((pass + 1))
    else
        echo "FAIL $f is not exported by $lib"
        fail=$((fail + 1))
    fi
done
# Every function the header declares is exported too.
for f in $(grep -vE '^(typedef|#|//| )' include/openssl/ssl.h \
           | grep -oE '[ *(](SSL|TLS|i2d|d2i|CRYPTO)[A-Za-z0-9_]*\(' | tr -d ' *(' | sort -u); do
    if printf '%s\n' "$exported" | grep -qx "$f"; then
        pass=$((pass + 1))
    else
        echo "FAIL $f is declared in include/openssl/ssl.h but not exported"
        fail=$((fail + 1))
    fi
done
# The macros and every listed function compile unchanged against the header and link.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
    echo '#include <openssl/ssl.h>'
    echo '#include <stdio.h>'
    echo 'int main(void) {'
    echo '  SSL_CTX *ctx = SSL_CTX_new(TLS_method()); SSL *ssl = SSL_new(ctx);'
    echo '  long v = SSL_CTX_sess_number(ctx) + SSL_CTX_sess_connect(ctx) + SSL_CTX_sess_connect_good(ctx)'
    echo '    + SSL_CTX_sess_connect_renegotiate(ctx) + SSL_CTX_sess_accept(ctx) + SSL_CTX_sess_accept_good(ctx)'
    echo '    + SSL_CTX_sess_accept_renegotiate(ctx) + SSL_CTX_sess_hits(ctx) + SSL_CTX_sess_cb_hits(ctx)'
    echo '    + SSL_CTX_sess_misses(ctx) + SSL_CTX_sess_timeouts(ctx) + SSL_CTX_sess_cache_full(ctx)'
    echo '    + SSL_CTX_sess_set_cache_size(ctx, 10) + SSL_CTX_sess_get_cache_size(ctx)'
    echo '    + SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_BOTH) + SSL_CTX_get_session_cache_mode(ctx);'
    echo '  SSL_set_app_data(ssl, ctx); SSL_CTX_set_app_data(ctx, ssl);'
    echo '  SSL_SESSION *s = SSL_get0_session(ssl);'
    echo '  printf("%ld %d %p %p %d\n", v, SSL_cache_hit(ssl), SSL_get_app_data(ssl), SSL_CTX_get_app_data(ctx), s == NULL);'
    echo '  SSL_free(ssl); SSL_CTX_free(ctx); return 0; }'
} > "$tmp/uses_macros.c"
if cc -std=c11 -Wall -Wextra -Werror -Iinclude "$tmp/uses_macros.c" -o "$tmp/uses_macros" -L"$libdir" -Wl,-rpath,"$(cd "$libdir" && pwd)" -lsesscache \
   && "$tmp/uses_macros" >/dev/null; then
    pass=$((pass + 1))
else
    echo "FAIL a program using the header macros does not compile, link or run"
    fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
