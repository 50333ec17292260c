/* Unclean SSL_free, TLS 1.2 session ids, remove callbacks on both contexts (client mode
 * SERVER, the default): the server freed without SSL_shutdown after a full handshake (the client
 * did shut down, and its close_notify was even read by the server); the server freed without
 * shutdown after a resumption; the client freed without shutdown (the server shut down); the
 * server marked shut down by SSL_set_shutdown and by quiet shutdown; both freed in the middle of
 * the handshake. Counters and which sessions still resume. */
#include "trace.h"

static SSL_CTX *server, *client;

/* A full or resumed handshake; the server and client SSLs are left open for the caller. */
static struct pair open_pair(const char *what, SSL_SESSION *offer)
{
    T("connection %s: client offers %s", what, S(offer));
    struct pair p = pair_new(server, client, offer);
    int ok = pair_handshake(&p);
    T("  handshake %s", ok ? "ok" : "failed");
    if (ok && !pair_exchange(&p))
        T("  data exchange failed");
    T("  reused server=%d client=%d; server session %s", SSL_session_reused(p.server), SSL_session_reused(p.client),
      S(SSL_get_session(p.server)));
    return p;
}

static void free_one(SSL *ssl, const char *what)
{
    T("  SSL_free(%s) %s", role(ssl), what);
    SSL_free(ssl);
}

static void finish(struct pair *p)
{
    close(p->fds[0]);
    close(p->fds[1]);
    counters(server);
}

int main(void)
{
    server = server_ctx();
    client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);
    install_callbacks(client, 0, 0, 1);
    new_cb_return = 1;
    char b;

    /* 1: the client shuts down, the server reads close_notify, but is freed without shutdown. */
    struct pair p = open_pair("1 (full; server freed without SSL_shutdown)", NULL);
    SSL_SESSION *c1 = SSL_get1_session(p.client);
    T("  SSL_shutdown(client) -> %d", SSL_shutdown(p.client));
    int r = SSL_read(p.server, &b, 1);
    T("  SSL_read(server) -> %d error=%d; get_shutdown(server)=%d", r, SSL_get_error(p.server, r),
      SSL_get_shutdown(p.server));
    free_one(p.server, "without SSL_shutdown");
    free_one(p.client, "after SSL_shutdown");
    T("  client copy %s resumable=%d; server object resumable=%d", S(c1), resumable(c1), resumable(kept[0]));
    finish(&p);
    counters(client);
    SSL_SESSION *c1b = connection("1b (offer S1)", server, client, c1, 1);
    counters(server);

    /* 2: a resumption, the server freed without shutdown. */
    p = open_pair("2 (resume S2 ...)", c1b);
    T("  SSL_shutdown(client) -> %d", SSL_shutdown(p.client));
    free_one(p.server, "without SSL_shutdown");
    free_one(p.client, "after SSL_shutdown");
    finish(&p);
    SSL_SESSION *c2b = connection("2b (offer it again)", server, client, c1b, 1);
    counters(server);

    /* 3: the server shuts down, the client is freed without shutdown. */
    p = open_pair("3 (resume; client freed without SSL_shutdown)", c2b);
    T("  SSL_shutdown(server) -> %d", SSL_shutdown(p.server));
    free_one(p.client, "without SSL_shutdown");
    free_one(p.server, "after SSL_shutdown");
    T("  client copy %s resumable=%d", S(c2b), resumable(c2b));
    finish(&p);
    counters(client);
    SSL_SESSION *c3b = connection("3b (offer the client copy)", server, client, c2b, 1);
    counters(server);

    /* 4: SSL_set_shutdown(SENT) instead of SSL_shutdown, and quiet shutdown. */
    p = open_pair("4 (resume; server SSL_set_shutdown(SSL_SENT_SHUTDOWN))", c3b);
    SSL_set_shutdown(p.server, SSL_SENT_SHUTDOWN);
    T("  SSL_shutdown(client) -> %d", SSL_shutdown(p.client));
    free_one(p.server, "after SSL_set_shutdown");
    free_one(p.client, "after SSL_shutdown");
    finish(&p);
    p = open_pair("5 (resume; server quiet shutdown)", c3b);
    SSL_set_quiet_shutdown(p.server, 1);
    r = SSL_shutdown(p.server);
    T("  SSL_shutdown(server, quiet) -> %d; get_shutdown(server)=%d", r, SSL_get_shutdown(p.server));
    SSL_set_shutdown(p.client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    free_one(p.server, "after quiet shutdown");
    free_one(p.client, "after SSL_set_shutdown(SENT|RECEIVED)");
    finish(&p);
    counters(client);

    /* 6: both freed mid-handshake (the server has answered the ClientHello once). */
    T("connection 6 (offer %s; both freed mid-handshake)", S(c3b));
    p = pair_new(server, client, c3b);
    r = SSL_do_handshake(p.client);
    T("  client step -> %d want_read=%d", r, SSL_get_error(p.client, r) == SSL_ERROR_WANT_READ);
    r = SSL_do_handshake(p.server);
    T("  server step -> %d want_read=%d; server session %s", r, SSL_get_error(p.server, r) == SSL_ERROR_WANT_READ,
      S(SSL_get_session(p.server)));
    free_one(p.server, "mid-handshake");
    free_one(p.client, "mid-handshake");
    finish(&p);
    SSL_SESSION *c6b = connection("6b (offer it again)", server, client, c3b, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION *all[] = { c1, c1b, c2b, c3b, c6b };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        SSL_SESSION_free(all[i]);
    T("SSL_CTX_free(client)");
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
