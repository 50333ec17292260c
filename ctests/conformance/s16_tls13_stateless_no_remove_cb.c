/* TLS 1.3 stateless tickets (the default) with a server new_cb returning 0 and a get_cb, but
 * no remove_cb: new_cb fires once per ticket (2 on a full handshake, 1 per resumption), the
 * server's internal cache stays empty and get_cb is never consulted. Each resumption offers
 * the session the client got from the previous connection; the last one closes uncleanly,
 * which makes the client's session non-resumable, so a fifth connection is a full handshake. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    install_callbacks(server, 1, 1, 0);
    new_cb_return = 0;
    T("modes server=%lx client=%lx num_tickets=%d", SSL_CTX_get_session_cache_mode(server),
      SSL_CTX_get_session_cache_mode(client), (int)SSL_CTX_get_num_tickets(server));

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s3 = connection("3 (resume s2)", server, client, s2, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s4 = connection("4 (resume s3, unclean close)", server, client, s3, 0);
    counters(server);
    counters(client);
    T("resumable s1=%d s2=%d s3=%d s4=%d", resumable(s1), resumable(s2), resumable(s3), resumable(s4));
    SSL_SESSION *s5 = connection("5 (offers s4, not resumable)", server, client, s4, 1);
    counters(server);
    counters(client);
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_SESSION_free(s5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
