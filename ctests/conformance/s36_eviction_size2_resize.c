/* Eviction by real handshakes, TLS 1.2 session ids, cache size 2 (which holds one session), then
 * the size changed while sessions are cached: grown to 4 (holds three), shrunk back to 2 (nothing
 * happens until the next add, a resumption adds nothing, the next full handshake evicts down to
 * one), and a rejected negative size. Finally a session without an id (SSL_SESSION_new, timeout
 * 304: the earliest expiry) is added by hand: once it is the tail, eviction cannot remove it and
 * the cache grows past its size. Number and cache_full after each handshake. */
#include "trace.h"

static void brief(SSL_CTX *ctx)
{
    T("  %s: number=%ld cache_full=%ld", C(ctx), SSL_CTX_sess_number(ctx), SSL_CTX_sess_cache_full(ctx));
}

static void set_size(SSL_CTX *ctx, long size)
{
    long prev = SSL_CTX_sess_set_cache_size(ctx, size);
    T("SSL_CTX_sess_set_cache_size(%s, %ld) -> %ld; get -> %ld; number=%ld", C(ctx), size, prev,
      SSL_CTX_sess_get_cache_size(ctx), SSL_CTX_sess_number(ctx));
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);
    SSL_SESSION *c[32] = { 0 };
    int n = 0;
    char what[64];

    set_size(server, 2);
    for (int i = 0; i < 3; i++) {
        snprintf(what, sizeof what, "size2 #%d (full)", i + 1);
        c[n++] = connection(what, server, client, NULL, 1);
        brief(server);
    }
    SSL_SESSION *latest = c[n - 1];
    c[n++] = connection("size2 (resume the latest)", server, client, latest, 1);
    brief(server);

    set_size(server, 4);
    for (int i = 0; i < 4; i++) {
        snprintf(what, sizeof what, "size4 #%d (full)", i + 1);
        c[n++] = connection(what, server, client, NULL, 1);
        brief(server);
    }

    set_size(server, -1);
    set_size(server, 2);
    latest = c[n - 1];
    c[n++] = connection("size2 again (resume the latest)", server, client, latest, 1);
    brief(server);
    c[n++] = connection("size2 again (full)", server, client, NULL, 1);
    brief(server);
    c[n++] = connection("size2 again (full)", server, client, NULL, 1);
    brief(server);
    counters(server);
    counters(client);

    SSL_SESSION *bare = SSL_SESSION_new();
    T("SSL_CTX_add_session(server, session without id %s, timeout %ld)", S(bare), SSL_SESSION_get_timeout(bare));
    int r = SSL_CTX_add_session(server, bare);
    T("  -> %d", r);
    brief(server);
    for (int i = 0; i < 3; i++) {
        snprintf(what, sizeof what, "after the id-less add #%d (full)", i + 1);
        c[n++] = connection(what, server, client, NULL, 1);
        brief(server);
    }
    latest = c[n - 1];
    c[n++] = connection("resume the latest", server, client, latest, 1);
    counters(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(bare);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    SSL_CTX_free(client);
    return 0;
}
