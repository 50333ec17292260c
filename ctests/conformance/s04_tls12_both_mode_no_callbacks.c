/* TLS 1.2 session ids, cache mode SSL_SESS_CACHE_BOTH on the server and on the client, with
 * no callbacks installed at all (NULL new/get/remove): the internal caches alone. Full
 * handshake, resumption, an unclean close (removes from both caches), a flush, and a miss. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 0, 0, 0);
    install_callbacks(client, 0, 0, 0);

    long m = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_BOTH);
    T("set_session_cache_mode(server, BOTH) -> %ld", m);
    m = SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_BOTH);
    T("set_session_cache_mode(client, BOTH) -> %ld", m);

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c2 = connection("2 (resume, unclean close)", server, client, c1, 0);
    T("client session %s resumable=%d after the unclean close", S(c1), resumable(c1));
    counters(server);
    counters(client);

    SSL_SESSION *c3 = connection("3 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c4 = connection("4 (resume)", server, client, c3, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_flush_sessions(server, 0)");
    SSL_CTX_flush_sessions(server, 0);
    T("client session %s resumable=%d after the server flush", S(c3), resumable(c3));
    counters(server);
    counters(client);

    SSL_SESSION *c5 = connection("5 (offer after the flush)", server, client, c3, 1);
    counters(server);
    counters(client);

    int r = SSL_CTX_remove_session(client, c5);
    T("SSL_CTX_remove_session(client, %s) -> %d", S(c5), r);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    T("SSL_CTX_free(client)");
    SSL_CTX_free(client);
    return 0;
}
