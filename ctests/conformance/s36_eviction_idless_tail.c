/* Eviction with a session without an id at the tail, TLS 1.2 session ids, cache size 3 (holds
 * two). A bare SSL_SESSION_new (no id, timeout 304: the earliest expiry) is added by hand; once it
 * is the tail of the expiry order, eviction cannot remove it (OpenSSL 3.0: the eviction loop
 * stops, CVE-2024-2511's mechanism) and the cache grows past its size with each handshake.
 * SSL_CTX_remove_session cannot remove it either (-> 0, no callback); a flush at a time past its
 * expiry (relative to its own time) can, after which the next handshake evicts down to two.
 * Number and cache_full after each step. */
#include "trace.h"

static void brief(SSL_CTX *ctx)
{
    T("  %s: number=%ld cache_full=%ld", C(ctx), SSL_CTX_sess_number(ctx), SSL_CTX_sess_cache_full(ctx));
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);
    long prev = SSL_CTX_sess_set_cache_size(server, 3);
    T("SSL_CTX_sess_set_cache_size(server, 3) -> %ld", prev);
    SSL_SESSION *c[16] = { 0 };
    int n = 0;
    char what[64];

    c[n++] = connection("1 (full)", server, client, NULL, 1);
    c[n++] = connection("2 (full)", server, client, NULL, 1);
    brief(server);

    SSL_SESSION *bare = SSL_SESSION_new();
    long ref = SSL_SESSION_get_time(bare);
    T("SSL_CTX_add_session(server, session without id %s, timeout %ld)", S(bare), SSL_SESSION_get_timeout(bare));
    int r = SSL_CTX_add_session(server, bare);
    T("  -> %d", r);
    brief(server);
    for (int i = 0; i < 3; i++) {
        snprintf(what, sizeof what, "%d (full, id-less entry cached)", n + 1);
        c[n++] = connection(what, server, client, NULL, 1);
        brief(server);
    }
    SSL_SESSION *latest = c[n - 1];
    c[n++] = connection("resume the latest", server, client, latest, 1);
    c[n++] = connection("resume the second", server, client, c[1], 1);
    counters(server);

    T("SSL_CTX_remove_session(server, session without id)");
    r = SSL_CTX_remove_session(server, bare);
    T("  -> %d; resumable=%d", r, resumable(bare));
    brief(server);
    T("SSL_CTX_add_session(server, session without id) again -> %d", SSL_CTX_add_session(server, bare));
    brief(server);

    T("SSL_CTX_flush_sessions(server, its time + 305)");
    SSL_CTX_flush_sessions(server, ref + 305);
    brief(server);
    c[n++] = connection("after the flush (full)", server, client, NULL, 1);
    brief(server);
    counters(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(bare);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    SSL_CTX_free(client);
    return 0;
}
