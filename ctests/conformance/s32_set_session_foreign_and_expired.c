/* SSL_set_session on the client, TLS 1.2 session ids: a session made by another server context
 * (foreign: A's session offered to B, whose cache does not hold it), and expired sessions: the
 * client's copy aged past its timeout (the TLS 1.2 client does not check expiry, the server's entry
 * is still fresh), then the server's cached entry aged (expired at lookup). Return values of
 * SSL_set_session are traced. */
#include "trace.h"

static SSL_SESSION *connect_with(const char *what, SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer)
{
    T("connection %s: SSL_set_session(client, %s)", what, S(offer));
    struct pair p = pair_new(sctx, cctx, NULL);
    int r = SSL_set_session(p.client, offer);
    T("  -> %d; SSL_get_session(client) is the offered object: %s", r,
      SSL_get_session(p.client) == offer ? "yes" : "no");
    int ok = pair_handshake(&p);
    T("  handshake %s", ok ? "ok" : "failed");
    if (ok) {
        if (!pair_exchange(&p))
            T("  data exchange failed");
        T("  reused server=%d client=%d version=%x", SSL_session_reused(p.server), SSL_session_reused(p.client),
          (unsigned)SSL_version(p.server));
    }
    SSL_SESSION *s = SSL_get1_session(p.client);
    T("  client session %s resumable=%d (same object as offered: %s); server session %s", S(s), resumable(s),
      s == offer ? "yes" : "no", S(SSL_get_session(p.server)));
    pair_close(&p, 1);
    return s;
}

static SSL_CTX *tls12_server(const char *name)
{
    SSL_CTX *ctx = server_ctx();
    ctx_name(ctx, name);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    install_callbacks(ctx, 1, 1, 1);
    return ctx;
}

int main(void)
{
    SSL_CTX *a = tls12_server("A"), *b = tls12_server("B"), *client = client_ctx();
    ctx_name(client, "client");
    new_cb_return = 1;
    get_mode = GET_NONE;

    SSL_SESSION *ca = connect_with("1 (A, full)", a, client, NULL);
    SSL_SESSION *ka = kept[0];
    SSL_SESSION *cb = connect_with("2 (B, full)", b, client, NULL);
    counters(a);
    counters(b);
    counters(client);

    /* Foreign: A's session offered to B. */
    SSL_SESSION *c3 = connect_with("3 (B, offered A's session)", b, client, ca);
    counters(b);
    counters(client);
    T("A's session: client copy resumable=%d, A's cached object resumable=%d", resumable(ca), resumable(ka));
    SSL_SESSION *c4 = connect_with("4 (A, offered A's session)", a, client, ca);
    counters(a);
    /* B's session offered to A. */
    SSL_SESSION *c5 = connect_with("5 (A, offered B's session)", a, client, cb);
    counters(a);
    counters(client);

    /* The client's copy expired; the server's entry still fresh. */
    long t = SSL_SESSION_get_time(ca) - SSL_SESSION_get_timeout(ca) - 100;
    T("client copy %s: SSL_SESSION_set_time(time - timeout - 100) returned t: %s", S(ca),
      SSL_SESSION_set_time(ca, t) == t ? "yes" : "no");
    T("client copy resumable=%d", resumable(ca));
    SSL_SESSION *c6 = connect_with("6 (A, offered the expired client copy)", a, client, ca);
    counters(a);
    counters(client);

    /* The server's cached entry expired as well. */
    t = SSL_SESSION_get_time(ka) - SSL_SESSION_get_timeout(ka) - 100;
    T("A's cached %s: SSL_SESSION_set_time(time - timeout - 100) returned t: %s", S(ka),
      SSL_SESSION_set_time(ka, t) == t ? "yes" : "no");
    SSL_SESSION *c7 = connect_with("7 (A, offered the expired session, server entry expired)", a, client, ca);
    counters(a);
    counters(client);
    T("A's cached object resumable=%d, client copy resumable=%d", resumable(ka), resumable(ca));
    SSL_SESSION *c8 = connect_with("8 (A, offered it once more)", a, client, ca);
    counters(a);

    /* NULL clears the session. */
    T("connection 9: SSL_set_session(client, %s) then SSL_set_session(client, NULL)", S(c8));
    struct pair p = pair_new(a, client, c8);
    int r = SSL_set_session(p.client, NULL);
    T("  SSL_set_session(client, NULL) -> %d; SSL_get_session(client) %s", r, S(SSL_get_session(p.client)));
    T("  handshake %s", pair_handshake(&p) ? "ok" : "failed");
    T("  reused server=%d client=%d", SSL_session_reused(p.server), SSL_session_reused(p.client));
    pair_close(&p, 1);
    counters(a);

    T("SSL_CTX_free(A)");
    SSL_CTX_free(a);
    T("SSL_CTX_free(B)");
    SSL_CTX_free(b);
    SSL_SESSION *all[] = { ca, cb, c3, c4, c5, c6, c7, c8 };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        SSL_SESSION_free(all[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
