/* TLS 1.3 client ctx in SSL_SESS_CACHE_CLIENT|SSL_SESS_CACHE_NO_INTERNAL_STORE mode (the
 * s_client setup) with new_cb returning 0 and remove_cb: new_cb per ticket, nothing stored in
 * the client's internal cache, and a resumption still calls SSL_CTX_remove_session on the
 * offered session (remove_cb fires although nothing was cached; the session becomes
 * non-resumable). The server uses stateful tickets (SSL_OP_NO_TICKET) with its internal cache
 * and a remove_cb. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    install_callbacks(server, 1, 0, 1);
    install_callbacks(client, 1, 0, 1);
    new_cb_return = 0;
    T("SSL_CTX_set_session_cache_mode(client, CLIENT|NO_INTERNAL_STORE) -> %lx",
      SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE));
    T("SSL_CTX_get_session_cache_mode(client) -> %lx", SSL_CTX_get_session_cache_mode(client));

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s3 = connection("3 (resume s2)", server, client, s2, 1);
    counters(server);
    counters(client);
    T("resumable s1=%d s2=%d s3=%d", resumable(s1), resumable(s2), resumable(s3));
    T("SSL_CTX_remove_session(client, s3 %s) -> %d", S(s3), SSL_CTX_remove_session(client, s3));
    SSL_SESSION *s4 = connection("4 (offers s3, removed: not resumable)", server, client, s3, 1);
    counters(server);
    counters(client);
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
