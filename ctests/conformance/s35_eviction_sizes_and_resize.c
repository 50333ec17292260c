/* Eviction by real handshakes, TLS 1.2 session ids, remove callback traced (called during the
 * eviction), number and cache_full after each handshake:
 *   size0  cache size 0 (unlimited): every session stays;
 *   size1  cache size 1: holds one, each new session evicts the previous one;
 *   size2  cache size 2: holds one as well; then the size changed while sessions are cached:
 *          grown to 4 (holds three), a rejected negative size, shrunk back to 2 (nothing happens
 *          until the next add, a resumption adds nothing, the next full handshake evicts down to
 *          one). Then which sessions still resume. */
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

static void set_size(SSL_CTX *ctx, long size)
{
    long prev = SSL_CTX_sess_set_cache_size(ctx, size);
    T("SSL_CTX_sess_set_cache_size(%s, %ld) -> %ld; get -> %ld; number=%ld", C(ctx), size, prev,
      SSL_CTX_sess_get_cache_size(ctx), SSL_CTX_sess_number(ctx));
}

int main(void)
{
    SSL_CTX *client = client_ctx();
    ctx_name(client, "client");
    SSL_CTX *unl = tls12_server("size0", 0);
    SSL_CTX *one = tls12_server("size1", 1);
    SSL_CTX *two = tls12_server("size2", 2);
    SSL_SESSION *c[48] = { 0 };
    int n = 0;
    char what[64];

    T("-- size 0");
    for (int i = 0; i < 5; i++) {
        snprintf(what, sizeof what, "size0 #%d (full)", i + 1);
        c[n++] = connection(what, unl, client, NULL, 1);
        brief(unl);
    }
    c[n++] = connection("size0 (resume the first)", unl, client, c[0], 1);
    c[n++] = connection("size0 (resume the fourth)", unl, client, c[3], 1);
    counters(unl);

    T("-- size 1");
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

    T("-- size 2, then resized");
    for (int i = 0; i < 3; i++) {
        snprintf(what, sizeof what, "size2 #%d (full)", i + 1);
        c[n++] = connection(what, two, client, NULL, 1);
        brief(two);
    }
    latest = c[n - 1];
    c[n++] = connection("size2 (resume the latest)", two, client, latest, 1);
    brief(two);
    set_size(two, 4);
    for (int i = 0; i < 4; i++) {
        snprintf(what, sizeof what, "size4 #%d (full)", i + 1);
        c[n++] = connection(what, two, client, NULL, 1);
        brief(two);
    }
    set_size(two, -1);
    set_size(two, 2);
    latest = c[n - 1];
    c[n++] = connection("size2 again (resume the latest)", two, client, latest, 1);
    brief(two);
    c[n++] = connection("size2 again (full)", two, client, NULL, 1);
    brief(two);
    c[n++] = connection("size2 again (full)", two, client, NULL, 1);
    brief(two);
    counters(two);
    counters(client);

    T("SSL_CTX_free(size0)");
    SSL_CTX_free(unl);
    T("SSL_CTX_free(size1)");
    SSL_CTX_free(one);
    T("SSL_CTX_free(size2)");
    SSL_CTX_free(two);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    SSL_CTX_free(client);
    return 0;
}
