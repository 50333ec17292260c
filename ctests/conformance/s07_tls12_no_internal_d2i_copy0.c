/* TLS 1.2 session ids, server mode SERVER|NO_INTERNAL, the nginx shared-cache pattern: new_cb
 * serializes the session (i2d) and returns 0, get_cb returns a fresh d2i_SSL_SESSION with
 * *copy = 0. Nothing ever enters the internal cache and no miss is counted; every resumption is
 * a cb_hit; an unclean close calls remove_cb on the decoded object but the stored DER stays
 * usable. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 0;
    store_der = 1;
    get_mode = GET_D2I_COPY0;

    long m = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    T("set_session_cache_mode(server, SERVER|NO_INTERNAL) -> %ld", m);
    m = SSL_CTX_get_session_cache_mode(server);
    T("get_session_cache_mode(server) -> 0x%lx", m);

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    T("stored DER entries: %d", der_count);
    counters(server);
    counters(client);

    SSL_SESSION *c2 = connection("2 (resume through get_cb)", server, client, c1, 1);
    counters(server);
    counters(client);

    /* The client keeps a copy (SSL_SESSION_dup) that its own unclean SSL_free cannot invalidate. */
    SSL_SESSION *saved = SSL_SESSION_dup(c1);
    SSL_SESSION *c3 = connection("3 (resume through get_cb, unclean close)", server, client, c1, 0);
    T("client's %s resumable=%d, saved copy resumable=%d", S(c1), resumable(c1), resumable(saved));
    counters(server);
    counters(client);

    SSL_SESSION *c4 = connection("4 (offer the saved copy)", server, client, saved, 1);
    counters(server);
    counters(client);

    const unsigned char *q = der_store[0].der;
    SSL_SESSION *d = d2i_SSL_SESSION(NULL, &q, der_store[0].der_len);
    int r = SSL_CTX_remove_session(server, d);
    T("SSL_CTX_remove_session(server, decoded %s) -> %d; decoded resumable=%d", S(d), r, resumable(d));
    int a = SSL_CTX_add_session(server, d);
    T("SSL_CTX_add_session(server, decoded %s) -> %d", S(d), a);
    counters(server);

    SSL_SESSION *c5 = connection("5 (offer the saved copy, internal entry present but NO_INTERNAL_LOOKUP)",
                                 server, client, saved, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(d);
    SSL_SESSION_free(saved);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
