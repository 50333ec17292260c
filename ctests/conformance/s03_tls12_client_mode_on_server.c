/* TLS 1.2 session ids, server cache mode SSL_SESS_CACHE_CLIENT only (no SERVER bit): a
 * session cached while the mode was SERVER still resumes (the lookup ignores the mode), but
 * new sessions get an empty id: no new_cb, no add, no resumable client session. An unclean
 * close still removes (remove_cb) in this mode. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 0;

    long m = SSL_CTX_get_session_cache_mode(server);
    T("get_session_cache_mode(server) -> %ld", m);
    SSL_SESSION *c1 = connection("1 (full, mode SERVER)", server, client, NULL, 1);
    counters(server);
    counters(client);

    m = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_CLIENT);
    T("set_session_cache_mode(server, CLIENT) -> %ld", m);
    m = SSL_CTX_get_session_cache_mode(server);
    T("get_session_cache_mode(server) -> %ld", m);

    SSL_SESSION *c2 = connection("2 (resume, mode CLIENT)", server, client, c1, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c3 = connection("3 (full, mode CLIENT)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c4 = connection("4 (resume, mode CLIENT, unclean close)", server, client, c1, 0);
    T("client sessions after the unclean close: %s resumable=%d, %s resumable=%d", S(c1), resumable(c1), S(c4),
      resumable(c4));
    counters(server);
    counters(client);

    SSL_SESSION *c5 = connection("5 (offer the invalidated session, mode CLIENT)", server, client, c1, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
