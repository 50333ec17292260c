/* Eviction by real handshakes, TLS 1.2 session ids: cache size 0 (unlimited) keeps every
 * session; cache size 1 keeps one (each new session evicts the previous one, remove callback
 * under eviction, cache_full counted). Number and cache_full after each handshake, then which
 * sessions still resume. */
#include "trace.h"

static SSL_CTX *tls12_server(const char *name, long size)
{
    SSL_CTX *ctx = server_ctx();
    ctx_name(ctx, name);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    install_callbacks(ctx, 1, 0, 1);
    long prev = SSL_CTX_sess_set_cache_size(ctx, size);
    T("SSL_CTX_sess_set_cache_size(%s, %ld) -> %ld; get -> %ld", name, size, prev, SSL_CTX_sess_get_cache_size(ctx));
    return ctx;
}

static void brief(SSL_CTX *ctx)
{
    T("  %s: number=%ld cache_full=%ld", C(ctx), SSL_CTX_sess_number(ctx), SSL_CTX_sess_cache_full(ctx));
}

int main(void)
{
    SSL_CTX *client = client_ctx();
    ctx_name(client, "client");
    SSL_CTX *unl = tls12_server("size0", 0);
    SSL_CTX *one = tls12_server("size1", 1);
    SSL_SESSION *c[16] = { 0 };
    int n = 0;
    char what[64];

    for (int i = 0; i < 5; i++) {
        snprintf(what, sizeof what, "size0 #%d (full)", i + 1);
        c[n++] = connection(what, unl, client, NULL, 1);
        brief(unl);
    }
    c[n++] = connection("size0 (resume the first)", unl, client, c[0], 1);
    c[n++] = connection("size0 (resume the fourth)", unl, client, c[3], 1);
    counters(unl);

    int first1 = n;
    for (int i = 0; i < 4; i++) {
        snprintf(what, sizeof what, "size1 #%d (full)", i + 1);
        c[n++] = connection(what, one, client, NULL, 1);
        brief(one);
    }
    SSL_SESSION *latest = c[n - 1];
    c[n++] = connection("size1 (resume the latest)", one, client, latest, 1);
    brief(one);
    c[n++] = connection("size1 (resume the first: evicted)", one, client, c[first1], 1);
    brief(one);
    counters(one);
    counters(client);

    T("SSL_CTX_free(size0)");
    SSL_CTX_free(unl);
    T("SSL_CTX_free(size1)");
    SSL_CTX_free(one);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
