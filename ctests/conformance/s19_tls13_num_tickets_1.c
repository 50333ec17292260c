/* TLS 1.3 stateless tickets with SSL_CTX_set_num_tickets(server, 1), a server remove_cb and a
 * new_cb returning 1: one ticket (one new_cb, one internal entry) per handshake, full or
 * resumed. The client resumes three times in a row, each time with the session from the
 * previous connection; the stateless ticket is not single-use on the server, so the cache
 * keeps growing by one. Then the ctx's timeout is changed to 600: the ticket issued on the
 * next resumption is a copy of the resumed session (OpenSSL keeps its timeout, 7200), and only
 * the ticket of a full handshake gets 600. That resumption closes uncleanly on both sides
 * (server remove_cb for the ticket session; the client's session becomes non-resumable). */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    install_callbacks(server, 1, 0, 1);
    new_cb_return = 1;
    T("SSL_CTX_set_num_tickets(server, 1) -> %d", SSL_CTX_set_num_tickets(server, 1));

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s3 = connection("3 (resume s2)", server, client, s2, 1);
    counters(server);
    counters(client);
    T("SSL_CTX_set_timeout(server, 600) -> %ld", SSL_CTX_set_timeout(server, 600));
    SSL_SESSION *s4 = connection("4 (resume s3, unclean close)", server, client, s3, 0);
    counters(server);
    counters(client);
    for (int i = 0; i < kept_count; i++)
        T("kept[%d] %s resumable=%d timeout=%ld", i, S(kept[i]), resumable(kept[i]), SSL_SESSION_get_timeout(kept[i]));
    T("resumable s1=%d s2=%d s3=%d s4=%d", resumable(s1), resumable(s2), resumable(s3), resumable(s4));
    SSL_SESSION *s5 = connection("5 (offers s4, not resumable: full)", server, client, s4, 1);
    counters(server);
    counters(client);
    T("kept[%d] %s resumable=%d timeout=%ld", kept_count - 1, S(kept[kept_count - 1]),
      resumable(kept[kept_count - 1]), SSL_SESSION_get_timeout(kept[kept_count - 1]));
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
