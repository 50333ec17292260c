/* TLS 1.3 stateful tickets (SSL_OP_NO_TICKET on the server) with the internal cache, server
 * new_cb returning 1, get_cb (GET_NONE) and remove_cb: every ticket session is cached; a
 * resumption is an internal hit (no get_cb) and the ticket is not single-use on the server.
 * After SSL_CTX_remove_session of the session behind the client's current ticket, offering
 * that ticket misses: server misses, get_cb with the 32-byte ticket id, a full handshake and a
 * client miss. The last resumption closes uncleanly (server remove_cb). */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    T("SSL_CTX_set_options(server, SSL_OP_NO_TICKET) has NO_TICKET: %d",
      (SSL_CTX_set_options(server, SSL_OP_NO_TICKET) & SSL_OP_NO_TICKET) != 0);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 1;
    get_mode = GET_NONE;

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    SSL_SESSION *last = kept[kept_count - 1];
    T("SSL_CTX_remove_session(server, %s) -> %d", S(last), SSL_CTX_remove_session(server, last));
    T("SSL_CTX_remove_session(server, %s) again -> %d", S(last), SSL_CTX_remove_session(server, last));
    counters(server);
    SSL_SESSION *s3 = connection("3 (offers s2, its server session removed)", server, client, s2, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s4 = connection("4 (resume s3, unclean close)", server, client, s3, 0);
    counters(server);
    counters(client);
    for (int i = 0; i < kept_count; i++)
        T("kept[%d] %s resumable=%d", i, S(kept[i]), resumable(kept[i]));
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
