/* TLS 1.3 client ctx in SSL_SESS_CACHE_CLIENT mode with new_cb (returning 1) and remove_cb:
 * the client calls new_cb once per ticket received and stores each ticket session in its
 * internal cache; a resumption removes the offered session from the client cache at the end
 * of the handshake (client remove_cb, the offered object becomes non-resumable), before the
 * new ticket arrives. An unclean close also removes the client's current session. The server
 * is the default (stateless tickets, new_cb, no remove_cb). */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    install_callbacks(server, 1, 0, 0);
    install_callbacks(client, 1, 0, 1);
    new_cb_return = 1;
    T("SSL_CTX_set_session_cache_mode(client, CLIENT) -> %lx",
      SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_CLIENT));

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    T("resumable s1=%d s2=%d", resumable(s1), resumable(s2));
    SSL_SESSION *s3 = connection("3 (resume s2, unclean close)", server, client, s2, 0);
    counters(server);
    counters(client);
    T("resumable s1=%d s2=%d s3=%d", resumable(s1), resumable(s2), resumable(s3));
    SSL_SESSION *s4 = connection("4 (offers s3, not resumable)", server, client, s3, 1);
    counters(server);
    counters(client);
    for (int i = 0; i < kept_count; i++)
        T("kept[%d] %s resumable=%d", i, S(kept[i]), resumable(kept[i]));
    T("SSL_CTX_free(client)");
    SSL_CTX_free(client);
    T("resumable s4=%d", resumable(s4));
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    free_kept();
    return 0;
}
