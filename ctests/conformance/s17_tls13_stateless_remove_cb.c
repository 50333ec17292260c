/* TLS 1.3 stateless tickets with a server remove_cb and a new_cb returning 1 (the callback
 * keeps each session): the ticket sessions now enter the server's internal cache (one entry
 * per ticket), yet resumption never consults it: after SSL_CTX_flush_sessions(server, 0)
 * empties it, the next offered ticket still resumes. An explicit SSL_CTX_remove_session of a
 * kept (already flushed) session returns 0 but still calls remove_cb. SSL_CTX_free reports the
 * remaining entries. */
#include "trace.h"

static void show_kept(void)
{
    for (int i = 0; i < kept_count; i++)
        T("  kept[%d] %s resumable=%d", i, S(kept[i]), resumable(kept[i]));
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 1;

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    show_kept();
    T("SSL_CTX_flush_sessions(server, 0)");
    SSL_CTX_flush_sessions(server, 0);
    counters(server);
    show_kept();
    SSL_SESSION *s3 = connection("3 (resume s2 after the flush)", server, client, s2, 1);
    counters(server);
    counters(client);
    T("SSL_CTX_remove_session(server, kept[0] %s) -> %d", S(kept[0]), SSL_CTX_remove_session(server, kept[0]));
    T("SSL_CTX_remove_session(server, kept[%d] %s) -> %d", kept_count - 1, S(kept[kept_count - 1]),
      SSL_CTX_remove_session(server, kept[kept_count - 1]));
    counters(server);
    SSL_SESSION *s4 = connection("4 (resume s3, its server session removed)", server, client, s3, 1);
    counters(server);
    counters(client);
    show_kept();
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    show_kept();
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
