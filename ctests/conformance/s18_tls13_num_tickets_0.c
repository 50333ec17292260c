/* TLS 1.3 with SSL_CTX_set_num_tickets(server, 0) (server new_cb, get_cb and remove_cb
 * installed): no ticket, no new_cb, nothing cached, and the client's session has no id and is
 * not resumable, so offering it gives a full handshake (no client miss: nothing was really
 * offered). Then one ticket is allowed again, and a resumption of that ticket under
 * num_tickets 0 issues no new ticket: the client keeps the session it offered. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 0;
    T("SSL_CTX_set_num_tickets(server, 0) -> %d", SSL_CTX_set_num_tickets(server, 0));
    T("SSL_CTX_get_num_tickets(server) -> %d", (int)SSL_CTX_get_num_tickets(server));

    SSL_SESSION *s1 = connection("1 (full, no ticket)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (offers s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    T("SSL_CTX_set_num_tickets(server, 1) -> %d", SSL_CTX_set_num_tickets(server, 1));
    SSL_SESSION *s3 = connection("3 (offers s2, one ticket)", server, client, s2, 1);
    counters(server);
    counters(client);
    T("SSL_CTX_set_num_tickets(server, 0) -> %d", SSL_CTX_set_num_tickets(server, 0));
    SSL_SESSION *s4 = connection("4 (resume s3, no ticket)", server, client, s3, 1);
    counters(server);
    counters(client);
    T("s4 is s3: %d; resumable s1=%d s2=%d s3=%d", s4 == s3, resumable(s1), resumable(s2), resumable(s3));
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
