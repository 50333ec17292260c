/* TLS 1.3 stateless tickets with SSL_CTX_set_num_tickets(server, 3), server new_cb returning 0
 * and no remove_cb (nothing cached on the server), and a client ctx in SSL_SESS_CACHE_CLIENT
 * mode with new_cb and remove_cb: the server calls new_cb three times on a full handshake and
 * once on a resumption; the client calls new_cb for each ticket it receives and keeps them in
 * its internal cache; the resumption removes the offered session from the client cache. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    install_callbacks(server, 1, 1, 0);
    install_callbacks(client, 1, 1, 1);
    new_cb_return = 0;
    T("SSL_CTX_set_num_tickets(server, 3) -> %d", SSL_CTX_set_num_tickets(server, 3));
    T("SSL_CTX_set_session_cache_mode(client, CLIENT) -> %lx",
      SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_CLIENT));

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
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("SSL_CTX_free(client)");
    SSL_CTX_free(client);
    T("resumable s1=%d s2=%d s3=%d", resumable(s1), resumable(s2), resumable(s3));
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    free_kept();
    return 0;
}
