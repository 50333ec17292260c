/* TLS 1.3 client ctx in its default cache mode (SSL_SESS_CACHE_SERVER, even for a client) with
 * new_cb, get_cb and remove_cb installed: the client never calls new_cb and stores nothing,
 * a resumption does not use up the offered session (it stays resumable), get_cb is never
 * called on a client. An unclean close still invalidates the client's current session
 * (SSL_free -> SSL_CTX_remove_session on the client ctx: client remove_cb). The server is the
 * default (stateless tickets, new_cb returning 1, no remove_cb). */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    install_callbacks(server, 1, 0, 0);
    install_callbacks(client, 1, 1, 1);
    new_cb_return = 1;
    T("modes server=%lx client=%lx", SSL_CTX_get_session_cache_mode(server), SSL_CTX_get_session_cache_mode(client));

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
    T("SSL_CTX_remove_session(client, s2 %s) -> %d", S(s2), SSL_CTX_remove_session(client, s2));
    T("SSL_CTX_add_session(client, s2 %s) -> %d", S(s2), SSL_CTX_add_session(client, s2));
    counters(client);
    SSL_SESSION *s4 = connection("4 (offers s3, not resumable)", server, client, s3, 1);
    counters(server);
    counters(client);
    for (int i = 0; i < kept_count; i++)
        T("kept[%d] %s resumable=%d", i, S(kept[i]), resumable(kept[i]));
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
