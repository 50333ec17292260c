/* TLS 1.2 session ids, new_cb returning 0 and returning 1 (mode SERVER, internal store). With 0
 * the session still stays in the internal cache and resumes; with 1 the application also holds
 * the live cached object: a flush marks that object not resumable (the client's own object is
 * untouched). Re-adding the flagged object by hand makes it resume again: the internal lookup
 * does not check the flag. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);

    T("new_cb_return = 0");
    new_cb_return = 0;
    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    T("sessions kept by the application: %d", kept_count);
    counters(server);
    counters(client);

    SSL_SESSION *c2 = connection("2 (resume)", server, client, c1, 1);
    counters(server);
    counters(client);

    T("new_cb_return = 1");
    new_cb_return = 1;
    SSL_SESSION *c3 = connection("3 (full)", server, client, NULL, 1);
    T("sessions kept by the application: %d; kept %s resumable=%d", kept_count, S(kept[0]), resumable(kept[0]));
    counters(server);
    counters(client);

    SSL_SESSION *c4 = connection("4 (resume)", server, client, c3, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_flush_sessions(server, 0)");
    SSL_CTX_flush_sessions(server, 0);
    T("kept %s resumable=%d; client's %s resumable=%d", S(kept[0]), resumable(kept[0]), S(c3), resumable(c3));
    counters(server);

    int a = SSL_CTX_add_session(server, kept[0]);
    T("SSL_CTX_add_session(server, kept %s) -> %d; resumable=%d", S(kept[0]), a, resumable(kept[0]));
    counters(server);

    SSL_SESSION *c5 = connection("5 (offer the re-added session)", server, client, c3, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
