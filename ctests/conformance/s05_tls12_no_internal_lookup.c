/* TLS 1.2 session ids, server mode SERVER|NO_INTERNAL_LOOKUP: sessions are still stored in the
 * internal cache, but never looked up there; get_cb is asked at once and no miss is counted.
 * First get_cb finds nothing (no resumption although the session is cached), then it returns
 * the session kept from new_cb with an up-ref and *copy = 0 (already cached: no second entry),
 * then the kept object after SSL_CTX_remove_session (not resumable: ignored). */
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
    get_mode = GET_NONE;

    long m = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
    T("set_session_cache_mode(server, SERVER|NO_INTERNAL_LOOKUP) -> %ld", m);
    m = SSL_CTX_get_session_cache_mode(server);
    T("get_session_cache_mode(server) -> 0x%lx", m);

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c2 = connection("2 (offer, get_cb finds nothing)", server, client, c1, 1);
    counters(server);
    counters(client);

    T("get_mode = GET_KEPT_UPREF_COPY0");
    get_mode = GET_KEPT_UPREF_COPY0;
    SSL_SESSION *c3 = connection("3 (offer, get_cb returns the kept session)", server, client, c1, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c4 = connection("4 (offer the second session)", server, client, c2, 1);
    counters(server);
    counters(client);

    int r = SSL_CTX_remove_session(server, kept[0]);
    T("SSL_CTX_remove_session(server, %s) -> %d", S(kept[0]), r);
    T("kept %s resumable=%d", S(kept[0]), resumable(kept[0]));
    counters(server);

    SSL_SESSION *c5 = connection("5 (offer, get_cb returns the removed session)", server, client, c1, 1);
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
