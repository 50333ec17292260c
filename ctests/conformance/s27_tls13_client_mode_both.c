/* TLS 1.3 client ctx in SSL_SESS_CACHE_BOTH mode (acts as CLIENT on a client) with new_cb
 * returning 1 and remove_cb; the server has stateless tickets, new_cb and remove_cb (so its
 * ticket sessions are cached too). SSL_CTX_flush_sessions(client, 0) empties the client cache
 * and marks every client session non-resumable, including the one the application holds from
 * SSL_get1_session: offering it gives a full handshake (no PSK offered, no client miss). */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    install_callbacks(server, 1, 0, 1);
    install_callbacks(client, 1, 0, 1);
    new_cb_return = 1;
    T("SSL_CTX_set_session_cache_mode(client, BOTH) -> %lx", SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_BOTH));

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    T("resumable s1=%d s2=%d", resumable(s1), resumable(s2));
    T("SSL_CTX_flush_sessions(client, 0)");
    SSL_CTX_flush_sessions(client, 0);
    counters(client);
    T("resumable s1=%d s2=%d", resumable(s1), resumable(s2));
    SSL_SESSION *s3 = connection("3 (offers s2, flushed: not resumable)", server, client, s2, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s4 = connection("4 (resume s3)", server, client, s3, 1);
    counters(server);
    counters(client);
    T("resumable s3=%d s4=%d", resumable(s3), resumable(s4));
    T("SSL_CTX_free(client)");
    SSL_CTX_free(client);
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    free_kept();
    return 0;
}
