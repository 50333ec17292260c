/* TLS 1.2 session ids, server mode SERVER|NO_INTERNAL_STORE with an external cache of the
 * objects new_cb keeps (new_cb returns 1) and get_cb returning them with *copy left at 1.
 * Nothing is stored internally (number stays 0, every lookup is an internal miss), the get_cb
 * result is not stored either. An unclean close calls remove_cb although nothing was cached and
 * marks the kept object not resumable, so the next get_cb result is ignored. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 1;
    get_mode = GET_KEPT_COPY1;

    long m = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    T("set_session_cache_mode(server, SERVER|NO_INTERNAL_STORE) -> %ld", m);
    m = SSL_CTX_get_session_cache_mode(server);
    T("get_session_cache_mode(server) -> 0x%lx", m);

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c2 = connection("2 (resume through get_cb)", server, client, c1, 1);
    T("kept %s resumable=%d", S(kept[0]), resumable(kept[0]));
    counters(server);
    counters(client);

    /* The client keeps a copy (SSL_SESSION_dup) that its own unclean SSL_free cannot invalidate. */
    SSL_SESSION *saved = SSL_SESSION_dup(c1);
    T("client keeps a copy %s resumable=%d", S(saved), resumable(saved));
    SSL_SESSION *c3 = connection("3 (resume through get_cb, unclean close)", server, client, c1, 0);
    T("kept %s resumable=%d; client's %s resumable=%d, copy resumable=%d", S(kept[0]), resumable(kept[0]), S(c1),
      resumable(c1), resumable(saved));
    counters(server);
    counters(client);

    int r = SSL_CTX_remove_session(server, kept[0]);
    T("SSL_CTX_remove_session(server, %s) -> %d", S(kept[0]), r);
    counters(server);

    SSL_SESSION *c4 = connection("4 (offer the saved copy, get_cb returns the invalidated object)", server, client, saved, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(saved);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
