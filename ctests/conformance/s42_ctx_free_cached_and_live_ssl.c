/* SSL_CTX_free with sessions cached, TLS 1.2 session ids. Context A: freed with three sessions
 * cached and no SSL alive: the remove callback runs for each (earliest expiry first) and the
 * objects the application keeps become non-resumable. Context B: freed while one of its server
 * SSLs (a resumed connection) is still alive: nothing happens until that SSL is freed (without
 * shutdown: its own session is removed first, then the context flushes the rest). The kept, now
 * non-resumable, server object is then added to a third context and resumes there. */
#include "trace.h"

static SSL_CTX *tls12_server(const char *name)
{
    SSL_CTX *ctx = server_ctx();
    ctx_name(ctx, name);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    install_callbacks(ctx, 1, 0, 1);
    return ctx;
}

int main(void)
{
    SSL_CTX *a = tls12_server("A"), *b = tls12_server("B"), *client = client_ctx();
    ctx_name(client, "client");
    new_cb_return = 1;
    SSL_SESSION *c[16] = { 0 };
    int n = 0;

    c[n++] = connection("A1 (full)", a, client, NULL, 1);
    c[n++] = connection("A2 (full)", a, client, NULL, 1);
    c[n++] = connection("A3 (full)", a, client, NULL, 1);
    counters(a);
    T("SSL_CTX_free(A), no SSL alive");
    SSL_CTX_free(a);
    for (int i = 0; i < 3; i++)
        T("  kept server object %s resumable=%d; client copy %s resumable=%d", S(kept[i]), resumable(kept[i]),
          S(c[i]), resumable(c[i]));

    c[n++] = connection("B1 (full)", b, client, NULL, 1);
    c[n++] = connection("B2 (full)", b, client, NULL, 1);
    SSL_SESSION *b1 = c[4]; /* the later one: an unclean free removes it before the flush */
    T("connection B3 (resume %s), kept open", S(b1));
    struct pair p = pair_new(b, client, b1);
    int ok = pair_handshake(&p);
    T("  handshake %s; reused server=%d", ok ? "ok" : "failed", SSL_session_reused(p.server));
    counters(b);
    T("SSL_CTX_free(B), its server SSL still alive");
    SSL_CTX_free(b);
    SSL_CTX *live = SSL_get_SSL_CTX(p.server);
    T("  SSL_get_SSL_CTX(server SSL) is %s", C(live));
    counters(live);
    T("  B's cached %s resumable=%d", S(kept[4]), resumable(kept[4]));
    int r = SSL_shutdown(p.client);
    T("SSL_shutdown(client) -> %d", r);
    T("SSL_free(client)");
    SSL_free(p.client);
    T("SSL_free(server) without SSL_shutdown: the last reference to B");
    SSL_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);
    for (int i = 3; i < 5; i++)
        T("  kept server object %s resumable=%d", S(kept[i]), resumable(kept[i]));

    /* The non-resumable object, added to a fresh context. */
    SSL_CTX *d = tls12_server("D");
    T("SSL_CTX_add_session(D, A's freed %s) -> %d", S(kept[1]), SSL_CTX_add_session(d, kept[1]));
    T("  %s resumable=%d", S(kept[1]), resumable(kept[1]));
    counters(d);
    c[n++] = connection("D1 (offer the client copy)", d, client, c[1], 1);
    counters(d);

    T("SSL_CTX_free(D)");
    SSL_CTX_free(d);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
